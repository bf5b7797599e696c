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
