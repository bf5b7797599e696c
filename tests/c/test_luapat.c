/* test_luapat.c - marsplay's pattern functions (core/luapat.c) against
 * Lua 5.4's own string library, and the tick that stops a long match.
 *
 * The differential test runs tests/c/luapat_corpus.lua twice: in a state
 * with the stock library and in one whose string.find/match/gmatch/gsub
 * are luapat's (so methods on strings use them too).  Each run gives one
 * line per case (the call, its results with their types or its error);
 * every line must be the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <lauxlib.h>
#include <lualib.h>

#include "core/luapat.h"

static long ticks;          /* tick calls so far */
static long stop_after;     /* raise on this tick (0: never) */

static void count_tick(lua_State *L) {
  if (++ticks == stop_after) luaL_error(L, "stopped by the tick");
}

static lua_State *new_state(int ours) {
  lua_State *L = luaL_newstate();
  assert_non_null(L);
  luaL_openlibs(L);
  if (ours) {
    lua_getglobal(L, "string");
    lp_register(L, -1, count_tick);
    lua_pop(L, 1);
  }
  return L;
}

/* Run the corpus in L: its output (malloc'd), the number of cases in *n. */
static char *run_corpus(lua_State *L, const char *count, long *n) {
  char path[1024];
  const char *src = getenv("MARSPLAY_SOURCE"), *s;
  size_t len;
  char *copy;
  snprintf(path, sizeof path, "%s/tests/c/luapat_corpus.lua", src && *src ? src : "..");
  if (luaL_loadfile(L, path) != LUA_OK) fail_msg("%s", lua_tostring(L, -1));
  lua_pushstring(L, count);
  if (lua_pcall(L, 1, 2, 0) != LUA_OK) fail_msg("corpus: %s", lua_tostring(L, -1));
  s = lua_tolstring(L, -2, &len);
  assert_non_null(s);
  *n = (long)lua_tointeger(L, -1);
  copy = malloc(len + 1);
  assert_non_null(copy);
  memcpy(copy, s, len + 1);
  lua_pop(L, 2);
  return copy;
}

static void test_same_as_stock(void **state) {
  lua_State *stock = new_state(0), *ours = new_state(1);
  long n1, n2, line = 1, diffs = 0;
  char *a, *b, *pa, *pb;
  (void)state;
  a = run_corpus(stock, "6000", &n1);
  ticks = 0;
  stop_after = 0;
  b = run_corpus(ours, "6000", &n2);
  assert_int_equal(n1, n2);
  assert_true(n1 > 20000);       /* the corpus ran: hand cases + 4 per generated case */
  /* compare line by line, to show the first differences */
  for (pa = a, pb = b; *pa || *pb; line++) {
    char *ea = strchr(pa, '\n'), *eb = strchr(pb, '\n');
    size_t la = ea ? (size_t)(ea - pa) : strlen(pa), lb = eb ? (size_t)(eb - pb) : strlen(pb);
    if (la != lb || memcmp(pa, pb, la) != 0) {
      if (++diffs <= 10)
        print_message("case %ld differs:\n  stock: %.*s\n  ours:  %.*s\n", line, (int)la, pa,
                      (int)lb, pb);
    }
    pa += la + (ea ? 1 : 0);
    pb += lb + (eb ? 1 : 0);
  }
  print_message("%ld cases compared, %ld differ; %ld ticks\n", n1, diffs, ticks);
  assert_int_equal(diffs, 0);
  assert_true(ticks > 0);
  free(a);
  free(b);
  lua_close(stock);
  lua_close(ours);
}

/* A backtracking pattern that runs for minutes with the stock library
 * is stopped by the tick, in each function, and the state stays usable. */
static void test_tick_stops_backtracking(void **state) {
  static const char *const calls[] = {
    "return string.find(s, p)", "return s:match(p)", "for _ in s:gmatch(p) do end",
    "return (s:gsub(p, 'x'))", "return s:gsub(p, function() end)",
    "return string.find(s:rep(2000), s:rep(500) .. 'b', 1, true)",
    "return string.find(('(' .. s):rep(1000), '%b()')",
    /* work that is not backtracking: a long pattern tried at each start,
     * a long set tested on each byte, a long template for each match */
    "local t = s:rep(100) return t:find(t:sub(2) .. '.b')",
    "return s:sub(1, 100):find('[' .. ('b'):rep(20000) .. 'a]*c')",
    "return s:sub(1, 100):find('[' .. ('b'):rep(20000) .. 'a]-c')",
    "return s:rep(5):gsub('x*', ('%0'):rep(100000))", NULL};
  lua_State *L = new_state(1);
  const char *const *c;
  (void)state;
  for (c = calls; *c; c++) {
    char code[1024];
    snprintf(code, sizeof code,
             "local s, p = ('a'):rep(200), ('(.-)'):rep(5) .. 'b'\n"
             "local ok, err = pcall(function() %s end)\n"
             "return ok, err", *c);
    ticks = 0;
    stop_after = 50;
    assert_int_equal(luaL_dostring(L, code), LUA_OK);
    if (lua_toboolean(L, -2)) fail_msg("not stopped: %s", *c);
    assert_non_null(strstr(lua_tostring(L, -1), "stopped by the tick"));
    assert_int_equal(ticks, 50);
    lua_settop(L, 0);
  }
  stop_after = 0;
  assert_int_equal(luaL_dostring(L, "return ('key = value'):match('(%w+)%s*=%s*(%w+)')"), LUA_OK);
  assert_string_equal(lua_tostring(L, -1), "value");
  lua_close(L);
}

/* No tick at all (NULL): the functions work, nothing is called. */
static void test_no_tick(void **state) {
  lua_State *L = luaL_newstate();
  (void)state;
  assert_non_null(L);
  luaL_openlibs(L);
  lua_getglobal(L, "string");
  lp_register(L, -1, NULL);
  lua_pop(L, 1);
  assert_int_equal(luaL_dostring(L, "return (string.gsub(('ab'):rep(10000), '(a)(b)', '%2%1'))"),
                   LUA_OK);
  assert_int_equal(lua_rawlen(L, -1), 20000);
  assert_memory_equal(lua_tostring(L, -1), "baba", 4);
  lua_close(L);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_same_as_stock),
    cmocka_unit_test(test_tick_stops_backtracking),
    cmocka_unit_test(test_no_tick),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
