/* compat.c - C library functions mingw-w64's runtime lacks (declared in
 * compat/mp_compat.h); plain C, no system call. */
#include <stdlib.h>
#include <string.h>

#include "mp_compat.h"

void *memmem(const void *hay, size_t haylen, const void *needle, size_t needlelen) {
  const unsigned char *h = hay, *n = needle;
  size_t i;
  if (needlelen == 0) return (void *)hay;
  if (haylen < needlelen) return NULL;
  for (i = 0; i + needlelen <= haylen; i++) {
    const unsigned char *p = memchr(h + i, n[0], haylen - needlelen + 1 - i);
    if (p == NULL) return NULL;
    i = (size_t)(p - h);
    if (memcmp(p, n, needlelen) == 0) return (void *)p;
  }
  return NULL;
}

void *memrchr(const void *s, int c, size_t n) {
  const unsigned char *p = s;
  while (n > 0) {
    n--;
    if (p[n] == (unsigned char)c) return (void *)(p + n);
  }
  return NULL;
}

char *strndup(const char *s, size_t n) {
  size_t len = 0;
  char *d;
  while (len < n && s[len]) len++;
  d = malloc(len + 1);
  if (d == NULL) return NULL;
  memcpy(d, s, len);
  d[len] = '\0';
  return d;
}
