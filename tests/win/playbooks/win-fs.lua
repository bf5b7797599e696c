-- tests/win/playbooks/win-fs.lua - for tests/win/t_offline.sh: the shipped
-- C:\Windows\Temp check (marsplay.tempfiles, as invalid-vault-credentials
-- runs it) without the agent's registry gate, so that an offline run of
-- the Windows build, which reads no hive file, still runs real detect and
-- (dry-run) fix code through its filesystem layer, to be compared with
-- the Linux build's.
local mp = require "marsplay"
local tempfiles = require "marsplay.tempfiles"

return mp.playbook {
  id = "win-fs",
  title = "Windows\\Temp without the registry (test)",
  params = tempfiles.PARAMS,
  checks = {
    mp.check {
      id = "windows-temp-tmp-files",
      title = "C:\\Windows\\Temp does not hold too many *.tmp files",
      severity = "high",
      detect = function(ctx) return tempfiles.detect(ctx.params) end,
      fix = function(ctx) tempfiles.fix(ctx.params) end,
    },
  },
}
