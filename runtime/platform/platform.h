/* platform.h - the one interface to the operating system.
 *
 * Nothing outside runtime/platform/ calls the operating system: every
 * file, folder, process, clock, lock or sandbox operation goes through
 * here, in the project's own terms (scripts/boundary.py checks it; see
 * README "Layout").  One backend per system implements it:
 * platform/posix/ (Linux) and platform/win32/ (Windows); plat_names.c
 * is shared by both.
 *
 * Conventions:
 *  - Handles (plat_fd) are integers wide enough for a Windows HANDLE; a
 *    valid one is >= 0, PLAT_FD_NONE (-1) is no handle.  Functions that
 *    open return the handle, or a negative error kind.
 *  - Errors: 0 (or a count / a handle) on success, -PLAT_E* on failure.
 *    The kinds are the enum below, with one name ("ENOENT", what the
 *    Lua API returns as its code) and one message each (plat_err_name,
 *    plat_err_text).
 *  - Paths inside the target are relative to an open root, '/'-separated,
 *    UTF-8; they never escape the root.
 */
#ifndef MP_PLATFORM_H
#define MP_PLATFORM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- error kinds ----
 * Where the host C library has the POSIX error number of that name the
 * kind has the same value (so -errno from a C library call is a kind);
 * the others get numbers of their own.  A backend maps every system
 * error to one of these (the Windows one from GetLastError). */
#ifdef ESTALE
#define PLAT_ESTALE_ ESTALE
#else
#define PLAT_ESTALE_ 10001
#endif
#ifdef ENODATA
#define PLAT_ENODATA_ ENODATA
#else
#define PLAT_ENODATA_ 10002
#endif
#ifdef ENXIO
#define PLAT_ENXIO_ ENXIO
#else
#define PLAT_ENXIO_ 10003
#endif
typedef enum plat_err {
  PLAT_ENOENT = ENOENT,             /* no such file or folder */
  PLAT_EACCES = EACCES,             /* permission denied */
  PLAT_EPERM = EPERM,               /* operation not permitted */
  PLAT_ENOTDIR = ENOTDIR,           /* a path component is not a folder */
  PLAT_EISDIR = EISDIR,             /* is a folder */
  PLAT_ELOOP = ELOOP,               /* a link where none may be followed */
  PLAT_EXDEV = EXDEV,               /* not on the target volume */
  PLAT_EEXIST = EEXIST,             /* already exists */
  PLAT_ENAMETOOLONG = ENAMETOOLONG, /* name or path too long */
  PLAT_EINVAL = EINVAL,             /* invalid argument */
  PLAT_EFBIG = EFBIG,               /* too large */
  PLAT_ENOMEM = ENOMEM,             /* out of memory */
  PLAT_EROFS = EROFS,               /* read-only file system */
  PLAT_ENOSPC = ENOSPC,             /* no space left */
  PLAT_EIO = EIO,                   /* input/output error (the fallback) */
  PLAT_EBUSY = EBUSY,               /* in use */
  PLAT_ENOTEMPTY = ENOTEMPTY,       /* folder not empty */
  PLAT_ENOSYS = ENOSYS,             /* not available on this system */
  PLAT_ETIMEDOUT = ETIMEDOUT,       /* timed out */
  PLAT_EILSEQ = EILSEQ,             /* bad encoding */
  PLAT_EOPNOTSUPP = EOPNOTSUPP,     /* not supported here */
  PLAT_EMFILE = EMFILE,             /* too many open files (process) */
  PLAT_ENFILE = ENFILE,             /* too many open files (system) */
  PLAT_ENODEV = ENODEV,             /* no such device */
  PLAT_EOVERFLOW = EOVERFLOW,       /* value too large for its type */
  PLAT_EAGAIN = EAGAIN,             /* try again / would block */
  PLAT_EINTR = EINTR,               /* interrupted */
  PLAT_ERANGE = ERANGE,             /* result out of range */
  PLAT_ESTALE = PLAT_ESTALE_,       /* stale network file handle */
  PLAT_ENODATA = PLAT_ENODATA_,     /* no data (no such attribute) */
  PLAT_ENXIO = PLAT_ENXIO_          /* no such device or address */
} plat_err;
/* Name of error kind err (either sign): "ENOENT"; unknown kinds: "EIO". */
const char *plat_err_name(int err);
/* Message for error kind err (either sign): "No such file or directory". */
const char *plat_err_text(int err);

/* ---- lists of folders ----
 * The separator of a list of folders (--playbook-path, $MARSPLAY_PATH):
 * ';' on Windows, where ':' follows a drive letter (C:\x), ':' elsewhere. */
#ifdef _WIN32
#define PLAT_PATH_LIST_SEP ";"
#else
#define PLAT_PATH_LIST_SEP ":"
#endif

/* ---- handles ---- */
typedef intptr_t plat_fd;
#define PLAT_FD_NONE ((plat_fd)-1)

/* ---- open intents (plat_open_in, mp_target_open) ----
 * One of the first four, optionally with PLAT_OPEN_NOFOLLOW.  Every
 * handle is closed on exec / not inherited by child processes. */
enum {
  PLAT_OPEN_READ = 1,   /* read the bytes; the open never waits (a FIFO
                           with no writer reads as empty, never blocks) */
  PLAT_OPEN_DIR = 2,    /* a folder: list it, open names relative to it */
  PLAT_OPEN_LOOK = 3,   /* look only (stat, attributes, link text, path):
                           no data access, works on any kind of entry */
  PLAT_OPEN_CREATE = 4, /* a new file, read and write (PLAT_EEXIST if the
                           name is taken, a link included); rw-r--r-- */
  PLAT_OPEN_NOFOLLOW = 0x100 /* flag: a link as the last component is not
                           followed (LOOK opens the link itself; the others
                           fail with PLAT_ELOOP) */
};

typedef enum {
  PLAT_T_UNKNOWN, PLAT_T_FILE, PLAT_T_DIR, PLAT_T_LINK, PLAT_T_FIFO,
  PLAT_T_SOCKET, PLAT_T_CHAR, PLAT_T_BLOCK
} plat_ftype;
/* "file", "dir", "link", "fifo", "socket", "char", "block" or "other". */
const char *plat_ftype_name(plat_ftype t);

typedef struct plat_stat {
  plat_ftype type;
  uint64_t size;        /* apparent bytes */
  uint64_t allocated;   /* bytes allocated on disk */
  uint64_t ino, dev, nlink;
  uint32_t mode, uid, gid;
  double mtime, atime, ctime;
  int64_t mtime_ns, ctime_ns; /* the same, exact: nanoseconds since 1970 */
} plat_stat;

typedef struct plat_volume {
  uint64_t total, free, avail; /* bytes */
  char fstype[32];
  int readonly;
  int remote;                  /* network filesystem */
} plat_volume;

/* File attribute flags as Windows names them (what can be known). */
enum {
  PLAT_A_COMPRESSED = 1, PLAT_A_ENCRYPTED = 2, PLAT_A_SPARSE = 4,
  PLAT_A_REPARSE = 8, PLAT_A_IMMUTABLE = 16, PLAT_A_DEDUP = 32
};

const char *plat_name(void);               /* "linux", "windows", ... */
double plat_now(void);                     /* wall clock, seconds since epoch */
double plat_monotonic(void);               /* seconds */
int plat_exe_dir(char *out, size_t outsz); /* folder of the running binary */
int plat_hostname(char *out, size_t outsz);

/* ---- what C11 lacks and the C libraries have in different forms ---- */
/* The first n2 bytes of needle in the first n1 bytes of hay, or NULL
 * (the C library's fast search where it has one: the scanners use it). */
void *plat_memmem(const void *hay, size_t n1, const void *needle, size_t n2);
/* The last byte c in the first n bytes of s, or NULL. */
void *plat_memrchr(const void *s, int c, size_t n);

/* ---- paths on the machine marsplay runs on (not the target) ---- */
/* The absolute form of path, links resolved: malloc'd, or NULL (errno
 * says why). */
char *plat_abs_path(const char *path);
/* The root of the running system's own volume, which a live run
 * (no --root) inspects: "/" on POSIX, the system drive ("C:\\", the
 * drive of the Windows folder) on Windows.  malloc'd, or NULL (errno). */
char *plat_live_root(void);
/* Is path (links followed) an existing folder / a file this process
 * may read?  1 or 0. */
int plat_is_dir(const char *path);
int plat_readable(const char *path);
/* Does something (links followed) exist at path?  1 or 0. */
int plat_exists(const char *path);
/* Create the folder path (rwxr-xr-x).  0 or -PLAT_E* (-PLAT_EEXIST). */
int plat_mkdir(const char *path);
/* Remove the file (not a folder) path.  0 or -PLAT_E*. */
int plat_remove(const char *path);
/* Create a new private folder (rwx------) in the system's temporary
 * folder ($TMPDIR, else /tmp; %TEMP% on Windows) named prefix followed
 * by a random suffix; its path goes to out.  0 or -PLAT_E*. */
int plat_temp_dir(const char *prefix, char *out, size_t outsz);
/* Remove path and, when it is a folder, everything below it.  A link is
 * removed itself, never followed; read-only folders are made writable
 * first.  A path that does not exist is success.  0 or -PLAT_E*. */
int plat_remove_tree(const char *path);
/* Is the stream a terminal?  1 or 0. */
int plat_is_terminal(FILE *f);
/* The current folder. 0 or -PLAT_E*. */
int plat_cwd(char *out, size_t outsz);
/* t (epoch seconds) as UTC "YYYY-MM-DDTHH:MM:SSZ".  0 or -PLAT_EINVAL. */
int plat_utc_stamp(double t, char *out, size_t outsz);
/* A path that names the very object handle fd is open on, for a library
 * that only takes paths (hivex, lfs): no other file can be swapped in
 * under it (Linux: /proc/self/fd/N).  0 or -PLAT_E* (-PLAT_ENOSYS: this
 * system has no such path). */
int plat_fd_alias(plat_fd fd, char *out, size_t outsz);
/* A C stream over handle fd (mode as fopen's; the stream owns fd from
 * then on), or NULL (fd is then still the caller's). */
FILE *plat_fd_stream(plat_fd fd, const char *mode);

/* Open root (a directory) for use as a containment root. */
int plat_root_open(const char *path, plat_fd *out);
/* Open rel (relative, '/'-separated, "" for root itself) inside root
 * for intent how (PLAT_OPEN_*); links and '..' are resolved as if root
 * were '/', so nothing escapes it.  Returns the handle or -PLAT_E*. */
plat_fd plat_open_in(plat_fd root, const char *rel, unsigned how);
/* Open a path of the machine marsplay runs on (not in the target: the
 * stdlib, playbooks) for intent how.  The handle or -PLAT_E*. */
plat_fd plat_open_path(const char *path, unsigned how);
int plat_close(plat_fd fd);

int plat_fstat(plat_fd fd, plat_stat *st);
/* lstat of name in dirfd (no follow). */
int plat_statat(plat_fd dirfd, const char *name, plat_stat *st);
int plat_volume_of(plat_fd fd, plat_volume *vol);

/* ---- network (platform_posix_net.c, used by bind_net.c) ---- */
/* 1 if sa, a struct sockaddr of len bytes, is a loopback address
 * (127.0.0.0/8, ::1, or IPv4-mapped 127.0.0.0/8), else 0. */
int plat_sockaddr_loopback(const void *sa, size_t len);
/* socket(2): a new socket descriptor, or -PLAT_E*. */
intptr_t plat_socket(int family, int type, int protocol);

/* ---- filesystem inspection (platform_posix_fs.c, for marsplay.fs) ----
 * Directories are read in big batches relative to a directory handle;
 * nothing here follows a symbolic link or triggers an automount. */

typedef struct plat_dirent {
  const char *name;   /* NUL-terminated, valid until the next plat_dir_next */
  size_t namelen;
  plat_ftype type;    /* PLAT_T_UNKNOWN: the filesystem did not say: stat it */
  int64_t size;       /* bytes as the listing gives them (Windows), -1: stat it */
} plat_dirent;
typedef struct plat_dir plat_dir;

/* Read the directory open as fd (owned from now on: closed by
 * plat_dir_close, or here on failure) through a bufsize-byte buffer. */
int plat_dir_open(plat_fd fd, size_t bufsize, plat_dir **out);
/* Next entry ("." and ".." skipped): 1, 0 at the end, or -PLAT_E*. */
int plat_dir_next(plat_dir *d, plat_dirent *e);
plat_fd plat_dir_fd(const plat_dir *d);
void plat_dir_close(plat_dir *d);
/* A large folder whose listing can be read as two halves at once: where
 * the filesystem's directory positions are hash values spread evenly over
 * their range (ext4's indexed folders), opens a second handle of fd's
 * folder positioned at the middle, sets *mid to that position and returns
 * the handle.  -PLAT_EOPNOTSUPP where that is not so, or not worth it (a small
 * folder, one CPU): read the folder whole. */
plat_fd plat_dir_split(plat_fd fd, uint64_t *mid);
/* Make d end before the entry at position limit (the first half of a
 * split).  Call before the first plat_dir_next. */
void plat_dir_limit(plat_dir *d, uint64_t limit);

/* ---- deleting exactly what was matched (platform_posix_del.c) ----
 * The entry is moved aside atomically to a name of ours in the same
 * folder (".marsplay-deleting.NAME"), checked there and only then deleted,
 * so a name swapped for a link, a FIFO or another file between the match
 * and the deletion is never deleted: it is put back. */
enum {
  PLAT_DEL_DONE,     /* deleted */
  PLAT_DEL_CHANGED,  /* no longer the matched file: left (or put back) as it was */
  PLAT_DEL_KEPT      /* swapped, and its name was taken again meanwhile: it
                        stays under the aside name (reported) */
};
/* Delete the regular file name in dirfd only if it is still (dev, ino).
 * aside receives the aside name.  PLAT_DEL_* or -PLAT_E* (-PLAT_ENOENT: gone). */
int plat_del_same(plat_fd dirfd, const char *name, uint64_t dev, uint64_t ino,
                  char *aside, size_t asidesz);
/* If name is an aside name: the original name ("" when not known), else NULL. */
const char *plat_del_is_aside(const char *name);
int plat_del_aside_name(const char *name, char *out, size_t outsz);
/* Finish what a killed run left under the aside name: a regular file is
 * deleted (PLAT_DEL_DONE), anything else renamed back to orig when known
 * and free (PLAT_DEL_CHANGED), else kept (PLAT_DEL_KEPT); or -PLAT_E*. */
int plat_del_leftover(plat_fd dirfd, const char *aside, const char *orig);

/* Open name (one component) inside dirfd for intent how.  The handle
 * or -PLAT_E*. */
plat_fd plat_open_at(plat_fd dirfd, const char *name, unsigned how);
/* Write n bytes at offset off (all of them, retrying): 0 or -PLAT_E*. */
int plat_pwrite(plat_fd fd, const void *buf, size_t n, uint64_t off);
/* The next data segment of the file fd (size bytes) at or after off,
 * skipping holes of a sparse file: 1 with [*start, *end), 0 when only a
 * hole is left, or -PLAT_E*.  Where holes cannot be told, the rest of
 * the file is one segment. */
int plat_data_segment(plat_fd fd, uint64_t off, uint64_t size, uint64_t *start, uint64_t *end);
/* Set the file's size.  0 or -PLAT_E*. */
int plat_truncate(plat_fd fd, uint64_t size);

/* ---- replacing a file whole (platform_posix_fs.c; hive writes) ----
 * The new content is written to a temporary file beside the old one,
 * which is then given the old one's permissions and owner (where this
 * process may), flushed to disk and renamed over it, and the folder is
 * flushed: after a crash the name holds the old file or the new one,
 * never a mix. */
/* Create the temporary file in dirfd for replacing name: its name into
 * tmp, its handle (read and write) returned, or -PLAT_E*. */
plat_fd plat_replace_begin(plat_fd dirfd, const char *name, char *tmp, size_t tmpsz);
enum {                     /* the step of plat_replace_commit that failed */
  PLAT_REPLACE_MODE, PLAT_REPLACE_OWNER, PLAT_REPLACE_FLUSH, PLAT_REPLACE_CLOSE,
  PLAT_REPLACE_RENAME, PLAT_REPLACE_FLUSH_DIR
};
/* Finish: tfd (closed here in every case) made like `like` (the old
 * file's plat_stat), flushed, renamed over name; then the folder flushed
 * (a folder a filesystem cannot flush is not an error).  0, or -PLAT_E*
 * with *step set; tmp is removed on failure before the rename. */
int plat_replace_commit(plat_fd dirfd, plat_fd tfd, const char *tmp, const char *name,
                        const plat_stat *like, int *step);
/* Give up: close tfd, remove tmp. */
void plat_replace_abort(plat_fd dirfd, plat_fd tfd, const char *tmp);

/* ---- changing entries at a folder handle (platform_posix_change.c;
 * the remediation API).  name is one component of dirfd; a link is
 * never followed: it is what is removed or renamed itself. ---- */
/* A new file name, for writing (PLAT_EEXIST if the name is taken, a
 * link included), with permissions mode as the umask lets (Windows: the
 * folder's inherited ACL; mode is not applied).  The handle or -PLAT_E*. */
plat_fd plat_create_at(plat_fd dirfd, const char *name, unsigned mode);
/* A new folder name with permissions mode as the umask lets (Windows:
 * inherited ACL).  0 or -PLAT_E* (-PLAT_EEXIST: the name is taken). */
int plat_mkdir_at(plat_fd dirfd, const char *name, unsigned mode);
/* Remove name: a file (anything but a folder) when folder is 0, an empty
 * folder when 1.  0 or -PLAT_E*. */
int plat_remove_at(plat_fd dirfd, const char *name, int folder);
/* Rename from (in fromdir) to to (in todir, on the same volume).  An
 * existing to is replaced atomically when replace is 1 (a file only);
 * when 0 it never is: -PLAT_EEXIST.  0 or -PLAT_E*. */
int plat_rename_at(plat_fd fromdir, const char *from, plat_fd todir, const char *to, int replace);
/* Flush to disk what fd is open on: a file's data, a folder's entries
 * (Windows flushes no folder, NTFS journals its entries: 0 there).
 * 0 or -PLAT_E*. */
int plat_sync(plat_fd fd);
/* Set the permission bits (07777) of the very object fd is open on (any
 * intent, PLAT_OPEN_LOOK included), fd having been opened as name in
 * dirfd; never a path looked up again that could have been swapped.
 * POSIX: fchmod, or for a look-only handle its /proc/self/fd link; with
 * no /proc, name opened again and checked to be fd's object (else
 * -PLAT_ESTALE).  Windows: -PLAT_EOPNOTSUPP (permissions there are ACLs,
 * which this does not translate).  0 or -PLAT_E*. */
int plat_set_mode(plat_fd dirfd, const char *name, plat_fd fd, unsigned mode);

/* Open the directory name inside dirfd for reading, not following a
 * link in name.  Returns fd >= 0 or -PLAT_E*. */
plat_fd plat_open_dir_at(plat_fd dirfd, const char *name);
/* read/pread retrying on interrupts: bytes, 0 at the end, or -PLAT_E*. */
long plat_read(plat_fd fd, void *buf, size_t n);
long plat_pread(plat_fd fd, void *buf, size_t n, uint64_t off);
/* Text of the link that fd (opened without following it) is: its
 * length (NUL-terminated in out) or -PLAT_E* (-PLAT_ENAMETOOLONG if cut). */
int plat_readlink_fd(plat_fd fd, char *out, size_t outsz);
/* The host path the OS knows for fd (symlinks resolved). */
int plat_fd_path(plat_fd fd, char *out, size_t outsz);

/* Windows FILE_ATTRIBUTE_* bits, when the filesystem exposes them. */
enum {
  PLAT_WIN_READONLY = 0x1, PLAT_WIN_HIDDEN = 0x2, PLAT_WIN_SYSTEM = 0x4,
  PLAT_WIN_DIRECTORY = 0x10, PLAT_WIN_ARCHIVE = 0x20, PLAT_WIN_SPARSE = 0x200,
  PLAT_WIN_REPARSE = 0x400, PLAT_WIN_COMPRESSED = 0x800, PLAT_WIN_OFFLINE = 0x1000,
  PLAT_WIN_NOT_INDEXED = 0x2000, PLAT_WIN_ENCRYPTED = 0x4000,
  PLAT_WIN_PINNED = 0x80000, PLAT_WIN_UNPINNED = 0x100000,
  PLAT_WIN_RECALL_ON_OPEN = 0x40000, PLAT_WIN_RECALL_ON_DATA_ACCESS = 0x400000
};
typedef struct plat_attrs_ex {
  unsigned set, known;   /* PLAT_A_* */
  int have_win;          /* win_attrs came from the filesystem (ntfs-3g) */
  uint32_t win_attrs;    /* PLAT_WIN_* */
  uint32_t reparse_tag;  /* IO_REPARSE_TAG_* when known, else 0 */
} plat_attrs_ex;
/* Attributes of the object pathfd (opened without following a link);
 * datafd is a read-only open of the same file or directory, or -1. */
int plat_attrs_detail(plat_fd pathfd, plat_fd datafd, plat_attrs_ex *a);

/* The NTFS security descriptor of the object pathfd (datafd as above),
 * as ntfs-3g exposes it: the extended attribute system.ntfs_acl (the
 * kernel's ntfs3 driver: system.ntfs_security, same bytes).  In test
 * mode only (environment MARSPLAY_TEST_NTFS_ACL=1) the attribute
 * user.marsplay.ntfs_acl is read when system.ntfs_acl is absent: ext4 and
 * tmpfs cannot hold system.ntfs_acl, and the lab writes the test one.
 * Copies at most size bytes to buf; returns the size or a negative errno
 * (-ENODATA: none here, also when the filesystem has no such attributes;
 * -ERANGE: larger than size).  *name gets the attribute read.  Windows:
 * the object's own descriptor (owner, group, DACL; no SACL), self-relative
 * as ntfs-3g gives it; *name is "GetSecurityInfo"; -EOPNOTSUPP where the
 * system makes descriptors up instead of keeping them (Wine: the reason
 * is PLAT_ACL_MADE_UP). */
int plat_ntfs_acl(plat_fd pathfd, plat_fd datafd, void *buf, size_t size, const char **name);
#define PLAT_ACL_MADE_UP "this is Wine, which keeps no NTFS permissions: the security descriptor it shows " \
  "is made up from the Unix mode bits (SYSTEM always with full control), so it is not read"

/* Processes holding open a file at or under host_path.  fn returns
 * nonzero to stop.  Returns the number of holders or -PLAT_E*; info says
 * how the list was made.
 * POSIX: every process's descriptors in /proc (method "proc"); denied
 * counts the processes whose descriptors could not be read.
 * Windows (platform_win32_holders.c): the regular files under the folder
 * (a bounded number: info->cut when there were more) asked of the
 * Restart Manager (method "restart-manager"), which names processes but
 * not files: path is then the folder itself and whole_folder is 1.  When
 * it names nobody or is unusable, a sharing probe follows ("sharing-probe"):
 * a file another process keeps open without sharing reading is reported
 * held by an unknown process (pid 0, comm ""). */
typedef struct plat_holder {
  long pid;              /* 0: a process that cannot be told */
  int fd;                /* -1: the system gives no descriptor number */
  const char *comm, *path;
  const char *app;       /* Windows: the Restart Manager's name for it ("" else) */
  const char *service;   /* Windows: the service it runs as ("" else) */
  int deleted;           /* the file was removed while open */
  int whole_folder;      /* path is the folder asked about, not the file held */
} plat_holder;
typedef int (*plat_holder_cb)(void *ud, const plat_holder *h);
typedef struct plat_holders_info {
  long denied;           /* processes that could not be inspected */
  const char *method;    /* "proc", "restart-manager", "sharing-probe", or
                            "restart-manager+sharing-probe" (both asked) */
  long files;            /* files asked about (methods asking by file), else 0 */
  long probed;           /* files the sharing probe opened */
  int cut;               /* more files under the folder than were asked about */
  int rm_err;            /* the Restart Manager's failure (-PLAT_E*), else 0 */
} plat_holders_info;
int plat_holders_scan(const char *host_path, plat_holder_cb fn, void *ud, plat_holders_info *info);
/* Record the holders under host_prefix now; from then on scans answer
 * from this snapshot (for a process about to lose access to /proc by
 * restricting itself).  Returns the number recorded or -PLAT_E*. */
int plat_holders_snapshot(const char *host_prefix);
int plat_holders_from_snapshot(void);   /* 1 once a snapshot was taken */

/* ---- lab builder (platform_posix_lab.c; used by lab.c only) ---- */
/* Set the apparent size of path (created 0644 if absent) without
 * allocating blocks.  When the filesystem refuses size (EFBIG/EINVAL),
 * halves it until it fits; *got receives the size set.  0 or -PLAT_E*. */
int plat_lab_sparse(const char *path, uint64_t size, uint64_t *got);
/* Bytes total / available to unprivileged users / free, of the
 * filesystem holding path. */
int plat_lab_space(const char *path, uint64_t *total, uint64_t *avail, uint64_t *free_);
int plat_lab_chmod(const char *path, unsigned mode);
int plat_lab_symlink(const char *target, const char *linkpath);
/* Store a security descriptor where plat_ntfs_acl reads it in test mode
 * (user.marsplay.ntfs_acl: ext4 and tmpfs cannot hold system.ntfs_acl).
 * Windows: -PLAT_ENOSYS (files there have real descriptors). */
int plat_lab_test_acl(const char *path, const void *sd, size_t len);
/* Start a detached process (own session, stdio on /dev/null, named
 * "mp-lab-holder") that keeps path open (and flock'ed) until pidfile no
 * longer holds its pid or seconds pass.  The pidfile is written before
 * this returns; *pid receives the holder's pid.  0 or -PLAT_E*. */
int plat_lab_hold(const char *path, const char *pidfile, unsigned seconds, long *pid);
/* Stop a holder plat_lab_hold started: remove pidfile (the holder exits
 * within a second when it notices) and, if the pid it held still names
 * the lab's holder, end that process.  1 if there was a pidfile, 0 if
 * not, or -PLAT_E*. */
int plat_lab_stop_holder(const char *pidfile);

/* ---- certificates in a PKCS#12 (PFX) blob (platform_posix_pkcs12.c,
 * platform_win32_pkcs12.c; marsplay.secret.pfx_validity) ----
 * What a vault credentials file's ManagementCert holds: a PFX exported
 * without a password (.NET X509Certificate2.Export(Pfx) with "" or no
 * password).  Only the certificate is read: a private key is never
 * decrypted where the system lets it be skipped (POSIX: never; Windows:
 * PKCS12_ONLY_CERTIFICATES first, else imported in memory only, never
 * persisted).  The blob is a secret: nothing of it goes to an error. */
typedef enum plat_pfx_status {
  PLAT_PFX_OK = 0,
  PLAT_PFX_NOT_PKCS12,    /* not a PKCS#12 structure (or damaged) */
  PLAT_PFX_PASSWORD,      /* protected by a password that is not empty */
  PLAT_PFX_CIPHER,        /* encrypted with an algorithm this system cannot use */
  PLAT_PFX_NO_CERT,       /* readable, but holds no certificate */
  PLAT_PFX_UNAVAILABLE,   /* no PKCS#12 reader here (library missing) */
  PLAT_PFX_NOMEM,         /* out of memory */
  PLAT_PFX_UNREADABLE     /* a PFX the system would not open, without saying
                             why (a password or damage: Wine's import) */
} plat_pfx_status;
typedef struct plat_pfx_info {
  int64_t not_before, not_after; /* validity, seconds since 1970 (UTC) */
  char subject_cn[128];          /* the subject's common name, UTF-8 ("" if none) */
  char thumbprint[41];           /* SHA-1 of the certificate, upper-case hex */
  int certificates;              /* certificates in the blob */
  int null_password;             /* 1: opened with no password, 0: with "" */
} plat_pfx_info;
/* Read the certificate of the PKCS#12 blob der (len bytes) with an empty
 * password, then with none: the one paired with the private key when the
 * blob says which, else the first.  PLAT_PFX_* (out filled on PLAT_PFX_OK). */
plat_pfx_status plat_pfx_validity(const void *der, size_t len, plat_pfx_info *out);
/* "ok", "not-pkcs12", "password", "cipher", "no-certificate",
 * "unavailable", "nomem", "unreadable"; and a sentence for each
 * (plat_names.c). */
const char *plat_pfx_status_name(plat_pfx_status s);
const char *plat_pfx_status_text(plat_pfx_status s);
/* Lab only: a self-signed RSA certificate (1024 bits: see the backend)
 * CN=cn valid from
 * not_before to not_after (epoch seconds), with its key, as the PKCS#12
 * blob .NET writes on Windows with no password (both bags 3DES-encrypted,
 * SHA-1 MAC, 2000 iterations; cipher "aes" gives OpenSSL 3's AES-256
 * form instead).  *out is malloc'd (*outlen bytes).  0, or -PLAT_E*
 * (-PLAT_ENOSYS: no crypto library / not on this system). */
int plat_lab_pfx(const char *cn, int64_t not_before, int64_t not_after, const char *cipher,
                 unsigned char **out, size_t *outlen);

/* ---- host facts (platform_posix_sys.c, for marsplay.sys) ---- */
typedef struct plat_proc {
  long pid;
  char *name;      /* short command name */
  char *cmdline;   /* arguments joined by spaces; NULL if unreadable or empty */
} plat_proc;
/* Running processes by ascending pid: a malloc'd array the caller frees
 * with plat_proc_free.  Processes that vanish while listed are left out.
 * Returns 0 or -PLAT_E* (-PLAT_ENOSYS where processes cannot be listed). */
int plat_process_list(plat_proc **out, size_t *count);
void plat_proc_free(plat_proc *list, size_t count);
/* Seconds east of UTC of the host time zone at time t (epoch seconds). */
int plat_utc_offset(double t, long *offset);
/* Name of the host time zone ("Europe/Lisbon"): $TZ, else the files
 * below root "/".  0, or -PLAT_ENOENT when it cannot be told. */
int plat_timezone(char *out, size_t outsz);
/* Same from root's etc/localtime link, else etc/timezone, only. */
int plat_timezone_files(const char *root, char *out, size_t outsz);

/* ---- running a helper program (platform_posix_sys.c) ---- */
typedef struct plat_child plat_child;
/* Start program (looked up in PATH) with args (args[0] its name, NULL at
 * the end), its stdout and stderr together into *out, a stream this
 * process reads.  0, -PLAT_ENOENT when the program is not found, or
 * -PLAT_E*. */
int plat_spawn_reading(const char *program, char *const args[], FILE **out,
                       plat_child **child);
/* Close *out's stream first, then wait: the program's exit code (0-255),
 * or -1 if it did not end by exiting (killed).  Frees child. */
int plat_child_wait(plat_child *child);

/* ---- threads (platform_posix_thread.c) ---- */
typedef struct plat_thread plat_thread;
/* Run fn(arg) on a new thread.  0 or -PLAT_E* (*t untouched). */
int plat_thread_start(plat_thread **t, int (*fn)(void *), void *arg);
/* Wait for the thread to end, then free it. */
void plat_thread_join(plat_thread *t);
/* A monitor: a lock with one condition to wait on. */
typedef struct plat_monitor plat_monitor;
int plat_monitor_new(plat_monitor **m);      /* 0 or -PLAT_ENOMEM */
void plat_monitor_free(plat_monitor *m);     /* NULL: nothing */
void plat_monitor_enter(plat_monitor *m);
void plat_monitor_leave(plat_monitor *m);
/* Entered: leave, sleep until woken (or seconds pass, when > 0), enter
 * again.  Wakes may be spurious: the caller looks again. */
void plat_monitor_wait(plat_monitor *m, double seconds);
void plat_monitor_wake(plat_monitor *m);     /* one waiter */
void plat_monitor_wake_all(plat_monitor *m);

/* ---- kernel sandbox (platform_posix_landlock.c, platform_win32_sandbox.c) ---- */
/* What plat_restrict_writes did, as facts; the sentences (in the report's
 * language) are the engine's (core/engine.c). */
typedef enum {
  PLAT_WB_LANDLOCK = 1,   /* enforced: Landlock (the return value is its ABI) */
  PLAT_WB_LOW_INTEGRITY,  /* enforced: token lowered from level to Low */
  PLAT_WB_UNAVAILABLE,    /* the kernel has no Landlock (err) */
  PLAT_WB_DISABLED,       /* Landlock is turned off at boot */
  PLAT_WB_RULESET,        /* creating the Landlock rule set failed (err) */
  PLAT_WB_RESTRICT,       /* applying it failed (err) */
  PLAT_WB_NO_SANDBOX,     /* no kernel barrier on this platform */
  PLAT_WB_TOKEN,          /* the process token cannot be opened (err) */
  PLAT_WB_LEVEL,          /* its integrity level cannot be read (err) */
  PLAT_WB_LABEL,          /* the Low label cannot be made (err) */
  PLAT_WB_REFUSED,        /* the token refused the Low level (err) */
  PLAT_WB_READBACK,       /* the level cannot be read back (err) */
  PLAT_WB_NOT_HELD        /* set, but the token still reads level (Wine) */
} plat_wb_what;
typedef struct plat_wb {
  plat_wb_what what;
  int err;                /* -PLAT_E* of the failed step, else 0 */
  const char *level;      /* an integrity level's name ("High"), or NULL */
} plat_wb;
/* Forbid this process from now on to write, create, remove, rename or
 * truncate any file (already open descriptors keep working).  Returns the
 * mechanism's version (> 0) or -PLAT_E*; *wb says what happened. */
int plat_restrict_writes(plat_wb *wb);
/* The mechanism's name in reports: "landlock" (Linux), "low-integrity"
 * (Windows: the process's token lowered to the Low integrity level). */
const char *plat_barrier_name(void);

/* ---- one run per target (platform_posix_lock.c) ---- */
/* Take an exclusive advisory lock on the folder path (opened read-only:
 * nothing is written), waiting up to timeout seconds (0: not at all).
 * Returns the descriptor that holds the lock until it is closed,
 * -PLAT_EAGAIN if another holder kept it (*holder = its pid when it can
 * be told, else 0), or -PLAT_E*. */
plat_fd plat_lock_dir(const char *path, double timeout, long *holder);
/* Short command name of process pid.  0 or -PLAT_E*. */
int plat_proc_name(long pid, char *out, size_t outsz);


#endif
