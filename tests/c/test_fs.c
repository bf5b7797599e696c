/* test_fs.c - marsplay.fs pieces in C: Windows wildcards, the log scanner
 * at block boundaries and in UTF-16, the tree walker on small trees, and
 * the binding through a runtime rooted in a temporary folder.  Bigger
 * comparisons against find/du/grep are in tests/sh/t_fs.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/fsscan.h"
#include "formats/fswalk.h"
#include "core/mp_internal.h"

#define MIB ((size_t)1 << 20)

static char tmpdir[256];

static int make_tmp(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "%s/marsplay-test-fs.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmp(void **state) {
  char cmd[512];
  (void)state;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *out, size_t outsz, const char *rel) {
  int n = snprintf(out, outsz, "%s/%s", tmpdir, rel);
  assert_true(n > 0 && (size_t)n < outsz);
}

static void write_file(const char *rel, const void *data, size_t len) {
  char p[512];
  FILE *f;
  path_of(p, sizeof p, rel);
  f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

/* ---------- wildcards ---------- */

static int gm(const char *pat, const char *name, int fold) {
  fsw_glob g;
  fsw_glob_init(&g, pat, strlen(pat), fold);
  return fsw_glob_match(&g, name, strlen(name));
}

static void test_glob(void **state) {
  (void)state;
  assert_true(gm("*.tmp", "a.tmp", 1));
  assert_true(gm("*.tmp", "A.TMP", 1));
  assert_false(gm("*.tmp", "A.TMP", 0));
  assert_false(gm("*.tmp", "a.tmpx", 1));
  assert_true(gm("*.tmp", ".tmp", 1));
  assert_true(gm("*", "", 1));
  assert_true(gm("*.*", "noext", 1));                 /* as on Windows */
  assert_true(gm("LastBackupFailedFiles*.txt", "lastbackupfailedfilesAB12_1_2_2024.TXT", 1));
  assert_false(gm("LastBackupFailedFiles*.txt", "LastBackupFailedFiles.txt.bak", 1));
  assert_true(gm("*.VaultCredentials", "v_Mon Jan 01 2024.vaultcredentials", 1));
  assert_true(gm("a?c", "abc", 1));
  assert_false(gm("a?c", "ac", 1));
  assert_true(gm("a?c", "a\xc3\xa9" "c", 1));          /* ? is one UTF-8 character */
  assert_true(gm("a??c", "a\xff\xfe" "c", 1));         /* or one byte of a bad name */
  assert_true(gm("*a*b*c", "xxaxxbxxbxc", 1));         /* backtracking */
  assert_false(gm("*a*b*c", "xxaxxbxxbx", 1));
  assert_true(gm("exact.TXT", "EXACT.txt", 1));
  assert_false(gm("exact.TXT", "EXACT.txt", 0));
  assert_true(gm("pre*", "PREfix", 1));
  assert_false(gm("pre*", "apre", 1));
  assert_true(gm("\xc3\x89*", "\xc3\x89t\xc3\xa9", 1)); /* non-ASCII: exact bytes */
  assert_false(gm("\xc3\xa9*", "\xc3\x89t\xc3\xa9", 1));
}

/* ---------- the scanner ---------- */

static void scan(const char *rel, const fss_opts *o, fss_result *r) {
  char p[512];
  int fd;
  path_of(p, sizeof p, rel);
  fd = open(p, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(fss_scan(fd, o, r), 0);
  close(fd);
}

static const fss_hit *code_hit(const fss_result *r, uint32_t code) {
  size_t i;
  for (i = 0; i < r->codecap; i++)
    if (r->codes[i].used && r->codes[i].code == code) return &r->codes[i].hit;
  return NULL;
}

static fss_opts codes_opts(void) {
  fss_opts o;
  memset(&o, 0, sizeof o);
  o.codes = 1;
  o.max_samples = 3;
  return o;
}

static void test_scan_boundaries(void **state) {
  size_t k;
  (void)state;
  /* one 3 MiB line with codes straddling each block boundary */
  for (k = 0; k <= 12; k++) {
    char *buf = malloc(3 * MIB);
    fss_opts o = codes_opts();
    fss_result r;
    const fss_hit *h;
    assert_non_null(buf);
    memset(buf, 'a', 3 * MIB);
    memcpy(buf + MIB - k - 1, " 0x80070005 ", 12);
    memcpy(buf + 2 * MIB - k - 1, " 0x8007018B ", 12);
    write_file("long.log", buf, 3 * MIB);
    free(buf);
    scan("long.log", &o, &r);
    assert_int_equal(r.lines, 1);
    h = code_hit(&r, 0x80070005);
    assert_non_null(h);
    assert_int_equal(h->count, 1);
    assert_int_equal(h->nsamples, 1);
    assert_int_equal(h->slen[0], FSS_SAMPLE_MAX);   /* a long line: its first 4 KiB */
    h = code_hit(&r, 0x8007018B);
    assert_non_null(h);
    assert_int_equal(h->count, 1);
    assert_int_equal(r.ncodes, 2);
    fss_free(&r);
  }
}

static void test_scan_lines(void **state) {
  static const char text[] =
      "first 0x80070005 and again 0x80070005\r\n"     /* one line, counted once */
      "0x80070002\n"                                   /* at the start of a line */
      "10x80070005 0x800700051 0x8007000 x0x80070005\n" /* touching letters/digits */
      "\n"
      "last 0x80070570";                               /* no final newline */
  fss_opts o = codes_opts();
  fss_result r;
  const fss_hit *h;
  (void)state;
  write_file("lines.log", text, sizeof text - 1);
  scan("lines.log", &o, &r);
  assert_int_equal(r.lines, 5);
  assert_int_equal(r.ncodes, 3);
  h = code_hit(&r, 0x80070005);
  assert_non_null(h);
  assert_int_equal(h->count, 1);
  assert_string_equal(h->samples[0], "first 0x80070005 and again 0x80070005");
  assert_int_equal(code_hit(&r, 0x80070002)->count, 1);
  assert_string_equal(code_hit(&r, 0x80070570)->samples[0], "last 0x80070570");
  fss_free(&r);
}

static void test_scan_patterns(void **state) {
  static const char text[] = "a Access is denied b Access is denied\nnothing\nAccess is denied\n";
  const char *pats[] = {"Access is denied", "nothing", "absent"};
  size_t lens[] = {16, 7, 6};
  fss_opts o;
  fss_result r;
  (void)state;
  memset(&o, 0, sizeof o);
  o.patterns = pats;
  o.patlens = lens;
  o.npatterns = 3;
  o.max_samples = 5;
  write_file("pat.log", text, sizeof text - 1);
  scan("pat.log", &o, &r);
  assert_int_equal(r.lines, 3);
  assert_int_equal(r.pats[0].count, 2);
  assert_int_equal(r.pats[0].nsamples, 2);
  assert_string_equal(r.pats[0].samples[1], "Access is denied");
  assert_int_equal(r.pats[1].count, 1);
  assert_int_equal(r.pats[2].count, 0);
  assert_int_equal(r.codecap, 0);
  fss_free(&r);
}

/* UTF-16LE with a BOM; a surrogate pair lands across the block edge
 * (blocks are read after the BOM, so the edge is at file offset MIB + 2). */
static void test_scan_utf16(void **state) {
  static const char a[] = "x 0x80070005 ";
  size_t size = MIB + 6, i = 2, j;
  unsigned char *buf = calloc(1, size);
  const char *pats[] = {"05 \xf0\x9d\x84\x9e\n", "\xef\xbf\xbd"};  /* the pair; U+FFFD */
  size_t lens[] = {8, 3};
  fss_opts o = codes_opts();
  fss_result r;
  const fss_hit *h;
  (void)state;
  o.patterns = pats;
  o.patlens = lens;
  o.npatterns = 2;
  assert_non_null(buf);
  buf[0] = 0xFF;
  buf[1] = 0xFE;
  while (i < MIB / 2) { buf[i] = 'z'; i += 2; }        /* 'z' 00 ... */
  buf[i] = '\n';
  i += 2;
  while (i < MIB - 2 * (sizeof a - 1)) { buf[i] = 'y'; i += 2; }
  for (j = 0; a[j]; j++) { buf[i] = (unsigned char)a[j]; i += 2; }
  assert_int_equal(i, MIB);
  buf[i] = 0x34; buf[i + 1] = 0xD8;                    /* U+1D11E: high surrogate ... */
  buf[i + 2] = 0x1E; buf[i + 3] = 0xDD;                /* ... low one in the next block */
  buf[i + 4] = '\n';
  write_file("u16.log", buf, size);
  free(buf);
  scan("u16.log", &o, &r);
  assert_int_equal(r.encoding, FSS_UTF16LE);
  assert_int_equal(r.lines, 2);
  h = code_hit(&r, 0x80070005);
  assert_non_null(h);
  assert_int_equal(h->count, 1);
  assert_int_equal(h->slen[0], FSS_SAMPLE_MAX);       /* the line's first 4 KiB */
  assert_memory_equal(h->samples[0], "yyyy", 4);
  assert_int_equal(r.pats[0].count, 1);                /* decoded whole */
  assert_int_equal(r.pats[1].count, 0);                /* nothing replaced */
  fss_free(&r);
}

/* ---------- the walker ---------- */

static void test_du_small(void **state) {
  char p[512], q[512];
  fsw_du_opts o;
  fsw_du_result r;
  int fd;
  (void)state;
  path_of(p, sizeof p, "tree/a/b");
  {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
    assert_int_equal(system(cmd), 0);
  }
  write_file("tree/a/one", "12345", 5);
  write_file("tree/a/b/two", "1234567890", 10);
  path_of(p, sizeof p, "tree/a/one");
  path_of(q, sizeof q, "tree/a/b/hard");
  assert_int_equal(link(p, q), 0);
  path_of(q, sizeof q, "tree/a/b/up");
  assert_int_equal(symlink("/", q), 0);               /* never followed */
  memset(&o, 0, sizeof o);
  o.threads = 2;
  o.top = 2;
  path_of(p, sizeof p, "tree");
  fd = open(p, O_RDONLY | O_DIRECTORY);
  assert_true(fd >= 0);
  assert_int_equal(fsw_du(fd, &o, &r), 0);
  assert_int_equal(r.files, 3);
  assert_int_equal(r.hardlinks, 1);
  assert_int_equal(r.file_bytes, 15);                  /* one and two, one once */
  assert_int_equal(r.dirs, 3);
  assert_int_equal(r.links, 1);
  assert_int_equal(r.errors, 0);
  assert_int_equal(r.nlargest, 2);
  assert_string_equal(r.largest[0].path, "a/b/two");
  assert_int_equal(r.largest[0].bytes, 10);
  /* one and hard are the same inode: the name counted is the one a
   * walker reached first, which two threads do not order */
  assert_true(strcmp(r.largest[1].path, "a/one") == 0 || strcmp(r.largest[1].path, "a/b/hard") == 0);
  assert_int_equal(r.largest[1].bytes, 5);
  assert_false(r.stopped);
  fsw_du_free(&r);
}

static int stop_at_once(void *ud, uint64_t done) {
  (void)ud;
  (void)done;
  return 1;
}

static void test_du_stop(void **state) {
  char p[512];
  fsw_du_opts o;
  fsw_du_result r;
  int fd, i;
  (void)state;
  path_of(p, sizeof p, "tree");
  assert_int_equal(mkdir(p, 0755), 0);
  for (i = 0; i < 300; i++) {                          /* enough for a tick */
    char rel[64];
    snprintf(rel, sizeof rel, "tree/f%d", i);
    write_file(rel, "x", 1);
  }
  memset(&o, 0, sizeof o);
  o.threads = 1;
  o.tick = stop_at_once;
  path_of(p, sizeof p, "tree");
  fd = open(p, O_RDONLY | O_DIRECTORY);
  assert_true(fd >= 0);
  assert_int_equal(fsw_du(fd, &o, &r), 0);
  assert_true(r.stopped);
  fsw_du_free(&r);
}

/* ---------- the binding in a runtime ---------- */

static char *eval_json(const char *code) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  mp_value *v;
  char *err = NULL, *json;
  cfg.root = tmpdir;
  rt = mp_new(&cfg, &err);
  if (rt == NULL) fail_msg("mp_new: %s", err ? err : "?");
  v = mp_eval(rt, code, &err);
  if (v == NULL) fail_msg("eval: %s", err ? err : "?");
  json = mp_value_to_json(v, 0);
  assert_non_null(json);
  mpv_free(v);
  mp_free(rt);
  return json;
}

static void expect_json(const char *code, const char *want) {
  char *got = eval_json(code);
  assert_string_equal(got, want);
  free(got);
}

static void test_binding(void **state) {
  char p[512];
  (void)state;
  path_of(p, sizeof p, "Windows/Temp");
  {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
    assert_int_equal(system(cmd), 0);
  }
  write_file("Windows/Temp/a.tmp", "", 0);
  write_file("Windows/Temp/B.TMP", "abc", 3);
  write_file("Windows/Temp/c.txt", "", 0);
  expect_json("local fs = require('marsplay.fs') local n, d = fs.count([[C:\\WINDOWS\\temp]], '*.tmp')"
              " return {n, d.matched_by_type.file, d.matched_by_type.dir, d.scanned}",
              "[2,2,0,3]");
  expect_json("local fs = require('marsplay.fs') return fs.glob('/windows/temp', '*.TMP')",
              "[\"B.TMP\",\"a.tmp\"]");
  expect_json("local fs = require('marsplay.fs') return fs.read([[c:\\windows\\temp\\b.tmp]])",
              "\"abc\"");
  expect_json("local fs = require('marsplay.fs') local a, b, c = fs.stat('nope') return {a == nil, c}",
              "[true,\"ENOENT\"]");
  expect_json("local fs = require('marsplay.fs') return fs.display('/windows/temp/new')",
              "\"C:\\\\Windows\\\\Temp\\\\new\"");
}

typedef struct progress_log { int calls; char what[16]; double done, total; } progress_log;

static void on_progress(void *ud, const char *what, double done, double total) {
  progress_log *p = ud;
  p->calls++;
  snprintf(p->what, sizeof p->what, "%s", what);
  p->done = done;
  p->total = total;
}

/* The walk and the scan end with a progress report to the host. */
static void test_progress(void **state) {
  mp_config cfg = mp_config_default();
  progress_log log;
  mp_runtime *rt;
  mp_value *v;
  char *err = NULL;
  (void)state;
  memset(&log, 0, sizeof log);
  write_file("one.log", "a 0x80070005\nb\n", 15);
  write_file("two", "x", 1);
  cfg.root = tmpdir;
  cfg.cb.ud = &log;
  cfg.cb.on_progress = on_progress;
  rt = mp_new(&cfg, &err);
  if (rt == NULL) fail_msg("mp_new: %s", err ? err : "?");
  v = mp_eval(rt, "return require('marsplay.fs').du('/').files", &err);
  if (v == NULL) fail_msg("eval: %s", err ? err : "?");
  assert_int_equal((int)mp_value_number(v), 2);
  mpv_free(v);
  assert_true(log.calls >= 1);
  assert_string_equal(log.what, "du");
  assert_int_equal((int)log.done, 3);                 /* two files and the root */
  v = mp_eval(rt, "return require('marsplay.fs').scan('one.log', {codes=true}).lines", &err);
  if (v == NULL) fail_msg("eval: %s", err ? err : "?");
  assert_int_equal((int)mp_value_number(v), 2);
  mpv_free(v);
  assert_string_equal(log.what, "scan");
  assert_int_equal((int)log.done, 15);
  assert_int_equal((int)log.total, 15);
  mp_free(rt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_glob),
    cmocka_unit_test_setup_teardown(test_scan_boundaries, make_tmp, remove_tmp),
    cmocka_unit_test_setup_teardown(test_scan_lines, make_tmp, remove_tmp),
    cmocka_unit_test_setup_teardown(test_scan_patterns, make_tmp, remove_tmp),
    cmocka_unit_test_setup_teardown(test_scan_utf16, make_tmp, remove_tmp),
    cmocka_unit_test_setup_teardown(test_du_small, make_tmp, remove_tmp),
    cmocka_unit_test_setup_teardown(test_du_stop, make_tmp, remove_tmp),
    cmocka_unit_test_setup_teardown(test_binding, make_tmp, remove_tmp),
    cmocka_unit_test_setup_teardown(test_progress, make_tmp, remove_tmp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
