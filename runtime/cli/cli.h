/* cli.h - the marsplay command's pieces. */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <stdio.h>
#include "marsplay.h"
#include "core/mp_printf.h"

#define PROG "marsplay"

/* Print "marsplay: message" on stderr (msgs.c). */
void cli_error(const char *fmt, ...) MP_PRINTF(1, 2);
void cli_warn(const char *fmt, ...) MP_PRINTF(1, 2);

/* Subcommands: each gets argc/argv after the subcommand's name. */
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_new(int argc, char **argv);     /* new NAME [--dir DIR] (cmd_new.c) */
int cmd_check(int argc, char **argv);   /* check PLAYBOOK... (cmd_check.c) */
int cmd_test(int argc, char **argv);    /* test [PATH...] (cmd_test.c) */
int cmd_report(int argc, char **argv);  /* report merge FILE... (cmd_report.c) */

/* The playbooks in DIR (full paths, sorted, NULL-terminated; no *_test.lua),
 * or NULL when DIR cannot be read (cmd_list.c).  Free with cli_catalogue_free. */
char **cli_catalogue(const char *dir, size_t *count);
void cli_catalogue_free(char **names);

/* Output sinks shared by subcommands. */
typedef struct cli_sink {
  FILE *log;          /* JSON-lines event log, or NULL */
  const char *log_path;
  int log_errno;      /* the first failed write to the log (then no more) */
  int progress;       /* show progress on stderr */
  double last_progress;
  int progress_shown;
} cli_sink;

void cli_install_callbacks(mp_config *cfg, cli_sink *sink);
void cli_progress_clear(cli_sink *sink);
/* Close the log; a write that failed at any time is said on stderr once.
 * Returns 0, or -1 after saying so. */
int cli_sink_close(cli_sink *sink);

#endif
