/* platform_win32_fs.c - Windows backend of the contained opens and the
 * filesystem inspection calls.
 *
 * Containment: a path inside the target is opened one component at a
 * time, each relative to the folder handle of the one before
 * (NtCreateFile with a RootDirectory: the only Windows open relative to
 * a handle), never following a reparse point (FILE_OPEN_REPARSE_POINT).
 * A component that is a reparse point of the redirecting kind (symbolic
 * link, junction, mount point) is refused with PLAT_ELOOP, so nothing
 * escapes the root through one - stricter than Linux, where a link inside
 * the root is resolved as if the root were '/'.  The last component may
 * be opened as the link itself (PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW).
 * Folders are listed by GetFileInformationByHandleEx
 * (FileIdBothDirectoryInfo, one call per buffer); stats come from the
 * handle (FileBasicInfo, FileStandardInfo, BY_HANDLE_FILE_INFORMATION).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <aclapi.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)
#define EPOCH_DIFF 116444736000000000LL   /* 1601 -> 1970 in 100 ns */
#define TAG_DEDUP 0x80000013UL
#define REMOTE_DEVICE 0x10UL              /* FILE_REMOTE_DEVICE (ntddk.h) */

/* ---------- opens ---------- */

plat_fd w32_open_rel(HANDLE dir, const char *name, ACCESS_MASK access, ULONG disposition,
                     ULONG options) {
  NTSTATUS st;
  return w32_open_rel_st(dir, name, access, disposition, options, &st);
}

plat_fd w32_open_rel_st(HANDLE dir, const char *name, ACCESS_MASK access, ULONG disposition,
                        ULONG options, NTSTATUS *stp) {
  OBJECT_ATTRIBUTES oa;
  UNICODE_STRING us;
  IO_STATUS_BLOCK io;
  HANDLE h;
  NTSTATUS st;
  wchar_t *w = NULL;
  size_t n;
  int r;
  if (name[0] == '.' && name[1] == '\0') name = "";
  *stp = 0;
  if (strcmp(name, "..") == 0 || strpbrk(name, "/\\:") != NULL) return -PLAT_EINVAL;
  if ((r = w32_wide(name, &w)) < 0) return r;
  n = wcslen(w);
  if (n > 32767) { free(w); return -PLAT_ENAMETOOLONG; }
  us.Buffer = w;
  us.Length = us.MaximumLength = (USHORT)(n * sizeof(wchar_t));
  InitializeObjectAttributes(&oa, &us, OBJ_CASE_INSENSITIVE, dir, NULL);
  st = NtCreateFile(&h, access | SYNCHRONIZE, &oa, &io, NULL, FILE_ATTRIBUTE_NORMAL, SHARE_ALL,
                    disposition, options | FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT,
                    NULL, 0);
  free(w);
  *stp = st;
  if (!NT_SUCCESS(st)) return w32_nterr(st);
  return w32_fd(h);
}

int w32_attr_tag(HANDLE h, DWORD *attrs, DWORD *tag) {
  FILE_ATTRIBUTE_TAG_INFO ti;
  *attrs = 0;
  *tag = 0;
  if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &ti, sizeof ti)) {
    BY_HANDLE_FILE_INFORMATION bi;       /* systems without that class */
    if (!GetFileInformationByHandle(h, &bi)) return w32_err(GetLastError());
    *attrs = bi.dwFileAttributes;
    *tag = 0;
    return 0;
  }
  *attrs = ti.FileAttributes;
  *tag = (ti.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? ti.ReparseTag : 0;
  return 0;
}

int w32_tag_is_link(DWORD tag) {
  return tag == IO_REPARSE_TAG_SYMLINK || tag == IO_REPARSE_TAG_MOUNT_POINT ||
         (tag & 0x20000000UL) != 0;     /* the name-surrogate bit */
}

/* Is the object h is open on a redirecting reparse point?  1, 0 or -PLAT_E*. */
static int is_link(HANDLE h) {
  DWORD a, tag;
  int r = w32_attr_tag(h, &a, &tag);
  if (r < 0) return r;
  return (a & FILE_ATTRIBUTE_REPARSE_POINT) && (tag == 0 || w32_tag_is_link(tag));
}

/* An intent as NtCreateFile access, disposition and options. */
static int intent(unsigned how, ACCESS_MASK *acc, ULONG *disp, ULONG *opt) {
  *disp = FILE_OPEN;
  switch (how & 0xff) {
  case PLAT_OPEN_READ:
    *acc = GENERIC_READ;
    *opt = FILE_NON_DIRECTORY_FILE;
    break;
  case PLAT_OPEN_DIR:
    *acc = FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES;
    *opt = FILE_DIRECTORY_FILE;
    break;
  case PLAT_OPEN_LOOK:
    *acc = FILE_READ_ATTRIBUTES | FILE_READ_EA | READ_CONTROL;
    *opt = 0;
    break;
  case PLAT_OPEN_CREATE:
    *acc = GENERIC_READ | GENERIC_WRITE | DELETE;
    *disp = FILE_CREATE;
    *opt = FILE_NON_DIRECTORY_FILE;
    break;
  default: return -PLAT_EINVAL;
  }
  return 0;
}

plat_fd plat_open_at(plat_fd dirfd, const char *name, unsigned how) {
  ACCESS_MASK acc;
  ULONG disp, opt;
  plat_fd fd;
  int r = intent(how, &acc, &disp, &opt);
  if (r < 0) return r;
  fd = w32_open_rel(w32_h(dirfd), name, acc, disp, opt);
  if (fd < 0 || (how & 0xff) == PLAT_OPEN_CREATE) return fd;
  /* the object itself was opened, never what a link points to: only a
   * look at the link itself (NOFOLLOW) may keep it */
  if ((r = is_link(w32_h(fd))) != 0 &&
      !((how & 0xff) == PLAT_OPEN_LOOK && (how & PLAT_OPEN_NOFOLLOW))) {
    CloseHandle(w32_h(fd));
    return r < 0 ? r : -PLAT_ELOOP;
  }
  return fd;
}

plat_fd plat_open_in(plat_fd root, const char *rel, unsigned how) {
  char comp[1024];
  const char *p = rel;
  HANDLE dir = w32_h(root);
  plat_fd fd;
  for (;;) {
    const char *end;
    size_t len;
    int r;
    while (*p == '/') p++;
    end = strchr(p, '/');
    len = end ? (size_t)(end - p) : strlen(p);
    while (end && end[1] == '/') end++;
    if (len >= sizeof comp) { fd = -PLAT_ENAMETOOLONG; break; }
    memcpy(comp, p, len);
    comp[len] = '\0';
    if (strcmp(comp, "..") == 0) { fd = -PLAT_EXDEV; break; }
    if (end == NULL || end[1] == '\0') {         /* the last component (or the root) */
      fd = plat_open_at(w32_fd(dir), comp, how);
      break;
    }
    if (len == 0 || strcmp(comp, ".") == 0) { p = end + 1; continue; }
    fd = w32_open_rel(dir, comp, FILE_TRAVERSE | FILE_READ_ATTRIBUTES, FILE_OPEN,
                      FILE_DIRECTORY_FILE);
    if (fd >= 0 && (r = is_link(w32_h(fd))) != 0) {  /* never through a reparse point */
      CloseHandle(w32_h(fd));
      fd = r < 0 ? r : -PLAT_ELOOP;
    }
    if (dir != w32_h(root)) CloseHandle(dir);
    dir = w32_h(root);
    if (fd < 0) return fd;
    dir = w32_h(fd);
    p = end + 1;
  }
  if (dir != w32_h(root)) CloseHandle(dir);
  return fd;
}

int plat_root_open(const char *path, plat_fd *out) {
  wchar_t *w;
  HANDLE h;
  int r = w32_path(path, &w);
  if (r < 0) return r;
  h = CreateFileW(w, FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
                  SHARE_ALL, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) return w32_err(GetLastError());
  {
    DWORD a, tag;
    if ((r = w32_attr_tag(h, &a, &tag)) < 0 || !(a & FILE_ATTRIBUTE_DIRECTORY)) {
      CloseHandle(h);
      return r < 0 ? r : -PLAT_ENOTDIR;
    }
  }
  *out = w32_fd(h);
  return 0;
}

plat_fd plat_open_path(const char *path, unsigned how) {
  DWORD acc, disp = OPEN_EXISTING, flags = FILE_FLAG_BACKUP_SEMANTICS, a, tag;
  wchar_t *w;
  HANDLE h;
  int r;
  switch (how & 0xff) {
  case PLAT_OPEN_READ: acc = GENERIC_READ; break;
  case PLAT_OPEN_DIR: acc = FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES; break;
  case PLAT_OPEN_LOOK: acc = FILE_READ_ATTRIBUTES | READ_CONTROL; break;
  case PLAT_OPEN_CREATE:
    acc = GENERIC_READ | GENERIC_WRITE | DELETE;
    disp = CREATE_NEW;
    flags = FILE_FLAG_OPEN_REPARSE_POINT;
    break;
  default: return -PLAT_EINVAL;
  }
  if (how & PLAT_OPEN_NOFOLLOW) flags |= FILE_FLAG_OPEN_REPARSE_POINT;
  if ((r = w32_path(path, &w)) < 0) return r;
  h = CreateFileW(w, acc | SYNCHRONIZE, SHARE_ALL, NULL, disp, flags, NULL);
  free(w);
  if (h == INVALID_HANDLE_VALUE) return w32_err(GetLastError());
  if ((how & 0xff) == PLAT_OPEN_CREATE) return w32_fd(h);
  if ((r = w32_attr_tag(h, &a, &tag)) < 0) { CloseHandle(h); return r; }
  if ((how & 0xff) == PLAT_OPEN_DIR && !(a & FILE_ATTRIBUTE_DIRECTORY)) r = -PLAT_ENOTDIR;
  else if ((how & 0xff) == PLAT_OPEN_READ && (a & FILE_ATTRIBUTE_DIRECTORY)) r = -PLAT_EISDIR;
  else if ((how & PLAT_OPEN_NOFOLLOW) && (how & 0xff) != PLAT_OPEN_LOOK &&
           (a & FILE_ATTRIBUTE_REPARSE_POINT) && (tag == 0 || w32_tag_is_link(tag)))
    r = -PLAT_ELOOP;
  if (r < 0) { CloseHandle(h); return r; }
  return w32_fd(h);
}

plat_fd plat_open_dir_at(plat_fd dirfd, const char *name) {
  return plat_open_at(dirfd, name, PLAT_OPEN_DIR | PLAT_OPEN_NOFOLLOW);
}

/* ---------- stat ---------- */

static int64_t ft_ns(LARGE_INTEGER t) { return (t.QuadPart - EPOCH_DIFF) * 100; }

static plat_ftype type_of(DWORD attrs, DWORD tag) {
  if ((attrs & FILE_ATTRIBUTE_REPARSE_POINT) && (tag == 0 || w32_tag_is_link(tag)))
    return PLAT_T_LINK;
  return (attrs & FILE_ATTRIBUTE_DIRECTORY) ? PLAT_T_DIR : PLAT_T_FILE;
}

int plat_fstat(plat_fd fd, plat_stat *st) {
  HANDLE h = w32_h(fd);
  BY_HANDLE_FILE_INFORMATION bi;
  FILE_BASIC_INFO basic;
  FILE_STANDARD_INFO std;
  DWORD a, tag, ft = GetFileType(h);
  int r;
  memset(st, 0, sizeof *st);
  if (ft == FILE_TYPE_PIPE || ft == FILE_TYPE_CHAR) {
    st->type = ft == FILE_TYPE_PIPE ? PLAT_T_FIFO : PLAT_T_CHAR;
    st->mode = ft == FILE_TYPE_PIPE ? 0010600 : 0020600;
    return 0;
  }
  if (!GetFileInformationByHandle(h, &bi)) return w32_err(GetLastError());
  if ((r = w32_attr_tag(h, &a, &tag)) < 0) return r;
  st->type = type_of(a, tag);
  st->size = (uint64_t)bi.nFileSizeHigh << 32 | bi.nFileSizeLow;
  st->allocated = st->size;
  if (GetFileInformationByHandleEx(h, FileStandardInfo, &std, sizeof std))
    st->allocated = (uint64_t)std.AllocationSize.QuadPart;
  st->ino = (uint64_t)bi.nFileIndexHigh << 32 | bi.nFileIndexLow;
  st->dev = bi.dwVolumeSerialNumber;
  st->nlink = bi.nNumberOfLinks;
  /* a POSIX mode as the C runtime shows Windows files: the type, and
   * write permission unless the read-only attribute is set */
  st->mode = st->type == PLAT_T_LINK ? 0120777
           : st->type == PLAT_T_DIR ? 0040755 : 0100644;
  if ((a & FILE_ATTRIBUTE_READONLY) && st->type != PLAT_T_LINK) st->mode &= ~0222u;
  if (GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic)) {
    st->mtime_ns = ft_ns(basic.LastWriteTime);
    st->ctime_ns = ft_ns(basic.ChangeTime.QuadPart ? basic.ChangeTime : basic.LastWriteTime);
    st->atime = (double)ft_ns(basic.LastAccessTime) / 1e9;
  } else {
    LARGE_INTEGER m, c;
    m.LowPart = bi.ftLastWriteTime.dwLowDateTime;
    m.HighPart = (LONG)bi.ftLastWriteTime.dwHighDateTime;
    c.LowPart = bi.ftLastAccessTime.dwLowDateTime;
    c.HighPart = (LONG)bi.ftLastAccessTime.dwHighDateTime;
    st->mtime_ns = st->ctime_ns = ft_ns(m);
    st->atime = (double)ft_ns(c) / 1e9;
  }
  st->mtime = (double)st->mtime_ns / 1e9;
  st->ctime = (double)st->ctime_ns / 1e9;
  return 0;
}

int plat_statat(plat_fd dirfd, const char *name, plat_stat *st) {
  plat_fd fd;
  int r;
  if (name[0] == '\0' || strcmp(name, ".") == 0) return plat_fstat(dirfd, st);
  fd = w32_open_rel(w32_h(dirfd), name, FILE_READ_ATTRIBUTES, FILE_OPEN, 0);
  if (fd < 0) return (int)fd;
  r = plat_fstat(fd, st);
  CloseHandle(w32_h(fd));
  return r;
}

/* ---------- folders ---------- */

struct plat_dir {
  HANDLE h;
  unsigned char *buf;
  size_t cap, pos;
  int have, eof, first;
  char name[1024];
};

int plat_dir_open(plat_fd fd, size_t bufsize, plat_dir **out) {
  plat_dir *d;
  *out = NULL;
  if (bufsize < 4096) bufsize = 4096;
  if (bufsize > 1 << 24) bufsize = 1 << 24;
  d = calloc(1, sizeof *d);
  if (d == NULL || (d->buf = malloc(bufsize)) == NULL) {
    free(d);
    CloseHandle(w32_h(fd));
    return -PLAT_ENOMEM;
  }
  d->h = w32_h(fd);
  d->cap = bufsize;
  d->first = 1;
  *out = d;
  return 0;
}

int plat_dir_next(plat_dir *d, plat_dirent *e) {
  for (;;) {
    FILE_ID_BOTH_DIR_INFO *fi;
    int n;
    if (!d->have) {
      if (d->eof) return 0;
      if (!GetFileInformationByHandleEx(d->h, d->first ? FileIdBothDirectoryRestartInfo
                                                       : FileIdBothDirectoryInfo,
                                        d->buf, (DWORD)d->cap)) {
        DWORD err = GetLastError();
        if (err == ERROR_NO_MORE_FILES) { d->eof = 1; return 0; }
        return w32_err(err);
      }
      d->first = 0;
      d->have = 1;
      d->pos = 0;
    }
    fi = (FILE_ID_BOTH_DIR_INFO *)(void *)(d->buf + d->pos);
    if (fi->NextEntryOffset == 0) d->have = 0;
    else d->pos += fi->NextEntryOffset;
    n = (int)(fi->FileNameLength / sizeof(wchar_t));
    if ((n == 1 && fi->FileName[0] == L'.') ||
        (n == 2 && fi->FileName[0] == L'.' && fi->FileName[1] == L'.'))
      continue;
    if ((n = w32_utf8(fi->FileName, n, d->name, sizeof d->name)) < 0) return n;
    e->name = d->name;
    e->namelen = (size_t)n;
    /* the reparse tag of a reparse point is in EaSize */
    e->type = type_of(fi->FileAttributes,
                      (fi->FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? fi->EaSize : 0);
    /* NTFS keeps a copy of the size in the folder's index, updated
     * lazily for a file open for writing (what dir and Explorer show) */
    e->size = fi->EndOfFile.QuadPart;
    return 1;
  }
}

plat_fd plat_dir_fd(const plat_dir *d) { return w32_fd(d->h); }

void plat_dir_close(plat_dir *d) {
  if (d == NULL) return;
  CloseHandle(d->h);
  free(d->buf);
  free(d);
}

/* NTFS lists a folder in name order from one B-tree: there is no
 * position to start a second reader at, so it is read whole. */
plat_fd plat_dir_split(plat_fd fd, uint64_t *mid) {
  (void)fd;
  (void)mid;
  return -PLAT_EOPNOTSUPP;
}

void plat_dir_limit(plat_dir *d, uint64_t limit) {
  (void)d;
  (void)limit;   /* never split (plat_dir_split), so never limited */
}

/* ---------- reading and writing ---------- */

long plat_read(plat_fd fd, void *buf, size_t n) {
  DWORD got = 0;
  if (n > 0x40000000) n = 0x40000000;
  if (!ReadFile(w32_h(fd), buf, (DWORD)n, &got, NULL)) {
    DWORD err = GetLastError();
    if (err == ERROR_HANDLE_EOF || err == ERROR_BROKEN_PIPE) return 0;
    return w32_err(err);
  }
  return (long)got;
}

long plat_pread(plat_fd fd, void *buf, size_t n, uint64_t off) {
  OVERLAPPED ov;
  DWORD got = 0;
  if (n > 0x40000000) n = 0x40000000;
  memset(&ov, 0, sizeof ov);
  ov.Offset = (DWORD)off;
  ov.OffsetHigh = (DWORD)(off >> 32);
  if (!ReadFile(w32_h(fd), buf, (DWORD)n, &got, &ov)) {
    DWORD err = GetLastError();
    if (err == ERROR_HANDLE_EOF) return 0;
    return w32_err(err);
  }
  return (long)got;
}

int plat_pwrite(plat_fd fd, const void *buf, size_t n, uint64_t off) {
  const char *p = buf;
  while (n > 0) {
    OVERLAPPED ov;
    DWORD put = 0, want = n > 0x40000000 ? 0x40000000 : (DWORD)n;
    memset(&ov, 0, sizeof ov);
    ov.Offset = (DWORD)off;
    ov.OffsetHigh = (DWORD)(off >> 32);
    if (!WriteFile(w32_h(fd), p, want, &put, &ov)) return w32_err(GetLastError());
    if (put == 0) return -PLAT_EIO;
    p += put;
    n -= put;
    off += put;
  }
  return 0;
}

int plat_truncate(plat_fd fd, uint64_t size) {
  FILE_END_OF_FILE_INFO eof;
  eof.EndOfFile.QuadPart = (LONGLONG)size;
  return SetFileInformationByHandle(w32_h(fd), FileEndOfFileInfo, &eof, sizeof eof)
             ? 0 : w32_err(GetLastError());
}

int plat_data_segment(plat_fd fd, uint64_t off, uint64_t size, uint64_t *start, uint64_t *end) {
  FILE_ALLOCATED_RANGE_BUFFER in, outr;
  DWORD got = 0;
  if (off >= size) return 0;
  in.FileOffset.QuadPart = (LONGLONG)off;
  in.Length.QuadPart = (LONGLONG)(size - off);
  if (!DeviceIoControl(w32_h(fd), FSCTL_QUERY_ALLOCATED_RANGES, &in, sizeof in, &outr,
                       sizeof outr, &got, NULL) &&
      GetLastError() != ERROR_MORE_DATA) {
    *start = off;                /* holes cannot be told here: all of it */
    *end = size;
    return 1;
  }
  if (got < sizeof outr) return 0;        /* only a hole is left */
  *start = (uint64_t)outr.FileOffset.QuadPart;
  if (*start < off) *start = off;
  *end = (uint64_t)(outr.FileOffset.QuadPart + outr.Length.QuadPart);
  if (*end > size) *end = size;
  return 1;
}

/* ---------- links and paths ---------- */

/* The reparse data of a symbolic link or a junction (the documented
 * REPARSE_DATA_BUFFER layout; mingw's headers lack it outside the DDK). */
typedef struct {
  ULONG tag;
  USHORT len, reserved;
  USHORT sub_off, sub_len, print_off, print_len;
  /* symlinks: ULONG flags, then the path buffer; junctions: the buffer */
} reparse_head;

int plat_readlink_fd(plat_fd fd, char *out, size_t outsz) {
  union { reparse_head h; unsigned char b[MAXIMUM_REPARSE_DATA_BUFFER_SIZE]; } *rd;
  DWORD got = 0;
  const wchar_t *path;
  size_t base, off, len;
  int n;
  if (outsz < 2) return -PLAT_ENAMETOOLONG;
  if ((rd = malloc(sizeof *rd)) == NULL) return -PLAT_ENOMEM;
  if (!DeviceIoControl(w32_h(fd), FSCTL_GET_REPARSE_POINT, NULL, 0, rd, sizeof *rd, &got, NULL)) {
    n = w32_err(GetLastError());
    free(rd);
    return n;
  }
  if (rd->h.tag == IO_REPARSE_TAG_SYMLINK) base = sizeof(reparse_head) + 4;
  else if (rd->h.tag == IO_REPARSE_TAG_MOUNT_POINT) base = sizeof(reparse_head);
  else { free(rd); return -PLAT_EINVAL; }     /* not a link */
  /* the name as shown to people; the substitute name when that is empty */
  off = rd->h.print_len ? rd->h.print_off : rd->h.sub_off;
  len = rd->h.print_len ? rd->h.print_len : rd->h.sub_len;
  if (base + off + len > got) { free(rd); return -PLAT_EIO; }
  path = (const wchar_t *)(void *)(rd->b + base + off);
  n = w32_utf8(path, (int)(len / sizeof(wchar_t)), out, outsz);
  free(rd);
  return n;
}

int plat_fd_path(plat_fd fd, char *out, size_t outsz) {
  wchar_t w[32768];
  DWORD n = GetFinalPathNameByHandleW(w32_h(fd), w, (DWORD)(sizeof w / sizeof w[0]),
                                      FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
  int r, skip = 0;
  if (n == 0) return w32_err(GetLastError());
  if (n >= sizeof w / sizeof w[0]) return -PLAT_ENAMETOOLONG;
  if (wcsncmp(w, L"\\\\?\\UNC\\", 8) == 0) { skip = 6; w[6] = L'\\'; }
  else if (wcsncmp(w, L"\\\\?\\", 4) == 0) skip = 4;
  r = w32_utf8(w + skip, (int)n - skip, out, outsz);
  return r < 0 ? r : 0;
}

/* ---------- volume ---------- */

int plat_volume_of(plat_fd fd, plat_volume *vol) {
  FILE_FS_FULL_SIZE_INFORMATION fs;
  FILE_FS_DEVICE_INFORMATION dev;
  IO_STATUS_BLOCK io;
  wchar_t fsname[MAX_PATH + 1];
  DWORD serial, maxcomp, flags;
  NTSTATUS st;
  uint64_t unit;
  size_t i;
  memset(vol, 0, sizeof *vol);
  st = NtQueryVolumeInformationFile(w32_h(fd), &io, &fs, sizeof fs, FileFsFullSizeInformation);
  if (!NT_SUCCESS(st)) return w32_nterr(st);
  unit = (uint64_t)fs.SectorsPerAllocationUnit * fs.BytesPerSector;
  vol->total = (uint64_t)fs.TotalAllocationUnits.QuadPart * unit;
  vol->avail = (uint64_t)fs.CallerAvailableAllocationUnits.QuadPart * unit;
  vol->free = (uint64_t)fs.ActualAvailableAllocationUnits.QuadPart * unit;
  if (!GetVolumeInformationByHandleW(w32_h(fd), NULL, 0, &serial, &maxcomp, &flags, fsname,
                                     (DWORD)(sizeof fsname / sizeof fsname[0])))
    return w32_err(GetLastError());
  for (i = 0; fsname[i]; i++) fsname[i] = (wchar_t)towlower(fsname[i]);
  if (w32_utf8(fsname, -1, vol->fstype, sizeof vol->fstype) < 0)
    snprintf(vol->fstype, sizeof vol->fstype, "unknown");
  vol->readonly = (flags & FILE_READ_ONLY_VOLUME) != 0;
  st = NtQueryVolumeInformationFile(w32_h(fd), &io, &dev, sizeof dev, FileFsDeviceInformation);
  if (NT_SUCCESS(st)) vol->remote = (dev.Characteristics & REMOTE_DEVICE) != 0;
  return 0;
}

/* ---------- attributes ---------- */

int plat_attrs_detail(plat_fd pathfd, plat_fd datafd, plat_attrs_ex *a) {
  DWORD attrs, tag;
  int r;
  (void)datafd;
  memset(a, 0, sizeof *a);
  if ((r = w32_attr_tag(w32_h(pathfd), &attrs, &tag)) < 0) return r;
  a->have_win = 1;
  a->win_attrs = attrs;
  a->reparse_tag = tag;
  /* Windows has no immutable flag (read-only is not one): not known */
  a->known = PLAT_A_COMPRESSED | PLAT_A_ENCRYPTED | PLAT_A_SPARSE | PLAT_A_REPARSE | PLAT_A_DEDUP;
  if (attrs & FILE_ATTRIBUTE_COMPRESSED) a->set |= PLAT_A_COMPRESSED;
  if (attrs & FILE_ATTRIBUTE_ENCRYPTED) a->set |= PLAT_A_ENCRYPTED;
  if (attrs & FILE_ATTRIBUTE_SPARSE_FILE) a->set |= PLAT_A_SPARSE;
  if (attrs & FILE_ATTRIBUTE_REPARSE_POINT) a->set |= PLAT_A_REPARSE;
  if ((attrs & FILE_ATTRIBUTE_REPARSE_POINT) && tag == TAG_DEDUP) a->set |= PLAT_A_DEDUP;
  return 0;
}

/* ---------- replacing a file whole ---------- */

plat_fd plat_replace_begin(plat_fd dirfd, const char *name, char *tmp, size_t tmpsz) {
  static unsigned counter;
  plat_fd fd = -PLAT_EEXIST;
  int tries;
  for (tries = 0; tries < 100 && fd == -PLAT_EEXIST; tries++) {
    int n = snprintf(tmp, tmpsz, ".%.200s.marsplay-%lu-%u.tmp", name,
                     (unsigned long)GetCurrentProcessId(), counter++);
    if (n < 0 || (size_t)n >= tmpsz) return -PLAT_ENAMETOOLONG;
    fd = w32_open_rel(w32_h(dirfd), tmp, GENERIC_READ | GENERIC_WRITE | DELETE, FILE_CREATE,
                      FILE_NON_DIRECTORY_FILE);
  }
  return fd;
}

int w32_rename_to(HANDLE h, HANDLE dir, const char *name, int replace) {
  FILE_RENAME_INFORMATION *ri;
  IO_STATUS_BLOCK io;
  NTSTATUS st;
  wchar_t *w;
  size_t n, sz;
  int r;
  if (strpbrk(name, "/\\:") != NULL || strcmp(name, "..") == 0 || strcmp(name, ".") == 0 ||
      name[0] == '\0')
    return -PLAT_EINVAL;
  if ((r = w32_wide(name, &w)) < 0) return r;
  n = wcslen(w);
  sz = sizeof *ri + n * sizeof(wchar_t);
  if ((ri = calloc(1, sz)) == NULL) { free(w); return -PLAT_ENOMEM; }
  ri->ReplaceIfExists = replace ? TRUE : FALSE;
  ri->RootDirectory = dir;     /* name is relative to this folder's handle */
  ri->FileNameLength = (ULONG)(n * sizeof(wchar_t));
  memcpy(ri->FileName, w, n * sizeof(wchar_t));
  free(w);
  st = NtSetInformationFile(h, &io, ri, (ULONG)sz, FileRenameInformation);
  free(ri);
  return NT_SUCCESS(st) ? 0 : w32_nterr(st);
}

int w32_delete_handle(HANDLE h) {
  FILE_DISPOSITION_INFO di;
  di.DeleteFile = TRUE;
  return SetFileInformationByHandle(h, FileDispositionInfo, &di, sizeof di)
             ? 0 : w32_err(GetLastError());
}

int plat_replace_commit(plat_fd dirfd, plat_fd tfd, const char *tmp, const char *name,
                        const plat_stat *like, int *step) {
  HANDLE h = w32_h(tfd);
  int r;
  (void)tmp;
  /* Windows files have no POSIX mode or owner; the read-only attribute
   * is the one permission bit carried over */
  *step = PLAT_REPLACE_MODE;
  if (!(like->mode & 0200)) {
    FILE_BASIC_INFO b;
    memset(&b, 0, sizeof b);
    b.FileAttributes = FILE_ATTRIBUTE_READONLY;
    if (!SetFileInformationByHandle(h, FileBasicInfo, &b, sizeof b)) goto fail;
  }
  *step = PLAT_REPLACE_FLUSH;
  if (!FlushFileBuffers(h)) goto fail;
  /* renamed through its own handle (opened inside the target, with
   * DELETE): the very temporary file takes the name, never a path looked
   * up again */
  *step = PLAT_REPLACE_RENAME;
  if ((r = w32_rename_to(h, w32_h(dirfd), name, 1)) < 0) {
    w32_delete_handle(h);
    CloseHandle(h);
    return r;
  }
  *step = PLAT_REPLACE_CLOSE;
  if (!CloseHandle(h)) return w32_err(GetLastError());
  /* a folder cannot be flushed on Windows: NTFS journals the rename */
  return 0;
fail:
  r = w32_err(GetLastError());
  w32_delete_handle(h);
  CloseHandle(h);
  return r;
}

void plat_replace_abort(plat_fd dirfd, plat_fd tfd, const char *tmp) {
  (void)dirfd;
  (void)tmp;
  if (tfd < 0) return;
  w32_delete_handle(w32_h(tfd));     /* exactly the temporary file */
  CloseHandle(w32_h(tfd));
}

/* ---------- security descriptor ---------- */

/* The object's own security descriptor, self-relative (the layout
 * ntfs-3g's system.ntfs_acl has): owner, group and DACL through
 * GetSecurityInfo on the handle already open (no path looked up again,
 * no reparse point followed); the SACL needs a privilege and is not
 * read.  The look handle has READ_CONTROL.  Under Wine the answer is made
 * up from the Unix mode bits (SYSTEM always with full control, nothing
 * set through SetSecurityInfo kept but the mode bits): -PLAT_EOPNOTSUPP,
 * never that descriptor. */
int plat_ntfs_acl(plat_fd pathfd, plat_fd datafd, void *buf, size_t size, const char **name) {
  HANDLE h = w32_h(datafd >= 0 ? datafd : pathfd);
  const SECURITY_INFORMATION what =
      OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
  PSECURITY_DESCRIPTOR sd = NULL;
  SECURITY_DESCRIPTOR_CONTROL ctl;
  DWORD rev, err, len;
  int r;
  *name = "GetSecurityInfo";
  if (w32_wine_version() != NULL) return -PLAT_EOPNOTSUPP;
  if (size > 0x7fffffffu) size = 0x7fffffffu;
  err = GetSecurityInfo(h, SE_FILE_OBJECT, what, NULL, NULL, NULL, NULL, &sd);
  if (err != ERROR_SUCCESS) {
    if (err == ERROR_NOT_SUPPORTED || err == ERROR_INVALID_FUNCTION)
      return -PLAT_ENODATA;               /* a filesystem without ACLs (FAT) */
    return w32_err(err);
  }
  if (!GetSecurityDescriptorControl(sd, &ctl, &rev)) {
    r = w32_err(GetLastError());
  } else if (ctl & SE_SELF_RELATIVE) {
    len = GetSecurityDescriptorLength(sd);
    if (len > size) r = -PLAT_ERANGE;
    else {
      memcpy(buf, sd, len);
      r = (int)len;
    }
  } else {
    len = (DWORD)size;                    /* absolute: made self-relative into buf */
    if (MakeSelfRelativeSD(sd, (PSECURITY_DESCRIPTOR)buf, &len)) r = (int)len;
    else if (GetLastError() == ERROR_INSUFFICIENT_BUFFER) r = -PLAT_ERANGE;
    else r = w32_err(GetLastError());
  }
  LocalFree(sd);
  return r;
}
