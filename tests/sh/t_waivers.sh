#!/usr/bin/env bash
# --waivers FILE: a waived fail/planned/manual/fix-failed check reports
# status "waived" (waived_status, waiver, waiver_until) and does not fail
# the run; other playbooks' ids, expired waivers and error statuses are
# not waived; a malformed file is an error (exit 1, file:line).
. "$(dirname "$0")/lib.sh"

PB="$SRC/playbooks/cache.lua"
SET=(--set 'protected=C:\Data')
SCHEMA="$SRC/schemas/report.schema.json"
validate() {
  printf '%s' "$OUT" | /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(sys.stdin), json.load(open(sys.argv[1])))' "$SCHEMA"
}
field() {  # field CHECK KEY
  printf '%s' "$OUT" | jq -r --arg id "$1" --arg k "$2" '.playbooks[].checks[] | select(.id == $id) | .[$k] // "null"'
}

lab "$T/ro" scratch-registry-mismatch
lab "$T/missing" scratch-missing
W="$T/w.txt"

run_mp --root "$T/ro" "$PB" "${SET[@]}" --dry-run --format json
eq "no waivers: planned, exit 2" "planned 2" "$(status_of cache scratch-registry) $CODE"

cat >"$W" <<'TXT'
# accepted risks of the file server (reviewed by ops)

cache/scratch-registry | until 2999-12-31 | the folder is managed by group policy; OPS-1234
TXT
run_mp --root "$T/ro" "$PB" "${SET[@]}" --dry-run --format json --waivers "$W" --junit "$T/j.xml" --log "$T/log.jsonl"
eq "waived: exit 0" 0 "$CODE"
eq "waived: status" waived "$(status_of cache scratch-registry)"
eq "waived: original status kept" planned "$(field scratch-registry waived_status)"
eq "waived: justification" "the folder is managed by group policy; OPS-1234" "$(field scratch-registry waiver)"
eq "waived: until" 2999-12-31 "$(field scratch-registry waiver_until)"
contains "waived: reason names the file and line" "(waiver $W:3, until 2999-12-31; status planned)" "$(field scratch-registry reason)"
eq "waived: summary" "1 0" "$(j '.summary.waived, .summary.planned' | tr '\n' ' ' | sed 's/ $//')"
eq "waived: playbook exit code" 0 "$(j '.playbooks[0].exit_code')"
check "waived: report valid against the schema" validate
check "waived: JUnit says skipped: waived" grep -q '<skipped message="waived: the folder is managed by group policy' "$T/j.xml"
check "waived: in the event log" grep -q '"event":"waived"' "$T/log.jsonl"

run_mp --root "$T/ro" "$PB" "${SET[@]}" --dry-run --waivers "$W" --color never
contains "text report: WAIVED" "WAIVED" "$OUT"

printf 'scratch-registry | accepted without expiry\n' >"$W"
run_mp --root "$T/ro" "$PB" "${SET[@]}" --dry-run --format json --waivers "$W"
eq "check id alone: waived, exit 0" "waived 0" "$(status_of cache scratch-registry) $CODE"
eq "no expiry: no waiver_until" null "$(field scratch-registry waiver_until)"

printf 'other-playbook/scratch-registry | not this playbook\n' >"$W"
run_mp --root "$T/ro" "$PB" "${SET[@]}" --dry-run --format json --waivers "$W"
eq "another playbook's id: not waived" "planned 2" "$(status_of cache scratch-registry) $CODE"

printf 'cache/scratch-registry | until 2000-01-01 | expired long ago\n' >"$W"
run_mp --root "$T/ro" "$PB" "${SET[@]}" --dry-run --format json --waivers "$W"
eq "expired: not waived, exit 2" "planned 2" "$(status_of cache scratch-registry) $CODE"
eq "expired: waiver_expired" 2000-01-01 "$(field scratch-registry waiver_expired)"
contains "expired: mentioned on stderr" "waiver of cache/scratch-registry expired on 2000-01-01" "$ERR"
check "expired: report valid against the schema" validate

printf 'cache/scratch-exists | until 2999-01-01 | restored next week\n' >"$W"
run_mp --root "$T/missing" "$PB" "${SET[@]}" --dry-run --format json --waivers "$W"
eq "manual waived" "waived manual" "$(status_of cache scratch-exists) $(field scratch-exists waived_status)"
check "manual waived: report valid" validate

# fail (--no-fix), fix-failed and error, on a playbook of our own
cat >"$T/own.lua" <<'LUA'
local mp = require "marsplay"
return mp.playbook { id = "own", title = "own", checks = {
  mp.check { id = "broken-fix", title = "a fix that fails",
    detect = function() return mp.finding { message = "problem" } end,
    fix = function() error("cannot fix") end },
  mp.check { id = "crash", title = "a detect that raises",
    detect = function() error("bug") end },
} }
LUA
printf 'broken-fix | known\ncrash | errors are never waived\n' >"$W"
run_mp "$T/own.lua" --format json --waivers "$W"
eq "fix-failed waived" "waived fix-failed" "$(status_of own broken-fix) $(field broken-fix waived_status)"
eq "error not waived: exit 1" "error 1" "$(status_of own crash) $CODE"
run_mp "$T/own.lua" --format json --waivers "$W" --no-fix --only broken-fix
eq "fail waived, exit 0" "waived fail 0" "$(status_of own broken-fix) $(field broken-fix waived_status) $CODE"
check "fail waived: report valid" validate

# malformed files: exit 1, file:line, no report
bad() {
  printf '# header\n%s\n' "$1" >"$W"
  rm -f "$T/j2.xml"
  run_mp --root "$T/ro" "$PB" --dry-run --waivers "$W" --junit "$T/j2.xml"
  eq "malformed ($1): exit 1" 1 "$CODE"
  contains "malformed ($1): $2" "$W:2: $2" "$ERR"
  eq "malformed ($1): no report" "" "$OUT"
  check "malformed ($1): no JUnit file" test ! -e "$T/j2.xml"
}
bad 'cache/scratch-registry' "expected 'ID | justification'"
bad 'cache/scratch-registry | until 2027-02-30 | why' "'2027-02-30' is not a date"
bad 'cache/scratch-registry | until next week | why' "expected 'until YYYY-MM-DD'"
bad 'cache/scratch-registry | until 2027-01-31 |' "the justification is missing"
bad 'cache/scratch-registry | until 2027-01-31' "the justification is missing"
bad 'not an id! | why' "'not an id!' is not a check id"
bad 'a/b/c | why' "'a/b/c' is not a check id"
bad 'a | b | c | d' "expected 'ID | justification'"
printf 'x | one\n\nx | two\n' >"$W"
run_mp --root "$T/ro" "$PB" --waivers "$W"
contains "duplicate id: refused with both lines" "$W:3: 'x' is already waived at line 1" "$ERR"
run_mp --root "$T/ro" "$PB" --waivers "$T/absent.txt"
eq "missing file: exit 1" 1 "$CODE"
contains "missing file: said" "cannot read the waiver file" "$ERR"

finish
