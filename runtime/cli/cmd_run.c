/* cmd_run.c - marsplay [options] PLAYBOOK... */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"

static const char USAGE[] =
  "Usage: marsplay [options] PLAYBOOK...\n"
  "       marsplay list [--playbook-path DIRS]\n"
  "       marsplay lab DIR [--fault NAME]...  |  marsplay lab --list-faults\n"
  "       marsplay new NAME [--dir DIR]  |  check PLAYBOOK...  |  test [PATH...]\n"
  "       marsplay report merge [--format text|json|junit] [--output FILE] REPORT.json...\n"
  "\n"
  "Run remediation playbooks (files, or names of shipped playbooks) against\n"
  "this system or an offline Windows volume.\n"
  "\n"
  "Options:\n"
  "  --dry-run              detect and plan fixes, change nothing\n"
  "  --no-fix               detect only: fixable problems are reported as fail\n"
  "  --root DIR             target: DIR is the system volume (C:\\ maps to DIR);\n"
  "                         default: the live system\n"
  "  --set KEY=VALUE        playbook parameter (repeatable)\n"
  "  --only ID[,ID...]      run only these checks\n"
  "  --skip ID[,ID...]      do not run these checks\n"
  "  --format text|json     report on stdout (default text)\n"
  "  --junit FILE           also write a JUnit XML report\n"
  "  --log FILE             append a JSON-lines event log\n"
  "  --timeout SECONDS      time budget per check (default 60)\n"
  "  --waivers FILE         waive known problems: lines 'ID | [until YYYY-MM-DD |] why'\n"
  "  --lock-timeout SECONDS wait this long for another run on the same target\n"
  "                         to end (default 30; 0: do not wait)\n"
  "  --lang en|pt-BR        language of the report (default from LANG)\n"
  "  --playbook-path DIRS   ':'-separated folders searched for playbooks and modules\n"
  "                         (also $MARSPLAY_PATH)\n"
  "  --color auto|always|never\n"
  "  -V, --version          print the version and exit\n"
  "  -h, --help             print this help and exit\n"
  "\n"
  "Exit codes: 0 healthy or all fixed; 1 error; 2 fixable problems remain;\n"
  "3 problems need manual action; 4 a fix failed or did not verify.\n";

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
  while ((c = getopt_long(argc, argv, "Vh", LONGOPTS, NULL)) != -1) {
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
      default:
        if (optopt) cli_error("option -%c: unknown or missing its value", optopt);
        else cli_error("%s: unknown option or missing value (see --help)", argv[optind - 1]);
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
  return isatty(STDOUT_FILENO);
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
  sink->progress = isatty(STDERR_FILENO) && strcmp(o->format, "text") == 0;
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

int cmd_run(int argc, char **argv) {
  run_opts o;
  cli_sink sink;
  mp_runtime *rt;
  const mp_value *report;
  FILE *junit = NULL;
  int r, i, code;
  memset(&o, 0, sizeof o);
  r = parse(argc, argv, &o);
  if (r != 0) { free(o.sets); return r > 0 ? 0 : MP_EXIT_ERROR; }
  if (optind >= argc) {
    cli_error("no playbook given (try 'marsplay list' or --help)");
    free(o.sets);
    return MP_EXIT_ERROR;
  }
  rt = make_runtime(&o, &sink);
  if (rt == NULL) {
    free(o.sets);
    cli_sink_close(&sink);
    return MP_EXIT_ERROR;
  }
  /* One run at a time per target (before any output is truncated). */
  if (mp_lock(rt, o.lock_timeout) != 0 ||
      (o.junit && (junit = fopen(o.junit, "w")) == NULL)) {
    if (o.junit && junit == NULL && mp_last_error(rt) == NULL)
      cli_error("--junit %s: %s", o.junit, strerror(errno));
    else
      cli_error("%s", mp_last_error(rt));
    mp_free(rt);
    free(o.sets);
    cli_sink_close(&sink);
    return MP_EXIT_ERROR;
  }
  /* Every output is open: in a dry-run, forbid any other write. */
  if (o.cfg.dry_run) mp_lockdown(rt);
  for (i = optind; i < argc; i++) mp_run(rt, argv[i]);
  cli_progress_clear(&sink);
  report = mp_report(rt);
  code = mp_exit_code(rt);
  if (o.waivers) warn_expired(report);
  errno = 0;
  if (strcmp(o.format, "json") == 0) r = mp_report_write_json(report, stdout);
  else r = mp_report_write_text(report, stdout, use_colour(o.color), NULL);
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
