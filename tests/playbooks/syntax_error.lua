-- A playbook with a syntax error on line 4.
local mp = require "marsplay"
return mp.playbook {
  id = "broken" checks = {},
}
