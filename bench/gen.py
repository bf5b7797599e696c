#!/usr/bin/env python3
"""gen.py - inputs of bench/run.sh.

  gen.py flat DIR TMP OTHER      DIR with TMP names *.tmp and OTHER *.log
  gen.py tree DIR FOLDERS FILES  DIR/dNNN/fNNNN.dat, sizes spread 0..64 KiB
  gen.py log FILE BYTES          a failed-files list: "path<TAB>0x8007XXXX"

flat makes hard links (to a few seed files): only the names matter to
both tools of case 1 (neither stats), and on this machine's ext4 a new
inode costs about 100 times a new name.  tree makes real files (case 2
stats every one) with sparse sizes (no data written).  Everything is
deterministic, so runs compare.
"""
import os
import random
import sys

LINKS_PER_SEED = 60000          # ext4 allows 65000 names per inode


def flat(d, ntmp, nother):
    os.mkdir(d)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    seed = None
    names = [("f%07d.tmp" % i) for i in range(ntmp)] + [("f%07d.log" % i) for i in range(nother)]
    for i, name in enumerate(names):
        if i % LINKS_PER_SEED == 0:
            seed = name
            os.close(os.open(seed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd))
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


def main(argv):
    if len(argv) == 5 and argv[1] == "flat":
        flat(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) == 5 and argv[1] == "tree":
        tree(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) == 4 and argv[1] == "log":
        log(argv[2], int(argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
