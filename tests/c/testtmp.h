/* testtmp.h - temporary names for the C tests: under $TMPDIR (CI runs the
 * suite once with TMPDIR on a tmpfs), else /tmp. */
#ifndef MP_TESTTMP_H
#define MP_TESTTMP_H

#include <stdio.h>
#include <stdlib.h>

/* Write "$TMPDIR/NAME-XXXXXX" into buf (for mkdtemp/mkstemp); 0 when it fits. */
static inline int test_tmpname(char *buf, size_t size, const char *name) {
  const char *t = getenv("TMPDIR");
  int n = snprintf(buf, size, "%s/%s-XXXXXX", t && *t ? t : "/tmp", name);
  return n > 0 && (size_t)n < size ? 0 : -1;
}

#endif
