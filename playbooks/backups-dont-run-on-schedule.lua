-- Backups don't run according to schedule
-- Guide: #backups-dont-run-according-to-schedule.  Scheduled backups do
-- not start although manual backups work: one check per item of the
-- guide's list (Windows Server Backup schedule, the task and its
-- triggers enabled, the task's account, PowerShell 3.0+, PSModulePath,
-- the execution policy, the MSOnlineBackup module files), plus the
-- readability of the task definitions the other checks read.  The
-- guide's tip (restart the server after the changes) is added to every
-- problem's recommendations.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local tasks = require "marsplay.tasks"
local ps = require "marsplay.powershell"

local T = mp.text

local RESTART = T("Restart the server after these changes so that they apply consistently.",
                  "Reinicie o servidor depois dessas alterações para que sejam aplicadas de forma consistente.")

-- Every check needs the agent; without it the check is not applicable.
-- Problems get the guide's restart tip as their last recommendation.
local function with_agent(body)
  return function(ctx, ...)
    local agent, skip = mars.agent()
    if not agent then return skip end
    local r = body(agent, ctx, ...)
    if type(r) == "table" and (r.status == "fail" or r.status == "manual") then
      local recs = {}
      for _, x in ipairs(r.recommendations or {}) do recs[#recs + 1] = x end
      recs[#recs + 1] = RESTART
      r.recommendations = recs
    end
    return r
  end
end

return mp.playbook {
  id = "backups-dont-run-on-schedule",
  title = T("Backups don't run according to schedule", "Os backups não são executados de acordo com o agendamento"),
  anchor = "backups-dont-run-according-to-schedule",
  params = {
    min_powershell = { type = "string", default = "3.0",
                       doc = "oldest Windows PowerShell version the scheduled backup accepts" },
    wsb_window_minutes = { type = "number", default = 120, min = 0, max = 720,
                           doc = "Windows Server Backup starting this close (minutes) to a MARS backup is a conflict" },
  },
  checks = {
    mp.check {
      id = "task-files",
      title = T("The OnlineBackup scheduled tasks exist and can be read",
                "As tarefas agendadas OnlineBackup existem e podem ser lidas"),
      cause = T("The backup task is missing or its definition is damaged, so nothing starts the backup.",
                "A tarefa de backup não existe ou sua definição está danificada, então nada inicia o backup."),
      severity = "critical",
      detect = with_agent(function() return tasks.detect_files() end),
    },
    mp.check {
      id = "wsb-schedule",
      title = T("Windows Server Backup's schedule does not conflict with the Azure Backup schedule",
                "O agendamento do Backup do Windows Server não conflita com o agendamento do Backup do Azure"),
      cause = T("The Windows Server Backup schedule conflicts with the Azure files and folders backup schedule.",
                "O agendamento do Backup do Windows Server entra em conflito com o agendamento de backup de arquivos e pastas do Azure."),
      severity = "medium",
      detect = with_agent(function(_, ctx) return tasks.detect_wsb_conflict(ctx.params) end),
    },
    mp.check {
      id = "task-triggers-enabled",
      title = T("The OnlineBackup tasks' triggers are enabled", "Os gatilhos das tarefas OnlineBackup estão habilitados"),
      cause = T("The online backup task's trigger is not enabled.", "O gatilho da tarefa de backup online não está habilitado."),
      severity = "high",
      detect = with_agent(function() return tasks.detect_triggers() end),
      fix = function(_, finding) tasks.fix_corrected(finding) end,
    },
    mp.check {
      id = "task-enabled",
      title = T("The OnlineBackup tasks are enabled", "As tarefas OnlineBackup estão habilitadas"),
      cause = T("The online backup task itself is disabled.", "A própria tarefa de backup online está desabilitada."),
      severity = "high",
      detect = with_agent(function() return tasks.detect_task_enabled() end),
      fix = function(_, finding) tasks.fix_corrected(finding) end,
    },
    mp.check {
      id = "task-account",
      title = T("The OnlineBackup tasks run as SYSTEM or the local Administrators group",
                "As tarefas OnlineBackup são executadas como SYSTEM ou pelo grupo Administradores local"),
      cause = T("The user account selected to run the task is neither SYSTEM nor the local Administrators group.",
                "A conta de usuário selecionada para executar a tarefa não é SYSTEM nem o grupo Administradores local."),
      severity = "high",
      detect = with_agent(function() return tasks.detect_principal() end),
    },
    mp.check {
      id = "powershell-version",
      title = T("Windows PowerShell 3.0 or later is installed", "O Windows PowerShell 3.0 ou posterior está instalado"),
      cause = T("PowerShell older than 3.0 cannot run the cmdlets that start the scheduled backup.",
                "Um PowerShell anterior ao 3.0 não executa os cmdlets que iniciam o backup agendado."),
      severity = "high",
      detect = with_agent(function(_, ctx) return ps.detect_version(ctx.params) end),
    },
    mp.check {
      id = "psmodulepath",
      title = T("PSModulePath includes the MSOnlineBackup module folder", "O PSModulePath inclui a pasta do módulo MSOnlineBackup"),
      cause = T("The agent's bin\\Modules\\MSOnlineBackup path is not part of the PSModulePath environment variable.",
                "O caminho bin\\Modules\\MSOnlineBackup do agente não faz parte da variável de ambiente PSModulePath."),
      severity = "high",
      detect = with_agent(function(agent) return ps.detect_module_path(agent) end),
      fix = function(_, finding) ps.fix_module_path(finding) end,
    },
    mp.check {
      id = "execution-policy",
      title = T("The LocalMachine PowerShell execution policy is not Restricted",
                "A política de execução do PowerShell de LocalMachine não é Restricted"),
      cause = T("With the LocalMachine execution policy Restricted, the PowerShell cmdlet that triggers the backup task can fail.",
                "Com a política de execução de LocalMachine como Restricted, o cmdlet do PowerShell que dispara a tarefa de backup pode falhar."),
      severity = "high",
      detect = with_agent(function() return ps.detect_execution_policy() end),
      fix = function() ps.fix_execution_policy() end,
    },
    mp.check {
      id = "msonlinebackup-module",
      title = T("The MSOnlineBackup PowerShell module files are present and intact",
                "Os arquivos do módulo MSOnlineBackup do PowerShell estão presentes e íntegros"),
      cause = T("Files of the MSOnlineBackup PowerShell module are missing or corrupt.",
                "Arquivos do módulo MSOnlineBackup do PowerShell estão ausentes ou corrompidos."),
      severity = "high",
      detect = with_agent(function(agent) return ps.detect_module_files(agent) end),
    },
  },
}
