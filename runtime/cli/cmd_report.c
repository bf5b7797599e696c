/* cmd_report.c - marsplay report merge FILE... : one summary of the JSON
 * reports of many hosts (text, JSON or JUnit), with the exit code the
 * whole fleet gives. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "platform/platform.h"

#define MAX_REPORT_BYTES ((size_t)2 << 30)  /* a merged report of a large fleet is big */

static const char USAGE[] =
  "Usage: marsplay report merge [options] FILE...\n"
  "\n"
  "Merge the JSON reports (marsplay --format json) of several hosts into one\n"
  "summary: per playbook and check, how many hosts pass, fail, ... and which.\n"
  "A merged report (--format json) is a valid FILE too: merging the merged\n"
  "reports of several sites gives what one merge of all their hosts gives.\n"
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

/* Reports are read and parsed by READERS threads, each into a free
 * slot of a ring of NSLOTS, and added in order by the calling thread:
 * parsing is most of the work and the inputs are independent. */
#define READERS 2
#define NSLOTS 8

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY };

typedef struct slot {
  int state, idx, rc;
  char *buf, *err;
  size_t cap;
  mp_merge_input *in;
} slot;

typedef struct ring {
  plat_monitor *sy;
  slot s[NSLOTS];
  char **files;
  int nfiles, next, stop;
} ring;

/* Read and parse file idx into sl; the message (malloc'd) in sl->err. */
static void load(slot *sl, const char *path) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  size_t len = 0;
  char msg[160], *perr = NULL;
  int r;
  sl->err = NULL;
  if (f == NULL) {
    snprintf(msg, sizeof msg, "%s", strerror(errno));
    sl->err = strdup(msg);
    sl->rc = -1;
    return;
  }
  r = slurp(f, &sl->buf, &sl->cap, &len);
  if (r != 0) snprintf(msg, sizeof msg, "%s", errno == EFBIG ? "larger than 2 GiB" : strerror(errno));
  if (f != stdin) fclose(f);
  if (r != 0) { sl->err = strdup(msg); sl->rc = -1; return; }
  sl->rc = mp_merge_input_parse(sl->in, sl->buf, len, &perr);
  sl->err = perr;
}

static int reader(void *arg) {
  ring *g = arg;
  for (;;) {
    int i;
    slot *sl;
    plat_monitor_enter(g->sy);
    for (;;) {  /* the next file, once its slot is free */
      i = g->next;
      if (g->stop || i >= g->nfiles) { plat_monitor_leave(g->sy); return 0; }
      sl = &g->s[i % NSLOTS];
      if (sl->state == SLOT_FREE) break;
      plat_monitor_wait(g->sy, 0);
    }
    g->next++;
    sl->state = SLOT_BUSY;
    sl->idx = i;
    plat_monitor_leave(g->sy);
    load(sl, g->files[i]);
    plat_monitor_enter(g->sy);
    sl->state = SLOT_READY;
    plat_monitor_wake_all(g->sy);
    plat_monitor_leave(g->sy);
  }
}

/* Add every file in order; 0, or -1 (reported). */
static int add_files(mp_merge *m, char **files, int n, int by_file) {
  ring g;
  plat_thread *th[READERS];
  int nth = 0, i, rc = 0;
  memset(&g, 0, sizeof g);
  g.files = files;
  g.nfiles = n;
  if (plat_monitor_new(&g.sy) != 0) { cli_error("cannot start the readers"); return -1; }
  for (i = 0; i < NSLOTS; i++)
    if ((g.s[i].in = mp_merge_input_new()) == NULL) rc = -1;
  for (i = 0; rc == 0 && i < READERS && i < n; i++)
    if (plat_thread_start(&th[nth], reader, &g) == 0) nth++;
  if (rc != 0 || nth == 0) {
    cli_error(rc != 0 ? "out of memory" : "cannot start the readers");
    rc = -1;
  }
  for (i = 0; rc == 0 && i < n; i++) {
    slot *sl = &g.s[i % NSLOTS];
    char *err = NULL, *label = NULL;
    plat_monitor_enter(g.sy);
    while (!(sl->state == SLOT_READY && sl->idx == i)) plat_monitor_wait(g.sy, 0);
    plat_monitor_leave(g.sy);
    if (sl->rc != 0) {
      cli_error("%s: %s", files[i], sl->err ? sl->err : "out of memory");
      rc = -1;
    } else if (by_file && (label = file_label(files[i])) == NULL) {
      cli_error("out of memory");
      rc = -1;
    } else if (mp_merge_add_input(m, sl->in, label, &err) != 0) {
      cli_error("%s: %s", files[i], err ? err : "out of memory");
      rc = -1;
    }
    free(err);
    free(label);
    free(sl->err);
    sl->err = NULL;
    plat_monitor_enter(g.sy);
    sl->state = SLOT_FREE;
    if (rc != 0) g.stop = 1;
    plat_monitor_wake_all(g.sy);
    plat_monitor_leave(g.sy);
  }
  plat_monitor_enter(g.sy);
  g.stop = 1;
  plat_monitor_wake_all(g.sy);
  plat_monitor_leave(g.sy);
  for (i = 0; i < nth; i++) plat_thread_join(th[i]);
  for (i = 0; i < NSLOTS; i++) {
    free(g.s[i].buf);
    free(g.s[i].err);
    mp_merge_input_free(g.s[i].in);
  }
  plat_monitor_free(g.sy);
  return rc;
}

static int to_file(void *ud, const char *p, size_t n) {
  return fwrite(p, 1, n, (FILE *)ud) == n ? 0 : -1;
}

static int merge(int argc, char **argv) {
  const char *format = "text", *output = NULL;
  mp_merge *m;
  FILE *out;
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
  }
  if (add_files(m, argv + optind, argc - optind, by_file) != 0) {
    mp_merge_free(m);
    return MP_EXIT_ERROR;
  }
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
