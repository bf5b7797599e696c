/* platform_win32_lab.c - the lab builder's file operations on Windows
 * (lab.c, testkit.c): sparse files, volume space, symbolic links.  A
 * POSIX mode and a detached holder process have no Windows form here:
 * those say PLAT_EOPNOTSUPP / PLAT_ENOSYS (the labs of the test suite are
 * built by the Linux build). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

int plat_lab_sparse(const char *path, uint64_t size, uint64_t *got) {
  FILE_END_OF_FILE_INFO eof;
  DWORD ret;
  wchar_t *w;
  HANDLE h;
  int r = w32_path(path, &w);
  if (r < 0) return r;
  h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_ALWAYS,
                  FILE_ATTRIBUTE_NORMAL, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) return w32_err(GetLastError());
  /* sparse first, so that setting the size allocates nothing */
  if (!DeviceIoControl(h, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &ret, NULL) &&
      GetLastError() != ERROR_INVALID_FUNCTION) {
    r = w32_err(GetLastError());
    CloseHandle(h);
    return r;
  }
  for (;;) {
    eof.EndOfFile.QuadPart = (LONGLONG)size;
    if (SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof)) break;
    r = w32_err(GetLastError());
    if ((r != -PLAT_EINVAL && r != -PLAT_ENOSPC && r != -PLAT_EFBIG) || size < 2) {
      CloseHandle(h);
      return r;
    }
    size /= 2;
  }
  CloseHandle(h);
  *got = size;
  return 0;
}

int plat_lab_space(const char *path, uint64_t *total, uint64_t *avail, uint64_t *free_) {
  ULARGE_INTEGER a, t, f;
  wchar_t *w;
  int r = w32_path(path, &w);
  if (r < 0) return r;
  r = GetDiskFreeSpaceExW(w, &a, &t, &f) ? 0 : w32_err(GetLastError());
  free(w);
  if (r < 0) return r;
  *total = t.QuadPart;
  *avail = a.QuadPart;
  *free_ = f.QuadPart;
  return 0;
}

/* Windows files have ACLs, not a mode: no honest translation here. */
int plat_lab_chmod(const char *path, unsigned mode) {
  (void)path; (void)mode;
  return -PLAT_EOPNOTSUPP;
}

int plat_lab_symlink(const char *target, const char *linkpath) {
  wchar_t *t, *l;
  DWORD flags = 0x2;     /* SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE (developer mode) */
  int r;
  if ((r = w32_path(target, &t)) < 0) return r;
  if ((r = w32_path(linkpath, &l)) < 0) { free(t); return r; }
  if (plat_is_dir(target)) flags |= SYMBOLIC_LINK_FLAG_DIRECTORY;
  if (!CreateSymbolicLinkW(l, t, flags)) {
    r = w32_err(GetLastError());
    if (r == -PLAT_EINVAL && CreateSymbolicLinkW(l, t, flags & ~0x2UL)) r = 0;  /* older Windows */
  }
  free(t);
  free(l);
  return r;
}

int plat_lab_hold(const char *path, const char *pidfile, unsigned seconds, long *pid) {
  (void)path; (void)pidfile; (void)seconds;
  *pid = 0;
  return -PLAT_ENOSYS;
}

/* plat_lab_hold has no Windows holder, but a lab built elsewhere may
 * carry a pidfile: remove it; end the process only if it is a holder. */
int plat_lab_stop_holder(const char *pidfile) {
  char buf[64], name[64];
  wchar_t *w;
  FILE *f;
  long pid;
  int r = w32_path(pidfile, &w);
  if (r < 0) return r;
  f = _wfopen(w, L"rb");
  if (f == NULL) {
    DWORD a = GetFileAttributesW(w);
    free(w);
    return a == INVALID_FILE_ATTRIBUTES ? 0 : -PLAT_EACCES;
  }
  pid = fgets(buf, sizeof buf, f) ? strtol(buf, NULL, 10) : 0;
  fclose(f);
  r = DeleteFileW(w) ? 0 : w32_err(GetLastError());
  free(w);
  if (r < 0 && r != -PLAT_ENOENT) return r;
  if (pid > 1 && plat_proc_name(pid, name, sizeof name) == 0 &&
      strncmp(name, "mp-lab-holder", 13) == 0) {
    HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, (DWORD)pid);
    if (h != NULL) {
      TerminateProcess(h, 1);
      CloseHandle(h);
    }
  }
  return 1;
}
