/* test_target.c - playbook paths to paths inside the target root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testtmp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mp_internal.h"

static char root[256], outside[256];

static void mk(const char *rel, int dir) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  if (dir) assert_int_equal(mkdir(p, 0755), 0);
  else {
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(rel, f);
    fclose(f);
  }
}

static void link_at(const char *rel, const char *target) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state) {
  mp_config cfg = mp_config_default();
  char *err = NULL;
  mp_runtime *rt;
  char secret[300];
  FILE *f;
  assert_int_equal(test_tmpname(root, sizeof root, "mp-target"), 0);
  assert_non_null(mkdtemp(root));
  assert_int_equal(test_tmpname(outside, sizeof outside, "mp-outside"), 0);
  assert_non_null(mkdtemp(outside));
  snprintf(secret, sizeof secret, "%s/secret.txt", outside);
  f = fopen(secret, "w");
  assert_non_null(f);
  fputs("outside", f);
  fclose(f);
  mk("Program Files", 1);
  mk("Program Files/Microsoft Azure Recovery Services Agent", 1);
  mk("Program Files/Microsoft Azure Recovery Services Agent/Scratch", 1);
  mk("Program Files/Microsoft Azure Recovery Services Agent/Scratch/OnlineBackup.KEK", 0);
  mk("Windows", 1);
  mk("etc", 1);
  mk("etc/secret.txt", 0);                   /* the in-root look-alike */
  link_at("abs-link", outside);              /* absolute: must stay inside */
  link_at("rel-link", "../../../../../../../..");
  link_at("Windows/up", "../..");
  cfg.root = root;
  rt = mp_new(&cfg, &err);
  if (rt == NULL) fprintf(stderr, "mp_new: %s\n", err ? err : "?");
  assert_non_null(rt);
  *state = rt;
  return 0;
}

static int teardown(void **state) {
  char cmd[600];
  mp_free(*state);
  snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", root, outside);
  return system(cmd) == 0 ? 0 : -1;
}

static void expect_rel(mp_runtime *rt, const char *path, const char *want) {
  char rel[MP_PATH_MAX];
  assert_int_equal(mp_target_rel(rt, path, rel, sizeof rel), 0);
  assert_string_equal(rel, want);
}

static void windows_forms(void **state) {
  mp_runtime *rt = *state;
  expect_rel(rt, "C:\\Program Files\\Microsoft Azure Recovery Services Agent\\Scratch",
             "Program Files/Microsoft Azure Recovery Services Agent/Scratch");
  expect_rel(rt, "c:/program files/", "Program Files");
  expect_rel(rt, "\\\\?\\C:\\Windows", "Windows");
  expect_rel(rt, "/Windows/./x/../", "Windows");
  expect_rel(rt, "C:\\", "");
  expect_rel(rt, "Windows\\Temp", "Windows/Temp");
}

static void case_insensitive(void **state) {
  mp_runtime *rt = *state;
  expect_rel(rt, "C:\\PROGRAM FILES\\microsoft azure recovery services agent\\SCRATCH\\onlinebackup.kek",
             "Program Files/Microsoft Azure Recovery Services Agent/Scratch/OnlineBackup.KEK");
  /* a missing tail keeps the spelling given, after the resolved part */
  expect_rel(rt, "C:\\program files\\Nope\\Deeper", "Program Files/Nope/Deeper");
}

static void other_drives_refused(void **state) {
  mp_runtime *rt = *state;
  char rel[MP_PATH_MAX];
  assert_int_equal(mp_target_rel(rt, "D:\\Scratch", rel, sizeof rel), -EXDEV);
  assert_int_equal(mp_target_rel(rt, "\\\\server\\share\\x", rel, sizeof rel), -EXDEV);
  assert_int_equal(mp_target_rel(rt, "C:\\file.txt:stream", rel, sizeof rel), -EINVAL);
}

static void dotdot_never_leaves(void **state) {
  mp_runtime *rt = *state;
  expect_rel(rt, "C:\\..\\..\\..\\etc\\secret.txt", "etc/secret.txt");
  expect_rel(rt, "../../../..", "");
}

static void read_all_fd(int fd, char *buf, size_t n) {
  ssize_t r = read(fd, buf, n - 1);
  assert_true(r >= 0);
  buf[r] = '\0';
  close(fd);
}

static void links_stay_inside(void **state) {
  mp_runtime *rt = *state;
  char buf[64];
  int fd;
  /* abs-link -> /tmp/mp-outside-...: resolved inside root, where that
   * path does not exist */
  fd = mp_target_open(rt, "C:\\abs-link\\secret.txt", PLAT_OPEN_READ);
  assert_true(fd < 0);
  /* rel-link -> ../../..: clamps at the root, so etc/secret.txt is the
   * in-root file, never /etc or the outside folder */
  fd = mp_target_open(rt, "C:\\rel-link\\etc\\secret.txt", PLAT_OPEN_READ);
  assert_true(fd >= 0);
  read_all_fd(fd, buf, sizeof buf);
  assert_string_equal(buf, "etc/secret.txt");
  fd = mp_target_open(rt, "C:\\Windows\\up\\etc\\secret.txt", PLAT_OPEN_READ);
  assert_true(fd >= 0);
  read_all_fd(fd, buf, sizeof buf);
  assert_string_equal(buf, "etc/secret.txt");
}

static void display_and_host(void **state) {
  mp_runtime *rt = *state;
  char out[MP_PATH_MAX], want[MP_PATH_MAX];
  mp_target_display("Program Files/X", out, sizeof out);
  assert_string_equal(out, "C:\\Program Files\\X");
  assert_int_equal(mp_target_host(rt, "Windows/Temp", out, sizeof out), 0);
  snprintf(want, sizeof want, "%s/Windows/Temp", rt->root);
  assert_string_equal(out, want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(windows_forms),
    cmocka_unit_test(case_insensitive),
    cmocka_unit_test(other_drives_refused),
    cmocka_unit_test(dotdot_never_leaves),
    cmocka_unit_test(links_stay_inside),
    cmocka_unit_test(display_and_host),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
