#!/usr/bin/env bash
# The platform boundary (README "Layout"): no POSIX, Linux or Win32 call,
# header, flag or struct field outside runtime/platform/, except the
# sites still listed in scripts/boundary-debt.txt (a list that may only
# shrink).  scripts/boundary.py does the scan; this test also proves the
# scan is real by adding a call to a copy of the tree and seeing it fail.
. "$(dirname "$0")/lib.sh"

check "the runtime/ tree keeps to the platform boundary" \
  python3 "$SRC/scripts/boundary.py" "$SRC"

# Scan the copy: its exit code in $rc, what it printed in $out.
scan_copy() {
  set +e
  out=$(python3 "$T/repo/scripts/boundary.py" "$T/repo" 2>&1)
  rc=$?
  set -e
}

# A copy of runtime/ and scripts/ with one new OS call outside platform/.
mkdir -p "$T/repo"
cp -r "$SRC/runtime" "$SRC/scripts" "$T/repo/"
check "the copy passes before the change" python3 "$T/repo/scripts/boundary.py" "$T/repo"

cat >>"$T/repo/runtime/core/value.c" <<'C'
static int sneak(const char *p) { return unlink(p); }
C
scan_copy
eq "an unlink() call in core/value.c fails the scan" 1 "$rc"
contains "the failure names the file and the call" "runtime/core/value.c" "$out"
contains "the failure names the call" "unlink outside runtime/platform/" "$out"

cp "$SRC/runtime/core/value.c" "$T/repo/runtime/core/value.c"
printf '#include <windows.h>\nstatic void w(void) { CloseHandle(0); }\n' >"$T/repo/runtime/formats/win.c"
scan_copy
eq "a Win32 header and call in formats/ fail the scan" 1 "$rc"
contains "the Win32 header is named" "<windows.h> outside" "$out"
contains "the Win32 call is named" "CloseHandle outside" "$out"
rm "$T/repo/runtime/formats/win.c"

# The debt list only shrinks: a listed count above what is left fails.
first=$(grep -v '^#' "$T/repo/scripts/boundary-debt.txt" | grep -m1 . || true)
if [ -n "$first" ]; then
  set -- $first
  sed -i "s|^$1 $2 $3\$|$1 $2 $(($3 + 1))|" "$T/repo/scripts/boundary-debt.txt"
  scan_copy
  eq "a debt count larger than what is left fails" 1 "$rc"
  contains "it asks to lower the count" "lower the count" "$out"
fi
finish
