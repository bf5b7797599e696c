#!/usr/bin/env python3
"""Hash everything in a tree: names, types, modes, sizes, mtimes, link
targets and file contents.  Sparse files are read data segment by data
segment (SEEK_DATA/SEEK_HOLE), so a terabyte-sized sparse file hashes as
fast as its real data; holes are part of the hash through the offsets."""
import hashlib
import os
import stat
import sys


def hash_file(h, path):
    with open(path, "rb", buffering=0) as f:
        fd = f.fileno()
        size = os.fstat(fd).st_size
        off = 0
        while off < size:
            try:
                start = os.lseek(fd, off, os.SEEK_DATA)
            except OSError:
                break  # no more data: the rest is a hole
            end = os.lseek(fd, start, os.SEEK_HOLE)
            h.update(b"@%d:" % start)
            os.lseek(fd, start, os.SEEK_SET)
            left = end - start
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                h.update(chunk)
                left -= len(chunk)
            off = end


def main(root):
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in [""] + sorted(dirnames + filenames):
            p = os.path.join(dirpath, name) if name else dirpath
            if not name and dirpath != root:
                continue
            st = os.lstat(p)
            rel = os.path.relpath(p, root).encode("utf-8", "surrogateescape")
            h.update(b"%s\t%o\t%d\t%d\t%d\n" % (rel, st.st_mode, st.st_size,
                                                 st.st_mtime_ns, st.st_nlink))
            if stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(p).encode("utf-8", "surrogateescape"))
            elif stat.S_ISREG(st.st_mode):
                hash_file(h, p)
    print(h.hexdigest())


if __name__ == "__main__":
    main(sys.argv[1])
