/* platform_posix.c - POSIX/Linux backend: clock, paths, contained opens. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

void *plat_memmem(const void *hay, size_t n1, const void *needle, size_t n2) {
  return memmem(hay, n1, needle, n2);
}

void *plat_memrchr(const void *s, int c, size_t n) {
  return memrchr(s, c, n);
}

char *plat_abs_path(const char *path) {
  return realpath(path, NULL);
}

char *plat_live_root(void) {
  char *r = malloc(2);
  if (r == NULL) { errno = ENOMEM; return NULL; }
  memcpy(r, "/", 2);
  return r;
}

int plat_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int plat_readable(const char *path) {
  return access(path, R_OK) == 0;
}

int plat_exists(const char *path) {
  return access(path, F_OK) == 0;
}

int plat_mkdir(const char *path) {
  return mkdir(path, 0755) == 0 ? 0 : -errno;
}

int plat_remove(const char *path) {
  return unlink(path) == 0 ? 0 : -errno;
}

int plat_temp_dir(const char *prefix, char *out, size_t outsz) {
  const char *tmp = getenv("TMPDIR");
  int n = snprintf(out, outsz, "%s/%sXXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
  if (n < 0 || (size_t)n >= outsz) return -ENAMETOOLONG;
  return mkdtemp(out) ? 0 : -errno;
}

/* Remove name in folder at and all below it, never through a link. */
static int remove_at(int at, const char *name, int depth) {
  struct stat st;
  int fd, r = 0;
  DIR *d;
  struct dirent *e;
  if (depth > 512) return -ELOOP;
  if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : -errno;
  if (!S_ISDIR(st.st_mode)) return unlinkat(at, name, 0) == 0 || errno == ENOENT ? 0 : -errno;
  if ((st.st_mode & 0700) != 0700 && fchmodat(at, name, (st.st_mode & 07777) | 0700, 0) != 0)
    return -errno;
  fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -errno;
  if ((d = fdopendir(fd)) == NULL) { r = -errno; close(fd); return r; }
  while (r == 0 && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    r = remove_at(dirfd(d), e->d_name, depth + 1);
  }
  closedir(d);
  if (r != 0) return r;
  return unlinkat(at, name, AT_REMOVEDIR) == 0 ? 0 : -errno;
}

int plat_remove_tree(const char *path) {
  return remove_at(AT_FDCWD, path, 0);
}

int plat_is_terminal(FILE *f) {
  return isatty(fileno(f)) == 1;
}

int plat_cwd(char *out, size_t outsz) {
  return getcwd(out, outsz) ? 0 : -errno;
}

int plat_utc_stamp(double t, char *out, size_t outsz) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (gmtime_r(&tt, &tm) == NULL || strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return -EINVAL;
  return 0;
}

int plat_fd_alias(plat_fd fd, char *out, size_t outsz) {
  int n = snprintf(out, outsz, "/proc/self/fd/%d", (int)fd);
  return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : 0;
}

FILE *plat_fd_stream(plat_fd fd, const char *mode) {
  return fdopen((int)fd, mode);
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

/* An open intent (platform.h) as open(2) flags. */
static int intent_flags(unsigned how) {
  int f;
  switch (how & 0xff) {
    case PLAT_OPEN_READ: f = O_RDONLY | O_NONBLOCK; break;
    case PLAT_OPEN_DIR: f = O_RDONLY | O_DIRECTORY; break;
    case PLAT_OPEN_LOOK: f = O_PATH; break;
    case PLAT_OPEN_CREATE: f = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW; break;
    default: return -1;
  }
  if (how & PLAT_OPEN_NOFOLLOW) f |= O_NOFOLLOW;
  return f | O_CLOEXEC;
}

plat_fd plat_open_path(const char *path, unsigned how) {
  int flags = intent_flags(how), fd;
  if (flags < 0) return -EINVAL;
  do {
    fd = open(path, flags, 0644);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}

plat_fd plat_open_at(plat_fd dirfd, const char *name, unsigned how) {
  int flags = intent_flags(how), fd;
  if (flags < 0) return -EINVAL;
  do {
    fd = openat((int)dirfd, name, flags, 0644);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}

int plat_pwrite(plat_fd fd, const void *buf, size_t n, uint64_t off) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = pwrite((int)fd, p, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -errno;
    if (w == 0) return -EIO;
    p += w;
    n -= (size_t)w;
    off += (uint64_t)w;
  }
  return 0;
}

int plat_data_segment(plat_fd fd, uint64_t off, uint64_t size, uint64_t *start, uint64_t *end) {
  off_t s = lseek((int)fd, (off_t)off, SEEK_DATA), e;
  if (s < 0) {
    if (errno == ENXIO) return 0;          /* only a hole is left */
    if (errno != EINVAL) return -errno;
    s = (off_t)off;                        /* no SEEK_DATA here: all of it */
  }
  e = lseek((int)fd, s, SEEK_HOLE);
  *start = (uint64_t)s;
  *end = e < 0 ? size : (uint64_t)e;
  return 1;
}

int plat_truncate(plat_fd fd, uint64_t size) {
  return ftruncate((int)fd, (off_t)size) == 0 ? 0 : -errno;
}

plat_fd plat_open_in(plat_fd root, const char *rel, unsigned how) {
  int flags = intent_flags(how);
  if (flags < 0) return -EINVAL;
#ifdef SYS_openat2
  {
    int r = openat2_call((int)root, rel[0] ? rel : ".", flags, 0,
                         RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (r != -ENOSYS) return r;
  }
#endif
  return walk_nofollow((int)root, rel, flags, 0);
}
