#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [TARGET...]: build the libFuzzer targets
# (clang, ASan + UBSan) in build-fuzz/ and run each for SECONDS on its
# seed corpus tests/fuzz/corpus/<name>/.  `--total SECONDS` instead
# splits SECONDS between the targets (each gets at least 2; what CI runs,
# so that a new target does not lengthen the stage).  New inputs go to
# build-fuzz/fuzz/corpus/<name>/ (the committed seeds are never changed);
# a crash leaves its input in build-fuzz/fuzz/artifacts/.  Prints one
# line per target: executions, corpus size, result.  Exit 1 if any target
# found a crash, a leak or a timeout.
#   MARSPLAY_FUZZ_BUILD=DIR  build folder (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."
total=
if [ "${1:-}" = --total ]; then total=${2:?--total needs SECONDS}; shift 2; secs=
else secs=${1:-10}; shift || true; fi
build=${MARSPLAY_FUZZ_BUILD:-build-fuzz}
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang cmake -S . -B "$build" -DMARSPLAY_FUZZ=ON -DMARSPLAY_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do n=${f##*/fuzz_}; targets+=("${n%.c}"); done
fi
if [ -n "$total" ]; then
  secs=$(( total / ${#targets[@]} ))
  [ "$secs" -ge 2 ] || secs=2
fi
out="$build/fuzz"
mkdir -p "$out/artifacts"
failed=0
echo "$secs s per target"
printf '%-10s %10s %8s %7s  %s\n' target execs exec/s corpus result
for t in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/$t"
  work="$out/corpus/$t"
  mkdir -p "$work" "$seeds"
  log="$out/$t.log"
  set +e
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$out/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$out/artifacts/$t-" \
      "$work" "$seeds" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  size=$(( $(find "$work" -type f | wc -l) + $(find "$seeds" -type f | wc -l) ))
  if [ "$rc" = 0 ]; then result=ok; else result="FAILED (exit $rc, see $log)"; failed=1; fi
  printf '%-10s %10s %8s %7s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$size" "$result"
  if [ "$rc" != 0 ]; then grep -m5 -E 'ERROR|SUMMARY|runtime error' "$log" >&2 || true; fi
done
exit "$failed"
