#!/bin/bash
# The proxy asked of WinHTTP itself on a live Windows (Wine here):
# marsplay.exe's proxy-settings and endpoints-reachable checks, run live
# (no --root) in dry-run, on a fresh prefix where
#   1. WinHTTP's default proxy (WinHttpSetDefaultProxyConfiguration, as
#      `netsh winhttp set proxy`) names a tinyproxy that demands
#      credentials: the checks report it from the API
#      (WinHttpGetDefaultProxyConfiguration) and the probe goes through it
#      (407 without credentials, then pass with them; the proxy's log);
#   2. the SYSTEM account's AutoConfigURL names a proxy auto-config script
#      served on 127.0.0.1 that sends one endpoint through a second proxy
#      and the other direct: WinHttpGetProxyForUrl resolves each endpoint,
#      and only the first one reaches that proxy; SYSTEM's LAN settings
#      also ask for auto-detection (WPAD), which finds nothing here and is
#      tried once, before the script, as WinINet does;
#   3. a script WinHTTP cannot run: proxy-settings is manual, the probes
#      go direct and say why.
# Everything listens on 127.0.0.1; the test runs in its own UTS and
# network namespaces (unshare -un) as t_live.sh, so no probe and no
# auto-detection (WPAD) query leaves the machine.
set -u
if [ -z "${MARSPLAY_LIVE_NS:-}" ]; then
  if unshare -un true 2>/dev/null; then
    exec unshare -un env MARSPLAY_LIVE_NS=1 bash "$0" "$@"
  fi
  echo "skip: unshare -un is not available (a namespace keeps the probes on 127.0.0.1)"; exit 77
fi
ip link set lo up 2>/dev/null || true
export WINEPREFIX=${TMPDIR:-/tmp}/marsplay-proxy-pfx.$$
. "$(dirname "$0")/lib_win.sh"
. "$SRC/tests/sh/lib_net.sh"
on_exit "wine_gone '$WINEPREFIX'"
BIN=${MARSPLAY_WIN_TESTBIN:-}
if [ ! -f "$BIN/seed_live.exe" ]; then echo "skip: no seed_live.exe in $BIN"; exit 77; fi
net_require tinyproxy jq
net_init
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
export MARSPLAY_STDLIB=$SRC/stdlib

PPASS='Pr0xy-Pa55_word'
net_start_http http            # the endpoint
net_start_http http2           # the endpoint the script sends direct
net_start_proxy authproxy --user mars --pass "$PPASS"
net_start_proxy pacproxy
proxy_log() { dirname "$(grep -l "^Port $1\$" "$NET_DIR"/proxy*/tinyproxy.conf)"; }
AUTHLOG=$(proxy_log "$authproxy")/tinyproxy.log
PACLOG=$(proxy_log "$pacproxy")/tinyproxy.log

# the proxy auto-config script, served on 127.0.0.1
mkdir -p "$T/pac"
cat >"$T/pac/proxy.pac" <<EOF
function FindProxyForURL(url, host) {
  if (url.indexOf(":$http/") >= 0) return "PROXY 127.0.0.1:$pacproxy";
  return "DIRECT";
}
EOF
printf 'function FindProxyForURL(url, host) { return "PROXY ' >"$T/pac/broken.pac"   # cut short
net_free_port pacport
python3 -m http.server "$pacport" --bind 127.0.0.1 --directory "$T/pac" >"$T/pac.log" 2>&1 &
pacpid=$!
on_exit "kill $pacpid 2>/dev/null"
net_wait_port "$pacport" || { fail "the script's server"; exit 1; }

say "# a fresh prefix"
wineboot -i >/dev/null 2>&1; wineserver -w
wineserver -p        # one wineserver for the whole test

IS='Software\Microsoft\Windows\CurrentVersion\Internet Settings'
utf16hex() { printf '%s\0' "$1" | iconv -f UTF-8 -t UTF-16LE | od -An -tx1 | tr -d ' \n'; }
seed() { printf '%s\n' "$@" >"$T/seed"; "$WINE" "$BIN/seed_live.exe" "$(win "$T/seed")"; }
# the agent is installed (its key); WinHTTP's default proxy: the authenticating one
check "seeded: the agent's key and WinHTTP's default proxy" seed \
  "K	HKLM	SOFTWARE\\Microsoft\\Windows Azure Backup" \
  "W	127.0.0.1:$authproxy	<local>"

live() { "$MP" agent-unable-to-connect --dry-run --format json --lang en --only proxy-settings,endpoints-reachable "$@" \
           2>"$T/live.err" || true; }
ck() { jq -r --arg c "$2" '.playbooks[].checks[] | select(.id == $c) | '"$3" "$1"; }

# ---- 1. WinHTTP's default proxy, from the API ----
live --set "endpoints=http://127.0.0.1:$http/" >"$T/a.json"
check "winhttp: the report is live JSON" jq -e '.target.live == true' "$T/a.json"
eq "winhttp: proxy-settings reports WinHTTP's proxy" "127.0.0.1:$authproxy" "$(ck "$T/a.json" proxy-settings .evidence.winhttp)"
contains "winhttp: ... read through the API" "WinHttpGetDefaultProxyConfiguration" \
  "$(ck "$T/a.json" proxy-settings .evidence.winhttp_source)"
eq "winhttp: proxy-settings: the proxy answers (a 407 counts)" "pass|true|proxy_auth" \
  "$(ck "$T/a.json" proxy-settings '.status + "|" + (.evidence.reachable | tostring) + "|" + .evidence.probe_result')"
eq "winhttp: the probe used it" "127.0.0.1:$authproxy" "$(ck "$T/a.json" endpoints-reachable .evidence.proxy)"
contains "winhttp: ... as WinHTTP's default proxy (the API)" "WinHttpGetDefaultProxyConfiguration" \
  "$(ck "$T/a.json" endpoints-reachable .evidence.proxy_source)"
eq "winhttp: no credentials, so 407 (proxy_auth) through it" "manual|proxy_auth|true" \
  "$(ck "$T/a.json" endpoints-reachable '.status + "|" + .evidence.endpoints[0].result + "|" + (.evidence.endpoints[0].via_proxy | tostring)')"
live --set "endpoints=http://127.0.0.1:$http/" --set "proxy_user=mars:$PPASS" >"$T/b.json"
eq "winhttp: with the credentials the endpoint answers through it" "pass|ok" \
  "$(ck "$T/b.json" endpoints-reachable '.status + "|" + .evidence.endpoints[0].result')"
check "winhttp: the proxy's log has the request" grep -q "127.0.0.1:$http" "$AUTHLOG"
check "winhttp: the secret is in no report" bash -c "! grep -q '$PPASS' '$T/b.json'"

# ---- 2. the SYSTEM account's auto-config script, run by WinHTTP ----
# and SYSTEM's LAN settings ask for auto-detection (flags 9: direct | auto-detect),
# which finds nothing here (no WPAD host in the namespace): the script is next
lan=$(python3 -c 'import struct; print((struct.pack("<III", 0x46, 1, 9) + struct.pack("<I", 0) * 3 + bytes(28)).hex())')
check "seeded: no WinHTTP proxy, SYSTEM's AutoConfigURL, auto-detection on" seed \
  "W	-	-" \
  "V	HKU	.DEFAULT\\$IS	AutoConfigURL	1	$(utf16hex "http://127.0.0.1:$pacport/proxy.pac")" \
  "V	HKU	.DEFAULT\\$IS\\Connections	DefaultConnectionSettings	3	$lan"
live --set "endpoints=http://127.0.0.1:$http/;http://127.0.0.1:$http2/" >"$T/c.json"
eq "pac: WinHTTP's default proxy is direct" "direct" "$(ck "$T/c.json" proxy-settings .evidence.winhttp)"
eq "pac: the script's URL" "http://127.0.0.1:$pacport/proxy.pac" "$(ck "$T/c.json" proxy-settings .evidence.autoconfig_url)"
eq "pac: proxy-settings: WinHTTP runs the script (DIRECT for Azure AD)" "pass|ok|DIRECT" \
  "$(ck "$T/c.json" proxy-settings '.status + "|" + .evidence.autoconfig_result + "|" + .evidence.autoconfig_proxy')"
eq "pac: proxy-settings sees auto-detection on" true "$(ck "$T/c.json" proxy-settings .evidence.autodetect)"
contains "pac: WPAD was tried first and found nothing (said once)" "auto-detection (WPAD) found no proxy auto-config script" \
  "$(ck "$T/c.json" endpoints-reachable '.evidence.proxy_notes | tostring')"
eq "pac: the first endpoint through the script's proxy, the second direct" "127.0.0.1:$pacproxy|direct" \
  "$(ck "$T/c.json" endpoints-reachable '[.evidence.endpoints[].proxy] | join("|")')"
contains "pac: ... resolved by WinHttpGetProxyForUrl" "WinHttpGetProxyForUrl" \
  "$(ck "$T/c.json" endpoints-reachable '.evidence.endpoints[0].proxy_source')"
eq "pac: both answer" "pass|ok,ok|true,false" \
  "$(ck "$T/c.json" endpoints-reachable '.status + "|" + ([.evidence.endpoints[].result] | join(",")) + "|" + ([.evidence.endpoints[].via_proxy | tostring] | join(","))')"
check "pac: the script's proxy saw the first endpoint" grep -q "127.0.0.1:$http/" "$PACLOG"
check "pac: ... and not the second" bash -c "! grep -q '127.0.0.1:$http2/' '$PACLOG'"
check "pac: WinHTTP fetched the script" grep -q "GET /proxy.pac" "$T/pac.log"

# ---- 3. a script WinHTTP cannot run: the settings check says so, the probes fall back to direct ----
check "seeded: SYSTEM's AutoConfigURL names a broken script" seed \
  "V	HKU	.DEFAULT\\$IS	AutoConfigURL	1	$(utf16hex "http://127.0.0.1:$pacport/broken.pac")"
live --set "endpoints=http://127.0.0.1:$http2/" >"$T/d.json"
eq "broken: proxy-settings is manual (fetched, not runnable)" "manual|ok" \
  "$(ck "$T/d.json" proxy-settings '.status + "|" + .evidence.autoconfig_result')"
contains "broken: ... with WinHTTP's error" "WinHTTP error" "$(ck "$T/d.json" proxy-settings .evidence.autoconfig_error)"
eq "broken: the probe went direct, saying why" "direct|pass" \
  "$(ck "$T/d.json" endpoints-reachable '.evidence.endpoints[0].proxy + "|" + .status')"
contains "broken: ... the script's failure in the evidence" "WinHttpGetProxyForUrl" \
  "$(ck "$T/d.json" endpoints-reachable '.evidence.proxy_notes | tostring')"
[ -s "$T/live.err" ] && sed 's/^/# stderr: /' "$T/live.err" | head -5
[ "$_fails" -eq 0 ] || exit 1
