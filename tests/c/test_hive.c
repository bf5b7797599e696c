/* test_hive.c - the registry layer: empty hive creation, reads of every
 * value type, key paths (case, separators, CurrentControlSet), writes
 * (key creation, atomic replace, no temporary files left, killed writers),
 * damaged hives, the marsplay.reg binding. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testtmp.h"

#include <lualib.h>

#include "formats/hive.h"
#include "core/registry.h"
#include "core/mp_internal.h"

#define CONFIG "Windows/System32/config"
#define MARS "HKLM\\SOFTWARE\\Microsoft\\Windows Azure Backup"

typedef struct fixture {
  char dir[128];
  mp_runtime *rt;
  lua_State *L;
} fixture;

/* ---------- helpers ---------- */

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void run(const char *fmt, ...) {
  char cmd[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  assert_int_equal(system(cmd), 0);
}

static void path_in(const fixture *f, const char *rel, char *out, size_t outsz) {
  snprintf(out, outsz, "%s/%s", f->dir, rel);
}

/* An empty hive at dir/rel (folders created). */
static void make_hive(const fixture *f, const char *rel) {
  char p[512];
  int fd;
  path_in(f, rel, p, sizeof p);
  run("mkdir -p \"$(dirname '%s')\"", p);
  fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(hive_write_empty(fd, "\\SystemRoot\\System32\\Config\\TEST"), 0);
  assert_int_equal(close(fd), 0);
}

static int have_openat2(void) {
#ifdef SYS_openat2
  errno = 0;
  return syscall(SYS_openat2, -1, "", NULL, (size_t)0) == -1 && errno != ENOSYS;
#else
  return 0;
#endif
}

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud; (void)osize;
  if (nsize == 0) { free(ptr); return NULL; }
  return realloc(ptr, nsize);
}

static mp_runtime *new_rt(const char *root, int offline) {
  mp_runtime *rt = calloc(1, sizeof *rt);
  assert_non_null(rt);
  rt->offline = offline;
  rt->root = strdup(offline ? root : "/");
  assert_non_null(rt->root);
  assert_int_equal(plat_root_open(rt->root, &rt->rootfd), 0);
  return rt;
}

static void free_rt(mp_runtime *rt) {
  hive_cache_free(rt);
  plat_close(rt->rootfd);
  free(rt->root);
  free(rt);
}

static void set_text(mp_runtime *rt, const char *key, const char *name,
                     const char *type, const char *data) {
  char err[512];
  int r = hive_put_value(rt, key, name, type, data, strlen(data), err, sizeof err);
  if (r != 0) fail_msg("hive_put_value %s\\%s: %s", key, name, err);
}

static void set_bytes(mp_runtime *rt, const char *key, const char *name,
                      const char *type, const char *data, size_t len) {
  char err[512];
  int r = hive_put_value(rt, key, name, type, data, len, err, sizeof err);
  if (r != 0) fail_msg("hive_put_value %s\\%s: %s", key, name, err);
}

/* Count entries of dir/rel whose name contains needle. */
static int count_named(const fixture *f, const char *rel, const char *needle) {
  char p[512];
  DIR *d;
  struct dirent *e;
  int n = 0;
  path_in(f, rel, p, sizeof p);
  d = opendir(p);
  assert_non_null(d);
  while ((e = readdir(d)) != NULL)
    if (strstr(e->d_name, needle)) n++;
  closedir(d);
  return n;
}

/* Run Lua code with `reg` bound to marsplay.reg; returns its result
 * string (tostring of the first result) in out. */
static void lua_eval(fixture *f, const char *code, char *out, size_t outsz) {
  lua_State *L = f->L;
  int top = lua_gettop(L);
  if (luaL_loadstring(L, code) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK)
    fail_msg("lua: %s", lua_tostring(L, -1));
  snprintf(out, outsz, "%s", luaL_tolstring(L, -1, NULL));
  lua_settop(L, top);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  assert_non_null(f);
  assert_int_equal(test_tmpname(f->dir, sizeof f->dir, "test_hive"), 0);
  assert_non_null(mkdtemp(f->dir));
  make_hive(f, CONFIG "/SOFTWARE");
  make_hive(f, CONFIG "/SYSTEM");
  f->rt = new_rt(f->dir, 1);
  f->L = lua_newstate(l_alloc, f->rt);
  assert_non_null(f->L);
  luaL_openlibs(f->L);
  luaL_requiref(f->L, "reg", mp_open_reg, 1);
  lua_pop(f->L, 1);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  lua_close(f->L);
  free_rt(f->rt);
  run("chmod -R u+w '%s'; rm -rf '%s'", f->dir, f->dir);
  free(f);
  return 0;
}

/* ---------- tests ---------- */

static void test_empty_hive(void **state) {
  fixture *f = *state;
  char p[512];
  unsigned char hdr[512];
  hive_h *h;
  hive_node_h root, *kids;
  char *name;
  int fd;
  path_in(f, CONFIG "/SOFTWARE", p, sizeof p);
  fd = open(p, O_RDONLY);
  assert_true(fd >= 0);
  assert_int_equal(read(fd, hdr, sizeof hdr), (ssize_t)sizeof hdr);
  close(fd);
  assert_memory_equal(hdr, "regf", 4);
  assert_memory_equal(hdr + 4, hdr + 8, 4);        /* clean: seq1 == seq2 */
  assert_int_equal(hdr[0x14], 1);                  /* version 1.5 */
  assert_int_equal(hdr[0x18], 5);
  h = hivex_open(p, 0);
  assert_non_null(h);
  root = hivex_root(h);
  assert_true(root != 0);
  name = hivex_node_name(h, root);
  assert_string_equal(name, "ROOT");
  free(name);
  kids = hivex_node_children(h, root);
  assert_non_null(kids);
  assert_int_equal(kids[0], 0);
  free(kids);
  hivex_close(h);
  /* hivex can add to it (needs the security cell) */
  h = hivex_open(p, HIVEX_OPEN_WRITE);
  assert_non_null(h);
  assert_true(hivex_node_add_child(h, hivex_root(h), "Microsoft") != 0);
  hivex_close(h);
}

static void test_types_roundtrip(void **state) {
  fixture *f = *state;
  char out[512];
  char *data;
  size_t len;
  uint32_t type;
  char err[512];
  mp_runtime *rt = f->rt;
  set_text(rt, MARS "\\Config", "ScratchLocation", "REG_SZ",
           "C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch");
  set_text(rt, MARS "\\Config", "Unicode", "REG_SZ", "cache \xc3\xa7\xc3\xa3o \xf0\x9f\x98\x80");
  set_text(rt, MARS "\\Config", "Exp", "REG_EXPAND_SZ", "%SystemRoot%\\Temp");
  set_text(rt, MARS "\\Config", "Dw", "REG_DWORD", "0xFFFFFFFF");
  set_text(rt, MARS "\\Config", "Neg", "dword", "-1");
  set_text(rt, MARS "\\Config", "Qw", "REG_QWORD", "1234567890123");
  set_bytes(rt, MARS "\\Config", "Multi", "REG_MULTI_SZ", "a\0bb\0ccc", 8);
  set_bytes(rt, MARS "\\Config", "Bin", "REG_BINARY", "\x01\x00\xff", 3);
  set_bytes(rt, MARS "\\Config", "", "REG_SZ", "default", 7);

  assert_int_equal(hive_get_raw(rt, MARS "\\Config", "Dw", &type, &data, &len, err, sizeof err), 0);
  assert_int_equal(type, HIVE_REG_DWORD);
  assert_int_equal(len, 4);
  assert_memory_equal(data, "\xff\xff\xff\xff", 4);
  free(data);

  lua_eval(f, "local v, t = reg.get([[" MARS "\\Config]], 'ScratchLocation') return t .. '=' .. v", out, sizeof out);
  assert_string_equal(out, "REG_SZ=C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch");
  lua_eval(f, "return (reg.get([[" MARS "\\Config]], 'Unicode'))", out, sizeof out);
  assert_string_equal(out, "cache \xc3\xa7\xc3\xa3o \xf0\x9f\x98\x80");
  lua_eval(f, "local v, t = reg.get([[" MARS "\\Config]], 'Exp') return t .. '=' .. v", out, sizeof out);
  assert_string_equal(out, "REG_EXPAND_SZ=%SystemRoot%\\Temp");
  lua_eval(f, "local v, t = reg.get([[" MARS "\\Config]], 'Dw') return math.type(v) .. t .. v", out, sizeof out);
  assert_string_equal(out, "integerREG_DWORD4294967295");
  lua_eval(f, "return reg.get([[" MARS "\\Config]], 'Neg')", out, sizeof out);
  assert_string_equal(out, "4294967295");
  lua_eval(f, "local v, t = reg.get([[" MARS "\\Config]], 'Qw') return t .. v", out, sizeof out);
  assert_string_equal(out, "REG_QWORD1234567890123");
  lua_eval(f, "local v, t = reg.get([[" MARS "\\Config]], 'Multi') return t .. #v .. table.concat(v, ',')", out, sizeof out);
  assert_string_equal(out, "REG_MULTI_SZ3a,bb,ccc");
  lua_eval(f, "local v, t = reg.get([[" MARS "\\Config]], 'Bin') return t .. #v .. ':' .. v:byte(3)", out, sizeof out);
  assert_string_equal(out, "REG_BINARY3:255");
  lua_eval(f, "return (reg.get([[" MARS "\\Config]], ''))", out, sizeof out);
  assert_string_equal(out, "default");
  lua_eval(f, "return (reg.get([[" MARS "\\Config]]))", out, sizeof out);
  assert_string_equal(out, "default");
  /* values(): every entry with type and value */
  lua_eval(f, "local t = assert(reg.values([[" MARS "\\Config]])) local n = 0 "
              "for k, v in pairs(t) do n = n + 1 end "
              "return n .. t.Qw.type .. t.Multi.value[2] .. t.ScratchLocation.type", out, sizeof out);
  assert_string_equal(out, "9REG_QWORDbbREG_SZ");
}

static void test_other_types_and_bad_utf16(void **state) {
  fixture *f = *state;
  char out[512], err[256];
  /* REG_LINK stays raw bytes with its type name */
  assert_int_equal(hive_set_raw(f->rt, MARS, "Link", HIVE_REG_LINK, "\x41\x00", 2, err, sizeof err), 0);
  lua_eval(f, "local v, t = reg.get([[" MARS "]], 'Link') return t .. #v", out, sizeof out);
  assert_string_equal(out, "REG_LINK2");
  /* a lone surrogate: an error, not a crash */
  assert_int_equal(hive_set_raw(f->rt, MARS, "Bad", HIVE_REG_SZ, "\x41\x00\x00\xD8\x42\x00", 6,
                                err, sizeof err), 0);
  lua_eval(f, "local v, m, c = reg.get([[" MARS "]], 'Bad') return tostring(v) .. '|' .. c", out, sizeof out);
  assert_string_equal(out, "nil|EILSEQ");
  lua_eval(f, "local t = reg.values([[" MARS "]]) return t.Bad.type .. '|' .. t.Bad.error:sub(1, 10) .. '|' .. #t.Bad.raw", out, sizeof out);
  assert_string_equal(out, "REG_SZ|REG_SZ dat|6");
  /* REG_DWORD of the wrong size */
  assert_int_equal(hive_set_raw(f->rt, MARS, "Short", HIVE_REG_DWORD, "\x01\x02", 2, err, sizeof err), 0);
  lua_eval(f, "local v, m, c = reg.get([[" MARS "]], 'Short') return c", out, sizeof out);
  assert_string_equal(out, "EINVAL");
  /* encoding errors are refused before anything is written */
  assert_int_equal(hive_put_value(f->rt, MARS, "X", "REG_SZ", "\xff", 1, err, sizeof err), -EILSEQ);
  assert_int_equal(hive_put_value(f->rt, MARS, "X", "REG_DWORD", "4294967296", 10, err, sizeof err), -ERANGE);
  assert_int_equal(hive_put_value(f->rt, MARS, "X", "REG_DWORD", "12a", 3, err, sizeof err), -EINVAL);
  assert_int_equal(hive_put_value(f->rt, MARS, "X", "REG_MULTI_SZ", "a\0\0b", 4, err, sizeof err), -EINVAL);
  assert_int_equal(hive_put_value(f->rt, MARS, "X", "REG_NOPE", "1", 1, err, sizeof err), -EINVAL);
  lua_eval(f, "return reg.exists([[" MARS "]], 'X')", out, sizeof out);
  assert_string_equal(out, "false");
}

static void test_paths(void **state) {
  fixture *f = *state;
  char out[512];
  set_text(f->rt, MARS "\\Config", "MachineId", "REG_SZ", "id-1");
  lua_eval(f, "return (reg.get([[hklm\\software\\MICROSOFT\\windows azure backup\\config]], 'machineid'))", out, sizeof out);
  assert_string_equal(out, "id-1");
  lua_eval(f, "return (reg.get('HKEY_LOCAL_MACHINE/SOFTWARE/Microsoft/Windows Azure Backup/Config', 'MachineId'))", out, sizeof out);
  assert_string_equal(out, "id-1");
  lua_eval(f, "return (reg.get([[HKLM:\\SOFTWARE\\\\Microsoft\\Windows Azure Backup\\Config\\]], 'MachineId'))", out, sizeof out);
  assert_string_equal(out, "id-1");
  lua_eval(f, "return reg.exists([[" MARS "]])", out, sizeof out);
  assert_string_equal(out, "true");
  lua_eval(f, "return reg.exists([[" MARS "\\Nope]])", out, sizeof out);
  assert_string_equal(out, "false");
  lua_eval(f, "return reg.exists([[" MARS "\\Config]], 'MACHINEID')", out, sizeof out);
  assert_string_equal(out, "true");
  lua_eval(f, "local v, m, c = reg.get([[" MARS "\\Nope]], 'x') return c .. '|' .. m", out, sizeof out);
  assert_string_equal(out, "ENOENT|" MARS "\\Nope: key not found (no subkey 'Nope')");
  lua_eval(f, "local v, m, c = reg.get([[" MARS "\\Config]], 'x') return c", out, sizeof out);
  assert_string_equal(out, "ENOENT");
  lua_eval(f, "local v, m, c = reg.get([[HKCU\\Software]], 'x') return c", out, sizeof out);
  assert_string_equal(out, "EINVAL");
  lua_eval(f, "local v, m, c = reg.get([[HKLM\\SAM\\x]], 'x') return c", out, sizeof out);
  assert_string_equal(out, "EINVAL");
  lua_eval(f, "return table.concat(reg.keys([[HKLM\\SOFTWARE\\Microsoft]]), ',')", out, sizeof out);
  assert_string_equal(out, "Windows Azure Backup");
  lua_eval(f, "return #reg.keys([[HKLM\\SOFTWARE]])", out, sizeof out);
  assert_string_equal(out, "1");
  /* HKU hive missing on this volume: an error naming the file, not "false"
   * (raised: a missing hive is not a missing key) */
  lua_eval(f, "local ok, e = pcall(reg.exists, [[HKU\\S-1-5-18\\Software]]) "
              "return tostring(ok) .. (e:find('hive unavailable: HKU', 1, true) and '' or e)",
           out, sizeof out);
  assert_string_equal(out, "false");
}

static void test_file_case_and_no_fallback(void **state) {
  fixture *f = *state;
  char out[512], err[512];
  int r;
  /* only systemprofile/NTUSER.DAT, lower-case folders: another hive, never
   * HKU\S-1-5-18 (that is config\DEFAULT): neither read nor written */
  make_hive(f, "Windows/System32/config/systemprofile/ntuser.dat");
  run("mv '%s/Windows/System32/config' '%s/Windows/System32/CONFIG'", f->dir, f->dir);
  lua_eval(f, "local ok, e = pcall(reg.get, [[HKU\\S-1-5-18\\Software]], 'x') return tostring(ok) .. '|' .. e",
           out, sizeof out);   /* a missing hive raises: it is not a missing key */
  assert_non_null(strstr(out, "false|registry hive unavailable: HKU\\S-1-5-18: hive file "
                              "C:\\Windows\\System32\\config\\DEFAULT not found"));
  r = hive_put_value(f->rt, "HKU\\.DEFAULT\\Software\\Test", "V", "REG_SZ", "x", 1, err, sizeof err);
  assert_true(r < 0);
  assert_non_null(strstr(err, "DEFAULT not found"));
  assert_int_equal(count_named(f, "Windows/System32/CONFIG", "DEFAULT"), 0);
  /* config\DEFAULT, found case-insensitively */
  make_hive(f, "Windows/System32/CONFIG/default");
  set_text(f->rt, "HKU\\.DEFAULT\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings",
           "ProxyEnable", "REG_DWORD", "0");
  lua_eval(f, "return reg.get([[HKU\\S-1-5-18\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]], 'ProxyEnable')",
           out, sizeof out);
  assert_string_equal(out, "0");
  lua_eval(f, "return reg.available()", out, sizeof out);
  assert_string_equal(out, "true");
}

static void test_current_control_set(void **state) {
  fixture *f = *state;
  char out[512], err[512];
  mp_runtime *rt = f->rt;
  /* no Select\Current yet: a clear error */
  lua_eval(f, "local v, m, c = reg.get([[HKLM\\SYSTEM\\CurrentControlSet\\Control]], 'x') return c .. '|' .. m", out, sizeof out);
  assert_string_equal(out, "ENOENT|HKLM\\SYSTEM\\Select\\Current is missing: cannot map CurrentControlSet");
  set_text(rt, "HKLM\\SYSTEM\\Select", "Current", "REG_DWORD", "2");
  set_text(rt, "HKLM\\SYSTEM\\ControlSet001\\Services\\obengine", "Start", "REG_DWORD", "4");
  set_text(rt, "HKLM\\SYSTEM\\ControlSet002\\Services\\obengine", "Start", "REG_DWORD", "2");
  lua_eval(f, "return reg.get([[HKLM\\SYSTEM\\currentcontrolset\\Services\\OBENGINE]], 'Start')", out, sizeof out);
  assert_string_equal(out, "2");
  /* writes through CurrentControlSet land in ControlSet002 */
  set_text(rt, "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client",
           "Enabled", "REG_DWORD", "1");
  lua_eval(f, "return reg.get([[HKLM\\SYSTEM\\ControlSet002\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]], 'Enabled')",
           out, sizeof out);
  assert_string_equal(out, "1");
  lua_eval(f, "return reg.exists([[HKLM\\SYSTEM\\ControlSet001\\Control]])", out, sizeof out);
  assert_string_equal(out, "false");
  /* a bad Select\Current */
  set_text(rt, "HKLM\\SYSTEM\\Select", "Current", "REG_SZ", "2");
  assert_int_equal(hive_key_exists(rt, "HKLM\\SYSTEM\\CurrentControlSet", err, sizeof err), -EINVAL);
}

static void test_write_replace_and_delete(void **state) {
  fixture *f = *state;
  char out[512], err[512], p[512];
  struct stat st1, st2;
  int i, old;
  path_in(f, CONFIG "/SOFTWARE", p, sizeof p);
  assert_int_equal(chmod(p, 0640), 0);
  set_text(f->rt, MARS "\\Config", "ScratchLocation", "REG_SZ", "C:\\Old");
  /* held open, the old file's inode cannot be reused by the new file */
  old = open(p, O_RDONLY | O_CLOEXEC);
  assert_true(old >= 0);
  assert_int_equal(fstat(old, &st1), 0);
  /* the cached read handle must not hide the new value */
  lua_eval(f, "return (reg.get([[" MARS "\\Config]], 'ScratchLocation'))", out, sizeof out);
  assert_string_equal(out, "C:\\Old");
  for (i = 0; i < 5; i++) set_text(f->rt, MARS "\\Config", "ScratchLocation", "REG_SZ", "C:\\New");
  lua_eval(f, "return (reg.get([[" MARS "\\Config]], 'ScratchLocation'))", out, sizeof out);
  assert_string_equal(out, "C:\\New");
  assert_int_equal(stat(p, &st2), 0);
  assert_true(st1.st_ino != st2.st_ino);           /* replaced, not rewritten */
  close(old);
  assert_int_equal(st2.st_mode & 07777, 0640);     /* mode kept */
  assert_int_equal(count_named(f, CONFIG, ".tmp"), 0);
  assert_int_equal(count_named(f, CONFIG, "marsplay"), 0);
  /* delete (and deleting an absent value or key is fine) */
  assert_int_equal(hive_delete_value(f->rt, MARS "\\Config", "scratchlocation", err, sizeof err), 0);
  assert_int_equal(hive_delete_value(f->rt, MARS "\\Config", "ScratchLocation", err, sizeof err), 0);
  assert_int_equal(hive_delete_value(f->rt, MARS "\\Nope", "x", err, sizeof err), 0);
  lua_eval(f, "return reg.exists([[" MARS "\\Config]], 'ScratchLocation')", out, sizeof out);
  assert_string_equal(out, "false");
  /* the file still passes hivexsh's own checks */
  run("hivexsh '%s' </dev/null >/dev/null", p);
  assert_int_equal(count_named(f, CONFIG, ".tmp"), 0);
}

static void test_hive_get_and_set_lua(void **state) {
  fixture *f = *state;
  lua_State *L = f->L;
  char err[256], out[256];
  int top = lua_gettop(L);
  /* absent: exactly one nil */
  assert_int_equal(reg_get_lua(L, f->rt, MARS "\\Config", "Multi"), -ENOENT);
  assert_int_equal(lua_gettop(L), top + 1);
  assert_true(lua_isnil(L, -1));
  lua_pop(L, 1);
  /* a table for REG_MULTI_SZ */
  lua_newtable(L);
  lua_pushstring(L, "x"); lua_rawseti(L, -2, 1);
  lua_pushstring(L, "y"); lua_rawseti(L, -2, 2);
  assert_int_equal(reg_set_lua(L, f->rt, MARS "\\Config", "Multi", "REG_MULTI_SZ", -1, err, sizeof err), 0);
  assert_int_equal(lua_gettop(L), top + 1);
  /* a bad item: refused, stack unchanged */
  lua_pushboolean(L, 1); lua_rawseti(L, -2, 2);
  assert_int_equal(reg_set_lua(L, f->rt, MARS "\\Config", "Multi", "REG_MULTI_SZ", -1, err, sizeof err), -EINVAL);
  assert_int_equal(lua_gettop(L), top + 1);
  lua_pop(L, 1);
  lua_pushinteger(L, 7);
  assert_int_equal(reg_set_lua(L, f->rt, MARS "\\Config", "N", "REG_DWORD", -1, err, sizeof err), 0);
  assert_int_equal(reg_set_lua(L, f->rt, MARS "\\Config", "S", "REG_SZ", -1, err, sizeof err), -EINVAL);
  lua_pop(L, 1);
  assert_int_equal(reg_get_lua(L, f->rt, MARS "\\Config", "Multi"), 0);
  assert_true(lua_istable(L, -1));
  lua_pop(L, 1);
  assert_int_equal(lua_gettop(L), top);
  lua_eval(f, "return table.concat(reg.get([[" MARS "\\Config]], 'Multi'), '+') .. reg.get([[" MARS "\\Config]], 'N')",
           out, sizeof out);
  assert_string_equal(out, "x+y7");
}

/* A writer killed at random moments leaves the old or the new hive. */
static void test_killed_writer(void **state) {
  fixture *f = *state;
  char p[512];
  int round;
  path_in(f, CONFIG "/SOFTWARE", p, sizeof p);
  set_text(f->rt, MARS "\\Config", "V", "REG_SZ", "v0");
  srand((unsigned)time(NULL));
  for (round = 0; round < 12; round++) {
    pid_t pid;
    int st;
    hive_h *h;
    hive_node_h n;
    hive_value_h v;
    char *s;
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      mp_runtime *rt = new_rt(f->dir, 1);
      char err[256];
      int i;
      for (i = 0; i < 1000; i++) {
        char val[16];
        snprintf(val, sizeof val, "v%d", i % 2);
        if (hive_put_value(rt, MARS "\\Config", "V", "REG_SZ", val, strlen(val), err, sizeof err) != 0)
          _exit(3);
      }
      _exit(0);
    }
    usleep((useconds_t)(rand() % 20000));
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    h = hivex_open(p, 0);
    assert_non_null(h);
    n = hivex_node_get_child(h, hivex_root(h), "Microsoft");
    n = n ? hivex_node_get_child(h, n, "Windows Azure Backup") : 0;
    n = n ? hivex_node_get_child(h, n, "Config") : 0;
    assert_true(n != 0);
    v = hivex_node_get_value(h, n, "V");
    assert_true(v != 0);
    s = hivex_value_string(h, v);
    assert_non_null(s);
    assert_true(strcmp(s, "v0") == 0 || strcmp(s, "v1") == 0);
    free(s);
    hivex_close(h);
  }
}

static void test_refusals(void **state) {
  fixture *f = *state;
  char p[512], q[512], err[512], out[512];
  unsigned char hdr[512];
  int fd, i;
  path_in(f, CONFIG "/SOFTWARE", p, sizeof p);
  set_text(f->rt, MARS, "A", "REG_SZ", "1");
  /* a dirty hive (sequence numbers differ) is not written */
  fd = open(p, O_RDWR);
  assert_true(fd >= 0);
  assert_int_equal(pread(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
  hdr[8]++;                                        /* secondary sequence */
  memset(hdr + 0x1FC, 0, 4);
  for (i = 0; i < 0x1FC; i++) hdr[0x1FC + i % 4] ^= hdr[i];   /* checksum */
  assert_int_equal(pwrite(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
  close(fd);
  assert_int_equal(hive_put_value(f->rt, MARS, "A", "REG_SZ", "2", 1, err, sizeof err), -EBUSY);
  assert_non_null(strstr(err, "transaction logs"));
  hive_cache_free(f->rt);
  lua_eval(f, "return (reg.get([[" MARS "]], 'A'))", out, sizeof out);   /* still readable */
  assert_string_equal(out, "1");
  hdr[8]--;
  memset(hdr + 0x1FC, 0, 4);
  for (i = 0; i < 0x1FC; i++) hdr[0x1FC + i % 4] ^= hdr[i];
  fd = open(p, O_RDWR);
  assert_int_equal(pwrite(fd, hdr, sizeof hdr, 0), (ssize_t)sizeof hdr);
  close(fd);
  /* a hive that is a link: read through it, never replaced */
  path_in(f, CONFIG "/SOFTWARE.real", q, sizeof q);
  assert_int_equal(rename(p, q), 0);
  assert_int_equal(symlink("SOFTWARE.real", p), 0);
  hive_cache_free(f->rt);
  lua_eval(f, "local ok, v = pcall(reg.get, [[" MARS "]], 'A') return ok and tostring(v) or 'unavailable'",
           out, sizeof out);
  /* without openat2 (old kernels, valgrind) no link is followed at all */
  assert_string_equal(out, have_openat2() ? "1" : "unavailable");
  assert_int_equal(hive_put_value(f->rt, MARS, "A", "REG_SZ", "2", 1, err, sizeof err), -ELOOP);
  /* a link leading out of the root stays inside it (-> missing) */
  assert_int_equal(unlink(p), 0);
  assert_int_equal(symlink("/etc/passwd", p), 0);
  hive_cache_free(f->rt);
  lua_eval(f, "local ok, e = pcall(reg.get, [[" MARS "]], 'A') "
              "return tostring(ok) .. (e:find('hive unavailable', 1, true) and '' or e)", out, sizeof out);
  assert_string_equal(out, "false");      /* an unreadable hive, not a missing key */
  /* a hive file that is missing is never created by a write */
  assert_int_equal(unlink(p), 0);
  assert_int_equal(hive_put_value(f->rt, MARS, "A", "REG_SZ", "2", 1, err, sizeof err), -ENOENT);
  assert_int_equal(access(p, F_OK), -1);
}

static void test_damaged_hives(void **state) {
  fixture *f = *state;
  char p[512], err[512], out[512];
  int i, fd;
  struct stat st;
  unsigned char *orig;
  path_in(f, CONFIG "/SOFTWARE", p, sizeof p);
  for (i = 0; i < 40; i++) {
    char name[32];
    snprintf(name, sizeof name, "Key%02d", i);
    set_text(f->rt, MARS "\\Config", name, "REG_SZ", "some value to make cells");
  }
  assert_int_equal(stat(p, &st), 0);
  orig = malloc((size_t)st.st_size);
  assert_non_null(orig);
  fd = open(p, O_RDONLY);
  assert_int_equal(read(fd, orig, (size_t)st.st_size), st.st_size);
  close(fd);
  /* truncated */
  assert_int_equal(truncate(p, 5000), 0);
  hive_cache_free(f->rt);
  lua_eval(f, "local ok, e = pcall(reg.get, [[" MARS "\\Config]], 'Key01') "
              "return tostring(ok) .. (e:find('not a valid registry hive', 1, true) and '' or e)", out, sizeof out);
  assert_string_equal(out, "false");      /* raised: a damaged hive is not a missing key */
  lua_eval(f, "local ok, why = reg.available() return tostring(ok) .. (why:find('not a valid registry hive') and '+' or '-')",
           out, sizeof out);
  assert_string_equal(out, "false+");
  assert_int_equal(hive_put_value(f->rt, MARS, "A", "REG_SZ", "1", 1, err, sizeof err), -EIO);
  /* an empty file */
  assert_int_equal(truncate(p, 0), 0);
  hive_cache_free(f->rt);
  lua_eval(f, "local ok, e = pcall(reg.keys, [[" MARS "]]) "
              "return tostring(ok) .. (e:find('hive unavailable', 1, true) and '' or e)", out, sizeof out);
  assert_string_equal(out, "false");
  /* bytes flipped all over: never a crash, and reads either work or fail
   * (a hive hivex refuses raises: pcall) */
  srand(12345);
  for (i = 0; i < 300; i++) {
    unsigned char *copy = malloc((size_t)st.st_size);
    int k;
    assert_non_null(copy);
    memcpy(copy, orig, (size_t)st.st_size);
    for (k = 0; k < 1 + i % 8; k++) {
      size_t at = 4096 + (size_t)rand() % ((size_t)st.st_size - 4096);
      copy[at] = (unsigned char)rand();
    }
    fd = open(p, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, copy, (size_t)st.st_size), st.st_size);
    close(fd);
    free(copy);
    hive_cache_free(f->rt);
    lua_eval(f, "local t = {} for _, n in ipairs{'Key00','Key17','Key39'} do "
                "local ok, v, m, c = pcall(reg.get, [[" MARS "\\Config]], n) "
                "t[#t+1] = ok and (v or c) or 'unavailable' end "
                "pcall(reg.values, [[" MARS "\\Config]]) pcall(reg.keys, [[HKLM\\SOFTWARE\\Microsoft]]) "
                "return #t", out, sizeof out);
    assert_string_equal(out, "3");
  }
  free(orig);
}

static void test_live_system(void **state) {
  fixture *f = *state;
  mp_runtime *rt = new_rt(NULL, 0);
  char err[512], why[256];
  char *data;
  size_t len;
  uint32_t t;
  (void)f;
  assert_int_equal(hive_get_raw(rt, MARS, "x", &t, &data, &len, err, sizeof err), -ENOSYS);
  assert_non_null(strstr(err, "no registry on this system"));
  assert_int_equal(hive_put_value(rt, MARS, "x", "REG_SZ", "1", 1, err, sizeof err), -ENOSYS);
  assert_int_equal(hive_available(rt, why, sizeof why), 0);
  assert_non_null(strstr(why, "no Windows registry on a live"));
  free_rt(rt);
}

static void test_utf_conversions(void **state) {
  char *o;
  size_t n;
  (void)state;
  assert_int_equal(hive_utf8_to_utf16le("\xf0\x9f\x98\x80", 4, 1, &o, &n), 0);
  assert_int_equal(n, 6);
  assert_memory_equal(o, "\x3d\xd8\x00\xde\x00\x00", 6);
  free(o);
  assert_int_equal(hive_utf8_to_utf16le("\xc0\xaf", 2, 0, &o, &n), -EILSEQ);      /* overlong */
  assert_int_equal(hive_utf8_to_utf16le("\xed\xa0\x80", 3, 0, &o, &n), -EILSEQ);  /* surrogate */
  assert_int_equal(hive_utf8_to_utf16le("\xe2\x82", 2, 0, &o, &n), -EILSEQ);      /* truncated */
  assert_int_equal(hive_utf16le_to_utf8("\x3d\xd8\x00\xde", 4, &o, &n), 0);
  assert_string_equal(o, "\xf0\x9f\x98\x80");
  free(o);
  assert_int_equal(hive_utf16le_to_utf8("\x00\xdc", 2, &o, &n), -EILSEQ);
  assert_int_equal(hive_utf16le_to_utf8("\x3d\xd8", 2, &o, &n), -EILSEQ);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_utf_conversions),
    cmocka_unit_test_setup_teardown(test_empty_hive, setup, teardown),
    cmocka_unit_test_setup_teardown(test_types_roundtrip, setup, teardown),
    cmocka_unit_test_setup_teardown(test_other_types_and_bad_utf16, setup, teardown),
    cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
    cmocka_unit_test_setup_teardown(test_file_case_and_no_fallback, setup, teardown),
    cmocka_unit_test_setup_teardown(test_current_control_set, setup, teardown),
    cmocka_unit_test_setup_teardown(test_write_replace_and_delete, setup, teardown),
    cmocka_unit_test_setup_teardown(test_hive_get_and_set_lua, setup, teardown),
    cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    cmocka_unit_test_setup_teardown(test_damaged_hives, setup, teardown),
    cmocka_unit_test_setup_teardown(test_live_system, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
