#!/usr/bin/env bash
# t_workorder.sh - the text report is a work order (issue 10, point 5): a
# fixed check still shows what the operator must do next and the summary
# says steps remain; actions read as sentences with counts and sizes in
# human units (en and pt-BR); evidence and every object come in the same
# key order in every run and format; a playbook that cannot load is said
# on stderr; a check that runs out of time names the playbook's line.
. "$(dirname "$0")/lib.sh"

lab "$T/lab" temp-tmp-flood obengine-disabled

# ---- actions as sentences (dry-run) ----
run_mp --root "$T/lab" invalid-vault-credentials basic-troubleshooting --dry-run --color never
contains "delete_matching as a sentence" \
  '- would delete 60,001 files (54 B) matching *.tmp in C:\Windows\Temp (2 other entries left alone)' "$OUT"
contains "set-value as a sentence" \
  '- would set HKLM\SYSTEM\CurrentControlSet\Services\obengine\Start from 4 to 3' "$OUT"
case $OUT in *'{"files":'*) fail "no raw JSON in an action" ;; *) pass "no raw JSON in an action" ;; esac
contains "planned: the step after the fix" "After the fix, you will need to:" "$OUT"
run_mp --root "$T/lab" invalid-vault-credentials basic-troubleshooting --dry-run --color never --lang pt-BR
contains "pt-BR: delete_matching as a sentence" \
  '- excluiria 60.001 arquivos (54 B) correspondentes a *.tmp em C:\Windows\Temp (2 outras entradas deixadas como estão)' "$OUT"
contains "pt-BR: set-value as a sentence" \
  '- definiria HKLM\SYSTEM\CurrentControlSet\Services\obengine\Start de 4 para 3' "$OUT"

# ---- stable key order: three runs, every format ----
# Values may differ between runs (free space, times): digits are masked
# and the JSON compared by its key paths in document order.
lab "$T/lab3" obengine-disabled task-multiple-instances scratch-missing
for i in 1 2 3; do
  "$MP" --root "$T/lab3" all --dry-run --format json --log "$T/log$i" --junit "$T/junit$i.xml" \
    >"$T/json$i" 2>/dev/null || true
  "$MP" --root "$T/lab3" all --dry-run --color never >"$T/text$i" 2>/dev/null || true
  jq -c 'paths' "$T/json$i" >"$T/json$i.n"
  jq -c 'paths' "$T/log$i" >"$T/log$i.n"
  for f in "log$i" "junit$i.xml" "text$i"; do sed -E 's/[0-9]+/N/g' "$T/$f" >"$T/$f.d"; done
done
for f in json log; do
  check "$f: key paths, runs 1 and 2 identical" cmp -s "$T/${f}1.n" "$T/${f}2.n"
  check "$f: key paths, runs 1 and 3 identical" cmp -s "$T/${f}1.n" "$T/${f}3.n"
done
for f in log junit text; do
  x=; [ $f = junit ] && x=.xml
  check "$f: runs 1 and 2 identical but for digits" cmp -s "$T/${f}1$x.d" "$T/${f}2$x.d"
  check "$f: runs 1 and 3 identical but for digits" cmp -s "$T/${f}1$x.d" "$T/${f}3$x.d"
done
eq "JSON: evidence keys sorted" "true" \
  "$(jq '[.playbooks[].checks[].evidence | select(type == "object") | (keys_unsorted == keys)] | all' "$T/json1")"

# ---- apply: a fixed check shows its next steps; the summary says so ----
run_mp --root "$T/lab" invalid-vault-credentials basic-troubleshooting --color never
eq "apply: exit 0" 0 "$CODE"
contains "fixed: next steps shown" "Next steps (the fix is done; these are for you):
      1. Start the obengine service on the running server" "$OUT"
contains "fixed: register again" "1. Register the server to the vault again" "$OUT"
contains "summary: steps remain" \
  'Exit code 0: the problems found were fixed and verified, but step(s) remain for you: see "Next steps" above.' "$OUT"
case $OUT in *"every problem found was fixed and verified"*) fail "summary does not claim all done" ;;
  *) pass "summary does not claim all done" ;; esac
contains "apply: delete as done, in a sentence" \
  '- deleted 60,001 files (54 B) matching *.tmp in C:\Windows\Temp' "$OUT"
lab "$T/lab2" temp-tmp-flood
run_mp --root "$T/lab2" invalid-vault-credentials --color never --lang pt-BR
contains "pt-BR: next steps" "Próximos passos (a correção foi feita; estes cabem a você):" "$OUT"
contains "pt-BR: summary" "mas restam passos para você" "$OUT"

# ---- load errors on stderr ----
printf 'return {\n' >"$T/broken.lua"
run_mp --root "$T/lab" "$T/broken.lua" --dry-run
eq "load error: exit 1" 1 "$CODE"
contains "load error: on stderr with file:line" "playbook $T/broken.lua could not run: $T/broken.lua:2:" "$ERR"

# ---- a timeout names the playbook's line ----
cat >"$T/spin.lua" <<'LUA'
local mp = require "marsplay"
return mp.playbook { id = "spin", checks = {
  mp.check { id = "loop", detect = function()
    local n = 0
    while true do n = n + 1 end
  end },
} }
LUA
run_mp --root "$T/lab" "$T/spin.lua" --dry-run --timeout 0.5 --format json
eq "timeout: error" "error" "$(status_of spin loop)"
contains "timeout: names spin.lua:5" "spin.lua:5: time budget exceeded" \
  "$(j '.playbooks[0].checks[0].reason')"
case $(j '.playbooks[0].checks[0].reason') in *runner.lua*) fail "timeout: not the runner's line" ;;
  *) pass "timeout: not the runner's line" ;; esac

finish
