#!/usr/bin/env bash
# t_report_schema.sh - the JSON report of a real run validates against
# schemas/report.schema.json, and the JUnit file of the same run is
# well-formed with counts that match the JSON's statuses.
set -euo pipefail

if [ -z "${MARSPLAY_BIN:-}" ] || ! "$MARSPLAY_BIN" --version >/dev/null 2>&1; then
  echo "skip: no working marsplay binary (MARSPLAY_BIN)"
  exit 77
fi
if ! /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  echo "skip: /usr/bin/python3 has no jsonschema module"
  exit 77
fi

. "$(dirname "$0")/lib.sh"

# check_reports NAME JSON_FILE JUNIT_FILE CLI_EXIT_CODE
# Validates the JSON against the schema and cross-checks the JUnit file.
check_reports() {
  local name=$1 json=$2 junit=$3 code=$4 out
  if out=$(/usr/bin/python3 - "$SRC/schemas/report.schema.json" "$json" "$junit" "$code" 2>&1 <<'EOF'
import json, sys
import xml.etree.ElementTree as ET
import jsonschema

schema_file, json_file, junit_file, code = sys.argv[1:5]
schema = json.load(open(schema_file, encoding="utf-8"))
doc = json.load(open(json_file, encoding="utf-8"))
bad = []
for e in jsonschema.Draft202012Validator(schema).iter_errors(doc):
    bad.append("schema: /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message))

def expect(what, want, got):
    if want != got:
        bad.append("%s: expected %r, got %r" % (what, want, got))

expect("exit_code in the JSON vs the CLI's", int(code), doc.get("exit_code"))

FAILURE = {"fail", "planned", "manual", "fix-failed"}

def code_of(sts, loaderr):  # REPORT.md: 1 always wins, else the highest
    if loaderr or "error" in sts:
        return 1
    for status, c in (("fix-failed", 4), ("manual", 3), ("fail", 2), ("planned", 2)):
        if status in sts:
            return c
    return 0

SKIPPED = {"skipped", "waived"}
root = ET.parse(junit_file).getroot()
expect("root element", "testsuites", root.tag)
suites = root.findall("testsuite")
pbs = doc.get("playbooks", [])
expect("testsuite count", len(pbs), len(suites))
tot = {"tests": 0, "failures": 0, "errors": 0}
summary = {}
all_sts, all_loaderr = [], 0
for pb, suite in zip(pbs, suites):
    checks = pb.get("checks", [])
    sts = [c.get("status") for c in checks]
    for s in sts:
        summary[s] = summary.get(s, 0) + 1
    loaderr = 1 if "error" in pb else 0
    want = {
        "tests": len(sts) + loaderr,
        "failures": sum(s in FAILURE for s in sts),
        "errors": sum(s == "error" for s in sts) + loaderr,
        "skipped": sum(s in SKIPPED for s in sts),
    }
    pid = pb.get("id")
    expect("%s: exit_code from its statuses" % pid, code_of(sts, loaderr), pb.get("exit_code"))
    all_sts.extend(sts)
    all_loaderr = all_loaderr or loaderr
    expect("testsuite name", pid, suite.get("name"))
    for k, v in want.items():
        expect("%s/@%s" % (pid, k), v, int(suite.get(k, "-1")))
        if k in tot:
            tot[k] += v
    cases = suite.findall("testcase")
    expect("%s: testcases" % pid, want["tests"], len(cases))
    expect("%s: <failure> elements" % pid, want["failures"], len(suite.findall("testcase/failure")))
    expect("%s: <error> elements" % pid, want["errors"], len(suite.findall("testcase/error")))
    expect("%s: <skipped> elements" % pid, want["skipped"], len(suite.findall("testcase/skipped")))
    named = {tc.get("name").split(":")[0]: tc for tc in cases}
    for c in checks:
        tc = named.get(c["id"])
        if tc is None:
            bad.append("%s: no testcase for check %s" % (pid, c["id"]))
            continue
        expect("%s/%s classname" % (pid, c["id"]), "marsplay." + pid, tc.get("classname"))
        f = tc.find("failure")
        if c["status"] in FAILURE:
            expect("%s/%s failure type" % (pid, c["id"]), c["status"], f.get("type") if f is not None else None)
for k, v in tot.items():
    expect("testsuites/@" + k, v, int(root.get(k, "-1")))
expect("exit_code from all statuses", code_of(all_sts, all_loaderr), doc.get("exit_code"))
# the summary agrees with the statuses
for s, n in doc.get("summary", {}).items():
    expect("summary." + s, summary.get(s, 0), n)
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("%d playbook(s), %d check(s): %s" % (len(pbs), sum(summary.values()),
      ", ".join("%s %d" % kv for kv in sorted(summary.items()))))
EOF
  ); then
    pass "$name: JSON matches the schema, JUnit matches the JSON ($out)"
  else
    fail "$name: $out"
  fi
}

# run_case NAME FAULT...: build a lab with the faults, run the cache
# playbook in dry-run with JSON and JUnit, check both.
run_case() {
  local name=$1; shift
  local dir="$T/lab-$name"
  on_exit "lab_cleanup '$dir'"
  if ! lab "$dir" "$@"; then fail "$name: cannot build the lab"; return 0; fi
  run_mp --root "$dir" "$SRC/playbooks/cache.lua" --dry-run --format json --junit "$T/$name.xml"
  printf '%s\n' "$OUT" >"$T/$name.json"
  if [ "$CODE" -gt 4 ]; then fail "$name: exit code $CODE out of range: $ERR"; return; fi
  check "$name: JUnit file written" test -s "$T/$name.xml"
  [ -s "$T/$name.xml" ] || return 0
  check_reports "$name" "$T/$name.json" "$T/$name.xml" "$CODE"
}

run_case healthy

# Each fault the lab knows (first word of each line of --list-faults):
# the reports then carry the other statuses too.
faults=()
while read -r f _; do
  if [[ "$f" =~ ^[a-z0-9][a-z0-9_.-]*$ ]]; then faults+=("$f"); fi
done < <("$MP" lab --list-faults 2>/dev/null </dev/null || true)
for f in "${faults[@]+"${faults[@]}"}"; do
  run_case "fault-$f" "$f" </dev/null
done

# Failure paths of the remediation API (apply mode): every action a
# failing call records must still be schema-valid (kind, target, state).
F="$T/lab-fixfail"
on_exit "lab_cleanup '$F'"
if lab "$F"; then
  mkdir -p "$F/Data/ro"
  printf 'x\n' >"$F/Data/ro/f.txt"
  fixfail() {   # NAME OP ARGS...
    local name=$1 op=$2; shift 2
    local args=() k=a
    for v in "$@"; do args+=(--set "$k=$v"); k=$(printf '%s' "$k" | tr 'abc' 'bcd'); done
    run_mp --root "$F" "$SRC/tests/playbooks/fixops.lua" --set "op=$op" "${args[@]}" \
      --format json --junit "$T/ff-$name.xml"
    printf '%s\n' "$OUT" >"$T/ff-$name.json"
    eq "fix failure $name: the fix failed" "fix-failed" "$(status_of fixops op)"
    check_reports "fix failure $name" "$T/ff-$name.json" "$T/ff-$name.xml" "$CODE"
  }
  fixfail write-no-parent write 'C:\NoSuchFolder\x.txt' data
  fixfail mkdir-no-parent mkdir 'C:\NoSuchFolder\sub'
  fixfail chmod-no-parent chmod 'C:\NoSuchFolder\x.txt' 384
  fixfail delete-matching-no-dir delete_matching 'C:\NoSuchFolder' '*.tmp'
  fixfail delete-other-drive delete 'D:\x.txt'
  fixfail rename-no-parent rename 'C:\NoSuchFolder\a' 'C:\Data\b'
  fixfail copy-no-source copy_tree 'C:\NoSuchFolder' 'C:\Data\copy'
  fixfail copy-no-parent copy_tree 'C:\Data\ro' 'C:\NoSuchFolder\copy'
  fixfail write-other-drive write 'E:\x.txt' data
fi

# The validator itself can fail: a report with a bogus status is refused.
if [ -s "$T/healthy.json" ]; then
  /usr/bin/python3 - "$T/healthy.json" "$T/bogus.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["mode"] = "yolo"
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"))
EOF
  if /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
' "$SRC/schemas/report.schema.json" "$T/bogus.json" >/dev/null 2>&1; then
    fail "schema accepted mode \"yolo\""
  else
    pass "schema refuses an unknown mode"
  fi
fi

finish
