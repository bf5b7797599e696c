# lib.sh - helpers for the end-to-end tests (sourced, not run).
# Each test: `. "$(dirname "$0")/lib.sh"`, then uses $MP (the CLI),
# $SRC (the repository), $T (a temporary folder removed on exit).
set -euo pipefail

MP=${MARSPLAY_BIN:?MARSPLAY_BIN must name the marsplay binary}
SRC=${MARSPLAY_SOURCE:?MARSPLAY_SOURCE must name the repository}
T=$(mktemp -d "${TMPDIR:-/tmp}/marsplay-test.XXXXXX")
_cleanups=()
_fails=0
_passes=0

on_exit() { _cleanups+=("$1"); }
_cleanup() {
  local c
  for c in "${_cleanups[@]:+${_cleanups[@]}}"; do eval "$c" || true; done
  chmod -R u+rwX "$T" 2>/dev/null || true
  rm -rf "$T"
}
trap _cleanup EXIT

say() { printf '%s\n' "$*"; }
pass() { _passes=$((_passes + 1)); say "ok - $*"; }
fail() { _fails=$((_fails + 1)); say "not ok - $*" >&2; }

# check DESCRIPTION COMMAND...: pass if the command succeeds.
check() {
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# eq DESCRIPTION EXPECTED ACTUAL
eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}

# contains DESCRIPTION NEEDLE HAYSTACK
contains() {
  case "$3" in *"$2"*) pass "$1" ;; *) fail "$1: [$2] not in output"; say "$3" | head -40 >&2 ;; esac
}

# Run marsplay, capture stdout in $OUT and the exit code in $CODE.
run_mp() {
  set +e
  OUT=$("$MP" "$@" 2>"$T/stderr")
  CODE=$?
  set -e
  ERR=$(cat "$T/stderr")
}

# Print, NUL-separated, the "--set KEY=VALUE" pairs among the arguments
# that playbook PB declares (marsplay refuses keys no selected playbook
# declares): sets_for PB --set a=1 --set b=2
sets_for() {
  local pb=$1 err; shift
  while [ $# -ge 2 ]; do
    err=$("$MP" "$pb" --dry-run --format json --set "$2" 2>&1 >/dev/null || true)
    case $err in
      *"no selected playbook has this parameter"*) ;;
      *) printf '%s\0%s\0' "$1" "$2" ;;
    esac
    shift 2
  done
}

# jq over $OUT (the JSON report).
j() { printf '%s' "$OUT" | jq -r "$@"; }

# Status of check ID in playbook PB in the JSON report $OUT.
status_of() {
  printf '%s' "$OUT" | jq -r --arg pb "$1" --arg id "$2" \
    '.playbooks[] | select(.id == $pb) | .checks[] | select(.id == $id) | .status'
}

# A hash of everything in a tree: names, types, modes, sizes, mtimes,
# link targets and file contents (sparse files by their data segments).
# Equal hashes: nothing was changed.
tree_hash() {
  /usr/bin/python3 "$SRC/tests/sh/treehash.py" "$1"
}

# Build a lab with faults into DIR.
lab() {
  local dir=$1; shift
  local args=()
  local f
  for f in "$@"; do args+=(--fault "$f"); done
  "$MP" lab "$dir" "${args[@]+"${args[@]}"}" >/dev/null 2>"$T/lab.err" || {
    cat "$T/lab.err" >&2
    return 1
  }
}

# Kill a lab's holder process, if any.
lab_cleanup() {
  local pidf="$1/.marsplay-lab-holder"
  if [ -f "$pidf" ]; then
    kill "$(cat "$pidf")" 2>/dev/null || true
    rm -f "$pidf"
  fi
}

# End the test: the plain summary line ctest and CI read.
finish() {
  say "$_passes passed, $_fails failed"
  [ "$_fails" -eq 0 ]
}

# MARSPLAY_VALGRIND=1: every run of $MP goes through valgrind (memcheck,
# definite and indirect leaks count as errors, exit 99).  Each process
# logs to $MARSPLAY_VALGRIND_LOG.<pid> (default in $T); finish fails the
# test if any log is not empty, and shows it.
if [ "${MARSPLAY_VALGRIND:-0}" = 1 ]; then
  _vglog=${MARSPLAY_VALGRIND_LOG:-$T/valgrind}
  {
    printf '#!/bin/sh\n'
    printf 'exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect'
    printf ' --show-leak-kinds=definite,indirect --child-silent-after-fork=yes --vgdb=no'
    printf ' "--log-file=%s.%%p" "%s" "$@"\n' "$_vglog" "$MP"
  } >"$T/marsplay-valgrind"
  chmod +x "$T/marsplay-valgrind"
  MP="$T/marsplay-valgrind"
  eval "$(declare -f finish | sed '1s/^finish/_finish_plain/')"
  finish() {
    local f
    for f in "$_vglog".*; do
      [ -s "$f" ] || continue
      # valgrind 3.19 does not know openat2 and Landlock: it says so, and
      # the calls fail with ENOSYS (marsplay then uses its fallbacks).
      grep -v -e 'WARNING: unhandled .* syscall' -e 'You may be able to write your own handler' \
        -e 'README_MISSING_SYSCALL_OR_IOCTL' -e 'Nevertheless we consider this a bug' \
        -e 'valgrind.org/support/bug_reports' "$f" >"$f.errors" || true
      [ -s "$f.errors" ] || continue
      fail "valgrind found errors: $f"
      head -80 "$f.errors" >&2
    done
    _finish_plain
  }
fi
