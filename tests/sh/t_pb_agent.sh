#!/usr/bin/env bash
# The agent and the remaining sections end to end: basic-troubleshooting,
# backup-jobs-completed-with-warning, activation-did-not-complete,
# encryption-passphrase-not-configured, resource-not-provisioned,
# restore-problems, common-issues.  For every fault: a lab with it ->
# dry-run reports the exact status, evidence and plan (or manual steps),
# with the specified exit code, and the lab is byte-for-byte unchanged;
# apply -> fixed and verified (where a fix exists); a second apply
# changes nothing.  Also the healthy lab, live Linux, and the parsers.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { say "skip: jq missing"; exit 77; }

PBD="$SRC/playbooks"
export MARSPLAY_TEST_NTFS_ACL=1   # the lab's NTFS permissions (see t_cache.sh)
SET=(--set 'protected=C:\Data')
# The pairs of SET that playbook $1 declares (unknown --set keys are an error).
pset() { mapfile -d '' PSET < <(sets_for "$PBD/$1.lua" "${SET[@]}"); }
pset basic-troubleshooting; BSET=("${PSET[@]+"${PSET[@]}"}")
AGENT="Program Files/Microsoft Azure Recovery Services Agent"
MINE=(basic-troubleshooting backup-jobs-completed-with-warning activation-did-not-complete
      encryption-passphrase-not-configured resource-not-provisioned restore-problems common-issues)

# A field of check CHECK in the report $OUT (jq path below the check).
field() {
  printf '%s' "$OUT" | jq -r --arg id "$1" ".playbooks[0].checks[] | select(.id == \$id) | $2"
}

# ---------- the lab's cbengine.exe carries a real version resource ----------
lab "$T/healthy"
EXE="$T/healthy/$AGENT/Bin/cbengine.exe"
pe_version() {
  /usr/bin/python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:2] == b"MZ"
pe = struct.unpack_from("<I", d, 0x3C)[0]
assert d[pe:pe + 4] == b"PE\0\0"
i = d.find(struct.pack("<I", 0xFEEF04BD))
assert i > 0 and i % 4 == 0
ms, ls = struct.unpack_from("<II", d, i + 8)
print("%d.%d.%d.%d" % (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF))
EOF
}
eq "lab: cbengine.exe is a PE with VS_FIXEDFILEINFO 2.0.9506.0" "2.0.9506.0" "$(pe_version "$EXE")"
if command -v objdump >/dev/null; then
  contains "lab: objdump reads the version resource" "ID: 0x000010" "$(objdump -x "$EXE" 2>/dev/null)"
fi

# ---------- the healthy lab: every playbook passes or is not applicable ----------
before=$(tree_hash "$T/healthy")
for pb in "${MINE[@]}"; do
  pset "$pb"
  run_mp --root "$T/healthy" "$PBD/$pb.lua" "${PSET[@]+"${PSET[@]}"}" --format json
  eq "healthy: $pb exit 0" 0 "$CODE"
  eq "healthy: $pb loads" null "$(j '.playbooks[0].error')"
  eq "healthy: $pb no check fails" "" \
    "$(j '.playbooks[0].checks[] | select(.status != "pass" and .status != "skipped") | .id + "=" + .status')"
done
run_mp --root "$T/healthy" "$PBD/basic-troubleshooting.lua" "${BSET[@]}" --format json
eq "healthy: version from cbengine.exe" "2.0.9506.0 cbengine.exe resource" \
  "$(field agent-up-to-date '.evidence.version + " " + .evidence.source + " " + .evidence.method')"
eq "healthy: obengine automatic" "pass 2" "$(field mars-service '.status + " " + (.evidence.start|tostring)')"
eq "healthy: running is live-only" skipped "$(field mars-service-running .status)"
contains "healthy: running skip says why" "only known on the running server" "$(field mars-service-running .message)"
eq "healthy: .NET 4.8" "pass 528040" "$(field dotnet-version '.status + " " + (.evidence.release|tostring)')"
eq "healthy: OS updates unknowable offline" skipped "$(field os-updates .status)"
eq "healthy: protected folders checked" pass "$(field unsupported-items .status)"
run_mp --root "$T/healthy" "$PBD/basic-troubleshooting.lua" "${BSET[@]}" --format json --set offline_backup=true --set reregister=true
eq "healthy + offline_backup=true: Azure PowerShell step is manual" manual "$(field offline-backup-powershell .status)"
eq "healthy + reregister=true: the notes and their consequences are given" "manual 4" \
  "$(field reregistration '.status + " " + (.recommendations | length | tostring)')"
eq "healthy + both: exit 3" 3 "$CODE"
run_mp --root "$T/healthy" "$PBD/resource-not-provisioned.lua" --format json
eq "healthy: registered name read" "MARS-SRV01" "$(field server-not-renamed .evidence.registered_name)"
run_mp --root "$T/healthy" "$PBD/resource-not-provisioned.lua" --format json --set registered_name_value=NoSuchValue
eq "healthy: unknown registered name is skipped" skipped "$(field server-not-renamed .status)"
contains "healthy: the skip asks for the name" "registered_name=" "$(field server-not-renamed .message)"
run_mp --root "$T/healthy" "$PBD/resource-not-provisioned.lua" --format json --set registered_name=OLD-NAME
eq "healthy: registered_name given and different -> manual" "manual 3" "$(field server-not-renamed .status) $CODE"
run_mp --root "$T/healthy" "$PBD/restore-problems.lua" --format json
eq "healthy: restart step is live-only" skipped "$(field iscsi-service-restart .status)"
eq "healthy: MSiSCSI manual start" 3 "$(field iscsi-service .evidence.start)"
for pb in "${MINE[@]}"; do pset "$pb"; run_mp --root "$T/healthy" "$PBD/$pb.lua" "${PSET[@]+"${PSET[@]}"}"; done
eq "healthy: applying every playbook changes nothing" "$before" "$(tree_hash "$T/healthy")"

# ---------- one lab per fault ----------
# playbook | fault | check | dry status | dry exit | apply status | apply exit | evidence path | value | extra arg
CASES=(
  "basic-troubleshooting|agent-outdated|agent-up-to-date|manual|3|manual|3|.evidence.version|2.0.9145.0|"
  "basic-troubleshooting|agent-outdated|agent-up-to-date|manual|3|manual|3|.evidence.below_hard_min|true|"
  "basic-troubleshooting|agent-not-latest|agent-up-to-date|manual|3|manual|3|.evidence.version|2.0.9415.0|"
  "basic-troubleshooting|agent-not-latest|agent-up-to-date|pass|0|pass|0|.evidence.min_version|2.0.9415.0|--set=min_version=2.0.9415.0"
  "basic-troubleshooting|cbengine-no-version|agent-up-to-date|pass|0|pass|0|.evidence.source|HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{FFE6D16C-3F87-4192-AF94-DDBEFF165106}\\DisplayVersion|"
  "basic-troubleshooting|agent-uninstall-by-name|agent-up-to-date|manual|3|manual|3|.evidence.version|2.0.9415.0|"
  "basic-troubleshooting|agent-uninstall-by-name|agent-up-to-date|manual|3|manual|3|.evidence.source|HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{0B9A3E7C-5D2F-4A61-8C4E-7F1D2B3A4C5D}\\DisplayVersion|"
  "basic-troubleshooting|obengine-disabled|mars-service|planned|2|fixed|0|.evidence.start|4|"
  "basic-troubleshooting|obengine-disabled|mars-service|planned|2|fixed|0|.evidence.fix_start|3|"
  "basic-troubleshooting|obengine-manual|mars-service|pass|0|pass|0|.evidence.start_type|manual|"
  "basic-troubleshooting|obengine-missing|mars-service|manual|3|manual|3|.evidence.installed|false|"
  "basic-troubleshooting|obengine-missing-binary|mars-service|manual|3|manual|3|.evidence.image_exists|false|"
  "basic-troubleshooting|dotnet-old|dotnet-version|manual|3|manual|3|.evidence.release|378389|"
  "basic-troubleshooting|protected-reparse|unsupported-items|manual|3|manual|3|.evidence.folders[0].links|1|"
  "basic-troubleshooting|azure-vm|azure-vm|manual|3|manual|3|.evidence.services[0]|WindowsAzureGuestAgent|--set=slow_backups=true"
  "basic-troubleshooting|azure-vm|azure-vm|skipped|0|skipped|0|.evidence.azure_vm|true|"
  "basic-troubleshooting|agent-not-registered|reregistration|manual|3|manual|3|.evidence.registered|false|"
  "basic-troubleshooting|failed-files|backup-warnings|manual|3|manual|3|.evidence.entries_total|12|"
  "backup-jobs-completed-with-warning|failed-files|failed-corrupt|manual|3|manual|3|.evidence.count|2|"
  "backup-jobs-completed-with-warning|failed-files|failed-corrupt|manual|3|manual|3|.evidence.paths[1]|C:\\Data\\Finance\\invoices\\2024-02-117.pdf|"
  "backup-jobs-completed-with-warning|failed-files|failed-not-found|manual|3|manual|3|.evidence.codes|[\"0x80070002 (3)\",\"0x80070003 (1)\"]|"
  "backup-jobs-completed-with-warning|failed-files|failed-access-denied|manual|3|manual|3|.evidence.count|3|"
  "backup-jobs-completed-with-warning|failed-files|failed-cloud-offline|manual|3|manual|3|.evidence.paths[0]|C:\\Users\\Administrator\\OneDrive - Contoso\\Plans\\roadmap.pptx|"
  "backup-jobs-completed-with-warning|failed-files|failed-other|manual|3|manual|3|.evidence.codes[0]|0x80070020 (1)|"
  "backup-jobs-completed-with-warning|failed-files|exclusion-rules|manual|3|manual|3|.evidence.folders[0]|C:\\Data\\Projects\\build\\obj (3)|"
  "backup-jobs-completed-with-warning|failed-files|failed-corrupt|manual|3|manual|3|.evidence.encoding|utf16le|"
  "backup-jobs-completed-with-warning|failed-files-paths-only|failed-no-code|manual|3|manual|3|.evidence.count|12|"
  "backup-jobs-completed-with-warning|failed-files-paths-only|failed-no-code|manual|3|manual|3|.evidence.paths[9]|C:\\Users\\Administrator\\OneDrive - Contoso\\Plans\\roadmap.pptx|"
  "backup-jobs-completed-with-warning|failed-files-paths-only|exclusion-rules|manual|3|manual|3|.evidence.folders[0]|C:\\Data\\Projects\\build\\obj (3)|"
  "basic-troubleshooting|failed-files-paths-only|backup-warnings|manual|3|manual|3|.evidence.entries_total|12|"
  "backup-jobs-completed-with-warning|failed-files|failed-no-code|pass|3|pass|3|.evidence.count|0|"
  "backup-jobs-completed-with-warning|failed-files-utf8|failed-access-denied|manual|3|manual|3|.evidence.paths[2]|C:\\Data\\HR\\reviews\\confidential.docx|"
  "backup-jobs-completed-with-warning|failed-files-utf8|failed-corrupt|manual|3|manual|3|.evidence.encoding|utf8|"
  "backup-jobs-completed-with-warning|critical-inconsistency|critical-inconsistency|manual|3|manual|3|.evidence.folders[0]|C:\\Data\\Projects|"
  "activation-did-not-complete|kek-missing|kek-present|manual|3|manual|3|.evidence.kek|C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch\\OnlineBackup.KEK|"
  "activation-did-not-complete|scratch-registry-mismatch|scratch-moved|planned|2|fixed|0|.evidence.provider_value|C:\\OldScratch|"
  "activation-did-not-complete|scratch-missing|scratch-moved|manual|3|manual|3|.evidence.scratch|C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch|"
  "activation-did-not-complete|cache-low-space|scratch-free-space|manual|3|manual|3|.evidence.protected_source|protected|"
  "activation-did-not-complete|agent-outdated|agent-up-to-date|manual|3|manual|3|.evidence.version|2.0.9145.0|"
  "encryption-passphrase-not-configured|kek-missing|kek-present|manual|3|manual|3|.error_ids[0]|34506|"
  "encryption-passphrase-not-configured|scratch-registry-mismatch|scratch-moved|planned|2|fixed|0|.evidence.keep|C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch|"
  "encryption-passphrase-not-configured|agent-not-latest|agent-up-to-date|manual|3|manual|3|.evidence.version|2.0.9415.0|"
  "resource-not-provisioned|server-renamed|server-not-renamed|manual|3|manual|3|.evidence.computer_name|MARS-SRV02|"
  "resource-not-provisioned|server-renamed|server-not-renamed|pass|0|pass|0|.evidence.registered_name|mars-srv02.contoso.local|--set=registered_name=mars-srv02.contoso.local"
  "restore-problems|iscsi-disabled|iscsi-service|planned|2|fixed|0|.evidence.start_type|disabled|"
  "restore-problems|iscsi-missing|iscsi-service|manual|3|manual|3|.evidence.installed|false|"
  "restore-problems|iscsi-device-unknown|iscsi-initiator-device|manual|3|manual|3|.evidence.device|HKLM\\SYSTEM\\CurrentControlSet\\Enum\\ROOT\\ISCSIPRT\\0000|"
  "restore-problems|agent-outdated|agent-up-to-date|manual|3|manual|3|.evidence.version|2.0.9145.0|"
  "common-issues|defender-no-exclusions|sal-checksum-store|manual|3|manual|3|.evidence.verifications[\"scratch-not-held\"]|manual|"
  "common-issues|scratch-acl-no-system|sal-vhd-initialization|manual|3|manual|3|.evidence.verifications[\"scratch-access\"]|manual|"
  "common-issues|scratch-acl-no-system|sal-checksum-store|manual|3|manual|3|.evidence.verifications[\"scratch-access\"]|manual|"
  "common-issues|scratch-registry-mismatch|sal-checksum-store|planned|2|fixed|0|.evidence.verifications[\"scratch-registry\"]|fail|"
  "common-issues|scratch-missing|sal-vhd-initialization|manual|3|manual|3|.evidence.verifications[\"scratch-exists\"]|manual|"
  "common-issues|cache-low-space|sal-low-disk-space|manual|3|manual|3|.evidence.verifications[\"scratch-free-space\"]|manual|"
  "common-issues|agent-outdated|sal-bitmap|manual|3|manual|3|.evidence.verifications[\"agent-up-to-date\"]|manual|"
  "common-issues|scratch-reparse|sal-low-disk-space|planned|2|fixed|0|.evidence.verifications[\"scratch-attributes\"]|fail|--set=move_cache_to=C:\\MARSCache"
)

declare -A DIR_OF
n=0
for c in "${CASES[@]}"; do
  IFS='|' read -r pb fault chk dstatus dcode astatus acode evpath evvalue extra <<<"$c"
  n=$((n + 1))
  dir="$T/lab$n"
  what="$pb/$fault"
  DIR_OF[$what]=$dir
  lab "$dir" "$fault"
  on_exit "lab_cleanup '$dir'"
  pset "$pb"
  args=(--root "$dir" "$PBD/$pb.lua" "${PSET[@]+"${PSET[@]}"}" --format json)
  [ -n "$extra" ] && args+=("$extra")
  before=$(tree_hash "$dir")
  run_mp "${args[@]}" --dry-run --log "$T/log$n.jsonl"
  eq "$what: dry-run exit code" "$dcode" "$CODE"
  eq "$what: dry-run $chk status" "$dstatus" "$(field "$chk" .status)"
  eq "$what: evidence $evpath" "$evvalue" "$(field "$chk" "$evpath | if type == \"array\" then tojson else tostring end")"
  msg=$(field "$chk" .message)
  check "$what: message says what is wrong ($msg)" test -n "$msg" -a "$msg" != null
  case "$dstatus" in
    planned)
      na=$(field "$chk" '[.actions[] | select(.state == "planned")] | length')
      check "$what: dry-run planned actions ($na)" test "$na" -gt 0 ;;
    manual)
      nr=$(field "$chk" '.recommendations | length')
      check "$what: manual steps given ($nr)" test "$nr" -gt 0 ;;
  esac
  check "$what: dry-run is in the log" grep -q '"event":"detect"' "$T/log$n.jsonl"
  eq "$what: dry-run changed nothing" "$before" "$(tree_hash "$dir")"

  run_mp "${args[@]}"
  eq "$what: apply exit code" "$acode" "$CODE"
  eq "$what: apply $chk status" "$astatus" "$(field "$chk" .status)"
  if [ "$astatus" = fixed ]; then
    eq "$what: verified" true "$(field "$chk" .verified)"
  fi
  after1=$(tree_hash "$dir")
  run_mp "${args[@]}"
  eq "$what: second apply changes nothing" "$after1" "$(tree_hash "$dir")"
  if [ "$astatus" = fixed ]; then
    eq "$what: second apply passes" pass "$(field "$chk" .status)"
    eq "$what: second apply exit 0" 0 "$CODE"
  fi
  lab_cleanup "$dir"
done

# ---------- what the fixes wrote ----------
hive_get() {
  run_mp eval --root "$1" "local r = require 'marsplay.reg'; return (r.get([[$2]], '$3'))"
  j '.'
}
OB=${DIR_OF[basic-troubleshooting/obengine-disabled]}
IS=${DIR_OF[restore-problems/iscsi-disabled]}
eq "fix: obengine Start=3 (manual, the least change from disabled)" 3 "$(hive_get "$OB" 'HKLM\SYSTEM\CurrentControlSet\Services\obengine' Start)"
eq "fix: MSiSCSI Start=3 (manual, Windows' default)" 3 "$(hive_get "$IS" 'HKLM\SYSTEM\CurrentControlSet\Services\MSiSCSI' Start)"
eq "fix: only Start changed (ImagePath kept)" '"C:\Program Files\Microsoft Azure Recovery Services Agent\bin\cbengine.exe"' \
  "$(hive_get "$OB" 'HKLM\SYSTEM\CurrentControlSet\Services\obengine' ImagePath)"
MV=${DIR_OF[common-issues/scratch-reparse]}
check "fix: the documented move copied the KEK" test -f "$MV/MARSCache/OnlineBackup.KEK"

# ---------- parsers and helpers (in the sandbox) ----------
run_mp eval --root "$T/healthy" 'local f = require "marsplay.failedfiles"
local out = {}
for _, l in ipairs {
  "C:\\Data\\HR\\a.xlsx\t0x80070005",
  "Error 0x80070005: C:\\Data\\HR\\a.xlsx",
  "C:\\Data\\My File.txt, Error 0x80070002",
  "\"C:\\Data\\q.txt\" (hr=0x80070570)",
  "\\\\?\\C:\\Data\\long\\x.bin 0x8007018b",
  "\\\\fs01\\share\\dir\\f.doc | 0x80070003",
  "------------------------------",
  "Consider adding these to exclusion list of backup policy.",
} do
  local p, c = f.parse_entry(l)
  out[#out + 1] = tostring(p) .. "=" .. table.concat(c, ",")
end
return out'
eq "parse: tab-separated" 'C:\Data\HR\a.xlsx=0x80070005' "$(j '.[0]')"
eq "parse: code first" 'C:\Data\HR\a.xlsx=0x80070005' "$(j '.[1]')"
eq "parse: path with spaces, label after" 'C:\Data\My File.txt=0x80070002' "$(j '.[2]')"
eq "parse: quoted, (hr=...)" 'C:\Data\q.txt=0x80070570' "$(j '.[3]')"
eq "parse: \\\\?\\ prefix, lower-case code" '\\?\C:\Data\long\x.bin=0x8007018B' "$(j '.[4]')"
eq "parse: UNC path" '\\fs01\share\dir\f.doc=0x80070003' "$(j '.[5]')"
eq "parse: dash line is no entry" 'nil=' "$(j '.[6]')"
eq "parse: exclusion hint is no entry" 'nil=' "$(j '.[7]')"

run_mp eval --root "$T/healthy" 'local a = require "marsplay.agent"
return { a.compare("2.0.9249.0", "2.0.9506.0"), a.compare("2.0.10000.0", "2.0.9506.0"),
         a.compare("2.0.9506", "2.0.9506.0"), a.parse("2.x") == nil,
         a.pe_version([[C:\Windows\System32\drivers\etc\hosts]]) == nil }'
eq "agent.compare orders numerically" "-1 1 0 true true" "$(j 'map(tostring) | join(" ")')"

run_mp eval --root "$T/healthy" 'local s = require "marsplay.services"
return { s.image_file([[%SystemRoot%\system32\svchost.exe -k netsvcs -p]]),
         s.image_file([[C:\Program Files\Microsoft Azure Recovery Services Agent\bin\cbengine.exe]]),
         s.image_file([[System32\drivers\msiscsi.sys]]) }'
eq "image path: svchost with arguments" 'C:\Windows\system32\svchost.exe' "$(j '.[0]')"
eq "image path: unquoted with spaces" 'C:\Program Files\Microsoft Azure Recovery Services Agent\bin\cbengine.exe' "$(j '.[1]')"
eq "image path: driver relative to SystemRoot" 'C:\Windows\System32\drivers\msiscsi.sys' "$(j '.[2]')"

# ---------- live Linux (no --root): no agent, every check skipped: nothing checked, exit 5 ----------
for pb in "${MINE[@]}"; do
  run_mp "$PBD/$pb.lua" --format json
  eq "live Linux: $pb exit 5 (nothing checked)" 5 "$CODE"
  eq "live Linux: $pb all skipped" skipped "$(j '[.playbooks[0].checks[].status] | unique | join(",")')"
  contains "live Linux: $pb says what was looked for" "MARS agent not found" "$(j '.playbooks[0].checks[0].message')"
done

finish
