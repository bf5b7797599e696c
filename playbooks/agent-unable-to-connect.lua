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

local with_agent = mars.with_agent

local ERRORS = { "100050", "407" }
local CAUSE = T("A proxy is blocking the connection.", "Um proxy está bloqueando a conexão.")

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
      detect = with_agent(function(agent)
        return require("marsplay.antivirus").detect(agent, {
          message = T("Windows Defender does not exclude {missing}; antivirus scanning can block the agent's connection.",
                      "O Windows Defender não exclui {missing}; a verificação antivírus pode bloquear a conexão do agente.") })
      end),
    },
  },
}
