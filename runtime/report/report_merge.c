/* report_merge.c - one summary from the JSON reports of many hosts.
 *
 * mp_merge_add checks that a value is a marsplay report (schema_version
 * 1), then folds it into the merged document (schemas/merge.schema.json):
 * a host entry, and per playbook and check (matched by id, in the order
 * first seen) the count of hosts per status and each host's result.
 * Exit codes are computed in mp_merge_result with the rules of a single
 * report (report.h: mpr_exit_from_counts), and the whole merge's code
 * also takes each host's own exit code into account.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marsplay.h"
#include "core/mp_printf.h"
#include "report/report.h"
#include "core/value.h"

struct mp_merge {
  mp_value *doc;        /* the merged document */
  mp_value *hosts;      /* doc.hosts */
  mp_value *playbooks;  /* doc.playbooks */
  int oom;              /* out of memory once: the document is incomplete */
};

/* ---------- small helpers ---------- */

static const char *sget(const mp_value *o, const char *k) {
  return mp_value_string(mp_value_get(o, k), NULL);
}

static int bad(char **err, const char *fmt, ...) MP_PRINTF(2, 3);
static int bad(char **err, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  if (err) {
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    *err = strdup(buf);
  }
  return -1;
}

static void set(mp_merge *m, mp_value *o, const char *k, mp_value *v) {
  if (mpv_set(o, k, v) != 0) m->oom = 1;
}

static void push(mp_merge *m, mp_value *a, mp_value *v) {
  if (mpv_push(a, v) != 0) m->oom = 1;
}

/* Copy o[k] into dst when present. */
static void copy_field(mp_merge *m, mp_value *dst, const mp_value *o, const char *k) {
  const mp_value *v = mp_value_get(o, k);
  if (v) set(m, dst, k, mpv_copy(v));
}

/* o[k] into dst when it is a string. */
static void copy_str(mp_merge *m, mp_value *dst, const mp_value *o, const char *k) {
  if (sget(o, k)) set(m, dst, k, mpv_cstr(sget(o, k)));
}

/* o.duration_ms into dst when it is a duration. */
static void copy_ms(mp_merge *m, mp_value *dst, const mp_value *o) {
  const mp_value *v = mp_value_get(o, "duration_ms");
  if (mp_value_type(v) == MP_NUMBER && mp_value_number(v) >= 0 && mp_value_number(v) < 1e15)
    set(m, dst, "duration_ms", mpv_num(mp_value_number(v)));
}

static mp_value *find_id(mp_value *arr, const char *id) {
  size_t i;
  for (i = 0; arr && i < arr->u.agg.len; i++) {
    const char *s = sget(arr->u.agg.items[i], "id");
    if (s && strcmp(s, id) == 0) return arr->u.agg.items[i];
  }
  return NULL;
}

static mp_value *zero_counts(void) {
  mp_value *c = mpv_obj();
  int i;
  for (i = 0; c && i < MPR_NSTATUS; i++)
    if (mpv_set(c, mpr_status_names[i], mpv_num(0)) != 0) { mpv_free(c); return NULL; }
  return c;
}

static void bump(mp_merge *m, mp_value *o, const char *k) {
  set(m, o, k, mpv_num(mpv_getnum(o, k, 0) + 1));
}

/* Counts of a "counts" object back into mpr_counts. */
static void read_counts(const mp_value *o, mpr_counts *c) {
  int i;
  for (i = 0; i < MPR_NSTATUS; i++) {
    double n = mpv_getnum(o, mpr_status_names[i], 0);
    unsigned long k = n > 0 ? (unsigned long)n : 0;
    c->n[i] += k;
    c->total += k;
  }
}

/* ---------- validation ---------- */

static int is_int_in(const mp_value *v, int lo, int hi) {
  double n;
  if (mp_value_type(v) != MP_NUMBER) return 0;
  n = mp_value_number(v);
  return n >= lo && n <= hi && n == (double)(int)n;
}

static int nonempty(const mp_value *o, const char *k) {
  const char *s = sget(o, k);
  return s && *s;
}

static int validate(const mp_value *r, char **err) {
  const mp_value *v, *pbs;
  const char *kind = sget(r, "kind"), *tool = sget(r, "tool");
  size_t i, j;
  if (mp_value_type(r) != MP_OBJECT) return bad(err, "not a marsplay report (not a JSON object)");
  if (kind && strcmp(kind, "merge") == 0)
    return bad(err, "this is a merged report; merge the hosts' own reports");
  if (tool == NULL || strcmp(tool, "marsplay") != 0)
    return bad(err, "not a marsplay report (no \"tool\": \"marsplay\")");
  v = mp_value_get(r, "schema_version");
  if (v == NULL) return bad(err, "no schema_version");
  if (!is_int_in(v, 1, 1))
    return bad(err, "schema_version %g: this marsplay reads schema_version 1",
               mp_value_type(v) == MP_NUMBER ? mp_value_number(v) : -1.0);
  if ((v = mp_value_get(r, "exit_code")) && !is_int_in(v, 0, 5))
    return bad(err, "exit_code: expected 0 to 5");
  if ((v = mp_value_get(r, "target")) && mp_value_type(v) != MP_OBJECT)
    return bad(err, "target: expected an object");
  if (v && mp_value_get(v, "hostname") && sget(v, "hostname") == NULL)
    return bad(err, "target.hostname: expected a string");
  pbs = mp_value_get(r, "playbooks");
  if (mp_value_type(pbs) != MP_ARRAY) return bad(err, "playbooks: expected an array");
  for (i = 0; i < mp_value_len(pbs); i++) {
    const mp_value *pb = mp_value_at(pbs, i), *checks = mp_value_get(pb, "checks");
    if (mp_value_type(pb) != MP_OBJECT) return bad(err, "playbooks[%zu]: expected an object", i);
    if (!nonempty(pb, "id")) return bad(err, "playbooks[%zu]: no id", i);
    if (mp_value_get(pb, "error") && sget(pb, "error") == NULL)
      return bad(err, "playbooks[%zu].error: expected a string", i);
    if (mp_value_type(checks) != MP_ARRAY)
      return bad(err, "playbooks[%zu].checks: expected an array", i);
    for (j = 0; j < mp_value_len(checks); j++) {
      const mp_value *c = mp_value_at(checks, j);
      const char *st = sget(c, "status");
      if (mp_value_type(c) != MP_OBJECT)
        return bad(err, "playbooks[%zu].checks[%zu]: expected an object", i, j);
      if (!nonempty(c, "id")) return bad(err, "playbooks[%zu].checks[%zu]: no id", i, j);
      if (st == NULL) return bad(err, "playbooks[%zu].checks[%zu]: no status", i, j);
      if (mpr_status_index(st) < 0)
        return bad(err, "playbooks[%zu].checks[%zu]: unknown status \"%.40s\"", i, j, st);
    }
  }
  return 0;
}

/* ---------- host labels ---------- */

static int taken(const mp_merge *m, const char *label) {
  size_t i;
  for (i = 0; i < mp_value_len(m->hosts); i++) {
    const char *h = sget(mp_value_at(m->hosts, i), "host");
    if (h && strcmp(h, label) == 0) return 1;
  }
  return 0;
}

/* The label to use: given or derived, made unique; malloc'd. */
static char *make_label(const mp_merge *m, const mp_value *r, const char *given) {
  const mp_value *t = mp_value_get(r, "target");
  const char *host = sget(t, "hostname"), *root = sget(t, "root");
  char *base, *out;
  size_t n;
  unsigned long k;
  if (given && *given) {
    base = strdup(given);
  } else {
    if (host == NULL || *host == '\0') host = "unknown";
    n = strlen(host) + (root ? strlen(root) + 1 : 0) + 1;
    if ((base = malloc(n)) != NULL) snprintf(base, n, root ? "%s:%s" : "%s", host, root);
  }
  if (base == NULL || !taken(m, base)) return base;
  n = strlen(base) + 24;
  if ((out = malloc(n)) == NULL) { free(base); return NULL; }
  for (k = 2;; k++) {
    snprintf(out, n, "%s#%lu", base, k);
    if (!taken(m, out)) break;
  }
  free(base);
  return out;
}

/* ---------- folding one report in ---------- */

static void add_host(mp_merge *m, const mp_value *r, const char *label) {
  const mp_value *t = mp_value_get(r, "target"), *pbs = mp_value_get(r, "playbooks");
  mp_value *h = mpv_obj(), *sum = zero_counts();
  mpr_counts c;
  size_t i;
  int code, perr = 0;
  const mp_value *ec = mp_value_get(r, "exit_code");
  if (h == NULL || sum == NULL) { mpv_free(h); mpv_free(sum); m->oom = 1; return; }
  memset(&c, 0, sizeof c);
  for (i = 0; i < mp_value_len(pbs); i++) {
    mpr_count_checks(mp_value_get(mp_value_at(pbs, i), "checks"), &c);
    perr += sget(mp_value_at(pbs, i), "error") != NULL;
  }
  code = mpr_exit_from_counts(&c, perr);
  if (ec) code = mpr_exit_worse(code, (int)mp_value_number(ec));
  for (i = 0; i < MPR_NSTATUS; i++) set(m, sum, mpr_status_names[i], mpv_num((double)c.n[i]));
  set(m, h, "host", mpv_cstr(label));
  set(m, h, "hostname", sget(t, "hostname") ? mpv_cstr(sget(t, "hostname")) : mpv_null());
  set(m, h, "root", sget(t, "root") ? mpv_cstr(sget(t, "root")) : mpv_null());
  copy_str(m, h, t, "platform");
  copy_str(m, h, r, "mode");
  copy_str(m, h, r, "lang");
  copy_str(m, h, r, "version");
  copy_str(m, h, r, "started");
  copy_ms(m, h, r);
  set(m, h, "exit_code", mpv_num(code));
  set(m, h, "summary", sum);
  push(m, m->hosts, h);
}

static mp_value *new_playbook(mp_merge *m, const mp_value *pb) {
  mp_value *p = mpv_obj();
  const char *id = sget(pb, "id");
  if (p == NULL) { m->oom = 1; return NULL; }
  set(m, p, "id", mpv_cstr(id));
  set(m, p, "title", mpv_cstr(sget(pb, "title") ? sget(pb, "title") : id));
  copy_str(m, p, pb, "anchor");
  set(m, p, "exit_code", mpv_num(0));
  set(m, p, "hosts", mpv_num(0));
  set(m, p, "checks", mpv_arr());
  if (mpv_push(m->playbooks, p) != 0) { m->oom = 1; return NULL; }
  return p;
}

static int known_severity(const char *s) {
  static const char *const names[] = {"critical", "high", "medium", "low", "info"};
  size_t i;
  for (i = 0; s && i < sizeof names / sizeof *names; i++)
    if (strcmp(s, names[i]) == 0) return 1;
  return 0;
}

/* The string items of a report's error_ids. */
static void copy_ids(mp_merge *m, mp_value *k, const mp_value *ids) {
  mp_value *a;
  size_t i;
  if (mp_value_type(ids) != MP_ARRAY) return;
  if ((a = mpv_arr()) == NULL) { m->oom = 1; return; }
  for (i = 0; i < mp_value_len(ids); i++)
    if (mp_value_type(mp_value_at(ids, i)) == MP_STRING) push(m, a, mpv_copy(mp_value_at(ids, i)));
  set(m, k, "error_ids", a);
}

static mp_value *new_check(mp_merge *m, mp_value *checks, const mp_value *c) {
  mp_value *k = mpv_obj();
  const char *id = sget(c, "id");
  if (k == NULL) { m->oom = 1; return NULL; }
  set(m, k, "id", mpv_cstr(id));
  set(m, k, "title", mpv_cstr(sget(c, "title") ? sget(c, "title") : id));
  if (known_severity(sget(c, "severity"))) copy_field(m, k, c, "severity");
  copy_ids(m, k, mp_value_get(c, "error_ids"));
  set(m, k, "exit_code", mpv_num(0));
  set(m, k, "hosts", mpv_num(0));
  set(m, k, "counts", zero_counts());
  set(m, k, "results", mpv_arr());
  if (mpv_push(checks, k) != 0) { m->oom = 1; return NULL; }
  return k;
}

static void add_result(mp_merge *m, mp_value *k, const mp_value *c, const char *label) {
  mp_value *res = mpv_obj();
  const char *st = sget(c, "status");
  if (res == NULL) { m->oom = 1; return; }
  bump(m, k, "hosts");
  bump(m, mpv_getm(k, "counts"), st);
  set(m, res, "host", mpv_cstr(label));
  set(m, res, "status", mpv_cstr(st));
  copy_str(m, res, c, "message");
  copy_str(m, res, c, "reason");
  copy_str(m, res, c, "waiver");
  copy_ms(m, res, c);
  push(m, mpv_getm(k, "results"), res);
}

static void add_playbook(mp_merge *m, const mp_value *pb, const char *label) {
  const mp_value *checks = mp_value_get(pb, "checks");
  mp_value *p = find_id(m->playbooks, sget(pb, "id")), *mchecks;
  size_t i;
  if (p == NULL && (p = new_playbook(m, pb)) == NULL) return;
  bump(m, p, "hosts");
  if (sget(pb, "error")) {
    mp_value *errs = mpv_getm(p, "errors"), *e = mpv_obj();
    if (errs == NULL) {
      set(m, p, "errors", mpv_arr());
      errs = mpv_getm(p, "errors");
    }
    if (e == NULL || errs == NULL) { mpv_free(e); m->oom = 1; return; }
    set(m, e, "host", mpv_cstr(label));
    set(m, e, "error", mpv_cstr(sget(pb, "error")));
    push(m, errs, e);
  }
  if ((mchecks = mpv_getm(p, "checks")) == NULL) { m->oom = 1; return; }
  for (i = 0; i < mp_value_len(checks); i++) {
    const mp_value *c = mp_value_at(checks, i);
    mp_value *k = find_id(mchecks, sget(c, "id"));
    if (k == NULL && (k = new_check(m, mchecks, c)) == NULL) return;
    add_result(m, k, c, label);
  }
}

/* ---------- public ---------- */

mp_merge *mp_merge_new(void) {
  mp_merge *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  if ((m->doc = mpv_obj()) == NULL) { free(m); return NULL; }
  set(m, m->doc, "tool", mpv_cstr("marsplay"));
  set(m, m->doc, "kind", mpv_cstr("merge"));
  set(m, m->doc, "version", mpv_cstr(MARSPLAY_VERSION));
  set(m, m->doc, "schema_version", mpv_num(1));
  set(m, m->doc, "exit_code", mpv_num(0));
  set(m, m->doc, "summary", mpv_obj());
  set(m, m->doc, "hosts", mpv_arr());
  set(m, m->doc, "playbooks", mpv_arr());
  m->hosts = mpv_getm(m->doc, "hosts");
  m->playbooks = mpv_getm(m->doc, "playbooks");
  if (m->oom || !m->hosts || !m->playbooks) { mp_merge_free(m); return NULL; }
  return m;
}

void mp_merge_free(mp_merge *m) {
  if (m == NULL) return;
  mpv_free(m->doc);
  free(m);
}

int mp_merge_add(mp_merge *m, const mp_value *report, const char *label, char **err) {
  const mp_value *pbs;
  char *lab;
  size_t i;
  if (err) *err = NULL;
  if (m == NULL || m->oom) return bad(err, "out of memory");
  if (validate(report, err) != 0) return -1;
  if ((lab = make_label(m, report, label)) == NULL) { m->oom = 1; return bad(err, "out of memory"); }
  add_host(m, report, lab);
  pbs = mp_value_get(report, "playbooks");
  for (i = 0; i < mp_value_len(pbs) && !m->oom; i++) add_playbook(m, mp_value_at(pbs, i), lab);
  free(lab);
  return m->oom ? bad(err, "out of memory") : 0;
}

const mp_value *mp_merge_result(mp_merge *m) {
  mp_value *sum;
  mpr_counts all;
  size_t i, j;
  unsigned long perrs = 0;
  int code = MP_EXIT_OK;
  if (m == NULL || m->oom) return NULL;
  memset(&all, 0, sizeof all);
  for (i = 0; i < m->playbooks->u.agg.len; i++) {
    mp_value *p = m->playbooks->u.agg.items[i], *checks = mpv_getm(p, "checks");
    size_t nerr = mp_value_len(mp_value_get(p, "errors"));
    mpr_counts pc;
    memset(&pc, 0, sizeof pc);
    for (j = 0; checks && j < checks->u.agg.len; j++) {
      mp_value *k = checks->u.agg.items[j];
      mpr_counts kc;
      memset(&kc, 0, sizeof kc);
      read_counts(mp_value_get(k, "counts"), &kc);
      set(m, k, "exit_code", mpv_num(mpr_exit_from_counts(&kc, 0)));
      read_counts(mp_value_get(k, "counts"), &pc);
    }
    set(m, p, "exit_code", mpv_num(mpr_exit_from_counts(&pc, nerr != 0)));
    code = mpr_exit_worse(code, mpr_exit_from_counts(&pc, nerr != 0));
    for (j = 0; j < MPR_NSTATUS; j++) all.n[j] += pc.n[j];
    all.total += pc.total;
    perrs += nerr;
  }
  for (i = 0; i < mp_value_len(m->hosts); i++)
    code = mpr_exit_worse(code, (int)mpv_getnum(mp_value_at(m->hosts, i), "exit_code", 0));
  if ((sum = mpv_obj()) == NULL) return NULL;
  if (mpv_set(sum, "hosts", mpv_num((double)mp_value_len(m->hosts))) != 0 ||
      mpv_set(sum, "results", mpv_num((double)all.total)) != 0 ||
      mpv_set(sum, "playbook_errors", mpv_num((double)perrs)) != 0) {
    mpv_free(sum);
    return NULL;
  }
  for (j = 0; j < MPR_NSTATUS; j++)
    if (mpv_set(sum, mpr_status_names[j], mpv_num((double)all.n[j])) != 0) { mpv_free(sum); return NULL; }
  set(m, m->doc, "exit_code", mpv_num(code));
  set(m, m->doc, "summary", sum);
  return m->oom ? NULL : m->doc;
}
