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
set -u
. "$(dirname "$0")/lib_live.sh"

# Checks skipped live under Wine, with why: tests/win/live-skips.txt
# (also read by scripts/check-table.py for the README table).
grep -v '^#' "$SRC/tests/win/live-skips.txt" | sed 's/:.*//' >"$T/live-skips"
# Checks that differ from offline under Wine (its partial Task Scheduler),
# with why: tests/win/live-wine-differs.txt.
grep -v '^#' "$SRC/tests/win/live-wine-differs.txt" | sed 's/:.*//' >"$T/live-differs"

# The clock reference: a real HTTP server on 127.0.0.1 whose Date header is
# the real time (clock-skew runs live and passes), and one whose Date is two
# hours behind (the live-only clock-skew state below).  Wine's clock is the
# host's, so the live run reads the real clock against each.
serve_clock() {   # serve_clock NAME [--date HTTP-DATE]: the port in $T/NAME.port
  python3 "$SRC/tests/fixtures/net_server.py" http --port-file "$T/$1.port" "${@:2}" 2>>"$T/$1.log" &
  on_exit "kill $! 2>/dev/null"
  for _ in $(seq 100); do [ -s "$T/$1.port" ] && break; sleep 0.05; done
  [ -s "$T/$1.port" ] || { echo "Bail out! the clock reference $1 did not start"; exit 1; }
}
serve_clock clock
serve_clock clock-behind --date "$(date -u -d '-2 hours' '+%a, %d %b %Y %H:%M:%S GMT')"
CLOCK=http://127.0.0.1:$(cat "$T/clock.port")/
CLOCK_BEHIND=http://127.0.0.1:$(cat "$T/clock-behind.port")/
NET=(--set endpoints=http://127.0.0.1:9/ --set clock_url="$CLOCK")
SETS=(--set protected_bytes=1048576 --set tmp_limit=100 "${NET[@]}")

# compare STATE: $T/STATE.lin.json (offline) with $T/STATE.win.json (live).
compare() {
  python3 - "$T/$1.lin.json" "$T/$1.win.json" "$T/live-skips" "${2:-}" "$T/live-differs" <<'PY'
import json, re, sys
lin, win = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
skips = set(open(sys.argv[3]).read().split())
live_only = set(sys.argv[4].split(",")) if sys.argv[4] else set()
differs = set(open(sys.argv[5]).read().split())
def checks(r):
    return {p["id"] + "/" + c["id"]: c for p in r["playbooks"] for c in p["checks"]}
SVC_START = re.compile(r"^HKLM\\SYSTEM\\CurrentControlSet\\Services\\([^\\]+)\\Start$", re.I)
def act(a):
    # offline a service's start type is its Start value; live the SCM sets it
    m = SVC_START.match(a.get("target") or "")
    if a.get("kind") == "set-value" and m:
        return ("service", f"service {m.group(1)} start type", a.get("state"))
    return (a.get("kind"), a.get("target"), a.get("state"))
def acts(c):
    return [act(a) for a in c.get("actions") or []]
L, W = checks(lin), checks(win)
bad = decided = live = 0
if set(L) != set(W):
    print("different checks:", sorted(set(L) ^ set(W))); bad += 1
for k in sorted(skips - set(W)):
    print("not ok -", k, "is in live-skips.txt but is no check"); bad += 1
for k in sorted(differs - set(W)):
    print("not ok -", k, "is in live-wine-differs.txt but is no check"); bad += 1
for k in sorted(set(L) & set(W)):
    l, w = L[k], W[k]
    if k in live_only:
        continue
    if k in differs:
        if w["status"] == "skipped" or w["status"] == l["status"]:
            print("not ok -", k, "is listed as differing under Wine but says", w["status"],
                  "live and", l["status"], "offline"); bad += 1
        continue
    if w["status"] == "skipped" and k not in skips:
        print("not ok -", k, "skipped live:", (w.get("reason") or "")[:200]); bad += 1
    elif k in skips and w["status"] != "skipped":
        print("not ok -", k, "is listed as skipped live but says", w["status"]); bad += 1
    elif l["status"] != "skipped":
        if (l["status"], acts(l)) != (w["status"], acts(w)):
            print("not ok -", k, "offline:", l["status"], acts(l), "live:", w["status"], acts(w),
                  json.dumps(w.get("evidence"))[:300]); bad += 1
        else:
            decided += 1
    elif w["status"] != "skipped":
        live += 1
print(f"{decided} checks as offline, {live} decided live only, {bad} differ")
sys.exit(1 if bad else 0)
PY
}

# dry STATE [LIVE_ONLY_CHECKS]: both dry-runs and the comparison; the
# prefix's drive_c is unchanged by the live dry-run.
dry() {
  local state=$1 before
  offline "$state" all --dry-run "${SETS[@]}"
  before=$(hash_c)
  live all --dry-run "${SETS[@]}" >"$T/$state.win.json"
  check "$state: the live report is JSON and live" jq -e '.target.live == true' "$T/$state.win.json" >/dev/null
  check "$state: live checks as offline" compare "$state" "${2:-}"
  eq "$state: the live dry-run changed nothing in drive_c" "$before" \
    "$(hash_c)"
}
# ---- healthy ----
seed healthy && dry healthy
# Who holds the cache cannot be told live yet (no Restart Manager
# backend): the skip gives the operator the manual way, not an errno.
reason=$(jq -r '.playbooks[] | select(.id == "cache") | .checks[] | select(.id == "cache-not-held") | .reason' \
  "$T/healthy.win.json")
contains "healthy: cache-not-held says how to look by hand" "resmon.exe" "$reason"

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
[ "$_fails" -eq 0 ] || exit 1
