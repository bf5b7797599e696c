/* platform_posix_thread.c - threads, a lock and a condition (platform.h),
 * on C11 <threads.h>. */
#include <stdlib.h>
#include <threads.h>

#include "platform/platform.h"

struct plat_sync { mtx_t mu; cnd_t cv; };
struct plat_thread { thrd_t th; };

plat_sync *plat_sync_new(void) {
  plat_sync *s = malloc(sizeof *s);
  if (s == NULL) return NULL;
  if (mtx_init(&s->mu, mtx_plain) != thrd_success) { free(s); return NULL; }
  if (cnd_init(&s->cv) != thrd_success) { mtx_destroy(&s->mu); free(s); return NULL; }
  return s;
}

void plat_sync_free(plat_sync *s) {
  if (s == NULL) return;
  cnd_destroy(&s->cv);
  mtx_destroy(&s->mu);
  free(s);
}

void plat_lock(plat_sync *s) { (void)mtx_lock(&s->mu); }
void plat_unlock(plat_sync *s) { (void)mtx_unlock(&s->mu); }
void plat_wait(plat_sync *s) { (void)cnd_wait(&s->cv, &s->mu); }
void plat_wake_all(plat_sync *s) { (void)cnd_broadcast(&s->cv); }

plat_thread *plat_thread_start(int (*fn)(void *), void *arg) {
  plat_thread *t = malloc(sizeof *t);
  if (t == NULL) return NULL;
  if (thrd_create(&t->th, fn, arg) != thrd_success) { free(t); return NULL; }
  return t;
}

void plat_thread_join(plat_thread *t) {
  if (t == NULL) return;
  (void)thrd_join(t->th, NULL);
  free(t);
}
