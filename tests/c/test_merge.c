/* test_merge.c - the JSON reader (mp_json_parse) and merging the reports
 * of several hosts (mp_merge_*, its text and JUnit). */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "marsplay.h"
#include "report/report.h"
#include "core/value.h"

/* ---------- the reader ---------- */

/* Parse text, serialise compactly, compare. */
static void roundtrip(const char *in, size_t len, const char *want) {
  char *err = NULL, *out;
  mp_value *v = mp_json_parse(in, len, &err);
  if (v == NULL) fail_msg("parse of [%s] failed: %s", in, err ? err : "?");
  assert_null(err);
  out = mp_value_to_json(v, 0);
  assert_non_null(out);
  assert_string_equal(out, want);
  free(out);
  mp_value_free(v);
}

static void rt(const char *in, const char *want) { roundtrip(in, strlen(in), want); }

/* Parse must fail with a message containing want. */
static void refuse(const char *in, size_t len, const char *want) {
  char *err = NULL;
  mp_value *v = mp_json_parse(in, len, &err);
  if (v != NULL) {
    mp_value_free(v);
    fail_msg("[%s] was accepted", in);
  }
  assert_non_null(err);
  if (strstr(err, want) == NULL) fail_msg("[%s]: message [%s] lacks [%s]", in, err, want);
  free(err);
}

static void no(const char *in, const char *want) { refuse(in, strlen(in), want); }

static void test_parse_values(void **state) {
  (void)state;
  rt("null", "null");
  rt(" true ", "true");
  rt("false", "false");
  rt("0", "0");
  rt("-12", "-12");
  rt("3.25", "3.25");
  rt("1e3", "1000");
  rt("-2.5E-1", "-0.25");
  rt("\"\"", "\"\"");
  rt("[]", "[]");
  rt("{}", "{}");
  rt("[1, [2, [3]], {\"a\": {\"b\": null}}]", "[1,[2,[3]],{\"a\":{\"b\":null}}]");
  rt("{\"b\": 1, \"a\": 2}", "{\"b\":1,\"a\":2}");       /* order kept */
  rt("{\"a\": 1, \"a\": 2}", "{\"a\":2}");               /* last one wins */
  rt("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\"");
  rt("\"\\u00e9\\u20AC\"", "\"\xC3\xA9\xE2\x82\xAC\"");
  rt("\"\\ud83d\\ude00\"", "\"\xF0\x9F\x98\x80\"");       /* surrogate pair */
  rt("\"\xC3\xA7\xE2\x82\xAC\xF0\x9F\x98\x80\"", "\"\xC3\xA7\xE2\x82\xAC\xF0\x9F\x98\x80\"");
  roundtrip("\"a\\u0000b\"", 10, "\"a\\u0000b\"");        /* NUL inside a string */
}

static void test_parse_boms(void **state) {
  /* UTF-8 BOM; UTF-16 LE and BE with BOM (PowerShell 5.1's redirection). */
  static const char le[] = "\xFF\xFE{\0\"\0a\0\"\0:\0\"\0\xE9\0\"\0}\0";
  static const char be[] = "\xFE\xFF\0[\0\"\0\xE9\0\"\0]";
  (void)state;
  rt("\xEF\xBB\xBF[1]", "[1]");
  roundtrip(le, sizeof le - 1, "{\"a\":\"\xC3\xA9\"}");
  roundtrip(be, sizeof be - 1, "[\"\xC3\xA9\"]");
}

static void test_parse_errors(void **state) {
  char deep[400];
  size_t i;
  (void)state;
  no("", "no JSON value");
  no("   \n ", "no JSON value");
  no("[1,]", "expected a value");
  no("{\"a\":1,}", "expected a string key");
  no("{\"a\" 1}", "expected ':'");
  no("[1 2]", "expected ',' or ']'");
  no("{\"a\":1 \"b\":2}", "expected ',' or '}'");
  no("01", "leading zero");
  no("1.", "digits must follow '.'");
  no("1e", "exponent");
  no("-", "invalid number");
  no("+1", "expected a value");
  no("NaN", "expected a value");
  no("tru", "expected a value");
  no("1e999", "out of range");
  no("[1] x", "unexpected text after");
  no("\"abc", "unterminated string");
  no("\"a\nb\"", "control character 0x0A");
  no("\"\\x\"", "invalid escape");
  no("\"\\u12G4\"", "four hex digits");
  no("\"\\ud800\"", "unpaired surrogate");
  no("\"\\ud800\\u0041\"", "unpaired surrogate");
  no("\"\\udc00\"", "unpaired surrogate");
  no("\"\xC3\x28\"", "invalid UTF-8");
  no("\"\xC0\xAF\"", "invalid UTF-8");                    /* overlong '/' */
  no("\"\xED\xA0\x80\"", "invalid UTF-8");                /* raw surrogate */
  no("{\"a\\u0000\":1}", "U+0000");
  no("// c\n1", "expected a value");
  refuse("\xFF\xFE{\0\"\0", 6, "");                       /* odd UTF-16 tail */
  /* where: line and column of the first error */
  no("{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3, column 7: expected ':'");
  no("[\"\xC3\xA9\xC3\xA9\", x]", "line 1, column 8:");  /* columns count characters */
  for (i = 0; i < 200; i++) deep[i] = '[';
  deep[200] = '\0';
  no(deep, "nested deeper than 128");
  for (i = 0; i < 128; i++) { deep[i] = '['; deep[128 + i] = ']'; }
  deep[256] = '\0';
  {                                                        /* 128 levels are fine */
    char *err = NULL;
    mp_value *v = mp_json_parse(deep, strlen(deep), &err);
    assert_non_null(v);
    assert_null(err);
    mp_value_free(v);
  }
}

/* Objects beyond the member cap are refused, not slowly accepted. */
static void test_parse_member_cap(void **state) {
  mp_buf b = {NULL, 0, 0, 0};
  int i;
  (void)state;
  mpb_puts(&b, "{");
  for (i = 0; i < 10001; i++) mpb_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
  mpb_puts(&b, "}");
  assert_false(b.oom);
  refuse(b.p, b.len, "more than 10000 members");
  mpb_free(&b);
}

/* A decimal-comma locale must not change how numbers are read. */
static void test_parse_locale(void **state) {
  static const char *const names[] = {"pt_BR.UTF-8", "pt_BR.utf8", "de_DE.UTF-8", "fr_FR.UTF-8"};
  size_t i;
  const char *got = NULL;
  (void)state;
  for (i = 0; i < sizeof names / sizeof *names && got == NULL; i++)
    got = setlocale(LC_NUMERIC, names[i]);
  if (got == NULL) skip();
  rt("[0.5, 1.25e1]", "[0.5,12.5]");
  setlocale(LC_NUMERIC, "C");
}

/* ---------- merging ---------- */

/* A report with one playbook "pb" whose checks have these statuses
 * (ids c0, c1, ...). */
static mp_value *report(const char *host, const char *root, int exit_code,
                        const char *const *statuses, size_t n) {
  mp_buf b = {NULL, 0, 0, 0};
  mp_value *v;
  char *err = NULL;
  size_t i;
  mpb_printf(&b, "{\"tool\":\"marsplay\",\"version\":\"0.1.0\",\"schema_version\":1,"
             "\"target\":{\"root\":%s%s%s,\"live\":false,\"platform\":\"linux\",\"hostname\":\"%s\"},"
             "\"mode\":\"dry-run\",\"lang\":\"en\",\"started\":\"2026-01-01T00:00:00Z\","
             "\"duration_ms\":5,\"exit_code\":%d,\"summary\":{},\"playbooks\":[{\"id\":\"pb\","
             "\"title\":\"Playbook\",\"file\":\"/x/pb.lua\",\"exit_code\":0,\"checks\":[",
             root ? "\"" : "", root ? root : "null", root ? "\"" : "", host, exit_code);
  for (i = 0; i < n; i++)
    mpb_printf(&b, "%s{\"id\":\"c%zu\",\"title\":\"Check %zu\",\"status\":\"%s\","
               "\"severity\":\"high\",\"message\":\"m%zu\",\"error_ids\":[\"34506\",7],"
               "\"duration_ms\":2}", i ? "," : "", i, i, statuses[i], i);
  mpb_puts(&b, "]}]}");
  assert_false(b.oom);
  v = mp_json_parse(b.p, b.len, &err);
  if (v == NULL) fail_msg("fixture: %s", err);
  mpb_free(&b);
  return v;
}

static double num(const mp_value *o, const char *path) {
  /* "a.b.c" through objects; "#N" indexes arrays */
  char buf[256], *save = NULL, *part;
  const mp_value *v = o;
  snprintf(buf, sizeof buf, "%s", path);
  for (part = strtok_r(buf, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
    v = part[0] == '#' ? mp_value_at(v, (size_t)atoi(part + 1)) : mp_value_get(v, part);
  if (mp_value_type(v) != MP_NUMBER) fail_msg("%s: not a number", path);
  return mp_value_number(v);
}

static const char *str(const mp_value *o, const char *path) {
  char buf[256], *save = NULL, *part;
  const mp_value *v = o;
  snprintf(buf, sizeof buf, "%s", path);
  for (part = strtok_r(buf, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
    v = part[0] == '#' ? mp_value_at(v, (size_t)atoi(part + 1)) : mp_value_get(v, part);
  if (mp_value_string(v, NULL) == NULL) fail_msg("%s: not a string", path);
  return mp_value_string(v, NULL);
}

static void add(mp_merge *m, mp_value *r, const char *label) {
  char *err = NULL;
  assert_non_null(r);
  if (mp_merge_add(m, r, label, &err) != 0) fail_msg("add: %s", err);
  mp_value_free(r);
}

static void test_merge_counts(void **state) {
  static const char *const h1[] = {"pass", "pass", "skipped"};
  static const char *const h2[] = {"planned", "pass", "skipped"};
  static const char *const h3[] = {"manual", "pass"};  /* c2 not run */
  mp_merge *m = mp_merge_new();
  const mp_value *d;
  char *s;
  (void)state;
  assert_non_null(m);
  add(m, report("web", "/mnt/a", 0, h1, 3), NULL);
  add(m, report("web", "/mnt/b", 2, h2, 3), NULL);
  add(m, report("db", NULL, 3, h3, 2), "db-live");
  d = mp_merge_result(m);
  assert_non_null(d);
  assert_string_equal(str(d, "kind"), "merge");
  assert_int_equal(num(d, "exit_code"), 3);
  assert_int_equal(num(d, "summary.hosts"), 3);
  assert_int_equal(num(d, "summary.results"), 8);
  assert_int_equal(num(d, "summary.pass"), 4);
  assert_int_equal(num(d, "summary.planned"), 1);
  assert_int_equal(num(d, "summary.manual"), 1);
  assert_int_equal(num(d, "summary.skipped"), 2);
  /* labels: hostname:root for offline volumes, given ones as they are */
  assert_string_equal(str(d, "hosts.#0.host"), "web:/mnt/a");
  assert_string_equal(str(d, "hosts.#1.host"), "web:/mnt/b");
  assert_string_equal(str(d, "hosts.#2.host"), "db-live");
  assert_int_equal(num(d, "hosts.#1.exit_code"), 2);
  assert_int_equal(num(d, "hosts.#1.summary.planned"), 1);
  /* per check */
  assert_int_equal(num(d, "playbooks.#0.hosts"), 3);
  assert_int_equal(num(d, "playbooks.#0.exit_code"), 3);
  assert_string_equal(str(d, "playbooks.#0.checks.#0.id"), "c0");
  assert_int_equal(num(d, "playbooks.#0.checks.#0.hosts"), 3);
  assert_int_equal(num(d, "playbooks.#0.checks.#0.counts.pass"), 1);
  assert_int_equal(num(d, "playbooks.#0.checks.#0.counts.planned"), 1);
  assert_int_equal(num(d, "playbooks.#0.checks.#0.counts.manual"), 1);
  assert_int_equal(num(d, "playbooks.#0.checks.#0.exit_code"), 3);
  assert_string_equal(str(d, "playbooks.#0.checks.#0.results.#1.host"), "web:/mnt/b");
  assert_string_equal(str(d, "playbooks.#0.checks.#0.results.#1.status"), "planned");
  assert_string_equal(str(d, "playbooks.#0.checks.#0.results.#1.message"), "m0");
  assert_int_equal(num(d, "playbooks.#0.checks.#1.exit_code"), 0);
  assert_int_equal(num(d, "playbooks.#0.checks.#2.hosts"), 2);
  /* error_ids keeps the strings only */
  assert_int_equal(mp_value_len(mp_value_get(mp_value_at(mp_value_get(mp_value_at(
    mp_value_get(d, "playbooks"), 0), "checks"), 0), "error_ids")), 1);
  s = mp_merge_to_text(d);
  assert_non_null(s);
  assert_non_null(strstr(s, "merged report of 3 hosts"));
  assert_non_null(strstr(s, "planned    web:/mnt/b: m0"));
  assert_non_null(strstr(s, "manual     db-live: m0"));
  assert_non_null(strstr(s, "Exit code 3:"));
  free(s);
  s = mp_merge_to_junit(d);
  assert_non_null(s);
  assert_non_null(strstr(s, "<testsuites name=\"marsplay\" tests=\"8\" failures=\"2\" errors=\"0\""));
  assert_non_null(strstr(s, "<testsuite name=\"pb\" tests=\"8\" failures=\"2\" errors=\"0\" skipped=\"2\""));
  assert_non_null(strstr(s, "classname=\"marsplay.pb.c0\" name=\"c0 @ web:/mnt/b\""));
  assert_non_null(strstr(s, "<failure type=\"manual\" message=\"m0\">host: db-live"));
  free(s);
  mp_merge_free(m);
}

/* 1 always wins: an error on one host, fix-failed on another. */
static void test_merge_exit_rules(void **state) {
  static const char *const a[] = {"fix-failed"};
  static const char *const b[] = {"error"};
  static const char *const c[] = {"pass", "waived"};
  mp_merge *m = mp_merge_new();
  const mp_value *d;
  (void)state;
  add(m, report("a", NULL, 4, a, 1), NULL);
  d = mp_merge_result(m);
  assert_int_equal(num(d, "exit_code"), 4);
  add(m, report("c", NULL, 0, c, 2), NULL);
  d = mp_merge_result(m);
  assert_int_equal(num(d, "exit_code"), 4);   /* waived is healthy */
  add(m, report("b", NULL, 1, b, 1), NULL);
  d = mp_merge_result(m);
  assert_int_equal(num(d, "exit_code"), 1);
  mp_merge_free(m);
  /* a host whose own exit code says more than its checks */
  m = mp_merge_new();
  add(m, report("x", NULL, 1, c, 2), NULL);
  assert_int_equal(num(mp_merge_result(m), "exit_code"), 1);
  mp_merge_free(m);
}

/* Repeated labels get #2, #3; a playbook load error is kept per host. */
static void test_merge_labels_and_load_errors(void **state) {
  static const char *const p[] = {"pass"};
  static const char doc[] =
    "{\"tool\":\"marsplay\",\"schema_version\":1,\"exit_code\":1,"
    "\"target\":{\"root\":null,\"hostname\":\"h\"},\"playbooks\":[{\"id\":\"pb\","
    "\"title\":\"P\",\"file\":\"x\",\"exit_code\":1,\"error\":\"pb.lua:3: boom\",\"checks\":[]}]}";
  mp_merge *m = mp_merge_new();
  const mp_value *d;
  char *s, *err = NULL;
  mp_value *v;
  (void)state;
  add(m, report("h", NULL, 0, p, 1), NULL);
  add(m, report("h", NULL, 0, p, 1), NULL);
  add(m, report("z", NULL, 0, p, 1), "h");
  v = mp_json_parse(doc, sizeof doc - 1, &err);
  assert_non_null(v);
  add(m, v, NULL);
  d = mp_merge_result(m);
  assert_string_equal(str(d, "hosts.#0.host"), "h");
  assert_string_equal(str(d, "hosts.#1.host"), "h#2");
  assert_string_equal(str(d, "hosts.#2.host"), "h#3");
  assert_string_equal(str(d, "hosts.#3.host"), "h#4");
  assert_int_equal(num(d, "exit_code"), 1);
  assert_int_equal(num(d, "summary.playbook_errors"), 1);
  assert_string_equal(str(d, "playbooks.#0.errors.#0.host"), "h#4");
  assert_string_equal(str(d, "playbooks.#0.errors.#0.error"), "pb.lua:3: boom");
  assert_int_equal(num(d, "playbooks.#0.hosts"), 4);
  s = mp_merge_to_junit(d);
  assert_non_null(strstr(s, "name=\"load @ h#4\""));
  assert_non_null(strstr(s, "tests=\"4\" failures=\"0\" errors=\"1\""));
  free(s);
  s = mp_merge_to_text(d);
  assert_non_null(strstr(s, "load error on h#4: pb.lua:3: boom"));
  free(s);
  mp_merge_free(m);
}

/* What is not a report is refused with a message, and the merge stays
 * as it was. */
static void test_merge_refuses(void **state) {
  static const struct { const char *doc, *want; } cases[] = {
    {"[1]", "not a JSON object"},
    {"{\"tool\":\"other\"}", "not a marsplay report"},
    {"{\"tool\":\"marsplay\",\"kind\":\"merge\",\"schema_version\":1}", "hosts: expected an array"},
    {"{\"tool\":\"marsplay\",\"kind\":\"merge\",\"schema_version\":1,\"hosts\":[{\"host\":\"a\",\"exit_code\":0}],"
     "\"playbooks\":[{\"id\":\"p\",\"hosts\":1,\"checks\":[{\"id\":\"c\",\"results\":[{\"host\":\"b\",\"status\":\"pass\"}]}]}]}",
     "results[0]: its host is not in hosts"},
    {"{\"tool\":\"marsplay\",\"kind\":\"merge\",\"schema_version\":1,\"hosts\":[{\"host\":\"a\",\"exit_code\":0},"
     "{\"host\":\"a\",\"exit_code\":0}],\"playbooks\":[]}", "hosts[1]: host \"a\" appears twice"},
    {"{\"tool\":\"marsplay\",\"playbooks\":[]}", "no schema_version"},
    {"{\"tool\":\"marsplay\",\"schema_version\":2,\"playbooks\":[]}", "schema_version 2"},
    {"{\"tool\":\"marsplay\",\"schema_version\":1}", "playbooks: expected an array"},
    {"{\"tool\":\"marsplay\",\"schema_version\":1,\"exit_code\":9,\"playbooks\":[]}", "exit_code"},
    {"{\"tool\":\"marsplay\",\"schema_version\":1,\"target\":[],\"playbooks\":[]}", "target"},
    {"{\"tool\":\"marsplay\",\"schema_version\":1,\"playbooks\":[3]}", "playbooks[0]: expected an object"},
    {"{\"tool\":\"marsplay\",\"schema_version\":1,\"playbooks\":[{\"checks\":[]}]}", "playbooks[0]: no id"},
    {"{\"tool\":\"marsplay\",\"schema_version\":1,\"playbooks\":[{\"id\":\"p\"}]}", "playbooks[0].checks"},
    {"{\"tool\":\"marsplay\",\"schema_version\":1,\"playbooks\":[{\"id\":\"p\",\"checks\":[{\"id\":\"c\"}]}]}",
     "playbooks[0].checks[0]: no status"},
    {"{\"tool\":\"marsplay\",\"schema_version\":1,\"playbooks\":[{\"id\":\"p\",\"checks\":[{\"id\":\"c\",\"status\":\"great\"}]}]}",
     "unknown status \"great\""},
    {"{\"tool\":\"marsplay\",\"schema_version\":1,\"playbooks\":[{\"id\":\"p\",\"checks\":[{\"status\":\"pass\"}]}]}",
     "checks[0]: no id"},
  };
  static const char *const p[] = {"pass"};
  mp_merge *m = mp_merge_new();
  size_t i;
  (void)state;
  add(m, report("h", NULL, 0, p, 1), NULL);
  for (i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *err = NULL;
    mp_value *v = mp_json_parse(cases[i].doc, strlen(cases[i].doc), &err);
    if (v == NULL) fail_msg("case %zu: %s", i, err);
    assert_int_equal(mp_merge_add(m, v, NULL, &err), -1);
    assert_non_null(err);
    if (strstr(err, cases[i].want) == NULL) fail_msg("case %zu: [%s] lacks [%s]", i, err, cases[i].want);
    free(err);
    mp_value_free(v);
  }
  assert_int_equal(num(mp_merge_result(m), "summary.hosts"), 1);
  assert_int_equal(num(mp_merge_result(m), "summary.results"), 1);
  mp_merge_free(m);
}

/* Hostile text stays harmless: control bytes and bad UTF-8. */
static void test_merge_escaping(void **state) {
  static const char *const st[] = {"fail"};
  mp_value *r = report("h", NULL, 2, st, 1);
  mp_value *pbs = mpv_getm(r, "playbooks");
  mp_value *chk = mpv_getm(pbs->u.agg.items[0], "checks")->u.agg.items[0];
  mp_merge *m = mp_merge_new();
  char *s;
  (void)state;
  assert_int_equal(mpv_set(chk, "message", mpv_str("a\033[31m<&>\xFF\"", 11)), 0);
  add(m, r, "x\ny");
  s = mp_merge_to_text(mp_merge_result(m));
  /* the value goes through JSON: the bad byte is U+FFFD by then */
  assert_non_null(strstr(s, "x\\x0Ay: a\\x1B[31m<&>\xEF\xBF\xBD\""));
  assert_null(strchr(s, '\033'));
  free(s);
  s = mp_merge_to_junit(mp_merge_result(m));
  assert_non_null(strstr(s, "name=\"c0 @ x&#10;y\""));
  assert_non_null(strstr(s, "message=\"a\xEF\xBF\xBD[31m&lt;&amp;&gt;\xEF\xBF\xBD&quot;\""));
  assert_null(strchr(s, '\033'));
  free(s);
  mp_merge_free(m);
}

/* A live report straight from a runtime (mp_report) merges too. */
static void test_merge_live_report(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  mp_merge *m;
  char *err = NULL;
  const mp_value *d;
  (void)state;
  cfg.dry_run = 1;
  cfg.no_fix = 1;
  cfg.lang = "en";
  rt = mp_new(&cfg, &err);
  if (rt == NULL) fail_msg("mp_new: %s", err);
  mp_run(rt, "cache");
  m = mp_merge_new();
  if (mp_merge_add(m, mp_report(rt), NULL, &err) != 0) fail_msg("add: %s", err);
  if (mp_merge_add(m, mp_report(rt), "again", &err) != 0) fail_msg("add: %s", err);
  d = mp_merge_result(m);
  assert_non_null(d);
  assert_int_equal(num(d, "summary.hosts"), 2);
  assert_string_equal(str(d, "playbooks.#0.id"), "cache");
  assert_int_equal(num(d, "playbooks.#0.hosts"), 2);
  assert_int_equal(num(d, "exit_code"), mp_exit_code(rt));
  assert_int_equal(mp_value_type(mp_value_get(mp_value_at(mp_value_get(d, "hosts"), 0), "root")),
                   MP_NULL);                              /* live */
  mp_merge_free(m);
  mp_free(rt);
}

static int to_buf(void *ud, const char *p, size_t n) {
  mpb_add(ud, p, n);
  return 0;
}

/* Durations are kept to the microsecond, rounded half up, whatever form
 * the number has; a merged report merged again writes the same bytes. */
static void test_merge_durations(void **state) {
  static const struct { const char *in; double want; } c[] = {
    {"1.23456", 1.235}, {"0.0004999", 0}, {"0.0005", 0.001}, {"12.5", 12.5},
    {"3.0005", 3.001}, {"7e2", 700}, {"80503.52639999983", 80503.526}, {"42", 42},
    {"1.5E-3", 0.002}, {"999.9995", 1000},
  };
  mp_merge *m = mp_merge_new(), *again = mp_merge_new();
  mp_buf one = {NULL, 0, 0, 0}, two = {NULL, 0, 0, 0};
  const mp_value *d;
  char *err = NULL, path[64];
  size_t i;
  (void)state;
  assert_non_null(m);
  assert_non_null(again);
  for (i = 0; i < sizeof c / sizeof c[0]; i++) {
    static const char *const st[] = {"pass"};
    mp_value *r = report("h", NULL, 0, st, 1);
    mp_value *pbs = mpv_getm(r, "playbooks");
    mp_value *chk = mpv_getm(pbs->u.agg.items[0], "checks")->u.agg.items[0];
    char *json, label[16];
    double v = strtod(c[i].in, NULL);
    assert_int_equal(mpv_set(chk, "duration_ms", mpv_num(v)), 0);
    assert_int_equal(mpv_set(r, "duration_ms", mpv_num(v)), 0);
    json = mp_value_to_json(r, 0);
    assert_non_null(json);
    /* the number as the input spells it, not as the writer would */
    {
      mp_buf b = {NULL, 0, 0, 0};
      const char *at = strstr(json, "\"duration_ms\":");
      assert_non_null(at);
      at += strlen("\"duration_ms\":");
      mpb_add(&b, json, (size_t)(at - json));
      mpb_puts(&b, c[i].in);
      while (*at && *at != ',' && *at != '}') at++;
      mpb_puts(&b, at);
      snprintf(label, sizeof label, "h%zu", i);
      if (mp_merge_add_json(m, b.p, b.len, label, &err) != 0) fail_msg("%s: %s", c[i].in, err);
      mpb_free(&b);
    }
    free(json);
    mp_value_free(r);
  }
  d = mp_merge_result(m);
  assert_non_null(d);
  for (i = 0; i < sizeof c / sizeof c[0]; i++) {
    snprintf(path, sizeof path, "hosts.#%zu.duration_ms", i);
    if (fabs(num(d, path) - c[i].want) > 1e-9)
      fail_msg("%s: got %.17g, want %.17g", c[i].in, num(d, path), c[i].want);
  }
  assert_true(mp_merge_write(m, "json", to_buf, &one) >= 0);
  assert_false(one.oom);
  if (mp_merge_add_json(again, one.p, one.len, NULL, &err) != 0) fail_msg("again: %s", err);
  assert_true(mp_merge_write(again, "json", to_buf, &two) >= 0);
  assert_int_equal(one.len, two.len);
  assert_memory_equal(one.p, two.p, one.len);
  mpb_free(&one);
  mpb_free(&two);
  mp_merge_free(m);
  mp_merge_free(again);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_values),
    cmocka_unit_test(test_parse_boms),
    cmocka_unit_test(test_parse_errors),
    cmocka_unit_test(test_parse_member_cap),
    cmocka_unit_test(test_parse_locale),
    cmocka_unit_test(test_merge_counts),
    cmocka_unit_test(test_merge_exit_rules),
    cmocka_unit_test(test_merge_labels_and_load_errors),
    cmocka_unit_test(test_merge_refuses),
    cmocka_unit_test(test_merge_escaping),
    cmocka_unit_test(test_merge_live_report),
    cmocka_unit_test(test_merge_durations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
