#!/bin/bash
# Who holds the cache folder, live under Wine (issue 13): marsplay.exe
# runs cache/cache-not-held live (no --root) on a prefix whose agent keeps
# its cache in C:\MARS\Scratch (the ScratchLocation registry value) with a
# few files, first with nobody holding them (pass), then while holder.exe
# keeps one open sharing nothing (manual, naming the file).
#
# Wine 8's RmGetList answers success with no process even for a held file
# (a stub): the holder is found by the sharing probe that follows a
# Restart Manager answer naming nobody, and the evidence says which method
# spoke.  Each run is a dry-run: the cache is unchanged.
set -u
# Its own prefix (own wineserver): a copy of the suite's pristine one when
# there is one (scripts/test-windows makes it), else a new one.
BASE=${MARSPLAY_BUILD:-}/wineprefix
export WINEPREFIX=${TMPDIR:-/tmp}/marsplay-holders-pfx.$$
. "$(dirname "$0")/lib_win.sh"
on_exit "wine_gone '$WINEPREFIX'"
BIN=${MARSPLAY_WIN_TESTBIN:-}
if [ ! -f "$BIN/holder.exe" ]; then echo "skip: no holder.exe in $BIN"; exit 77; fi
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
export MARSPLAY_STDLIB=$SRC/stdlib

if [ -f "$BASE/system.reg" ]; then
  cp -a --reflink=auto "$BASE" "$WINEPREFIX" || { fail "copying the prefix"; finish; exit; }
else
  wineboot -i >/dev/null 2>&1; wineserver -w
fi
wineserver -p       # one wineserver for the whole test

C=$WINEPREFIX/drive_c
SCR='C:\MARS\Scratch'
mkdir -p "$C/MARS/Scratch/sub"
head -c 4096 /dev/urandom >"$C/MARS/Scratch/sub/cache.vhd"
echo checksum >"$C/MARS/Scratch/CbChecksum.db"
echo log >"$C/MARS/Scratch/other.log"
"$WINE" reg add 'HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config' /v ScratchLocation /t REG_SZ \
  /d "$SCR" /f >/dev/null 2>&1 || fail "the agent's ScratchLocation value"

K='.playbooks[] | select(.id == "cache") | .checks[] | select(.id == "cache-not-held")'
held() { "$MP" cache --only cache-not-held --dry-run --format json "$@" 2>"$T/err" || true; }   # manual: exit 3

say "# nobody holds the cache"
before=$(python3 "$SRC/tests/sh/treehash.py" "$C/MARS")
held --lang en >"$T/free.json"
eq "free: the check passes live" pass "$(jq -r "$K | .status" "$T/free.json")"
method=$(jq -r "$K | .evidence.method" "$T/free.json")
say "# method: $method"
case $method in
  restart-manager*) pass "free: the Restart Manager was asked ($method)" ;;
  *) fail "free: the Restart Manager was not asked ($method)" ;;
esac
eq "free: the three files were checked" 3 "$(jq -r "$K | .evidence.files_checked" "$T/free.json")"

say "# holder.exe keeps $SCR\\sub\\cache.vhd open, sharing nothing"
rm -f "$C/holder.ready"
"$WINE" "$BIN/holder.exe" "$SCR"'\sub\cache.vhd' 'C:\holder.ready' >/dev/null 2>&1 &
for _ in $(seq 1 100); do [ -f "$C/holder.ready" ] && break; sleep 0.2; done
check "held: the holder runs" test -f "$C/holder.ready"
held --lang en >"$T/held.json"
eq "held: the check is manual (not skipped)" manual "$(jq -r "$K | .status" "$T/held.json")"
procs=$(jq -r "$K | (.evidence.processes // []) | join(\"\\n\")" "$T/held.json")
say "# processes: $procs"
# Wine's RmGetList names nobody, so the probe finds the file; a Restart
# Manager that works names holder.exe (and the folder) instead.
case $procs in
  *'C:\MARS\Scratch\sub\cache.vhd'*|*holder.exe*) pass "held: the evidence names the held file or its process" ;;
  *) fail "held: neither the file nor holder.exe is named: $procs" ;;
esac
contains "held: the evidence says how the list was made" "restart-manager" \
  "$(jq -r "$K | .evidence.method" "$T/held.json")"
contains "held: the message lists the holder" "hold files of the cache open" \
  "$(jq -r "$K | .message" "$T/held.json")"
held --lang pt-BR >"$T/held-pt.json"
contains "held: the message in pt-BR" "mantêm arquivos do cache abertos" \
  "$(jq -r "$K | .message" "$T/held-pt.json")"
contains "held: the evidence in pt-BR" "cache.vhd" \
  "$(jq -r "$K | (.evidence.processes // []) | join(\" \")" "$T/held-pt.json")"
eq "the dry-runs changed nothing in the cache" "$before" "$(python3 "$SRC/tests/sh/treehash.py" "$C/MARS")"
finish
