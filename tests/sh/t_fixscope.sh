#!/usr/bin/env bash
# Fixes touch only what they matched, and survive being killed.
#  1. *.tmp entries that are not regular files (a folder, links, a FIFO, a
#     socket) are left alone by delete_matching and the other calls, and
#     reported; a hard link to an outside file loses only its name.
#  2. Race harness: while the fixes run many times, another process swaps
#     a matched file with a link to an outside file, and the folder itself
#     with links to an outside folder (renameat2 RENAME_EXCHANGE): nothing
#     outside is ever deleted or changed.
#  3. SIGKILL at random moments during the documented cache move
#     (copy_tree + two registry values), the Windows\Temp clean-up and a
#     series of registry writes; after every kill the state is consistent
#     (the key file and the hive intact, the registry never naming an
#     incomplete copy) and a rerun converges to the fixed state.
. "$(dirname "$0")/lib.sh"

FIX="$SRC/tests/playbooks/fixops.lua"
O="$T/outside"
mkdir -p "$O/dir"
printf 'victim\n' >"$O/victim.tmp"
printf 'hard\n' >"$O/hard.txt"
for i in $(seq 20); do printf 'outside %d\n' "$i" >"$O/dir/o$i.tmp"; done
outside_hash=$(tree_hash "$O")
fixop() { run_mp --root "$1" "$FIX" --format json "${@:2}"; }
action() { j ".playbooks[0].checks[0].actions[0]"; }

# ---------- 1. odd entries are left alone ----------
L="$T/odd"
lab "$L"
W="$L/Windows/Temp"
mkdir "$W/dir.tmp"
printf 'inside a folder\n' >"$W/dir.tmp/inner.tmp"
printf 'data\n' >"$L/Data/target.txt"
ln -s '/Data/target.txt' "$W/link.tmp"
ln -s "$O/victim.tmp" "$W/outlink.tmp"
mkfifo "$W/fifo.tmp"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$W/sock.tmp"
ln "$O/hard.txt" "$W/hard.tmp"
printf 'a\n' >"$W/reg1.tmp"
printf 'b\n' >"$W/REG2.TMP"
printf 'keep\n' >"$W/keep.log"
nreg=$(find "$W" -maxdepth 1 -type f -iname '*.tmp' | wc -l)   # the lab's own, reg1, REG2, hard
before=$(tree_hash "$L")

fixop "$L" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp' --dry-run
eq "odd: dry-run planned" planned "$(status_of fixops op)"
eq "odd: dry-run changes nothing" "$before" "$(tree_hash "$L")"
eq "odd: regular files counted (reg1, REG2, hard and the lab's)" "$nreg" "$(action | jq -r '.before.files')"
contains "odd: detail says others left alone" "5 other entries left alone" "$(action | jq -r '.detail')"
left=$(action | jq -r '.left_alone | sort | join(",")')
eq "odd: left-alone entries named with their type" \
  "dir.tmp (dir),fifo.tmp (fifo),link.tmp (link),outlink.tmp (link),sock.tmp (socket)" "$left"

fixop "$L" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp'
eq "odd: apply fixed" fixed "$(status_of fixops op)"
eq "odd: apply action done" "done" "$(action | jq -r '.state')"
eq "odd: the regular files deleted" "$nreg" "$(action | jq -r '.count')"
check "odd: folder kept with its content" test -f "$W/dir.tmp/inner.tmp"
check "odd: link kept" test -L "$W/link.tmp"
check "odd: link to the outside kept" test -L "$W/outlink.tmp"
check "odd: FIFO kept" test -p "$W/fifo.tmp"
check "odd: socket kept" test -S "$W/sock.tmp"
check "odd: other names kept" test -f "$W/keep.log"
check "odd: link target inside kept" test -f "$L/Data/target.txt"
check "odd: regular files gone" test ! -e "$W/reg1.tmp" -a ! -e "$W/REG2.TMP" -a ! -e "$W/hard.tmp"
eq "odd: hard-linked outside file intact" hard "$(cat "$O/hard.txt")"

for name in dir.tmp link.tmp outlink.tmp fifo.tmp sock.tmp; do
  fixop "$L" --set op=delete --set "a=C:\\Windows\\Temp\\$name"
  eq "odd: delete $name: skipped" skipped "$(action | jq -r '.state')"
  contains "odd: delete $name: says why" "left alone" "$(action | jq -r '.detail')"
  fixop "$L" --set op=write --set "a=C:\\Windows\\Temp\\$name" --set b=owned
  eq "odd: write $name: skipped" skipped "$(action | jq -r '.state')"
done
fixop "$L" --set op=chmod --set 'a=C:\Windows\Temp\fifo.tmp' --set b=511
eq "odd: chmod on a FIFO: skipped, no hang" skipped "$(action | jq -r '.state')"
fixop "$L" --set op=chmod --set 'a=C:\Windows\Temp\link.tmp' --set b=511
eq "odd: chmod on a link: refused" failed "$(action | jq -r '.state')"
check "odd: the link's target keeps its mode" test "$(stat -c %a "$L/Data/target.txt")" != 777
printf 'mode\n' >"$W/mode.txt"
chmod 644 "$W/mode.txt"
fixop "$L" --set op=chmod --set 'a=C:\Windows\Temp\mode.txt' --set b=384 --dry-run
eq "odd: chmod dry-run: planned" planned "$(action | jq -r '.state')"
eq "odd: chmod dry-run: mode unchanged" 644 "$(stat -c %a "$W/mode.txt")"
fixop "$L" --set op=chmod --set 'a=C:\Windows\Temp\mode.txt' --set b=384
eq "odd: chmod: done" "done" "$(action | jq -r '.state')"
eq "odd: chmod: mode set" 600 "$(stat -c %a "$W/mode.txt")"
fixop "$L" --set op=chmod --set 'a=C:\Windows\Temp\mode.txt' --set b=384
eq "odd: chmod again: already as desired" skipped "$(action | jq -r '.state')"
if mknod "$W/dev.tmp" c 1 3 2>/dev/null; then
  fixop "$L" --set op=chmod --set 'a=C:\Windows\Temp\dev.tmp' --set b=511
  eq "odd: chmod on a device: skipped" skipped "$(action | jq -r '.state')"
  rm -f "$W/dev.tmp"
else
  say "# no mknod here: the device case is not tested"
fi
fixop "$L" --set op=copy_tree --set 'a=C:\Windows\Temp' --set 'b=C:\TempCopy'
eq "odd: copy_tree done" "done" "$(action | jq -r '.state')"
contains "odd: copy_tree reports what it did not copy" "fifo.tmp" "$(action | jq -r '.detail')"
check "odd: copy has the folder's file" test -f "$L/TempCopy/dir.tmp/inner.tmp"
check "odd: copy has no links, FIFOs or sockets" test ! -e "$L/TempCopy/link.tmp" -a ! -e "$L/TempCopy/fifo.tmp" -a ! -e "$L/TempCopy/sock.tmp"
eq "odd: outside untouched" "$outside_hash" "$(tree_hash "$O")"

# Entries a killed run had moved aside (".marsplay-deleting.NAME") are
# finished by the next run: a regular file (the matched one) is deleted,
# anything else goes back to its name.
printf 'half-deleted\n' >"$W/.marsplay-deleting.was.tmp"
ln -s "$O/victim.tmp" "$W/.marsplay-deleting.swapped.tmp"
printf 'single\n' >"$W/.marsplay-deleting.one.tmp"
before=$(tree_hash "$L")
fixop "$L" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp' --dry-run
eq "aside: dry-run changes nothing" "$before" "$(tree_hash "$L")"
contains "aside: dry-run plans to finish them" "3 set aside by an interrupted run, to finish" "$(action | jq -r '.detail')"
fixop "$L" --set op=delete --set 'a=C:\Windows\Temp\one.tmp' --dry-run
eq "aside: delete of the name, dry-run: planned" planned "$(action | jq -r '.state')"
eq "aside: dry-run still changes nothing" "$before" "$(tree_hash "$L")"
fixop "$L" --set op=delete --set 'a=C:\Windows\Temp\one.tmp'
eq "aside: delete of the name finishes it" "done" "$(action | jq -r '.state')"
contains "aside: says so" "interrupted" "$(action | jq -r '.detail')"
check "aside: its aside copy is gone" test ! -e "$W/.marsplay-deleting.one.tmp"
fixop "$L" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp'
eq "aside: delete_matching done" "done" "$(action | jq -r '.state')"
contains "aside: delete_matching says it finished one" "finished 1 deletions interrupted" "$(action | jq -r '.detail')"
contains "aside: and put one back" "put back 1 entries" "$(action | jq -r '.detail')"
check "aside: the regular file deleted" test ! -e "$W/.marsplay-deleting.was.tmp"
check "aside: the link back under its name, not deleted" test -L "$W/swapped.tmp"
eq "aside: nothing left aside" 0 "$(find "$W" -maxdepth 1 -name '.marsplay-deleting.*' | wc -l)"
eq "aside: outside untouched" "$outside_hash" "$(tree_hash "$O")"

# ---------- 2. race harness ----------
L="$T/race"
lab "$L"
W="$L/Windows/Temp"
printf 'race\n' >"$W/race.tmp"
ln -s "$O/victim.tmp" "$W/race.swap"
: >"$T/stop1"; rm -f "$T/stop1"
python3 "$SRC/tests/sh/swapper.py" "$W/race.tmp" "$W/race.swap" "$T/stop1" "$O/victim.tmp" >"$T/swap1.out" &
sw=$!
on_exit "touch '$T/stop1'; kill $sw 2>/dev/null"
wait_ready() { local _; for _ in $(seq 200); do [ -e "$1.ready" ] && return 0; sleep 0.05; done; return 1; }
check "file race: harness started" wait_ready "$T/stop1"
fixop "$L" --set op=delete --set 'a=C:\Windows\Temp\race.tmp' --set times=3000
c1=$CODE
caught1=$(j '[.playbooks[0].checks[0].actions[] | select((.detail // "") | test("changed while"))] | length')
fixop "$L" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=race.*' --set times=1000
c2=$CODE
caught2=$(j '[.playbooks[0].checks[0].actions[] | select((.detail // "") | test("changed while"))] | length')
touch "$T/stop1"
wait "$sw" || true
say "# file race: $(cat "$T/swap1.out") (fixes exit $c1, $c2; swaps caught and put back: $caught1 by delete, $caught2 by delete_matching)"
swaps=$(sed -n 's/.*swaps=\([0-9]*\).*/\1/p' "$T/swap1.out")
files=$(sed -n 's/.*files_deleted=\([0-9]*\).*/\1/p' "$T/swap1.out")
links=$(sed -n 's/.*links_deleted=\([0-9]*\).*/\1/p' "$T/swap1.out")
check "file race: the harness swapped ($swaps)" test "${swaps:-0}" -gt 100
check "file race: the fixes deleted matched files meanwhile ($files)" test "${files:-0}" -gt 0
eq "file race: a link swapped in for a matched file was never deleted" 0 "${links:-missing}"
eq "file race: nothing left set aside" 0 "$(find "$W" -maxdepth 1 -name '.marsplay-deleting.*' | wc -l)"
eq "file race: outside victim intact" victim "$(cat "$O/victim.tmp")"
eq "file race: outside untouched" "$outside_hash" "$(tree_hash "$O")"

# The folder itself swapped with links to the outside folder (absolute
# and relative: followed on the host, both reach $O/dir).
for target in "$O/dir" "../../outside/dir"; do
  mkdir -p "$W"
  for i in $(seq 20); do printf 'inside %d\n' "$i" >"$W/i$i.tmp"; done
  rm -f "$L/Windows/Temp.swap"
  ln -s "$target" "$L/Windows/Temp.swap"
  rm -f "$T/stop2" "$T/stop2.ready"
  python3 "$SRC/tests/sh/swapper.py" "$W" "$L/Windows/Temp.swap" "$T/stop2" >"$T/swap2.out" &
  sw2=$!
  on_exit "touch '$T/stop2'; kill $sw2 2>/dev/null"
  check "folder race ($target): harness started" wait_ready "$T/stop2"
  # Repeat until the clean-up has met both the real folder and the link
  # (one process may run all its calls while the harness is descheduled).
  states=""
  for _ in $(seq 30); do
    fixop "$L" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp' --set times=300
    states+=" $(j '[.playbooks[0].checks[0].actions[].state] | unique | join(" ")')"
    case "$states" in *failed*) case "$states" in *done*) break ;; esac ;; esac
  done
  states=$(printf '%s\n' $states | sort | uniq -c | tr -s ' \n' ' ')
  fixop "$L" --set op=delete --set 'a=C:\Windows\Temp\o1.tmp' --set times=300
  fixop "$L" --set op=write --set 'a=C:\Windows\Temp\o2.tmp' --set b=owned --set times=100
  touch "$T/stop2"
  wait "$sw2" || true
  [ -L "$W" ] && { mv "$W" "$L/Windows/Temp.tmpname"; mv "$L/Windows/Temp.swap" "$W"; mv "$L/Windows/Temp.tmpname" "$L/Windows/Temp.swap"; }
  say "# folder race via $target: $(cat "$T/swap2.out")"
  check "folder race ($target): the harness swapped" grep -q 'swaps=[1-9]' "$T/swap2.out"
  eq "folder race ($target): outside untouched" "$outside_hash" "$(tree_hash "$O")"
  say "# folder race via $target: delete_matching outcomes: $states"
  contains "folder race ($target): the clean-up reached the real folder" "done" "$states"
  eq "folder race ($target): the inside files were deleted" 0 "$(find "$W" -maxdepth 1 -name 'i*.tmp' | wc -l)"
done

# ---------- 3. SIGKILL at random moments ----------
KEKREL="Program Files/Microsoft Azure Recovery Services Agent/Scratch.target/OnlineBackup.KEK"
regvals() {
  "$MP" eval --root "$1" 'local r = require "marsplay.reg"
    local a = r.get([[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config]], "ScratchLocation")
    local b = r.get([[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config\CloudBackupProvider]], "ScratchLocation")
    return tostring(a) .. "|" .. tostring(b)' 2>/dev/null | jq -r .
}
ms_now() { date +%s%N | cut -c1-13; }

# One normal run on a copy gives the time scale for the kills.
L="$T/killscale"
lab "$L" scratch-reparse
CACHE=(cache --set 'protected=C:\Data' --set 'move_cache_to=C:\MARSCache' --format json)
t0=$(ms_now)
run_mp --root "$L" "${CACHE[@]}"
t1=$(ms_now)
span=$(( t1 - t0 + 20 ))
eq "cache move: a normal run fixes it" 0 "$CODE"

L="$T/kill"
lab "$L" scratch-reparse
kek=$(sha256sum "$L/$KEKREL" | cut -d' ' -f1)
old=$(regvals "$L")
killed=0 completed=0 bad=""
for i in $(seq 40); do
  delay=$(( (RANDOM % span) + 1 ))
  set +e
  timeout -s KILL "0.$(printf '%03d' "$delay")" "$MP" --root "$L" "${CACHE[@]}" >/dev/null 2>&1
  rc=$?
  set -e
  if [ "$rc" = 137 ]; then killed=$((killed + 1)); else completed=$((completed + 1)); fi
  # invariants at any moment
  [ "$(sha256sum "$L/$KEKREL" | cut -d' ' -f1)" = "$kek" ] || bad+=" kek-changed@$i"
  v=$(regvals "$L")
  case "$v" in
    "$old" | 'C:\MARSCache|'* | *'|C:\MARSCache') ;;
    *) bad+=" registry($v)@$i" ;;
  esac
  case "$v" in
    *MARSCache*) [ "$(sha256sum "$L/MARSCache/OnlineBackup.KEK" 2>/dev/null | cut -d' ' -f1)" = "$kek" ] || bad+=" registry-names-incomplete-copy@$i" ;;
  esac
  # each time a fresh start: undo a completed move half the time, so kills
  # keep landing inside the copy and the registry writes
  if [ "$rc" != 137 ] && [ $((i % 2)) = 0 ]; then
    rm -rf "$L/MARSCache"
    lab "$T/kill.fresh" scratch-reparse
    cp "$T/kill.fresh/Windows/System32/config/SOFTWARE" "$L/Windows/System32/config/SOFTWARE"
    rm -rf "$T/kill.fresh"
  fi
done
say "# cache move: $killed runs killed, $completed completed (kills within ${span} ms)"
check "cache move: some runs were killed" test "$killed" -gt 0
eq "cache move: invariants held after every kill" "" "$bad"
run_mp --root "$L" "${CACHE[@]}"
eq "cache move: the rerun converges (exit 0)" 0 "$CODE"
eq "cache move: both values name the copy" 'C:\MARSCache|C:\MARSCache' "$(regvals "$L")"
eq "cache move: key file in the copy" "$kek" "$(sha256sum "$L/MARSCache/OnlineBackup.KEK" | cut -d' ' -f1)"
eq "cache move: the old folder keeps its key file" "$kek" "$(sha256sum "$L/$KEKREL" | cut -d' ' -f1)"
check "cache move: no partial copy left" test ! -e "$L/MARSCache.marsplay-partial"
h=$(tree_hash "$L")
run_mp --root "$L" "${CACHE[@]}"
eq "cache move: a further run changes nothing" "$h" "$(tree_hash "$L")"
stray=$(find "$L/Windows/System32/config" -name '*.marsplay-*' | wc -l)
say "# cache move: $stray stray hive temp files left by killed writes"

# Windows\Temp clean-up (the invalid-vault-credentials playbook) killed.
if [ -f "$SRC/playbooks/invalid-vault-credentials.lua" ]; then
  L="$T/killtemp"
  lab "$L"
  W="$L/Windows/Temp"
  for i in $(seq 3000); do printf '%d\n' "$i" >"$W/f$i.tmp"; done
  for i in $(seq 50); do printf 'log %d\n' "$i" >"$W/keep$i.log"; done
  mkdir "$W/dir.tmp"
  TEMPPB=(invalid-vault-credentials --only windows-temp-tmp-files --set tmp_limit=10 --format json)
  cp -a "$L" "$T/killtemp.scale"
  t0=$(ms_now); run_mp --root "$T/killtemp.scale" "${TEMPPB[@]}"; t1=$(ms_now)
  rm -rf "$T/killtemp.scale"
  span=$(( t1 - t0 + 20 ))
  killed=0 bad=""
  for i in $(seq 15); do
    delay=$(( (RANDOM % span) + 1 ))
    set +e
    timeout -s KILL "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))" "$MP" --root "$L" "${TEMPPB[@]}" >/dev/null 2>&1
    rc=$?
    set -e
    [ "$rc" = 137 ] && killed=$((killed + 1))
    [ "$(find "$W" -maxdepth 1 -name 'keep*.log' | wc -l)" = 50 ] || bad+=" logs-lost@$i"
    [ -d "$W/dir.tmp" ] || bad+=" folder-lost@$i"
    for f in "$W"/f[0-9]*.tmp; do
      [ -e "$f" ] || continue
      n=${f##*/f}; n=${n%.tmp}
      [ "$(cat "$f")" = "$n" ] || { bad+=" torn-$f@$i"; break; }
    done
  done
  say "# Windows\\Temp clean-up: $killed of 15 runs killed"
  eq "temp clean-up: nothing but *.tmp files touched, after every kill" "" "$bad"
  # The rerun must clean up whatever the killed runs left, even when they
  # left fewer *.tmp files than the limit above (the check then passes).
  run_mp --root "$L" "${TEMPPB[@]/tmp_limit=10/tmp_limit=0}"
  st=$(status_of invalid-vault-credentials windows-temp-tmp-files)
  check "temp clean-up: the rerun converges ($st)" test "$st" = fixed -o "$st" = pass
  eq "temp clean-up: no *.tmp file left" 0 "$(find "$W" -maxdepth 1 -name 'f[0-9]*.tmp' | wc -l)"
  eq "temp clean-up: nothing left set aside" 0 "$(find "$W" -maxdepth 1 -name '.marsplay-deleting.*' | wc -l)"
  eq "temp clean-up: logs intact" 50 "$(find "$W" -maxdepth 1 -name 'keep*.log' | wc -l)"
  check "temp clean-up: folder named *.tmp intact" test -d "$W/dir.tmp"
else
  say "# skipped the Windows\\Temp kill test: no invalid-vault-credentials playbook"
fi

# A series of registry writes killed.
cat >"$T/regwrites.lua" <<'EOF'
local mp = require "marsplay"
local KEY = [[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config\KillTest]]
return mp.playbook { id = "regwrites", checks = { mp.check { id = "values",
  detect = function()
    for i = 1, 30 do
      if mp.reg.get(KEY, "V" .. i) ~= "value-" .. i then return mp.finding { message = "missing V" .. i } end
    end
    return mp.pass()
  end,
  fix = function()
    for i = 1, 30 do mp.fix.set_value(KEY, "V" .. i, "REG_SZ", "value-" .. i) end
  end } } }
EOF
L="$T/killreg"
lab "$L"
t0=$(ms_now); run_mp --root "$T/killscale" "$T/regwrites.lua" --format json; t1=$(ms_now)
span=$(( t1 - t0 + 20 ))
killed=0 bad=""
for i in $(seq 25); do
  delay=$(( (RANDOM % span) + 1 ))
  set +e
  timeout -s KILL "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))" "$MP" --root "$L" "$T/regwrites.lua" >/dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" = 137 ] && killed=$((killed + 1))
  got=$("$MP" eval --root "$L" 'local r = require "marsplay.reg"
    local KEY = [[HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config\KillTest]]
    local n, bad = 0, {}
    for i = 1, 30 do
      local v = r.get(KEY, "V" .. i)
      if v == "value-" .. i then n = n + 1 elseif v ~= nil then bad[#bad + 1] = "V" .. i end
    end
    -- written in order: a prefix of the values, never a gap
    for i = 1, n do if r.get(KEY, "V" .. i) == nil then bad[#bad + 1] = "gap" .. i end end
    return { n = n, bad = table.concat(bad, ","), agent = r.exists([[HKLM\SOFTWARE\Microsoft\Windows Azure Backup]]) }' 2>&1) || bad+=" unreadable@$i"
  [ "$(printf '%s' "$got" | jq -r '.bad + "|" + (.agent|tostring)' 2>/dev/null)" = "|true" ] || bad+=" $got@$i"
  if [ "$rc" != 137 ] && [ $((i % 2)) = 0 ]; then   # start over now and then
    lab "$T/killreg.fresh"
    cp "$T/killreg.fresh/Windows/System32/config/SOFTWARE" "$L/Windows/System32/config/SOFTWARE"
    rm -rf "$T/killreg.fresh"
  fi
done
say "# registry writes: $killed of 25 runs killed"
check "registry writes: some runs were killed" test "$killed" -gt 0
eq "registry writes: the hive was whole after every kill" "" "$bad"
run_mp --root "$L" "$T/regwrites.lua" --format json
run_mp --root "$L" "$T/regwrites.lua" --format json
eq "registry writes: the rerun converges" pass "$(status_of regwrites values)"


# ---------- 5. a large folder read (and cleaned) as two halves at once ----------
# 17,000 entries: indexed on ext4 with two CPUs, so delete_matching reads the
# two halves of its hash order on two threads (fs.count says readers=2 for
# the same folder).  The plan must equal find's; the clean-up must take the
# regular *.tmp files and nothing else, and finish a killed run's leftover.
L="$T/big"
lab "$L"
W="$L/Windows/Temp"
python3 - "$W" <<'PY'
import os, sys
d = sys.argv[1]
fd = os.open(d, os.O_RDONLY)
for i in range(8000):
    with open(os.open("f%05d.tmp" % i if i % 3 else "F%05d.TMP" % i,
                      os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd), "wb") as f:
        f.write(b"x" * (i % 50))
for i in range(8000):
    os.close(os.open("g%05d.log" % i, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd))
for i in range(300):
    os.mkdir("dir%03d.tmp" % i, dir_fd=fd)
    os.symlink("/Data", "lnk%03d.tmp" % i, dir_fd=fd)
    os.mkfifo("fifo%03d.tmp" % i, dir_fd=fd)
with open(os.open(".marsplay-deleting.killed.tmp", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as f:
    f.write(b"left by a killed run")
PY
want=$(find "$W" -mindepth 1 -maxdepth 1 -iname '*.tmp' ! -name '.marsplay-deleting.*' -type f -printf '%s\n' |
  awk '{ n++; s += $1 } END { print n, s }')
listing() { find "$W" -mindepth 1 -maxdepth 1 -printf '%y %s %i %f\n' | sort; }
before=$(listing | md5sum)
fixop "$L" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp' --dry-run
eq "big: the plan counts what find counts (files, bytes)" "$want" "$(action | jq -r '"\(.before.files) \(.before.bytes)"')"
contains "big: the plan counts the others" "900 other entries left alone" "$(action | jq -r .detail)"
contains "big: the plan names the leftover" "1 set aside by an interrupted run" "$(action | jq -r .detail)"
eq "big: ten samples of what is left alone" 10 "$(action | jq '.left_alone | length')"
eq "big: dry-run changes nothing in the folder" "$before" "$(listing | md5sum)"
readers=$("$MP" eval --root "$L" 'local _, r = require("marsplay.fs").count([[C:\Windows\Temp]], "*.tmp") return r.readers')
if [[ $(stat -f -c %T "$W") == ext2/ext3 && $(nproc) -ge 2 ]]; then
  eq "big: the folder is read as two halves (fs.count readers)" 2 "$readers"
else
  say "# big: not an indexed ext4 folder with 2 CPUs here: one reader ($readers)"
fi
find "$W" -mindepth 1 -maxdepth 1 ! \( -type f -iname '*.tmp' \) -printf '%y %f\n' | sort >"$T/big.keep"
fixop "$L" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp'
eq "big: clean-up done" "done" "$(action | jq -r .state)"
eq "big: every matched regular file deleted" "${want%% *}" "$(action | jq -r .count)"
contains "big: the leftover finished" "finished 1 deletions interrupted" "$(action | jq -r .detail)"
eq "big: no regular *.tmp left" 0 "$(find "$W" -mindepth 1 -maxdepth 1 -type f -iname '*.tmp' | wc -l)"
find "$W" -mindepth 1 -maxdepth 1 -printf '%y %f\n' | sort >"$T/big.after"
check "big: everything else is as it was" cmp "$T/big.keep" "$T/big.after"

finish
