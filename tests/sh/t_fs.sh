#!/usr/bin/env bash
# marsplay.fs against the real tools: find, du, stat, grep, statvfs, /proc.
# Generated trees hold links, hard links, sparse files, fifos, names that
# are not UTF-8, unreadable folders and a folder modified while walked.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { say "jq missing"; exit 77; }
command -v python3 >/dev/null || { say "python3 missing"; exit 77; }

R="$T/root"                    # the target volume (C:)
mkdir -p "$R"
chmod 755 "$T" "$R"            # the unprivileged checks read it too

# ev 'LUA' [extra args]: evaluate with fs = marsplay.fs; compact JSON.
ev() {
  local code=$1; shift
  "$MP" eval "local fs = require('marsplay.fs'); $code" --root "$R" "$@" 2>"$T/ev.err" |
    jq -cS . || { cat "$T/ev.err" >&2; return 1; }
}
# evr 'LUA': the same, raw value (strings unquoted).
evr() { ev "$@" | jq -r .; }

# ---------- a tree ----------
W="$R/Windows/Temp"
mkdir -p "$W" "$R/Data/sub/deeper" "$R/Program Files/Microsoft Azure Recovery Services Agent/Temp"
for i in $(seq 1 2500); do : > "$W/tmp$i.tmp"; done
for i in $(seq 1 40); do : > "$W/UP$i.TMP"; done
for i in $(seq 1 30); do : > "$W/keep$i.txt"; done
mkdir "$W/folder.tmp"
ln -s /Windows "$W/link.tmp"
mkfifo "$W/pipe.tmp"
printf 'hello world\n' > "$R/Data/a.txt"
ln "$R/Data/a.txt" "$R/Data/hard.txt"
ln -s a.txt "$R/Data/link"
ln -s / "$R/Data/up"                      # must never be followed
head -c 300000 /dev/zero > "$R/Data/sub/big.bin"
head -c 70000 /dev/zero > "$R/Data/sub/deeper/mid.bin"
truncate -s 50M "$R/Data/sub/sparse.bin"
mkfifo "$R/Data/fifo"
touch "$R/Data/"$'bad\xff\xfe.txt' "$R/Data/"$'caf\xc3\xa9.txt'
touch "$R/Data/B.txt" "$R/Data/_under.txt"

# ---------- count, glob, dir ----------
n_any=$(find "$W" -mindepth 1 -maxdepth 1 -iname '*.tmp' | wc -l)
n_file=$(find "$W" -mindepth 1 -maxdepth 1 -type f -iname '*.tmp' | wc -l)
n_case=$(find "$W" -mindepth 1 -maxdepth 1 -name '*.tmp' | wc -l)
eq "count: any type, case-insensitive = find -iname" "$n_any" "$(evr 'return (fs.count([[C:\Windows\Temp]], "*.tmp"))')"
eq "count: type=file = find -type f" "$n_file" "$(evr 'return (fs.count("/windows/TEMP", "*.tmp", {type="file"}))')"
eq "count: case=true = find -name" "$n_case" "$(evr 'return (fs.count("Windows/Temp", "*.tmp", {case=true}))')"
out=$(ev 'local n, d = fs.count("Windows/Temp", "*.TMP"); return d')
eq "count: by type, dirs" 1 "$(jq .matched_by_type.dir <<<"$out")"
eq "count: by type, links" 1 "$(jq .matched_by_type.link <<<"$out")"
eq "count: by type, other (fifo)" 1 "$(jq .matched_by_type.other <<<"$out")"
eq "count: scanned every entry" "$(find "$W" -mindepth 1 -maxdepth 1 | wc -l)" "$(jq .scanned <<<"$out")"
eq "count: ? is one character" 9 "$(evr 'return (fs.count("Windows/Temp", "tmp?.tmp"))')"
eq "count: *.* is everything" "$(find "$W" -mindepth 1 -maxdepth 1 | wc -l)" "$(evr 'return (fs.count("Windows/Temp", "*.*"))')"
eq "count: missing folder -> ENOENT" ENOENT "$(evr 'local _, _, c = fs.count("Windows/Nope", "*") return c')"

# A folder big enough to be read as two halves at once where the
# filesystem allows it (ext4's hashed folders): the same counts as find.
Big="$R/Windows/Big"
mkdir -p "$Big"
python3 - "$Big" <<'PY'
import os, sys
d = sys.argv[1].encode()
for i in range(16000):
    open(os.path.join(d, b"f%05d.tmp" % i if i % 3 else b"F%05d.TMP" % i), "wb").close()
for i in range(300):
    open(os.path.join(d, b"bad\xff%03d.tmp" % i), "wb").close()
    os.mkdir(os.path.join(d, b"dir%03d.tmp" % i))
    os.symlink(b"/etc/passwd", os.path.join(d, b"lnk%03d.tmp" % i))
    open(os.path.join(d, b"keep%03d.log" % i), "wb").close()
os.mkfifo(os.path.join(d, b"pipe.tmp"))
PY
out=$(ev 'local n, d = fs.count("Windows/Big", "*.tmp"); d.n = n; return d')
eq "big count: any type = find -iname" "$(find "$Big" -mindepth 1 -maxdepth 1 -iname '*.tmp' | wc -l)" "$(jq .n <<<"$out")"
eq "big count: files = find -type f" "$(find "$Big" -mindepth 1 -maxdepth 1 -type f -iname '*.tmp' | wc -l)" \
  "$(jq .matched_by_type.file <<<"$out")"
eq "big count: dirs" 300 "$(jq .matched_by_type.dir <<<"$out")"
eq "big count: links" 300 "$(jq .matched_by_type.link <<<"$out")"
eq "big count: other (fifo)" 1 "$(jq .matched_by_type.other <<<"$out")"
eq "big count: scanned every entry once" "$(find "$Big" -mindepth 1 -maxdepth 1 | wc -l)" "$(jq .scanned <<<"$out")"
eq "big count: case=true = find -name" "$(find "$Big" -mindepth 1 -maxdepth 1 -name '*.tmp' | wc -l)" \
  "$(evr 'return (fs.count("Windows/Big", "*.tmp", {case=true}))')"
if [ "$(stat -f -c %T "$Big")" = ext2/ext3 ] && [ "$(nproc)" -ge 2 ] &&
   lsattr -d "$Big" 2>/dev/null | cut -d' ' -f1 | grep -q I; then
  eq "big count: an indexed ext4 folder is read by two threads" 2 "$(jq .readers <<<"$out")"
else
  say "# big count: not an indexed ext4 folder with 2 CPUs here ($(stat -f -c %T "$Big")): one reader"
  eq "big count: one reader elsewhere" 1 "$(jq .readers <<<"$out")"
fi
rm -rf "$Big"

# names compared in hex: one of them is not UTF-8
want=$(cd "$R/Data" && find . -mindepth 1 -maxdepth 1 -iname '*.TXT' -printf '%f\0' | LC_ALL=C sort -z |
  python3 -c 'import sys, json; print(json.dumps([n.hex() for n in sys.stdin.buffer.read().split(b"\0") if n], separators=(",", ":")))')
eq "glob: names, byte order, case-insensitive" "$want" \
  "$(ev 'local t = {} for i, n in ipairs(fs.glob([[C:\DATA]], "*.TXT")) do t[i] = n:gsub(".", function(c) return string.format("%02x", c:byte()) end) end return t')"
eq "glob: LastBackupFailedFiles*.txt style" '["a.txt"]' "$(ev 'return fs.glob("Data", "A*.txt")')"

out=$(ev 'return fs.dir("Data")')
eq "dir: one entry per name" "$(find "$R/Data" -mindepth 1 -maxdepth 1 | wc -l)" "$(jq length <<<"$out")"
eq "dir: link is a link" link "$(jq -r '.[] | select(.name=="link") | .type' <<<"$out")"
eq "dir: fifo" fifo "$(jq -r '.[] | select(.name=="fifo") | .type' <<<"$out")"
eq "dir: sub is a dir" dir "$(jq -r '.[] | select(.name=="sub") | .type' <<<"$out")"
eq "dir: one name flagged not UTF-8" 1 "$(jq '[.[] | select(.valid_utf8==false)] | length' <<<"$out")"
eq "dir: the raw bytes survive (hex)" "626164fffe2e747874" \
  "$(evr 'for _, e in ipairs(fs.dir("Data")) do if e.valid_utf8 == false then return (e.name:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end end')"
eq "dir: sorted by bytes" '["B.txt","_under.txt","a.txt"]' \
  "$(ev 'local t = {} for _, e in ipairs(fs.dir("Data")) do if #e.name <= 10 and e.name:match("^[aB_]") then t[#t+1] = e.name end end return t')"
eq "dir: a link to a folder is not entered" ELOOP "$(evr 'local _, _, c = fs.dir("Data/up") return c')"
eq "du: a link to a folder is not entered" ELOOP "$(evr 'local _, _, c = fs.du("Data/up") return c')"

# ---------- stat, exists, isdir, read ----------
f="$R/Data/a.txt"
out=$(ev 'return fs.stat([[c:\data\A.TXT]])')
eq "stat: size" "$(stat -c %s "$f")" "$(jq .size <<<"$out")"
eq "stat: inode" "$(stat -c %i "$f")" "$(jq .ino <<<"$out")"
eq "stat: nlink (hard link)" 2 "$(jq .nlink <<<"$out")"
eq "stat: perms" "$(stat -c %A "$f" | cut -c2-)" "$(jq -r .perms <<<"$out")"
eq "stat: mode" "$((8#$(stat -c %a "$f")))" "$(jq .mode <<<"$out")"
eq "stat: mtime" "$(stat -c %Y "$f")" "$(jq '.mtime | floor' <<<"$out")"
out=$(ev 'return fs.stat("Data/link")')
eq "stat: lstat of a link" link "$(jq -r .type <<<"$out")"
eq "stat: link target" a.txt "$(jq -r .target <<<"$out")"
eq "stat: sparse allocated < size" true "$(ev 'local s = fs.stat("Data/sub/sparse.bin") return s.allocated < s.size')"
eq "stat: other drive -> EXDEV" EXDEV "$(ev 'local _, _, c = fs.stat([[D:\x]]) return c' | jq -r .)"
eq "stat: missing -> ENOENT" ENOENT "$(evr 'local _, _, c = fs.stat("Data/nope") return c')"

eq "exists/isdir" '[true,false,true,true,false,false]' \
  "$(ev 'return {fs.exists("DATA/a.txt"), fs.exists("Data/nope"), fs.exists("Data/link"), fs.isdir("data"), fs.isdir("Data/up"), fs.isdir("Data/a.txt")}')"

eq "read: content" '"hello world\n"' "$(ev 'return fs.read([[C:\Data\a.txt]])')"
eq "read: a link is refused" ELOOP "$(evr 'local _, _, c = fs.read("Data/link") return c')"
eq "read: over the limit" '["EFBIG",true]' \
  "$(ev 'local _, m, c = fs.read("Data/sub/big.bin", 1000) return {c, m:find("larger than 1000 bytes", 1, true) ~= nil}')"
eq "read: limit is inclusive" 12 "$(evr 'return #fs.read("Data/a.txt", 12)')"
eq "read: folder" EISDIR "$(evr 'local _, _, c = fs.read("Data") return c')"
eq "read: a fifo does not block" EINVAL "$(timeout 20 "$MP" eval 'local _, _, c = require("marsplay.fs").read("Data/fifo") return c' --root "$R" | jq -r .)"

# ---------- du ----------
out=$(ev 'return fs.du("/", {top=3})')
eq "du: bytes = du -sb" "$(du -sb "$R" | cut -f1)" "$(jq .bytes <<<"$out")"
eq "du: allocated = du -s -B1" "$(du -s --block-size=1 "$R" | cut -f1)" "$(jq .allocated <<<"$out")"
eq "du: files" "$(find "$R" -type f | wc -l)" "$(jq .files <<<"$out")"
eq "du: dirs (root included)" "$(find "$R" -type d | wc -l)" "$(jq .dirs <<<"$out")"
eq "du: links" "$(find "$R" -type l | wc -l)" "$(jq .links <<<"$out")"
eq "du: others (fifos)" 2 "$(jq .others <<<"$out")"
eq "du: hard link counted once" 1 "$(jq .hardlinks <<<"$out")"
eq "du: no errors" 0 "$(jq .errors <<<"$out")"
eq "du: largest files" '["C:\\Data\\sub\\sparse.bin","C:\\Data\\sub\\big.bin","C:\\Data\\sub\\deeper\\mid.bin"]' \
  "$(jq -c '[.largest[].path]' <<<"$out")"
eq "du: largest sizes" '[52428800,300000,70000]' "$(jq -c '[.largest[].bytes]' <<<"$out")"
eq "du: a subfolder, one thread" "$(du -sb "$R/Data/sub" | cut -f1)" "$(evr 'return fs.du([[C:\data\SUB]], {threads=1}).bytes')"
eq "du: bad option" 1 "$("$MP" eval 'return require("marsplay.fs").du("/", {threads=99})' --root "$R" >/dev/null 2>&1; echo $?)"

# More folders than the queue holds, and a deep chain: depth-first fallback.
mkdir -p "$R/wide"
(cd "$R/wide" && for i in $(seq 1 400); do mkdir "d$i" && printf '%*s' "$i" > "d$i/f"; done)
p="$R/deep"; for i in $(seq 1 120); do p="$p/d"; done; mkdir -p "$p"; printf 'bottom' > "$p/f"
for t in 1 2 4; do
  out=$(ev "return fs.du('/', {threads=$t})")
  eq "du: wide and deep tree, $t threads" "$(du -sb "$R" | cut -f1) $(find "$R" | wc -l)" \
    "$(jq -r '"\(.bytes) \(.files + .dirs + .links + .others)"' <<<"$out")"
done

# Deeper than the walker goes (512 levels): reported, not followed further.
p="$R/abyss"; for i in $(seq 1 515); do p="$p/d"; done; mkdir -p "$p"
out=$(ev 'return fs.du("abyss")')
eq "du: too deep is one ELOOP error" '1 ["ELOOP"]' "$(jq -c '"\(.errors) \([.error_samples[].code])"' <<<"$out" | jq -r .)"
eq "du: too deep: the root and 513 levels seen (the last not entered)" 514 "$(jq .dirs <<<"$out")"
rm -rf "$R/abyss"

# Unreadable folders: as root DAC is bypassed, so walk as nobody.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
   setpriv --reuid=nobody --regid=nogroup --clear-groups "$MP" eval 'return 1' --root "$R" >/dev/null 2>&1; then
  mkdir -p "$R/locked/closed" "$R/locked/noexec" "$R/locked/open"
  echo secret > "$R/locked/closed/x"; echo data > "$R/locked/noexec/y"; echo ok > "$R/locked/open/z"
  chmod 000 "$R/locked/closed"; chmod 644 "$R/locked/noexec"
  asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  out=$(asnobody "$MP" eval 'return require("marsplay.fs").du("locked")' --root "$R" | jq -c .)
  eq "du as nobody: bytes = du -sb as nobody" "$(asnobody du -sb "$R/locked" 2>/dev/null | cut -f1 || true)" "$(jq .bytes <<<"$out")"
  eq "du as nobody: errors counted" 2 "$(jq .errors <<<"$out")"
  eq "du as nobody: EACCES samples" '["EACCES","EACCES"]' "$(jq -c '[.error_samples[].code]' <<<"$out")"
  contains "du as nobody: sample path in Windows form" 'C:\locked\closed' "$(jq -r '.error_samples[].path' <<<"$out")"
  eq "dir as nobody: EACCES" EACCES "$(asnobody "$MP" eval 'local _, _, c = require("marsplay.fs").dir("locked/closed") return c' --root "$R" | jq -r .)"
  chmod 755 "$R/locked/closed" "$R/locked/noexec"
  rm -rf "$R/locked"
else
  say "# skip: unreadable-folder checks need root and setpriv"
fi

# A tree modified while it is walked.
mkdir -p "$R/mod/stable" "$R/mod/churn"
for i in $(seq 1 300); do printf 'stable%d' "$i" > "$R/mod/stable/s$i"; done
stable=$(du -sb "$R/mod/stable" | cut -f1)
(
  i=0
  while [ ! -e "$T/stop-churn" ]; do
    i=$((i + 1))
    mkdir -p "$R/mod/churn/d$i/e" && for k in 1 2 3 4 5 6 7 8; do : > "$R/mod/churn/d$i/e/f$k"; done
    rm -rf "$R/mod/churn/d$((i - 3))" "$R/mod/churn/x" 2>/dev/null || true
    : > "$R/mod/churn/x"
  done
) &
churn=$!
on_exit "touch '$T/stop-churn'; wait $churn 2>/dev/null"
ok=0
for i in $(seq 1 15); do
  out=$(ev 'return fs.du("mod", {threads=2})') || break
  if jq -e --argjson s "$stable" '.bytes >= $s and ([.error_samples[].code] - ["ENOENT", "ENOTDIR"] | length) == 0' <<<"$out" >/dev/null; then
    ok=$((ok + 1))
  fi
done
touch "$T/stop-churn"; wait "$churn" 2>/dev/null || true
eq "du: tree modified while walked, 15 walks complete" 15 "$ok"

# ---------- scan ----------
mkdir -p "$R/logs"
python3 - "$R/logs" <<'PY'
import random, sys
random.seed(7)
d = sys.argv[1]
codes = ["0x80070005", "0x80070002", "0x8007018b", "0x80070570"]
lines = []
for i in range(20000):
    r = random.random()
    if i in (5, 9000, 19999):      # longer than a 1 MiB block
        lines.append("v" * 1500000 + " 0x80070005 " + "w" * 1200000 + " 0x80070002")
    elif r < 0.2:
        lines.append("C:\\Data\\f%d.txt %s Access is denied.\r" % (i, random.choice(codes)))
    elif r < 0.22:
        lines.append("noise 10x80070005 0x800700051 0x8007000 0x80070003x (0x80070003) 0x80070003")
    else:
        lines.append("2024-01-01 00:00:00 TID 0x%04x next step %d" % (i % 65536, i))
text = "\n".join(lines)            # no newline at the end
open(d + "/LastBackupFailedFiles.txt", "w", encoding="utf-8", newline="").write(text)
open(d + "/CBEngineCurr.errlog", "wb").write(b"\xff\xfe" + text.encode("utf-16-le"))
# over 64 MiB: scanned as two halves on two threads; a marker code in
# the first and the last line, one in each half
big = "start 0xABCDEF01\n" + "\n".join([text] * 8) + "\nfinal 0xABCDEF01\n"
open(d + "/big.log", "w", encoding="utf-8", newline="").write(big)
big = "start 0xABCDEF01\n" + "\n".join([text] * 4) + "\nfinal 0xABCDEF01\n"
open(d + "/big16.log", "wb").write(b"\xff\xfe" + big.encode("utf-16-le"))
PY
expected() {   # the same counts, by Python's regular expressions
  python3 - "$1" <<'PY'
import json, re, sys
data = open(sys.argv[1], "rb").read()
if data[:2] == b"\xff\xfe":
    data = data[2:].decode("utf-16-le").encode()
lines = data.split(b"\n")
if lines[-1] == b"":
    lines.pop()
rx = re.compile(rb"(?<![0-9A-Za-z])0x([0-9A-Fa-f]{8})(?![0-9A-Za-z])")
codes = {}
for ln in lines:
    for k in {"0x" + m.group(1).decode().upper() for m in rx.finditer(ln)}:
        codes[k] = codes.get(k, 0) + 1
den = sum(1 for ln in lines if b"Access is denied" in ln)
print(json.dumps({"lines": len(lines), "codes": codes, "denied": den}, sort_keys=True, separators=(",", ":")))
PY
}
for f in LastBackupFailedFiles.txt CBEngineCurr.errlog big.log big16.log; do
  got=$(ev "local r = fs.scan([[C:\\logs\\$f]], {codes=true, patterns={'Access is denied'}})
    local c = {} for k, v in pairs(r.codes) do c[k] = v.count end
    return {lines=r.lines, codes=c, denied=r.patterns['Access is denied'].count}" | jq -cS .)
  eq "scan $f: lines, codes and pattern = Python" "$(expected "$R/logs/$f")" "$got"
done
for f in big.log big16.log; do
  eq "scan $f: samples of both halves, in file order" '{"count":2,"samples":["start 0xABCDEF01","final 0xABCDEF01"]}' \
    "$(ev "return fs.scan('logs/$f', {codes=true}).codes['0xABCDEF01']")"
done
eq "scan: encoding detected" '["utf8","utf16le"]' \
  "$(ev 'return {fs.scan("logs/LastBackupFailedFiles.txt", {codes=true}).encoding, fs.scan("logs/CBEngineCurr.errlog", {codes=true}).encoding}')"
out=$(ev 'return fs.scan("logs/CBEngineCurr.errlog", {codes=true, max_samples=2}).codes["0x80070570"]')
eq "scan: samples limited" 2 "$(jq '.samples | length' <<<"$out")"
eq "scan: samples are the first matching lines, CR stripped" \
  "$(grep -a -m2 '0x80070570' "$R/logs/LastBackupFailedFiles.txt" | tr -d '\r' | jq -R . | jq -sc .)" "$(jq -c .samples <<<"$out")"
eq "scan: a long line's sample keeps 4 KiB" 4096 \
  "$(evr 'local r = fs.scan("logs/LastBackupFailedFiles.txt", {patterns={"wwww"}}) return #r.patterns.wwww.samples[1]')"
eq "scan: needs codes or patterns" 1 "$("$MP" eval 'return require("marsplay.fs").scan("logs/CBEngineCurr.errlog", {})' --root "$R" >/dev/null 2>&1; echo $?)"
eq "scan: a folder" EISDIR "$(evr 'local _, _, c = fs.scan("logs", {codes=true}) return c')"

# ---------- attrs ----------
out=$(ev 'return fs.attrs("Data/sub/sparse.bin")')
eq "attrs: sparse file" true "$(jq .sparse <<<"$out")"
eq "attrs: not a reparse point" false "$(jq .reparse <<<"$out")"
contains "attrs: dedup unknown" dedup "$(jq -c .unknown <<<"$out")"
eq "attrs: regular file not sparse" false "$(ev 'return fs.attrs("Data/a.txt").sparse')"
eq "attrs: link is a reparse point" true "$(ev 'return fs.attrs("Data/link").reparse')"
out=$(ev 'return fs.attrs("Data")')
eq "attrs: folder sparse unknown" null "$(jq .sparse <<<"$out")"
contains "attrs: folder says so" sparse "$(jq -c .unknown <<<"$out")"
contains "attrs: note explains" "Sparse" "$(jq -r .note <<<"$out")"

# ---------- a real NTFS volume (ntfs-3g), when FUSE can be used ----------
N="$T/ntfs"
if [ "$(id -u)" = 0 ] && command -v mkntfs >/dev/null && command -v ntfs-3g >/dev/null &&
   [ -c /dev/fuse ] && truncate -s 32M "$T/ntfs.img" && mkntfs -F -q -f "$T/ntfs.img" >/dev/null 2>&1 &&
   mkdir -p "$N" && ntfs-3g "$T/ntfs.img" "$N" 2>/dev/null; then
  on_exit "umount '$N' 2>/dev/null || fusermount -u '$N' 2>/dev/null"
  mkdir -p "$N/Windows/Temp" "$N/cache" "$N/plain"
  for i in $(seq 1 30); do : > "$N/Windows/Temp/t$i.TMP"; done
  : > "$N/Windows/Temp/other.txt"
  # FILE_ATTRIBUTE_DIRECTORY|COMPRESSED on cache; HIDDEN|SYSTEM|ARCHIVE on a file
  python3 -c 'import os, struct, sys
os.setxattr(sys.argv[1] + "/cache", "system.ntfs_attrib", struct.pack("<I", 0x810))
open(sys.argv[1] + "/plain/h.txt", "w").write("x")
os.setxattr(sys.argv[1] + "/plain/h.txt", "system.ntfs_attrib", struct.pack("<I", 0x26))' "$N"
  echo data > "$N/cache/inherits.bin"
  ln -s h.txt "$N/plain/lnk"
  evn() { "$MP" eval "local fs = require('marsplay.fs'); $1" --root "$N" | jq -cS .; }
  out=$(evn 'return fs.attrs([[C:\CACHE]])')
  eq "ntfs attrs: compressed folder" true "$(jq .compressed <<<"$out")"
  eq "ntfs attrs: everything known but immutable" '["immutable"]' "$(jq -c .unknown <<<"$out")"
  eq "ntfs attrs: Windows names" '["directory","compressed"]' "$(jq -c .windows <<<"$out")"
  eq "ntfs attrs: a new file inherits compression" true "$(evn 'return fs.attrs("cache/inherits.bin").compressed')"
  eq "ntfs attrs: hidden system file" '[false,["hidden","system","archive"]]' \
    "$(evn 'local a = fs.attrs("plain/h.txt") return {a.compressed, a.windows}')"
  eq "ntfs attrs: a link is a reparse point" true "$(evn 'return fs.attrs("plain/lnk").reparse')"
  eq "ntfs count" 30 "$(evn 'return (fs.count([[C:\windows\TEMP]], "*.tmp", {type="file"}))')"
  eq "ntfs du = du -sb" "$(du -sb "$N" | cut -f1)" "$(evn 'return fs.du("/").bytes')"
else
  say "# skip: NTFS checks need root, /dev/fuse, mkntfs and ntfs-3g"
fi

# ---------- volume ----------
out=$(ev 'return fs.volume([[C:\Data]])')
eq "volume: total = statvfs" "$(python3 -c 'import os,sys; s=os.statvfs(sys.argv[1]); print(s.f_blocks*s.f_frsize)' "$R")" "$(jq .total <<<"$out")"
eq "volume: local, writable" '[false,false]' "$(jq -c '[.remote, .readonly]' <<<"$out")"
check "volume: fstype named" test -n "$(jq -r .fstype <<<"$out")"

# ---------- holders ----------
mkdir -p "$R/Scratch" "$R/Scratch2"
echo a > "$R/Scratch/held"; echo b > "$R/Scratch2/held"
sleep 300 < "$R/Scratch/held" & h1=$!
sleep 300 < "$R/Scratch2/held" & h2=$!
on_exit "kill $h1 $h2 2>/dev/null"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e "/proc/$h2/fd/0" ] && [ -e "/proc/$h1/fd/0" ] && break; sleep 0.1; done
out=$(ev 'return fs.holders([[C:\scratch]])')
eq "holders: the process holding a file inside" "$h1 0 sleep" "$(jq -r --argjson p "$h1" '.[] | select(.pid==$p) | "\(.pid) \(.fd) \(.comm)"' <<<"$out")"
eq "holders: Scratch2 is not under Scratch" 0 "$(jq --argjson p "$h2" '[.[] | select(.pid==$p)] | length' <<<"$out")"
eq "holders: Windows path" 'C:\Scratch\held' "$(jq -r --argjson p "$h1" '.[] | select(.pid==$p) | .path' <<<"$out")"
eq "holders: host path" "$(realpath "$R")/Scratch/held" "$(jq -r --argjson p "$h1" '.[] | select(.pid==$p) | .file' <<<"$out")"
eq "holders: how the list was made, and no Windows-only field" "proc nil nil" \
  "$(evr 'local l, i = fs.holders([[C:\scratch]]); local h = l[1]
          return i.method .. " " .. tostring(h.whole_folder) .. " " .. tostring(h.service)')"
kill "$h1" "$h2" 2>/dev/null || true

# ---------- host, display ----------
eq "host" "$(realpath "$R")/Windows/Temp" "$(evr 'return fs.host([[C:\WINDOWS\temp]])')"
eq "display: case resolved" 'C:\Windows\Temp\new.log' "$(evr 'return fs.display("/windows/temp/new.log")')"
eq "display: other drive" EXDEV "$(evr 'local _, _, c = fs.display([[E:\x]]) return c')"

finish
