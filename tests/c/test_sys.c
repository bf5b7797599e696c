/* test_sys.c - marsplay.sys: the platform functions behind it (process
 * list, UTC offset, time zone name) and the module in a live and an
 * offline runtime. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testtmp.h"

#include "core/mp_internal.h"

/* This process's name as /proc shows it, read here independently of the
 * code under test (under valgrind it is not "test_sys"). */
static char self_comm[64];

static void read_self(void) {
  FILE *f = fopen("/proc/self/comm", "r");
  assert_non_null(f);
  assert_non_null(fgets(self_comm, sizeof self_comm, f));
  fclose(f);
  self_comm[strcspn(self_comm, "\n")] = '\0';
}

/* ---------- platform: processes ---------- */

static const plat_proc *find_pid(const plat_proc *v, size_t n, long pid) {
  for (size_t i = 0; i < n; i++)
    if (v[i].pid == pid) return &v[i];
  return NULL;
}

static void test_process_list_self(void **state) {
  plat_proc *v = NULL;
  size_t n = 0;
  const plat_proc *me;
  (void)state;
  read_self();
  assert_int_equal(plat_process_list(&v, &n), 0);
  assert_true(n >= 1);
  for (size_t i = 1; i < n; i++) assert_true(v[i - 1].pid < v[i].pid);
  for (size_t i = 0; i < n; i++) {
    assert_true(v[i].pid > 0);
    assert_non_null(v[i].name);
  }
  me = find_pid(v, n, (long)getpid());
  assert_non_null(me);
  assert_string_equal(me->name, self_comm);
  assert_non_null(me->cmdline);
  assert_non_null(strstr(me->cmdline, "test_sys"));
  plat_proc_free(v, n);
  plat_proc_free(NULL, 0);
}

/* Wait (without a deadline) until the child has exec'd sleep. */
static void wait_exec(pid_t pid) {
  char path[64], comm[64];
  struct timespec ts = {0, 2000000};
  snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
  for (;;) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    comm[0] = '\0';
    if (fgets(comm, sizeof comm, f) == NULL) comm[0] = '\0';
    fclose(f);
    if (strcmp(comm, "sleep\n") == 0) return;
    nanosleep(&ts, NULL);
  }
}

static pid_t child_pid = -1;

/* The child is killed here even when an assertion fails. */
static int reap_child(void **state) {
  int status;
  (void)state;
  if (child_pid > 0) {
    kill(child_pid, SIGKILL);
    waitpid(child_pid, &status, 0);
    child_pid = -1;
  }
  return 0;
}

static void test_process_list_child(void **state) {
  plat_proc *v = NULL;
  size_t n = 0;
  const plat_proc *child;
  pid_t pid = fork();
  (void)state;
  assert_true(pid >= 0);
  if (pid == 0) {
    /* never outlive the test, never hold ctest's output pipe open */
    int null = open("/dev/null", O_RDWR);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(126);
    execl("/bin/sleep", "sleep", "120", "--", (char *)NULL);
    _exit(127);
  }
  child_pid = pid;
  wait_exec(pid);
  assert_int_equal(plat_process_list(&v, &n), 0);
  child = find_pid(v, n, (long)pid);
  assert_non_null(child);
  assert_string_equal(child->name, "sleep");
  /* arguments joined by single spaces */
  assert_string_equal(child->cmdline, "sleep 120 --");
  plat_proc_free(v, n);
}

/* ---------- platform: time zone ---------- */

static char *saved_tz;

static int save_tz(void **state) {
  const char *tz = getenv("TZ");
  (void)state;
  saved_tz = tz ? strdup(tz) : NULL;
  return 0;
}

static int restore_tz(void **state) {
  (void)state;
  if (saved_tz) setenv("TZ", saved_tz, 1);
  else unsetenv("TZ");
  free(saved_tz);
  saved_tz = NULL;
  tzset();
  return 0;
}

static long offset_at(const char *tz, double t) {
  long off = 123456789;
  assert_int_equal(setenv("TZ", tz, 1), 0);
  assert_int_equal(plat_utc_offset(t, &off), 0);
  return off;
}

static void test_utc_offset(void **state) {
  long off;
  (void)state;
  /* POSIX TZ strings need no zone files */
  assert_int_equal(offset_at("UTC0", 0), 0);
  assert_int_equal(offset_at("XXX-3:30", 0), 12600);
  assert_int_equal(offset_at("YYY+5", 1e9), -18000);
  /* daylight saving: 2024-01-15 vs 2024-07-15 in a US-style rule */
  assert_int_equal(offset_at("EST5EDT,M3.2.0,M11.1.0", 1705320000.0), -18000);
  assert_int_equal(offset_at("EST5EDT,M3.2.0,M11.1.0", 1721044800.0), -14400);
  assert_int_equal(plat_utc_offset(NAN, &off), -EINVAL);
  assert_int_equal(plat_utc_offset(1e300, &off), -EINVAL);
}

static void test_timezone_env(void **state) {
  char name[64];
  (void)state;
  assert_int_equal(setenv("TZ", ":America/Sao_Paulo", 1), 0);
  assert_int_equal(plat_timezone(name, sizeof name), 0);
  assert_string_equal(name, "America/Sao_Paulo");
  assert_int_equal(setenv("TZ", "/usr/share/zoneinfo/Asia/Tokyo", 1), 0);
  assert_int_equal(plat_timezone(name, sizeof name), 0);
  assert_string_equal(name, "Asia/Tokyo");
  assert_int_equal(setenv("TZ", "Europe/Lisbon", 1), 0);
  assert_int_equal(plat_timezone(name, 4), -ENAMETOOLONG);
  /* without TZ: the host's answer, or a clear "cannot tell" */
  assert_int_equal(unsetenv("TZ"), 0);
  {
    int r = plat_timezone(name, sizeof name);
    assert_true(r == 0 || r == -ENOENT);
    if (r == 0) {
      assert_true(strlen(name) > 0);
      assert_null(strchr(name, '\n'));
    }
  }
}

/* A fake root with etc/ holding what each case needs. */
static void make_root(char *root, size_t rootsz, const char *link, const char *tzfile) {
  char p[512];
  FILE *f;
  assert_int_equal(test_tmpname(root, rootsz, "mp-sys-root"), 0);
  assert_non_null(mkdtemp(root));
  snprintf(p, sizeof p, "%s/etc", root);
  assert_int_equal(mkdir(p, 0755), 0);
  if (link) {
    snprintf(p, sizeof p, "%s/etc/localtime", root);
    assert_int_equal(symlink(link, p), 0);
  }
  if (tzfile) {
    snprintf(p, sizeof p, "%s/etc/timezone", root);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(tzfile, f);
    assert_int_equal(fclose(f), 0);
  }
}

static void remove_root(const char *root) {
  char p[512];
  snprintf(p, sizeof p, "%s/etc/localtime", root);
  unlink(p);
  snprintf(p, sizeof p, "%s/etc/timezone", root);
  unlink(p);
  snprintf(p, sizeof p, "%s/etc", root);
  assert_int_equal(rmdir(p), 0);
  assert_int_equal(rmdir(root), 0);
}

static void expect_zone(const char *link, const char *tzfile, int want_r, const char *want) {
  char root[128], name[64];
  make_root(root, sizeof root, link, tzfile);
  assert_int_equal(plat_timezone_files(root, name, sizeof name), want_r);
  if (want != NULL) assert_string_equal(name, want);
  remove_root(root);
}

static void test_timezone_files(void **state) {
  char root[128], name[8];
  (void)state;
  /* the localtime link (dangling is fine: only its text matters) */
  expect_zone("../usr/share/zoneinfo/America/Sao_Paulo", NULL, 0, "America/Sao_Paulo");
  expect_zone("/usr/share/zoneinfo/posix/Europe/Lisbon", "Etc/UTC\n", 0, "Europe/Lisbon");
  /* /etc/timezone when there is no usable link */
  expect_zone(NULL, "  Asia/Tokyo \n", 0, "Asia/Tokyo");
  expect_zone("/etc/elsewhere", "Africa/Maputo\r\n", 0, "Africa/Maputo");
  /* nothing to tell */
  expect_zone(NULL, NULL, -ENOENT, NULL);
  expect_zone(NULL, "\n", -ENOENT, NULL);
  expect_zone("/usr/share/zoneinfo/", NULL, -ENOENT, NULL);
  /* a name that does not fit */
  make_root(root, sizeof root, "/usr/share/zoneinfo/America/Argentina/Buenos_Aires", NULL);
  assert_int_equal(plat_timezone_files(root, name, sizeof name), -ENAMETOOLONG);
  remove_root(root);
}

/* ---------- the Lua module in a runtime ---------- */

static mp_runtime *runtime(const char *root) {
  mp_config cfg = mp_config_default();
  char *err = NULL;
  mp_runtime *rt;
  cfg.root = root;
  rt = mp_new(&cfg, &err);
  if (rt == NULL) fail_msg("mp_new: %s", err ? err : "?");
  luaL_requiref(rt->L, "sys", mp_open_sys, 1);
  lua_pop(rt->L, 1);
  return rt;
}

static void run(mp_runtime *rt, const char *code) {
  if (luaL_dostring(rt->L, code) != LUA_OK) fail_msg("Lua: %s", lua_tostring(rt->L, -1));
}

static void test_lua_live(void **state) {
  mp_runtime *rt;
  char code[2048], host[256];
  (void)state;
  read_self();
  assert_int_equal(gethostname(host, sizeof host), 0);
  host[sizeof host - 1] = '\0';
  assert_int_equal(setenv("MP_TEST_SYS_VAR", "v=1 2", 1), 0);
  rt = runtime(NULL);
  snprintf(code, sizeof code,
    "assert(sys.live() == true and sys.root() == nil)\n"
    "assert(sys.platform() == 'linux')\n"
    "assert(math.abs(sys.now() - %.0f) < 86400)\n"
    "assert(math.type(sys.now()) == 'float')\n"
    "assert(sys.hostname() == '%s')\n"
    "assert(sys.env('MP_TEST_SYS_VAR') == 'v=1 2')\n"
    "assert(sys.env('MP_TEST_SYS_UNSET_VAR') == nil)\n"
    "local me\n"
    "for _, p in ipairs(sys.processes()) do if p.pid == %ld then me = p end end\n"
    "assert(me and me.name == '%s' and me.cmdline:find('test_sys', 1, true))\n"
    "assert(math.type(sys.utc_offset()) == 'integer' and math.type(sys.utc_offset(0)) == 'integer')\n"
    "local tz, msg, code = sys.timezone()\n"
    "assert(type(tz) == 'string' and #tz > 0 or (tz == nil and code == 'ENOENT' and msg:find('time zone')))\n"
    "assert(not pcall(sys.env))\n",
    (double)time(NULL), host, (long)getpid(), self_comm);
  run(rt, code);
  mp_free(rt);
  unsetenv("MP_TEST_SYS_VAR");
}

static void test_lua_offline(void **state) {
  mp_runtime *rt;
  char root[128], real[PATH_MAX], code[PATH_MAX + 1024];
  (void)state;
  assert_int_equal(test_tmpname(root, sizeof root, "mp-sys-vol"), 0);
  assert_non_null(mkdtemp(root));
  assert_non_null(realpath(root, real));
  rt = runtime(root);
  snprintf(code, sizeof code,
    "assert(sys.live() == false and sys.root() == '%s')\n"
    "for _, f in ipairs{'hostname', 'processes', 'timezone'} do\n"
    "  local v, msg, code = sys[f]()\n"
    "  assert(v == nil and code == 'EOPNOTSUPP' and msg:find('^sys%%.' .. f .. ': not available offline'), msg)\n"
    "end\n"
    "local v, msg, code = sys.env('HOME')\n"
    "assert(v == nil and code == 'EOPNOTSUPP' and msg:find('not available offline'))\n"
    "assert(type(sys.now()) == 'number' and sys.platform() == 'linux')\n"
    "assert(math.type(sys.utc_offset()) == 'integer')\n",
    real);
  run(rt, code);
  mp_free(rt);
  assert_int_equal(rmdir(root), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_process_list_self),
    cmocka_unit_test_teardown(test_process_list_child, reap_child),
    cmocka_unit_test_setup_teardown(test_utc_offset, save_tz, restore_tz),
    cmocka_unit_test_setup_teardown(test_timezone_env, save_tz, restore_tz),
    cmocka_unit_test(test_timezone_files),
    cmocka_unit_test(test_lua_live),
    cmocka_unit_test(test_lua_offline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
