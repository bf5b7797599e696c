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

return mp.playbook {
  id = "limits",
  title = "Hostile checks",
  params = { case = { type = "string", default = "" }, secret_hint = { type = "string", default = "" } },
  checks = {
    mp.check {
      id = "c",
      detect = function(ctx)
        local c = CASES[ctx.params.case]
        if not c then error("no such case: " .. ctx.params.case, 0) end
        if c.detect then return c.detect(ctx) end
        return mp.finding { message = "run the fix" }
      end,
      fix = function(ctx) return CASES[ctx.params.case].fix(ctx) end,
      verify = function() return mp.pass() end,
    },
  },
}
