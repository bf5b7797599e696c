#!/usr/bin/env python3
"""swapper.py A B STOP [LINK_TARGET]: race harness for the remediation tests.

Exchanges the names A and B atomically (renameat2 RENAME_EXCHANGE) as
fast as it can, until the file STOP exists.  STOP.ready is created when
the swapping starts.  A and B may be of any type
(a regular file and a link, a folder and a link).

With LINK_TARGET, the pair is kept as one regular file and one symbolic
link to LINK_TARGET: when the code under test deletes one of the names,
it is recreated (a regular file if the other name is the link, else the
link) and counted, so the race goes on.  A name that disappears only for
a moment (the code under test moves an entry aside to check it, then
puts it back) is not a deletion: a name counts as deleted once it has
stayed missing for 5 ms (5 looks) with no ".marsplay-deleting." entry in the
folder.  Without LINK_TARGET, the harness stops when a name disappears.

At the end prints "swaps=N files_deleted=N links_deleted=N" on stdout."""
import ctypes
import os
import sys
import time

AT_FDCWD = -100
RENAME_EXCHANGE = 2
libc = ctypes.CDLL(None, use_errno=True)


def settled_missing(a, b):
    """The names still missing after 5 ms (and 5 looks, each listing the
    folder before testing the names) with nothing set aside."""
    folder = os.path.dirname(a) or "."
    quiet_since, looks = time.monotonic(), 0
    while True:
        aside = any(n.startswith(".marsplay-deleting.") for n in os.listdir(folder))
        missing = [n for n in (a, b) if not os.path.lexists(n)]
        if not missing:
            return missing
        if aside:
            quiet_since, looks = time.monotonic(), 0
        else:
            looks += 1
            if looks >= 5 and time.monotonic() - quiet_since >= 0.005:
                return missing
        time.sleep(0.001)


def refill(path, link_target, as_link):
    """Create path again (exclusively); False if it came back meanwhile."""
    try:
        if as_link:
            os.symlink(link_target, path)
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except FileExistsError:
        return False
    return True


def main(a, b, stop, link_target=None):
    swaps = files = links = 0
    ea, eb = a.encode(), b.encode()
    open(stop + ".ready", "w").close()
    while not os.path.exists(stop):
        if libc.renameat2(AT_FDCWD, ea, AT_FDCWD, eb, RENAME_EXCHANGE) == 0:
            swaps += 1
            continue
        missing = [n for n in (a, b) if not os.path.lexists(n)]
        if missing and link_target is not None:
            missing = settled_missing(a, b)
        if not missing:
            continue
        if link_target is None or len(missing) == 2:
            break
        other = b if missing[0] == a else a
        if os.path.islink(other):
            files += refill(missing[0], link_target, False)
        else:
            links += refill(missing[0], link_target, True)
    print("swaps=%d files_deleted=%d links_deleted=%d" % (swaps, files, links))


if __name__ == "__main__":
    main(*sys.argv[1:5])
