/* platform_win32_lock.c - one run at a time per target.
 *
 * Windows cannot lock a folder (byte-range locks are for files), and the
 * target must not be written to.  So the lock is a byte-range lock
 * (LockFileEx, released by the system when the handle closes or the
 * process dies) on a small file in the host's temporary folder named
 * after the target root's identity (volume serial number and file id):
 * two runs on the same folder, by whatever path, meet on the same file.
 * The holder writes its process id at the start of the file, outside the
 * locked byte, so a waiting run can name it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

#define LOCK_OFF 0x40000000UL   /* the locked byte, far from the pid */

static int lock_file_name(const char *path, wchar_t *out, size_t outn) {
  BY_HANDLE_FILE_INFORMATION bi;
  wchar_t tmp[MAX_PATH + 1];
  DWORD n;
  plat_fd root;
  int r = plat_root_open(path, &root);
  if (r < 0) return r;
  if (!GetFileInformationByHandle(w32_h(root), &bi)) r = w32_err(GetLastError());
  CloseHandle(w32_h(root));
  if (r < 0) return r;
  n = GetTempPathW((DWORD)(sizeof tmp / sizeof tmp[0]), tmp);
  if (n == 0 || n > MAX_PATH) return n ? -PLAT_ENAMETOOLONG : w32_err(GetLastError());
  r = _snwprintf(out, outn, L"%lsmarsplay-lock-%08lx-%08lx%08lx", tmp,
                 (unsigned long)bi.dwVolumeSerialNumber, (unsigned long)bi.nFileIndexHigh,
                 (unsigned long)bi.nFileIndexLow);
  return r < 0 || (size_t)r >= outn ? -PLAT_ENAMETOOLONG : 0;
}

static long read_holder(HANDLE h) {
  char buf[24];
  OVERLAPPED ov;
  DWORD got = 0;
  memset(&ov, 0, sizeof ov);
  if (!ReadFile(h, buf, sizeof buf - 1, &got, &ov)) return 0;
  buf[got] = '\0';
  return strtol(buf, NULL, 10);
}

plat_fd plat_lock_dir(const char *path, double timeout, long *holder) {
  double deadline = plat_monotonic() + (timeout > 0 ? timeout : 0);
  DWORD pause = 20;
  wchar_t name[MAX_PATH + 64];
  HANDLE h;
  int r;
  *holder = 0;
  if ((r = lock_file_name(path, name, sizeof name / sizeof name[0])) < 0) return r;
  h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                  NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
  if (h == INVALID_HANDLE_VALUE) return w32_err(GetLastError());
  for (;;) {
    OVERLAPPED ov;
    double left;
    memset(&ov, 0, sizeof ov);
    ov.Offset = LOCK_OFF;
    if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) {
      char pid[24];
      DWORD put;
      int n = snprintf(pid, sizeof pid, "%lu\n", (unsigned long)GetCurrentProcessId());
      memset(&ov, 0, sizeof ov);
      /* who holds it, for a waiting run's message; the lock stands without it */
      if (!WriteFile(h, pid, (DWORD)n, &put, &ov) || !SetEndOfFile(h)) {}
      return w32_fd(h);
    }
    if (GetLastError() != ERROR_LOCK_VIOLATION && GetLastError() != ERROR_IO_PENDING) {
      r = w32_err(GetLastError());
      CloseHandle(h);
      return r;
    }
    left = deadline - plat_monotonic();
    if (left <= 0) break;
    Sleep(left * 1000 < pause ? (DWORD)(left * 1000) + 1 : pause);
    if (pause < 250) pause *= 2;
  }
  *holder = read_holder(h);
  CloseHandle(h);
  return -PLAT_EAGAIN;
}

int plat_proc_name(long pid, char *out, size_t outsz) {
  wchar_t w[MAX_PATH + 1];
  DWORD n = (DWORD)(sizeof w / sizeof w[0]);
  const wchar_t *base;
  HANDLE p;
  int r;
  if (outsz == 0) return -PLAT_ERANGE;
  p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
  if (p == NULL) return w32_err(GetLastError());
  r = QueryFullProcessImageNameW(p, 0, w, &n) ? 0 : w32_err(GetLastError());
  CloseHandle(p);
  if (r < 0) return r;
  base = wcsrchr(w, L'\\');
  base = base ? base + 1 : w;
  r = w32_utf8(base, -1, out, outsz);
  return r < 0 ? r : 0;
}
