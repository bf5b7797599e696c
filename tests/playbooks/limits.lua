-- Hostile checks for tests/sh/t_limits.sh: --set case=NAME picks what
-- the check's detect (or fix) does.
local mp = require "marsplay"

local CASES = {}

CASES["nul-delete"] = { fix = function() mp.fix.delete("C:\\Data\\keep.docx\0.tmp") end }
CASES["nul-write"] = { fix = function() mp.fix.write("C:\\Data\\keep.docx\0.tmp", "overwritten") end }
CASES["nul-open"] = { detect = function() return io.open("C:\\Data\\keep.docx\0.tmp") ~= nil end }
CASES["nul-stat"] = { detect = function() return mp.fs.stat("C:\\Data\\keep.docx\0x") ~= nil end }
CASES["nul-reg"] = { detect = function()
  return mp.reg.get("HKLM\\SOFTWARE\\Microsoft\0x", "Version") ~= nil end }
CASES["scan-huge"] = { detect = function()
  mp.fs.scan("C:\\Data\\huge.log", { patterns = { "never there" } })
  return true
end }

-- 1. the time budget
-- a finalizer that never ends, on the metatable of an engine object
local function hang_in_gc(obj)
  local mt = getmetatable(obj)
  if type(mt) == "table" then rawset(mt, "__gc", function() while true do end end) end
  collectgarbage("collect")
  return true
end
CASES["gc-io"] = { detect = function() return hang_in_gc(assert(io.open("C:\\Data\\keep.docx"))) end }
CASES["gc-lfs"] = { detect = function()
  local _, d = require("lfs").dir("C:\\Data")
  return hang_in_gc(d)
end }
CASES["params-meta"] = { detect = function(ctx)
  setmetatable(ctx.params, { __index = function() while true do end end })
  return mp.finding { message = "value: {not_a_param}" }
end }
CASES["rep-empty"] = { detect = function()
  return string.rep("", 2^62) == "" and ("").rep("", 2^62, "") == ""
end }
CASES["move-nils"] = { detect = function()
  table.move({}, 1, math.maxinteger - 1, 2)
  return true
end }
-- one C call (a backtracking pattern) running far past the budget
CASES["find-backtrack"] = { detect = function(ctx)
  local n = tonumber(ctx.params.n) or 300
  return string.find(("a"):rep(n), ("(.-)"):rep(5) .. "b") == nil
end }

-- 2. one playbook cannot reshape what another sees
CASES["reshape"] = { detect = function()
  local got = {}
  local function try(what, fn) if pcall(fn) then got[#got + 1] = what end end
  local f = assert(io.open("C:\\Data\\keep.docx"))
  try("file handle metatable", function()
    local idx = getmetatable(f).__index
    idx.read = function() return "MZ fake 9.9.9.9" end
    idx.lines = function() return function() return nil end end
  end)
  f:close()
  try("lfs dir metatable", function()
    local lfs = require "lfs"
    local _, d = lfs.dir("C:\\Data")
    getmetatable(d).__index.next = function() return nil end
  end)
  try("binding array metatable", function()
    local mt = getmetatable(mp.fs.glob("C:\\Data", "*"))
    mt.__index = function() return "evil" end
    mt.__len = function() return 0 end
  end)
  try("string metatable", function() getmetatable("").__index.find = function() return 1 end end)
  return mp.finding { message = "reshaped: " .. table.concat(got, ", "), evidence = { reshaped = got } }
end }

-- 3. a secret in an error raised where the runner calls playbook code
CASES["secret-error"] = { detect = function(ctx)
  local pw = ctx.params.proxy_password
  setmetatable(ctx.params, { __index = function() error("leaked " .. pw, 0) end })
  return mp.finding { message = "value: {not_a_param}" }
end }

return mp.playbook {
  id = "limits",
  title = "Hostile checks",
  params = { case = { type = "string", default = "" }, n = { type = "string", default = "" },
             proxy_password = { type = "string", default = "" } },
  checks = {
    mp.check {
      id = "c",
      detect = function(ctx)
        local c = CASES[ctx.params.case]
        if not c then error("no such case: " .. ctx.params.case, 0) end
        if c.detect then return c.detect(ctx) end
        return mp.finding { message = "run the fix" }
      end,
      fix = function(ctx)
        local c = CASES[ctx.params.case]
        if c.fix then return c.fix(ctx) end
      end,
      verify = function() return mp.pass() end,
    },
  },
}
