/* platform_posix_lock.c - one run at a time per target: an advisory
 * flock(2) on the target's root folder.  The folder is opened read-only,
 * so taking the lock writes nothing: it works on read-only mounts and
 * under the dry-run Landlock sandbox alike.  The holder is told from
 * /proc/locks (Linux) when it can be. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "platform/platform.h"

static double mono(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap(double s) {
  struct timespec ts;
  ts.tv_sec = (time_t)s;
  ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* The pid holding a FLOCK on the object fd is open on, from /proc/locks
 * ("1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"), or 0. */
static long lock_holder(int fd) {
  struct stat st;
  char line[256], want[64];
  long pid = 0;
  FILE *f;
  if (fstat(fd, &st) != 0) return 0;
  snprintf(want, sizeof want, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
           (unsigned long long)st.st_ino);
  if ((f = fopen("/proc/locks", "re")) == NULL) return 0;
  while (pid == 0 && fgets(line, sizeof line, f)) {
    char kind[16], dev[64];
    long p;
    if (strstr(line, "->")) continue;               /* a waiter, not the holder */
    if (sscanf(line, "%*[^:]: %15s %*s %*s %ld %63s", kind, &p, dev) == 3 &&
        strcmp(kind, "FLOCK") == 0 && strcmp(dev, want) == 0)
      pid = p;
  }
  fclose(f);
  return pid;
}

plat_fd plat_lock_dir(const char *path, double timeout, long *holder) {
  double deadline = mono() + (timeout > 0 ? timeout : 0), pause = 0.02;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  *holder = 0;
  if (fd < 0) return -errno;
  for (;;) {
    double left;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) { int e = errno; close(fd); return -e; }
    left = deadline - mono();
    if (left <= 0) break;
    nap(pause < left ? pause : left);
    if (pause < 0.25) pause *= 2;
  }
  *holder = lock_holder(fd);
  close(fd);
  return -EWOULDBLOCK;
}

int plat_proc_name(long pid, char *out, size_t outsz) {
  char path[64];
  ssize_t n;
  int fd;
  if (outsz == 0) return -ERANGE;
  snprintf(path, sizeof path, "/proc/%ld/comm", pid);
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return -errno;
  n = read(fd, out, outsz - 1);
  close(fd);
  if (n <= 0) return n < 0 ? -errno : -ENOENT;
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\0')) n--;
  out[n] = '\0';
  return 0;
}
