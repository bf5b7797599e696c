/* platform_win32_change.c - Windows backend of the changes at a folder
 * handle (platform.h "changing entries"): every name is opened relative
 * to the folder's handle (w32_open_rel, reparse points never followed)
 * and changed through that handle - created, deleted, renamed - so what
 * is changed is exactly the object opened there. */
#include <errno.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

plat_fd plat_create_at(plat_fd dirfd, const char *name, unsigned mode) {
  (void)mode;   /* no POSIX bits: the folder's inherited ACL applies */
  return w32_open_rel(w32_h(dirfd), name, GENERIC_READ | GENERIC_WRITE | DELETE, FILE_CREATE,
                      FILE_NON_DIRECTORY_FILE);
}

int plat_mkdir_at(plat_fd dirfd, const char *name, unsigned mode) {
  plat_fd fd;
  (void)mode;
  fd = w32_open_rel(w32_h(dirfd), name, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES, FILE_CREATE,
                    FILE_DIRECTORY_FILE);
  if (fd < 0) return (int)fd;
  CloseHandle(w32_h(fd));
  return 0;
}

int plat_remove_at(plat_fd dirfd, const char *name, int folder) {
  plat_fd fd = w32_open_rel(w32_h(dirfd), name, DELETE | FILE_READ_ATTRIBUTES, FILE_OPEN,
                            folder ? FILE_DIRECTORY_FILE : FILE_NON_DIRECTORY_FILE);
  int r;
  if (fd < 0) return (int)fd;
  r = w32_delete_handle(w32_h(fd));
  CloseHandle(w32_h(fd));
  return r;
}

int plat_rename_at(plat_fd fromdir, const char *from, plat_fd todir, const char *to, int replace) {
  plat_fd fd = w32_open_rel(w32_h(fromdir), from, DELETE | FILE_READ_ATTRIBUTES, FILE_OPEN, 0);
  int r;
  if (fd < 0) return (int)fd;
  r = w32_rename_to(w32_h(fd), w32_h(todir), to, replace);
  CloseHandle(w32_h(fd));
  return r;
}

int plat_sync(plat_fd fd) {
  DWORD attrs, tag;
  int r = w32_attr_tag(w32_h(fd), &attrs, &tag);
  if (r < 0) return r;
  if (attrs & FILE_ATTRIBUTE_DIRECTORY) return 0;   /* NTFS journals folder entries */
  return FlushFileBuffers(w32_h(fd)) ? 0 : w32_err(GetLastError());
}

int plat_set_mode(plat_fd dirfd, const char *name, plat_fd fd, unsigned mode) {
  (void)dirfd;
  (void)name;
  (void)fd;
  (void)mode;
  return -PLAT_EOPNOTSUPP;   /* permissions are ACLs here, not mode bits */
}
