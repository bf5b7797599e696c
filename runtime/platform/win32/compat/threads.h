/* threads.h - the part of C11 <threads.h> marsplay uses (threads, plain
 * mutexes, condition variables), for mingw-w64, whose C runtime has none.
 * Implemented over Win32 threads, slim reader/writer locks and condition
 * variables in platform/win32/platform_win32_thread.c.  Found before any
 * system header through the compat/ include folder of the Windows build. */
#ifndef MP_COMPAT_THREADS_H
#define MP_COMPAT_THREADS_H

#include <time.h>

enum { thrd_success = 0, thrd_nomem, thrd_timedout, thrd_busy, thrd_error };
enum { mtx_plain = 0, mtx_recursive = 1, mtx_timed = 2 };

typedef int (*thrd_start_t)(void *);
typedef struct mp_thrd *thrd_t;
/* Same sizes and layout as SRWLOCK / CONDITION_VARIABLE (one pointer). */
typedef struct { void *p; } mtx_t;
typedef struct { void *p; } cnd_t;

int thrd_create(thrd_t *thr, thrd_start_t fn, void *arg);
int thrd_join(thrd_t thr, int *res);

int mtx_init(mtx_t *m, int type);   /* mtx_plain only */
int mtx_lock(mtx_t *m);
int mtx_unlock(mtx_t *m);
void mtx_destroy(mtx_t *m);

int cnd_init(cnd_t *c);
int cnd_signal(cnd_t *c);
int cnd_broadcast(cnd_t *c);
int cnd_wait(cnd_t *c, mtx_t *m);
/* until: absolute TIME_UTC time (timespec_get). */
int cnd_timedwait(cnd_t *c, mtx_t *m, const struct timespec *until);
void cnd_destroy(cnd_t *c);

#endif
