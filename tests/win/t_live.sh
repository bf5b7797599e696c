#!/bin/bash
# The live harness: marsplay.exe run LIVE (no --root) under Wine on a
# prefix seeded with a lab's state, compared per check with the Linux
# build's offline run (--root) on the same lab.
#
# For each state: `marsplay lab` builds the lab (Linux build), its links
# are removed (Wine shows a link as its target), tests/win/lab2wine.py
# mirrors its files into a fresh copy of a pristine prefix's drive_c and
# turns its hives into seed_live.exe lines (raw value bytes through
# RegSetValueExW; services registered through the SCM with their start
# type), the stand-in service (svc_standin.exe) is the agent's
# Bin\cbengine.exe and runs when its start type is automatic.  Then both
# dry-runs of the whole catalogue (`all`) and the comparison:
#   - the same checks on both sides;
#   - a check the offline run decided (not skipped) has the same status
#     live, and the same actions (kind, target, state);
#   - a check the offline run skipped is, live, not skipped unless it is
#     in LIVE_SKIPS below (what Wine cannot show, or what no run decides
#     without a parameter), and every LIVE_SKIPS entry is skipped live, so
#     the list stays true;
#   - a check in tests/win/live-wine-differs.txt (Wine's partial Task
#     Scheduler) is decided live and answers unlike offline.
# Apply mode for some faults: the live fix, then a live dry-run that
# passes, and the state read back from the prefix.
# The whole test runs in its own UTS and network namespaces (unshare -un,
# needs root or user namespaces): the host name is the lab's computer name
# (Wine reports the host's), and no probe can leave 127.0.0.1.
. "$(dirname "$0")/lib_live.sh"

# ---- healthy ----
seed healthy && dry healthy
# Who holds the cache, live: the Restart Manager, then (Wine's names
# nobody) the sharing probe; the evidence says so (t_live_holders.sh: held).
method=$(jq -r '.playbooks[] | select(.id == "cache") | .checks[] | select(.id == "cache-not-held") | .evidence.method' \
  "$T/healthy.win.json")
eq "healthy: cache-not-held asked the Restart Manager, then probed" "restart-manager+sharing-probe" "$method"
# Wine makes a folder's descriptor up (SYSTEM always full control): read
# through GetSecurityInfo, refused, never a pass.  VSS: Wine has none.
reason=$(jq -r '.playbooks[] | select(.id == "cache") | .checks[] | select(.id == "scratch-access") | .reason' \
  "$T/healthy.win.json")
contains "healthy: scratch-access refuses Wine's made-up descriptor" "made up from the Unix mode bits" "$reason"
reason=$(jq -r '.playbooks[] | select(.id == "cache") | .checks[] | select(.id == "shadow-copy-storage") | .reason' \
  "$T/healthy.win.json")
contains "healthy: shadow-copy-storage says VSS is not here, and why" "VSS not available here" "$reason"
contains "healthy: shadow-copy-storage gives the VSS error" "0x80040154" "$reason"

# The clock against the reference: only a running server has it (skipped
# offline); live it passes against the real time...
for K in basic-troubleshooting/clock-skew invalid-vault-credentials/clock-skew; do
  eq "healthy: $K passes live against $CLOCK" pass "$(st "$T/healthy.win.json" "$K")"
  eq "healthy: $K is skipped offline" skipped "$(st "$T/healthy.lin.json" "$K")"
done
# ...and is found two hours ahead of a reference whose Date is two hours behind.
live basic-troubleshooting invalid-vault-credentials --dry-run --set protected_bytes=1048576 \
  --set endpoints=http://127.0.0.1:9/ --set clock_url="$CLOCK_BEHIND" >"$T/skew.json"
for K in basic-troubleshooting/clock-skew invalid-vault-credentials/clock-skew; do
  eq "clock two hours off: $K found live" manual "$(st "$T/skew.json" "$K")"
done
contains "clock two hours off: the evidence says ahead" '"direction":"ahead"' \
  "$(jq -c '.playbooks[] | select(.id == "basic-troubleshooting") | .checks[] | select(.id == "clock-skew") | .evidence' "$T/skew.json")"

# ---- a registry value: PSModulePath lacks the agent's modules ----
if seed psmodulepath --fault psmodulepath-missing; then
  dry psmodulepath
  K='backups-dont-run-on-schedule/psmodulepath'
  eq "psmodulepath: detected live" planned "$(st "$T/psmodulepath.win.json" "$K")"
  live backups-dont-run-on-schedule >"$T/fix.json"
  eq "psmodulepath: fixed live" fixed "$(st "$T/fix.json" "$K")"
  live all --dry-run "${SETS[@]}" >"$T/after.json"
  eq "psmodulepath: passes after the live fix" pass "$(st "$T/after.json" "$K")"
  contains "psmodulepath: the value holds the agent's modules" 'Recovery Services Agent\bin\Modules' \
    "$("$WINE" reg query 'HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment' /v PSModulePath | tr -d '\r')"
fi

# ---- *.tmp files in C:\Windows\Temp (300, limit 100) ----
if seed tmp-flood --fault temp-tmp-flood; then
  dry tmp-flood
  K='invalid-vault-credentials/windows-temp-tmp-files'
  eq "tmp-flood: detected live" planned "$(st "$T/tmp-flood.win.json" "$K")"
  live invalid-vault-credentials --set tmp_limit=100 "${NET[@]}" >"$T/fix.json"
  eq "tmp-flood: fixed live" fixed "$(st "$T/fix.json" "$K")"
  eq "tmp-flood: no *.tmp file left in C:\\Windows\\Temp" 0 \
    "$(find "$WINEPREFIX/drive_c/windows/temp" -maxdepth 1 -type f -iname '*.tmp' | wc -l)"
  check "tmp-flood: the folder named *.tmp stays" test -d "$WINEPREFIX/drive_c/windows/temp/cab_4242_1.tmp"
  check "tmp-flood: other files stay" test -f "$WINEPREFIX/drive_c/windows/temp/MpCmdRun.log"
fi

# ---- the service disabled (Start=4, not running) ----
seed obengine-disabled --fault obengine-disabled && dry obengine-disabled

# ---- live only: obengine automatic but stopped (offline cannot know) ----
if NO_START=1 seed stopped; then
  K='basic-troubleshooting/mars-service-running'
  dry stopped "$K"
  s=$(st "$T/stopped.win.json" "$K")
  eq "stopped: offline cannot tell" skipped "$(st "$T/stopped.lin.json" "$K")"
  check "stopped: detected live ($s)" test "$s" = planned
  live basic-troubleshooting --set protected_bytes=1048576 "${NET[@]}" >"$T/fix.json"
  eq "stopped: started live" fixed "$(st "$T/fix.json" "$K")"
  live all --dry-run "${SETS[@]}" >"$T/after.json"
  eq "stopped: running after the live fix" pass "$(st "$T/after.json" "$K")"
fi
# ---- Defender installed without the agent's exclusions ----
# The two antivirus-exclusions checks, skipped on the healthy lab (no
# Defender there, offline the same), are decided live from the live
# registry as offline; so are the two who-holds-the-cache checks: nobody
# holds the cache now, but Defender's missing exclusions make them manual.
# Then the exclusion key readable by SYSTEM only (as recent Windows keeps
# it; Wine enforces a key's DACL while its wineserver runs): unknown, said
# so, never "no exclusions".
if seed defender --fault defender-no-exclusions; then
  grep -v -e '/antivirus-exclusions$' "$T/live-skips" \
    >"$T/live-skips.defender"
  SKIPS=$T/live-skips.defender dry defender
  for K in agent-unable-to-connect/antivirus-exclusions invalid-vault-credentials/antivirus-exclusions \
           cache/cache-not-held basic-troubleshooting/antivirus-interference; do
    eq "defender: $K detected live as offline" manual "$(st "$T/defender.win.json" "$K")"
  done
  contains "defender: the missing exclusions are named live" 'cbengine.exe' \
    "$(jq -c '.playbooks[] | select(.id == "invalid-vault-credentials") | .checks[] | select(.id == "antivirus-exclusions") | .evidence.missing' "$T/defender.win.json")"
  if "$WINE" "$BIN/seed_live.exe" deny 'SOFTWARE\Microsoft\Windows Defender\Exclusions\Paths'; then
    live invalid-vault-credentials --dry-run "${NET[@]}" >"$T/denied.json"
    K='invalid-vault-credentials/antivirus-exclusions'
    eq "defender denied: unknown, not missing" skipped "$(st "$T/denied.json" "$K")"
    reason=$(jq -r '.playbooks[] | .checks[] | select(.id == "antivirus-exclusions") | .reason' "$T/denied.json")
    contains "defender denied: says access denied" "access denied" "$reason"
    contains "defender denied: says how to check" "Get-MpPreference" "$reason"
  else
    fail "defender: the exclusion key could not be locked"
  fi
fi

[ "$_fails" -eq 0 ] || exit 1
