/* events.c - what the runtime tells its host: the last error, notices,
 * events (each stamped with its time, secrets redacted) and progress,
 * through the callbacks of mp_config.  Below the engine and the sandbox,
 * which both report through here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mp_internal.h"

void mp_set_error(mp_runtime *rt, const char *fmt, ...) {
  va_list ap;
  char buf[2048];
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(rt->last_error);
  rt->last_error = mp_redacted_dup(rt, buf, NULL);
}

void mp_notice(mp_runtime *rt, const char *fmt, ...) {
  va_list ap;
  char buf[2048], *full = NULL, *red = NULL;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof buf && (full = malloc((size_t)n + 1)) != NULL) {
    va_start(ap, fmt);           /* whole, so that no secret is cut in two */
    vsnprintf(full, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  if (mp_redact_cstr(rt, full ? full : buf, &red) < 0) snprintf(buf, sizeof buf, "[redacted]");
  if (rt->cfg.cb.on_message) rt->cfg.cb.on_message(rt->cfg.cb.ud, red ? red : full ? full : buf);
  free(red);
  free(full);
}

void mp_emit_event(mp_runtime *rt, mp_value *event) {
  if (event == NULL) return;
  mp_redact_value(rt, event);
  if (rt->cfg.cb.on_event) {
    char ts[40];
    if (plat_utc_stamp((double)time(NULL), ts, sizeof ts) == 0)
      mpv_set(event, "time", mpv_cstr(ts));
    rt->cfg.cb.on_event(rt->cfg.cb.ud, event);
  }
  mpv_free(event);
}

void mp_progress(mp_runtime *rt, const char *what, double done, double total) {
  if (rt->cfg.cb.on_progress) rt->cfg.cb.on_progress(rt->cfg.cb.ud, what, done, total);
}
