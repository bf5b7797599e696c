#!/bin/bash
# Every lab fault Wine can represent, run live under Wine and compared with
# the Linux build's offline run of the same lab: detected, fixed and
# verified with the same status (issue 13's "done when").
#
# 1. Each fault's lab is run offline (Linux, fast) and its affected checks
#    are the ones whose status differs from the healthy lab's.
# 2. Faults are packed into states whose affected checks do not overlap
#    (so no fault hides another's); a packed state is checked offline to
#    give every fault's affected checks the status they had alone, and a
#    fault that does not is moved to a state of its own.
# 3. Each state is seeded into a Wine prefix (lib_live.sh's seed) and run
#    three times on each side: dry-run, apply, dry-run again.  A check the
#    offline run decided (not skipped) must have the same status and
#    actions live in each of the three runs (kind and target; the state of
#    an action too).  Checks skipped offline are not compared here: the
#    healthy state of t_live.sh holds them to tests/win/live-skips.txt.
# tests/win/live-faults-skip.txt lists the faults Wine cannot represent,
# with why (each must name a lab fault, so the list cannot go stale).
. "$(dirname "$0")/lib_live.sh"

SKIPFILE=$SRC/tests/win/live-faults-skip.txt
"$LIN/marsplay" lab --list-faults | awk '{print $1}' >"$T/all-faults"
grep -v '^#' "$SKIPFILE" | sed 's/:.*//' | grep . >"$T/skip-faults"
stale=$(grep -vxFf "$T/all-faults" "$T/skip-faults" | tr "\n" " " || true)
eq "live-faults-skip.txt names only lab faults" "" "$stale"
grep -vxFf "$T/skip-faults" "$T/all-faults" >"$T/faults"
say "# $(wc -l <"$T/faults") faults Wine can represent, $(wc -l <"$T/skip-faults") it cannot (live-faults-skip.txt)"

# 1. offline, one fault per lab
single() {   # single NAME [--fault F]...: the lab $T/one/NAME and its offline dry-run
  rm -rf "${T:?}/one/$1"
  if ! "$LIN/marsplay" lab "$T/one/$1" "${@:2}" >/dev/null 2>"$T/one/$1.err"; then
    # faults the lab refuses to combine: noted for the packing
    sed -n "s/.*faults '\([^']*\)' and '\([^']*\)' cannot be combined.*/\1 \2/p" "$T/one/$1.err" >>"$T/conflicts"
    return 1
  fi
  find "$T/one/$1" -type l -delete
  "$LIN/marsplay" --root "$T/one/$1" --format json --lang en all --dry-run "${SETS[@]}" \
    >"$T/one/$1.json" 2>/dev/null || true
  [ -s "$T/one/$1.json" ]
}
mkdir -p "$T/one"
single healthy || { echo "Bail out! the healthy lab"; exit 1; }
while read -r f; do
  single "$f" --fault "$f" || fail "$f: the lab or its offline run"
done <"$T/faults"

# 2. pack the faults into states (tests/win/live_faults.py)
pack() { python3 "$SRC/tests/win/live_faults.py" pack "$T/one" "$T/faults" "$T/alone" "$T/conflicts"; }
masked() { python3 "$SRC/tests/win/live_faults.py" masked "$T/one" "$@"; }
: >"$T/alone"; : >"$T/conflicts"
for _ in $(seq 12); do
  pack >"$T/groups"
  moved=0; n=0; nconf=$(wc -l <"$T/conflicts")
  while read -r -a g; do
    n=$((n + 1))
    args=(); for f in "${g[@]}"; do args+=(--fault "$f"); done
    if ! single "g$n" "${args[@]}"; then
      if [ "$(wc -l <"$T/conflicts")" -gt "$nconf" ]; then moved=1; continue; fi   # repacked
      fail "state g$n (${g[*]}): the lab: $(tail -1 "$T/one/g$n.err")"; continue
    fi
    [ "${#g[@]}" -gt 1 ] || continue
    for f in $(masked "$T/one/g$n.json" "${g[@]}"); do echo "$f" >>"$T/alone"; moved=1; done
  done <"$T/groups"
  [ "$moved" = 0 ] && break
done
eq "the packing settled (no state with refused or hidden faults)" 0 "$moved"
say "# $(wc -l <"$T/groups") states; faults alone (hidden by others in a shared state): $(tr '\n' ' ' <"$T/alone")"

# 3. each state live under Wine: dry-run, apply, dry-run again (the
# apply and the dry-run after it only where the offline apply fixed a
# check), each of the playbooks its faults affect.
# sets_for PLAYBOOK...: the --set options of SETS these playbooks declare
# (marsplay refuses a parameter no selected playbook has).
sets_for() {
  local i err=$T/sets.$BASHPID
  SUB=()
  for ((i = 1; i < ${#SETS[@]}; i += 2)); do
    "$LIN/marsplay" --root "$T/one/healthy" --format json "$@" --dry-run --set "${SETS[i]}" >/dev/null 2>"$err" || true
    grep -q 'no selected playbook has this parameter' "$err" || SUB+=(--set "${SETS[i]}")
  done
}
# state N FAULT...: one state, in its own prefix (states run two at a
# time; a state whose lab has another computer name runs alone, since the
# host name is the namespace's).  Its TAP lines go to $T/gN.log.
state() {
  local s=g$1; shift
  local args=() f pbs
  for f; do args+=(--fault "$f"); done
  export WINEPREFIX=$PRISTINE.$s
  on_exit "wine_gone '$WINEPREFIX'"
  read -r -a pbs <<<"$(python3 "$SRC/tests/win/live_faults.py" playbooks "$T/one" "$@")"
  sets_for "${pbs[@]}"
  seed "$s" "${args[@]}" </dev/null || return 1
  offline "$s" "${pbs[@]}" --dry-run "${SUB[@]}"
  live "${pbs[@]}" --dry-run "${SUB[@]}" >"$T/$s.win.json" </dev/null
  FAULTS=1 check "$s ($*): dry-run of ${pbs[*]} live as offline" compare "$s"
  cp -a "$T/$s" "$T/$s.fix"
  "$LIN/marsplay" --root "$T/$s.fix" --format json --lang en "${pbs[@]}" "${SUB[@]}" >"$T/$s.fix.lin.json" 2>/dev/null || true
  if python3 "$SRC/tests/win/live_faults.py" fixed "$T/$s.fix.lin.json"; then
    live "${pbs[@]}" "${SUB[@]}" >"$T/$s.fix.win.json" </dev/null
    FAULTS=1 check "$s: apply live as offline" compare "$s.fix"
    "$LIN/marsplay" --root "$T/$s.fix" --format json --lang en "${pbs[@]}" --dry-run "${SUB[@]}" \
      >"$T/$s.after.lin.json" 2>/dev/null || true
    live "${pbs[@]}" --dry-run "${SUB[@]}" >"$T/$s.after.win.json" </dev/null
    FAULTS=1 check "$s: after the fix, live as offline" compare "$s.after"
  fi
  wine_gone "$WINEPREFIX"
  rm -rf "$T/$s.fix"
  [ "$_fails" -eq 0 ]
}
on_exit "for p in '$PRISTINE'.g*; do wine_gone \"\$p\"; done"
n=0; pids=(); : >"$T/alone-host"
while read -r -a g; do
  n=$((n + 1))
  if [ "$(lab_computer "$T/one/g$n")" != MARS-SRV01 ]; then echo "$n ${g[*]}" >>"$T/alone-host"; continue; fi
  ( state "$n" "${g[@]}" ) >"$T/g$n.log" 2>&1 &
  pids+=($!)
  while [ "${#pids[@]}" -ge 2 ]; do   # the HTTP servers are jobs too: only the states count
    wait -n "${pids[@]}" || true
    left=(); for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left+=("$p"); done; pids=("${left[@]}")
  done
done <"$T/groups"
for p in "${pids[@]}"; do wait "$p" || true; done
while read -r -a g; do
  ( state "${g[@]}" ) >"$T/g${g[0]}.log" 2>&1 || true
done <"$T/alone-host"
for ((i = 1; i <= n; i++)); do
  cat "$T/g$i.log"
  if grep -q '^not ok' "$T/g$i.log" || ! grep -q '^ok' "$T/g$i.log"; then _fails=$((_fails + 1)); fi
done
say "# $n states in ${SECONDS}s"
[ "$_fails" -eq 0 ] || exit 1
