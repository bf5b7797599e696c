#!/bin/bash
# The task checks live, through Task Scheduler's COM interface
# (platform/win32/live_task.c), under Wine: a lab with the task disabled
# and its MultipleInstancesPolicy Parallel is seeded (tests/win/lib_live.sh)
# and the lab's task registered through COM (seed_live.exe task:
# RegisterTask); then the live dry-run plans a registration whose action
# keeps the original definition, changes nothing, and the live apply
# registers the corrected definition and reads it back through COM.
#
# What Wine's Task Scheduler (8.0) does, and so what this shows: it keeps
# a definition re-serialised without its triggers, principal and action
# contents (get_Xml), has no GetTasks count, GetInstances or
# LastTaskResult (E_NOTIMPL), put_Enabled changes nothing, and a
# MultipleInstancesPolicy of Parallel becomes IgnoreNew.  Settings/Enabled
# survives, so detection, plan, fix and read-back of task-enabled are real
# here; the trigger and instance-policy fixes are not Wine-representable
# (real-Windows job).  The lost triggers and principal are why
# task-triggers-enabled and task-account differ from offline under Wine
# (tests/win/live-wine-differs.txt).
set -u
. "$(dirname "$0")/lib_live.sh"

TASK='\Microsoft\OnlineBackup\Microsoft-OnlineBackup'
FILE="$WINEPREFIX/drive_c/windows/system32/tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup"
# task REPORT PLAYBOOK CHECK FIELD: a field of that check's first action
act() {
  jq -r --arg p "$2" --arg c "$3" --arg f "$4" \
    '.playbooks[] | select(.id == $p) | .checks[] | select(.id == $c) | .actions[0][$f] // "none"' "$1"
}
ONLY=(--only task-files,task-enabled,task-instances)
S=backups-dont-run-on-schedule
J=job-could-not-be-started

if seed tasks --fault task-disabled --fault task-multiple-instances; then
  # The lab's task file as copied (lab2wine): its trigger is enabled and
  # its policy Parallel, but Task Scheduler's reading of it (Wine's keeps
  # no trigger, and holds IgnoreNew) is what the live checks go by.
  live "$S" "$J" --only task-files,task-triggers-enabled,task-instances --dry-run >"$T/copied.json"
  eq "task-triggers-enabled: read from Task Scheduler, not the file (Wine's has no trigger)" manual \
    "$(st "$T/copied.json" "$S/task-triggers-enabled")"
  eq "task-instances: read from Task Scheduler, not the file (Wine's holds IgnoreNew)" pass \
    "$(st "$T/copied.json" "$J/task-instances")"
  # register the lab's task through Task Scheduler (not a file copy)
  "$WINE" "$BIN/seed_live.exe" task "$TASK" \
    "$(win "$T/tasks/Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup")" ||
    fail "tasks: RegisterTask of the lab's task"
  contains "the task file is Task Scheduler's own (Wine writes it)" "created by Wine" "$(head -c 200 "$FILE")"

  before=$(hash_c)
  live "$S" "$J" "${ONLY[@]}" --dry-run >"$T/dry.json"
  eq "dry-run: changes nothing in drive_c" "$before" "$(hash_c)"
  eq "task-enabled: detected live" planned "$(st "$T/dry.json" "$S/task-enabled")"
  eq "task-enabled: the plan is a Task Scheduler registration" task "$(act "$T/dry.json" "$S" task-enabled kind)"
  eq "task-enabled: its target is the task" "task $TASK" "$(act "$T/dry.json" "$S" task-enabled target)"
  contains "task-enabled: the plan keeps the original definition (disabled)" \
    '<Enabled>false</Enabled>' "$(act "$T/dry.json" "$S" task-enabled before)"
  contains "task-enabled: the plan's new definition is enabled" \
    '<Enabled>true</Enabled>' "$(act "$T/dry.json" "$S" task-enabled after)"
  check "dry-run: the evidence says Task Scheduler (COM)" \
    jq -e '[.playbooks[].checks[] | select(.id == "task-enabled") | .evidence.source] == ["Task Scheduler (COM)"]' \
    "$T/dry.json" >/dev/null

  live "$S" "${ONLY[@]/,task-instances/}" >"$T/fix.json"
  eq "task-enabled: fixed live" fixed "$(st "$T/fix.json" "$S/task-enabled")"
  eq "task-enabled: read back through COM" "read back: enabled, state ready" \
    "$(act "$T/fix.json" "$S" task-enabled detail)"
  contains "task-enabled: the done action still holds the original" \
    '<Enabled>false</Enabled>' "$(act "$T/fix.json" "$S" task-enabled before)"
  check "no corrected file is written live" \
    test ! -e "$FILE.corrected.xml"
  got=$("$MP" eval "local t = assert(require('marsplay').sys.task([[$TASK]])); return { t.enabled, t.xml:match('<Settings>.-<Enabled>(%a+)') }")
  eq "Task Scheduler reports the task enabled (sys.task: get_Enabled, get_Xml)" '[true,"true"]' "$(tr -d ' \n' <<<"$got")"
  live "$S" "$J" "${ONLY[@]}" --dry-run >"$T/after.json"
  eq "task-enabled: passes after the live fix" pass "$(st "$T/after.json" "$S/task-enabled")"
fi
[ "$_fails" -eq 0 ] || exit 1
