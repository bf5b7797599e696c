/* plat_names.c - the names of platform.h's terms: error kinds (name and
 * message: their one home) and file types.  Shared by every backend; no
 * OS call here. */
#include "platform/platform.h"

static const struct { int kind; const char *name, *text; } KINDS[] = {
  {PLAT_ENOENT, "ENOENT", "No such file or directory"},
  {PLAT_EACCES, "EACCES", "Permission denied"},
  {PLAT_EPERM, "EPERM", "Operation not permitted"},
  {PLAT_ENOTDIR, "ENOTDIR", "Not a directory"},
  {PLAT_EISDIR, "EISDIR", "Is a directory"},
  {PLAT_ELOOP, "ELOOP", "Too many levels of symbolic links"},
  {PLAT_EXDEV, "EXDEV", "Invalid cross-device link"},
  {PLAT_EEXIST, "EEXIST", "File exists"},
  {PLAT_ENAMETOOLONG, "ENAMETOOLONG", "File name too long"},
  {PLAT_EINVAL, "EINVAL", "Invalid argument"},
  {PLAT_EFBIG, "EFBIG", "File too large"},
  {PLAT_ENOMEM, "ENOMEM", "Cannot allocate memory"},
  {PLAT_EROFS, "EROFS", "Read-only file system"},
  {PLAT_ENOSPC, "ENOSPC", "No space left on device"},
  {PLAT_EIO, "EIO", "Input/output error"},
  {PLAT_EBUSY, "EBUSY", "Device or resource busy"},
  {PLAT_ENOTEMPTY, "ENOTEMPTY", "Directory not empty"},
  {PLAT_ENOSYS, "ENOSYS", "Function not implemented"},
  {PLAT_ETIMEDOUT, "ETIMEDOUT", "Connection timed out"},
  {PLAT_EILSEQ, "EILSEQ", "Invalid or incomplete multibyte or wide character"},
  {PLAT_ENODATA, "ENODATA", "No data available"},
  {PLAT_EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"},
  {PLAT_EMFILE, "EMFILE", "Too many open files"},
  {PLAT_ENFILE, "ENFILE", "Too many open files in system"},
  {PLAT_ESTALE, "ESTALE", "Stale file handle"},
  {PLAT_ENXIO, "ENXIO", "No such device or address"},
  {PLAT_ENODEV, "ENODEV", "No such device"},
  {PLAT_EOVERFLOW, "EOVERFLOW", "Value too large for defined data type"},
  {PLAT_EAGAIN, "EAGAIN", "Resource temporarily unavailable"},
  {PLAT_EINTR, "EINTR", "Interrupted system call"},
  {PLAT_ERANGE, "ERANGE", "Numerical result out of range"},
};

static int find(int err) {
  size_t i;
  if (err < 0) err = -err;
  for (i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (KINDS[i].kind == err) return (int)i;
  return -1;
}

const char *plat_err_name(int err) {
  int i = find(err);
  return i < 0 ? "EIO" : KINDS[i].name;
}

const char *plat_err_text(int err) {
  int i = find(err);
  return i < 0 ? "Input/output error" : KINDS[i].text;
}

const char *plat_ftype_name(plat_ftype t) {
  switch (t) {
    case PLAT_T_FILE: return "file";
    case PLAT_T_DIR: return "dir";
    case PLAT_T_LINK: return "link";
    case PLAT_T_FIFO: return "fifo";
    case PLAT_T_SOCKET: return "socket";
    case PLAT_T_CHAR: return "char";
    case PLAT_T_BLOCK: return "block";
    default: return "other";
  }
}
