#!/usr/bin/env python3
"""lab2wine.py LAB DRIVE_C SEED: mirror a lab (built by `marsplay lab`)
into a Wine prefix, so the running "Windows" holds the lab's state.

- Files: every regular file and folder of LAB is copied under DRIVE_C
  (modification times kept), each path component matched
  case-insensitively against what the prefix already has (Wine's
  "windows" is the lab's "Windows").  Links are not copied (Wine would
  show them as their targets); the lab's metadata file is left out.
- Registry: the lab's hives (Windows/System32/config/SOFTWARE, SYSTEM,
  DEFAULT) are read with hivexregedit --export, which gives every value's
  raw bytes, and written to SEED as lines for seed_live.exe: keys and
  values of SOFTWARE under HKLM\\SOFTWARE, of SYSTEM under HKLM\\SYSTEM
  (the control set SYSTEM\\Select\\Current names, as CurrentControlSet),
  of DEFAULT under HKU\\.DEFAULT (= HKU\\S-1-5-18).  The service keys
  (SYSTEM\\ControlSetNNN\\Services\\NAME) become service registrations
  (S lines: name, start type, image, display name, service type) so the
  Service Control Manager knows them; each runs as LocalSystem (a lab
  service with another account is refused, not seeded wrong).  The
  systemprofile NTUSER.DAT is a file, copied as such.
Prints the services registered, one "NAME START" per line.
"""
import os
import re
import shutil
import subprocess
import sys

HIVES = [("SOFTWARE", "HKLM", "SOFTWARE"), ("SYSTEM", "HKLM", "SYSTEM"),
         ("DEFAULT", "HKU", ".DEFAULT")]
SERVICES = re.compile(r"^CurrentControlSet\\Services\\([^\\]+)$", re.I)
# Windows shows the control set Select\Current names as CurrentControlSet,
# a link; in Wine CurrentControlSet is a key of its own, which is what
# Wine's programs and services.exe read.
LOCAL_SYSTEM = ("", "localsystem", ".\\localsystem", "nt authority\\system")
LAB_META = ".marsplay-lab.json"


def child(parent, name):
    """The entry of parent named name, case-insensitively (or name)."""
    try:
        for e in os.listdir(parent):
            if e.lower() == name.lower():
                return os.path.join(parent, e)
    except FileNotFoundError:
        pass
    return os.path.join(parent, name)


def mirror(lab, drive):
    for top, dirs, files in os.walk(lab):
        rel = os.path.relpath(top, lab)
        dst = drive
        if rel != ".":
            for part in rel.split(os.sep):
                dst = child(dst, part)
        os.makedirs(dst, exist_ok=True)
        for d in list(dirs):
            if os.path.islink(os.path.join(top, d)):
                dirs.remove(d)
        for f in files:
            src = os.path.join(top, f)
            if os.path.islink(src) or not os.path.isfile(src):
                continue
            if rel == "." and f == LAB_META:
                continue
            shutil.copy2(src, child(dst, f))


def unquote(s):
    return s.replace('\\"', '"').replace("\\\\", "\\")


def export(hive):
    out = subprocess.run(["hivexregedit", "--export", hive, "\\"], check=True,
                         capture_output=True, text=True, errors="surrogateescape").stdout
    key = None
    for line in out.splitlines():
        if line.startswith("[") and line.endswith("]"):
            key = line[1:-1].lstrip("\\")
            yield key, None, None, None
            continue
        m = re.match(r'^(@|"((?:[^"\\]|\\.)*)")=(.*)$', line)
        if not m or key is None:
            continue
        name = "" if m.group(1) == "@" else unquote(m.group(2))
        v = m.group(3)
        if v.startswith("dword:"):
            typ, data = 4, int(v[6:], 16).to_bytes(4, "little")
        elif v.startswith("hex:"):
            typ, data = 3, bytes.fromhex(v[4:].replace(",", ""))
        elif v.startswith("hex("):
            t, _, h = v[4:].partition("):")
            typ, data = int(t, 16), bytes.fromhex(h.replace(",", ""))
        elif v.startswith('"'):
            typ, data = 1, (unquote(v[1:-1]) + "\0").encode("utf-16-le")
        else:
            raise SystemExit(f"lab2wine: cannot read value line: {line[:80]}")
        yield key, name, typ, data


def utf16(data):
    return data.decode("utf-16-le", "replace").split("\0")[0]


def current_set(entries):
    """The pattern of the control set SYSTEM\\Select\\Current names."""
    for key, name, typ, data in entries:
        if key.lower() == "select" and name is not None and name.lower() == "current" and typ == 4:
            n = int.from_bytes(data, "little")
            if 1 <= n <= 999:
                return re.compile(r"^ControlSet%03d(?=\\|$)" % n, re.I)
    raise SystemExit("lab2wine: the SYSTEM hive has no Select\\Current")


def seed(lab, out):
    rows, services = [], {}
    for fname, root, prefix in HIVES:
        path = os.path.join(lab, "Windows", "System32", "config", fname)
        if not os.path.isfile(path):
            continue                # a fault removed the hive
        entries = list(export(path))
        ccs = current_set(entries) if prefix == "SYSTEM" else None
        for key, name, typ, data in entries:
            if ccs:
                key = ccs.sub("CurrentControlSet", key)
            m = SERVICES.match(key) if prefix == "SYSTEM" else None
            if m and name is not None:
                services.setdefault(m.group(1), {})[name.lower()] = data
            rows.append((root, prefix + ("\\" + key if key else ""), m and m.group(1), name, typ, data))
    # A service is a Services\NAME key with an ImagePath; its values go
    # to the Service Control Manager (registered first), everything else
    # into the registry.
    services = {n: v for n, v in services.items() if "imagepath" in v}
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for name, v in sorted(services.items()):
            start = int.from_bytes(v.get("start", b"\3\0\0\0"), "little")
            image = utf16(v["imagepath"])
            disp = utf16(v.get("displayname", name.encode("utf-16-le")))
            stype = int.from_bytes(v.get("type", b"\x10\0\0\0"), "little")
            account = utf16(v.get("objectname", b"")).lower()
            if stype & 0x30 and account not in LOCAL_SYSTEM:
                raise SystemExit(f"lab2wine: service {name} runs as {account!r}: only LocalSystem is seeded")
            f.write(f"S\t{name}\t{start}\t{image}\t{disp}\t{stype}\n")
            print(name, start)
        for root, full, svc, name, typ, data in rows:
            if svc in services:
                continue
            for c in (full, name or ""):
                if "\t" in c or "\n" in c:
                    raise SystemExit(f"lab2wine: a tab or a line end in {c!r}")
            if name is None:
                f.write(f"K\t{root}\t{full}\n")
            else:
                f.write(f"V\t{root}\t{full}\t{name}\t{typ}\t{data.hex()}\n")


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: lab2wine.py LAB DRIVE_C SEED")
    lab, drive, out = sys.argv[1:]
    mirror(lab, drive)
    seed(lab, out)


if __name__ == "__main__":
    main()
