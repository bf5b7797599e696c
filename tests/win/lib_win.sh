# lib_win.sh - helpers for the tests of marsplay.exe under Wine (sourced).
# $MP runs the Windows build through Wine ($MARSPLAY_WINE, quiet, in the
# Wine prefix $WINEPREFIX, created under the build folder by
# scripts/test-windows); the rest is tests/sh/lib.sh.  Windows paths for
# host files are "Z:" + the host path (Wine's Z: drive is /).
: "${MARSPLAY_EXE:?MARSPLAY_EXE must name marsplay.exe}"
export MARSPLAY_EXE     # read by the wrapper at each call
WINE=${MARSPLAY_WINE:-wine}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEPREFIX=${WINEPREFIX:-${MARSPLAY_BUILD:?}/wineprefix}
if ! command -v "$WINE" >/dev/null 2>&1; then echo "skip: no $WINE"; exit 77; fi
# The wrapper: marsplay.exe's output has CRLF line ends (the C runtime's
# text mode); the tests compare lines, so the CRs go.
MARSPLAY_BIN=$(mktemp "${TMPDIR:-/tmp}/marsplay-wine.XXXXXX")
cat >"$MARSPLAY_BIN" <<EOS
#!/bin/sh
# no set -e: the exit status of marsplay.exe is passed on, whatever it is
exec 3>&1
status=\$( { { "$WINE" "\$MARSPLAY_EXE" "\$@"; echo \$? >&4; } | tr -d '\r' >&3; } 4>&1 )
exit "\$status"
EOS
chmod +x "$MARSPLAY_BIN"
export MARSPLAY_BIN
. "$(dirname "${BASH_SOURCE[0]}")/../sh/lib.sh"
on_exit "rm -f '$MARSPLAY_BIN'"
# win PATH: the Windows name of a host path.
win() { printf 'Z:%s' "$1"; }
# wine_gone PREFIX: stop the prefix's wineserver, wait until it has exited,
# then remove the prefix.  Removing it while its server still runs lets a
# new prefix reuse the folder's inode, and Wine names a server's socket
# after that inode: the new prefix's first process would meet the dying
# server (seen as a wineboot failing at once in a test started just after).
wine_gone() {
  [ -d "$1" ] || return 0
  WINEPREFIX=$1 wineserver -k 2>/dev/null || true
  WINEPREFIX=$1 timeout 30 wineserver -w 2>/dev/null || true
  rm -rf "$1"
}
