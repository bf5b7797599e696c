#!/usr/bin/env bash
# Dry-run is enforced, not requested: a malicious playbook tries to write,
# delete, rename and chmod through every marsplay.fix function, plain Lua
# io, lfs, os and load tricks, while detecting and inside fixes.  In
# --dry-run nothing on the lab changes (tree hash), every attempt is
# refused (status error, the refusal as reason) or merely planned
# (status planned, actions "planned"), and the log says so.  The kernel
# half (Landlock) is proven by tests/c/test_lockdown.c.
. "$(dirname "$0")/lib.sh"

PB="$SRC/tests/playbooks/malicious.lua"
lab "$T/lab"
before=$(tree_hash "$T/lab")
outside_before=$(find /tmp -maxdepth 1 -name 'marsplay-malicious*' | wc -l)

run_mp --root "$T/lab" "$PB" --dry-run --format json --log "$T/log.jsonl" --junit "$T/junit.xml"
eq "malicious dry-run: exit 1 (refused attempts are errors)" 1 "$CODE"
eq "malicious dry-run: the lab is unchanged" "$before" "$(tree_hash "$T/lab")"
eq "malicious dry-run: nothing written in /tmp" "$outside_before" "$(find /tmp -maxdepth 1 -name 'marsplay-malicious*' | wc -l)"
eq "no attempt escaped" "" "$(j '.playbooks[0].checks[] | select(((.message // "") + (.reason // "")) | test("ESCAPED")) | .id')"
eq "no action was performed" "" "$(j '.playbooks[0].checks[].actions[] | select(.state == "done" or .state == "failed") | .target')"
n=$(j '.playbooks[0].checks | length')
check "malicious: all $n checks reported" test "$n" -ge 90

# While detecting: every attempt is refused, the check is an error whose
# reason names the refusal.
eq "detect: every attempt ends as error" "" \
  "$(j '.playbooks[0].checks[] | select((.id | startswith("detect-")) and .status != "error") | .id + "=" + .status')"
eq "detect: the remediation API refuses outside fix" "" \
  "$(j '.playbooks[0].checks[] | select((.id | startswith("detect-fix-")) and ((.reason // "") | contains("may only be used in a check'"'"'s fix function") | not)) | .id')"
for m in w a r+ w+; do
  contains "detect: io.open mode $m refused" "mode '$m' refused" \
    "$(j --arg id "detect-io-open-$m" '.playbooks[0].checks[] | select(.id == $id) | .reason')"
done
reason() { j --arg id "$1" '.playbooks[0].checks[] | select(.id == $id) | .reason'; }
contains "detect: write through a read handle fails" "write refused" "$(reason detect-io-write-read-handle)"
contains "detect: binary chunks refused" "only text chunks" "$(reason detect-load-binary)"
contains "detect: binary chunks refused in mode bt" "binary chunk" "$(reason detect-load-binary-any-mode)"
contains "detect: load takes no reader function" "string expected" "$(reason detect-load-reader-function)"
contains "detect: load with an explicit env still sandboxed" "refused" "$(reason detect-load-explicit-env)"
contains "detect: marsplay.core is private" "private to the engine" "$(reason detect-require-core)"
contains "detect: module names cannot climb" "invalid name" "$(reason detect-require-path-trick)"
contains "detect: no finalizers" "__gc metamethods are not allowed" "$(reason detect-gc-finalizer)"
contains "detect: coroutines do not change the phase" "may only be used" "$(reason detect-coroutine-fix)"
for f in mkdir rmdir touch link setmode lock-dir; do
  contains "detect: lfs $f does not exist" "attempt to call a nil value" "$(reason "detect-lfs-$f")"
done
for f in os-remove os-rename os-execute os-tmpname io-popen io-output; do
  contains "detect: $f does not exist" "attempt to call a nil value" "$(reason "detect-$f")"
done

# Inside fixes: the remediation API only plans (also from a coroutine);
# everything else is refused.
API='(.id | startswith("fix-fix-")) or .id == "fix-coroutine-fix"'
fixapi=$(j "[.playbooks[0].checks[] | select($API)] | length")
check "fix: $fixapi remediation API attempts" test "$fixapi" -ge 13
eq "fix: every remediation API call was planned" "" \
  "$(j ".playbooks[0].checks[] | select(($API) and .status != \"planned\") | .id + \"=\" + .status + \" \" + (.reason // \"\")")"
eq "fix: their actions are planned (or skipped), never done" "" \
  "$(j ".playbooks[0].checks[] | select($API) | .actions[] | select(.state != \"planned\" and .state != \"skipped\") | .kind + \" \" + .state")"
eq "fix: each remediation call left an action" "" \
  "$(j ".playbooks[0].checks[] | select(($API) and (.actions | length) == 0) | .id")"
eq "fix: changing ctx.dry_run changes nothing" "planned" \
  "$(j '.playbooks[0].checks[] | select(.id == "fix-fix-after-ctx-change") | .actions[0].state')"
eq "fix: every other attempt is an error" "" \
  "$(j ".playbooks[0].checks[] | select((.id | startswith(\"fix-\")) and (($API) | not) and .status != \"error\") | .id + \"=\" + .status")"
eq "fix: the reason says planning failed" "" \
  "$(j '.playbooks[0].checks[] | select((.id | startswith("fix-")) and .status == "error" and ((.reason // "") | startswith("planning the fix failed") | not)) | .id')"

# The kernel sandbox is reported; Landlock where the kernel has it.
# Does this kernel offer Landlock?  Asked directly (landlock_create_ruleset
# with LANDLOCK_CREATE_RULESET_VERSION); valgrind passes the call on to no
# kernel, so under it marsplay must say "none".
kernel=$(j '.sandbox.kernel')
abi=$(/usr/bin/python3 -c 'import ctypes; print(ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1))')
if [ "$abi" -ge 1 ] && [ "${MARSPLAY_VALGRIND:-0}" != 1 ]; then
  eq "report.sandbox: Landlock enforced" landlock "$kernel"
  check "report.sandbox: ABI version" test "$(j '.sandbox.abi')" -ge 1
else
  eq "report.sandbox: no kernel sandbox, said so" none "$kernel"
  check "report.sandbox: notice why" test -n "$(j '.sandbox.notice')"
fi

# The log records plans, never performed actions.
check "log: plans recorded" grep -q '"event":"plan"' "$T/log.jsonl"
eq "log: no action performed" "" "$(grep '"event":"action"' "$T/log.jsonl" | grep -v '"state":"skipped"' || true)"
check "log: refusals recorded" grep -q 'may only be used in a check' "$T/log.jsonl"
check "junit: written" grep -q '<testsuite name="malicious"' "$T/junit.xml"

# Text report: the refusals are readable there too.
run_mp --root "$T/lab" "$PB" --dry-run --color never --only detect-fix-delete,fix-fix-delete
contains "text: refusal shown" "may only be used in a check's fix function" "$OUT"
eq "text run: lab unchanged" "$before" "$(tree_hash "$T/lab")"

# Verify may not change anything either (this runs fixes for real: the
# fix is empty, the verify tries to write).
run_mp --root "$T/lab" "$PB" --format json --only verify-writes
eq "verify: the write is refused" fix-failed "$(status_of malicious verify-writes)"
contains "verify: says why" "may only be used" "$(reason verify-writes)"
eq "verify: lab unchanged" "$before" "$(tree_hash "$T/lab")"

# Control: the same lab is writable by a real fix when applied, so the
# hashes above could have changed.
cat >"$T/control.lua" <<'EOF'
local mp = require "marsplay"
return mp.playbook { id = "control", checks = { mp.check { id = "write",
  detect = function() return mp.finding { message = "x" } end,
  fix = function() mp.fix.write([[C:\control.txt]], "written") end,
  verify = function() return mp.pass() end } } }
EOF
run_mp --root "$T/lab" "$T/control.lua" --format json
eq "control: apply writes" fixed "$(status_of control write)"
check "control: the hash sees it" test "$before" != "$(tree_hash "$T/lab")"

finish
