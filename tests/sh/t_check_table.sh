#!/usr/bin/env bash
# README's table "every check x {offline from Linux, live Windows}" is the
# one scripts/check-table.py gives for a healthy lab's dry-run today, and
# the checker notices a table that is out of date.
. "$(dirname "$0")/lib.sh"
lab "$T/lab"
# The lab stands for an NTFS volume whose ACLs the mount exposes (ntfs-3g).
MARSPLAY_TEST_NTFS_ACL=1 "$MP" --root "$T/lab" --dry-run --format json all >"$T/report.json" || true
check "the healthy lab's dry-run has checks" test "$(jq '[.playbooks[].checks[]] | length' "$T/report.json")" -gt 50
if out=$(/usr/bin/python3 "$SRC/scripts/check-table.py" "$T/report.json" --check "$SRC/README.md" 2>&1); then
  pass "README's check table is up to date"
else
  fail "$out"
fi
# One check less in the report: the table no longer matches.
jq 'del(.playbooks[0].checks[0])' "$T/report.json" >"$T/less.json"
if out=$(/usr/bin/python3 "$SRC/scripts/check-table.py" "$T/less.json" --check "$SRC/README.md" 2>&1); then
  fail "a missing check went unnoticed"
else
  contains "a table that is out of date is caught" "out of date" "$out"
fi
finish
