/* report_merge_out.c - a merged report (report_merge.c) as text for an
 * operator and as JUnit XML for CI.
 *
 * Text: the hosts with their exit codes, then per playbook one line per
 * check with the count of hosts per status, and under it the hosts of
 * each non-pass status grouped by their message (at most TXT_MAX_HOSTS
 * names a group; the JSON has them all).  Bytes that are not printable
 * UTF-8 are shown as \xNN.
 *
 * JUnit, made for Jenkins: one <testsuite> per playbook, one <testcase>
 * per check and host, classname "marsplay.PLAYBOOK.CHECK" and name
 * "CHECK @ HOST".  Jenkins splits the classname at its last dot, so its
 * tree reads package marsplay.PLAYBOOK > class CHECK > one test per
 * host, and each (check, host) pair keeps its own history; tools that
 * show only the name still see check and host.  fail, planned, manual
 * and fix-failed are failures, error an error, skipped and waived
 * skipped; a playbook that did not load on a host is the testcase
 * "load @ HOST" with an <error>.
 */
#include <string.h>

#include "marsplay.h"
#include "report/report.h"
#include "core/value.h"

#define TXT_MAX_HOSTS 20

static const char *sget(const mp_value *o, const char *k) {
  return mp_value_string(mp_value_get(o, k), NULL);
}

static unsigned long uget(const mp_value *o, const char *k) {
  double n = mpv_getnum(o, k, 0);
  return n > 0 ? (unsigned long)n : 0;
}

/* ---------- text ---------- */

/* s for a terminal: printable UTF-8 as is, anything else as \xNN. */
static void txt(mp_buf *b, const char *s) {
  size_t i = 0, n = s ? strlen(s) : 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    size_t k = c < 0x80 ? 1 : mp_utf8_seq(s + i, n - i);
    if (c < 0x20 || c == 0x7F || k == 0) {
      mpb_printf(b, "\\x%02X", c);
      i++;
    } else {
      mpb_add(b, s + i, k);
      i += k;
    }
  }
}

static const char *meaning(int code) {
  switch (code) {
    case 0: return "healthy, or every problem fixed and verified";
    case 1: return "errors: a check or a playbook failed to run on some host";
    case 2: return "problems remain that marsplay can fix";
    case 3: return "problems remain that need manual action";
    default: return "a fix failed or did not verify";
  }
}

/* "pass 2, planned 1" from a counts object (zeros left out). */
static void counts_line(mp_buf *b, const mp_value *counts) {
  int i, first = 1;
  for (i = 0; i < MPR_NSTATUS; i++) {
    unsigned long n = uget(counts, mpr_status_names[i]);
    if (n == 0) continue;
    mpb_printf(b, "%s%s %lu", first ? "" : ", ", mpr_status_names[i], n);
    first = 0;
  }
  if (first) mpb_puts(b, "no results");
}

/* The text that explains one host's result. */
static const char *why(const mp_value *res) {
  const char *s = sget(res, "message");
  if (s == NULL || *s == '\0') s = sget(res, "reason");
  return s ? s : "";
}

/* Hosts of status st, grouped by identical explanation. */
static void status_groups(mp_buf *b, const mp_value *results, const char *st) {
  size_t n = mp_value_len(results), i, j;
  for (i = 0; i < n; i++) {
    const mp_value *r = mp_value_at(results, i);
    const char *w = why(r);
    unsigned long shown = 0, more = 0;
    int seen = 0;
    if (strcmp(sget(r, "status") ? sget(r, "status") : "", st) != 0) continue;
    for (j = 0; j < i && !seen; j++) {  /* this group was printed already */
      const mp_value *q = mp_value_at(results, j);
      seen = sget(q, "status") && strcmp(sget(q, "status"), st) == 0 && strcmp(why(q), w) == 0;
    }
    if (seen) continue;
    mpb_printf(b, "      %-10s ", st);
    for (j = i; j < n; j++) {
      const mp_value *q = mp_value_at(results, j);
      if (!sget(q, "status") || strcmp(sget(q, "status"), st) != 0 || strcmp(why(q), w) != 0)
        continue;
      if (shown == TXT_MAX_HOSTS) { more++; continue; }
      if (shown++) mpb_puts(b, ", ");
      txt(b, sget(q, "host"));
    }
    if (more) mpb_printf(b, " and %lu more", more);
    if (*w) { mpb_puts(b, ": "); txt(b, w); }
    mpb_add(b, "\n", 1);
  }
}

static void text_check(mp_buf *b, const mp_value *k) {
  const mp_value *results = mp_value_get(k, "results");
  int i;
  const char *id = sget(k, "id") ? sget(k, "id") : "";
  size_t len = strlen(id);
  mpb_puts(b, "  ");
  txt(b, id);
  mpb_printf(b, "%*s[%lu]  ", len < 32 ? (int)(32 - len) : 1, "", uget(k, "exit_code"));
  counts_line(b, mp_value_get(k, "counts"));
  mpb_add(b, "\n", 1);
  for (i = 0; i < MPR_NSTATUS; i++)
    if (i != MPR_PASS) status_groups(b, results, mpr_status_names[i]);
}

static void text_playbook(mp_buf *b, const mp_value *p) {
  const mp_value *checks = mp_value_get(p, "checks"), *errs = mp_value_get(p, "errors");
  size_t i;
  mpb_puts(b, "\n== ");
  txt(b, sget(p, "id"));
  mpb_puts(b, "  ");
  txt(b, sget(p, "title"));
  mpb_printf(b, "  (%lu host%s, exit code %lu)\n", uget(p, "hosts"),
             uget(p, "hosts") == 1 ? "" : "s", uget(p, "exit_code"));
  for (i = 0; i < mp_value_len(errs); i++) {
    mpb_puts(b, "  load error on ");
    txt(b, sget(mp_value_at(errs, i), "host"));
    mpb_puts(b, ": ");
    txt(b, sget(mp_value_at(errs, i), "error"));
    mpb_add(b, "\n", 1);
  }
  for (i = 0; i < mp_value_len(checks); i++) text_check(b, mp_value_at(checks, i));
}

static void text_host(mp_buf *b, const mp_value *h) {
  const char *root = sget(h, "root"), *mode = sget(h, "mode");
  mpb_printf(b, "  [%lu] ", uget(h, "exit_code"));
  txt(b, sget(h, "host"));
  mpb_puts(b, "  ");
  if (mode) { txt(b, mode); mpb_puts(b, ", "); }
  if (root) { mpb_puts(b, "offline volume "); txt(b, root); }
  else mpb_puts(b, "live");
  if (sget(h, "hostname")) { mpb_puts(b, " on "); txt(b, sget(h, "hostname")); }
  mpb_puts(b, ": ");
  counts_line(b, mp_value_get(h, "summary"));
  mpb_add(b, "\n", 1);
}

char *mp_merge_to_text(const mp_value *merged) {
  const mp_value *hosts = mp_value_get(merged, "hosts"), *pbs = mp_value_get(merged, "playbooks");
  const mp_value *sum = mp_value_get(merged, "summary");
  mp_buf b = {NULL, 0, 0, 0};
  unsigned long code = uget(merged, "exit_code");
  size_t i;
  mpb_printf(&b, "marsplay %s - merged report of %zu host%s\n\nHosts [exit code]:\n",
             MARSPLAY_VERSION, mp_value_len(hosts), mp_value_len(hosts) == 1 ? "" : "s");
  for (i = 0; i < mp_value_len(hosts); i++) text_host(&b, mp_value_at(hosts, i));
  for (i = 0; i < mp_value_len(pbs); i++) text_playbook(&b, mp_value_at(pbs, i));
  mpb_puts(&b, "\nSummary: ");
  counts_line(&b, sum);
  mpb_printf(&b, " (%lu results from %zu host%s", uget(sum, "results"), mp_value_len(hosts),
             mp_value_len(hosts) == 1 ? "" : "s");
  if (uget(sum, "playbook_errors"))
    mpb_printf(&b, "; %lu playbook load errors", uget(sum, "playbook_errors"));
  mpb_printf(&b, ").\nExit code %lu: %s.\n", code, meaning((int)code));
  mpb_add(&b, "", 1);
  if (b.oom) { mpb_free(&b); return NULL; }
  return b.p;
}

/* ---------- JUnit ---------- */

/* XML 1.0 text: the specials as entities; bytes of invalid UTF-8, C0
 * controls (but tab, newline, CR) and U+FFFE/U+FFFF as U+FFFD; in
 * attributes tab, newline and CR as character references. */
static void xml(mp_buf *b, const char *s, int attr) {
  size_t i = 0, n = s ? strlen(s) : 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    size_t k = c < 0x80 ? 1 : mp_utf8_seq(s + i, n - i);
    if (k == 0 || (k == 3 && c == 0xEF && (unsigned char)s[i + 1] == 0xBF &&
                   (unsigned char)s[i + 2] >= 0xBE)) {
      mpb_puts(b, "\xEF\xBF\xBD");
      i += k ? k : 1;
      continue;
    }
    i += k;
    if (k > 1) { mpb_add(b, s + i - k, k); continue; }
    switch (c) {
      case '<': mpb_puts(b, "&lt;"); break;
      case '>': mpb_puts(b, "&gt;"); break;
      case '&': mpb_puts(b, "&amp;"); break;
      case '"': mpb_puts(b, "&quot;"); break;
      case '\'': mpb_puts(b, "&apos;"); break;
      case '\r': mpb_puts(b, "&#13;"); break;
      case '\t': case '\n':
        if (attr) mpb_printf(b, "&#%d;", c);
        else mpb_add(b, s + i - 1, 1);
        break;
      default:
        if (c < 0x20) mpb_puts(b, "\xEF\xBF\xBD");
        else mpb_add(b, s + i - 1, 1);
    }
  }
}

static void xattr(mp_buf *b, const char *name, const char *v) {
  mpb_printf(b, " %s=\"", name);
  xml(b, v ? v : "", 1);
  mpb_add(b, "\"", 1);
}

static void xtime(mp_buf *b, const char *name, double ms) {
  char t[64];
  if (!(ms >= 0) || ms > 1e15) ms = 0;
  snprintf(t, sizeof t, "%.3f", ms / 1000.0);
  mp_fix_decimal(t);
  mpb_printf(b, " %s=\"%s\"", name, t);
}

/* <testcase classname="marsplay.PB.CHECK" name="CHECK @ HOST" time=..> */
static void case_open(mp_buf *b, const char *pb, const char *check, const char *host, double ms) {
  mpb_puts(b, "    <testcase classname=\"marsplay.");
  xml(b, pb, 1);
  mpb_add(b, ".", 1);
  xml(b, check, 1);
  mpb_puts(b, "\" name=\"");
  xml(b, check, 1);
  mpb_puts(b, " @ ");
  xml(b, host, 1);
  mpb_add(b, "\"", 1);
  xtime(b, "time", ms);
}

/* The body of a failure or error: host, status and the explanation. */
static void body(mp_buf *b, const mp_value *k, const mp_value *r) {
  const mp_value *ids = mp_value_get(k, "error_ids");
  size_t i;
  mpb_puts(b, "host: ");
  xml(b, sget(r, "host"), 0);
  mpb_puts(b, "\nstatus: ");
  xml(b, sget(r, "status"), 0);
  if (sget(k, "severity")) { mpb_puts(b, "\nseverity: "); xml(b, sget(k, "severity"), 0); }
  if (sget(r, "message")) { mpb_puts(b, "\n"); xml(b, sget(r, "message"), 0); }
  if (sget(r, "reason")) { mpb_puts(b, "\nreason: "); xml(b, sget(r, "reason"), 0); }
  if (mp_value_len(ids)) {
    mpb_puts(b, "\nerror ids:");
    for (i = 0; i < mp_value_len(ids); i++) {
      mpb_add(b, " ", 1);
      xml(b, mp_value_string(mp_value_at(ids, i), NULL), 0);
    }
  }
  mpb_puts(b, "\n(details: that host's own JSON report)\n");
}

static void outcome(mp_buf *b, const char *tag, const char *type, const char *prefix,
                    const char *msg, const mp_value *k, const mp_value *r) {
  mpb_printf(b, ">\n      <%s", tag);
  if (type) xattr(b, "type", type);
  mpb_puts(b, " message=\"");
  xml(b, prefix, 1);
  xml(b, msg, 1);
  mpb_add(b, "\"", 1);
  if (k == NULL) {
    mpb_puts(b, "/>\n");
  } else {
    mpb_add(b, ">", 1);
    body(b, k, r);
    mpb_printf(b, "</%s>\n", tag);
  }
  mpb_puts(b, "    </testcase>\n");
}

/* Totals of a testsuite, or of all. */
typedef struct jtot { unsigned long tests, failures, errors, skipped; double ms; } jtot;

static void testcase(mp_buf *b, const char *pb, const mp_value *k, const mp_value *r, jtot *t) {
  const char *st = sget(r, "status"), *w = why(r);
  double ms = mpv_getnum(r, "duration_ms", 0);
  int s = mpr_status_index(st);
  case_open(b, pb, sget(k, "id"), sget(r, "host"), ms);
  t->tests++;
  if (ms > 0) t->ms += ms;
  switch (s) {
    case MPR_PASS: case MPR_FIXED:
      mpb_puts(b, "/>\n");
      break;
    case MPR_FAIL: case MPR_PLANNED: case MPR_MANUAL: case MPR_FIXFAILED:
      t->failures++;
      outcome(b, "failure", st, NULL, *w ? w : st, k, r);
      break;
    case MPR_SKIPPED:
      t->skipped++;
      outcome(b, "skipped", NULL, NULL, *w ? w : "skipped", NULL, NULL);
      break;
    case MPR_WAIVED:
      t->skipped++;
      outcome(b, "skipped", NULL, "waived: ", sget(r, "waiver") ? sget(r, "waiver") : w, NULL, NULL);
      break;
    default:
      t->errors++;
      outcome(b, "error", "error", NULL, *w ? w : "error", k, r);
  }
}

static void testsuite(mp_buf *out, const mp_value *p, jtot *all) {
  const mp_value *checks = mp_value_get(p, "checks"), *errs = mp_value_get(p, "errors");
  const char *id = sget(p, "id") ? sget(p, "id") : "unknown";
  mp_buf b = {NULL, 0, 0, 0};
  jtot t = {0, 0, 0, 0, 0};
  size_t i, j;
  for (i = 0; i < mp_value_len(errs); i++) {
    const mp_value *e = mp_value_at(errs, i);
    case_open(&b, id, "load", sget(e, "host"), 0);
    mpb_puts(&b, ">\n      <error type=\"error\" message=\"");
    xml(&b, sget(e, "error"), 1);
    mpb_puts(&b, "\">host: ");
    xml(&b, sget(e, "host"), 0);
    mpb_puts(&b, "\n");
    xml(&b, sget(e, "error"), 0);
    mpb_puts(&b, "\n</error>\n    </testcase>\n");
    t.tests++;
    t.errors++;
  }
  for (i = 0; i < mp_value_len(checks); i++) {
    const mp_value *k = mp_value_at(checks, i), *results = mp_value_get(k, "results");
    for (j = 0; j < mp_value_len(results); j++) testcase(&b, id, k, mp_value_at(results, j), &t);
  }
  mpb_puts(out, "  <testsuite");
  xattr(out, "name", id);
  mpb_printf(out, " tests=\"%lu\" failures=\"%lu\" errors=\"%lu\" skipped=\"%lu\"",
             t.tests, t.failures, t.errors, t.skipped);
  xtime(out, "time", t.ms);
  mpb_puts(out, ">\n    <properties>\n      <property name=\"title\"");
  xattr(out, "value", sget(p, "title"));
  mpb_printf(out, "/>\n      <property name=\"hosts\" value=\"%lu\"/>\n"
             "      <property name=\"exit_code\" value=\"%lu\"/>\n    </properties>\n",
             uget(p, "hosts"), uget(p, "exit_code"));
  if (b.p) mpb_add(out, b.p, b.len);
  if (b.oom) out->oom = 1;
  mpb_free(&b);
  mpb_puts(out, "  </testsuite>\n");
  all->tests += t.tests;
  all->failures += t.failures;
  all->errors += t.errors;
  all->skipped += t.skipped;
  all->ms += t.ms;
}

char *mp_merge_to_junit(const mp_value *merged) {
  const mp_value *pbs = mp_value_get(merged, "playbooks");
  mp_buf suites = {NULL, 0, 0, 0}, b = {NULL, 0, 0, 0};
  jtot all = {0, 0, 0, 0, 0};
  size_t i;
  for (i = 0; i < mp_value_len(pbs); i++) testsuite(&suites, mp_value_at(pbs, i), &all);
  /* The root carries no "skipped": Jenkins' junit-10.xsd has none there. */
  mpb_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"marsplay\""
             " tests=\"%lu\" failures=\"%lu\" errors=\"%lu\"", all.tests, all.failures, all.errors);
  xtime(&b, "time", all.ms);
  mpb_puts(&b, ">\n");
  if (suites.p) mpb_add(&b, suites.p, suites.len);
  mpb_puts(&b, "</testsuites>\n");
  mpb_add(&b, "", 1);
  if (suites.oom || b.oom) { mpb_free(&suites); mpb_free(&b); return NULL; }
  mpb_free(&suites);
  return b.p;
}
