-- Checks that fail in every way a check can: the engine must contain each
-- one and still run the others.
local mp = require "marsplay"

return mp.playbook {
  id = "misbehaving",
  title = "Misbehaving checks",
  checks = {
    mp.check { id = "raises", title = "raises an error",
      detect = function() error("deliberate failure") end },
    mp.check { id = "loops", title = "never returns",
      detect = function() while true do end end },
    mp.check { id = "swallows-timeout", title = "catches the timeout and returns",
      detect = function()
        pcall(function() while true do end end)
        return mp.pass()
      end },
    mp.check { id = "eats-memory", title = "allocates without end",
      detect = function()
        local t = {} -- luacheck: ignore 241
        for i = 1, math.huge do t[i] = ("x"):rep(1024) .. i end
      end },
    mp.check { id = "bad-return", title = "returns nonsense",
      detect = function() return 42 end },
    mp.check { id = "fix-in-detect", title = "tries to change things while detecting",
      detect = function() mp.fix.write("C:\\evil.txt", "x") end },
    mp.check { id = "healthy", title = "a healthy check after all that",
      detect = function() return mp.pass({ ran = true }) end },
    mp.check { id = "after-error", title = "depends on a check that errored",
      depends = { "raises" },
      detect = function() return mp.pass() end },
  },
}
