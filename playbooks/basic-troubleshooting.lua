-- Basic troubleshooting
-- Guide: #basic-troubleshooting.  The checklist to go through before
-- troubleshooting the MARS agent, one check per bullet: agent up to date,
-- network connectivity, the MARS service, 5-10 % free space for the
-- scratch folder, antivirus or other processes, backups completed with
-- warnings, scheduled backups, OS updates, unsupported drives and files,
-- clock and time zone, .NET Framework 4.5.2+, re-registration notes,
-- Azure PowerShell for offline backup, the agent on an Azure VM.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local scratch = require "marsplay.scratch"
local agentv = require "marsplay.agent"
local services = require "marsplay.services"
local failedfiles = require "marsplay.failedfiles"
local warn = require "marsplay.consequences"

local fs, reg = mp.fs, mp.reg
local T = mp.text

local with_agent = mars.with_agent

local function merge(...)
  local out = {}
  for i = 1, select("#", ...) do
    for k, v in pairs((select(i, ...))) do out[k] = v end
  end
  return out
end

-- The connectivity and clock modules are loaded when a check needs them;
-- their parameters are merged here when they are installed.
local function params_of(modname)
  local ok, mod = pcall(require, modname)
  return ok and type(mod) == "table" and mod.PARAMS or {}
end

local NDP = [[HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full]]
local DOTNET_URL = "https://www.microsoft.com/download/details.aspx?id=30653"
local SUPPORT_MATRIX = "https://learn.microsoft.com/azure/backup/backup-support-matrix-mars-agent"
local SLOW_BACKUP = "https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-slow-backup-performance-issue"

-- .NET Framework 4.x Release values (the documented minimum per version).
local DOTNET_RELEASES = {
  { 533320, "4.8.1" }, { 528040, "4.8" }, { 461808, "4.7.2" }, { 461308, "4.7.1" },
  { 460798, "4.7" }, { 394802, "4.6.2" }, { 394254, "4.6.1" }, { 393295, "4.6" },
  { 379893, "4.5.2" }, { 378675, "4.5.1" }, { 378389, "4.5" },
}

local function dotnet_name(release)
  for _, r in ipairs(DOTNET_RELEASES) do
    if release >= r[1] then return r[2] end
  end
  return "older than 4.5"
end

-- ---------- detect functions ----------

local function detect_dotnet(ctx)
  local min = ctx.params.min_dotnet_release
  local release = reg.get(NDP, "Release")
  local ev = { key = NDP, min_release = min, min_version = dotnet_name(min) }
  local recs = {
    T("Install .NET Framework 4.5.2 or later (current agents ask for 4.8): " .. DOTNET_URL .. ", then restart the server.",
      "Instale o .NET Framework 4.5.2 ou posterior (os agentes atuais pedem 4.8): " .. DOTNET_URL .. " e reinicie o servidor."),
  }
  if math.type(release) ~= "integer" then
    return mp.manual { evidence = ev, recommendations = recs,
      message = T(".NET Framework 4.5 or later is not installed ({key} has no Release value).",
                  "O .NET Framework 4.5 ou posterior não está instalado ({key} não tem o valor Release).") }
  end
  ev.release = release
  ev.version = dotnet_name(release)
  ev.version_string = reg.get(NDP, "Version")
  if release >= min then
    return mp.pass(ev, T(".NET Framework {version} is installed (Release {release}).",
                         "O .NET Framework {version} está instalado (Release {release})."))
  end
  return mp.manual { evidence = ev, recommendations = recs,
    message = T(".NET Framework {version} (Release {release}) is older than {min_version} (Release {min_release}).",
                "O .NET Framework {version} (Release {release}) é anterior ao {min_version} (Release {min_release})."), }
end

-- Unsupported drives and items among the protected folders.
local function detect_unsupported(ctx)
  local list = ctx.params.protected
  if type(list) ~= "table" or #list == 0 then
    return mp.skip(T("Which folders the policy protects is not known from the volume (the policy lives in the agent's database): pass --set protected=<folders;...> to check them.",
                     "Quais pastas a política protege não se sabe pelo volume (a política fica no banco de dados do agente): informe --set protected=<pastas;...> para verificá-las."))
  end
  local ev = { protected = list, problems = {}, folders = {} }
  for _, path in ipairs(list) do
    local row = { path = path }
    ev.folders[#ev.folders + 1] = row
    local st, err = fs.stat(path)
    if not st then
      row.error = err
      ev.problems[#ev.problems + 1] = path .. ": missing"
    elseif st.type == "link" then
      row.reparse = true
      ev.problems[#ev.problems + 1] = path .. ": a reparse point (link)"
    else
      local vol = fs.volume(path)
      if vol then
        row.fstype, row.remote, row.readonly = vol.fstype, vol.remote, vol.readonly
        if vol.remote then ev.problems[#ev.problems + 1] = path .. ": on a network share (" .. vol.fstype .. ")" end
        if vol.readonly then ev.problems[#ev.problems + 1] = path .. ": on a read-only volume" end
      end
      local du, derr = fs.du(path)
      if du then
        row.links, row.hardlinks, row.files = du.links, du.hardlinks, du.files
        if du.links > 0 then ev.problems[#ev.problems + 1] = ("%s: %d reparse point(s) (links) inside"):format(path, du.links) end
        if du.hardlinks > 0 then ev.problems[#ev.problems + 1] = ("%s: %d hard-linked file(s) inside"):format(path, du.hardlinks) end
      else
        row.error = derr
      end
    end
  end
  if #ev.problems == 0 then
    return mp.pass(ev, T("The protected folders are on local writable volumes and hold no links or hard links.",
                         "As pastas protegidas estão em volumes locais graváveis e não contêm links nem links físicos."))
  end
  return mp.manual { evidence = ev,
    message = T("Protected items the agent does not support: {problems}.",
                "Itens protegidos que o agente não suporta: {problems}."),
    recommendations = {
      T("Exclude unsupported drives and items from the backup policy (MARS console: Schedule Backup > Exclusion Settings); see the support matrix: " .. SUPPORT_MATRIX .. ".",
        "Exclua do backup as unidades e os itens sem suporte (console do MARS: Agendar Backup > Configurações de Exclusão); veja a matriz de suporte: " .. SUPPORT_MATRIX .. "."),
      T("Not supported: network shares, removable media, read-only and offline volumes; reparse points (links, junctions), hard links, files both encrypted and sparse, compressed or " ..
        "sparse streams, OneDrive files.",
        "Sem suporte: compartilhamentos de rede, mídia removível, volumes somente leitura e offline; pontos de nova análise (links, junções), links físicos, arquivos criptografados e " ..
          "esparsos ao mesmo tempo, fluxos compactados ou esparsos, arquivos do OneDrive."),
      T("List the links of a folder with: dir /AL /S <folder>.", "Liste os links de uma pasta com: dir /AL /S <pasta>."),
    } }
end

local function detect_reregister(agent, ctx)
  local registered = agent.machine_id ~= nil and reg.get(mars.CONFIG, "ResourceId") ~= nil
  local ev = { registered = registered, machine_id = agent.machine_id or false,
               reregister = ctx.params.reregister, key = mars.CONFIG }
  if registered and not ctx.params.reregister then
    return mp.skip(T("Not applicable: the server is registered (MachineId {machine_id}); set reregister=true before registering it to a vault again, for the guide's notes.",
                     "Não se aplica: o servidor está registrado (MachineId {machine_id}); defina reregister=true antes de registrá-lo novamente em um cofre, para ver as notas do guia."), ev)
  end
  return mp.manual { evidence = ev,
    message = registered
      and T("Re-registering the server to a vault: follow the guide's notes.",
            "Registrando novamente o servidor em um cofre: siga as notas do guia.")
      or T("The agent is installed but not registered to a vault (no MachineId/ResourceId under {key}): before registering it again, follow the guide's notes.",
           "O agente está instalado mas não registrado em um cofre (sem MachineId/ResourceId em {key}): antes de registrá-lo novamente, siga as notas do guia."),
    recommendations = {
      T("Make sure the agent was uninstalled from the server and the server was deleted from the vault in the Azure portal.",
        "Verifique se o agente foi desinstalado do servidor e se o servidor foi excluído do cofre no portal do Azure."),
      T("Use the same passphrase that was used when the server was first registered.",
        "Use a mesma senha que foi usada no registro inicial do servidor."),
      warn.UNREGISTER,
      warn.NEW_PASSPHRASE,
    } }
end

local function detect_offline_backup(ctx)
  if not ctx.params.offline_backup then
    return mp.skip(T("Not applicable: offline backup (offline seeding) is not in use; set offline_backup=true to check its prerequisite.",
                     "Não se aplica: o backup offline (propagação offline) não está em uso; defina offline_backup=true para verificar seu pré-requisito."))
  end
  local ev = { modules = {} }
  for _, dir in ipairs { [[C:\Program Files\WindowsPowerShell\Modules]],
                         [[C:\Program Files (x86)\Microsoft SDKs\Azure\PowerShell\ResourceManager\AzureResourceManager]] } do
    for _, e in ipairs(fs.dir(dir) or {}) do
      if e.name:lower():match("^azure") then ev.modules[#ev.modules + 1] = mars.join(dir, e.name) end
    end
  end
  return mp.manual { evidence = ev,
    message = T("Offline backup: Azure PowerShell 3.7.0 must be installed on both the source and the copy computer (modules found here: {modules}).",
                "Backup offline: o Azure PowerShell 3.7.0 precisa estar instalado tanto na origem quanto no computador de cópia (módulos encontrados aqui: {modules})."),
    recommendations = {
      T("Before starting the offline backup, check that Azure PowerShell 3.7.0 is installed on the source computer and on the copy computer (Get-Module -ListAvailable AzureRM*).",
        "Antes de iniciar o backup offline, verifique se o Azure PowerShell 3.7.0 está instalado no computador de origem e no de cópia (Get-Module -ListAvailable AzureRM*)."),
    } }
end

local AZURE_SERVICES = { "WindowsAzureGuestAgent", "RdAgent" }

local function detect_azure_vm(ctx)
  local ev = { services = {} }
  for _, s in ipairs(AZURE_SERVICES) do
    local info = services.read(s)
    if info and info.exists then ev.services[#ev.services + 1] = s end
  end
  ev.windowsazure_folder = fs.isdir([[C:\WindowsAzure]]) == true
  local azure = #ev.services > 0 or ev.windowsazure_folder
  ev.azure_vm = azure
  if not azure then
    return mp.skip(T("Not applicable: no sign of an Azure VM (no Windows Azure Guest Agent service, no C:\\WindowsAzure).",
                     "Não se aplica: nenhum sinal de VM do Azure (sem o serviço Windows Azure Guest Agent, sem C:\\WindowsAzure)."), ev)
  end
  if not ctx.params.slow_backups then
    return mp.skip(T("This server is an Azure VM ({services}); the guide's note is about slow backups there: set slow_backups=true if backups are slow.",
                     "Este servidor é uma VM do Azure ({services}); a nota do guia trata de backups lentos nela: defina slow_backups=true se os backups estiverem lentos."), ev)
  end
  return mp.manual { evidence = ev,
    message = T("The agent runs on an Azure VM and backups are slow: the VM's disk limits bound the backup's speed.",
                "O agente é executado em uma VM do Azure e os backups estão lentos: os limites de disco da VM limitam a velocidade do backup."),
    recommendations = {
      T("On a VM a backup is slower than on a physical server because of the disks' IOPS limits; this is expected.",
        "Em uma VM o backup é mais lento do que em um servidor físico por causa dos limites de IOPS dos discos; isso é esperado."),
      T("Move the data disks being backed up to Premium SSD (or a VM size with more disk throughput) to speed it up; see " .. SLOW_BACKUP .. ".",
        "Mova os discos de dados incluídos no backup para SSD Premium (ou um tamanho de VM com mais taxa de transferência de disco) para acelerá-lo; veja " .. SLOW_BACKUP .. "."),
    } }
end

local function detect_os_updates(ctx)
  local cv = [[HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion]]
  local ev = { product = reg.get(cv, "ProductName"), build = reg.get(cv, "CurrentBuildNumber"), ubr = reg.get(cv, "UBR") }
  if ctx.offline then
    return mp.skip(T("Whether the latest updates are installed cannot be known from an offline volume (Windows Update needs the running server and the update catalogue); installed " ..
      "build: {product} {build}.{ubr}.",
                     "Se as atualizações mais recentes estão instaladas não se sabe a partir de um volume offline (o Windows Update precisa do servidor em execução e do catálogo de " ..
                       "atualizações); build instalada: {product} {build}.{ubr}."), ev)
  end
  return mp.manual { evidence = ev,
    message = T("Check that the operating system has the latest updates ({product} {build}.{ubr}).",
                "Verifique se o sistema operacional tem as atualizações mais recentes ({product} {build}.{ubr})."),
    recommendations = {
      T("Settings > Update & Security > Windows Update (or sconfig on Server Core): install the pending updates and restart.",
        "Configurações > Atualização e Segurança > Windows Update (ou sconfig no Server Core): instale as atualizações pendentes e reinicie."),
    } }
end

-- ---------- the playbook ----------

return mp.playbook {
  id = "basic-troubleshooting",
  title = T("Basic troubleshooting", "Solução básica de problemas"),
  anchor = "basic-troubleshooting",
  params = merge(agentv.PARAMS, params_of("marsplay.connectivity"), params_of("marsplay.clock"), {
    min_free_pct = { type = "number", default = 5, min = 0, max = 100,
                     doc = "minimum free space on the cache volume, % of the protected data" },
    recommended_free_pct = { type = "number", default = 10, min = 0, max = 100,
                             doc = "recommended free space, % of the protected data" },
    protected = { type = "list", default = {},
                  doc = "folders being backed up (;-separated): sized for the 5-10 % rule, checked for unsupported items" },
    protected_bytes = { type = "number", default = 0, min = 0,
                        doc = "size of the protected data in bytes, instead of sizing folders" },
    warnings_max_age_days = { type = "number", default = 30, min = 0,
                              doc = "a failed-files list younger than this counts as a recent backup with warnings" },
    failed_files_pattern = failedfiles.PARAMS.failed_files_pattern,
    min_dotnet_release = { type = "number", default = 379893, min = 0,
                           doc = ".NET Framework 4.x Release value required (379893 = 4.5.2)" },
    reregister = { type = "boolean", default = false, doc = "the server is about to be registered to a vault again" },
    offline_backup = { type = "boolean", default = false, doc = "offline backup (offline seeding) is used" },
    slow_backups = { type = "boolean", default = false, doc = "backups are slow (for the Azure VM note)" },
  }),
  checks = {
    mp.check {
      id = "agent-up-to-date",
      title = T("The MARS agent is up to date", "O agente MARS está atualizado"),
      cause = T("An outdated agent.", "Um agente desatualizado."),
      severity = "medium",
      detect = with_agent(function(agent, ctx) return agentv.detect_version(agent, ctx.params) end),
    },
    mp.check {
      id = "network-connectivity",
      title = T("The agent has network connectivity to Azure", "O agente tem conectividade de rede com o Azure"),
      cause = T("No network connectivity between the agent and Azure.", "Sem conectividade de rede entre o agente e o Azure."),
      anchor = "the-microsoft-azure-recovery-service-agent-was-unable-to-connect-to-microsoft-azure-backup",
      error_ids = { "100050" },
      severity = "high",
      detect = with_agent(function(_, ctx) return require("marsplay.connectivity").detect(ctx) end),
    },
    mp.check {
      id = "mars-service",
      title = T("The MARS service (obengine) is installed, not disabled and its binary is present",
                "O serviço do MARS (obengine) está instalado, não está desabilitado e o binário está presente"),
      cause = T("The MARS service is not running (here: disabled, not installed or without its binary).",
                "O serviço do MARS não está em execução (aqui: desabilitado, não instalado ou sem o binário)."),
      severity = "critical",
      detect = with_agent(function(agent)
        return services.detect_configured {
          -- Manual is a normal installed state (Microsoft's xASR DSC
          -- resource sets it); only Disabled keeps it from running, and
          -- the least change that lets it start is Manual.
          name = mars.SERVICE, ok_starts = { 2, 3 }, fix_start = 3,
          missing_steps = {
            T("Reinstall the latest MARS agent (" .. agentv.DOWNLOAD .. "): the installer registers the obengine service; the registration is kept.",
              "Reinstale o agente MARS mais recente (" .. agentv.DOWNLOAD .. "): o instalador registra o serviço obengine; o registro é mantido."),
          },
          binary_steps = {
            T("Reinstall or repair the MARS agent (" .. agentv.DOWNLOAD .. ") to restore " .. mars.join(agent.bin, "cbengine.exe") .. ".",
              "Reinstale ou repare o agente MARS (" .. agentv.DOWNLOAD .. ") para restaurar " .. mars.join(agent.bin, "cbengine.exe") .. "."),
            T("Check whether an antivirus quarantined cbengine.exe; exclude it and the Bin folder from scans.",
              "Verifique se um antivírus colocou o cbengine.exe em quarentena; exclua-o e a pasta Bin das verificações."),
          },
        }
      end),
      fix = function(_, finding) services.fix_start(finding) end,
    },
    mp.check {
      id = "mars-service-running",
      title = T("The MARS service (obengine) is running", "O serviço do MARS (obengine) está em execução"),
      cause = T("The MARS service is not running: restart it and retry the operation.",
                "O serviço do MARS não está em execução: reinicie-o e repita a operação."),
      severity = "high",
      depends = { "mars-service" },
      detect = with_agent(function() return services.detect_running(mars.SERVICE, "cbengine.exe") end),
      fix = function(_, finding) services.fix_running(finding) end,
    },
    mp.check {
      id = "scratch-free-space",
      title = T("5-10 % of the protected data is free on the scratch folder's volume",
                "5-10 % dos dados protegidos estão livres no volume da pasta de rascunho"),
      cause = T("Not enough free space where the scratch folder is.", "Espaço livre insuficiente onde fica a pasta de rascunho."),
      anchor = "prerequisites",
      error_ids = { "SalLowDiskSpace" },
      severity = "high",
      detect = with_agent(function(agent, ctx) return scratch.detect_space(agent, ctx.params) end),
    },
    mp.check {
      id = "antivirus-interference",
      title = T("No antivirus or other process holds the agent's cache files",
                "Nenhum antivírus ou outro processo mantém os arquivos de cache do agente"),
      cause = T("Another process or antivirus software interferes with Azure Backup.",
                "Outro processo ou software antivírus está interferindo no Backup do Azure."),
      anchor = "another-process-or-antivirus-software-blocking-access-to-cache-folder",
      severity = "medium",
      detect = with_agent(function(agent) return scratch.detect_holders(agent) end),
    },
    mp.check {
      id = "backup-warnings",
      title = T("No recent backup completed with warnings", "Nenhum backup recente terminou com avisos"),
      cause = T("A backup job completed with warnings (files skipped).", "Um trabalho de backup foi concluído com avisos (arquivos ignorados)."),
      anchor = "backup-jobs-completed-with-warning",
      severity = "low",
      detect = with_agent(function(agent, ctx) return failedfiles.detect_recent(agent, ctx.params) end),
    },
    mp.check {
      id = "scheduled-backups",
      title = T("Scheduled backups run (when manual backups work)", "Os backups agendados são executados (quando os manuais funcionam)"),
      cause = T("Scheduled backups fail while manual backups work.", "Backups agendados falham enquanto os manuais funcionam."),
      anchor = "backups-dont-run-according-to-schedule",
      severity = "medium",
      detect = with_agent(function()
        return mp.skip(T("This bullet applies when scheduled backups fail but manual ones work, which a volume does not show: run the backups-dont-run-on-schedule playbook " ..
          "(scheduled task, its account, PowerShell) for it.",
                         "Este item se aplica quando backups agendados falham mas os manuais funcionam, o que um volume não mostra: execute o playbook " ..
                           "backups-dont-run-on-schedule (tarefa agendada, sua conta, PowerShell) para isso."))
      end),
    },
    mp.check {
      id = "os-updates",
      title = T("The operating system has the latest updates", "O sistema operacional tem as atualizações mais recentes"),
      cause = T("Missing operating system updates.", "Atualizações do sistema operacional ausentes."),
      severity = "low",
      detect = with_agent(function(_, ctx) return detect_os_updates(ctx) end),
    },
    mp.check {
      id = "unsupported-items",
      title = T("Unsupported drives and files with unsupported attributes are excluded from the backup",
                "Unidades e arquivos sem suporte, com atributos sem suporte, estão excluídos do backup"),
      cause = T("Unsupported drives or files with unsupported attributes in the backup.",
                "Unidades sem suporte ou arquivos com atributos sem suporte no backup."),
      severity = "medium",
      detect = with_agent(function(_, ctx) return detect_unsupported(ctx) end),
    },
    mp.check {
      id = "clock-timezone",
      title = T("The clock is set to the correct time zone", "O relógio está configurado para o fuso horário correto"),
      cause = T("The protected system's clock is set to a wrong time zone.", "O relógio do sistema protegido está em um fuso horário errado."),
      severity = "medium",
      detect = with_agent(function(_, ctx) return require("marsplay.clock").detect_timezone(ctx) end),
    },
    mp.check {
      id = "clock-skew",
      title = T("The clock shows the right time", "O relógio mostra a hora certa"),
      cause = T("The protected system's clock is wrong.", "O relógio do sistema protegido está errado."),
      severity = "medium",
      detect = with_agent(function(_, ctx) return require("marsplay.clock").detect_skew(ctx) end),
    },
    mp.check {
      id = "dotnet-version",
      title = T(".NET Framework 4.5.2 or later is installed", "O .NET Framework 4.5.2 ou posterior está instalado"),
      cause = T(".NET Framework older than 4.5.2.", ".NET Framework anterior ao 4.5.2."),
      severity = "high",
      detect = with_agent(function(_, ctx) return detect_dotnet(ctx) end),
    },
    mp.check {
      id = "reregistration",
      title = T("Re-registering to a vault: the agent was removed and the same passphrase is used",
                "Novo registro em um cofre: o agente foi removido e a mesma senha é usada"),
      cause = T("Re-registering a server without following the guide's notes.", "Registrar novamente um servidor sem seguir as notas do guia."),
      severity = "info",
      detect = with_agent(function(agent, ctx) return detect_reregister(agent, ctx) end),
    },
    mp.check {
      id = "offline-backup-powershell",
      title = T("Offline backup: Azure PowerShell 3.7.0 on the source and copy computers",
                "Backup offline: Azure PowerShell 3.7.0 nos computadores de origem e de cópia"),
      cause = T("Azure PowerShell 3.7.0 missing for an offline backup.", "Azure PowerShell 3.7.0 ausente para um backup offline."),
      severity = "medium",
      detect = with_agent(function(_, ctx) return detect_offline_backup(ctx) end),
    },
    mp.check {
      id = "azure-vm",
      title = T("The backup agent on an Azure VM", "O agente de backup em uma VM do Azure"),
      cause = T("The backup agent runs on an Azure virtual machine (slower backups).",
                "O agente de backup é executado em uma máquina virtual do Azure (backups mais lentos)."),
      severity = "low",
      detect = with_agent(function(_, ctx) return detect_azure_vm(ctx) end),
    },
  },
}
