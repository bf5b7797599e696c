/* live_sys.c - live.h's facts on Windows (version, PowerShell, .NET),
 * read from the places Windows itself keeps them.  (The process list and
 * the time zone are platform.h's: platform_win32_sys.c.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/live.h"
#include "platform/win32/live_win32.h"

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
