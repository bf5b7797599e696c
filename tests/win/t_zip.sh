#!/bin/bash
# cpack makes marsplay-<version>-win64.zip: marsplay.exe (stripped),
# README-windows.txt whose first line is the command to run, the stdlib,
# the playbooks, schemas and docs; unpacked anywhere, the exe finds its
# stdlib and playbooks beside itself (list under Wine).
. "$(dirname "$0")/lib_win.sh"
ver=$(sed -n 's/^project(marsplay VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
name=marsplay-$ver-win64
(cd "$T" && cpack --config "$MARSPLAY_BUILD/CPackConfig.cmake" -B "$T/pkg" >/dev/null)
check "cpack wrote $name.zip" test -s "$T/pkg/$name.zip"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
  "$T/pkg/$name.zip" "$T/unz"
U=$T/unz/$name
for f in marsplay.exe README-windows.txt stdlib/marsplay/init.lua playbooks/cache.lua \
         schemas/report.schema.json docs/README.md docs/api.md; do
  check "the zip holds $f" test -s "$U/$f"
done
eq "README-windows.txt starts with the command line" "marsplay.exe cache --dry-run" \
  "$(head -n 1 "$U/README-windows.txt" | tr -d '\r')"
n=$(find "$SRC/playbooks" -maxdepth 1 -name '*.lua' | wc -l)
eq "every shipped playbook is in the zip" "$n" "$(find "$U/playbooks" -maxdepth 1 -name '*.lua' | wc -l)"
MARSPLAY_EXE=$U/marsplay.exe
export MARSPLAY_STDLIB= MARSPLAY_PATH=
run_mp list
eq "the unpacked marsplay.exe lists the playbooks beside it" 0 "$CODE"
contains "list names the cache playbook" "cache" "$OUT"
[ "$_fails" -eq 0 ] || exit 1
