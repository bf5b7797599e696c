#!/usr/bin/env bash
# t_manpage.sh - docs/marsplay.1 renders without a warning (groff, and
# man when it is there) and covers the command: every long option that
# `marsplay --help` and the subcommands' --help list, every subcommand,
# every exit code and check status.
if ! command -v groff >/dev/null 2>&1; then
  echo "skip: groff is not installed (Debian: groff-base)"
  exit 77
fi
. "$(dirname "$0")/lib.sh"

PAGE="$SRC/docs/marsplay.1"

# groff: all warnings on, output discarded: nothing may be said.
warn=$(groff -man -Tutf8 -ww -z "$PAGE" 2>&1 || echo "groff failed")
eq "groff -man -ww: no warning" "" "$warn"
if command -v man >/dev/null 2>&1; then
  warn=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$PAGE" 2>&1 >/dev/null || echo "man failed")
  eq "man --warnings -l: no warning" "" "$warn"
fi

# The page as plain text, wide (no line breaks inside options), with
# groff's Unicode hyphen and minus turned back into '-'.
render() {
  groff -man -Tutf8 -P-cbou -rLL=300n "$1" 2>/dev/null |
    sed 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g'
}
TEXT=$(render "$PAGE")
contains "the page renders" "marsplay - run remediation playbooks" "$TEXT"

# options: the help texts of the command and of its subcommands
"$MP" --help >"$T/help"
for sub in "report merge" lab new check test; do
  # shellcheck disable=SC2086
  "$MP" $sub --help >>"$T/help" 2>/dev/null || true
done
opts=$(grep -oE -- '(^|[^[:alnum:]-])--[a-z][a-z0-9-]*' "$T/help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
n=$(printf '%s\n' "$opts" | grep -c . || true)
check "the help texts list options ($n)" test "$n" -ge 20
missing=""
for o in $opts; do
  grep -qE -- "(^|[^[:alnum:]-])$o([^[:alnum:]-]|$)" <<<"$TEXT" || missing="$missing $o"
done
eq "every long option of --help is in the page" "" "$missing"

# the check can fail: a page without --lock-timeout is caught
sed 's/lock\\-timeout/lock\\-wait/g' "$PAGE" >"$T/bad.1"
BAD=$(render "$T/bad.1")
if grep -qE -- "--lock-timeout([^[:alnum:]-]|$)" <<<"$BAD"; then
  fail "a page without --lock-timeout went unnoticed"
else
  pass "a missing option is noticed"
fi

# subcommands, exit codes, statuses
for sub in "marsplay list" "marsplay lab" "marsplay new" "marsplay check" "marsplay test" \
           "marsplay report merge" "marsplay eval" "marsplay run"; do
  contains "synopsis: $sub" "$sub" "$TEXT"
done
STATUS=$(sed -n '/^EXIT STATUS/,/^CHECK STATUSES/p' <<<"$TEXT")
for code in 0 1 2 3 4 5; do
  check "exit status $code is described" grep -qE "^ +$code +[A-Z]" <<<"$STATUS"
done
for st in pass fail planned fixed manual fix-failed skipped error waived; do
  check "check status $st is described" grep -qE "^ +$st( |$)" <<<"$TEXT"
done
for var in MARSPLAY_PATH MARSPLAY_STDLIB NO_COLOR LANG; do
  contains "environment: $var" "$var" "$(sed -n '/^ENVIRONMENT/,/^FILES/p' <<<"$TEXT")"
done

finish
