#!/usr/bin/env python3
"""ptbr_leaks.py - English left in pt-BR reports (issue 10, point 6).

ctest sh/t_ptbr.  For every lab fault (marsplay lab --list-faults) it
builds a lab with that fault and runs the whole catalogue in pt-BR
(dry-run) twice on it: the text report (the runner's and
the report's own words) and the JSON report (every text in full: the text
report shortens long evidence), one after the other.  It prints each line or JSON string that
holds an English word, with the fault, after removing what is not prose:
paths (C:\\..., /...), registry keys (HKLM\\...), URLs, quoted strings
('...'), command-line options, JSON keys, key=value evidence names, ids and
file names.  Exit 1 when one is found, so a new untranslated string fails
the test as soon as a lab fault shows it.

    tests/sh/ptbr_leaks.py build/marsplay [FAULT...]
"""
import json, os, re, shutil, subprocess, sys, tempfile

# English words that do not occur in Portuguese prose (no cognates such as
# "a", "no", "do", "real", "pass").  A new untranslated sentence almost
# always holds one of them.
WORDS = set("""the is are was were been be not and or of with from this that these those which
has have had cannot could would should will can't isn't doesn't don't its it's
than then there their they when where while what whether only also into onto
file files folder folders found missing days old older newer run runs running
read write written set unset enabled disabled service server registered
because before after without within must needs need here
none unknown empty invalid error failed cannot undocumented direct default
""".split())
# The minimal allow-list: what is not prose, removed before the word test.
ALLOW = [
    # proper names that hold an English word
    r"Program Files|Windows Server|Windows Update|Recovery Services|Task Scheduler",
    r"\b\w+(?:-\w+)+\b",                                      # ids: dry-run, backups-dont-run-...
    r"(?<![\w-])--?[\w][\w-]*",                               # command-line options: --set, -error
    r"[A-Za-z]:\\[^\s,;)\"]*", r"\\\\[^\s,;)\"]+",            # Windows paths
    r"(?:^|\s)/[^\s,;)\"]+",                                  # POSIX paths
    r"HK(?:LM|CU|U|CR)\\[^\s,;)\"]*", r"https?://\S+",        # registry keys, URLs
    r"'[^']*'",                                               # quoted values and commands
    r"\"[\w.-]+\":(?:\"[^\"\s]*\")?",                          # JSON keys in shown evidence, one-token values
    r"\b[\w.-]+=[^\s\"]*",                                    # evidence names, one-token values (type=file)
    r"#[\w-]+", r"\b0x[0-9A-Fa-f]+\b",                        # anchors, hex
    r"\b[A-Z][\w.-]*\.(?:exe|dll|psd1|psm1|xml|txt|KEK)\b",   # file names
]
ALLOW_RE = re.compile("|".join(ALLOW))
WORD_RE = re.compile(r"[A-Za-z_']+")  # file_error: an evidence name, not a word
# JSON report fields that are machine values, not prose (schemas/report.schema.json)
MACHINE = {"id", "status", "severity", "anchor", "error_ids", "file", "params", "target", "tool",
           "version", "schema_version", "mode", "lang", "started", "duration_ms", "exit_code",
           "error_kind", "check", "playbook",
           "kernel"}  # sandbox.kernel: landlock, low-integrity or none


def english(s):
    prose = ALLOW_RE.sub(" ", s)
    return [w for w in WORD_RE.findall(prose) if w in WORDS]  # lower case: prose, not a name


def text_leaks(text):
    for line in text.splitlines():
        if line.startswith("== ") or line.startswith("marsplay "):
            continue
        hit = english(line)
        if hit:
            yield line.strip(), hit


def json_strings(v, where=""):
    if isinstance(v, dict):
        for k, x in v.items():
            if k not in MACHINE or where.endswith("evidence"):
                yield from json_strings(x, where + "." + k if where else k)
    elif isinstance(v, list):
        for x in v:
            yield from json_strings(x, where)
    elif isinstance(v, str):
        yield where, v


def json_leaks(doc):
    for where, s in json_strings(doc):
        if not re.search(r"\s", s) or "\t" in s:
            continue  # one token: a machine value (type=file); a tab: a line quoted from an agent log
        hit = english(s)
        if hit:
            yield f"{where.split('.')[-1]}: {s}", hit


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
            cmd = [mp, "--root", lab, "all", "--dry-run", "--lang", "pt-BR", "--color", "never",
                   "--set", "protected=C:\\Data"]
            # one after the other: a run locks its target
            out = subprocess.run(cmd, capture_output=True, text=True).stdout
            js = subprocess.run(cmd + ["--format", "json"], capture_output=True, text=True).stdout
            seen = set()
            try:
                jl = list(json_leaks(json.loads(js)))
            except ValueError as e:
                jl = [(f"the JSON report does not parse: {e}", ["?"])]
            for line, hit in list(text_leaks(out)) + jl:
                if line in seen:
                    continue
                seen.add(line)
                found += 1
                print(f"{f}: {line}   [{', '.join(hit)}]")
            shutil.rmtree(lab, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{found} line(s) with English in {len(faults)} fault(s)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
