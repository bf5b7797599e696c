/* delete.c - the floors of case 6: what one thread costs that does only
 * the system calls of each way to plan or clean up *.tmp in one folder.
 *   delete plan DIR    getdents64, fstatat each match: count and bytes
 *   delete unlink DIR  getdents64, unlinkat each regular match (by d_type):
 *                      the work of find -type f -delete, no check at all
 *   delete safe DIR    getdents64, then per regular match renameat2 to an
 *                      aside name (RENAME_NOREPLACE), fstatat it, unlinkat:
 *                      marsplay's swap-safe sequence, nothing else
 * Prints "COUNT BYTES". */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct dent64 {
  unsigned long long ino;
  long long off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

static char buf[1 << 20];

int main(int argc, char **argv) {
  long n;
  unsigned long long count = 0, bytes = 0;
  int fd, mode;
  if (argc != 3) { fprintf(stderr, "usage: delete plan|unlink|safe DIR\n"); return 2; }
  mode = strcmp(argv[1], "plan") == 0 ? 0 : strcmp(argv[1], "unlink") == 0 ? 1 : 2;
  fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) { perror(argv[2]); return 1; }
  while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
    long off = 0;
    for (; off < n; off += ((struct dent64 *)(buf + off))->reclen) {
      struct dent64 *d = (struct dent64 *)(buf + off);
      size_t len = strlen(d->name);
      struct stat st;
      char aside[300];
      if (len < 4 || strcasecmp(d->name + len - 4, ".tmp") != 0) continue;
      if (mode == 0) {
        if (fstatat(fd, d->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
          count++;
          bytes += (unsigned long long)st.st_size;
        }
      } else if (mode == 1) {
        if (d->type == DT_REG && unlinkat(fd, d->name, 0) == 0) count++;
      } else if (d->type == DT_REG) {
        snprintf(aside, sizeof aside, ".marsplay-deleting.%s", d->name);
        if (renameat2(fd, d->name, fd, aside, RENAME_NOREPLACE) != 0) continue;
        if (fstatat(fd, aside, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_ino == d->ino && unlinkat(fd, aside, 0) == 0) {
          count++;
          bytes += (unsigned long long)st.st_size;
        }
      }
    }
  }
  if (n < 0) { perror("getdents64"); return 1; }
  printf("%llu %llu\n", count, bytes);
  return 0;
}
