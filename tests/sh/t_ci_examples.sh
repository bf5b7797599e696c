#!/usr/bin/env bash
# t_ci_examples.sh - the CI examples (examples/ci/) stay true: both YAML
# files parse, have the expected shape, call marsplay only with options
# its --help lists, and their Linux (bash) steps really work: the run
# step against a lab, the exit-code policy for every code, the fleet
# merge.  The Windows steps (cmd, PowerShell) are only option-checked.
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
  echo "skip: /usr/bin/python3 has no yaml module (Debian: python3-yaml)"
  exit 77
fi
. "$(dirname "$0")/lib.sh"

GH="$SRC/examples/ci/github-actions.yml"
AZ="$SRC/examples/ci/azure-pipelines.yml"
PY=(/usr/bin/python3 "$SRC/tests/sh/ci_examples.py")

"$MP" --help >"$T/help-run"
"$MP" report merge --help >"$T/help-merge"
"$MP" lab --help >"$T/help-lab"
if out=$("${PY[@]}" check "$T/help-run" "$T/help-merge" "$T/help-lab" "$GH" "$AZ" 2>&1); then
  pass "both YAML files parse, have the expected shape, use known options (${out##*$'\n'})"
else
  fail "CI examples: $out"
fi

# The checker must catch an unknown option (it can fail).
sed 's/--dry-run --format json/--dry-run --frobnicate --format json/' "$GH" >"$T/bad.yml"
if out=$("${PY[@]}" check "$T/help-run" "$T/help-merge" "$T/help-lab" "$T/bad.yml" 2>&1); then
  fail "an unknown option went unnoticed"
else
  contains "an unknown option is caught" "--frobnicate is not an option of marsplay" "$out"
fi

# ---- the real-Windows jobs (windows-latest; not run by this project's CI) ----
LIVE=("$SRC/examples/ci/windows-live-github.yml" "$SRC/examples/ci/windows-live-azure.yml")
RUNSH="$SRC/tests/win/run.sh"
if out=$("${PY[@]}" check-live "$RUNSH" "$T/help-run" "${LIVE[@]}" 2>&1); then
  pass "real-Windows jobs: parse, windows-latest, build what tests/win/run.sh builds (${out##*$'\n'})"
else
  fail "real-Windows jobs: $out"
fi
# The checker can fail: a source left out of the build, an unknown option.
sed 's|"runtime/platform/live_common.c", ||' "${LIVE[0]}" >"$T/bad-live.yml"
if out=$("${PY[@]}" check-live "$RUNSH" "$T/help-run" "$T/bad-live.yml" 2>&1); then
  fail "a source missing from the real-Windows build went unnoticed"
else
  contains "a source missing from the real-Windows build is caught" "differ from tests/win/run.sh" "$out"
fi
sed 's/--dry-run --format json/--dry-run --frobnicate --format json/' "${LIVE[1]}" >"$T/bad-live.yml"
if out=$("${PY[@]}" check-live "$RUNSH" "$T/help-run" "$T/bad-live.yml" 2>&1); then
  fail "an unknown option in the real-Windows harness went unnoticed"
else
  contains "an unknown option in the real-Windows harness is caught" "--frobnicate is not an option" "$out"
fi

# marsplay on the PATH as the agents have it.
mkdir -p "$T/bin"
ln -s "$(readlink -f "$MP")" "$T/bin/marsplay"
export PATH="$T/bin:$PATH"

lab "$T/lab-ok"
lab "$T/lab-fix" scratch-registry-mismatch

# step FILE JOB STEP: the step's script in $T/step.sh and the variables
# of its workflow and job exported.
step() {
  local vars line
  vars=$("${PY[@]}" extract "$1" "$2" "$3" "$T/step.sh")
  while IFS= read -r line; do
    [ -n "$line" ] && export "${line?}"
  done <<<"$vars"
}

# GitHub runs bash steps as `bash --noprofile --norc -eo pipefail`,
# Azure as `bash --noprofile --norc`.
run_step() {
  local flags=$1 dir=$2
  shift 2
  set +e
  OUT=$(cd "$dir" && env "$@" bash --noprofile --norc $flags "$T/step.sh" 2>&1)
  CODE=$?
  set -e
}

# ---- the run steps against a lab with a fixable fault ----
mkdir -p "$T/gh/run"
step "$GH" rescue run
eq "github: the rescue job runs the cache playbook" cache "$MARSPLAY_PLAYBOOKS"
: >"$T/gh/output"
run_step "-eo pipefail" "$T/gh/run" MARSPLAY_ROOT="$T/lab-fix" GITHUB_OUTPUT="$T/gh/output"
eq "github run step: succeeds whatever marsplay says" 0 "$CODE"
eq "github run step: passes marsplay's exit code on" "code=2" "$(cat "$T/gh/output")"
eq "github run step: JSON report written" 2 "$(jq .exit_code "$T/gh/run/marsplay-report.json")"
check "github run step: JUnit written" xmllint --noout "$T/gh/run/marsplay-junit.xml"
check "github run step: log written" test -s "$T/gh/run/marsplay-log.jsonl"

mkdir -p "$T/az/out" "$T/az/cwd"
step "$AZ" rescue run
run_step "" "$T/az/cwd" MARSPLAY_ROOT="$T/lab-ok" OUT="$T/az/out"
eq "azure run step: succeeds" 0 "$CODE"
contains "azure run step: sets marsplayCode" "##vso[task.setvariable variable=marsplayCode]0" "$OUT"
eq "azure run step: JSON report written" 0 "$(jq .exit_code "$T/az/out/marsplay-report.json")"
check "azure run step: JUnit written" xmllint --noout "$T/az/out/marsplay-junit.xml"

# ---- the exit-code policy: 0 passes; 2 and 3 warn unless listed; the rest fail ----
# code | MARSPLAY_FAIL_CODES | job exit | warns
POLICY=(
  "0|3|0|no" "0|2 3|0|no"
  "2|3|0|yes" "2|2 3|1|no" "2|2,3|1|no" "2||0|yes"
  "3|3|1|no" "3|2|0|yes" "3||0|yes"
  "1||1|no" "1|2 3|1|no" "4||1|no" "4|3|1|no"
  "127|3|1|no" "|3|1|no"
)
for f in "$GH" "$AZ"; do
  name=$(basename "$f" .yml)
  step "$f" rescue policy
  flags=""
  [ "$f" = "$GH" ] && flags="-eo pipefail"
  for c in "${POLICY[@]}"; do
    IFS='|' read -r code listed want warns <<<"$c"
    run_step "$flags" "$T" MARSPLAY_CODE="$code" MARSPLAY_FAIL_CODES="$listed"
    eq "$name policy: code [$code], fail codes [$listed] -> job exit" "$want" "$CODE"
    case "$OUT" in *warning*) w=yes ;; *) w=no ;; esac
    eq "$name policy: code [$code], fail codes [$listed] -> warning" "$warns" "$w"
  done
done
step "$AZ" rescue policy
run_step "" "$T" MARSPLAY_CODE=2 MARSPLAY_FAIL_CODES=3
contains "azure policy: a warning marks the job SucceededWithIssues" \
  "##vso[task.complete result=SucceededWithIssues;]" "$OUT"

# ---- the fleet merge steps ----
mkdir -p "$T/gh/fleet/reports/marsplay-windows" "$T/gh/fleet/reports/marsplay-rescue"
"$MP" --root "$T/lab-ok" --dry-run cache --format json \
  >"$T/gh/fleet/reports/marsplay-windows/marsplay-report.json" || true
cp "$T/gh/run/marsplay-report.json" "$T/gh/fleet/reports/marsplay-rescue/"
step "$GH" fleet merge
: >"$T/gh/output"
: >"$T/gh/summary"
run_step "-eo pipefail" "$T/gh/fleet" GITHUB_OUTPUT="$T/gh/output" GITHUB_STEP_SUMMARY="$T/gh/summary"
eq "github fleet step: succeeds" 0 "$CODE"
eq "github fleet step: the fleet's code" "code=2" "$(cat "$T/gh/output")"
eq "github fleet step: fleet.json has both hosts" 2 "$(jq '.summary.hosts' "$T/gh/fleet/fleet.json")"
check "github fleet step: JUnit" xmllint --noout "$T/gh/fleet/fleet-junit.xml"
contains "github fleet step: summary on the run's page" "merged report of 2 hosts" "$(cat "$T/gh/summary")"

step "$AZ" fleet merge
mkdir -p "$T/az/fleet-out"
run_step "" "$T" REPORTS="$T/gh/fleet/reports" OUT="$T/az/fleet-out"
eq "azure fleet step: succeeds" 0 "$CODE"
contains "azure fleet step: prints the summary" "Exit code 2:" "$OUT"
eq "azure fleet step: fleet.json has both hosts" 2 "$(jq '.summary.hosts' "$T/az/fleet-out/fleet.json")"
check "azure fleet step: JUnit" xmllint --noout "$T/az/fleet-out/fleet-junit.xml"

finish
