-- Troubleshoot cache problems
-- Guide: #troubleshoot-cache-problems (prerequisites,
-- increase-shadow-copy-storage, another-process-or-antivirus-software-
-- blocking-access-to-cache-folder).  Backups fail when the cache (scratch)
-- folder is misconfigured, misses a prerequisite or is blocked.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local scratch = require "marsplay.scratch"

local T = mp.text

-- Every check needs the agent; without it the check is not applicable.
local with_agent = mars.with_agent

return mp.playbook {
  id = "cache",
  title = T("Troubleshoot cache problems", "Solucionar problemas de cache"),
  anchor = "troubleshoot-cache-problems",
  params = {
    min_free_pct = { type = "number", default = 5, min = 0, max = 100,
                     doc = "minimum free space on the cache volume, % of the protected data" },
    recommended_free_pct = { type = "number", default = 10, min = 0, max = 100,
                             doc = "recommended free space, % of the protected data" },
    protected = { type = "list", default = {},
                  doc = "folders being backed up (;-separated), sized to apply the 5-10 % rule" },
    protected_bytes = { type = "number", default = 0, min = 0,
                        doc = "size of the protected data in bytes, instead of sizing folders" },
    shadow_full_pct = { type = "number", default = 90, min = 1, max = 100,
                        doc = "shadow copy storage used at or above this % of its maximum is reported (the guide gives no number)" },
    move_cache_to = { type = "string", default = "",
                      doc = "new cache folder for the documented move of a cache with unsupported attributes (empty: manual); a move for space goes to another volume and stays manual" },
  },
  checks = {
    mp.check {
      id = "scratch-registry",
      title = T("Both ScratchLocation registry values name the same folder",
                "Os dois valores ScratchLocation do registro apontam para a mesma pasta"),
      cause = T("The scratch folder was moved incorrectly: its registry values disagree or are missing.",
                "A pasta de rascunho foi movida incorretamente: seus valores no registro divergem ou estão ausentes."),
      anchor = "prerequisites",
      error_ids = { "0x1FC07", "34506", "SalChecksumStoreInitializationFailed", "SalVhdInitializationError" },
      severity = "high",
      detect = with_agent(function(agent) return scratch.detect_registry(agent) end),
      fix = function(_, finding) scratch.fix_registry(finding) end,
    },
    mp.check {
      id = "scratch-exists",
      title = T("The scratch folder exists and is a folder", "A pasta de rascunho existe e é uma pasta"),
      cause = T("The scratch folder location is not valid.", "O local da pasta de rascunho não é válido."),
      anchor = "prerequisites",
      error_ids = { "0x1FC07", "34506", "SalVhdInitializationError" },
      severity = "critical",
      depends = { "scratch-registry" },
      detect = with_agent(function(agent) return scratch.detect_exists(agent) end),
    },
    mp.check {
      id = "scratch-access",
      title = T("The scratch folder is readable and writable", "A pasta de rascunho pode ser lida e gravada"),
      cause = T("The scratch folder is not accessible to the agent.", "A pasta de rascunho não está acessível ao agente."),
      anchor = "prerequisites",
      error_ids = { "SalChecksumStoreInitializationFailed", "SalVhdInitializationError" },
      severity = "high",
      depends = { "scratch-exists" },
      detect = with_agent(function(agent) return scratch.detect_access(agent) end),
    },
    mp.check {
      id = "cache-free-space",
      title = T("Free space on the cache volume is at least 5-10 % of the protected data",
                "O espaço livre no volume do cache é de pelo menos 5-10 % dos dados protegidos"),
      cause = T("The scratch folder is on a volume without enough free space.",
                "A pasta de rascunho está em um volume sem espaço livre suficiente."),
      anchor = "prerequisites",
      error_ids = { "SalLowDiskSpace", "0x1FC07", "34506" },
      severity = "high",
      detect = with_agent(function(agent, ctx) return scratch.detect_space(agent, ctx.params) end),
    },
    mp.check {
      id = "scratch-attributes",
      title = T("The cache folder has no unsupported attributes", "A pasta de cache não tem atributos sem suporte"),
      cause = T("The cache folder is compressed, encrypted, deduplicated, sparse or a reparse point.",
                "A pasta de cache está compactada, criptografada, desduplicada, esparsa ou é um ponto de nova análise."),
      anchor = "prerequisites",
      severity = "medium",
      depends = { "scratch-exists" },
      detect = with_agent(function(agent, ctx) return scratch.detect_attributes(agent, ctx.params) end),
      fix = with_agent(function(agent, _, finding) scratch.move(agent, finding.move_to) end),
    },
    mp.check {
      id = "shadow-copy-storage",
      title = T("Enough shadow copy storage for the protected volumes",
                "Armazenamento de cópias de sombra suficiente para os volumes protegidos"),
      cause = T("Not enough shadow copy storage to protect the data source.",
                "Não há armazenamento de cópia de sombra suficiente para proteger a fonte de dados."),
      anchor = "increase-shadow-copy-storage",
      severity = "medium",
      detect = with_agent(function(agent, ctx)
        if ctx.offline or mp.sys.platform() ~= "windows" then
          return mp.skip(T("Shadow copy storage can only be read on the running Windows server (vssadmin List ShadowStorage).",
                           "O armazenamento de cópias de sombra só pode ser lido no servidor Windows em execução (vssadmin List ShadowStorage)."))
        end
        return scratch.detect_shadow(agent, ctx.params)
      end),
    },
    mp.check {
      id = "cache-not-held",
      title = T("No other process or antivirus holds the cache folder", "Nenhum outro processo ou antivírus bloqueia a pasta de cache"),
      cause = T("Another process or antivirus software is blocking access to the cache folder.",
                "Outro processo ou software antivírus está bloqueando o acesso à pasta de cache."),
      anchor = "another-process-or-antivirus-software-blocking-access-to-cache-folder",
      error_ids = { "SalChecksumStoreInitializationFailed", "SalVhdInitializationError" },
      severity = "medium",
      depends = { "scratch-exists" },
      detect = with_agent(function(agent) return scratch.detect_holders(agent) end),
    },
  },
}
