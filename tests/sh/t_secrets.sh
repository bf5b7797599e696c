#!/usr/bin/env bash
# Secrets never leave: a playbook puts passwords, a token, a
# user:password, a proxy URL with user information and a certificate
# (registered through marsplay.secret, as the vault credential's
# ManagementCert is) into evidence, keys, messages, reasons, errors,
# recommendations, actions, notices and the log.  No output (JSON, text,
# JUnit, log, stderr) carries any of them, in dry-run or applied; each
# says "[redacted]" instead, and the reports stay valid.
. "$(dirname "$0")/lib.sh"

PB="$SRC/tests/playbooks/secrets.lua"
PW='Pr0xyP@ss-9a7f'
TOKEN='tok_5e3cret_81b2'
USERPW='Us3rP@ss-77c1'
URLPW='Url-S3cret-42'
CERT='MIIKcertificateBASE64secretAAAABBBBCCCC0123456789+/=='
SECRETS=("$PW" "$TOKEN" "$USERPW" "$URLPW" "proxyuser:$URLPW" "$CERT")
SET=(--set "proxy_password=$PW" --set "api_token=$TOKEN" --set "proxy_user=backupsvc:$USERPW"
     --set "proxy=http://proxyuser:$URLPW@127.0.0.1:3128")
lab "$T/lab"

# no_secret NAME FILE: none of the secrets is in FILE; "[redacted]" is.
no_secret() {
  local s found=""
  for s in "${SECRETS[@]}"; do
    grep -qF -- "$s" "$2" && found+=" $s"
  done
  eq "$1: no secret in it" "" "$found"
  check "$1: says [redacted]" grep -qF '[redacted]' "$2"
}

for mode in dry-run apply; do
  extra=()
  [ "$mode" = dry-run ] && extra=(--dry-run)
  run_mp --root "$T/lab" "$PB" "${SET[@]}" "${extra[@]}" --format json \
    --log "$T/$mode.log" --junit "$T/$mode.xml"
  printf '%s' "$OUT" >"$T/$mode.json"
  printf '%s' "$ERR" >"$T/$mode.stderr"
  eq "$mode: exit 1 (one check raises)" 1 "$CODE"
  no_secret "$mode JSON report" "$T/$mode.json"
  no_secret "$mode JUnit" "$T/$mode.xml"
  no_secret "$mode log" "$T/$mode.log"
  no_secret "$mode stderr (print)" "$T/$mode.stderr"
  check "$mode JSON: valid" jq -e . "$T/$mode.json" >/dev/null
  check "$mode JUnit: well-formed" xmllint --noout "$T/$mode.xml"
  check "$mode log: every line valid JSON" jq -e . "$T/$mode.log" >/dev/null
  eq "$mode: statuses intact" "register=pass evidence=manual error=error skip=skipped" \
    "$(j '[.playbooks[0].checks[] | select(.id != "actions") | .id + "=" + .status] | join(" ")')"
  eq "$mode: secret.add refuses short strings and report words" "true true" \
    "$(j '.playbooks[0].checks[0].evidence | "\(.short_refused) \(.word_refused)"')"
  eq "$mode: secret.redact" "cert=[redacted]" "$(j '.playbooks[0].checks[0].evidence.redacted_here')"
  contains "$mode: the URL keeps its host" "http://[redacted]@127.0.0.1:3128" "$(j '.playbooks[0].params.proxy')"
  contains "$mode: message redacted in place" "with password [redacted], user [redacted], token [redacted]" \
    "$(j '.playbooks[0].checks[] | select(.id == "evidence") | .message')"
  contains "$mode: error reason redacted" "failed with password [redacted] and cert [redacted]" \
    "$(j '.playbooks[0].checks[] | select(.id == "error") | .reason')"
  eq "$mode: an evidence key that is a secret" true \
    "$(j '.playbooks[0].checks[] | select(.id == "evidence") | .evidence["[redacted]"]')"
  if [ -s "$SRC/schemas/report.schema.json" ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    check "$mode JSON: matches the report schema" /usr/bin/python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$T/$mode.json" "$SRC/schemas/report.schema.json"
  fi
  # the text report
  run_mp --root "$T/lab" "$PB" "${SET[@]}" "${extra[@]}" --color never --lang pt-BR
  printf '%s\n%s' "$OUT" "$ERR" >"$T/$mode.txt"
  no_secret "$mode text report" "$T/$mode.txt"
done

# Applied, the actions were done, with their targets and values redacted
# in the report; the files and values themselves hold what was asked.
eq "apply: actions done" "done,done,done,done" "$(jq -r '[.playbooks[0].checks[] | select(.id == "actions") | .actions[].state] | join(",")' "$T/apply.json")"
check "apply: the file was written under its real name" test -f "$T/lab/Data/proxy-$PW.txt"
contains "apply: the action target is redacted" 'C:\Data\proxy-[redacted].txt' \
  "$(jq -r '.playbooks[0].checks[] | select(.id == "actions") | .actions[0].target' "$T/apply.json")"

# eval and the --set parameters
run_mp eval --set "db_password=$PW" 'return { "x " .. "'"$PW"'", "https://u:'"$URLPW"'@h/" }'
eq "eval: redacted" '["x [redacted]","https://[redacted]@h/"]' "$(printf '%s' "$OUT" | jq -c .)"

# The shipped credentials playbooks on labs holding vault credential
# files (whole, cut inside ManagementCert, from another vault, saved with
# another name): no piece of the certificate in any output.
for pb in invalid-vault-credentials vault-credentials-wrong-vault; do
  [ -f "$SRC/playbooks/$pb.lua" ] || continue
  for fault in none creds-corrupt creds-other-vault creds-wrong-extension creds-older-than-newest; do
    dir="$T/vc-$pb-$fault"
    if [ "$fault" = none ]; then lab "$dir"; else lab "$dir" "$fault"; fi
    : >"$T/certs"
    while IFS= read -r -d '' f; do
      sed -n 's/.*<ManagementCert>\([^<]*\).*/\1/p' "$f" | tr -d '\r\n' | fold -w 24 | grep -E '^.{24}$' >>"$T/certs" || true
    done < <(find "$dir/Users" -type f -print0)
    check "$pb/$fault: the lab holds a certificate" test -s "$T/certs"
    for mode in --dry-run ""; do
      run_mp --root "$dir" "$pb" $mode --format json --log "$T/vc.log" --junit "$T/vc.xml"
      printf '%s\n%s\n' "$OUT" "$ERR" >"$T/vc.out"
      run_mp --root "$dir" "$pb" --dry-run --color never
      printf '%s\n%s\n' "$OUT" "$ERR" >>"$T/vc.out"
      eq "$pb/$fault ${mode:-apply}: no piece of ManagementCert in any output" "" \
        "$(cat "$T/vc.out" "$T/vc.log" "$T/vc.xml" | grep -F -f "$T/certs" | head -c 200 || true)"
    done
  done
done

# Control: without the secret parameters the same values do show, so the
# checks above can fail.
run_mp --root "$T/lab" "$PB" --set "api_token=$TOKEN" --set "proxy_password=" --dry-run --format json
check "control: a secret-named parameter is redacted" test -z "$(printf '%s' "$OUT" | grep -F "$TOKEN" || true)"
run_mp eval "return 'plain $PW'"
contains "control: an unregistered string is shown" "plain $PW" "$OUT"

finish
