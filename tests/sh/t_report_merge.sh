#!/usr/bin/env bash
# t_report_merge.sh - `marsplay report merge`: the JSON reports of three
# lab "hosts" (healthy, a fixable fault, a manual fault) merged as text,
# JSON (validated against schemas/merge.schema.json and cross-checked
# with the inputs) and JUnit (counts per testsuite, one testcase per
# check and host); labels; exit codes; malformed inputs name the file.
. "$(dirname "$0")/lib.sh"

SET=(--set 'protected=C:\Data')

# Three hosts: healthy (0), a planned fix (2), a manual problem (3).
lab "$T/lab-ok"
lab "$T/lab-fix" scratch-registry-mismatch
lab "$T/lab-man" scratch-sparse-file
mkdir "$T/r"
for h in ok fix man; do
  set +e
  "$MP" --root "$T/lab-$h" --dry-run cache "${SET[@]}" --format json >"$T/r/host-$h.json" 2>"$T/err"
  code=$?
  set -e
  case $h in ok) want=0 ;; fix) want=2 ;; man) want=3 ;; esac
  eq "input report host-$h: exit code" "$want" "$code"
done
R=("$T/r/host-ok.json" "$T/r/host-fix.json" "$T/r/host-man.json")
RT=$(readlink -f "$T")   # reports name their volume by its real path

# ---- text ----
run_mp report merge "${R[@]}"
eq "text: exit code is the fleet's (3)" 3 "$CODE"
contains "text: host count" "merged report of 3 hosts" "$OUT"
contains "text: a planned host named by hostname:root" "planned    $(hostname):$RT/lab-fix" "$OUT"
contains "text: the manual host" "manual     $(hostname):$RT/lab-man" "$OUT"
contains "text: counts per check" "pass 2, planned 1" "$OUT"
contains "text: exit line" "Exit code 3: problems remain that need manual action." "$OUT"

# ---- labels from file names ----
run_mp report merge --label file "${R[@]}"
contains "--label file: names from the files" "planned    host-fix: " "$OUT"
contains "--label file: manual" "manual     host-man: " "$OUT"

# ---- JSON: schema and cross-check against the inputs ----
run_mp report merge --format json --label file "${R[@]}"
eq "json: exit code" 3 "$CODE"
printf '%s\n' "$OUT" >"$T/merged.json"
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  if out=$(/usr/bin/python3 - "$SRC/schemas/merge.schema.json" "$T/merged.json" "${R[@]}" 2>&1 <<'EOF'
import json, os, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
inputs = [(os.path.basename(p)[:-5], json.load(open(p))) for p in sys.argv[3:]]
bad = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
def expect(what, want, got):
    if want != got:
        bad.append("%s: expected %r, got %r" % (what, want, got))
expect("hosts", [h for h, _ in inputs], [h["host"] for h in doc["hosts"]])
expect("host exit codes", [r["exit_code"] for _, r in inputs], [h["exit_code"] for h in doc["hosts"]])
expect("host roots", [r["target"]["root"] for _, r in inputs], [h["root"] for h in doc["hosts"]])
want = {}
for host, r in inputs:
    for pb in r["playbooks"]:
        for c in pb["checks"]:
            want.setdefault((pb["id"], c["id"]), []).append((host, c["status"]))
got = {}
for pb in doc["playbooks"]:
    for c in pb["checks"]:
        got[(pb["id"], c["id"])] = [(x["host"], x["status"]) for x in c["results"]]
        counts = {}
        for _, s in got[(pb["id"], c["id"])]:
            counts[s] = counts.get(s, 0) + 1
        expect("%s/%s counts" % (pb["id"], c["id"]), counts,
               {k: v for k, v in c["counts"].items() if v})
        expect("%s/%s hosts" % (pb["id"], c["id"]), len(c["results"]), c["hosts"])
expect("results per check and host", want, got)
tot = sum(len(v) for v in want.values())
expect("summary.results", tot, doc["summary"]["results"])
expect("summary.pass", sum(s == "pass" for v in want.values() for _, s in v), doc["summary"]["pass"])
print("%d checks, %d results" % (len(got), tot))
if bad:
    print("\n".join(bad))
    sys.exit(1)
EOF
  ); then pass "json: valid against merge.schema.json, matches the inputs ($out)"
  else fail "json: $out"; fi
else
  say "skip: /usr/bin/python3 has no jsonschema: merge.schema.json not checked"
fi
eq "json: which host planned" "host-fix" \
  "$(jq -r '.playbooks[0].checks[] | select(.id == "scratch-registry") | .results[] | select(.status == "planned") | .host' "$T/merged.json")"
eq "json: which host is manual" "host-man" \
  "$(jq -r '.playbooks[0].checks[] | select(.id == "scratch-attributes") | .results[] | select(.status == "manual") | .host' "$T/merged.json")"

# ---- JUnit ----
run_mp report merge --format junit --label file --output "$T/merged.xml" "${R[@]}"
eq "junit: exit code" 3 "$CODE"
eq "junit: --output leaves stdout empty" "" "$OUT"
check "junit: well-formed XML" xmllint --noout "$T/merged.xml"
if out=$(/usr/bin/python3 - "$T/merged.xml" "$T/merged.json" 2>&1 <<'EOF'
import json, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
doc = json.load(open(sys.argv[2]))
bad = []
def expect(what, want, got):
    if want != got:
        bad.append("%s: expected %r, got %r" % (what, want, got))
FAIL = {"fail", "planned", "manual", "fix-failed"}
expect("root", "testsuites", root.tag)
suites = root.findall("testsuite")
expect("one testsuite per playbook", [p["id"] for p in doc["playbooks"]], [s.get("name") for s in suites])
ntests = 0
for pb, s in zip(doc["playbooks"], suites):
    res = [(c["id"], r) for c in pb["checks"] for r in c["results"]]
    cases = s.findall("testcase")
    expect("%s: one testcase per check and host" % pb["id"], len(res), len(cases))
    expect("%s/@tests" % pb["id"], str(len(res)), s.get("tests"))
    expect("%s/@failures" % pb["id"], str(sum(r["status"] in FAIL for _, r in res)), s.get("failures"))
    expect("%s/@skipped" % pb["id"], str(sum(r["status"] in ("skipped", "waived") for _, r in res)), s.get("skipped"))
    for (cid, r), tc in zip(res, cases):
        expect("classname", "marsplay.%s.%s" % (pb["id"], cid), tc.get("classname"))
        expect("name", "%s @ %s" % (cid, r["host"]), tc.get("name"))
        f = tc.find("failure")
        if r["status"] in FAIL:
            if f is None:
                bad.append("%s: no <failure>" % tc.get("name"))
            else:
                expect("failure type", r["status"], f.get("type"))
                if "host: %s" % r["host"] not in (f.text or ""):
                    bad.append("%s: failure body lacks the host" % tc.get("name"))
        elif f is not None:
            bad.append("%s: unexpected <failure>" % tc.get("name"))
    ntests += len(res)
expect("testsuites/@tests", str(ntests), root.get("tests"))
expect("no skipped attribute on the root (junit-10.xsd)", None, root.get("skipped"))
print("%d testcases" % ntests)
if bad:
    print("\n".join(bad))
    sys.exit(1)
EOF
); then pass "junit: counts and names match the merge ($out)"; else fail "junit: $out"; fi

# ---- stdin, repeated hosts ----
set +e
OUT=$("$MP" report merge --format json - "${R[0]}" <"${R[0]}" 2>"$T/err")
CODE=$?
set -e
eq "stdin and a repeat: exit 0" 0 "$CODE"
eq "a repeated label gets #2" "$(hostname):$RT/lab-ok,$(hostname):$RT/lab-ok#2" "$(j '[.hosts[].host] | join(",")')"

# ---- a UTF-16 report with a BOM (Windows PowerShell 5.1's `>`) ----
iconv -f UTF-8 -t UTF-16 "${R[1]}" >"$T/r/utf16.json"
run_mp report merge --format json --label file "$T/r/utf16.json"
eq "UTF-16 report: read" "2 utf16" "$CODE $(j '.hosts[0].host')"

# ---- an error anywhere makes the fleet's code 1 ----
"$MP" --root "$T/lab-ok" --dry-run "$SRC/tests/playbooks/syntax_error.lua" --format json \
  >"$T/r/broken.json" 2>/dev/null || true
run_mp report merge "${R[@]}" "$T/r/broken.json"
eq "a playbook error on one host: exit 1" 1 "$CODE"
contains "text: the load error is shown" "load error on $(hostname):$RT/lab-ok#2" "$OUT"

# ---- bad input: a clear error naming the file, exit 1, nothing written ----
printf '{"tool": "marsplay", "schema_version": 1,\n "playbooks": [}\n' >"$T/r/trunc.json"
printf '{"hello": 1}\n' >"$T/r/other.json"
run_mp report merge --output "$T/none.txt" "${R[0]}" "$T/r/trunc.json"
eq "malformed JSON: exit 1" 1 "$CODE"
contains "malformed JSON: file and place named" "$T/r/trunc.json: not valid JSON: line 2, column 16: expected a value" "$ERR"
check "malformed JSON: no output file" test ! -e "$T/none.txt"
run_mp report merge "$T/r/other.json"
contains "not a report: file named" "$T/r/other.json: not a marsplay report" "$ERR"
eq "not a report: exit 1" 1 "$CODE"
printf '{"tool": "marsplay", "kind": "merge", "schema_version": 1, "hosts": [], "playbooks": [\n'\
'{"id": "p", "hosts": 1, "checks": [{"id": "c", "results": [{"host": "x", "status": "pass"}]}]}]}\n' >"$T/r/badmerge.json"
run_mp report merge "$T/r/badmerge.json"
contains "a merged report naming a host it lacks: refused" "$T/r/badmerge.json: playbooks[0].checks[0].results[0]: its host is not in hosts" "$ERR"
eq "a bad merged report: exit 1" 1 "$CODE"
run_mp report merge "$T/r/missing.json"
contains "missing file: named" "$T/r/missing.json: No such file or directory" "$ERR"
run_mp report merge
eq "no files: exit 1" 1 "$CODE"
contains "no files: says so" "no report given" "$ERR"
run_mp report merge --format yaml "${R[0]}"
contains "bad --format" "--format yaml: expected text, json or junit" "$ERR"
run_mp report merge --bogus "${R[0]}"
contains "unknown option" "--bogus: unknown option" "$ERR"
run_mp report frobnicate
eq "unknown report subcommand: exit 1" 1 "$CODE"
run_mp report merge --help
eq "merge --help: exit 0" 0 "$CODE"
contains "merge --help lists --label" "--label hostname|file" "$OUT"

# ---- merges compose: merge(merge(A, B), C) writes what merge(A, B, C) writes ----
# Generated reports: every status, waivers, playbook load errors, checks and
# playbooks seen on some hosts only, host names given twice (and one that
# looks like a renamed one, "web#2"), escapes and non-ASCII text.
mkdir "$T/g"
/usr/bin/python3 "$SRC/tests/sh/gen_reports.py" "$T/g"
G=("$T"/g/h[0-7].json)
nested() { # FORMAT LABEL: the seven reports merged in stages, three ways
  local f=$1 l=$2
  "$MP" report merge --format json --label "$l" "${G[0]}" "${G[1]}" "${G[2]}" >"$T/g/m012.json" || true
  "$MP" report merge --format json --label "$l" "${G[3]}" "${G[4]}" >"$T/g/m34.json" || true
  "$MP" report merge --format json --label "$l" "$T/g/m012.json" "${G[3]}" >"$T/g/m0123.json" || true
  set +e
  "$MP" report merge --format "$f" --label "$l" "$T/g/m012.json" "$T/g/m34.json" "${G[@]:5}" >"$T/g/n1.$f"
  echo $? >"$T/g/n1.code"
  "$MP" report merge --format "$f" --label "$l" "$T/g/m0123.json" "${G[@]:4}" >"$T/g/n2.$f"
  echo $? >"$T/g/n2.code"
  "$MP" report merge --format json --label "$l" "$T/g/m0123.json" "${G[4]}" "${G[5]}" >"$T/g/m012345.json"
  "$MP" report merge --format "$f" --label "$l" "$T/g/m012345.json" "${G[@]:6}" >"$T/g/n3.$f"
  echo $? >"$T/g/n3.code"
  # hosts renamed inside a merged report that comes after others of their name
  "$MP" report merge --format json --label "$l" "${G[@]:2}" >"$T/g/m2-7.json"
  "$MP" report merge --format "$f" --label "$l" "${G[0]}" "${G[1]}" "$T/g/m2-7.json" >"$T/g/n4.$f"
  echo $? >"$T/g/n4.code"
  set -e
}
for l in hostname file; do
  for f in text json junit; do
    run_mp report merge --format "$f" --label "$l" "${G[@]}"
    printf '%s\n' "$OUT" >"$T/g/flat.$f"
    eq "compose ($f, --label $l): the flat merge's exit code" 1 "$CODE"
    if [[ $f$l == jsonhostname ]]; then
      eq "compose: renamed hosts" "web,db:/mnt/vol 1,web#2,web#3,appé,db:/mnt/vol 1#2,unknown,web#2#2" \
        "$(jq -r '[.hosts[].host] | join(",")' "$T/g/flat.json")"
    fi
    nested "$f" "$l"
    for n in n1 n2 n3 n4; do
      eq "compose ($f, --label $l): $n exit code" 1 "$(cat "$T/g/$n.code")"
      check "compose ($f, --label $l): $n equals the flat merge" cmp "$T/g/flat.$f" "$T/g/$n.$f"
    done
  done
done
# merging one merged report writes it again, and the same host report twice is two hosts
run_mp report merge --format json "$T/g/flat.json"
printf '%s\n' "$OUT" >"$T/g/again.json"
check "compose: merge(M) = M" cmp "$T/g/flat.json" "$T/g/again.json"
run_mp report merge --format json "${G[0]}" "${G[0]}"
eq "compose: one report twice" "web,web#2" "$(j '[.hosts[].host] | join(",")')"
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  check "compose: the merged report of merged reports is valid against merge.schema.json" \
    /usr/bin/python3 -c 'import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' \
    "$SRC/schemas/merge.schema.json" "$T/g/n1.json"
fi

finish
