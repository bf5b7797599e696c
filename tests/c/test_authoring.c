/* test_authoring.c - the embedding API of `marsplay check` (mp_check) and
 * of waivers (mp_set_waivers), on playbooks written to a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "marsplay.h"
#include "platform/platform.h"

static char dir[128];

static void write_file(const char *name, const char *text) {
  char path[256];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  assert_non_null(f = fopen(path, "w"));
  assert_true(fputs(text, f) >= 0);
  assert_int_equal(fclose(f), 0);
}

static char *path_of(const char *name) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

static mp_runtime *runtime(void) {
  mp_config cfg = mp_config_default();
  char *err = NULL;
  mp_runtime *rt;
  cfg.lang = "en";
  rt = mp_new(&cfg, &err);
  if (rt == NULL) fail_msg("mp_new: %s", err ? err : "?");
  return rt;
}

static const char FINDING[] =
  "local mp = require 'marsplay'\n"
  "return mp.playbook { id = 'own', title = 'own', checks = {\n"
  "  mp.check { id = 'a', title = 'a', detect = function() return mp.manual { message = 'm' } end },\n"
  "  mp.check { id = 'b', title = 'b', detect = function() return mp.manual { message = 'm' } end },\n"
  "} }\n";

static int setup(void **state) {
  (void)state;
  assert_int_equal(plat_temp_dir("mp_authoring-", dir, sizeof dir), 0);
  write_file("clean.lua", FINDING);
  write_file("bad.lua",
             "local mp = require 'marsplay'\n"
             "return mp.playbook { id = 'bad', title = 'bad', checks = {\n"
             "  mp.check { id = 'x', title = 'x', severity = 'huge',\n"
             "             detect = function() end },\n"
             "} }\n");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  return plat_remove_tree(dir);
}

static const mp_value *problems(const mp_value *r) {
  const mp_value *p = mp_value_get(r, "problems");
  assert_non_null(p);
  assert_int_equal(mp_value_type(p), MP_ARRAY);
  return p;
}

static void test_check(void **state) {
  mp_runtime *rt = runtime();
  mp_value *r;
  const mp_value *p;
  char *err = NULL;
  (void)state;
  r = mp_check(rt, path_of("clean.lua"), &err);
  assert_non_null(r);
  assert_int_equal(mp_value_len(problems(r)), 0);
  assert_string_equal(mp_value_string(mp_value_get(r, "id"), NULL), "own");
  mp_value_free(r);

  r = mp_check(rt, path_of("bad.lua"), &err);
  assert_non_null(r);
  p = problems(r);
  assert_int_equal(mp_value_len(p), 1);
  assert_int_equal((int)mp_value_number(mp_value_get(mp_value_at(p, 0), "line")), 3);
  assert_non_null(strstr(mp_value_string(mp_value_get(mp_value_at(p, 0), "message"), NULL),
                         "unknown severity 'huge'"));
  mp_value_free(r);

  assert_null(mp_check(rt, path_of("absent.lua"), &err));
  assert_non_null(err);
  assert_non_null(strstr(err, "no such playbook"));
  free(err);
  mp_free(rt);
}

static const mp_value *check_of(mp_runtime *rt, const char *id) {
  const mp_value *pb = mp_value_at(mp_value_get(mp_report(rt), "playbooks"), 0);
  const mp_value *checks = mp_value_get(pb, "checks");
  size_t i;
  for (i = 0; i < mp_value_len(checks); i++) {
    const mp_value *c = mp_value_at(checks, i);
    if (strcmp(mp_value_string(mp_value_get(c, "id"), NULL), id) == 0) return c;
  }
  fail_msg("no check %s", id);
  return NULL;
}

static void test_waivers(void **state) {
  mp_runtime *rt = runtime();
  const mp_value *c;
  char *err = NULL;
  (void)state;
  write_file("w.txt", "# known\nown/a | until 2999-12-31 | accepted\n");
  assert_int_equal(mp_set_waivers(rt, path_of("w.txt"), &err), 1);
  assert_null(err);
  assert_int_equal(mp_run(rt, path_of("clean.lua")), MP_EXIT_MANUAL);  /* b is not waived */
  c = check_of(rt, "a");
  assert_string_equal(mp_value_string(mp_value_get(c, "status"), NULL), "waived");
  assert_string_equal(mp_value_string(mp_value_get(c, "waived_status"), NULL), "manual");
  assert_string_equal(mp_value_string(mp_value_get(c, "waiver"), NULL), "accepted");
  assert_string_equal(mp_value_string(mp_value_get(c, "waiver_until"), NULL), "2999-12-31");
  c = check_of(rt, "b");
  assert_string_equal(mp_value_string(mp_value_get(c, "status"), NULL), "manual");
  assert_int_equal((int)mp_value_number(mp_value_get(mp_value_get(mp_report(rt), "summary"), "waived")), 1);
  mp_free(rt);

  rt = runtime();
  write_file("bad.txt", "own/a | fine\nown/b | until 2024-13-01 | bad month\n");
  assert_int_equal(mp_set_waivers(rt, path_of("bad.txt"), &err), -1);
  assert_non_null(err);
  assert_non_null(strstr(err, "bad.txt:2: '2024-13-01' is not a date"));
  free(err);
  mp_free(rt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_check),
    cmocka_unit_test(test_waivers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
