-- tests/playbooks/pathlist/pbs/pathpb.lua - a playbook named by id, found
-- in the second folder of --playbook-path, that requires a module from
-- the first (t_sandbox.sh; tests/win/t_cli.sh with Windows paths).
local mp = require "marsplay"
local pathmod = require "pathlib.where"

return mp.playbook {
  id = "pathpb",
  title = "Found through --playbook-path",
  checks = {
    mp.check {
      id = "module-found",
      title = "Its module came from " .. pathmod.where,
      severity = "info",
      detect = function() return mp.pass("found") end,
    },
  },
}
