/* live_win32.h - what the Win32 live backends (live_reg.c, live_svc.c,
 * live_sys.c) share: UTF-8 <-> UTF-16 through the system's converter
 * and the mapping of Win32 error codes to the project's error kinds. */
#ifndef MP_LIVE_WIN32_H
#define MP_LIVE_WIN32_H

#include <windows.h>

/* malloc'd UTF-16 copy of s, or NULL (invalid UTF-8 or no memory). */
wchar_t *live_wide(const char *s);
/* malloc'd UTF-8 copy of n UTF-16 units at w (n < 0: NUL-terminated),
 * or NULL. */
char *live_narrow(const wchar_t *w, int n);
/* The error kind (negative) of a Win32 error code. */
int live_werr(DWORD e);

#endif
