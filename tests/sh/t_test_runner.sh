#!/usr/bin/env bash
# `marsplay test` itself: discovery, counts, exit codes, TAP, failures
# located in the test file, and the helpers (t.unchanged catches a
# change, t.idempotent a second change, sparse files hash by their data,
# t.hive_set / t.reg / t.task_xml / t.lab / t.skip).
. "$(dirname "$0")/lib.sh"

D="$T/suite"
mkdir -p "$D/sub" "$D/.hidden"
cat >"$D/a_test.lua" <<'LUA'
local test = require "marsplay.testing"
test("passes", function(t) t.eq({ 1, { x = "y" } }, { 1, { x = "y" } }) end)
test("fails on purpose", function(t)
  t.eq(1 + 1, 3, "arithmetic")
end)
test("skips", function(t) t.skip("not here") end)
LUA
cat >"$D/sub/b_test.lua" <<'LUA'
local test = require "marsplay.testing"
test("nested file found", function(t) t.expect(true) end)
LUA
printf 'error("never loaded")\n' >"$D/.hidden/c_test.lua"
printf 'error("not a test file")\n' >"$D/helper.lua"

run_mp test "$D"
eq "a failing test: exit 1" 1 "$CODE"
eq "summary line" "3 passed, 1 failed" "$(tail -n 1 <<<"$OUT")"
contains "the failure is located in the test file" 'a_test.lua:4: arithmetic: expected 3, got 2' "$OUT"
contains "skip reported" "skip - $D/a_test.lua: skips (not here)" "$OUT"
contains "nested folders searched" "ok - $D/sub/b_test.lua: nested file found" "$OUT"
check "hidden folders and other files ignored" test "$(grep -c 'never loaded\|not a test file' <<<"$OUT" || true)" = 0

run_mp test --tap "$D"
eq "--tap: exit 1" 1 "$CODE"
contains "--tap: not ok line" "not ok 2 - $D/a_test.lua: fails on purpose" "$OUT"
contains "--tap: diagnostics" "    $D/a_test.lua:4: arithmetic: expected 3, got 2" "$OUT"
contains "--tap: skip directive" "ok 3 - $D/a_test.lua: skips # SKIP not here" "$OUT"
eq "--tap: plan" "1..4" "$(tail -n 1 <<<"$OUT")"

run_mp test --filter nested "$D"
eq "--filter: exit 0" 0 "$CODE"
eq "--filter: one test" "1 passed, 0 failed" "$(tail -n 1 <<<"$OUT")"

run_mp test "$D/sub/b_test.lua"
eq "a file named directly" "1 passed, 0 failed" "$(tail -n 1 <<<"$OUT")"

mkdir "$T/empty"
run_mp test "$T/empty"
eq "no test files: exit 1" 1 "$CODE"
contains "no test files: says so" "no *_test.lua files found" "$ERR"

printf 'local x = \n' >"$T/empty/syntax_test.lua"
run_mp test "$T/empty"
eq "syntax error: exit 1" 1 "$CODE"
contains "syntax error: reported as a failed load" "not ok - $T/empty/syntax_test.lua: (load)" "$OUT"

# ---- the helpers ----
H="$T/helpers"
mkdir "$H"
cat >"$H/helpers_test.lua" <<'LUA'
local test = require "marsplay.testing"
local kit = require "marsplay.testkit"

test("SHA-256 of known inputs", function(t)
  t.eq(kit.digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  t.eq(kit.digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  t.eq(kit.digest(("a"):rep(1000)), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
end)

test("t.unchanged catches a change", function(t)
  t.write("C:/x.txt", "one")
  local ok, err = pcall(t.unchanged, function() t.write("C:/x.txt", "two") end, "the step")
  t.expect(not ok, "a change must fail")
  t.match(err, "the step changed the target")
  t.match(err, "changed x.txt")
  t.eq(t.unchanged(function() return 42 end), 42, "no change: the value passes through")
end)

test("t.unchanged sees a new file, a removed one, a mode", function(t)
  t.write("a", "1")
  t.write("b", "2")
  local ok, err = pcall(t.unchanged, function() t.write("c", "3") end)
  t.expect(not ok); t.match(err, "added c")
  ok, err = pcall(t.unchanged, function() t.remove("a") end)
  t.expect(not ok); t.match(err, "removed a")
  ok, err = pcall(t.unchanged, function() t.chmod("b", tonumber("600", 8)) end)
  t.expect(not ok); t.match(err, "changed b")
end)

test("t.idempotent catches a second change", function(t)
  local n = 0
  local ok, err = pcall(t.idempotent, function() n = n + 1; t.write("f", tostring(n)) end)
  t.expect(not ok, "the second call changed f")
  t.match(err, "a second run changed the target")
  local a, b = t.idempotent(function() return "same" end)
  t.eq({ a, b }, { "same", "same" })
end)

test("sparse files hash by their data, fast", function(t)
  local got = t.sparse("big.vhdx", 1 << 40)
  t.expect(got >= 1 << 30, "a big sparse file (%d)", got)
  local h1 = t.hash()
  t.eq(t.hash(), h1, "stable")
  local f = assert(io.open(t.path("big.vhdx"), "r+b"))
  f:seek("set", got // 2)
  f:write("data in the middle")
  f:close()
  local h2 = t.hash()
  t.expect(h2 ~= h1, "data written into a hole changes the hash")
end)

test("t.hive_set makes hives the runtime reads", function(t)
  t.hive_set([[HKLM\SOFTWARE\Contoso\App]], "Path", "REG_SZ", [[C:\App]])
  t.hive_set([[HKLM\SOFTWARE\Contoso\App]], "Count", "REG_DWORD", 7)
  t.hive_set([[HKLM\SYSTEM\CurrentControlSet\Services\obengine]], "Start", "REG_DWORD", 2)
  t.hive_set([[HKU\.DEFAULT\Software\Test]], "List", "REG_MULTI_SZ", { "a", "b" })
  local v, ty = t.reg([[HKLM\SOFTWARE\Contoso\App]], "Path")
  t.eq({ v, ty }, { [[C:\App]], "REG_SZ" })
  t.eq(t.reg([[HKLM\SOFTWARE\Contoso\App]], "Count"), 7)
  t.eq(t.reg([[HKLM\SYSTEM\CurrentControlSet\Services\obengine]], "Start"), 2)
  t.eq(t.reg([[HKU\S-1-5-18\Software\Test]], "List"), { "a", "b" })
  t.expect(t.exists("Windows/System32/config/SOFTWARE"), "hive file created")
  local ok, err = pcall(t.hive_set, [[HKLM\SAM\X]], "a", "REG_SZ", "b")
  t.expect(not ok); t.match(err, "not under")
end)

test("t.task_xml writes UTF-16LE with a BOM", function(t)
  local host = t.task_xml([[Microsoft\Test\Job]], '<?xml version="1.0" encoding="UTF-16"?><Task><Enabled>true</Enabled></Task>')
  t.match(host, "Windows/System32/Tasks/Microsoft/Test/Job$")
  t.eq(t.read([[C:\Windows\System32\Tasks\Microsoft\Test\Job]]):sub(1, 4), "\255\254<\0")
  local r = t.eval([[local xml = require "marsplay.xml"
    local f = io.open([=[C:\Windows\System32\Tasks\Microsoft\Test\Job]=], "rb")
    local tree, enc = xml.parse(f:read("a")); f:close()
    return { enc, xml.text(tree, "Enabled") }]])
  t.eq(r, { "utf-16le-bom", "true" })
end)

test("t.lab builds a lab; t.run finds shipped playbooks by name", function(t)
  t.lab { "scratch-registry-mismatch" }
  t.expect(t.exists([[C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch\OnlineBackup.KEK]]))
  local r, events = t.run("cache", { dry_run = true, only = "scratch-registry" })
  t.expect_status(r, "cache/scratch-registry", "planned")
  t.eq(r.mode, "dry-run")
  t.expect(#events > 0, "events captured")
  local ok, err = pcall(t.expect_status, r, "scratch-registry", "pass")
  t.expect(not ok); t.match(err, "expected status pass, got planned")
  ok, err = pcall(t.check, r, "nope")
  t.expect(not ok); t.match(err, "no check 'nope'")
end)

test("a playbook that does not load is reported", function(t)
  t.write("broken.lua", "return 42\n")
  local r = t.run(t.path("broken.lua"))
  t.expect_exit(r, 1)
  local ok, err = pcall(t.check, r, "x")
  t.expect(not ok); t.match(err, "the playbook failed")
end)
LUA
run_mp test "$H"
say "$OUT"
eq "helpers: exit 0" 0 "$CODE"
eq "helpers: all pass" "9 passed, 0 failed" "$(tail -n 1 <<<"$OUT")"

# temporary folders are removed (kept with --keep); TMPDIR is private
# here, so tests running beside this one do not count
mkdir "$T/tmp"
TMPDIR="$T/tmp" run_mp test --keep --filter "t.hive_set" "$H"
kept=$(sed -n 's/^# kept //p' <<<"$OUT")
check "--keep: the folder is kept in TMPDIR ($kept)" test -d "$kept/root/Windows/System32/config" -a "${kept#"$T/tmp/"}" != "$kept"
rm -rf "$kept"
TMPDIR="$T/tmp" run_mp test "$H"
eq "helpers again: exit 0" 0 "$CODE"
eq "no --keep: nothing left behind" "" "$(ls -A "$T/tmp")"

# the skeleton of `marsplay new` passes its own tests
(cd "$T" && "$MP" new skel-pb --dir newpb >/dev/null)
run_mp test "$T/newpb"
eq "the new playbook's tests pass" 0 "$CODE"
eq "the new playbook's tests: count" "4 passed, 0 failed" "$(tail -n 1 <<<"$OUT")"

finish
