/* platform_win32_time.c - clocks: timespec_get (compat/mp_compat.h), and
 * platform.h's plat_now / plat_monotonic. */
#include <windows.h>

#include <time.h>

#include "platform/platform.h"

/* 100 ns intervals between 1601-01-01 (FILETIME) and 1970-01-01. */
#define EPOCH_DIFF 116444736000000000ULL

static unsigned long long filetime_now(void) {
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  return ((unsigned long long)ft.dwHighDateTime << 32 | ft.dwLowDateTime) - EPOCH_DIFF;
}

int timespec_get(struct timespec *ts, int base) {
  unsigned long long t;
  if (base != TIME_UTC) return 0;
  t = filetime_now();
  ts->tv_sec = (time_t)(t / 10000000ULL);
  ts->tv_nsec = (long)(t % 10000000ULL) * 100;
  return base;
}

double plat_now(void) { return (double)filetime_now() / 1e7; }

double plat_monotonic(void) {
  LARGE_INTEGER freq, c;
  QueryPerformanceFrequency(&freq);   /* fixed at boot; never fails since XP */
  QueryPerformanceCounter(&c);
  return (double)c.QuadPart / (double)freq.QuadPart;
}
