/* test_change.c - platform.h's changes at a folder handle (the
 * remediation API's creates, removes, renames, flushes and permission
 * changes) on real files in a temporary folder.  Portable: on Linux the
 * POSIX backend, on Windows the Win32 one (run under Wine by ctest). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

static char top[1024];
static plat_fd root = PLAT_FD_NONE;

static int setup(void **s) {
  (void)s;
  if (plat_temp_dir("mp-change-", top, sizeof top) != 0) return -1;
  return plat_root_open(top, &root);
}

static int teardown(void **s) {
  (void)s;
  plat_close(root);
  return plat_remove_tree(top);
}

/* A new file name in dir holding text; its handle closed. */
static void make_file(plat_fd dir, const char *name, const char *text) {
  plat_fd fd = plat_create_at(dir, name, 0644);
  assert_true(fd >= 0);
  assert_int_equal(plat_pwrite(fd, text, strlen(text), 0), 0);
  assert_int_equal(plat_sync(fd), 0);
  assert_int_equal(plat_close(fd), 0);
}

static void expect_text(plat_fd dir, const char *name, const char *text) {
  char buf[64];
  long n;
  plat_fd fd = plat_open_at(dir, name, PLAT_OPEN_READ | PLAT_OPEN_NOFOLLOW);
  assert_true(fd >= 0);
  n = plat_read(fd, buf, sizeof buf - 1);
  plat_close(fd);
  assert_true(n >= 0);
  buf[n] = '\0';
  assert_string_equal(buf, text);
}

static void t_create_and_remove(void **s) {
  plat_stat st;
  (void)s;
  make_file(root, "a.txt", "one");
  assert_int_equal(plat_create_at(root, "a.txt", 0644), -PLAT_EEXIST);  /* never reused */
  expect_text(root, "a.txt", "one");
  assert_int_equal(plat_remove_at(root, "a.txt", 1), -PLAT_ENOTDIR);    /* a file, not a folder */
  assert_int_equal(plat_remove_at(root, "a.txt", 0), 0);
  assert_int_equal(plat_statat(root, "a.txt", &st), -PLAT_ENOENT);
  assert_int_equal(plat_remove_at(root, "a.txt", 0), -PLAT_ENOENT);
}

static void t_folders(void **s) {
  plat_stat st;
  plat_fd d;
  (void)s;
  assert_int_equal(plat_mkdir_at(root, "d", 0755), 0);
  assert_int_equal(plat_mkdir_at(root, "d", 0755), -PLAT_EEXIST);
  assert_int_equal(plat_statat(root, "d", &st), 0);
  assert_int_equal(st.type, PLAT_T_DIR);
  assert_true((d = plat_open_dir_at(root, "d")) >= 0);
  make_file(d, "in", "x");
  assert_int_equal(plat_sync(d), 0);                     /* a folder: flushed or nothing to do */
  assert_int_equal(plat_remove_at(root, "d", 1), -PLAT_ENOTEMPTY);
  assert_int_equal(plat_remove_at(d, "in", 0), 0);
  plat_close(d);
  assert_int_equal(plat_remove_at(root, "d", 1), 0);
  assert_int_equal(plat_statat(root, "d", &st), -PLAT_ENOENT);
}

static void t_rename(void **s) {
  plat_fd d;
  plat_stat st;
  (void)s;
  make_file(root, "src", "new");
  make_file(root, "dst", "old");
  /* never replacing: the taken name keeps its content */
  assert_int_equal(plat_rename_at(root, "src", root, "dst", 0), -PLAT_EEXIST);
  expect_text(root, "dst", "old");
  expect_text(root, "src", "new");
  /* replacing: the name holds the new file */
  assert_int_equal(plat_rename_at(root, "src", root, "dst", 1), 0);
  expect_text(root, "dst", "new");
  assert_int_equal(plat_statat(root, "src", &st), -PLAT_ENOENT);
  /* into another folder of the same volume */
  assert_int_equal(plat_mkdir_at(root, "sub", 0755), 0);
  assert_true((d = plat_open_dir_at(root, "sub")) >= 0);
  assert_int_equal(plat_rename_at(root, "dst", d, "moved", 0), 0);
  expect_text(d, "moved", "new");
  assert_int_equal(plat_statat(root, "dst", &st), -PLAT_ENOENT);
  assert_int_equal(plat_rename_at(root, "absent", d, "x", 0), -PLAT_ENOENT);
  assert_int_equal(plat_remove_at(d, "moved", 0), 0);
  plat_close(d);
  assert_int_equal(plat_remove_at(root, "sub", 1), 0);
}

static void t_set_mode(void **s) {
  plat_fd look, fd;
  plat_stat st;
  int r;
  (void)s;
  make_file(root, "m", "m");
  look = plat_open_at(root, "m", PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  assert_true(look >= 0);
  r = plat_set_mode(root, "m", look, 0600);
  if (strcmp(plat_name(), "windows") == 0) {
    assert_int_equal(r, -PLAT_EOPNOTSUPP);               /* ACLs there, said so */
  } else {
    assert_int_equal(r, 0);                              /* through a look-only handle */
    assert_int_equal(plat_fstat(look, &st), 0);
    assert_int_equal(st.mode & 07777, 0600);
    fd = plat_open_at(root, "m", PLAT_OPEN_READ | PLAT_OPEN_NOFOLLOW);
    assert_true(fd >= 0);
    assert_int_equal(plat_set_mode(root, "m", fd, 0640), 0);   /* a data handle */
    assert_int_equal(plat_fstat(fd, &st), 0);
    assert_int_equal(st.mode & 07777, 0640);
    plat_close(fd);
  }
  plat_close(look);
  assert_int_equal(plat_remove_at(root, "m", 0), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(t_create_and_remove),
    cmocka_unit_test(t_folders),
    cmocka_unit_test(t_rename),
    cmocka_unit_test(t_set_mode),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
