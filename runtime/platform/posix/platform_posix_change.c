/* platform_posix_change.c - changing entries at a folder handle (the
 * remediation API's creates, removes, renames, flushes and permission
 * changes; platform.h "changing entries"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/platform.h"

plat_fd plat_create_at(plat_fd dirfd, const char *name, unsigned mode) {
  int fd;
  do {
    fd = openat((int)dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                (mode_t)(mode & 07777));
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}

int plat_mkdir_at(plat_fd dirfd, const char *name, unsigned mode) {
  return mkdirat((int)dirfd, name, (mode_t)(mode & 07777)) == 0 ? 0 : -errno;
}

int plat_remove_at(plat_fd dirfd, const char *name, int folder) {
  return unlinkat((int)dirfd, name, folder ? AT_REMOVEDIR : 0) == 0 ? 0 : -errno;
}

int plat_rename_at(plat_fd fromdir, const char *from, plat_fd todir, const char *to, int replace) {
  int r = replace ? renameat((int)fromdir, from, (int)todir, to)
                  : renameat2((int)fromdir, from, (int)todir, to, RENAME_NOREPLACE);
  return r == 0 ? 0 : -errno;
}

int plat_sync(plat_fd fd) {
  return fsync((int)fd) == 0 ? 0 : -errno;
}

/* fchmod where fd allows it; a look-only (O_PATH) descriptor does not
 * (EBADF): then through its /proc/self/fd link, which names that inode
 * and not a path that could be swapped; without /proc, by opening name
 * again and checking it is still that inode. */
int plat_set_mode(plat_fd dirfd, const char *name, plat_fd fd, unsigned mode) {
  char proc[64];
  struct stat st, st2;
  int rfd, r = 0;
  mode &= 07777;
  if (fchmod((int)fd, (mode_t)mode) == 0) return 0;
  if (errno != EBADF) return -errno;
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", (int)fd);
  if (chmod(proc, (mode_t)mode) == 0) return 0;
  if (errno != ENOENT) return -errno;
  if (fstat((int)fd, &st) != 0) return -errno;
  rfd = openat((int)dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (rfd < 0) return -errno;
  if (fstat(rfd, &st2) != 0) r = -errno;
  else if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) r = -ESTALE;
  else if (fchmod(rfd, (mode_t)mode) != 0) r = -errno;
  close(rfd);
  return r;
}
