/* sink.c - where the runtime's callbacks go: the JSON-lines log, the
 * progress line on a terminal, notices on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/value.h"
#include "platform/platform.h"

static double now_s(void) { return plat_monotonic(); }

static void on_event(void *ud, const mp_value *ev) {
  cli_sink *s = ud;
  char *line;
  if (s->log == NULL || s->log_errno) return;
  line = mp_value_to_json(ev, 0);
  if (line == NULL) { s->log_errno = ENOMEM; return; }
  errno = 0;
  if (fputs(line, s->log) == EOF || fputc('\n', s->log) == EOF || fflush(s->log) != 0)
    s->log_errno = errno ? errno : EIO;
  free(line);
}

int cli_sink_close(cli_sink *s) {
  int e;
  if (s->log == NULL) return 0;
  e = s->log_errno;
  errno = 0;
  if (ferror(s->log) && e == 0) e = EIO;
  if (fclose(s->log) != 0 && e == 0) e = errno ? errno : EIO;
  s->log = NULL;
  if (e == 0) return 0;
  cli_progress_clear(s);
  fprintf(stderr, PROG ": --log %s: write failed: %s\n", s->log_path ? s->log_path : "?", strerror(e));
  return -1;
}

static void on_progress(void *ud, const char *what, double done, double total) {
  cli_sink *s = ud;
  double t;
  if (!s->progress) return;
  t = now_s();
  if (t - s->last_progress < 0.1) return;
  s->last_progress = t;
  if (total > 0)
    fprintf(stderr, "\r\033[K%s: %.0f / %.0f", what, done, total);
  else
    fprintf(stderr, "\r\033[K%s: %.0f", what, done);
  s->progress_shown = 1;
}

void cli_progress_clear(cli_sink *s) {
  if (s->progress_shown) {
    fputs("\r\033[K", stderr);
    s->progress_shown = 0;
  }
}

static void on_message(void *ud, const char *text) {
  cli_progress_clear(ud);
  fprintf(stderr, PROG ": %s\n", text);
}

void cli_install_callbacks(mp_config *cfg, cli_sink *sink) {
  cfg->cb.ud = sink;
  cfg->cb.on_event = on_event;
  cfg->cb.on_progress = on_progress;
  cfg->cb.on_message = on_message;
}
