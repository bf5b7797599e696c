/* platform_win32_sys.c - host facts for marsplay.sys (processes, time
 * zone) and running a helper program (CreateProcessW, its output through
 * a pipe). */
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

#include <tlhelp32.h>   /* after windows.h */

/* ---------- processes ---------- */

void plat_proc_free(plat_proc *list, size_t count) {
  size_t i;
  if (list == NULL) return;
  for (i = 0; i < count; i++) { free(list[i].name); free(list[i].cmdline); }
  free(list);
}

static int by_pid(const void *a, const void *b) {
  long x = ((const plat_proc *)a)->pid, y = ((const plat_proc *)b)->pid;
  return (x > y) - (x < y);
}

/* Another process's command line is in its memory, not readable through
 * a documented call: cmdline stays NULL (platform.h: unreadable). */
int plat_process_list(plat_proc **out, size_t *count) {
  PROCESSENTRY32W pe;
  plat_proc *v = NULL;
  size_t n = 0, cap = 0;
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  int r = 0;
  *out = NULL;
  *count = 0;
  if (snap == INVALID_HANDLE_VALUE) return w32_err(GetLastError());
  pe.dwSize = sizeof pe;
  if (!Process32FirstW(snap, &pe)) { r = w32_err(GetLastError()); CloseHandle(snap); return r; }
  do {
    char name[MAX_PATH * 3 + 1];
    if (n == cap) {
      plat_proc *g;
      cap = cap ? cap * 2 : 256;
      if ((g = realloc(v, cap * sizeof *g)) == NULL) { r = -PLAT_ENOMEM; break; }
      v = g;
    }
    if (w32_utf8(pe.szExeFile, -1, name, sizeof name) < 0) continue;
    v[n].pid = (long)pe.th32ProcessID;
    v[n].cmdline = NULL;
    if ((v[n].name = strdup(name)) == NULL) { r = -PLAT_ENOMEM; break; }
    n++;
  } while (Process32NextW(snap, &pe));
  CloseHandle(snap);
  if (r < 0) { plat_proc_free(v, n); return r; }
  qsort(v, n, sizeof *v, by_pid);
  *out = v;
  *count = n;
  return 0;
}

/* ---------- time zone ---------- */

int plat_utc_offset(double t, long *offset) {
  FILETIME ft;
  SYSTEMTIME utc, local;
  FILETIME lf;
  long long u, l;
  if (isnan(t) || t < 0 || t > 9.2e11) return -PLAT_EINVAL;   /* FILETIME's range here */
  u = (long long)t * 10000000LL + 116444736000000000LL;
  ft.dwLowDateTime = (DWORD)u;
  ft.dwHighDateTime = (DWORD)(u >> 32);
  if (!FileTimeToSystemTime(&ft, &utc) || !SystemTimeToTzSpecificLocalTime(NULL, &utc, &local) ||
      !SystemTimeToFileTime(&local, &lf))
    return -PLAT_EOVERFLOW;
  l = (long long)lf.dwHighDateTime << 32 | lf.dwLowDateTime;
  *offset = (long)((l - u) / 10000000LL);
  return 0;
}

static int copy_out(const char *s, size_t len, char *out, size_t outsz) {
  if (len == 0) return -PLAT_ENOENT;
  if (len >= outsz) return -PLAT_ENAMETOOLONG;
  memcpy(out, s, len);
  out[len] = '\0';
  return 0;
}

/* $TZ when set, else Windows' own name of the zone ("GMT Standard
 * Time"), the registry key name that tzutil and the .NET TimeZoneInfo
 * use. */
int plat_timezone(char *out, size_t outsz) {
  DYNAMIC_TIME_ZONE_INFORMATION dz;
  const char *tz = getenv("TZ");
  int r;
  if (outsz == 0) return -PLAT_ERANGE;
  if (tz != NULL && *tz != '\0') return copy_out(tz, strlen(tz), out, outsz);
  if (GetDynamicTimeZoneInformation(&dz) == TIME_ZONE_ID_INVALID) return w32_err(GetLastError());
  if (dz.TimeZoneKeyName[0] == 0) return -PLAT_ENOENT;
  r = w32_utf8(dz.TimeZoneKeyName, -1, out, outsz);
  return r < 0 ? r : 0;
}

/* The zone name in a path under .../zoneinfo/. */
static int zone_from_path(const char *p, char *out, size_t outsz) {
  const char *z = strstr(p, "zoneinfo/");
  if (z == NULL) z = strstr(p, "zoneinfo\\");
  if (z == NULL) return -PLAT_ENOENT;
  z += 9;
  if (strncmp(z, "posix/", 6) == 0 || strncmp(z, "right/", 6) == 0) z += 6;
  return copy_out(z, strlen(z), out, outsz);
}

int plat_timezone_files(const char *root, char *out, size_t outsz) {
  char link[4096], text[256];
  plat_fd rfd, fd;
  long len;
  int r;
  if (outsz == 0) return -PLAT_ERANGE;
  if ((r = plat_root_open(root, &rfd)) < 0) return r;
  fd = plat_open_in(rfd, "etc/localtime", PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  if (fd >= 0) {
    r = plat_readlink_fd(fd, link, sizeof link);
    plat_close(fd);
    if (r > 0 && zone_from_path(link, out, outsz) == 0) { plat_close(rfd); return 0; }
  }
  fd = plat_open_in(rfd, "etc/timezone", PLAT_OPEN_READ);
  plat_close(rfd);
  if (fd < 0) return -PLAT_ENOENT;
  len = plat_read(fd, text, sizeof text - 1);
  plat_close(fd);
  if (len > 0) {
    size_t a = 0, b;
    text[len] = '\0';
    b = strcspn(text, "\r\n");
    while (a < b && (text[a] == ' ' || text[a] == '\t')) a++;
    while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t')) b--;
    if (b > a) return copy_out(text + a, b - a, out, outsz);
  }
  return -PLAT_ENOENT;
}

/* ---------- running a helper program ---------- */

struct plat_child { HANDLE process; };

/* Append arg to the command line at *p (room for it checked by the
 * caller: 2 * len + 3), quoted as CommandLineToArgvW and the C runtime
 * read it back: backslashes are literal unless they precede a quote. */
static wchar_t *quote_arg(wchar_t *p, const wchar_t *a) {
  size_t slashes = 0;
  if (a[0] != 0 && wcspbrk(a, L" \t\n\v\"") == NULL) {
    size_t n = wcslen(a);
    memcpy(p, a, n * sizeof *p);
    return p + n;
  }
  *p++ = L'"';
  for (; *a; a++) {
    if (*a == L'\\') { slashes++; *p++ = *a; continue; }
    if (*a == L'"') {            /* double the backslashes before it, escape it */
      for (; slashes; slashes--) *p++ = L'\\';
      *p++ = L'\\';
    }
    slashes = 0;
    *p++ = *a;
  }
  for (; slashes; slashes--) *p++ = L'\\';   /* before the closing quote */
  *p++ = L'"';
  return p;
}

int plat_spawn_reading(const char *program, char *const args[], FILE **out,
                       plat_child **child) {
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  STARTUPINFOW si;
  PROCESS_INFORMATION pi;
  wchar_t exe[MAX_PATH * 4], *wprog = NULL, *cmd = NULL, *p;
  HANDLE rd = NULL, wr = NULL, nul = INVALID_HANDLE_VALUE;
  size_t need = 1, i;
  plat_child *c = NULL;
  int r, cfd;
  for (i = 0; args[i]; i++) need += 2 * strlen(args[i]) + 3;   /* UTF-16 units <= bytes */
  if ((r = w32_wide(program, &wprog)) < 0) return r;
  /* PATH, then with ".exe" as Windows programs are named */
  if (SearchPathW(NULL, wprog, L".exe", (DWORD)(sizeof exe / sizeof exe[0]), exe, NULL) == 0) {
    free(wprog);
    return -PLAT_ENOENT;
  }
  free(wprog);
  if ((cmd = malloc(need * sizeof *cmd)) == NULL || (c = malloc(sizeof *c)) == NULL) {
    r = -PLAT_ENOMEM;
    goto fail;
  }
  for (p = cmd, i = 0; args[i]; i++) {
    wchar_t *w;
    if ((r = w32_wide(args[i], &w)) < 0) goto fail;
    if (i) *p++ = L' ';
    p = quote_arg(p, w);
    free(w);
  }
  *p = 0;
  /* the pipe: the child's end inheritable, ours not */
  if (!CreatePipe(&rd, &wr, &sa, 0) || !SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0)) {
    r = w32_err(GetLastError());
    goto fail;
  }
  nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = nul;
  si.hStdOutput = wr;
  si.hStdError = wr;
  if (!CreateProcessW(exe, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
    r = w32_err(GetLastError());
    goto fail;
  }
  CloseHandle(pi.hThread);
  CloseHandle(wr);
  wr = NULL;
  if (nul != INVALID_HANDLE_VALUE) CloseHandle(nul);
  free(cmd);
  c->process = pi.hProcess;
  if ((cfd = _open_osfhandle((intptr_t)rd, _O_RDONLY)) < 0 || (*out = _fdopen(cfd, "r")) == NULL) {
    if (cfd >= 0) _close(cfd); else CloseHandle(rd);
    plat_child_wait(c);
    return -PLAT_ENOMEM;
  }
  *child = c;
  return 0;
fail:
  if (rd) CloseHandle(rd);
  if (wr) CloseHandle(wr);
  if (nul != INVALID_HANDLE_VALUE) CloseHandle(nul);
  free(cmd);
  free(c);
  return r;
}

int plat_child_wait(plat_child *child) {
  DWORD code = 0;
  HANDLE h = child->process;
  free(child);
  if (WaitForSingleObject(h, INFINITE) != WAIT_OBJECT_0 || !GetExitCodeProcess(h, &code)) {
    CloseHandle(h);
    return -1;
  }
  CloseHandle(h);
  return code <= 255 ? (int)code : -1;   /* a larger code: an exception ended it */
}
