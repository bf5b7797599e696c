-- Backup jobs completed with warning
-- Guide: #backup-jobs-completed-with-warning.  A job "completed with
-- warnings" backed up everything but at least one file, which the agent
-- lists in Temp\LastBackupFailedFiles*.txt with an error code.  One check
-- per row of the guide's table (0x80070570; 0x80070002/0x80070003;
-- 0x80070005; 0x8007018b), one for other codes, one for the exclusion
-- rules the guide suggests, one for the "critical inconsistency" warning.
-- Everything here needs a human: the checks read the list and say what
-- to do about each code.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local scratch = require "marsplay.scratch"
local failedfiles = require "marsplay.failedfiles"

local T = mp.text

local with_agent = mars.with_agent

-- For "not found": add what the volume says about the scratch folder
-- (the first two steps of the guide's recommendation).
local function not_found(agent, ctx)
  local r = failedfiles.detect_group(agent, ctx.params, "not-found")
  if r.status ~= "manual" then return r end
  local e = scratch.detect_exists(agent)
  r.evidence.scratch = mars.scratch(agent)
  r.evidence.scratch_exists = e.status == "pass"
  if e.status ~= "pass" then
    table.insert(r.recommendations, 1, T("The scratch folder {scratch} does not exist (or is not a folder) on this volume: fix it first (run the cache playbook).",
                                         "A pasta de rascunho {scratch} não existe (ou não é uma pasta) neste volume: corrija isso primeiro (execute o playbook cache)."))
  end
  return r
end

local SKIPPED = T("A backup completed with warnings: files were skipped.",
                  "Um backup foi concluído com avisos: arquivos foram ignorados.")

return mp.playbook {
  id = "backup-jobs-completed-with-warning",
  title = T("Backup jobs completed with warning", "Trabalhos de backup concluídos com aviso"),
  anchor = "backup-jobs-completed-with-warning",
  params = failedfiles.PARAMS,
  checks = {
    mp.check {
      id = "failed-corrupt",
      title = T("No file skipped because it is corrupted (0x80070570)",
                "Nenhum arquivo ignorado por estar corrompido (0x80070570)"),
      cause = T("The file or folder is corrupted and unreadable.", "O arquivo ou diretório está corrompido e ilegível."),
      error_ids = { "0x80070570" },
      severity = "high",
      detect = with_agent(function(agent, ctx) return failedfiles.detect_group(agent, ctx.params, "corrupt") end),
    },
    mp.check {
      id = "failed-not-found",
      title = T("No file skipped because it was not found (0x80070002, 0x80070003)",
                "Nenhum arquivo ignorado por não ter sido encontrado (0x80070002, 0x80070003)"),
      cause = T("The system cannot find the file specified.", "O sistema não pode localizar o arquivo especificado."),
      error_ids = { "0x80070002", "0x80070003" },
      severity = "medium",
      detect = with_agent(not_found),
    },
    mp.check {
      id = "failed-access-denied",
      title = T("No file skipped because access was denied (0x80070005)",
                "Nenhum arquivo ignorado por acesso negado (0x80070005)"),
      cause = T("Access denied: antivirus or other software blocks the agent.",
                "Acesso negado: antivírus ou outro software bloqueia o agente."),
      error_ids = { "0x80070005" },
      severity = "medium",
      detect = with_agent(function(agent, ctx)
        local r = failedfiles.detect_group(agent, ctx.params, "access-denied")
        if r.status == "manual" then
          table.insert(r.recommendations, T("Antivirus exclusions the guide lists:", "Exclusões de antivírus que o guia indica:"))
          for _, x in ipairs(mars.exclusions(agent)) do table.insert(r.recommendations, "  " .. x) end
        end
        return r
      end),
    },
    mp.check {
      id = "failed-cloud-offline",
      title = T("No cloud file skipped because it is offline (0x8007018b)",
                "Nenhum arquivo de nuvem ignorado por estar offline (0x8007018b)"),
      cause = T("Access to the cloud file was denied (OneDrive, git or other files offline on this computer).",
                "O acesso ao arquivo de nuvem foi negado (arquivos do OneDrive, git ou outros offline neste computador)."),
      error_ids = { "0x8007018b" },
      severity = "low",
      detect = with_agent(function(agent, ctx) return failedfiles.detect_group(agent, ctx.params, "cloud-offline") end),
    },
    mp.check {
      id = "failed-other",
      title = T("No file skipped with another error", "Nenhum arquivo ignorado com outro erro"),
      cause = SKIPPED,
      severity = "low",
      detect = with_agent(function(agent, ctx) return failedfiles.detect_group(agent, ctx.params, "other") end),
    },
    mp.check {
      id = "failed-no-code",
      title = T("No file in the failed-files list without an error code",
                "Nenhum arquivo na lista de arquivos com falha sem código de erro"),
      cause = SKIPPED,
      severity = "medium",
      detect = with_agent(function(agent, ctx) return failedfiles.detect_uncoded(agent, ctx.params) end),
    },
    mp.check {
      id = "exclusion-rules",
      title = T("Unsupported, missing or deleted files are excluded from the policy",
                "Arquivos sem suporte, ausentes ou excluídos estão fora da política"),
      cause = SKIPPED,
      severity = "low",
      detect = with_agent(function(agent, ctx) return failedfiles.detect_exclusions(agent, ctx.params) end),
    },
    mp.check {
      id = "critical-inconsistency",
      title = T("No critical inconsistency from protected top-level folders deleted and re-created",
                "Nenhuma inconsistência crítica por pastas protegidas de nível superior excluídas e recriadas"),
      cause = T("Protected folders with the same names were deleted and re-created at the top level: \"a critical inconsistency was detected, therefore changes cannot be replicated\".",
                "Pastas protegidas com os mesmos nomes foram excluídas e recriadas no nível superior: \"uma inconsistência crítica foi detectada, portanto, as alterações não podem ser replicadas\"."),
      severity = "medium",
      detect = with_agent(function(agent) return failedfiles.detect_inconsistency(agent) end),
    },
  },
}
