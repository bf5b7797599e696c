#!/bin/bash
# An offline run (--root, --dry-run) of marsplay.exe under Wine on a lab
# built by the Linux build gives the Linux build's result for every check
# that reads no hive file; every other check says that offline hive files
# are not available in this build, and none of those reports a status a
# hive would have decided.  The lab is unchanged afterwards.
. "$(dirname "$0")/lib_win.sh"
LIN=${MARSPLAY_LINUX_BUILD:-}
if [ -z "$LIN" ] || [ ! -x "$LIN/marsplay" ]; then
  echo "skip: no Linux build (MARSPLAY_LINUX_BUILD)"; exit 77
fi
export MARSPLAY_STDLIB=$SRC/stdlib   # Linux side; the exe is given Z: below
NOHIVE="offline hive files are not available in this build"

compare() {  # compare LABEL: both reports in $T/lin.json, $T/win.json
  python3 - "$T/lin.json" "$T/win.json" "$NOHIVE" "$T/same" <<'PY'
import json, sys
lin, win, nohive = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def checks(r):
    return {(p["id"], c["id"]): c for p in r["playbooks"] for c in p["checks"]}
L, W = checks(lin), checks(win)
bad = same = hive = 0
if set(L) != set(W):
    print("different checks:", sorted(set(L) ^ set(W))); bad += 1
# A check needs a hive when it says so, or when it was skipped because a
# check it depends on (same playbook, earlier) needed one.
needs = set()
for p in win["playbooks"]:
    for c in p["checks"]:
        dep = (c.get("reason") or "")
        if nohive in json.dumps(c):
            needs.add((p["id"], c["id"]))
        elif c["status"] == "skipped" and dep.startswith("depends on "):
            if (p["id"], dep[len("depends on "):].split(",")[0]) in needs:
                needs.add((p["id"], c["id"]))
for k in [k for k in L if k in W]:
    l, w = L[k], W[k]
    if k in needs:
        hive += 1
        if w["status"] not in ("skipped", "error"):
            print("not ok -", k, "needs a hive file but says", w["status"]); bad += 1
        continue
    for f in ("status", "summary", "evidence", "actions"):
        if json.dumps(l.get(f), sort_keys=True) != json.dumps(w.get(f), sort_keys=True):
            print("not ok -", k, f, "linux:", json.dumps(l.get(f))[:300],
                  "windows:", json.dumps(w.get(f))[:300]); bad += 1
            break
    else:
        same += 1
print(f"{same} checks as on Linux, {hive} need a hive file, {bad} differ")
open(sys.argv[4], "a").write(f"{same}\n")
sys.exit(1 if bad else 0)
PY
}

for faults in "" "--fault temp-tmp-flood --fault task-multiple-instances"; do
  rm -rf "$T/lab"
  # shellcheck disable=SC2086
  "$LIN/marsplay" lab "$T/lab" $faults >/dev/null
  before=$(python3 "$SRC/tests/sh/treehash.py" "$T/lab")
  set +e
  "$LIN/marsplay" --root "$T/lab" --dry-run --format json --lang en "$SRC"/playbooks/*.lua >"$T/lin.json"
  lcode=$?
  args=()
  for p in "$SRC"/playbooks/*.lua; do args+=("$(win "$p")"); done
  MARSPLAY_STDLIB=$(win "$SRC/stdlib") \
    "$MP" --root "$(win "$T/lab")" --dry-run --format json --lang en "${args[@]}" >"$T/win.json"
  wcode=$?
  set -e
  check "lab ${faults:-healthy}: the Windows report is JSON" jq -e .playbooks "$T/win.json" >/dev/null
  check "lab ${faults:-healthy}: checks as on Linux unless they need a hive" compare
  say "# exit codes: linux $lcode, windows $wcode"
  eq "lab ${faults:-healthy}: the dry-run changed nothing" "$before" "$(python3 "$SRC/tests/sh/treehash.py" "$T/lab")"
done

# Over both labs, some check that needs no hive ran and agreed.
check "some checks ran without a hive and agreed with Linux" \
  test "$(awk '{s += $1} END {print s + 0}' "$T/same")" -gt 0
[ "$_fails" -eq 0 ] || exit 1
