/* bind_fs.c - marsplay.fs: inspecting files and folders of the target.
 *
 * Every path a playbook gives is resolved inside the target by
 * mp_target_rel/mp_target_open (Windows or root-relative spelling, case
 * resolved NTFS-style).  Nothing here changes the target, and the final
 * component of a path is never followed when it is a link: stat is an
 * lstat, read refuses links, walks never enter them.
 *
 * Failures return nil, message, code (an errno name such as "ENOENT").
 * C resources that live while Lua may raise an error (out of memory) are
 * owned by userdata with a __gc, so nothing leaks.
 *
 * Choices worth knowing:
 *  - fs.du counts an inode with several names once (as `du -sb` does)
 *    while it can remember 65536 of them; bytes include folders and links
 *    (as du), file_bytes only regular files (as Explorer); it stays on the
 *    filesystem of the folder (like du -x) and counts folders it did not
 *    enter in other_fs.
 *  - fs.count's pattern folds ASCII case unless case=true; type defaults
 *    to "any".
 *  - fs.attrs says sparse is unknown for a folder (a folder is not sparse
 *    itself, and looking inside would be a walk); dedup is unknown unless
 *    ntfs-3g shows the Windows attributes and reparse tag.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/utf8.h"
#include "formats/fsscan.h"
#include "formats/fswalk.h"
#include "formats/ntacl.h"
#include "core/mp_internal.h"

#define READ_MAX_DEFAULT ((lua_Integer)16 << 20)
#define COUNT_BUF ((size_t)1 << 20)
#define LIST_BUF ((size_t)256 << 10)
#define FD_GUARD "marsplay.fs.fd"
#define LIST_BOX "marsplay.fs.list"
#define DU_BOX "marsplay.fs.du"
#define SCAN_BOX "marsplay.fs.scan"
#define HOLDER_BOX "marsplay.fs.holders"
#define ARRAY_MT "marsplay.array"

/* ---------- helpers ---------- */

/* nil, "what: reason", "ECODE" */
static int fail(lua_State *L, int err, const char *what) {
  return mp_push_errno(L, err, what);
}

static const char *type_name(plat_ftype t) { return plat_ftype_name(t); }

/* nil, "what: <why>", code for cases strerror words badly. */
static int fail_why(lua_State *L, int err, const char *what, const char *why) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", what, why);
  lua_pushstring(L, plat_err_name(err));
  return 3;
}

static int fail_type(lua_State *L, plat_ftype t, const char *what) {
  if (t == PLAT_T_DIR) return fail_why(L, EISDIR, what, "is a folder");
  lua_pushnil(L);
  lua_pushfstring(L, "%s: not a regular file (%s)", what, type_name(t));
  lua_pushliteral(L, "EINVAL");
  return 3;
}

/* Opening failed: say so plainly when the reason is a link. */
static int fail_open(lua_State *L, int err, const char *what) {
  if (err == -ELOOP) return fail_why(L, ELOOP, what, "is a link (links are not followed)");
  return fail(L, err, what);
}

/* Mark the table on top as an array (so an empty one stays [] in JSON). */
static void set_array(lua_State *L) {
  if (luaL_newmetatable(L, ARRAY_MT)) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__array");
  }
  lua_setmetatable(L, -2);
}

static void set_int(lua_State *L, const char *k, uint64_t v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

static void set_bool(lua_State *L, const char *k, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *s) {
  lua_pushstring(L, s);
  lua_setfield(L, -2, k);
}

static int valid_utf8(const unsigned char *s, size_t n) {
  return mp_utf8_valid((const char *)s, n);
}

/* A descriptor closed by the garbage collector if an error intervenes. */
static int guard_gc(lua_State *L) {
  plat_fd *fd = luaL_checkudata(L, 1, FD_GUARD);
  if (*fd >= 0) { plat_close(*fd); *fd = PLAT_FD_NONE; }
  return 0;
}

static plat_fd *new_guard(lua_State *L) {
  plat_fd *fd = lua_newuserdatauv(L, sizeof *fd, 0);
  *fd = PLAT_FD_NONE;
  if (luaL_newmetatable(L, FD_GUARD)) {
    lua_pushcfunction(L, guard_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return fd;
}

static void guard_close(plat_fd *fd) {
  if (*fd >= 0) { plat_close(*fd); *fd = PLAT_FD_NONE; }
}

/* Playbook path -> root-relative path; pushes nothing. */
static int rel_of(lua_State *L, const char *path, char *rel, size_t relsz) {
  return mp_target_rel(mp_rt(L), path, rel, relsz);
}

static plat_fd open_rel(lua_State *L, const char *rel, unsigned how) {
  return plat_open_in(mp_rt(L)->rootfd, rel, how);
}

/* The folder at path, open for reading, never through a final link:
 * fd >= 0, or -1 with nil, message, code pushed. */
static plat_fd open_dir(lua_State *L, const char *path, char *rel, size_t relsz) {
  plat_fd fd;
  int r = rel_of(L, path, rel, relsz);
  if (r < 0) { fail(L, r, path); return -1; }
  fd = open_rel(L, rel, PLAT_OPEN_DIR | PLAT_OPEN_NOFOLLOW);
  if (fd == -ENOTDIR || fd == -ELOOP) {   /* say so when it is a link */
    plat_stat st;
    plat_fd p = open_rel(L, rel, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
    if (p >= 0) {
      if (plat_fstat(p, &st) == 0 && st.type == PLAT_T_LINK) fd = -ELOOP;
      plat_close(p);
    }
  }
  if (fd < 0) { fail_open(L, (int)fd, path); return -1; }
  return fd;
}

/* The regular file at path, open for reading into *fd (a guard): 0, or
 * -1 with nil, message, code pushed.  The object is looked at before it
 * is opened, so a device or a fifo is never opened. */
static int open_file(lua_State *L, const char *path, plat_fd *fd, plat_stat *st) {
  char rel[MP_PATH_MAX];
  plat_stat again;
  plat_fd p;
  int r = rel_of(L, path, rel, sizeof rel);
  if (r < 0) { fail(L, r, path); return -1; }
  if ((p = open_rel(L, rel, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW)) < 0) { fail(L, (int)p, path); return -1; }
  r = plat_fstat(p, st);
  plat_close(p);
  if (r < 0) { fail(L, r, path); return -1; }
  if (st->type == PLAT_T_LINK) { fail_open(L, -ELOOP, path); return -1; }
  if (st->type != PLAT_T_FILE) { fail_type(L, st->type, path); return -1; }
  *fd = open_rel(L, rel, PLAT_OPEN_READ | PLAT_OPEN_NOFOLLOW);
  if (*fd < 0) { fail_open(L, (int)*fd, path); return -1; }
  r = plat_fstat(*fd, &again);
  if (r < 0 || again.ino != st->ino || again.dev != st->dev) {
    guard_close(fd);
    fail_why(L, EAGAIN, path, "changed while being opened");
    return -1;
  }
  *st = again;
  return 0;
}

/* Windows display form of rel + "/" + sub (sub may be NULL or ""). */
static void push_display(lua_State *L, const char *rel, const char *sub) {
  char joined[MP_PATH_MAX * 2], out[MP_PATH_MAX * 2 + 8];
  if (sub && *sub)
    snprintf(joined, sizeof joined, "%s%s%s", rel, *rel ? "/" : "", sub);
  else
    snprintf(joined, sizeof joined, "%s", rel);
  mp_target_display(joined, out, sizeof out);
  lua_pushstring(L, out);
}


/* ---------- stat, exists, isdir ---------- */

static void push_perms(lua_State *L, uint32_t mode) {
  static const char rwx[] = "rwxrwxrwx";
  char p[10];
  int i;
  for (i = 0; i < 9; i++) p[i] = (mode & (0400u >> i)) ? rwx[i] : '-';
  if (mode & 04000) p[2] = (mode & 0100) ? 's' : 'S';
  if (mode & 02000) p[5] = (mode & 0010) ? 's' : 'S';
  if (mode & 01000) p[8] = (mode & 0001) ? 't' : 'T';
  lua_pushlstring(L, p, 9);
}

static int fs_stat(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  char target[MP_PATH_MAX];
  plat_fd fd;
  int r, have_target = 0;
  plat_stat st;
  fd = mp_target_open(mp_rt(L), path, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  if (fd < 0) return fail(L, (int)fd, path);
  r = plat_fstat(fd, &st);
  if (r == 0 && st.type == PLAT_T_LINK)
    have_target = plat_readlink_fd(fd, target, sizeof target) >= 0;
  plat_close(fd);
  if (r < 0) return fail(L, r, path);
  lua_createtable(L, 0, 16);
  set_str(L, "type", type_name(st.type));
  set_int(L, "size", st.size);
  set_int(L, "allocated", st.allocated);
  set_int(L, "mode", st.mode & 07777);
  push_perms(L, st.mode);
  lua_setfield(L, -2, "perms");
  set_int(L, "uid", st.uid);
  set_int(L, "gid", st.gid);
  set_int(L, "nlink", st.nlink);
  set_int(L, "ino", st.ino);
  set_int(L, "dev", st.dev);
  set_num(L, "mtime", st.mtime);
  set_num(L, "atime", st.atime);
  set_num(L, "ctime", st.ctime);
  if (have_target) set_str(L, "target", target);
  return 1;
}

static int probe(lua_State *L, int want_dir) {
  const char *path = mp_checkpath(L, 1);
  plat_stat st;
  plat_fd fd = mp_target_open(mp_rt(L), path, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  int r;
  if (fd == -ENOENT || fd == -ENOTDIR) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (fd < 0) return fail(L, (int)fd, path);
  r = want_dir ? plat_fstat(fd, &st) : 0;
  plat_close(fd);
  if (r < 0) return fail(L, r, path);
  lua_pushboolean(L, !want_dir || st.type == PLAT_T_DIR);
  return 1;
}

static int fs_exists(lua_State *L) { return probe(L, 0); }
static int fs_isdir(lua_State *L) { return probe(L, 1); }

/* ---------- read ---------- */

static int fs_read(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  lua_Integer max = luaL_optinteger(L, 2, READ_MAX_DEFAULT);
  plat_fd *fd;
  plat_stat st;
  luaL_Buffer b;
  lua_Integer total = 0;
  luaL_argcheck(L, max >= 0, 2, "must not be negative");
  fd = new_guard(L);
  if (open_file(L, path, fd, &st) < 0) return 3;
  if (st.size > (uint64_t)max) goto too_big;
  luaL_buffinit(L, &b);
  for (;;) {
    size_t want = (size_t)(max - total) + 1;  /* one more: notice growth */
    char *p;
    long n;
    if (want > ((size_t)1 << 20)) want = (size_t)1 << 20;
    p = luaL_prepbuffsize(&b, want);
    n = plat_read(*fd, p, want);
    if (n < 0) { guard_close(fd); return fail(L, (int)n, path); }
    if (n == 0) break;
    luaL_addsize(&b, (size_t)n);
    total += n;
    if (total > max) goto too_big;
  }
  guard_close(fd);
  luaL_pushresult(&b);
  return 1;
too_big:
  guard_close(fd);
  lua_pushnil(L);
  lua_pushfstring(L, "%s: file larger than %I bytes", path, max);
  lua_pushliteral(L, "EFBIG");
  return 3;
}

/* ---------- listing: dir, glob, count ---------- */

typedef struct list_ent {
  size_t off, len;
  const char *name;   /* set once every name is in (names may move before) */
  plat_ftype type;
} list_ent;
typedef struct list_box {
  char *names;        /* NUL-separated */
  size_t nlen, ncap;
  list_ent *ents;
  size_t n, cap;
} list_box;

static int list_gc(lua_State *L) {
  list_box *lb = luaL_checkudata(L, 1, LIST_BOX);
  free(lb->names);
  free(lb->ents);
  lb->names = NULL;
  lb->ents = NULL;
  return 0;
}

static list_box *new_list(lua_State *L) {
  list_box *lb = lua_newuserdatauv(L, sizeof *lb, 0);
  memset(lb, 0, sizeof *lb);
  if (luaL_newmetatable(L, LIST_BOX)) {
    lua_pushcfunction(L, list_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return lb;
}

static int list_add(void *ud, const plat_dirent *de) {
  list_box *lb = ud;
  const char *name = de->name;
  size_t len = de->namelen;
  if (lb->n == lb->cap) {
    size_t ncap = lb->cap ? lb->cap * 2 : 256;
    list_ent *e = realloc(lb->ents, ncap * sizeof *e);
    if (e == NULL) return -ENOMEM;
    lb->ents = e;
    lb->cap = ncap;
  }
  if (lb->nlen + len + 1 > lb->ncap) {
    size_t ncap = lb->ncap ? lb->ncap * 2 : 8192;
    char *p;
    while (ncap < lb->nlen + len + 1) ncap *= 2;
    if ((p = realloc(lb->names, ncap)) == NULL) return -ENOMEM;
    lb->names = p;
    lb->ncap = ncap;
  }
  memcpy(lb->names + lb->nlen, name, len + 1);
  lb->ents[lb->n].off = lb->nlen;
  lb->ents[lb->n].len = len;
  lb->ents[lb->n].type = de->type;
  lb->n++;
  lb->nlen += len + 1;
  return 0;
}

static int by_name(const void *a, const void *b) {
  const list_ent *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->name, y->name, n);
  if (c) return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

/* Byte order (names need not be UTF-8). */
static void list_sort(list_box *lb) {
  size_t i;
  for (i = 0; i < lb->n; i++) lb->ents[i].name = lb->names + lb->ents[i].off;
  if (lb->n > 1) qsort(lb->ents, lb->n, sizeof *lb->ents, by_name);
}

/* Read the folder at path into a new list box (left on the stack).
 * Returns 0, or pushes nil, message, code and returns 3. */
static int read_list(lua_State *L, const char *path, const fsw_glob *g, list_box **out) {
  char rel[MP_PATH_MAX];
  fsw_list_result lr;
  list_box *lb = new_list(L);
  plat_fd fd = open_dir(L, path, rel, sizeof rel);
  int r;
  if (fd < 0) return 3;
  r = fsw_list(fd, g, LIST_BUF, list_add, lb, &lr);
  if (r < 0) return fail(L, r, path);
  list_sort(lb);
  *out = lb;
  return 0;
}

static int fs_dir(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  list_box *lb;
  size_t i;
  int r = read_list(L, path, NULL, &lb);
  if (r) return r;
  lua_createtable(L, lb->n > 0x7fffffff ? 0x7fffffff : (int)lb->n, 0);
  for (i = 0; i < lb->n; i++) {
    const list_ent *e = &lb->ents[i];
    const char *name = e->name;
    lua_createtable(L, 0, 3);
    lua_pushlstring(L, name, e->len);
    lua_setfield(L, -2, "name");
    set_str(L, "type", type_name(e->type));
    if (!valid_utf8((const unsigned char *)name, e->len)) set_bool(L, "valid_utf8", 0);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_array(L);
  return 1;
}

static int fs_glob(lua_State *L) {
  size_t plen;
  const char *path = mp_checkpath(L, 1);
  const char *pat = luaL_checklstring(L, 2, &plen);
  fsw_glob g;
  list_box *lb;
  size_t i;
  int r;
  fsw_glob_init(&g, pat, plen, 1);
  if ((r = read_list(L, path, &g, &lb)) != 0) return r;
  lua_createtable(L, lb->n > 0x7fffffff ? 0x7fffffff : (int)lb->n, 0);
  for (i = 0; i < lb->n; i++) {
    lua_pushlstring(L, lb->ents[i].name, lb->ents[i].len);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_array(L);
  return 1;
}

static int class_of_name(const char *t) {
  if (strcmp(t, "file") == 0) return FSW_FILE;
  if (strcmp(t, "dir") == 0) return FSW_DIR;
  if (strcmp(t, "link") == 0) return FSW_LINK;
  if (strcmp(t, "other") == 0) return FSW_OTHER;
  if (strcmp(t, "any") == 0) return -1;
  return -2;
}

static int fs_count(lua_State *L) {
  size_t plen;
  const char *path = mp_checkpath(L, 1);
  const char *pat = luaL_checklstring(L, 2, &plen);
  const char *type = "any";
  plat_fd fd;
  int cls, fold = 1, r;
  char rel[MP_PATH_MAX];
  fsw_glob g;
  fsw_list_result lr;
  uint64_t n = 0;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    if (lua_getfield(L, 3, "type") != LUA_TNIL) type = luaL_checkstring(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 3, "case");
    fold = !lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  if ((cls = class_of_name(type)) == -2)
    return luaL_error(L, "bad type '%s' (file, dir, link, other or any)", type);
  fsw_glob_init(&g, pat, plen, fold);
  if ((fd = open_dir(L, path, rel, sizeof rel)) < 0) return 3;
  if ((r = fsw_list(fd, &g, COUNT_BUF, NULL, NULL, &lr)) < 0) return fail(L, r, path);
  if (cls < 0) {
    int i;
    for (i = 0; i < FSW_NTYPES; i++) n += lr.matched[i];
  } else {
    n = lr.matched[cls];
  }
  lua_pushinteger(L, (lua_Integer)n);
  lua_createtable(L, 0, 3);
  lua_createtable(L, 0, 4);
  set_int(L, "file", lr.matched[FSW_FILE]);
  set_int(L, "dir", lr.matched[FSW_DIR]);
  set_int(L, "link", lr.matched[FSW_LINK]);
  set_int(L, "other", lr.matched[FSW_OTHER]);
  lua_setfield(L, -2, "matched_by_type");
  set_int(L, "scanned", lr.scanned);
  set_int(L, "stats", lr.stats);
  set_int(L, "readers", (uint64_t)lr.readers);
  return 2;
}

/* ---------- du ---------- */

typedef struct tick_ctx {
  mp_runtime *rt;
  const char *what;
  double next;
  double total;
  int timeout;
} tick_ctx;

static int on_tick(void *ud, uint64_t done) {
  tick_ctx *t = ud;
  double now = plat_monotonic();
  if (mp_over_deadline(t->rt)) { t->timeout = 1; return 1; }
  if (now >= t->next) {
    t->next = now + 0.1;
    mp_progress(t->rt, t->what, (double)done, t->total);
  }
  return 0;
}

static int du_gc(lua_State *L) {
  fsw_du_result *r = luaL_checkudata(L, 1, DU_BOX);
  fsw_du_free(r);
  return 0;
}

static lua_Integer opt_int_field(lua_State *L, int t, const char *k, lua_Integer dflt,
                                 lua_Integer lo, lua_Integer hi) {
  lua_Integer v = dflt;
  if (!lua_isnoneornil(L, t)) {
    if (lua_getfield(L, t, k) != LUA_TNIL) {
      int isnum;
      v = lua_tointegerx(L, -1, &isnum);
      if (!isnum) luaL_error(L, "option '%s' must be an integer", k);
    }
    lua_pop(L, 1);
  }
  if (v < lo || v > hi) luaL_error(L, "option '%s' must be between %I and %I", k, lo, hi);
  return v;
}

static int fs_du(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  mp_runtime *rt = mp_rt(L);
  fsw_du_opts o;
  fsw_du_result *r;
  tick_ctx t;
  char rel[MP_PATH_MAX];
  plat_fd fd;
  int err;
  size_t i;
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  memset(&o, 0, sizeof o);
  o.top = (int)opt_int_field(L, 2, "top", 10, 0, 1000);
  o.threads = (int)opt_int_field(L, 2, "threads", 2, 1, 16);
  memset(&t, 0, sizeof t);
  t.rt = rt;
  t.what = "du";
  o.tick = on_tick;
  o.ud = &t;
  r = lua_newuserdatauv(L, sizeof *r, 0);
  memset(r, 0, sizeof *r);
  if (luaL_newmetatable(L, DU_BOX)) {
    lua_pushcfunction(L, du_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  if ((fd = open_dir(L, path, rel, sizeof rel)) < 0) return 3;
  t.next = plat_monotonic() + 0.1;
  err = fsw_du(fd, &o, r);
  if (t.timeout) { fsw_du_free(r); return mp_raise_timeout(L); }
  if (err < 0) return fail(L, err, path);
  mp_progress(rt, "du", (double)(r->files + r->dirs + r->links + r->others), 0);
  lua_createtable(L, 0, 16);
  set_int(L, "bytes", r->bytes);
  set_int(L, "allocated", r->allocated);
  set_int(L, "file_bytes", r->file_bytes);
  set_int(L, "files", r->files);
  set_int(L, "dirs", r->dirs);
  set_int(L, "links", r->links);
  set_int(L, "others", r->others);
  set_int(L, "hardlinks", r->hardlinks);
  set_int(L, "other_fs", r->other_fs);
  set_int(L, "errors", r->errors);
  if (r->links_untracked) set_bool(L, "hardlinks_untracked", 1);
  lua_createtable(L, (int)r->nsamples, 0);
  for (i = 0; i < r->nsamples; i++) {
    lua_createtable(L, 0, 2);
    push_display(L, rel, r->samples[i].path);
    lua_setfield(L, -2, "path");
    set_str(L, "code", plat_err_name(r->samples[i].err));
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_array(L);
  lua_setfield(L, -2, "error_samples");
  lua_createtable(L, (int)r->nlargest, 0);
  for (i = 0; i < r->nlargest; i++) {
    lua_createtable(L, 0, 2);
    push_display(L, rel, r->largest[i].path);
    lua_setfield(L, -2, "path");
    set_int(L, "bytes", r->largest[i].bytes);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_array(L);
  lua_setfield(L, -2, "largest");
  return 1;
}

/* ---------- scan ---------- */

static int scan_gc(lua_State *L) {
  fss_result *r = luaL_checkudata(L, 1, SCAN_BOX);
  fss_free(r);
  return 0;
}

static void push_hit(lua_State *L, const fss_hit *h) {
  int i;
  lua_createtable(L, 0, 2);
  set_int(L, "count", h->count);
  lua_createtable(L, h->nsamples, 0);
  for (i = 0; i < h->nsamples; i++) {
    lua_pushlstring(L, h->samples[i], h->slen[i]);
    lua_rawseti(L, -2, i + 1);
  }
  set_array(L);
  lua_setfield(L, -2, "samples");
}

static int scan_tick(void *ud, uint64_t bytes) {
  return on_tick(ud, bytes);
}

static int fs_scan(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  mp_runtime *rt = mp_rt(L);
  fss_opts o;
  fss_result *r;
  tick_ctx t;
  const char **pats = NULL;
  size_t *plens = NULL, npat = 0, i;
  plat_fd *fd;
  int err;
  plat_stat st;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  memset(&o, 0, sizeof o);
  lua_getfield(L, 2, "codes");
  o.codes = lua_toboolean(L, -1);
  lua_pop(L, 1);
  o.max_samples = (int)opt_int_field(L, 2, "max_samples", 5, 0, 100);
  lua_getfield(L, 2, "encoding");
  {
    static const char *const encs[] = {"auto", "utf8", "utf16le", NULL};
    static const int codes[] = {FSS_AUTO, FSS_UTF8, FSS_UTF16LE};
    o.encoding = codes[luaL_checkoption(L, -1, "auto", encs)];
  }
  lua_pop(L, 1);
  if (lua_getfield(L, 2, "patterns") != LUA_TNIL) {   /* index 3 */
    luaL_checktype(L, 3, LUA_TTABLE);
    npat = (size_t)luaL_len(L, 3);
    if (npat > 256) return luaL_error(L, "at most 256 patterns");
    lua_createtable(L, (int)npat, 0);                  /* 4: our own references */
    pats = lua_newuserdatauv(L, (npat ? npat : 1) * sizeof *pats, 0);
    plens = lua_newuserdatauv(L, (npat ? npat : 1) * sizeof *plens, 0);
    for (i = 0; i < npat; i++) {
      lua_rawgeti(L, 3, (lua_Integer)i + 1);
      if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "patterns[%d] must be a string", (int)i + 1);
      pats[i] = lua_tolstring(L, -1, &plens[i]);
      if (plens[i] == 0 || plens[i] > FSS_MAX_PATTERN)
        return luaL_error(L, "patterns[%d] must be 1 to %d bytes", (int)i + 1, FSS_MAX_PATTERN);
      lua_rawseti(L, 4, (lua_Integer)i + 1);
    }
  }
  if (!o.codes && npat == 0) return luaL_error(L, "fs.scan needs codes=true or patterns");
  o.patterns = pats;
  o.patlens = plens;
  o.npatterns = npat;
  memset(&t, 0, sizeof t);
  t.rt = rt;
  t.what = "scan";
  o.tick = scan_tick;
  o.ud = &t;
  r = lua_newuserdatauv(L, sizeof *r, 0);
  memset(r, 0, sizeof *r);
  if (luaL_newmetatable(L, SCAN_BOX)) {
    lua_pushcfunction(L, scan_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  fd = new_guard(L);
  if (open_file(L, path, fd, &st) < 0) return 3;
  t.total = (double)st.size;
  t.next = plat_monotonic() + 0.1;
  err = fss_scan(*fd, &o, r);
  guard_close(fd);
  if (t.timeout) { fss_free(r); return mp_raise_timeout(L); }
  if (err < 0) return fail(L, err, path);
  mp_progress(rt, "scan", (double)r->bytes, t.total);
  lua_createtable(L, 0, 8);
  set_int(L, "bytes", r->bytes);
  set_int(L, "lines", r->lines);
  set_str(L, "encoding", r->encoding == FSS_UTF16LE ? "utf16le" : "utf8");
  if (o.codes) {
    lua_createtable(L, 0, (int)r->ncodes);
    for (i = 0; i < r->codecap; i++) {
      const fss_code *c = &r->codes[i];
      char key[16];
      if (!c->used) continue;
      snprintf(key, sizeof key, "0x%08X", (unsigned)c->code);
      lua_pushstring(L, key);
      push_hit(L, &c->hit);
      lua_settable(L, -3);
    }
    lua_setfield(L, -2, "codes");
    if (r->codes_dropped) set_int(L, "codes_dropped", r->codes_dropped);
  }
  if (npat) {
    lua_createtable(L, 0, (int)npat);
    for (i = 0; i < npat; i++) {
      lua_pushlstring(L, pats[i], plens[i]);
      push_hit(L, &r->pats[i]);
      lua_settable(L, -3);
    }
    lua_setfield(L, -2, "patterns");
  }
  if (r->samples_truncated) set_bool(L, "samples_truncated", 1);
  return 1;
}

/* ---------- attrs ---------- */

static const struct { unsigned bit; const char *name; } ATTR_NAMES[] = {
  {PLAT_A_COMPRESSED, "compressed"}, {PLAT_A_ENCRYPTED, "encrypted"},
  {PLAT_A_SPARSE, "sparse"}, {PLAT_A_REPARSE, "reparse"},
  {PLAT_A_IMMUTABLE, "immutable"}, {PLAT_A_DEDUP, "dedup"}, {0, NULL}};

static const struct { uint32_t bit; const char *name; } WIN_NAMES[] = {
  {PLAT_WIN_READONLY, "readonly"}, {PLAT_WIN_HIDDEN, "hidden"},
  {PLAT_WIN_SYSTEM, "system"}, {PLAT_WIN_DIRECTORY, "directory"},
  {PLAT_WIN_ARCHIVE, "archive"}, {PLAT_WIN_SPARSE, "sparse"},
  {PLAT_WIN_REPARSE, "reparse_point"}, {PLAT_WIN_COMPRESSED, "compressed"},
  {PLAT_WIN_OFFLINE, "offline"}, {PLAT_WIN_NOT_INDEXED, "not_content_indexed"},
  {PLAT_WIN_ENCRYPTED, "encrypted"}, {PLAT_WIN_RECALL_ON_OPEN, "recall_on_open"},
  {PLAT_WIN_PINNED, "pinned"}, {PLAT_WIN_UNPINNED, "unpinned"},
  {PLAT_WIN_RECALL_ON_DATA_ACCESS, "recall_on_data_access"}, {0, NULL}};

/* The object at rel (never through a final link) for reading its
 * metadata: a look-only handle into *look, its stat into *st and, for a
 * file or folder that is still the same object once opened, a data handle
 * into *data (else PLAT_FD_NONE: other kinds are never opened, since
 * opening a device could act on it).  0, or a negative error kind with
 * nothing left open; close_look_data closes both. */
static int open_look_data(lua_State *L, const char *rel, plat_fd *look, plat_fd *data,
                          plat_stat *st) {
  plat_stat st2;
  int r;
  *data = PLAT_FD_NONE;
  *look = open_rel(L, rel, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  if (*look < 0) return (int)*look;
  if ((r = plat_fstat(*look, st)) < 0) { plat_close(*look); return r; }
  if (st->type == PLAT_T_FILE || st->type == PLAT_T_DIR) {
    *data = open_rel(L, rel, (st->type == PLAT_T_DIR ? PLAT_OPEN_DIR : PLAT_OPEN_READ) |
                               PLAT_OPEN_NOFOLLOW);
    if (*data >= 0 && (plat_fstat(*data, &st2) < 0 || st2.ino != st->ino || st2.dev != st->dev)) {
      plat_close(*data);
      *data = PLAT_FD_NONE;
    }
    if (*data < 0) *data = PLAT_FD_NONE;
  }
  return 0;
}

static void close_look_data(plat_fd look, plat_fd data) {
  plat_close(look);
  if (data >= 0) plat_close(data);
}

static int fs_attrs(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  char rel[MP_PATH_MAX];
  plat_attrs_ex a;
  plat_stat st;
  plat_fd pfd, dfd;
  int r, i, nk = 0, nu = 0;
  luaL_Buffer note;
  if ((r = rel_of(L, path, rel, sizeof rel)) < 0) return fail(L, r, path);
  /* the data handle gives the inode flags */
  if ((r = open_look_data(L, rel, &pfd, &dfd, &st)) < 0) return fail(L, r, path);
  r = plat_attrs_detail(pfd, dfd, &a);
  close_look_data(pfd, dfd);
  if (r < 0) return fail(L, r, path);
  lua_createtable(L, 0, 12);
  for (i = 0; ATTR_NAMES[i].name; i++)
    if (a.known & ATTR_NAMES[i].bit) set_bool(L, ATTR_NAMES[i].name, (a.set & ATTR_NAMES[i].bit) != 0);
  lua_newtable(L);
  lua_newtable(L);
  for (i = 0; ATTR_NAMES[i].name; i++) {
    lua_pushstring(L, ATTR_NAMES[i].name);
    if (a.known & ATTR_NAMES[i].bit) lua_rawseti(L, -3, ++nk);
    else lua_rawseti(L, -2, ++nu);
  }
  set_array(L);
  lua_setfield(L, -3, "unknown");
  set_array(L);
  lua_setfield(L, -2, "known");
  if (a.have_win) {
    int n = 0;
    set_int(L, "windows_attributes", a.win_attrs);
    lua_newtable(L);
    for (i = 0; WIN_NAMES[i].name; i++) {
      if (a.win_attrs & WIN_NAMES[i].bit) {
        lua_pushstring(L, WIN_NAMES[i].name);
        lua_rawseti(L, -2, ++n);
      }
    }
    set_array(L);
    lua_setfield(L, -2, "windows");
    if (a.reparse_tag) set_int(L, "reparse_tag", a.reparse_tag);
  }
  luaL_buffinit(L, &note);
  if (a.have_win)
    luaL_addstring(&note, "Windows attributes read from the NTFS volume (ntfs-3g).");
  else
    luaL_addstring(&note, "Linux view: reparse = a link (junctions and symlinks show as links); "
                          "compressed/encrypted/immutable from inode flags where the filesystem reports them.");
  if (!(a.known & PLAT_A_DEDUP))
    luaL_addstring(&note, " Deduplication cannot be seen from Linux without the NTFS reparse tag.");
  if (st.type == PLAT_T_DIR && !(a.known & PLAT_A_SPARSE))
    luaL_addstring(&note, " Sparse is a property of files: unknown for a folder.");
  luaL_pushresult(&note);
  lua_setfield(L, -2, "note");
  return 1;
}

/* ---------- NTFS security descriptor ---------- */

#define NTACL_MAX 65536   /* a security descriptor is at most 64 KiB */

/* fs.ntfs_acl(path) -> { source, owner, dacl_present, dacl_null, dacl =
 * {{ type, flags, mask, sid, inherit_only }...}, full_control(sid) via
 * system_full } | nil, why, code */
static int fs_ntfs_acl(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char rel[MP_PATH_MAX], err[160];
  unsigned char *buf;
  mp_secdesc *sd;
  const char *name = "";
  plat_stat st;
  plat_fd pfd, dfd;
  int r, n;
  size_t i;
  if ((r = rel_of(L, path, rel, sizeof rel)) < 0) return fail(L, r, path);
  if ((r = open_look_data(L, rel, &pfd, &dfd, &st)) < 0) return fail(L, r, path);
  buf = malloc(NTACL_MAX);
  sd = malloc(sizeof *sd);
  if (buf == NULL || sd == NULL) {
    free(buf);
    free(sd);
    close_look_data(pfd, dfd);
    return fail(L, -ENOMEM, path);
  }
  n = plat_ntfs_acl(pfd, dfd, buf, NTACL_MAX, &name);
  close_look_data(pfd, dfd);
  if (n < 0) {
    free(buf);
    free(sd);
    if (n == -ENODATA)
      return fail_why(L, -n, path, "no NTFS security descriptor here (the volume is not mounted with ntfs-3g, "
                                   "which exposes it as system.ntfs_acl)");
    if (n == -PLAT_EOPNOTSUPP) return fail_why(L, -n, path, PLAT_ACL_MADE_UP);
    return fail(L, n, path);
  }
  r = mp_secdesc_parse(buf, (size_t)n, sd, err, sizeof err);
  free(buf);
  if (r < 0) {
    free(sd);
    return fail_why(L, -r, path, err);
  }
  lua_createtable(L, 0, 7);
  set_str(L, "source", name);
  if (sd->owner[0]) set_str(L, "owner", sd->owner);
  set_bool(L, "dacl_present", sd->dacl_present);
  set_bool(L, "dacl_null", sd->dacl_null);
  set_bool(L, "system_full_control", mp_secdesc_full_control(sd, "S-1-5-18"));
  lua_createtable(L, (int)sd->n_aces, 0);
  for (i = 0; i < sd->n_aces; i++) {
    const mp_ace *a = &sd->aces[i];
    lua_createtable(L, 0, 5);
    if (a->type == MP_ACE_ALLOWED) set_str(L, "type", "allow");
    else if (a->type == MP_ACE_DENIED) set_str(L, "type", "deny");
    else set_int(L, "type", a->type);
    set_int(L, "flags", a->flags);
    set_int(L, "mask", a->mask);
    if (a->sid[0]) set_str(L, "sid", a->sid);
    set_bool(L, "inherit_only", (a->flags & MP_ACE_INHERIT_ONLY) != 0);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_array(L);
  lua_setfield(L, -2, "dacl");
  free(sd);
  return 1;
}

/* ---------- volume ---------- */

static int fs_volume(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  plat_volume v;
  plat_fd fd = mp_target_open(mp_rt(L), path, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  int r;
  if (fd < 0) return fail(L, (int)fd, path);
  r = plat_volume_of(fd, &v);
  plat_close(fd);
  if (r < 0) return fail(L, r, path);
  lua_createtable(L, 0, 6);
  set_int(L, "total", v.total);
  set_int(L, "free", v.free);
  set_int(L, "avail", v.avail);
  set_str(L, "fstype", v.fstype);
  set_bool(L, "readonly", v.readonly);
  set_bool(L, "remote", v.remote);
  return 1;
}

/* ---------- holders ---------- */

typedef struct holder {
  long pid;
  int fd, deleted, whole_folder;
  char comm[128], app[128], service[128];
  char *file;
} holder;
typedef struct holder_box { holder *h; size_t n, cap; } holder_box;

static int holders_gc(lua_State *L) {
  holder_box *hb = luaL_checkudata(L, 1, HOLDER_BOX);
  size_t i;
  for (i = 0; i < hb->n; i++) free(hb->h[i].file);
  free(hb->h);
  hb->h = NULL;
  hb->n = 0;
  return 0;
}

static int add_holder(void *ud, const plat_holder *h) {
  holder_box *hb = ud;
  holder *x;
  if (hb->n == hb->cap) {
    size_t ncap = hb->cap ? hb->cap * 2 : 16;
    holder *p = realloc(hb->h, ncap * sizeof *p);
    if (p == NULL) return 1;
    hb->h = p;
    hb->cap = ncap;
  }
  x = &hb->h[hb->n];
  if ((x->file = strdup(h->path)) == NULL) return 1;
  x->pid = h->pid;
  x->fd = h->fd;
  x->deleted = h->deleted;
  x->whole_folder = h->whole_folder;
  snprintf(x->comm, sizeof x->comm, "%s", h->comm);
  snprintf(x->app, sizeof x->app, "%s", h->app ? h->app : "");
  snprintf(x->service, sizeof x->service, "%s", h->service ? h->service : "");
  hb->n++;
  return 0;
}

/* The Windows form of a host path inside the target, or nothing. */
static int push_host_display(lua_State *L, mp_runtime *rt, const char *file) {
  size_t rootlen = strlen(rt->root);
  if (strcmp(rt->root, "/") == 0) {
    push_display(L, file + 1, NULL);
    return 1;
  }
  if (strncmp(file, rt->root, rootlen) == 0 && (file[rootlen] == '/' || file[rootlen] == '\0')) {
    push_display(L, file + rootlen, NULL);
    return 1;
  }
  return 0;
}

static int fs_holders(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  mp_runtime *rt = mp_rt(L);
  char rel[MP_PATH_MAX], host[MP_PATH_MAX];
  holder_box *hb;
  plat_holders_info info;
  size_t i;
  plat_fd fd;
  int r;
  hb = lua_newuserdatauv(L, sizeof *hb, 0);
  memset(hb, 0, sizeof *hb);
  if (luaL_newmetatable(L, HOLDER_BOX)) {
    lua_pushcfunction(L, holders_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  if ((r = rel_of(L, path, rel, sizeof rel)) < 0) return fail(L, r, path);
  fd = open_rel(L, rel, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  if (fd < 0) return fail(L, (int)fd, path);
  r = plat_fd_path(fd, host, sizeof host);   /* the kernel's spelling */
  plat_close(fd);
  if (r < 0 && (r = mp_target_host(rt, rel, host, sizeof host)) < 0) return fail(L, r, path);
  r = plat_holders_scan(host, add_holder, hb, &info);
  if (r < 0) return fail(L, r, "the processes' open files");
  lua_createtable(L, (int)hb->n, 0);
  for (i = 0; i < hb->n; i++) {
    const holder *x = &hb->h[i];
    lua_createtable(L, 0, 9);
    if (x->pid > 0) set_int(L, "pid", (uint64_t)x->pid);   /* 0: cannot be told */
    set_str(L, "comm", x->comm);
    if (x->fd >= 0) set_int(L, "fd", (uint64_t)x->fd);
    set_str(L, "file", x->file);
    if (x->app[0]) set_str(L, "app", x->app);
    if (x->service[0]) set_str(L, "service", x->service);
    if (x->deleted) set_bool(L, "deleted", 1);
    if (x->whole_folder) set_bool(L, "whole_folder", 1);
    if (push_host_display(L, rt, x->file)) lua_setfield(L, -2, "path");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  set_array(L);
  lua_createtable(L, 0, 7);
  set_int(L, "denied", (uint64_t)info.denied);
  set_str(L, "method", info.method ? info.method : "");
  if (info.files > 0) set_int(L, "files", (uint64_t)info.files);
  if (info.probed > 0) set_int(L, "probed", (uint64_t)info.probed);
  if (info.cut) set_bool(L, "cut", 1);
  if (info.rm_err) set_str(L, "restart_manager_error", plat_err_text(info.rm_err));
  if (plat_holders_from_snapshot()) set_bool(L, "snapshot", 1);
  return 2;
}

/* ---------- host, display ---------- */

static int fs_host(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  char rel[MP_PATH_MAX], host[MP_PATH_MAX];
  int r = rel_of(L, path, rel, sizeof rel);
  if (r == 0) r = mp_target_host(mp_rt(L), rel, host, sizeof host);
  if (r < 0) return fail(L, r, path);
  lua_pushstring(L, host);
  return 1;
}

static int fs_display(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  char rel[MP_PATH_MAX];
  int r = rel_of(L, path, rel, sizeof rel);
  if (r < 0) return fail(L, r, path);
  push_display(L, rel, NULL);
  return 1;
}

static const luaL_Reg fs_funcs[] = {
  {"stat", fs_stat}, {"exists", fs_exists}, {"isdir", fs_isdir},
  {"read", fs_read}, {"dir", fs_dir}, {"glob", fs_glob},
  {"count", fs_count}, {"du", fs_du}, {"scan", fs_scan},
  {"attrs", fs_attrs}, {"ntfs_acl", fs_ntfs_acl}, {"volume", fs_volume}, {"holders", fs_holders},
  {"host", fs_host}, {"display", fs_display}, {NULL, NULL}};

int mp_open_fs(lua_State *L) {
  luaL_newlib(L, fs_funcs);
  return 1;
}
