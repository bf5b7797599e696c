/* getdents.c - the floor of case 1: count the names ending in ".tmp" in
 * one folder with nothing but open + getdents64 (no libc readdir, no
 * stat, no allocation).  Usage: getdents DIR [BUFSIZE] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct dent64 {
  unsigned long long ino;
  long long off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

static char buf[8 << 20];

int main(int argc, char **argv) {
  size_t bufsize = argc > 2 ? strtoul(argv[2], NULL, 0) : (1 << 20);
  long n, count = 0;
  int fd;
  if (argc < 2 || bufsize < 4096 || bufsize > sizeof buf) {
    fprintf(stderr, "usage: getdents DIR [BUFSIZE 4096..%zu]\n", sizeof buf);
    return 2;
  }
  fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) { perror(argv[1]); return 1; }
  while ((n = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
    long off = 0;
    while (off < n) {
      struct dent64 *d = (struct dent64 *)(buf + off);
      size_t len = strlen(d->name);
      if (len >= 4 && memcmp(d->name + len - 4, ".tmp", 4) == 0) count++;
      off += d->reclen;
    }
  }
  if (n < 0) { perror("getdents64"); return 1; }
  close(fd);
  printf("%ld\n", count);
  return 0;
}
