#!/usr/bin/env bash
# The live-Windows API (platform/live.h) on Linux: without --root the
# registry, the Service Control Manager and the Windows facts answer
# "not available: no live Windows system here" (ENOSYS), never a crash
# (so do net.system_proxy and net.proxy_for, WinHTTP's proxy answers)
# or a made-up value; with --root the registry comes from the hive files
# (same paths, same types) and the live-only calls say "offline".
. "$(dirname "$0")/lib.sh"

probe='local mp = require "marsplay"
  local function three(f, ...) local a, b, c = f(...); return { value = a, msg = b, code = c } end
  return {
    get = three(mp.reg.get, [[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Setup]], "InstallPath"),
    values = three(mp.reg.values, [[HKU\S-1-5-18\Software]]),
    keys = three(mp.reg.keys, [[HKLM\SYSTEM\CurrentControlSet\Services]]),
    exists = three(mp.reg.exists, [[HKLM\SOFTWARE]]),
    service = three(mp.sys.service, "obengine"),
    windows = three(mp.sys.windows),
    shadow = three(mp.sys.shadow_storage, "C"),
    system_proxy = three(require("marsplay.net").system_proxy),
    proxy_for = three(require("marsplay.net").proxy_for, "https://login.microsoftonline.com/", { autodetect = true }),
    task = three(mp.sys.task, [[\Microsoft\OnlineBackup\Microsoft-OnlineBackup]]),
    task_names = three(mp.sys.task_names, [[\Microsoft\OnlineBackup]]),
  }'

OUT=$("$MP" eval "$probe")
for f in get values keys exists service windows shadow system_proxy proxy_for task task_names; do
  eq "live Linux: $f -> ENOSYS" "ENOSYS" "$(printf '%s' "$OUT" | jq -r ".$f.code")"
  contains "live Linux: $f says no live Windows here" "not available: no live Windows system here" \
    "$(printf '%s' "$OUT" | jq -r ".$f.msg")"
done

lab "$T/lab"
OUT=$("$MP" eval --root "$T/lab" "$probe")
eq "offline: reg.get reads the hive" 'C:\Program Files\Microsoft Azure Recovery Services Agent\' \
  "$(printf '%s' "$OUT" | jq -r '.get.value')"
eq "offline: reg.keys lists obengine" "true" \
  "$(printf '%s' "$OUT" | jq -r '.keys.value | map(ascii_downcase) | index("obengine") != null')"
eq "offline: reg.exists" "true" "$(printf '%s' "$OUT" | jq -r '.exists.value')"
eq "offline: sys.service is live-only" "EOPNOTSUPP" "$(printf '%s' "$OUT" | jq -r '.service.code')"
eq "offline: sys.windows is live-only" "EOPNOTSUPP" "$(printf '%s' "$OUT" | jq -r '.windows.code')"
eq "offline: sys.shadow_storage is live-only" "EOPNOTSUPP" "$(printf '%s' "$OUT" | jq -r '.shadow.code')"
eq "offline: net.system_proxy is live-only" "EOPNOTSUPP" "$(printf '%s' "$OUT" | jq -r '.system_proxy.code')"
eq "offline: net.proxy_for is live-only" "EOPNOTSUPP" "$(printf '%s' "$OUT" | jq -r '.proxy_for.code')"
eq "offline: sys.task is live-only" "EOPNOTSUPP" "$(printf '%s' "$OUT" | jq -r '.task.code')"
# a drive letter or nothing
OUT=$("$MP" eval 'local ok, e = pcall(require("marsplay").sys.shadow_storage, "C:\\x"); return { ok = ok, err = tostring(e) }')
eq "sys.shadow_storage refuses what is no drive letter" "false" "$(printf '%s' "$OUT" | jq -r '.ok')"
contains "and says what it wants" "a drive letter" "$(printf '%s' "$OUT" | jq -r '.err')"
# a proxy_for without a way to find the script is a caller's mistake
contains "net.proxy_for needs autoconfig_url or autodetect" "give autoconfig_url or autodetect" \
  "$("$MP" eval 'return select(2, pcall(require("marsplay.net").proxy_for, "https://x/", {}))' 2>&1)"
# offline the task checks read the task files, as before (no COM)
eq "offline: tasks.com() is false" "false" "$("$MP" eval --root "$T/lab" 'return require("marsplay.tasks").com()')"
eq "live Linux: tasks.com() is false (no Task Scheduler)" "false" "$("$MP" eval 'return require("marsplay.tasks").com()')"

# fix.task_register where there is no Task Scheduler: planned in a
# dry-run, skipped (saying so) when applied, skipped offline.
cat >"$T/tr.lua" <<'LUA'
local mp = require "marsplay"
return mp.playbook { id = "tr", title = "task_register", checks = { mp.check {
  id = "op", detect = function() return mp.finding { message = "register" } end,
  fix = function()
    mp.fix.task_register([[\Microsoft\OnlineBackup\T]], "<Task/>",
                         { logon = "service", user = "S-1-5-18", verify = function() return true end })
  end,
  verify = function() return mp.pass() end } } }
LUA
run_mp "$T/tr.lua" --dry-run --format json
eq "live Linux dry-run: task_register is planned" "task planned" "$(j '.playbooks[0].checks[0].actions[0] | .kind + " " + .state')"
run_mp "$T/tr.lua" --format json
eq "live Linux apply: task_register is skipped" "skipped Task Scheduler is not available on this platform" \
  "$(j '.playbooks[0].checks[0].actions[0] | .state + " " + .detail')"
run_mp --root "$T/lab" "$T/tr.lua" --format json
eq "offline: task_register is skipped" "skipped" "$(j '.playbooks[0].checks[0].actions[0].state')"
finish
