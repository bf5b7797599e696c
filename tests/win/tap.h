/* tap.h - TAP output for the Windows tests (tests/win/test_*.c): one
 * "ok N - ..." / "not ok N - ..." line per CHECK; main prints the plan
 * with TAP_END() and exits 1 on any failure. */
#ifndef MP_TAP_H
#define MP_TAP_H

#include <stdio.h>

static int tap_failed, tap_count;

#define CHECK(cond, ...) do { \
    tap_count++; \
    if (cond) printf("ok %d - ", tap_count); \
    else { tap_failed++; printf("not ok %d - (%s:%d) ", tap_count, __FILE__, __LINE__); } \
    printf(__VA_ARGS__); printf("\n"); fflush(stdout); \
  } while (0)

#define TAP_END() (printf("1..%d\n", tap_count), tap_failed ? 1 : 0)

#endif
