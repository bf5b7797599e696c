/* platform_posix_sys.c - host facts for marsplay.sys: processes from
 * /proc, the UTC offset and the name of the time zone; running a helper
 * program (luacheck for marsplay check). */
#include <dirent.h>
#include <spawn.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform/platform.h"

#define CMDLINE_MAX ((size_t)64 << 10)  /* longer command lines are cut */

/* Read up to cap-1 bytes of name in dirfd (NUL-terminated): length or
 * -errno. */
static long read_at(int dirfd, const char *name, char *buf, size_t cap) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  size_t len = 0;
  if (fd < 0) return -errno;
  while (len + 1 < cap) {
    ssize_t k = read(fd, buf + len, cap - 1 - len);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) { int e = errno; close(fd); return -e; }
    if (k == 0) break;
    len += (size_t)k;
  }
  close(fd);
  buf[len] = '\0';
  return (long)len;
}

static long parse_pid(const char *s) {
  long v = 0;
  if (*s == '\0') return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (LONG_MAX - 9) / 10) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

void plat_proc_free(plat_proc *list, size_t count) {
  if (list == NULL) return;
  for (size_t i = 0; i < count; i++) {
    free(list[i].name);
    free(list[i].cmdline);
  }
  free(list);
}

/* NUL-separated arguments -> one line in *out (NULL when there are
 * none); -ENOMEM or 0. */
static int join_args(char *buf, long len, char **out) {
  *out = NULL;
  while (len > 0 && (buf[len - 1] == '\0' || buf[len - 1] == ' ')) len--;
  if (len <= 0) return 0;
  for (long i = 0; i < len; i++)
    if (buf[i] == '\0') buf[i] = ' ';
  buf[len] = '\0';
  *out = strdup(buf);
  return *out != NULL ? 0 : -ENOMEM;
}

/* One process; 1 added, 0 gone or unreadable, -ENOMEM. */
static int add_proc(int procfd, const char *dname, long pid, char *args,
                    plat_proc **v, size_t *n, size_t *cap) {
  char comm[64];
  long k;
  int pfd = openat(procfd, dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  plat_proc *p;
  if (pfd < 0) return 0;
  k = read_at(pfd, "comm", comm, sizeof comm);
  if (k <= 0) { close(pfd); return 0; }
  if (comm[k - 1] == '\n') comm[k - 1] = '\0';
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 256;
    plat_proc *nv = realloc(*v, nc * sizeof *nv);
    if (nv == NULL) { close(pfd); return -ENOMEM; }
    *v = nv;
    *cap = nc;
  }
  p = &(*v)[*n];
  p->pid = pid;
  p->name = strdup(comm);
  p->cmdline = NULL;
  k = read_at(pfd, "cmdline", args, CMDLINE_MAX);
  close(pfd);
  if (p->name == NULL || (k > 0 && join_args(args, k, &p->cmdline) != 0)) {
    free(p->name);
    free(p->cmdline);
    return -ENOMEM;
  }
  (*n)++;
  return 1;
}

static int by_pid(const void *a, const void *b) {
  const plat_proc *x = a, *y = b;
  return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int plat_process_list(plat_proc **out, size_t *count) {
  DIR *d;
  struct dirent *e;
  plat_proc *v = NULL;
  size_t n = 0, cap = 0;
  char *args;
  int r = 0;
  *out = NULL;
  *count = 0;
  d = opendir("/proc");
  if (d == NULL) return errno == ENOENT ? -ENOSYS : -errno;
  args = malloc(CMDLINE_MAX);
  if (args == NULL) { closedir(d); return -ENOMEM; }
  for (;;) {
    long pid;
    errno = 0;
    e = readdir(d);
    if (e == NULL) { if (errno != 0) r = -errno; break; }
    pid = parse_pid(e->d_name);
    if (pid <= 0) continue;
    r = add_proc(dirfd(d), e->d_name, pid, args, &v, &n, &cap);
    if (r < 0) break;
    r = 0;
  }
  free(args);
  closedir(d);
  if (r < 0) { plat_proc_free(v, n); return r; }
  if (n > 0) qsort(v, n, sizeof *v, by_pid);
  *out = v;
  *count = n;
  return 0;
}

int plat_utc_offset(double t, long *offset) {
  struct tm tm;
  time_t tt;
  if (isnan(t) || t < -9.2e18 || t > 9.2e18) return -EINVAL;
  tt = (time_t)t;
  tzset();
  if (localtime_r(&tt, &tm) == NULL) return -EOVERFLOW;
  *offset = tm.tm_gmtoff;
  return 0;
}

static int copy_out(const char *s, size_t len, char *out, size_t outsz) {
  if (len == 0) return -ENOENT;
  if (len >= outsz) return -ENAMETOOLONG;
  memcpy(out, s, len);
  out[len] = '\0';
  return 0;
}

/* The zone name in a path under .../zoneinfo/. */
static int zone_from_path(const char *p, char *out, size_t outsz) {
  const char *z = strstr(p, "zoneinfo/");
  if (z == NULL) return -ENOENT;
  z += 9;
  if (strncmp(z, "posix/", 6) == 0 || strncmp(z, "right/", 6) == 0) z += 6;
  return copy_out(z, strlen(z), out, outsz);
}

int plat_timezone_files(const char *root, char *out, size_t outsz) {
  char path[4096], link[4096], text[256];
  const char *sep = root[0] != '\0' && root[strlen(root) - 1] == '/' ? "" : "/";
  ssize_t k;
  long len;
  if (outsz == 0) return -ERANGE;
  if ((size_t)snprintf(path, sizeof path, "%s%setc/localtime", root, sep) >= sizeof path)
    return -ENAMETOOLONG;
  k = readlink(path, link, sizeof link - 1);
  if (k > 0 && (size_t)k < sizeof link - 1) {
    int r;
    link[k] = '\0';
    r = zone_from_path(link, out, outsz);
    if (r != -ENOENT) return r;
  }
  if ((size_t)snprintf(path, sizeof path, "%s%setc/timezone", root, sep) >= sizeof path)
    return -ENAMETOOLONG;
  len = read_at(AT_FDCWD, path, text, sizeof text);
  if (len > 0) {
    size_t a = 0, b = strcspn(text, "\r\n");
    while (a < b && (text[a] == ' ' || text[a] == '\t')) a++;
    while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t')) b--;
    if (b > a) return copy_out(text + a, b - a, out, outsz);
  }
  return -ENOENT;
}

int plat_timezone(char *out, size_t outsz) {
  const char *tz = getenv("TZ");
  if (outsz == 0) return -ERANGE;
  if (tz != NULL && *tz == ':') tz++;
  if (tz != NULL && *tz != '\0') {
    if (*tz != '/') return copy_out(tz, strlen(tz), out, outsz);
    if (zone_from_path(tz, out, outsz) == 0) return 0;
  }
  return plat_timezone_files("/", out, outsz);
}

extern char **environ;

struct plat_child { pid_t pid; };

int plat_spawn_reading(const char *program, char *const args[], FILE **out,
                       plat_child **child) {
  posix_spawn_file_actions_t fa;
  int fds[2], r;
  pid_t pid;
  plat_child *c = malloc(sizeof *c);
  if (c == NULL) return -ENOMEM;
  if (pipe2(fds, O_CLOEXEC) != 0) { r = -errno; free(c); return r; }
  if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
    close(fds[0]); close(fds[1]); free(c);
    return -r;
  }
  if ((r = posix_spawn_file_actions_adddup2(&fa, fds[1], 1)) == 0 &&
      (r = posix_spawn_file_actions_adddup2(&fa, fds[1], 2)) == 0)
    r = posix_spawnp(&pid, program, &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (r != 0) { close(fds[0]); free(c); return -r; }
  c->pid = pid;
  if ((*out = fdopen(fds[0], "r")) == NULL) {
    r = -errno;
    close(fds[0]);
    plat_child_wait(c);
    return r;
  }
  *child = c;
  return 0;
}

int plat_child_wait(plat_child *child) {
  int status = 0;
  pid_t pid = child->pid;
  free(child);
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
