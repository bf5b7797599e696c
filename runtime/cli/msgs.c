/* msgs.c - the command's messages on stderr ("marsplay: ..."), one home
 * for every subcommand (main.c only dispatches). */
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"

static void say(const char *prefix, const char *fmt, va_list ap) MP_PRINTF(2, 0);

static void say(const char *prefix, const char *fmt, va_list ap) {
  fprintf(stderr, PROG ": %s", prefix);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say("", fmt, ap);
  va_end(ap);
}

void cli_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say("warning: ", fmt, ap);
  va_end(ap);
}
