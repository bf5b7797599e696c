#!/bin/bash
# marsplay.exe is one static file: it imports only DLLs every Windows
# Server 2012 R2 and later has (no libcurl, libxml2, Lua, libgcc or
# winpthread DLL to ship beside it).
set -euo pipefail
EXE=${MARSPLAY_EXE:?}
OBJDUMP=${OBJDUMP:-x86_64-w64-mingw32-objdump}
command -v "$OBJDUMP" >/dev/null || { echo "skip: no $OBJDUMP"; exit 77; }
# The system's own DLLs (System32) that a Win32 program may import
# (rstrtmgr: the Restart Manager, in System32 since Windows Vista / Server 2008).
SYSTEM="kernel32 advapi32 msvcrt ws2_32 crypt32 bcrypt user32 shell32 winmm ntdll secur32 ole32 oleaut32 rpcrt4 iphlpapi userenv wldap32 normaliz shlwapi version winhttp rstrtmgr"
dlls=$("$OBJDUMP" -p "$EXE" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' | sed 's/\.dll$//' | sort -u)
[ -n "$dlls" ] || { echo "not ok - no import table read from $EXE"; exit 1; }
bad=0
for d in $dlls; do
  case " $SYSTEM " in
    *" $d "*) echo "ok - imports $d.dll (system)" ;;
    *) echo "not ok - imports $d.dll, not a system DLL"; bad=1 ;;
  esac
done
exit $bad
