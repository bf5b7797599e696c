#!/usr/bin/env bash
# One run at a time per target: a run holds an advisory lock on the
# target's root folder (taken read-only, so dry-runs under Landlock take it
# too).  A second run on the same target waits up to --lock-timeout
# seconds, or exits 1 naming the holder; a run on another target is not
# affected.
. "$(dirname "$0")/lib.sh"

lab "$T/lab"
lab "$T/other"
cat >"$T/hold.lua" <<'EOF'
-- Holds the run until C:\release exists in the target.
local mp = require "marsplay"
return mp.playbook { id = "hold", checks = { mp.check { id = "hold",
  detect = function()
    while not mp.fs.exists([[C:\release]]) do end
    return mp.pass()
  end } } }
EOF
cat >"$T/quick.lua" <<'EOF'
local mp = require "marsplay"
return mp.playbook { id = "quick", checks = { mp.check { id = "quick",
  detect = function() return mp.pass() end } } }
EOF

# started FILE: wait until the log FILE shows the run's start event.
started() {
  local _
  for _ in $(seq 600); do
    grep -q '"event":"start"' "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# A holds the lab (a dry-run: the lock works under Landlock).
"$MP" --root "$T/lab" "$T/hold.lua" --dry-run --timeout 120 --log "$T/a.log" >"$T/a.out" 2>&1 &
a=$!
on_exit "touch '$T/lab/release'; kill $a 2>/dev/null"
check "A started" started "$T/a.log"

# B with --lock-timeout 0: refused at once, naming A.
run_mp --root "$T/lab" "$T/quick.lua" --lock-timeout 0 --format json --log "$T/b.log" --junit "$T/b.xml"
eq "B (no wait): exit 1" 1 "$CODE"
contains "B: says another run holds the target" "another run holds the target" "$ERR"
contains "B: names the holder's pid" "process $a" "$ERR"
if [ "${MARSPLAY_VALGRIND:-0}" = 1 ]; then prog="(memcheck"; else prog="(marsplay)"; fi
contains "B: names the holder's program" "$prog" "$ERR"
contains "B: says it did not wait" "not waiting" "$ERR"
eq "B: ran no check" "" "$(grep '"event":"start"' "$T/b.log" 2>/dev/null || true)"
check "B: left no JUnit file" test ! -e "$T/b.xml"

# C with a short wait: gives up.
run_mp --root "$T/lab" "$T/quick.lua" --lock-timeout 0.3
eq "C (short wait): exit 1" 1 "$CODE"
contains "C: says it gave up waiting" "gave up waiting" "$ERR"

# A run on another target is not affected.
run_mp --root "$T/other" "$T/quick.lua" --lock-timeout 0 --format json
eq "other target: runs" 0 "$CODE"

# D waits (default --lock-timeout 30) and runs once A ends.
"$MP" --root "$T/lab" "$T/quick.lua" --format json --log "$T/d.log" >"$T/d.out" 2>"$T/d.err" &
d=$!
on_exit "kill $d 2>/dev/null"
sleep 0.5
eq "D: still waiting while A runs" "" "$(grep '"event":"start"' "$T/d.log" 2>/dev/null || true)"
check "A: still running" kill -0 "$a"
touch "$T/lab/release"
set +e; wait "$a"; acode=$?; wait "$d"; dcode=$?; set -e
eq "A: finished (exit 0)" 0 "$acode"
eq "D: ran after A (exit 0)" 0 "$dcode"
eq "D: its check passed" pass "$(jq -r '.playbooks[0].checks[0].status' "$T/d.out")"
a_end=$(grep '"event":"result"' "$T/a.log" | head -1)
check "A's result was logged" test -n "$a_end"

# Usage errors.
run_mp --root "$T/lab" "$T/quick.lua" --lock-timeout -1
eq "--lock-timeout -1: exit 1" 1 "$CODE"
contains "--lock-timeout -1: message" "--lock-timeout -1" "$ERR"
run_mp --root "$T/lab" "$T/quick.lua" --lock-timeout soon
eq "--lock-timeout soon: exit 1" 1 "$CODE"

# The lock is released when a run ends: the next one gets it at once.
run_mp --root "$T/lab" "$T/quick.lua" --lock-timeout 0
eq "after A and D: a new run gets the lock" 0 "$CODE"

finish
