-- runner.lua: the privileged driver.  Loads a playbook in a fresh
-- sandbox, resolves its parameters, and runs each check through
-- detect -> fix -> verify under the engine's limits.  Only this file can
-- reach marsplay.core; nothing here is visible to playbooks.

local core = require "marsplay.core"
local actiontext = assert(core.load(core.stdlib .. "/marsplay/actiontext.lua", _ENV))()
local errtext = assert(core.load(core.stdlib .. "/marsplay/errtext.lua", _ENV))()

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

-- The folder of a path: '/'-separated, and on Windows (where Lua's
-- directory separator, package.config's first character, is a
-- backslash) also backslash-separated.
local WINDOWS_PATHS = package.config:sub(1, 1) == "\\"
local function dirname(path)
  if WINDOWS_PATHS then return path:match("^(.*)[/\\][^/\\]*$") or "." end
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

-- Evidence values that are texts ({ en =, ["pt-BR"] = }, at any depth
-- in lists and records) become the report language's string.
local function is_text(v)
  if type(v) ~= "table" or type(v.en) ~= "string" then return false end
  for k in pairs(v) do if k ~= "en" and k ~= "pt-BR" then return false end end
  return true
end
local function tr_evidence(v, lang, depth)
  if type(v) ~= "table" or depth > 8 then return v end
  if is_text(v) then return tr(v, lang) end
  for k, x in pairs(v) do v[k] = tr_evidence(x, lang, depth + 1) end
  return v
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

-- params: the runner's own copy (ctx.params is the check's to change, and
-- may carry metamethods the runner must not call outside a deadline).
local function run_check(check, ctx, params, cfg, lang, results, emit)
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
    return finish("error", { reason = tr(errtext.text(r), lang), error_kind = kind })
  end
  local res = outcome(r)
  if not STATUSES[res.status] then
    return finish("error", { reason = "detect returned unknown status " .. tostring(res.status) })
  end
  res.evidence = tr_evidence(res.evidence, lang, 0)
  local evidence = type(res.evidence) == "table" and res.evidence or nil
  local vars = setmetatable({}, { __index = function(_, k)
    local e = evidence and rawget(evidence, k)
    if e ~= nil then return e end
    return rawget(params, k)
  end })
  out.evidence = res.evidence or {}
  out.message = res.message and text(res.message, lang, vars) or nil
  out.recommendations = texts(res.recommendations or check.recommendations, lang, vars)
  -- what the operator must still do once the fix is done (restart a
  -- service, register again): shown under a fixed check as its next steps
  if res.next_steps ~= nil then out.next_steps = texts(res.next_steps, lang, vars) end
  emit { event = "detect", check = check.id, status = res.status, evidence = out.evidence,
         message = out.message }

  if res.status == "pass" or res.status == "skipped" or res.status == "error" then
    if res.status ~= "pass" then out.reason = res.reason and text(res.reason, lang, vars) or out.message end
    return finish(res.status)
  end
  -- fix (planned in dry-run).  A manual result with prepare = true still
  -- runs the fix, which only prepares what the operator needs (e.g. a
  -- corrected file written beside the original); it stays manual.
  local function run_fix()
    core.set_phase("fix")
    core.take_actions()
    local fok, ferr = call(cfg, check.fix, ctx, res)
    out.actions = array(core.take_actions())
    for _, a in ipairs(out.actions) do
      if type(a) == "table" then a.detail = actiontext.translate(a.detail, lang) end
    end
    core.set_phase("detect")
    if not fok then
      return finish(cfg.dry_run and "error" or "fix-failed",
                    { reason = tr(cfg.dry_run and MSG.plan_failed or MSG.fix_failed, lang) .. tostring(ferr) })
    end
  end
  if res.status == "manual" or res.manual or not check.fix then
    if res.prepare and check.fix and not cfg.no_fix then
      local failed = run_fix()
      if failed then return failed end
    end
    return finish("manual")
  end
  if cfg.no_fix then return finish("fail") end
  local failed = run_fix()
  if failed then return failed end
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

-- ---------- waivers (--waivers FILE) ----------

-- One waiver a line:  ID | justification
--                     ID | until YYYY-MM-DD | justification
-- ID is playbook/check or check (any playbook); '#' starts a comment
-- line.  A waiver holds through its `until` day (UTC).  A waived problem
-- (fail, planned, manual, fix-failed) is reported as "waived", keeping
-- its status in waived_status and the justification in waiver.
local waivers = nil
local ID_PATTERN = "^[%w_%-%.]+$"
local WAIVABLE = { fail = true, planned = true, manual = true, ["fix-failed"] = true }

local function valid_date(s)
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return false end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 then return false end
  local days = { 31, (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28,
                 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  return d <= days[m]
end

local function trim(s) return (s:match("^%s*(.-)%s*$")) end

-- Parse and keep the waivers of file for every later run; raises
-- "file:line: message" on the first malformed line.  Returns the count.
function M.set_waivers(file)
  local f, err = io.open(file, "rb")
  if not f then error(("%s: cannot read the waiver file: %s"):format(file, tostring(err)), 0) end
  local data = f:read("a")
  f:close()
  local list, by_id, n = {}, {}, 0
  local function bad(ln, msg) error(("%s:%d: %s"):format(file, ln, msg), 0) end
  local ln = 0
  for line in (data .. "\n"):gmatch("([^\n]*)\n") do
    ln = ln + 1
    line = line:gsub("\r$", "")
    if ln == 1 then line = line:gsub("^\239\187\191", "") end
    if not (line:match("^%s*$") or line:match("^%s*#")) then
      local fields = {}
      for part in (line .. "|"):gmatch("([^|]*)|") do fields[#fields + 1] = trim(part) end
      if #fields < 2 or #fields > 3 then
        bad(ln, "expected 'ID | justification' or 'ID | until YYYY-MM-DD | justification'")
      end
      local id, just, until_ = fields[1], fields[#fields], nil
      local pb, ck = id:match("^([^/]+)/([^/]+)$")
      if not ((pb and pb:match(ID_PATTERN) and ck:match(ID_PATTERN)) or id:match(ID_PATTERN)) then
        bad(ln, ("'%s' is not a check id (playbook/check or check)"):format(id))
      end
      if #fields == 3 then
        until_ = fields[2]:match("^until%s+(%S+)$")
        if not until_ then bad(ln, ("expected 'until YYYY-MM-DD', got '%s'"):format(fields[2])) end
        if not valid_date(until_) then bad(ln, ("'%s' is not a date (YYYY-MM-DD)"):format(until_)) end
      elseif just:match("^until%s") then
        bad(ln, "the justification is missing (ID | until YYYY-MM-DD | justification)")
      end
      if just == "" then bad(ln, "the justification is missing") end
      if by_id[id] then bad(ln, ("'%s' is already waived at line %d"):format(id, by_id[id].line)) end
      local w = { id = id, until_ = until_, justification = just, line = ln, file = file }
      by_id[id] = w
      list[#list + 1] = w
      n = n + 1
    end
  end
  waivers = { by_id = by_id, list = list }
  return n
end

-- Apply the waivers to one check result (in place).
local function waive(pbid, res, emit)
  if not waivers or not WAIVABLE[res.status] then return end
  local w = waivers.by_id[pbid .. "/" .. res.id] or waivers.by_id[res.id]
  if not w then return end
  local where = ("%s:%d"):format(w.file, w.line)
  if w.until_ and os.date("!%Y-%m-%d") > w.until_ then
    res.waiver_expired = w.until_
    res.waiver = w.justification
    local note = ("waiver %s (%s) expired on %s: %s"):format(w.id, where, w.until_, w.justification)
    res.reason = res.reason and (res.reason .. "; " .. note) or note
    emit { event = "waiver-expired", check = res.id, status = res.status, waiver = w.justification,
           ["until"] = w.until_ }
    return
  end
  res.waived_status = res.status
  res.status = "waived"
  res.waiver = w.justification
  res.waiver_until = w.until_
  res.reason = ("%s (waiver %s%s; status %s)"):format(w.justification, where,
      w.until_ and (", until " .. w.until_) or "", res.waived_status)
  emit { event = "waived", check = res.id, status = "waived", waived_status = res.waived_status,
         waiver = w.justification, ["until"] = w.until_ }
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
      -- Whatever goes wrong while the runner handles this check's result
      -- (the heap cap while interpolating its message, ...) is this
      -- check's error; the others keep theirs.
      local ok, res = pcall(run_check, check, new_ctx(check.id), params, cfg, lang, results, emit)
      if not ok then
        local why = tostring(res)
        collectgarbage("collect")
        res = { id = check.id, title = check.id, severity = check.severity or "medium",
                error_ids = array(), evidence = {}, actions = array(), recommendations = array(),
                status = "error", reason = "the engine could not complete this check's result: " .. why }
        emit { event = "result", check = check.id, status = "error", reason = res.reason }
      end
      waive(desc.id, res, emit)
      results[check.id] = { status = res.status }
      -- The result leaves the Lua heap (the engine puts the kept results
      -- in place of report.checks, which holds only id and status).
      core.keep(res)
      report.checks[#report.checks + 1] = results[check.id]
      results[check.id].id = check.id
      code = core.exit_code(code, res.status)
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
  local names = {}
  for name in pairs(desc.params or {}) do names[#names + 1] = name end
  table.sort(names)
  out.params = array(names)
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


-- ---------- authoring: `marsplay check` ----------

-- Validate a playbook without running any check: load it in a fresh
-- sandbox (its top-level code runs, as for describe) and look at the
-- structure it declares.  Returns { file=, id=, problems = [{line=,
-- message=, file=?}] }; line numbers come from the source text (where a
-- check or parameter is declared) or from the debug info of functions.

local PARAM_TYPES = { number = true, string = true, boolean = true, list = true }
local ANCHOR_PATTERN = "^[a-z0-9%-]+$"

local function source_lines(file)
  local f = io.open(file, "rb")
  if not f then return {} end
  local lines = {}
  for l in f:lines() do lines[#lines + 1] = l end
  f:close()
  return lines
end

local function escape_pattern(s)
  return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
end

-- First line at or after `from` matching pattern.
local function find_line(lines, pattern, from)
  for i = from or 1, #lines do
    if lines[i]:find(pattern) then return i end
  end
  return nil
end

-- Where a function was defined, if in this file.
local function fn_line(fn, chunkname)
  if type(fn) ~= "function" then return nil end
  local info = debug.getinfo(fn, "S")
  if info and info.source == chunkname and info.linedefined and info.linedefined > 0 then
    return info.linedefined
  end
  return nil
end

-- "file:12: message" from a load error -> file, 12, message.
local function split_error(msg)
  local f, l, rest = tostring(msg):match("^(.-):(%d+): (.*)$")
  if f then return f, tonumber(l), rest end
  return nil, nil, tostring(msg)
end

local function is_array_of(t, kind)
  if type(t) ~= "table" then return false end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  if n ~= #t then return false end
  for _, v in ipairs(t) do
    if type(v) ~= kind then return false end
  end
  return true
end

function M.check(file)
  local cfg = core.config()
  local result = { file = file, problems = array() }
  local problems = result.problems
  local lines = source_lines(file)
  local function add(line, msg, other)
    problems[#problems + 1] = { line = line or 1, message = msg, file = other, n = #problems + 1 }
  end

  local env = core.new_env(dirname(file))
  local chunk, err = core.load(file, env)
  if not chunk then
    local _, l, rest = split_error(err)
    add(l, "cannot load: " .. rest)
    return result
  end
  local chunkname = debug.getinfo(chunk, "S").source
  core.set_phase("load")
  local ok, desc = call(cfg, chunk)
  if not ok then
    local f, l, rest = split_error(desc)
    if f and chunkname == "@" .. f then add(l, "error while loading: " .. rest)
    elseif f then add(1, "error while loading: " .. rest, f .. ":" .. l)
    else add(1, "error while loading: " .. rest) end
    return result
  end
  if type(desc) ~= "table" then
    add(#lines > 0 and #lines or 1, "the playbook must return a table built with marsplay.playbook{...} (it returned a "
        .. type(desc) .. ")")
    return result
  end

  -- texts: a string, or { en = ..., ["pt-BR"] = ... } with both
  local function text_ok(v, what, line, required)
    if v == nil then
      if required then add(line, what .. " is missing") end
      return
    end
    if type(v) == "string" then
      if v == "" then add(line, what .. " is empty") end
      return
    end
    if type(v) ~= "table" then
      add(line, what .. " must be a string or mp.text(en, pt) (it is a " .. type(v) .. ")")
      return
    end
    for _, lang in ipairs({ "en", "pt-BR" }) do
      if type(v[lang]) ~= "string" or v[lang] == "" then
        add(line, what .. " has no " .. lang .. " text")
      end
    end
  end

  local top = find_line(lines, "marsplay%.playbook") or find_line(lines, "%.playbook%s*[{(]")
      or find_line(lines, "^%s*return") or 1
  result.id = type(desc.id) == "string" and desc.id or nil
  if type(desc.id) ~= "string" then
    add(top, "the playbook has no id (a string)")
  elseif not desc.id:match(ID_PATTERN) then
    add(find_line(lines, "id%s*=%s*[\"']" .. escape_pattern(desc.id)) or top,
        ("playbook id '%s' is invalid (letters, digits, '-', '_', '.')"):format(desc.id))
  end
  text_ok(desc.title, "the playbook's title", find_line(lines, "^%s*title%s*=", top) or top, true)
  if desc.anchor ~= nil and (type(desc.anchor) ~= "string" or not desc.anchor:match(ANCHOR_PATTERN)) then
    add(find_line(lines, "^%s*anchor%s*=", top) or top,
        "anchor must be a guide anchor (lowercase letters, digits and '-')")
  end

  -- parameters
  if desc.params ~= nil and type(desc.params) ~= "table" then
    add(find_line(lines, "params%s*=") or top, "params must be a table")
  elseif desc.params then
    local pline = find_line(lines, "params%s*=") or top
    local names = {}
    for name in pairs(desc.params) do names[#names + 1] = tostring(name) end
    table.sort(names)
    for _, name in ipairs(names) do
      local spec = desc.params[name]
      local line = find_line(lines, "[%s{,]" .. escape_pattern(name) .. "%s*=", pline)
          or find_line(lines, "^" .. escape_pattern(name) .. "%s*=", pline) or pline
      local what = "parameter " .. name
      if not name:match("^[%a_][%w_]*$") then
        add(line, what .. ": the name must be an identifier (letters, digits, '_')")
      end
      if type(spec) ~= "table" then spec = { default = spec } end
      local kind = spec.type
      if kind == nil then
        kind = type(spec.default)
        if spec.default == nil then
          add(line, what .. ": no type and no default")
          kind = nil
        elseif kind == "table" then
          add(line, what .. ": a table default needs type = \"list\"")
          kind = nil
        elseif not PARAM_TYPES[kind] then
          add(line, what .. ": default of unsupported type " .. kind)
          kind = nil
        end
      elseif not PARAM_TYPES[kind] then
        add(line, ("%s: unknown type '%s' (number, string, boolean or list)"):format(what, tostring(kind)))
        kind = nil
      end
      local d = spec.default
      if kind and d == nil then
        add(line, what .. ": no default (give one, e.g. \"\" or {} for \"none\")")
      elseif kind == "list" then
        if not is_array_of(d, "string") then
          add(line, what .. ": the default of a list must be an array of strings")
        end
      elseif kind and type(d) ~= kind then
        add(line, ("%s: the default is a %s, not a %s"):format(what, type(d), kind))
      end
      for _, b in ipairs({ "min", "max" }) do
        if spec[b] ~= nil then
          if type(spec[b]) ~= "number" then
            add(line, ("%s: %s must be a number"):format(what, b))
          elseif kind ~= "number" then
            add(line, ("%s: %s only applies to numbers"):format(what, b))
          elseif type(d) == "number" and ((b == "min" and d < spec[b]) or (b == "max" and d > spec[b])) then
            add(line, ("%s: the default %s is %s %s %s"):format(what, tostring(d),
                b == "min" and "below" or "above", b, tostring(spec[b])))
          end
        end
      end
      if spec.doc ~= nil then text_ok(spec.doc, what .. ": doc", line, false) end
    end
  end

  -- checks
  if type(desc.checks) ~= "table" then
    add(top, "the playbook has no checks list")
    return result
  end
  if #desc.checks == 0 then add(find_line(lines, "checks%s*=") or top, "the checks list is empty") end
  local cline = find_line(lines, "checks%s*=") or top
  local index = {}
  for i, c in ipairs(desc.checks) do
    if type(c) == "table" and type(c.id) == "string" and index[c.id] == nil then index[c.id] = i end
  end
  local seen, cursor = {}, cline
  for i, c in ipairs(desc.checks) do
    if type(c) ~= "table" then
      add(cline, ("check #%d is not a table (build it with mp.check{...})"):format(i))
    else
      local id = c.id
      local line
      if type(id) == "string" then
        local pat = "id%s*=%s*[\"']" .. escape_pattern(id) .. "[\"']"
        line = find_line(lines, pat, cursor) or find_line(lines, pat, cline)
        if line then cursor = line + 1 end
      end
      line = line or fn_line(c.detect, chunkname) or cline
      local what = type(id) == "string" and ("check '" .. id .. "'") or ("check #" .. i)
      if type(id) ~= "string" then
        add(line, what .. " has no id (a string)")
      else
        if not id:match(ID_PATTERN) then
          add(line, ("check id '%s' is invalid (letters, digits, '-', '_', '.')"):format(id))
        end
        if seen[id] then add(line, ("duplicate check id '%s' (first at check #%d)"):format(id, seen[id])) end
        seen[id] = seen[id] or i
      end
      text_ok(c.title, what .. ": title", line, true)
      text_ok(c.cause, what .. ": cause", line, false)
      if type(c.detect) ~= "function" then add(line, what .. " has no detect function") end
      if c.fix ~= nil and type(c.fix) ~= "function" then add(line, what .. ": fix must be a function") end
      if c.verify ~= nil and type(c.verify) ~= "function" then add(line, what .. ": verify must be a function") end
      if c.verify ~= nil and c.fix == nil then add(line, what .. ": verify without fix is never run") end
      if c.severity ~= nil and not SEVERITIES[c.severity] then
        add(line, ("%s: unknown severity '%s' (critical, high, medium, low or info)"):format(what, tostring(c.severity)))
      end
      if c.anchor ~= nil and (type(c.anchor) ~= "string" or not c.anchor:match(ANCHOR_PATTERN)) then
        add(line, what .. ": anchor must be a guide anchor (lowercase letters, digits and '-')")
      end
      if c.error_ids ~= nil then
        if type(c.error_ids) ~= "table" then
          add(line, what .. ": error_ids must be a list of strings")
        else
          for j, e in pairs(c.error_ids) do
            if type(j) ~= "number" or type(e) ~= "string" then
              add(line, ("%s: error_ids[%s] must be a string (write \"%s\")"):format(what, tostring(j), tostring(e)))
            end
          end
        end
      end
      if c.recommendations ~= nil then
        if type(c.recommendations) ~= "table" then
          add(line, what .. ": recommendations must be a list")
        elseif c.recommendations.en or c.recommendations["pt-BR"] then
          text_ok(c.recommendations, what .. ": recommendations", line, false)
        else
          for j, r in ipairs(c.recommendations) do text_ok(r, ("%s: recommendation %d"):format(what, j), line, false) end
        end
      end
      if c.depends ~= nil then
        if type(c.depends) ~= "table" then
          add(line, what .. ": depends must be a list of check ids")
        else
          for _, dep in ipairs(c.depends) do
            if type(dep) ~= "string" then
              add(line, what .. ": depends lists a " .. type(dep) .. ", not a check id")
            elseif dep == id then
              add(line, what .. " depends on itself")
            elseif not index[dep] then
              add(line, ("%s depends on unknown check '%s'"):format(what, dep))
            elseif index[dep] > i then
              add(line, ("%s depends on '%s', which runs after it (list prerequisites first)"):format(what, dep))
            end
          end
        end
      end
    end
  end
  table.sort(problems, function(a, b)
    if (a.file or "") ~= (b.file or "") then return (a.file or "") < (b.file or "") end
    if a.line ~= b.line then return a.line < b.line end
    return a.n < b.n
  end)
  for _, p in ipairs(problems) do p.n = nil end
  return result
end

return M
