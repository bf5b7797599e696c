/* test_compat.c - the C library functions marsplay uses beyond C11's core
 * (memmem, memrchr, strndup, timespec_get), and platform.h's threads and
 * monitors (a lock with a condition, waited on with a deadline).  On
 * Linux the first are glibc's and the threads C11's; on Windows they are
 * platform/win32's (run under Wine by ctest). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/platform.h"

static void t_memmem(void **s) {
  static const char hay[] = "abcabcabd\0xyz";
  (void)s;
  assert_ptr_equal(memmem(hay, sizeof hay - 1, "abd", 3), hay + 6);
  assert_ptr_equal(memmem(hay, sizeof hay - 1, "xyz", 3), hay + 10);  /* past a NUL */
  assert_ptr_equal(memmem(hay, sizeof hay - 1, "", 0), hay);
  assert_null(memmem(hay, sizeof hay - 1, "abe", 3));
  assert_null(memmem(hay, 2, "abc", 3));                               /* longer than hay */
  assert_null(memmem(hay, 8, "abd", 3));                               /* cut before it */
  assert_ptr_equal(memmem("aaab", 4, "aab", 3), (const char *)"aaab" + 1);
}

static void t_memrchr(void **s) {
  static const char b[] = "a/b/c";
  (void)s;
  assert_ptr_equal(memrchr(b, '/', 5), b + 3);
  assert_ptr_equal(memrchr(b, '/', 3), b + 1);
  assert_ptr_equal(memrchr(b, 'a', 5), b);
  assert_ptr_equal(memrchr(b, 'c', 5), b + 4);          /* the last byte */
  assert_null(memrchr(b, 'x', 5));
  assert_null(memrchr(b, 'a', 0));
}

static void t_strndup(void **s) {
  char *d;
  (void)s;
  d = strndup("hello", 3);
  assert_non_null(d);
  assert_string_equal(d, "hel");
  free(d);
  d = strndup("hi", 10);
  assert_non_null(d);
  assert_string_equal(d, "hi");
  free(d);
}

static void t_timespec(void **s) {
  struct timespec a;
  (void)s;
  assert_int_equal(timespec_get(&a, TIME_UTC), TIME_UTC);
  assert_true(a.tv_sec > 1700000000);       /* after November 2023 */
  assert_true(a.tv_nsec >= 0 && a.tv_nsec < 1000000000L);
}

#define NTHREADS 4
#define COUNT 1000000
typedef struct shared {
  plat_monitor *m;
  long count;
  int started, done;
} shared;

static int worker(void *p) {
  shared *sh = p;
  int i;
  /* Start counting together, so the threads overlap. */
  plat_monitor_enter(sh->m);
  sh->started++;
  plat_monitor_wake_all(sh->m);
  while (sh->started < NTHREADS) plat_monitor_wait(sh->m, 0);
  plat_monitor_leave(sh->m);
  for (i = 0; i < COUNT; i++) {
    plat_monitor_enter(sh->m);
    sh->count++;
    plat_monitor_leave(sh->m);
  }
  plat_monitor_enter(sh->m);
  sh->done++;
  plat_monitor_leave(sh->m);
  return 7;
}

static void t_threads(void **s) {
  shared sh;
  plat_thread *t[NTHREADS];
  int i;
  (void)s;
  memset(&sh, 0, sizeof sh);
  assert_int_equal(plat_monitor_new(&sh.m), 0);
  for (i = 0; i < NTHREADS; i++) assert_int_equal(plat_thread_start(&t[i], worker, &sh), 0);
  plat_monitor_enter(sh.m);
  while (sh.started < NTHREADS) plat_monitor_wait(sh.m, 0);
  plat_monitor_leave(sh.m);
  for (i = 0; i < NTHREADS; i++) plat_thread_join(t[i]);
  assert_int_equal(sh.done, NTHREADS);                      /* join waited for each */
  assert_int_equal(sh.count, (long)NTHREADS * COUNT);       /* no increment lost: the lock excludes */
  plat_monitor_free(sh.m);
}

static void t_timedwait(void **s) {
  plat_monitor *m;
  (void)s;
  assert_int_equal(plat_monitor_new(&m), 0);
  plat_monitor_enter(m);
  plat_monitor_wait(m, 0.01);               /* nobody wakes it: returns after the wait */
  plat_monitor_leave(m);
  plat_monitor_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(t_memmem), cmocka_unit_test(t_memrchr), cmocka_unit_test(t_strndup),
    cmocka_unit_test(t_timespec), cmocka_unit_test(t_threads), cmocka_unit_test(t_timedwait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
