/* platform_posix_del.c - delete exactly the file that was matched.
 *
 * POSIX has no "unlink this name if it is still that inode", so a check
 * followed by unlinkat leaves a window in which another process can swap
 * the name for a link, a FIFO or another file, and the unlink would take
 * that instead.  Here the entry is first renamed aside, atomically, to a
 * name of ours in the same folder (renameat2 RENAME_NOREPLACE); what was
 * moved is then examined at leisure, since nobody else uses that name:
 * the matched file is unlinked, anything else is renamed back.  A run
 * killed in between leaves the aside name, which the next deletion in
 * that folder finishes (plat_del_leftover).
 *
 * Where the filesystem cannot rename without replacing (EINVAL: some FUSE
 * filesystems), the check-then-unlink fallback is used and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/platform.h"

static int rename_noreplace(int dirfd, const char *from, const char *to) {
  return renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0 ? 0 : -errno;
}

/* The aside entry: a regular file is deleted (it was a matched file, or a
 * regular file that took a matched name); anything else goes back to its
 * name when that is known and free.  PLAT_DEL_* or -errno. */
int plat_del_leftover(plat_fd dirfd, const char *aside, const char *orig) {
  struct stat st;
  if (fstatat(dirfd, aside, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (S_ISREG(st.st_mode))
    return unlinkat(dirfd, aside, 0) == 0 ? PLAT_DEL_DONE : -errno;
  if (orig == NULL || orig[0] == '\0') return PLAT_DEL_KEPT;
  return rename_noreplace(dirfd, aside, orig) == 0 ? PLAT_DEL_CHANGED : PLAT_DEL_KEPT;
}

/* Unlink name only while it is the same inode, by a second look (the
 * fallback: a swap between the look and the unlink is not caught). */
static int unlink_checked(int dirfd, const char *name, uint64_t dev, uint64_t ino) {
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (!S_ISREG(st.st_mode) || (uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)
    return PLAT_DEL_CHANGED;
  return unlinkat(dirfd, name, 0) == 0 ? PLAT_DEL_DONE : -errno;
}

int plat_del_same(plat_fd dirfd, const char *name, uint64_t dev, uint64_t ino,
                  char *aside, size_t asidesz) {
  struct stat st;
  int r, tries;
  if ((r = plat_del_aside_name(name, aside, asidesz)) < 0) return r;
  for (tries = 0;; tries++) {
    r = rename_noreplace(dirfd, name, aside);
    if (r == 0) break;
    if (r == -EINVAL || r == -ENOSYS) return unlink_checked(dirfd, name, dev, ino);
    if (r != -EEXIST || tries > 0) return r;      /* -ENOENT: gone already */
    /* the leftover of a killed run under our aside name: finish it */
    if ((r = plat_del_leftover(dirfd, aside, name)) < 0) return r;
    if (r == PLAT_DEL_KEPT) return PLAT_DEL_KEPT;
  }
  if (fstatat(dirfd, aside, &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino)
    return unlinkat(dirfd, aside, 0) == 0 ? PLAT_DEL_DONE : -errno;
  /* swapped since it was matched: put it back as it was */
  return rename_noreplace(dirfd, aside, name) == 0 ? PLAT_DEL_CHANGED : PLAT_DEL_KEPT;
}
