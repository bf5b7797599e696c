/* platform_posix.c - POSIX/Linux backend: clock, paths, contained opens. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/openat2.h>
#endif

#include "platform/platform.h"

const char *plat_name(void) {
#if defined(__linux__)
  return "linux";
#elif defined(__APPLE__)
  return "macos";
#else
  return "posix";
#endif
}

double plat_now(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return 0;
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double plat_monotonic(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int plat_exe_dir(char *out, size_t outsz) {
  ssize_t n;
  char *slash;
  if (outsz < 2) return -ERANGE;
  n = readlink("/proc/self/exe", out, outsz - 1);
  if (n < 0) return -errno;
  if ((size_t)n >= outsz - 1) return -ENAMETOOLONG;
  out[n] = '\0';
  slash = strrchr(out, '/');
  if (slash == NULL) return -ENOENT;
  *slash = '\0';
  return 0;
}

int plat_hostname(char *out, size_t outsz) {
  if (outsz == 0) return -ERANGE;
  if (gethostname(out, outsz) != 0) return -errno;
  out[outsz - 1] = '\0';
  return 0;
}

int plat_root_open(const char *path, plat_fd *out) {
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  *out = fd;
  return 0;
}

int plat_close(plat_fd fd) {
  return close(fd) == 0 ? 0 : -errno;
}

#ifdef SYS_openat2
static int openat2_call(int dirfd, const char *rel, int flags, int mode,
                        unsigned long long resolve) {
  struct open_how how;
  long r;
  memset(&how, 0, sizeof how);
  how.flags = (unsigned long long)(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? (unsigned long long)mode : 0;
  how.resolve = resolve;
  do {
    r = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
  } while (r < 0 && errno == EAGAIN);
  return r < 0 ? -errno : (int)r;
}
#endif

/* Fallback walk for kernels without openat2: every intermediate
 * component is opened with O_NOFOLLOW, so no symlink is followed at all
 * (stricter than RESOLVE_IN_ROOT, never looser). */
static int walk_nofollow(int root, const char *rel, int flags, int mode) {
  char comp[NAME_MAX + 1];
  const char *p = rel;
  int dir = root, fd;
  for (;;) {
    const char *end;
    size_t len;
    while (*p == '/') p++;
    end = strchr(p, '/');
    len = end ? (size_t)(end - p) : strlen(p);
    if (len == 0) {               /* the root itself */
      fd = openat(dir, ".", flags | O_CLOEXEC, mode);
      if (dir != root) close(dir);
      return fd < 0 ? -errno : fd;
    }
    if (len > NAME_MAX) { if (dir != root) close(dir); return -ENAMETOOLONG; }
    memcpy(comp, p, len);
    comp[len] = '\0';
    if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0) {
      if (dir != root) close(dir);
      return -EXDEV;
    }
    while (end && end[1] == '/') end++;
    if (end == NULL || end[1] == '\0') {  /* last component */
      fd = openat(dir, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
      if (dir != root) close(dir);
      return fd < 0 ? -errno : fd;
    }
    fd = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir != root) close(dir);
    if (fd < 0) return -errno;
    dir = fd;
    p = end + 1;
  }
}

int plat_open_in(plat_fd root, const char *rel, int flags, int mode) {
#ifdef SYS_openat2
  int r = openat2_call(root, rel[0] ? rel : ".", flags, mode,
                       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (r != -ENOSYS) return r;
#endif
  return walk_nofollow(root, rel, flags, mode);
}

int plat_open_beneath_nofollow(plat_fd root, const char *rel, int flags, int mode) {
#ifdef SYS_openat2
  int r = openat2_call(root, rel[0] ? rel : ".", flags, mode,
                       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  if (r != -ENOSYS) return r;
#endif
  return walk_nofollow(root, rel, flags, mode);
}
