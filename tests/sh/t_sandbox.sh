#!/usr/bin/env bash
# The sandbox and the engine's limits: broken playbooks, misbehaving
# checks, and attempts to escape the sandbox or the target.
. "$(dirname "$0")/lib.sh"

P="$SRC/tests/playbooks"
lab "$T/lab"

# A syntax error: file:line and exit 1.
run_mp "$P/syntax_error.lua" --format json
eq "syntax error: exit 1" 1 "$CODE"
contains "syntax error: file:line" "syntax_error.lua:4:" "$(j '.playbooks[0].error')"
run_mp "$P/syntax_error.lua"
contains "syntax error: text report shows it" "syntax_error.lua:4:" "$OUT"

# A missing playbook
run_mp "$T/nope.lua"
eq "missing playbook: exit 1" 1 "$CODE"

# Misbehaving checks are contained; the others still run.
run_mp --root "$T/lab" "$P/misbehaving.lua" --format json --timeout 1
eq "misbehaving: exit 1" 1 "$CODE"
eq "raises: error" error "$(status_of misbehaving raises)"
contains "raises: file:line" "misbehaving.lua:10:" "$(j '.playbooks[0].checks[] | select(.id=="raises") | .reason')"
eq "loops: error" error "$(status_of misbehaving loops)"
contains "loops: says timeout" "time budget" "$(j '.playbooks[0].checks[] | select(.id=="loops") | .reason')"
eq "swallows-timeout: error" error "$(status_of misbehaving swallows-timeout)"
eq "eats-memory: error" error "$(status_of misbehaving eats-memory)"
eq "bad-return: error" error "$(status_of misbehaving bad-return)"
eq "fix-in-detect: error" error "$(status_of misbehaving fix-in-detect)"
contains "fix-in-detect: refused" "may only be used in a check's fix function" "$(j '.playbooks[0].checks[] | select(.id=="fix-in-detect") | .reason')"
eq "healthy check still runs" pass "$(status_of misbehaving healthy)"
eq "dependent check skipped" skipped "$(status_of misbehaving after-error)"
contains "dependent check says why" "depends on raises" "$(j '.playbooks[0].checks[] | select(.id=="after-error") | .reason')"

# The memory cap alone (no timeout in the way: under valgrind on a busy
# machine, filling the cap took longer than the default 60 s budget).
run_mp --root "$T/lab" "$P/misbehaving.lua" --format json --only eats-memory,healthy --timeout 250
eq "eats-memory alone: error" error "$(status_of misbehaving eats-memory)"
contains "eats-memory: says memory" "memory cap" "$(j '.playbooks[0].checks[] | select(.id=="eats-memory") | .reason')"
eq "after the memory cap, the next check runs" pass "$(status_of misbehaving healthy)"

# Escapes are refused, inside the target.
before=$(tree_hash "$T/lab")
run_mp --root "$T/lab" "$P/escape.lua" --format json
eq "escape: exit 0" 0 "$CODE"
eq "escape: every attempt refused" "" "$(j '.playbooks[0].checks[] | select(.status != "pass") | .id + ": " + .message')"
eq "escape: target unchanged" "$before" "$(tree_hash "$T/lab")"
check "escape: nothing written in /tmp" test ! -e /tmp/marsplay-escape

# --only / --skip
run_mp --root "$T/lab" "$P/misbehaving.lua" --format json --only healthy,bad-return
eq "--only runs the named checks" "bad-return,healthy" "$(j '[.playbooks[0].checks[].id] | sort | join(",")')"
run_mp --root "$T/lab" "$P/misbehaving.lua" --format json --timeout 1 --skip loops,eats-memory,swallows-timeout
eq "--skip leaves them out" 0 "$(j '[.playbooks[0].checks[] | select(.id=="loops")] | length')"

# --playbook-path: a ':'-separated list on Linux (';' on Windows:
# tests/win/t_cli.sh); a playbook named by id from the second folder
# requires a module from the first.
PL="$P/pathlist"
run_mp --root "$T/lab" --playbook-path "$PL/mods:$PL/pbs" pathpb --format json
eq "--playbook-path: the playbook found by id, its module too" \
  "0 Its module came from the first folder of the list" "$(j '"\(.exit_code) \(.playbooks[0].checks[0].title)"')"
run_mp list --playbook-path "$PL/pbs:$PL/mods"
contains "list --playbook-path: the folder's playbook" "pathpb" "$OUT"
contains "list --playbook-path: labelled by its folder" "[$PL/pbs]" "$OUT"

# Usage errors: exit 1 with a message.
run_mp --format xml "$P/escape.lua"
eq "bad --format: exit 1" 1 "$CODE"
contains "bad --format: message" "--format xml" "$ERR"
run_mp --set novalue "$P/escape.lua"
eq "bad --set: exit 1" 1 "$CODE"
run_mp --version
contains "--version" "marsplay 0." "$OUT"

finish
