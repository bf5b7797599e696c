/* fuzz_luapat.c - marsplay's pattern functions (core/luapat.c) against
 * Lua 5.4's own: the input is "subject \n pattern \n replacement \n init"
 * (missing parts empty); find, match, gmatch (first 64 matches) and gsub
 * (replacement string, and a function returning its captures joined)
 * run in a stock state and in one with luapat's functions, and must give
 * the same results or the same error.  Subjects of at most 16 bytes and
 * patterns with at most 5 repetition characters keep the stock matcher
 * (which nothing can stop) quick. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "core/luapat.h"

static lua_State *stock, *ours;

static const char RUN[] =
  "local s, p, r, init = ...\n"
  "local out = {}\n"
  "local function add(ok, ...)\n"
  "  local t = { tostring(ok) }\n"
  "  for i = 1, select('#', ...) do local v = select(i, ...); t[#t + 1] = math.type(v) or type(v); t[#t + 1] = tostring(v) end\n"
  "  out[#out + 1] = table.concat(t, '\\1')\n"
  "end\n"
  "add(pcall(string.find, s, p, init))\n"
  "add(pcall(string.find, s, p, init, true))\n"
  "add(pcall(string.match, s, p, init))\n"
  "add(pcall(function() local t = {} local it = s:gmatch(p, init)\n"
  "  for _ = 1, 64 do local a, b = it() if a == nil then break end t[#t + 1] = tostring(a) .. '|' .. tostring(b) end\n"
  "  return table.concat(t, ',') end))\n"
  "add(pcall(string.gsub, s, p, r))\n"
  "add(pcall(string.gsub, s, p, function(...) return table.concat({...}, '.') end, 3))\n"
  "return table.concat(out, '\\n')\n";

static lua_State *make(int mine) {
  lua_State *L = luaL_newstate();
  if (L == NULL) abort();
  luaL_openlibs(L);
  if (mine) {
    lua_getglobal(L, "string");
    lp_register(L, -1, NULL);
    lua_pop(L, 1);
  }
  if (luaL_loadstring(L, RUN) != LUA_OK) abort();
  lua_setglobal(L, "RUN");
  return L;
}

static char *run(lua_State *L, const char *part[4], const size_t len[4], lua_Integer init) {
  size_t n;
  const char *s;
  char *copy;
  int i;
  lua_getglobal(L, "RUN");
  for (i = 0; i < 3; i++) lua_pushlstring(L, part[i], len[i]);
  lua_pushinteger(L, init);
  if (lua_pcall(L, 4, 1, 0) != LUA_OK) {
    fprintf(stderr, "run: %s\n", lua_tostring(L, -1));
    abort();
  }
  s = lua_tolstring(L, -1, &n);
  copy = malloc(n + 1);
  if (copy == NULL) abort();
  memcpy(copy, s, n + 1);
  lua_settop(L, 0);
  lua_gc(L, LUA_GCCOLLECT);
  return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *part[4] = {"", "", "", ""};
  size_t len[4] = {0, 0, 0, 0}, at = 0;
  lua_Integer init = 1;
  char *a, *b;
  int k;
  if (stock == NULL) { stock = make(0); ours = make(1); }
  for (k = 0; k < 4 && at <= size; k++) {
    const uint8_t *nl = memchr(data + at, '\n', size - at);
    size_t end = nl ? (size_t)(nl - data) : size;
    part[k] = (const char *)data + at;
    len[k] = end - at;
    at = end + 1;
  }
  /* keep the stock matcher quick: short subjects, few repetitions */
  if (len[0] > 16 || len[1] > 32) return 0;
  for (k = 0, at = 0; at < len[1]; at++)
    if (strchr("*+-?", part[1][at]) != NULL && part[1][at] != '\0') k++;
  if (k > 5) return 0;
  if (len[3] > 0) {
    char num[16];
    size_t n = len[3] < sizeof num - 1 ? len[3] : sizeof num - 1;
    memcpy(num, part[3], n);
    num[n] = '\0';
    init = (lua_Integer)(strtol(num, NULL, 10) % 40);
  }
  a = run(stock, part, len, init);
  b = run(ours, part, len, init);
  if (strcmp(a, b) != 0) {
    fprintf(stderr, "luapat differs from the stock library:\nstock:\n%s\nours:\n%s\n", a, b);
    abort();
  }
  free(a);
  free(b);
  return 0;
}
