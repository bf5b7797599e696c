/* glue.c - what every Lua-facing file shares (the auxiliary library of
 * the bindings and the sandbox): the runtime of a Lua state, what a
 * layer keeps in the runtime freed with it (mp_at_free), the
 * `nil, message, code` failure result, and report values to and from
 * Lua. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mp_internal.h"

/* The runtime is the Lua state's allocator data (engine.c's allocator). */
mp_runtime *mp_rt(lua_State *L) {
  void *ud = NULL;
  lua_getallocf(L, &ud);
  return ud;
}

int mp_at_free(mp_runtime *rt, void (*fn)(mp_runtime *rt)) {
  size_t i;
  for (i = 0; i < sizeof rt->at_free / sizeof rt->at_free[0]; i++) {
    if (rt->at_free[i] == fn) return 0;
    if (rt->at_free[i] == NULL) { rt->at_free[i] = fn; return 0; }
  }
  return -1;
}

int mp_push_errno(lua_State *L, int neg_errno, const char *what) {
  int e = neg_errno < 0 ? -neg_errno : neg_errno;
  lua_pushnil(L);
  if (e == EXDEV)
    lua_pushfstring(L, "%s: not on the target volume (only C: maps to the target)", what);
  else
    lua_pushfstring(L, "%s: %s", what, plat_err_text(e));
  lua_pushstring(L, plat_err_name(e));
  return 3;
}

/* ---------- Lua <-> report values ---------- */

static int is_array(lua_State *L, int idx, lua_Integer *n) {
  lua_Integer count = 0, len;
  if (luaL_getmetafield(L, idx, "__array") != LUA_TNIL) {
    lua_pop(L, 1);
    *n = (lua_Integer)lua_rawlen(L, idx);
    return 1;
  }
  len = (lua_Integer)lua_rawlen(L, idx);
  if (len == 0) return 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    count++;
    lua_pop(L, 1);
  }
  *n = len;
  return count == len;
}

mp_value *mp_from_lua(lua_State *L, int idx, int depth) {
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN: return mpv_bool(lua_toboolean(L, idx));
    case LUA_TNUMBER: return mpv_num(lua_tonumber(L, idx));
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      return mp_redacted_str(mp_rt(L), s, len);
    }
    case LUA_TTABLE: {
      lua_Integer n, i;
      mp_value *v;
      if (depth > 32 || !lua_checkstack(L, 4)) return mpv_cstr("<nested too deep>");
      if (is_array(L, idx, &n)) {
        v = mpv_arr();
        for (i = 1; v && i <= n; i++) {
          lua_rawgeti(L, idx, i);
          if (mpv_push(v, mp_from_lua(L, -1, depth + 1)) != 0) { mpv_free(v); v = NULL; }
          lua_pop(L, 1);
        }
        return v;
      }
      v = mpv_obj();
      lua_pushnil(L);
      while (v && lua_next(L, idx)) {
        char kbuf[64], *rk = NULL;
        const char *k;
        if (lua_type(L, -2) == LUA_TSTRING) {
          k = lua_tostring(L, -2);
        } else if (lua_type(L, -2) == LUA_TNUMBER) {
          if (lua_isinteger(L, -2))
            snprintf(kbuf, sizeof kbuf, "%lld", (long long)lua_tointeger(L, -2));
          else
            snprintf(kbuf, sizeof kbuf, "%.14g", lua_tonumber(L, -2));
          k = kbuf;
        } else {
          lua_pop(L, 1);
          continue;
        }
        if (mp_redact_cstr(mp_rt(L), k, &rk) < 0) k = "[redacted]";
        else if (rk) k = rk;
        if (mpv_set(v, k, mp_from_lua(L, -1, depth + 1)) != 0) { mpv_free(v); v = NULL; }
        free(rk);
        lua_pop(L, 1);
      }
      if (v == NULL) lua_pop(L, 2);
      mpv_sort_keys(v);   /* the same order in every run and every format */
      return v;
    }
    case LUA_TNIL: case LUA_TNONE: return mpv_null();
    default: return mpv_cstr(luaL_typename(L, idx));
  }
}

void mp_to_lua(lua_State *L, const mp_value *v) {
  size_t i;
  luaL_checkstack(L, 4, "report value too deep");
  switch (v ? v->type : MP_NULL) {
    case MP_NULL: lua_pushnil(L); break;
    case MP_BOOL: lua_pushboolean(L, v->u.b); break;
    case MP_NUMBER: lua_pushnumber(L, v->u.n); break;
    case MP_STRING: lua_pushlstring(L, v->u.str.s, v->u.str.len); break;
    case MP_ARRAY:
      lua_createtable(L, (int)v->u.agg.len, 0);
      for (i = 0; i < v->u.agg.len; i++) {
        mp_to_lua(L, v->u.agg.items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      break;
    case MP_OBJECT:
      lua_createtable(L, 0, (int)v->u.agg.len);
      for (i = 0; i < v->u.agg.len; i++) {
        mp_to_lua(L, v->u.agg.items[i]);
        lua_setfield(L, -2, v->u.agg.keys[i]);
      }
      break;
  }
}
