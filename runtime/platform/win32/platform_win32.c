/* platform_win32.c - the Windows backend's general part: its name, the
 * executable's folder, the host name, UTF-8/UTF-16 conversion and Win32
 * error codes as the project's error kinds (see platform.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

const char *plat_name(void) { return "windows"; }

int w32_wide(const char *s, wchar_t **out) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  wchar_t *w;
  if (n <= 0) return -EILSEQ;
  w = malloc((size_t)n * sizeof *w);
  if (w == NULL) return -ENOMEM;
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
    free(w);
    return -EILSEQ;
  }
  *out = w;
  return 0;
}

int w32_utf8(const wchar_t *w, int wlen, char *out, size_t outsz) {
  int n;
  if (outsz == 0 || outsz > INT_MAX) return -EINVAL;
  if (wlen == 0) { out[0] = '\0'; return 0; }
  n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, wlen, out, (int)outsz - 1, NULL, NULL);
  if (n <= 0)
    return GetLastError() == ERROR_INSUFFICIENT_BUFFER ? -ENAMETOOLONG : -EILSEQ;
  if (wlen < 0) n--;             /* the NUL was converted and counted */
  out[n] = '\0';
  return n;
}

int w32_err(DWORD code) {
  switch (code) {
  case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: case ERROR_INVALID_DRIVE:
  case ERROR_BAD_NETPATH: case ERROR_BAD_NET_NAME: case ERROR_DIRECTORY:
    return -ENOENT;
  case ERROR_ACCESS_DENIED: case ERROR_SHARING_VIOLATION: case ERROR_LOCK_VIOLATION:
  case ERROR_PRIVILEGE_NOT_HELD:
    return -EACCES;
  case ERROR_FILE_EXISTS: case ERROR_ALREADY_EXISTS: return -EEXIST;
  case ERROR_DIR_NOT_EMPTY: return -ENOTEMPTY;
  case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY: return -ENOMEM;
  case ERROR_DISK_FULL: case ERROR_HANDLE_DISK_FULL: return -ENOSPC;
  case ERROR_WRITE_PROTECT: return -EROFS;
  case ERROR_FILENAME_EXCED_RANGE: case ERROR_BUFFER_OVERFLOW: return -ENAMETOOLONG;
  case ERROR_INVALID_PARAMETER: case ERROR_INVALID_NAME: case ERROR_BAD_PATHNAME:
    return -EINVAL;
  case ERROR_NOT_SAME_DEVICE: return -EXDEV;
  case ERROR_CANT_RESOLVE_FILENAME: case ERROR_CANT_ACCESS_FILE: return -ELOOP;
  case ERROR_TOO_MANY_OPEN_FILES: return -EMFILE;
  case ERROR_BUSY: case ERROR_PATH_BUSY: return -EBUSY;
  case ERROR_NOT_SUPPORTED: case ERROR_CALL_NOT_IMPLEMENTED: return -ENOSYS;
  case ERROR_NO_UNICODE_TRANSLATION: return -EILSEQ;
  case ERROR_TIMEOUT: case WAIT_TIMEOUT: return -ETIMEDOUT;
  default: return -EIO;
  }
}

int plat_exe_dir(char *out, size_t outsz) {
  wchar_t w[32768];
  DWORD n = GetModuleFileNameW(NULL, w, (DWORD)(sizeof w / sizeof w[0]));
  int r;
  char *sep;
  if (n == 0) return w32_err(GetLastError());
  if (n >= sizeof w / sizeof w[0]) return -ENAMETOOLONG;
  if ((r = w32_utf8(w, (int)n, out, outsz)) < 0) return r;
  sep = strrchr(out, '\\');
  if (sep == NULL) sep = strrchr(out, '/');
  if (sep == NULL) return -ENOENT;
  *sep = '\0';
  return 0;
}

int plat_hostname(char *out, size_t outsz) {
  wchar_t w[256];
  DWORD n = (DWORD)(sizeof w / sizeof w[0]);
  int r;
  if (!GetComputerNameExW(ComputerNameDnsHostname, w, &n)) return w32_err(GetLastError());
  r = w32_utf8(w, (int)n, out, outsz);
  return r < 0 ? r : 0;
}
