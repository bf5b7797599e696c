#!/bin/bash
# marsplay.exe under Wine: --version, --help, list, check, new and test
# work, and the exe finds its stdlib and playbooks beside itself (the
# layout of the Windows zip), with no path of the build machine.
. "$(dirname "$0")/lib_win.sh"

# The zip's layout: marsplay.exe, stdlib\, playbooks\ in one folder.
Z=$T/zip
mkdir -p "$Z"
cp "$MARSPLAY_EXE" "$Z/marsplay.exe"
cp -r "$SRC/stdlib" "$SRC/playbooks" "$Z/"
MARSPLAY_EXE=$Z/marsplay.exe
export MARSPLAY_STDLIB=      # not from the environment

ver=$(sed -n 's/^project(marsplay VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
run_mp --version
eq "--version exits 0" 0 "$CODE"
contains "--version names the version" "$ver" "$OUT"

run_mp --help
eq "--help exits 0" 0 "$CODE"
contains "--help shows the usage" "marsplay [options] PLAYBOOK" "$OUT"

run_mp list
eq "list exits 0" 0 "$CODE"
n=$(ls "$SRC"/playbooks/*.lua | wc -l)
got=$(printf '%s\n' "$OUT" | grep -c '^[a-z]' || true)
check "list shows every shipped playbook ($n)" test "$got" -ge "$n"
contains "list shows the cache playbook" "cache" "$OUT"
if [ -n "${MARSPLAY_LINUX_BUILD:-}" ] && [ -x "$MARSPLAY_LINUX_BUILD/marsplay" ]; then
  linux=$(MARSPLAY_STDLIB="$SRC/stdlib" "$MARSPLAY_LINUX_BUILD/marsplay" list)
  eq "list is the Linux build's" "$linux" "$OUT"
fi

run_mp check --no-lint "$(win "$Z/playbooks/cache.lua")"
eq "check of a shipped playbook exits 0" 0 "$CODE"

printf 'return 1 +\n' >"$T/broken.lua"
run_mp check --no-lint "$(win "$T/broken.lua")"
eq "check of a broken playbook exits 1" 1 "$CODE"

run_mp new demo-check --dir "$(win "$T/new")"
eq "new exits 0" 0 "$CODE"
check "new wrote the playbook" test -s "$T/new/demo-check.lua"
check "new wrote its test" test -s "$T/new/demo-check_test.lua"
run_mp check --no-lint "$(win "$T/new/demo-check.lua")"
eq "the new playbook passes check" 0 "$CODE"
run_mp test "$(win "$T/new")"
eq "the new playbook's test passes" 0 "$CODE"

# --playbook-path: ';'-separated on Windows (':' follows a drive letter).
# A playbook named by id from the second folder requires a module from
# the first.
PL=$SRC/tests/playbooks/pathlist
run_mp eval --playbook-path "$(win "$PL/mods");$(win "$PL/pbs")" 'return require("pathlib.where").where'
eq "--playbook-path C:\\a;C:\\b: a module from the first folder" '"the first folder of the list"' "$OUT"
run_mp list --playbook-path "$(win "$PL/pbs");$(win "$PL/mods")"
contains "list --playbook-path C:\\b;C:\\a: the playbook of the first folder" "pathpb" "$OUT"
contains "list --playbook-path: labelled by its Windows path" "[$(win "$PL/pbs")]" "$OUT"
run_mp --help
contains "--help says ';'-separated" "';'-separated folders" "$OUT"

# The dry-run's kernel barrier (a Low integrity token) is reported as it
# reads back: enforced only when the token says Low; Wine keeps every
# token High, so there it must say so, never claim the barrier.
mkdir -p "$T/vol/Windows"
run_mp --root "$(win "$T/vol")" --dry-run --format json "$(win "$T/new/demo-check.lua")"
kernel=$(printf '%s' "$OUT" | jq -r .sandbox.kernel)
notice=$(printf '%s' "$OUT" | jq -r '.sandbox.notice // ""')
case $kernel in
  low-integrity) contains "the barrier says the level it lowered to" "to Low" "$notice" ;;
  none) contains "no barrier: the report says why (the level read back)" "integrity level" "$notice"
        contains "no barrier: stderr says marsplay alone holds the dry-run" "enforced by marsplay only" "$ERR" ;;
  *) check "sandbox.kernel is low-integrity or none (got '$kernel')" false ;;
esac
check "no notice about an open-file list Windows does not have" \
  sh -c '! grep -q "open files before the lockdown" "$1"' _ "$T/stderr"

run_mp --root "$(win "$T/nonexistent")" cache --dry-run
eq "a missing --root is an error (exit 1)" 1 "$CODE"

[ "$_fails" -eq 0 ] || exit 1
