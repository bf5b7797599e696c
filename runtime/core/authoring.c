/* authoring.c - entry points for playbook authors and reviewers that go
 * through the privileged runner: validating a playbook without running
 * it (`marsplay check`) and waiving known problems (--waivers FILE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mp_internal.h"

static int msgh(lua_State *L) {
  if (lua_type(L, 1) != LUA_TSTRING)
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  return 1;
}

/* Call runner.<fn>(arg): 0 with the result on top, or -1 with *err set. */
static int call_runner(mp_runtime *rt, const char *fn, const char *arg, char **err) {
  lua_State *L = rt->L;
  lua_pushcfunction(L, msgh);
  lua_getfield(L, LUA_REGISTRYINDEX, "marsplay.runner");
  if (!lua_istable(L, -1)) {
    lua_pop(L, 2);
    *err = strdup("the runner is not loaded");
    return -1;
  }
  lua_getfield(L, -1, fn);
  lua_remove(L, -2);
  lua_pushstring(L, arg);
  if (lua_pcall(L, 1, 1, -3) != LUA_OK) {
    *err = mp_redacted_dup(rt, lua_tostring(L, -1), "error");
    lua_pop(L, 2);
    return -1;
  }
  lua_remove(L, -2);
  return 0;
}

mp_value *mp_check(mp_runtime *rt, const char *playbook, char **err) {
  char *path;
  mp_value *v = NULL;
  int top = lua_gettop(rt->L);
  *err = NULL;
  path = mp_find_playbook(rt, playbook);
  if (path == NULL) {
    size_t n = strlen(playbook) + 64;
    if ((*err = malloc(n)) != NULL) snprintf(*err, n, "%s: no such playbook", playbook);
    return NULL;
  }
  if (call_runner(rt, "check", path, err) == 0) {
    v = mp_from_lua(rt->L, -1, 0);
    if (v == NULL) *err = strdup("out of memory");
  }
  lua_settop(rt->L, top);
  lua_gc(rt->L, LUA_GCCOLLECT);
  free(path);
  return v;
}

int mp_set_waivers(mp_runtime *rt, const char *file, char **err) {
  int n = -1, top = lua_gettop(rt->L);
  *err = NULL;
  if (call_runner(rt, "set_waivers", file, err) == 0) n = (int)lua_tointeger(rt->L, -1);
  lua_settop(rt->L, top);
  return n;
}
