-- Drives one remediation call from the command line, for tests of what
-- the remediation API does to odd targets (links, FIFOs, folders, races):
--   marsplay --root LAB fixops.lua --set op=delete_matching --set a='C:\Windows\Temp' --set b='*.tmp'
-- op is a marsplay.fix function; a, b, c, d its arguments (d for
-- set_value: the value; a number when dword=true).  times repeats the call
-- (errors are kept going: each call leaves its action in the report).
-- The check's verify always passes: the test reads the actions.
local mp = require "marsplay"

local function args(p)
  local list = {}
  for _, k in ipairs({ "a", "b", "c", "d" }) do
    if p[k] ~= "" then list[#list + 1] = p[k] end
  end
  if p.dword and #list == 4 then list[4] = math.tointeger(tonumber(list[4])) end
  return list
end

return mp.playbook {
  id = "fixops",
  title = "One remediation call",
  params = {
    op = { type = "string", default = "delete" },
    a = { type = "string", default = "" },
    b = { type = "string", default = "" },
    c = { type = "string", default = "" },
    d = { type = "string", default = "" },
    dword = { type = "boolean", default = false },
    times = { type = "number", default = 1, min = 1, max = 100000 },
  },
  checks = {
    mp.check {
      id = "op",
      detect = function(ctx) return mp.finding { message = "run " .. ctx.params.op } end,
      fix = function(ctx)
        local p = ctx.params
        local fn = mp.fix[p.op]
        if type(fn) ~= "function" then error("no such remediation call: " .. p.op, 0) end
        local list = args(p)
        local last
        for _ = 1, p.times do
          local ok, err = pcall(fn, table.unpack(list))
          if not ok then last = err end
        end
        if last and p.times == 1 then error(last, 0) end
      end,
      verify = function() return mp.pass() end,
    },
  },
}
