#!/usr/bin/env bash
# Hostile input: whatever a damaged or booby-trapped volume holds, a run
# ends with findings or errors that say what is wrong, and valid reports:
# never a crash, never a hang.  Invalid UTF-8 and control characters in
# names and contents, a 100 MB line in a scanned log, deeply nested and
# entity-laden XML, truncated and corrupted hives, FIFOs and devices
# where files are read, all playbooks on one such volume.
. "$(dirname "$0")/lib.sh"

AGENT="Program Files/Microsoft Azure Recovery Services Agent"
CONFIGDIR="Windows/System32/config"

# guarded ARGS: run marsplay (stdout $OUT, exit $CODE), at most 120 s.
guarded() {
  set +e
  OUT=$(timeout -s KILL 120 "$MP" "$@" 2>"$T/stderr")
  CODE=$?
  set -e
  ERR=$(cat "$T/stderr")
}
# sane WHAT: no crash (signal), no hang (killed by timeout), exit 0..4.
sane() {
  check "$1: no crash or hang (exit $CODE)" test "$CODE" -le 4
  case "$ERR" in *"Sanitizer"* | *"runtime error"*) fail "$1: sanitizer report"; say "$ERR" | head -20 >&2 ;; esac
}
# valid_json WHAT: $OUT is JSON and strict UTF-8.
valid_json() {
  check "$1: JSON parses" jq -e . <<<"$OUT" >/dev/null
  check "$1: strict UTF-8" /usr/bin/python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8", "strict")' <<<"$OUT"
}

# ---------- names: invalid UTF-8 and control characters ----------
lab "$T/names"
W="$T/names/Windows/Temp"
for n in $'bad\xff\xfe.tmp' $'esc\x1b[31mred.tmp' $'new\nline.tmp' $'tab\tcr\r.tmp' $'bell\x07.tmp' \
         $'\xc0\xaf-overlong.tmp' $'\xed\xa0\x80-surrogate.tmp' "$(printf 'long%0200d.tmp' 0)"; do
  printf 'x\n' >"$W/$n"
done
mkdir "$T/names/$AGENT/Scratch/"$'dir\x1b]0;title\x07'
printf 'x' >"$T/names/$AGENT/Scratch/"$'file\x9b31m.dat'
for pb in cache invalid-vault-credentials; do
  [ -f "$SRC/playbooks/$pb.lua" ] || continue
  mapfile -d '' S < <(sets_for "$SRC/playbooks/$pb.lua" --set 'protected=C:\Data' --set tmp_limit=2)
  guarded --root "$T/names" "$pb" "${S[@]+"${S[@]}"}" --dry-run --format json --junit "$T/names-$pb.xml"
  sane "names: $pb"
  valid_json "names: $pb"
  check "names: $pb JUnit well-formed" xmllint --noout "$T/names-$pb.xml"
  guarded --root "$T/names" "$pb" "${S[@]+"${S[@]}"}" --dry-run --color never
  sane "names: $pb text"
  eq "names: $pb text has no raw escape character" 0 "$(printf '%s' "$OUT" | tr -cd '\033\233' | wc -c)"
done
guarded eval --root "$T/names" 'local fs = require "marsplay.fs"
  local d = fs.dir([[C:\Windows\Temp]]); local t = {}
  for _, e in ipairs(d) do t[#t + 1] = e end
  return t'
sane "names: fs.dir"
valid_json "names: fs.dir"
eq "names: names that are not UTF-8 are flagged" 3 "$(jq '[.[] | select(.valid_utf8 == false)] | length' <<<"$OUT")"
guarded --root "$T/names" "$SRC/tests/playbooks/fixops.lua" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp' --format json
sane "names: deleting them"
eq "names: all deleted, whatever their bytes" 0 "$(find "$W" -maxdepth 1 -name '*.tmp' -type f | wc -l)"

# ---------- a 100 MB line in a scanned log ----------
lab "$T/big"
LOGDIR="$T/big/$AGENT/Temp"
mkdir -p "$LOGDIR"
{ head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' 'a'; printf ' 0x80070570\r\nC:\\Data\\x.txt\t0x80070005\r\n'; } \
  >"$LOGDIR/LastBackupFailedFiles0bad_1_1_2026.txt"
set +e
timeout -s KILL 300 /usr/bin/time -f '%M' -o "$T/rss" "$MP" eval --root "$T/big" 'local fs = require "marsplay.fs"
  local r, err = fs.scan([[C:\Program Files\Microsoft Azure Recovery Services Agent\Temp\LastBackupFailedFiles0bad_1_1_2026.txt]],
                         { codes = true, max_samples = 2 })
  if not r then return { error = err } end
  local codes, longest = {}, 0
  for code, c in pairs(r.codes or {}) do
    codes[#codes + 1] = code .. "=" .. c.count
    for _, s in ipairs(c.samples or {}) do longest = math.max(longest, #s) end
  end
  table.sort(codes)
  return { lines = r.lines, codes = table.concat(codes, ","), longest_sample = longest }' >"$T/big.out" 2>"$T/big.err"
CODE=$?
set -e
OUT=$(cat "$T/big.out")
check "100 MB line: scanned (exit $CODE)" test "$CODE" = 0
say "# 100 MB line: $(jq -c . <<<"$OUT" 2>/dev/null || cat "$T/big.err"), max RSS $(cat "$T/rss" 2>/dev/null) KiB"
eq "100 MB line: the lines counted" 2 "$(jq -r .lines <<<"$OUT")"
contains "100 MB line: the code at its end found" "0x80070570=1" "$(jq -r .codes <<<"$OUT")"
check "100 MB line: samples cut short" test "$(jq -r .longest_sample <<<"$OUT")" -le 4096
if [ -z "${MARSPLAY_VALGRIND:-}" ] && ! grep -q __asan_init "$MP"; then   # not under ASan/valgrind
  check "100 MB line: memory stays bounded (max RSS < 64 MiB)" test "$(tail -1 "$T/rss")" -lt 65536
fi
pb=backup-jobs-completed-with-warning          # scans the failed-files logs
if [ -f "$SRC/playbooks/$pb.lua" ]; then
  guarded --root "$T/big" "$pb" --dry-run --format json
  sane "100 MB line: $pb"
  valid_json "100 MB line: $pb"
fi
rm -f "$LOGDIR/LastBackupFailedFiles0bad_1_1_2026.txt"

# ---------- XML: deep nesting, entities, UTF-16 garbage ----------
lab "$T/xml"
TASK="$T/xml/Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup"
CREDS=$(find "$T/xml/Users" -name '*.VaultCredentials' | head -1)
python3 - "$T/deep.xml" "$T/laughs.xml" "$T/bad16.xml" <<'EOF'
import sys
open(sys.argv[1], "wb").write(b"<?xml version='1.0'?>" + b"<Task>" * 200000 + b"</Task>" * 200000)
ent = b"<!DOCTYPE lolz [<!ENTITY lol \"lol\">" + b"".join(
    b"<!ENTITY lol%d \"%s\">" % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"
open(sys.argv[2], "wb").write(b"<?xml version='1.0'?>" + ent + b"<Task><Settings><Enabled>&lol9;</Enabled></Settings></Task>")
open(sys.argv[3], "wb").write(b"\xff\xfe" + "<Task>".encode("utf-16-le") + b"\x00\xd8\x41\x00" + "</Task>".encode("utf-16-le"))
EOF
for f in deep laughs bad16; do
  cp "$T/$f.xml" "$TASK"
  [ -n "$CREDS" ] && cp "$T/$f.xml" "$CREDS"
  guarded eval --root "$T/xml" 'local xml, fs = require "marsplay.xml", require "marsplay.fs"
    local s = fs.read([[C:\Windows\System32\Tasks\Microsoft\OnlineBackup\Microsoft-OnlineBackup]])
    local tree, err, code = xml.parse(s)
    return { ok = tree ~= nil, err = err, code = code }'
  sane "xml $f: parse"
  eq "xml $f: refused" false "$(jq -r .ok <<<"$OUT")"
  check "xml $f: says why ($(jq -r .err <<<"$OUT" | head -c 100))" test -n "$(jq -r '.err // empty' <<<"$OUT")"
  for pb in backups-dont-run-on-schedule invalid-vault-credentials; do
    [ -f "$SRC/playbooks/$pb.lua" ] || continue
    guarded --root "$T/xml" "$pb" --dry-run --format json --junit "$T/xml-$pb.xml"
    sane "xml $f: $pb"
    valid_json "xml $f: $pb"
    check "xml $f: $pb JUnit well-formed" xmllint --noout "$T/xml-$pb.xml"
  done
done

# ---------- hives: truncated, corrupted, empty ----------
lab "$T/hive"
cp "$T/hive/$CONFIGDIR/SOFTWARE" "$T/SOFTWARE.good"
size=$(stat -c %s "$T/SOFTWARE.good")
for cut in 0 100 4096 4200 $((size / 2)) $((size - 1)) corrupt zeros; do
  case "$cut" in
    corrupt) cp "$T/SOFTWARE.good" "$T/s"; printf '\xff%.0s' $(seq 512) | dd of="$T/s" bs=1 seek=4200 conv=notrunc status=none ;;
    zeros) head -c "$size" /dev/zero >"$T/s" ;;
    *) head -c "$cut" "$T/SOFTWARE.good" >"$T/s" ;;
  esac
  cp "$T/s" "$T/hive/$CONFIGDIR/SOFTWARE"
  guarded --root "$T/hive" cache --set 'protected=C:\Data' --dry-run --format json
  sane "hive $cut: cache dry-run"
  valid_json "hive $cut: cache dry-run"
  msg=$(jq -r '[.playbooks[0].checks[] | .message // .reason // empty] | first // ""' <<<"$OUT")
  check "hive $cut: a reason is given ($msg)" test -n "$msg"
  guarded --root "$T/hive" "$SRC/tests/playbooks/fixops.lua" --set op=set_value \
    --set 'a=HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config' --set b=ScratchLocation --set c=REG_SZ --set 'd=C:\x' --format json
  sane "hive $cut: a write"
  st=$(j '.playbooks[0].checks[0].actions[0].state // "none"')
  check "hive $cut: the write did not pretend ($st)" test "$st" != "done" -o "$cut" = "$((size - 1))"
done
cp "$T/SOFTWARE.good" "$T/hive/$CONFIGDIR/SOFTWARE"

# ---------- FIFOs and devices where files are read ----------
lab "$T/fifo"
KEK="$T/fifo/$AGENT/Scratch/OnlineBackup.KEK"
rm -f "$KEK" "$T/fifo/$CONFIGDIR/SYSTEM" "$T/fifo/$CONFIGDIR/DEFAULT"
mkfifo "$KEK" "$T/fifo/$CONFIGDIR/SYSTEM" "$T/fifo/$CONFIGDIR/DEFAULT"
F="$T/fifo/Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup"
rm -f "$F"; mkfifo "$F"
CREDS=$(find "$T/fifo/Users" -name '*.VaultCredentials' | head -1)
[ -n "$CREDS" ] && { rm -f "$CREDS"; mkfifo "$CREDS"; }
if mknod "$T/fifo/Windows/Temp/zero.tmp" c 1 5 2>/dev/null; then devnote="a /dev/zero node"; else devnote="no device node (mknod refused)"; fi
say "# FIFOs at the KEK, SYSTEM and DEFAULT hives, the task and credentials files; $devnote"
for pb in "$SRC"/playbooks/*.lua; do
  name=$(basename "$pb" .lua)
  guarded --root "$T/fifo" "$pb" --set 'protected=C:\Data' --dry-run --format json
  sane "fifo: $name"
  valid_json "fifo: $name"
done
guarded eval --root "$T/fifo" 'local fs, reg = require "marsplay.fs", require "marsplay.reg"
  local kek = [[C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch\OnlineBackup.KEK]]
  local r = {}
  r.read = select(2, fs.read(kek)) or "read"
  local f, e = io.open(kek); r.io = f and (f:read(10) or "eof") or e
  r.sys = select(2, reg.get([[HKLM\SYSTEM\Select]], "Current")) or "value"
  r.hku = select(2, reg.get([[HKU\.DEFAULT\Software]], "x")) or "value"
  r.scan = select(2, fs.scan(kek, { codes = true })) or "scanned"
  local z = [[C:\Windows\Temp\zero.tmp]]
  r.zero_read = select(2, fs.read(z)) or "read"
  local zf = io.open(z); r.zero_io = zf and #(zf:read(1 << 20) or "") or "refused"
  r.zero_scan = select(2, fs.scan(z, { codes = true })) or "scanned"
  return r'
sane "fifo: direct reads"
valid_json "fifo: direct reads"
say "# fifo reads: $(jq -c . <<<"$OUT")"

finish
