#!/usr/bin/env bash
# bench/run.sh - the benchmarks of issue 4: marsplay against public tools.
#
#   bench/run.sh [CASE...]        cases 1-5 (default: all); see bench/README.md
#
# Every input is generated here, in a temporary folder, and removed at the
# end.  Each case is measured with hyperfine (--export-json; the median of
# the runs) against its baseline in the same run; peak memory comes from
# /usr/bin/time -v.  The last lines are a table of ratios with PASS/MISS
# per target.  Nothing here contacts an address other than 127.0.0.1.
#
# Environment:
#   MARSPLAY_BIN    the marsplay binary (default: $MARSPLAY_BUILD/marsplay,
#                   else build/marsplay in the repository)
#   BENCH_DIR       where the inputs of cases 1, 3 and 5 go (default $TMPDIR
#                   or /tmp)
#   BENCH_TREE_DIR  where the 500,000-file tree of case 2 goes (default: a
#                   tmpfs at /dev/shm when there is one, else BENCH_DIR; see
#                   README.md for why)
#   BENCH_KEEP=1    keep the inputs (the folder is printed)
#   BENCH_WAIT_IDLE=SECONDS  before each case, wait up to SECONDS for the
#                   CPUs to be idle (a shared machine); default 0
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(dirname "$HERE")
MP=${MARSPLAY_BIN:-${MARSPLAY_BUILD:-$SRC/build}/marsplay}
PY=${PYTHON:-python3}
CC=${CC:-cc}
CASES=("$@")
((${#CASES[@]})) || CASES=(1 2 3 4 5 6 7)

die() { echo "bench: $*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }

for tool in hyperfine /usr/bin/time "$PY" "$CC"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
[[ -x $MP ]] || die "no marsplay binary at $MP (build it, or set MARSPLAY_BIN)"
MP=$(cd "$(dirname "$MP")" && pwd)/$(basename "$MP")
for c in "${CASES[@]}"; do
  [[ $c =~ ^[1-7]$ ]] || die "unknown case '$c' (1 to 7)"
done

# ---------- work folders and cleanup ----------

T0=$(date +%s.%N)
_cleanups=()
on_exit() { _cleanups+=("$1"); }       # lib_net.sh registers with this too
_cleanup() {
  local c
  for c in "${_cleanups[@]:+${_cleanups[@]}}"; do eval "$c" || true; done
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

W=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/marsplay-bench.XXXXXX")
if [[ -z ${BENCH_TREE_DIR:-} ]]; then
  BENCH_TREE_DIR=$(dirname "$W")
  if [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs && -w /dev/shm ]] &&
     (($(df -Pk /dev/shm | awk 'NR == 2 { print $4 }') > 2 * 1024 * 1024)); then
    BENCH_TREE_DIR=/dev/shm
  fi
fi
WT=$(mktemp -d "$BENCH_TREE_DIR/marsplay-bench-tree.XXXXXX")
# shellcheck disable=SC2016 # expanded when the cleanups run
if [[ ${BENCH_KEEP:-0} == 1 ]]; then
  on_exit 'note "bench: inputs kept in $W and $WT"'
else
  on_exit 'rm -rf -- "$W" "$WT"'
fi
drop() { [[ ${BENCH_KEEP:-0} == 1 ]] || rm -rf -- "$@"; }   # a case's inputs, when done
mkdir -p "$W/json" "$W/bin"
RES=$W/results.tsv
: >"$RES"

# Nothing may leave the machine, whatever a playbook or a probe asks.
export MARSPLAY_NET_LOOPBACK_ONLY=1
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# ---------- measuring ----------

# Commands are registered with `bench`, then `measure` runs them in
# ROUNDS interleaved rounds (baseline, marsplay, floor, baseline, ...), so
# that a neighbour's burst of load hits every command alike; a command's
# median is over the runs of all rounds.
B_NAME=() B_WARM=() B_RUNS=() B_OPT=() B_CMD=() B_PREP=()
declare -A MED=() CPU=()

# bench NAME WARMUP RUNS 'HYPERFINE OPTIONS' CMD
bench() { # NAME WARMUP RUNS OPTIONS COMMAND [PREPARE: run before each run, untimed]
  B_NAME+=("$1") B_WARM+=("$2") B_RUNS+=("$3") B_OPT+=("$4") B_CMD+=("$5") B_PREP+=("${6:-}")
}

# measure ROUNDS: time what bench registered; MED[NAME] is the median wall
# time in seconds, CPU[NAME] the mean user+system time.
measure() {
  local rounds=$1 r i n w name
  for ((r = 1; r <= rounds; r++)); do
    for i in "${!B_NAME[@]}"; do
      name=${B_NAME[i]}
      n=$(((B_RUNS[i] + rounds - 1) / rounds))
      w=${B_WARM[i]}
      ((r == 1 || w == 0)) || w=1
      local prep=()
      [[ -z ${B_PREP[i]} ]] || prep=(--prepare "${B_PREP[i]}")
      # shellcheck disable=SC2086 # the options are separate words
      hyperfine --style none --warmup "$w" --runs "$n" ${B_OPT[i]} "${prep[@]}" \
        --export-json "$W/json/$name.$r.json" "${B_CMD[i]}" >/dev/null 2>"$W/json/$name.err" ||
        { cat "$W/json/$name.err" >&2; die "hyperfine failed for $name"; }
    done
  done
  for i in "${!B_NAME[@]}"; do
    name=${B_NAME[i]}
    read -r "MED[$name]" "CPU[$name]" < <("$PY" -c 'import json, statistics, sys
times, cpu = [], 0.0
for f in sys.argv[1:]:
    r = json.load(open(f))["results"][0]
    times += r["times"]
    cpu += (r["user"] + r["system"]) * len(r["times"])
print("%.6f %.6f" % (statistics.median(times), cpu / len(times)))' "$W/json/$name".*.json)
    note "  $(printf '%-24s' "$name") median $(fmt_s "${MED[$name]}"), CPU $(fmt_s "${CPU[$name]}") (user+sys), ${B_RUNS[i]} runs"
  done
  B_NAME=() B_WARM=() B_RUNS=() B_OPT=() B_CMD=() B_PREP=()
}

# idle SECONDS: percentage of CPU time the whole machine left idle.
idle() {
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  sleep "$1"
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
    t = y[1] - x[1]; printf "%d", (t > 0 ? 100 * (y[2] - x[2]) / t : 100) }'
}

fstype() { # the filesystem holding a path
  local t
  t=$(findmnt -n -o FSTYPE -T "$1" 2>/dev/null | head -1)
  echo "${t:-$(stat -f -c %T "$1")}"
}

# rss CMD...: peak resident memory of CMD (and its children) in KiB, in $RSS.
rss() {
  /usr/bin/time -v -o "$W/time.txt" "$@" >/dev/null 2>&1 || true
  RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$W/time.txt")
  [[ -n $RSS ]] || RSS=0
}

fmt_s() { # seconds -> "12.3 ms" / "1.23 s"
  awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms", s * 1000; else printf "%.3f s", s }'
}

# row CASE WHAT SECONDS BASE_SECONDS TARGET_KIND TARGET RSS_KB NOTE
#   TARGET_KIND: ratio (ratio <= TARGET), abs (seconds <= TARGET),
#   rate (bytes/s >= TARGET; NOTE holds the bytes), kib (SECONDS is KiB,
#   < TARGET), cpus (SECONDS is CPU time, BASE_SECONDS wall time: how many
#   CPUs a command kept busy), info (no target)
row() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RES"
}

# ---------- the machine ----------

machine() {
  local cpu idle_now
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  idle_now=$(idle 2)
  echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
  echo "kernel:  $(uname -sr); inputs on $(fstype "$W") ($W), tree on $(fstype "$WT") ($WT)"
  echo "busy:    ${idle_now}% of the CPU time idle over 2 s before starting; load $(cut -d' ' -f1-3 /proc/loadavg)"
  # shellcheck disable=SC2185 # find --version takes no path
  echo "tools:   $(hyperfine --version), $(find --version | head -1), $(du --version | head -1)," \
       "$(awk -W version 2>&1 | head -1 | cut -d' ' -f1-2), $(curl --version 2>/dev/null | head -1 | cut -d' ' -f1-2), $(lua5.4 -v 2>&1 | cut -d' ' -f1-2)"
  echo "marsplay: $("$MP" --version) ($MP)"
  if ((idle_now < 90)); then
    echo "warning: other processes use the CPUs: the figures will be noisy (the two-thread walkers suffer most)"
  fi
}

floors() {
  "$CC" -O2 -o "$W/bin/delete" "$HERE/floor/delete.c" || die "cannot compile floor/delete.c"
  "$CC" -O2 -o "$W/bin/getdents" "$HERE/floor/getdents.c" || die "cannot compile floor/getdents.c"
  "$CC" -O2 -pthread -o "$W/bin/walk" "$HERE/floor/walk.c" || die "cannot compile floor/walk.c"
}

# ---------- case 1: count *.tmp among 200,000 names ----------

case1() {
  local d=$W/c1 want got lua
  note "case 1: count *.tmp in a folder of 200,000 entries ($(fstype "$W"))"
  mkdir -p "$d"
  "$PY" "$HERE/gen.py" flat "$d/flat" 100000 100000
  lua='return (require("marsplay.fs").count("/flat", "*.tmp"))'
  want=$(find "$d/flat" -maxdepth 1 -name '*.tmp' | wc -l)
  got=$("$MP" eval --root "$d" "$lua")
  [[ $want == 100000 && $got == "$want" ]] || die "case 1: find counts $want, marsplay $got"
  bench c1-find 3 21 "" "find '$d/flat' -maxdepth 1 -name '*.tmp' | wc -l"
  bench c1-marsplay 3 21 -N "'$MP' eval --root '$d' '$lua'"
  bench c1-floor-getdents 3 21 -N "'$W/bin/getdents' '$d/flat'"
  bench c1-version 5 60 -N "'$MP' --version"
  bench c1-eval-empty 5 60 -N "'$MP' eval --root '$d' 'return 1'"
  measure 3
  rss sh -c "find '$d/flat' -maxdepth 1 -name '*.tmp' | wc -l"
  local rb=$RSS
  rss "$MP" eval --root "$d" "$lua"
  row 1 "count: marsplay eval fs.count" "${MED[c1-marsplay]}" "${MED[c1-find]}" ratio 0.25 "$RSS" "vs find | wc -l ($rb KiB)"
  row 1 "  floor: 1-thread getdents64 loop" "${MED[c1-floor-getdents]}" "${MED[c1-find]}" info - - ""
  row 1 "  marsplay --version" "${MED[c1-version]}" "${MED[c1-find]}" info - - ""
  row 1 "  marsplay eval 'return 1'" "${MED[c1-eval-empty]}" "${MED[c1-find]}" info - - ""
  drop "$d"
}

# ---------- case 2: size of a 500,000-file tree ----------

case2() {
  local d=$WT/c2 want got lua
  note "case 2: size of a tree of 500,000 files in 500 folders ($(fstype "$WT"))"
  mkdir -p "$d"
  "$PY" "$HERE/gen.py" tree "$d/tree" 500 1000
  lua='return require("marsplay.fs").du("/tree").bytes'
  want=$(du -sb "$d/tree" | cut -f1)
  got=$("$MP" eval --root "$d" "$lua")
  [[ $got == "$want" ]] || die "case 2: du -sb says $want bytes, marsplay $got"
  [[ $("$W/bin/walk" "$d/tree") == "$want" ]] || die "case 2: the floor walker disagrees with du"
  bench c2-du 1 9 -N "du -sb '$d/tree'"
  bench c2-marsplay 1 9 -N "'$MP' eval --root '$d' '$lua'"
  bench c2-floor-walk 1 9 -N "'$W/bin/walk' '$d/tree'"
  if command -v gdu >/dev/null 2>&1; then
    bench c2-gdu 1 6 -N "gdu -n -p -s -a '$d/tree'"
  fi
  measure 3
  rss du -sb "$d/tree"
  local rb=$RSS
  rss "$MP" eval --root "$d" "$lua"
  row 2 "du: marsplay eval fs.du" "${MED[c2-marsplay]}" "${MED[c2-du]}" ratio 0.5 "$RSS" "vs du -sb ($rb KiB)"
  row 2 "  peak memory under 16 MiB" "$RSS" "" kib 16384 "$RSS" ""
  row 2 "  floor: 2-thread openat/fstatat" "${MED[c2-floor-walk]}" "${MED[c2-du]}" info - - ""
  row 2 "  CPUs busy: marsplay, floor" "${CPU[c2-marsplay]}" "${MED[c2-marsplay]}" cpus - - \
    "${CPU[c2-floor-walk]} ${MED[c2-floor-walk]}"
  if [[ -n ${MED[c2-gdu]:-} ]]; then
    row 2 "  gdu (marsplay / gdu)" "${MED[c2-marsplay]}" "${MED[c2-gdu]}" info - - ""
  fi
  drop "$d"
}

# ---------- case 3: summarise a 1 GB failed-files log ----------

case3() {
  local d=$W/c3 f size want got lua awkp
  note "case 3: summarise a 1 GB failed-files log by error code"
  mkdir -p "$d"
  f=$d/failed.log
  "$PY" "$HERE/gen.py" log "$f" $((1 << 30))
  size=$(stat -c %s "$f")
  sync "$f"                            # no writeback during the runs
  cat "$f" >/dev/null                  # into the page cache
  # shellcheck disable=SC2016 # awk's $NF
  awkp='{c[$NF]++} END {for (k in c) print k, c[k]}'
  want=$(awk "$awkp" "$f" | sort)
  lua='local r = require("marsplay.fs").scan("/failed.log", {codes = true})'
  lua+=' local t = {} for k, v in pairs(r.codes) do t[#t + 1] = k .. " " .. v.count end'
  lua+=' table.sort(t) return table.concat(t, "\n")'
  got=$("$MP" eval --root "$d" "$lua" | "$PY" -c 'import json, sys; print(json.load(sys.stdin))')
  [[ $got == "$want" ]] || die "case 3: awk and marsplay disagree: [$want] [$got]"
  bench c3-wc 2 9 -N "wc -l '$f'"
  bench c3-awk 0 3 -N "awk '$awkp' '$f'"
  bench c3-marsplay 2 9 -N "'$MP' eval --root '$d' '$lua'"
  measure 3
  rss awk "$awkp" "$f"
  local rb=$RSS
  rss "$MP" eval --root "$d" "$lua"
  row 3 "scan: marsplay eval fs.scan codes" "${MED[c3-marsplay]}" "${MED[c3-awk]}" ratio 0.2 "$RSS" "vs awk '$awkp' ($rb KiB)"
  row 3 "  throughput (GB/s, 1 GB = 10^9 B)" "${MED[c3-marsplay]}" "" rate 3e9 - "$size"
  row 3 "  floor: wc -l" "${MED[c3-wc]}" "${MED[c3-awk]}" info - - ""
  row 3 "  CPUs busy: marsplay (2 halves)" "${CPU[c3-marsplay]}" "${MED[c3-marsplay]}" cpus - - ""
  row 3 "  wc -l throughput" "${MED[c3-wc]}" "" rate - - "$size"
  drop "$d"
}

# ---------- case 4: 8 endpoints on loopback, one never answers ----------

case4() {
  local names https='' hole='' n lua targets connect seq got port
  note "case 4: probe 8 endpoints on 127.0.0.1, one never answers, 2 s timeout"
  if ! command -v openssl >/dev/null || ! command -v curl >/dev/null; then
    note "  skipped: openssl or curl missing"
    row 4 "probe: skipped (openssl or curl missing)" 0 "" info - - ""
    return 0
  fi
  names="login.microsoftonline.com login.windows.net management.azure.com www.msftconnecttest.com"
  names+=" pod01-manag1.wus.backup.windowsazure.com pod01-rec2.wus.backup.windowsazure.com go.microsoft.com"
  # shellcheck disable=SC2034 # read by lib_net.sh: the names in the server's certificate
  NET_TLS_NAMES=$names
  # shellcheck source=../tests/sh/lib_net.sh disable=SC1091
  . "$SRC/tests/sh/lib_net.sh"
  net_require openssl
  net_init
  net_start_https https
  net_start_blackhole hole
  targets='' connect='' seq="$W/c4-curl.sh"
  echo 'set +e' >"$seq"
  for n in $names pod01-id1.wus.backup.windowsazure.com; do
    port=$https
    [[ $n == pod01-id1.* ]] && port=$hole
    targets+="{name = \"$n\", url = \"https://$n/\"}, "
    connect+="\"$n:443:127.0.0.1:$port\", "
    printf 'curl -q -sS -o /dev/null -I --max-time 2 --cacert %q --connect-to %q https://%s/\n' \
      "$NET_CA" "$n:443:127.0.0.1:$port" "$n" >>"$seq"
  done
  echo 'exit 0' >>"$seq"
  lua="local r = require(\"marsplay.net\").probe({$targets}, {timeout = 2, cainfo = \"$NET_CA\", connect_to = {$connect}})"
  lua+=" local t = {} for _, x in ipairs(r) do t[#t + 1] = x.result end return table.concat(t, \" \")"
  got=$("$MP" eval "$lua")
  [[ $got == '"ok ok ok ok ok ok ok timeout"' ]] || die "case 4: unexpected probe results $got"
  [[ $(bash "$seq" 2>&1 | grep -c 'timed out') == 1 ]] || die "case 4: the curl baseline did not time out once"
  bench c4-curl-sequential 0 3 -N "bash '$seq'"
  bench c4-marsplay 0 3 -N "'$MP' eval '$lua'"
  measure 3
  rss "$MP" eval "$lua"
  row 4 "probe: marsplay eval net.probe x8" "${MED[c4-marsplay]}" "${MED[c4-curl-sequential]}" abs 2.1 "$RSS" "vs 8 sequential curl -I"
  net_stop_all
}

# ---------- case 5: start-up and the catalogue dry-run ----------

case5() {
  local lab=$W/lab pbs code q a
  note "case 5: start-up, and a dry-run of every shipped playbook on a healthy lab"
  "$MP" lab "$lab" >/dev/null 2>"$W/lab.err" || { cat "$W/lab.err" >&2; die "case 5: lab failed"; }
  mapfile -t pbs < <("$MP" list | awk '/^[^ ].*\[shipped\]$/ { print $1 }')
  ((${#pbs[@]})) || die "case 5: marsplay list shows no shipped playbook"
  note "  ${#pbs[@]} playbooks: ${pbs[*]}"
  # Offline (--root) the connectivity and clock checks skip themselves
  # unless probe_offline=true: connectivity is excluded, as the target asks.
  local cmd=("$MP" --root "$lab" --dry-run --format json --set probe_offline=false "${pbs[@]}")
  set +e
  "${cmd[@]}" >"$W/c5.json" 2>"$W/c5.err"
  code=$?
  set -e
  ((code != 1)) || { cat "$W/c5.err" >&2; die "case 5: the dry-run ended in error (exit 1)"; }
  note "  dry-run exit $code; $("$PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(", ".join("%s %d" % (k, v) for k, v in r["summary"].items() if v), "; sandbox:", r.get("sandbox", {}).get("kernel"))' "$W/c5.json")"
  q=''
  for a in "${cmd[@]}"; do q+="'$a' "; done
  bench c5-lua 10 240 -N "lua5.4 -e ''"
  bench c5-version 10 240 -N "'$MP' --version"
  bench c5-catalogue 3 30 "-N -i" "$q"
  measure 3
  rss "$MP" --version
  local rv=$RSS
  rss "${cmd[@]}"
  row 5 "start-up: marsplay --version" "${MED[c5-version]}" "${MED[c5-lua]}" ratio 2 "$rv" "vs lua5.4 -e ''"
  row 5 "catalogue dry-run (${#pbs[@]} playbooks)" "${MED[c5-catalogue]}" "${MED[c5-lua]}" abs 0.05 "$RSS" "one process: --root LAB --dry-run, all shipped playbooks"
}

# ---------- case 6: plan and clean up *.tmp in C:\Windows\Temp ----------

# cleanup6 BASE FS: 200,000 names (100,000 *.tmp) in BASE/lab/Windows/Temp,
# as hard links to a few seeds kept in BASE/seed (the *.tmp linked again
# before each clean-up run: `cp -al`, untimed); the plan and the clean-up of marsplay
# (fix.delete_matching through tests/playbooks/fixops.lua) against find
# and the floors, in the same rounds.
cleanup6() {
  local base=$1 fs=$2 tmp want got pb fixv q qf a prep
  tmp=$base/lab/Windows/Temp
  mkdir -p "$base/lab/Windows"
  "$PY" "$HERE/gen.py" sized "$base/seed" 100000 100000
  cp -al "$base/seed" "$tmp"
  mkdir "$base/seedtmp"
  find "$base/seed" -maxdepth 1 -name '*.tmp' -exec mv -t "$base/seedtmp" {} +
  fixv=("$MP" --root "$base/lab" "$SRC/tests/playbooks/fixops.lua" --format json
        --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp')
  pb=("${fixv[@]}" --dry-run)
  want=$(find "$tmp" -maxdepth 1 -iname '*.tmp' -type f -printf '%s\n' | awk '{ n++; s += $1 } END { print n, s }')
  got=$("${pb[@]}" | "$PY" -c 'import json, sys
a = json.load(sys.stdin)["playbooks"][0]["checks"][0]["actions"][0]["before"]
print(a["files"], int(a["bytes"]))') || true
  [[ $want == "$got" && $want == 100000\ * ]] || die "case 6 ($fs): find plans [$want], marsplay [$got]"
  [[ $("$W/bin/delete" plan "$tmp") == "$want" ]] || die "case 6 ($fs): the plan floor disagrees with find"
  q='' qf=''
  for a in "${pb[@]}"; do q+="'$a' "; done
  for a in "${fixv[@]}"; do qf+="'$a' "; done
  bench "c6$fs-plan-find" 2 15 "" "find '$tmp' -maxdepth 1 -iname '*.tmp' -type f -printf '%s\n' >/dev/null"
  bench "c6$fs-plan-marsplay" 2 15 "-N -i" "$q"
  bench "c6$fs-plan-floor" 2 15 -N "'$W/bin/delete' plan '$tmp'"
  measure 3
  rss "${pb[@]}"
  row 6 "plan ($fs): dry-run delete_matching" "${MED[c6$fs-plan-marsplay]}" "${MED[c6$fs-plan-find]}" ratio 0.5 "$RSS" "vs find -iname '*.tmp' -type f -printf '%s\n'"
  row 6 "  floor: 1-thread getdents+fstatat" "${MED[c6$fs-plan-floor]}" "${MED[c6$fs-plan-find]}" info - - ""
  row 6 "  CPUs busy: marsplay plan" "${CPU[c6$fs-plan-marsplay]}" "${MED[c6$fs-plan-marsplay]}" cpus - - ""
  # the clean-up: every run on a fresh copy
  printf 'cp -alf -- "%s/." "%s"\n' "$base/seedtmp" "$tmp" >"$base/prep.sh"
  prep="sh $base/prep.sh"
  $prep
  "${fixv[@]}" >/dev/null 2>&1 || true
  got=$(find "$tmp" -maxdepth 1 -iname '*.tmp' | wc -l)
  [[ $got == 0 && $(find "$tmp" -maxdepth 1 -name '*.log' | wc -l) == 100000 ]] ||
    die "case 6 ($fs): marsplay's clean-up left $got *.tmp (or touched the others)"
  bench "c6$fs-del-find" 1 9 "" "find '$tmp' -maxdepth 1 -iname '*.tmp' -type f -delete" "$prep"
  bench "c6$fs-del-marsplay" 1 9 "-N -i" "$qf" "$prep"
  bench "c6$fs-del-floor-unlink" 1 9 -N "'$W/bin/delete' unlink '$tmp'" "$prep"
  bench "c6$fs-del-floor-safe" 1 9 -N "'$W/bin/delete' safe '$tmp'" "$prep"
  measure 3
  row 6 "clean-up ($fs): delete_matching" "${MED[c6$fs-del-marsplay]}" "${MED[c6$fs-del-find]}" ratio 1.0 - "vs find -iname '*.tmp' -type f -delete"
  row 6 "  floor: getdents+unlinkat (find's)" "${MED[c6$fs-del-floor-unlink]}" "${MED[c6$fs-del-find]}" info - - ""
  row 6 "  floor: rename+fstatat+unlinkat" "${MED[c6$fs-del-floor-safe]}" "${MED[c6$fs-del-find]}" info - - ""
  row 6 "  CPUs busy: marsplay clean-up" "${CPU[c6$fs-del-marsplay]}" "${MED[c6$fs-del-marsplay]}" cpus - - ""
  drop "$base"
}

case6() {
  note "case 6: plan and clean up 100,000 *.tmp among 200,000 names, on $(fstype "$W") and on $(fstype "$WT")"
  cleanup6 "$W/c6" "$(fstype "$W")"
  [[ $(fstype "$WT") == "$(fstype "$W")" ]] || cleanup6 "$WT/c6" "$(fstype "$WT")"
}

# ---------- case 7: merge 5,000 full-catalogue host reports ----------

case7() {
  local d=$W/c7 lab=$W/c7lab pbs n size
  n=${BENCH_HOSTS:-5000}
  note "case 7: report merge of $n full-catalogue host reports"
  mkdir -p "$d"
  "$MP" lab "$lab" --fault temp-tmp-flood --fault task-multiple-instances >/dev/null 2>"$W/lab.err" ||
    { cat "$W/lab.err" >&2; die "case 7: lab failed"; }
  mapfile -t pbs < <("$MP" list | awk '/^[^ ].*\[shipped\]$/ { print $1 }')
  "$MP" --root "$lab" --dry-run --format json "${pbs[@]}" >"$d/template.json" 2>/dev/null || true
  "$PY" "$HERE/gen.py" reports "$d/template.json" "$d/r" "$n"
  size=$(cat "$d"/r/*.json | wc -c)
  note "  $n reports, $size bytes; template: $(wc -c <"$d/template.json") bytes"
  cat "$d"/r/*.json >/dev/null
  # the same exit code as jq -s computes over the hosts' own
  bench c7-cat 1 6 "" "cat '$d'/r/*.json >/dev/null"
  bench c7-marsplay-text 1 6 "-i" "'$MP' report merge '$d'/r/*.json >/dev/null"
  bench c7-marsplay-json 1 6 "-i" "'$MP' report merge --format json '$d'/r/*.json >/dev/null"
  bench c7-jq 0 3 "" "jq -s 'map(.exit_code) | add' '$d'/r/*.json >/dev/null"
  measure 3
  rss sh -c "'$MP' report merge --format json '$d'/r/*.json"
  row 7 "merge $n reports: text" "${MED[c7-marsplay-text]}" "${MED[c7-cat]}" abs 1.5 "$RSS" "$((size / 1000000)) MB of JSON; ratio vs cat"
  row 7 "merge $n reports: json (peak RSS)" "${MED[c7-marsplay-json]}" "${MED[c7-cat]}" abs 1.5 "$RSS" ""
  row 7 "  peak memory under 100 MiB" "$RSS" "" kib 102400 "$RSS" ""
  row 7 "  jq -s summing exit codes" "${MED[c7-jq]}" "${MED[c7-cat]}" info - - ""
  row 7 "  CPUs busy: marsplay text" "${CPU[c7-marsplay-text]}" "${MED[c7-marsplay-text]}" cpus - - ""
  drop "$d" "$lab"
}

# ---------- the table ----------

table() {
  "$PY" - "$RES" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def ms(s):
    s = float(s)
    return "%.1f ms" % (s * 1e3) if s < 1 else "%.3f s" % s
print()
print("%-4s %-38s %10s %10s %8s %12s %-6s %9s" % ("case", "measure", "median", "baseline", "ratio", "target", "result", "peak RSS"))
misses = 0
warn = []
for case, what, sec, base, kind, target, rss, note in rows:
    med = ms(sec) if kind not in ("kib",) else "%.1f MiB" % (float(sec) / 1024)
    b = ms(base) if base else ""
    ratio = "%.3fx" % (float(sec) / float(base)) if base and float(base) > 0 else ""
    verdict, tgt = "", ""
    if kind == "ratio":
        tgt = "<= %sx" % target
        verdict = "PASS" if float(sec) / float(base) <= float(target) else "MISS"
    elif kind == "abs":
        tgt = "<= %s" % ms(target)
        verdict = "PASS" if float(sec) <= float(target) else "MISS"
    elif kind == "kib":
        tgt = "< %d MiB" % (int(target) // 1024)
        verdict = "PASS" if float(sec) < float(target) else "MISS"
    elif kind == "cpus":
        med, b, ratio = "%.2f" % (float(sec) / float(base)), "", ""
        if note:
            c, w = note.split()
            med += ", %.2f" % (float(c) / float(w))
            note = ""
        if float(sec) / float(base) < 1.3:
            warn.append("case %s: marsplay kept only %.2f CPUs busy: another process held the "
                        "second CPU, so this case's ratio is not the machine's" % (case, float(sec) / float(base)))
    elif kind == "rate":
        rate = float(note) / float(sec)
        med = "%.2f GB/s" % (rate / 1e9)
        if target != "-":
            tgt = ">= %.0f GB/s" % (float(target) / 1e9)
            verdict = "PASS" if rate >= float(target) else "MISS"
        note = ""
    misses += verdict == "MISS"
    r = "%.1f MiB" % (int(rss) / 1024) if rss not in ("-", "", "0") else ""
    print("%-4s %-38s %10s %10s %8s %12s %-6s %9s" % (case, what[:38], med, b, ratio, tgt, verdict, r))
    if note and kind != "rate":
        print("%-4s %-38s %s" % ("", "", note))
print()
for w in warn:
    print("warning: " + w)
print("%d target(s) missed" % misses)
EOF
}

# ---------- main ----------

machine | tee "$W/machine.txt" >&2
# wait_idle: wait up to BENCH_WAIT_IDLE seconds for 3 s of idle CPUs.
wait_idle() {
  local limit=${BENCH_WAIT_IDLE:-0} t0=$SECONDS
  ((limit > 0)) || return 0
  while ((SECONDS - t0 < limit)); do
    (($(idle 3) >= 95)) && return 0
  done
  note "  (the CPUs did not become idle within ${limit} s)"
}

floors
for c in "${CASES[@]}"; do
  wait_idle
  "case$c"
done
table
echo "($(head -1 "$W/machine.txt"); $(sed -n 3p "$W/machine.txt");" \
  "$(awk -v t0="$T0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.0f s in all", t1 - t0 }'))"
