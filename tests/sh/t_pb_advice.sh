#!/usr/bin/env bash
# What the playbooks tell an operator must be true (issue 11): for every
# lab state of that review, a lab with it -> dry-run gives the exact
# status and evidence of the check, the recommendation in English and in
# pt-BR (data-loss consequences, "cannot decide" reasons), and changes
# nothing; apply -> the same outcome; a second apply changes nothing.
# Then the cases that need more than one run (the SYSTEM hive never read
# from the wrong file).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { say "skip: jq missing"; exit 77; }

PBD="$SRC/playbooks"
export MARSPLAY_TEST_NTFS_ACL=1   # the lab's NTFS permissions (see t_cache.sh)
CFG="Windows/System32/config"

# field CHECK JQ: a jq filter over check CHECK of the report $OUT
field() {
  printf '%s' "$OUT" | jq -r --arg id "$1" "[.playbooks[].checks[] | select(.id == \$id)][0] | $2"
}
all_text() { printf '%s' "$OUT" | jq -r --arg id "$1" '[.playbooks[].checks[] | select(.id == $id)][0] | [.message, .reason, (.recommendations[]?)] | map(select(. != null)) | join("\n")'; }

# fault | playbook | check | dry status | exit | evidence jq | value | English text | pt-BR text | extra arg
CASES=(
  # data-loss consequences (reference: "Consequences an operator must be told")
  "kek-missing|failed-to-set-encryption-key|passphrase-key-file|manual|3|.evidence.kek != null|true|every recovery point of this server is lost|todos os pontos de recuperação deste servidor são perdidos|"
  "kek-missing|failed-to-set-encryption-key|passphrase-key-file|manual|3|.recommendations[4] != null|true|makes the recovery points already in the vault unrestorable|torna irrecuperáveis os pontos de recuperação|"
  "kek-missing|activation-did-not-complete|kek-present|manual|3|.status|manual|they can only be restored with the passphrase they were encrypted with|só podem ser restaurados com a senha|"
  "scratch-missing|cache|scratch-exists|manual|3|.status|manual|makes the recovery points already in the vault unrestorable|torna irrecuperáveis|"
  "agent-not-registered|basic-troubleshooting|reregistration|manual|3|.evidence.registered|false|the vault lets you do it only after the server's backup data is deleted|só permite isso depois que os dados de backup do servidor|"
  # the renamed server: consequences, and "cannot decide" when the name is not recorded
  "server-renamed|resource-not-provisioned|server-not-renamed|manual|3|.evidence.computer_name|MARS-SRV02|its first backup is a full backup|o primeiro backup é completo|"
  "server-renamed|resource-not-provisioned|server-not-renamed|manual|3|.evidence.registered_name|MARS-SRV01|Recover Data > Another server|Recuperar Dados > Outro servidor|"
  # a cache on another drive: not applicable offline, never an error
  "cache-other-drive|cache|cache-free-space|skipped|0|.evidence.drive|D:|Not applicable offline: the scratch folder D:\\MARSCache is on D:|Não se aplica offline: a pasta de rascunho D:\\MARSCache está em D:|--set=protected=C:\\Data"
  "cache-other-drive|cache|scratch-exists|skipped|0|.evidence.scratch|D:\\MARSCache|A cache on another drive is normal|Um cache em outra unidade é normal|"
  "cache-other-drive|common-issues|sal-low-disk-space|pass|0|.evidence.verifications[\"scratch-free-space\"]|skipped|passed (agent-up-to-date, scratch-registry); not checked here: scratch-exists: Not applicable offline|passaram (agent-up-to-date, scratch-registry); não verificado aqui: scratch-exists: Não se aplica offline|--set=protected=C:\\Data"
  "cache-other-drive|activation-did-not-complete|scratch-free-space|skipped|0|.status|skipped|Not applicable offline|Não se aplica offline|--set=protected=C:\\Data"
  "cache-other-drive|basic-troubleshooting|scratch-free-space|skipped|0|.status|skipped|Not applicable offline|Não se aplica offline|--set=protected=C:\\Data"
  "cache-other-drive|failed-to-set-encryption-key|passphrase-key-file|skipped|0|.status|skipped|Not applicable offline|Não se aplica offline|"
  # offline, the processes are the rescue machine's: the process scan is
  # skipped and the volume's Defender exclusions are checked
  # (the lab's process holding the KEK open is this machine's: not reported)
  "cache-file-held|cache|cache-not-held|skipped|0|.evidence.process_scan|false|can only be listed on the running server|só podem ser listados no servidor em execução|"
  "cache-file-held|basic-troubleshooting|antivirus-interference|skipped|0|.evidence.needed[1]|C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Bin|Windows Defender is not installed on this volume|O Windows Defender não está instalado neste volume|--set=protected=C:\\Data"
  "defender-no-exclusions|cache|cache-not-held|manual|3|.evidence.missing[0]|C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Bin\\cbengine.exe|Windows Defender on this volume does not exclude|O Windows Defender deste volume não exclui|"
  "defender-no-exclusions|cache|cache-not-held|manual|3|.evidence.process_scan|false|Resource Monitor > CPU > Associated Handles|Monitor de Recursos > CPU > Identificadores Associados|"
  # NTFS permissions, never POSIX mode bits
  "scratch-acl-no-system|cache|scratch-access|manual|3|.evidence.dacl[2]|allow S-1-5-18 0x001F01FF (inherit-only)|does not have full control|não tem controle total|"
  "scratch-acl-no-system|cache|scratch-access|manual|3|.evidence.acl_source|user.marsplay.ntfs_acl|/grant *S-1-5-18:(OI)(CI)F|/grant *S-1-5-18:(OI)(CI)F|"
  "scratch-readonly|cache|scratch-access|pass|0|.evidence.dacl[0]|allow S-1-5-18 0x001F01FF|SYSTEM (S-1-5-18), the agent's account, has full control|SYSTEM (S-1-5-18), a conta do agente, tem controle total|"
  # low space: the move that frees space is not promised offline
  "cache-low-space|cache|cache-free-space|manual|3|.status|manual|on the running server, following the documented steps|no servidor em execução, seguindo as etapas documentadas|--set=protected=C:\\Data"
  # proxy: the machine-wide policy, the auto-config script
  "proxy-machine-wide|agent-unable-to-connect|proxy-settings|pass|0|.evidence.source|HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings|uses the proxy 127.0.0.1:3128|usa o proxy 127.0.0.1:3128|"
  "proxy-autoconfig-set|agent-unable-to-connect|proxy-settings|pass|0|.evidence.autoconfig_url|http://wpad.contoso.com/proxy.pac|automatic configuration script http://wpad.contoso.com/proxy.pac|script de configuração automática http://wpad.contoso.com/proxy.pac|"
  "machinename-absent|resource-not-provisioned|server-not-renamed|skipped|5|.evidence.decided|false|Cannot decide whether the server was renamed|Não é possível decidir se o servidor foi renomeado|"
)

n=0
for c in "${CASES[@]}"; do
  IFS='|' read -r fault pb chk dstatus dcode evpath evvalue en pt extra <<<"$c"
  n=$((n + 1))
  dir="$T/lab$n"
  what="$pb/$fault ($n)"
  lab "$dir" "$fault"
  on_exit "lab_cleanup '$dir'"
  args=(--root "$dir" "$PBD/$pb.lua" --format json)
  [ -n "$extra" ] && args+=("$extra")
  before=$(tree_hash "$dir")
  run_mp "${args[@]}" --dry-run
  eq "$what: dry-run exit code" "$dcode" "$CODE"
  eq "$what: dry-run $chk status" "$dstatus" "$(field "$chk" .status)"
  eq "$what: $evpath" "$evvalue" "$(field "$chk" "$evpath | if type == \"array\" then tojson else tostring end")"
  contains "$what: en says it" "$en" "$(all_text "$chk")"
  run_mp "${args[@]}" --dry-run --lang pt-BR
  contains "$what: pt-BR says it" "$pt" "$(all_text "$chk")"
  eq "$what: dry-run changed nothing" "$before" "$(tree_hash "$dir")"
  run_mp "${args[@]}"
  eq "$what: apply $chk status" "$dstatus" "$(field "$chk" .status)"
  after1=$(tree_hash "$dir")
  run_mp "${args[@]}"
  eq "$what: second apply changes nothing" "$after1" "$(tree_hash "$dir")"
  lab_cleanup "$dir"
done

# ---------- without ntfs-3g's security descriptor, no judgement ----------
A="$T/acl"
lab "$A" scratch-acl-no-system
MARSPLAY_TEST_NTFS_ACL= run_mp --root "$A" "$PBD/cache.lua" --format json --dry-run --only scratch-registry,scratch-exists,scratch-access
eq "no security descriptor readable (not test mode): skipped, never mode bits" "skipped ENODATA" \
  "$(field scratch-access '.status + " " + .evidence.acl')"
contains "no security descriptor: says why and what to check" 'only an ntfs-3g mount exposes; Linux permission bits say nothing about them' "$(all_text scratch-access)"
check "no fix is offered for permissions" test "$(field scratch-access '.actions | length')" = 0

# ---------- the stale proxy is cleared from ProxyServer and the LAN settings ----------
P="$T/lanstale"
lab "$P" proxy-lan-stale
IS='Software\Microsoft\Windows\CurrentVersion\Internet Settings'
lan_hex() { hivexget "$P/$CFG/DEFAULT" "$IS\Connections" DefaultConnectionSettings | od -An -tx1 | tr -d ' \n'; }
before=$(tree_hash "$P")
run_mp --root "$P" "$PBD/agent-unable-to-connect.lua" --format json --dry-run
eq "proxy-lan-stale: dry-run planned, exit 2" "planned 2" "$(field proxy-settings .status) $CODE"
eq "proxy-lan-stale: LAN settings in the evidence" "10.0.0.5:8080" "$(field proxy-settings .evidence.lan_settings)"
eq "proxy-lan-stale: both values planned" "ProxyServer DefaultConnectionSettings" "$(field proxy-settings '[.actions[].target | sub(".*\\\\"; "")] | join(" ")')"
contains "proxy-lan-stale: MARS's own proxy is pointed to" "Get-OBMachineSetting" "$(all_text proxy-settings)"
run_mp --root "$P" "$PBD/agent-unable-to-connect.lua" --format json --dry-run --lang pt-BR
contains "proxy-lan-stale: pt-BR says what the fix clears" "limpa ProxyServer e o proxy das configurações de LAN" "$(all_text proxy-settings)"
eq "proxy-lan-stale: dry-run changed nothing" "$before" "$(tree_hash "$P")"
run_mp --root "$P" "$PBD/agent-unable-to-connect.lua" --format json
eq "proxy-lan-stale: apply fixed, verified, exit 0" "fixed true 0" "$(field proxy-settings '.status + " " + (.verified|tostring)') $CODE"
eq "proxy-lan-stale: the LAN blob keeps its flags, bypass and tail, without the proxy" \
  "4600000008000000010000000000000007000000""$(printf '<local>' | od -An -tx1 | tr -d ' \n')""00000000""$(printf '%056d' 0)" "$(lan_hex)"
after1=$(tree_hash "$P")
run_mp --root "$P" "$PBD/agent-unable-to-connect.lua" --format json
eq "proxy-lan-stale: second apply passes and changes nothing" "pass $after1" "$(field proxy-settings .status) $(tree_hash "$P")"

# ---------- dates in credentials file names, every culture shipped ----------
run_mp eval --root "$T/lab1" 'local v = require "marsplay.vaultcreds"
  local out = {}
  for _, n in ipairs {
    "v_Thu Dec 03 2026.VaultCredentials",          -- the portal (English)
    "v_qui dez 03 2026.VaultCredentials",          -- PowerShell on pt-BR
    "v_s\195\161b nov 28 2026.VaultCredentials",   -- pt-BR Saturday
    "v_qui. dez. 03 2026.VaultCredentials",        -- .NET on ICU: periods
    "v_2026-11-10T09-30-00.VaultCredentials",      -- older Site Recovery cmdlets
    "v_2026-11-10.VaultCredentials",
    "v_Foo Bar 03 2026.VaultCredentials",          -- no culture: no date
    "v_2026-13-40.VaultCredentials",
  } do
    local day, iso, form, at = v.date_in_name(n)
    out[#out + 1] = tostring(iso) .. "/" .. tostring(form) .. "/" .. tostring(at)
  end
  return out'
eq "date in name: en, pt-BR, pt-BR Saturday, ICU periods, ISO with time, ISO date, none, invalid" \
  "2026-12-03/en/nil 2026-12-03/pt-BR/nil 2026-11-28/pt-BR/nil 2026-12-03/pt-BR/nil 2026-11-10/iso/1794303000 2026-11-10/iso/nil nil/nil/nil nil/nil/nil" \
  "$(j 'join(" ")')"

# ---------- HKU\S-1-5-18 is config\DEFAULT, never systemprofile\NTUSER.DAT ----------
# The lab's systemprofile NTUSER.DAT holds a proxy (10.99.0.1:8080) and
# config\DEFAULT is gone: nothing may read the proxy from the wrong hive,
# and no fix may write there.
D="$T/nodefault"
lab "$D" default-hive-missing
check "default-hive-missing: config\\DEFAULT is gone" test ! -e "$D/$CFG/DEFAULT"
check "default-hive-missing: the systemprofile NTUSER.DAT holds the decoy proxy" \
  test "$(hivexget "$D/$CFG/systemprofile/NTUSER.DAT" 'Software\Microsoft\Windows\CurrentVersion\Internet Settings' ProxyServer)" = 10.99.0.1:8080
# (a missing hive is not a missing key: marsplay.reg raises, issue 15)
run_mp eval --root "$D" 'local r = require "marsplay.reg"
  local ok, err = pcall(r.get, [[HKU\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings]], "ProxyServer")
  local ok2, err2 = pcall(r.get, [[HKU\.DEFAULT\Software\Microsoft\Windows\CurrentVersion\Internet Settings]], "ProxyServer")
  return { tostring(ok) .. "|" .. tostring(err), tostring(ok2) .. "|" .. tostring(err2) }'
contains "default-hive-missing: HKU\\S-1-5-18 is an error naming config\\DEFAULT" \
  'false|registry hive unavailable: HKU\S-1-5-18: hive file C:\Windows\System32\config\DEFAULT not found' "$(j '.[0]')"
contains "default-hive-missing: HKU\\.DEFAULT likewise" \
  'false|registry hive unavailable: HKU\S-1-5-18: hive file C:\Windows\System32\config\DEFAULT not found' "$(j '.[1]')"
check "default-hive-missing: no value read from the other hive" bash -c "! grep -q 10.99 <<<\"\$1\"" _ "$(j '.[0] + .[1]')"
before=$(tree_hash "$D")
ntuser=$(sha256sum "$D/$CFG/systemprofile/NTUSER.DAT")
for pb in "$PBD"/*.lua; do
  run_mp --root "$D" "$pb" --format json --dry-run
  check "default-hive-missing: $(basename "$pb") never shows the other hive's proxy" \
    bash -c "! grep -q 10.99.0.1 <<<\"\$1\"" _ "$OUT$ERR"
done
eq "default-hive-missing: dry-runs changed nothing" "$before" "$(tree_hash "$D")"
for pb in "$PBD"/*.lua; do
  run_mp --root "$D" "$pb" --format json --set 'proxy=http://127.0.0.1:9'
  check "default-hive-missing: applying $(basename "$pb") never shows the other hive's proxy" \
    bash -c "! grep -q 10.99.0.1 <<<\"\$1\"" _ "$OUT$ERR"
done
eq "default-hive-missing: the systemprofile NTUSER.DAT is never written" "$ntuser" "$(sha256sum "$D/$CFG/systemprofile/NTUSER.DAT")"
check "default-hive-missing: no DEFAULT was created" test ! -e "$D/$CFG/DEFAULT"

finish
