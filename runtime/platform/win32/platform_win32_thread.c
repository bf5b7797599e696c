/* platform_win32_thread.c - C11 threads (compat/threads.h) over Win32:
 * CreateThread, slim reader/writer locks (exclusive mode) and condition
 * variables.  Windows Vista and later. */
#include <windows.h>

#include <errno.h>
#include <stdlib.h>

#include "threads.h"

struct mp_thrd {
  HANDLE h;
  thrd_start_t fn;
  void *arg;
  int res;
};

static DWORD WINAPI start(LPVOID p) {
  struct mp_thrd *t = p;
  t->res = t->fn(t->arg);
  return 0;
}

int thrd_create(thrd_t *thr, thrd_start_t fn, void *arg) {
  struct mp_thrd *t = calloc(1, sizeof *t);
  if (t == NULL) return thrd_nomem;
  t->fn = fn;
  t->arg = arg;
  t->h = CreateThread(NULL, 0, start, t, 0, NULL);
  if (t->h == NULL) { free(t); return thrd_error; }
  *thr = t;
  return thrd_success;
}

int thrd_join(thrd_t thr, int *res) {
  if (WaitForSingleObject(thr->h, INFINITE) != WAIT_OBJECT_0) return thrd_error;
  if (res) *res = thr->res;
  CloseHandle(thr->h);
  free(thr);
  return thrd_success;
}

_Static_assert(sizeof(mtx_t) == sizeof(SRWLOCK), "mtx_t holds an SRWLOCK");
_Static_assert(sizeof(cnd_t) == sizeof(CONDITION_VARIABLE), "cnd_t holds a CONDITION_VARIABLE");

int mtx_init(mtx_t *m, int type) {
  if (type != mtx_plain) return thrd_error;
  InitializeSRWLock((SRWLOCK *)m);
  return thrd_success;
}
int mtx_lock(mtx_t *m) { AcquireSRWLockExclusive((SRWLOCK *)m); return thrd_success; }
int mtx_unlock(mtx_t *m) { ReleaseSRWLockExclusive((SRWLOCK *)m); return thrd_success; }
void mtx_destroy(mtx_t *m) { (void)m; }

int cnd_init(cnd_t *c) { InitializeConditionVariable((CONDITION_VARIABLE *)c); return thrd_success; }
int cnd_signal(cnd_t *c) { WakeConditionVariable((CONDITION_VARIABLE *)c); return thrd_success; }
int cnd_broadcast(cnd_t *c) { WakeAllConditionVariable((CONDITION_VARIABLE *)c); return thrd_success; }
void cnd_destroy(cnd_t *c) { (void)c; }

int cnd_wait(cnd_t *c, mtx_t *m) {
  return SleepConditionVariableSRW((CONDITION_VARIABLE *)c, (SRWLOCK *)m, INFINITE, 0)
         ? thrd_success : thrd_error;
}

int cnd_timedwait(cnd_t *c, mtx_t *m, const struct timespec *until) {
  struct timespec now;
  double ms;
  DWORD wait;
  if (timespec_get(&now, TIME_UTC) != TIME_UTC) return thrd_error;
  ms = (double)(until->tv_sec - now.tv_sec) * 1e3 + (double)(until->tv_nsec - now.tv_nsec) / 1e6;
  wait = ms <= 0 ? 0 : ms >= 4e9 ? INFINITE - 1 : (DWORD)ms;
  if (SleepConditionVariableSRW((CONDITION_VARIABLE *)c, (SRWLOCK *)m, wait, 0)) return thrd_success;
  return GetLastError() == ERROR_TIMEOUT ? thrd_timedout : thrd_error;
}
