#!/usr/bin/env bash
# Network playbooks end to end (agent-unable-to-connect,
# unable-to-download-vault-credentials) and the shared modules
# marsplay.connectivity / proxy / clock, against servers on 127.0.0.1
# only: HTTPS and HTTP fixtures standing in for the Microsoft endpoints
# (real names mapped with connect_to), a black hole, tinyproxy with
# BasicAuth.  MARSPLAY_NET_LOOPBACK_ONLY=1 (lib_net.sh): no probe can
# leave the machine.  Offline labs are probed with probe_offline=true.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_net.sh"
command -v jq >/dev/null 2>&1 || { echo "skip: jq not found" >&2; exit 77; }
net_require
# every host the default endpoint sets probe over HTTPS
# shellcheck disable=SC2034 # read by lib_net.sh
NET_TLS_NAMES="www.microsoft.com pod01-id1.brs.backup.windowsazure.com login.microsoftonline.com login.windows.net
  azcliprod.blob.core.windows.net portal.azure.com management.azure.com"
net_init

PB_CONNECT="$SRC/playbooks/agent-unable-to-connect.lua"
PB_VAULT="$SRC/playbooks/unable-to-download-vault-credentials.lua"
OLD_DATE='Sun, 06 Nov 1994 08:49:37 GMT'
PPASS='Pr0xy-Pa55_word'
http='' https='' old='' hole='' proxy='' closed=''
net_start_http http
net_start_https https
net_start_https old --date "$OLD_DATE"
net_start_blackhole hole
net_refused_port closed
net_start_proxy proxy --user mars --pass "$PPASS"
BAD=$(net_bad_dns_name)
EVERYTHING=''

# The NCSI names over HTTP, the other default hosts and the sampled IP
# addresses of the guide's ranges to the HTTPS fixture, each by name (a
# name not listed stays unmapped); EXTRA entries go first (curl takes the
# first match).
HTTPS_HOSTS="www.microsoft.com pod01-id1.brs.backup.windowsazure.com login.microsoftonline.com login.windows.net
  azcliprod.blob.core.windows.net portal.azure.com management.azure.com
  20.190.128.1 20.190.191.254 40.126.0.1 40.126.63.254"
map() {
  local out=${1:-} h
  out+="www.msftncsi.com:80:127.0.0.1:$http;www.msftconnecttest.com:80:127.0.0.1:$http"
  for h in $HTTPS_HOSTS; do out+=";$h:443:127.0.0.1:$https"; done
  printf '%s' "$out"
}
PROBE=(--set probe_offline=true --set timeout=2 --set "cainfo=$NET_CA")

# ev PB CHECK JQ: a jq filter over one check's result
ck() {
  printf '%s' "$OUT" | jq -r --arg pb "$1" --arg id "$2" \
    ".playbooks[] | select(.id == \$pb) | .checks[] | select(.id == \$id) | $3"
}

run() { run_mp "$@"; EVERYTHING+="$OUT$ERR"; }

# ---------- healthy lab: offline, nothing probed ----------
lab "$T/healthy"
before=$(tree_hash "$T/healthy")
for pb in "$PB_CONNECT" "$PB_VAULT"; do
  run --root "$T/healthy" "$pb" --format json
  # 5 when every check is skipped offline (nothing checked), else 0
  eq "healthy: $(basename "$pb") exit 0 (5 if all skipped)" \
    "$(j 'if ([.playbooks[].checks[].status] - ["skipped"] | length) == 0 then 5 else 0 end')" "$CODE"
  eq "healthy: $(basename "$pb") no problem" "" \
    "$(j '.playbooks[0].checks[] | select(.status != "pass" and .status != "skipped") | .id')"
done
run --root "$T/healthy" "$PB_CONNECT" --format json
eq "healthy: proxy settings pass" pass "$(status_of agent-unable-to-connect proxy-settings)"
eq "healthy: file download pass" pass "$(status_of agent-unable-to-connect ie-file-download)"
eq "offline: connectivity skipped" skipped "$(status_of agent-unable-to-connect endpoints-reachable)"
contains "offline: says why" "property of the running server" "$(ck agent-unable-to-connect endpoints-reachable .reason)"
eq "offline: no endpoint probed" null "$(ck agent-unable-to-connect endpoints-reachable .evidence.endpoints)"
run --root "$T/healthy" "$PB_VAULT" --format json
eq "vault offline: portal checks skipped" "skipped" "$(j '[.playbooks[0].checks[].status] | unique | join(",")')"
check "vault offline: skipped bullets still carry the guide's steps" \
  test "$(ck unable-to-download-vault-credentials subscription-active '.recommendations | length')" -ge 2
eq "healthy: runs change nothing" "$before" "$(tree_hash "$T/healthy")"

# ---------- faults: dry-run, apply, apply again ----------
# fault | check | dry status | dry exit | apply status | apply exit | evidence key=value
CASES=(
  "proxy-enabled-no-server|proxy-settings|manual|3|manual|3|proxy_enable=1"
  "proxy-malformed|proxy-settings|manual|3|manual|3|proxy_server=10.0.0.5;8080"
  "proxy-disabled-with-server|proxy-settings|planned|2|fixed|0|proxy_server=10.0.0.5:8080"
  "proxy-set|proxy-settings|pass|0|pass|0|reachable=not tested (offline volume)"
  "winhttp-proxy-set|proxy-settings|pass|0|pass|0|winhttp=127.0.0.1:3128"
  "winhttp-proxy-no-server|proxy-settings|manual|3|manual|3|winhttp_raw=2800000003000000030000000000000000000000"
  "ie-file-download-disabled|ie-file-download|planned|2|fixed|0|effective=disabled"
  "ie-file-download-policy|ie-file-download|manual|3|manual|3|effective=disabled"
  "timezone-missing|proxy-settings|pass|0|pass|0|proxy_enable=0"
)
n=0
for c in "${CASES[@]}"; do
  IFS='|' read -r fault check dstatus dcode astatus acode kv <<<"$c"
  n=$((n + 1))
  dir="$T/f$n"
  MARSPLAY_LAB_PROXY='' lab "$dir" "$fault"
  before=$(tree_hash "$dir")
  for pb in "$PB_CONNECT" "$PB_VAULT"; do
    run --root "$dir" "$pb" --format json --dry-run
  done
  eq "$fault: dry-runs changed nothing" "$before" "$(tree_hash "$dir")"
  run --root "$dir" "$PB_CONNECT" --format json --dry-run
  eq "$fault: dry-run exit" "$dcode" "$CODE"
  eq "$fault: dry-run $check" "$dstatus" "$(status_of agent-unable-to-connect "$check")"
  eq "$fault: evidence ${kv%%=*}" "${kv#*=}" "$(ck agent-unable-to-connect "$check" ".evidence.${kv%%=*} | tostring")"
  case $dstatus in
    planned) check "$fault: a planned action" test "$(ck agent-unable-to-connect "$check" '[.actions[] | select(.state == "planned")] | length')" -gt 0 ;;
    manual) check "$fault: manual steps" test "$(ck agent-unable-to-connect "$check" '.recommendations | length')" -gt 0 ;;
  esac
  [ "$dstatus" = pass ] || check "$fault: message" test -n "$(ck agent-unable-to-connect "$check" '.message // ""')"
  eq "$fault: dry-run changed nothing" "$before" "$(tree_hash "$dir")"
  run --root "$dir" "$PB_CONNECT" --format json
  eq "$fault: apply exit" "$acode" "$CODE"
  eq "$fault: apply $check" "$astatus" "$(status_of agent-unable-to-connect "$check")"
  if [ "$astatus" = fixed ]; then
    eq "$fault: verified" true "$(ck agent-unable-to-connect "$check" .verified)"
    after=$(tree_hash "$dir")
    run --root "$dir" "$PB_CONNECT" --format json
    eq "$fault: second apply passes" pass "$(status_of agent-unable-to-connect "$check")"
    eq "$fault: second apply exit 0" 0 "$CODE"
    eq "$fault: second apply changes nothing" "$after" "$(tree_hash "$dir")"
  else
    eq "$fault: apply changed nothing" "$before" "$(tree_hash "$dir")"
  fi
done
# what the fixes changed, exactly
run eval --root "$T/f3" 'local r = require "marsplay.reg"
  local k = [[HKU\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings]]
  return { r.get(k, "ProxyServer"), r.get(k, "ProxyEnable") }'
eq "stale proxy: ProxyServer cleared, ProxyEnable kept" '|0' "$(j '.[0] + "|" + (.[1] | tostring)')"
run eval --root "$T/f7" 'return (require "marsplay.reg").get(
  [[HKU\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Zones\3]], "1803")'
eq "file download: 1803 set to 0" 0 "$OUT"

# time zone (clock.detect_timezone; the basic playbooks call it)
tz() { run eval --root "$1" "return require('marsplay.clock').detect_timezone({ params = { expected_timezone = '$2' }, offline = true })"; }
tz "$T/f9" ''
eq "timezone-missing: manual" manual "$(j .status)"
contains "timezone-missing: says what" "TimeZoneKeyName is missing" "$(j .message.en)"
tz "$T/healthy" ''
eq "time zone set: pass" "pass|E. South America Standard Time" "$(j '.status + "|" + .evidence.timezone')"
tz "$T/healthy" 'e. south america standard time'
eq "time zone as expected (any case): pass" pass "$(j .status)"
tz "$T/healthy" 'UTC'
eq "time zone differs from expected: manual" "manual|UTC" "$(j '.status + "|" + .evidence.expected_timezone')"
run eval "return require('marsplay.clock').detect_timezone({ params = {} })"
eq "time zone on live Linux: not applicable" skipped "$(j .status)"

# ---------- connectivity, probed from here (probe_offline) ----------
run --root "$T/healthy" "$PB_CONNECT" --format json "${PROBE[@]}" --set "connect_to=$(map)"
eq "all reachable: exit 0" 0 "$CODE"
eq "all reachable: pass" pass "$(status_of agent-unable-to-connect endpoints-reachable)"
eq "all reachable: every guide endpoint probed" \
  "www.msftncsi.com,*.microsoft.com,*.backup.windowsazure.com,*.microsoftonline.com,*.windows.net,www.msftconnecttest.com,*.blob.core.windows.net" \
  "$(ck agent-unable-to-connect endpoints-reachable '[.evidence.endpoints[].name] | join(",")')"
eq "all reachable: the agent's service host from the credentials file" "pod01-id1.brs.backup.windowsazure.com" \
  "$(ck agent-unable-to-connect endpoints-reachable '.evidence.endpoints[2].host')"
check "all reachable: the retired manage.windowsazure.com is not probed" \
  test "$(ck agent-unable-to-connect endpoints-reachable '[.evidence.endpoints[].host] | map(select(. == "manage.windowsazure.com")) | length')" = 0
eq "all reachable: no address of the ranges probed by default" "null" \
  "$(ck agent-unable-to-connect endpoints-reachable '.evidence.ip_ranges')"
eq "all reachable: where Azure AD resolved, checked against the ranges (informational)" \
  "login.microsoftonline.com 127.0.0.1: -,login.windows.net 127.0.0.1: -|pass" \
  "$(ck agent-unable-to-connect endpoints-reachable '(.evidence.aad_addresses | join(",")) + "|" + .status')"
contains "all reachable: the message says Azure AD resolved outside the ranges" "Azure AD resolved outside the guide's IP ranges" \
  "$(ck agent-unable-to-connect endpoints-reachable .message)"
eq "all reachable: unprobed wildcards listed" "*.windowsazure.com,*.queue.core.windows.net,*.blob.storage.azure.net,*.login.microsoft.com" \
  "$(ck agent-unable-to-connect endpoints-reachable '.evidence.not_probed | join(",")')"
eq "all reachable: direct" "none (direct)" "$(ck agent-unable-to-connect endpoints-reachable .evidence.proxy)"
eq "all reachable: proxy answers none" pass "$(status_of agent-unable-to-connect proxy-settings)"

# one endpoint black-holed
run --root "$T/healthy" "$PB_CONNECT" --format json "${PROBE[@]}" \
  --set "connect_to=$(map "login.windows.net:443:127.0.0.1:$hole;")"
eq "black hole: exit 3" 3 "$CODE"
eq "black hole: manual" manual "$(status_of agent-unable-to-connect endpoints-reachable)"
eq "black hole: exactly that endpoint, timeout" '["*.windows.net (login.windows.net): timeout"]' \
  "$(ck agent-unable-to-connect endpoints-reachable '.evidence.failed | tojson')"
recs=$(ck agent-unable-to-connect endpoints-reachable '.recommendations | join("\n")')
contains "black hole: firewall step names it" "allow HTTPS (port 443) to: *.windows.net (login.windows.net)." "$recs"
check "black hole: no other endpoint named" test "$(printf '%s' "$recs" | grep -c 'login.microsoftonline.com')" = 0
contains "black hole: message counts" "1 of 7 endpoints cannot be reached" "$(ck agent-unable-to-connect endpoints-reachable .message)"

# DNS failure (a name the resolver rejects without a query) and a TLS
# failure (the fixture's certificate does not name the host)
run --root "$T/healthy" "$PB_CONNECT" --format json "${PROBE[@]}" --set "connect_to=$(map "tls-mismatch.example.net:443:127.0.0.1:$https;")" \
  --set "extra_endpoints=https://$BAD/;https://tls-mismatch.example.net/"
eq "dns+tls: manual" manual "$(status_of agent-unable-to-connect endpoints-reachable)"
eq "dns+tls: exactly those two" "[\"$BAD: dns\",\"tls-mismatch.example.net: tls\"]" \
  "$(ck agent-unable-to-connect endpoints-reachable '.evidence.failed | tojson')"
recs=$(ck agent-unable-to-connect endpoints-reachable '.recommendations | join("\n")')
contains "dns: hint" "the name does not resolve" "$recs"
contains "tls: hint" "TLS handshake fails" "$recs"

# a sampled address that does not answer (refused port): informational,
# never a firewall finding (nothing may listen on an address of a range)
run --root "$T/healthy" "$PB_CONNECT" --format json "${PROBE[@]}" --set "connect_to=$(map)" --set ip_sample=1 \
  --set ip_ranges=127.0.0.1/32 --set "ip_port=$closed" --set "endpoints=https://login.microsoftonline.com/"
eq "sampled address refused: informational, the check passes" 'pass|0|refused|true' \
  "$(ck agent-unable-to-connect endpoints-reachable '.status + "|" + (.evidence.failed | length | tostring) + "|" + .evidence.ip_ranges[0].result + "|" + (.evidence.ip_ranges[0].informational | tostring)')"
eq "sampled address refused: Azure AD resolved inside the given range" "login.microsoftonline.com 127.0.0.1: 127.0.0.1/32" \
  "$(ck agent-unable-to-connect endpoints-reachable '.evidence.aad_addresses | join(",")')"

# ---------- through tinyproxy (SYSTEM proxy from the lab) ----------
MARSPLAY_LAB_PROXY="127.0.0.1:$proxy" lab "$T/proxied" proxy-set
VIA=(--root "$T/proxied" "$PB_CONNECT" --format json "${PROBE[@]}" --set "endpoints=https://127.0.0.1:$https/"
     --set ip_ranges=127.0.0.1/32 --set "ip_port=$https" --set ip_sample=1)
run "${VIA[@]}" --set "proxy_user=mars:$PPASS"
eq "proxy with credentials: exit 0" 0 "$CODE"
eq "proxy with credentials: pass" pass "$(status_of agent-unable-to-connect endpoints-reachable)"
eq "proxy with credentials: via the SYSTEM proxy" "127.0.0.1:$proxy|true|true" \
  "$(ck agent-unable-to-connect endpoints-reachable '.evidence.proxy + "|" + (.evidence.endpoints[0].via_proxy | tostring) + "|" + (.evidence.proxy_credentials | tostring)')"
eq "proxy answers: settings pass" "pass|true" \
  "$(ck agent-unable-to-connect proxy-settings '.status + "|" + (.evidence.reachable | tostring)')"
run "${VIA[@]}"
eq "proxy without credentials: exit 3" 3 "$CODE"
eq "proxy without credentials: every probe proxy_auth" "proxy_auth" \
  "$(ck agent-unable-to-connect endpoints-reachable '[.evidence.endpoints[].result, .evidence.ip_ranges[].result] | unique | join(",")')"
contains "407: message" "(407) Proxy Authentication Required" "$(ck agent-unable-to-connect endpoints-reachable .message)"
contains "407: credentials step" "Set-OBMachineSetting -ProxyServer" \
  "$(ck agent-unable-to-connect endpoints-reachable '.recommendations | join("\n")')"
run "${VIA[@]}" --set "proxy_user=mars:Wr0ng-Pa55_word" --lang pt-BR
contains "407 wrong password (pt-BR)" "(407) Autenticação de Proxy Necessária" "$(ck agent-unable-to-connect endpoints-reachable .message)"
# the proxy parameter wins over the lab's
run "${VIA[@]}" --set "proxy=http://127.0.0.1:$closed"
eq "proxy parameter used" "127.0.0.1:$closed|parameter proxy|proxy" \
  "$(ck agent-unable-to-connect endpoints-reachable '.evidence.proxy + "|" + .evidence.proxy_source + "|" + .evidence.endpoints[0].result')"
# a SYSTEM proxy nobody listens on
MARSPLAY_LAB_PROXY="127.0.0.1:$closed" lab "$T/deadproxy" proxy-set
run --root "$T/deadproxy" "$PB_CONNECT" --format json "${PROBE[@]}" --only proxy-settings
eq "dead proxy: manual, refused" "manual|refused" \
  "$(ck agent-unable-to-connect proxy-settings '.status + "|" + .evidence.probe_result')"

# a proxy auto-config script: offline only recorded; probed, a dead one is manual
MARSPLAY_LAB_PAC="http://127.0.0.1:$closed/proxy.pac" lab "$T/pac" proxy-autoconfig-set
before=$(tree_hash "$T/pac")
run --root "$T/pac" "$PB_CONNECT" --format json --dry-run --only proxy-settings
eq "pac offline: pass, URL recorded" "pass|http://127.0.0.1:$closed/proxy.pac" \
  "$(ck agent-unable-to-connect proxy-settings '.status + "|" + .evidence.autoconfig_url')"
run --root "$T/pac" "$PB_CONNECT" --format json --dry-run "${PROBE[@]}" --only proxy-settings
eq "pac unreachable: manual, refused" "manual|refused" \
  "$(ck agent-unable-to-connect proxy-settings '.status + "|" + .evidence.autoconfig_result')"
eq "pac: dry-runs changed nothing" "$before" "$(tree_hash "$T/pac")"

# ---------- the vault-credentials download: portal endpoints ----------
run --root "$T/healthy" "$PB_VAULT" --format json "${PROBE[@]}" --set "connect_to=$(map)"
eq "portal reachable: pass" pass "$(status_of unable-to-download-vault-credentials firewall-portal)"
eq "portal reachable: the portal set" "portal.azure.com,management.azure.com,login.microsoftonline.com" \
  "$(ck unable-to-download-vault-credentials firewall-portal '[.evidence.endpoints[].name] | join(",")')"
run --root "$T/healthy" "$PB_VAULT" --format json "${PROBE[@]}" --set "connect_to=$(map "portal.azure.com:443:127.0.0.1:$hole;")"
eq "portal black-holed: exit 3" 3 "$CODE"
eq "portal black-holed: exactly it" '["portal.azure.com: timeout"]' \
  "$(ck unable-to-download-vault-credentials firewall-portal '.evidence.failed | tojson')"

# ---------- clock skew against a fixture's Date header ----------
skew() {
  run eval "return require('marsplay.clock').detect_skew({ params = { clock_url = 'https://login.microsoftonline.com/',
    clock_max_skew = 300, timeout = 5, cainfo = '$NET_CA', connect_to = { 'login.microsoftonline.com:443:127.0.0.1:$1' } }, offline = ${2:-false} })"
}
skew "$old"
eq "skewed clock: manual" manual "$(j .status)"
eq "skewed clock: server date recorded" "$OLD_DATE" "$(j .evidence.server_date)"
check "skewed clock: decades ahead" test "$(j .evidence.skew_seconds)" -gt 900000000
eq "skewed clock: direction" ahead "$(j .evidence.direction)"
skew "$https"
eq "clock in step: pass" pass "$(j .status)"
check "clock in step: skew within the limit" test "$(j .evidence.abs_skew_seconds)" -le 300
skew "$hole"
eq "clock endpoint silent: skipped, not pass" "skipped|timeout" "$(j '.status + "|" + .evidence.result')"
skew "$https" true
eq "clock offline: skipped" skipped "$(j .status)"
contains "clock offline: reason" "offline volume" "$(j .reason.en)"

# ---------- module units ----------
run eval 'local p = require "marsplay.proxy"
  local function s(x) local r, why = p.parse_server(x); return r and r.url or ("nil:" .. why) end
  return { s("10.0.0.5:8080"), s("http=h1:81;https=h2:443"), s("http://proxy.contoso.com:3128/"),
           s("socks=h:1080"), s("10.0.0.5;8080"), s("proxy.contoso.com"), s("h:99999"), s(""), s("[::1]:3128") }'
eq "parse_server" 'http://10.0.0.5:8080|http://h2:443|http://proxy.contoso.com:3128|nil:no http or https entry (socks and ftp proxies are not used for HTTPS)|nil:invalid characters in the proxy address|nil:no port|nil:the port is out of range (1-65535)|nil:empty|http://[::1]:3128' \
  "$(j 'join("|")')"
run eval 'local p = require "marsplay.proxy"
  local d = p.decode_winhttp(string.pack("<I4I4I4I4", 0x28, 5, 3, 14) .. "127.0.0.1:3128" .. string.pack("<I4", 7) .. "<local>")
  local short = { p.decode_winhttp("abc") }
  local past = { p.decode_winhttp(string.pack("<I4I4I4I4", 0x28, 5, 3, 99) .. "x") }
  return { d.proxy, d.bypass, d.proxy_enabled, d.counter, short[2], past[2] }'
eq "decode_winhttp" '127.0.0.1:3128|<local>|true|5|too short (3 bytes)|length of proxy (99) runs past the end' \
  "$(j 'map(tostring) | join("|")')"
run eval --root "$T/proxied" 'local p = require "marsplay.proxy"
  local a = { p.effective({}) }
  local b = { p.effective({ proxy = "http://10.1.1.1:8080", proxy_user = "u:pw" }) }
  local c = { p.effective({ proxy = "bad;value" }) }
  return { a[1], a[3].source, b[1], b[2], b[3].source, c[3].error }'
eq "effective: SYSTEM proxy, then the parameter" \
  "http://127.0.0.1:$proxy|HKU\\S-1-5-18\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings|http://10.1.1.1:8080|u:pw|parameter proxy|invalid proxy parameter: invalid characters in the proxy address" \
  "$(j 'join("|")')"
run eval 'local c = require "marsplay.connectivity"
  local gov = c.targets({ cloud = "usgov" })
  local hosts = {}
  for _, e in ipairs(gov) do hosts[#hosts + 1] = e.host or e.pattern end
  local own = c.targets({ endpoints = { "a.example.net", "http://b.example.net:81/x" }, extra_endpoints = { "c.example.net" } })
  local bad = { c.targets({ cloud = "mars" }) }
  local r = c.detect({ params = { cloud = "mars" } })
  return { table.concat(hosts, ","), own[1].url, own[2].url, own[3].url, bad[2], r.status, r.reason }'
eq "targets: usgov set" "www.msftncsi.com,www.microsoft.com,manage.windowsazure.us,login.microsoftonline.us,login.windows.net,management.usgovcloudapi.net,www.msftconnecttest.com" "$(j '.[0]')"
eq "targets: endpoints and extra_endpoints" "https://a.example.net/|http://b.example.net:81/x|https://c.example.net/" "$(j '.[1:4] | join("|")')"
eq "targets: unknown cloud is an error" "unknown cloud 'mars' (public or usgov)|error|unknown cloud 'mars' (public or usgov)" "$(j '.[4:7] | join("|")')"
run eval --root "$T/healthy" "return require('marsplay.connectivity').detect({ params = {}, offline = true })"
eq "detect offline: skipped" skipped "$(j .status)"

# ---------- live Linux: no agent, all skipped ----------
for pb in "$PB_CONNECT" "$PB_VAULT"; do
  run "$pb" --format json
  eq "live Linux: $(basename "$pb") exit 5 (nothing checked)" 5 "$CODE"
  eq "live Linux: $(basename "$pb") all skipped" skipped "$(j '[.playbooks[0].checks[].status] | unique | join(",")')"
done

# ---------- secrets and the loopback rule ----------
check "the proxy password never printed" test "$(printf '%s' "$EVERYTHING" | grep -c -- "$PPASS")" = 0
check "nothing was blocked by the loopback rule (no probe left unmapped)" \
  test "$(printf '%s' "$EVERYTHING" | grep -c 'MARSPLAY_NET_LOOPBACK_ONLY')" = 0

finish
