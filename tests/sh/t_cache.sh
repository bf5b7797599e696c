#!/usr/bin/env bash
# The cache playbook end to end: for every cache fault, a lab with that
# fault -> dry-run reports it with evidence and a plan (or manual), with
# the specified exit code, and the lab is byte-for-byte unchanged; apply
# -> fixed and verified; a second apply changes nothing.
. "$(dirname "$0")/lib.sh"

PB="$SRC/playbooks/cache.lua"
# the lab's NTFS permissions live in user.marsplay.ntfs_acl (ext4 cannot
# hold system.ntfs_acl): read it, as ntfs-3g's, in test mode
export MARSPLAY_TEST_NTFS_ACL=1
SET=(--set 'protected=C:\Data')

# fault | check | dry-run status | dry exit | apply status | apply exit | extra args
CASES=(
  "scratch-registry-mismatch|scratch-registry|planned|2|fixed|0|"
  "scratch-acl-no-system|scratch-access|manual|3|manual|3|"
  "scratch-missing|scratch-exists|manual|3|manual|3|"
  "scratch-not-dir|scratch-exists|manual|3|manual|3|"
  "cache-low-space|cache-free-space|manual|3|manual|3|"
  "scratch-reparse|scratch-attributes|manual|3|manual|3|"
  "scratch-reparse|scratch-attributes|planned|2|fixed|0|--set=move_cache_to=C:\\MARSCache"
  "scratch-sparse-file|scratch-attributes|manual|3|manual|3|"
  "defender-no-exclusions|cache-not-held|manual|3|manual|3|"
)

# healthy lab: every check passes or is not applicable, exit 0
lab "$T/healthy"
before=$(tree_hash "$T/healthy")
run_mp --root "$T/healthy" "$PB" "${SET[@]}" --format json
eq "healthy lab: exit 0" 0 "$CODE"
eq "healthy lab: no check fails" "" "$(j '.playbooks[0].checks[] | select(.status != "pass" and .status != "skipped") | .id')"
eq "healthy lab: free space measured" pass "$(status_of cache cache-free-space)"
eq "healthy lab: shadow copy not applicable offline" skipped "$(status_of cache shadow-copy-storage)"
run_mp --root "$T/healthy" "$PB" "${SET[@]}"
eq "healthy lab: apply changes nothing" "$before" "$(tree_hash "$T/healthy")"

n=0
for c in "${CASES[@]}"; do
  IFS='|' read -r fault check dstatus dcode astatus acode extra <<<"$c"
  n=$((n + 1))
  dir="$T/lab$n"
  lab "$dir" "$fault"
  on_exit "lab_cleanup '$dir'"
  args=(--root "$dir" "$PB" "${SET[@]}" --format json)
  [ -n "$extra" ] && args+=("$extra")
  before=$(tree_hash "$dir")
  run_mp "${args[@]}" --dry-run --log "$T/log$n.jsonl"
  eq "$fault: dry-run exit code" "$dcode" "$CODE"
  eq "$fault: dry-run $check status" "$dstatus" "$(status_of cache "$check")"
  ev=$(printf '%s' "$OUT" | jq -c --arg id "$check" '.playbooks[0].checks[] | select(.id == $id) | .evidence')
  check "$fault: evidence recorded ($ev)" test "$ev" != "{}" -a "$ev" != "null"
  msg=$(printf '%s' "$OUT" | jq -r --arg id "$check" '.playbooks[0].checks[] | select(.id == $id) | .message')
  check "$fault: message says what is wrong" test -n "$msg" -a "$msg" != null
  if [ "$dstatus" = planned ]; then
    na=$(printf '%s' "$OUT" | jq --arg id "$check" '[.playbooks[0].checks[] | select(.id == $id) | .actions[] | select(.state == "planned")] | length')
    check "$fault: dry-run planned actions ($na)" test "$na" -gt 0
  else
    nr=$(printf '%s' "$OUT" | jq --arg id "$check" '.playbooks[0].checks[] | select(.id == $id) | .recommendations | length')
    check "$fault: manual steps given ($nr)" test "$nr" -gt 0
  fi
  check "$fault: dry-run is in the log" grep -q '"event":"detect"' "$T/log$n.jsonl"
  eq "$fault: dry-run changed nothing" "$before" "$(tree_hash "$dir")"

  run_mp "${args[@]}"
  eq "$fault: apply exit code" "$acode" "$CODE"
  eq "$fault: apply $check status" "$astatus" "$(status_of cache "$check")"
  if [ "$astatus" = fixed ]; then
    eq "$fault: verified" true "$(printf '%s' "$OUT" | jq -r --arg id "$check" '.playbooks[0].checks[] | select(.id == $id) | .verified')"
  fi
  after1=$(tree_hash "$dir")
  run_mp "${args[@]}"
  eq "$fault: second apply changes nothing" "$after1" "$(tree_hash "$dir")"
  if [ "$astatus" = fixed ]; then
    eq "$fault: second apply passes" pass "$(status_of cache "$check")"
    eq "$fault: second apply exit 0" 0 "$CODE"
  fi
  lab_cleanup "$dir"
done

# The documented move keeps the old folder (a copy, not a move) and both
# registry values point at the new one.
dir="$T/lab7"
check "cache move: KEK copied" test -f "$dir/MARSCache/OnlineBackup.KEK"
check "cache move: old folder kept" test -e "$dir/Program Files/Microsoft Azure Recovery Services Agent/Scratch.target/OnlineBackup.KEK"
run_mp eval --root "$dir" 'local r = require "marsplay.reg"
  return { r.get([[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config]], "ScratchLocation"),
           r.get([[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config\CloudBackupProvider]], "ScratchLocation") }'
eq "cache move: both registry values updated" 'C:\MARSCache|C:\MARSCache' "$(j '.[0] + "|" + .[1]')"

# Live Linux (no --root): no MARS agent, every check skipped: nothing checked, exit 5.
run_mp "$PB" --format json
eq "live Linux: exit 5 (nothing checked)" 5 "$CODE"
eq "live Linux: all skipped" "skipped" "$(j '[.playbooks[0].checks[].status] | unique | join(",")')"
contains "live Linux: says what was looked for" "MARS agent not found" "$(j '.playbooks[0].checks[0].message')"

finish
