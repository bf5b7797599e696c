/* test_compat.c - the C library functions marsplay uses beyond C11's core
 * (memmem, memrchr, strndup, timespec_get) and C11 threads (threads,
 * mutexes, condition variables with a deadline).  On Linux they are
 * glibc's; on Windows platform/win32's (run under Wine by ctest). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

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
  mtx_t mu;
  cnd_t cv;
  long count;
  int started;
} shared;

static int worker(void *p) {
  shared *sh = p;
  int i;
  /* Start counting together, so the threads overlap. */
  mtx_lock(&sh->mu);
  sh->started++;
  cnd_broadcast(&sh->cv);
  while (sh->started < NTHREADS) cnd_wait(&sh->cv, &sh->mu);
  mtx_unlock(&sh->mu);
  for (i = 0; i < COUNT; i++) {
    mtx_lock(&sh->mu);
    sh->count++;
    mtx_unlock(&sh->mu);
  }
  return 7;
}

static void t_threads(void **s) {
  shared sh;
  thrd_t t[NTHREADS];
  int i, res;
  (void)s;
  memset(&sh, 0, sizeof sh);
  assert_int_equal(mtx_init(&sh.mu, mtx_plain), thrd_success);
  assert_int_equal(cnd_init(&sh.cv), thrd_success);
  for (i = 0; i < NTHREADS; i++) assert_int_equal(thrd_create(&t[i], worker, &sh), thrd_success);
  mtx_lock(&sh.mu);
  while (sh.started < NTHREADS) assert_int_equal(cnd_wait(&sh.cv, &sh.mu), thrd_success);
  mtx_unlock(&sh.mu);
  for (i = 0; i < NTHREADS; i++) {
    assert_int_equal(thrd_join(t[i], &res), thrd_success);
    assert_int_equal(res, 7);
  }
  assert_int_equal(sh.count, (long)NTHREADS * COUNT);       /* no increment lost: the mutex excludes */
  cnd_destroy(&sh.cv);
  mtx_destroy(&sh.mu);
}

static void t_timedwait(void **s) {
  mtx_t mu;
  cnd_t cv;
  struct timespec until;
  (void)s;
  assert_int_equal(mtx_init(&mu, mtx_plain), thrd_success);
  assert_int_equal(cnd_init(&cv), thrd_success);
  assert_int_equal(timespec_get(&until, TIME_UTC), TIME_UTC);
  until.tv_sec -= 1;                        /* already past: returns at once */
  mtx_lock(&mu);
  assert_int_equal(cnd_timedwait(&cv, &mu, &until), thrd_timedout);
  mtx_unlock(&mu);
  cnd_destroy(&cv);
  mtx_destroy(&mu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(t_memmem), cmocka_unit_test(t_memrchr), cmocka_unit_test(t_strndup),
    cmocka_unit_test(t_timespec), cmocka_unit_test(t_threads), cmocka_unit_test(t_timedwait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
