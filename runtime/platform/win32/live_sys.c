/* live_sys.c - facts about the running Windows: live.h's version,
 * PowerShell and .NET (read where Windows itself keeps them), and
 * platform.h's host facts for marsplay.sys on Windows: the process list
 * (Toolhelp snapshot), the UTC offset and the time zone (the system's
 * zone rules). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/live.h"
#include "platform/platform.h"
#include "platform/win32/live_win32.h"

#include <tlhelp32.h>

#define CURRENT_VERSION "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"

/* A REG_SZ value of HKLM as UTF-8 into out. */
static int reg_text(const char *key, const char *name, char *out, size_t outsz) {
  uint32_t type;
  char *data, *s;
  size_t len;
  int r = live_reg_get(LIVE_HKLM, key, name, &type, &data, &len);
  if (r < 0) return r;
  if ((type != REG_SZ && type != REG_EXPAND_SZ) || len % 2) { free(data); return -EINVAL; }
  s = live_narrow((const wchar_t *)data, (int)wcsnlen((const wchar_t *)data, len / 2));
  free(data);
  if (s == NULL) return -ENOMEM;
  snprintf(out, outsz, "%s", s);
  free(s);
  return 0;
}

static int reg_dword(const char *key, const char *name, uint32_t *out) {
  uint32_t type;
  char *data;
  size_t len;
  int r = live_reg_get(LIVE_HKLM, key, name, &type, &data, &len);
  if (r < 0) return r;
  if (type != REG_DWORD || len != 4) r = -EINVAL;
  else memcpy(out, data, 4);
  free(data);
  return r;
}

int live_os_version(char *ver, size_t versz, char *product, size_t productsz) {
  typedef LONG (WINAPI *rtl_get_version)(OSVERSIONINFOW *);
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  rtl_get_version get = NULL;
  OSVERSIONINFOW v;
  if (ntdll) {
    FARPROC p = GetProcAddress(ntdll, "RtlGetVersion");
    memcpy(&get, &p, sizeof get);
  }
  memset(&v, 0, sizeof v);
  v.dwOSVersionInfoSize = sizeof v;
  /* RtlGetVersion is not subject to the manifest-based version lie. */
  if (get == NULL || get(&v) != 0) return -ENOSYS;
  snprintf(ver, versz, "%lu.%lu.%lu", (unsigned long)v.dwMajorVersion,
           (unsigned long)v.dwMinorVersion, (unsigned long)v.dwBuildNumber);
  if (reg_text(CURRENT_VERSION, "ProductName", product, productsz) < 0)
    snprintf(product, productsz, "%s", "");
  return 0;
}

int live_powershell_version(char *out, size_t outsz) {
  int r = reg_text("SOFTWARE\\Microsoft\\PowerShell\\3\\PowerShellEngine", "PowerShellVersion",
                   out, outsz);
  if (r == -ENOENT)
    r = reg_text("SOFTWARE\\Microsoft\\PowerShell\\1\\PowerShellEngine", "PowerShellVersion",
                 out, outsz);
  return r;
}

int live_dotnet_release(uint32_t *release) {
  return reg_dword("SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full", "Release", release);
}

/* ---------- platform.h: processes, time zone ---------- */

static int by_pid(const void *a, const void *b) {
  long x = ((const plat_proc *)a)->pid, y = ((const plat_proc *)b)->pid;
  return (x > y) - (x < y);
}

int plat_process_list(plat_proc **out, size_t *count) {
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  PROCESSENTRY32W pe;
  plat_proc *v = NULL;
  size_t n = 0, cap = 0;
  int r = 0;
  if (snap == INVALID_HANDLE_VALUE) return live_werr(GetLastError());
  pe.dwSize = sizeof pe;
  if (!Process32FirstW(snap, &pe)) {
    r = GetLastError() == ERROR_NO_MORE_FILES ? 0 : live_werr(GetLastError());
    goto out;
  }
  do {
    if (n == cap) {
      plat_proc *nv;
      cap = cap ? cap * 2 : 128;
      if ((nv = realloc(v, cap * sizeof *v)) == NULL) { r = -ENOMEM; break; }
      v = nv;
    }
    v[n].pid = (long)pe.th32ProcessID;
    v[n].cmdline = NULL;              /* another process's command line: not read */
    if ((v[n].name = live_narrow(pe.szExeFile, -1)) == NULL) { r = -ENOMEM; break; }
    n++;
  } while (Process32NextW(snap, &pe));
out:
  CloseHandle(snap);
  if (r < 0) {
    plat_proc_free(v, n);
    return r;
  }
  if (n) qsort(v, n, sizeof *v, by_pid);
  *out = v;
  *count = n;
  return 0;
}

void plat_proc_free(plat_proc *list, size_t count) {
  size_t i;
  if (list == NULL) return;
  for (i = 0; i < count; i++) {
    free(list[i].name);
    free(list[i].cmdline);
  }
  free(list);
}

/* 100 ns ticks between 1601-01-01 and 1970-01-01. */
#define EPOCH_DIFF 116444736000000000ULL

int plat_utc_offset(double t, long *offset) {
  ULARGE_INTEGER u;
  FILETIME ft, lft;
  SYSTEMTIME utc, local;
  if (t < 0 || t > 32503680000.0) return -ERANGE;     /* years 1970..3000 */
  u.QuadPart = (ULONGLONG)(t * 1e7) + EPOCH_DIFF;
  ft.dwLowDateTime = u.LowPart;
  ft.dwHighDateTime = u.HighPart;
  if (!FileTimeToSystemTime(&ft, &utc) || !SystemTimeToTzSpecificLocalTime(NULL, &utc, &local) ||
      !SystemTimeToFileTime(&local, &lft))
    return live_werr(GetLastError());
  {
    ULARGE_INTEGER a, b;
    a.LowPart = lft.dwLowDateTime; a.HighPart = lft.dwHighDateTime;
    b.LowPart = ft.dwLowDateTime; b.HighPart = ft.dwHighDateTime;
    *offset = (long)(((LONGLONG)a.QuadPart - (LONGLONG)(b.QuadPart - b.QuadPart % 10000000)) / 10000000);
  }
  return 0;
}

/* The zone's Windows name ("E. South America Standard Time"), as
 * tzutil /g prints it. */
int plat_timezone(char *out, size_t outsz) {
  DYNAMIC_TIME_ZONE_INFORMATION tz;
  const wchar_t *name;
  if (GetDynamicTimeZoneInformation(&tz) == TIME_ZONE_ID_INVALID) return live_werr(GetLastError());
  name = tz.TimeZoneKeyName[0] ? tz.TimeZoneKeyName : tz.StandardName;
  if (name[0] == 0) return -ENOENT;
  return w32_utf8(name, -1, out, outsz) < 0 ? -ENAMETOOLONG : 0;
}
