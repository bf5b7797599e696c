#!/usr/bin/env bash
# t_pattern_budget.sh - one Lua pattern call that backtracks for minutes
# (string.find, a gsub method, a gmatch whose error the playbook
# swallows) ends at the check's --timeout, as that check's `error` naming
# the budget; the checks around them keep their results, and the whole
# run ends in bounded time (loose bound: a safety test, not a benchmark).
# The stock matcher runs each of these calls for minutes (issue 15,
# class 1); marsplay's (runtime/core/luapat.c) checks the deadline.
. "$(dirname "$0")/lib.sh"

PB="$SRC/tests/playbooks/pattern_budget.lua"
mkdir -p "$T/root/Windows"
start=$(date +%s)
set +e
OUT=$(timeout 60 "$MP" --root "$T/root" "$PB" --timeout 2 --dry-run --format json 2>"$T/err")
CODE=$?
set -e
took=$(( $(date +%s) - start ))
check "the run ends (exit $CODE; 124 = still matching after 60 s)" test "$CODE" -ne 124
check "three 2 s budgets and three quick checks end in bounded time (took ${took}s, bound 20s)" \
  test "$took" -lt 20
eq "exit code 1: checks errored" 1 "$CODE"
st() { status_of pattern_budget "$1"; }
why() { j --arg id "$1" '.playbooks[0].checks[] | select(.id == $id) | .reason // ""'; }
kind() { j --arg id "$1" '.playbooks[0].checks[] | select(.id == $id) | .error_kind // ""'; }
for c in find gsub-method gmatch-swallowed; do
  eq "$c: error" error "$(st $c)"
  contains "$c: the reason names the budget" "time budget of 2 s (--timeout)" "$(why $c)"
  eq "$c: error kind timeout" timeout "$(kind $c)"
done
eq "before: keeps its result" pass "$(st before)"
eq "middle: keeps its result (a finding without a fix)" manual "$(st middle)"
eq "middle: its evidence (a gsub count) is right" 2 \
  "$(j '.playbooks[0].checks[] | select(.id == "middle") | .evidence.n')"
eq "after: keeps its result" pass "$(st after)"
finish
