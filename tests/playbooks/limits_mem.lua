-- Memory per check (tests/sh/t_limits.sh, run with --mem-limit or the
-- default 256 MiB cap): a large result, a healthy check needing most of
-- the cap after it, and a message whose interpolation exhausts the heap
-- in the runner.  Each is its own result; the others keep theirs.
local mp = require "marsplay"

local MiB = 2^20

return mp.playbook {
  id = "limits_mem",
  title = "Memory per check",
  checks = {
    mp.check { id = "before", detect = function() return true end },
    mp.check { id = "big", detect = function()
      return mp.finding { message = "big", evidence = { blob = ("x"):rep(100 * MiB) } }
    end },
    mp.check { id = "after-big", detect = function()
      return #(("y"):rep(100 * MiB)) > 0
    end },
    mp.check { id = "blowup", detect = function()
      return mp.finding { message = ("{blob}"):rep(4096), evidence = { blob = ("z"):rep(MiB) } }
    end },
    mp.check { id = "last", detect = function() return true end },
  },
}
