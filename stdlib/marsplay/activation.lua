-- marsplay.activation: the checks the guide gives for two errors with the
-- same causes and actions — "the activation did not complete successfully"
-- (0x1FC07) and "encryption passphrase not correctly configured" (34506):
-- the scratch folder on a volume without enough space, the scratch folder
-- moved incorrectly, OnlineBackup.KEK missing; the action list starts with
-- upgrading the agent.  M.checks(opts) builds the checks list for either
-- playbook (ids are the same, error IDs differ).

local mp = require "marsplay"
local mars = require "marsplay.mars"
local scratch = require "marsplay.scratch"
local agentv = require "marsplay.agent"

local fs = mp.fs
local T = mp.text

local M = {}

M.KEK = "OnlineBackup.KEK"

local function merge(...)
  local out = {}
  for i = 1, select("#", ...) do
    for k, v in pairs((select(i, ...))) do out[k] = v end
  end
  return out
end

M.PARAMS = merge(agentv.PARAMS, {
  min_free_pct = { type = "number", default = 5, min = 0, max = 100,
                   doc = "minimum free space on the cache volume, % of the protected data" },
  recommended_free_pct = { type = "number", default = 10, min = 0, max = 100,
                           doc = "recommended free space, % of the protected data" },
  protected = { type = "list", default = {},
                doc = "folders being backed up (;-separated), sized to apply the 5-10 % rule" },
  protected_bytes = { type = "number", default = 0, min = 0,
                      doc = "size of the protected data in bytes, instead of sizing folders" },
  kek_folder = { type = "string", default = "",
                 doc = "folder that must hold OnlineBackup.KEK (empty: the scratch folder; the real location is unconfirmed)" },
})

local function with_agent(body)
  return function(ctx, ...)
    local agent, skip = mars.agent()
    if not agent then return skip end
    return body(agent, ctx, ...)
  end
end
M.with_agent = with_agent

-- ---------- scratch folder moved incorrectly ----------

--- detect: both ScratchLocation values agree (fixable, scratch.fix_registry)
--- and name an existing folder.
function M.detect_moved(agent)
  local r = scratch.detect_registry(agent)
  if r.status ~= "pass" then return r end
  local e = scratch.detect_exists(agent)
  if e.status ~= "pass" then return e end
  local ev = r.evidence or {}
  ev.scratch = mars.scratch(agent)
  return mp.pass(ev, T("Both ScratchLocation values name {scratch}, which exists.",
                       "Os dois valores ScratchLocation apontam para {scratch}, que existe."))
end

-- ---------- OnlineBackup.KEK ----------

local function kek_candidates(agent)
  local seen, out = {}, {}
  for _, d in ipairs { agent.scratch or false, agent.scratch_provider or false, mars.join(agent.install, "Scratch") } do
    if d and not seen[mars.norm(d):lower()] then
      seen[mars.norm(d):lower()] = true
      out[#out + 1] = mars.norm(d)
    end
  end
  return out
end

--- detect: OnlineBackup.KEK is a non-empty file in the scratch folder (or
--- params.kek_folder).
function M.detect_kek(agent, params)
  local dir = (params.kek_folder and params.kek_folder ~= "") and mars.norm(params.kek_folder) or mars.scratch(agent)
  local path = mars.join(dir, M.KEK)
  local ev = { folder = dir, kek = path }
  local st, _, code = fs.stat(path)
  if code == "EXDEV" then
    return mp.skip(T("Not applicable offline: {folder} is on another drive, which is not part of this volume (only the system volume is mounted); "
                     .. "check {kek} on the running server.",
                     "Não se aplica offline: {folder} está em outra unidade, que não faz parte deste volume (só o volume do sistema está montado); "
                     .. "verifique {kek} no servidor em execução."), ev)
  end
  if st and st.type == "file" and st.size > 0 then
    ev.size = st.size
    return mp.pass(ev, T("{kek} is present ({size} bytes).", "{kek} existe ({size} bytes)."))
  end
  local recs = {
    T("Make sure OnlineBackup.KEK is present in the scratch folder (default C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch).",
      "Certifique-se de que o arquivo OnlineBackup.KEK existe na pasta de rascunho (padrão C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch)."),
  }
  ev.found_elsewhere = {}
  for _, d in ipairs(kek_candidates(agent)) do
    if not mars.same_path(d, dir) then
      local o = fs.stat(mars.join(d, M.KEK))
      if o and o.type == "file" and o.size > 0 then ev.found_elsewhere[#ev.found_elsewhere + 1] = mars.join(d, M.KEK) end
    end
  end
  if #ev.found_elsewhere > 0 then
    recs[#recs + 1] = T("A copy exists at {found_elsewhere}: the cache was probably moved without its files. Stop obengine, copy the whole old scratch folder to the configured one (the " ..
      "documented move), then start obengine.",
                        "Existe uma cópia em {found_elsewhere}: o cache provavelmente foi movido sem os seus arquivos. Pare o obengine, copie toda a pasta de rascunho antiga para a " ..
                          "configurada (a movimentação documentada) e inicie o obengine.")
  else
    recs[#recs + 1] = T("If the scratch folder was moved, copy OnlineBackup.KEK (with the rest of the old folder) from its old location or from a backup of it.",
                        "Se a pasta de rascunho foi movida, copie o OnlineBackup.KEK (com o resto da pasta antiga) do local antigo ou de um backup dela.")
    recs[#recs + 1] = T("If the file is lost, re-register the server with the vault (keep the new passphrase safe); if the problem persists, contact Microsoft support.",
                        "Se o arquivo foi perdido, registre o servidor novamente no cofre (guarde a nova senha em local seguro); se o problema persistir, contate o suporte da Microsoft.")
    recs[#recs + 1] = require("marsplay.consequences").NEW_PASSPHRASE
  end
  if st then
    ev.type = st.type
    ev.size = st.size
    return mp.manual { evidence = ev, recommendations = recs,
      message = T("{kek} is not a usable key file (" .. mp.kind_text(st.type).en .. " of {size} bytes).",
                  "{kek} não é um arquivo de chave utilizável (" .. mp.kind_text(st.type)["pt-BR"] .. " de {size} bytes).") }
  end
  return mp.manual { evidence = ev, recommendations = recs,
    message = T("{kek} is missing.", "{kek} não existe.") }
end

-- ---------- the checks list ----------

--- The four checks, for a playbook whose error is opts.error_id.
function M.checks(opts)
  local ids = { opts.error_id }
  return {
    mp.check {
      id = "scratch-free-space",
      title = T("The scratch folder's volume has 5-10 % of the protected data free",
                "O volume da pasta de rascunho tem 5-10 % dos dados protegidos livres"),
      cause = T("The scratch folder is on a volume without enough space.",
                "A pasta de rascunho está localizada em um volume sem espaço suficiente."),
      error_ids = ids, severity = "high",
      detect = with_agent(function(agent, ctx) return scratch.detect_space(agent, ctx.params) end),
    },
    mp.check {
      id = "scratch-moved",
      title = T("The scratch folder was moved correctly: both registry values name an existing folder",
                "A pasta de rascunho foi movida corretamente: os dois valores do registro apontam para uma pasta existente"),
      cause = T("The scratch folder was moved incorrectly.", "A pasta de rascunho foi movida incorretamente."),
      error_ids = ids, severity = "critical",
      detect = with_agent(function(agent) return M.detect_moved(agent) end),
      fix = function(_, finding) scratch.fix_registry(finding) end,
    },
    mp.check {
      id = "kek-present",
      title = T("OnlineBackup.KEK is present", "O arquivo OnlineBackup.KEK existe"),
      cause = T("The OnlineBackup.KEK file is missing.", "O arquivo OnlineBackup.KEK está ausente."),
      error_ids = ids, severity = "critical",
      depends = { "scratch-moved" },
      detect = with_agent(function(agent, ctx) return M.detect_kek(agent, ctx.params) end),
    },
    mp.check {
      id = "agent-up-to-date",
      title = T("The MARS agent is the latest version", "O agente MARS está na versão mais recente"),
      cause = T("An older agent (the guide's first action: upgrade to the latest version).",
                "Um agente antigo (a primeira ação do guia: atualizar para a versão mais recente)."),
      error_ids = ids, severity = "medium",
      detect = with_agent(function(agent, ctx) return agentv.detect_version(agent, ctx.params) end),
    },
  }
end

return M
