/* test_reg_live.c - the registry binding (marsplay.reg, bind_reg.c, and
 * the write path of fix.set_value, core/registry.c) on a live Windows
 * registry: the same key paths, types and Lua forms as the hive files
 * give offline (tests/c/test_hive.c checks those).  Run under Wine by
 * tests/win/run.sh when the Windows Lua is at hand.
 *
 * The test links bind_reg.c, core/registry.c, formats/regdata.c and the
 * live backends with Lua; hive.c (the offline backend, not used live) is
 * replaced by functions that fail, and mp_rt by the test's own runtime.
 * Prints TAP; exits 1 on any failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "core/registry.h"
#include "formats/hive.h"
#include "platform/live.h"

#include "tap.h"

/* ---- the test's runtime: live (no --root) ---- */
static mp_runtime RT;
mp_runtime *mp_rt(lua_State *L) { (void)L; return &RT; }

/* ---- the offline backend is never reached live ---- */
#define OFFLINE_ONLY(...) { (void)rt; snprintf(err, errsz, "offline backend called live"); return -EIO; }
int hive_available(mp_runtime *rt, char *err, size_t errsz) OFFLINE_ONLY()
int hive_key_exists(mp_runtime *rt, const char *k, char *err, size_t errsz) { (void)k; OFFLINE_ONLY() }
int hive_get_raw(mp_runtime *rt, const char *k, const char *n, uint32_t *t, char **d, size_t *l,
                 char *err, size_t errsz) { (void)k; (void)n; (void)t; (void)d; (void)l; OFFLINE_ONLY() }
int hive_each_value(mp_runtime *rt, const char *k, hive_value_cb fn, void *ud, int *absent,
                    char *err, size_t errsz) { (void)k; (void)fn; (void)ud; (void)absent; OFFLINE_ONLY() }
int hive_each_key(mp_runtime *rt, const char *k, hive_key_cb fn, void *ud, int *absent,
                  char *err, size_t errsz) { (void)k; (void)fn; (void)ud; (void)absent; OFFLINE_ONLY() }
int hive_set_raw(mp_runtime *rt, const char *k, const char *n, uint32_t t, const char *raw,
                 size_t len, char *err, size_t errsz) { (void)k; (void)n; (void)t; (void)raw; (void)len; OFFLINE_ONLY() }
/* As hive.c's: nothing to check on a live system. */
int hive_file_ok(mp_runtime *rt, const char *k, char *err, size_t errsz) {
  (void)k; (void)err; (void)errsz;
  return rt->offline ? -EIO : 0;
}
int hive_delete_value(mp_runtime *rt, const char *k, const char *n, char *err, size_t errsz) {
  (void)k; (void)n; OFFLINE_ONLY()
}

#define MARS "HKLM\\SOFTWARE\\marsplay-test\\Windows Azure Backup"

/* Run Lua code with reg = marsplay.reg; its result as a string. */
static const char *run(lua_State *L, const char *code) {
  lua_settop(L, 0);
  if (luaL_loadstring(L, code) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK)
    return lua_tostring(L, -1);
  return lua_tostring(L, -1) ? lua_tostring(L, -1) : "(not a string)";
}

int main(void) {
  lua_State *L = luaL_newstate();
  char err[1024];
  int r;
  if (L == NULL) return 2;
  luaL_openlibs(L);
  luaL_requiref(L, "reg", mp_open_reg, 1);
  lua_pop(L, 1);
  RT.offline = 0;

  live_reg_delete_tree(LIVE_HKLM, "SOFTWARE\\marsplay-test");
  live_reg_delete_tree(LIVE_HKU_SYSTEM, "Software\\marsplay-test");
  CHECK(reg_available(&RT, err, sizeof err) == 1, "reg.available on a live Windows");
  CHECK(strcmp(reg_backend_name(&RT), "live registry") == 0, "backend: %s", reg_backend_name(&RT));

  /* Writes through the remediation path (fix.set_value calls reg_set_lua). */
  {
    static const struct { const char *name, *type, *lua; } W[] = {
      {"ScratchLocation", "REG_SZ", "return [[C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch]]"},
      {"Path", "REG_EXPAND_SZ", "return '%ProgramFiles%\\\\MARS'"},
      {"Multi", "REG_MULTI_SZ", "return {'first', 'second', 'caf\\u{e9}'}"},
      {"Big", "REG_QWORD", "return -2"},
      {"Start", "REG_DWORD", "return 4294967295"},
      {"Blob", "REG_BINARY", "return '\\0\\255x'"},
    };
    size_t i;
    for (i = 0; i < sizeof W / sizeof W[0]; i++) {
      lua_settop(L, 0);
      if (luaL_dostring(L, W[i].lua) != LUA_OK) { CHECK(0, "Lua: %s", lua_tostring(L, -1)); continue; }
      r = reg_set_lua(L, &RT, MARS "\\Config", W[i].name, W[i].type, 1, err, sizeof err);
      CHECK(r == 0, "set %s (%s) through the live registry: %s", W[i].name, W[i].type, r ? err : "ok");
    }
    lua_settop(L, 0);
    lua_pushinteger(L, 1);
    r = reg_set_lua(L, &RT, "HKU\\S-1-5-18\\Software\\marsplay-test", "ProxyEnable", "REG_DWORD", 1, err, sizeof err);
    CHECK(r == 0, "set under HKU\\S-1-5-18: %s", r ? err : "ok");
    {
      uint32_t t;
      char *d = NULL;
      size_t len;
      r = live_reg_get(LIVE_HKU_SYSTEM, "Software\\marsplay-test", "ProxyEnable", &t, &d, &len);
      CHECK(r == 0 && t == 4 && len == 4 && d[0] == 1, "it landed in LocalSystem's hive (HKU\\.DEFAULT)");
      free(d);
    }
  }

  /* Reads through marsplay.reg, the forms the playbooks see offline. */
  CHECK(strcmp(run(L, "local v, t = reg.get([[" MARS "\\Config]], 'scratchlocation') return t .. '=' .. v"),
               "REG_SZ=C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch") == 0,
        "reg.get REG_SZ, name case-insensitive: %s", run(L, "return (reg.get([[" MARS "\\Config]], 'scratchlocation'))"));
  CHECK(strcmp(run(L, "local v, t = reg.get([[" MARS "\\Config]], 'Path') return t .. '=' .. v"),
               "REG_EXPAND_SZ=%ProgramFiles%\\MARS") == 0, "REG_EXPAND_SZ stays unexpanded");
  CHECK(strcmp(run(L, "local v, t = reg.get([[" MARS "\\Config]], 'Multi') return t .. '=' .. table.concat(v, '|')"),
               "REG_MULTI_SZ=first|second|caf\xc3\xa9") == 0, "REG_MULTI_SZ -> array: %s",
        run(L, "local v = reg.get([[" MARS "\\Config]], 'Multi') return table.concat(v, '|')"));
  CHECK(strcmp(run(L, "local v, t = reg.get([[" MARS "\\Config]], 'Big') return t .. '=' .. math.type(v) .. v"),
               "REG_QWORD=integer-2") == 0, "REG_QWORD -> 64-bit integer");
  CHECK(strcmp(run(L, "local v, t = reg.get([[" MARS "\\Config]], 'Start') return t .. '=' .. math.type(v) .. v"),
               "REG_DWORD=integer4294967295") == 0, "REG_DWORD -> unsigned integer");
  CHECK(strcmp(run(L, "local v, t = reg.get([[" MARS "\\Config]], 'Blob') return t .. '=' .. #v .. ':' .. v:byte(2)"),
               "REG_BINARY=3:255") == 0, "REG_BINARY -> raw bytes");
  CHECK(strcmp(run(L, "local v, m, c = reg.get([[" MARS "\\Config]], 'Nope') return tostring(v) .. ' ' .. c"),
               "nil ENOENT") == 0, "absent value: nil, message, ENOENT");
  CHECK(strcmp(run(L, "local v, m, c = reg.get([[" MARS "\\Nope]], 'x') return tostring(v) .. ' ' .. c"),
               "nil ENOENT") == 0, "absent key: nil, message, ENOENT");
  CHECK(strcmp(run(L, "local n = 0 for k, e in pairs(reg.values([[" MARS "\\Config]])) do n = n + 1 end "
                      "local v = reg.values([[" MARS "\\Config]]) return n .. ' ' .. v.Multi.type .. ' ' .. v.Big.value"),
               "6 REG_MULTI_SZ -2") == 0, "reg.values: %s",
        run(L, "local n = 0 for k in pairs(reg.values([[" MARS "\\Config]])) do n = n + 1 end return tostring(n)"));
  CHECK(strcmp(run(L, "return table.concat(reg.keys([[HKLM\\SOFTWARE\\marsplay-test]]), ',')"),
               "Windows Azure Backup") == 0, "reg.keys");
  CHECK(strcmp(run(L, "return tostring(reg.exists([[" MARS "]])) .. tostring(reg.exists([[" MARS "\\Config]], 'START')) "
                      ".. tostring(reg.exists([[" MARS "\\Config]], 'nope')) .. tostring(reg.exists([[" MARS "\\Nope]]))"),
               "truetruefalsefalse") == 0, "reg.exists for keys and values");
  CHECK(strcmp(run(L, "local v = reg.get([[HKU\\.DEFAULT\\Software\\marsplay-test]], 'ProxyEnable') return tostring(v)"),
               "1") == 0, "HKU\\S-1-5-18 and HKU\\.DEFAULT are the same hive");
  CHECK(strcmp(run(L, "local v = reg.get([[HKEY_LOCAL_MACHINE/SOFTWARE/marsplay-test/Windows Azure Backup/Config]], 'Start') "
                      "return tostring(v)"), "4294967295") == 0, "long root name and '/' separators");
  CHECK(strcmp(run(L, "local v, m, c = reg.get([[HKCU\\Software]], 'x') return c"), "EINVAL") == 0,
        "HKCU refused as offline");
  CHECK(strcmp(run(L, "local ok = reg.get([[HKLM\\SYSTEM\\CurrentControlSet\\Control]], 'SystemStartOptions') "
                      "return tostring(reg.exists([[HKLM\\SYSTEM\\CurrentControlSet\\Services]]))"), "true") == 0,
        "HKLM\\SYSTEM\\CurrentControlSet resolves live");

  r = reg_delete_value(&RT, MARS "\\Config", "Blob", err, sizeof err);
  CHECK(r == 0 && strcmp(run(L, "return tostring(reg.exists([[" MARS "\\Config]], 'Blob'))"), "false") == 0,
        "delete a value (undo of a set)");
  live_reg_delete_tree(LIVE_HKLM, "SOFTWARE\\marsplay-test");
  live_reg_delete_tree(LIVE_HKU_SYSTEM, "Software\\marsplay-test");
  lua_close(L);
  return TAP_END();
}
