/* platform_posix_thread.c - threads and monitors (platform.h) over C11
 * <threads.h>, which glibc has. */
#include <stdlib.h>
#include <errno.h>
#include <threads.h>
#include <time.h>

#include "platform/platform.h"

struct plat_thread { thrd_t th; };
struct plat_monitor { mtx_t mu; cnd_t cv; };

int plat_thread_start(plat_thread **t, int (*fn)(void *), void *arg) {
  plat_thread *x = malloc(sizeof *x);
  int r;
  if (x == NULL) return -ENOMEM;
  r = thrd_create(&x->th, fn, arg);
  if (r != thrd_success) { free(x); return r == thrd_nomem ? -ENOMEM : -EAGAIN; }
  *t = x;
  return 0;
}

void plat_thread_join(plat_thread *t) {
  thrd_join(t->th, NULL);
  free(t);
}

int plat_monitor_new(plat_monitor **m) {
  plat_monitor *x = malloc(sizeof *x);
  if (x == NULL) return -ENOMEM;
  if (mtx_init(&x->mu, mtx_plain) != thrd_success) { free(x); return -ENOMEM; }
  if (cnd_init(&x->cv) != thrd_success) { mtx_destroy(&x->mu); free(x); return -ENOMEM; }
  *m = x;
  return 0;
}

void plat_monitor_free(plat_monitor *m) {
  if (m == NULL) return;
  cnd_destroy(&m->cv);
  mtx_destroy(&m->mu);
  free(m);
}

void plat_monitor_enter(plat_monitor *m) { mtx_lock(&m->mu); }
void plat_monitor_leave(plat_monitor *m) { mtx_unlock(&m->mu); }
void plat_monitor_wake(plat_monitor *m) { cnd_signal(&m->cv); }
void plat_monitor_wake_all(plat_monitor *m) { cnd_broadcast(&m->cv); }

void plat_monitor_wait(plat_monitor *m, double seconds) {
  struct timespec ts;
  long ns;
  if (seconds <= 0 || timespec_get(&ts, TIME_UTC) != TIME_UTC) {
    cnd_wait(&m->cv, &m->mu);
    return;
  }
  ts.tv_sec += (time_t)seconds;
  ns = ts.tv_nsec + (long)((seconds - (double)(time_t)seconds) * 1e9);
  if (ns >= 1000000000L) { ts.tv_sec++; ns -= 1000000000L; }
  ts.tv_nsec = ns;
  cnd_timedwait(&m->cv, &m->mu, &ts);
}
