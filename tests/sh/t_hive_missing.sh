#!/usr/bin/env bash
# t_hive_missing.sh - a missing or unreadable hive is not a missing key
# (issue 15): for every hive of the lab, made missing, replaced by a link
# to the outside, replaced by a folder or by a damaged file, every shipped
# playbook runs (dry-run); no check may newly fail or plan a fix because
# of it (a status in fail/planned/manual must be the healthy lab's), every
# check whose status changed ends error or skipped, and at least one check
# says the hive is unavailable.
. "$(dirname "$0")/lib.sh"

L="$T/lab"
lab "$L"
on_exit "lab_cleanup '$L'"
C="$L/Windows/System32/config"
O="$T/outside"
mkdir -p "$O"
printf 'not a hive\n' >"$O/hive"
statuses() {
  { "$MP" --root "$L" "$SRC"/playbooks/*.lua --dry-run --format json 2>/dev/null || true; } |
    jq -r '.playbooks[] | .id as $p | .checks[] | "\($p)/\(.id) \(.status) \(.reason // "" | gsub("\n"; " "))"' | sort
}
statuses >"$T/healthy"
check "healthy lab: checks ran" test "$(wc -l <"$T/healthy")" -gt 50

# HIVE: the files backing it (DEFAULT falls back to the systemprofile's
# NTUSER.DAT: both go)
for hive in SOFTWARE SYSTEM DEFAULT; do
  files=("$C/$hive")
  [ "$hive" = DEFAULT ] && files+=("$C/systemprofile/NTUSER.DAT")
  for how in missing link folder damaged; do
    for f in "${files[@]}"; do
      mv "$f" "$f.keep"
      case $how in
        missing) ;;
        link) ln -s "$O/hive" "$f" ;;
        folder) mkdir "$f" ;;
        damaged) head -c 4096 "$f.keep" >"$f" ;;
      esac
    done
    statuses >"$T/broken"
    for f in "${files[@]}"; do rm -rf "$f"; mv "$f.keep" "$f"; done
    bad=$(join <(cut -d' ' -f1,2 "$T/healthy") <(cut -d' ' -f1,2 "$T/broken") |
      awk '$2 != $3 && $3 != "error" && $3 != "skipped" { print $1 " " $2 "->" $3 }')
    eq "$hive $how: every changed check ends error or skipped" "" "$bad"
    eq "$hive $how: the checks ran" "$(wc -l <"$T/healthy")" "$(wc -l <"$T/broken")"
    check "$hive $how: a check says the hive cannot be read" grep -Eq "hive unavailable|cannot read the volume.s registry" "$T/broken"
  done
done
check "the lab is whole again" test "$(statuses | cut -d' ' -f1,2)" = "$(cut -d' ' -f1,2 "$T/healthy")"

finish
