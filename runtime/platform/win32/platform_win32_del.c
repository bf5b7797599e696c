/* platform_win32_del.c - delete exactly the file that was matched.
 *
 * Windows can do what POSIX cannot: delete an open file through its own
 * handle.  The name is opened without following a reparse point and with
 * DELETE access (FILE_OPEN_REPARSE_POINT), the handle's file id and
 * volume are compared with the ones matched, and only then is that very
 * object marked for deletion (FileDispositionInfo): a name swapped for a
 * link or another file between the match and the open is never deleted,
 * and none can be swapped in after the open.  Nothing is moved aside, so
 * a killed run leaves nothing behind; an aside name a Linux run left on
 * the same volume (".marsplay-deleting.NAME") is finished the same way.
 * (Under a file that is still open elsewhere the deletion completes when
 * its last handle closes, as for any Windows file.)
 */
#include <errno.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

/* Open name in dirfd for deleting or renaming it, never following it. */
static plat_fd open_del(plat_fd dirfd, const char *name) {
  return w32_open_rel(w32_h(dirfd), name, DELETE | FILE_READ_ATTRIBUTES, FILE_OPEN, 0);
}

/* Is h a regular file (no folder, no reparse point)?  1, 0 or -PLAT_E*. */
static int regular(HANDLE h, uint64_t *dev, uint64_t *ino) {
  BY_HANDLE_FILE_INFORMATION bi;
  if (!GetFileInformationByHandle(h, &bi)) return w32_err(GetLastError());
  *dev = bi.dwVolumeSerialNumber;
  *ino = (uint64_t)bi.nFileIndexHigh << 32 | bi.nFileIndexLow;
  return !(bi.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT));
}

int plat_del_same(plat_fd dirfd, const char *name, uint64_t dev, uint64_t ino,
                  char *aside, size_t asidesz) {
  uint64_t d = 0, i = 0;
  plat_fd fd;
  int r;
  if (asidesz) aside[0] = '\0';       /* nothing is moved aside here */
  if ((fd = open_del(dirfd, name)) < 0) return (int)fd;   /* -PLAT_ENOENT: gone */
  r = regular(w32_h(fd), &d, &i);
  if (r == 1 && d == dev && i == ino) {
    int e = w32_delete_handle(w32_h(fd));
    r = e < 0 ? e : PLAT_DEL_DONE;
  } else if (r >= 0) {
    r = PLAT_DEL_CHANGED;            /* not what was matched: left as it is */
  }
  CloseHandle(w32_h(fd));
  return r;
}

int plat_del_leftover(plat_fd dirfd, const char *aside, const char *orig) {
  uint64_t d = 0, i = 0;
  plat_fd fd;
  int r;
  if ((fd = open_del(dirfd, aside)) < 0) return (int)fd;
  r = regular(w32_h(fd), &d, &i);
  if (r == 1) {
    r = w32_delete_handle(w32_h(fd));
    if (r == 0) r = PLAT_DEL_DONE;
  } else if (r == 0) {
    r = orig == NULL || orig[0] == '\0' ? PLAT_DEL_KEPT
        : w32_rename_same_dir(w32_h(fd), orig, 0) == 0 ? PLAT_DEL_CHANGED : PLAT_DEL_KEPT;
  }
  CloseHandle(w32_h(fd));
  return r;
}
