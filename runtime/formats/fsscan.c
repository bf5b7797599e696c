/* fsscan.c - count codes and patterns in big logs, one block at a time.
 *
 * The text buffer holds the unfinished line carried over from the last
 * block plus the new block.  Only complete lines are scanned; a line
 * longer than a block is scanned in pieces that overlap by a few bytes,
 * and remembered by its id (its offset in the text, plus one) so that it
 * still counts once.  Codes are found by looking for the 'x' of "0x" with
 * a vector compare, patterns with plat_memmem; newlines are counted a vector
 * (or a word) at a time.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "formats/utf8.h"
#include "platform/platform.h"
#include "formats/fsscan.h"

#define BLOCK ((size_t)1 << 20)
#define SAMPLE_BUDGET ((size_t)8 << 20)   /* bytes of samples in all */
#define CODE_SLOTS (2 * FSS_MAX_CODES)
#define SPLIT_MIN ((uint64_t)64 << 20)     /* smaller files: one thread */

/* What the two halves of a split scan share. */
typedef struct shared {
  atomic_int stop;
  atomic_uint_fast64_t bytes;
} shared;

typedef struct scanner {
  const fss_opts *o;
  fss_result *r;
  shared *sh;
  int calling;          /* on the calling thread: may call o->tick */
  unsigned char *raw;   /* UTF-16 bytes before decoding */
  plat_fd fd;
  uint64_t off, end;    /* the file range to read (end: UINT64_MAX = EOF) */
  int utf16;
  int err;
  size_t budget;        /* bytes of samples allowed */
  char *buf;            /* text: carried line + new block */
  size_t len;
  uint64_t base;        /* text offset of buf[0] */
  int in_long;          /* buf[0] continues a line cut earlier */
  uint64_t long_id;
  char head[FSS_SAMPLE_MAX];  /* the first bytes of that line */
  size_t headlen;
  size_t keep;          /* overlap when cutting a long line */
  size_t sample_bytes;
  /* UTF-16LE decoding state across blocks */
  int have_odd;
  unsigned char odd;
  unsigned hi;          /* pending high surrogate, or 0 */
} scanner;

/* One line, found around a hit (cached: hits come in order). */
typedef struct line_ref {
  size_t start, end;    /* in buf; end excludes the newline */
  uint64_t id;
  int valid;
} line_ref;

/* ---------- byte searches ----------
 * With GCC or Clang, 16-byte vector extensions (SSE2, NEON or what
 * the target has); otherwise eight bytes at once in a 64-bit word. */

#if defined(__GNUC__) || defined(__clang__)
#define VEC 16
typedef unsigned char vbytes __attribute__((vector_size(VEC)));

static vbytes vload(const unsigned char *p) {
  vbytes v;
  memcpy(&v, p, VEC);
  return v;
}

static vbytes vsplat(unsigned char c) {
  vbytes v;
  memset(&v, c, VEC);
  return v;
}

static int vany(vbytes m) {
  uint64_t w[VEC / 8];
  memcpy(w, &m, VEC);
  return (w[0] | w[1]) != 0;
}

/* The first true lane of m (some lane is true). */
static size_t vfirst(vbytes m) {
  uint64_t w[VEC / 8];
  size_t k;
  memcpy(w, &m, VEC);
  for (k = 0; w[k] == 0; k++) {}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return k * 8 + (size_t)__builtin_ctzll(w[k]) / 8;
#else
  return k * 8 + (size_t)__builtin_clzll(w[k]) / 8;
#endif
}
#endif

static uint64_t count_nl(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  uint64_t c = 0;
#ifdef VEC
  const vbytes nl = vsplat('\n');
  while (n >= VEC) {
    size_t blocks = n / VEC, i;
    vbytes acc = vsplat(0);
    unsigned char lanes[VEC];
    if (blocks > 255) blocks = 255;      /* a lane counts up to 255 */
    for (i = 0; i < blocks; i++)
      acc -= (vbytes)(vload(p + i * VEC) == nl);   /* true is all ones: -1 */
    memcpy(lanes, &acc, VEC);
    for (i = 0; i < VEC; i++) c += lanes[i];
    p += blocks * VEC;
    n -= blocks * VEC;
  }
#else
  const uint64_t lo7 = 0x7F7F7F7F7F7F7F7Full, nlw = 0x0A0A0A0A0A0A0A0Aull;
  const uint64_t ones = 0x0101010101010101ull;
  while (n >= 8) {
    size_t words = n / 8, i;
    uint64_t acc = 0;
    if (words > 255) words = 255;
    for (i = 0; i < words; i++) {
      uint64_t v, t;
      memcpy(&v, p + 8 * i, 8);
      v ^= nlw;
      t = ((v & lo7) + lo7) | v;         /* top bit of each byte: byte != 0 */
      acc += (~t >> 7) & ones;
    }
    acc = (acc & 0x00FF00FF00FF00FFull) + ((acc >> 8) & 0x00FF00FF00FF00FFull);
    c += (acc * 0x0001000100010001ull) >> 48;
    p += 8 * words;
    n -= 8 * words;
  }
#endif
  while (n--) c += *p++ == '\n';
  return c;
}

/* The next q >= p (p >= 1) with b[q - 1] == '0' and b[q] == 'x', or end. */
static size_t next_0x(const unsigned char *b, size_t p, size_t end) {
  size_t i = p - 1;
#ifdef VEC
  const vbytes zero = vsplat('0'), ex = vsplat('x');
  while (i + VEC + 1 <= end) {
    vbytes m = (vbytes)((vload(b + i) == zero) & (vload(b + i + 1) == ex));
    if (vany(m)) return i + vfirst(m) + 1;
    i += VEC;
  }
#endif
  for (; i + 1 < end; i++) {
    const unsigned char *x = memchr(b + i + 1, 'x', end - i - 1);
    if (x == NULL) break;
    i = (size_t)(x - b) - 1;
    if (b[i] == '0') return i + 1;
  }
  return end;
}

/* ---------- samples and hits ---------- */

/* Locate the line holding position p; hits come in increasing order, so
 * the search for its start begins at the end of the previous line. */
static void find_line(const scanner *sc, size_t p, size_t region_end, line_ref *ln) {
  size_t from = 0;
  const char *nl;
  if (ln->valid) {
    if (p >= ln->start && p <= ln->end) return;
    from = ln->end;
  }
  nl = p > from ? plat_memrchr(sc->buf + from, '\n', p - from) : NULL;
  ln->start = nl ? (size_t)(nl - sc->buf) + 1 : 0;
  nl = memchr(sc->buf + p, '\n', region_end - p);
  ln->end = nl ? (size_t)(nl - sc->buf) : region_end;
  ln->id = (ln->start == 0 && sc->in_long) ? sc->long_id : sc->base + ln->start + 1;
  ln->valid = 1;
}

static void add_sample(scanner *sc, fss_hit *h, const line_ref *ln) {
  const char *text;
  size_t n;
  char *copy;
  int max = sc->o->max_samples;
  if (h->nsamples >= max) return;
  if (ln->start == 0 && sc->in_long) {
    text = sc->head;
    n = sc->headlen;
  } else {
    text = sc->buf + ln->start;
    n = ln->end - ln->start;
    if (n > FSS_SAMPLE_MAX) n = FSS_SAMPLE_MAX;
  }
  while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == '\n')) n--;
  if (sc->sample_bytes + n > sc->budget) { sc->r->samples_truncated = 1; return; }
  if (h->samples == NULL) {
    h->samples = calloc((size_t)max, sizeof *h->samples);
    h->slen = calloc((size_t)max, sizeof *h->slen);
    if (h->samples == NULL || h->slen == NULL) {
      free(h->samples); free(h->slen);
      h->samples = NULL; h->slen = NULL;
      return;
    }
  }
  if ((copy = malloc(n + 1)) == NULL) return;
  memcpy(copy, text, n);
  copy[n] = '\0';
  h->samples[h->nsamples] = copy;
  h->slen[h->nsamples] = n;
  h->nsamples++;
  sc->sample_bytes += n;
}

static void count_hit(scanner *sc, fss_hit *h, const line_ref *ln) {
  if (h->line == ln->id) return;
  h->line = ln->id;
  h->count++;
  add_sample(sc, h, ln);
}

/* ---------- codes ---------- */

static const signed char HEX[256] = {
  ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
  ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13,
  ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13,
  ['D'] = 14, ['E'] = 15, ['F'] = 16};

static int is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static fss_code *code_slot(fss_result *r, uint32_t code) {
  size_t i = (size_t)((code * 2654435761u) >> 19) & (CODE_SLOTS - 1);
  while (r->codes[i].used) {
    if (r->codes[i].code == code) return &r->codes[i];
    i = (i + 1) & (CODE_SLOTS - 1);
  }
  if (r->ncodes >= FSS_MAX_CODES) return NULL;
  r->codes[i].used = 1;
  r->codes[i].code = code;
  r->ncodes++;
  return &r->codes[i];
}

/* complete: the region ends at a line end (else more of the line follows,
 * and a code touching the end is left for the next, overlapping piece). */
static void scan_codes(scanner *sc, size_t end, int complete) {
  const unsigned char *u = (const unsigned char *)sc->buf;
  size_t p = 1;
  line_ref ln;
  ln.valid = 0;
  while (p < end) {
    uint32_t code = 0;
    size_t q = next_0x(u, p, end), i;
    if (q >= end) break;
    p = q + 1;
    if (q >= 2 && is_alnum(u[q - 2])) continue;
    if (q + 9 > end || (q + 9 == end && !complete)) {
      if (!complete) break;   /* the next piece overlaps and sees it whole */
      continue;
    }
    for (i = 1; i <= 8; i++) {
      int h = HEX[u[q + i]];
      if (h == 0) break;
      code = code << 4 | (uint32_t)(h - 1);
    }
    if (i <= 8 || (q + 9 < end && is_alnum(u[q + 9]))) continue;
    {
      fss_code *c = code_slot(sc->r, code);
      find_line(sc, q, end, &ln);
      if (c) count_hit(sc, &c->hit, &ln);
      else sc->r->codes_dropped++;
    }
    p = q + 9;
  }
}

/* ---------- patterns ---------- */

static void scan_patterns(scanner *sc, size_t end) {
  size_t k;
  for (k = 0; k < sc->o->npatterns; k++) {
    const char *pat = sc->o->patterns[k];
    size_t plen = sc->o->patlens[k], p = 0;
    line_ref ln;
    ln.valid = 0;
    while (p + plen <= end) {
      const char *hit = plat_memmem(sc->buf + p, end - p, pat, plen);
      if (hit == NULL) break;
      find_line(sc, (size_t)(hit - sc->buf), end, &ln);
      count_hit(sc, &sc->r->pats[k], &ln);
      p = ln.end + 1;                    /* next line */
    }
  }
}

static void scan_region(scanner *sc, size_t end, int complete) {
  if (sc->o->codes) scan_codes(sc, end, complete);
  if (sc->o->npatterns) scan_patterns(sc, end);
}

/* Scan what is complete in buf; cut an over-long line. */
static void process(scanner *sc, int final) {
  size_t end;
  if (final) {
    end = sc->len;
  } else {
    const char *nl = plat_memrchr(sc->buf, '\n', sc->len);
    end = nl ? (size_t)(nl - sc->buf) + 1 : 0;
  }
  if (end > 0) {
    scan_region(sc, end, 1);
    sc->r->lines += count_nl(sc->buf, end);
    if (final && sc->buf[end - 1] != '\n') sc->r->lines++;
    memmove(sc->buf, sc->buf + end, sc->len - end);
    sc->len -= end;
    sc->base += end;
    sc->in_long = 0;
  } else if (final && sc->in_long) {
    sc->r->lines++;                      /* cut line ended with the file */
  }
  if (!final && sc->len >= BLOCK) {      /* no newline in a whole block */
    size_t cut;
    scan_region(sc, sc->len, 0);
    if (!sc->in_long) {
      sc->in_long = 1;
      sc->long_id = sc->base + 1;
      sc->headlen = sc->len < FSS_SAMPLE_MAX ? sc->len : FSS_SAMPLE_MAX;
      memcpy(sc->head, sc->buf, sc->headlen);
    }
    cut = sc->len - sc->keep;
    memmove(sc->buf, sc->buf + cut, sc->keep);
    sc->len = sc->keep;
    sc->base += cut;
  }
}

/* ---------- UTF-16LE ---------- */


static size_t unit_utf8(scanner *sc, unsigned u, char *o) {
  size_t n = 0;
  if (sc->hi) {
    if (MP_UTF16_LOW(u)) {
      unsigned cp = mp_utf16_join(sc->hi, u);
      sc->hi = 0;
      return mp_utf8_put(o, cp);
    }
    sc->hi = 0;
    n = mp_utf8_put(o, 0xFFFD);             /* unpaired high surrogate */
  }
  if (MP_UTF16_HIGH(u)) { sc->hi = u; return n; }
  if (MP_UTF16_LOW(u)) u = 0xFFFD;
  return n + mp_utf8_put(o + n, u);
}

/* Decode n bytes into o (room for 3 * n / 2 + 8); returns bytes written. */
static size_t utf16_decode(scanner *sc, const unsigned char *in, size_t n, char *o, int final) {
  size_t i = 0, w = 0;
  if (sc->have_odd && n > 0) {
    w += unit_utf8(sc, (unsigned)sc->odd | (unsigned)in[0] << 8, o + w);
    sc->have_odd = 0;
    i = 1;
  }
  while (i + 1 < n) {
    if (in[i + 1] == 0 && in[i] < 0x80 && !sc->hi) {
      o[w++] = (char)in[i];
      i += 2;
      continue;
    }
    w += unit_utf8(sc, (unsigned)in[i] | (unsigned)in[i + 1] << 8, o + w);
    i += 2;
  }
  if (i < n) { sc->odd = in[i]; sc->have_odd = 1; }
  if (final) {
    if (sc->hi) { w += mp_utf8_put(o + w, 0xFFFD); sc->hi = 0; }
    if (sc->have_odd) { w += mp_utf8_put(o + w, 0xFFFD); sc->have_odd = 0; }
  }
  return w;
}

/* ---------- driver ---------- */

static int detect(const unsigned char *p, size_t n, int want, size_t *skip) {
  size_t i, pairs = 0, zeros = 0;
  *skip = 0;
  if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE && want != FSS_UTF8) {
    *skip = 2;
    return FSS_UTF16LE;
  }
  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF && want != FSS_UTF16LE) {
    *skip = 3;
    return FSS_UTF8;
  }
  if (want != FSS_AUTO) return want;
  for (i = 0; i + 1 < n; i += 2) {     /* ASCII as UTF-16LE: x 00 x 00 */
    pairs++;
    if (p[i] != 0 && p[i + 1] == 0) zeros++;
  }
  return (pairs >= 2 && zeros * 10 >= pairs * 9) ? FSS_UTF16LE : FSS_UTF8;
}

static int result_init(fss_result *r, const fss_opts *o) {
  memset(r, 0, sizeof *r);
  if (o->codes) {
    if ((r->codes = calloc(CODE_SLOTS, sizeof *r->codes)) == NULL) return -ENOMEM;
    r->codecap = CODE_SLOTS;
  }
  if (o->npatterns) {
    if ((r->pats = calloc(o->npatterns, sizeof *r->pats)) == NULL) return -ENOMEM;
    r->npats = o->npatterns;
  }
  return 0;
}

/* Read and scan the scanner's file range; result in sc->err. */
static void scan_range(scanner *sc) {
  const fss_opts *o = sc->o;
  for (;;) {
    size_t want = BLOCK;
    long n;
    int final;
    if (sc->end != UINT64_MAX && sc->end - sc->off < want) want = (size_t)(sc->end - sc->off);
    n = plat_pread(sc->fd, sc->utf16 ? sc->raw : (unsigned char *)sc->buf + sc->len, want, sc->off);
    if (n < 0) { sc->err = (int)n; return; }
    sc->off += (uint64_t)n;
    sc->r->bytes += (uint64_t)n;
    atomic_fetch_add(&sc->sh->bytes, (uint64_t)n);
    final = n == 0 || sc->off >= sc->end;
    if (sc->utf16)
      sc->len += utf16_decode(sc, sc->raw, (size_t)n, sc->buf + sc->len, final);
    else
      sc->len += (size_t)n;
    process(sc, final);
    if (final || atomic_load(&sc->sh->stop)) return;
    if (sc->calling && o->tick && o->tick(o->ud, atomic_load(&sc->sh->bytes))) {
      atomic_store(&sc->sh->stop, 1);
      sc->r->stopped = 1;
      return;
    }
  }
}

static int scanner_init(scanner *sc, const fss_opts *o, fss_result *r, shared *sh,
                        plat_fd fd, int utf16, size_t budget) {
  size_t k, maxpat = 0;
  memset(sc, 0, sizeof *sc);
  sc->o = o;
  sc->r = r;
  sc->sh = sh;
  sc->fd = fd;
  sc->utf16 = utf16;
  sc->budget = budget;
  sc->end = UINT64_MAX;
  for (k = 0; k < o->npatterns; k++)
    if (o->patlens[k] > maxpat) maxpat = o->patlens[k];
  sc->keep = maxpat > 16 ? maxpat : 16;
  sc->buf = malloc(BLOCK + BLOCK * 3 / 2 + 64);
  sc->raw = utf16 ? malloc(BLOCK) : NULL;
  return (sc->buf == NULL || (utf16 && sc->raw == NULL)) ? -ENOMEM : 0;
}

static void scanner_free(scanner *sc) {
  free(sc->buf);
  free(sc->raw);
  sc->buf = NULL;
  sc->raw = NULL;
}

/* Where the second half starts: just after the first line end at or
 * after mid (a "\n\0" at an even offset for UTF-16), or 0 if none within
 * CUT_WINDOW bytes (then the file is scanned in one piece, under the
 * deadline: this look-ahead has none, so it must stay short). */
#define CUT_WINDOW ((uint64_t)4 << 20)
static uint64_t find_cut(plat_fd fd, uint64_t mid, int utf16) {
  unsigned char buf[65536];
  uint64_t off = utf16 ? mid & ~(uint64_t)1 : mid, stop = off + CUT_WINDOW;
  size_t step = utf16 ? 2 : 1;
  for (;;) {
    if (off >= stop) return 0;
    long n = plat_pread(fd, buf, sizeof buf, off);
    size_t i;
    if (n < (long)step) return 0;
    for (i = 0; i + step <= (size_t)n; i += step)
      if (buf[i] == '\n' && (!utf16 || buf[i + 1] == 0)) return off + i + step;
    off += (uint64_t)n & ~(uint64_t)(step - 1);
  }
}

static int second_half(void *arg) {
  scan_range(arg);
  return 0;
}

/* Move from's count and samples after to's. */
static void add_samples(fss_hit *to, fss_hit *from, int max) {
  int i;
  to->count += from->count;
  if (from->nsamples == 0 || to->nsamples >= max) return;
  if (to->samples == NULL) {
    to->samples = calloc((size_t)max, sizeof *to->samples);
    to->slen = calloc((size_t)max, sizeof *to->slen);
    if (to->samples == NULL || to->slen == NULL) {
      free(to->samples); free(to->slen);
      to->samples = NULL; to->slen = NULL;
      return;
    }
  }
  for (i = 0; i < from->nsamples && to->nsamples < max; i++) {
    to->samples[to->nsamples] = from->samples[i];
    to->slen[to->nsamples++] = from->slen[i];
    from->samples[i] = NULL;
  }
}

/* Add the second half's findings after the first's. */
static void merge(fss_result *r, fss_result *r2, int max) {
  size_t i;
  r->bytes += r2->bytes;
  r->lines += r2->lines;
  r->codes_dropped += r2->codes_dropped;
  r->samples_truncated |= r2->samples_truncated;
  r->stopped |= r2->stopped;
  for (i = 0; i < r2->codecap; i++) {
    fss_code *c;
    if (!r2->codes[i].used) continue;
    if ((c = code_slot(r, r2->codes[i].code)) == NULL) {
      r->codes_dropped += r2->codes[i].hit.count;
      continue;
    }
    add_samples(&c->hit, &r2->codes[i].hit, max);
  }
  for (i = 0; i < r2->npats; i++) add_samples(&r->pats[i], &r2->pats[i], max);
}

/* Files of SPLIT_MIN bytes or more are cut in two at a line end; the
 * second half is scanned on another thread and its findings are added
 * after the first's (so samples stay the first lines of the file). */
int fss_scan(plat_fd fd, const fss_opts *o, fss_result *r) {
  scanner a, b;
  fss_result r2;
  shared sh;
  unsigned char head[512];
  size_t k, skip;
  plat_stat st;
  uint64_t cut = 0;
  plat_thread *th = NULL;
  int err, utf16, split;
  long n;

  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  memset(&r2, 0, sizeof r2);
  if ((err = result_init(r, o)) < 0) return err;
  for (k = 0; k < o->npatterns; k++)
    if (o->patlens[k] == 0 || o->patlens[k] > FSS_MAX_PATTERN) return -EINVAL;
  if ((n = plat_pread(fd, head, sizeof head, 0)) < 0) return (int)n;
  if ((err = plat_fstat(fd, &st)) < 0) return err;
  r->encoding = detect(head, (size_t)n, o->encoding, &skip);
  utf16 = r->encoding == FSS_UTF16LE;
  atomic_init(&sh.stop, 0);
  atomic_init(&sh.bytes, (uint64_t)skip);
  split = st.size >= SPLIT_MIN && (cut = find_cut(fd, st.size / 2, utf16)) > skip;
  if ((err = scanner_init(&a, o, r, &sh, fd, utf16, split ? SAMPLE_BUDGET / 2 : SAMPLE_BUDGET)) < 0)
    goto out;
  a.calling = 1;
  a.off = skip;
  r->bytes = skip;
  if (split) {
    if ((err = result_init(&r2, o)) < 0 ||
        (err = scanner_init(&b, o, &r2, &sh, fd, utf16, SAMPLE_BUDGET / 2)) < 0)
      goto out;
    b.off = a.end = cut;
    if (plat_thread_start(&th, second_half, &b) != 0) {
      split = 0;
      a.end = UINT64_MAX;   /* alone, to the end */
    }
  }
  scan_range(&a);
  if (split) {
    if (a.err || r->stopped) atomic_store(&sh.stop, 1);
    plat_thread_join(th);
    if (a.err == 0) a.err = b.err;
    if (a.err == 0 && !r->stopped) merge(r, &r2, o->max_samples);
  }
  err = a.err;
out:
  scanner_free(&a);
  scanner_free(&b);
  fss_free(&r2);
  return err;
}

static void free_hit(fss_hit *h) {
  int i;
  for (i = 0; i < h->nsamples; i++) free(h->samples[i]);
  free(h->samples);
  free(h->slen);
}

void fss_free(fss_result *r) {
  size_t i;
  for (i = 0; i < r->codecap; i++)
    if (r->codes[i].used) free_hit(&r->codes[i].hit);
  free(r->codes);
  r->codes = NULL;
  r->codecap = r->ncodes = 0;
  for (i = 0; i < r->npats; i++) free_hit(&r->pats[i]);
  free(r->pats);
  r->pats = NULL;
  r->npats = 0;
}
