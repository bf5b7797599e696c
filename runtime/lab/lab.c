/* lab.c - the lab builder's host side: a trusted Lua state running
 * stdlib/marsplay/lab.lua, and the native module marsplay.labkit it uses
 * for what plain Lua cannot do (hive files, UTF-16 text, sparse files,
 * modes, links, free space, the file-holding process).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lfs.h>
#include <lua.h>
#include <lualib.h>

#include "formats/hive.h"
#include "lab/lab.h"
#include "core/mp_internal.h"

#define LOG_KEY "marsplay.lab.log"

static int kit_fail(lua_State *L, const char *what, const char *path, int neg) {
  return luaL_error(L, "%s %s: %s", what, path, strerror(neg < 0 ? -neg : neg));
}

/* labkit.log(text) */
static int kit_log(lua_State *L) {
  const char *s = luaL_checkstring(L, 1);
  FILE *f;
  lua_getfield(L, LUA_REGISTRYINDEX, LOG_KEY);
  f = lua_touserdata(L, -1);
  if (f) { fprintf(f, "%s\n", s); fflush(f); }
  return 0;
}

/* ---------- hives ---------- */

typedef struct kit_values { hive_set_value *v; size_t n; } kit_values;

static void free_values(kit_values *kv) {
  size_t i;
  for (i = 0; i < kv->n; i++) free(kv->v[i].value);
  free(kv->v);
  kv->v = NULL;
  kv->n = 0;
}

/* Encode the values array at idx ({name=, type=, value=}...) into kv.
 * Returns 0 or -1 with err set (nothing raised: the caller cleans up). */
static int collect_values(lua_State *L, int idx, kit_values *kv, char *err, size_t errsz) {
  lua_Integer i, n = (lua_Integer)lua_rawlen(L, idx);
  kv->v = calloc((size_t)n + 1, sizeof *kv->v);
  kv->n = 0;
  if (kv->v == NULL) { snprintf(err, errsz, "out of memory"); return -1; }
  for (i = 1; i <= n; i++) {
    uint32_t t;
    char *raw;
    size_t rawlen;
    const char *name, *type;
    lua_rawgeti(L, idx, i);
    lua_getfield(L, -1, "name");
    lua_getfield(L, -2, "type");
    name = lua_tostring(L, -2);
    type = lua_tostring(L, -1);
    if (name == NULL || type == NULL || hive_type_from_name(type, &t) != 0) {
      snprintf(err, errsz, "value %lld: needs a name and a known type", (long long)i);
      lua_pop(L, 3);
      return -1;
    }
    lua_getfield(L, -3, "value");
    if (hive_encode_lua(L, -1, t, &raw, &rawlen, err, errsz) != 0) {
      lua_pop(L, 4);
      return -1;
    }
    /* the name stays alive in the spec table, which outlives kv */
    kv->v[kv->n].key = (char *)name;
    kv->v[kv->n].t = (hive_type)t;
    kv->v[kv->n].len = rawlen;
    kv->v[kv->n].value = raw;
    kv->n++;
    lua_pop(L, 4);
  }
  return 0;
}

/* Fill the open hive h from spec.keys; 0 or -1 with err set. */
static int fill_hive(lua_State *L, hive_h *h, int spec, char *err, size_t errsz) {
  lua_Integer i, n;
  int keys;
  lua_getfield(L, spec, "keys");
  keys = lua_gettop(L);
  if (!lua_istable(L, keys)) { snprintf(err, errsz, "spec.keys must be a table"); return -1; }
  n = (lua_Integer)lua_rawlen(L, keys);
  for (i = 1; i <= n; i++) {
    hive_node_h node;
    kit_values kv = {NULL, 0};
    const char *path;
    lua_rawgeti(L, keys, i);
    lua_getfield(L, -1, "path");
    path = lua_tostring(L, -1);
    if (path == NULL) { snprintf(err, errsz, "key %lld has no path", (long long)i); return -1; }
    node = hive_node_ensure(h, hivex_root(h), path, err, errsz);
    if (node == 0) return -1;
    lua_getfield(L, -2, "values");
    if (lua_istable(L, -1)) {
      char verr[512];
      if (collect_values(L, lua_gettop(L), &kv, verr, sizeof verr) != 0) {
        snprintf(err, errsz, "%s: %s", path, verr);
        free_values(&kv);
        return -1;
      }
      if (kv.n && hivex_node_set_values(h, node, kv.n, kv.v, 0) != 0) {
        snprintf(err, errsz, "%s: cannot set values: %s", path, strerror(errno ? errno : EIO));
        free_values(&kv);
        return -1;
      }
      free_values(&kv);
    }
    lua_pop(L, 3);
  }
  lua_pop(L, 1);
  return 0;
}

/* labkit.hive_create(path, spec): spec = {name=, keys={{path=, values=
 * {{name=, type=, value=}...}}...}}.  Writes a new hive file. */
static int kit_hive_create(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char err[1024], pp[64];
  hive_h *h;
  plat_fd fd;
  int r, top;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_getfield(L, 2, "name");
  fd = plat_open_path(path, PLAT_OPEN_CREATE);
  if (fd < 0) return kit_fail(L, "create", path, (int)fd);
  r = hive_write_empty(fd, luaL_optstring(L, -1, ""));
  lua_pop(L, 1);
  if (r != 0) { plat_close(fd); return kit_fail(L, "write", path, r); }
  if ((r = plat_fd_alias(fd, pp, sizeof pp)) < 0) { plat_close(fd); return kit_fail(L, "open", path, r); }
  h = hivex_open(pp, HIVEX_OPEN_WRITE);
  r = errno;
  plat_close(fd);
  if (h == NULL) return luaL_error(L, "%s: hivex cannot open the new hive: %s", path, strerror(r));
  top = lua_gettop(L);
  if (fill_hive(L, h, 2, err, sizeof err) != 0) {
    lua_settop(L, top);
    hivex_close(h);
    return luaL_error(L, "%s: %s", path, err);
  }
  if (hivex_commit(h, path, 0) != 0) {
    r = errno;
    hivex_close(h);
    return luaL_error(L, "%s: commit: %s", path, strerror(r));
  }
  hivex_close(h);
  return 0;
}

/* ---------- files ---------- */

/* labkit.write_utf16(path, text): UTF-16LE with a BOM. */
static int kit_write_utf16(lua_State *L) {
  size_t len, ulen;
  const char *path = luaL_checkstring(L, 1);
  const char *text = luaL_checklstring(L, 2, &len);
  char *u;
  FILE *f;
  int ok;
  if (hive_utf8_to_utf16le(text, len, 0, &u, &ulen) != 0)
    return luaL_error(L, "%s: text is not valid UTF-8", path);
  f = fopen(path, "wb");
  if (f == NULL) { free(u); return kit_fail(L, "create", path, errno); }
  ok = fwrite("\xFF\xFE", 1, 2, f) == 2 && fwrite(u, 1, ulen, f) == ulen;
  ok = (fclose(f) == 0) && ok;
  free(u);
  if (!ok) return luaL_error(L, "write %s failed", path);
  return 0;
}

static uint64_t check_u64(lua_State *L, int idx) {
  lua_Integer v = luaL_checkinteger(L, idx);
  luaL_argcheck(L, v >= 0, idx, "must not be negative");
  return (uint64_t)v;
}

/* labkit.sparse(path, size) -> size actually set */
static int kit_sparse(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  uint64_t got = 0;
  int r = plat_lab_sparse(path, check_u64(L, 2), &got);
  if (r != 0) return kit_fail(L, "sparse file", path, r);
  lua_pushinteger(L, (lua_Integer)got);
  return 1;
}

/* labkit.space(path) -> total, avail, free (bytes) */
static int kit_space(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  uint64_t t, a, f;
  int r = plat_lab_space(path, &t, &a, &f);
  if (r != 0) return kit_fail(L, "statvfs", path, r);
  lua_pushinteger(L, (lua_Integer)t);
  lua_pushinteger(L, (lua_Integer)a);
  lua_pushinteger(L, (lua_Integer)f);
  return 3;
}

static int kit_chmod(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int r = plat_lab_chmod(path, (unsigned)luaL_checkinteger(L, 2));
  if (r != 0) return kit_fail(L, "chmod", path, r);
  return 0;
}

/* labkit.test_acl(path, sd_bytes): the test-mode NTFS security descriptor */
static int kit_test_acl(lua_State *L) {
  size_t len;
  const char *path = luaL_checkstring(L, 1);
  const char *sd = luaL_checklstring(L, 2, &len);
  int r = plat_lab_test_acl(path, sd, len);
  if (r != 0) return kit_fail(L, "test_acl", path, r);
  return 0;
}

static int kit_symlink(lua_State *L) {
  const char *target = luaL_checkstring(L, 1);
  const char *link = luaL_checkstring(L, 2);
  int r = plat_lab_symlink(target, link);
  if (r != 0) return kit_fail(L, "symlink", link, r);
  return 0;
}

static int kit_realpath(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char *r = plat_abs_path(path);
  if (r == NULL) return kit_fail(L, "realpath", path, errno);
  lua_pushstring(L, r);
  free(r);
  return 1;
}

/* labkit.hold(path, pidfile, seconds) -> pid */
static int kit_hold(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  const char *pidfile = luaL_checkstring(L, 2);
  lua_Integer secs = luaL_checkinteger(L, 3);
  long pid = 0;
  int r;
  luaL_argcheck(L, secs > 0 && secs <= 86400, 3, "1..86400 seconds");
  r = plat_lab_hold(path, pidfile, (unsigned)secs, &pid);
  if (r != 0) return kit_fail(L, "hold", path, r);
  lua_pushinteger(L, (lua_Integer)pid);
  return 1;
}

/* labkit.pfx(cn, not_before, not_after[, cipher]) -> the DER bytes of a
 * PKCS#12 blob with no password: a self-signed RSA certificate
 * CN=cn and its key (plat_lab_pfx; cipher "aes": AES-256 instead of the
 * 3DES Windows writes). */
static int kit_pfx(lua_State *L) {
  const char *cn = luaL_checkstring(L, 1);
  lua_Integer nb = luaL_checkinteger(L, 2), na = luaL_checkinteger(L, 3);
  const char *cipher = luaL_optstring(L, 4, NULL);
  unsigned char *der = NULL;
  size_t n = 0;
  int r = plat_lab_pfx(cn, (int64_t)nb, (int64_t)na, cipher, &der, &n);
  if (r != 0) return luaL_error(L, "pfx %s: %s", cn, plat_err_text(r));
  lua_pushlstring(L, (const char *)der, n);
  free(der);
  return 1;
}

static int luaopen_labkit(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"log", kit_log}, {"hive_create", kit_hive_create},
    {"write_utf16", kit_write_utf16}, {"sparse", kit_sparse},
    {"space", kit_space}, {"chmod", kit_chmod}, {"symlink", kit_symlink},
    {"test_acl", kit_test_acl},
    {"realpath", kit_realpath}, {"hold", kit_hold}, {"pfx", kit_pfx}, {NULL, NULL}};
  luaL_newlib(L, fns);
  lua_pushstring(L, MARSPLAY_VERSION);
  lua_setfield(L, -2, "marsplay_version");
  return 1;
}

/* ---------- the lab's Lua state ---------- */

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
  return 1;
}

static char *xstrdup_msg(const char *s) {
  char *d = strdup(s ? s : "unknown error");
  return d;
}

/* A state with stdlib, lfs, labkit and marsplay.lab required (left on
 * the stack top), or NULL with *err set. */
static lua_State *lab_state(FILE *log, char **err) {
  lua_State *L = luaL_newstate();
  char *stdlib;
  if (L == NULL) { *err = xstrdup_msg("cannot create a Lua state"); return NULL; }
  luaL_openlibs(L);
  luaL_requiref(L, "lfs", luaopen_lfs, 0);
  lua_pop(L, 1);
  lua_pushlightuserdata(L, log);
  lua_setfield(L, LUA_REGISTRYINDEX, LOG_KEY);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_labkit);
  lua_setfield(L, -2, "marsplay.labkit");
  lua_pop(L, 1);
  stdlib = mp_find_stdlib();
  if (stdlib == NULL) {
    *err = xstrdup_msg("cannot find the marsplay stdlib (set MARSPLAY_STDLIB)");
    lua_close(L);
    return NULL;
  }
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua", stdlib, stdlib);
  lua_setfield(L, -2, "path");
  lua_pushliteral(L, "");
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);
  free(stdlib);
  lua_pushcfunction(L, traceback);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "marsplay.lab");
  if (lua_pcall(L, 1, 1, -3) != LUA_OK) {
    *err = xstrdup_msg(lua_tostring(L, -1));
    lua_close(L);
    return NULL;
  }
  lua_remove(L, -2);
  return L;
}

int mp_lab_build(const char *dir, const char *const *faults, size_t nfaults,
                 FILE *log, char **err) {
  lua_State *L;
  size_t i;
  *err = NULL;
  L = lab_state(log, err);
  if (L == NULL) return -1;
  lua_pushcfunction(L, traceback);
  lua_getfield(L, -2, "build");
  lua_pushstring(L, dir);
  lua_createtable(L, (int)nfaults, 0);
  for (i = 0; i < nfaults; i++) {
    lua_pushstring(L, faults[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  if (lua_pcall(L, 2, 0, -4) != LUA_OK) {
    /* lab.lua raises plain messages ("lab: ...") for user errors and a
     * traceback only shows for bugs; keep the first line for users. */
    const char *m = lua_tostring(L, -1);
    const char *tb = m ? strstr(m, "\nstack traceback:") : NULL;
    if (m && tb && getenv("MARSPLAY_LAB_TRACE") == NULL) {
      size_t k = (size_t)(tb - m);
      if ((*err = malloc(k + 1)) != NULL) { memcpy(*err, m, k); (*err)[k] = '\0'; }
    } else {
      *err = xstrdup_msg(m);
    }
    lua_close(L);
    return -1;
  }
  lua_close(L);
  return 0;
}

int mp_lab_list_faults(FILE *out) {
  char *err = NULL;
  lua_State *L = lab_state(NULL, &err);
  const char *s;
  if (L == NULL) {
    fprintf(stderr, "marsplay: lab: %s\n", err ? err : "failed");
    free(err);
    return -1;
  }
  lua_pushcfunction(L, traceback);
  lua_getfield(L, -2, "list_text");
  if (lua_pcall(L, 0, 1, -2) != LUA_OK || (s = lua_tostring(L, -1)) == NULL) {
    fprintf(stderr, "marsplay: lab: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return -1;
  }
  fputs(s, out);
  lua_close(L);
  return fflush(out) == 0 ? 0 : -1;
}
