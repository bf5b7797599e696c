-- marsplay: what a playbook requires.  Constructors for playbooks and
-- checks, result helpers, and the native modules under short names.
--
--   local mp = require "marsplay"
--   return mp.playbook {
--     id = "example", title = "…", anchor = "guide-anchor",
--     params = { limit = { type = "number", default = 10 } },
--     checks = { mp.check { id = "x", title = "…", detect = function(ctx) … end } },
--   }

local M = {}

M.fs = require "marsplay.fs"
M.reg = require "marsplay.reg"
M.xml = require "marsplay.xml"
M.sys = require "marsplay.sys"
M.fix = require "marsplay.fix"

-- marsplay.net loads libcurl's state lazily; still keep it on demand.
setmetatable(M, { __index = function(t, k)
  if k == "net" then
    local net = require "marsplay.net"
    rawset(t, "net", net)
    return net
  end
end })

local function need(t, field, kind, what)
  if type(t[field]) ~= kind then
    error(("%s: field '%s' must be a %s"):format(what, field, kind), 3)
  end
end

--- A playbook description.  Errors name the caller's file:line.
function M.playbook(t)
  if type(t) ~= "table" then error("marsplay.playbook expects a table", 2) end
  need(t, "id", "string", "playbook")
  need(t, "checks", "table", "playbook " .. t.id)
  return t
end

--- A check: id, title, cause, error_ids, severity, detect, fix, verify,
--- depends, recommendations.
function M.check(t)
  if type(t) ~= "table" then error("marsplay.check expects a table", 2) end
  need(t, "id", "string", "check")
  need(t, "detect", "function", "check " .. t.id)
  if t.fix ~= nil then need(t, "fix", "function", "check " .. t.id) end
  if t.verify ~= nil then need(t, "verify", "function", "check " .. t.id) end
  return t
end

--- Text in both languages: mp.text("English", "Português").
function M.text(en, pt)
  return { en = en, ["pt-BR"] = pt or en }
end

--- What an entry of fs.stat's type is, with its article, as a text:
--- mp.kind_text("file") -> { en = "a file", ["pt-BR"] = "um arquivo" }.
local KINDS = {
  file = { "a file", "um arquivo" }, dir = { "a folder", "uma pasta" },
  link = { "a link", "um link" }, fifo = { "a named pipe", "um pipe nomeado" },
  socket = { "a socket", "um socket" }, char = { "a character device", "um dispositivo de caracteres" },
  block = { "a block device", "um dispositivo de blocos" },
  other = { "another kind of entry", "outro tipo de entrada" },
}
function M.kind_text(t)
  local k = KINDS[t]
  if k then return M.text(k[1], k[2]) end
  return M.text(("an entry of type %s"):format(tostring(t)), ("uma entrada do tipo %s"):format(tostring(t)))
end

--- Results a detect function returns.
function M.pass(evidence, message)
  return { status = "pass", evidence = evidence, message = message }
end

-- A problem; t = { message=, evidence=, recommendations=, manual=bool }.
function M.finding(t)
  t.status = t.manual and "manual" or "fail"
  return t
end

-- A problem no automatic fix can solve: the operator follows the steps.
function M.manual(t)
  t.status = "manual"
  return t
end

-- Not applicable here (with the reason).
function M.skip(reason, evidence)
  return { status = "skipped", reason = reason, message = reason, evidence = evidence }
end

-- Walk a folder tree: for path, entry in mp.walk(dir [, opts]) do ... end.
-- Depth first, names sorted; links and other non-folders are yielded but
-- never entered (nothing follows a link).  entry = { name, type, depth,
-- path [, size, mtime] } (size and mtime with opts.stat).  opts.depth:
-- folder levels below dir to enter (default 16, 0..64); opts.max: entries
-- yielded at most (default 100000).  The second result is the walk's
-- status: { entries, truncated, errors = { {path, message, code} } }.
local WALK_ERRORS = 100
function M.walk(dir, opts)
  opts = opts or {}
  if type(dir) ~= "string" then error("marsplay.walk: dir must be a string", 2) end
  local maxdepth = opts.depth == nil and 16 or opts.depth
  local max = opts.max == nil and 100000 or opts.max
  if type(maxdepth) ~= "number" or maxdepth < 0 or maxdepth > 64 then
    error("marsplay.walk: opts.depth must be a number from 0 to 64", 2)
  end
  if type(max) ~= "number" or max < 0 then error("marsplay.walk: opts.max must be a number >= 0", 2) end
  local status = { entries = 0, truncated = false, errors = {} }
  local function failed(path, msg, code)
    if #status.errors < WALK_ERRORS then status.errors[#status.errors + 1] = { path, msg, code } end
  end
  local sep = dir:find("/", 1, true) and not dir:find("\\", 1, true) and "/" or "\\"
  local function join(a, b) return (a:sub(-1) == sep) and (a .. b) or (a .. sep .. b) end
  -- a stack of open folder listings: { path, list, next index, depth }
  local stack = {}
  local first, msg, code = M.fs.dir(dir)
  if not first then failed(dir, msg, code) else stack[1] = { dir, first, 1, 1 } end
  local function iter()
    while #stack > 0 do
      local top = stack[#stack]
      local e = top[2][top[3]]
      if e == nil then
        stack[#stack] = nil
      else
        top[3] = top[3] + 1
        if status.entries >= max then
          status.truncated = true
          stack = {}
          return nil
        end
        local path = join(top[1], e.name)
        local entry = { name = e.name, type = e.type, depth = top[4], path = path }
        if opts.stat and e.type == "file" then
          local st, smsg, scode = M.fs.stat(path)
          if st then entry.size, entry.mtime = st.size, st.mtime else failed(path, smsg, scode) end
        end
        if e.type == "dir" then
          if top[4] <= maxdepth then
            local list, lmsg, lcode = M.fs.dir(path)
            if list then stack[#stack + 1] = { path, list, 1, top[4] + 1 } else failed(path, lmsg, lcode) end
          else
            status.truncated = true
          end
        end
        status.entries = status.entries + 1
        return path, entry
      end
    end
    return nil
  end
  return iter, status
end

-- Size in human units.
function M.bytes(n)
  if type(n) ~= "number" then return tostring(n) end
  local units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" }
  local i = 1
  n = math.floor(n + 0.5)           -- whole bytes (a volume may report a fraction)
  while n >= 1024 and i < #units do n = n / 1024; i = i + 1 end
  if i == 1 then return ("%d B"):format(n) end
  return ("%.1f %s"):format(n, units[i])
end

return M
