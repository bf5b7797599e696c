-- Pattern calls that backtrack for minutes, for tests/sh/t_pattern_budget.sh
-- (run with --timeout 2): each such check must end at its budget as
-- `error`, in one call of string.find / match / gmatch / gsub (as a
-- function or a method), even when the playbook swallows the error; the
-- checks around them keep their results.
local mp = require "marsplay"

-- (.-)^6 then a letter that is not there: the stock matcher tries every
-- split of the subject, O(n^7) steps (minutes for n = 120)
local S, P = ("a"):rep(120), ("(.-)"):rep(6) .. "b"

return mp.playbook {
  id = "pattern_budget",
  title = "Backtracking patterns",
  checks = {
    mp.check { id = "before", detect = function() return ("key=v"):match("^(%w+)=") == "key" end },
    mp.check { id = "find", detect = function() return string.find(S, P) == nil end },
    mp.check { id = "middle", detect = function()
      return mp.finding { message = "still here", evidence = { n = select(2, ("a,b,c"):gsub(",", ";")) } }
    end },
    mp.check { id = "gsub-method", detect = function() return select(2, S:gsub(P, "x")) == 0 end },
    mp.check { id = "gmatch-swallowed", detect = function()
      pcall(function() for _ in S:gmatch(P) do end end)
      return true
    end },
    mp.check { id = "after", detect = function() return true end },
  },
}
