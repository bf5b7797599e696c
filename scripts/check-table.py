#!/usr/bin/python3
"""check-table.py REPORT.json - the README table "every check x {offline
volume from Linux, live Windows}" from a dry-run report of a healthy lab
(marsplay --root LAB --dry-run --format json all).

The offline column is what that run says (pass, or why the check was
skipped).  The live column names the backend that serves the check on a
running Windows and how far that backend is tested; it is derived from
what the offline run skipped and why (LIVE below, by check id), every
other check reading the registry (mars.agent) and files.  With --check
README.md, exits 1 when README's table (between the marker lines) is not
the table this report gives.
"""
import json
import os
import sys

BEGIN = "<!-- check-table: begin (scripts/check-table.py) -->"
END = "<!-- check-table: end -->"

REG_FILES = ("registry: live Win32 registry (live_reg.c); files: Windows file backend "
             "(platform/win32)")
# The checks the live harness (tests/win/t_live.sh) sees skipped under
# Wine on the seeded healthy lab, and why: one home, read by both.
SKIPS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "win",
                          "live-skips.txt")
# The checks that answer unlike offline under Wine (its partial Task
# Scheduler), and why: one home, read by t_live.sh too.
DIFFERS_FILE = os.path.join(os.path.dirname(SKIPS_FILE), "live-wine-differs.txt")
LIVE_RUN = ("run live under Wine on the seeded healthy lab (tests/win/t_live.sh) and on every lab fault Wine can "
            "represent (tests/win/t_live_faults.sh); unverified on real Windows")
# The task checks: what serves them live (by check id).
TASKS = ("Task Scheduler 2.0 COM (live_task.c: the definition from get_Xml; the fix registers "
         "the corrected one with RegisterTask, the original kept in the action, read back); "
         "registry: live_reg.c")
TASK_CHECKS = ("task-files", "task-triggers-enabled", "task-enabled", "task-account", "task-instances",
               "wsb-schedule")
TASKS_RUN = "run live under Wine through COM (tests/win/t_live.sh); unverified on real Windows"
TASKS_HOW = {
    "task-enabled": "run live under Wine through COM (tests/win/t_live.sh); detected, planned with the original "
                    "definition, fixed by RegisterTask and read back (tests/win/t_live_tasks.sh); "
                    "unverified on real Windows",
    "task-instances": TASKS_RUN[:-len("; unverified on real Windows")] + "; the fix is not Wine-representable (Wine "
                      "registers Parallel as IgnoreNew): real-Windows job only; unverified on real Windows",
}


def live_skips(path=SKIPS_FILE):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                k, _, why = line.partition(":")
                out[k.strip()] = why.strip()
    return out
SCM = "Service Control Manager (live_svc.c; Wine-tested with a real service)"
# The proxy on a live Windows: WinHTTP's own answers (live_proxy.c) and
# the SYSTEM account's WinINet settings from the live registry.
WINHTTP = ("WinHTTP API (live_proxy.c): the default proxy (WinHttpGetDefaultProxyConfiguration), "
           "SYSTEM's auto-config script and WPAD run by WinHttpGetProxyForUrl")
CONN = ("connectivity: libcurl + Schannel through the proxy of each endpoint: SYSTEM's WinINet settings "
        "(live registry), " + WINHTTP)
PROXY = "SYSTEM's WinINet settings: live Win32 registry (live_reg.c); " + WINHTTP
# Checks that also run in tests/win/t_live_proxy.sh, and how there.
PROXY_RUN = ("run live under Wine on the seeded healthy lab (tests/win/t_live.sh) and with a WinHTTP default proxy and "
             "an auto-config script (tests/win/t_live_proxy.sh; WPAD only where it finds no script); unverified on real Windows")
PASS_LIVE = {"proxy-settings": PROXY, "system-proxy-settings": PROXY}
PROXY_TESTED = ("agent-unable-to-connect/proxy-settings", "agent-unable-to-connect/endpoints-reachable")
NONE = "not written yet"
HOLDERS = ("who holds the cache: Restart Manager over the cache's files (platform_win32_holders.c), then a "
           "sharing probe when it names nobody or fails (Wine's RmGetList names nobody: the probe finds a "
           "file held without sharing, tests/win/t_live_holders.sh)")
# Checks the offline run skips for being offline: what serves them live.
LIVE = {
    "mars-service-running": SCM,
    "iscsi-service-restart": SCM,
    "endpoints-reachable": CONN,
    "network-connectivity": CONN,
    "registration-connectivity": CONN,
    "firewall-portal": CONN,
    "antivirus-interference": HOLDERS,
    "cache-not-held": HOLDERS,
    "clock-skew": "the host clock (platform_win32_sys.c) against the Date header of clock_url, fetched with libcurl + Schannel",
    "shadow-copy-storage": "shadow-copy storage: VSS management API, QueryDiffAreasForVolume (live_vss.c); "
                           "Wine has no VSS (the skip is tested); unverified on real Windows (test_live in examples/ci)",
    "os-updates": "Windows Update history: " + NONE,
    "antivirus-exclusions": "Defender exclusions: live registry (live_reg.c); Wine-tested with the lab's "
                            "defender-no-exclusions state, and with the key readable by SYSTEM only (said unknown, "
                            "not missing); whether real Windows denies the read: unverified",
    "trusted-sites": "live registry (live_reg.c; Wine-tested)",
}
# Checks that pass offline but whose live backend is not just the registry
# and files.
# Checks the offline run passes that another backend serves live.
PASS_LIVE.update({
    "scratch-access": "NTFS permissions: GetSecurityInfo on the open handle (platform_win32_fs.c), decoded by "
                      "formats/ntacl.c; under Wine refused (made-up descriptors); unverified on real Windows "
                      "(test_live in examples/ci)",
})
# Skipped in both: they need a parameter or the Azure portal, or do not apply.
SAME = ("The size of the protected data", "Checked in the Azure portal", "Not applicable",
        "This bullet applies", "Which folders the policy protects")


def cell(s):
    return s.replace("|", "\\|").replace("\n", " ")


def table(report):
    skips = live_skips()
    differs = live_skips(DIFFERS_FILE)
    rows = ["| Playbook | Check | Offline volume from Linux (healthy lab, tested in CI) "
            "| Live Windows: what serves it | Live: tested how |",
            "|---|---|---|---|---|"]
    for pb in report["playbooks"]:
        for c in pb["checks"]:
            why = (c.get("reason") or c.get("message") or "").split(";")[0].split(": ")[0]
            key = pb["id"] + "/" + c["id"]
            how = ("skipped live under Wine: " + skips[key]) if key in skips else LIVE_RUN
            if key in PROXY_TESTED and key not in skips:
                how = PROXY_RUN
            if c["id"] in TASK_CHECKS:
                how = ("live under Wine unlike offline: " + differs[key] +
                       "; unverified on real Windows") if key in differs else TASKS_HOW.get(c["id"], TASKS_RUN)
            if c["status"] == "pass" and c["id"] in TASK_CHECKS:
                off, live = "pass", TASKS
            elif c["status"] == "pass":
                off, live = "pass", PASS_LIVE.get(c["id"], REG_FILES)
            elif c["status"] == "skipped" and any(why.startswith(s) for s in SAME):
                off, live = "skipped: " + why, "same as offline"
            elif c["status"] == "skipped":
                off = "skipped: " + why
                live = LIVE.get(c["id"], NONE)
            else:
                off, live, how = c["status"], "?", "?"
            rows.append("| %s | %s | %s | %s | %s |" % (pb["id"], c["id"], cell(off), cell(live), how))
    return "\n".join(rows) + "\n"


def main(argv):
    if len(argv) not in (1, 3) or (len(argv) == 3 and argv[1] != "--check"):
        sys.exit(__doc__)
    with open(argv[0], encoding="utf-8") as f:
        t = table(json.load(f))
    if len(argv) == 1:
        sys.stdout.write(t)
        return 0
    text = open(argv[2], encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        print("%s: no check-table markers" % argv[2])
        return 1
    have = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    if have != t:
        print("%s: the check table is out of date; regenerate it with scripts/check-table.py" % argv[2])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
