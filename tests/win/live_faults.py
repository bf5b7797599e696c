#!/usr/bin/env python3
"""live_faults.py: the packing of lab faults into live states, for
tests/win/t_live_faults.sh.  ONE is the folder of single-fault offline
reports (healthy.json and FAULT.json).

  live_faults.py pack ONE FAULTS_FILE ALONE_FILE CONFLICTS_FILE
      one line per state, its faults space-separated: faults whose
      affected checks (status or actions differ from healthy) do not
      overlap share a state (at most 12), unless CONFLICTS_FILE has the
      pair on a line (the lab refused to combine them); those in
      ALONE_FILE get a state of their own.
  live_faults.py playbooks ONE FAULT...
      the playbooks of the checks the faults affect, space-separated
      ("all" when they affect none offline).
  live_faults.py fixed REPORT
      exit 0 when REPORT (an apply run) fixed a check, 1 otherwise.
  live_faults.py masked ONE STATE_REPORT FAULT...
      the faults whose affected checks differ in STATE_REPORT from their
      single run (hidden by another fault of the state).
"""
import json
import sys


def statuses(path):
    r = json.load(open(path, encoding="utf-8"))
    return {p["id"] + "/" + c["id"]: (c["status"], json.dumps(c.get("actions") or [], sort_keys=True))
            for p in r["playbooks"] for c in p["checks"]}


def affected(one, fault, healthy):
    s = statuses(f"{one}/{fault}.json")
    return s, {k for k in s if s[k] != healthy.get(k)}


def pack(one, faults_file, alone_file, conflicts_file):
    healthy = statuses(f"{one}/healthy.json")
    aff = {}
    for f in open(faults_file).read().split():
        try:
            aff[f] = affected(one, f, healthy)[1]
        except (OSError, ValueError):
            continue        # its lab failed: reported by the test
    alone = set(open(alone_file).read().split())
    conflicts = {frozenset(line.split()) for line in open(conflicts_file) if len(line.split()) == 2}
    shared, used = [], []
    for f in sorted(aff, key=lambda f: (-len(aff[f]), f)):
        if f in alone:
            continue
        for g, u in zip(shared, used):
            if len(g) < 12 and not u & aff[f] and not any(frozenset((f, o)) in conflicts for o in g):
                g.append(f)
                u |= aff[f]
                break
        else:
            shared.append([f])
            used.append(set(aff[f]))
    for g in [[f] for f in sorted(alone & set(aff))] + shared:
        print(" ".join(g))


def masked(one, report, faults):
    healthy, state = statuses(f"{one}/healthy.json"), statuses(report)
    for f in faults:
        s, aff = affected(one, f, healthy)
        if any(state.get(k) != s[k] for k in aff):
            print(f)


def playbooks(one, faults):
    healthy = statuses(f"{one}/healthy.json")
    ids = sorted({k.split("/")[0] for f in faults for k in affected(one, f, healthy)[1]})
    print(" ".join(ids) or "all")


def fixed(report):
    r = json.load(open(report, encoding="utf-8"))
    return 0 if any(c["status"] == "fixed" for p in r["playbooks"] for c in p["checks"]) else 1


def main(argv):
    if len(argv) == 5 and argv[0] == "pack":
        pack(*argv[1:])
    elif len(argv) >= 2 and argv[0] == "playbooks":
        playbooks(argv[1], argv[2:])
    elif len(argv) == 2 and argv[0] == "fixed":
        sys.exit(fixed(argv[1]))
    elif len(argv) >= 3 and argv[0] == "masked":
        masked(argv[1], argv[2], argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
