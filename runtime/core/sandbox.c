/* sandbox.c - what a playbook can reach, and the privileged core module.
 *
 * Each playbook gets a fresh environment table holding only safe parts of
 * the standard library: no os.execute, io.popen, os.remove/rename,
 * package.loadlib, debug (but traceback), dofile/loadfile; load() takes
 * text only; io.open reads only, and only inside the target; require
 * reaches the native marsplay modules, the stdlib and the playbook's own
 * folder (and --playbook-path), never binary chunks.
 *
 * The runner (stdlib/marsplay/runner.lua) runs in the real globals with
 * marsplay.core, which no playbook can require.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/luapat.h"
#include "core/sandbox.h"
#include "core/status.h"

#include <lfs.h>
#include <lualib.h>

static const char *const PRIVATE_KEY = "marsplay.private";

/* ---------- reading source files ---------- */

/* Chunk names are shown in errors as file:line: keep them short. */
static void chunk_name(char *out, size_t outsz, const char *path) {
  char cwd[MP_PATH_MAX];
  size_t n;
  if (plat_cwd(cwd, sizeof cwd) == 0 && (n = strlen(cwd)) > 1 &&
      strncmp(path, cwd, n) == 0 && path[n] == '/')
    snprintf(out, outsz, "@%s", path + n + 1);
  else
    snprintf(out, outsz, "@%s", path);
}

/* Load a file as text into env (at index envidx); pushes the function or
 * the error message.  Returns 0 or -1. */
static int load_file(lua_State *L, const char *path, int envidx) {
  char name[MP_PATH_MAX + 2];
  envidx = lua_absindex(L, envidx);
  chunk_name(name, sizeof name, path);
  if (mp_chunk_load(mp_rt(L), L, path, name) != LUA_OK) return -1;
  lua_pushvalue(L, envidx);
  if (lua_setupvalue(L, -2, 1) == NULL) lua_pop(L, 1);
  return 0;
}

/* ---------- the sandboxed library ---------- */

static int sb_print(lua_State *L) {
  luaL_Buffer b;
  int i, n = lua_gettop(L);
  luaL_buffinit(L, &b);
  for (i = 1; i <= n; i++) {
    if (i > 1) luaL_addchar(&b, '\t');
    (void)luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  mp_notice(mp_rt(L), "%s", lua_tostring(L, -1));
  return 0;
}

/* setmetatable without finalizers: a __gc would run outside any check's
 * time budget, at whatever moment the collector picks. */
static int has_gc(lua_State *L, int idx) {
  int t;
  lua_pushliteral(L, "__gc");
  t = lua_rawget(L, idx);
  lua_pop(L, 1);
  return t != LUA_TNIL;
}

/* Metatables a playbook set itself (weak keys): the only ones its
 * getmetatable returns.  The engine's own (file handles, lfs objects, the
 * arrays the bindings return, ...) are shared by every playbook of a run;
 * a playbook that could reach them could change what another one reads
 * (replace `read` on every file handle) or add a finalizer. */
static const char *const PBMETA_KEY = "marsplay.pbmeta";

static int sb_setmetatable(lua_State *L) {
  if (lua_istable(L, 2) && has_gc(L, 2))
    return luaL_error(L, "setmetatable: __gc metamethods are not allowed in playbooks");
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_pushvalue(L, 3);                         /* the metatable, kept */
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  if (lua_istable(L, 1) && lua_getfield(L, LUA_REGISTRYINDEX, PBMETA_KEY) == LUA_TTABLE) {
    lua_pushvalue(L, 1);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
  }
  lua_settop(L, 2);
  return 1;
}

/* getmetatable: a __metatable field as usual; else the metatable only if
 * a playbook set it; nil for the engine's. */
static int sb_getmetatable(lua_State *L) {
  luaL_checkany(L, 1);
  if (!lua_getmetatable(L, 1)) { lua_pushnil(L); return 1; }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return 1;
  if (lua_getfield(L, LUA_REGISTRYINDEX, PBMETA_KEY) == LUA_TTABLE) {
    lua_pushvalue(L, -2);
    if (lua_rawget(L, -2) != LUA_TNIL) { lua_pop(L, 2); return 1; }
  }
  lua_pushnil(L);
  return 1;
}

/* string.rep without its one unbounded loop: an empty result (an empty
 * string and separator) repeated 2^62 times runs no Lua instruction and
 * allocates nothing, so neither the hook nor the heap cap would stop it. */
static int sb_rep(lua_State *L) {
  size_t l, lsep = 0;
  lua_Integer n;
  luaL_checklstring(L, 1, &l);
  n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &lsep);
  if (n <= 0 || (l == 0 && lsep == 0)) { lua_pushliteral(L, ""); return 1; }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* table.move(a1, f, e, t [, a2]) in slices, with the deadline checked
 * between them: moving 2^62 nils allocates nothing and runs no Lua. */
static int sb_move(lua_State *L) {
  lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
  lua_Integer t = luaL_checkinteger(L, 4), slice = 1 << 16, done = 0, n;
  int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, tt, LUA_TTABLE);
  if (e < f) { lua_pushvalue(L, tt); return 1; }
  luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
  n = e - f + 1;
  luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
  while (done < n) {
    lua_Integer k = n - done < slice ? n - done : slice, i;
    mp_check_deadline(L);
    /* overlapping forward moves go from the end, as table.move does */
    if (t > f && t <= e && (tt == 1 || lua_compare(L, 1, tt, LUA_OPEQ))) {
      for (i = 0; i < k; i++) {
        lua_Integer at = n - done - 1 - i;
        lua_geti(L, 1, f + at);
        lua_seti(L, tt, t + at);
      }
    } else {
      for (i = 0; i < k; i++) {
        lua_geti(L, 1, f + done + i);
        lua_seti(L, tt, t + done + i);
      }
    }
    done += k;
  }
  lua_pushvalue(L, tt);
  return 1;
}

static int sb_collectgarbage(lua_State *L) {
  static const char *const opts[] = {"collect", "count", "step", NULL};
  int o = luaL_checkoption(L, 1, "collect", opts);
  switch (o) {
    case 0: lua_gc(L, LUA_GCCOLLECT); lua_pushinteger(L, 0); return 1;
    case 1: {
      int k = lua_gc(L, LUA_GCCOUNT), b = lua_gc(L, LUA_GCCOUNTB);
      lua_pushnumber(L, (lua_Number)k + ((lua_Number)b / 1024));
      return 1;
    }
    default: lua_pushboolean(L, lua_gc(L, LUA_GCSTEP, 0)); return 1;
  }
}

/* load(chunk [, name [, mode [, env]]]): strings only, text only; the
 * default environment is the caller's sandbox (upvalue 1). */
static int sb_load(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  const char *name = mp_optpath(L, 2, "=(load)");
  int has_env = lua_gettop(L) >= 4, st;
  if (!lua_isnoneornil(L, 3) && strchr(luaL_checkstring(L, 3), 't') == NULL)
    return luaL_error(L, "load: only text chunks are allowed in playbooks");
  if (has_env) lua_pushvalue(L, 4);
  else lua_pushvalue(L, lua_upvalueindex(1));
  st = luaL_loadbufferx(L, s, len, name, "t");
  if (st != LUA_OK) { lua_pushnil(L); lua_insert(L, -2); return 2; }
  lua_insert(L, -2);                     /* function, env */
  if (lua_setupvalue(L, -2, 1) == NULL) lua_pop(L, 1);
  return 1;
}

static int sb_file_close(lua_State *L) {
  luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
  int r = fclose(p->f);
  return luaL_fileresult(L, r == 0, NULL);
}

/* io.open(path [, mode]): read-only, resolved inside the target. */
static int sb_io_open(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  const char *mode = luaL_optstring(L, 2, "r");
  luaL_Stream *p;
  plat_fd fd;
  if (strcmp(mode, "r") != 0 && strcmp(mode, "rb") != 0)
    return luaL_error(L, "io.open: playbooks may only read (mode '%s' refused); "
                      "use the remediation API (marsplay.fix) to change files", mode);
  fd = mp_target_open(mp_rt(L), path, PLAT_OPEN_READ); /* FIFOs: no hang */
  if (fd < 0) return mp_push_errno(L, (int)fd, path);
  p = lua_newuserdatauv(L, sizeof *p, 0);
  p->closef = NULL;
  luaL_setmetatable(L, LUA_FILEHANDLE);
  p->f = plat_fd_stream(fd, "rb");
  if (p->f == NULL) { int e = errno; plat_close(fd); return mp_push_errno(L, -e, path); }
  p->closef = sb_file_close;
  return 1;
}

static int sb_io_lines(lua_State *L) {
  lua_settop(L, 1);
  lua_pushcfunction(L, sb_io_open);
  lua_pushvalue(L, 1);
  lua_call(L, 1, 3);
  if (lua_isnil(L, -3)) return luaL_error(L, "%s", lua_tostring(L, -2));
  lua_pop(L, 2);
  lua_getfield(L, -1, "lines");
  lua_insert(L, -2);
  lua_call(L, 1, 1);
  return 1;
}

/* lfs through the target: the real lfs function (upvalue 1) is called on
 * the alias path of a contained open (plat_fd_alias), so no path escapes
 * the root. */
static int sb_lfs_call(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  int nofollow = (int)lua_toboolean(L, lua_upvalueindex(2));
  int dir = (int)lua_toboolean(L, lua_upvalueindex(3));
  mp_runtime *rt = mp_rt(L);
  char rel[MP_PATH_MAX], name[MP_PATH_MAX], proc[64];
  const char *base = NULL;
  plat_fd fd;
  int r, n = lua_gettop(L);
  r = mp_target_rel(rt, path, rel, sizeof rel);
  if (r < 0) return mp_push_errno(L, r, path);
  if (nofollow) {            /* open the parent; stat the name in it */
    char *slash = strrchr(rel, '/');
    snprintf(name, sizeof name, "%s", slash ? slash + 1 : rel);
    if (slash) *slash = '\0'; else rel[0] = '\0';
    base = name[0] ? name : ".";
  }
  fd = plat_open_in(rt->rootfd, rel, (nofollow || !dir) ? PLAT_OPEN_LOOK : PLAT_OPEN_DIR);
  if (fd < 0) return mp_push_errno(L, (int)fd, path);
  if ((r = plat_fd_alias(fd, proc, sizeof proc)) < 0) { plat_close(fd); return mp_push_errno(L, r, path); }
  lua_pushvalue(L, lua_upvalueindex(1));
  if (base) lua_pushfstring(L, "%s/%s", proc, base);
  else lua_pushstring(L, proc);
  for (r = 2; r <= n; r++) lua_pushvalue(L, r);
  r = lua_pcall(L, n, LUA_MULTRET, 0);
  plat_close(fd);
  if (r != LUA_OK) return lua_error(L);
  return lua_gettop(L) - n;
}

static void copy_fields(lua_State *L, int src, const char *const *names) {
  src = lua_absindex(L, src);
  lua_newtable(L);
  for (; *names; names++) {
    lua_getfield(L, src, *names);
    lua_setfield(L, -2, *names);
  }
}

static void copy_table(lua_State *L, int src) {
  src = lua_absindex(L, src);
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, src)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_settable(L, -4);
  }
}

static int sb_require(lua_State *L);

/* Build a new sandbox environment; dir (may be NULL) is the playbook's
 * folder, searched first by require.  Leaves it on the stack. */
static void new_env(lua_State *L, const char *dir) {
  static const char *const base[] = {
    "assert", "error", "ipairs", "next", "pairs", "pcall", "xpcall", "select",
    "tonumber", "tostring", "type", "rawequal", "rawget", "rawlen", "rawset",
    "_VERSION", NULL};
  static const char *const os_safe[] = {"clock", "date", "time", "difftime", "getenv", NULL};
  static const char *const libs[] = {"string", "table", "math", "utf8", "coroutine", NULL};
  const char *const *p;
  int env;
  lua_newtable(L);
  env = lua_gettop(L);
  for (p = base; *p; p++) {
    lua_getglobal(L, *p);
    lua_setfield(L, env, *p);
  }
  for (p = libs; *p; p++) {
    lua_getglobal(L, *p);
    copy_table(L, -1);
    lua_setfield(L, env, *p);
    lua_pop(L, 1);
  }
  lua_pushcfunction(L, sb_getmetatable);
  lua_setfield(L, env, "getmetatable");
  lua_getglobal(L, "os");
  copy_fields(L, -1, os_safe);
  lua_setfield(L, env, "os");
  lua_pop(L, 1);
  lua_newtable(L);                                   /* io */
  lua_pushcfunction(L, sb_io_open); lua_setfield(L, -2, "open");
  lua_pushcfunction(L, sb_io_lines); lua_setfield(L, -2, "lines");
  lua_setfield(L, env, "io");
  lua_newtable(L);                                   /* debug */
  lua_getglobal(L, "debug");
  lua_getfield(L, -1, "traceback");
  lua_setfield(L, -3, "traceback");
  lua_pop(L, 1);
  lua_setfield(L, env, "debug");
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, sb_setmetatable, 1);
  lua_setfield(L, env, "setmetatable");
  lua_pushcfunction(L, sb_print); lua_setfield(L, env, "print");
  lua_pushcfunction(L, sb_collectgarbage); lua_setfield(L, env, "collectgarbage");
  lua_pushvalue(L, env);
  lua_pushcclosure(L, sb_load, 1);
  lua_setfield(L, env, "load");
  /* require: upvalues env, loaded cache, playbook dir */
  lua_pushvalue(L, env);
  lua_newtable(L);
  if (dir) lua_pushstring(L, dir); else lua_pushnil(L);
  lua_pushcclosure(L, sb_require, 3);
  lua_setfield(L, env, "require");
  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");
}

/* Wrapped lfs: attributes, symlinkattributes, dir. */
static void push_lfs(lua_State *L) {
  static const struct { const char *name; int nofollow, dir; } fns[] = {
    {"attributes", 0, 0}, {"symlinkattributes", 1, 0}, {"dir", 0, 1}};
  size_t i;
  lua_newtable(L);
  luaL_requiref(L, "lfs", luaopen_lfs, 0);
  for (i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    lua_getfield(L, -1, fns[i].name);
    lua_pushboolean(L, fns[i].nofollow);
    lua_pushboolean(L, fns[i].dir);
    lua_pushcclosure(L, sb_lfs_call, 3);
    lua_setfield(L, -3, fns[i].name);
  }
  lua_getfield(L, -1, "_VERSION");
  lua_setfield(L, -3, "_VERSION");
  lua_pop(L, 1);
}

static int valid_module_name(const char *s) {
  if (*s == '\0' || *s == '.') return 0;
  for (; *s; s++) {
    char c = *s;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-' || (c == '.' && s[1] != '.' && s[1] != '\0')))
      return 0;
  }
  return 1;
}

/* Find name.lua (dots as folders) in dir; path in out. */
static int find_module(const char *dir, const char *name, char *out, size_t outsz) {
  size_t i, n;
  int w = snprintf(out, outsz, "%s/", dir);
  if (w < 0 || (size_t)w >= outsz) return 0;
  n = (size_t)w;
  for (i = 0; name[i] && n + 1 < outsz; i++) out[n++] = name[i] == '.' ? '/' : name[i];
  out[n] = '\0';
  if (n + 5 >= outsz) return 0;
  memcpy(out + n, ".lua", 5);
  if (plat_readable(out)) return 1;
  if (n + 10 >= outsz) return 0;
  memcpy(out + n, "/init.lua", 10);
  return plat_readable(out);
}

/* Push the opener of native module name, if there is one. */
static int push_native(lua_State *L, const char *name) {
  lua_getfield(L, LUA_REGISTRYINDEX, PRIVATE_KEY);
  lua_getfield(L, -1, "native");
  if (lua_getfield(L, -1, name) == LUA_TNIL) {
    lua_pop(L, 3);
    return 0;
  }
  lua_replace(L, -3);
  lua_pop(L, 1);
  return 1;
}

static int sb_require(lua_State *L) {
  const char *name = mp_checkpath(L, 1);
  mp_runtime *rt = mp_rt(L);
  char path[MP_PATH_MAX];
  int found = 0;
  lua_settop(L, 1);
  lua_getfield(L, lua_upvalueindex(2), name);
  if (!lua_isnil(L, -1)) return 1;
  lua_pop(L, 1);
  if (strcmp(name, "marsplay.core") == 0)
    return luaL_error(L, "module 'marsplay.core' is private to the engine");
  if (strcmp(name, "lfs") == 0) {
    push_lfs(L);
  } else if (push_native(L, name)) {
    lua_call(L, 0, 1);                   /* a fresh module table per env */
  } else {
    if (!valid_module_name(name))
      return luaL_error(L, "module '%s': invalid name", name);
    if (!lua_isnil(L, lua_upvalueindex(3)))
      found = find_module(lua_tostring(L, lua_upvalueindex(3)), name, path, sizeof path);
    if (!found && rt->playbook_path) {
      char *copy = strdup(rt->playbook_path), *save = NULL, *d;
      for (d = copy ? strtok_r(copy, PLAT_PATH_LIST_SEP, &save) : NULL; d && !found;
           d = strtok_r(NULL, PLAT_PATH_LIST_SEP, &save))
        found = find_module(d, name, path, sizeof path);
      free(copy);
    }
    if (!found) found = find_module(rt->stdlib_dir, name, path, sizeof path);
    if (!found)
      return luaL_error(L, "module '%s' not found in the playbook's folder, "
                        "--playbook-path or the stdlib", name);
    if (load_file(L, path, lua_upvalueindex(1)) != 0) return lua_error(L);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) { lua_pop(L, 1); lua_pushboolean(L, 1); }
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, lua_upvalueindex(2), name);
  return 1;
}

/* ---------- marsplay.core (private to the runner) ---------- */

static int core_new_env(lua_State *L) {
  new_env(L, luaL_optstring(L, 1, NULL));
  return 1;
}

static int core_load(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  if (load_file(L, path, 2) != 0) { lua_pushnil(L); lua_insert(L, -2); return 2; }
  return 1;
}

static int msgh(lua_State *L) {
  if (!lua_isstring(L, 1)) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  return 1;
}

/* core.call(timeout, fn, ...) -> true, results... | false, message, kind
 *
 * Runs fn under a check's limits: the deadline (never beyond an enclosing
 * call's) and a heap cap of mem_limit beyond what is in use now (within
 * the engine's ceiling).  A call that ends past its deadline is a timeout
 * whatever it returned: the hook stops Lua code, and C code that may run
 * long checks the deadline itself (the pattern functions, luapat.c), but
 * whatever still overran is never reported as a result.  Nested calls
 * restore the enclosing limits. */
static int core_call(lua_State *L) {
  mp_runtime *rt = mp_rt(L);
  double t = luaL_optnumber(L, 1, rt->cfg.timeout), started, took;
  double outer_deadline = rt->deadline;
  size_t outer_cap = rt->mem_cap, cap;
  int outer_hit = rt->limit_hit;
  int st, base, hit, overran;
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_remove(L, 1);
  lua_pushcfunction(L, msgh);
  lua_insert(L, 1);
  base = 1;
  started = plat_monotonic();
  rt->limit_hit = 0;
  rt->deadline = t > 0 ? started + t : 0;
  if (outer_deadline > 0 && (rt->deadline == 0 || rt->deadline > outer_deadline))
    rt->deadline = outer_deadline;
  cap = rt->mem_used + rt->mem_limit;
  if (cap < rt->mem_used || cap > outer_cap) cap = outer_cap;
  rt->mem_cap = cap;
  st = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, base);
  hit = rt->limit_hit;
  took = plat_monotonic() - started;
  overran = rt->deadline > 0 && started + took > rt->deadline;
  rt->deadline = outer_deadline;
  rt->limit_hit = outer_hit;
  rt->mem_cap = outer_cap;
  /* An allocation that failed once and succeeded after Lua's emergency
   * collection is not an error; a swallowed timeout is. */
  if (hit == 2 && st == LUA_OK) hit = 0;
  if (overran && !(hit == 2 && st != LUA_OK)) hit = 1;
  if (st != LUA_OK) lua_gc(L, LUA_GCCOLLECT);
  if (st == LUA_OK && hit == 0) {
    lua_pushboolean(L, 1);
    lua_replace(L, base);
    return lua_gettop(L);
  }
  {
    const char *msg = st == LUA_OK ? NULL : lua_tostring(L, -1);
    lua_pushboolean(L, 0);
    if (hit == 1) {
      char secs[32], spent[32];
      snprintf(secs, sizeof secs, "%g", t);
      snprintf(spent, sizeof spent, "%.1f", took);
      if (msg)
        lua_pushfstring(L, "%s: the check ran past its time budget of %s s (--timeout)", msg, secs);
      else
        lua_pushfstring(L, "the check ran past its time budget of %s s (--timeout): one call "
                        "ran %s s before it returned; its result is discarded", secs, spent);
    }
    else if (hit == 2)
      lua_pushfstring(L, "memory cap of %d MiB exceeded (%s)", (int)(rt->mem_limit >> 20),
                      msg ? msg : "?");
    else
      lua_pushstring(L, msg ? msg : "error");
  }
  lua_pushstring(L, hit == 1 ? "timeout" : hit == 2 ? "memory" : "error");
  return 3;
}

/* core.keep(result): a finished check's result leaves the Lua heap for
 * the report (so one check's large evidence never counts against the
 * next check's memory). */
static int core_keep(lua_State *L) {
  mp_runtime *rt = mp_rt(L);
  mp_value *v;
  luaL_checktype(L, 1, LUA_TTABLE);
  if (rt->kept == NULL && (rt->kept = mpv_arr()) == NULL) return luaL_error(L, "out of memory");
  v = mp_from_lua(L, 1, 0);
  if (v == NULL || mpv_push(rt->kept, v) != 0) return luaL_error(L, "out of memory");
  return 0;
}

static int core_set_phase(lua_State *L) {
  static const char *const names[] = {"load", "detect", "fix", "verify", NULL};
  mp_rt(L)->phase = luaL_checkoption(L, 1, NULL, names);
  return 0;
}

static int core_take_actions(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "marsplay.actions");
  if (lua_isnil(L, -1)) { lua_pop(L, 1); lua_newtable(L); }
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "marsplay.actions");
  return 1;
}

static int core_event(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  mp_emit_event(mp_rt(L), mp_from_lua(L, 1, 0));
  return 0;
}

static int core_config(lua_State *L) {
  mp_runtime *rt = mp_rt(L);
  mp_param *p;
  lua_newtable(L);
  lua_pushboolean(L, rt->cfg.dry_run); lua_setfield(L, -2, "dry_run");
  lua_pushboolean(L, rt->offline); lua_setfield(L, -2, "offline");
  lua_pushstring(L, rt->lang); lua_setfield(L, -2, "lang");
  lua_pushstring(L, rt->root); lua_setfield(L, -2, "root");
  lua_pushnumber(L, rt->cfg.timeout); lua_setfield(L, -2, "timeout");
  lua_pushboolean(L, rt->cfg.no_fix); lua_setfield(L, -2, "no_fix");
  if (rt->only) { lua_pushstring(L, rt->only); lua_setfield(L, -2, "only"); }
  if (rt->skip) { lua_pushstring(L, rt->skip); lua_setfield(L, -2, "skip"); }
  lua_newtable(L);
  for (p = rt->params; p; p = p->next) {
    lua_pushstring(L, p->value);
    lua_setfield(L, -2, p->key);
  }
  lua_setfield(L, -2, "params");
  return 1;
}

static int core_now(lua_State *L) {
  lua_pushnumber(L, plat_monotonic());
  return 1;
}

/* core.exit_code(code, status): code combined with what status implies
 * (core/status.c is the one home of that rule). */
static int core_exit_code(lua_State *L) {
  int code = (int)luaL_checkinteger(L, 1);
  int st = mpr_status_index(luaL_optstring(L, 2, NULL));
  lua_pushinteger(L, st < 0 ? code : mpr_exit_worse(code, mpr_status_exit(st)));
  return 1;
}

int mp_open_core(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"new_env", core_new_env}, {"load", core_load}, {"call", core_call},
    {"set_phase", core_set_phase}, {"take_actions", core_take_actions},
    {"event", core_event}, {"config", core_config}, {"monotonic", core_now},
    {"keep", core_keep}, {"exit_code", core_exit_code}, {NULL, NULL}};
  luaL_newlib(L, fns);
  lua_pushstring(L, mp_rt(L)->stdlib_dir);
  lua_setfield(L, -2, "stdlib");
  return 1;
}

/* marsplay.host: the embedding program's own functions. */
static int open_host(lua_State *L) {
  mp_hostfn *h;
  lua_newtable(L);
  for (h = mp_rt(L)->hostfns; h; h = h->next) {
    lua_pushcfunction(L, h->fn);
    lua_setfield(L, -2, h->name);
  }
  return 1;
}

/* ---------- set-up ---------- */

static void protect_string_metatable(lua_State *L) {
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_pushliteral(L, "string");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

static int init(lua_State *L) {
  mp_runtime *rt = mp_rt(L);
  static const luaL_Reg natives[] = {
    {"marsplay.fs", mp_open_fs}, {"marsplay.reg", mp_open_reg},
    {"marsplay.xml", mp_open_xml}, {"marsplay.net", mp_open_net},
    {"marsplay.sys", mp_open_sys}, {"marsplay.fix", mp_open_fix},
    {"marsplay.host", open_host}, {"marsplay.secret", mp_open_secret}, {NULL, NULL}};
  const luaL_Reg *r;
  char path[MP_PATH_MAX];
  luaL_openlibs(L);
  protect_string_metatable(L);
  /* in the global tables, so that methods ("x"):rep(...) get them too */
  lua_getglobal(L, "string");
  lua_getfield(L, -1, "rep");
  lua_pushcclosure(L, sb_rep, 1);
  lua_setfield(L, -2, "rep");
  /* find/match/gmatch/gsub: the same matching, with the deadline checked
   * every few thousand steps (one backtracking pattern is one C call) */
  lp_register(L, -1, mp_check_deadline);
  lua_getglobal(L, "table");
  lua_pushcfunction(L, sb_move);
  lua_setfield(L, -2, "move");
  lua_pop(L, 2);
  lua_newtable(L);                                 /* metatables playbooks set */
  lua_newtable(L);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, PBMETA_KEY);
  lua_newtable(L);                                 /* private */
  lua_newtable(L);
  for (r = natives; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_setfield(L, -2, "native");
  lua_setfield(L, LUA_REGISTRYINDEX, PRIVATE_KEY);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, mp_open_core);
  lua_setfield(L, -2, "marsplay.core");
  lua_pop(L, 1);
  /* the privileged runner */
  snprintf(path, sizeof path, "%s/marsplay/runner.lua", rt->stdlib_dir);
  lua_pushglobaltable(L);
  if (load_file(L, path, -1) != 0) return lua_error(L);
  lua_call(L, 0, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "marsplay.runner");
  lua_pop(L, 1);
  return 0;
}

int mp_sandbox_init(mp_runtime *rt) {
  lua_State *L = rt->L;
  lua_pushcfunction(L, init);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    mp_set_error(rt, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return -1;
  }
  return 0;
}

static int call_runner(lua_State *L, const char *fn, int nargs) {
  lua_getfield(L, LUA_REGISTRYINDEX, "marsplay.runner");
  lua_getfield(L, -1, fn);
  lua_remove(L, -2);
  lua_insert(L, -1 - nargs);
  lua_pushcfunction(L, msgh);
  lua_insert(L, -2 - nargs);
  return lua_pcall(L, nargs, 1, -2 - nargs);
}

int mp_sandbox_run(mp_runtime *rt, const char *path, mp_value **pb) {
  lua_State *L = rt->L;
  int code;
  mpv_free(rt->kept);
  rt->kept = mpv_arr();
  lua_pushstring(L, path);
  if (call_runner(L, "run", 1) != LUA_OK) {
    mp_set_error(rt, "internal error running %s: %s", path, lua_tostring(L, -1));
    *pb = mpv_obj();
    if (*pb) {
      mpv_set(*pb, "id", mpv_cstr(path));
      mpv_set(*pb, "title", mpv_cstr(path));
      mpv_set(*pb, "file", mpv_cstr(path));
      mpv_set(*pb, "error", mpv_cstr(rt->last_error));
      mpv_set(*pb, "exit_code", mpv_num(MP_EXIT_ERROR));
      mpv_set(*pb, "checks", rt->kept ? rt->kept : mpv_arr());   /* those that finished */
      rt->kept = NULL;
    }
    lua_pop(L, 2);
    return MP_EXIT_ERROR;
  }
  *pb = mp_from_lua(L, -1, 0);
  if (*pb && rt->kept) { mpv_set(*pb, "checks", rt->kept); rt->kept = NULL; }
  code = (int)mpv_getnum(*pb, "exit_code", MP_EXIT_ERROR);
  if (mpv_getstr(*pb, "error")) mp_set_error(rt, "%s", mpv_getstr(*pb, "error"));
  lua_pop(L, 2);
  return code;
}

int mp_sandbox_describe(mp_runtime *rt, const char *path) {
  lua_State *L = rt->L;
  lua_pushstring(L, path);
  if (call_runner(L, "describe", 1) != LUA_OK) {
    lua_remove(L, -2);
    return -1;
  }
  lua_remove(L, -2);
  return 0;
}

mp_value *mp_sandbox_eval(mp_runtime *rt, const char *code, char **err) {
  lua_State *L = rt->L;
  mp_value *v = NULL;
  int top = lua_gettop(L);
  lua_pushstring(L, code);
  if (call_runner(L, "eval", 1) != LUA_OK) {
    *err = mp_redacted_dup(rt, lua_tostring(L, -1), "error");
  } else {
    v = mp_from_lua(L, -1, 0);
  }
  lua_settop(L, top);
  return v;
}
