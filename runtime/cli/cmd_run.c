/* cmd_run.c - marsplay [options] PLAYBOOK... */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/value.h"
#include "platform/platform.h"
#include "report/report.h"

static const char USAGE[] =
  "Usage: marsplay [options] PLAYBOOK...\n"
  "       marsplay list [--playbook-path DIRS]\n"
  "       marsplay lab DIR [--fault NAME]...  |  marsplay lab --list-faults\n"
  "       marsplay new NAME [--dir DIR]  |  check PLAYBOOK...  |  test [PATH...]\n"
  "       marsplay report merge [--format text|json|junit] [--output FILE] REPORT.json...\n"
  "       marsplay eval [--root DIR] 'LUA CODE'   run Lua in the playbook sandbox and\n"
  "                                              print what it returns as JSON\n"
  "\n"
  "Run remediation playbooks (files, or names of shipped playbooks; 'all', or\n"
  "none with --root, runs every shipped playbook) against this system or an\n"
  "offline Windows volume.\n"
  "\n"
  "Options:\n"
  "  --dry-run              detect and plan fixes, change nothing\n"
  "  --no-fix               detect only: fixable problems are reported as fail\n"
  "  --root DIR             target: DIR is the system volume (C:\\ maps to DIR);\n"
  "                         default: the live system\n"
  "  --set KEY=VALUE        playbook parameter (repeatable); KEY must be declared\n"
  "                         by a selected playbook\n"
  "  --only ID[,ID...]      run only these checks; each ID must be a check of a\n"
  "                         selected playbook\n"
  "  --skip ID[,ID...]      do not run these checks\n"
  "  --format text|json     report on stdout (default text)\n"
  "  --junit FILE           also write a JUnit XML report\n"
  "  --log FILE             append a JSON-lines event log\n"
  "  --timeout SECONDS      time budget per check (default 60)\n"
  "  --waivers FILE         waive known problems: lines 'ID | [until YYYY-MM-DD |] why'\n"
  "  --lock-timeout SECONDS wait this long for another run on the same target\n"
  "                         to end (default 30; 0: do not wait)\n"
  "  --lang en|pt-BR        language of the report (default from LANG)\n"
  "  --playbook-path DIRS   '" PLAT_PATH_LIST_SEP "'-separated folders searched for playbooks and\n"
  "                         modules (also $MARSPLAY_PATH)\n"
  "  --color auto|always|never\n"
  "  -V, --version          print the version and exit\n"
  "  -h, --help             print this help and exit\n"
  "\n"
  "Exit codes: 0 healthy or all fixed; 1 error; 2 fixable problems remain;\n"
  "3 problems need manual action; 4 a fix failed or did not verify;\n"
  "5 nothing was checked (every check was skipped: not a Windows server with\n"
  "the MARS agent, or --root is needed).\n";

enum { O_DRY = 256, O_NOFIX, O_ROOT, O_SET, O_ONLY, O_SKIP, O_FORMAT, O_JUNIT,
       O_LOG, O_TIMEOUT, O_LANG, O_PBPATH, O_COLOR, O_LOCKTO, O_WAIVERS };

static const struct option LONGOPTS[] = {
  {"dry-run", no_argument, NULL, O_DRY},
  {"no-fix", no_argument, NULL, O_NOFIX},
  {"root", required_argument, NULL, O_ROOT},
  {"set", required_argument, NULL, O_SET},
  {"only", required_argument, NULL, O_ONLY},
  {"skip", required_argument, NULL, O_SKIP},
  {"format", required_argument, NULL, O_FORMAT},
  {"junit", required_argument, NULL, O_JUNIT},
  {"log", required_argument, NULL, O_LOG},
  {"timeout", required_argument, NULL, O_TIMEOUT},
  {"lang", required_argument, NULL, O_LANG},
  {"playbook-path", required_argument, NULL, O_PBPATH},
  {"color", required_argument, NULL, O_COLOR},
  {"colour", required_argument, NULL, O_COLOR},
  {"lock-timeout", required_argument, NULL, O_LOCKTO},
  {"waivers", required_argument, NULL, O_WAIVERS},
  {"version", no_argument, NULL, 'V'},
  {"help", no_argument, NULL, 'h'},
  {NULL, 0, NULL, 0}};

typedef struct run_opts {
  mp_config cfg;
  const char *format, *junit, *log, *color;
  const char *waivers;   /* --waivers FILE */
  char **sets;
  int nsets;
  double lock_timeout;   /* --lock-timeout: seconds to wait for the target */
} run_opts;

static int parse_timeout(const char *s, double *out) {
  char *end;
  double v;
  errno = 0;
  v = strtod(s, &end);
  if (errno || end == s || *end || v < 0 || v > 86400) return -1;
  *out = v;
  return 0;
}

/* Say which option lacks its value, or that an option is unknown. */
static void missing_or_unknown(const char *arg, int opt) {
  const struct option *o;
  size_t n = strcspn(arg + 2, "=");
  if (strncmp(arg, "--", 2) == 0) {
    for (o = LONGOPTS; o->name; o++)
      if (o->has_arg == required_argument && strlen(o->name) == n &&
          strncmp(o->name, arg + 2, n) == 0 && arg[2 + n] == '\0') {
        cli_error("option --%s needs a value (see --help)", o->name);
        return;
      }
    cli_error("%s: unknown option (see --help)", arg);
  } else if (opt) {
    cli_error("option -%c: unknown (see --help)", opt);
  } else {
    cli_error("%s: unknown option (see --help)", arg);
  }
}

/* Parse the options shared by run-like commands; returns -1 on a usage
 * error (already reported), 1 if the command is done (help/version). */
static int parse(int argc, char **argv, run_opts *o) {
  int c;
  o->cfg = mp_config_default();
  o->format = "text";
  o->color = "auto";
  o->lock_timeout = 30;
  o->cfg.playbook_path = getenv("MARSPLAY_PATH");
  o->sets = calloc((size_t)argc + 1, sizeof *o->sets);
  if (o->sets == NULL) { cli_error("out of memory"); return -1; }
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, ":Vh", LONGOPTS, NULL)) != -1) {
    if (c >= O_DRY && optarg && strncmp(optarg, "--", 2) == 0 && strlen(optarg) > 2) {
      const struct option *lo = LONGOPTS;   /* "--root --dry-run": the value is missing */
      while (lo->name && lo->val != c) lo++;
      cli_error("option --%s needs a value (got the option %s; see --help)",
                lo->name ? lo->name : "?", optarg);
      return -1;
    }
    switch (c) {
      case O_DRY: o->cfg.dry_run = 1; break;
      case O_NOFIX: o->cfg.no_fix = 1; break;
      case O_ROOT: o->cfg.root = optarg; break;
      case O_SET:
        if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
          cli_error("--set %s: expected KEY=VALUE", optarg);
          return -1;
        }
        o->sets[o->nsets++] = optarg;
        break;
      case O_ONLY: o->cfg.only = optarg; break;
      case O_SKIP: o->cfg.skip = optarg; break;
      case O_FORMAT:
        if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
          cli_error("--format %s: expected text or json", optarg);
          return -1;
        }
        o->format = optarg;
        break;
      case O_JUNIT: o->junit = optarg; break;
      case O_LOG: o->log = optarg; break;
      case O_TIMEOUT:
        if (parse_timeout(optarg, &o->cfg.timeout) != 0) {
          cli_error("--timeout %s: expected seconds between 0 and 86400", optarg);
          return -1;
        }
        break;
      case O_LANG:
        if (strcmp(optarg, "en") != 0 && strcmp(optarg, "pt-BR") != 0) {
          cli_error("--lang %s: expected en or pt-BR", optarg);
          return -1;
        }
        o->cfg.lang = optarg;
        break;
      case O_PBPATH: o->cfg.playbook_path = optarg; break;
      case O_COLOR:
        if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
          cli_error("--color %s: expected auto, always or never", optarg);
          return -1;
        }
        o->color = optarg;
        break;
      case O_LOCKTO:
        if (parse_timeout(optarg, &o->lock_timeout) != 0) {
          cli_error("--lock-timeout %s: expected seconds between 0 and 86400", optarg);
          return -1;
        }
        break;
      case O_WAIVERS: o->waivers = optarg; break;
      case 'V': printf("marsplay %s\n", MARSPLAY_VERSION); return 1;
      case 'h': fputs(USAGE, stdout); return 1;
      case ':': case '?': default:
        missing_or_unknown(argv[optind - 1], optopt);
        return -1;
    }
  }
  return 0;
}

static int use_colour(const char *mode) {
  const char *nc = getenv("NO_COLOR");
  if (strcmp(mode, "always") == 0) return 1;
  if (strcmp(mode, "never") == 0) return 0;
  if (nc && *nc) return 0;
  return plat_is_terminal(stdout);
}

static int write_junit(const mp_value *report, FILE *f, const char *path) {
  int r = mp_report_write_junit(report, f);
  if (fclose(f) != 0 || r != 0) { cli_error("--junit %s: write failed", path); return -1; }
  return 0;
}

/* Create the runtime for options o, with the sinks and parameters. */
static mp_runtime *make_runtime(run_opts *o, cli_sink *sink) {
  char *err = NULL;
  mp_runtime *rt;
  int i;
  memset(sink, 0, sizeof *sink);
  if (o->log) {
    sink->log = fopen(o->log, "a");
    sink->log_path = o->log;
    if (sink->log == NULL) { cli_error("--log %s: %s", o->log, strerror(errno)); return NULL; }
  }
  sink->progress = plat_is_terminal(stderr) && strcmp(o->format, "text") == 0;
  cli_install_callbacks(&o->cfg, sink);
  rt = mp_new(&o->cfg, &err);
  if (rt == NULL) {
    cli_error("%s", err ? err : "cannot start");
    free(err);
    return NULL;
  }
  for (i = 0; i < o->nsets; i++) {
    char *eq = strchr(o->sets[i], '=');
    *eq = '\0';
    if (mp_set_param(rt, o->sets[i], eq + 1) != 0) {
      cli_error("out of memory");
      mp_free(rt);
      return NULL;
    }
    *eq = '=';
  }
  if (o->waivers && mp_set_waivers(rt, o->waivers, &err) < 0) {
    cli_error("%s", err ? err : "out of memory");
    free(err);
    mp_free(rt);
    return NULL;
  }
  return rt;
}

/* Say which waivers expired (their checks count again). */
static void warn_expired(const mp_value *report) {
  const mp_value *pbs = mp_value_get(report, "playbooks");
  size_t i, j;
  for (i = 0; pbs && i < mp_value_len(pbs); i++) {
    const mp_value *pb = mp_value_at(pbs, i), *checks = mp_value_get(pb, "checks");
    for (j = 0; checks && j < mp_value_len(checks); j++) {
      const mp_value *c = mp_value_at(checks, j);
      const char *until = mp_value_string(mp_value_get(c, "waiver_expired"), NULL);
      if (until)
        cli_warn("the waiver of %s/%s expired on %s: it is %s again",
                 mp_value_string(mp_value_get(pb, "id"), NULL),
                 mp_value_string(mp_value_get(c, "id"), NULL), until,
                 mp_value_string(mp_value_get(c, "status"), NULL));
    }
  }
}

/* A playbook that could not be loaded or run is said on stderr too (the
 * report on stdout may go to a file or a pipe nobody reads). */
static void warn_load_errors(const mp_value *report) {
  const mp_value *pbs = mp_value_get(report, "playbooks");
  size_t i;
  for (i = 0; pbs && i < mp_value_len(pbs); i++) {
    const mp_value *pb = mp_value_at(pbs, i);
    const char *err = mp_value_string(mp_value_get(pb, "error"), NULL);
    const char *file = mp_value_string(mp_value_get(pb, "file"), NULL);
    if (err == NULL) continue;
    if (file == NULL) file = mp_value_string(mp_value_get(pb, "id"), NULL);
    cli_error("playbook %s could not run: %s", file ? file : "?", err);
  }
}

/* The playbooks to run: the arguments, with "all" (or no argument with
 * --root) standing for every shipped playbook.  NULL-terminated; the
 * strings belong to argv or to *owned. */
static const char **playbook_list(mp_runtime *rt, int argc, char **argv, int first, int root,
                                  char ***owned, size_t *count) {
  size_t n = 0, ncat = 0, i;
  const char **list;
  int k, want_all = first >= argc && root;
  *owned = NULL;
  for (k = first; k < argc; k++) want_all |= strcmp(argv[k], "all") == 0;
  if (want_all && mp_playbook_dir(rt)) *owned = cli_catalogue(mp_playbook_dir(rt), &ncat);
  list = calloc((size_t)argc + ncat + 1, sizeof *list);
  if (list == NULL) return NULL;
  if (first >= argc)
    for (i = 0; i < ncat; i++) list[n++] = (*owned)[i];
  for (k = first; k < argc; k++) {
    if (strcmp(argv[k], "all") != 0) list[n++] = argv[k];
    else
      for (i = 0; i < ncat; i++) list[n++] = (*owned)[i];
  }
  *count = n;
  return list;
}

/* Edit distance of two short strings (for "did you mean"). */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), i, j, row[65];
  if (la > 64 || lb > 64) return (size_t)-1;
  for (j = 0; j <= lb; j++) row[j] = j;
  for (i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (j = 1; j <= lb; j++) {
      size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      diag = up;
      row[j] = best;
    }
  }
  return row[lb];
}

/* Add name to the array set if it is not there yet. */
static void add_name(mp_value *set, const char *name) {
  size_t m;
  for (m = 0; name && m < mp_value_len(set); m++)
    if (strcmp(mp_value_string(mp_value_at(set, m), NULL), name) == 0) return;
  if (name) mpv_push(set, mpv_cstr(name));
}

/* Of the playbooks: their ids, parameters, check ids ("pb/check" and
 * "check"), and each check id with the playbooks that have it (owners:
 * an object); each output is optional.  -1 when one of them does not
 * load (the run reports it). */
static int collect(mp_runtime *rt, const char *const *pbs, size_t npb, mp_value *ids,
                   mp_value *params, mp_value *checks, mp_value *owners) {
  size_t i, j;
  for (i = 0; i < npb; i++) {
    char *err = NULL, id[256];
    mp_value *d = mp_describe(rt, pbs[i], &err);
    const mp_value *ps = mp_value_get(d, "params"), *cs = mp_value_get(d, "checks");
    const char *pb = mpv_getstr(d, "id") ? mpv_getstr(d, "id") : "";
    free(err);
    if (d == NULL) return -1;
    if (ids) add_name(ids, pb);
    for (j = 0; params && j < mp_value_len(ps); j++)
      add_name(params, mp_value_string(mp_value_at(ps, j), NULL));
    for (j = 0; j < mp_value_len(cs); j++) {
      const char *c = mpv_getstr(mp_value_at(cs, j), "id");
      mp_value *who;
      if (c == NULL) continue;
      if (checks) {
        add_name(checks, c);
        snprintf(id, sizeof id, "%s/%s", pb, c);
        add_name(checks, id);
      }
      if (owners == NULL) continue;
      if ((who = mpv_getm(owners, c)) == NULL && mpv_set(owners, c, mpv_arr()) == 0)
        who = mpv_getm(owners, c);
      if (who) add_name(who, pb);
    }
    mpv_free(d);
  }
  return 0;
}

/* "a, b, c" of the names in set (into buf). */
static const char *joined(const mp_value *set, char *buf, size_t size) {
  size_t i, used = 0;
  buf[0] = '\0';
  for (i = 0; i < mp_value_len(set) && used + 1 < size; i++) {
    int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                     mp_value_string(mp_value_at(set, i), NULL));
    if (w < 0) break;
    used += (size_t)w < size - used ? (size_t)w : size - used - 1;
  }
  return used ? buf : "none";
}

/* Each of names must be one of known (an array of names, or an object
 * whose keys are the names and whose values list the playbooks that have
 * them); for each that is not, one error on stderr naming it, the nearest
 * known name (and its playbooks) and `tail` ("known: ...").  0, or -1. */
static int check_known(const char *opt, const char *what, const mp_value *names,
                       const mp_value *known, const char *tail) {
  int obj = mp_value_type(known) == MP_OBJECT, rc = 0;
  size_t i, j;
  char who[512];
  for (i = 0; i < mp_value_len(names); i++) {
    const char *name = mp_value_string(mp_value_at(names, i), NULL), *best = NULL;
    size_t bestd = (size_t)-1, bestj = 0;
    for (j = 0; j < mp_value_len(known); j++) {
      const char *cand = obj ? mp_value_key(known, j) : mp_value_string(mp_value_at(known, j), NULL);
      size_t d = distance(name, cand);
      if (d == 0) break;
      if (d < bestd) { bestd = d; best = cand; bestj = j; }
    }
    if (j < mp_value_len(known)) continue;
    if (best && bestd <= 3 && obj)
      cli_error("%s %s: no selected playbook has this %s; did you mean %s (in %s)? (%s)", opt, name,
                what, best, joined(mp_value_at(known, bestj), who, sizeof who), tail);
    else if (best && bestd <= 3)
      cli_error("%s %s: no selected playbook has this %s; did you mean %s? (%s)", opt, name, what,
                best, tail);
    else
      cli_error("%s %s: no selected playbook has this %s (%s)", opt, name, what, tail);
    rc = -1;
  }
  return rc;
}

/* Every --set KEY must be a parameter of a selected playbook and every
 * --only ID a check of one: else exit 1 naming the nearest.  When a
 * playbook does not load, the run reports that and names are not judged. */
static int check_names(mp_runtime *rt, const run_opts *o, const char **pbs, size_t npb) {
  mp_value *params = mpv_arr(), *owners = mpv_obj(), *names = mpv_arr(), *sel = mpv_arr();
  size_t i;
  int k, rc = -1;
  char list[2048], tail[2100];
  if (params == NULL || owners == NULL || names == NULL || sel == NULL) goto done;
  rc = 0;
  if (collect(rt, pbs, npb, sel, params, NULL, owners) != 0) goto done;
  for (k = 0; k < o->nsets; k++) {
    size_t klen = strcspn(o->sets[k], "=");
    mpv_push(names, mpv_str(o->sets[k], klen));
  }
  snprintf(tail, sizeof tail, "known: %s", joined(params, list, sizeof list));
  rc = check_known("--set", "parameter", names, params, tail);
  mpv_free(names);
  if ((names = mpv_arr()) == NULL) { rc = -1; goto done; }
  for (i = 0; o->cfg.only && o->cfg.only[i];) {   /* split as the runner does */
    size_t n = strcspn(o->cfg.only + i, ", \t\r\n\v\f");
    if (n) mpv_push(names, mpv_str(o->cfg.only + i, n));
    i += n ? n : 1;
  }
  snprintf(tail, sizeof tail, "selected: %s; 'marsplay list' shows their checks",
           joined(sel, list, sizeof list));
  if (check_known("--only", "check", names, owners, tail) != 0) rc = -1;
done:
  mpv_free(params);
  mpv_free(owners);
  mpv_free(names);
  mpv_free(sel);
  return rc;
}

/* Say on stderr which waivers name no check of the selected or shipped
 * playbooks (a typo waives nothing).  The file was validated already. */
static void warn_unmatched_waivers(mp_runtime *rt, const char *file, const char **pbs,
                                   size_t npb) {
  mp_value *known = mpv_arr();
  char **cat = NULL, line[1024];
  size_t ncat = 0;
  FILE *f;
  int ln = 0;
  if (known == NULL) return;
  if (mp_playbook_dir(rt)) cat = cli_catalogue(mp_playbook_dir(rt), &ncat);
  if (collect(rt, pbs, npb, NULL, NULL, known, NULL) == 0 &&
      (cat == NULL || collect(rt, (const char *const *)cat, ncat, NULL, NULL, known, NULL) == 0) &&
      (f = fopen(file, "r")) != NULL) {
    while (fgets(line, sizeof line, f)) {
      char *id = line, *end;
      size_t j;
      ln++;
      id += strspn(id, " \t\r\n");
      if (ln == 1 && strncmp(id, "\xef\xbb\xbf", 3) == 0) id += 3;
      if (*id == '#' || *id == '\0' || (end = strchr(id, '|')) == NULL) continue;
      while (end > id && (end[-1] == ' ' || end[-1] == '\t')) end--;
      *end = '\0';
      for (j = 0; j < mp_value_len(known); j++)
        if (strcmp(mp_value_string(mp_value_at(known, j), NULL), id) == 0) break;
      if (j == mp_value_len(known))
        cli_warn("%s:%d: the waiver %s matches no check of the selected or shipped playbooks "
                 "(see 'marsplay list')", file, ln, id);
    }
    fclose(f);
  }
  cli_catalogue_free(cat);
  mpv_free(known);
}

int cmd_run(int argc, char **argv) {
  run_opts o;
  cli_sink sink;
  mp_runtime *rt;
  const mp_value *report;
  FILE *junit = NULL;
  const char *why;
  const char **pbs;
  char **owned;
  size_t npb, n;
  int r, code;
  memset(&o, 0, sizeof o);
  r = parse(argc, argv, &o);
  if (r != 0) { free(o.sets); return r > 0 ? 0 : MP_EXIT_ERROR; }
  if (optind >= argc && o.cfg.root == NULL) {
    cli_error("no playbook given (a file, a name from 'marsplay list', or all; see --help)");
    free(o.sets);
    return MP_EXIT_ERROR;
  }
  rt = make_runtime(&o, &sink);
  if (rt == NULL) {
    free(o.sets);
    cli_sink_close(&sink);
    return MP_EXIT_ERROR;
  }
  pbs = playbook_list(rt, argc, argv, optind, o.cfg.root != NULL, &owned, &npb);
  if (pbs == NULL || npb == 0 || ((o.nsets || o.cfg.only) && check_names(rt, &o, pbs, npb) != 0)) {
    if (pbs && npb == 0) cli_error("no playbook found (see 'marsplay list')");
    else if (pbs == NULL) cli_error("out of memory");
    free(pbs);
    cli_catalogue_free(owned);
    mp_free(rt);
    free(o.sets);
    if (sink.log) fclose(sink.log);
    return MP_EXIT_ERROR;
  }
  if (o.waivers) warn_unmatched_waivers(rt, o.waivers, pbs, npb);
  /* One run at a time per target (before any output is truncated). */
  if (mp_lock(rt, o.lock_timeout) != 0 ||
      (o.junit && (junit = fopen(o.junit, "w")) == NULL)) {
    if (o.junit && junit == NULL && mp_last_error(rt) == NULL)
      cli_error("--junit %s: %s", o.junit, strerror(errno));
    else
      cli_error("%s", mp_last_error(rt));
    free(pbs);
    cli_catalogue_free(owned);
    mp_free(rt);
    free(o.sets);
    cli_sink_close(&sink);
    return MP_EXIT_ERROR;
  }
  if (o.cfg.root && (why = mp_target_problem(rt)) != NULL) {
    cli_error("%s does not look like a Windows system volume: %s; give --root the folder "
              "where the Windows system volume is mounted (the one holding Windows, "
              "Program Files, Users)", o.cfg.root, why);
    free(pbs);
    cli_catalogue_free(owned);
    mp_free(rt);
    free(o.sets);
    if (sink.log) fclose(sink.log);
    if (junit) fclose(junit);
    return MP_EXIT_ERROR;
  }
  /* Every output is open: in a dry-run, forbid any other write. */
  if (o.cfg.dry_run) mp_lockdown(rt);
  for (n = 0; n < npb; n++) mp_run(rt, pbs[n]);
  free(pbs);
  cli_catalogue_free(owned);
  cli_progress_clear(&sink);
  report = mp_report(rt);
  code = mp_exit_code(rt);
  if (o.waivers) warn_expired(report);
  warn_load_errors(report);
  errno = 0;
  if (strcmp(o.format, "json") == 0) {
    if (code == MP_EXIT_NOTHING) cli_error("%s", mpr_nothing_checked(report, "en"));
    r = mp_report_write_json(report, stdout);
  } else {
    r = mp_report_write_text(report, stdout, use_colour(o.color), NULL);
  }
  if (fflush(stdout) != 0) r = -1;
  if (r != 0) {
    cli_error("writing the report on standard output failed: %s", strerror(errno ? errno : EIO));
    code = MP_EXIT_ERROR;
  }
  if (junit && write_junit(report, junit, o.junit) != 0) code = MP_EXIT_ERROR;
  if (cli_sink_close(&sink) != 0) code = MP_EXIT_ERROR;
  mp_free(rt);
  free(o.sets);
  return code;
}

/* marsplay eval CODE [options]: run Lua code in the sandbox and print
 * what it returns as JSON (for tests and exploring the API). */
int cmd_eval(int argc, char **argv) {
  run_opts o;
  cli_sink sink;
  mp_runtime *rt;
  mp_value *v;
  char *err = NULL, *json;
  int r;
  memset(&o, 0, sizeof o);
  r = parse(argc, argv, &o);
  if (r != 0) { free(o.sets); return r > 0 ? 0 : MP_EXIT_ERROR; }
  if (optind != argc - 1) {
    cli_error("usage: marsplay eval [--root DIR] 'LUA CODE'");
    free(o.sets);
    return MP_EXIT_ERROR;
  }
  o.format = "json";
  rt = make_runtime(&o, &sink);
  if (rt == NULL) { free(o.sets); return MP_EXIT_ERROR; }
  v = mp_eval(rt, argv[optind], &err);
  if (v == NULL) {
    cli_error("%s", err ? err : "out of memory");
    free(err);
    mp_free(rt);
    free(o.sets);
    cli_sink_close(&sink);
    return MP_EXIT_ERROR;
  }
  json = mp_value_to_json(v, 1);
  errno = 0;
  if (json == NULL) { errno = ENOMEM; r = -1; }
  else r = (fputs(json, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) != 0) ? -1 : 0;
  if (r != 0) cli_error("writing the result on standard output failed: %s", strerror(errno ? errno : EIO));
  free(json);
  mpv_free(v);
  mp_free(rt);
  free(o.sets);
  if (cli_sink_close(&sink) != 0) r = -1;
  return r == 0 ? 0 : MP_EXIT_ERROR;
}
