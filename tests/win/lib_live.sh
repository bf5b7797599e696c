# lib_live.sh - the live harness's setup, sourced by tests/win/t_live*.sh:
# its own UTS and network namespaces (unshare -un, needs root or user
# namespaces: the host name is the lab's computer name, and no probe can
# leave 127.0.0.1), a pristine Wine prefix, and
#   seed STATE FAULTS...  the lab $T/STATE (Linux build) mirrored into a
#                         fresh prefix (tests/win/lab2wine.py, seed_live.exe,
#                         svc_standin.exe as the agent's cbengine.exe);
#   offline STATE ARGS... the Linux build's run on the lab ($T/STATE.lin.json);
#   live ARGS...          marsplay.exe run live in the prefix (JSON, en);
#   hash_c, st REPORT CHECK.
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
on_exit "WINEPREFIX='$WINEPREFIX' wineserver -k 2>/dev/null; rm -rf '$WINEPREFIX' '$WINEPREFIX.pristine'"
LIN=${MARSPLAY_LINUX_BUILD:-}
BIN=${MARSPLAY_WIN_TESTBIN:-}
if [ -z "$LIN" ] || [ ! -x "$LIN/marsplay" ]; then echo "skip: no Linux build"; exit 77; fi
if [ ! -f "$BIN/seed_live.exe" ]; then echo "skip: no seed_live.exe in $BIN"; exit 77; fi
command -v hivexregedit >/dev/null || { echo "skip: no hivexregedit"; exit 77; }
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
export MARSPLAY_STDLIB=$SRC/stdlib
AGENT='Program Files/Microsoft Azure Recovery Services Agent'

say "# a pristine prefix"
wineboot -i >/dev/null 2>&1; wineserver -w
mv "$WINEPREFIX" "$WINEPREFIX.pristine"

# seed STATE FAULTS...: build the lab $T/STATE and a prefix holding it.
seed() {
  local state=$1; shift
  WINEPREFIX=$WINEPREFIX wineserver -k 2>/dev/null; wineserver -w 2>/dev/null
  rm -rf "$WINEPREFIX" "$T/$state"
  cp -a "$WINEPREFIX.pristine" "$WINEPREFIX"
  # one wineserver for the whole state: a new one would start services.exe
  # again, which starts the automatic services (as Windows does at boot)
  wineserver -p
  "$LIN/marsplay" lab "$T/$state" "$@" >/dev/null 2>&1 || { fail "$state: lab"; return 1; }
  find "$T/$state" -type l -delete
  if [ "$state" = tmp-flood ]; then    # under Wine each open costs ~1 ms: 300 files, limit 100
    find "$T/$state/Windows/Temp" -maxdepth 1 -type f -name 'tmp*.tmp' | sort | tail -n +301 | xargs -r rm -f
  fi
  rm -rf "$WINEPREFIX/drive_c/windows/temp"/*       # the lab's Temp only
  python3 "$SRC/tests/win/lab2wine.py" "$T/$state" "$WINEPREFIX/drive_c" "$T/$state.seed" >"$T/$state.svcs" ||
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

offline() { "$LIN/marsplay" --root "$T/$1" --format json --lang en "${@:2}" >"$T/$1.lin.json" 2>/dev/null || true; }
live() { "$MP" --format json --lang en "$@" 2>"$T/live.err" || true; }

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

