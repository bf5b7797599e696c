/* testkit.c - marsplay.testkit: what the trusted test state of `marsplay
 * test` needs from C.  stdlib/marsplay/testing.lua builds the helpers
 * test files use on top of it.
 *
 *   run(opts)               run one playbook in a fresh runtime:
 *                           report, events, messages
 *   eval(opts, code)        mp_eval in a fresh runtime: value | nil, err
 *   lab(dir, faults)        build a lab: true | nil, err
 *   manifest(dir)           { [relpath] = signature } (treehash.c)
 *   hive_create(path, name) a new empty hive file
 *   hive_set(root, key, name, type, value)   true | nil, err
 *   write_utf16(path, text) UTF-16LE with a BOM
 *   mkdtemp(), rmtree(dir), chmod(path, mode), sparse(path, size),
 *   symlink(target, path), stop_holder(root), digest(bytes) (SHA-256 hex)
 *
 * Runtimes, report values and manifests live in a "box" userdata while
 * Lua may raise, so nothing leaks on an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "formats/hive.h"
#include "core/registry.h"
#include "lab/lab.h"
#include "core/mp_internal.h"
#include "cli/testkit.h"

#define BOX_MT "marsplay.testkit.box"
#define HOLDER_PIDFILE ".marsplay-lab-holder"

typedef struct box {
  mp_runtime *rt;
  mp_value *events, *messages, *value;
} box;

static void box_release(box *b) {
  mp_free(b->rt);
  mpv_free(b->events);
  mpv_free(b->messages);
  mpv_free(b->value);
  memset(b, 0, sizeof *b);
}

static int box_gc(lua_State *L) {
  box_release(luaL_checkudata(L, 1, BOX_MT));
  return 0;
}

static box *box_new(lua_State *L) {
  box *b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, BOX_MT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return b;
}

static int fail(lua_State *L, const char *fmt, const char *a, const char *b) {
  lua_pushnil(L);
  lua_pushfstring(L, fmt, a, b ? b : "");
  return 2;
}

/* ---------- callbacks: keep what a run says ---------- */

static void on_event(void *ud, const mp_value *ev) {
  box *b = ud;
  if (b->events) mpv_push(b->events, mpv_copy(ev));
}

static void on_message(void *ud, const char *text) {
  box *b = ud;
  if (b->messages) mpv_push(b->messages, mpv_cstr(text));
}

/* ---------- runtimes ---------- */

static const char *opt_str(lua_State *L, int t, const char *k) {
  const char *s = NULL;
  if (lua_getfield(L, t, k) == LUA_TSTRING) s = lua_tostring(L, -1);
  else if (!lua_isnil(L, -1)) luaL_error(L, "option %s must be a string", k);
  lua_pop(L, 1);  /* the string stays alive: the options table holds it */
  return s;
}

static int opt_bool(lua_State *L, int t, const char *k) {
  int v;
  lua_getfield(L, t, k);
  v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Create a runtime in box b from the options table at t. */
static void make_runtime(lua_State *L, int t, box *b) {
  mp_config cfg = mp_config_default();
  char *err = NULL;
  cfg.root = opt_str(L, t, "root");
  cfg.dry_run = opt_bool(L, t, "dry_run");
  cfg.no_fix = opt_bool(L, t, "no_fix");
  cfg.lang = opt_str(L, t, "lang");
  cfg.only = opt_str(L, t, "only");
  cfg.skip = opt_str(L, t, "skip");
  cfg.playbook_path = opt_str(L, t, "playbook_path");
  lua_getfield(L, t, "timeout");
  if (!lua_isnil(L, -1)) cfg.timeout = luaL_checknumber(L, -1);
  lua_pop(L, 1);
  b->events = mpv_arr();
  b->messages = mpv_arr();
  if (b->events == NULL || b->messages == NULL) luaL_error(L, "out of memory");
  cfg.cb.ud = b;
  cfg.cb.on_event = on_event;
  cfg.cb.on_message = on_message;
  b->rt = mp_new(&cfg, &err);
  if (b->rt == NULL) {
    lua_pushstring(L, err ? err : "cannot create a runtime");
    free(err);
    lua_error(L);
  }
}

/* Set the string parameters of table params (key -> string) on b->rt. */
static void set_params(lua_State *L, int t, box *b) {
  if (lua_getfield(L, t, "params") == LUA_TNIL) { lua_pop(L, 1); return; }
  luaL_checktype(L, -1, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "params: keys and values must be strings");
    if (mp_set_param(b->rt, lua_tostring(L, -2), lua_tostring(L, -1)) != 0)
      luaL_error(L, "out of memory");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* run{playbook=, root=, dry_run=, no_fix=, lang=, only=, skip=, timeout=,
 *     params={k=v}, waivers=, playbook_path=} -> report, events, messages */
static int tk_run(lua_State *L) {
  const char *pb, *waivers;
  box *b;
  luaL_checktype(L, 1, LUA_TTABLE);
  pb = opt_str(L, 1, "playbook");
  luaL_argcheck(L, pb != NULL, 1, "playbook missing");
  waivers = opt_str(L, 1, "waivers");
  b = box_new(L);
  make_runtime(L, 1, b);
  set_params(L, 1, b);
  if (waivers) {
    char *err = NULL;
    if (mp_set_waivers(b->rt, waivers, &err) < 0) {
      lua_pushstring(L, err ? err : "waivers: out of memory");
      free(err);
      return lua_error(L);
    }
  }
  mp_run(b->rt, pb);
  mp_to_lua(L, mp_report(b->rt));
  mp_to_lua(L, b->events);
  mp_to_lua(L, b->messages);
  box_release(b);
  return 3;
}

/* eval(opts, code) -> value | nil, message */
static int tk_eval(lua_State *L) {
  const char *code = luaL_checkstring(L, 2);
  char *err = NULL;
  box *b;
  luaL_checktype(L, 1, LUA_TTABLE);
  b = box_new(L);
  make_runtime(L, 1, b);
  set_params(L, 1, b);
  b->value = mp_eval(b->rt, code, &err);
  if (b->value == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, err ? err : "out of memory");
    free(err);
    box_release(b);
    return 2;
  }
  mp_to_lua(L, b->value);
  box_release(b);
  return 1;
}

/* ---------- targets ---------- */

/* lab(dir, {faults}) -> true | nil, message */
static int tk_lab(lua_State *L) {
  const char *dir = luaL_checkstring(L, 1);
  const char **faults;
  lua_Integer i, n;
  char *err = NULL;
  int r;
  luaL_checktype(L, 2, LUA_TTABLE);
  n = (lua_Integer)lua_rawlen(L, 2);
  luaL_argcheck(L, n <= 1024, 2, "too many faults");
  faults = lua_newuserdatauv(L, sizeof *faults * (size_t)(n + 1), 0);
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, 2, i);
    faults[i - 1] = luaL_checkstring(L, -1);   /* kept alive by the table */
    lua_pop(L, 1);
  }
  r = mp_lab_build(dir, faults, (size_t)n, NULL, &err);
  if (r != 0) {
    lua_pushnil(L);
    lua_pushstring(L, err ? err : "lab failed");
    free(err);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int tk_manifest(lua_State *L) {
  const char *dir = luaL_checkstring(L, 1);
  char *err = NULL;
  box *b = box_new(L);
  b->value = tree_manifest(dir, &err);
  if (b->value == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, err ? err : "out of memory");
    free(err);
    return 2;
  }
  mp_to_lua(L, b->value);
  box_release(b);
  return 1;
}

/* hive_create(path, header_name): a new, empty hive file (not replacing). */
static int tk_hive_create(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  const char *name = luaL_optstring(L, 2, "");
  plat_fd fd = plat_open_path(path, PLAT_OPEN_CREATE | PLAT_OPEN_NOFOLLOW);
  int r;
  if (fd < 0) return fail(L, "%s: %s", path, plat_err_text((int)fd));
  r = hive_write_empty(fd, name);
  if (plat_close(fd) != 0 && r == 0) r = -PLAT_EIO;
  if (r != 0) {
    plat_remove(path);
    return fail(L, "%s: %s", path, plat_err_text(r));
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* hive_set(root, key, name, type, value) -> true | nil, message */
static int tk_hive_set(lua_State *L) {
  const char *root = luaL_checkstring(L, 1);
  const char *key = luaL_checkstring(L, 2);
  const char *name = luaL_checkstring(L, 3);
  const char *type = luaL_checkstring(L, 4);
  char err[1024];
  box *b;
  int r;
  luaL_checkany(L, 5);
  lua_newtable(L);
  lua_pushstring(L, root);
  lua_setfield(L, -2, "root");
  b = box_new(L);
  make_runtime(L, lua_gettop(L) - 1, b);
  err[0] = '\0';
  r = reg_set_lua(L, b->rt, key, name, type, 5, err, sizeof err);
  box_release(b);
  if (r < 0) return fail(L, "%s", err[0] ? err : plat_err_text(r), NULL);
  lua_pushboolean(L, 1);
  return 1;
}

static int tk_write_utf16(lua_State *L) {
  size_t len, ulen;
  const char *path = luaL_checkstring(L, 1);
  const char *text = luaL_checklstring(L, 2, &len);
  char *u = NULL;
  FILE *f;
  int ok;
  if (hive_utf8_to_utf16le(text, len, 0, &u, &ulen) != 0)
    return fail(L, "%s: the text is not valid UTF-8", path, NULL);
  f = fopen(path, "wb");
  if (f == NULL) { free(u); return fail(L, "%s: %s", path, strerror(errno)); }
  ok = fwrite("\xFF\xFE", 1, 2, f) == 2 && fwrite(u, 1, ulen, f) == ulen;
  ok = (fclose(f) == 0) && ok;
  free(u);
  if (!ok) return fail(L, "%s: write failed", path, NULL);
  lua_pushboolean(L, 1);
  return 1;
}

/* ---------- temporary folders ---------- */

static int tk_mkdtemp(lua_State *L) {
  char buf[MP_PATH_MAX];
  int r = plat_temp_dir("marsplay-test.", buf, sizeof buf);
  if (r != 0) return luaL_error(L, "temporary folder: %s", plat_err_text(r));
  lua_pushstring(L, buf);
  return 1;
}

/* Remove dir and everything below it; folders are made writable first
 * (a test may leave read-only ones).  Never follows links. */
static int tk_rmtree(lua_State *L) {
  const char *dir = luaL_checkstring(L, 1);
  int r = plat_remove_tree(dir);
  if (r != 0) return fail(L, "rm -r %s: %s", dir, plat_err_text(r));
  lua_pushboolean(L, 1);
  return 1;
}

static int tk_chmod(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int r = plat_lab_chmod(path, (unsigned)luaL_checkinteger(L, 2));
  if (r != 0) return fail(L, "chmod %s: %s", path, plat_err_text(r));
  lua_pushboolean(L, 1);
  return 1;
}

static int tk_sparse(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Integer size = luaL_checkinteger(L, 2);
  uint64_t got = 0;
  int r;
  luaL_argcheck(L, size >= 0, 2, "must not be negative");
  r = plat_lab_sparse(path, (uint64_t)size, &got);
  if (r != 0) return fail(L, "sparse file %s: %s", path, plat_err_text(r));
  lua_pushinteger(L, (lua_Integer)got);
  return 1;
}

static int tk_symlink(lua_State *L) {
  const char *target = luaL_checkstring(L, 1);
  const char *path = luaL_checkstring(L, 2);
  int r = plat_lab_symlink(target, path);
  if (r != 0) return fail(L, "symlink %s: %s", path, plat_err_text(r));
  lua_pushboolean(L, 1);
  return 1;
}

/* Stop the file-holding process a lab (fault cache-file-held) started
 * under root. */
static int tk_stop_holder(lua_State *L) {
  const char *root = luaL_checkstring(L, 1);
  char path[MP_PATH_MAX];
  int r, n = snprintf(path, sizeof path, "%s/%s", root, HOLDER_PIDFILE);
  if (n < 0 || (size_t)n >= sizeof path) return fail(L, "%s: %s", root, "path too long");
  r = plat_lab_stop_holder(path);
  if (r < 0) return fail(L, "%s: %s", path, plat_err_text(r));
  lua_pushboolean(L, r > 0);
  return 1;
}

/* digest(bytes) -> SHA-256 as 64 hex digits */
static int tk_digest(lua_State *L) {
  static const char digits[] = "0123456789abcdef";
  size_t len, i;
  const char *s = luaL_checklstring(L, 1, &len);
  unsigned char d[32];
  char out[65];
  sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, s, len);
  sha256_final(&c, d);
  for (i = 0; i < 32; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  lua_pushlstring(L, out, 64);
  return 1;
}

int mp_open_testkit(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"run", tk_run}, {"eval", tk_eval}, {"lab", tk_lab}, {"manifest", tk_manifest},
    {"hive_create", tk_hive_create}, {"hive_set", tk_hive_set},
    {"write_utf16", tk_write_utf16}, {"mkdtemp", tk_mkdtemp}, {"rmtree", tk_rmtree},
    {"chmod", tk_chmod}, {"sparse", tk_sparse}, {"symlink", tk_symlink},
    {"stop_holder", tk_stop_holder}, {"digest", tk_digest}, {NULL, NULL}};
  luaL_newlib(L, fns);
  lua_pushstring(L, MARSPLAY_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
