/* bind_reg.c - marsplay.reg: reading the target's Windows registry.
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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mp_internal.h"
#include "formats/hive.h"

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
  if (hive_file_ok(mp_rt(L), key, err, sizeof err) < 0)
    luaL_error(L, "registry hive unavailable: %s (nothing under %s can be read)", err, key);
  return key;
}

static int r_get(lua_State *L) {
  const char *key = hive_key(L, 1);
  const char *name = mp_optpath(L, 2, "");
  return hive_get_value_lua(L, mp_rt(L), key, name);
}

/* One value as {type=, value=} or {type=, error=, raw=} on top. */
static void push_entry(lua_State *L, hive_h *h, hive_value_h v) {
  char err[ERRSZ], tb[32];
  hive_type t;
  size_t len;
  char *data = hivex_value_value(h, v, &t, &len);
  lua_createtable(L, 0, 2);
  if (data == NULL) {
    lua_pushliteral(L, "damaged value (cannot be read)");
    lua_setfield(L, -2, "error");
    return;
  }
  lua_pushstring(L, hive_type_name((uint32_t)t, tb, sizeof tb));
  lua_setfield(L, -2, "type");
  if (hive_push_data(L, (uint32_t)t, data, len, err, sizeof err) == 0) {
    lua_setfield(L, -2, "value");
  } else {
    lua_pushstring(L, err);
    lua_setfield(L, -2, "error");
    lua_pushlstring(L, data, len);
    lua_setfield(L, -2, "raw");
  }
  free(data);
}

static int r_values(lua_State *L) {
  const char *key = hive_key(L, 1);
  char err[ERRSZ];
  hive_h *h;
  hive_node_h node;
  hive_value_h *vals;
  size_t i;
  int absent, r = hive_open_key(mp_rt(L), key, &h, &node, &absent, err, sizeof err);
  if (r < 0) return fail(L, r, err);
  vals = hivex_node_values(h, node);
  if (vals == NULL) {
    snprintf(err, sizeof err, "%s: damaged hive (reading values)", key);
    return fail(L, -EIO, err);
  }
  lua_newtable(L);
  for (i = 0; vals[i]; i++) {
    char *name = hivex_value_key(h, vals[i]);
    if (name == NULL) continue;           /* unreadable name: skip it */
    lua_pushstring(L, name);
    free(name);
    push_entry(L, h, vals[i]);
    lua_rawset(L, -3);
  }
  free(vals);
  return 1;
}

static int r_keys(lua_State *L) {
  const char *key = hive_key(L, 1);
  char err[ERRSZ];
  hive_h *h;
  hive_node_h node, *kids;
  size_t i;
  lua_Integer n = 0;
  int absent, r = hive_open_key(mp_rt(L), key, &h, &node, &absent, err, sizeof err);
  if (r < 0) return fail(L, r, err);
  kids = hivex_node_children(h, node);
  if (kids == NULL) {
    snprintf(err, sizeof err, "%s: damaged hive (reading subkeys)", key);
    return fail(L, -EIO, err);
  }
  lua_newtable(L);
  for (i = 0; kids[i]; i++) {
    char *name = hivex_node_name(h, kids[i]);
    if (name == NULL) continue;
    lua_pushstring(L, name);
    free(name);
    lua_rawseti(L, -2, ++n);
  }
  free(kids);
  return 1;
}

static int r_exists(lua_State *L) {
  const char *key = hive_key(L, 1);
  const char *name = mp_optpath(L, 2, NULL);
  char err[ERRSZ];
  int r;
  if (name == NULL) {
    r = hive_key_exists(mp_rt(L), key, err, sizeof err);
    if (r < 0) return fail(L, r, err);
    lua_pushboolean(L, r);
    return 1;
  } else {
    hive_h *h;
    hive_node_h node;
    hive_value_h *vals;
    size_t i;
    int absent, found = 0;
    r = hive_open_key(mp_rt(L), key, &h, &node, &absent, err, sizeof err);
    if (r < 0) {
      if (!absent) return fail(L, r, err);
      lua_pushboolean(L, 0);
      return 1;
    }
    vals = hivex_node_values(h, node);
    if (vals == NULL) {
      snprintf(err, sizeof err, "%s: damaged hive (reading values)", key);
      return fail(L, -EIO, err);
    }
    for (i = 0; vals[i] && !found; i++) {
      char *k = hivex_value_key(h, vals[i]);
      found = k && strcasecmp(k, name) == 0;
      free(k);
    }
    free(vals);
    lua_pushboolean(L, found);
    return 1;
  }
}

static int r_available(lua_State *L) {
  char why[ERRSZ];
  if (hive_available(mp_rt(L), why, sizeof why)) {
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
