/* win32.h - shared by the Windows backend's files (platform_win32*.c)
 * only: UTF-8 <-> UTF-16 through the system's converters, and the mapping
 * of Win32 error codes to the project's error kinds. */
#ifndef MP_WIN32_H
#define MP_WIN32_H

#include <windows.h>

#include <stddef.h>

/* UTF-8 s -> malloc'd NUL-terminated UTF-16 (invalid UTF-8 is refused,
 * -EILSEQ).  0 or a negative error kind. */
int w32_wide(const char *s, wchar_t **out);
/* UTF-16 w (wlen units, or -1 when NUL-terminated) -> UTF-8 in out
 * (NUL-terminated).  Its length, or -ENAMETOOLONG if out is too small,
 * -EILSEQ on an unpaired surrogate. */
int w32_utf8(const wchar_t *w, int wlen, char *out, size_t outsz);
/* The error kind (negative) for a GetLastError() code. */
int w32_err(DWORD code);

#endif
