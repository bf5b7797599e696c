#!/usr/bin/env bash
# t_ansible.sh - the Ansible example (examples/ansible/) really runs: an
# inventory of three "hosts" (aliases of this machine, connection local),
# each checking its own lab volume (--root) with a different fault; the
# playbook fetches the three JSON reports and merges them with
# `marsplay report merge`; the policy fails the host with manual
# problems.  Offline and hermetic: no Galaxy, no retry files, every
# Ansible folder inside the test's temporary folder.
if ! command -v ansible-playbook >/dev/null 2>&1; then
  echo "skip: ansible-playbook is not installed (Debian: ansible)"
  exit 77
fi
. "$(dirname "$0")/lib.sh"

EX="$SRC/examples/ansible"
mkdir -p "$T/home" "$T/ansible/local" "$T/ansible/remote" "$T/ansible/collections" "$T/remote"
: >"$T/ansible.cfg"
export HOME="$T/home" \
  ANSIBLE_CONFIG="$T/ansible.cfg" \
  ANSIBLE_HOME="$T/ansible" \
  ANSIBLE_LOCAL_TEMP="$T/ansible/local" \
  ANSIBLE_REMOTE_TEMP="$T/ansible/remote" \
  ANSIBLE_COLLECTIONS_PATH="$T/ansible/collections" \
  ANSIBLE_ROLES_PATH="$T/ansible/roles" \
  ANSIBLE_RETRY_FILES_ENABLED=0 \
  ANSIBLE_NOCOLOR=1 \
  ANSIBLE_FORCE_COLOR=0 \
  ANSIBLE_HOST_KEY_CHECKING=0 \
  ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
  ANSIBLE_STDOUT_CALLBACK=default \
  ANSIBLE_LOAD_CALLBACK_PLUGINS=0
unset ANSIBLE_INVENTORY ANSIBLE_VAULT_PASSWORD_FILE

# ---- the example inventory parses, with its groups and per-host roots ----
if out=$(ansible-inventory -i "$EX/inventory.example.yml" --list 2>"$T/inv.err"); then
  eq "example inventory: groups" "rescue windows" \
    "$(printf '%s' "$out" | jq -r '.all.children - ["ungrouped"] | sort | join(" ")')"
  eq "example inventory: a rescue host's volume" /mnt/broken-app03 \
    "$(printf '%s' "$out" | jq -r '._meta.hostvars["rescue-vm01.contoso.example"].marsplay_root')"
else
  fail "example inventory: $(cat "$T/inv.err")"
fi

# ---- syntax: the playbook, and the Windows task file on its own ----
check "site.yml: syntax" ansible-playbook -i "$EX/inventory.example.yml" --syntax-check "$EX/site.yml" \
  >"$T/syntax.out" 2>&1
if ansible-doc -t module ansible.windows.win_command >/dev/null 2>&1; then
  cat >"$T/win-wrapper.yml" <<EOF
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.import_tasks: $EX/roles/marsplay/tasks/run-windows.yml
EOF
  check "run-windows.yml: syntax (ansible.windows present)" \
    ansible-playbook -i localhost, --syntax-check "$T/win-wrapper.yml" >"$T/syntax.out" 2>&1
else
  say "skip: the ansible.windows collection is not installed: run-windows.yml not checked"
fi

# ---- three lab hosts, all this machine ----
mkdir -p "$T/labs"
lab "$T/labs/healthy"
lab "$T/labs/fixable" scratch-registry-mismatch
lab "$T/labs/manual" scratch-sparse-file
cat >"$T/inventory.ini" <<EOF
[rescue]
lab-healthy marsplay_root=$T/labs/healthy
lab-fixable marsplay_root=$T/labs/fixable
lab-manual marsplay_root=$T/labs/manual

[rescue:vars]
ansible_connection=local
ansible_python_interpreter=/usr/bin/python3
EOF
MPABS=$(readlink -f "$MP")
XVARS=(-e "marsplay_bin=$MPABS" -e "marsplay_controller_bin=$MPABS"
       -e "marsplay_remote_dir=$T/remote" -e "marsplay_report_dir=$T/reports"
       -e "marsplay_summary_dir=$T/summary")
mkdir -p "$T/summary"

# play it: default policy (3 fails; 2 warns)
playbook() {
  set +e
  (cd "$T" && ansible-playbook -i "$T/inventory.ini" "$EX/site.yml" "${XVARS[@]}" "$@") \
    >"$T/play.out" 2>&1
  CODE=$?
  set -e
  OUT=$(cat "$T/play.out")
}
playbook
eq "ansible-playbook: the manual host fails the run (exit 2)" 2 "$CODE"
contains "recap: healthy host ok" "lab-healthy                : ok=" "$OUT"
recap() { grep -E "^$1 +:" "$T/play.out" | grep -oE 'failed=[0-9]+'; }
eq "recap: healthy host did not fail" failed=0 "$(recap lab-healthy)"
eq "recap: fixable host only warned" failed=0 "$(recap lab-fixable)"
eq "recap: manual host failed by policy" failed=1 "$(recap lab-manual)"
contains "policy message names the code" "marsplay exit code 3 on lab-manual" "$OUT"
contains "warning for the fixable host" "warning: marsplay exit code 2 on lab-fixable" "$OUT"
for h in healthy fixable manual; do
  eq "report of lab-$h fetched" true "$(jq '.tool == "marsplay"' "$T/reports/lab-$h.json")"
  eq "report of lab-$h: its own volume" "$(readlink -f "$T/labs/$h")" "$(jq -r .target.root "$T/reports/lab-$h.json")"
done

# the merged summary
F="$T/summary/fleet.json"
check "fleet.json written" test -s "$F"
eq "fleet: hosts named by inventory name" "lab-fixable lab-healthy lab-manual" \
  "$(jq -r '[.hosts[].host] | join(" ")' "$F")"
eq "fleet: exit code 3" 3 "$(jq .exit_code "$F")"
eq "fleet: the planned host" lab-fixable \
  "$(jq -r '.playbooks[0].checks[] | select(.id == "scratch-registry") | .results[] | select(.status == "planned") | .host' "$F")"
eq "fleet: the manual host" lab-manual \
  "$(jq -r '.playbooks[0].checks[] | select(.id == "scratch-attributes") | .results[] | select(.status == "manual") | .host' "$F")"
check "fleet-junit.xml well-formed" xmllint --noout "$T/summary/fleet-junit.xml"
contains "fleet.txt shown in the play's output" "merged report of 3 hosts" "$OUT"
eq "dry-run: the labs were not changed (fixable still planned)" 2 \
  "$(jq .exit_code "$T/reports/lab-fixable.json")"
check "no retry file" test ! -e "$EX/site.retry"
check "nothing written into the example folder" test ! -e "$EX/reports"

# a stricter policy: 2 fails too; a laxer one: nothing fails
playbook -e '{"marsplay_fail_codes": [2, 3]}'
eq "fail codes [2, 3]: fixable host fails too" failed=1 "$(recap lab-fixable)"
playbook -e '{"marsplay_fail_codes": []}'
eq "fail codes []: the run succeeds" 0 "$CODE"
eq "fail codes []: reports are fresh (3 of them)" 3 "$(find "$T/reports" -name '*.json' | wc -l)"

# a host whose playbook errors: exit 1 always fails it, and the fleet
sed -i "/^lab-manual/a lab-error marsplay_root=$T/labs/healthy marsplay_playbooks='[\"$T/no-such-playbook.lua\"]'" \
  "$T/inventory.ini"
playbook -e '{"marsplay_fail_codes": []}'
eq "a host with an error fails the run" 2 "$CODE"
eq "recap: that host failed" failed=1 "$(recap lab-error)"
eq "fleet: its error makes the fleet's code 1" 1 "$(jq .exit_code "$F")"
contains "fleet: the load error is in the summary" "load error on lab-error" "$(cat "$T/summary/fleet.txt")"

# a host whose marsplay cannot start (no such volume) writes no report:
# the others are still merged, and the policy fails that host
sed -i '/^lab-error/d' "$T/inventory.ini"
sed -i "/^lab-manual/a lab-novolume marsplay_root=$T/labs/does-not-exist" "$T/inventory.ini"
playbook -e '{"marsplay_fail_codes": []}'
eq "a host that cannot start fails the run" 2 "$CODE"
eq "recap: that host failed" failed=1 "$(recap lab-novolume)"
eq "fleet: the three other hosts merged" "lab-fixable lab-healthy lab-manual" \
  "$(jq -r '[.hosts[].host] | join(" ")' "$F")"

eq "no Ansible warnings" "" "$(grep -E 'WARNING|DEPRECATION' "$T/play.out" || true)"
finish
