#!/usr/bin/env bash
# marsplay.net end to end, against real servers on 127.0.0.1: an HTTP and
# an HTTPS server (certificate from a CA made now), tinyproxy with
# BasicAuth, a server that accepts and never answers, one that never
# accepts, and a refused port.  Each probe() call runs many targets at
# once; every target's classification is checked.  Real Microsoft names
# are mapped to the fixtures with connect_to / resolve: nothing leaves
# the machine (lib_net.sh also sets MARSPLAY_NET_LOOPBACK_ONLY=1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_net.sh"
net_require
net_init

DATE='Sun, 06 Nov 1994 08:49:37 GMT'
EPOCH=784111777
PPASS='s3cr3t-Pw_42'
WRONG='Wr0ng-Pass_77'
http='' https='' hole='' syn='' closed='' proxy=''   # ports, set below
net_start_http http --date "$DATE"
net_start_https https --date "$DATE"
net_start_blackhole hole
net_start_blackhole syn --mode backlog
net_refused_port closed
net_start_proxy proxy --user mars --pass "$PPASS" --connect-ports "$https"
BAD=$(net_bad_dns_name)
EVERYTHING=   # all output, searched for the passwords at the end

# probe 'TARGETS' 'OPTIONS': net.probe({TARGETS}, {OPTIONS}) in the
# sandbox; the JSON result in $OUT.
probe() {
  run_mp eval "return require('marsplay.net').probe({$1}, {$2})" --format json
  EVERYTHING+="$OUT$ERR"
  if [ "$CODE" != 0 ]; then
    fail "marsplay eval exited $CODE: $ERR"
    OUT='[]'
  fi
}

# r NAME FIELD: the field of the result named NAME ("-" when absent).
r() {
  j --arg n "$1" ".[] | select(.name == \$n) | .$2 | if . == null then \"-\" else tostring end"
}

# expect NAME RESULT [FIELD=VALUE...]
expect() {
  local name=$1 want=$2 kv
  shift 2
  eq "$name: result" "$want" "$(r "$name" result)"
  for kv in "$@"; do
    eq "$name: ${kv%%=*}" "${kv#*=}" "$(r "$name" "${kv%%=*}")"
  done
}

# ---- direct: every kind of outcome in one call ----
probe "
  {name = 'http', url = 'http://127.0.0.1:$http/'},
  {name = 'status', url = 'http://127.0.0.1:$http/status/503'},
  {name = 'https', url = 'https://localhost:$https/'},
  {name = 'https-ip', url = 'https://127.0.0.1:$https/'},
  {name = 'refused', url = 'http://127.0.0.1:$closed/'},
  {name = 'blackhole', url = 'http://127.0.0.1:$hole/'},
  {name = 'backlog', url = 'http://127.0.0.1:$syn/'},
  {name = 'dns', url = 'https://$BAD/'},
  {name = 'ftp', url = 'ftp://127.0.0.1:$http/'},
  {name = 'no-answer', url = 'http://127.0.0.1:$http/close'},
  {name = 'ms-connect-to', url = 'https://login.microsoftonline.com/'},
  {name = 'ms-resolve', url = 'https://login.windows.net:$https/'},
  {name = 'userinfo', url = 'http://me:hunter2@127.0.0.1:$http/'},
  {name = 'no-scheme', url = 'localhost:$https'},
" "timeout = 2, cainfo = '$NET_CA',
   connect_to = {'login.microsoftonline.com:443:127.0.0.1:$https'},
   resolve = {'login.windows.net:$https:127.0.0.1'}"
eq "direct: results in target order" \
  "http,status,https,https-ip,refused,blackhole,backlog,dns,ftp,no-answer,ms-connect-to,ms-resolve,userinfo,no-scheme" \
  "$(j '[.[].name] | join(",")')"
expect http ok http_status=200 date="$DATE" date_epoch=$EPOCH ip=127.0.0.1 port="$http" via_proxy=false
expect status ok http_status=503
expect https ok http_status=200 date_epoch=$EPOCH
expect https-ip ok http_status=200
expect refused refused http_status=-
expect blackhole timeout http_status=-
expect backlog timeout
expect dns dns
expect ftp error
expect no-answer error
expect ms-connect-to ok http_status=200 url=https://login.microsoftonline.com/ port="$https"
expect ms-resolve ok http_status=200
expect userinfo ok url="http://me:***@127.0.0.1:$http/"
expect no-scheme ok http_status=200
contains "refused: curl's reason in detail" "connect" "$(r refused detail)"

# ---- TLS: wrong CA, system CAs, wrong name, insecure ----
probe "
  {name = 'https', url = 'https://localhost:$https/'},
  {name = 'wrong-name', url = 'https://not-in-cert.example.test/'},
" "timeout = 2, cainfo = '$NET_OTHER_CA',
   connect_to = {'not-in-cert.example.test:443:127.0.0.1:$https'}"
expect https tls http_status=-
expect wrong-name tls
probe "{name = 'https', url = 'https://localhost:$https/'}" "timeout = 2"
expect https tls
probe "
  {name = 'wrong-name', url = 'https://not-in-cert.example.test/'},
" "timeout = 2, cainfo = '$NET_CA',
   connect_to = {'not-in-cert.example.test:443:127.0.0.1:$https'}"
expect wrong-name tls
probe "{name = 'https', url = 'https://localhost:$https/'}" \
  "timeout = 2, cainfo = '$NET_OTHER_CA', insecure = true"
expect https ok http_status=200
probe "{name = 'https', url = 'https://localhost:$https/'}" \
  "timeout = 2, cainfo = '$NET_CA', tls_min = '1.2', method = 'GET'"
expect https ok http_status=200

# ---- many targets, few at a time: all answered, order kept ----
targets=
want=
for i in $(seq 1 30); do
  targets+="{name = 't$i', url = 'http://127.0.0.1:$http/status/$((200 + i))'},"
  want+="t$i:$((200 + i)),"
done
probe "$targets" "timeout = 5, max_parallel = 4"
eq "30 targets, 4 at a time" "${want%,}" "$(j '[.[] | "\(.name):\(.http_status)"] | join(",")')"

# ---- through tinyproxy with the right password ----
PROXY="proxy = 'http://127.0.0.1:$proxy', cainfo = '$NET_CA', timeout = 2"
probe "
  {name = 'https', url = 'https://127.0.0.1:$https/'},
  {name = 'http', url = 'http://127.0.0.1:$http/'},
  {name = 'port-denied', url = 'https://127.0.0.1:$http/'},
  {name = 'upstream-refused', url = 'http://127.0.0.1:$closed/'},
  {name = 'upstream-silent', url = 'http://127.0.0.1:$hole/'},
" "$PROXY, proxy_user = 'mars:$PPASS'"
expect https ok via_proxy=true proxy_status=200 http_status=200 date_epoch=$EPOCH port="$proxy"
expect http ok via_proxy=true http_status=200 date_epoch=$EPOCH
expect port-denied proxy proxy_status=403
expect upstream-refused proxy http_status=500
expect upstream-silent timeout
# Basic only, and the password in the proxy URL instead of proxy_user
probe "{name = 'https', url = 'https://127.0.0.1:$https/'}" \
  "$PROXY, proxy_user = 'mars:$PPASS', proxy_auth = 'basic'"
expect https ok proxy_status=200
probe "{name = 'https', url = 'https://127.0.0.1:$https/'}" \
  "proxy = 'http://mars:$PPASS@127.0.0.1:$proxy', cainfo = '$NET_CA', timeout = 2"
expect https ok proxy_status=200

# ---- wrong or no credentials ----
probe "{name = 'https', url = 'https://127.0.0.1:$https/'}" "$PROXY, proxy_user = 'mars:$WRONG'"
expect https proxy_auth      # tinyproxy answers a wrong password with 401
probe "
  {name = 'https', url = 'https://127.0.0.1:$https/'},
  {name = 'http', url = 'http://127.0.0.1:$http/'},
" "$PROXY"
expect https proxy_auth proxy_status=407
expect http proxy_auth http_status=407

# ---- the proxy itself unreachable; the bypass list ----
probe "{name = 'https', url = 'https://127.0.0.1:$https/'}" \
  "proxy = '127.0.0.1:$closed', cainfo = '$NET_CA', timeout = 2"
expect https proxy via_proxy=true
probe "{name = 'https', url = 'https://127.0.0.1:$https/'}" \
  "proxy = '127.0.0.1:$hole', cainfo = '$NET_CA', timeout = 1"
expect https timeout via_proxy=true
probe "
  {name = 'bypassed', url = 'https://localhost:$https/'},
  {name = 'proxied', url = 'https://127.0.0.1:$https/'},
" "proxy = '127.0.0.1:$closed', noproxy = 'example.com;<local>', cainfo = '$NET_CA', timeout = 2"
expect bypassed ok via_proxy=false http_status=200
expect proxied proxy via_proxy=true

# ---- secrets never appear in any output ----
case "$EVERYTHING" in
  *"$PPASS"* | *"$WRONG"* | *hunter2*) fail "a password appears in the output" ;;
  *) pass "no password in any output" ;;
esac

# ---- names that would need DNS are refused (in a private network
# namespace when possible, so even a broken rule could not leak) ----
if unshare -rn true 2>/dev/null; then
  set +e
  OUT=$(unshare -rn "$MP" eval "return require('marsplay.net').probe({
      {name = 'real', url = 'https://management.azure.com/'},
      {name = 'address', url = 'http://192.0.2.1:80/'}}, {timeout = 1})" --format json 2>"$T/ns.err")
  CODE=$?
  set -e
  eq "netns eval exit" 0 "$CODE"
  expect real error
  contains "real name: refused by the loopback rule" MARSPLAY_NET_LOOPBACK_ONLY "$(r real detail)"
  expect address error
  contains "non-loopback address: refused by the loopback rule" MARSPLAY_NET_LOOPBACK_ONLY "$(r address detail)"
else
  say "skip - loopback rule for real names (no private network namespace)"
fi

# ---- argument errors are Lua errors ----
run_mp eval "return require('marsplay.net').probe({'http://127.0.0.1:$http/'}, {bogus = 1})" --format json
check "unknown option: eval fails" test "$CODE" != 0
contains "unknown option: named" "unknown option 'bogus'" "$ERR"

# ---- address ranges and dates through the sandbox ----
run_mp eval "local n = require('marsplay.net')
  return { sample = n.cidr_sample('20.190.128.0/18', 3),
           inside = n.cidr_contains('40.126.0.0/18', '40.126.63.1'),
           outside = n.cidr_contains('40.126.0.0/18', '40.126.64.1'),
           date = n.parse_http_date('$DATE') }" --format json
eq "cidr_sample" "20.190.128.1 20.190.159.255 20.190.191.254" "$(j '.sample | join(" ")')"
eq "cidr_contains inside" true "$(j .inside)"
eq "cidr_contains outside" false "$(j .outside)"
eq "parse_http_date" "$EPOCH" "$(j .date)"

finish
