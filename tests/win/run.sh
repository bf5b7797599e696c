#!/usr/bin/env bash
# tests/win/run.sh OUTDIR - cross-compile the Win32 live backends
# (runtime/platform/win32/live_*.c) with their test (test_live.c) and the
# stand-in service (svc_standin.c), then run the test under Wine in a
# fresh prefix OUTDIR/wineprefix (headless, WINEDEBUG=-all).
# When the Windows Lua of scripts/windows-deps is at hand ($MARSPLAY_WIN_DEPS_PREFIX,
# else the one cached prefix holding lib/liblua5.4.a), also the registry
# binding on the live registry (test_reg_live.c); otherwise it says it
# did not run that part.
# Exit 77 (skipped) when x86_64-w64-mingw32-gcc or wine is missing.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: run.sh OUTDIR}
CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
WINE=${WINE:-wine}
command -v "$CC" >/dev/null || { echo "skip: $CC not installed"; exit 77; }
command -v "$WINE" >/dev/null || { echo "skip: $WINE not installed"; exit 77; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
flags=(-std=c11 -O1 -g -Wall -Wextra -Wshadow -Werror -D__USE_MINGW_ANSI_STDIO=1
       -D_WIN32_WINNT=0x0603 -I"$src/runtime" -I"$src/runtime/platform/win32/compat"
       -include "$src/runtime/platform/win32/compat/mp_compat.h")
# The whole Windows platform layer (the live backends use its helpers).
live=("$src"/runtime/platform/win32/*.c "$src"/runtime/platform/live_common.c
      "$src"/runtime/platform/plat_names.c)
libs=(-ladvapi32 -lws2_32 -lbcrypt -lntdll -lcrypt32 -lole32 -lwinhttp -lrstrtmgr -loleaut32)
"$CC" "${flags[@]}" -o "$out/test_live.exe" "$src/tests/win/test_live.c" "${live[@]}" "${libs[@]}"
"$CC" "${flags[@]}" -o "$out/svc_standin.exe" "$src/tests/win/svc_standin.c" -ladvapi32

# The registry binding needs the Windows Lua (and nothing else of the deps).
deps=${MARSPLAY_WIN_DEPS_PREFIX:-}
if [ -z "$deps" ]; then
  set -- /var/cache/marsplay-win-deps/prefix-*/lib/liblua5.4.a "$HOME"/.cache/marsplay-win-deps/prefix-*/lib/liblua5.4.a
  for f; do [ -f "$f" ] && deps=${f%/lib/liblua5.4.a} && break; done
fi
binding=("$src"/runtime/bind/bind_reg.c "$src"/runtime/core/registry.c
         "$src"/runtime/core/target.c "$src"/runtime/formats/regdata.c)
if [ -n "$deps" ] && [ -f "$deps/lib/liblua5.4.a" ]; then
  "$CC" "${flags[@]}" -I"$deps/include" -I"$src/runtime/include" -I"$src/runtime/formats/nohivex" \
    -o "$out/test_reg_live.exe" "$src/tests/win/test_reg_live.c" "${binding[@]}" "${live[@]}" \
    "$deps/lib/liblua5.4.a" "${libs[@]}"
else
  echo "# not run: test_reg_live (the registry binding live) needs the Windows Lua: scripts/windows-deps"
fi

export WINEPREFIX="$out/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
rm -rf "$WINEPREFIX"
cleanup() { WINEPREFIX="$WINEPREFIX" wineserver -k 2>/dev/null || true; }
trap cleanup EXIT
"$WINE" wineboot -i >/dev/null 2>&1
# wineboot returns before the first-run setup ends (it rewrites the
# services key meanwhile): wait for every process of the prefix to end.
wineserver -w
# The stand-in service's binary lives on the prefix's C: drive.
cp "$out/svc_standin.exe" "$WINEPREFIX/drive_c/svc_standin.exe"
# A zone east of UTC with a half-hour offset, so a wrong sign or unit shows.
TZ=Asia/Kolkata "$WINE" "$out/test_live.exe" 'C:\svc_standin.exe' | tr -d '\r'
if [ -f "$out/test_reg_live.exe" ]; then
  "$WINE" "$out/test_reg_live.exe" | tr -d '\r'
fi
