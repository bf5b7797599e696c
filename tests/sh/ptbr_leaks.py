#!/usr/bin/env python3
"""ptbr_leaks.py - English left in pt-BR text reports (issue 10, point 6).

Not yet a ctest entry: the catalogue still leaks (run it to see where).
For every lab fault (marsplay lab --list-faults) it builds a lab with that
fault, runs every playbook in pt-BR (dry-run) and prints each report line
that holds an English function word or phrase, with the fault, after
removing what is not prose: paths (C:\\..., /...), registry keys (HKLM\\...),
URLs, quoted strings, key=value evidence keys, IDs and words of a command
line.  Exit 1 when a line is found.

    tests/sh/ptbr_leaks.py build/marsplay [FAULT...]
"""
import os, re, shutil, subprocess, sys, tempfile

# English words that do not occur in Portuguese prose (no cognates such as
# "a", "no", "do", "real", "pass").  A new untranslated sentence almost
# always holds one of them.
WORDS = set("""the is are was were been be not and or of with from this that these those which
has have had cannot could would should will can't isn't doesn't don't its it's
than then there their they when where while what whether only also into onto
file files folder folders found missing days old older newer run runs running
read write written set unset enabled disabled service server registered
because before after without within should must needs need here
""".split())
ALLOW = [  # not prose
    r"Program Files|Windows Server|Windows Update|Recovery Services|Task Scheduler",  # proper names
    r"\b\w+(?:-\w+)+\b",                                   # ids: dry-run, backups-dont-run-...
    r"=[^\s\"]+",                                            # one-token evidence values (type=file)
    r"[A-Za-z]:\\[^\s,;)\"]*", r"\\\\[^\s,;)\"]+", r"(?:^|\s)/[^\s,;)\"]+",
    r"HK(?:LM|CU|U|CR)\\[^\s,;)\"]*", r"https?://\S+", r"'[^']*'",
    r"\b[\w.-]+=[^\s\"]*", r"#[\w-]+", r"\b0x[0-9A-Fa-f]+\b", r"\b[A-Z][\w.-]*\.(?:exe|dll|psd1|psm1|xml|txt|KEK)\b",
]
ALLOW_RE = re.compile("|".join(ALLOW))
WORD_RE = re.compile(r"[A-Za-z']+")


def leaks(text):
    for line in text.splitlines():
        if line.startswith("== ") or line.startswith("marsplay "):
            continue
        prose = ALLOW_RE.sub(" ", line)
        hit = [w for w in WORD_RE.findall(prose) if w in WORDS]  # lower case: prose, not a name
        if hit:
            yield line, hit


def main():
    mp = sys.argv[1]
    faults = sys.argv[2:] or [l.split()[0] for l in subprocess.run(
        [mp, "lab", "--list-faults"], capture_output=True, text=True, check=True).stdout.splitlines()]
    tmp = tempfile.mkdtemp()
    found = 0
    try:
        for f in faults:
            lab = os.path.join(tmp, f)
            subprocess.run([mp, "lab", lab, "--fault", f], capture_output=True, check=True)
            out = subprocess.run([mp, "--root", lab, "all", "--dry-run", "--lang", "pt-BR", "--color", "never",
                                  "--set", "protected=C:\\Data"], capture_output=True, text=True).stdout
            for line, hit in leaks(out):
                found += 1
                print(f"{f}: {line.strip()}   [{', '.join(hit)}]")
            shutil.rmtree(lab, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{found} line(s) with English", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
