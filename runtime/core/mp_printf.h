/* mp_printf.h - MP_PRINTF(f, a): check the printf-style format argument f
 * against the arguments from a on.  The checked format family is
 * MP_PRINTF_KIND: "printf" (the default), or "gnu_printf" where the
 * compiler's own "printf" means another C library's format (mingw-w64,
 * whose printf attribute is Microsoft's: CMake sets it for Windows builds,
 * with __USE_MINGW_ANSI_STDIO=1 so the C99 printf is the one called). */
#ifndef MP_PRINTF_H
#define MP_PRINTF_H

#ifndef MP_PRINTF_KIND
#define MP_PRINTF_KIND printf
#endif
#define MP_PRINTF(f, a) __attribute__((format(MP_PRINTF_KIND, f, a)))

#endif
