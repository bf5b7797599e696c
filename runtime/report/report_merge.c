/* report_merge.c - one summary from the JSON reports of many hosts.
 *
 * A report is read as a stream of JSON tokens (json_pull.h) into a small
 * record of spans (what the merge needs: ids, statuses, messages, ...;
 * everything else is checked and skipped), the record is validated, then
 * folded into the store (report_merge.h): a host entry, and per playbook
 * and check (matched by id, in the order first seen) the count of hosts
 * per status and each host's result.  Strings are interned, so a fleet
 * costs its distinct texts plus 32 bytes a result.
 *
 * A merged report (kind "merge") is a valid input too: its hosts are
 * added in order, each renamed from the name it was given ("name", or its
 * label) by the same rule as any host, and its results, load errors and
 * per-playbook host counts are added, so merge(merge(A, B), C) writes
 * exactly what merge(A, B, C) writes, in every format.
 *
 * Exit codes are computed when the merge is written, with the rules of a
 * single report (report.h: mpr_exit_from_counts); the whole merge's code
 * also takes each host's own exit code into account.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/json_pull.h"
#include "marsplay.h"
#include "core/mp_printf.h"
#include "report/report.h"
#include "report/report_merge.h"
#include "core/value.h"

/* ---------- a map of 64-bit keys to nonzero 32-bit values ---------- */

typedef struct umap { uint64_t *keys; uint32_t *vals; size_t cap, n; } umap;

static uint64_t mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return k;
}

static uint32_t um_get(const umap *u, uint64_t k) {
  size_t i;
  if (u->cap == 0) return 0;
  for (i = mix(k) & (u->cap - 1); u->vals[i]; i = (i + 1) & (u->cap - 1))
    if (u->keys[i] == k) return u->vals[i];
  return 0;
}

static int um_put(umap *u, uint64_t k, uint32_t v) {
  size_t i;
  if ((u->n + 1) * 2 > u->cap) {
    umap g = {NULL, NULL, u->cap ? u->cap * 2 : 64, 0};
    if ((g.keys = malloc(g.cap * sizeof *g.keys)) == NULL ||
        (g.vals = calloc(g.cap, sizeof *g.vals)) == NULL) {
      free(g.keys);
      return -1;
    }
    for (i = 0; i < u->cap; i++)
      if (u->vals[i]) um_put(&g, u->keys[i], u->vals[i]);
    free(u->keys);
    free(u->vals);
    *u = g;
  }
  for (i = mix(k) & (u->cap - 1); u->vals[i]; i = (i + 1) & (u->cap - 1))
    if (u->keys[i] == k) { u->vals[i] = v; return 0; }
  u->keys[i] = k;
  u->vals[i] = v;
  u->n++;
  return 0;
}

static void um_clear(umap *u) {
  if (u->cap) memset(u->vals, 0, u->cap * sizeof *u->vals);
  u->n = 0;
}

static void um_free(umap *u) {
  free(u->keys);
  free(u->vals);
  memset(u, 0, sizeof *u);
}

/* ---------- growing arrays and an arena ---------- */

static int grow(void **p, size_t *cap, size_t n, size_t size) {
  size_t nc;
  void *q;
  if (n < *cap) return 0;
  nc = *cap ? *cap * 2 : 8;
  if (nc > SIZE_MAX / size) return -1;
  if ((q = realloc(*p, nc * size)) == NULL) return -1;
  *p = q;
  *cap = nc;
  return 0;
}
#define GROW(m, arr, n, cap) \
  (grow((void **)&(arr), &(cap), (n), sizeof *(arr)) != 0 ? ((m)->oom = 1, -1) : 0)

typedef struct arena { char **chunks; size_t n, cap, left; char *cur; } arena;
#define ARENA_CHUNK ((size_t)1 << 20)

static char *ar_copy(arena *a, const char *s, size_t len) {
  char *p;
  if (len + 1 > a->left) {
    size_t sz = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
    if (grow((void **)&a->chunks, &a->cap, a->n, sizeof *a->chunks) != 0) return NULL;
    if ((a->cur = malloc(sz)) == NULL) { a->left = 0; return NULL; }
    a->chunks[a->n++] = a->cur;
    a->left = sz;
  }
  p = a->cur;
  if (len) memcpy(p, s, len);
  p[len] = '\0';
  a->cur += len + 1;
  a->left -= len + 1;
  return p;
}

/* Keep the first chunk, drop the others. */
static void ar_reset(arena *a) {
  size_t i;
  for (i = 1; i < a->n; i++) free(a->chunks[i]);
  if (a->n) {
    a->n = 1;
    a->cur = a->chunks[0];
    a->left = ARENA_CHUNK;
  }
}

static void ar_free(arena *a) {
  size_t i;
  for (i = 0; i < a->n; i++) free(a->chunks[i]);
  free(a->chunks);
  memset(a, 0, sizeof *a);
}

/* ---------- the record of one input report ---------- */

typedef struct fld { const char *p; size_t len; jp_tok t; } fld;  /* t 0: absent */

typedef struct rpb {
  fld item, id, title, anchor, error, checks, hosts, errors;
  size_t c0, nc, e0, ne;
} rpb;

typedef struct rck {
  fld item, id, title, severity, status, message, reason, waiver, dur, eids, results;
  size_t x0, nx, r0, nr;
} rck;

typedef struct rres { fld item, host, status, message, reason, waiver, dur; } rres;

typedef struct rhost {
  fld item, host, name, hostname, root, platform, mode, lang, version, started, dur, exit_code;
} rhost;

typedef struct rerr { fld item, host, error; } rerr;

typedef struct rec {
  fld item, tool, kind, schema, exit_code, target, hostname, root, platform, mode, lang, version,
      started, dur, playbooks, hosts;
  size_t p0, np, h0, nh;
  rpb *pbs; size_t npb, cappb;
  rck *cks; size_t nck, capck;
  rres *res; size_t nres, capres;
  rhost *hs; size_t nhs, caphs;
  rerr *errs; size_t nerr, caperr;
  fld *eids; size_t neid, capeid;
  arena tmp;     /* decoded strings of this report */
} rec;

/* ---------- the merge ---------- */

typedef struct istr { const char *s; size_t len; } istr;

struct mp_merge {
  istr *str; size_t nstr, capstr;    /* interned strings; [0] is none */
  umap strmap;                       /* hash -> id (chains by probing on collision) */
  arena strs;
  mhost *hosts; size_t nhosts, caphosts;
  mpb *pbs; size_t npbs, cappbs;
  mcheck *checks; size_t nchecks, capchecks;
  mstr *eids; size_t neids, capeids;
  umap pbmap, ckmap, taken, nextk, inmap;
  uint32_t *newhost; size_t capnewhost;
  mp_merge_input *own;               /* mp_merge_add_json's */
  mp_value *doc;                     /* mp_merge_result's cache */
  int oom;
};

/* ---------- interning ---------- */

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
  return h ^ n;
}

/* The id of s, added when new; 0 on out of memory (m->oom set). */
static mstr intern(mp_merge *m, const char *s, size_t len) {
  uint64_t h = hash_bytes(s, len), k;
  uint32_t id;
  char *c;
  /* Probe h, h+1, ... : each key holds one string; equal hashes of
   * different strings take the next free key. */
  for (k = h;; k++) {
    id = um_get(&m->strmap, k);
    if (id == 0) break;
    if (m->str[id].len == len && memcmp(m->str[id].s, s, len) == 0) return id;
  }
  if (m->nstr >= UINT32_MAX - 1 || GROW(m, m->str, m->nstr, m->capstr) != 0 ||
      (c = ar_copy(&m->strs, s, len)) == NULL) {
    m->oom = 1;
    return 0;
  }
  id = (uint32_t)m->nstr;
  m->str[m->nstr].s = c;
  m->str[m->nstr++].len = len;
  if (um_put(&m->strmap, k, id) != 0) { m->oom = 1; return 0; }
  return id;
}

static mstr intern_c(mp_merge *m, const char *s) { return intern(m, s, strlen(s)); }

/* A string field's id, 0 when it is absent or not a string. */
static mstr fstr(mp_merge *m, const fld *f) {
  return f->t == JT_STR ? intern(m, f->p, f->len) : 0;
}

const char *mm_str(const mp_merge *m, mstr id, size_t *len) {
  if (id == 0 || id >= m->nstr) {
    if (len) *len = 0;
    return "";
  }
  if (len) *len = m->str[id].len;
  return m->str[id].s;
}

const mhost *mm_hosts(const mp_merge *m, size_t *n) { *n = m->nhosts; return m->hosts; }
const mpb *mm_pbs(const mp_merge *m, size_t *n) { *n = m->npbs; return m->pbs; }
const mcheck *mm_check(const mp_merge *m, uint32_t i) { return &m->checks[i]; }
const mstr *mm_eids(const mp_merge *m) { return m->eids; }

/* ---------- reading a report into the record ---------- */

#define KEY(r, k) ((r)->slen == sizeof(k) - 1 && memcmp((r)->str, k, sizeof(k) - 1) == 0)

/* The next value into f: strings and numbers as spans, containers skipped. */
static int rd(rec *c, jp *r, fld *f) {
  jp_tok t = jp_next(r);
  f->t = t;
  f->p = NULL;
  f->len = 0;
  if (t == JT_STR || t == JT_NUM) {
    f->p = r->str;
    f->len = r->slen;
    if (t == JT_STR && (r->str < r->s || r->str > r->end) &&
        (f->p = ar_copy(&c->tmp, r->str, r->slen)) == NULL)
      return jp_fail_at(r, NULL, "out of memory");
    return 0;
  }
  return jp_skip(r, t);
}

static int skip_next(jp *r) { return jp_skip(r, jp_next(r)); }

static int rd_res(rec *c, jp *r, jp_tok t) {
  rres *x;
  if (grow((void **)&c->res, &c->capres, c->nres, sizeof *c->res) != 0)
    return jp_fail_at(r, NULL, "out of memory");
  x = &c->res[c->nres++];
  memset(x, 0, sizeof *x);
  x->item.t = t;
  if (t != JT_OBJ) return jp_skip(r, t);
  while ((t = jp_next(r)) == JT_KEY) {
    fld *f = KEY(r, "host") ? &x->host : KEY(r, "status") ? &x->status
           : KEY(r, "message") ? &x->message : KEY(r, "reason") ? &x->reason
           : KEY(r, "waiver") ? &x->waiver : KEY(r, "duration_ms") ? &x->dur : NULL;
    if ((f ? rd(c, r, f) : skip_next(r)) != 0) return -1;
  }
  return t == JT_OBJ_END ? 0 : -1;
}

static int rd_check(rec *c, jp *r, jp_tok t) {
  size_t me;
  if (grow((void **)&c->cks, &c->capck, c->nck, sizeof *c->cks) != 0)
    return jp_fail_at(r, NULL, "out of memory");
  me = c->nck++;
  memset(&c->cks[me], 0, sizeof c->cks[me]);
  c->cks[me].item.t = t;
  if (t != JT_OBJ) return jp_skip(r, t);
  while ((t = jp_next(r)) == JT_KEY) {
    rck *x = &c->cks[me];
    fld *f = KEY(r, "id") ? &x->id : KEY(r, "title") ? &x->title
           : KEY(r, "severity") ? &x->severity : KEY(r, "status") ? &x->status
           : KEY(r, "message") ? &x->message : KEY(r, "reason") ? &x->reason
           : KEY(r, "waiver") ? &x->waiver : KEY(r, "duration_ms") ? &x->dur : NULL;
    if (f) {
      if (rd(c, r, f) != 0) return -1;
    } else if (KEY(r, "error_ids")) {
      x->eids.t = t = jp_next(r);
      x->x0 = c->neid;
      if (t != JT_ARR) { if (jp_skip(r, t) != 0) return -1; continue; }
      while ((t = jp_next(r)) != JT_ARR_END) {
        if (t == JT_ERROR) return -1;
        if (t != JT_STR) { if (jp_skip(r, t) != 0) return -1; continue; }
        if (grow((void **)&c->eids, &c->capeid, c->neid, sizeof *c->eids) != 0)
          return jp_fail_at(r, NULL, "out of memory");
        c->eids[c->neid].t = t;
        c->eids[c->neid].len = r->slen;
        c->eids[c->neid].p = (r->str < r->s || r->str > r->end)
                               ? ar_copy(&c->tmp, r->str, r->slen) : r->str;
        if (c->eids[c->neid++].p == NULL) return jp_fail_at(r, NULL, "out of memory");
      }
      c->cks[me].nx = c->neid - c->cks[me].x0;
    } else if (KEY(r, "results")) {
      size_t r0 = c->nres;
      x->results.t = t = jp_next(r);
      if (t != JT_ARR) { if (jp_skip(r, t) != 0) return -1; continue; }
      while ((t = jp_next(r)) != JT_ARR_END)
        if (t == JT_ERROR || rd_res(c, r, t) != 0) return -1;
      c->cks[me].r0 = r0;
      c->cks[me].nr = c->nres - r0;
    } else if (skip_next(r) != 0) {
      return -1;
    }
  }
  return t == JT_OBJ_END ? 0 : -1;
}

static int rd_err(rec *c, jp *r, jp_tok t) {
  rerr *x;
  if (grow((void **)&c->errs, &c->caperr, c->nerr, sizeof *c->errs) != 0)
    return jp_fail_at(r, NULL, "out of memory");
  x = &c->errs[c->nerr++];
  memset(x, 0, sizeof *x);
  x->item.t = t;
  if (t != JT_OBJ) return jp_skip(r, t);
  while ((t = jp_next(r)) == JT_KEY) {
    fld *f = KEY(r, "host") ? &x->host : KEY(r, "error") ? &x->error : NULL;
    if ((f ? rd(c, r, f) : skip_next(r)) != 0) return -1;
  }
  return t == JT_OBJ_END ? 0 : -1;
}

static int rd_pb(rec *c, jp *r, jp_tok t) {
  size_t me;
  if (grow((void **)&c->pbs, &c->cappb, c->npb, sizeof *c->pbs) != 0)
    return jp_fail_at(r, NULL, "out of memory");
  me = c->npb++;
  memset(&c->pbs[me], 0, sizeof c->pbs[me]);
  c->pbs[me].item.t = t;
  if (t != JT_OBJ) return jp_skip(r, t);
  while ((t = jp_next(r)) == JT_KEY) {
    rpb *x = &c->pbs[me];
    fld *f = KEY(r, "id") ? &x->id : KEY(r, "title") ? &x->title
           : KEY(r, "anchor") ? &x->anchor : KEY(r, "error") ? &x->error
           : KEY(r, "hosts") ? &x->hosts : NULL;
    if (f) {
      if (rd(c, r, f) != 0) return -1;
    } else if (KEY(r, "checks")) {
      size_t c0 = c->nck;
      x->checks.t = t = jp_next(r);
      if (t != JT_ARR) { if (jp_skip(r, t) != 0) return -1; continue; }
      while ((t = jp_next(r)) != JT_ARR_END)
        if (t == JT_ERROR || rd_check(c, r, t) != 0) return -1;
      c->pbs[me].c0 = c0;
      c->pbs[me].nc = c->nck - c0;
    } else if (KEY(r, "errors")) {
      size_t e0 = c->nerr;
      x->errors.t = t = jp_next(r);
      if (t != JT_ARR) { if (jp_skip(r, t) != 0) return -1; continue; }
      while ((t = jp_next(r)) != JT_ARR_END)
        if (t == JT_ERROR || rd_err(c, r, t) != 0) return -1;
      c->pbs[me].e0 = e0;
      c->pbs[me].ne = c->nerr - e0;
    } else if (skip_next(r) != 0) {
      return -1;
    }
  }
  return t == JT_OBJ_END ? 0 : -1;
}

static int rd_host(rec *c, jp *r, jp_tok t) {
  rhost *x;
  if (grow((void **)&c->hs, &c->caphs, c->nhs, sizeof *c->hs) != 0)
    return jp_fail_at(r, NULL, "out of memory");
  x = &c->hs[c->nhs++];
  memset(x, 0, sizeof *x);
  x->item.t = t;
  if (t != JT_OBJ) return jp_skip(r, t);
  while ((t = jp_next(r)) == JT_KEY) {
    fld *f = KEY(r, "host") ? &x->host : KEY(r, "name") ? &x->name
           : KEY(r, "hostname") ? &x->hostname : KEY(r, "root") ? &x->root
           : KEY(r, "platform") ? &x->platform : KEY(r, "mode") ? &x->mode
           : KEY(r, "lang") ? &x->lang : KEY(r, "version") ? &x->version
           : KEY(r, "started") ? &x->started : KEY(r, "duration_ms") ? &x->dur
           : KEY(r, "exit_code") ? &x->exit_code : NULL;
    if ((f ? rd(c, r, f) : skip_next(r)) != 0) return -1;
  }
  return t == JT_OBJ_END ? 0 : -1;
}

/* Items of an array into the record with fn; *first and *n say where. */
static int rd_list(rec *c, jp *r, fld *f, int (*fn)(rec *, jp *, jp_tok), size_t *count,
                   size_t *first, size_t *n) {
  size_t at = *count;
  jp_tok t = jp_next(r);
  f->t = t;
  if (t != JT_ARR) return jp_skip(r, t);
  while ((t = jp_next(r)) != JT_ARR_END)
    if (t == JT_ERROR || fn(c, r, t) != 0) return -1;
  *first = at;
  *n = *count - at;
  return 0;
}

static int rd_report(rec *c, jp *r) {
  jp_tok t = jp_next(r);
  c->item.t = t;
  if (t != JT_OBJ) return jp_skip(r, t);
  while ((t = jp_next(r)) == JT_KEY) {
    fld *f = KEY(r, "tool") ? &c->tool : KEY(r, "kind") ? &c->kind
           : KEY(r, "schema_version") ? &c->schema : KEY(r, "exit_code") ? &c->exit_code
           : KEY(r, "mode") ? &c->mode : KEY(r, "lang") ? &c->lang
           : KEY(r, "version") ? &c->version : KEY(r, "started") ? &c->started
           : KEY(r, "duration_ms") ? &c->dur : NULL;
    if (f) {
      if (rd(c, r, f) != 0) return -1;
    } else if (KEY(r, "target")) {
      memset(&c->hostname, 0, sizeof c->hostname);
      memset(&c->root, 0, sizeof c->root);
      memset(&c->platform, 0, sizeof c->platform);
      c->target.t = t = jp_next(r);
      if (t != JT_OBJ) { if (jp_skip(r, t) != 0) return -1; continue; }
      while ((t = jp_next(r)) == JT_KEY) {
        fld *g = KEY(r, "hostname") ? &c->hostname : KEY(r, "root") ? &c->root
               : KEY(r, "platform") ? &c->platform : NULL;
        if ((g ? rd(c, r, g) : skip_next(r)) != 0) return -1;
      }
      if (t != JT_OBJ_END) return -1;
    } else if (KEY(r, "playbooks")) {
      if (rd_list(c, r, &c->playbooks, rd_pb, &c->npb, &c->p0, &c->np) != 0) return -1;
    } else if (KEY(r, "hosts")) {
      if (rd_list(c, r, &c->hosts, rd_host, &c->nhs, &c->h0, &c->nh) != 0) return -1;
    } else if (skip_next(r) != 0) {
      return -1;
    }
  }
  return t == JT_OBJ_END ? 0 : -1;
}

static void rec_reset(rec *c) {
  size_t keep[6] = {c->cappb, c->capck, c->capres, c->caphs, c->caperr, c->capeid};
  rpb *pbs = c->pbs;
  rck *cks = c->cks;
  rres *res = c->res;
  rhost *hs = c->hs;
  rerr *errs = c->errs;
  fld *eids = c->eids;
  arena tmp = c->tmp;
  memset(c, 0, sizeof *c);
  c->pbs = pbs; c->cappb = keep[0];
  c->cks = cks; c->capck = keep[1];
  c->res = res; c->capres = keep[2];
  c->hs = hs; c->caphs = keep[3];
  c->errs = errs; c->caperr = keep[4];
  c->eids = eids; c->capeid = keep[5];
  c->tmp = tmp;
  ar_reset(&c->tmp);
}

static void rec_free(rec *c) {
  free(c->pbs);
  free(c->cks);
  free(c->res);
  free(c->hs);
  free(c->errs);
  free(c->eids);
  ar_free(&c->tmp);
}

/* ---------- validation ---------- */

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

static int feq(const fld *f, const char *s) {
  return f->t == JT_STR && f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

static double fnum(const fld *f) {
  jp r;
  double v;
  if (f->t != JT_NUM) return 0;
  jp_init(&r, f->p, f->len);
  r.str = f->p;
  r.slen = f->len;
  v = jp_number(&r);
  jp_free(&r);
  return v;
}

static int is_int_in(const fld *f, double lo, double hi) {
  double n;
  if (f->t != JT_NUM) return 0;
  n = fnum(f);
  return n >= lo && n <= hi && n == floor(n);
}

static int nonempty(const fld *f) { return f->t == JT_STR && f->len > 0; }

static int status_of(const fld *f) {
  char buf[16];
  if (f->t != JT_STR || f->len >= sizeof buf) return -1;
  memcpy(buf, f->p, f->len);
  buf[f->len] = '\0';
  return mpr_status_index(buf);
}

static int bad_status(char **err, const char *where, const fld *f) {
  if (f->t != JT_STR) return bad(err, "%s: no status", where);
  return bad(err, "%s: unknown status \"%.*s\"", where, (int)(f->len > 40 ? 40 : f->len), f->p);
}

static int validate_head(const rec *c, char **err) {
  if (c->item.t != JT_OBJ) return bad(err, "not a marsplay report (not a JSON object)");
  if (!feq(&c->tool, "marsplay")) return bad(err, "not a marsplay report (no \"tool\": \"marsplay\")");
  if (c->schema.t == 0) return bad(err, "no schema_version");
  if (!is_int_in(&c->schema, 1, 1))
    return bad(err, "schema_version %g: this marsplay reads schema_version 1",
               c->schema.t == JT_NUM ? fnum(&c->schema) : -1.0);
  if (c->exit_code.t && !is_int_in(&c->exit_code, 0, 5)) return bad(err, "exit_code: expected 0 to 5");
  return 0;
}

static int validate_report(const rec *c, char **err) {
  size_t i, j;
  char where[96];
  if (validate_head(c, err) != 0) return -1;
  if (c->target.t && c->target.t != JT_OBJ) return bad(err, "target: expected an object");
  if (c->hostname.t && c->hostname.t != JT_STR) return bad(err, "target.hostname: expected a string");
  if (c->playbooks.t != JT_ARR) return bad(err, "playbooks: expected an array");
  for (i = 0; i < c->np; i++) {
    const rpb *p = &c->pbs[c->p0 + i];
    if (p->item.t != JT_OBJ) return bad(err, "playbooks[%zu]: expected an object", i);
    if (!nonempty(&p->id)) return bad(err, "playbooks[%zu]: no id", i);
    if (p->error.t && p->error.t != JT_STR)
      return bad(err, "playbooks[%zu].error: expected a string", i);
    if (p->checks.t != JT_ARR) return bad(err, "playbooks[%zu].checks: expected an array", i);
    for (j = 0; j < p->nc; j++) {
      const rck *k = &c->cks[p->c0 + j];
      snprintf(where, sizeof where, "playbooks[%zu].checks[%zu]", i, j);
      if (k->item.t != JT_OBJ) return bad(err, "%s: expected an object", where);
      if (!nonempty(&k->id)) return bad(err, "%s: no id", where);
      if (status_of(&k->status) < 0) return bad_status(err, where, &k->status);
    }
  }
  return 0;
}

/* The input host a label names, +1; 0 when none. */
static uint32_t in_host(mp_merge *m, const fld *f) {
  mstr id;
  if (f->t != JT_STR) return 0;
  if ((id = intern(m, f->p, f->len)) == 0) return 0;
  return um_get(&m->inmap, id);
}

static int validate_merged(mp_merge *m, const rec *c, char **err) {
  size_t i, j, k;
  char where[128];
  if (validate_head(c, err) != 0) return -1;
  if (c->hosts.t != JT_ARR) return bad(err, "hosts: expected an array");
  um_clear(&m->inmap);
  for (i = 0; i < c->nh; i++) {
    const rhost *h = &c->hs[c->h0 + i];
    mstr id;
    if (h->item.t != JT_OBJ) return bad(err, "hosts[%zu]: expected an object", i);
    if (!nonempty(&h->host)) return bad(err, "hosts[%zu]: no host", i);
    if (!is_int_in(&h->exit_code, 0, 5)) return bad(err, "hosts[%zu].exit_code: expected 0 to 5", i);
    if ((id = intern(m, h->host.p, h->host.len)) == 0) return bad(err, "out of memory");
    if (um_get(&m->inmap, id))
      return bad(err, "hosts[%zu]: host \"%.*s\" appears twice", i,
                 (int)(h->host.len > 40 ? 40 : h->host.len), h->host.p);
    if (um_put(&m->inmap, id, (uint32_t)i + 1) != 0) { m->oom = 1; return bad(err, "out of memory"); }
  }
  if (c->playbooks.t != JT_ARR) return bad(err, "playbooks: expected an array");
  for (i = 0; i < c->np; i++) {
    const rpb *p = &c->pbs[c->p0 + i];
    if (p->item.t != JT_OBJ) return bad(err, "playbooks[%zu]: expected an object", i);
    if (!nonempty(&p->id)) return bad(err, "playbooks[%zu]: no id", i);
    if (!is_int_in(&p->hosts, 0, 1e15)) return bad(err, "playbooks[%zu].hosts: expected a count", i);
    if (p->checks.t != JT_ARR) return bad(err, "playbooks[%zu].checks: expected an array", i);
    if (p->errors.t && p->errors.t != JT_ARR)
      return bad(err, "playbooks[%zu].errors: expected an array", i);
    for (j = 0; j < p->ne; j++) {
      const rerr *e = &c->errs[p->e0 + j];
      if (e->item.t != JT_OBJ || e->error.t != JT_STR || !in_host(m, &e->host))
        return bad(err, "playbooks[%zu].errors[%zu]: expected a host of hosts and an error", i, j);
    }
    for (j = 0; j < p->nc; j++) {
      const rck *q = &c->cks[p->c0 + j];
      snprintf(where, sizeof where, "playbooks[%zu].checks[%zu]", i, j);
      if (q->item.t != JT_OBJ) return bad(err, "%s: expected an object", where);
      if (!nonempty(&q->id)) return bad(err, "%s: no id", where);
      if (q->results.t != JT_ARR) return bad(err, "%s.results: expected an array", where);
      for (k = 0; k < q->nr; k++) {
        const rres *x = &c->res[q->r0 + k];
        snprintf(where, sizeof where, "playbooks[%zu].checks[%zu].results[%zu]", i, j, k);
        if (x->item.t != JT_OBJ) return bad(err, "%s: expected an object", where);
        if (!in_host(m, &x->host)) return bad(err, "%s: its host is not in hosts", where);
        if (status_of(&x->status) < 0) return bad_status(err, where, &x->status);
      }
    }
  }
  return m->oom ? bad(err, "out of memory") : 0;
}

/* ---------- folding into the store ---------- */

/* base, or base#2, base#3, ...: the first not taken. */
static mstr make_label(mp_merge *m, mstr base) {
  char *buf;
  size_t n;
  mstr id;
  unsigned long k;
  if (base == 0) return 0;
  if (!um_get(&m->taken, base)) return um_put(&m->taken, base, 1) == 0 ? base : (m->oom = 1, 0);
  n = m->str[base].len + 24;
  if ((buf = malloc(n)) == NULL) { m->oom = 1; return 0; }
  /* Every k below the last one given for this base is taken already. */
  for (k = um_get(&m->nextk, base); k < 2; k++) {}
  for (;; k++) {
    snprintf(buf, n, "%s#%lu", m->str[base].s, k);
    if ((id = intern_c(m, buf)) == 0 || !um_get(&m->taken, id)) break;
  }
  free(buf);
  if (id == 0 || um_put(&m->taken, id, 1) != 0 || um_put(&m->nextk, base, (uint32_t)(k + 1)) != 0) {
    m->oom = 1;
    return 0;
  }
  return id;
}

static mhost *new_host(mp_merge *m, mstr base) {
  mhost *h;
  if (GROW(m, m->hosts, m->nhosts, m->caphosts) != 0) return NULL;
  h = &m->hosts[m->nhosts];
  memset(h, 0, sizeof *h);
  h->name = base;
  if ((h->label = make_label(m, base)) == 0) return NULL;
  m->nhosts++;
  return h;
}

/* A duration is kept to the microsecond (0.001 ms): finer digits are
 * clock noise, and a merged report merged again reads back the same
 * value.  Plain decimals (the reports' own form) are read digit by digit,
 * rounding half up at the fourth decimal; any other number (an exponent,
 * 13 or more integer digits, a sign) through fnum. */
static void set_dur(const fld *f, double *d, int *has) {
  const char *p, *end;
  long long ip = 0, frac = 0;
  int nip = 0, nfrac = 0, up = 0;
  double v;
  if (f->t != JT_NUM || f->p == NULL) { *has = 0; *d = 0; return; }
  p = f->p;
  end = f->p + f->len;
  while (p < end && *p >= '0' && *p <= '9' && nip < 13) { ip = ip * 10 + (*p++ - '0'); nip++; }
  if (nip > 0 && p < end && *p == '.') {
    p++;
    while (p < end && *p >= '0' && *p <= '9') {
      if (nfrac < 3) frac = frac * 10 + (*p - '0');
      else if (nfrac == 3) up = *p >= '5';
      nfrac++;
      p++;
    }
  }
  if (nip > 0 && p == end) {
    while (nfrac < 3) { frac *= 10; nfrac++; }
    *has = 1;
    *d = (double)(ip * 1000 + frac + up) / 1000.0;
    return;
  }
  v = fnum(f);
  *has = v >= 0 && v < 1e15;
  *d = *has ? round(v * 1000.0) / 1000.0 : 0;
}

static mpb *find_pb(mp_merge *m, const rpb *p) {
  mstr id = fstr(m, &p->id);
  uint32_t at = um_get(&m->pbmap, id);
  mpb *q;
  if (at) return &m->pbs[at - 1];
  if (id == 0 || GROW(m, m->pbs, m->npbs, m->cappbs) != 0) return NULL;
  q = &m->pbs[m->npbs];
  memset(q, 0, sizeof *q);
  q->id = id;
  q->title = p->title.t == JT_STR ? fstr(m, &p->title) : id;
  q->anchor = fstr(m, &p->anchor);
  if (um_put(&m->pbmap, id, (uint32_t)++m->npbs) != 0) { m->oom = 1; return NULL; }
  return q;
}

static int known_severity(const fld *f) {
  static const char *const names[] = {"critical", "high", "medium", "low", "info"};
  size_t i;
  for (i = 0; i < sizeof names / sizeof *names; i++)
    if (feq(f, names[i])) return 1;
  return 0;
}

static mcheck *find_check(mp_merge *m, const rec *r, mpb *p, const rck *c) {
  mstr id = fstr(m, &c->id);
  uint64_t key = ((uint64_t)(p - m->pbs) << 32) | id;
  uint32_t at = um_get(&m->ckmap, key);
  mcheck *k;
  size_t i;
  if (at) return &m->checks[at - 1];
  if (id == 0 || GROW(m, m->checks, m->nchecks, m->capchecks) != 0 ||
      GROW(m, p->checks, p->nchk, p->capchk) != 0)
    return NULL;
  k = &m->checks[m->nchecks];
  memset(k, 0, sizeof *k);
  k->id = id;
  k->title = c->title.t == JT_STR ? fstr(m, &c->title) : id;
  if (known_severity(&c->severity)) k->severity = fstr(m, &c->severity);
  if (c->eids.t == JT_ARR) {
    k->has_eids = 1;
    k->eid0 = m->neids;
    for (i = 0; i < c->nx; i++) {
      if (GROW(m, m->eids, m->neids, m->capeids) != 0) return NULL;
      m->eids[m->neids++] = fstr(m, &r->eids[c->x0 + i]);
    }
    k->neid = m->neids - k->eid0;
  }
  p->checks[p->nchk++] = (uint32_t)m->nchecks;
  if (um_put(&m->ckmap, key, (uint32_t)++m->nchecks) != 0) { m->oom = 1; return NULL; }
  return k;
}

static void add_result(mp_merge *m, mcheck *k, uint32_t host, const fld *st, const fld *msg,
                       const fld *reason, const fld *waiver, const fld *dur) {
  mres *x;
  int s = status_of(st), has;
  if (GROW(m, k->res, k->nres, k->capres) != 0) return;
  x = &k->res[k->nres++];
  x->host = host;
  x->status = (unsigned char)s;
  x->msg = fstr(m, msg);
  x->reason = fstr(m, reason);
  x->waiver = fstr(m, waiver);
  set_dur(dur, &x->dur, &has);
  x->has_dur = (unsigned char)has;
  k->counts[s]++;
  m->hosts[host].counts[s]++;
}

static void add_error(mp_merge *m, mpb *p, uint32_t host, const fld *error) {
  if (GROW(m, p->errs, p->nerr, p->caperr) != 0) return;
  p->errs[p->nerr].host = host;
  p->errs[p->nerr++].error = fstr(m, error);
}

static void fold_report(mp_merge *m, const rec *c, const char *label) {
  mstr base;
  mhost *h;
  uint32_t hi;
  size_t i, j;
  int perr = 0, code;
  mpr_counts cnt;
  if (label && *label) {
    base = intern_c(m, label);
  } else {
    mp_buf b = {NULL, 0, 0, 0};
    if (nonempty(&c->hostname)) mpb_add(&b, c->hostname.p, c->hostname.len);
    else mpb_puts(&b, "unknown");
    if (c->root.t == JT_STR) { mpb_add(&b, ":", 1); mpb_add(&b, c->root.p, c->root.len); }
    base = b.oom ? 0 : intern(m, b.p, b.len);
    mpb_free(&b);
  }
  if ((h = new_host(m, base)) == NULL) { m->oom = 1; return; }
  hi = (uint32_t)(h - m->hosts);
  h->hostname = fstr(m, &c->hostname);
  h->root = fstr(m, &c->root);
  h->platform = fstr(m, &c->platform);
  h->mode = fstr(m, &c->mode);
  h->lang = fstr(m, &c->lang);
  h->version = fstr(m, &c->version);
  h->started = fstr(m, &c->started);
  set_dur(&c->dur, &h->dur, &h->has_dur);
  for (i = 0; i < c->np && !m->oom; i++) {
    const rpb *rp = &c->pbs[c->p0 + i];
    mpb *p = find_pb(m, rp);
    if (p == NULL) { m->oom = 1; return; }
    p->hosts++;
    if (rp->error.t == JT_STR) { perr++; add_error(m, p, hi, &rp->error); }
    for (j = 0; j < rp->nc && !m->oom; j++) {
      const rck *rk = &c->cks[rp->c0 + j];
      mcheck *k = find_check(m, c, p, rk);
      if (k == NULL) { m->oom = 1; return; }
      add_result(m, k, hi, &rk->status, &rk->message, &rk->reason, &rk->waiver, &rk->dur);
    }
  }
  h = &m->hosts[hi];
  memset(&cnt, 0, sizeof cnt);
  for (i = 0; i < MPR_NSTATUS; i++) { cnt.n[i] = h->counts[i]; cnt.total += h->counts[i]; }
  code = mpr_exit_from_counts(&cnt, perr);
  if (c->exit_code.t) code = mpr_exit_worse(code, (int)fnum(&c->exit_code));
  h->exit_code = code;
}

static void fold_merged(mp_merge *m, const rec *c) {
  size_t i, j, k;
  if (GROW(m, m->newhost, c->nh, m->capnewhost) != 0) return;
  while (m->capnewhost < c->nh)
    if (GROW(m, m->newhost, m->capnewhost, m->capnewhost) != 0) return;
  for (i = 0; i < c->nh && !m->oom; i++) {
    const rhost *rh = &c->hs[c->h0 + i];
    mhost *h = new_host(m, nonempty(&rh->name) ? fstr(m, &rh->name) : fstr(m, &rh->host));
    if (h == NULL) { m->oom = 1; return; }
    m->newhost[i] = (uint32_t)(h - m->hosts);
    h->hostname = fstr(m, &rh->hostname);
    h->root = fstr(m, &rh->root);
    h->platform = fstr(m, &rh->platform);
    h->mode = fstr(m, &rh->mode);
    h->lang = fstr(m, &rh->lang);
    h->version = fstr(m, &rh->version);
    h->started = fstr(m, &rh->started);
    set_dur(&rh->dur, &h->dur, &h->has_dur);
    h->exit_code = (int)fnum(&rh->exit_code);
  }
  for (i = 0; i < c->np && !m->oom; i++) {
    const rpb *rp = &c->pbs[c->p0 + i];
    mpb *p = find_pb(m, rp);
    if (p == NULL) { m->oom = 1; return; }
    p->hosts += (unsigned long)fnum(&rp->hosts);
    for (j = 0; j < rp->ne; j++) {
      const rerr *e = &c->errs[rp->e0 + j];
      add_error(m, p, m->newhost[in_host(m, &e->host) - 1], &e->error);
    }
    for (j = 0; j < rp->nc && !m->oom; j++) {
      const rck *rk = &c->cks[rp->c0 + j];
      mcheck *q = find_check(m, c, p, rk);
      if (q == NULL) { m->oom = 1; return; }
      for (k = 0; k < rk->nr && !m->oom; k++) {
        const rres *x = &c->res[rk->r0 + k];
        add_result(m, q, m->newhost[in_host(m, &x->host) - 1], &x->status, &x->message,
                   &x->reason, &x->waiver, &x->dur);
      }
    }
  }
}

/* ---------- public ---------- */

mp_merge *mp_merge_new(void) {
  mp_merge *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  if (GROW(m, m->str, 0, m->capstr) != 0) { free(m); return NULL; }
  m->str[0].s = "";
  m->str[0].len = 0;
  m->nstr = 1;
  return m;
}

void mp_merge_free(mp_merge *m) {
  size_t i;
  if (m == NULL) return;
  for (i = 0; i < m->npbs; i++) { free(m->pbs[i].errs); free(m->pbs[i].checks); }
  for (i = 0; i < m->nchecks; i++) free(m->checks[i].res);
  free(m->str);
  free(m->hosts);
  free(m->pbs);
  free(m->checks);
  free(m->eids);
  free(m->newhost);
  um_free(&m->strmap);
  um_free(&m->pbmap);
  um_free(&m->ckmap);
  um_free(&m->taken);
  um_free(&m->nextk);
  um_free(&m->inmap);
  ar_free(&m->strs);
  mp_merge_input_free(m->own);
  mpv_free(m->doc);
  free(m);
}

/* ---------- inputs: parsed apart (on any thread), then added ---------- */

struct mp_merge_input {
  rec r;
  int parsed;        /* 1: a report is in r; -1: it was not valid JSON */
  char *conv;        /* UTF-16 text as UTF-8: r's spans point into it */
};

mp_merge_input *mp_merge_input_new(void) { return calloc(1, sizeof(mp_merge_input)); }

void mp_merge_input_free(mp_merge_input *in) {
  if (in == NULL) return;
  rec_free(&in->r);
  free(in->conv);
  free(in);
}

int mp_merge_input_parse(mp_merge_input *in, const char *text, size_t len, char **err) {
  const char *t;
  size_t n, i;
  char *conv = NULL, *jerr = NULL;
  jp r;
  int rc = 0;
  if (err) *err = NULL;
  free(in->conv);
  in->conv = NULL;
  in->parsed = -1;
  rec_reset(&in->r);
  if (jp_unbom(text, len, &t, &n, &conv, &jerr) != 0) {
    rc = bad(err, "not valid JSON: %s", jerr ? jerr : "out of memory");
    free(jerr);
    return rc;
  }
  jp_init(&r, t, n);
  for (i = 0; i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'); i++) {}
  if (i == n) {
    jp_fail_at(&r, t + n, "no JSON value (the input is empty)");
  } else if (rd_report(&in->r, &r) == 0) {
    jp_next(&r);  /* the end, or text after the value */
  }
  if (r.failed) {
    jerr = jp_error(&r);
    rc = bad(err, "not valid JSON: %s", jerr ? jerr : "out of memory");
    free(jerr);
  } else {
    in->parsed = 1;
  }
  jp_free(&r);
  in->conv = conv;
  return rc;
}

int mp_merge_add_input(mp_merge *m, mp_merge_input *in, const char *label, char **err) {
  int rc;
  if (err) *err = NULL;
  if (m == NULL || m->oom) return bad(err, "out of memory");
  if (in == NULL || in->parsed != 1) return bad(err, "not a parsed report");
  if (feq(&in->r.kind, "merge")) {
    rc = validate_merged(m, &in->r, err);
    if (rc == 0) fold_merged(m, &in->r);
  } else {
    rc = validate_report(&in->r, err);
    if (rc == 0) fold_report(m, &in->r, label);
  }
  mpv_free(m->doc);
  m->doc = NULL;
  if (rc == 0 && m->oom) rc = bad(err, "out of memory");
  return rc;
}

int mp_merge_add_json(mp_merge *m, const char *text, size_t len, const char *label, char **err) {
  if (err) *err = NULL;
  if (m == NULL || m->oom) return bad(err, "out of memory");
  if (m->own == NULL && (m->own = mp_merge_input_new()) == NULL) return bad(err, "out of memory");
  if (mp_merge_input_parse(m->own, text, len, err) != 0) return -1;
  return mp_merge_add_input(m, m->own, label, err);
}

int mp_merge_add(mp_merge *m, const mp_value *report, const char *label, char **err) {
  char *text;
  int rc;
  if (err) *err = NULL;
  if (mp_value_type(report) != MP_OBJECT) return bad(err, "not a marsplay report (not a JSON object)");
  if ((text = mp_value_to_json(report, 0)) == NULL) return bad(err, "out of memory");
  rc = mp_merge_add_json(m, text, strlen(text), label, err);
  free(text);
  if (rc != 0 && err && *err && strncmp(*err, "not valid JSON: ", 16) == 0) {
    char *e = *err;   /* a value always serialises to valid JSON: too deep */
    *err = strdup(e + 16);
    free(e);
  }
  return rc;
}

/* ---------- output ---------- */

void mm_flush(mm_out *o, int force) {
  if (o->b.oom) o->failed = 1;
  if (o->failed || o->b.len == 0 || (!force && o->b.len < ((size_t)1 << 16))) return;
  if (o->sink(o->ud, o->b.p, o->b.len) != 0) o->failed = 1;
  o->b.len = 0;
}

int mm_check_code(const mcheck *k) {
  mpr_counts c;
  int i;
  memset(&c, 0, sizeof c);
  for (i = 0; i < MPR_NSTATUS; i++) { c.n[i] = k->counts[i]; c.total += k->counts[i]; }
  return mpr_exit_from_counts(&c, 0);
}

int mm_pb_code(const mp_merge *m, const mpb *p, mpr_counts *sum) {
  mpr_counts c;
  size_t j;
  int i;
  memset(&c, 0, sizeof c);
  for (j = 0; j < p->nchk; j++)
    for (i = 0; i < MPR_NSTATUS; i++) {
      c.n[i] += m->checks[p->checks[j]].counts[i];
      c.total += m->checks[p->checks[j]].counts[i];
    }
  if (sum) {
    for (i = 0; i < MPR_NSTATUS; i++) sum->n[i] += c.n[i];
    sum->total += c.total;
  }
  return mpr_exit_from_counts(&c, p->nerr != 0);
}

int mm_code(const mp_merge *m) {
  size_t i;
  int code = MP_EXIT_OK;
  for (i = 0; i < m->npbs; i++) code = mpr_exit_worse(code, mm_pb_code(m, &m->pbs[i], NULL));
  for (i = 0; i < m->nhosts; i++) code = mpr_exit_worse(code, m->hosts[i].exit_code);
  return code;
}

int mp_merge_write(mp_merge *m, const char *format, int (*sink)(void *ud, const char *p, size_t n),
                   void *ud) {
  mm_out o;
  int code, rc;
  if (m == NULL || m->oom || sink == NULL) return -1;
  memset(&o, 0, sizeof o);
  o.sink = sink;
  o.ud = ud;
  code = mm_code(m);
  if (format == NULL || strcmp(format, "json") == 0) rc = mm_write_json(m, &o, code);
  else if (strcmp(format, "text") == 0) rc = mm_write_text(m, &o, code);
  else if (strcmp(format, "junit") == 0) rc = mm_write_junit(m, &o);
  else rc = -1;
  mm_flush(&o, 1);
  mpb_free(&o.b);
  return rc != 0 || o.failed ? -1 : code;
}

static int to_buf(void *ud, const char *p, size_t n) {
  mp_buf *b = ud;
  mpb_add(b, p, n);
  return b->oom ? -1 : 0;
}

/* The merge written in a format, into a malloc'd string. */
static char *render(mp_merge *m, const char *format) {
  mp_buf b = {NULL, 0, 0, 0};
  if (mp_merge_write(m, format, to_buf, &b) < 0) { mpb_free(&b); return NULL; }
  mpb_add(&b, "", 0);
  if (b.oom) { mpb_free(&b); return NULL; }
  return b.p;
}

const mp_value *mp_merge_result(mp_merge *m) {
  char *s;
  if (m == NULL || m->oom) return NULL;
  if (m->doc) return m->doc;
  if ((s = render(m, "json")) == NULL) return NULL;
  m->doc = mp_json_parse(s, strlen(s), NULL);
  free(s);
  return m->doc;
}

/* A merged document in another format: merged again (a merge of one
 * merged report writes the same), then written. */
static char *convert(const mp_value *merged, const char *format) {
  mp_merge *m = mp_merge_new();
  char *s = NULL;
  if (m && mp_merge_add(m, merged, NULL, NULL) == 0) s = render(m, format);
  mp_merge_free(m);
  return s;
}

char *mp_merge_to_text(const mp_value *merged) { return convert(merged, "text"); }
char *mp_merge_to_junit(const mp_value *merged) { return convert(merged, "junit"); }
