/* platform_posix_lab.c - POSIX pieces of the lab builder: sparse files,
 * free space, modes, links and the background process that holds a file
 * open (fault cache-file-held). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "platform/platform.h"

int plat_lab_sparse(const char *path, uint64_t size, uint64_t *got) {
  int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  uint64_t s = size > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : size;
  if (fd < 0) return -errno;
  while (ftruncate(fd, (off_t)s) != 0) {
    int e = errno;
    if ((e == EFBIG || e == EINVAL) && s > 4096) { s /= 2; continue; }
    close(fd);
    return -e;
  }
  if (close(fd) != 0) return -errno;
  *got = s;
  return 0;
}

int plat_lab_space(const char *path, uint64_t *total, uint64_t *avail, uint64_t *free_) {
  struct statvfs v;
  if (statvfs(path, &v) != 0) return -errno;
  *total = (uint64_t)v.f_blocks * v.f_frsize;
  *avail = (uint64_t)v.f_bavail * v.f_frsize;
  *free_ = (uint64_t)v.f_bfree * v.f_frsize;
  return 0;
}

int plat_lab_chmod(const char *path, unsigned mode) {
  return chmod(path, (mode_t)mode) == 0 ? 0 : -errno;
}

int plat_lab_symlink(const char *target, const char *linkpath) {
  return symlink(target, linkpath) == 0 ? 0 : -errno;
}

int plat_lab_test_acl(const char *path, const void *sd, size_t len) {
  return setxattr(path, "user.marsplay.ntfs_acl", sd, len, 0) == 0 ? 0 : -errno;
}

/* ---------- the holder ---------- */

static int pidfile_names(const char *pidfile, long pid) {
  char buf[32];
  ssize_t n;
  int fd = open(pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return 0;
  n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return strtol(buf, NULL, 10) == pid;
}

static void close_from(int lowfd) {
  long max = sysconf(_SC_OPEN_MAX), fd;
  if (close_range((unsigned)lowfd, ~0U, 0) == 0) return;
  if (max < 0 || max > 65536) max = 65536;
  for (fd = lowfd; fd < max; fd++) close((int)fd);
}

/* The grandchild: wait for the go (EOF on go), then hold fd. */
static void holder(int fd, int go, const char *pidfile, unsigned seconds) {
  char c;
  int keep, null;
  unsigned i;
  long me = (long)getpid();
  while (read(go, &c, 1) < 0 && errno == EINTR) {}
  close(go);
  prctl(PR_SET_NAME, "mp-lab-holder", 0, 0, 0);
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGHUP, SIG_IGN);
  keep = fcntl(fd, F_DUPFD, 10);
  if (keep < 0) _exit(1);
  close(fd);
  null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0); dup2(null, 1); dup2(null, 2);
    if (null > 2) close(null);
  }
  if (dup2(keep, 3) != 3) _exit(1);
  close_from(4);
  flock(3, LOCK_EX | LOCK_NB);   /* best effort: some holders lock */
  if (chdir("/") != 0) _exit(1);
  for (i = 0; i < seconds; i++) {
    if (!pidfile_names(pidfile, me)) break;
    sleep(1);
  }
  _exit(0);
}

static void write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    c += w;
    n -= (size_t)w;
  }
}

/* The child: new session, fork the holder, write the pidfile, report. */
static int middle(int fd, const char *pidfile, unsigned seconds, int out) {
  long msg[2] = {0, 0};
  int go[2], pf;
  pid_t h;
  char line[32];
  setsid();
  if (pipe(go) != 0) { msg[1] = errno; write_all(out, msg, sizeof msg); return 1; }
  h = fork();
  if (h < 0) { msg[1] = errno; write_all(out, msg, sizeof msg); return 1; }
  if (h == 0) {
    close(go[1]);
    close(out);
    holder(fd, go[0], pidfile, seconds);
  }
  close(go[0]);
  pf = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (pf < 0) {
    msg[1] = errno;
    kill(h, SIGKILL);
  } else {
    int n = snprintf(line, sizeof line, "%ld\n", (long)h);
    write_all(pf, line, (size_t)n);
    if (close(pf) != 0) { msg[1] = errno; kill(h, SIGKILL); }
    else msg[0] = (long)h;
  }
  write_all(out, msg, sizeof msg);
  close(go[1]);                  /* the go signal */
  return msg[0] ? 0 : 1;
}

int plat_lab_hold(const char *path, const char *pidfile, unsigned seconds, long *pid) {
  long msg[2] = {0, EIO};
  int res[2], fd, st;
  size_t got = 0;
  pid_t c;
  if (pidfile[0] != '/') return -EINVAL;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  if (pipe2(res, O_CLOEXEC) != 0) { int e = errno; close(fd); return -e; }
  fflush(NULL);
  c = fork();
  if (c < 0) {
    int e = errno;
    close(fd); close(res[0]); close(res[1]);
    return -e;
  }
  if (c == 0) {
    close(res[0]);
    _exit(middle(fd, pidfile, seconds, res[1]));
  }
  close(res[1]);
  while (got < sizeof msg) {
    ssize_t n = read(res[0], (char *)msg + got, sizeof msg - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(res[0]);
  close(fd);
  while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
  if (got != sizeof msg) return -EIO;
  if (msg[0] <= 0) return -(int)(msg[1] ? msg[1] : EIO);
  *pid = msg[0];
  return 0;
}

int plat_lab_stop_holder(const char *pidfile) {
  char buf[64], path[64], comm[64];
  long pid;
  FILE *f = fopen(pidfile, "r");
  if (f == NULL) return errno == ENOENT ? 0 : -errno;
  pid = fgets(buf, sizeof buf, f) ? strtol(buf, NULL, 10) : 0;
  fclose(f);
  if (unlink(pidfile) != 0 && errno != ENOENT) return -errno;
  snprintf(path, sizeof path, "/proc/%ld/comm", pid);
  if (pid > 1 && (f = fopen(path, "r")) != NULL) {
    int match = fgets(comm, sizeof comm, f) != NULL && strncmp(comm, "mp-lab-holder", 13) == 0;
    fclose(f);
    if (match && kill((pid_t)pid, SIGTERM) != 0 && errno != ESRCH) return -errno;
  }
  return 1;
}
