/* cmd_report.c - marsplay report merge FILE... : one summary of the JSON
 * reports of many hosts (text, JSON or JUnit), with the exit code the
 * whole fleet gives. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_REPORT_BYTES ((size_t)2 << 30)  /* a merged report of a large fleet is big */

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

/* The whole of f (at most MAX_REPORT_BYTES) into *buf (grown as needed,
 * kept for the next file); 0, or -1 with errno. */
static int slurp(FILE *f, char **buf, size_t *cap, size_t *len) {
  size_t n = 0, got;
  char *nb;
  if (*buf == NULL) {
    if ((*buf = malloc(1 << 20)) == NULL) return -1;
    *cap = 1 << 20;
  }
  while ((got = fread(*buf + n, 1, *cap - n, f)) > 0) {
    n += got;
    if (n == *cap) {
      if (*cap >= MAX_REPORT_BYTES) { errno = EFBIG; return -1; }
      if ((nb = realloc(*buf, *cap * 2)) == NULL) { errno = ENOMEM; return -1; }
      *buf = nb;
      *cap *= 2;
    }
  }
  if (ferror(f)) { errno = EIO; return -1; }
  *len = n;
  return 0;
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

/* Read and add one report; 0 or -1 (reported). */
static int add_file(mp_merge *m, const char *path, int by_file, char **buf, size_t *cap) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  char *err = NULL, *label = NULL;
  size_t len = 0;
  int r;
  if (f == NULL) { cli_error("%s: %s", path, strerror(errno)); return -1; }
  r = slurp(f, buf, cap, &len);
  if (f != stdin) fclose(f);
  if (r != 0) {
    cli_error("%s: %s", path, errno == EFBIG ? "larger than 2 GiB" : strerror(errno));
    return -1;
  }
  if (by_file && (label = file_label(path)) == NULL) {
    cli_error("out of memory");
    return -1;
  }
  r = mp_merge_add_json(m, *buf, len, label, &err);
  if (r != 0) cli_error("%s: %s", path, err ? err : "out of memory");
  free(err);
  free(label);
  return r;
}

static int to_file(void *ud, const char *p, size_t n) {
  return fwrite(p, 1, n, (FILE *)ud) == n ? 0 : -1;
}

static int merge(int argc, char **argv) {
  const char *format = "text", *output = NULL;
  mp_merge *m;
  FILE *out;
  char *buf = NULL;
  size_t cap = 0;
  int c, by_file = 0, i, code, stdin_used = 0, bad;
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
    if (add_file(m, argv[i], by_file, &buf, &cap) != 0) {
      free(buf);
      mp_merge_free(m);
      return MP_EXIT_ERROR;
    }
  }
  free(buf);
  if ((out = output ? fopen(output, "w") : stdout) == NULL) {
    cli_error("--output %s: %s", output, strerror(errno));
    mp_merge_free(m);
    return MP_EXIT_ERROR;
  }
  code = mp_merge_write(m, format, to_file, out);
  bad = code < 0;
  bad |= output ? fclose(out) != 0 : fflush(out) != 0;
  if (bad) {
    cli_error("%s: write failed (or out of memory)", output ? output : "standard output");
    code = MP_EXIT_ERROR;
  }
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
