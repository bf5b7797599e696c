#!/usr/bin/env bash
# t_limits.sh - limits that hold against a hostile playbook (issue 15):
#  1. detect and fix share one wildcard matcher (property test over
#     generated names and patterns: fs.glob vs fix.delete_matching plans);
#  2. paths with a NUL byte are refused, not cut; fix.chmod leaves a file
#     with other names (hard links) alone; fs.scan of a huge sparse file
#     without a line end stays within --timeout;
#  3. a report or log that cannot be written is said on stderr once, and
#     the exit code is 1;
#  4. the time budget: finalizers on engine objects, metamethods the
#     runner would call after the check, string.rep/table.move loops that
#     run no Lua, and one C call far past the budget (reported as error,
#     never as its result);
#  5. one playbook cannot reshape what another sees;
#  6. a secret in an error raised where the runner calls playbook code is
#     redacted in the JSON, JUnit and text reports;
#  8. the cache move (copy_tree) refuses a sparse file and a destination
#     without room before writing anything, and a failed copy leaves no
#     partial output (a small tmpfs volume mounted in the lab, as root);
#  7. memory per check: a check's large result does not count against
#     the next check, and a heap exhausted while the runner formats one
#     check's message is that check's error, the others keep theirs.
. "$(dirname "$0")/lib.sh"

LIM="$SRC/tests/playbooks/limits.lua"
lim() { run_mp --root "$L" "$LIM" --format json "$@"; }
reason() { j '.playbooks[0].checks[0].reason // ""'; }
L="$T/lab"
lab "$L"
on_exit "lab_cleanup '$L'"

# ---------- 1. one matcher ----------
C="$L/Cases"
mkdir -p "$C"
/usr/bin/python3 - "$C" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(15)
chars = ["a", "B", "b", "1", "[", "]", "!", "^", "-", ".", "\\", "é", "x", "T", "t"]
lines = []
def mutate(name):
    out = []
    for ch in name:
        r = rnd.random()
        if r < 0.15: out.append("?")
        elif r < 0.25: out.append("*")
        elif r < 0.32: out.append("[" + ch + "]")
        elif r < 0.37: out.append("[!" + ch + "]")
        elif r < 0.45: out.append(ch.swapcase())
        else: out.append(ch)
    if rnd.random() < 0.2: out.insert(rnd.randrange(len(out) + 1), rnd.choice(["*", "[a-c]", "[", "]", "\\"]))
    return "".join(out)
fixed = [("a[1].tmp", "a1.tmp"), ("a[1].tmp", "a[1].tmp"), ("*.*", "noext"), ("[ab]*", "b.log"),
         ("x\\*", "x*"), ("*", ".hidden"), ("?", "é"), ("[!a]", "b"), ("A*", "abc"), ("a?b", "a/b"[0] + "xb")]
cases = list(fixed)
for i in range(400):
    n = rnd.randint(1, 6)
    name = "".join(rnd.choice(chars) for _ in range(n))
    pat = mutate(name) if rnd.random() < 0.8 else "".join(rnd.choice(chars + ["*", "?"]) for _ in range(rnd.randint(1, 5)))
    cases.append((pat, name))
for i, (pat, name) in enumerate(cases):
    if name in (".", "..") or "/" in name or "\t" in pat or "\n" in pat: continue
    d = os.path.join(root, "c%d" % i)
    os.mkdir(d)
    open(os.path.join(d, name), "w").write("x")
    lines.append("c%d\t%s" % (i, pat))
open(os.path.join(root, "patterns.txt"), "w").write("\n".join(lines) + "\n")
PY
run_mp --root "$L" "$SRC/tests/playbooks/globfix.lua" --dry-run --format json
eq "one matcher: fs.glob and delete_matching agree on $(wc -l <"$C/patterns.txt") generated cases" \
  planned "$(status_of globfix agree)"
[ "$(status_of globfix agree)" = planned ] || say "$(j '.playbooks[0].checks[0].reason')" >&2
mkdir -p "$L/Data/m"
printf 'keep\n' >"$L/Data/m/a1.tmp"
printf 'match\n' >"$L/Data/m/a[1].tmp"
run_mp --root "$L" "$SRC/tests/playbooks/fixops.lua" --set op=delete_matching --set 'a=C:\Data\m' --set 'b=a[1].tmp' --format json
check "one matcher: a[1].tmp deletes the file named a[1].tmp" test ! -e "$L/Data/m/a[1].tmp"
check "one matcher: a[1].tmp leaves a1.tmp" test -e "$L/Data/m/a1.tmp"
rm -rf "$C"

# ---------- 2. NUL bytes, hard links, the scan's look-ahead ----------
printf 'keep\n' >"$L/Data/keep.docx"
for c in nul-delete nul-write nul-open nul-stat nul-reg; do
  lim --set case=$c
  contains "NUL refused ($c)" "NUL byte" "$(reason)"
done
check "NUL: keep.docx not deleted" test -f "$L/Data/keep.docx"
check "NUL: nothing written at the cut name" test "$(cat "$L/Data/keep.docx")" = keep

O="$T/outside"
mkdir -p "$O"
printf 'outside\n' >"$O/shared.txt"
chmod 644 "$O/shared.txt"
ln "$O/shared.txt" "$L/Data/hard.txt"
run_mp --root "$L" "$SRC/tests/playbooks/fixops.lua" --set op=chmod --set 'a=C:\Data\hard.txt' --set b=384 --format json
eq "chmod: a hard-linked file is left alone" skipped "$(j '.playbooks[0].checks[0].actions[0].state')"
eq "chmod: the outside name keeps its mode" 644 "$(stat -c %a "$O/shared.txt")"

truncate -s 50G "$L/Data/huge.log"
start=$(date +%s)
lim --set case=scan-huge --timeout 1
took=$(( $(date +%s) - start ))
eq "scan of a 50 GB line-less sparse file ends as a timeout" error "$(j '.playbooks[0].checks[0].status')"
check "scan of a 50 GB line-less sparse file stops near --timeout 1 (took ${took}s, bound 20s)" test "$took" -lt 20
rm -f "$L/Data/huge.log"

# ---------- 3. failed writes of reports and logs ----------
PB="$SRC/playbooks/cache.lua"
set +e
"$MP" --root "$L" "$PB" --dry-run --log /dev/full --format json >/dev/null 2>"$T/err"; code=$?
set -e
eq "--log /dev/full: exit 1" 1 "$code"
eq "--log /dev/full: said once on stderr" 1 "$(grep -c -- '--log /dev/full: write failed' "$T/err" || true)"
for fmt in json text; do
  set +e
  "$MP" --root "$L" "$PB" --dry-run --format $fmt >/dev/full 2>"$T/err"; code=$?
  set -e
  eq "report ($fmt) on a full stdout: exit 1" 1 "$code"
  eq "report ($fmt) on a full stdout: said once on stderr" 1 "$(grep -c 'standard output failed' "$T/err" || true)"
done
set +e
"$MP" eval 'return 1' >/dev/full 2>"$T/err"; code=$?
set -e
eq "eval on a full stdout: exit 1" 1 "$code"
contains "eval on a full stdout: said on stderr" "standard output failed" "$(cat "$T/err")"
set +e
"$MP" --root "$L" "$PB" --dry-run --junit /dev/full --format json >/dev/null 2>"$T/err"; code=$?
set -e
eq "--junit /dev/full: exit 1" 1 "$code"
eq "--junit /dev/full: said once" 1 "$(grep -c -- '--junit /dev/full: write failed' "$T/err" || true)"

# ---------- 4. the time budget ----------
# bounded: a hang is stopped by `timeout` (exit 124)
budget() {   # CASE EXPECTED_STATUS [--set ...]
  local c=$1 want=$2; shift 2
  set +e
  OUT=$(timeout 60 "$MP" --root "$L" "$LIM" --set case="$c" "$@" --timeout 2 --dry-run --format json 2>"$T/err")
  CODE=$?
  set -e
  check "budget $c: the run ends (exit $CODE, 124 = hung)" test "$CODE" -ne 124
  [ "$CODE" -ne 124 ] || return 0
  eq "budget $c: status" "$want" "$(j '.playbooks[0].checks[0].status')"
}
budget gc-io pass
budget gc-lfs pass
budget params-meta planned
eq "budget params-meta: the message keeps the unknown placeholder" "value: {not_a_param}" \
  "$(j '.playbooks[0].checks[0].message')"
budget rep-empty pass
budget move-nils error
contains "budget move-nils: a timeout" "time budget" "$(j '.playbooks[0].checks[0].reason')"
set +e
OUT=$(timeout 120 "$MP" --root "$L" "$LIM" --set case=find-backtrack --set n=70 --timeout 1 --dry-run --format json 2>"$T/err")
CODE=$?
set -e
eq "budget find-backtrack: one C call past the budget is an error, not its result" error \
  "$(j '.playbooks[0].checks[0].status')"
contains "budget find-backtrack: the reason says so" "ran past its time budget" "$(j '.playbooks[0].checks[0].reason')"
eq "budget find-backtrack: error kind timeout" timeout "$(j '.playbooks[0].checks[0].error_kind')"

# ---------- 5. no playbook reshapes what another sees ----------
# (free space is left out: it moves between runs, as a number and in
# words, "14.6 GiB"; so every size in words is masked)
shipped() { j -S '[.playbooks[] | select(.id != "limits") | {id, checks: [.checks[] | {id, status, message, reason, evidence}]}]
  | walk(if type == "object" then del(.free_bytes)
         elif type == "string" then gsub("[0-9]+(\\.[0-9]+)? ?(bytes|B|KiB|MiB|GiB|TiB)\\b"; "<size>")
         else . end)'; }
run_mp --root "$L" "$SRC"/playbooks/*.lua --dry-run --timeout 2 --format json
alone=$(shipped)
run_mp --root "$L" "$LIM" "$SRC"/playbooks/*.lua --set case=reshape --dry-run --timeout 2 --format json
eq "reshape: nothing shared could be changed" "reshaped: " "$(j '.playbooks[0].checks[0].message')"
after=$(shipped)
check "reshape: the shipped playbooks report the same after it" test "$alone" = "$after"
contains "reshape: (the comparison covers the agent version)" "cbengine" "$alone"

# ---------- 6. secrets on error paths ----------
for fmt in json text; do
  run_mp --root "$L" "$LIM" --set case=secret-error --set proxy_password=Hunter2Secret --dry-run \
    --format $fmt --junit "$T/secret.xml"
  check "secret-error: not in the $fmt report" test "${OUT/Hunter2Secret/}" = "$OUT"
  check "secret-error: not in the JUnit file" test "$(grep -c Hunter2Secret "$T/secret.xml")" = 0
  check "secret-error: not on stderr" test "${ERR/Hunter2Secret/}" = "$ERR"
done

# ---------- 7. memory per check ----------
"$MP" --root "$L" "$SRC/tests/playbooks/limits_mem.lua" --dry-run --format json >"$T/mem.json" 2>"$T/err" || true
mst() { jq -r --arg id "$1" '.playbooks[0].checks[] | select(.id == $id) | .status' "$T/mem.json"; }
eq "memory: the playbook keeps its checks" 5 "$(jq '.playbooks[0].checks | length' "$T/mem.json")"
eq "memory: a check before keeps its result" pass "$(mst before)"
eq "memory: the large result is kept" manual "$(mst big)"
eq "memory: the check after a large result has its own cap" pass "$(mst after-big)"
eq "memory: the heap exhausted in the runner is that check's error" error "$(mst blowup)"
eq "memory: a check after it keeps its result" pass "$(mst last)"

# ---------- 8. the cache move ----------
move() {   # LAB DEST: the cache playbook's documented move, applied
  run_mp --root "$1" cache --set 'protected=C:\Data' --set "move_cache_to=$2" --timeout 5 --format json
}
copy_action() { j '[.playbooks[0].checks[].actions[]? | select(.kind == "copy")][0]'; }
M="$T/move"
lab "$M" scratch-reparse
on_exit "lab_cleanup '$M'"
scr=$(find "$M/Program Files" -maxdepth 3 -name Scratch | head -1)
src=$(readlink -f "$scr")
truncate -s 6G "$src/holes.dat"
move "$M" 'C:\MARSCache'
eq "cache move: a sparse file is refused" failed "$(copy_action | jq -r .state)"
contains "cache move: the reason says sparse" "sparse" "$(copy_action | jq -r .detail)"
check "cache move: nothing written at the destination" test ! -e "$M/MARSCache"
check "cache move: no partial copy left" test -z "$(find "$M" -maxdepth 1 -name '*.marsplay-partial')"
rm -f "$src/holes.dat"
if [ "$(id -u)" = 0 ] && mkdir -p "$M/Small" && mount -t tmpfs -o size=8m tmpfs "$M/Small" 2>/dev/null; then
  on_exit "umount '$M/Small'"
  head -c $((20 << 20)) /dev/urandom >"$src/dense.dat"
  move "$M" 'C:\Small\MARSCache'
  eq "cache move: a destination without room is refused" failed "$(copy_action | jq -r .state)"
  contains "cache move: the reason says free space" "free space" "$(copy_action | jq -r .detail)"
  eq "cache move: the small volume is left empty" "" "$(ls -A "$M/Small")"
  rm -f "$src/dense.dat"
else
  say "skip: the free-space case needs root and tmpfs"
fi

finish
