#!/usr/bin/env bash
# The scheduled-task and PowerShell playbooks end to end
# (backups-dont-run-on-schedule, job-could-not-be-started): for every
# fault of lab/tasks.lua, a lab with that fault -> dry-run reports exactly
# that check with its evidence and plan (or manual), the exit code, and
# the lab is unchanged; apply -> fixed and verified, the task file is
# still UTF-16 LE with a BOM, well-formed and byte-identical to the
# healthy one; a second apply changes nothing.  Then the schema defaults
# (absent elements), a UTF-8 task file, several tasks in the folder, the
# Windows Server Backup schedule without conflict, the execution policy
# default by Windows version, and live Linux.
. "$(dirname "$0")/lib.sh"

SCHED="$SRC/playbooks/backups-dont-run-on-schedule.lua"
JOB="$SRC/playbooks/job-could-not-be-started.lua"
TASK="Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup"
SSB="Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup-SystemStateBackup"
WSB="Windows/System32/Tasks/Microsoft/Windows/Backup/Microsoft-Windows-WindowsBackup"
TASKW='C:\\Windows\\System32\\Tasks\\Microsoft\\OnlineBackup'
SHELLK='HKLM\\SOFTWARE\\Microsoft\\PowerShell\\1\\ShellIds\\Microsoft.PowerShell'
ENVK='HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment'
MODS='C:\\Program Files\\Microsoft Azure Recovery Services Agent\\bin\\Modules'
DEFPATH='%ProgramFiles%\\WindowsPowerShell\\Modules;%SystemRoot%\\system32\\WindowsPowerShell\\v1.0\\Modules'

pb_file() { case "$1" in job-could-not-be-started) echo "$JOB" ;; *) echo "$SCHED" ;; esac; }

# Facts about check ID of the (only) playbook in $OUT.
ev_of() { printf '%s' "$OUT" | jq -S -c --arg id "$1" '.playbooks[0].checks[] | select(.id == $id) | .evidence'; }
plan_of() {
  printf '%s' "$OUT" | jq -c --arg id "$1" \
    '[.playbooks[0].checks[] | select(.id == $id) | .actions[] | {kind, target, state}]'
}
field_of() { printf '%s' "$OUT" | jq -r --arg id "$1" --arg f "$2" '.playbooks[0].checks[] | select(.id == $id) | .[$f]'; }
# "id=status ..." of the checks that did not pass
not_passing() { j '[.playbooks[0].checks[] | select(.status != "pass") | .id + "=" + .status] | join(" ")'; }

# A task file as Windows writes it: BOM FF FE, UTF-16 LE, well-formed.
utf16_task_ok() {
  local f=$1
  [ "$(head -c 2 "$f" | od -An -tx1 | tr -d ' \n')" = fffe ] || { say "no UTF-16 LE BOM: $f" >&2; return 1; }
  xmllint --noout "$f" || return 1
  iconv -f UTF-16 -t UTF-8 "$f" | sed '1s/encoding="UTF-16"/encoding="UTF-8"/' | xmllint --noout - || return 1
}

# UTF-16 task <-> UTF-8 text, for editing files in tests.
to_utf8() { iconv -f UTF-16 -t UTF-8 "$1"; }
write_utf16() { { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE; } > "$1"; }

# Merge a .reg text (stdin) into a hive of the lab (HKLM\SOFTWARE or SYSTEM).
reg_merge() {
  local dir=$1 hive=$2
  hivexregedit --merge --prefix "HKEY_LOCAL_MACHINE\\$hive" "$dir/Windows/System32/config/$hive" /dev/stdin
}

lab "$T/healthy"
HEALTHY_TASK="$T/healthy/$TASK"
check "healthy lab: the task file is UTF-16 LE task XML" utf16_task_ok "$HEALTHY_TASK"

# healthy lab: every check passes, exit 0, apply changes nothing
before=$(tree_hash "$T/healthy")
for pb in "$SCHED" "$JOB"; do
  run_mp --root "$T/healthy" "$pb" --format json
  eq "healthy lab: $(basename "$pb") exit 0" 0 "$CODE"
  eq "healthy lab: $(basename "$pb") every check passes" "" "$(not_passing)"
done
run_mp --root "$T/healthy" "$SCHED" "$JOB"
eq "healthy lab: apply exit 0" 0 "$CODE"
eq "healthy lab: apply changes nothing" "$before" "$(tree_hash "$T/healthy")"

# fault | playbook | check | dry status | dry exit | not passing (dry) | evidence | planned actions | apply status | apply exit
WRITE_TASK='[{"kind":"write","target":"'"$TASKW"'\\Microsoft-OnlineBackup.corrected.xml","state":"planned"}]'
CORR='"corrected":["'"$TASKW"'\\Microsoft-OnlineBackup.corrected.xml"]'
IMPORT='"import":["schtasks /Create /TN \"\\Microsoft\\OnlineBackup\\Microsoft-OnlineBackup\" /XML \"'"$TASKW"'\\Microsoft-OnlineBackup.corrected.xml\" /F"]'
CASES=(
  "task-trigger-disabled|backups-dont-run-on-schedule|task-triggers-enabled|manual|3|task-triggers-enabled=manual|"'{'"$CORR"',"disabled":["Microsoft-OnlineBackup: CalendarTrigger 1"],"enabled_triggers":0,'"$IMPORT"',"tasks":["Microsoft-OnlineBackup"]}'"|$WRITE_TASK|manual|3"
  "task-disabled|backups-dont-run-on-schedule|task-enabled|manual|3|task-enabled=manual|"'{'"$CORR"',"disabled":["Microsoft-OnlineBackup"],'"$IMPORT"',"tasks":["Microsoft-OnlineBackup"]}'"|$WRITE_TASK|manual|3"
  "task-wrong-principal|backups-dont-run-on-schedule|task-account|manual|3|task-account=manual|"'{"tasks":["Microsoft-OnlineBackup"],"wrong":["Microsoft-OnlineBackup: UserId S-1-5-21-3623811015-3361044348-30300820-1013 (LogonType Password)"]}'"|[]|manual|3"
  "task-multiple-instances|job-could-not-be-started|task-instances|manual|3|task-instances=manual|"'{'"$CORR"','"$IMPORT"',"policy":["Microsoft-OnlineBackup: Parallel"],"tasks":["Microsoft-OnlineBackup"]}'"|$WRITE_TASK|manual|3"
  "task-missing|backups-dont-run-on-schedule|task-files|manual|3|task-files=manual task-triggers-enabled=skipped task-enabled=skipped task-account=skipped|"'{"folder":"'"$TASKW"'","found":0}'"|[]|manual|3"
  "task-missing|job-could-not-be-started|task-files|manual|3|task-files=manual task-instances=skipped|"'{"folder":"'"$TASKW"'","found":0}'"|[]|manual|3"
  "wsb-schedule-conflict|backups-dont-run-on-schedule|wsb-schedule|manual|3|wsb-schedule=manual|"'{"conflicts":["Microsoft-OnlineBackup: CalendarTrigger Mon,Tue,Wed,Thu,Fri 21:00"],"gap_minutes":0,"mars_schedule":["Microsoft-OnlineBackup: CalendarTrigger Mon,Tue,Wed,Thu,Fri 21:00"],"window_minutes":120,"wsb_schedule":["CalendarTrigger every day 21:00"],"wsb_task":"C:\\Windows\\System32\\Tasks\\Microsoft\\Windows\\Backup\\Microsoft-Windows-WindowsBackup"}'"|[]|manual|3"
  "powershell-old|backups-dont-run-on-schedule|powershell-version|manual|3|powershell-version=manual|"'{"key":"HKLM\\SOFTWARE\\Microsoft\\PowerShell\\1\\PowerShellEngine","minimum":"3.0","version":"2.0"}'"|[]|manual|3"
  "psmodulepath-missing|backups-dont-run-on-schedule|psmodulepath|planned|2|psmodulepath=planned|"'{"expected":"'"$MODS"'","key":"'"$ENVK"'","new_value":"'"$DEFPATH;$MODS"'","type":"REG_EXPAND_SZ","value":"'"$DEFPATH"'"}'"|"'[{"kind":"set-value","target":"'"$ENVK"'\\PSModulePath","state":"planned"}]'"|fixed|0"
  "execution-policy-restricted|backups-dont-run-on-schedule|execution-policy|planned|2|execution-policy=planned|"'{"key":"'"$SHELLK"'","local_machine":"Restricted","new_policy":"RemoteSigned"}'"|"'[{"kind":"set-value","target":"'"$SHELLK"'\\ExecutionPolicy","state":"planned"}]'"|fixed|0"
  "execution-policy-gpo-disabled|backups-dont-run-on-schedule|execution-policy|manual|3|execution-policy=manual|"'{"group_policy":"EnableScripts=0","group_policy_key":"HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell","key":"'"$SHELLK"'"}'"|[]|manual|3"
  "msonlinebackup-module-missing|backups-dont-run-on-schedule|msonlinebackup-module|manual|3|msonlinebackup-module=manual|"'{"files":["MSOnlineBackup.psd1","MSOnlineBackup.psm1"],"missing":["MSOnlineBackup.psm1"],"module":"'"$MODS"'\\MSOnlineBackup","modules":"'"$MODS"'"}'"|[]|manual|3"
  "msonlinebackup-module-corrupt|backups-dont-run-on-schedule|msonlinebackup-module|manual|3|msonlinebackup-module=manual|"'{"corrupt":["MSOnlineBackup.psm1: empty (0 bytes)"],"files":["MSOnlineBackup.psd1","MSOnlineBackup.psm1"],"module":"'"$MODS"'\\MSOnlineBackup","modules":"'"$MODS"'"}'"|[]|manual|3"
)

n=0
for c in "${CASES[@]}"; do
  IFS='|' read -r fault pbid check dstatus dcode dnot evidence plan astatus acode <<<"$c"
  n=$((n + 1))
  dir="$T/lab$n"
  lab "$dir" "$fault"
  pb=$(pb_file "$pbid")
  args=(--root "$dir" "$pb" --format json)
  before=$(tree_hash "$dir")
  if [ -f "$dir/$TASK" ]; then cp "$dir/$TASK" "$T/orig$n"; fi
  run_mp "${args[@]}" --dry-run
  eq "$fault: dry-run exit code" "$dcode" "$CODE"
  eq "$fault: dry-run $check status" "$dstatus" "$(status_of "$pbid" "$check")"
  eq "$fault: only $check is reported" "$dnot" "$(not_passing)"
  eq "$fault: evidence" "$evidence" "$(ev_of "$check")"
  eq "$fault: planned actions" "$plan" "$(plan_of "$check")"
  msg=$(field_of "$check" message)
  check "$fault: message says what is wrong ($msg)" test -n "$msg" -a "$msg" != null
  recs=$(printf '%s' "$OUT" | jq -r --arg id "$check" '.playbooks[0].checks[] | select(.id == $id) | .recommendations[]')
  check "$fault: recommendations given" test -n "$recs"
  if [ "$pbid" = backups-dont-run-on-schedule ]; then
    contains "$fault: the guide's restart tip is recommended" "Restart the server after these changes" "$recs"
  fi
  eq "$fault: dry-run changed nothing" "$before" "$(tree_hash "$dir")"

  run_mp "${args[@]}"
  eq "$fault: apply exit code" "$acode" "$CODE"
  eq "$fault: apply $check status" "$astatus" "$(status_of "$pbid" "$check")"
  if [ "$astatus" = fixed ]; then
    eq "$fault: verified" true "$(field_of "$check" verified)"
    eq "$fault: apply leaves every check passing or fixed" "$check=fixed" "$(not_passing)"
  elif [ "$plan" = "$WRITE_TASK" ]; then
    # Task Scheduler runs its registered copy: the task file is never
    # edited; the corrected definition is written beside it.
    eq "$fault: apply wrote the corrected file" done "$(printf '%s' "$OUT" | jq -r --arg id "$check" '.playbooks[0].checks[] | select(.id == $id) | .actions[0].state')"
    check "$fault: the task file is left as it was" cmp -s "$T/orig$n" "$dir/$TASK"
    check "$fault: the corrected file is UTF-16 LE task XML" utf16_task_ok "$dir/$TASK.corrected.xml"
    check "$fault: the corrected file is byte-identical to the healthy task" cmp -s "$HEALTHY_TASK" "$dir/$TASK.corrected.xml"
    contains "$fault: the import command is recommended" 'schtasks /Create /TN "\Microsoft\OnlineBackup\Microsoft-OnlineBackup" /XML' "$recs"
    contains "$fault: the Task Scheduler import is recommended" "Import Task" "$recs"
  else
    eq "$fault: apply changed nothing" "$before" "$(tree_hash "$dir")"
  fi
  if [ -f "$dir/$TASK" ]; then
    check "$fault: the task file is still UTF-16 LE task XML" utf16_task_ok "$dir/$TASK"
  fi
  if [ "$astatus" = fixed ] && [ "$plan" = "$WRITE_TASK" ]; then
    check "$fault: the fixed task file is byte-identical to the healthy one" cmp -s "$HEALTHY_TASK" "$dir/$TASK"
  fi
  after1=$(tree_hash "$dir")
  run_mp "${args[@]}"
  eq "$fault: second apply changes nothing" "$after1" "$(tree_hash "$dir")"
  if [ "$astatus" = fixed ]; then
    eq "$fault: second apply passes" pass "$(status_of "$pbid" "$check")"
    eq "$fault: second apply exit 0" 0 "$CODE"
  else
    eq "$fault: second apply still $astatus" "$astatus" "$(status_of "$pbid" "$check")"
  fi
done

# Registry fixes: the values and their types.
run_mp eval --root "$T/lab9" 'local r = require "marsplay.reg"
  local v, t = r.get([[HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment]], "PSModulePath")
  return { v, t }'
eq "psmodulepath fix: value appended, type kept" \
   '%ProgramFiles%\WindowsPowerShell\Modules;%SystemRoot%\system32\WindowsPowerShell\v1.0\Modules;C:\Program Files\Microsoft Azure Recovery Services Agent\bin\Modules|REG_EXPAND_SZ' \
   "$(j '.[0] + "|" + .[1]')"
run_mp eval --root "$T/lab10" 'local r = require "marsplay.reg"
  local v, t = r.get([[HKLM\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell]], "ExecutionPolicy")
  return { v, t }'
eq "execution policy fix: RemoteSigned (REG_SZ)" 'RemoteSigned|REG_SZ' "$(j '.[0] + "|" + .[1]')"

# Several faults in one task file: each check edits only its element.
lab "$T/many" task-trigger-disabled task-disabled task-multiple-instances execution-policy-restricted
cp "$T/many/$TASK" "$T/many-orig"
run_mp --root "$T/many" "$SCHED" "$JOB" --format json
eq "many faults: exit 3" 3 "$CODE"
eq "many faults: the registry fix done, the task ones manual" "task-triggers-enabled=manual task-enabled=manual execution-policy=fixed|task-instances=manual" \
   "$(j '[.playbooks[] | [.checks[] | select(.status != "pass") | .id + "=" + .status] | join(" ")] | join("|")')"
check "many faults: the task file is not edited" cmp -s "$T/many-orig" "$T/many/$TASK"
check "many faults: one corrected file with every correction (the healthy bytes)" cmp -s "$HEALTHY_TASK" "$T/many/$TASK.corrected.xml"
eq "many faults: one file written, the others already as desired" "done skipped skipped" \
   "$(j '[.playbooks[].checks[] | select(.id | test("^task-")) | .actions[].state] | join(" ")')"
check "conflicting faults are refused" bash -c "! '$MP' lab '$T/conflict' --fault task-missing --fault task-disabled 2>/dev/null"

# A truncated task file: reported by both playbooks, nothing else judged.
lab "$T/corrupt" task-xml-corrupt
check "task-xml-corrupt: still a UTF-16 LE file" test "$(head -c 2 "$T/corrupt/$TASK" | od -An -tx1 | tr -d ' \n')" = fffe
check "task-xml-corrupt: not well-formed" bash -c "! xmllint --noout '$T/corrupt/$TASK' 2>/dev/null"
before=$(tree_hash "$T/corrupt")
for pbid in backups-dont-run-on-schedule job-could-not-be-started; do
  run_mp --root "$T/corrupt" "$(pb_file "$pbid")" --format json
  eq "task-xml-corrupt ($pbid): exit 3" 3 "$CODE"
  eq "task-xml-corrupt ($pbid): task-files manual" manual "$(status_of "$pbid" task-files)"
  eq "task-xml-corrupt ($pbid): folder in the evidence" "$TASKW" "$(ev_of task-files | jq -r .folder | sed 's/\\/\\\\/g')"
  un=$(ev_of task-files | jq -r '.unreadable | length, .[0]')
  contains "task-xml-corrupt ($pbid): the file and the parse error are named" "Microsoft-OnlineBackup: line " "$un"
  check "task-xml-corrupt ($pbid): nothing pretends to pass" test -z "$(j '.playbooks[0].checks[] | select(.id | test("^task-(triggers|enabled|account|instances)")) | select(.status != "skipped") | .id')"
done
eq "task-xml-corrupt: nothing changed" "$before" "$(tree_hash "$T/corrupt")"

# Schema defaults: a trigger without <Enabled> is enabled; without
# <MultipleInstancesPolicy> the policy is IgnoreNew.
lab "$T/defaults"
to_utf8 "$T/defaults/$TASK" | grep -v -e '^      <Enabled>true</Enabled>' -e '<MultipleInstancesPolicy>' \
  | write_utf16 "$T/defaults/$TASK.new"
mv "$T/defaults/$TASK.new" "$T/defaults/$TASK"
check "defaults: edited task is well-formed" utf16_task_ok "$T/defaults/$TASK"
check "defaults: no trigger Enabled left" test "$(to_utf8 "$T/defaults/$TASK" | grep -c '<Enabled>')" = 1
run_mp --root "$T/defaults" "$SCHED" --format json --dry-run
eq "defaults: trigger without Enabled passes" pass "$(status_of backups-dont-run-on-schedule task-triggers-enabled)"
eq "defaults: one enabled trigger counted" 1 "$(ev_of task-triggers-enabled | jq -r .enabled_triggers)"
run_mp --root "$T/defaults" "$JOB" --format json --dry-run
eq "defaults: no MultipleInstancesPolicy passes (IgnoreNew)" pass "$(status_of job-could-not-be-started task-instances)"
eq "defaults: the defaulted task is named" '["Microsoft-OnlineBackup"]' "$(ev_of task-instances | jq -c .defaulted)"

# A UTF-8 task file is accepted and stays UTF-8; every task in the
# folder is checked and fixed (a second task, SystemStateBackup).
lab "$T/utf8" task-multiple-instances
to_utf8 "$T/utf8/$TASK" | sed '1s/encoding="UTF-16"/encoding="UTF-8"/' >"$T/utf8/$TASK.new"
mv "$T/utf8/$TASK.new" "$T/utf8/$TASK"
to_utf8 "$T/healthy/$TASK" | sed 's/IgnoreNew/Queue/' | write_utf16 "$T/utf8/$SSB"
run_mp --root "$T/utf8" "$JOB" --format json --dry-run
eq "utf-8 + two tasks: manual" manual "$(status_of job-could-not-be-started task-instances)"
eq "utf-8 + two tasks: both named" \
   '["Microsoft-OnlineBackup: Parallel","Microsoft-OnlineBackup-SystemStateBackup: Queue"]|["Microsoft-OnlineBackup","Microsoft-OnlineBackup-SystemStateBackup"]|2' \
   "$(ev_of task-instances | jq -c '.policy, .tasks, (.corrected | length)' | paste -sd '|')"
eq "utf-8 + two tasks: two writes planned" 2 "$(plan_of task-instances | jq length)"
run_mp --root "$T/utf8" "$JOB" --format json
eq "utf-8 + two tasks: manual" manual "$(status_of job-could-not-be-started task-instances)"
check "utf-8 corrected task: UTF-8 without BOM like its original" test "$(head -c 5 "$T/utf8/$TASK.corrected.xml")" = "<?xml"
check "utf-8 corrected task: well-formed" xmllint --noout "$T/utf8/$TASK.corrected.xml"
check "utf-8 corrected task: IgnoreNew" grep -q '<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>' "$T/utf8/$TASK.corrected.xml"
check "utf-8 task itself: not edited" grep -q '<MultipleInstancesPolicy>Parallel</MultipleInstancesPolicy>' "$T/utf8/$TASK"
check "second corrected task: UTF-16 LE task XML" utf16_task_ok "$T/utf8/$SSB.corrected.xml"
check "second corrected task: IgnoreNew" test "$(to_utf8 "$T/utf8/$SSB.corrected.xml" | grep -c '<MultipleInstancesPolicy>IgnoreNew<')" = 1
eq "corrected files are not read as tasks" '["Microsoft-OnlineBackup","Microsoft-OnlineBackup-SystemStateBackup"]' "$(ev_of task-instances | jq -c .tasks)"
h=$(tree_hash "$T/utf8")
run_mp --root "$T/utf8" "$JOB" --format json
eq "utf-8 + two tasks: second apply still manual" manual "$(status_of job-could-not-be-started task-instances)"
eq "utf-8 + two tasks: second apply changes nothing" "$h" "$(tree_hash "$T/utf8")"

# Windows Server Backup: 02:00 is five hours away from 21:00; disabled
# means no conflict.
lab "$T/wsb" wsb-schedule-conflict
to_utf8 "$T/wsb/$WSB" | sed 's/T21:00:00/T02:00:00/' | write_utf16 "$T/wsb/$WSB.new"
mv "$T/wsb/$WSB.new" "$T/wsb/$WSB"
run_mp --root "$T/wsb" "$SCHED" --format json
eq "wsb at 02:00: pass" pass "$(status_of backups-dont-run-on-schedule wsb-schedule)"
eq "wsb at 02:00: 300 minutes apart" 300 "$(ev_of wsb-schedule | jq -r .gap_minutes)"
run_mp --root "$T/wsb" "$SCHED" --format json --set wsb_window_minutes=360
eq "wsb at 02:00, 6 h window: manual" manual "$(status_of backups-dont-run-on-schedule wsb-schedule)"
to_utf8 "$T/wsb/$WSB" | sed 's#<Enabled>true</Enabled>#<Enabled>false</Enabled>#' | write_utf16 "$T/wsb/$WSB.new"
mv "$T/wsb/$WSB.new" "$T/wsb/$WSB"
run_mp --root "$T/wsb" "$SCHED" --format json --set wsb_window_minutes=360
eq "wsb disabled: pass" pass "$(status_of backups-dont-run-on-schedule wsb-schedule)"

# Execution policy not set: the default depends on Windows.  Server 2019
# (build 17763): RemoteSigned, pass.  Server 2012 (build 9200): Restricted,
# so the fix sets RemoteSigned.
lab "$T/policy"
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell]' '"ExecutionPolicy"=-' \
  | reg_merge "$T/policy" SOFTWARE
run_mp --root "$T/policy" "$SCHED" --format json
eq "policy unset on Server 2019: pass" pass "$(status_of backups-dont-run-on-schedule execution-policy)"
eq "policy unset on Server 2019: default RemoteSigned" 'RemoteSigned|false' "$(ev_of execution-policy | jq -r '.default + "|" + (.local_machine | tostring)')"
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion]' '"CurrentBuildNumber"="9200"' \
  '"ProductName"="Windows Server 2012 Datacenter"' | reg_merge "$T/policy" SOFTWARE
run_mp --root "$T/policy" "$SCHED" --format json --dry-run
eq "policy unset on Server 2012: planned" planned "$(status_of backups-dont-run-on-schedule execution-policy)"
eq "policy unset on Server 2012: default Restricted" 'Restricted' "$(ev_of execution-policy | jq -r .default)"
run_mp --root "$T/policy" "$SCHED" --format json
eq "policy unset on Server 2012: fixed" fixed "$(status_of backups-dont-run-on-schedule execution-policy)"

# The guide's own spelling of the PSModulePath entry (...\MSOnlineBackup)
# is accepted too; PSModulePath absent gets Windows' default plus ours.
lab "$T/psm"
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager\Environment]' '"PSModulePath"=-' \
  | reg_merge "$T/psm" SYSTEM
run_mp --root "$T/psm" "$SCHED" --format json --dry-run
eq "PSModulePath absent: planned" planned "$(status_of backups-dont-run-on-schedule psmodulepath)"
eq "PSModulePath absent: Windows' default plus the module folder" "$DEFPATH;$MODS" \
   "$(ev_of psmodulepath | jq -r .new_value | sed 's/\\/\\\\/g')"
printf '%s\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager\Environment]' \
  '"PSModulePath"="C:\\PROGRAM FILES\\Microsoft Azure Recovery Services Agent\\bin\\Modules\\MSOnlineBackup\\"' \
  | reg_merge "$T/psm" SYSTEM
run_mp --root "$T/psm" "$SCHED" --format json --dry-run
eq "PSModulePath with ...\\MSOnlineBackup\\ (any case): pass" pass "$(status_of backups-dont-run-on-schedule psmodulepath)"

# A richer manifest (UTF-16, as PowerShell 5.1 writes it): a nested DLL,
# a module name and a commented-out entry; a DLL without the MZ header
# is damaged.
lab "$T/module"
MOD="$T/module/Program Files/Microsoft Azure Recovery Services Agent/Bin/Modules/MSOnlineBackup"
printf '%s\r\n' '# generated' '@{' "    RootModule = 'MSOnlineBackup.psm1'" \
  "    NestedModules = @('.\\Microsoft.Internal.CloudBackup.Commands.dll'," "        'Microsoft.PowerShell.Utility') # a system module" \
  "    <# FileList = @('gone.txt') #>" "    Description = 'FileList = @(''also-gone.txt'')'" '}' \
  | write_utf16 "$MOD/MSOnlineBackup.psd1"
printf 'MZ\220\0 lab dll' >"$MOD/Microsoft.Internal.CloudBackup.Commands.dll"
run_mp --root "$T/module" "$SCHED" --format json --only msonlinebackup-module
eq "module: UTF-16 manifest with a DLL: pass" pass "$(status_of backups-dont-run-on-schedule msonlinebackup-module)"
eq "module: files checked, module name not" \
   '["MSOnlineBackup.psd1","MSOnlineBackup.psm1","Microsoft.Internal.CloudBackup.Commands.dll"]|["Microsoft.PowerShell.Utility"]' \
   "$(ev_of msonlinebackup-module | jq -c '.files, .not_checked' | paste -sd '|')"
printf 'not a binary' >"$MOD/Microsoft.Internal.CloudBackup.Commands.dll"
run_mp --root "$T/module" "$SCHED" --format json --only msonlinebackup-module
eq "module: DLL without MZ: manual" manual "$(status_of backups-dont-run-on-schedule msonlinebackup-module)"
eq "module: DLL without MZ: named" '["Microsoft.Internal.CloudBackup.Commands.dll: not a Windows binary (no MZ header)"]' \
   "$(ev_of msonlinebackup-module | jq -c .corrupt)"

# Live Linux (no --root): no MARS agent, every check skipped, exit 0.
for pb in "$SCHED" "$JOB"; do
  run_mp "$pb" --format json
  eq "live Linux: $(basename "$pb") exit 5 (nothing checked)" 5 "$CODE"
  eq "live Linux: $(basename "$pb") all skipped" skipped "$(j '[.playbooks[0].checks[].status] | unique | join(",")')"
done

finish
