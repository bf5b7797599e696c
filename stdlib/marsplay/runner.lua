-- runner.lua: the privileged driver.  Loads a playbook in a fresh
-- sandbox, resolves its parameters, and runs each check through
-- detect -> fix -> verify under the engine's limits.  Only this file can
-- reach marsplay.core; nothing here is visible to playbooks.

local core = require "marsplay.core"

local M = {}

local ARRAY = { __array = true }
local function array(t) return setmetatable(t or {}, ARRAY) end

local STATUSES = {
  pass = true, fail = true, planned = true, fixed = true, manual = true,
  ["fix-failed"] = true, skipped = true, error = true, waived = true,
}
local SEVERITIES = { critical = true, high = true, medium = true, low = true, info = true }

-- The runner's own words.
local MSG = {
  depends = { en = "depends on {dep}, which is {status}", ["pt-BR"] = "depende de {dep}, que está como {status}" },
  plan_failed = { en = "planning the fix failed: ", ["pt-BR"] = "o planejamento da correção falhou: " },
  fix_failed = { en = "fix failed: ", ["pt-BR"] = "a correção falhou: " },
  verify_failed = { en = "verify failed: ", ["pt-BR"] = "a verificação falhou: " },
  still_there = { en = "the problem is still there after the fix: ", ["pt-BR"] = "o problema continua após a correção: " },
}

-- exit code contribution of a status
local CODE = { fail = 2, planned = 2, manual = 3, ["fix-failed"] = 4, error = 1 }

local function combine(a, b)
  if a == 1 or b == 1 then return 1 end
  return math.max(a, b)
end

local function dirname(path)
  return path:match("^(.*)/[^/]*$") or "."
end

local function set_of(csv)
  if not csv or csv == "" then return nil end
  local s = {}
  for id in csv:gmatch("[^,%s]+") do s[id] = true end
  return s
end

-- Copy a value that came from a playbook into plain data: raw access
-- only (no metamethods run in privileged code), bounded depth; functions
-- are kept (they are the checks' code), userdata and threads described.
local function plain(v, depth)
  local t = type(v)
  if t == "table" then
    depth = depth or 0
    if depth > 24 then return "<nested too deep>" end
    local out = {}
    local k, x = next(v)
    while k ~= nil do
      local kt = type(k)
      if kt == "string" or kt == "number" then out[k] = plain(x, depth + 1) end
      k, x = next(v, k)
    end
    -- keep the array mark of empty arrays (getmetatable runs no code)
    local mt = getmetatable(v)
    if type(mt) == "table" and rawget(mt, "__array") then setmetatable(out, ARRAY) end
    return out
  elseif t == "userdata" or t == "thread" then
    return "<" .. t .. ">"
  end
  return v
end

-- Call fn(...) under the engine's limits and copy its first result.
local function call(cfg, fn, ...)
  return core.call(cfg.timeout, function(...) return plain((fn(...))) end, ...)
end

-- Pick the text for the language: strings pass through, tables are
-- { en = ..., ["pt-BR"] = ... }.
local function tr(v, lang)
  if type(v) == "table" then
    return v[lang] or v.en or v[1]
  end
  return v
end

-- "{name}" placeholders take values from vars (evidence, params).
local function fmt_value(v)
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

local function interpolate(s, vars)
  if type(s) ~= "string" then return s end
  return (s:gsub("{([%w_%.]+)}", function(k)
    local v = vars[k]
    if v == nil then return "{" .. k .. "}" end
    return fmt_value(v)
  end))
end

local function text(v, lang, vars)
  return interpolate(tr(v, lang), vars or {})
end

local function texts(list, lang, vars)
  local out = array()
  if type(list) ~= "table" then return out end
  if list.en or list["pt-BR"] then list = tr(list, lang) end
  if type(list) == "string" then out[1] = interpolate(list, vars); return out end
  for _, item in ipairs(list) do out[#out + 1] = text(item, lang, vars) end
  return out
end

-- ---------- parameters ----------

local function convert(spec, raw, name)
  local kind = spec.type or type(spec.default) or "string"
  if kind == "number" then
    local n = tonumber(raw)
    if not n then return nil, ("parameter %s: '%s' is not a number"):format(name, raw) end
    if spec.min and n < spec.min then return nil, ("parameter %s: %s is below %s"):format(name, raw, spec.min) end
    if spec.max and n > spec.max then return nil, ("parameter %s: %s is above %s"):format(name, raw, spec.max) end
    return n
  elseif kind == "boolean" then
    local l = raw:lower()
    if l == "true" or l == "1" or l == "yes" or l == "on" then return true end
    if l == "false" or l == "0" or l == "no" or l == "off" then return false end
    return nil, ("parameter %s: '%s' is not a boolean (true/false)"):format(name, raw)
  elseif kind == "list" then
    local t = array()
    for item in raw:gmatch("[^;]+") do
      item = item:match("^%s*(.-)%s*$")
      if item ~= "" then t[#t + 1] = item end
    end
    return t
  elseif kind == "string" then
    return raw
  end
  return nil, ("parameter %s: unknown type %s"):format(name, tostring(kind))
end

local function resolve_params(desc, given)
  local params, shown = {}, {}
  for name, spec in pairs(desc.params or {}) do
    if type(spec) ~= "table" then spec = { default = spec } end
    local v = spec.default
    if given[name] ~= nil then
      local conv, err = convert(spec, given[name], name)
      if err then return nil, err end
      v = conv
    end
    if type(v) == "table" and spec.type == "list" then v = array(v) end
    params[name] = v
    shown[name] = v
  end
  return params, nil, shown
end

-- ---------- validation ----------

local function validate(desc, file)
  if type(desc) ~= "table" then
    return ("%s: the playbook must return a table built with marsplay.playbook{...}"):format(file)
  end
  if type(desc.id) ~= "string" or not desc.id:match("^[%w_%-%.]+$") then
    return ("%s: playbook id missing or invalid"):format(file)
  end
  if type(desc.checks) ~= "table" then
    return ("%s: playbook '%s' has no checks list"):format(file, desc.id)
  end
  local seen = {}
  for i, c in ipairs(desc.checks) do
    if type(c) ~= "table" or type(c.id) ~= "string" then
      return ("%s: check #%d has no id"):format(file, i)
    end
    if seen[c.id] then return ("%s: duplicate check id '%s'"):format(file, c.id) end
    seen[c.id] = true
    if type(c.detect) ~= "function" then
      return ("%s: check '%s' has no detect function"):format(file, c.id)
    end
    if c.severity and not SEVERITIES[c.severity] then
      return ("%s: check '%s': unknown severity '%s'"):format(file, c.id, tostring(c.severity))
    end
  end
  for _, c in ipairs(desc.checks) do
    for _, dep in ipairs(c.depends or {}) do
      if not seen[dep] then
        return ("%s: check '%s' depends on unknown check '%s'"):format(file, c.id, dep)
      end
    end
  end
  return nil
end

-- ---------- loading ----------

local function load_playbook(file, cfg)
  local env = core.new_env(dirname(file))
  local chunk, err = core.load(file, env)
  if not chunk then return nil, err end
  core.set_phase("load")
  local ok, desc, kind = call(cfg, chunk)
  if not ok then return nil, desc, kind end
  local verr = validate(desc, file)
  if verr then return nil, verr end
  return desc
end

-- ---------- running one check ----------

-- Normalise what detect returned into a result table.
local function outcome(r)
  if r == nil or r == true then return { status = "pass" } end
  if r == false then return { status = "fail" } end
  if type(r) ~= "table" then return { status = "error", reason = "detect returned a " .. type(r) } end
  if r.status == nil then r.status = "fail" end
  return r
end

local function healthy(res) return res.status == "pass" end

local function run_check(check, ctx, cfg, lang, results, emit)
  local started = core.monotonic()
  local out = {
    id = check.id,
    title = text(check.title or check.id, lang),
    cause = check.cause and text(check.cause, lang) or nil,
    severity = check.severity or "medium",
    error_ids = array(check.error_ids and { table.unpack(check.error_ids) } or {}),
    anchor = check.anchor,
    evidence = {},
    actions = array(),
    recommendations = array(),
  }
  local function finish(status, extra)
    out.status = status
    for k, v in pairs(extra or {}) do out[k] = v end
    out.duration_ms = (core.monotonic() - started) * 1000
    emit { event = "result", check = check.id, status = status, message = out.message,
           reason = out.reason }
    return out
  end

  -- dependencies: a prerequisite that passed, was fixed or waived, or
  -- (in a dry-run) has a planned fix, lets the check run
  for _, dep in ipairs(check.depends or {}) do
    local r = results[dep]
    local ok_status = r and (r.status == "pass" or r.status == "fixed" or r.status == "waived"
                             or (cfg.dry_run and r.status == "planned"))
    if r and not ok_status then
      return finish("skipped", { reason = text(MSG.depends, lang, { dep = dep, status = r.status }) })
    end
  end

  core.set_phase("detect")
  local ok, r, kind = call(cfg, check.detect, ctx)
  if not ok then
    return finish("error", { reason = r, error_kind = kind })
  end
  local res = outcome(r)
  if not STATUSES[res.status] then
    return finish("error", { reason = "detect returned unknown status " .. tostring(res.status) })
  end
  local vars = setmetatable({}, { __index = function(_, k)
    local e = res.evidence and res.evidence[k]
    if e ~= nil then return e end
    return ctx.params[k]
  end })
  out.evidence = res.evidence or {}
  out.message = res.message and text(res.message, lang, vars) or nil
  out.recommendations = texts(res.recommendations or check.recommendations, lang, vars)
  emit { event = "detect", check = check.id, status = res.status, evidence = out.evidence,
         message = out.message }

  if res.status == "pass" or res.status == "skipped" or res.status == "error" then
    if res.status ~= "pass" then out.reason = res.reason and text(res.reason, lang, vars) or out.message end
    return finish(res.status)
  end
  if res.status == "manual" or res.manual or not check.fix then
    return finish("manual")
  end
  if cfg.no_fix then return finish("fail") end

  -- fix (planned in dry-run)
  core.set_phase("fix")
  core.take_actions()
  local fok, ferr = call(cfg, check.fix, ctx, res)
  out.actions = array(core.take_actions())
  core.set_phase("detect")
  if not fok then
    return finish(cfg.dry_run and "error" or "fix-failed",
                  { reason = tr(cfg.dry_run and MSG.plan_failed or MSG.fix_failed, lang) .. tostring(ferr) })
  end
  if cfg.dry_run then return finish("planned") end

  -- verify
  core.set_phase("verify")
  local verify = check.verify or check.detect
  local vok, vr = call(cfg, verify, ctx)
  core.set_phase("detect")
  if not vok then
    return finish("fix-failed", { verified = false, reason = tr(MSG.verify_failed, lang) .. tostring(vr) })
  end
  local vres = outcome(vr)
  if healthy(vres) then
    return finish("fixed", { verified = true })
  end
  return finish("fix-failed", { verified = false,
    reason = tr(MSG.still_there, lang) ..
             tostring(vres.message and text(vres.message, lang, vars) or vres.status) })
end

-- ---------- public entry points ----------

function M.run(file)
  local cfg = core.config()
  local lang = cfg.lang
  local started = core.monotonic()
  local report = { file = file, id = file:match("([^/]+)%.lua$") or file, title = file,
                   checks = array(), exit_code = 0 }
  local function emit(ev)
    ev.playbook = report.id
    core.event(ev)
  end
  local desc, err = load_playbook(file, cfg)
  if not desc then
    report.error = tostring(err)
    report.exit_code = 1
    emit { event = "error", message = report.error }
    report.duration_ms = (core.monotonic() - started) * 1000
    return report
  end
  report.id = desc.id
  report.title = text(desc.title or desc.id, lang)
  report.anchor = desc.anchor
  local params, perr, shown = resolve_params(desc, cfg.params)
  if perr then
    report.error = file .. ": " .. perr
    report.exit_code = 1
    return report
  end
  report.params = shown
  local only, skip = set_of(cfg.only), set_of(cfg.skip)
  local results, code = {}, 0
  local function new_ctx(id)
    local p = {}
    for k, v in pairs(params) do p[k] = v end
    return { params = p, dry_run = cfg.dry_run, offline = cfg.offline, lang = lang,
             playbook = desc.id, check = id }
  end
  emit { event = "start", title = report.title, mode = cfg.dry_run and "dry-run" or "apply" }
  for _, check in ipairs(desc.checks) do
    if (not only or only[check.id]) and not (skip and skip[check.id]) then
      local res = run_check(check, new_ctx(check.id), cfg, lang, results, emit)
      results[check.id] = res
      report.checks[#report.checks + 1] = res
      code = combine(code, CODE[res.status] or 0)
    end
  end
  report.exit_code = code
  report.duration_ms = (core.monotonic() - started) * 1000
  return report
end

-- Load without running checks: the description for list/check.
function M.describe(file)
  local cfg = core.config()
  local desc, err = load_playbook(file, cfg)
  if not desc then error(err, 0) end
  local out = { id = desc.id, title = text(desc.title or desc.id, cfg.lang), anchor = desc.anchor,
                file = file, checks = array() }
  for _, c in ipairs(desc.checks) do
    out.checks[#out.checks + 1] = { id = c.id, title = text(c.title or c.id, cfg.lang),
      severity = c.severity or "medium", fixable = c.fix ~= nil,
      error_ids = array(c.error_ids and { table.unpack(c.error_ids) } or {}) }
  end
  return out
end

-- Evaluate code in a fresh sandbox (for tests and `marsplay eval`).
function M.eval(code)
  local cfg = core.config()
  local env = core.new_env(nil)
  local chunk, err = env.load(code, "=eval", "t")
  if not chunk then error(err, 0) end
  core.set_phase("detect")
  local ok, r = call(cfg, chunk)
  if not ok then error(r, 0) end
  return r
end

return M
