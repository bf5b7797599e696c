-- marsplay.testing: writing tests for playbooks, run by `marsplay test`.
--
-- Test files (*_test.lua) run in a trusted Lua state (the standard
-- libraries, lfs and marsplay.testkit), not in the playbook sandbox:
--
--   local test = require "marsplay.testing"
--
--   test("a dry-run plans the fix and changes nothing", function(t)
--     t.lab { "scratch-readonly" }               -- or t.write / t.hive_set / t.task_xml
--     local r = t.unchanged(function()
--       return t.run("cache", { dry_run = true, set = { protected = [[C:\Data]] } })
--     end)
--     t.expect_status(r, "scratch-access", "planned")
--   end)
--
-- Each test gets its own t: a new temporary target volume (t.root, a
-- host folder; C:\ maps to it) and the helpers below.  Playbooks run
-- in-process, each in a fresh runtime, offline against t.root.  The
-- temporary folder is removed after the test (kept with --keep).
-- The reference is docs/api.md, "Testing playbooks".

local kit = require "marsplay.testkit"
local lfs = require "lfs"

local M = {}
local cases = {}

local SKIP = {}                        -- metatable marking t.skip()

--- Register a test: test(name, fn) or test.case(name, fn); fn gets t.
function M.case(name, fn)
  if type(name) ~= "string" or name == "" then error("test: the name must be a non-empty string", 2) end
  if type(fn) ~= "function" then error("test '" .. name .. "': the body must be a function", 2) end
  for _, c in ipairs(cases) do
    if c.name == name then error("test '" .. name .. "' is defined twice", 2) end
  end
  cases[#cases + 1] = { name = name, fn = fn }
end

setmetatable(M, { __call = function(_, name, fn) return M.case(name, fn) end })

-- ---------- values ----------

local function show(v, depth)
  depth = depth or 0
  if type(v) == "string" then return ("%q"):format(v):gsub("\\\n", "\\n") end
  if type(v) ~= "table" then return tostring(v) end
  if depth > 3 then return "{...}" end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts = {}
  for i, k in ipairs(keys) do
    if i > 20 then parts[#parts + 1] = "..."; break end
    if math.type(k) == "integer" and k >= 1 and k <= #v then
      parts[#parts + 1] = show(v[k], depth + 1)
    else
      parts[#parts + 1] = tostring(k) .. " = " .. show(v[k], depth + 1)
    end
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end
M.show = show

local function deep_eq(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not deep_eq(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end
M.deep_eq = deep_eq

local function csv(v)
  if type(v) == "table" then return table.concat(v, ",") end
  return v
end

-- --set values: lists are ;-separated, the rest as text.
local function param_text(k, v)
  local ty = type(v)
  if ty == "table" then
    for _, x in ipairs(v) do
      if type(x) ~= "string" then error(("set.%s: a list holds strings"):format(k), 4) end
    end
    return table.concat(v, ";")
  elseif ty == "string" then return v
  elseif ty == "number" then
    return math.type(v) == "integer" and tostring(v) or ("%.17g"):format(v)
  elseif ty == "boolean" then return tostring(v)
  end
  error(("set.%s: a %s cannot be a parameter"):format(k, ty), 4)
end

-- ---------- reports ----------

local function all_checks(report)
  local out = {}
  for _, pb in ipairs(report.playbooks or {}) do
    for _, c in ipairs(pb.checks or {}) do out[#out + 1] = { pb = pb, c = c } end
  end
  return out
end

-- The check result for id ("check" or "playbook/check") in a report.
local function find_check(report, id, level)
  level = (level or 1) + 1
  if type(report) ~= "table" or type(report.playbooks) ~= "table" then
    error("not a report (the first result of t.run)", level)
  end
  local pbid, cid = id:match("^([^/]+)/(.+)$")
  cid = cid or id
  local found, ids = nil, {}
  for _, x in ipairs(all_checks(report)) do
    ids[#ids + 1] = x.pb.id .. "/" .. x.c.id
    if x.c.id == cid and (not pbid or x.pb.id == pbid) then
      if found then error(("check '%s' is in several playbooks: name it playbook/check"):format(id), level) end
      found = x.c
    end
  end
  if found then return found end
  local errs = {}
  for _, pb in ipairs(report.playbooks) do
    if pb.error then errs[#errs + 1] = pb.error end
  end
  if #errs > 0 then
    error(("no check '%s' in the report: the playbook failed: %s"):format(id, table.concat(errs, "; ")), level)
  end
  error(("no check '%s' in the report (checks: %s)"):format(id, #ids > 0 and table.concat(ids, ", ") or "none"), level)
end

-- ---------- manifests ----------

local function manifest(root)
  if not lfs.attributes(root, "mode") then return {} end
  local m, err = kit.manifest(root)
  if not m then error("tree manifest: " .. tostring(err), 3) end
  return m
end

local function diff(a, b, limit)
  local keys, seen = {}, {}
  for k in pairs(a) do keys[#keys + 1] = k; seen[k] = true end
  for k in pairs(b) do if not seen[k] then keys[#keys + 1] = k end end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    if a[k] ~= b[k] then
      if #out >= (limit or 10) then out[#out + 1] = "..."; break end
      if a[k] == nil then out[#out + 1] = "added " .. k .. " (" .. b[k] .. ")"
      elseif b[k] == nil then out[#out + 1] = "removed " .. k
      else out[#out + 1] = "changed " .. k .. " (" .. a[k] .. " -> " .. b[k] .. ")" end
    end
  end
  return out
end

-- ---------- the per-test context ----------

local function winrel(p)
  if type(p) ~= "string" then error("a path must be a string", 3) end
  local r = p:gsub("^[A-Za-z]:", ""):gsub("\\", "/"):gsub("^/+", ""):gsub("/+$", "")
  for part in r:gmatch("[^/]+") do
    if part == ".." then error(("path %s: '..' is not allowed"):format(p), 3) end
  end
  return r
end

-- On Windows (Lua's directory separator, package.config's first
-- character, is a backslash) a host path may start with a drive ("C:")
-- and use either separator.
local WINDOWS_PATHS = package.config:sub(1, 1) == "\\"

local function mkdirs(path)
  local sofar, parts = path:sub(1, 1) == "/" and "" or ".", "[^/]+"
  if WINDOWS_PATHS then
    local drive, rest = path:match("^(%a:)[/\\](.*)$")
    if drive then sofar, path = drive, rest end
    parts = "[^/\\]+"
  end
  for part in path:gmatch(parts) do
    sofar = sofar .. "/" .. part
    local mode = lfs.attributes(sofar, "mode")
    if mode == nil then
      local ok, err = lfs.mkdir(sofar)
      if not ok then error(("mkdir %s: %s"):format(sofar, err), 3) end
    elseif mode ~= "directory" then
      error(("%s exists and is not a folder"):format(sofar), 3)
    end
  end
end

local function parent(path) return path:match("^(.*)/[^/]*$") or "." end

-- Hive files of the key roots, and the names their headers carry.
local HIVES = {
  { root = [[HKLM\SOFTWARE]], file = "Windows/System32/config/SOFTWARE", header = [[\SystemRoot\System32\Config\SOFTWARE]] },
  { root = [[HKLM\SYSTEM]], file = "Windows/System32/config/SYSTEM", header = [[\SystemRoot\System32\Config\SYSTEM]] },
  { root = [[HKU\.DEFAULT]], file = "Windows/System32/config/DEFAULT", header = [[\SystemRoot\System32\Config\DEFAULT]] },
  { root = [[HKU\S-1-5-18]], file = "Windows/System32/config/DEFAULT", header = [[\SystemRoot\System32\Config\DEFAULT]] },
}

local function hive_of(key)
  local k = key:upper():gsub("^HKEY_LOCAL_MACHINE", "HKLM"):gsub("^HKEY_USERS", "HKU"):gsub("^(HK%a+):", "%1")
  for _, h in ipairs(HIVES) do
    if k == h.root or k:sub(1, #h.root + 1) == h.root .. "\\" then return h end
  end
  return nil
end

local function new_context(name, file, opts)
  local tmp = kit.mkdtemp()
  local t = { name = name, file = file, dir = parent(file), tmp = tmp, root = tmp .. "/root" }
  local made_root = false

  local function ensure_root()
    if not made_root and not lfs.attributes(t.root, "mode") then
      local ok, err = lfs.mkdir(t.root)
      if not ok then error("mkdir " .. t.root .. ": " .. tostring(err), 3) end
    end
    made_root = true
  end

  --- Host path of a target path (C:\x, /x or x).
  function t.path(p)
    local r = winrel(p)
    return r == "" and t.root or (t.root .. "/" .. r)
  end

  --- Build a lab (a healthy MARS server volume) with the named faults in
  --- t.root; call it before writing anything else there.
  function t.lab(faults, ...)
    if type(faults) == "string" then faults = { faults, ... } end
    faults = faults or {}
    if lfs.attributes(t.root, "mode") then
      for e in lfs.dir(t.root) do
        if e ~= "." and e ~= ".." then error("t.lab: the target is not empty: call t.lab before writing files", 2) end
      end
      lfs.rmdir(t.root)
    end
    local ok, err = kit.lab(t.root, faults)
    if not ok then error("t.lab: " .. tostring(err), 2) end
    made_root = true
    return t.root
  end

  function t.mkdir(p)
    ensure_root()
    local host = t.path(p)
    mkdirs(host)
    return host
  end

  --- Write data to a target file (folders are created); returns the host path.
  function t.write(p, data)
    ensure_root()
    if type(data) ~= "string" then error("t.write: data must be a string", 2) end
    local host = t.path(p)
    mkdirs(parent(host))
    local f, err = io.open(host, "wb")
    if not f then error("t.write: " .. tostring(err), 2) end
    local ok, werr = f:write(data)
    local cok, cerr = f:close()
    if not ok or not cok then error(("t.write %s: %s"):format(host, tostring(werr or cerr)), 2) end
    return host
  end

  --- Write text as UTF-16LE with a byte order mark.
  function t.write_utf16(p, text)
    ensure_root()
    local host = t.path(p)
    mkdirs(parent(host))
    local ok, err = kit.write_utf16(host, text)
    if not ok then error("t.write_utf16: " .. tostring(err), 2) end
    return host
  end

  --- A scheduled task's XML (UTF-8 text) written as Windows stores it:
  --- C:\Windows\System32\Tasks\<name>, UTF-16LE with a BOM.
  function t.task_xml(taskname, xml)
    if type(taskname) ~= "string" or taskname == "" then error("t.task_xml: no task name", 2) end
    return t.write_utf16("Windows/System32/Tasks/" .. winrel(taskname), xml)
  end

  function t.read(p)
    local f = io.open(t.path(p), "rb")
    if not f then return nil end
    local data = f:read("a")
    f:close()
    return data
  end

  function t.exists(p)
    return lfs.symlinkattributes(t.path(p), "mode") ~= nil
  end

  function t.remove(p)
    local ok, err = kit.rmtree(t.path(p))
    if not ok then error("t.remove: " .. tostring(err), 2) end
  end

  function t.chmod(p, mode)
    local ok, err = kit.chmod(t.path(p), mode)
    if not ok then error("t.chmod: " .. tostring(err), 2) end
  end

  --- A sparse file of size bytes (apparent); returns the size set.
  function t.sparse(p, size)
    ensure_root()
    local host = t.path(p)
    mkdirs(parent(host))
    local got, err = kit.sparse(host, size)
    if not got then error("t.sparse: " .. tostring(err), 2) end
    return got
  end

  function t.symlink(target, p)
    ensure_root()
    local host = t.path(p)
    mkdirs(parent(host))
    local ok, err = kit.symlink(target, host)
    if not ok then error("t.symlink: " .. tostring(err), 2) end
  end

  --- Set a registry value in the target's hives, creating an empty hive
  --- file when there is none (HKLM\SOFTWARE, HKLM\SYSTEM, HKU\.DEFAULT).
  function t.hive_set(key, vname, vtype, value)
    ensure_root()
    local h = hive_of(key)
    if not h then error(("t.hive_set: %s: not under HKLM\\SOFTWARE, HKLM\\SYSTEM or HKU\\.DEFAULT"):format(key), 2) end
    local hfile = t.root .. "/" .. h.file
    if not lfs.attributes(hfile, "mode") then
      mkdirs(parent(hfile))
      local ok, err = kit.hive_create(hfile, h.header)
      if not ok then error("t.hive_set: " .. tostring(err), 2) end
      if h.file:match("SYSTEM$") then     -- CurrentControlSet needs Select\Current
        ok, err = kit.hive_set(t.root, [[HKLM\SYSTEM\Select]], "Current", "REG_DWORD", 1)
        if not ok then error("t.hive_set: " .. tostring(err), 2) end
      end
    end
    local ok, err = kit.hive_set(t.root, key, vname or "", vtype, value)
    if not ok then error("t.hive_set: " .. tostring(err), 2) end
  end

  --- Run Lua code in the playbook sandbox against the target; its value.
  function t.eval(code, o)
    o = o or {}
    ensure_root()
    local v, err = kit.eval({ root = o.root == false and nil or (o.root or t.root), lang = o.lang or "en" }, code)
    if err then error("t.eval: " .. tostring(err), 2) end
    return v
  end

  --- A registry value of the target: value, type (nil, message if absent).
  function t.reg(key, vname)
    local r = t.eval(("local reg = require 'marsplay.reg'; return { reg.get(%q, %q) }"):format(key, vname or ""))
    return r[1], r[2]
  end

  local function resolve(pb)
    if type(pb) ~= "string" then error("t.run: the playbook must be a name or a path", 3) end
    if pb:find("/") or pb:match("%.lua$") then
      if pb:sub(1, 1) ~= "/" and lfs.attributes(t.dir .. "/" .. pb, "mode") then return t.dir .. "/" .. pb end
      return pb
    end
    for _, d in ipairs({ t.dir, t.dir .. "/.." }) do
      local p = d .. "/" .. pb .. ".lua"
      if lfs.attributes(p, "mode") == "file" then return p end
    end
    return pb          -- --playbook-path, then the shipped playbooks
  end

  --- Run a playbook against the target.  o: dry_run, no_fix, set = {k = v},
  --- only, skip (ids, a list or "a,b"), lang (default "en"), timeout,
  --- waivers (a file), root (default t.root; false: the live system).
  --- Returns the report (as --format json), the events and the notices.
  function t.run(pb, o)
    o = o or {}
    local params = {}
    for k, v in pairs(o.set or {}) do params[k] = param_text(k, v) end
    local root = t.root
    if o.root == false then root = nil
    elseif o.root then root = o.root
    else ensure_root() end
    local waivers = o.waivers
    if waivers and waivers:sub(1, 1) ~= "/" and lfs.attributes(t.dir .. "/" .. waivers, "mode") then
      waivers = t.dir .. "/" .. waivers
    end
    local report, events, messages = kit.run {
      playbook = resolve(pb), root = root, dry_run = o.dry_run and true or false,
      no_fix = o.no_fix and true or false, lang = o.lang or "en", only = csv(o.only),
      skip = csv(o.skip), timeout = o.timeout, params = params, waivers = waivers,
      playbook_path = opts.playbook_path,
    }
    return report, events, messages
  end

  -- ---------- looking at reports ----------

  function t.check(report, id) return find_check(report, id, 2) end
  function t.status(report, id) return find_check(report, id, 2).status end
  function t.evidence(report, id) return find_check(report, id, 2).evidence or {} end

  --- The actions of a check, all or those in state ("planned", "done", ...).
  function t.actions(report, id, state)
    local out = {}
    for _, a in ipairs(find_check(report, id, 2).actions or {}) do
      if state == nil or a.state == state then out[#out + 1] = a end
    end
    return out
  end

  function t.expect_status(report, id, status)
    local c = find_check(report, id, 2)
    if c.status ~= status then
      local why = {}
      if c.message then why[#why + 1] = "message: " .. c.message end
      if c.reason then why[#why + 1] = "reason: " .. c.reason end
      error(("check %s: expected status %s, got %s%s"):format(id, status, tostring(c.status),
            #why > 0 and (" (" .. table.concat(why, "; ") .. ")") or ""), 2)
    end
    return c
  end

  --- The report's exit code is code.
  function t.expect_exit(report, code)
    if report.exit_code ~= code then
      error(("expected exit code %d, got %s"):format(code, tostring(report.exit_code)), 2)
    end
  end

  -- ---------- assertions ----------

  function t.expect(cond, msg, ...)
    if not cond then error(msg and msg:format(...) or "expectation failed", 2) end
    return cond
  end

  --- Deep equality of actual and expected.
  function t.eq(actual, expected, msg)
    if not deep_eq(actual, expected) then
      error(("%sexpected %s, got %s"):format(msg and (msg .. ": ") or "", show(expected), show(actual)), 2)
    end
  end

  function t.match(s, pattern, msg)
    if type(s) ~= "string" or not s:find(pattern) then
      error(("%s%s does not match %q"):format(msg and (msg .. ": ") or "", show(s), pattern), 2)
    end
  end

  --- The test does not apply here (reported as skipped).
  function t.skip(reason)
    error(setmetatable({ reason = reason or "skipped" }, SKIP), 2)
  end

  -- ---------- nothing changed ----------

  --- SHA-256 of the manifest of the whole target.
  function t.hash()
    local m = manifest(t.root)
    local keys = {}
    for k in pairs(m) do keys[#keys + 1] = k end
    table.sort(keys)
    local lines = {}
    for _, k in ipairs(keys) do lines[#lines + 1] = k .. "\t" .. m[k] end
    return kit.digest(table.concat(lines, "\n"))
  end

  --- fn() must leave the target exactly as it was (names, types, modes,
  --- sizes, mtimes, contents); returns what fn returns.
  function t.unchanged(fn, what)
    local before = manifest(t.root)
    local r = table.pack(fn())
    local changes = diff(before, manifest(t.root))
    if #changes > 0 then
      error(("%s changed the target:\n    %s"):format(what or "it", table.concat(changes, "\n    ")), 2)
    end
    return table.unpack(r, 1, r.n)
  end

  --- Call fn twice (e.g. an apply run); the second call must change
  --- nothing.  Returns the results of both calls.
  function t.idempotent(fn)
    local first = fn()
    local before = manifest(t.root)
    local second = fn()
    local changes = diff(before, manifest(t.root))
    if #changes > 0 then
      error(("a second run changed the target:\n    %s"):format(table.concat(changes, "\n    ")), 2)
    end
    return first, second
  end

  function t._cleanup()
    kit.stop_holder(t.root)
    if opts.keep then return tmp end
    local ok, err = kit.rmtree(tmp)
    if not ok then return nil, err end
    return nil
  end
  return t
end

-- ---------- the driver (called by `marsplay test`) ----------

-- Where in the test file did the error come from?
local function locate(file, msg)
  local short = file:match("[^/]+$")
  if type(msg) == "string" and msg:find(short, 1, true) then return msg end
  local tb = debug.traceback("", 3)
  for line in tb:gmatch("[^\n]+") do
    local where = line:match("^%s*(.-:%d+):")
    if where and where:find(short, 1, true) then return tostring(msg) .. " (at " .. where .. ")" end
  end
  return tostring(msg)
end

-- Load file, run its tests (filter: a substring of the name), report
-- each through on_result{name=, status="ok"|"fail"|"skip", message=,
-- kept=}.  opts: filter, keep, playbook_path.
function M.run_file(file, on_result, opts)
  opts = opts or {}
  cases = {}
  local chunk, err = loadfile(file, "t")
  if not chunk then
    on_result { name = "(load)", status = "fail", message = tostring(err) }
    return
  end
  local ok, lerr = xpcall(chunk, function(e) return locate(file, e) end)
  if not ok then
    on_result { name = "(load)", status = "fail", message = tostring(lerr) }
    return
  end
  if #cases == 0 then
    on_result { name = "(load)", status = "fail", message = file .. ": defines no test (test(name, function(t) ... end))" }
    return
  end
  local list = cases
  cases = {}
  for _, c in ipairs(list) do
    if not opts.filter or c.name:find(opts.filter, 1, true) then
      local t = new_context(c.name, file, opts)
      local tok, terr = xpcall(c.fn, function(e)
        if getmetatable(e) == SKIP then return e end
        return locate(file, e)
      end, t)
      local kept, cerr = t._cleanup()
      local res = { name = c.name, kept = kept }
      if tok then
        res.status = "ok"
      elseif getmetatable(terr) == SKIP then
        res.status, res.message = "skip", terr.reason
      else
        res.status, res.message = "fail", tostring(terr)
      end
      if cerr and res.status ~= "fail" then
        res.status, res.message = "fail", "cleaning up: " .. tostring(cerr)
      end
      on_result(res)
    end
  end
end

return M
