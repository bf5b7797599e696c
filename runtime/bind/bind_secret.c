/* bind_secret.c - marsplay.secret: keep secrets out of every output.
 *
 *   secret.add(s)      -> true | false, reason
 *       From now on every occurrence of s in results, evidence, messages,
 *       actions, events (the log) and notices is written "[redacted]".
 *       Refused (false): strings shorter than secret.MIN bytes and words
 *       the report is made of ("pass", "evidence", ...).
 *   secret.redact(s)   -> s with every known secret and URL password
 *                         (scheme://user:pass@host) replaced
 *   secret.MIN         -> the shortest secret searched for
 *
 * Call add as soon as a secret is read (the vault credential's
 * ManagementCert, a proxy password): what was emitted before is out.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mp_internal.h"

static int s_add(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int r = mp_secret_add(mp_rt(L), s, len);
  if (r < 0) return luaL_error(L, "secret.add: out of memory or too many secrets");
  if (r == 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, len < MP_SECRET_MIN ? "too short to be searched for"
                                          : "a word of the report itself");
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int s_redact(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  mp_value *v = mp_redacted_str(mp_rt(L), s, len);
  if (v == NULL) return luaL_error(L, "secret.redact: out of memory");
  lua_pushlstring(L, v->u.str.s, v->u.str.len);
  mpv_free(v);
  return 1;
}

int mp_open_secret(lua_State *L) {
  static const luaL_Reg fns[] = {{"add", s_add}, {"redact", s_redact}, {NULL, NULL}};
  luaL_newlib(L, fns);
  lua_pushinteger(L, MP_SECRET_MIN);
  lua_setfield(L, -2, "MIN");
  return 1;
}
