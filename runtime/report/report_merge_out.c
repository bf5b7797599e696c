/* report_merge_out.c - the merge's store (report_merge.h) written as JSON
 * (schemas/merge.schema.json), as text for an operator and as JUnit XML
 * for CI, in pieces to a sink: nothing but the store is held.
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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "marsplay.h"
#include "report/report.h"
#include "report/report_merge.h"
#include "core/value.h"

#define TXT_MAX_HOSTS 20

#define S(m, id) mm_str((m), (id), NULL)

/* ---------- JSON ---------- */

typedef struct jw { mm_out *o; int depth; unsigned char first[16]; } jw;

static void jw_indent(jw *w, int depth) {
  static const char spaces[] = "                                ";
  mpb_add(&w->o->b, "\n", 1);
  mpb_add(&w->o->b, spaces, (size_t)depth * 2 < sizeof spaces - 1 ? (size_t)depth * 2 : sizeof spaces - 1);
}

static void jw_sep(jw *w) {
  if (!w->first[w->depth]) mpb_add(&w->o->b, ",", 1);
  w->first[w->depth] = 0;
  jw_indent(w, w->depth);
}

static void jw_key(jw *w, const char *k) {
  jw_sep(w);
  mpb_json_string(&w->o->b, k, strlen(k));
  mpb_add(&w->o->b, ": ", 2);
}

static void jw_begin(jw *w, const char *c) {
  mpb_add(&w->o->b, c, 1);
  w->first[++w->depth] = 1;
}

static void jw_end(jw *w, const char *c) {
  if (!w->first[w->depth]) jw_indent(w, w->depth - 1);
  w->depth--;
  mpb_add(&w->o->b, c, 1);
  mm_flush(w->o, 0);
}

static void jw_num(jw *w, const char *k, double n) {
  char num[40];
  jw_key(w, k);
  mpb_puts(&w->o->b, mp_fmt_number(num, sizeof num, n));
}

/* A duration in ms, kept to the microsecond (set_dur): written by hand,
 * as printf's float formatting was a tenth of a fleet merge's time. */
static void jw_ms(jw *w, const char *k, double ms) {
  char buf[32], *p = buf + sizeof buf;
  long long us = llround(ms * 1000.0), ip;
  int frac, i, keep;
  if (us < 0 || ms > 1e15) { jw_num(w, k, ms); return; }
  ip = us / 1000;
  frac = (int)(us % 1000);
  keep = frac == 0 ? 0 : frac % 100 == 0 ? 1 : frac % 10 == 0 ? 2 : 3;
  for (i = 3; i > keep; i--) frac /= 10;
  for (i = 0; i < keep; i++) { *--p = (char)('0' + frac % 10); frac /= 10; }
  if (keep) *--p = '.';
  do { *--p = (char)('0' + ip % 10); ip /= 10; } while (ip > 0);
  jw_key(w, k);
  mpb_add(&w->o->b, p, (size_t)(buf + sizeof buf - p));
}

static void jw_str(jw *w, const mp_merge *m, const char *k, mstr id) {
  size_t n;
  const char *s = mm_str(m, id, &n);
  jw_key(w, k);
  if (id) mpb_json_string(&w->o->b, s, n);
  else mpb_puts(&w->o->b, "null");
}

static void jw_opt(jw *w, const mp_merge *m, const char *k, mstr id) {
  if (id) jw_str(w, m, k, id);
}

static void jw_counts(jw *w, const char *k, const unsigned long *n) {
  int i;
  jw_key(w, k);
  jw_begin(w, "{");
  for (i = 0; i < MPR_NSTATUS; i++) jw_num(w, mpr_status_names[i], (double)n[i]);
  jw_end(w, "}");
}

static void json_check(jw *w, const mp_merge *m, const mcheck *k) {
  size_t i;
  jw_sep(w);
  jw_begin(w, "{");
  jw_str(w, m, "id", k->id);
  jw_str(w, m, "title", k->title);
  jw_opt(w, m, "severity", k->severity);
  if (k->has_eids) {
    size_t n;
    jw_key(w, "error_ids");
    jw_begin(w, "[");
    for (i = 0; i < k->neid; i++) {
      const char *s = mm_str(m, mm_eids(m)[k->eid0 + i], &n);
      jw_sep(w);
      mpb_json_string(&w->o->b, s, n);
    }
    jw_end(w, "]");
  }
  jw_num(w, "exit_code", mm_check_code(k));
  jw_num(w, "hosts", (double)k->nres);
  jw_counts(w, "counts", k->counts);
  jw_key(w, "results");
  jw_begin(w, "[");
  for (i = 0; i < k->nres; i++) {
    const mres *x = &k->res[i];
    size_t nh;
    const mhost *h = mm_hosts(m, &nh);
    jw_sep(w);
    jw_begin(w, "{");
    jw_str(w, m, "host", h[x->host].label);
    jw_key(w, "status");
    mpb_json_string(&w->o->b, mpr_status_names[x->status], strlen(mpr_status_names[x->status]));
    jw_opt(w, m, "message", x->msg);
    jw_opt(w, m, "reason", x->reason);
    jw_opt(w, m, "waiver", x->waiver);
    if (x->has_dur) jw_ms(w, "duration_ms", x->dur);
    jw_end(w, "}");
  }
  jw_end(w, "]");
  jw_end(w, "}");
}

int mm_write_json(const mp_merge *m, mm_out *o, int code) {
  jw w;
  size_t nh, np, i, j;
  const mhost *h = mm_hosts(m, &nh);
  const mpb *p = mm_pbs(m, &np);
  mpr_counts all;
  unsigned long perrs = 0;
  memset(&w, 0, sizeof w);
  memset(&all, 0, sizeof all);
  w.o = o;
  for (i = 0; i < np; i++) {
    mm_pb_code(m, &p[i], &all);
    perrs += p[i].nerr;
  }
  jw_begin(&w, "{");
  jw_key(&w, "tool");
  mpb_puts(&o->b, "\"marsplay\"");
  jw_key(&w, "kind");
  mpb_puts(&o->b, "\"merge\"");
  jw_key(&w, "version");
  mpb_json_string(&o->b, MARSPLAY_VERSION, strlen(MARSPLAY_VERSION));
  jw_num(&w, "schema_version", 1);
  jw_num(&w, "exit_code", code);
  jw_key(&w, "summary");
  jw_begin(&w, "{");
  jw_num(&w, "hosts", (double)nh);
  jw_num(&w, "results", (double)all.total);
  jw_num(&w, "playbook_errors", (double)perrs);
  for (i = 0; i < MPR_NSTATUS; i++) jw_num(&w, mpr_status_names[i], (double)all.n[i]);
  jw_end(&w, "}");
  jw_key(&w, "hosts");
  jw_begin(&w, "[");
  for (i = 0; i < nh; i++) {
    jw_sep(&w);
    jw_begin(&w, "{");
    jw_str(&w, m, "host", h[i].label);
    if (h[i].name != h[i].label) jw_str(&w, m, "name", h[i].name);
    jw_str(&w, m, "hostname", h[i].hostname);
    jw_str(&w, m, "root", h[i].root);
    jw_opt(&w, m, "platform", h[i].platform);
    jw_opt(&w, m, "mode", h[i].mode);
    jw_opt(&w, m, "lang", h[i].lang);
    jw_opt(&w, m, "version", h[i].version);
    jw_opt(&w, m, "started", h[i].started);
    if (h[i].has_dur) jw_ms(&w, "duration_ms", h[i].dur);
    jw_num(&w, "exit_code", h[i].exit_code);
    jw_counts(&w, "summary", h[i].counts);
    jw_end(&w, "}");
  }
  jw_end(&w, "]");
  jw_key(&w, "playbooks");
  jw_begin(&w, "[");
  for (i = 0; i < np; i++) {
    jw_sep(&w);
    jw_begin(&w, "{");
    jw_str(&w, m, "id", p[i].id);
    jw_str(&w, m, "title", p[i].title);
    jw_opt(&w, m, "anchor", p[i].anchor);
    jw_num(&w, "exit_code", mm_pb_code(m, &p[i], NULL));
    jw_num(&w, "hosts", (double)p[i].hosts);
    jw_key(&w, "checks");
    jw_begin(&w, "[");
    for (j = 0; j < p[i].nchk; j++) json_check(&w, m, mm_check(m, p[i].checks[j]));
    jw_end(&w, "]");
    if (p[i].nerr) {
      jw_key(&w, "errors");
      jw_begin(&w, "[");
      for (j = 0; j < p[i].nerr; j++) {
        jw_sep(&w);
        jw_begin(&w, "{");
        jw_str(&w, m, "host", h[p[i].errs[j].host].label);
        jw_str(&w, m, "error", p[i].errs[j].error);
        jw_end(&w, "}");
      }
      jw_end(&w, "]");
    }
    jw_end(&w, "}");
  }
  jw_end(&w, "]");
  jw_end(&w, "}");
  mpb_add(&o->b, "\n", 1);
  return o->b.oom ? -1 : 0;
}

/* ---------- text ---------- */

/* s for a terminal: printable UTF-8 as is, anything else as \xNN. */
static void txt(mp_buf *b, const char *s, size_t n) {
  size_t i = 0;
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

static void txt_id(mp_buf *b, const mp_merge *m, mstr id) {
  size_t n;
  const char *s = mm_str(m, id, &n);
  txt(b, s, n);
}

static const char *meaning(int code) {
  switch (code) {
    case 0: return "healthy, or every problem fixed and verified";
    case 1: return "errors: a check or a playbook failed to run on some host";
    case 2: return "problems remain that marsplay can fix";
    case 3: return "problems remain that need manual action";
    case 4: return "a fix failed or did not verify";
    default: return "nothing was checked on some host: every check was skipped";
  }
}

/* "pass 2, planned 1" (zeros left out). */
static void counts_line(mp_buf *b, const unsigned long *n) {
  int i, first = 1;
  for (i = 0; i < MPR_NSTATUS; i++) {
    if (n[i] == 0) continue;
    mpb_printf(b, "%s%s %lu", first ? "" : ", ", mpr_status_names[i], n[i]);
    first = 0;
  }
  if (first) mpb_puts(b, "no results");
}

/* The text that explains one host's result: message, else reason. */
static mstr why(const mp_merge *m, const mres *x) {
  size_t n;
  mm_str(m, x->msg, &n);
  if (n) return x->msg;
  mm_str(m, x->reason, &n);
  return n ? x->reason : 0;
}

typedef struct grp { mstr why; unsigned long shown, more; mp_buf names; } grp;

/* Hosts of status st, grouped by identical explanation, in the order
 * each explanation first appears. */
static void status_groups(mp_buf *b, const mp_merge *m, const mcheck *k, int st) {
  grp *g = NULL;
  size_t ng = 0, cap = 0, i, j, nh;
  const mhost *h = mm_hosts(m, &nh);
  if (k->counts[st] == 0) return;
  for (i = 0; i < k->nres; i++) {
    const mres *x = &k->res[i];
    mstr w;
    if (x->status != st) continue;
    w = why(m, x);
    for (j = 0; j < ng && g[j].why != w; j++) {}
    if (j == ng) {
      if (ng == cap) {
        grp *q = realloc(g, (cap = cap ? cap * 2 : 8) * sizeof *g);
        if (q == NULL) { b->oom = 1; break; }
        g = q;
      }
      memset(&g[ng], 0, sizeof g[ng]);
      g[ng++].why = w;
    }
    if (g[j].shown == TXT_MAX_HOSTS) { g[j].more++; continue; }
    if (g[j].shown++) mpb_puts(&g[j].names, ", ");
    txt_id(&g[j].names, m, h[x->host].label);
    if (g[j].names.oom) b->oom = 1;
  }
  for (j = 0; j < ng; j++) {
    mpb_printf(b, "      %-10s ", mpr_status_names[st]);
    if (g[j].names.p) mpb_add(b, g[j].names.p, g[j].names.len);
    if (g[j].more) mpb_printf(b, " and %lu more", g[j].more);
    if (g[j].why) { mpb_puts(b, ": "); txt_id(b, m, g[j].why); }
    mpb_add(b, "\n", 1);
    mpb_free(&g[j].names);
  }
  free(g);
}

static void text_check(mm_out *o, const mp_merge *m, const mcheck *k) {
  size_t len;
  int i;
  mm_str(m, k->id, &len);
  mpb_puts(&o->b, "  ");
  txt_id(&o->b, m, k->id);
  mpb_printf(&o->b, "%*s[%d]  ", len < 32 ? (int)(32 - len) : 1, "", mm_check_code(k));
  counts_line(&o->b, k->counts);
  mpb_add(&o->b, "\n", 1);
  for (i = 0; i < MPR_NSTATUS; i++)
    if (i != MPR_PASS) status_groups(&o->b, m, k, i);
  mm_flush(o, 0);
}

int mm_write_text(const mp_merge *m, mm_out *o, int code) {
  size_t nh, np, i, j;
  const mhost *h = mm_hosts(m, &nh);
  const mpb *p = mm_pbs(m, &np);
  mp_buf *b = &o->b;
  mpr_counts all;
  unsigned long perrs = 0;
  memset(&all, 0, sizeof all);
  mpb_printf(b, "marsplay %s - merged report of %zu host%s\n\nHosts [exit code]:\n",
             MARSPLAY_VERSION, nh, nh == 1 ? "" : "s");
  for (i = 0; i < nh; i++) {
    mpb_printf(b, "  [%d] ", h[i].exit_code);
    txt_id(b, m, h[i].label);
    mpb_puts(b, "  ");
    if (h[i].mode) { txt_id(b, m, h[i].mode); mpb_puts(b, ", "); }
    if (h[i].root) { mpb_puts(b, "offline volume "); txt_id(b, m, h[i].root); }
    else mpb_puts(b, "live");
    if (h[i].hostname) { mpb_puts(b, " on "); txt_id(b, m, h[i].hostname); }
    mpb_puts(b, ": ");
    counts_line(b, h[i].counts);
    mpb_add(b, "\n", 1);
    mm_flush(o, 0);
  }
  for (i = 0; i < np; i++) {
    int pc = mm_pb_code(m, &p[i], &all);
    perrs += p[i].nerr;
    mpb_puts(b, "\n== ");
    txt_id(b, m, p[i].id);
    mpb_puts(b, "  ");
    txt_id(b, m, p[i].title);
    mpb_printf(b, "  (%lu host%s, exit code %d)\n", p[i].hosts, p[i].hosts == 1 ? "" : "s", pc);
    for (j = 0; j < p[i].nerr; j++) {
      mpb_puts(b, "  load error on ");
      txt_id(b, m, h[p[i].errs[j].host].label);
      mpb_puts(b, ": ");
      txt_id(b, m, p[i].errs[j].error);
      mpb_add(b, "\n", 1);
    }
    for (j = 0; j < p[i].nchk; j++) text_check(o, m, mm_check(m, p[i].checks[j]));
  }
  mpb_puts(b, "\nSummary: ");
  counts_line(b, all.n);
  mpb_printf(b, " (%lu results from %zu host%s", all.total, nh, nh == 1 ? "" : "s");
  if (perrs) mpb_printf(b, "; %lu playbook load errors", perrs);
  mpb_printf(b, ").\nExit code %d: %s.\n", code, meaning(code));
  return b->oom ? -1 : 0;
}

/* ---------- JUnit ---------- */

/* XML 1.0 text: the specials as entities; bytes of invalid UTF-8, C0
 * controls (but tab, newline, CR) and U+FFFE/U+FFFF as U+FFFD; in
 * attributes tab, newline and CR as character references. */
static void xml(mp_buf *b, const char *s, size_t n, int attr) {
  size_t i = 0;
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

static void xs(mp_buf *b, const char *s, int attr) { xml(b, s, strlen(s), attr); }

static void xid(mp_buf *b, const mp_merge *m, mstr id, int attr) {
  size_t n;
  const char *s = mm_str(m, id, &n);
  xml(b, s, n, attr);
}

static void xtime(mp_buf *b, const char *name, double ms) {
  char t[64];
  if (!(ms >= 0) || ms > 1e15) ms = 0;
  snprintf(t, sizeof t, "%.3f", ms / 1000.0);
  mp_fix_decimal(t);
  mpb_printf(b, " %s=\"%s\"", name, t);
}

/* <testcase classname="marsplay.PB.CHECK" name="CHECK @ HOST" time=..> */
static void case_open(mp_buf *b, const mp_merge *m, mstr pb, mstr check, const char *chk,
                      mstr host, double ms) {
  mpb_puts(b, "    <testcase classname=\"marsplay.");
  xid(b, m, pb, 1);
  mpb_add(b, ".", 1);
  if (chk) xs(b, chk, 1); else xid(b, m, check, 1);
  mpb_puts(b, "\" name=\"");
  if (chk) xs(b, chk, 1); else xid(b, m, check, 1);
  mpb_puts(b, " @ ");
  xid(b, m, host, 1);
  mpb_add(b, "\"", 1);
  xtime(b, "time", ms);
}

/* The body of a failure or error: host, status and the explanation. */
static void body(mp_buf *b, const mp_merge *m, const mcheck *k, const mres *x, mstr host) {
  size_t i;
  mpb_puts(b, "host: ");
  xid(b, m, host, 0);
  mpb_puts(b, "\nstatus: ");
  xs(b, mpr_status_names[x->status], 0);
  if (k->severity) { mpb_puts(b, "\nseverity: "); xid(b, m, k->severity, 0); }
  if (x->msg) { mpb_puts(b, "\n"); xid(b, m, x->msg, 0); }
  if (x->reason) { mpb_puts(b, "\nreason: "); xid(b, m, x->reason, 0); }
  if (k->neid) {
    mpb_puts(b, "\nerror ids:");
    for (i = 0; i < k->neid; i++) {
      mpb_add(b, " ", 1);
      xid(b, m, mm_eids(m)[k->eid0 + i], 0);
    }
  }
  mpb_puts(b, "\n(details: that host's own JSON report)\n");
}

static void outcome(mp_buf *b, const mp_merge *m, const char *tag, const char *type,
                    const char *prefix, mstr msg, const char *dflt, const mcheck *k,
                    const mres *x, mstr host) {
  mpb_printf(b, ">\n      <%s", tag);
  if (type) { mpb_puts(b, " type=\""); xs(b, type, 1); mpb_add(b, "\"", 1); }
  mpb_puts(b, " message=\"");
  if (prefix) xs(b, prefix, 1);
  if (msg) xid(b, m, msg, 1); else xs(b, dflt, 1);
  mpb_add(b, "\"", 1);
  if (k == NULL) {
    mpb_puts(b, "/>\n");
  } else {
    mpb_add(b, ">", 1);
    body(b, m, k, x, host);
    mpb_printf(b, "</%s>\n", tag);
  }
  mpb_puts(b, "    </testcase>\n");
}

static void testcase(mp_buf *b, const mp_merge *m, mstr pb, const mcheck *k, const mres *x) {
  size_t nh;
  const mhost *h = mm_hosts(m, &nh);
  mstr host = h[x->host].label, w = why(m, x);
  const char *st = mpr_status_names[x->status];
  case_open(b, m, pb, k->id, NULL, host, x->has_dur ? x->dur : 0);
  switch (x->status) {
    case MPR_PASS: case MPR_FIXED:
      mpb_puts(b, "/>\n");
      break;
    case MPR_FAIL: case MPR_PLANNED: case MPR_MANUAL: case MPR_FIXFAILED:
      outcome(b, m, "failure", st, NULL, w, st, k, x, host);
      break;
    case MPR_SKIPPED:
      outcome(b, m, "skipped", NULL, NULL, w, "skipped", NULL, NULL, 0);
      break;
    case MPR_WAIVED:
      outcome(b, m, "skipped", NULL, "waived: ", x->waiver ? x->waiver : w, "", NULL, NULL, 0);
      break;
    default:
      outcome(b, m, "error", "error", NULL, w, "error", k, x, host);
  }
}

/* Totals of a testsuite, or of all. */
typedef struct jtot { unsigned long tests, failures, errors, skipped; double ms; } jtot;

static void pb_totals(const mp_merge *m, const mpb *p, jtot *t) {
  size_t j, i;
  memset(t, 0, sizeof *t);
  t->tests = t->errors = p->nerr;
  for (j = 0; j < p->nchk; j++) {
    const mcheck *k = mm_check(m, p->checks[j]);
    t->tests += k->nres;
    t->failures += k->counts[MPR_FAIL] + k->counts[MPR_PLANNED] + k->counts[MPR_MANUAL] +
                   k->counts[MPR_FIXFAILED];
    t->errors += k->counts[MPR_ERROR];
    t->skipped += k->counts[MPR_SKIPPED] + k->counts[MPR_WAIVED];
    for (i = 0; i < k->nres; i++)
      if (k->res[i].has_dur && k->res[i].dur > 0) t->ms += k->res[i].dur;
  }
}

int mm_write_junit(const mp_merge *m, mm_out *o) {
  size_t np, nh, i, j, r;
  const mpb *p = mm_pbs(m, &np);
  const mhost *h = mm_hosts(m, &nh);
  mp_buf *b = &o->b;
  jtot all, t;
  memset(&all, 0, sizeof all);
  for (i = 0; i < np; i++) {
    pb_totals(m, &p[i], &t);
    all.tests += t.tests;
    all.failures += t.failures;
    all.errors += t.errors;
    all.ms += t.ms;
  }
  /* The root carries no "skipped": Jenkins' junit-10.xsd has none there. */
  mpb_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"marsplay\""
             " tests=\"%lu\" failures=\"%lu\" errors=\"%lu\"", all.tests, all.failures, all.errors);
  xtime(b, "time", all.ms);
  mpb_puts(b, ">\n");
  for (i = 0; i < np; i++) {
    const char *id = p[i].id ? S(m, p[i].id) : "unknown";
    pb_totals(m, &p[i], &t);
    mpb_puts(b, "  <testsuite name=\"");
    xs(b, id, 1);
    mpb_printf(b, "\" tests=\"%lu\" failures=\"%lu\" errors=\"%lu\" skipped=\"%lu\"",
               t.tests, t.failures, t.errors, t.skipped);
    xtime(b, "time", t.ms);
    mpb_puts(b, ">\n    <properties>\n      <property name=\"title\" value=\"");
    xid(b, m, p[i].title, 1);
    mpb_printf(b, "\"/>\n      <property name=\"hosts\" value=\"%lu\"/>\n"
               "      <property name=\"exit_code\" value=\"%d\"/>\n    </properties>\n",
               p[i].hosts, mm_pb_code(m, &p[i], NULL));
    for (j = 0; j < p[i].nerr; j++) {
      mstr host = h[p[i].errs[j].host].label;
      case_open(b, m, p[i].id, 0, "load", host, 0);
      mpb_puts(b, ">\n      <error type=\"error\" message=\"");
      xid(b, m, p[i].errs[j].error, 1);
      mpb_puts(b, "\">host: ");
      xid(b, m, host, 0);
      mpb_puts(b, "\n");
      xid(b, m, p[i].errs[j].error, 0);
      mpb_puts(b, "\n</error>\n    </testcase>\n");
    }
    for (j = 0; j < p[i].nchk; j++) {
      const mcheck *k = mm_check(m, p[i].checks[j]);
      for (r = 0; r < k->nres; r++) {
        testcase(b, m, p[i].id, k, &k->res[r]);
        mm_flush(o, 0);
      }
    }
    mpb_puts(b, "  </testsuite>\n");
  }
  mpb_puts(b, "</testsuites>\n");
  return b->oom ? -1 : 0;
}
