/* mp_compat.h - C library functions the project uses that mingw-w64's C
 * runtime (msvcrt) lacks.  The Windows build force-includes this header
 * in every source file (runtime/CMakeLists.txt), so no other file needs an
 * #ifdef; they are implemented in platform/win32/compat.c (string
 * functions, plain C) and platform_win32_time.c (timespec_get). */
#ifndef MP_COMPAT_H
#define MP_COMPAT_H

#include <stddef.h>
#include <time.h>

void *memmem(const void *hay, size_t haylen, const void *needle, size_t needlelen);
void *memrchr(const void *s, int c, size_t n);
char *strndup(const char *s, size_t n);
/* C11's; msvcrt's time.h declares them only for the UCRT. */
#ifndef TIME_UTC
#define TIME_UTC 1
#endif
int timespec_get(struct timespec *ts, int base);

#endif
