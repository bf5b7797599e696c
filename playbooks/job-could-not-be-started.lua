-- Job could not be started as another job was in progress
-- Guide: #job-could-not-be-started-as-another-job-was-in-progress.  The
-- MARS console's job history warns "the job could not be started as
-- another job was in progress" when Task Scheduler starts a duplicate
-- instance of the backup job: every task in Microsoft > OnlineBackup
-- must use the rule "Do not start a new instance".

local mp = require "marsplay"
local mars = require "marsplay.mars"
local tasks = require "marsplay.tasks"

local T = mp.text

-- Every check needs the agent; without it the check is not applicable.
local with_agent = mars.with_agent

return mp.playbook {
  id = "job-could-not-be-started",
  title = T("Job could not be started as another job was in progress",
            "Não foi possível iniciar o trabalho porque outro trabalho estava em andamento"),
  anchor = "job-could-not-be-started-as-another-job-was-in-progress",
  checks = {
    mp.check {
      id = "task-files",
      title = T("The OnlineBackup scheduled tasks exist and can be read",
                "As tarefas agendadas OnlineBackup existem e podem ser lidas"),
      cause = T("A task definition that cannot be read cannot be checked for its instance rule.",
                "Uma definição de tarefa que não pode ser lida não pode ter sua regra de instâncias verificada."),
      severity = "high",
      detect = with_agent(function() return tasks.detect_files() end),
    },
    mp.check {
      id = "task-instances",
      title = T([[Every OnlineBackup task is set to "Do not start a new instance"]],
                [[Todas as tarefas OnlineBackup estão configuradas para "Não iniciar uma nova instância"]]),
      cause = T("A duplicate instance of the job was triggered by Task Scheduler.",
                "Uma instância duplicada do trabalho foi disparada pelo Agendador de Tarefas."),
      severity = "medium",
      detect = with_agent(function() return tasks.detect_instances() end),
      fix = function(_, finding) tasks.fix_corrected(finding) end,
    },
  },
}
