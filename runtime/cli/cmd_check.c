/* cmd_check.c - marsplay check [--no-lint] PLAYBOOK...: validate
 * playbooks without running any check.
 *
 * Each playbook is loaded in the sandbox (its top-level code runs, as for
 * `marsplay list`) and its declared structure checked by the runner
 * (runner.lua M.check): ids, required fields, parameter specs,
 * dependencies, severities, error ids, texts in both languages.  Then
 * luacheck lints the file, with the nearest .luacheckrc (from the
 * playbook's folder up, then from the current folder up), when it is
 * installed.  Every problem is printed as "file:line: message".
 * Exit 0: no problem; 1: problems (or a playbook not found).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/value.h"
#include "platform/platform.h"

#define PATH_MAX_ 4096

static const char USAGE[] =
  "Usage: marsplay check [--no-lint] [--playbook-path DIRS] PLAYBOOK...\n"
  "\n"
  "Validate playbooks (files, or names) without running any check: load them\n"
  "in the sandbox, check ids, required fields, parameters, dependencies,\n"
  "severities, error ids and texts in en and pt-BR, and lint them with\n"
  "luacheck when it is installed (the nearest .luacheckrc applies).\n"
  "Problems are printed as file:line: message.  Exit 0 when there is none.\n";

/* Nearest .luacheckrc from dir upwards, into out; 0 if found. */
static int find_config(const char *dir, char *out, size_t outsz) {
  char cur[PATH_MAX_];
  char *real = plat_abs_path(dir);
  if (real == NULL) return -1;
  snprintf(cur, sizeof cur, "%s", real);
  free(real);
  for (;;) {
    char *slash;
    int n = snprintf(out, outsz, "%s/.luacheckrc", strcmp(cur, "/") == 0 ? "" : cur);
    if (n > 0 && (size_t)n < outsz && plat_readable(out)) return 0;
    slash = strrchr(cur, '/');
    if (slash == NULL || strcmp(cur, "/") == 0) return -1;
    if (slash == cur) slash[1] = '\0'; else *slash = '\0';
  }
}

/* Run luacheck on path; print its findings as shown:line: message.
 * Returns the number of problems, or -1 if luacheck is not installed. */
static int lint(const char *path, const char *shown) {
  const char *cmd = getenv("MARSPLAY_LUACHECK");
  char dir[PATH_MAX_], cfg[PATH_MAX_], line[4096];
  char *args[12];
  int n = 0, status, r, problems = 0, found;
  const char *slash = strrchr(path, '/');
  plat_child *child = NULL;
  FILE *in = NULL;
  if (cmd == NULL || *cmd == '\0') cmd = "luacheck";
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
  found = find_config(dir, cfg, sizeof cfg) == 0 || find_config(".", cfg, sizeof cfg) == 0;
  args[n++] = (char *)cmd;
  args[n++] = "--formatter";
  args[n++] = "plain";
  args[n++] = "--codes";
  args[n++] = "--no-color";
  if (found) {
    args[n++] = "--config";
    args[n++] = cfg;
  } else {
    args[n++] = "--no-config";
    args[n++] = "--std";
    args[n++] = "lua54";
  }
  args[n++] = (char *)path;
  args[n] = NULL;
  r = plat_spawn_reading(cmd, args, &in, &child);
  if (r == -PLAT_ENOENT) return -1;
  if (r < 0) { cli_error("check: %s: %s", cmd, plat_err_text(r)); return 1; }
  while (fgets(line, sizeof line, in)) {
    char *p, *q, *end;
    long ln, col;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n') line[--len] = '\0';
    /* "path:line:col: (W211) message" */
    p = strstr(line, path);
    if (p == line && line[strlen(path)] == ':') {
      q = line + strlen(path) + 1;
      ln = strtol(q, &end, 10);
      if (end != q && *end == ':') {
        col = strtol(end + 1, &q, 10);
        if (*q == ':') {
          printf("%s:%ld: luacheck %s (column %ld)\n", shown, ln, q[1] == ' ' ? q + 2 : q + 1, col);
          problems++;
          continue;
        }
      }
    }
    if (len) fprintf(stderr, PROG ": luacheck: %s\n", line);
  }
  fclose(in);
  status = plat_child_wait(child);
  if (status < 0 || status > 2) {
    if (status == 127 && problems == 0) return -1;
    printf("%s:1: luacheck failed (exit %d)\n", shown, status);
    problems++;
  }
  return problems;
}

/* Check one playbook; returns its number of problems. */
static int check_one(mp_runtime *rt, const char *arg, int do_lint, int *lint_missing) {
  char *err = NULL;
  mp_value *r = mp_check(rt, arg, &err);
  const mp_value *probs;
  const char *file, *shown;
  size_t i;
  int n = 0, l;
  if (r == NULL) {
    printf("%s:1: %s\n", arg, err ? err : "out of memory");
    free(err);
    return 1;
  }
  file = mpv_getstr(r, "file");
  shown = plat_readable(arg) ? arg : (file ? file : arg);
  probs = mp_value_get(r, "problems");
  for (i = 0; probs && i < mp_value_len(probs); i++) {
    const mp_value *p = mp_value_at(probs, i);
    const char *other = mpv_getstr(p, "file");
    if (other)
      printf("%s: %s\n", other, mpv_getstr(p, "message"));
    else
      printf("%s:%.0f: %s\n", shown, mpv_getnum(p, "line", 1), mpv_getstr(p, "message"));
    /* a file that does not compile: luacheck would only say it again */
    if (strncmp(mpv_getstr(p, "message") ? mpv_getstr(p, "message") : "", "cannot load:", 12) == 0)
      do_lint = 0;
    n++;
  }
  if (do_lint && file && !*lint_missing) {
    l = lint(file, shown);
    if (l < 0) {
      *lint_missing = 1;
      cli_warn("luacheck not found: lint skipped");
    } else {
      n += l;
    }
  }
  if (n == 0) printf("%s: ok\n", shown);
  mpv_free(r);
  return n;
}

int cmd_check(int argc, char **argv) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  char *err = NULL;
  int i, do_lint = 1, lint_missing = 0, total = 0, bad = 0, count = 0;
  cfg.playbook_path = getenv("MARSPLAY_PATH");
  cfg.lang = "en";
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--no-lint") == 0) do_lint = 0;
    else if (strcmp(argv[i], "--playbook-path") == 0 && i + 1 < argc) cfg.playbook_path = argv[++i];
    else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { fputs(USAGE, stdout); return 0; }
    else if (argv[i][0] == '-') { cli_error("check: unknown option %s (see marsplay check --help)", argv[i]); return MP_EXIT_ERROR; }
    else count++;
  }
  if (count == 0) {
    cli_error("check: no playbook given (usage: marsplay check PLAYBOOK...)");
    return MP_EXIT_ERROR;
  }
  rt = mp_new(&cfg, &err);
  if (rt == NULL) { cli_error("%s", err ? err : "cannot start"); free(err); return MP_EXIT_ERROR; }
  for (i = 1; i < argc; i++) {
    int n;
    if (argv[i][0] == '-') {
      if (strcmp(argv[i], "--playbook-path") == 0) i++;
      continue;
    }
    n = check_one(rt, argv[i], do_lint, &lint_missing);
    total += n;
    bad += n > 0;
  }
  mp_free(rt);
  if (total)
    printf("%d problem%s in %d of %d playbook%s\n", total, total == 1 ? "" : "s", bad, count,
           count == 1 ? "" : "s");
  else
    printf("%d playbook%s checked: no problems\n", count, count == 1 ? "" : "s");
  if (fflush(stdout) != 0) return MP_EXIT_ERROR;
  return total ? 1 : 0;
}
