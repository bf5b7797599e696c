/* bind_reg.c - marsplay.reg: reading the target's Windows registry (the
 * hive files of an offline volume, or the live registry on a running
 * Windows: core/registry.h chooses).
 *
 *   reg.get(key, name)   -> value, typename | nil, message, code
 *   reg.values(key)      -> { [name] = {type=, value=} } | nil, message, code
 *   reg.keys(key)        -> { subkey names } | nil, message, code
 *   reg.exists(key [, name]) -> true | false | nil, message, code
 *   reg.available()      -> true | false, reason
 *
 * Key paths and value forms: see hive.h.  The default value's name is "".
 * Inspection only: writes go through marsplay.fix (bind_fix.c).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/mp_internal.h"
#include "core/registry.h"

#define ERRSZ 1024

static int fail(lua_State *L, int r, const char *msg) {
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_pushstring(L, plat_err_name(r));
  return 3;
}

/* The key's hive must be readable: a missing or unreadable hive raises
 * an error (the check ends `error`, naming the file) instead of reading
 * as an absent key, which playbooks take for a state of the system. */
static const char *hive_key(lua_State *L, int idx) {
  const char *key = mp_checkpath(L, idx);
  char err[ERRSZ];
  if (reg_hive_ok(mp_rt(L), key, err, sizeof err) < 0)
    luaL_error(L, "registry hive unavailable: %s (nothing under %s can be read)", err, key);
  return key;
}

static int r_get(lua_State *L) {
  const char *key = hive_key(L, 1);
  const char *name = mp_optpath(L, 2, "");
  return reg_get_value_lua(L, mp_rt(L), key, name);
}

/* reg.values: one {type=, value=} or {type=, error=, raw=} per value. */
static int push_entry(void *ud, const char *name, uint32_t type, const char *data, size_t len) {
  lua_State *L = ud;
  char err[ERRSZ], tb[32];
  lua_pushstring(L, name);
  lua_createtable(L, 0, 2);
  if (data == NULL) {
    lua_pushliteral(L, "damaged value (cannot be read)");
    lua_setfield(L, -2, "error");
  } else {
    lua_pushstring(L, hive_type_name(type, tb, sizeof tb));
    lua_setfield(L, -2, "type");
    if (hive_push_data(L, type, data, len, err, sizeof err) == 0) {
      lua_setfield(L, -2, "value");
    } else {
      lua_pushstring(L, err);
      lua_setfield(L, -2, "error");
      lua_pushlstring(L, data, len);
      lua_setfield(L, -2, "raw");
    }
  }
  lua_rawset(L, -3);
  return 0;
}

static int r_values(lua_State *L) {
  const char *key = hive_key(L, 1);
  char err[ERRSZ];
  int absent, r;
  lua_newtable(L);
  r = reg_each_value(mp_rt(L), key, push_entry, L, &absent, err, sizeof err);
  if (r < 0) return fail(L, r, err);
  return 1;
}

typedef struct keylist { lua_State *L; lua_Integer n; } keylist;

static int push_key(void *ud, const char *name) {
  keylist *k = ud;
  lua_pushstring(k->L, name);
  lua_rawseti(k->L, -2, ++k->n);
  return 0;
}

static int r_keys(lua_State *L) {
  const char *key = hive_key(L, 1);
  char err[ERRSZ];
  keylist k = {L, 0};
  int absent, r;
  lua_newtable(L);
  r = reg_each_key(mp_rt(L), key, push_key, &k, &absent, err, sizeof err);
  if (r < 0) return fail(L, r, err);
  return 1;
}

typedef struct findval { const char *name; int found; } findval;

static int match_value(void *ud, const char *name, uint32_t type, const char *data, size_t len) {
  findval *f = ud;
  (void)type; (void)data; (void)len;
  f->found = strcasecmp(name, f->name) == 0;
  return f->found;
}

static int r_exists(lua_State *L) {
  const char *key = hive_key(L, 1);
  const char *name = mp_optpath(L, 2, NULL);
  char err[ERRSZ];
  int r;
  if (name == NULL) {
    r = reg_key_exists(mp_rt(L), key, err, sizeof err);
    if (r < 0) return fail(L, r, err);
    lua_pushboolean(L, r);
    return 1;
  } else {
    findval f = {name, 0};
    int absent;
    r = reg_each_value(mp_rt(L), key, match_value, &f, &absent, err, sizeof err);
    if (r < 0 && !absent) return fail(L, r, err);
    lua_pushboolean(L, f.found);
    return 1;
  }
}

static int r_available(lua_State *L) {
  char why[ERRSZ];
  if (reg_available(mp_rt(L), why, sizeof why)) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_pushstring(L, why);
  return 2;
}

int mp_open_reg(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"get", r_get}, {"values", r_values}, {"keys", r_keys},
    {"exists", r_exists}, {"available", r_available}, {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
