/* fswalk.c - wildcard matching, directory counts and tree totals.
 *
 * fsw_du keeps memory bounded whatever the tree: pending folders wait in
 * a fixed queue of open directory handles; when the queue is full the
 * walker enters the folder at once (depth first) with a small buffer.
 * Every entry is stat'ed relative to its directory handle without
 * following links; folders on another filesystem are not entered and
 * depth is capped, so bind-mount loops end.  Inodes with several names
 * are counted once (as du does) while a bounded set can remember them.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats/utf8.h"
#include "formats/fswalk.h"

/* ---------- wildcards ---------- */

enum { G_ALL, G_EXACT, G_SUFFIX, G_PREFIX, G_GENERAL };

static unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int eq_bytes(const char *a, const char *b, size_t n, int fold) {
  size_t i;
  if (!fold) return memcmp(a, b, n) == 0;
  for (i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

void fsw_glob_init(fsw_glob *g, const char *pat, size_t len, int fold) {
  size_t stars = 0, quest = 0, i;
  g->pat = pat;
  g->len = len;
  g->fold = fold;
  g->lit = pat;
  g->litlen = len;
  for (i = 0; i < len; i++) {
    if (pat[i] == '*') stars++;
    else if (pat[i] == '?') quest++;
  }
  if ((len == 1 && pat[0] == '*') || (len == 3 && memcmp(pat, "*.*", 3) == 0))
    g->kind = G_ALL;
  else if (stars == 0 && quest == 0)
    g->kind = G_EXACT;
  else if (stars == 1 && quest == 0 && pat[0] == '*') {
    g->kind = G_SUFFIX;
    g->lit = pat + 1;
    g->litlen = len - 1;
  } else if (stars == 1 && quest == 0 && pat[len - 1] == '*') {
    g->kind = G_PREFIX;
    g->litlen = len - 1;
  } else {
    g->kind = G_GENERAL;
  }
}

/* Bytes in the character at s: a whole valid UTF-8 sequence, else 1. */
static size_t char_len(const unsigned char *s, size_t n) {
  size_t k = s[0] < 0x80 ? 1 : mp_utf8_seq((const char *)s, n);
  return k ? k : 1;
}

/* '*' and '?' with one backtracking point (the last star). */
static int match_general(const unsigned char *p, size_t pn,
                         const unsigned char *s, size_t sn, int fold) {
  size_t pi = 0, si = 0, star_p = 0, star_s = 0;
  int have_star = 0;
  while (si < sn) {
    if (pi < pn && p[pi] == '*') {
      have_star = 1;
      star_p = ++pi;
      star_s = si;
    } else if (pi < pn && p[pi] == '?') {
      pi++;
      si += char_len(s + si, sn - si);
    } else if (pi < pn && (p[pi] == s[si] || (fold && lower(p[pi]) == lower(s[si])))) {
      pi++;
      si++;
    } else if (have_star) {
      pi = star_p;
      star_s += char_len(s + star_s, sn - star_s);
      si = star_s;
    } else {
      return 0;
    }
  }
  while (pi < pn && p[pi] == '*') pi++;
  return pi == pn;
}

int fsw_glob_match(const fsw_glob *g, const char *name, size_t len) {
  switch (g->kind) {
    case G_ALL: return 1;
    case G_EXACT: return len == g->litlen && eq_bytes(name, g->lit, len, g->fold);
    case G_SUFFIX:
      return len >= g->litlen && eq_bytes(name + len - g->litlen, g->lit, g->litlen, g->fold);
    case G_PREFIX: return len >= g->litlen && eq_bytes(name, g->lit, g->litlen, g->fold);
    default:
      return match_general((const unsigned char *)g->pat, g->len,
                           (const unsigned char *)name, len, g->fold);
  }
}

int fsw_class(plat_ftype t) {
  switch (t) {
    case PLAT_T_FILE: return FSW_FILE;
    case PLAT_T_DIR: return FSW_DIR;
    case PLAT_T_LINK: return FSW_LINK;
    default: return FSW_OTHER;
  }
}

/* ---------- one directory ---------- */

static int list_entries(plat_dir *d, const fsw_glob *g, fsw_each_fn fn, void *ud,
                        fsw_list_result *r) {
  plat_dirent e;
  int n, ret = 0;
  while ((n = plat_dir_next(d, &e)) == 1) {
    plat_ftype t = e.type;
    r->scanned++;
    if (g && !fsw_glob_match(g, e.name, e.namelen)) continue;
    if (t == PLAT_T_UNKNOWN) {
      plat_stat st;
      int s = plat_statat(plat_dir_fd(d), e.name, &st);
      r->stats++;
      if (s == -ENOENT) { r->vanished++; continue; }
      if (s == 0) { t = st.type; e.size = (int64_t)st.size; }
    }
    r->matched[fsw_class(t)]++;
    e.type = t;
    if (fn && (ret = fn(ud, &e)) != 0) break;
  }
  return n < 0 ? n : ret;
}

#define SPLIT_BUF 65536   /* batch buffer of each half */

typedef struct half {
  plat_dir *d;
  const fsw_glob *g;
  fsw_each_fn fn;
  void *ud;
  fsw_list_result r;
  int err;
} half;

static int list_half(void *arg) {
  half *h = arg;
  memset(&h->r, 0, sizeof h->r);
  h->err = list_entries(h->d, h->g, h->fn, h->ud, &h->r);
  return 0;
}

/* List d's first half (up to mid) here with fn(ud) and fd2's second half
 * on a thread with fn(ud2), or both here if no thread can be had. */
static int list_split(plat_dir *d, plat_fd fd2, uint64_t mid, const fsw_glob *g,
                      size_t bufsize, fsw_each_fn fn, void *ud, void *ud2,
                      fsw_list_result *r) {
  half h;
  plat_thread *th = NULL;
  int err, i, threaded;
  h.g = g;
  h.fn = fn;
  h.ud = ud2;
  if ((err = plat_dir_open(fd2, bufsize, &h.d)) < 0)    /* fd2 is closed */
    return list_entries(d, g, fn, ud, r);
  plat_dir_limit(d, mid);
  threaded = plat_thread_start(&th, list_half, &h) == 0;
  err = list_entries(d, g, fn, ud, r);
  if (threaded) plat_thread_join(th);
  else list_half(&h);
  plat_dir_close(h.d);
  for (i = 0; i < FSW_NTYPES; i++) r->matched[i] += h.r.matched[i];
  r->scanned += h.r.scanned;
  r->stats += h.r.stats;
  r->vanished += h.r.vanished;
  r->readers = threaded ? 2 : 1;
  return err < 0 ? err : h.err;
}

int fsw_list_halves(plat_fd fd, const fsw_glob *g, size_t bufsize,
                    fsw_each_fn fn, void *ud, void *ud2, fsw_list_result *r) {
  plat_dir *d;
  plat_fd fd2 = -1;
  uint64_t mid = 0;
  int n;
  memset(r, 0, sizeof *r);
  r->readers = 1;
  if (fn == NULL || ud2 != NULL) fd2 = plat_dir_split(fd, &mid);
  if (fd2 >= 0 && bufsize > SPLIT_BUF) bufsize = SPLIT_BUF;  /* less read past mid */
  if ((n = plat_dir_open(fd, bufsize, &d)) < 0) {
    if (fd2 >= 0) plat_close(fd2);
    return n;
  }
  n = fd2 >= 0 ? list_split(d, fd2, mid, g, bufsize, fn, ud, ud2, r)
               : list_entries(d, g, fn, ud, r);
  plat_dir_close(d);
  return n;
}

int fsw_list(plat_fd fd, const fsw_glob *g, size_t bufsize,
             fsw_each_fn fn, void *ud, fsw_list_result *r) {
  return fsw_list_halves(fd, g, bufsize, fn, ud, NULL, r);
}

/* ---------- tree totals ---------- */

#define QCAP 256              /* pending folders (open handles) */
#define MAXDEPTH 512          /* deeper folders are reported as ELOOP */
#define BUF_QUEUED 32768      /* batch buffer of a folder taken from the queue */
#define BUF_INLINE 8192       /* ... of one entered at once (queue full) */
#define LINKS_MAX (1u << 16)  /* hardlinked inodes remembered */
#define TICK_EVERY 256        /* entries between clock checks */

typedef struct item { plat_fd fd; char *path; int depth; } item;

typedef struct linkset {     /* open addressing over (dev, ino) */
  uint64_t *keys;            /* 2 words a slot */
  unsigned char *used;
  size_t cap, len;
  int full;
} linkset;

typedef struct walk {
  plat_monitor *mon;
  item q[QCAP];
  size_t qhead, qlen;
  int active;                /* folders being read */
  atomic_int stop;
  atomic_uint_fast64_t done; /* entries, for progress */
  uint64_t root_dev;
  const fsw_du_opts *o;
  fsw_du_result *r;          /* samples, under mu */
  linkset links;             /* under mu */
} walk;

typedef struct worker {
  _Alignas(128) walk *w;     /* own cache lines: no false sharing */
  int id;
  uint64_t bytes, allocated, file_bytes, files, dirs, links, others;
  uint64_t hardlinks, other_fs, errors;
  fsw_du_item *heap;         /* min-heap of the largest files */
  size_t hlen;
  unsigned pending;
  double next_tick;
} worker;

static char *join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *p = malloc(a + b + 2);
  if (p == NULL) return NULL;
  if (a) { memcpy(p, dir, a); p[a++] = '/'; }
  memcpy(p + a, name, b + 1);
  return p;
}

static size_t hash2(uint64_t dev, uint64_t ino) {
  uint64_t h = ino * 0x9E3779B97F4A7C15u ^ (dev + 0x632BE59BD9B4E019u) * 0xBF58476D1CE4E5B9u;
  return (size_t)(h ^ (h >> 31));
}

static int links_find(const linkset *s, uint64_t dev, uint64_t ino, size_t *slot) {
  size_t i = hash2(dev, ino) & (s->cap - 1);
  while (s->used[i]) {
    if (s->keys[2 * i] == dev && s->keys[2 * i + 1] == ino) return 1;
    i = (i + 1) & (s->cap - 1);
  }
  *slot = i;
  return 0;
}

static int links_grow(linkset *s) {
  size_t ncap = s->cap ? s->cap * 2 : 1024, j, i;
  uint64_t *nk = malloc(ncap * 2 * sizeof *nk);
  unsigned char *nu = calloc(ncap, 1);
  if (nk == NULL || nu == NULL) { free(nk); free(nu); return -1; }
  for (j = 0; j < s->cap; j++) {
    if (!s->used[j]) continue;
    i = hash2(s->keys[2 * j], s->keys[2 * j + 1]) & (ncap - 1);
    while (nu[i]) i = (i + 1) & (ncap - 1);
    nu[i] = 1;
    nk[2 * i] = s->keys[2 * j];
    nk[2 * i + 1] = s->keys[2 * j + 1];
  }
  free(s->keys);
  free(s->used);
  s->keys = nk;
  s->used = nu;
  s->cap = ncap;
  return 0;
}

/* 1 if (dev, ino) is new (now remembered), 0 if seen before, -1 if it
 * cannot be remembered (the caller counts it, maybe twice). */
static int links_add(linkset *s, uint64_t dev, uint64_t ino) {
  size_t i = 0;
  if (s->cap && links_find(s, dev, ino, &i)) return 0;
  if (s->len >= LINKS_MAX) { s->full = 1; return -1; }
  if (s->len * 2 >= s->cap) {
    if (links_grow(s) < 0) { s->full = 1; return -1; }
    links_find(s, dev, ino, &i);
  }
  s->used[i] = 1;
  s->keys[2 * i] = dev;
  s->keys[2 * i + 1] = ino;
  s->len++;
  return 1;
}

static void add_error(worker *k, const char *dir, const char *name, int err) {
  walk *w = k->w;
  k->errors++;
  plat_monitor_enter(w->mon);
  if (w->r->nsamples < FSW_DU_SAMPLES) {
    char *p = name ? join(dir, name) : strdup(dir);
    if (p) {
      w->r->samples[w->r->nsamples].path = p;
      w->r->samples[w->r->nsamples].err = err;
      w->r->nsamples++;
    }
  }
  plat_monitor_leave(w->mon);
}

static void heap_down(fsw_du_item *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    fsw_du_item t;
    if (l < n && h[l].bytes < h[m].bytes) m = l;
    if (l + 1 < n && h[l + 1].bytes < h[m].bytes) m = l + 1;
    if (m == i) return;
    t = h[i]; h[i] = h[m]; h[m] = t;
    i = m;
  }
}

static void heap_up(fsw_du_item *h, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    fsw_du_item t;
    if (h[p].bytes <= h[i].bytes) return;
    t = h[i]; h[i] = h[p]; h[p] = t;
    i = p;
  }
}

/* Keep the file among the top N largest. */
static void consider(worker *k, const char *dir, const char *name, uint64_t bytes) {
  size_t top = (size_t)k->w->o->top;
  char *p;
  if (top == 0 || (k->hlen == top && bytes <= k->heap[0].bytes)) return;
  if ((p = join(dir, name)) == NULL) return;
  if (k->hlen < top) {
    k->heap[k->hlen].path = p;
    k->heap[k->hlen].bytes = bytes;
    heap_up(k->heap, k->hlen++);
  } else {
    free(k->heap[0].path);
    k->heap[0].path = p;
    k->heap[0].bytes = bytes;
    heap_down(k->heap, k->hlen, 0);
  }
}

static void account(worker *k, const plat_stat *st, const char *dir, const char *name) {
  int counted = 1;
  if (st->type != PLAT_T_DIR && st->nlink > 1) {
    int r;
    plat_monitor_enter(k->w->mon);
    r = links_add(&k->w->links, st->dev, st->ino);
    plat_monitor_leave(k->w->mon);
    if (r == 0) { counted = 0; k->hardlinks++; }
  }
  if (counted) {
    k->bytes += st->size;
    k->allocated += st->allocated;
  }
  switch (fsw_class(st->type)) {
    case FSW_FILE:
      k->files++;
      if (counted) {
        k->file_bytes += st->size;
        if (name) consider(k, dir, name, st->size);
      }
      break;
    case FSW_DIR: k->dirs++; break;
    case FSW_LINK: k->links++; break;
    default: k->others++; break;
  }
}

static void wake_all(walk *w) {
  plat_monitor_enter(w->mon);
  plat_monitor_wake_all(w->mon);
  plat_monitor_leave(w->mon);
}

/* Publish progress; on the calling thread, report it and honour a stop. */
static void tick(worker *k) {
  walk *w = k->w;
  double now;
  if (k->pending) {
    atomic_fetch_add_explicit(&w->done, k->pending, memory_order_relaxed);
    k->pending = 0;
  }
  if (k->id != 0 || w->o->tick == NULL) return;
  now = plat_monotonic();
  if (now < k->next_tick) return;
  k->next_tick = now + 0.1;
  if (w->o->tick(w->o->ud, atomic_load_explicit(&w->done, memory_order_relaxed))) {
    atomic_store(&w->stop, 1);
    wake_all(w);
  }
}

static int push(walk *w, plat_fd fd, char *path, int depth) {
  int ok = 0;
  plat_monitor_enter(w->mon);
  if (w->qlen < QCAP) {
    item *it = &w->q[(w->qhead + w->qlen) % QCAP];
    it->fd = fd;
    it->path = path;
    it->depth = depth;
    w->qlen++;
    ok = 1;
    plat_monitor_wake(w->mon);
  }
  plat_monitor_leave(w->mon);
  return ok;
}

static void walk_dir(worker *k, plat_fd fd, const char *path, int depth, size_t bufsize);

static void enter(worker *k, plat_fd dfd, const char *path, const char *name, int depth) {
  walk *w = k->w;
  plat_fd fd;
  char *sub;
  if (depth > MAXDEPTH) { add_error(k, path, name, -ELOOP); return; }
  if ((fd = plat_open_dir_at(dfd, name)) < 0) { add_error(k, path, name, (int)fd); return; }
  if ((sub = join(path, name)) == NULL) {
    plat_close(fd);
    add_error(k, path, name, -ENOMEM);
    return;
  }
  if (push(w, fd, sub, depth)) return;
  walk_dir(k, fd, sub, depth, BUF_INLINE);   /* queue full: depth first */
  free(sub);
}

static void walk_dir(worker *k, plat_fd fd, const char *path, int depth, size_t bufsize) {
  walk *w = k->w;
  plat_dir *d;
  plat_dirent e;
  int n;
  if ((n = plat_dir_open(fd, bufsize, &d)) < 0) { add_error(k, path, NULL, n); return; }
  while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
    plat_stat st;
    int s;
    if ((n = plat_dir_next(d, &e)) <= 0) {
      if (n < 0) add_error(k, path, NULL, n);
      break;
    }
    if (++k->pending >= TICK_EVERY) tick(k);
    if ((s = plat_statat(plat_dir_fd(d), e.name, &st)) < 0) {
      add_error(k, path, e.name, s);     /* vanished (ENOENT), EACCES, ... */
      continue;
    }
    account(k, &st, path, e.name);
    if (st.type != PLAT_T_DIR) continue;
    if (st.dev != w->root_dev) { k->other_fs++; continue; }
    enter(k, plat_dir_fd(d), path, e.name, depth + 1);
  }
  plat_dir_close(d);
}

/* Take a pending folder, or return 0 when the walk is over. */
static int take(worker *k, item *it) {
  walk *w = k->w;
  plat_monitor_enter(w->mon);
  for (;;) {
    if (atomic_load(&w->stop)) break;
    if (w->qlen > 0) {
      *it = w->q[w->qhead];
      w->qhead = (w->qhead + 1) % QCAP;
      w->qlen--;
      w->active++;
      plat_monitor_leave(w->mon);
      return 1;
    }
    if (w->active == 0) { plat_monitor_wake_all(w->mon); break; }
    if (k->id == 0 && w->o->tick) {
      plat_monitor_wait(w->mon, 0.1);
      plat_monitor_leave(w->mon);
      tick(k);
      plat_monitor_enter(w->mon);
    } else {
      plat_monitor_wait(w->mon, 0);
    }
  }
  plat_monitor_leave(w->mon);
  return 0;
}

static void finish(walk *w) {
  plat_monitor_enter(w->mon);
  if (--w->active == 0 && w->qlen == 0) plat_monitor_wake_all(w->mon);
  plat_monitor_leave(w->mon);
}

static int worker_main(void *arg) {
  worker *k = arg;
  item it;
  while (take(k, &it)) {
    walk_dir(k, it.fd, it.path, it.depth, BUF_QUEUED);
    free(it.path);
    finish(k->w);
  }
  tick(k);
  return 0;
}

static int by_size_desc(const void *a, const void *b) {
  const fsw_du_item *x = a, *y = b;
  if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
  return strcmp(x->path, y->path);
}

/* Sum the workers into r and keep the overall largest files. */
static void gather(worker *ks, int n, fsw_du_result *r, size_t top) {
  size_t total = 0, i;
  int j;
  for (j = 0; j < n; j++) {
    worker *k = &ks[j];
    r->bytes += k->bytes; r->allocated += k->allocated; r->file_bytes += k->file_bytes;
    r->files += k->files; r->dirs += k->dirs; r->links += k->links; r->others += k->others;
    r->hardlinks += k->hardlinks; r->other_fs += k->other_fs; r->errors += k->errors;
    total += k->hlen;
  }
  if (total == 0) return;
  r->largest = malloc(total * sizeof *r->largest);
  for (j = 0; j < n; j++) {
    for (i = 0; i < ks[j].hlen; i++) {
      if (r->largest) r->largest[r->nlargest++] = ks[j].heap[i];
      else free(ks[j].heap[i].path);
    }
    ks[j].hlen = 0;
  }
  if (r->largest == NULL) return;
  qsort(r->largest, r->nlargest, sizeof *r->largest, by_size_desc);
  while (r->nlargest > top) free(r->largest[--r->nlargest].path);
}

int fsw_du(plat_fd fd, const fsw_du_opts *o, fsw_du_result *r) {
  walk w;
  worker ks[16];
  plat_thread *th[16];
  int started[16] = {0}, nth = o->threads, i, err;
  size_t top = o->top < 0 ? 0 : o->top > 1000 ? 1000 : (size_t)o->top;
  fsw_du_opts opts = *o;
  plat_stat st;

  memset(r, 0, sizeof *r);
  if (nth < 1) nth = 1;
  if (nth > 16) nth = 16;
  opts.top = (int)top;
  if ((err = plat_fstat(fd, &st)) < 0) { plat_close(fd); return err; }
  if (st.type != PLAT_T_DIR) { plat_close(fd); return -ENOTDIR; }
  memset(&w, 0, sizeof w);
  if ((err = plat_monitor_new(&w.mon)) < 0) { plat_close(fd); return err; }
  atomic_init(&w.stop, 0);
  atomic_init(&w.done, 0);
  w.root_dev = st.dev;
  w.o = &opts;
  w.r = r;
  memset(ks, 0, sizeof ks);
  for (i = 0; i < nth; i++) {
    ks[i].w = &w;
    ks[i].id = i;
    if (top && (ks[i].heap = malloc(top * sizeof *ks[i].heap)) == NULL) {
      err = -ENOMEM;
      goto out;
    }
  }
  account(&ks[0], &st, "", NULL);          /* the root folder itself */
  {
    char *root = strdup("");
    if (root == NULL) { err = -ENOMEM; goto out; }
    push(&w, fd, root, 0);
    fd = -1;
  }
  for (i = 1; i < nth; i++)
    started[i] = plat_thread_start(&th[i], worker_main, &ks[i]) == 0;
  worker_main(&ks[0]);
  for (i = 1; i < nth; i++)
    if (started[i]) plat_thread_join(th[i]);
  err = 0;
out:
  while (w.qlen > 0) {                     /* left over after a stop */
    item *it = &w.q[w.qhead];
    plat_close(it->fd);
    free(it->path);
    w.qhead = (w.qhead + 1) % QCAP;
    w.qlen--;
  }
  if (fd >= 0) plat_close(fd);
  r->stopped = atomic_load(&w.stop);
  r->links_untracked = w.links.full;
  gather(ks, nth, r, top);
  for (i = 0; i < nth; i++) {
    size_t j;
    for (j = 0; j < ks[i].hlen; j++) free(ks[i].heap[j].path);
    free(ks[i].heap);
  }
  free(w.links.keys);
  free(w.links.used);
  plat_monitor_free(w.mon);
  return err;
}

void fsw_du_free(fsw_du_result *r) {
  size_t i;
  for (i = 0; i < r->nlargest; i++) free(r->largest[i].path);
  free(r->largest);
  for (i = 0; i < r->nsamples; i++) free(r->samples[i].path);
  r->largest = NULL;
  r->nlargest = r->nsamples = 0;
}
