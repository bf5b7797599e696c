/* plat_names.c - the names of platform.h's terms: error kinds (name and
 * message: their one home), file types and the aside names of a
 * deletion.  Shared by every backend; no OS call here. */
#include <stdio.h>
#include <string.h>

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

/* ---- aside names of a deletion (plat_del_*): one spelling for every
 * backend, so a run on one system finishes what one on another left ---- */
#define ASIDE_PREFIX ".marsplay-deleting."
#define PREFIX_LEN (sizeof ASIDE_PREFIX - 1)
#define NAME_MAX_BYTES 255

static uint64_t fnv1a(const char *s) {
  uint64_t h = 0xcbf29ce484222325u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3u;
  return h;
}

int plat_del_aside_name(const char *name, char *out, size_t outsz) {
  size_t n = strlen(name);
  int w;
  if (PREFIX_LEN + n <= NAME_MAX_BYTES)
    w = snprintf(out, outsz, "%s%s", ASIDE_PREFIX, name);
  else                                  /* too long to keep: a hash of it */
    w = snprintf(out, outsz, "%s#%016llx", ASIDE_PREFIX, (unsigned long long)fnv1a(name));
  return w < 0 || (size_t)w >= outsz ? -PLAT_ENAMETOOLONG : 0;
}

const char *plat_del_is_aside(const char *name) {
  if (strncmp(name, ASIDE_PREFIX, PREFIX_LEN) != 0) return NULL;
  name += PREFIX_LEN;
  return name[0] == '#' || name[0] == '\0' ? "" : name;
}

static const struct { const char *name, *text; } PFX[] = {
  {"ok", "the certificate was read"},
  {"not-pkcs12", "not a PKCS#12 (PFX) certificate blob, or a damaged one"},
  {"password", "the PFX is protected by a password (not an empty one)"},
  {"cipher", "the PFX is encrypted with an algorithm this system cannot decrypt"},
  {"no-certificate", "the PFX holds no certificate"},
  {"unavailable", "no PKCS#12 reader on this system (the crypto library is missing)"},
  {"nomem", "out of memory"},
  {"unreadable", "the PFX could not be opened with an empty password or none (a password or damage: the system did not say which)"},
};

const char *plat_pfx_status_name(plat_pfx_status s) {
  return (unsigned)s < sizeof PFX / sizeof PFX[0] ? PFX[s].name : "not-pkcs12";
}

const char *plat_pfx_status_text(plat_pfx_status s) {
  return (unsigned)s < sizeof PFX / sizeof PFX[0] ? PFX[s].text : PFX[PLAT_PFX_NOT_PKCS12].text;
}
