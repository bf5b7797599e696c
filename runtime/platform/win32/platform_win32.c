/* platform_win32.c - the Windows backend's general part: its name, the
 * executable's folder, the host name, UTF-8/UTF-16 conversion, host
 * paths, C streams over handles, and Win32 / NT status codes as the
 * project's error kinds (see platform.h). */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

const char *plat_name(void) { return "windows"; }

const char *w32_wine_version(void) {
  typedef const char *(*wine_version_fn)(void);
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  FARPROC f = ntdll ? GetProcAddress(ntdll, "wine_get_version") : NULL;
  wine_version_fn fn;
  if (f == NULL) return NULL;
  memcpy(&fn, &f, sizeof fn);     /* a function pointer cast, not an object one */
  return fn();
}

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
  case 336: return -EISDIR;                 /* ERROR_DIRECTORY_NOT_SUPPORTED */
  case ERROR_NOT_A_REPARSE_POINT: return -EINVAL;
  case ERROR_HANDLE_EOF: return -ENODATA;
  case ERROR_NO_MORE_FILES: return -ENOENT;
  case ERROR_INVALID_FUNCTION: return -EOPNOTSUPP;
  default: return -EIO;
  }
}

int w32_nterr(NTSTATUS st) {
  switch ((unsigned long)st) {
  case 0xC00000BAUL: return -EISDIR;        /* STATUS_FILE_IS_A_DIRECTORY */
  case 0xC0000103UL: return -ENOTDIR;       /* STATUS_NOT_A_DIRECTORY */
  case 0xC0000035UL: return -EEXIST;        /* STATUS_OBJECT_NAME_COLLISION */
  case 0xC0000033UL: return -EINVAL;        /* STATUS_OBJECT_NAME_INVALID */
  case 0xC000003AUL: return -ENOENT;        /* STATUS_OBJECT_PATH_NOT_FOUND */
  case 0xC0000034UL: return -ENOENT;        /* STATUS_OBJECT_NAME_NOT_FOUND */
  case 0xC0000101UL: return -ENOTEMPTY;     /* STATUS_DIRECTORY_NOT_EMPTY */
  case 0xC0000056UL: return -EBUSY;         /* STATUS_DELETE_PENDING */
  default: return w32_err(RtlNtStatusToDosError(st));
  }
}

int w32_path(const char *s, wchar_t **out) {
  wchar_t *w, *p;
  size_t n;
  int r = w32_wide(s, &w), drive, unc, dots = 0;
  if (r < 0) return r;
  for (p = w; *p; p++)
    if (*p == L'/') *p = L'\\';
  n = (size_t)(p - w);
  drive = n >= 3 && w[1] == L':' && w[2] == L'\\';
  unc = n >= 3 && w[0] == L'\\' && w[1] == L'\\' && w[2] != L'?' && w[2] != L'.';
  for (p = w; *p; p++)        /* a "." or ".." component */
    if ((p == w || p[-1] == L'\\') && p[0] == L'.' &&
        (p[1] == 0 || p[1] == L'\\' || (p[1] == L'.' && (p[2] == 0 || p[2] == L'\\'))))
      dots = 1;
  if (n >= MAX_PATH - 12 && (drive || unc) && !dots) {
    const wchar_t *pre = unc ? L"\\\\?\\UNC" : L"\\\\?\\";
    size_t pl = wcslen(pre), skip = unc ? 1 : 0;
    wchar_t *l = malloc((pl + n - skip + 1) * sizeof *l);
    if (l == NULL) { free(w); return -ENOMEM; }
    memcpy(l, pre, pl * sizeof *l);
    memcpy(l + pl, w + skip, (n - skip + 1) * sizeof *l);
    free(w);
    w = l;
  }
  *out = w;
  return 0;
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

void *plat_memmem(const void *hay, size_t n1, const void *needle, size_t n2) {
  return memmem(hay, n1, needle, n2);
}

void *plat_memrchr(const void *s, int c, size_t n) { return memrchr(s, c, n); }

/* The attributes of path (links followed), or INVALID_FILE_ATTRIBUTES. */
static DWORD attrs_of(const char *path) {
  wchar_t *w;
  DWORD a;
  if (w32_path(path, &w) < 0) return INVALID_FILE_ATTRIBUTES;
  a = GetFileAttributesW(w);
  free(w);
  return a;
}

char *plat_live_root(void) {
  wchar_t dir[MAX_PATH + 1];
  char *out;
  UINT n = GetSystemWindowsDirectoryW(dir, MAX_PATH + 1);
  if (n == 0 || n > MAX_PATH) { errno = n ? ENAMETOOLONG : EIO; return NULL; }
  /* "C:\Windows" -> "C:\"; a Windows folder not on a lettered drive
   * (never seen) is refused rather than guessed. */
  if (n < 2 || dir[1] != L':' || !iswalpha(dir[0])) { errno = ENOENT; return NULL; }
  if ((out = malloc(4)) == NULL) { errno = ENOMEM; return NULL; }
  out[0] = (char)towupper(dir[0]);
  memcpy(out + 1, ":\\", 3);
  return out;
}

char *plat_abs_path(const char *path) {
  wchar_t *w, full[32768];
  char *out;
  DWORD n;
  HANDLE h;
  int r;
  if ((r = w32_path(path, &w)) < 0) { errno = -r; return NULL; }
  /* links resolved: the final path of the object itself */
  h = CreateFileW(w, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                  NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) { errno = -w32_err(GetLastError()); return NULL; }
  n = GetFinalPathNameByHandleW(h, full, (DWORD)(sizeof full / sizeof full[0]), FILE_NAME_NORMALIZED);
  CloseHandle(h);
  if (n == 0 || n >= sizeof full / sizeof full[0]) { errno = n ? ENAMETOOLONG : EIO; return NULL; }
  if ((out = malloc(4 * (size_t)n + 1)) == NULL) { errno = ENOMEM; return NULL; }
  /* "\\?\C:\x" -> "C:\x"; "\\?\UNC\srv\x" -> "\\srv\x" */
  if (wcsncmp(full, L"\\\\?\\UNC\\", 8) == 0) {
    full[6] = L'\\';
    r = w32_utf8(full + 6, (int)n - 6, out, 4 * (size_t)n + 1);
  } else if (wcsncmp(full, L"\\\\?\\", 4) == 0 && n < MAX_PATH + 4) {
    r = w32_utf8(full + 4, (int)n - 4, out, 4 * (size_t)n + 1);
  } else {
    r = w32_utf8(full, (int)n, out, 4 * (size_t)n + 1);
  }
  if (r < 0) { free(out); errno = -r; return NULL; }
  return out;
}

int plat_is_dir(const char *path) {
  DWORD a = attrs_of(path);
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int plat_readable(const char *path) {
  wchar_t *w;
  HANDLE h;
  if (w32_path(path, &w) < 0) return 0;
  h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) return 0;
  CloseHandle(h);
  return 1;
}

int plat_exists(const char *path) { return attrs_of(path) != INVALID_FILE_ATTRIBUTES; }

int plat_mkdir(const char *path) {
  wchar_t *w;
  int r = w32_path(path, &w);
  if (r < 0) return r;
  r = CreateDirectoryW(w, NULL) ? 0 : w32_err(GetLastError());
  free(w);
  return r;
}

int plat_remove(const char *path) {
  wchar_t *w;
  int r = w32_path(path, &w);
  if (r < 0) return r;
  r = DeleteFileW(w) ? 0 : w32_err(GetLastError());
  free(w);
  return r;
}

int plat_is_terminal(FILE *f) {
  DWORD mode;
  intptr_t h = _get_osfhandle(_fileno(f));
  return h != -1 && GetConsoleMode((HANDLE)h, &mode) != 0;
}

int plat_cwd(char *out, size_t outsz) {
  wchar_t w[32768];
  DWORD n = GetCurrentDirectoryW((DWORD)(sizeof w / sizeof w[0]), w);
  int r;
  if (n == 0) return w32_err(GetLastError());
  if (n >= sizeof w / sizeof w[0]) return -ENAMETOOLONG;
  r = w32_utf8(w, (int)n, out, outsz);
  return r < 0 ? r : 0;
}

int plat_utc_stamp(double t, char *out, size_t outsz) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (gmtime_s(&tm, &tt) != 0 || strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return -EINVAL;
  return 0;
}

/* Windows has no path that names an open handle's object and cannot be
 * swapped (Linux's /proc/self/fd/N): a path from GetFinalPathNameByHandle
 * is looked up again by name.  So there is none. */
int plat_fd_alias(plat_fd fd, char *out, size_t outsz) {
  (void)fd;
  if (outsz) out[0] = '\0';
  return -PLAT_ENOSYS;
}

FILE *plat_fd_stream(plat_fd fd, const char *mode) {
  HANDLE dup;
  char m[8];
  int cfd, flags = _O_BINARY;
  size_t n = strlen(mode);
  FILE *f;
  if (n + 2 > sizeof m) return NULL;
  memcpy(m, mode, n + 1);
  if (strchr(m, 'b') == NULL) { m[n] = 'b'; m[n + 1] = '\0'; }  /* bytes as they are */
  if (strchr(mode, '+') == NULL && mode[0] == 'r') flags |= _O_RDONLY;
  if (mode[0] == 'a') flags |= _O_APPEND;
  /* a duplicate goes to the C runtime: fd stays the caller's on failure */
  if (!DuplicateHandle(GetCurrentProcess(), w32_h(fd), GetCurrentProcess(), &dup, 0, FALSE,
                       DUPLICATE_SAME_ACCESS))
    return NULL;
  if ((cfd = _open_osfhandle((intptr_t)dup, flags)) < 0) { CloseHandle(dup); return NULL; }
  if ((f = _fdopen(cfd, m)) == NULL) { _close(cfd); return NULL; }
  CloseHandle(w32_h(fd));
  return f;
}

int plat_close(plat_fd fd) {
  return CloseHandle(w32_h(fd)) ? 0 : w32_err(GetLastError());
}

int plat_temp_dir(const char *prefix, char *out, size_t outsz) {
  wchar_t tw[MAX_PATH + 2];
  char base[3 * MAX_PATH + 8];
  DWORD n = GetTempPathW(MAX_PATH + 1, tw);
  LARGE_INTEGER qpc;
  unsigned tries;
  int r;
  if (n == 0 || n > MAX_PATH + 1) return n ? -PLAT_ENAMETOOLONG : w32_err(GetLastError());
  if ((r = w32_utf8(tw, (int)n, base, sizeof base)) < 0) return r;
  QueryPerformanceCounter(&qpc);
  for (tries = 0; tries < 100; tries++) {
    /* %TEMP% is the user's own folder: the new folder inherits its ACL. */
    unsigned long long x = (unsigned long long)qpc.QuadPart * 6364136223846793005ULL
                           + GetCurrentProcessId() * 1442695040888963407ULL + tries;
    wchar_t *w;
    int m = snprintf(out, outsz, "%s%s%06llx", base, prefix, (x >> 20) & 0xffffffULL);
    if (m < 0 || (size_t)m >= outsz) return -PLAT_ENAMETOOLONG;
    if ((r = w32_path(out, &w)) < 0) return r;
    r = CreateDirectoryW(w, NULL) ? 0 : w32_err(GetLastError());
    free(w);
    if (r != -PLAT_EEXIST) return r;
  }
  return -PLAT_EEXIST;
}

/* Remove p and all below it; a link or junction is removed itself. */
static int remove_tree_w(const wchar_t *p, int depth) {
  DWORD a = GetFileAttributesW(p), e;
  WIN32_FIND_DATAW fd;
  HANDLE h;
  size_t n;
  wchar_t *pat;
  int r = 0;
  if (a == INVALID_FILE_ATTRIBUTES) {
    e = GetLastError();
    return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? 0 : w32_err(e);
  }
  if (depth > 512) return -PLAT_ELOOP;
  if ((a & FILE_ATTRIBUTE_READONLY) && !(a & FILE_ATTRIBUTE_REPARSE_POINT) &&
      !SetFileAttributesW(p, a & ~(DWORD)FILE_ATTRIBUTE_READONLY))
    return w32_err(GetLastError());
  if (!(a & FILE_ATTRIBUTE_DIRECTORY)) return DeleteFileW(p) ? 0 : w32_err(GetLastError());
  if (a & FILE_ATTRIBUTE_REPARSE_POINT) return RemoveDirectoryW(p) ? 0 : w32_err(GetLastError());
  n = wcslen(p);
  if ((pat = malloc((n + 3) * sizeof *pat)) == NULL) return -PLAT_ENOMEM;
  wmemcpy(pat, p, n);
  wmemcpy(pat + n, L"\\*", 3);
  h = FindFirstFileExW(pat, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
  free(pat);
  if (h == INVALID_HANDLE_VALUE) {
    e = GetLastError();
    if (e != ERROR_FILE_NOT_FOUND && e != ERROR_NO_MORE_FILES) return w32_err(e);
  } else {
    do {
      size_t m = wcslen(fd.cFileName);
      wchar_t *child;
      if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0) continue;
      if ((child = malloc((n + m + 2) * sizeof *child)) == NULL) { r = -PLAT_ENOMEM; break; }
      wmemcpy(child, p, n);
      child[n] = L'\\';
      wmemcpy(child + n + 1, fd.cFileName, m + 1);
      r = remove_tree_w(child, depth + 1);
      free(child);
    } while (r == 0 && FindNextFileW(h, &fd));
    FindClose(h);
  }
  if (r != 0) return r;
  return RemoveDirectoryW(p) ? 0 : w32_err(GetLastError());
}

int plat_remove_tree(const char *path) {
  wchar_t *w;
  int r = w32_path(path, &w);
  if (r < 0) return r;
  r = remove_tree_w(w, 0);
  free(w);
  return r;
}
