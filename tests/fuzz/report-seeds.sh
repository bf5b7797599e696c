#!/usr/bin/env bash
# tests/fuzz/report-seeds.sh MARSPLAY OUTDIR: seeds for fuzz_json_pull and
# fuzz_merge from reports the suite's runs write: for each lab fault, a
# JSON report of each playbook that finds it (en, pt-BR, --no-fix), the
# merge tests' generated reports (tests/sh/gen_reports.py), merged
# reports, and for fuzz_merge the same reports joined by NUL bytes (its
# input is up to 8 reports separated by NULs).  Reports over 60 KB are
# left out (run.sh gives libFuzzer -max_len=65536).
set -euo pipefail
mp=$(readlink -f "$1")
out=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out/json_pull" "$out/merge"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/r"
keep() {  # keep REPORT NAME: one seed if small enough
  if [ -s "$1" ] && [ "$(stat -c %s "$1")" -le 61440 ]; then cp "$1" "$work/r/$2.json"; fi
}
n=0
for fault in healthy $("$mp" lab --list-faults | awk '{print $1}'); do
  if [ "$fault" = healthy ]; then "$mp" lab "$work/lab" >/dev/null 2>&1
  else "$mp" lab "$work/lab" --fault "$fault" >/dev/null 2>&1; fi
  "$mp" --root "$work/lab" --dry-run --set 'protected=C:\Data' --format json >"$work/all.json" 2>/dev/null || true
  pbs=$(python3 - "$work/all.json" "$fault" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for pb in r["playbooks"]:
    if sys.argv[2] == "healthy" or any(c["status"] not in ("pass", "skipped") for c in pb["checks"]):
        print(pb["id"])
PY
)
  for pb in $pbs; do
    n=$((n + 1))
    case $((n % 3)) in
      0) opts=(--dry-run --lang en) ;;
      1) opts=(--dry-run --lang pt-BR) ;;
      2) opts=(--no-fix --lang en) ;;
    esac
    # `protected` only where the playbook declares it
    "$mp" --root "$work/lab" "${opts[@]}" --set 'protected=C:\Data' --format json "$pb" \
      >"$work/one.json" 2>/dev/null ||
      "$mp" --root "$work/lab" "${opts[@]}" --format json "$pb" >"$work/one.json" 2>/dev/null || true
    keep "$work/one.json" "$fault-$pb"
    [ "$fault" = healthy ] || break
  done
  rm -rf "$work/lab"
done
mkdir "$work/gen"
python3 "$src/tests/sh/gen_reports.py" "$work/gen"
for f in "$work/gen"/*.json; do keep "$f" "gen-$(basename "$f" .json)"; done
# merged reports: a few hosts each
set -- "$work/r"/*.json
i=0
while [ $# -ge 3 ]; do
  "$mp" report merge --format json "$1" "$2" "$3" >"$work/m.json" 2>/dev/null || true
  keep "$work/m.json" "merged-$i"
  i=$((i + 1))
  shift 7 2>/dev/null || break
done
cp "$work/r"/*.json "$out/json_pull/"
# fuzz_merge: one report alone, or two or three joined by NUL
set -- "$work/r"/*.json
i=0
while [ $# -ge 1 ]; do
  case $((i % 3)) in
    0) cat "$1" >"$out/merge/s$i" ;;
    1) [ $# -ge 2 ] && { cat "$1"; printf '\0'; cat "$2"; } >"$out/merge/s$i" ;;
    2) [ $# -ge 3 ] && { cat "$1"; printf '\0'; cat "$2"; printf '\0'; cat "$3"; } >"$out/merge/s$i" ;;
  esac
  [ -f "$out/merge/s$i" ] && [ "$(stat -c %s "$out/merge/s$i")" -gt 65536 ] && rm "$out/merge/s$i"
  i=$((i + 1))
  shift
done
echo "seeds: $(ls "$out/json_pull" | wc -l) json_pull, $(ls "$out/merge" | wc -l) merge"
