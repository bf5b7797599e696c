#!/usr/bin/env bash
# t_lab.sh - `marsplay lab`: the healthy volume (tree, hives, task XML,
# metadata), every cache fault, the refusals, the holder process.
. "$(dirname "$0")/lib.sh"

for tool in hivexget hivexregedit xmllint iconv python3 stat du df; do
  command -v "$tool" >/dev/null || { say "skip: $tool missing"; exit 77; }
done

AGENT="Program Files/Microsoft Azure Recovery Services Agent"
SCRATCH="$AGENT/Scratch"
CFG="Windows/System32/config"
MARS='Microsoft\Windows Azure Backup'
DEFAULT_SCRATCH='C:\Program Files\Microsoft Azure Recovery Services Agent\Scratch'

# hget LAB HIVE KEY VALUE: a value as hivexget prints it.
hget() { hivexget "$1/$CFG/$2" "$3" "$4"; }
meta() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1/.marsplay-lab.json" "$2"; }
exports_ok() {
  local lab=$1 h
  for h in SOFTWARE SYSTEM DEFAULT systemprofile/NTUSER.DAT; do
    hivexregedit --export "$lab/$CFG/$h" '\' >/dev/null || return 1
  done
}

# ---------- --list-faults ----------
list=$("$MP" lab --list-faults)
for f in cache-low-space scratch-missing scratch-not-dir scratch-registry-mismatch \
         scratch-readonly scratch-reparse scratch-sparse-file cache-file-held; do
  contains "--list-faults names $f" "$f" "$list"
done
contains "--list-faults gives guide anchors" "#troubleshoot-cache-problems" "$list"

# ---------- the healthy lab ----------
H=$T/healthy
lab "$H"
for p in "$CFG/SOFTWARE" "$CFG/SYSTEM" "$CFG/DEFAULT" "$CFG/systemprofile/NTUSER.DAT" \
         "Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup" \
         "$AGENT/Bin/cbengine.exe" "$AGENT/Bin/Modules/MSOnlineBackup/MSOnlineBackup.psd1" \
         "$SCRATCH/OnlineBackup.KEK" "$AGENT/Temp/CBEngineCurr.errlog" \
         "Windows/System32/WindowsPowerShell/v1.0/powershell.exe"; do
  check "healthy: file $p" test -f "$H/$p"
done
for d in "Windows/Temp" "Users/Administrator/Downloads" "Data" "$AGENT/Temp" "$SCRATCH"; do
  check "healthy: folder $d" test -d "$H/$d"
done
check "healthy: protected data has files" test "$(find "$H/Data" -type f | wc -l)" -ge 3
check "healthy: no holder" test ! -e "$H/.marsplay-lab-holder"
check "healthy: every hive exports" exports_ok "$H"
check "healthy: errlog has lines" grep -q 'cbpsession' "$H/$AGENT/Temp/CBEngineCurr.errlog"

# SOFTWARE
eq "InstallPath" 'C:\Program Files\Microsoft Azure Recovery Services Agent\' \
  "$(hget "$H" SOFTWARE "$MARS\\Setup" InstallPath)"
eq "Config ScratchLocation" "$DEFAULT_SCRATCH" "$(hget "$H" SOFTWARE "$MARS\\Config" ScratchLocation)"
eq "provider ScratchLocation" "$DEFAULT_SCRATCH" \
  "$(hget "$H" SOFTWARE "$MARS\\Config\\CloudBackupProvider" ScratchLocation)"
check "MachineId is a GUID" grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' \
  <<<"$(hget "$H" SOFTWARE "$MARS\\Config" MachineId)"
check "ResourceId set" test -n "$(hget "$H" SOFTWARE "$MARS\\Config" ResourceId)"
eq "vault name" "contoso-backup-vault" "$(hget "$H" SOFTWARE "$MARS\\Config" ServiceResourceName)"
contains "ProductName" "Windows Server" "$(hget "$H" SOFTWARE 'Microsoft\Windows NT\CurrentVersion' ProductName)"
eq "SchUseStrongCrypto" 1 "$(hget "$H" SOFTWARE 'Microsoft\.NETFramework\v4.0.30319' SchUseStrongCrypto)"
eq "SystemDefaultTlsVersions" 1 "$(hget "$H" SOFTWARE 'Microsoft\.NETFramework\v4.0.30319' SystemDefaultTlsVersions)"
eq ".NET 4.8 release" 528040 "$(hget "$H" SOFTWARE 'Microsoft\NET Framework Setup\NDP\v4\Full' Release)"
# SYSTEM
eq "Select\\Current" 1 "$(hget "$H" SYSTEM Select Current)"
eq "ComputerName" "MARS-SRV01" "$(hget "$H" SYSTEM 'ControlSet001\Control\ComputerName\ComputerName' ComputerName)"
check "TimeZoneKeyName" test -n "$(hget "$H" SYSTEM 'ControlSet001\Control\TimeZoneInformation' TimeZoneKeyName)"
eq "obengine Start" 2 "$(hget "$H" SYSTEM 'ControlSet001\Services\obengine' Start)"
eq "obengine DisplayName" "Microsoft Azure Recovery Services Agent" \
  "$(hget "$H" SYSTEM 'ControlSet001\Services\obengine' DisplayName)"
contains "obengine ImagePath" 'cbengine.exe' "$(hget "$H" SYSTEM 'ControlSet001\Services\obengine' ImagePath)"
check "MSiSCSI service" test -n "$(hget "$H" SYSTEM 'ControlSet001\Services\MSiSCSI' Start)"
TLS='ControlSet001\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client'
eq "TLS 1.2 Enabled" 1 "$(hget "$H" SYSTEM "$TLS" Enabled)"
eq "TLS 1.2 DisabledByDefault" 0 "$(hget "$H" SYSTEM "$TLS" DisabledByDefault)"
# the SYSTEM profile
IS='Software\Microsoft\Windows\CurrentVersion\Internet Settings'
check "systemprofile NTUSER.DAT is its own hive (no Internet Settings)" bash -c "! hivexget '$H/$CFG/systemprofile/NTUSER.DAT' '$IS' ProxyEnable 2>/dev/null"
eq "DEFAULT ProxyEnable" 0 "$(hivexget "$H/$CFG/DEFAULT" "$IS" ProxyEnable)"

# the scheduled task: UTF-16LE with a BOM, valid XML, the guide's settings
TASK="$H/Windows/System32/Tasks/Microsoft/OnlineBackup/Microsoft-OnlineBackup"
eq "task starts with FF FE" "fffe" "$(head -c 2 "$TASK" | od -An -tx1 | tr -d ' \n')"
check "task XML parses as UTF-16" xmllint --noout "$TASK"
task_utf8() { iconv -f UTF-16 -t UTF-8 "$TASK" | sed '1s/encoding="UTF-16"/encoding="UTF-8"/'; }
parses_utf8() { task_utf8 | xmllint --noout -; }
check "task XML parses after iconv" parses_utf8
x() { task_utf8 | xmllint --xpath "$1" -; }
eq "task namespace" "http://schemas.microsoft.com/windows/2004/02/mit/task" "$(x 'namespace-uri(/*)')"
eq "task trigger enabled" "true" "$(x "string(//*[local-name()='Triggers']/*/*[local-name()='Enabled'])")"
eq "task runs as SYSTEM" "S-1-5-18" "$(x "string(//*[local-name()='UserId'])")"
eq "task run level" "HighestAvailable" "$(x "string(//*[local-name()='RunLevel'])")"
eq "task IgnoreNew" "IgnoreNew" "$(x "string(//*[local-name()='MultipleInstancesPolicy'])")"
contains "task runs powershell" "powershell.exe" "$(x "string(//*[local-name()='Exec']/*[local-name()='Command'])")"
contains "task imports MSOnlineBackup" "Import-Module MSOnlineBackup" "$(x "string(//*[local-name()='Arguments'])")"

# metadata for humans and tests
eq "metadata format" "marsplay-lab" "$(meta "$H" 'd["format"]')"
eq "metadata: no faults" "0" "$(meta "$H" 'len(d["faults"])')"

# ---------- refusals ----------
set +e
err=$("$MP" lab "$H" 2>&1); code=$?
set -e
eq "rebuild into a lab refused (exit 1)" 1 "$code"
contains "rebuild message" "never rebuilt in place" "$err"
mkdir "$T/busy"; echo x >"$T/busy/file"
set +e
err=$("$MP" lab "$T/busy" 2>&1); code=$?
set -e
eq "non-empty folder refused" 1 "$code"
contains "non-empty message" "is not empty" "$err"
eq "non-empty folder left alone" "x" "$(cat "$T/busy/file")"
set +e
err=$("$MP" lab "$T/unknown" --fault no-such-fault 2>&1); code=$?
set -e
eq "unknown fault refused" 1 "$code"
contains "unknown fault lists valid ones" "valid: " "$err"
contains "unknown fault lists scratch-missing" "scratch-missing" "$err"
check "unknown fault builds nothing" test ! -e "$T/unknown"
set +e
err=$("$MP" lab "$T/conflict" --fault scratch-missing --fault cache-file-held 2>&1); code=$?
set -e
eq "conflicting faults refused" 1 "$code"
contains "conflict message" "cannot be combined" "$err"
# A credentials fault after the registration is gone (agent-not-registered
# runs first): the file is still of the vault the healthy build registered
# (was a Lua error from the lab's builder).
"$MP" lab "$T/unreg-creds" --fault agent-not-registered --fault creds-corrupt >/dev/null 2>"$T/unreg-creds.err" || true
check "agent-not-registered combines with a credentials fault" test -f "$T/unreg-creds/.marsplay-lab.json"
check "  its credentials file names the vault" grep -rqs contoso-backup-vault "$T/unreg-creds/Users/Administrator/Downloads"

# ---------- each fault ----------
scratch_of() { hget "$1" SOFTWARE "$MARS\\Config" ScratchLocation; }

L=$T/low
avail=$(df -B1 --output=avail "$T" | tail -1 | tr -d ' ')
lab "$L" cache-low-space
apparent=$(find "$L/Data" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
allocated=$(du -s -B1 "$L/Data" | cut -f1)
check "cache-low-space: 5% of the data exceeds the free space" \
  python3 -c "import sys; sys.exit(0 if $apparent * 0.05 > $avail else 1)"
check "cache-low-space: sparse (little allocated)" test "$allocated" -lt $((64 << 20))
eq "cache-low-space: recorded" "cache-low-space" "$(meta "$L" 'd["faults"][0]')"
check "cache-low-space: notes the free space" test "$(meta "$L" 'd["notes"]["cache-low-space"]["volume_free"]')" -gt 0
check "cache-low-space: scratch intact" test -f "$L/$SCRATCH/OnlineBackup.KEK"

L=$T/missing
lab "$L" scratch-missing
check "scratch-missing: no Scratch" test ! -e "$L/$SCRATCH"
eq "scratch-missing: registry still names it" "$DEFAULT_SCRATCH" "$(scratch_of "$L")"

L=$T/notdir
lab "$L" scratch-not-dir
check "scratch-not-dir: a regular file" test -f "$L/$SCRATCH"
check "scratch-not-dir: not a folder" test ! -d "$L/$SCRATCH"

L=$T/mismatch
lab "$L" scratch-registry-mismatch
eq "mismatch: Config right" "$DEFAULT_SCRATCH" "$(scratch_of "$L")"
eq "mismatch: provider elsewhere" 'C:\OldScratch' \
  "$(hget "$L" SOFTWARE "$MARS\\Config\\CloudBackupProvider" ScratchLocation)"
check "mismatch: OldScratch exists" test -d "$L/OldScratch"
check "mismatch: OldScratch has no KEK" test ! -e "$L/OldScratch/OnlineBackup.KEK"
check "mismatch: Scratch intact" test -f "$L/$SCRATCH/OnlineBackup.KEK"

L=$T/readonly
lab "$L" scratch-readonly
eq "readonly: mode 555" 555 "$(stat -c %a "$L/$SCRATCH")"

L=$T/reparse
lab "$L" scratch-reparse
check "reparse: Scratch is a link" test -L "$L/$SCRATCH"
eq "reparse: relative target" "Scratch.target" "$(readlink "$L/$SCRATCH")"
check "reparse: target holds the KEK" test -f "$L/$AGENT/Scratch.target/OnlineBackup.KEK"
eq "reparse: stays in the volume" "$(realpath "$L/$AGENT")/Scratch.target" "$(realpath "$L/$SCRATCH")"

L=$T/sparse
lab "$L" scratch-sparse-file
S="$L/$SCRATCH/CacheChunk0001.dat"
eq "sparse: apparent size" $((256 << 20)) "$(stat -c %s "$S")"
check "sparse: allocated less than apparent" test $(( $(stat -c %b "$S") * $(stat -c %B "$S") )) -lt $((256 << 20))

L=$T/combo
lab "$L" scratch-reparse scratch-sparse-file scratch-readonly
eq "combo: target read-only" 555 "$(stat -c %a "$L/$AGENT/Scratch.target")"
check "combo: sparse file in the target" test -f "$L/$AGENT/Scratch.target/CacheChunk0001.dat"
eq "combo: faults in order" "scratch-reparse scratch-sparse-file scratch-readonly" \
  "$(meta "$L" '" ".join(d["faults"])')"

L=$T/held
on_exit "lab_cleanup '$L'"
# Command substitution returns only when every writer of the pipe is gone:
# the holder must not keep marsplay's stdout/stderr open.
log=$("$MP" lab "$L" --fault cache-file-held 2>&1)
contains "held: log names the holder" "mp-lab-holder" "$log"
check "held: pidfile" test -s "$L/.marsplay-lab-holder"
pid=$(cat "$L/.marsplay-lab-holder")
check "held: process alive" kill -0 "$pid"
eq "held: process name" "mp-lab-holder" "$(cat "/proc/$pid/comm")"
holds() { ls -l "/proc/$pid/fd/" 2>/dev/null | grep -q "Scratch/OnlineBackup.KEK"; }
check "held: holds OnlineBackup.KEK open" holds
check "held: not holding the log pipe" bash -c "! ls -l /proc/$pid/fd/ | grep -q pipe"
eq "held: metadata pid" "$pid" "$(meta "$L" 'd["notes"]["cache-file-held"]["pid"]')"
kill "$pid"
rm -f "$L/.marsplay-lab-holder"

for d in low missing notdir mismatch readonly reparse sparse combo held; do
  check "$d: every hive exports" exports_ok "$T/$d"
done

finish
