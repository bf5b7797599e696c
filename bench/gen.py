#!/usr/bin/env python3
"""gen.py - inputs of bench/run.sh.

  gen.py flat DIR TMP OTHER      DIR with TMP names *.tmp and OTHER *.log
  gen.py sized DIR TMP OTHER     the same with a few hundred bytes in each seed
  gen.py tree DIR FOLDERS FILES  DIR/dNNN/fNNNN.dat, sizes spread 0..64 KiB
  gen.py log FILE BYTES          a failed-files list: "path<TAB>0x8007XXXX"
  gen.py reports TEMPLATE DIR N  N host reports (DIR/host-NNNNN.json) made from
                                 TEMPLATE, a real report of the whole catalogue

flat makes hard links (to a few seed files): only the names matter to
both tools of case 1 (neither stats), and on this machine's ext4 a new
inode costs about 100 times a new name.  tree makes real files (case 2
stats every one) with sparse sizes (no data written).  Everything is
deterministic, so runs compare.
"""
import json
import os
import random
import sys

LINKS_PER_SEED = 60000          # ext4 allows 65000 names per inode


def flat(d, ntmp, nother, sized=False):
    per_seed = 20000 if sized else LINKS_PER_SEED   # sized: copied with cp -al
    os.mkdir(d)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    seed = None
    names = [("f%07d.tmp" % i) for i in range(ntmp)] + [("f%07d.log" % i) for i in range(nother)]
    for i, name in enumerate(names):
        if i % per_seed == 0:
            seed = name
            f = os.open(seed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
            if sized:
                os.write(f, b"x" * (1000 + i % 997))
            os.close(f)
        else:
            os.link(seed, name, src_dir_fd=fd, dst_dir_fd=fd)
    os.close(fd)


def tree_part(root, lo, hi, nfiles):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for k in range(lo, hi):
        p = os.path.join(root, "d%03d" % k)
        os.mkdir(p)
        fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY)
        for i in range(nfiles):
            f = os.open("f%04d.dat" % i, flags, 0o644, dir_fd=fd)
            os.ftruncate(f, (k * nfiles + i) * 7919 % 65536)
            os.close(f)
        os.close(fd)


def tree(root, nfolders, nfiles, workers=2):
    os.mkdir(root)
    pids = []
    step = (nfolders + workers - 1) // workers
    for w in range(workers):
        lo, hi = w * step, min(nfolders, (w + 1) * step)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                tree_part(root, lo, hi, nfiles)
            except OSError as e:
                print("gen.py: %s" % e, file=sys.stderr)
                code = 1
            os._exit(code)
        pids.append(pid)
    ok = True
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        ok = ok and status == 0
    if not ok:
        sys.exit(1)


def log(path, size):
    rnd = random.Random(4)
    # the agent's usual failures, most common first (see mars-facts)
    codes = (["0x80070005"] * 50 + ["0x80070002"] * 20 + ["0x80070003"] * 10 +
             ["0x80070570"] * 8 + ["0x8007018B"] * 7 + ["0x80070020"] * 5)
    exts = ["docx", "xlsx", "pdf", "txt", "vhdx", "pst", "jpg", "dll"]
    lines, n = [], 0
    while n < 16 << 20:
        line = "C:\\Data\\Users\\user%03d\\Documents\\project %d\\file_%06d.%s\t%s\n" % (
            rnd.randrange(500), rnd.randrange(100), rnd.randrange(10 ** 6),
            rnd.choice(exts), rnd.choice(codes))
        lines.append(line)
        n += len(line)
    chunk = "".join(lines).encode()
    with open(path, "wb") as f:
        done = 0
        while done + len(chunk) <= size:
            f.write(chunk)
            done += len(chunk)
        rest = chunk[:size - done]
        f.write(rest[:rest.rfind(b"\n") + 1])


STATUSES = ["pass", "fail", "planned", "fixed", "manual", "fix-failed", "skipped", "error", "waived"]


def reports(template, d, n):
    """Each host: the template's checks, about 1 in 8 results changed to
    another status (a message that names the host for 1 in 4 of those,
    a waiver for waived), its own durations and name; 1 in 3 offline.
    Written as marsplay writes (two-space indented), by filling the
    template's pretty text so that 5,000 reports take seconds."""
    rng = random.Random(14)
    t = json.load(open(template))
    os.makedirs(d, exist_ok=True)
    # The fixed text of every check, the varying fields left out.
    parts = []
    for pb in t["playbooks"]:
        checks = []
        for c in pb["checks"]:
            fixed = {k: v for k, v in c.items() if k not in ("status", "message", "duration_ms", "waiver")}
            body = json.dumps(fixed, indent=2, ensure_ascii=False)
            checks.append((c["status"], c.get("message"), "\n".join("        " + l for l in body.split("\n"))[:-1]))
        head = {k: v for k, v in pb.items() if k != "checks"}
        parts.append((json.dumps(head, indent=2, ensure_ascii=False)[:-2], checks))
    top = {k: v for k, v in t.items() if k not in ("playbooks", "target", "started", "duration_ms", "exit_code")}
    top_text = json.dumps(top, indent=2, ensure_ascii=False)[:-2]
    for i in range(n):
        out = [top_text, ',\n  "target": ', json.dumps({"root": "/mnt/srv-%05d" % i if i % 3 == 0 else None,
               "live": i % 3 != 0, "platform": "linux", "hostname": "srv-%05d" % i}),
               ',\n  "started": "2026-12-03T0%d:%02d:00Z",\n  "duration_ms": %.3f' % (i % 10, i % 60, rng.uniform(20, 90)),
               ',\n  "exit_code": 3,\n  "playbooks": [']
        for k, (head, checks) in enumerate(parts):
            out.append(("," if k else "") + "\n    " + head.replace("\n", "\n    ") + ',\n      "checks": [')
            for j, (st, msg, body) in enumerate(checks):
                extra = ""
                if rng.random() < 0.125:
                    st = STATUSES[rng.randrange(len(STATUSES))]
                    if rng.random() < 0.25:
                        msg = "%s (on srv-%05d: %d items)" % (msg or st, i, rng.randrange(1000))
                    if st == "waived":
                        extra = ',\n          "waiver": "accepted by the site owner (OPS-%d)"' % rng.randrange(50)
                out.append(("," if j else "") + "\n" + body + ',\n          "status": %s' % json.dumps(st) +
                           (',\n          "message": %s' % json.dumps(msg, ensure_ascii=False) if msg is not None else "") +
                           extra + ',\n          "duration_ms": %r\n        }' % rng.uniform(0, 3))
            out.append("\n      ]\n    }")
        out.append("\n  ]\n}\n")
        with open(os.path.join(d, "host-%05d.json" % i), "w") as f:
            f.write("".join(out))


def main(argv):
    if len(argv) == 5 and argv[1] == "flat":
        flat(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) == 5 and argv[1] == "sized":
        flat(argv[2], int(argv[3]), int(argv[4]), sized=True)
    elif len(argv) == 5 and argv[1] == "tree":
        tree(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) == 5 and argv[1] == "reports":
        reports(argv[2], argv[3], int(argv[4]))
    elif len(argv) == 4 and argv[1] == "log":
        log(argv[2], int(argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
