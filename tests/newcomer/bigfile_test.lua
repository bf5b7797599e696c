-- Tests of the newcomer's bigfile playbook (marsplay test).
local test = require "marsplay.testing"

local function target(t)
  t.mkdir([[C:\Windows\System32]])
  t.write([[C:\Temp\small.txt]], "small")
  t.write([[C:\Temp\a\b\big.bin]], string.rep("x", 5000))
  t.write([[C:\Temp\exact.bin]], string.rep("y", 4096))
  t.write([[C:\Elsewhere\huge.bin]], string.rep("z", 9000))
  t.symlink("../Elsewhere", [[C:\Temp\outside]])   -- never followed
end

local SET = { max_bytes = 4096 }

test("dry-run: plans deleting only the large file, changes nothing", function(t)
  target(t)
  local r = t.unchanged(function() return t.run("bigfile", { dry_run = true, set = SET }) end, "the dry-run")
  t.expect_status(r, "big-files", "planned")
  t.eq(t.evidence(r, "big-files").count, 1, "large files")
  local planned = t.actions(r, "big-files", "planned")
  t.eq(#planned, 1, "planned actions")
  t.eq(planned[1].kind, "delete")
  t.eq(planned[1].target, [[C:\Temp\a\b\big.bin]])
end)

test("apply: deletes it, verified; a second apply changes nothing", function(t)
  target(t)
  local r = t.run("bigfile", { set = SET })
  t.expect_status(r, "big-files", "fixed")
  t.expect(not t.exists([[C:\Temp\a\b\big.bin]]), "big.bin is gone")
  t.expect(t.exists([[C:\Temp\exact.bin]]), "a file of exactly the limit stays")
  t.expect(t.exists([[C:\Elsewhere\huge.bin]]), "a file behind a link stays")
  local again = t.unchanged(function() return t.run("bigfile", { set = SET }) end, "the second apply")
  t.expect_status(again, "big-files", "pass")
end)

test("no C:\\Temp: skipped, saying why", function(t)
  t.mkdir([[C:\Windows\System32]])
  local r = t.run("bigfile", { dry_run = true })
  t.expect_status(r, "big-files", "skipped")
end)
