#!/usr/bin/env bash
# The shipped playbooks' own tests (playbooks/tests/*_test.lua) through
# the built-in runner, `marsplay test`: plain and TAP output, exit 0.
. "$(dirname "$0")/lib.sh"

set +e
"$MP" test "$SRC/playbooks/tests" >"$T/plain.out" 2>"$T/plain.err"
code=$?
set -e
cat "$T/plain.out"
eq "marsplay test playbooks/tests: exit 0" 0 "$code"
last=$(tail -n 1 "$T/plain.out")
check "summary line is 'N passed, 0 failed' ($last)" grep -Eq '^[1-9][0-9]* passed, 0 failed$' <<<"$last"
check "no test failed" test "$(grep -c '^not ok' "$T/plain.out" || true)" = 0
check "the cache playbook's tests ran" grep -q '^ok - .*cache_test.lua: ' "$T/plain.out"
check "nothing on stderr" test ! -s "$T/plain.err"

# TAP: same count, a plan at the end
run_mp test --tap "$SRC/playbooks/tests"
eq "--tap: exit 0" 0 "$CODE"
eq "--tap: version line" "TAP version 13" "$(head -n 1 <<<"$OUT")"
n=$(grep -Ec '^ok [0-9]+ - ' <<<"$OUT" || true)
eq "--tap: plan matches the tests" "1..$n" "$(tail -n 1 <<<"$OUT")"
eq "--tap: same count as plain" "${last%% passed*}" "$n"

finish
