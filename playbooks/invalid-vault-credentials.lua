-- Invalid vault credentials provided (ID 34513)
-- Guide: #invalid-vault-credentials-provided, with its
-- #additional-recommendations and #verifying-proxy-settings-for-windows.
-- The registration fails when the credentials file is corrupt, expired,
-- misnamed or not the newest; when a proxy, a firewall or no Internet
-- access blocks it; when antivirus software blocks it; and (additional
-- recommendations) when C:\Windows\Temp is flooded with *.tmp files, the
-- clock or time zone is wrong, or the service URLs are not trusted sites.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local vaultcreds = require "marsplay.vaultcreds"
local tempfiles = require "marsplay.tempfiles"

local reg = mp.reg
local T = mp.text

local with_agent = mars.with_agent

-- connectivity, proxy and clock come from their own modules, loaded when
-- a check runs (this playbook still loads without them).
local function delegate(modname, fname)
  return with_agent(function(_, ctx)
    local ok, mod = pcall(require, modname)
    if not ok or type(mod) ~= "table" or type(mod[fname]) ~= "function" then
      return { status = "error", reason = ("%s.%s is not available: %s"):format(modname, fname, tostring(mod)) }
    end
    return mod[fname](ctx)
  end)
end

local params = {}
for _, set in ipairs { vaultcreds.PARAMS, tempfiles.PARAMS } do
  for k, v in pairs(set) do params[k] = v end
end
do  -- how the agent's version is read (marsplay.agent)
  local agentv = require "marsplay.agent"
  for _, k in ipairs { "hard_min_version", "version_value", "exe_max_bytes" } do
    params[k] = agentv.PARAMS[k]
  end
end
for _, modname in ipairs { "marsplay.connectivity", "marsplay.clock" } do
  local ok, mod = pcall(require, modname)
  if ok and type(mod) == "table" and type(mod.PARAMS) == "table" then
    for k, v in pairs(mod.PARAMS) do params[k] = v end
  end
end

local CREDS_CAUSE = T("The vault credentials are not valid: corrupt, expired, not the newest, or with an extension other than .VaultCredentials.",
                      "As credenciais do cofre não são válidas: corrompidas, expiradas, não são as mais recentes ou têm extensão diferente de .VaultCredentials.")
local ID = { "34513" }

-- ---------- trusted sites (Internet Explorer zones) ----------

local TRUSTED = { "microsoft.com", "windowsazure.com", "microsoftonline.com", "windows.net",
                  "msftncsi.com", "msftconnecttest.com" }
local ZONEMAP = [[HKU\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings\ZoneMap\Domains]]
local ZONEMAPKEY = [[HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings\ZoneMapKey]]

local function zone2(values)
  for _, v in pairs(values or {}) do
    if v.value == 2 or v.value == "2" then return true end
  end
  return false
end

local function trusted(domain, policy)
  local key = ZONEMAP .. "\\" .. domain
  if zone2(reg.values(key)) then return true end
  for _, sub in ipairs(reg.keys(key) or {}) do
    if zone2(reg.values(key .. "\\" .. sub)) then return true end
  end
  for name, v in pairs(policy) do
    local host = name:lower():gsub("^%a+://", ""):gsub("^%*%.", "")
    if (host == domain or host:sub(-#domain - 1) == "." .. domain) and (v.value == "2" or v.value == 2) then
      return true
    end
  end
  return false
end

local function detect_trusted_sites()
  local policy = reg.values(ZONEMAPKEY) or {}
  local missing = {}
  for _, d in ipairs(TRUSTED) do
    if not trusted(d, policy) then missing[#missing + 1] = d end
  end
  local ev = { sites = TRUSTED }
  if #missing == 0 then
    return mp.pass(ev, T("The service sites are trusted sites for the SYSTEM account or by machine policy: {sites}.",
                         "Os sites do serviço são sites confiáveis para a conta SYSTEM ou por política da máquina: {sites}."))
  end
  ev.not_trusted_machine_wide = missing
  return mp.skip(T("{not_trusted_machine_wide} are not trusted sites machine-wide or for SYSTEM; trusted sites are also a per-user setting, which cannot " ..
                   "be read here: in Internet Explorer (Internet Options > Security > Trusted sites) of the account that registers, add {sites}.",
                   "{not_trusted_machine_wide} não são sites confiáveis para a máquina ou para SYSTEM; sites confiáveis também são uma configuração por usuário, que " ..
                   "não pode ser lida aqui: no Internet Explorer (Opções da Internet > Segurança > Sites confiáveis) da conta que faz o registro, adicione {sites}."),
                 ev)
end

return mp.playbook {
  id = "invalid-vault-credentials",
  title = T("Invalid vault credentials provided", "Credenciais do cofre fornecidas inválidas"),
  anchor = "invalid-vault-credentials-provided",
  params = params,
  checks = {
    mp.check {
      id = "credentials-located",
      title = T("Vault credentials files can be found", "Arquivos de credenciais do cofre podem ser encontrados"),
      cause = CREDS_CAUSE,
      error_ids = ID,
      severity = "info",
      detect = with_agent(function(_, ctx) return vaultcreds.detect_located(ctx.params) end),
    },
    mp.check {
      id = "credentials-readable",
      title = T("The vault credentials files are not corrupt", "Os arquivos de credenciais do cofre não estão corrompidos"),
      cause = CREDS_CAUSE,
      error_ids = ID,
      severity = "high",
      depends = { "credentials-located" },
      detect = with_agent(function(_, ctx) return vaultcreds.detect_corrupt(ctx.params) end),
    },
    mp.check {
      id = "credentials-extension",
      title = T("Vault credentials files have the .VaultCredentials extension",
                "Os arquivos de credenciais do cofre têm a extensão .VaultCredentials"),
      cause = CREDS_CAUSE,
      error_ids = ID,
      severity = "high",
      depends = { "credentials-located" },
      detect = with_agent(function(_, ctx) return vaultcreds.detect_extension(ctx.params) end),
      fix = function(_, finding) vaultcreds.fix_extension(finding) end,
    },
    mp.check {
      id = "credentials-expired",
      title = T("The newest vault credentials are within their validity", "As credenciais do cofre mais recentes estão dentro da validade"),
      cause = CREDS_CAUSE,
      error_ids = ID,
      severity = "high",
      depends = { "credentials-located" },
      detect = with_agent(function(_, ctx) return vaultcreds.detect_expired(ctx.params) end),
    },
    mp.check {
      id = "credentials-newest",
      title = T("Only the newest credentials file of a vault is at hand", "Apenas o arquivo de credenciais mais recente de cada cofre está disponível"),
      cause = CREDS_CAUSE,
      error_ids = ID,
      severity = "medium",
      depends = { "credentials-located" },
      detect = with_agent(function(_, ctx) return vaultcreds.detect_superseded(ctx.params) end),
    },
    mp.check {
      id = "credentials-backup-vault",
      title = T("The credentials are Backup credentials, not Site Recovery ones",
                "As credenciais são de Backup, não do Site Recovery"),
      cause = CREDS_CAUSE,
      error_ids = ID,
      severity = "high",
      depends = { "credentials-located" },
      detect = with_agent(function(_, ctx) return vaultcreds.detect_site_recovery(ctx.params) end),
    },
    mp.check {
      id = "credentials-agent-version",
      title = T("The agent is recent enough to read the vault credentials", "O agente é recente o bastante para ler as credenciais do cofre"),
      cause = CREDS_CAUSE,
      error_ids = ID,
      severity = "high",
      depends = { "credentials-located" },
      detect = with_agent(function(agent, ctx) return vaultcreds.detect_agent_format(agent, ctx.params) end),
    },
    mp.check {
      id = "registration-connectivity",
      title = T("The server reaches the Azure Backup service (no proxy, firewall or Internet problem)",
                "O servidor alcança o serviço do Backup do Azure (sem problema de proxy, firewall ou Internet)"),
      cause = T("A proxy server or firewall is blocking the registration, or there is no Internet connectivity.",
                "Um servidor proxy ou firewall está bloqueando o registro, ou não há conectividade com a Internet."),
      error_ids = ID,
      severity = "high",
      detect = delegate("marsplay.connectivity", "detect"),
    },
    mp.check {
      id = "system-proxy-settings",
      title = T("The SYSTEM account's proxy settings are correct", "As configurações de proxy da conta SYSTEM estão corretas"),
      cause = T("Proxy details are set where no proxy is used, or the proxy address or port is wrong.",
                "Há detalhes de proxy definidos onde nenhum proxy é usado, ou o endereço ou a porta do proxy estão errados."),
      anchor = "verifying-proxy-settings-for-windows",
      error_ids = ID,
      severity = "medium",
      detect = delegate("marsplay.proxy", "detect_settings"),
      fix = function(_, finding) require("marsplay.proxy").fix_settings(finding) end,
    },
    mp.check {
      id = "antivirus-exclusions",
      title = T("Antivirus software excludes the agent's files and folders",
                "O antivírus exclui os arquivos e pastas do agente"),
      cause = T("Antivirus software is blocking the registration.", "O software antivírus está bloqueando o registro."),
      error_ids = ID,
      severity = "medium",
      detect = with_agent(function(agent)
        return require("marsplay.antivirus").detect(agent, {
          message = T("Windows Defender does not exclude {missing}; antivirus scanning can block the registration.",
                      "O Windows Defender não exclui {missing}; a verificação antivírus pode bloquear o registro.") })
      end),
    },
    mp.check {
      id = "windows-temp-tmp-files",
      title = T("C:\\Windows\\Temp does not hold too many *.tmp files", "C:\\Windows\\Temp não contém arquivos *.tmp demais"),
      cause = T("More than 60,000-65,000 *.tmp files in C:\\Windows\\Temp.", "Mais de 60.000-65.000 arquivos *.tmp em C:\\Windows\\Temp."),
      anchor = "additional-recommendations",
      error_ids = ID,
      severity = "high",
      detect = with_agent(function(_, ctx) return tempfiles.detect(ctx.params) end),
      fix = function(ctx) tempfiles.fix(ctx.params) end,
    },
    mp.check {
      id = "clock-skew",
      title = T("The machine's date and time are right", "A data e a hora da máquina estão certas"),
      cause = T("The machine's date and time do not match the local time.", "A data e a hora da máquina não correspondem à hora local."),
      anchor = "additional-recommendations",
      error_ids = ID,
      severity = "medium",
      detect = delegate("marsplay.clock", "detect_skew"),
    },
    mp.check {
      id = "clock-timezone",
      title = T("The machine's time zone is set", "O fuso horário da máquina está definido"),
      cause = T("The machine's time zone does not match the local time zone.", "O fuso horário da máquina não corresponde ao fuso horário local."),
      anchor = "additional-recommendations",
      error_ids = ID,
      severity = "low",
      detect = delegate("marsplay.clock", "detect_timezone"),
    },
    mp.check {
      id = "trusted-sites",
      title = T("The service URLs are trusted sites in Internet Explorer", "As URLs do serviço são sites confiáveis no Internet Explorer"),
      cause = T("The service sites are not among Internet Explorer's trusted sites.",
                "Os sites do serviço não estão entre os sites confiáveis do Internet Explorer."),
      anchor = "additional-recommendations",
      error_ids = ID,
      severity = "low",
      detect = with_agent(function() return detect_trusted_sites() end),
    },
  },
}
