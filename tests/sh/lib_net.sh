# lib_net.sh - network fixtures for the end-to-end tests (bash, sourced).
#
# Every fixture listens on 127.0.0.1 only, on a port the kernel picks,
# and is stopped by net_stop_all (installed as the EXIT trap by net_init).
#
#   . "$MARSPLAY_SOURCE/tests/sh/lib_net.sh"
#   net_require [TOOL...]            # exit 77 unless python3 and the tools
#                                    # (default: openssl tinyproxy) exist
#   net_init                         # temp dir, cleanup trap, safe environment
#   net_start_http  VAR [--date D]   # HTTP server; sets VAR to its port
#   net_start_https VAR [--date D]   # HTTPS server, certificate from $NET_CA
#   net_start_proxy VAR [--user U --pass P] [--connect-ports "P1 P2"]
#                                    # tinyproxy (BasicAuth when --user)
#   net_start_blackhole VAR [--mode accept|backlog|refused]
#                                    # accept: accepts, never answers
#                                    # backlog: never accepts (SYN hangs)
#                                    # refused: bound, not listening
#   net_refused_port VAR             # = net_start_blackhole VAR --mode refused
#   net_free_port VAR                # a port free right now (racy: prefer
#                                    # the fixtures above, which bind port 0)
#   net_wait_port PORT [SECONDS]     # until 127.0.0.1:PORT accepts
#   net_bad_dns_name                 # prints a name whose lookup fails
#                                    # locally, without any DNS query
#   net_stop_all                     # stop every fixture, remove the dir
#
# With tests/sh/lib.sh sourced first, net_init registers net_stop_all
# with its on_exit list; otherwise it installs its own EXIT trap.  Each
# fixture also has a watchdog that stops it if the test shell dies.
#
# HTTP(S) fixture paths: / answers 200, /status/NNN answers NNN, /close
# closes the connection without an answer.  --date fixes the Date header.
#
# After net_init:
#   NET_DIR        scratch folder (kept if NET_KEEP=1)
#   NET_CA         CA certificate that signed the HTTPS fixture's certificate
#   NET_OTHER_CA   an unrelated CA (for "wrong CA" tests)
#   NET_TLS_NAMES  extra DNS names for the server certificate; set it before
#                  the first net_start_https (default: a few Microsoft
#                  endpoint names, so tests can map them with connect_to)
#
# net_init exports MARSPLAY_NET_LOOPBACK_ONLY=1 (marsplay.net then refuses
# any non-loopback address and any name that needs DNS) and unsets the
# proxy environment variables.  Tests must map real host names to the
# fixtures with the probe options `connect_to` or `resolve`.

NET_PYTHON=${NET_PYTHON:-}
NET_DIR=${NET_DIR:-}
NET_CA=
NET_OTHER_CA=
NET_TLS_NAMES=${NET_TLS_NAMES:-"login.microsoftonline.com login.windows.net management.azure.com www.msftconnecttest.com pod01-manag1.wus.backup.windowsazure.com"}
NET_PIDS=()
_NET_SEQ=0
_NET_PORT=
_NET_OWNER=
_NET_FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures" && pwd)

net_require() { # [TOOL...]: default python3 openssl tinyproxy
  local tool
  (($#)) || set -- python3 openssl tinyproxy
  for tool in python3 "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "skip: $tool not found" >&2
      exit 77
    fi
  done
  NET_PYTHON=${NET_PYTHON:-$(command -v python3)}
}

net_init() {
  [[ -n $NET_PYTHON ]] || NET_PYTHON=$(command -v python3)
  NET_DIR=$(mktemp -d "${TMPDIR:-/tmp}/marsplay-net.XXXXXX")
  _NET_OWNER=$BASHPID
  if declare -F on_exit >/dev/null; then
    on_exit net_stop_all            # lib.sh's cleanup list
  else
    trap net_stop_all EXIT
  fi
  trap 'exit 130' INT
  trap 'exit 143' TERM
  export MARSPLAY_NET_LOOPBACK_ONLY=1
  unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
}

net_stop_all() {
  local pid i alive
  for pid in "${NET_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for ((i = 0; i < 50; i++)); do
    alive=0
    for pid in "${NET_PIDS[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${NET_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  NET_PIDS=()
  if [[ -n $NET_DIR && -d $NET_DIR && ${NET_KEEP:-0} != 1 ]]; then
    rm -rf -- "$NET_DIR"
  fi
}

# _net_watch PID: stop PID if this shell dies without cleaning up (say,
# killed by a test driver's timeout).
_net_watch() {
  local target=$1
  (
    while kill -0 "$_NET_OWNER" 2>/dev/null && kill -0 "$target" 2>/dev/null; do
      sleep 1
    done
    kill -TERM "$target" 2>/dev/null
  ) </dev/null >/dev/null 2>&1 &
  NET_PIDS+=("$!")
}

# _net_spawn NAME PORTFILE CMD...: start CMD in the background, wait until
# it writes its port to PORTFILE; sets _NET_PORT.
_net_spawn() {
  local name=$1 pf=$2 pid i
  shift 2
  "$@" >"$NET_DIR/$name.log" 2>&1 &
  pid=$!
  NET_PIDS+=("$pid")
  _net_watch "$pid"
  for ((i = 0; i < 300; i++)); do
    if [[ -s $pf ]]; then
      _NET_PORT=$(<"$pf")
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "net: $name exited early:" >&2
      cat "$NET_DIR/$name.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "net: $name did not become ready" >&2
  return 1
}

_net_server() { # VAR MODE [ARGS...]
  local _ns_var=$1 _ns_mode=$2 _ns_pf
  shift 2
  _NET_SEQ=$((_NET_SEQ + 1))
  _ns_pf="$NET_DIR/$_ns_mode$_NET_SEQ.port"
  _net_spawn "$_ns_mode$_NET_SEQ" "$_ns_pf" "$NET_PYTHON" "$_NET_FIXTURES/net_server.py" \
    "$_ns_mode" --port-file "$_ns_pf" "$@" || return 1
  printf -v "$_ns_var" '%s' "$_NET_PORT"
}

net_free_port() {
  local _nfp_port
  _nfp_port=$("$NET_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
  printf -v "$1" '%s' "$_nfp_port"
}

net_wait_port() {
  local port=$1 secs=${2:-30} i
  for ((i = 0; i < secs * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "net: nothing listens on 127.0.0.1:$port" >&2
  return 1
}

net_bad_dns_name() {
  # a 64-octet label: longer than DNS allows, so the resolver library
  # fails it before sending anything
  printf '%s.invalid\n' "$(printf 'x%.0s' {1..64})"
}

net_make_certs() {
  local d="$NET_DIR/tls" san name
  [[ -f $d/server.pem ]] && return 0
  mkdir -p "$d"
  san="DNS:localhost,IP:127.0.0.1,IP:::1"
  for name in $NET_TLS_NAMES; do san+=",DNS:$name"; done
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=marsplay test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$d/other.key" -out "$d/other.pem" -days 2 -subj "/CN=marsplay other CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost"
    printf '%s\n' "subjectAltName=$san" "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$d/server.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
      -CAcreateserial -days 2 -extfile "$d/server.ext" -out "$d/server.pem"
  } >"$d/openssl.log" 2>&1 || {
    echo "net: openssl failed:" >&2
    cat "$d/openssl.log" >&2
    return 1
  }
  # shellcheck disable=SC2034 # used by the tests
  NET_CA="$d/ca.pem"
  # shellcheck disable=SC2034
  NET_OTHER_CA="$d/other.pem"
}

net_start_http() {
  local _nh_var=$1
  shift
  _net_server "$_nh_var" http "$@"
}

net_start_https() {
  local _nh_var=$1
  shift
  net_make_certs || return 1
  _net_server "$_nh_var" https --cert "$NET_DIR/tls/server.pem" --key "$NET_DIR/tls/server.key" "$@"
}

net_start_blackhole() {
  local _nb_var=$1 _nb_mode=blackhole
  shift
  while (($#)); do
    case $1 in
      --mode)
        case $2 in
          accept) _nb_mode=blackhole ;;
          backlog | refused) _nb_mode=$2 ;;
          *) echo "net_start_blackhole: unknown mode $2" >&2; return 1 ;;
        esac
        shift 2 ;;
      *) echo "net_start_blackhole: unknown option $1" >&2; return 1 ;;
    esac
  done
  _net_server "$_nb_var" "$_nb_mode"
}

net_refused_port() {
  net_start_blackhole "$1" --mode refused
}

net_start_proxy() {
  local _np_var=$1 user='' pass='' ports='' try _np_port conf dir pid p
  shift
  while (($#)); do
    case $1 in
      --user) user=$2; shift 2 ;;
      --pass) pass=$2; shift 2 ;;
      --connect-ports) ports=$2; shift 2 ;;
      *) echo "net_start_proxy: unknown option $1" >&2; return 1 ;;
    esac
  done
  _NET_SEQ=$((_NET_SEQ + 1))
  dir="$NET_DIR/proxy$_NET_SEQ"
  mkdir -p "$dir"
  for try in 1 2 3 4 5; do         # the free port may be taken meanwhile
    net_free_port _np_port
    conf="$dir/tinyproxy.conf"
    {
      echo "Port $_np_port"
      echo "Listen 127.0.0.1"
      echo "Allow 127.0.0.1"
      echo "Timeout 30"
      echo "MaxClients 32"
      echo "LogLevel Info"
      echo "LogFile \"$dir/tinyproxy.log\""
      echo "PidFile \"$dir/tinyproxy.pid\""
      echo "DisableViaHeader Yes"
      if [[ -n $user ]]; then echo "BasicAuth $user $pass"; fi
      for p in $ports; do echo "ConnectPort $p"; done
    } >"$conf"
    tinyproxy -d -c "$conf" >"$dir/stdout.log" 2>&1 &
    pid=$!
    NET_PIDS+=("$pid")
    _net_watch "$pid"
    if net_wait_port "$_np_port" 10 2>/dev/null && kill -0 "$pid" 2>/dev/null; then
      printf -v "$_np_var" '%s' "$_np_port"
      return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "net: tinyproxy attempt $try failed:" >&2
    cat "$dir/stdout.log" "$dir/tinyproxy.log" >&2 2>/dev/null || true
  done
  return 1
}
