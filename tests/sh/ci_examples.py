#!/usr/bin/python3
"""ci_examples.py - read the CI examples (examples/ci/*.yml) for t_ci_examples.sh.

  ci_examples.py check HELP_RUN HELP_MERGE HELP_LAB FILE...
      Parse each YAML file, check its shape (self-hosted agents, a JUnit
      publisher, the JSON report kept as an artifact, the exit-code policy
      variable) and that every marsplay command line in its scripts uses
      only long options that the matching `--help` lists.
  ci_examples.py check-live RUN_SH HELP_RUN FILE...
      The real-Windows jobs (examples/ci/windows-live-*.yml): parse, hosted
      Windows agents (windows-latest), say they are not run by this
      project's CI, build test_live.exe from exactly the sources and with
      the flags and libraries of tests/win/run.sh (RUN_SH), run it, and call marsplay
      only with options its --help lists.
  ci_examples.py extract FILE JOB STEP OUT
      Write the script of step STEP (GitHub: its id; Azure: its name) of
      job JOB to OUT, and print the variables the workflow and the job
      set, one NAME=VALUE a line.
"""
import re
import sys

import yaml


def load(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or "jobs" not in doc:
        raise SystemExit("%s: no jobs" % path)
    return doc


def is_github(doc):
    return isinstance(doc["jobs"], dict)


def jobs(doc):
    """(name, job) pairs for both dialects."""
    if is_github(doc):
        return list(doc["jobs"].items())
    return [(j.get("job"), j) for j in doc["jobs"]]


def scripts(doc):
    """(job, step name, shell, text) for every script step."""
    out = []
    for name, job in jobs(doc):
        for step in job.get("steps", []):
            if is_github(doc):
                if "run" in step:
                    out.append((name, step.get("id") or step.get("name"), step.get("shell", "bash"),
                                step["run"]))
            else:
                for key in ("script", "bash", "powershell", "pwsh"):
                    if key in step:
                        out.append((name, step.get("name"), key, step[key]))
    return out


def logical_lines(text, shell):
    """Lines with their continuations joined (\\ for sh, ^ for cmd, ` for PowerShell)."""
    cont = {"bash": "\\", "cmd": "^", "script": "^", "powershell": "`", "pwsh": "`"}.get(shell, "\\")
    lines, cur = [], ""
    for raw in text.splitlines():
        s = raw.rstrip()
        if s.endswith(cont):
            cur += s[:-1] + " "
            continue
        lines.append(cur + s)
        cur = ""
    if cur:
        lines.append(cur)
    return lines


HELP_OPT = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
CALL = re.compile(r"(?:^|[\s;&|(\"'])marsplay(?:\.exe)?(?=[\s\"']|$)(.*)")


def help_options(path):
    with open(path, encoding="utf-8") as f:
        return set(HELP_OPT.findall(f.read()))


def check(argv):
    helps = {"run": help_options(argv[0]), "merge": help_options(argv[1]), "lab": help_options(argv[2])}
    bad, calls = [], 0
    for path in argv[3:]:
        doc = load(path)
        text = open(path, encoding="utf-8").read()
        gh = is_github(doc)
        for name, job in jobs(doc):
            where = "%s: job %s" % (path, name)
            if gh:
                runs_on = job.get("runs-on", [])
                runs_on = runs_on if isinstance(runs_on, list) else [runs_on]
                if "self-hosted" not in runs_on:
                    bad.append("%s: runs-on lacks self-hosted" % where)
            else:
                pool = job.get("pool", {})
                if not isinstance(pool, dict) or "name" not in pool or "vmImage" in pool:
                    bad.append("%s: not a self-hosted pool" % where)
        if gh:
            uses = [s.get("uses", "") for _, j in jobs(doc) for s in j.get("steps", [])]
            if not any(u.startswith(("mikepenz/action-junit-report@", "dorny/test-reporter@")) for u in uses):
                bad.append("%s: no JUnit publisher" % path)
            if not any(u.startswith("actions/upload-artifact@") for u in uses):
                bad.append("%s: no artifact upload" % path)
            fail_var = doc.get("env", {}).get("MARSPLAY_FAIL_CODES")
        else:
            tasks = [s for _, j in jobs(doc) for s in j.get("steps", []) if "task" in s]
            junit = [t for t in tasks if t["task"] == "PublishTestResults@2"]
            if not junit or any(t["inputs"].get("testResultsFormat") != "JUnit" for t in junit):
                bad.append("%s: no PublishTestResults@2 with testResultsFormat JUnit" % path)
            if not any(t["task"].startswith("PublishPipelineArtifact@") for t in tasks):
                bad.append("%s: no pipeline artifact" % path)
            fail_var = doc.get("variables", {}).get("MARSPLAY_FAIL_CODES")
        if fail_var is None:
            bad.append("%s: no MARSPLAY_FAIL_CODES variable" % path)
        if "marsplay-report.json" not in text:
            bad.append("%s: the JSON report is not kept" % path)
        for job, step, shell, body in scripts(doc):
            for line in logical_lines(body, shell):
                m = CALL.search(line)
                if not m:
                    continue
                calls += 1
                rest = m.group(1).split()
                words = [w for w in rest if not w.startswith("-")]
                kind = "run"
                if words[:2] == ["report", "merge"]:
                    kind = "merge"
                elif words[:1] == ["lab"]:
                    kind = "lab"
                for opt in HELP_OPT.findall(m.group(1)):
                    if opt not in helps[kind]:
                        bad.append("%s: job %s, step %s: %s is not an option of marsplay %s --help"
                                   % (path, job, step, opt, "" if kind == "run" else kind))
    if calls < 4:
        bad.append("only %d marsplay command lines found" % calls)
    for b in bad:
        print(b)
    print("%d marsplay command lines checked" % calls)
    return 1 if bad else 0


def run_sh_lists(path):
    """The live=(...) sources, flags=(...) and libs=(...) of tests/win/run.sh."""
    text = open(path, encoding="utf-8").read()
    def arr(name):
        m = re.search(r"^%s=\((.*?)\)" % name, text, re.S | re.M)
        if not m:
            raise SystemExit("%s: no %s=(...)" % (path, name))
        return m.group(1).split()
    live = [re.sub(r'^"\$src"/?', "", w) for w in arr("live")]
    flags = [re.sub(r'^"\$src"?/?', "", f).strip('"') for f in arr("flags") if not f.startswith("-I")]
    return live, flags, arr("libs")


def check_live(argv):
    run_sh, help_run, paths = argv[0], argv[1], argv[2:]
    live, flags, libs = run_sh_lists(run_sh)
    helps = help_options(help_run)
    bad, calls = [], 0
    for path in paths:
        doc = load(path)
        text = open(path, encoding="utf-8").read()
        gh = is_github(doc)
        if "NOT run by marsplay's own CI" not in text:
            bad.append("%s: does not say it is not run by this project's CI" % path)
        for name, job in jobs(doc):
            if gh:
                if job.get("runs-on") != "windows-latest":
                    bad.append("%s: job %s: runs-on is not windows-latest" % (path, name))
            else:
                pool = job.get("pool", {})
                if not isinstance(pool, dict) or not str(pool.get("vmImage", "")).startswith("windows"):
                    bad.append("%s: job %s: not a hosted Windows pool" % (path, name))
        bodies = [b for _, _, _, b in scripts(doc)]
        builds = [b for b in bodies if "tests/win/test_live.c" in b]
        if not builds:
            bad.append("%s: no step builds tests/win/test_live.c" % path)
        for b in builds:
            used = re.findall(r'"([^"]+\.c)"', b)
            if sorted(used) != sorted(live):
                bad.append("%s: the build's sources %s differ from tests/win/run.sh's %s" % (path, used, live))
            for f in flags:
                if '"%s"' % f not in b:
                    bad.append("%s: the build lacks run.sh's flag %s" % (path, f))
            m = re.search(r'\$libs\s*=\s*@\((.*?)\)', b, re.S)
            used_libs = re.findall(r'"(-l[^"]+)"', m.group(1)) if m else []
            if sorted(used_libs) != sorted(libs):
                bad.append("%s: the build's libraries %s differ from tests/win/run.sh's %s" % (path, used_libs, libs))
        if not any("test_live.exe" in b and "gcc" not in b for b in bodies):
            bad.append("%s: no step runs test_live.exe" % path)
        if "marsplay-report.json" not in text:
            bad.append("%s: the live harness report is not kept" % path)
        for job, step, shell, body in scripts(doc):
            for line in logical_lines(body, shell):
                for m in re.finditer(r'(?:marsplay\.exe"?|\$\(\$mp\.FullName\)`?"?|%MP%"?)\s(.*)', line):
                    calls += 1
                    for opt in HELP_OPT.findall(m.group(1)):
                        if opt not in helps:
                            bad.append("%s: job %s, step %s: %s is not an option of marsplay --help"
                                       % (path, job, step, opt))
    if calls < 2:
        bad.append("only %d marsplay.exe command lines found" % calls)
    for b in bad:
        print(b)
    print("%d marsplay.exe command lines checked" % calls)
    return 1 if bad else 0


def extract(argv):
    path, jobname, stepname, out = argv
    doc = load(path)
    found = None
    env = {}
    top = doc.get("env" if is_github(doc) else "variables", {}) or {}
    env.update({k: v for k, v in top.items() if isinstance(v, (str, int))})
    for name, job in jobs(doc):
        if name != jobname:
            continue
        env.update(job.get("env" if is_github(doc) else "variables", {}) or {})
        for j, step, shell, body in scripts(doc):
            if j == jobname and step == stepname:
                found = body
    if found is None:
        raise SystemExit("%s: no step %s in job %s" % (path, stepname, jobname))
    with open(out, "w", encoding="utf-8") as f:
        f.write(found)
    for k, v in env.items():
        print("%s=%s" % (k, v))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2:]))
    if len(sys.argv) >= 5 and sys.argv[1] == "check-live":
        sys.exit(check_live(sys.argv[2:]))
    if len(sys.argv) == 6 and sys.argv[1] == "extract":
        sys.exit(extract(sys.argv[2:]))
    sys.exit(__doc__)
