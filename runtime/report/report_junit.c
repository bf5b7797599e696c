/* report_junit.c - the report as JUnit XML for CI dashboards.
 *
 * <testsuites> holds one <testsuite> per playbook and one <testcase> per
 * check.  fail, planned, manual and fix-failed give <failure type=status>,
 * error gives <error>, skipped and waived give <skipped>; a playbook that
 * failed to load gives a testcase named "load" with an <error>.  Counts
 * are computed from the statuses, not taken from the report's summary.
 * The <testsuites> element carries no "skipped" attribute: the JUnit
 * schema used by Jenkins (junit-10.xsd) does not allow one there.
 *
 * Text is escaped for XML 1.0: the five specials become entities,
 * characters XML 1.0 cannot carry (C0 controls other than tab, newline
 * and carriage return, U+FFFE, U+FFFF) and bytes of invalid UTF-8 become
 * U+FFFD; in attributes tab, newline and carriage return are written as
 * character references so that they survive attribute normalisation.
 */
#include <math.h>
#include <string.h>

#include "report/report.h"

#define REPL "\xEF\xBF\xBD"  /* U+FFFD */

static void xml_esc(mp_buf *b, const char *s, size_t len, int attr) {
  size_t i = 0, run = 0;
  while (i < len && !b->oom) {
    unsigned char c = (unsigned char)s[i];
    const char *rep = NULL;
    size_t k = 1;
    if (c >= 0x80) {
      k = mp_utf8_seq(s + i, len - i);
      if (k == 3 && c == 0xEF && (unsigned char)s[i + 1] == 0xBF &&
          (unsigned char)s[i + 2] >= 0xBE)
        rep = REPL;                      /* U+FFFE, U+FFFF */
      else if (k == 0) { rep = REPL; k = 1; }
    } else {
      switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        case '\t': rep = attr ? "&#9;" : NULL; break;
        case '\n': rep = attr ? "&#10;" : NULL; break;
        case '\r': rep = "&#13;"; break;
        default: if (c < 0x20) rep = REPL;
      }
    }
    if (rep == NULL) { i += k; run += k; continue; }
    mpb_add(b, s + i - run, run);
    run = 0;
    mpb_puts(b, rep);
    i += k;
  }
  mpb_add(b, s + i - run, run);
}

static void xml_cstr(mp_buf *b, const char *s, int attr) {
  if (s) xml_esc(b, s, strlen(s), attr);
}

/* name="value" with a leading space. */
static void attr(mp_buf *b, const char *name, const char *value) {
  mpb_printf(b, " %s=\"", name);
  xml_cstr(b, value ? value : "", 1);
  mpb_add(b, "\"", 1);
}

static void attr_num(mp_buf *b, const char *name, unsigned long n) {
  mpb_printf(b, " %s=\"%lu\"", name, n);
}

/* Seconds with three decimals from milliseconds (never negative). */
static void attr_time(mp_buf *b, const char *name, double ms) {
  char t[64];
  if (!(ms >= 0) || ms > 1e15) ms = 0;  /* also NaN */
  snprintf(t, sizeof t, "%.3f", ms / 1000.0);
  mp_fix_decimal(t);
  attr(b, name, t);
}

static const char *sget(const mp_value *o, const char *k) {
  return mp_value_string(mp_value_get(o, k), NULL);
}

static double nget(const mp_value *o, const char *k) {
  const mp_value *v = mp_value_get(o, k);
  return mp_value_type(v) == MP_NUMBER ? mp_value_number(v) : 0.0;
}

/* A value as plain text: strings as they are, the rest as compact JSON. */
static void plain(mp_buf *b, const mp_value *v) {
  size_t len;
  const char *s = mp_value_string(v, &len);
  if (s) mpb_add(b, s, len);
  else mpv_write_json(b, v, 0, 1);
}

/* The body of a failure/error: what an engineer reading CI needs. */
static void body_text(mp_buf *t, const mp_value *c) {
  const mp_value *ev = mp_value_get(c, "evidence"), *acts = mp_value_get(c, "actions");
  const mp_value *recs = mp_value_get(c, "recommendations"), *ids = mp_value_get(c, "error_ids");
  size_t i;
  const char *s;
  if ((s = sget(c, "message"))) mpb_printf(t, "%s\n", s);
  if ((s = sget(c, "reason"))) mpb_printf(t, "reason: %s\n", s);
  if ((s = sget(c, "cause"))) mpb_printf(t, "cause: %s\n", s);
  if ((s = sget(c, "severity"))) mpb_printf(t, "severity: %s\n", s);
  if (mp_value_len(ids)) {
    mpb_puts(t, "error ids:");
    for (i = 0; i < mp_value_len(ids); i++) { mpb_add(t, " ", 1); plain(t, mp_value_at(ids, i)); }
    mpb_add(t, "\n", 1);
  }
  if (mp_value_type(ev) == MP_OBJECT && mp_value_len(ev)) {
    mpb_puts(t, "evidence:\n");
    for (i = 0; i < mp_value_len(ev); i++) {
      mpb_printf(t, "  %s = ", mp_value_key(ev, i));
      plain(t, mp_value_at(ev, i));
      mpb_add(t, "\n", 1);
    }
  }
  if (mp_value_len(acts)) {
    mpb_puts(t, "actions:\n");
    for (i = 0; i < mp_value_len(acts); i++) {
      const mp_value *a = mp_value_at(acts, i);
      const mp_value *before = mp_value_get(a, "before"), *after = mp_value_get(a, "after");
      mpb_printf(t, "  - [%s] %s %s", (s = sget(a, "state")) ? s : "?",
                 sget(a, "kind") ? sget(a, "kind") : "?",
                 sget(a, "target") ? sget(a, "target") : "");
      if (before && mp_value_type(before) != MP_NULL) { mpb_puts(t, " before="); plain(t, before); }
      if (after && mp_value_type(after) != MP_NULL) { mpb_puts(t, " after="); plain(t, after); }
      if ((s = sget(a, "detail"))) mpb_printf(t, " (%s)", s);
      mpb_add(t, "\n", 1);
    }
  }
  if (mp_value_len(recs)) {
    mpb_puts(t, "recommendations:\n");
    for (i = 0; i < mp_value_len(recs); i++) {
      mpb_printf(t, "  %zu. ", i + 1);
      plain(t, mp_value_at(recs, i));
      mpb_add(t, "\n", 1);
    }
  }
}

/* <tag type=.. message=..>body</tag> */
static void outcome(mp_buf *b, const char *tag, const char *type,
                    const char *msg, const char *prefix, const mp_value *c, int with_body) {
  mp_buf t = {NULL, 0, 0, 0};
  mpb_printf(b, "      <%s", tag);
  if (type) attr(b, "type", type);
  mpb_puts(b, " message=\"");
  xml_cstr(b, prefix, 1);
  xml_cstr(b, msg, 1);
  mpb_add(b, "\"", 1);
  if (!with_body) { mpb_puts(b, "/>\n"); return; }
  body_text(&t, c);
  if (t.oom) b->oom = 1;
  mpb_add(b, ">", 1);
  if (t.p) xml_esc(b, t.p, t.len, 0);
  mpb_printf(b, "</%s>\n", tag);
  mpb_free(&t);
}

static void testcase(mp_buf *b, const char *pbid, const mp_value *c) {
  const char *id = sget(c, "id"), *title = sget(c, "title"), *st = sget(c, "status");
  const char *msg = sget(c, "message"), *reason = sget(c, "reason");
  int k = mpr_status_index(st);
  mpb_puts(b, "    <testcase classname=\"marsplay.");
  xml_cstr(b, pbid, 1);
  mpb_puts(b, "\" name=\"");
  xml_cstr(b, id ? id : "?", 1);
  if (title) { mpb_puts(b, ": "); xml_cstr(b, title, 1); }
  mpb_add(b, "\"", 1);
  attr_time(b, "time", nget(c, "duration_ms"));
  switch (k) {
    case MPR_PASS:
      mpb_puts(b, "/>\n");
      return;
    case MPR_FIXED: {  /* passing; say what was changed */
      mp_buf t = {NULL, 0, 0, 0};
      body_text(&t, c);
      if (t.oom) b->oom = 1;
      mpb_puts(b, ">\n      <system-out>");
      if (t.p) xml_esc(b, t.p, t.len, 0);
      mpb_puts(b, "</system-out>\n    </testcase>\n");
      mpb_free(&t);
      return;
    }
    case MPR_FAIL: case MPR_PLANNED: case MPR_MANUAL: case MPR_FIXFAILED:
      mpb_puts(b, ">\n");
      outcome(b, "failure", st, msg ? msg : st, NULL, c, 1);
      break;
    case MPR_SKIPPED:
      mpb_puts(b, ">\n");
      outcome(b, "skipped", NULL, reason ? reason : msg ? msg : "skipped", NULL, c, 0);
      break;
    case MPR_WAIVED:
      mpb_puts(b, ">\n");
      outcome(b, "skipped", NULL, reason ? reason : msg ? msg : "", "waived: ", c, 0);
      break;
    default:  /* error, or a status this writer does not know */
      mpb_puts(b, ">\n");
      outcome(b, "error", "error", reason ? reason : msg ? msg : "error",
              k == MPR_ERROR ? NULL : "unknown status: ", c, 1);
  }
  mpb_puts(b, "    </testcase>\n");
}

static void property(mp_buf *b, const char *name, const char *pfx, const mp_value *v) {
  mp_buf t = {NULL, 0, 0, 0};
  if (v == NULL || mp_value_type(v) == MP_NULL) return;
  plain(&t, v);
  if (t.oom) b->oom = 1;
  mpb_puts(b, "      <property name=\"");
  xml_cstr(b, pfx, 1);
  xml_cstr(b, name, 1);
  mpb_puts(b, "\" value=\"");
  if (t.p) xml_esc(b, t.p, t.len, 1);
  mpb_puts(b, "\"/>\n");
  mpb_free(&t);
}

static void testsuite(mp_buf *b, const mp_value *report, const mp_value *pb,
                      mpr_counts *all, unsigned long *load_errors) {
  const mp_value *checks = mp_value_get(pb, "checks"), *params = mp_value_get(pb, "params");
  const char *id = sget(pb, "id"), *err = sget(pb, "error");
  mpr_counts c;
  unsigned long failures, errors, skipped, tests;
  size_t i;
  if (id == NULL) id = "unknown";
  memset(&c, 0, sizeof c);
  mpr_count_checks(checks, &c);
  tests = c.total + (err != NULL);
  failures = c.n[MPR_FAIL] + c.n[MPR_PLANNED] + c.n[MPR_MANUAL] + c.n[MPR_FIXFAILED];
  errors = c.n[MPR_ERROR] + (err != NULL);
  skipped = c.n[MPR_SKIPPED] + c.n[MPR_WAIVED];
  for (i = 0; i < MPR_NSTATUS; i++) all->n[i] += c.n[i];
  all->total += c.total;
  *load_errors += err != NULL;

  mpb_puts(b, "  <testsuite");
  attr(b, "name", id);
  attr_num(b, "tests", tests);
  attr_num(b, "failures", failures);
  attr_num(b, "errors", errors);
  attr_num(b, "skipped", skipped);
  attr_time(b, "time", nget(pb, "duration_ms"));
  if (sget(report, "started")) attr(b, "timestamp", sget(report, "started"));
  if (sget(mp_value_get(report, "target"), "hostname"))
    attr(b, "hostname", sget(mp_value_get(report, "target"), "hostname"));
  if (sget(pb, "file")) attr(b, "file", sget(pb, "file"));
  mpb_puts(b, ">\n    <properties>\n");
  property(b, "title", NULL, mp_value_get(pb, "title"));
  property(b, "anchor", NULL, mp_value_get(pb, "anchor"));
  property(b, "mode", NULL, mp_value_get(report, "mode"));
  property(b, "exit_code", NULL, mp_value_get(pb, "exit_code"));
  for (i = 0; i < mp_value_len(params) && mp_value_type(params) == MP_OBJECT; i++)
    property(b, mp_value_key(params, i), "param.", mp_value_at(params, i));
  mpb_puts(b, "    </properties>\n");
  if (err) {
    mpb_puts(b, "    <testcase classname=\"marsplay.");
    xml_cstr(b, id, 1);
    mpb_puts(b, "\" name=\"load\" time=\"0.000\">\n      <error type=\"error\" message=\"");
    xml_cstr(b, err, 1);
    mpb_puts(b, "\">");
    xml_cstr(b, err, 0);
    mpb_puts(b, "</error>\n    </testcase>\n");
  }
  for (i = 0; i < mp_value_len(checks); i++) testcase(b, id, mp_value_at(checks, i));
  mpb_puts(b, "  </testsuite>\n");
}

int mp_report_write_junit(const mp_value *report, FILE *out) {
  const mp_value *pbs = mp_value_get(report, "playbooks");
  mp_buf b = {NULL, 0, 0, 0}, suites = {NULL, 0, 0, 0};
  mpr_counts all;
  unsigned long load_errors = 0;
  double ms = nget(report, "duration_ms");
  size_t i;
  int rc = 0;
  memset(&all, 0, sizeof all);
  for (i = 0; i < mp_value_len(pbs); i++)
    testsuite(&suites, report, mp_value_at(pbs, i), &all, &load_errors);
  if (mp_value_type(mp_value_get(report, "duration_ms")) != MP_NUMBER)
    for (ms = 0, i = 0; i < mp_value_len(pbs); i++) ms += nget(mp_value_at(pbs, i), "duration_ms");
  mpb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
  attr(&b, "name", "marsplay");
  attr_num(&b, "tests", all.total + load_errors);
  attr_num(&b, "failures", all.n[MPR_FAIL] + all.n[MPR_PLANNED] + all.n[MPR_MANUAL] +
           all.n[MPR_FIXFAILED]);
  attr_num(&b, "errors", all.n[MPR_ERROR] + load_errors);
  attr_time(&b, "time", ms);
  mpb_puts(&b, ">\n");
  if (suites.p) mpb_add(&b, suites.p, suites.len);
  mpb_puts(&b, "</testsuites>\n");
  if (b.oom || suites.oom || fwrite(b.p, 1, b.len, out) != b.len || fflush(out) != 0) rc = -1;
  mpb_free(&b);
  mpb_free(&suites);
  return rc;
}
