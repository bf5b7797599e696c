/* treehash.c - what `marsplay test` compares to prove a run changed
 * nothing: a manifest of every object under a folder (type, mode, owner,
 * size, mtime, link count, and the link text or a SHA-256 of the file's
 * data).
 * Sparse files are read data segment by data segment (SEEK_DATA /
 * SEEK_HOLE), so a terabyte of holes costs nothing; the offsets of the
 * segments are part of the digest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/testkit.h"
#include "core/value.h"
#include "platform/platform.h"

#define MAX_DEPTH 256
#define CHUNK ((size_t)1 << 20)
#define MP_SIG_MAX 4608

/* ---------- SHA-256 ---------- */

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void block(sha256_ctx *c, const unsigned char *p) {
  uint32_t w[64], a, b, d, e, f, g, h, cc, t1, t2;
  int i;
  for (i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  for (i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
  e = c->h[4]; f = c->h[5]; g = c->h[6]; h = c->h[7];
  for (i = 0; i < 64; i++) {
    t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
    h = g; g = f; f = e; e = d + t1;
    d = cc; cc = b; b = a; a = t1 + t2;
  }
  c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
  c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

void sha256_init(sha256_ctx *c) {
  static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, H0, sizeof H0);
  c->bytes = 0;
  c->used = 0;
}

void sha256_update(sha256_ctx *c, const void *data, size_t n) {
  const unsigned char *p = data;
  c->bytes += n;
  while (n > 0) {
    size_t take = 64 - c->used < n ? 64 - c->used : n;
    memcpy(c->buf + c->used, p, take);
    c->used += take;
    p += take;
    n -= take;
    if (c->used == 64) { block(c, c->buf); c->used = 0; }
  }
}

void sha256_final(sha256_ctx *c, unsigned char out[32]) {
  uint64_t bits = c->bytes * 8;
  unsigned char pad = 0x80, len[8];
  int i;
  sha256_update(c, &pad, 1);
  pad = 0;
  while (c->used != 56) sha256_update(c, &pad, 1);
  for (i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha256_update(c, len, 8);
  for (i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(c->h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
    out[4 * i + 3] = (unsigned char)c->h[i];
  }
}

/* ---------- the manifest ---------- */

typedef struct walk {
  mp_value *out;
  char *chunk;
  char err[512];
} walk;

static void hex(const unsigned char *d, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[2 * n] = '\0';
}

/* Digest of the data segments of the open file fd (size bytes). */
static int digest_file(walk *w, plat_fd fd, uint64_t size, char out[65]) {
  sha256_ctx c;
  unsigned char d[32];
  uint64_t off = 0, start, end;
  int r;
  sha256_init(&c);
  while (off < size && (r = plat_data_segment(fd, off, size, &start, &end)) != 0) {
    char mark[48];
    if (r < 0) return r;
    snprintf(mark, sizeof mark, "@%llu:", (unsigned long long)start);
    sha256_update(&c, mark, strlen(mark));
    while (start < end) {
      size_t want = end - start < CHUNK ? (size_t)(end - start) : CHUNK;
      long n = plat_pread(fd, w->chunk, want, start);
      if (n < 0) return (int)n;
      if (n == 0) break;
      sha256_update(&c, w->chunk, (size_t)n);
      start += (uint64_t)n;
    }
    off = end;
  }
  sha256_final(&c, d);
  hex(d, sizeof d, out);
  return 0;
}

static const char *type_of(plat_ftype t) {
  return t == PLAT_T_CHAR || t == PLAT_T_BLOCK || t == PLAT_T_UNKNOWN ? "device" : plat_ftype_name(t);
}

static int add(walk *w, const char *rel, const plat_stat *st, const char *extra) {
  char sig[MP_SIG_MAX];
  long long sec = st->mtime_ns / 1000000000, ns = st->mtime_ns % 1000000000;
  if (ns < 0) { ns += 1000000000; sec--; }
  snprintf(sig, sizeof sig, "%s %o %lu:%lu %lld %lld.%09lld %lu %s", type_of(st->type),
           (unsigned)(st->mode & 07777), (unsigned long)st->uid,
           (unsigned long)st->gid, (long long)st->size, sec, ns,
           (unsigned long)st->nlink, extra);
  return mpv_set(w->out, rel, mpv_cstr(sig));
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Record the object name in dirfd (rel is its path for the manifest). */
static int visit(walk *w, plat_fd dirfd, const char *name, const char *rel, int depth);

static int visit_dir(walk *w, plat_fd fd, const char *rel, int depth) {
  plat_dir *d;
  plat_dirent e;
  char **names = NULL;
  size_t n = 0, cap = 0, i;
  int r;
  if ((r = plat_dir_open(fd, 65536, &d)) < 0) return r;   /* fd is closed */
  while ((r = plat_dir_next(d, &e)) > 0) {
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
      if (nn == NULL) { r = -PLAT_ENOMEM; break; }
      names = nn;
    }
    if ((names[n] = strdup(e.name)) == NULL) { r = -PLAT_ENOMEM; break; }
    n++;
  }
  if (n) qsort(names, n, sizeof *names, cmp_names);
  for (i = 0; r == 0 && i < n; i++) {
    char child[MP_SIG_MAX];
    int len = strcmp(rel, ".") == 0 ? snprintf(child, sizeof child, "%s", names[i])
                                     : snprintf(child, sizeof child, "%s/%s", rel, names[i]);
    if (len < 0 || (size_t)len >= sizeof child) { r = -PLAT_ENAMETOOLONG; break; }
    r = visit(w, plat_dir_fd(d), names[i], child, depth + 1);
  }
  for (i = 0; i < n; i++) free(names[i]);
  free(names);
  plat_dir_close(d);
  return r;
}

static int visit(walk *w, plat_fd dirfd, const char *name, const char *rel, int depth) {
  plat_stat st;
  char extra[MP_SIG_MAX / 2] = "-";
  plat_fd fd;
  int r;
  if (depth > MAX_DEPTH) {
    snprintf(w->err, sizeof w->err, "%s: nested too deep", rel);
    return -PLAT_ELOOP;
  }
  if ((r = plat_statat(dirfd, name, &st)) != 0) {
    snprintf(w->err, sizeof w->err, "%s: %s", rel, plat_err_text(r));
    return r;
  }
  if (st.type == PLAT_T_LINK) {
    extra[0] = '-';
    extra[1] = '>';
    extra[2] = '\0';
    fd = plat_open_at(dirfd, name, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
    if (fd >= 0) {
      r = plat_readlink_fd(fd, extra + 2, sizeof extra - 2);
      if (r < 0 && r != -PLAT_ENAMETOOLONG) extra[2] = '\0';   /* unreadable: none; cut: kept */
      plat_close(fd);
    }
  } else if (st.type == PLAT_T_FILE) {
    fd = plat_open_at(dirfd, name, PLAT_OPEN_READ | PLAT_OPEN_NOFOLLOW);
    if (fd < 0) {
      snprintf(extra, sizeof extra, "unreadable:%d", (int)-fd);
    } else {
      r = digest_file(w, fd, st.size, extra);
      plat_close(fd);
      if (r < 0) snprintf(extra, sizeof extra, "unreadable:%d", -r);
    }
  }
  if (add(w, rel, &st, extra) != 0) {
    snprintf(w->err, sizeof w->err, "out of memory");
    return -PLAT_ENOMEM;
  }
  if (st.type == PLAT_T_DIR) {
    fd = plat_open_at(dirfd, name, PLAT_OPEN_DIR | PLAT_OPEN_NOFOLLOW);
    if (fd < 0) {
      r = (int)fd;
      snprintf(w->err, sizeof w->err, "%s: cannot open the folder: %s", rel, plat_err_text(r));
      return r;
    }
    r = visit_dir(w, fd, rel, depth);
    if (r < 0 && w->err[0] == '\0')
      snprintf(w->err, sizeof w->err, "%s: %s", rel, plat_err_text(r));
    return r;
  }
  return 0;
}

/* root as a name (base) in its folder (parent); both sz bytes. */
static int split_root(const char *root, char *parent, char *base, size_t sz) {
  size_t n = strlen(root);
  char *slash;
  while (n > 1 && root[n - 1] == '/') n--;
  if (n == 0 || n >= sz) return -PLAT_ENAMETOOLONG;
  memcpy(parent, root, n);
  parent[n] = '\0';
  if (strcmp(parent, "/") == 0) { memcpy(base, ".", 2); return 0; }
  if ((slash = strrchr(parent, '/')) == NULL) {
    memcpy(base, parent, n + 1);
    memcpy(parent, ".", 2);
    return 0;
  }
  memcpy(base, slash + 1, strlen(slash + 1) + 1);
  if (slash == parent) slash[1] = '\0'; else *slash = '\0';
  return 0;
}

mp_value *tree_manifest(const char *root, char **err) {
  walk w;
  int r;
  memset(&w, 0, sizeof w);
  *err = NULL;
  w.out = mpv_obj();
  w.chunk = malloc(CHUNK);
  if (w.out == NULL || w.chunk == NULL) {
    mpv_free(w.out);
    free(w.chunk);
    *err = strdup("out of memory");
    return NULL;
  }
  {
    char parent[MP_SIG_MAX], base[MP_SIG_MAX];
    plat_fd pfd;
    if ((r = split_root(root, parent, base, sizeof base)) < 0) goto done;
    if ((pfd = plat_open_path(parent, PLAT_OPEN_DIR)) < 0) {
      r = (int)pfd;
      snprintf(w.err, sizeof w.err, "%s: %s", root, plat_err_text(r));
      goto done;
    }
    r = visit(&w, pfd, base, ".", 0);
    plat_close(pfd);
  }
done:
  free(w.chunk);
  if (r < 0) {
    mpv_free(w.out);
    *err = strdup(w.err[0] ? w.err : plat_err_text(r));
    return NULL;
  }
  return w.out;
}
