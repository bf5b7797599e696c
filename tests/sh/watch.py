#!/usr/bin/env python3
"""watch.py DIR OUT READY: record every access to DIR and the files in it.

Uses inotify (through ctypes, no extra package) on DIR and each folder
below it: any open, read, write, attribute change, creation, deletion or
rename is appended to OUT as "<event> <path>".  READY is created once the
watches are in place.  Runs until SIGTERM or SIGINT.  Opening with O_PATH
and stat() raise no event: those reveal nothing of a file's content."""
import ctypes
import os
import select
import signal
import struct
import sys
import time

IN_ACCESS, IN_MODIFY, IN_ATTRIB = 0x1, 0x2, 0x4
IN_CLOSE_WRITE, IN_OPEN = 0x8, 0x20
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF = 0x400, 0x800
NAMES = {IN_ACCESS: "access", IN_MODIFY: "modify", IN_ATTRIB: "attrib",
         IN_CLOSE_WRITE: "close_write", IN_OPEN: "open", IN_MOVED_FROM: "moved_from",
         IN_MOVED_TO: "moved_to", IN_CREATE: "create", IN_DELETE: "delete",
         IN_DELETE_SELF: "delete_self", IN_MOVE_SELF: "move_self"}
MASK = 0
for bit in NAMES:
    MASK |= bit
IN_DONT_FOLLOW = 0x02000000

libc = ctypes.CDLL(None, use_errno=True)


def main(top, out, ready):
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        sys.exit("inotify_init1 failed: errno %d" % ctypes.get_errno())
    wds = {}
    dirs = [d for d, _sub, _files in os.walk(top)]  # list first: walking is an access
    for dirpath in dirs:
        wd = libc.inotify_add_watch(fd, dirpath.encode(), MASK | IN_DONT_FOLLOW)
        if wd < 0:
            sys.exit("inotify_add_watch %s: errno %d" % (dirpath, ctypes.get_errno()))
        wds[wd] = dirpath
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    # Our own walk above may still be reported: let it arrive, drop it.
    time.sleep(0.3)
    try:
        while os.read(fd, 65536):
            pass
    except BlockingIOError:
        pass
    with open(out, "a") as log:
        open(ready, "w").close()
        while True:
            try:
                r, _, _ = select.select([fd], [], [], 0.2)
            except InterruptedError:
                r = []
            if r:
                try:
                    buf = os.read(fd, 65536)
                except BlockingIOError:
                    buf = b""
                off = 0
                while off + 16 <= len(buf):
                    wd, mask, _cookie, length = struct.unpack_from("iIII", buf, off)
                    name = buf[off + 16: off + 16 + length].rstrip(b"\0").decode(errors="replace")
                    off += 16 + length
                    what = ",".join(n for b, n in NAMES.items() if mask & b) or hex(mask)
                    log.write("%s %s/%s\n" % (what, wds.get(wd, "?"), name))
                    log.flush()
            elif stop:
                break


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
