/* platform_win32_thread.c - threads and monitors (platform.h) over Win32:
 * CreateThread, a slim reader/writer lock (exclusive mode) and a
 * condition variable.  Windows Vista and later. */
#include <errno.h>
#include <stdlib.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

struct plat_thread {
  HANDLE h;
  int (*fn)(void *);
  void *arg;
};
struct plat_monitor {
  SRWLOCK lock;
  CONDITION_VARIABLE cv;
};

static DWORD WINAPI start(LPVOID p) {
  plat_thread *t = p;
  t->fn(t->arg);
  return 0;
}

int plat_thread_start(plat_thread **t, int (*fn)(void *), void *arg) {
  plat_thread *x = malloc(sizeof *x);
  if (x == NULL) return -PLAT_ENOMEM;
  x->fn = fn;
  x->arg = arg;
  x->h = CreateThread(NULL, 0, start, x, 0, NULL);
  if (x->h == NULL) {
    int r = w32_err(GetLastError());
    free(x);
    return r == -PLAT_ENOMEM ? r : -PLAT_EAGAIN;
  }
  *t = x;
  return 0;
}

void plat_thread_join(plat_thread *t) {
  WaitForSingleObject(t->h, INFINITE);
  CloseHandle(t->h);
  free(t);
}

int plat_monitor_new(plat_monitor **m) {
  plat_monitor *x = malloc(sizeof *x);
  if (x == NULL) return -PLAT_ENOMEM;
  InitializeSRWLock(&x->lock);
  InitializeConditionVariable(&x->cv);
  *m = x;
  return 0;
}

void plat_monitor_free(plat_monitor *m) { free(m); }   /* nothing to destroy */
void plat_monitor_enter(plat_monitor *m) { AcquireSRWLockExclusive(&m->lock); }
void plat_monitor_leave(plat_monitor *m) { ReleaseSRWLockExclusive(&m->lock); }
void plat_monitor_wake(plat_monitor *m) { WakeConditionVariable(&m->cv); }
void plat_monitor_wake_all(plat_monitor *m) { WakeAllConditionVariable(&m->cv); }

void plat_monitor_wait(plat_monitor *m, double seconds) {
  DWORD ms = seconds <= 0 ? INFINITE : seconds >= 4e6 ? INFINITE - 1 : (DWORD)(seconds * 1000) + 1;
  /* a timeout or a spurious wake: the caller looks again */
  SleepConditionVariableSRW(&m->cv, &m->lock, ms, 0);
}
