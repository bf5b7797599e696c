/* platform_posix_fs.c - Linux backend of the filesystem inspection calls.
 *
 * Directory reading uses getdents64 with a caller-sized buffer (one
 * system call per batch, types from d_type).  Stats use fstatat with
 * AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT.  Attributes combine statx, the
 * FS_IOC_GETFLAGS inode flags and, on ntfs-3g, the real Windows attribute
 * word (xattr system.ntfs_attrib).  Open-file holders come from /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "platform/platform.h"

/* ---------- stat ---------- */

static plat_ftype type_of_mode(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFREG: return PLAT_T_FILE;
    case S_IFDIR: return PLAT_T_DIR;
    case S_IFLNK: return PLAT_T_LINK;
    case S_IFIFO: return PLAT_T_FIFO;
    case S_IFSOCK: return PLAT_T_SOCKET;
    case S_IFCHR: return PLAT_T_CHAR;
    case S_IFBLK: return PLAT_T_BLOCK;
    default: return PLAT_T_UNKNOWN;
  }
}

static double ts_seconds(struct timespec ts) {
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_stat(const struct stat *s, plat_stat *st) {
  st->type = type_of_mode(s->st_mode);
  st->size = s->st_size > 0 ? (uint64_t)s->st_size : 0;
  st->allocated = s->st_blocks > 0 ? (uint64_t)s->st_blocks * 512u : 0;
  st->ino = (uint64_t)s->st_ino;
  st->dev = (uint64_t)s->st_dev;
  st->nlink = (uint64_t)s->st_nlink;
  st->mode = (uint32_t)s->st_mode;
  st->uid = (uint32_t)s->st_uid;
  st->gid = (uint32_t)s->st_gid;
  st->mtime = ts_seconds(s->st_mtim);
  st->atime = ts_seconds(s->st_atim);
  st->ctime = ts_seconds(s->st_ctim);
  st->mtime_ns = (int64_t)s->st_mtim.tv_sec * 1000000000 + s->st_mtim.tv_nsec;
  st->ctime_ns = (int64_t)s->st_ctim.tv_sec * 1000000000 + s->st_ctim.tv_nsec;
}

int plat_fstat(plat_fd fd, plat_stat *st) {
  struct stat s;
  if (fstat(fd, &s) != 0) return -errno;
  fill_stat(&s, st);
  return 0;
}

int plat_statat(plat_fd dirfd, const char *name, plat_stat *st) {
  struct stat s;
  if (fstatat(dirfd, name, &s, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != 0)
    return -errno;
  fill_stat(&s, st);
  return 0;
}

/* ---------- directories ---------- */

struct plat_dir {
  int fd;
  char *buf;
  size_t cap, len, pos;
  int eof;
  int limited;          /* stop at position limit (plat_dir_limit) */
  uint64_t next, limit; /* directory position of the next entry */
};

int plat_dir_open(plat_fd fd, size_t bufsize, plat_dir **out) {
  plat_dir *d;
  *out = NULL;
  if (bufsize < 4096) bufsize = 4096;
  d = malloc(sizeof *d);
  if (d == NULL || (d->buf = malloc(bufsize)) == NULL) {
    free(d);
    close(fd);
    return -ENOMEM;
  }
  d->fd = fd;
  d->cap = bufsize;
  d->len = d->pos = 0;
  d->eof = 0;
  d->limited = 0;
  d->next = d->limit = 0;
  *out = d;
  return 0;
}

static plat_ftype type_of_dtype(unsigned char t) {
  switch (t) {
    case DT_REG: return PLAT_T_FILE;
    case DT_DIR: return PLAT_T_DIR;
    case DT_LNK: return PLAT_T_LINK;
    case DT_FIFO: return PLAT_T_FIFO;
    case DT_SOCK: return PLAT_T_SOCKET;
    case DT_CHR: return PLAT_T_CHAR;
    case DT_BLK: return PLAT_T_BLOCK;
    default: return PLAT_T_UNKNOWN;
  }
}

int plat_dir_next(plat_dir *d, plat_dirent *e) {
  for (;;) {
    struct dirent64 *de;
    if (d->pos >= d->len) {
      ssize_t n;
      if (d->eof) return 0;
      do {
        n = getdents64(d->fd, d->buf, d->cap);
      } while (n < 0 && errno == EINTR);
      if (n < 0) return -errno;
      if (n == 0) { d->eof = 1; return 0; }
      d->len = (size_t)n;
      d->pos = 0;
    }
    de = (struct dirent64 *)(void *)(d->buf + d->pos);
    d->pos += de->d_reclen;
    if (d->limited) {
      /* getdents64 gives each entry the position of the one after it. */
      if (d->next >= d->limit) { d->eof = 1; d->len = d->pos = 0; return 0; }
      d->next = (uint64_t)de->d_off;
    }
    if (de->d_name[0] == '.' &&
        (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
      continue;
    e->name = de->d_name;
    e->namelen = strlen(de->d_name);
    e->type = type_of_dtype(de->d_type);
    e->size = -1;   /* getdents has no sizes */
    return 1;
  }
}

plat_fd plat_dir_fd(const plat_dir *d) { return d->fd; }

void plat_dir_limit(plat_dir *d, uint64_t limit) {
  off_t at = lseek(d->fd, 0, SEEK_CUR);
  d->limited = at >= 0;
  d->next = at >= 0 ? (uint64_t)at : 0;
  d->limit = limit;
}

#ifndef EXT4_SUPER_MAGIC
#define EXT4_SUPER_MAGIC 0xEF53
#endif
#define SPLIT_MIN_BYTES (256 * 1024) /* about 8,000 names: worth a thread */

/* ext4 gives a 64-bit reader of an indexed (htree) folder positions made
 * of the name's hash, ((major >> 1) << 32) | minor, and a seek to any
 * position resumes at the first name whose hash is not below it.  Major
 * hashes are spread evenly, so the middle of the 63-bit range cuts the
 * names in two halves of about the same size, and a position decides
 * which half a name is in. */
plat_fd plat_dir_split(plat_fd fd, uint64_t *mid) {
  struct statfs sf;
  struct stat st;
  cpu_set_t cpus;
  int flags = 0, fd2;
  const uint64_t half = (uint64_t)1 << 62;
  if (sizeof(off_t) < 8) return -ENOTSUP;   /* no 64-bit positions */
  if (sched_getaffinity(0, sizeof cpus, &cpus) != 0 || CPU_COUNT(&cpus) < 2) return -ENOTSUP;
  if (fstatfs(fd, &sf) != 0 || sf.f_type != EXT4_SUPER_MAGIC) return -ENOTSUP;
  if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_size < SPLIT_MIN_BYTES)
    return -ENOTSUP;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0 || !(flags & FS_INDEX_FL)) return -ENOTSUP;
  do {
    fd2 = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  } while (fd2 < 0 && errno == EINTR);
  if (fd2 < 0) return -errno;
  if (lseek(fd2, (off_t)half, SEEK_SET) != (off_t)half) {
    close(fd2);
    return -ENOTSUP;
  }
  *mid = half;
  return fd2;
}

void plat_dir_close(plat_dir *d) {
  if (d == NULL) return;
  close(d->fd);
  free(d->buf);
  free(d);
}

plat_fd plat_open_dir_at(plat_fd dirfd, const char *name) {
  int fd;
  do {
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}

/* ---------- reading ---------- */

long plat_read(plat_fd fd, void *buf, size_t n) {
  ssize_t r;
  do {
    r = read(fd, buf, n);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : (long)r;
}

long plat_pread(plat_fd fd, void *buf, size_t n, uint64_t off) {
  ssize_t r;
  do {
    r = pread(fd, buf, n, (off_t)off);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : (long)r;
}

int plat_readlink_fd(plat_fd fd, char *out, size_t outsz) {
  ssize_t n;
  if (outsz < 2) return -ENAMETOOLONG;
  n = readlinkat(fd, "", out, outsz);
  if (n < 0) return -errno;
  if ((size_t)n >= outsz) { out[outsz - 1] = '\0'; return -ENAMETOOLONG; }
  out[n] = '\0';
  return (int)n;
}

int plat_fd_path(plat_fd fd, char *out, size_t outsz) {
  char proc[48];
  ssize_t n;
  if (outsz < 2) return -ENAMETOOLONG;
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", (int)fd);
  n = readlink(proc, out, outsz);
  if (n < 0) return -errno;
  if ((size_t)n >= outsz) return -ENAMETOOLONG;
  out[n] = '\0';
  if (out[0] != '/') return -ENOENT;   /* not a path (anon inode, ...) */
  return 0;
}

/* ---------- volume ---------- */

struct fs_magic { unsigned long magic; const char *name; int remote; };

static const struct fs_magic MAGICS[] = {
  {0xEF53, "ext4", 0}, {0x58465342, "xfs", 0}, {0x9123683E, "btrfs", 0},
  {0x01021994, "tmpfs", 0}, {0x858458F6, "ramfs", 0}, {0x794C7630, "overlay", 0},
  {0x2FC12FC1, "zfs", 0}, {0xF2F52010, "f2fs", 0}, {0x4D44, "vfat", 0},
  {0x2011BAB0, "exfat", 0}, {0x5346544E, "ntfs", 0}, {0x7366746E, "ntfs3", 0},
  {0x65735546, "fuse", 0}, {0x9660, "iso9660", 0}, {0x15013346, "udf", 0},
  {0x73717368, "squashfs", 0}, {0x6969, "nfs", 1}, {0xFF534D42, "cifs", 1},
  {0xFE534D42, "smb2", 1}, {0x517B, "smb", 1}, {0x00C36400, "ceph", 1},
  {0x01021997, "9p", 1}, {0x5346414F, "afs", 1}, {0x6B414653, "afs", 1},
  {0x73757245, "coda", 1}, {0x564C, "ncp", 1}, {0x0BD00BD0, "lustre", 1},
  {0, NULL, 0}
};

static int remote_name(const char *t) {
  static const char *const names[] = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "smb2", "ceph", "9p", "afs",
    "coda", "ncpfs", "lustre", "glusterfs", "gfs2", "ocfs2", "davfs",
    "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "fuse.glusterfs",
    "fuse.davfs2", "fuse.gcsfuse", "fuse.smbnetfs", "fuse.curlftpfs", NULL};
  size_t i;
  for (i = 0; names[i]; i++)
    if (strcmp(t, names[i]) == 0) return 1;
  return 0;
}

/* fstype of the mount whose device is dev, from /proc/self/mountinfo
 * ("id parent major:minor root mountpoint options ... - fstype src ..."). */
static int mountinfo_type(dev_t dev, char *out, size_t outsz) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  char line[4096];
  int found = -ENOENT;
  if (f == NULL) return -errno;
  while (fgets(line, sizeof line, f)) {
    unsigned maj, min;
    char *sep, *type, *end;
    if (sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2) continue;
    if (makedev(maj, min) != dev) continue;
    sep = strstr(line, " - ");
    if (sep == NULL) continue;
    type = sep + 3;
    end = strchr(type, ' ');
    if (end == NULL) continue;
    *end = '\0';
    snprintf(out, outsz, "%s", type);
    found = 0;            /* keep the last: the topmost mount */
  }
  fclose(f);
  return found;
}

int plat_volume_of(plat_fd fd, plat_volume *vol) {
  struct statvfs sv;
  struct statfs sf;
  struct stat st;
  size_t i;
  memset(vol, 0, sizeof *vol);
  if (fstatvfs(fd, &sv) != 0 || fstatfs(fd, &sf) != 0 || fstat(fd, &st) != 0)
    return -errno;
  vol->total = (uint64_t)sv.f_blocks * sv.f_frsize;
  vol->free = (uint64_t)sv.f_bfree * sv.f_frsize;
  vol->avail = (uint64_t)sv.f_bavail * sv.f_frsize;
  vol->readonly = (sv.f_flag & ST_RDONLY) != 0;
  for (i = 0; MAGICS[i].name; i++) {
    if ((unsigned long)sf.f_type == MAGICS[i].magic) {
      snprintf(vol->fstype, sizeof vol->fstype, "%s", MAGICS[i].name);
      vol->remote = MAGICS[i].remote;
      break;
    }
  }
  if (MAGICS[i].name == NULL)
    snprintf(vol->fstype, sizeof vol->fstype, "0x%lx", (unsigned long)sf.f_type);
  {
    char t[sizeof vol->fstype];
    if (mountinfo_type(st.st_dev, t, sizeof t) == 0) {
      memcpy(vol->fstype, t, sizeof t);
      if (remote_name(t)) vol->remote = 1;
    }
  }
  return 0;
}

/* ---------- attributes ---------- */

#ifndef FS_ENCRYPT_FL
#define FS_ENCRYPT_FL 0x00000800
#endif
#define REPARSE_TAG_DEDUP 0x80000013u

/* Windows attributes from ntfs-3g (a little-endian 32-bit word). */
static void ntfs_attrs(plat_fd pathfd, plat_fd datafd, plat_attrs_ex *a) {
  unsigned char w[4], tag[4];
  ssize_t n;
  char proc[48];
  if (datafd >= 0) {
    n = fgetxattr(datafd, "system.ntfs_attrib", w, sizeof w);
  } else {   /* a link: its O_PATH descriptor, through /proc */
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", (int)pathfd);
    n = getxattr(proc, "system.ntfs_attrib", w, sizeof w);
  }
  if (n != 4) return;
  a->have_win = 1;
  a->win_attrs = (uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16 |
                 (uint32_t)w[3] << 24;
  if (a->win_attrs & PLAT_WIN_REPARSE) {
    n = datafd >= 0 ? fgetxattr(datafd, "system.ntfs_reparse_data", tag, sizeof tag)
                    : getxattr(proc, "system.ntfs_reparse_data", tag, sizeof tag);
    if (n == 4 || (n < 0 && errno == ERANGE)) {
      if (n < 0) {  /* the value is longer: read it whole for the tag */
        unsigned char big[16384];
        n = datafd >= 0 ? fgetxattr(datafd, "system.ntfs_reparse_data", big, sizeof big)
                        : getxattr(proc, "system.ntfs_reparse_data", big, sizeof big);
        if (n >= 4) memcpy(tag, big, 4);
      }
      if (n >= 4)
        a->reparse_tag = (uint32_t)tag[0] | (uint32_t)tag[1] << 8 |
                         (uint32_t)tag[2] << 16 | (uint32_t)tag[3] << 24;
    }
  }
}

#define NTFS_ACL_XATTR "system.ntfs_acl"            /* ntfs-3g (FUSE) */
#define NTFS_SECURITY_XATTR "system.ntfs_security"  /* the kernel's ntfs3 driver */
#define NTFS_ACL_TEST_XATTR "user.marsplay.ntfs_acl"

static ssize_t get_xattr(plat_fd pathfd, plat_fd datafd, const char *name, void *buf, size_t size) {
  char proc[48];
  if (datafd >= 0) return fgetxattr(datafd, name, buf, size);
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", (int)pathfd);
  return getxattr(proc, name, buf, size);
}

int plat_ntfs_acl(plat_fd pathfd, plat_fd datafd, void *buf, size_t size, const char **name) {
  const char *test = getenv("MARSPLAY_TEST_NTFS_ACL");
  ssize_t n;
  *name = NTFS_ACL_XATTR;
  n = get_xattr(pathfd, datafd, NTFS_ACL_XATTR, buf, size);
  if (n >= 0) return (int)n;
  if (errno == ENODATA || errno == ENOTSUP) {
    /* ntfs3 gives the same self-relative descriptor under its own name
     * (Linux Documentation/filesystems/ntfs3.rst); not tested here: this
     * machine's kernel has no ntfs3 */
    *name = NTFS_SECURITY_XATTR;
    n = get_xattr(pathfd, datafd, NTFS_SECURITY_XATTR, buf, size);
    if (n >= 0) return (int)n;
    *name = NTFS_ACL_XATTR;
  }
  if ((errno == ENODATA || errno == ENOTSUP) && test && strcmp(test, "1") == 0) {
    *name = NTFS_ACL_TEST_XATTR;
    n = get_xattr(pathfd, datafd, NTFS_ACL_TEST_XATTR, buf, size);
    if (n >= 0) return (int)n;
  }
  /* no descriptor here, whatever the filesystem's reason */
  return (errno == EOPNOTSUPP || errno == ENOTSUP || errno == ENODATA) ? -ENODATA : -errno;
}

int plat_attrs_detail(plat_fd pathfd, plat_fd datafd, plat_attrs_ex *a) {
  struct statx sx;
  struct stat st;
  memset(a, 0, sizeof *a);
  if (fstat(pathfd, &st) != 0) return -errno;
  /* reparse: a link is how Linux shows junctions and symlinks */
  a->known |= PLAT_A_REPARSE;
  if (S_ISLNK(st.st_mode)) a->set |= PLAT_A_REPARSE;
  if (S_ISREG(st.st_mode)) {
    a->known |= PLAT_A_SPARSE;
    if ((uint64_t)st.st_blocks * 512u < (uint64_t)st.st_size) a->set |= PLAT_A_SPARSE;
  }
  if (statx(pathfd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
            STATX_BASIC_STATS, &sx) == 0) {
    const struct { uint64_t bit; unsigned a; } map[] = {
      {STATX_ATTR_COMPRESSED, PLAT_A_COMPRESSED}, {STATX_ATTR_ENCRYPTED, PLAT_A_ENCRYPTED},
      {STATX_ATTR_IMMUTABLE, PLAT_A_IMMUTABLE}};
    size_t i;
    for (i = 0; i < sizeof map / sizeof map[0]; i++) {
      if (sx.stx_attributes_mask & map[i].bit) {
        a->known |= map[i].a;
        if (sx.stx_attributes & map[i].bit) a->set |= map[i].a;
      }
    }
  }
  if (datafd >= 0) {
    int flags = 0;
    if (ioctl(datafd, FS_IOC_GETFLAGS, &flags) == 0) {
      a->known |= PLAT_A_COMPRESSED | PLAT_A_IMMUTABLE | PLAT_A_ENCRYPTED;
      if (flags & FS_COMPR_FL) a->set |= PLAT_A_COMPRESSED;
      if (flags & FS_IMMUTABLE_FL) a->set |= PLAT_A_IMMUTABLE;
      if (flags & FS_ENCRYPT_FL) a->set |= PLAT_A_ENCRYPTED;
    }
  }
  ntfs_attrs(pathfd, datafd, a);
  if (a->have_win) {   /* the filesystem says what Windows would say */
    unsigned w = a->win_attrs, m = a->set & PLAT_A_REPARSE;  /* a link stays one */
    a->known |= PLAT_A_COMPRESSED | PLAT_A_ENCRYPTED | PLAT_A_SPARSE |
                PLAT_A_REPARSE | PLAT_A_DEDUP;
    a->set &= ~(unsigned)(PLAT_A_COMPRESSED | PLAT_A_ENCRYPTED | PLAT_A_SPARSE |
                          PLAT_A_REPARSE | PLAT_A_DEDUP);
    if (w & PLAT_WIN_COMPRESSED) m |= PLAT_A_COMPRESSED;
    if (w & PLAT_WIN_ENCRYPTED) m |= PLAT_A_ENCRYPTED;
    if (w & PLAT_WIN_SPARSE) m |= PLAT_A_SPARSE;
    if (w & PLAT_WIN_REPARSE) m |= PLAT_A_REPARSE;
    if ((w & PLAT_WIN_REPARSE) && a->reparse_tag == REPARSE_TAG_DEDUP) m |= PLAT_A_DEDUP;
    if ((w & PLAT_WIN_REPARSE) && a->reparse_tag == 0) a->known &= ~(unsigned)PLAT_A_DEDUP;
    a->set |= m;
  }
  return 0;
}

/* ---------- open-file holders ---------- */

static int all_digits(const char *s) {
  if (*s == '\0') return 0;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return 0;
  return 1;
}

/* Is path host or inside it?  "/a/Scratch2" is not inside "/a/Scratch". */
static int under(const char *path, const char *host, size_t hlen) {
  if (hlen == 1 && host[0] == '/') return path[0] == '/';
  return strncmp(path, host, hlen) == 0 && (path[hlen] == '\0' || path[hlen] == '/');
}

static void read_comm(int procfd, const char *pid, char *out, size_t outsz) {
  char rel[64];
  int fd;
  ssize_t n;
  out[0] = '\0';
  snprintf(rel, sizeof rel, "%s/comm", pid);
  fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  n = read(fd, out, outsz - 1);
  close(fd);
  if (n <= 0) { out[0] = '\0'; return; }
  out[n] = '\0';
  if (n > 0 && out[n - 1] == '\n') out[n - 1] = '\0';
}

/* One process: returns holders found, or -1 if fn asked to stop. */
static int scan_pid(int procfd, const char *pid, const char *host, size_t hlen,
                    plat_holder_cb fn, void *ud, long *denied) {
  char rel[64], link[4096 + 16], comm[64] = "";
  int dfd, found = 0, stop = 0, have_comm = 0;
  plat_dir *d;
  plat_dirent e;
  snprintf(rel, sizeof rel, "%s/fd", pid);
  dfd = openat(procfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    if (errno == EACCES || errno == EPERM) (*denied)++;
    return 0;                         /* ENOENT: the process ended */
  }
  if (plat_dir_open(dfd, 16384, &d) < 0) return 0;
  while (!stop) {
    ssize_t n;
    int r = plat_dir_next(d, &e);
    if (r <= 0) {
      if (r == -EACCES || r == -EPERM) (*denied)++;
      break;
    }
    n = readlinkat(dfd, e.name, link, sizeof link - 1);
    if (n <= 0) continue;
    link[n] = '\0';
    {
      plat_holder h;
      static const char DEL[] = " (deleted)";
      size_t dl = sizeof DEL - 1;
      h.deleted = 0;
      h.whole_folder = 0;
      h.app = h.service = "";
      if ((size_t)n > dl && strcmp(link + n - dl, DEL) == 0) {
        link[n - dl] = '\0';
        h.deleted = 1;
      }
      if (link[0] != '/' || !under(link, host, hlen)) continue;
      if (!have_comm) { read_comm(procfd, pid, comm, sizeof comm); have_comm = 1; }
      h.pid = strtol(pid, NULL, 10);
      h.fd = (int)strtol(e.name, NULL, 10);
      h.comm = comm;
      h.path = link;
      found++;
      if (fn && fn(ud, &h)) stop = 1;
    }
  }
  plat_dir_close(d);
  return stop ? -1 - found : found;
}

/* A snapshot of the holders under a prefix, taken before the process
 * restricts itself (Landlock also denies reading other processes' /proc
 * fd tables); later scans answer from it. */
typedef struct snap_entry { long pid; int fd, deleted; char *comm, *path; } snap_entry;
static snap_entry *snap;
static size_t snap_len, snap_cap;
static long snap_denied;
static int snap_taken;

static int scan_live(const char *host_path, plat_holder_cb fn, void *ud, long *denied);

static int snap_add(void *ud, const plat_holder *h) {
  (void)ud;
  if (snap_len == snap_cap) {
    size_t cap = snap_cap ? snap_cap * 2 : 256;
    snap_entry *n;
    if (cap > ((size_t)1 << 20)) return 1;        /* bounded */
    n = realloc(snap, cap * sizeof *n);
    if (n == NULL) return 1;
    snap = n;
    snap_cap = cap;
  }
  snap[snap_len].comm = strdup(h->comm);
  snap[snap_len].path = strdup(h->path);
  if (snap[snap_len].comm == NULL || snap[snap_len].path == NULL) {
    free(snap[snap_len].comm);
    free(snap[snap_len].path);
    return 1;
  }
  snap[snap_len].pid = h->pid;
  snap[snap_len].fd = h->fd;
  snap[snap_len].deleted = h->deleted;
  snap_len++;
  return 0;
}

static void snap_free(void) {
  size_t i;
  for (i = 0; i < snap_len; i++) { free(snap[i].comm); free(snap[i].path); }
  free(snap);
  snap = NULL;
  snap_len = snap_cap = 0;
}

int plat_holders_snapshot(const char *host_prefix) {
  int r;
  snap_free();
  r = scan_live(host_prefix, snap_add, NULL, &snap_denied);
  if (r < 0) return r;
  if (!snap_taken) atexit(snap_free);
  snap_taken = 1;
  return (int)snap_len;
}

int plat_holders_from_snapshot(void) { return snap_taken; }

int plat_holders_scan(const char *host_path, plat_holder_cb fn, void *ud, plat_holders_info *info) {
  size_t i, hlen = strlen(host_path);
  int total = 0;
  memset(info, 0, sizeof *info);
  info->method = "proc";
  if (!snap_taken) return scan_live(host_path, fn, ud, &info->denied);
  while (hlen > 1 && host_path[hlen - 1] == '/') hlen--;
  info->denied = snap_denied;
  for (i = 0; i < snap_len; i++) {
    plat_holder h;
    if (!under(snap[i].path, host_path, hlen)) continue;
    h.pid = snap[i].pid;
    h.fd = snap[i].fd;
    h.comm = snap[i].comm;
    h.path = snap[i].path;
    h.deleted = snap[i].deleted;
    h.whole_folder = 0;
    h.app = h.service = "";
    total++;
    if (fn && fn(ud, &h)) break;
  }
  return total;
}

static int scan_live(const char *host_path, plat_holder_cb fn, void *ud, long *denied) {
  int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), total = 0, r;
  size_t hlen = strlen(host_path);
  long dummy = 0;
  plat_dir *d;
  plat_dirent e;
  if (denied == NULL) denied = &dummy;
  *denied = 0;
  while (hlen > 1 && host_path[hlen - 1] == '/') hlen--;
  if (host_path[0] != '/') return -EINVAL;
  if (procfd < 0) return -errno;
  r = fcntl(procfd, F_DUPFD_CLOEXEC, 0);
  if (r < 0) { r = -errno; close(procfd); return r; }
  r = plat_dir_open(r, 65536, &d);
  if (r < 0) { close(procfd); return r; }
  while ((r = plat_dir_next(d, &e)) == 1) {
    int n;
    if (!all_digits(e.name)) continue;
    n = scan_pid(procfd, e.name, host_path, hlen, fn, ud, denied);
    if (n < 0) { total += -1 - n; break; }
    total += n;
  }
  plat_dir_close(d);
  close(procfd);
  return r < 0 ? r : total;
}

/* ---------- replacing a file whole ---------- */

plat_fd plat_replace_begin(plat_fd dirfd, const char *name, char *tmp, size_t tmpsz) {
  static unsigned counter;
  int tries, fd = -1;
  for (tries = 0; tries < 100; tries++) {
    int n = snprintf(tmp, tmpsz, ".%.200s.marsplay-%ld-%u.tmp", name, (long)getpid(), counter++);
    if (n < 0 || (size_t)n >= tmpsz || n > NAME_MAX) return -ENAMETOOLONG;
    fd = openat((int)dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0 || errno != EEXIST) break;
  }
  return fd < 0 ? -errno : fd;
}

int plat_replace_commit(plat_fd dirfd, plat_fd tfd, const char *tmp, const char *name,
                        const plat_stat *like, int *step) {
  int fd = (int)tfd, r;
  *step = PLAT_REPLACE_MODE;
  if (fchmod(fd, like->mode & 07777) != 0) goto fail;
  *step = PLAT_REPLACE_OWNER;
  if ((like->uid != geteuid() || like->gid != getegid()) &&
      fchown(fd, like->uid, like->gid) != 0 && errno != EPERM)
    goto fail;
  *step = PLAT_REPLACE_FLUSH;
  if (fsync(fd) != 0) goto fail;
  *step = PLAT_REPLACE_CLOSE;
  r = close(fd);
  fd = -1;
  if (r != 0) goto fail;
  *step = PLAT_REPLACE_RENAME;
  if (renameat((int)dirfd, tmp, (int)dirfd, name) != 0) goto fail;
  /* The rename is done; a folder fsync some filesystems (FUSE) refuse
   * does not undo it. */
  *step = PLAT_REPLACE_FLUSH_DIR;
  if (fsync((int)dirfd) != 0 && errno != EINVAL && errno != ENOTSUP && errno != EROFS)
    return -errno;
  return 0;
fail:
  r = -errno;
  if (fd >= 0) close(fd);
  unlinkat((int)dirfd, tmp, 0);
  return r;
}

void plat_replace_abort(plat_fd dirfd, plat_fd tfd, const char *tmp) {
  if (tfd >= 0) close((int)tfd);
  unlinkat((int)dirfd, tmp, 0);
}
