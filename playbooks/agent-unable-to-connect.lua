-- The Microsoft Azure Recovery Service Agent was unable to connect to
-- Microsoft Azure Backup (ID: 100050), and "(407) Proxy Authentication
-- Required".
-- Guide: #the-microsoft-azure-recovery-service-agent-was-unable-to-connect-to-microsoft-azure-backup
-- Cause (one row): a proxy is blocking the connection.  Its recommended
-- actions become the checks: the SYSTEM proxy settings (and the guide's
-- "Verifying proxy settings for Windows"), reachability of the agent's
-- URLs and IP ranges through that proxy (407 included), Internet
-- Explorer's file download setting, and the antivirus exclusions.
--
-- Reachability and the proxy's answer need the running server: offline
-- (--root) they are skipped unless probe_offline=true.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local connectivity = require "marsplay.connectivity"
local proxy = require "marsplay.proxy"

local T = mp.text

local function with_agent(body)
  return function(ctx, ...)
    local agent, skip = mars.agent()
    if not agent then return skip end
    return body(agent, ctx, ...)
  end
end

local ERRORS = { "100050", "407" }
local CAUSE = T("A proxy is blocking the connection.", "Um proxy está bloqueando a conexão.")

-- Windows Defender keeps its exclusions as value names under these keys.
local DEFENDER = [[HKLM\SOFTWARE\Microsoft\Windows Defender]]

local function exclusion_set(key)
  local vals = mp.reg.values(key)
  local set = {}
  for name in pairs(vals or {}) do set[mars.norm(name):lower()] = true end
  return set
end

local function antivirus(agent)
  local steps = {
    T("Exclude from antivirus scanning: CBEngine.exe (instead of dpmra.exe), CSC.exe of every .NET Framework version installed, " ..
      "the scratch (cache) folder and the Bin folder.",
      "Exclua da verificação antivírus: CBEngine.exe (em vez de dpmra.exe), o CSC.exe de cada versão do .NET Framework instalada, " ..
      "a pasta de rascunho (cache) e a pasta Bin."),
  }
  for _, e in ipairs(mars.exclusions(agent)) do steps[#steps + 1] = e end
  if not mp.reg.exists(DEFENDER) then
    return mp.skip(T("No antivirus configuration is readable on this volume (Windows Defender is not installed); another antivirus product " ..
                     "must exclude the agent's files: see the recommendations.",
                     "Nenhuma configuração de antivírus pode ser lida neste volume (o Windows Defender não está instalado); outro antivírus " ..
                     "precisa excluir os arquivos do agente: veja as recomendações."),
                   { defender = false, exclusions = mars.exclusions(agent) })
  end
  local paths = exclusion_set(DEFENDER .. [[\Exclusions\Paths]])
  local procs = exclusion_set(DEFENDER .. [[\Exclusions\Processes]])
  local function has_path(p) return paths[mars.norm(p):lower()] == true end
  local function has_proc(name, full)
    return procs[name:lower()] == true or (full and procs[mars.norm(full):lower()] == true)
  end
  local missing = {}
  local scratch = mars.scratch(agent)
  if not has_path(scratch) then missing[#missing + 1] = scratch end
  if not has_path(agent.bin) then missing[#missing + 1] = agent.bin end
  local cbengine = mars.join(agent.bin, "cbengine.exe")
  if not has_proc("cbengine.exe", cbengine) and not has_path(cbengine) then missing[#missing + 1] = "cbengine.exe" end
  if not has_proc("csc.exe") then missing[#missing + 1] = "csc.exe" end
  local ev = { defender = true, missing = missing }
  if #missing == 0 then
    return mp.pass(ev, T("Windows Defender excludes the agent's folders and processes.",
                         "O Windows Defender exclui as pastas e os processos do agente."))
  end
  steps[#steps + 1] = T("Windows Defender: Add-MpPreference -ExclusionPath <folder> / -ExclusionProcess <file.exe> for each missing entry " ..
                        "(or through the group policy that manages Defender).",
                        "Windows Defender: Add-MpPreference -ExclusionPath <pasta> / -ExclusionProcess <arquivo.exe> para cada item ausente " ..
                        "(ou pela política de grupo que gerencia o Defender).")
  return mp.manual { evidence = ev, recommendations = steps,
    message = T("Windows Defender does not exclude: {missing}.", "O Windows Defender não exclui: {missing}.") }
end

return mp.playbook {
  id = "agent-unable-to-connect",
  title = T("The agent was unable to connect to Microsoft Azure Backup",
            "O agente não pôde se conectar ao Backup do Microsoft Azure"),
  anchor = "the-microsoft-azure-recovery-service-agent-was-unable-to-connect-to-microsoft-azure-backup",
  params = connectivity.PARAMS,
  checks = {
    mp.check {
      id = "proxy-settings",
      title = T("The SYSTEM account's proxy settings are consistent and the proxy answers",
                "As configurações de proxy da conta SYSTEM são consistentes e o proxy responde"),
      cause = CAUSE,
      anchor = "verifying-proxy-settings-for-windows",
      error_ids = ERRORS,
      severity = "high",
      detect = with_agent(function(_, ctx) return proxy.detect_settings(ctx) end),
      fix = function(_, finding) proxy.fix_settings(finding) end,
    },
    mp.check {
      id = "endpoints-reachable",
      title = T("The agent's URLs and IP ranges are reachable through the proxy it uses",
                "As URLs e os intervalos de IP do agente estão acessíveis pelo proxy que ele usa"),
      cause = CAUSE,
      error_ids = ERRORS,
      severity = "critical",
      detect = with_agent(function(_, ctx) return connectivity.detect(ctx) end),
    },
    mp.check {
      id = "ie-file-download",
      title = T("Internet Explorer allows file download in the Internet zone",
                "O Internet Explorer permite download de arquivos na zona da Internet"),
      cause = CAUSE,
      error_ids = ERRORS,
      severity = "medium",
      detect = with_agent(function(_, ctx) return connectivity.detect_file_download(ctx) end),
      fix = function(_, finding) connectivity.fix_file_download(finding) end,
    },
    mp.check {
      id = "antivirus-exclusions",
      title = T("The antivirus excludes the agent's files and folders",
                "O antivírus exclui os arquivos e pastas do agente"),
      cause = CAUSE,
      error_ids = ERRORS,
      severity = "medium",
      detect = with_agent(function(agent) return antivirus(agent) end),
    },
  },
}
