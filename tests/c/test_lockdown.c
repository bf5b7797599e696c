/* test_lockdown.c - the kernel half of dry-run: after mp_lockdown, even
 * native code that bypasses the remediation API (a host function calling
 * open(2), unlink(2), ... directly) cannot change any file.
 *
 * mp_lockdown restricts the whole process for good, so each case runs in
 * a forked child; the child reports through its exit status (0 ok,
 * 77 Landlock unavailable, else the number of the failed step).  The
 * same playbook run before the lockdown does change things: the test
 * can tell a working sandbox from a broken one.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <lua.h>
#include <lauxlib.h>

#include "marsplay.h"
#include "core/value.h"

#define SKIP_CODE 77

static char dir[256];

/* host.try(op, path [, path2]) -> errno of the plain system call (0 ok) */
static int host_try(lua_State *L) {
  const char *op = luaL_checkstring(L, 1), *p = luaL_checkstring(L, 2);
  const char *p2 = luaL_optstring(L, 3, NULL);
  int r = -1, fd;
  errno = 0;
  if (strcmp(op, "create") == 0) {
    fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) { r = (int)write(fd, "x", 1) == 1 ? 0 : -1; close(fd); }
  } else if (strcmp(op, "write") == 0) {
    fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) { r = (int)write(fd, "replaced", 8) == 8 ? 0 : -1; close(fd); }
  } else if (strcmp(op, "unlink") == 0) {
    r = unlink(p);
  } else if (strcmp(op, "rename") == 0) {
    r = rename(p, p2);
  } else if (strcmp(op, "mkdir") == 0) {
    r = mkdir(p, 0755);
  } else if (strcmp(op, "rmdir") == 0) {
    r = rmdir(p);
  } else if (strcmp(op, "symlink") == 0) {
    r = symlink(p2, p);
  } else if (strcmp(op, "link") == 0) {
    r = link(p2, p);
  } else if (strcmp(op, "truncate") == 0) {
    r = truncate(p, 0);
  } else {
    return luaL_error(L, "unknown op %s", op);
  }
  lua_pushinteger(L, r == 0 ? 0 : errno ? errno : EIO);
  return 1;
}

/* A playbook with one check per operation; each check's evidence holds
 * the errno its call gave. */
static const char PLAYBOOK[] =
  "local mp = require 'marsplay'\n"
  "local host = require 'marsplay.host'\n"
  "local D = '%s'\n"
  "local ops = {\n"
  "  { 'create', D .. '/new.txt' },\n"
  "  { 'write', D .. '/existing.txt' },\n"
  "  { 'unlink', D .. '/victim.txt' },\n"
  "  { 'rename', D .. '/moved.txt', D .. '/moved-away.txt' },\n"
  "  { 'mkdir', D .. '/newdir' },\n"
  "  { 'rmdir', D .. '/emptydir' },\n"
  "  { 'symlink', D .. '/newlink', '/etc/passwd' },\n"
  "  { 'link', D .. '/hardlink', D .. '/existing.txt' },\n"
  "  { 'truncate', D .. '/trunc.txt' },\n"
  "}\n"
  "local checks = {}\n"
  "for _, o in ipairs(ops) do\n"
  "  checks[#checks + 1] = mp.check { id = o[1], detect = function()\n"
  "    return mp.pass({ errno = host.try(o[1], o[2], o[3]) })\n"
  "  end }\n"
  "end\n"
  "return mp.playbook { id = 'lockdown', checks = checks }\n";

static const char *const OPS[] = {
  "create", "write", "unlink", "rename", "mkdir", "rmdir", "symlink", "link", "truncate", NULL};

static int write_file(const char *name, const char *text) {
  char p[512];
  FILE *f;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  if ((f = fopen(p, "w")) == NULL) return -1;
  fputs(text, f);
  return fclose(f);
}

static void make_fixture(void) {
  char p[512], pb[4096];
  snprintf(dir, sizeof dir, "%s/marsplay-lockdown.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  assert_non_null(mkdtemp(dir));
  snprintf(pb, sizeof pb, PLAYBOOK, dir);
  assert_int_equal(write_file("lockdown.lua", pb), 0);
  assert_int_equal(write_file("existing.txt", "original"), 0);
  assert_int_equal(write_file("victim.txt", "keep me"), 0);
  assert_int_equal(write_file("moved.txt", "stay"), 0);
  assert_int_equal(write_file("trunc.txt", "full"), 0);
  snprintf(p, sizeof p, "%s/emptydir", dir);
  assert_int_equal(mkdir(p, 0755), 0);
}

static void remove_fixture(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* errno recorded by check id in the report, or -1. */
static int errno_of(mp_runtime *rt, const char *id) {
  const mp_value *pbs = mp_value_get(mp_report(rt), "playbooks"), *checks;
  size_t i;
  if (pbs == NULL || mp_value_len(pbs) != 1) return -1;
  checks = mp_value_get(mp_value_at(pbs, 0), "checks");
  for (i = 0; checks && i < mp_value_len(checks); i++) {
    const mp_value *c = mp_value_at(checks, i);
    const mp_value *cid = mp_value_get(c, "id"), *ev = mp_value_get(c, "evidence");
    if (cid && strcmp(mp_value_string(cid, NULL), id) == 0 && ev && mp_value_get(ev, "errno"))
      return (int)mp_value_number(mp_value_get(ev, "errno"));
  }
  return -1;
}

static mp_runtime *new_runtime(int dry) {
  mp_config cfg = mp_config_default();
  char *err = NULL;
  mp_runtime *rt;
  cfg.root = dir;
  cfg.dry_run = dry;
  cfg.lang = "en";
  rt = mp_new(&cfg, &err);
  if (rt == NULL) { fprintf(stderr, "mp_new: %s\n", err ? err : "?"); free(err); return NULL; }
  if (mp_register(rt, "try", host_try) != 0) { mp_free(rt); return NULL; }
  return rt;
}

static int run_playbook(mp_runtime *rt) {
  char p[512];
  snprintf(p, sizeof p, "%s/lockdown.lua", dir);
  return mp_run(rt, p);
}

static int file_is(const char *name, const char *want) {
  char p[512], buf[64];
  FILE *f;
  size_t n;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  if ((f = fopen(p, "r")) == NULL) return want == NULL;
  n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return want != NULL && strcmp(buf, want) == 0;
}

/* Child: lock down, run the playbook, check every call failed with
 * EACCES and an already open file stays writable. */
static int child_locked(void) {
  mp_runtime *rt = new_runtime(1);
  const mp_value *sb, *kernel;
  char p[512];
  int i, fd;
  if (rt == NULL) return 1;
  snprintf(p, sizeof p, "%s/report.out", dir);
  if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) return 2;
  if (!mp_lockdown(rt)) { mp_free(rt); close(fd); return SKIP_CODE; }
  sb = mp_value_get(mp_report(rt), "sandbox");
  kernel = sb ? mp_value_get(sb, "kernel") : NULL;
  if (kernel == NULL || strcmp(mp_value_string(kernel, NULL), "landlock") != 0) return 3;
  run_playbook(rt);
  for (i = 0; OPS[i]; i++) {
    int e = errno_of(rt, OPS[i]);
    if (e != EACCES) {
      fprintf(stderr, "after mp_lockdown, %s gave errno %d (%s), expected EACCES\n",
              OPS[i], e, e > 0 ? strerror(e) : "no result");
      mp_free(rt);
      return 10 + i;
    }
  }
  if (write(fd, "report", 6) != 6) return 4;       /* open before: still writable */
  if (close(fd) != 0) return 5;
  mp_free(rt);
  return 0;
}

/* Child: the same playbook without the lockdown really changes files. */
static int child_unlocked(void) {
  mp_runtime *rt = new_runtime(1);
  int i;
  if (rt == NULL) return 1;
  run_playbook(rt);
  for (i = 0; OPS[i]; i++) {
    int e = errno_of(rt, OPS[i]);
    if (e != 0) {
      fprintf(stderr, "without lockdown, %s gave errno %d\n", OPS[i], e);
      mp_free(rt);
      return 10 + i;
    }
  }
  mp_free(rt);
  return 0;
}

static int in_child(int (*fn)(void)) {
  int st;
  pid_t pid;
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) _exit(fn());
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  return WEXITSTATUS(st);
}

static void test_lockdown_blocks_host_writes(void **state) {
  int code;
  (void)state;
  make_fixture();
  code = in_child(child_locked);
  if (code == SKIP_CODE) {
    remove_fixture();
    fprintf(stderr, "SKIP: Landlock is not available in this kernel; "
            "dry-run is then enforced by marsplay only\n");
    skip();
  }
  assert_int_equal(code, 0);
  /* nothing changed on disk */
  assert_true(file_is("existing.txt", "original"));
  assert_true(file_is("victim.txt", "keep me"));
  assert_true(file_is("moved.txt", "stay"));
  assert_true(file_is("trunc.txt", "full"));
  assert_true(file_is("new.txt", NULL));
  assert_true(file_is("moved-away.txt", NULL));
  assert_true(file_is("report.out", "report"));
  remove_fixture();
}

static void test_control_without_lockdown(void **state) {
  (void)state;
  make_fixture();
  assert_int_equal(in_child(child_unlocked), 0);
  assert_true(file_is("existing.txt", "replaced"));
  assert_true(file_is("victim.txt", NULL));
  assert_true(file_is("moved-away.txt", "stay"));
  assert_true(file_is("new.txt", "x"));
  remove_fixture();
}

/* The lockdown is per process: the parent (this test) still writes. */
static void test_parent_unaffected(void **state) {
  (void)state;
  make_fixture();
  (void)in_child(child_locked);
  assert_int_equal(write_file("after.txt", "parent"), 0);
  assert_true(file_is("after.txt", "parent"));
  remove_fixture();
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_control_without_lockdown),
    cmocka_unit_test(test_lockdown_blocks_host_writes),
    cmocka_unit_test(test_parent_unaffected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
