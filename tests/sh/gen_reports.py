#!/usr/bin/env python3
"""gen_reports.py OUTDIR: small host reports (schema_version 1) for the
merge tests: every status, waivers, playbook load errors, checks and
playbooks seen only on some hosts, the same host name more than once,
offline roots, escapes and non-ASCII text.  Deterministic."""
import json, os, sys

STATUSES = ["pass", "fail", "planned", "fixed", "manual", "fix-failed", "skipped", "error", "waived"]
WORST = {"error": 1, "fix-failed": 4, "manual": 3, "fail": 2, "planned": 2}


def report(i, host, root):
    pbs = []
    code = 0
    for p in range(3):
        if p == 2 and i < 3:
            continue  # a playbook first seen on the fourth host
        pb = {"id": "pb%d" % p, "title": "Playbook %d \u00e9" % p, "anchor": "a%d" % p,
              "file": "pb%d.lua" % p, "checks": []}
        if p == 1 and i in (2, 5):
            pb["error"] = "pb1.lua:%d: boom \"quoted\"\n\tline" % i
            code = 1
        for c in range(5 + (i % 3)):
            st = STATUSES[(i * 7 + p * 3 + c) % len(STATUSES)]
            ck = {"id": "c%d" % c, "title": "Check %d of %d" % (c, p), "status": st,
                  "severity": ["critical", "high", "medium", "low", "info", "bogus"][c % 6],
                  "error_ids": ["0x%05X" % (c + 1), 7] if c % 2 else [],
                  "duration_ms": (i + 1) * 0.1 + c / 3.0, "evidence": {"n": c, "deep": [[{"x": None}]]}}
            if st != "pass":
                ck["message"] = ["same message for many", "h%d \u2028 <&> \\ \u00fc" % i, ""][(i + c) % 3]
            if st in ("skipped", "error"):
                ck["reason"] = "reason %d" % (c % 2)
            if st == "waived":
                ck["waiver"] = "accepted until 2027 (OPS-%d)" % c
                ck["waived_status"] = "manual"
            pb["checks"].append(ck)
            code = 1 if 1 in (code, WORST.get(st, 0)) else max(code, WORST.get(st, 0))
        pbs.append(pb)
    return {"tool": "marsplay", "version": "0.1.0", "schema_version": 1,
            "target": {"root": root, "live": root is None, "platform": "linux", "hostname": host},
            "mode": "dry-run", "lang": "en", "started": "2026-12-0%dT00:00:00Z" % (i % 9 + 1),
            "duration_ms": 10.5 + i, "exit_code": code, "summary": {}, "playbooks": pbs}


def main():
    out = sys.argv[1]
    hosts = [("web", None), ("db", "/mnt/vol 1"), ("web", None), ("web", None),
             ("app\u00e9", None), ("db", "/mnt/vol 1"), ("", None), ("web#2", None)]
    for i, (h, root) in enumerate(hosts):
        with open(os.path.join(out, "h%d.json" % i), "w") as f:
            json.dump(report(i, h, root), f, indent=1 if i % 2 else None, ensure_ascii=i % 2 == 0)


main()
