/*
 * marsplay.h - embed the marsplay playbook runtime.
 *
 * A runtime runs Lua playbooks against a target (the live system or an
 * offline Windows volume mounted at a root folder), in a sandbox, and
 * hands every result to the host through callbacks.  The report is a
 * tree of mp_value nodes that the host may walk or serialise.
 *
 *   mp_config cfg = mp_config_default();
 *   cfg.root = "/mnt/c";  cfg.dry_run = 1;
 *   mp_runtime *rt = mp_new(&cfg, &err);
 *   mp_run(rt, "playbooks/cache.lua");
 *   int code = mp_exit_code(rt);
 *   mp_free(rt);
 */
#ifndef MARSPLAY_H
#define MARSPLAY_H

#include <stddef.h>

struct lua_State;

#ifdef __cplusplus
extern "C" {
#endif

#define MARSPLAY_VERSION "0.1.0"

/* Exit codes (the CLI's contract). */
enum {
  MP_EXIT_OK = 0,       /* healthy, or every problem fixed and verified */
  MP_EXIT_ERROR = 1,    /* usage, playbook or runtime error */
  MP_EXIT_FIXABLE = 2,  /* problems remain that marsplay can fix */
  MP_EXIT_MANUAL = 3,   /* problems remain that need manual action */
  MP_EXIT_FIXFAIL = 4,  /* a fix was attempted and failed or did not verify */
  MP_EXIT_NOTHING = 5   /* nothing was checked: every check was skipped */
};

/* ---- report values: a small JSON-like tree ---- */
typedef enum {
  MP_NULL, MP_BOOL, MP_NUMBER, MP_STRING, MP_ARRAY, MP_OBJECT
} mp_type;

typedef struct mp_value mp_value;

mp_type mp_value_type(const mp_value *v);
int mp_value_bool(const mp_value *v);
double mp_value_number(const mp_value *v);
/* String bytes (not necessarily UTF-8) and length; NULL if not a string. */
const char *mp_value_string(const mp_value *v, size_t *len);
size_t mp_value_len(const mp_value *v);                 /* array/object */
const mp_value *mp_value_at(const mp_value *v, size_t i); /* array item or object value */
const char *mp_value_key(const mp_value *v, size_t i);    /* object key */
const mp_value *mp_value_get(const mp_value *v, const char *key);
/* Serialise as JSON (invalid UTF-8 is escaped, never emitted raw).
 * Returns a malloc'd string the caller frees, or NULL on out of memory. */
char *mp_value_to_json(const mp_value *v, int pretty);

/* ---- callbacks ---- */
typedef struct mp_callbacks {
  void *ud;
  /* A check finished: its result object (id, title, status, ...). */
  void (*on_check)(void *ud, const char *playbook_id, const mp_value *check);
  /* A structured event for the log (detect, plan, action, result). */
  void (*on_event)(void *ud, const mp_value *event);
  /* Progress of a long operation: what, done and total (total 0 = unknown). */
  void (*on_progress)(void *ud, const char *what, double done, double total);
  /* A diagnostic for the operator (warnings, notices). */
  void (*on_message)(void *ud, const char *text);
} mp_callbacks;

/* ---- configuration ---- */
typedef struct mp_config {
  const char *root;          /* offline volume root, or NULL for live */
  int dry_run;               /* plan, change nothing */
  int no_fix;                /* detect only: fixable problems stay "fail" */
  const char *lang;          /* "en" or "pt-BR"; NULL: from the environment */
  double timeout;            /* seconds per check (0: none) */
  size_t mem_limit;          /* bytes of Lua heap (0: default 256 MiB) */
  const char *stdlib_dir;    /* NULL: located automatically */
  const char *playbook_path; /* extra playbook/module folders, ':'-separated
                                (';' on Windows, where ':' follows a drive letter) */
  const char *only;          /* comma-separated check ids, or NULL */
  const char *skip;          /* comma-separated check ids, or NULL */
  mp_callbacks cb;
} mp_config;

typedef struct mp_runtime mp_runtime;

mp_config mp_config_default(void);

/* Create a runtime.  On failure returns NULL and, if err is given, a
 * malloc'd message the caller frees. */
mp_runtime *mp_new(const mp_config *cfg, char **err);
void mp_free(mp_runtime *rt);

/* Playbook parameter (like --set KEY=VALUE). Returns 0 or -1. */
int mp_set_param(mp_runtime *rt, const char *key, const char *value);

/* Register a native function reachable from playbooks as
 * require("marsplay.host").<name>.  fn is a lua_CFunction. */
int mp_register(mp_runtime *rt, const char *name, int (*fn)(struct lua_State *));

/* Run one playbook (a path, or the name of a shipped playbook).
 * Returns the exit code this playbook alone would give. */
int mp_run(mp_runtime *rt, const char *playbook);

/* The combined exit code of every mp_run so far. */
int mp_exit_code(const mp_runtime *rt);
/* NULL when the target looks like a Windows system volume (it has a
 * Windows folder), else why not (a static English string). */
const char *mp_target_problem(mp_runtime *rt);

/* The whole report so far (tool, target, mode, playbooks, summary). */
const mp_value *mp_report(mp_runtime *rt);

/* Last error message (playbook load errors, ...), or NULL. */
const char *mp_last_error(const mp_runtime *rt);

/* Locate a playbook by path or by name ("cache") in --playbook-path and
 * the shipped playbooks; malloc'd path, or NULL. */
char *mp_find_playbook(const mp_runtime *rt, const char *name);

/* The folder of the shipped playbooks (NULL if not found). */
const char *mp_playbook_dir(const mp_runtime *rt);

/* Load a playbook without running checks: {id, title, anchor, file,
 * checks = [{id, title, severity, fixable, error_ids}]}.  Caller frees;
 * NULL with *err (malloc'd) on failure. */
mp_value *mp_describe(mp_runtime *rt, const char *playbook, char **err);
void mp_value_free(mp_value *v);

/* Make this process unable to write any file from now on (Landlock on
 * Linux); files already open stay writable.  For dry-runs: open the
 * report and log files first.  Returns 1 if the kernel enforces it, 0 if
 * it cannot (the report then carries a notice saying why). */
int mp_lockdown(mp_runtime *rt);

/* One run at a time per target: take an exclusive lock on the target's
 * root folder ("/" for the live system), waiting up to timeout seconds
 * (0: do not wait).  Nothing is written, so it works before or after
 * mp_lockdown.  Held until mp_free.  Returns 0, or -1 with
 * mp_last_error() naming the holder when it can be told. */
int mp_lock(mp_runtime *rt, double timeout);

/* Evaluate Lua code in a fresh sandbox (inspection only); the value it
 * returns, as a report value the caller frees, or NULL with *err set. */
mp_value *mp_eval(mp_runtime *rt, const char *code, char **err);

/* Validate a playbook without running any check (`marsplay check`):
 * {file, id, problems = [{line, message [, file]}]}, problems empty when
 * the playbook is clean.  Caller frees; NULL with *err (malloc'd) when
 * the playbook is not found. */
mp_value *mp_check(mp_runtime *rt, const char *playbook, char **err);

/* Waive known problems for every later mp_run: file holds one waiver a
 * line, "ID | justification" or "ID | until YYYY-MM-DD | justification"
 * (ID: playbook/check or check; '#' comments).  A waived fail, planned,
 * manual or fix-failed check gets status "waived" (waived_status, waiver,
 * waiver_until) and counts as healthy; an expired waiver waives nothing
 * (waiver_expired).  Returns the number of waivers, or -1 with *err
 * (malloc'd, "file:line: message") when the file is malformed. */
int mp_set_waivers(mp_runtime *rt, const char *file, char **err);

/* ---- fleets: reading saved JSON reports and merging many hosts' ---- */

/* Parse JSON text (strict RFC 8259; a UTF-8 or UTF-16 byte-order mark is
 * accepted) into a value the caller frees with mp_value_free.  NULL on
 * failure, with *err (malloc'd, "line L, column C: what") if err is given. */
mp_value *mp_json_parse(const char *text, size_t len, char **err);

/* Merge the reports of several hosts into one summary document (its JSON
 * Schema is schemas/merge.schema.json): per playbook and check, how many
 * hosts had each status and every host's result; the exit code follows
 * the usual rules over all hosts.  mp_merge_add copies what it needs from
 * report (a parsed JSON report, or mp_report()); label names the host
 * (NULL: the report's hostname, plus ":ROOT" for an offline volume);
 * a repeated label gets "#2", "#3"... appended.  It returns 0, or -1 with
 * *err (malloc'd) when the report is not a marsplay report, leaving the
 * merge as it was. */
typedef struct mp_merge mp_merge;
mp_merge *mp_merge_new(void);
int mp_merge_add(mp_merge *m, const mp_value *report, const char *label, char **err);
/* The same from JSON text (what `marsplay report merge` uses: the report
 * is read as a stream, never built as a tree).  A merged report (kind
 * "merge") is accepted too: its hosts, renamed as needed, and results are
 * added, so merging merged reports gives what one merge of all their
 * hosts' reports gives; label is not used for it.  Errors of the JSON
 * itself start "not valid JSON: ". */
int mp_merge_add_json(mp_merge *m, const char *text, size_t len, const char *label, char **err);
/* The same in two steps, so that reports can be parsed on other threads
 * while the merge adds them in order: mp_merge_input_parse reads JSON
 * text into an input (which keeps pointers into text: keep text until the
 * input is added or parsed again) and touches no merge;
 * mp_merge_add_input checks and adds it.  Both return 0 or -1 with *err. */
typedef struct mp_merge_input mp_merge_input;
mp_merge_input *mp_merge_input_new(void);
int mp_merge_input_parse(mp_merge_input *in, const char *text, size_t len, char **err);
int mp_merge_add_input(mp_merge *m, mp_merge_input *in, const char *label, char **err);
void mp_merge_input_free(mp_merge_input *in);
/* Write the merge as "json", "text" or "junit" in pieces to sink (which
 * returns 0, or nonzero to stop).  Returns the fleet's exit code (0-5),
 * or -1 on out of memory or a sink failure. */
int mp_merge_write(mp_merge *m, const char *format,
                   int (*sink)(void *ud, const char *p, size_t n), void *ud);
/* The merged document, valid until the next mp_merge_add or mp_merge_free;
 * NULL on out of memory. */
const mp_value *mp_merge_result(mp_merge *m);
void mp_merge_free(mp_merge *m);
/* A merged document as text for an operator, or as JUnit XML (one
 * testsuite per playbook, one testcase per check and host).  malloc'd,
 * NUL-terminated; NULL on out of memory or when merged is not a merged
 * document.  (Strings go through JSON: bytes that are not UTF-8 become
 * U+FFFD.) */
char *mp_merge_to_text(const mp_value *merged);
char *mp_merge_to_junit(const mp_value *merged);

#ifdef __cplusplus
}
#endif
#endif
