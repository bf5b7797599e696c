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
