/* chunkcache.c - compiled Lua source kept once per runtime.
 *
 * Every playbook runs in a fresh environment, so the stdlib modules it
 * requires are loaded again for each playbook; compiling them was a third
 * of a whole-catalogue run.  The first load of a file compiles its text
 * (mode "t", as always) and keeps what lua_dump makes of it (with debug
 * information, for file:line messages); a later load of the same
 * unchanged file (same device, inode, size, modification and change
 * times) undumps those bytes instead.  The bytes are made here and never
 * come from outside: a playbook still cannot load a binary chunk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sandbox.h"

#define MAX_SOURCE ((size_t)8 << 20)
#define CACHE_MAX ((size_t)32 << 20)   /* bytes kept per runtime */

typedef struct chunk {
  struct chunk *next;
  char *path;
  uint64_t dev, ino, size;
  int64_t mtime_ns, ctime_ns;
  char *bin;
  size_t len;
} chunk;

typedef struct chunk_cache {
  chunk *list;
  size_t bytes;
} chunk_cache;

static chunk *find(chunk_cache *c, const char *path, const plat_stat *st) {
  chunk *k;
  for (k = c ? c->list : NULL; k; k = k->next)
    if (strcmp(k->path, path) == 0 && k->dev == st->dev && k->ino == st->ino &&
        k->size == st->size && k->mtime_ns == st->mtime_ns && k->ctime_ns == st->ctime_ns)
      return k;
  return NULL;
}

typedef struct dumpbuf { char *p; size_t len, cap; int failed; } dumpbuf;

static int writer(lua_State *L, const void *p, size_t n, void *ud) {
  dumpbuf *b = ud;
  (void)L;
  if (b->failed) return 1;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *q;
    while (cap < b->len + n) cap *= 2;
    if ((q = realloc(b->p, cap)) == NULL) { b->failed = 1; return 1; }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

/* Keep the compiled function on top of the stack (best effort). */
static void keep(mp_runtime *rt, lua_State *L, const char *path, const plat_stat *st) {
  chunk_cache *c = rt->chunk_cache;
  dumpbuf b = {NULL, 0, 0, 0};
  chunk *k;
  if (c == NULL) {
    if ((c = calloc(1, sizeof *c)) == NULL) return;
    rt->chunk_cache = c;
  }
  if (c->bytes >= CACHE_MAX) return;
  if (lua_dump(L, writer, &b, 0) != 0 || b.failed || c->bytes + b.len > CACHE_MAX ||
      (k = calloc(1, sizeof *k)) == NULL) {
    free(b.p);
    return;
  }
  if ((k->path = strdup(path)) == NULL) { free(k); free(b.p); return; }
  k->dev = st->dev;
  k->ino = st->ino;
  k->size = st->size;
  k->mtime_ns = st->mtime_ns;
  k->ctime_ns = st->ctime_ns;
  k->bin = b.p;
  k->len = b.len;
  k->next = c->list;
  c->list = k;
  c->bytes += b.len;
}

int mp_chunk_load(mp_runtime *rt, lua_State *L, const char *path, const char *name) {
  plat_stat st;
  chunk *k;
  char *src;
  size_t n = 0;
  long r = 0;
  int status, e;
  plat_fd fd = plat_open_path(path, PLAT_OPEN_READ);
  if (fd < 0) { e = (int)fd; goto io_error; }
  if ((e = plat_fstat(fd, &st)) < 0) { plat_close(fd); goto io_error; }
  if (st.type != PLAT_T_FILE) {
    e = st.type == PLAT_T_DIR ? -PLAT_EISDIR : -PLAT_EINVAL;
    plat_close(fd);
    goto io_error;
  }
  if (st.size > MAX_SOURCE) {
    plat_close(fd);
    lua_pushfstring(L, "%s: file too large", path);
    return LUA_ERRFILE;
  }
  if ((k = find(rt->chunk_cache, path, &st)) != NULL) {
    plat_close(fd);
    return luaL_loadbufferx(L, k->bin, k->len, name, "b");
  }
  if ((src = malloc((size_t)st.size + 1)) == NULL) { plat_close(fd); e = -PLAT_ENOMEM; goto io_error; }
  while (n < (size_t)st.size + 1) {  /* to the end, even if the file grew */
    r = plat_read(fd, src + n, (size_t)st.size + 1 - n);
    if (r <= 0) break;
    n += (size_t)r;
  }
  plat_close(fd);
  if (r < 0) { free(src); e = (int)r; goto io_error; }
  if (n > (size_t)st.size) {       /* it grew while being read: not whole */
    free(src);
    lua_pushfstring(L, "%s: changed while it was read", path);
    return LUA_ERRFILE;
  }
  status = luaL_loadbufferx(L, src, n, name, "t");
  free(src);
  if (status == LUA_OK && n == (size_t)st.size) keep(rt, L, path, &st);
  return status;
io_error:
  lua_pushfstring(L, "%s: %s", path, plat_err_text(e));
  return LUA_ERRFILE;
}

void mp_chunks_free(mp_runtime *rt) {
  chunk_cache *c;
  if (rt == NULL || (c = rt->chunk_cache) == NULL) return;
  while (c->list) {
    chunk *k = c->list;
    c->list = k->next;
    free(k->path);
    free(k->bin);
    free(k);
  }
  free(c);
  rt->chunk_cache = NULL;
}
