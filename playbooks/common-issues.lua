-- Common issues
-- Guide: #common-issues (SalChecksumStoreInitializationFailed,
-- SalVhdInitializationError, SalLowDiskSpace, SalBitmapError).  One check
-- per error; each runs the verifications the guide lists for it through
-- the shared modules and reports them together:
--   SalChecksumStoreInitializationFailed, SalVhdInitializationError:
--     antivirus or other processes blocking the scratch files; the
--     scratch location valid and accessible.
--   SalLowDiskSpace, SalBitmapError: the agent is the latest; the storage
--     prerequisites of the scratch space (free space, valid and accessible,
--     supported attributes, no process blocking it).
-- Problems the shared fixes can solve (registry values, permissions, the
-- documented cache move) are fixed here too; the rest is manual.

local mp = require "marsplay"
local mars = require "marsplay.mars"
local scratch = require "marsplay.scratch"
local agentv = require "marsplay.agent"

local T = mp.text

local function merge(...)
  local out = {}
  for i = 1, select("#", ...) do
    for k, v in pairs((select(i, ...))) do out[k] = v end
  end
  return out
end

-- ---------- the verifications ----------

local VERIFY = {
  ["scratch-not-held"] = function(agent) return scratch.detect_holders(agent) end,
  ["scratch-registry"] = function(agent) return scratch.detect_registry(agent) end,
  ["scratch-exists"] = function(agent) return scratch.detect_exists(agent) end,
  ["scratch-access"] = function(agent) return scratch.detect_access(agent) end,
  ["scratch-free-space"] = function(agent, ctx) return scratch.detect_space(agent, ctx.params) end,
  ["scratch-attributes"] = function(agent, ctx) return scratch.detect_attributes(agent, ctx.params) end,
  ["agent-up-to-date"] = function(agent, ctx) return agentv.detect_version(agent, ctx.params) end,
}

local FIX = {
  ["scratch-registry"] = function(_, res) scratch.fix_registry(res) end,
  ["scratch-attributes"] = function(agent, res) scratch.move(agent, res.move_to) end,
}

-- Later verifications need the folder the earlier ones look at.
local NEEDS = {
  ["scratch-access"] = "scratch-exists", ["scratch-attributes"] = "scratch-exists",
  ["scratch-not-held"] = "scratch-exists",
}

local function fmt(v)
  if type(v) == "number" then
    if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
    return string.format("%.2f", v)
  end
  if type(v) == "table" then
    local parts = {}
    for i = 1, math.min(#v, 5) do parts[#parts + 1] = tostring(v[i]) end
    if #v > 5 then parts[#parts + 1] = "…" end
    return table.concat(parts, ", ")
  end
  return tostring(v)
end

-- A text (string or {en=, pt-BR=}) with {placeholders} filled from ev and
-- params, in both languages.
local function resolve(t, ev, params)
  if t == nil then return nil end
  local function fill(s)
    return (s:gsub("{([%w_%.]+)}", function(k)
      local v = ev[k]
      if v == nil then v = params[k] end
      if v == nil then return "{" .. k .. "}" end
      return fmt(v)
    end))
  end
  if type(t) == "string" then return T(fill(t), fill(t)) end
  return T(fill(t.en or ""), fill(t["pt-BR"] or t.en or ""))
end

local function join(list, sep)
  local en, pt = {}, {}
  for _, t in ipairs(list) do en[#en + 1] = t.en; pt[#pt + 1] = t["pt-BR"] end
  return T(table.concat(en, sep), table.concat(pt, sep))
end

--- Run the verifications and merge them into one result.
local function combined(agent, ctx, ids, closing)
  local ev = { verifications = {} }
  local problems, recs, fixable, notes = {}, {}, {}, {}
  local manual, failed, errors, ran, passed = false, false, {}, 0, {}
  local status_of = {}
  for _, id in ipairs(ids) do
    local res
    local need = NEEDS[id]
    if need and status_of[need] and status_of[need] ~= "pass" then
      res = mp.skip(T("needs " .. need, "depende de " .. need))
    else
      res = VERIFY[id](agent, ctx)
    end
    local st = res.status
    status_of[id] = st
    ev.verifications[id] = st
    ev[id] = res.evidence
    local sev = res.evidence or {}
    if st == "pass" then
      ran = ran + 1
      passed[#passed + 1] = id
    elseif st == "skipped" then
      local why = resolve(res.reason or res.message, sev, ctx.params)
      if why then notes[#notes + 1] = T(id .. ": " .. why.en, id .. ": " .. why["pt-BR"]) end
    elseif st == "error" then
      errors[#errors + 1] = id .. ": " .. tostring(type(res.reason) == "table" and res.reason.en or res.reason)
    else
      ran = ran + 1
      local msg = resolve(res.message, sev, ctx.params) or T(id, id)
      problems[#problems + 1] = T(id .. ": " .. msg.en, id .. ": " .. msg["pt-BR"])
      for _, r in ipairs(res.recommendations or {}) do recs[#recs + 1] = resolve(r, sev, ctx.params) end
      if st == "manual" or not FIX[id] then
        manual = true
      else
        failed = true
        fixable[#fixable + 1] = { id = id, res = res }
      end
    end
  end
  if #notes > 0 then ev.not_checked = {} end
  for _, n in ipairs(notes) do ev.not_checked[#ev.not_checked + 1] = n end
  if #problems > 0 then
    for _, c in ipairs(closing) do recs[#recs + 1] = c end
    local msg = join(problems, "; ")
    if manual then
      if failed then
        recs[#recs + 1] = T("marsplay can fix some of these once the manual ones are solved: run this playbook again.",
                            "O marsplay pode corrigir parte disso depois que os itens manuais forem resolvidos: execute este playbook novamente.")
      end
      return mp.manual { evidence = ev, message = msg, recommendations = recs }
    end
    return mp.finding { evidence = ev, message = msg, recommendations = recs, fixable = fixable }
  end
  if #errors > 0 then
    ev.errors = errors
    return { status = "error", evidence = ev, reason = table.concat(errors, "; ") }
  end
  if ran == 0 then
    return mp.skip(join(notes, "; "), ev)
  end
  if #notes > 0 then
    local n = join(notes, "; ")
    -- only what ran is named as passed; the rest is said not checked
    return mp.pass(ev, T("The verifications that could run passed (" .. table.concat(passed, ", ") .. "); not checked here: " .. n.en,
                         "As verificações que puderam ser feitas passaram (" .. table.concat(passed, ", ") .. "); não verificado aqui: " .. n["pt-BR"]))
  end
  return mp.pass(ev, T("Every verification passed: " .. table.concat(ids, ", ") .. ".",
                       "Todas as verificações passaram: " .. table.concat(ids, ", ") .. "."))
end

local function run_fixes(_, finding)
  local agent = assert(mars.agent())
  for _, f in ipairs(finding.fixable or {}) do FIX[f.id](agent, f.res) end
end

-- A check of one error: t.verify lists the verifications (not the
-- runner's verify function: detect runs again after a fix), t.closing the
-- guide's last step.
local function check(t)
  local ids, closing = t.verify, t.closing
  t.verify, t.closing = nil, nil
  t.detect = function(ctx)
    local agent, skip = mars.agent()
    if not agent then return skip end
    return combined(agent, ctx, ids, closing)
  end
  t.fix = run_fixes
  return mp.check(t)
end

-- ---------- the guide's steps ----------

local SCRATCH_IDS = { "scratch-registry", "scratch-exists", "scratch-access", "scratch-not-held" }
local STORAGE_IDS = { "agent-up-to-date", "scratch-registry", "scratch-exists", "scratch-access",
                      "scratch-free-space", "scratch-attributes", "scratch-not-held" }

local RESTART = {
  T("After these steps, restart the server.", "Depois dessas etapas, reinicie o servidor."),
}
local RETRY = {
  T("After these steps, retry the operation.", "Depois dessas etapas, repita a operação."),
}

return mp.playbook {
  id = "common-issues",
  title = T("Common issues", "Problemas comuns"),
  anchor = "common-issues",
  params = merge(agentv.PARAMS, {
    min_free_pct = { type = "number", default = 5, min = 0, max = 100,
                     doc = "minimum free space on the cache volume, % of the protected data" },
    recommended_free_pct = { type = "number", default = 10, min = 0, max = 100,
                             doc = "recommended free space, % of the protected data" },
    protected = { type = "list", default = {},
                  doc = "folders being backed up (;-separated), sized to apply the 5-10 % rule" },
    protected_bytes = { type = "number", default = 0, min = 0,
                        doc = "size of the protected data in bytes, instead of sizing folders" },
    move_cache_to = { type = "string", default = "",
                      doc = "new cache folder for the documented move of a cache with unsupported attributes (empty: manual); a move for space goes to another volume and stays manual" },
  }),
  checks = {
    check {
      id = "sal-checksum-store",
      title = T("SalChecksumStoreInitializationFailed: the agent can reach the backup checksum in the scratch location",
                "SalChecksumStoreInitializationFailed: o agente consegue acessar a soma de verificação do backup no local de rascunho"),
      cause = T("The agent could not access the backup checksum stored in the scratch location: antivirus or other processes block the scratch files, or the scratch location is not " ..
        "valid and accessible.",
                "O agente não pôde acessar a soma de verificação do backup armazenada no local de rascunho: antivírus ou outros processos bloqueiam os arquivos, ou o local de rascunho " ..
                  "não é válido e acessível."),
      anchor = "salchecksumstoreinitializationfailed",
      error_ids = { "SalChecksumStoreInitializationFailed" },
      severity = "high",
      verify = SCRATCH_IDS, closing = RESTART,
    },
    check {
      id = "sal-vhd-initialization",
      title = T("SalVhdInitializationError: the agent can reach the scratch location to initialize the VHD",
                "SalVhdInitializationError: o agente consegue acessar o local de rascunho para inicializar o VHD"),
      cause = T("The agent could not access the scratch location to initialize the VHD: antivirus or other processes block the scratch files, or the scratch location is not valid and accessible.",
                "O agente não pôde acessar o local de rascunho para inicializar o VHD: antivírus ou outros processos bloqueiam os arquivos, ou o local de rascunho não é válido e acessível."),
      anchor = "salvhdinitializationerror",
      error_ids = { "SalVhdInitializationError" },
      severity = "high",
      verify = SCRATCH_IDS, closing = RESTART,
    },
    check {
      id = "sal-low-disk-space",
      title = T("SalLowDiskSpace: enough storage on the scratch folder's volume",
                "SalLowDiskSpace: armazenamento suficiente no volume da pasta de rascunho"),
      cause = T("Insufficient storage on the volume where the scratch folder is located.",
                "Armazenamento insuficiente no volume em que a pasta de rascunho está localizada."),
      anchor = "sallowdiskspace",
      error_ids = { "SalLowDiskSpace" },
      severity = "high",
      verify = STORAGE_IDS, closing = RETRY,
    },
    check {
      id = "sal-bitmap",
      title = T("SalBitmapError: the agent is current and the scratch storage is sound",
                "SalBitmapError: o agente está atualizado e o armazenamento de rascunho está íntegro"),
      cause = T("Unable to find changes in a file (several possible reasons): an old agent or storage problems affecting the scratch space.",
                "Não é possível encontrar as alterações em um arquivo (vários motivos possíveis): um agente antigo ou problemas de armazenamento que afetam o espaço de rascunho."),
      anchor = "salbitmaperror",
      error_ids = { "SalBitmapError" },
      severity = "medium",
      verify = STORAGE_IDS, closing = RETRY,
    },
  },
}
