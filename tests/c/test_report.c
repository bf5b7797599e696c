/* test_report.c - the report writers: JUnit (parsed back with libxml2),
 * text (key lines, both languages, colour), JSON (against the schema
 * when /usr/bin/python3 has jsonschema). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "testtmp.h"
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "report/report.h"
#include "core/value.h"

#define FFFD "\xEF\xBF\xBD"
#define NASTY_TITLE "<&>\"' title"
#define NASTY_MSG "bad\x01" "byte\xFF and \x1b[31mred\nsecond line"

/* ---------- a sample report ---------- */

static void set(mp_value *o, const char *k, mp_value *v) {
  assert_int_equal(mpv_set(o, k, v), 0);
}

static void push(mp_value *a, mp_value *v) {
  assert_int_equal(mpv_push(a, v), 0);
}

static mp_value *strs(const char *first, ...) {
  mp_value *a = mpv_arr();
  va_list ap;
  const char *s;
  va_start(ap, first);
  for (s = first; s; s = va_arg(ap, const char *)) push(a, mpv_cstr(s));
  va_end(ap);
  return a;
}

static mp_value *check(const char *id, const char *title, const char *status,
                       const char *severity, const char *message) {
  mp_value *c = mpv_obj();
  set(c, "id", mpv_cstr(id));
  set(c, "title", mpv_cstr(title));
  set(c, "status", mpv_cstr(status));
  set(c, "severity", mpv_cstr(severity));
  if (message) set(c, "message", mpv_cstr(message));
  set(c, "evidence", mpv_obj());
  set(c, "actions", mpv_arr());
  set(c, "recommendations", mpv_arr());
  set(c, "error_ids", mpv_arr());
  set(c, "duration_ms", mpv_num(0.5));
  return c;
}

static mp_value *act(const char *kind, const char *target, const char *state,
                     mp_value *before, mp_value *after, const char *detail) {
  mp_value *a = mpv_obj();
  set(a, "kind", mpv_cstr(kind));
  set(a, "target", mpv_cstr(target));
  set(a, "state", mpv_cstr(state));
  if (before) set(a, "before", before);
  if (after) set(a, "after", after);
  if (detail) set(a, "detail", mpv_cstr(detail));
  return a;
}

static mp_value *playbook(const char *id, const char *title, double ms, int code) {
  mp_value *pb = mpv_obj();
  set(pb, "id", mpv_cstr(id));
  set(pb, "title", mpv_cstr(title));
  set(pb, "file", mpv_cstr("/opt/marsplay/playbooks/x.lua"));
  set(pb, "exit_code", mpv_num(code));
  set(pb, "duration_ms", mpv_num(ms));
  set(pb, "checks", mpv_arr());
  return pb;
}

/* Nine checks, one per status, in playbook "cache"; one hostile check in
 * "nasty"; "broken" failed to load. */
static mp_value *sample(const char *lang) {
  mp_value *r = mpv_obj(), *t = mpv_obj(), *sum = mpv_obj(), *sb = mpv_obj();
  mp_value *pbs = mpv_arr(), *pb, *checks, *c, *ev;
  size_t i;
  set(r, "tool", mpv_cstr("marsplay"));
  set(r, "version", mpv_cstr("0.1.0"));
  set(r, "schema_version", mpv_num(1));
  set(t, "root", mpv_cstr("/mnt/c"));
  set(t, "live", mpv_bool(0));
  set(t, "platform", mpv_cstr("linux"));
  set(t, "hostname", mpv_cstr("srv01"));
  set(r, "target", t);
  set(r, "mode", mpv_cstr("dry-run"));
  set(r, "lang", mpv_cstr(lang));
  set(r, "started", mpv_cstr("2026-11-26T08:00:00Z"));
  set(r, "duration_ms", mpv_num(12.6));
  set(r, "exit_code", mpv_num(1));
  for (i = 0; i < MPR_NSTATUS; i++) set(sum, mpr_status_names[i], mpv_num(i == MPR_FAIL ? 2 : 1));
  set(r, "summary", sum);
  set(sb, "kernel", mpv_cstr("none"));
  set(sb, "notice", mpv_cstr("landlock unavailable: running without a kernel sandbox"));
  set(r, "sandbox", sb);

  pb = playbook("cache", "Troubleshoot cache problems", 3.1, 1);
  set(pb, "anchor", mpv_cstr("troubleshoot-cache-problems"));
  ev = mpv_obj();
  set(ev, "min_free_pct", mpv_num(5));
  set(pb, "params", ev);
  checks = mpv_getm(pb, "checks");

  push(checks, check("cache-folder", "Cache folder exists", "pass", "high", "The cache folder exists."));

  c = check("cache-acl", "Cache folder permissions", "fail", "medium",
            "SYSTEM lacks full control of the cache folder.");
  set(c, "cause", mpv_cstr("The agent runs as SYSTEM."));
  push(checks, c);

  c = check("temp-files", "Temporary files", "planned", "low", "3 temporary files use 2 GiB.");
  ev = mpv_getm(c, "evidence");
  set(ev, "count", mpv_num(3));
  set(ev, "bytes", mpv_num(2147483648.0));
  set(ev, "path", mpv_cstr("C:\\Windows\\Temp"));
  set(ev, "folder", mpv_cstr("C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch"));
  set(ev, "long", mpv_cstr("0123456789012345678901234567890123456789012345678901234567890123456789"
                           "0123456789012345678901234567890123456789012345678901234567890123456789"));
  push(mpv_getm(c, "actions"), act("delete", "C:\\Windows\\Temp\\x.tmp", "planned", NULL, NULL, NULL));
  set(c, "recommendations", strs("Run again without --dry-run", "Check free space", NULL));
  push(checks, c);

  c = check("scratch-perm", "Scratch permissions", "fixed", "medium", "Permissions repaired.");
  push(mpv_getm(c, "actions"), act("chmod", "C:\\Scratch", "done", mpv_cstr("rw"), mpv_cstr("full"), NULL));
  set(c, "verified", mpv_bool(1));
  push(checks, c);

  c = check("shadow-storage", "Shadow copy storage", "manual", "critical",
            "The shadow copy storage is too small.");
  set(c, "error_ids", strs("34506", "0x1FC07", NULL));
  set(c, "recommendations", strs("Open an elevated prompt.", "Run vssadmin resize shadowstorage.", NULL));
  push(checks, c);

  c = check("cache-move", "Cache location", "fix-failed", "high", "The cache could not be moved.");
  push(mpv_getm(c, "actions"), act("move", "C:\\a", "failed", NULL, mpv_cstr("D:\\b"), "access denied"));
  set(c, "verified", mpv_bool(0));
  set(c, "reason", mpv_cstr("fix failed: access denied"));
  push(checks, c);

  c = check("antivirus", "Antivirus exclusions", "skipped", "medium", NULL);
  set(c, "reason", mpv_cstr("depends on cache-acl, which is fail"));
  push(checks, c);

  c = check("vhd", "Cache VHD", "error", "high", NULL);
  set(c, "reason", mpv_cstr("cache.lua:12: attempt to index a nil value"));
  push(checks, c);

  c = check("bitmap", "Bitmap", "waived", "low", "Bitmap errors.");
  set(c, "reason", mpv_cstr("accepted risk"));
  push(checks, c);
  push(pbs, pb);

  pb = playbook("nasty", "Nasty & <names>", 0.2, 2);
  push(mpv_getm(pb, "checks"), check("nasty-1", NASTY_TITLE, "fail", "low", NASTY_MSG));
  push(pbs, pb);

  pb = playbook("broken", "broken.lua", 0, 1);
  set(pb, "error", mpv_cstr("broken.lua:3: 'end' expected near <eof>"));
  push(pbs, pb);
  set(r, "playbooks", pbs);
  return r;
}

/* Output of a writer into memory: 'j' JUnit, 'J' JSON, else text. */
static char *capture(const mp_value *r, int what, int colour, const char *lang, size_t *len) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  int rc;
  assert_non_null(f);
  if (what == 'j') rc = mp_report_write_junit(r, f);
  else if (what == 'J') rc = mp_report_write_json(r, f);
  else rc = mp_report_write_text(r, f, colour, lang);
  assert_int_equal(rc, 0);
  assert_int_equal(fclose(f), 0);
  if (len) *len = n;
  return buf;
}

static int valid_utf8(const char *s, size_t n) {
  size_t i = 0, k;
  while (i < n) {
    if ((k = mp_utf8_seq(s + i, n - i)) == 0) return 0;
    i += k;
  }
  return 1;
}

/* ---------- JUnit ---------- */

static double xnum(xmlDocPtr doc, const char *expr) {
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathObjectPtr o;
  double d;
  assert_non_null(ctx);
  o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
  assert_non_null(o);
  d = xmlXPathCastToNumber(o);
  xmlXPathFreeObject(o);
  xmlXPathFreeContext(ctx);
  return d;
}

static void expect_xstr(xmlDocPtr doc, const char *expr, const char *want) {
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathObjectPtr o;
  xmlChar *s;
  assert_non_null(ctx);
  o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
  assert_non_null(o);
  s = xmlXPathCastToString(o);
  assert_non_null(s);
  assert_string_equal((const char *)s, want);
  xmlFree(s);
  xmlXPathFreeObject(o);
  xmlXPathFreeContext(ctx);
}

#define XN(doc, expr, n) assert_true(xnum(doc, expr) == (n))

static xmlDocPtr parse(const char *xml, size_t len) {
  xmlDocPtr doc = xmlReadMemory(xml, (int)len, "junit.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  assert_non_null(doc);  /* well-formed */
  return doc;
}

static void test_junit_counts(void **state) {
  mp_value *r = sample("en");
  size_t len, i;
  char *xml = capture(r, 'j', 0, NULL, &len);
  xmlDocPtr doc = parse(xml, len);
  (void)state;
  /* never raw control bytes or invalid UTF-8 */
  assert_true(valid_utf8(xml, len));
  for (i = 0; i < len; i++)
    assert_true((unsigned char)xml[i] >= 0x20 || xml[i] == '\n');

  XN(doc, "count(/testsuites/testsuite)", 3);
  expect_xstr(doc, "/testsuites/@name", "marsplay");
  XN(doc, "number(/testsuites/@tests)", 11);
  XN(doc, "number(/testsuites/@failures)", 5);
  XN(doc, "number(/testsuites/@errors)", 2);
  expect_xstr(doc, "/testsuites/@time", "0.013");
  XN(doc, "count(/testsuites/@skipped)", 0);  /* junit-10.xsd has none there */

  XN(doc, "number(//testsuite[@name='cache']/@tests)", 9);
  XN(doc, "number(//testsuite[@name='cache']/@failures)", 4);
  XN(doc, "number(//testsuite[@name='cache']/@errors)", 1);
  XN(doc, "number(//testsuite[@name='cache']/@skipped)", 2);
  expect_xstr(doc, "//testsuite[@name='cache']/@time", "0.003");
  expect_xstr(doc, "//testsuite[@name='cache']/@timestamp", "2026-11-26T08:00:00Z");
  expect_xstr(doc, "//testsuite[@name='cache']/@hostname", "srv01");
  expect_xstr(doc, "//testsuite[@name='cache']/properties/property[@name='anchor']/@value",
              "troubleshoot-cache-problems");
  expect_xstr(doc, "//testsuite[@name='cache']/properties/property[@name='param.min_free_pct']/@value",
              "5");
  XN(doc, "count(//testcase[@classname='marsplay.cache'])", 9);
  /* the counts agree with the elements */
  XN(doc, "count(//testsuite[@name='cache']//failure)", 4);
  XN(doc, "count(//testsuite[@name='cache']//error)", 1);
  XN(doc, "count(//testsuite[@name='cache']//skipped)", 2);
  XN(doc, "count(//testcase[@name='cache-folder: Cache folder exists']/*)", 0);
  expect_xstr(doc, "//testcase[starts-with(@name,'temp-files:')]/failure/@type", "planned");
  expect_xstr(doc, "//testcase[starts-with(@name,'shadow-storage:')]/failure/@type", "manual");
  expect_xstr(doc, "//testcase[starts-with(@name,'cache-move:')]/failure/@type", "fix-failed");
  expect_xstr(doc, "//testcase[starts-with(@name,'cache-acl:')]/failure/@type", "fail");
  expect_xstr(doc, "//testcase[starts-with(@name,'bitmap:')]/skipped/@message", "waived: accepted risk");
  expect_xstr(doc, "//testcase[starts-with(@name,'antivirus:')]/skipped/@message",
              "depends on cache-acl, which is fail");
  expect_xstr(doc, "//testcase[starts-with(@name,'vhd:')]/error/@message",
              "cache.lua:12: attempt to index a nil value");
  XN(doc, "count(//testcase[starts-with(@name,'temp-files:')]/failure"
          "[contains(., 'C:\\Windows\\Temp\\x.tmp') and contains(., '2. Check free space')])", 1);
  XN(doc, "count(//testcase[starts-with(@name,'scratch-perm:')]/system-out[contains(., 'chmod')])", 1);

  XN(doc, "number(//testsuite[@name='broken']/@tests)", 1);
  XN(doc, "number(//testsuite[@name='broken']/@errors)", 1);
  expect_xstr(doc, "//testsuite[@name='broken']/testcase[@name='load']/error/@message",
              "broken.lua:3: 'end' expected near <eof>");
  xmlFreeDoc(doc);
  free(xml);
  mpv_free(r);
}

static void test_junit_escaping(void **state) {
  mp_value *r = sample("en");
  size_t len;
  char *xml = capture(r, 'j', 0, NULL, &len);
  xmlDocPtr doc = parse(xml, len);
  (void)state;
  XN(doc, "count(//testcase[@classname='marsplay.nasty'])", 1);
  expect_xstr(doc, "//testcase[@classname='marsplay.nasty']/@name", "nasty-1: " NASTY_TITLE);
  /* \x01, \xFF and ESC become U+FFFD; the newline survives the attribute */
  expect_xstr(doc, "//testcase[@classname='marsplay.nasty']/failure/@message",
              "bad" FFFD "byte" FFFD " and " FFFD "[31mred\nsecond line");
  expect_xstr(doc, "//testsuite[@name='nasty']/properties/property[@name='title']/@value",
              "Nasty & <names>");
  xmlFreeDoc(doc);
  free(xml);
  mpv_free(r);
}

static void test_junit_empty_and_errors(void **state) {
  mp_value *r = mpv_obj();
  size_t len;
  char *xml;
  xmlDocPtr doc;
  FILE *full;
  (void)state;
  xml = capture(r, 'j', 0, NULL, &len);  /* no playbooks at all */
  doc = parse(xml, len);
  XN(doc, "number(/testsuites/@tests)", 0);
  XN(doc, "count(//testsuite)", 0);
  xmlFreeDoc(doc);
  free(xml);
  /* a write error is reported */
  if ((full = fopen("/dev/full", "w")) != NULL) {
    assert_int_equal(mp_report_write_junit(r, full), -1);
    assert_int_equal(mp_report_write_text(r, full, 0, "en"), -1);
    assert_int_equal(mp_report_write_json(r, full), -1);
    fclose(full);
  }
  mpv_free(r);
}

/* ---------- text ---------- */

static void has(const char *text, const char *want) {
  if (strstr(text, want) == NULL) {
    fprintf(stderr, "--- report:\n%s--- end of report\n", text);
    fail_msg("missing in text report: [%s]", want);
  }
}

static void test_text_en(void **state) {
  mp_value *r = sample("en");
  size_t len;
  char *t = capture(r, 't', 0, NULL, &len);
  (void)state;
  assert_true(valid_utf8(t, len));
  assert_null(strchr(t, '\033'));  /* no colour codes, no raw ESC */
  has(t, "marsplay 0.1.0");
  has(t, "target: /mnt/c (offline volume), host srv01; dry-run (nothing was changed)\n");
  has(t, "Note: landlock unavailable");
  has(t, "\n== Troubleshoot cache problems  (#troubleshoot-cache-problems)\n");
  /* a passing check is one line, the next line is the next check */
  has(t, "\n[PASS]       Cache folder exists\n[FAIL]       Cache folder permissions (medium)\n");
  has(t, "    SYSTEM lacks full control of the cache folder.\n    Cause: The agent runs as SYSTEM.\n");
  has(t, "\n[PLAN]       Temporary files (low)\n    3 temporary files use 2 GiB.\n");
  has(t, "    Evidence: count=3 bytes=2147483648 path=C:\\Windows\\Temp\n"
         "      folder=\"C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch\"\n"
         "      long=0123456789012345678901234567890123456789012345678901234567890123456789"
         "012345678901234567890123456789...\n");
  has(t, "    Planned actions (dry-run, nothing was changed):\n"
         "      - would delete C:\\Windows\\Temp\\x.tmp\n");
  has(t, "    Recommendations:\n      1. Run again without --dry-run\n      2. Check free space\n");
  has(t, "\n[FIXED]      Scratch permissions\n    Permissions repaired.\n"
         "    Actions:\n      - changed permissions of C:\\Scratch from rw to full\n");
  has(t, "\n[MANUAL]     Shadow copy storage (critical)\n");
  has(t, "    Error IDs: 34506, 0x1FC07\n");
  has(t, "      2. Run vssadmin resize shadowstorage.\n");
  has(t, "\n[FIX-FAILED] Cache location (high)\n");
  has(t, "    Reason: fix failed: access denied\n    The fix did not verify.\n");
  has(t, "      - could not move C:\\a to D:\\b: access denied\n");
  has(t, "\n[SKIP]       Antivirus exclusions\n    Reason: depends on cache-acl, which is fail\n[ERROR]");
  has(t, "\n[ERROR]      Cache VHD (high)\n    Reason: cache.lua:12: attempt to index a nil value\n");
  has(t, "\n[WAIVED]     Bitmap\n    Reason: accepted risk\n");
  /* hostile text is neutralised */
  has(t, "[FAIL]       <&>\"' title (low)\n    bad\\x01byte" FFFD " and \\x1b[31mred\n    second line\n");
  has(t, "\n== broken.lua\n[ERROR]      playbook could not run\n"
         "    broken.lua:3: 'end' expected near <eof>\n");
  has(t, "\nSummary: pass 1, fail 2, planned 1, fixed 1, manual 1, fix failed 1, "
         "skipped 1, error 1, waived 1 (total 10); playbook errors: 1.\n"
         "Exit code 1: a check or playbook could not run (see [ERROR]).\n");
  free(t);
  mpv_free(r);
}

static void test_text_pt(void **state) {
  mp_value *r = sample("pt-BR");
  char *t = capture(r, 't', 0, NULL, NULL), *u;
  (void)state;
  has(t, "alvo: /mnt/c (volume offline), host srv01; dry-run (nada foi alterado)\n");
  has(t, "    Ações planejadas (simulação, nada foi alterado):\n"
         "      - excluiria C:\\Windows\\Temp\\x.tmp\n");
  has(t, "    Recomendações:\n      1. Run again without --dry-run\n");
  has(t, "    Evidências: count=3");
  has(t, "    Motivo: depends on cache-acl");
  has(t, "    Causa: The agent runs as SYSTEM.\n");
  has(t, "[PLAN]       Temporary files (baixa)\n");
  has(t, "\nResumo: ok 1, falha 2, planejado 1, corrigido 1, manual 1, "
         "correção falhou 1, ignorado 1, erro 1, dispensado 1 (total 10); erros de playbook: 1.\n"
         "Código de saída 1: ");
  assert_null(strstr(t, "Summary"));
  /* an explicit language wins over the report's */
  u = capture(r, 't', 0, "en", NULL);
  has(u, "Summary: pass 1");
  free(u);
  free(t);
  mpv_free(r);
}

static void test_text_colour_and_exit(void **state) {
  mp_value *r = sample("en"), *pbs, *cache, *only;
  char *t;
  (void)state;
  t = capture(r, 't', 1, NULL, NULL);
  has(t, "\033[32m[PASS]      \033[0m Cache folder exists\n");
  has(t, "\033[1;31m[FIX-FAILED]\033[0m");
  free(t);
  /* only the planned check: exit 2 with the dry-run hint */
  pbs = mpv_getm(r, "playbooks");
  cache = pbs->u.agg.items[0];
  only = mpv_arr();
  push(only, mpv_copy(mp_value_at(mp_value_get(cache, "checks"), 2)));
  set(cache, "checks", only);
  while (pbs->u.agg.len > 1) mpv_free(pbs->u.agg.items[--pbs->u.agg.len]);
  set(r, "exit_code", mpv_num(2));
  t = capture(r, 't', 0, NULL, NULL);
  has(t, "Summary: planned 1 (total 1).\nExit code 2: problems remain that marsplay can fix; "
         "run again without --dry-run to apply the planned fixes.\n");
  free(t);
  /* without an exit_code the writer derives it from the statuses */
  set(r, "exit_code", mpv_null());
  set(r, "mode", mpv_cstr("apply"));
  t = capture(r, 't', 0, NULL, NULL);
  has(t, "Exit code 2: problems remain that marsplay can fix.\n");
  free(t);
  mpv_free(r);
}

/* Wrong types anywhere: the writers still produce usable output. */
static void test_malformed(void **state) {
  mp_value *r = mpv_obj(), *pbs = mpv_arr(), *pb = mpv_obj(), *checks = mpv_arr(), *c = mpv_obj();
  mp_value *acts = mpv_arr(), *odd = mpv_obj();
  size_t len;
  char *out;
  xmlDocPtr doc;
  (void)state;
  set(r, "target", mpv_cstr("not an object"));
  set(r, "mode", mpv_num(3));
  set(r, "exit_code", mpv_num(9));
  set(r, "duration_ms", mpv_num(-5));
  set(pb, "id", mpv_num(1));
  set(pb, "params", mpv_arr());
  set(pb, "error", mpv_bool(1));
  set(c, "status", mpv_num(2));          /* not a string: counted as error */
  set(c, "evidence", mpv_arr());
  set(c, "recommendations", mpv_cstr("not a list"));
  push(acts, mpv_num(1));
  set(odd, "state", mpv_cstr("exploded"));
  set(odd, "kind", mpv_cstr("teleport"));
  push(acts, odd);
  set(c, "actions", acts);
  set(c, "error_ids", mpv_obj());
  push(checks, c);
  push(checks, mpv_cstr("not a check"));
  set(pb, "checks", checks);
  push(pbs, pb);
  push(pbs, mpv_null());
  set(r, "playbooks", pbs);

  out = capture(r, 'j', 0, NULL, &len);
  doc = parse(out, len);
  XN(doc, "number(/testsuites/@tests)", 2);
  XN(doc, "number(/testsuites/@errors)", 2);
  expect_xstr(doc, "/testsuites/testsuite[1]/@name", "unknown");
  expect_xstr(doc, "/testsuites/@time", "0.000");
  xmlFreeDoc(doc);
  free(out);
  out = capture(r, 't', 1, "xx", &len);
  assert_true(valid_utf8(out, len));
  has(out, "      - [exploded] planned: teleport\n");
  has(out, "\033[1;35m[?]         \033[0m ?\n");
  has(out, "Exit code 9: ?.");
  free(out);
  out = capture(r, 'J', 0, NULL, &len);
  free(out);
  mpv_free(r);
}

/* ---------- JSON and the schema ---------- */

static const char *source_dir(void) {
  const char *s = getenv("MARSPLAY_SOURCE");
  return s && *s ? s : NULL;
}

/* 0 valid, 1 invalid, 77 no validator available. */
static int validate(const mp_value *r) {
  char path[512], cmd[8192];
  const char *src = source_dir();
  FILE *f;
  int fd, rc;
  if (src == NULL || access("/usr/bin/python3", X_OK) != 0) return 77;
  assert_int_equal(test_tmpname(path, sizeof path, "mp_report"), 0);
  assert_true((fd = mkstemp(path)) >= 0);
  assert_non_null(f = fdopen(fd, "w"));
  assert_int_equal(mp_report_write_json(r, f), 0);
  assert_int_equal(fclose(f), 0);
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c '\n"
           "import json, sys\n"
           "try:\n"
           "    import jsonschema\n"
           "except ImportError:\n"
           "    sys.exit(77)\n"
           "schema = json.load(open(sys.argv[1]))\n"
           "doc = json.load(open(sys.argv[2]))\n"
           "errs = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))\n"
           "for e in errs: print(\"schema:\", list(e.path), e.message, file=sys.stderr)\n"
           "sys.exit(1 if errs else 0)\n"
           "' '%s/schemas/report.schema.json' '%s' 2>/dev/null", src, path);
  rc = system(cmd);
  unlink(path);
  assert_true(rc != -1 && WIFEXITED(rc));
  return WEXITSTATUS(rc);
}

static void test_json_schema(void **state) {
  mp_value *r = sample("en"), *c;
  int rc;
  (void)state;
  rc = validate(r);
  if (rc == 77) { mpv_free(r); skip(); }
  assert_int_equal(rc, 0);
  /* the schema can fail: an unknown status, a missing summary count */
  c = mpv_getm(r, "playbooks")->u.agg.items[0];
  c = mpv_getm(c, "checks")->u.agg.items[0];
  set(c, "status", mpv_cstr("bogus"));
  assert_int_equal(validate(r), 1);
  set(c, "status", mpv_cstr("pass"));
  assert_int_equal(validate(r), 0);
  set(c, "status", mpv_cstr("skipped"));  /* skipped needs a reason */
  assert_int_equal(validate(r), 1);
  set(c, "status", mpv_cstr("pass"));
  set(mpv_getm(r, "summary"), "waived", mpv_cstr("1"));
  assert_int_equal(validate(r), 1);
  mpv_free(r);
}

static void test_json_writer(void **state) {
  mp_value *r = sample("en");
  size_t len;
  char *j = capture(r, 'J', 0, NULL, &len), *k = mp_value_to_json(r, 1);
  (void)state;
  assert_non_null(k);
  assert_int_equal(len, strlen(k) + 1);
  assert_memory_equal(j, k, len - 1);
  assert_int_equal(j[len - 1], '\n');
  assert_true(valid_utf8(j, len));
  assert_non_null(strstr(j, "\"message\": \"bad\\u0001byte" FFFD " and \\u001b[31mred\\nsecond line\""));
  free(j);
  free(k);
  mpv_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_junit_counts),
    cmocka_unit_test(test_junit_escaping),
    cmocka_unit_test(test_junit_empty_and_errors),
    cmocka_unit_test(test_text_en),
    cmocka_unit_test(test_text_pt),
    cmocka_unit_test(test_text_colour_and_exit),
    cmocka_unit_test(test_malformed),
    cmocka_unit_test(test_json_writer),
    cmocka_unit_test(test_json_schema),
  };
  int rc;
  xmlInitParser();
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  xmlCleanupParser();
  return rc;
}
