/* live_win32.h - what the Win32 live backends (live_reg.c, live_svc.c,
 * live_sys.c, live_proxy.c) share beyond win32.h: a malloc'd UTF-8 copy
 * of UTF-16 text and the registry's and the SCM's own error codes as
 * error kinds. */
#ifndef MP_LIVE_WIN32_H
#define MP_LIVE_WIN32_H

#include "platform/win32/win32.h"

/* malloc'd UTF-8 copy of n UTF-16 units at w (n < 0: NUL-terminated),
 * or NULL (no memory, an unpaired surrogate). */
char *live_narrow(const wchar_t *w, int n);
/* The error kind (negative) of a registry or SCM error code (others as
 * w32_err). */
int live_werr(DWORD e);

#endif
