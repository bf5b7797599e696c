# lib_live.sh - the live harness's set-up and helpers, sourced by
# tests/win/t_live*.sh (see t_live.sh for
# what they do).  Sourcing it re-runs the test in its own UTS and network
# namespaces (unshare -un; exit 77 without them), builds a pristine Wine
# prefix, starts the clock references, and defines:
#   seed STATE [--fault F]...   the lab $T/STATE mirrored into a fresh prefix
#   offline STATE ARGS...        the Linux build on the lab -> $T/STATE.lin.json
#   live ARGS...                 marsplay.exe live (JSON on stdout)
#   compare STATE [LIVE_ONLY]    $T/STATE.lin.json vs $T/STATE.win.json
#   dry STATE [LIVE_ONLY]        both dry-runs, the comparison, drive_c unchanged
#   hash_c, st REPORT PB/CHECK
set -u
if [ -z "${MARSPLAY_LIVE_NS:-}" ]; then
  if unshare -un true 2>/dev/null; then
    exec unshare -un env MARSPLAY_LIVE_NS=1 bash "$0" "$@"
  fi
  echo "skip: unshare -un is not available (a namespace keeps the probes on 127.0.0.1)"; exit 77
fi
hostname MARS-SRV01 || exit 1
ip link set lo up 2>/dev/null || true
# Every Wine process of this test runs in its own prefix (own wineserver).
export WINEPREFIX=${TMPDIR:-/tmp}/marsplay-live-pfx.$$
. "$(dirname "${BASH_SOURCE[0]}")/lib_win.sh"
on_exit "wine_gone '$WINEPREFIX'; rm -rf '$WINEPREFIX.pristine'"
LIN=${MARSPLAY_LINUX_BUILD:-}
BIN=${MARSPLAY_WIN_TESTBIN:-}
if [ -z "$LIN" ] || [ ! -x "$LIN/marsplay" ]; then echo "skip: no Linux build"; exit 77; fi
if [ ! -f "$BIN/seed_live.exe" ]; then echo "skip: no seed_live.exe in $BIN"; exit 77; fi
command -v hivexregedit >/dev/null || { echo "skip: no hivexregedit"; exit 77; }
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
export MARSPLAY_STDLIB=$SRC/stdlib
AGENT='Program Files/Microsoft Azure Recovery Services Agent'

# Checks skipped live under Wine, with why: tests/win/live-skips.txt
# (also read by scripts/check-table.py for the README table).
grep -v '^#' "$SRC/tests/win/live-skips.txt" | sed 's/:.*//' >"$T/live-skips"
# Checks that differ from offline under Wine (its partial Task Scheduler),
# with why: tests/win/live-wine-differs.txt.
grep -v '^#' "$SRC/tests/win/live-wine-differs.txt" | sed 's/:.*//' >"$T/live-differs"

say "# a pristine prefix"
wineboot -i >/dev/null 2>&1 || { echo "Bail out! wineboot failed in a fresh prefix"; exit 1; }
wineserver -w
PRISTINE=$WINEPREFIX.pristine
mv "$WINEPREFIX" "$PRISTINE"

# lab_computer LAB: the computer name in the lab's SYSTEM hive (the control
# set Select\Current names).
lab_computer() {
  local sys="$1/Windows/System32/config/SYSTEM" cur
  cur=$(hivexget "$sys" '\Select' Current 2>/dev/null) &&
    hivexget "$sys" "$(printf '\\ControlSet%03d\\Control\\ComputerName\\ComputerName' "$cur")" ComputerName 2>/dev/null
}

# seed STATE FAULTS...: build the lab $T/STATE and a prefix holding it.
seed() {
  local state=$1; shift
  WINEPREFIX=$WINEPREFIX wineserver -k 2>/dev/null; wineserver -w 2>/dev/null
  rm -rf "$WINEPREFIX" "$T/$state"
  cp -a "$PRISTINE" "$WINEPREFIX"
  # one wineserver for the whole state: a new one would start services.exe
  # again, which starts the automatic services (as Windows does at boot)
  wineserver -p
  "$LIN/marsplay" lab "$T/$state" "$@" >/dev/null 2>&1 || { fail "$state: lab"; return 1; }
  find "$T/$state" -type l -delete
  # The host name is the lab's computer name (Wine reports the host's).
  local name
  name=$(lab_computer "$T/$state") && [ -n "$name" ] || name=MARS-SRV01
  hostname "$name" || { fail "$state: host name $name"; return 1; }
  if [ "$state" = tmp-flood ]; then    # under Wine each open costs ~1 ms: 300 files, limit 100
    find "$T/$state/Windows/Temp" -maxdepth 1 -type f -name 'tmp*.tmp' | sort | tail -n +301 | xargs -r rm -f
  fi
  rm -rf "$WINEPREFIX/drive_c/windows/temp"/*       # the lab's Temp only
  python3 "$SRC/tests/win/lab2wine.py" "$T/$state" "$WINEPREFIX/drive_c" "$T/$state.seed" "$T/healthy-ref" >"$T/$state.svcs" ||
    { fail "$state: lab2wine"; return 1; }
  if [ -f "$WINEPREFIX/drive_c/$AGENT/Bin/cbengine.exe" ]; then
    cp "$BIN/svc_standin.exe" "$WINEPREFIX/drive_c/$AGENT/Bin/cbengine.exe"
  fi
  "$WINE" "$BIN/seed_live.exe" "$(win "$T/$state.seed")" || { fail "$state: seeding"; return 1; }
  if grep -q '^obengine 2$' "$T/$state.svcs" && [ "${NO_START:-}" != 1 ]; then
    "$WINE" "$BIN/seed_live.exe" start obengine || { fail "$state: starting obengine"; return 1; }
  fi
  pass "$state: seeded ($(wc -l <"$T/$state.seed") lines, services: $(tr '\n' ' ' <"$T/$state.svcs"))"
}

# The clock reference: a real HTTP server on 127.0.0.1 whose Date header is
# the real time (clock-skew runs live and passes), and one whose Date is two
# hours behind (the live-only clock-skew state below).  Wine's clock is the
# host's, so the live run reads the real clock against each.
serve_http() {   # serve_http NAME [net_server.py options]: an HTTP server, its port in $T/NAME.port
  python3 "$SRC/tests/fixtures/net_server.py" http --port-file "$T/$1.port" "${@:2}" 2>>"$T/$1.log" &
  on_exit "kill $! 2>/dev/null"
  for _ in $(seq 100); do [ -s "$T/$1.port" ] && break; sleep 0.05; done
  [ -s "$T/$1.port" ] || { echo "Bail out! the clock reference $1 did not start"; exit 1; }
}
serve_http clock
# The lab's proxy (MARSPLAY_LAB_PROXY's default, 127.0.0.1:3128) answers,
# as a running proxy would: live, the proxy checks probe it.
serve_http proxy --port 3128
# The lab's proxy auto-config script (proxy-autoconfig-set), served as a
# real server would: live, WinHTTP fetches and runs it (DIRECT).
mkdir -p "$T/pac"
echo 'function FindProxyForURL(url, host) { return "DIRECT"; }' >"$T/pac/proxy.pac"
python3 -m http.server --bind 127.0.0.1 --directory "$T/pac" 3129 >"$T/pac.log" 2>&1 &
on_exit "kill $! 2>/dev/null"
export MARSPLAY_LAB_PAC=http://127.0.0.1:3129/proxy.pac
# What a fault removes from the registry is removed from the prefix too:
# lab2wine.py diffs each lab with this healthy one.
"$LIN/marsplay" lab "$T/healthy-ref" >/dev/null 2>&1 || { echo "Bail out! the healthy reference lab"; exit 1; }
find "$T/healthy-ref" -type l -delete
serve_http clock-behind --date "$(date -u -d '-2 hours' '+%a, %d %b %Y %H:%M:%S GMT')"
CLOCK=http://127.0.0.1:$(cat "$T/clock.port")/
CLOCK_BEHIND=http://127.0.0.1:$(cat "$T/clock-behind.port")/
NET=(--set endpoints=http://127.0.0.1:9/ --set clock_url="$CLOCK")
SETS=(--set protected_bytes=1048576 --set tmp_limit=100 "${NET[@]}")
offline() { "$LIN/marsplay" --root "$T/$1" --format json --lang en "${@:2}" >"$T/$1.lin.json" 2>/dev/null || true; }
live() { "$MP" --format json --lang en "$@" 2>"$T/live.$BASHPID.err" || true; }

# compare STATE: $T/STATE.lin.json (offline) with $T/STATE.win.json (live).
compare() {
  python3 - "$T/$1.lin.json" "$T/$1.win.json" "${SKIPS:-$T/live-skips}" "${2:-}" "$T/live-differs" <<'PY'
import json, os, re, sys
lin, win = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
skips = set(open(sys.argv[3]).read().split())
live_only = set(sys.argv[4].split(",")) if sys.argv[4] else set()
faults = os.environ.get("FAULTS") == "1"   # t_live_faults.sh: only checks decided offline
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
for k in sorted(skips - set(W) if not faults else ()):
    print("not ok -", k, "is in live-skips.txt but is no check"); bad += 1
for k in sorted(differs - set(W) if not faults else ()):
    print("not ok -", k, "is in live-wine-differs.txt but is no check"); bad += 1
for k in sorted(set(L) & set(W)):
    l, w = L[k], W[k]
    if k in live_only or (faults and l["status"] == "skipped"):
        continue
    if k in differs:
        # Wine's Task Scheduler drops what these read: decided live, never
        # as offline (the healthy state holds the list to that)
        if not faults and (w["status"] == "skipped" or w["status"] == l["status"]):
            print("not ok -", k, "is listed as differing under Wine but says", w["status"],
                  "live and", l["status"], "offline"); bad += 1
        continue
    if w["status"] == "skipped" and k not in skips:
        print("not ok -", k, "skipped live:", (w.get("reason") or "")[:200]); bad += 1
    elif k in skips and w["status"] != "skipped" and not faults:
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
# A hash of drive_c but for the Wine user's profile, where marsplay.exe
# keeps its run lock (%TEMP%) and Wine its own state.
hash_c() {
  local e
  for e in "$WINEPREFIX"/drive_c/* "$WINEPREFIX"/drive_c/users/*; do
    case $e in */drive_c/users|*/drive_c/users/"$(id -un)") continue ;; esac
    printf '%s %s\n' "${e##*/}" "$(python3 "$SRC/tests/sh/treehash.py" "$e")"
  done | sha256sum
}
st() { jq -r --arg k "$2" '.playbooks[] as $p | $p.checks[] | select(($p.id + "/" + .id) == $k) | .status' "$1"; }
