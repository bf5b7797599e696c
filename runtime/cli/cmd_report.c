/* cmd_report.c - marsplay report merge FILE... : one summary of the JSON
 * reports of many hosts (text, JSON or JUnit), with the exit code the
 * whole fleet gives. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define MAX_REPORT_BYTES ((size_t)256 << 20)

static const char USAGE[] =
  "Usage: marsplay report merge [options] FILE...\n"
  "\n"
  "Merge the JSON reports (marsplay --format json) of several hosts into one\n"
  "summary: per playbook and check, how many hosts pass, fail, ... and which.\n"
  "FILE '-' reads standard input.\n"
  "\n"
  "Options:\n"
  "  --format text|json|junit  summary format (default text)\n"
  "  --output FILE             write the summary to FILE instead of stdout\n"
  "  --label hostname|file     name hosts by their report's hostname (with\n"
  "                            ':ROOT' for an offline volume; the default) or by\n"
  "                            the report's file name without .json\n"
  "  -h, --help                print this help and exit\n"
  "\n"
  "Exit code: the fleet's, by the usual rules (1 also for unreadable or\n"
  "malformed reports): 0 healthy or all fixed; 1 error; 2 fixable problems\n"
  "remain; 3 problems need manual action; 4 a fix failed or did not verify.\n";

enum { O_FORMAT = 256, O_OUTPUT, O_LABEL };

static const struct option LONGOPTS[] = {
  {"format", required_argument, NULL, O_FORMAT},
  {"output", required_argument, NULL, O_OUTPUT},
  {"label", required_argument, NULL, O_LABEL},
  {"help", no_argument, NULL, 'h'},
  {NULL, 0, NULL, 0}};

/* The whole of f (at most MAX_REPORT_BYTES); malloc'd, or NULL with errno. */
static char *slurp(FILE *f, size_t *len) {
  size_t cap = 1 << 16, n = 0, got;
  char *buf = malloc(cap), *nb;
  if (buf == NULL) return NULL;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      if (cap >= MAX_REPORT_BYTES) { free(buf); errno = EFBIG; return NULL; }
      if ((nb = realloc(buf, cap * 2)) == NULL) { free(buf); errno = ENOMEM; return NULL; }
      buf = nb;
      cap *= 2;
    }
  }
  if (ferror(f)) { free(buf); errno = EIO; return NULL; }
  *len = n;
  return buf;
}

/* "reports/web01.json" -> "web01" (malloc'd). */
static char *file_label(const char *path) {
  const char *base = strrchr(path, '/');
  char *l;
  size_t n;
  base = base ? base + 1 : path;
  if (strcmp(path, "-") == 0) base = "stdin";
  n = strlen(base);
  if (n > 5 && strcmp(base + n - 5, ".json") == 0) n -= 5;
  if ((l = malloc(n + 1)) == NULL) return NULL;
  memcpy(l, base, n);
  l[n] = '\0';
  return l;
}

/* Read, parse and add one report; 0 or -1 (reported). */
static int add_file(mp_merge *m, const char *path, int by_file) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  char *text, *err = NULL, *label = NULL;
  size_t len = 0;
  mp_value *v;
  int r;
  if (f == NULL) { cli_error("%s: %s", path, strerror(errno)); return -1; }
  text = slurp(f, &len);
  if (text == NULL) {
    cli_error("%s: %s", path, errno == EFBIG ? "larger than 256 MiB" : strerror(errno));
    if (f != stdin) fclose(f);
    return -1;
  }
  if (f != stdin) fclose(f);
  v = mp_json_parse(text, len, &err);
  free(text);
  if (v == NULL) {
    cli_error("%s: not valid JSON: %s", path, err ? err : "out of memory");
    free(err);
    return -1;
  }
  if (by_file && (label = file_label(path)) == NULL) {
    mp_value_free(v);
    cli_error("out of memory");
    return -1;
  }
  r = mp_merge_add(m, v, label, &err);
  if (r != 0) cli_error("%s: %s", path, err ? err : "out of memory");
  free(err);
  free(label);
  mp_value_free(v);
  return r;
}

static char *render(const mp_value *merged, const char *format) {
  char *s;
  size_t n;
  if (strcmp(format, "text") == 0) return mp_merge_to_text(merged);
  if (strcmp(format, "junit") == 0) return mp_merge_to_junit(merged);
  if ((s = mp_value_to_json(merged, 1)) == NULL) return NULL;
  n = strlen(s);
  {
    char *t = realloc(s, n + 2);
    if (t == NULL) { free(s); return NULL; }
    t[n] = '\n';
    t[n + 1] = '\0';
    return t;
  }
}

static int write_out(const char *text, const char *path) {
  FILE *f = path ? fopen(path, "w") : stdout;
  size_t n = strlen(text);
  int bad;
  if (f == NULL) { cli_error("--output %s: %s", path, strerror(errno)); return -1; }
  bad = fwrite(text, 1, n, f) != n;
  bad |= path ? fclose(f) != 0 : fflush(f) != 0;
  if (bad) { cli_error("%s: write failed", path ? path : "standard output"); return -1; }
  return 0;
}

static int merge(int argc, char **argv) {
  const char *format = "text", *output = NULL;
  const mp_value *merged;
  mp_merge *m;
  char *text;
  int c, by_file = 0, i, code, stdin_used = 0;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", LONGOPTS, NULL)) != -1) {
    switch (c) {
      case O_FORMAT:
        if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "junit")) {
          cli_error("--format %s: expected text, json or junit", optarg);
          return MP_EXIT_ERROR;
        }
        format = optarg;
        break;
      case O_OUTPUT: output = optarg; break;
      case O_LABEL:
        if (strcmp(optarg, "hostname") && strcmp(optarg, "file")) {
          cli_error("--label %s: expected hostname or file", optarg);
          return MP_EXIT_ERROR;
        }
        by_file = strcmp(optarg, "file") == 0;
        break;
      case 'h': fputs(USAGE, stdout); return 0;
      default:
        cli_error("report merge: %s: unknown option or missing value (see --help)",
                  argv[optind - 1]);
        return MP_EXIT_ERROR;
    }
  }
  if (optind >= argc) {
    cli_error("report merge: no report given (usage: marsplay report merge FILE...)");
    return MP_EXIT_ERROR;
  }
  if ((m = mp_merge_new()) == NULL) { cli_error("out of memory"); return MP_EXIT_ERROR; }
  for (i = optind; i < argc; i++) {
    if (strcmp(argv[i], "-") == 0 && stdin_used++) {
      cli_error("report merge: '-' (standard input) given twice");
      mp_merge_free(m);
      return MP_EXIT_ERROR;
    }
    if (add_file(m, argv[i], by_file) != 0) { mp_merge_free(m); return MP_EXIT_ERROR; }
  }
  if ((merged = mp_merge_result(m)) == NULL || (text = render(merged, format)) == NULL) {
    cli_error("out of memory");
    mp_merge_free(m);
    return MP_EXIT_ERROR;
  }
  code = (int)mp_value_number(mp_value_get(merged, "exit_code"));
  if (write_out(text, output) != 0) code = MP_EXIT_ERROR;
  free(text);
  mp_merge_free(m);
  return code;
}

int cmd_report(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "merge") == 0) return merge(argc - 1, argv + 1);
  if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
    fputs(USAGE, stdout);
    return 0;
  }
  cli_error("report: expected a subcommand: merge (see 'marsplay report merge --help')");
  return MP_EXIT_ERROR;
}
