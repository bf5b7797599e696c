/* test_engine.c - the runtime through its public API: statuses and exit
 * codes, limits, the sandbox, callbacks, host functions, parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marsplay.h"
#include "platform/platform.h"
#include <lua.h>
#include <lauxlib.h>

static char dir[128];

static const char *write_pb(const char *name, const char *body) {
  static char path[256];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s.lua", dir, name);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(body, f);
  fclose(f);
  return path;
}

static mp_runtime *new_rt(mp_config *cfg) {
  char *err = NULL;
  mp_runtime *rt;
  cfg->root = dir;
  rt = mp_new(cfg, &err);
  if (rt == NULL) fprintf(stderr, "mp_new: %s\n", err ? err : "?");
  free(err);
  assert_non_null(rt);
  return rt;
}

static const mp_value *check_of(mp_runtime *rt, size_t pb, const char *id) {
  const mp_value *pbs = mp_value_get(mp_report(rt), "playbooks");
  const mp_value *checks = mp_value_get(mp_value_at(pbs, pb), "checks");
  size_t i;
  for (i = 0; i < mp_value_len(checks); i++) {
    const mp_value *c = mp_value_at(checks, i);
    if (strcmp(mp_value_string(mp_value_get(c, "id"), NULL), id) == 0) return c;
  }
  fail_msg("no check %s", id);
  return NULL;
}

static const char *status_of(mp_runtime *rt, size_t pb, const char *id) {
  return mp_value_string(mp_value_get(check_of(rt, pb, id), "status"), NULL);
}

static int setup(void **state) {
  (void)state;
  return plat_temp_dir("mp-engine-", dir, sizeof dir) == 0 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  return plat_remove_tree(dir) == 0 ? 0 : -1;
}

#define PB_HEAD "local mp = require 'marsplay'\nreturn mp.playbook { id = 'p', checks = {\n"
#define PB_TAIL "}}\n"

static void exit_codes(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  (void)state;
  rt = new_rt(&cfg);
  assert_int_equal(mp_run(rt, write_pb("ok", PB_HEAD
    "mp.check { id = 'a', detect = function() return mp.pass() end },\n" PB_TAIL)), 0);
  assert_int_equal(mp_run(rt, write_pb("manual", PB_HEAD
    "mp.check { id = 'm', detect = function() return mp.manual { message = 'x' } end },\n" PB_TAIL)), 3);
  assert_int_equal(mp_exit_code(rt), 3);
  assert_int_equal(mp_run(rt, write_pb("err", PB_HEAD
    "mp.check { id = 'e', detect = function() error('boom') end },\n" PB_TAIL)), 1);
  /* 1 always wins, even over a higher code that follows */
  assert_int_equal(mp_run(rt, write_pb("fixfail", PB_HEAD
    "mp.check { id = 'f', detect = function() return mp.finding { message = 'bad' } end,\n"
    "  fix = function() end },\n" PB_TAIL)), 4);
  assert_string_equal(status_of(rt, 3, "f"), "fix-failed");
  assert_int_equal(mp_exit_code(rt), 1);
  mp_free(rt);
}

static void dry_run_plans(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  const mp_value *actions, *a;
  (void)state;
  cfg.dry_run = 1;
  rt = new_rt(&cfg);
  assert_int_equal(mp_run(rt, write_pb("plan", PB_HEAD
    "mp.check { id = 'w', detect = function() return mp.finding { message = 'missing' } end,\n"
    "  fix = function() mp.fix.write('C:\\\\new.txt', 'hello') end },\n" PB_TAIL)), 2);
  assert_string_equal(status_of(rt, 0, "w"), "planned");
  actions = mp_value_get(check_of(rt, 0, "w"), "actions");
  assert_int_equal(mp_value_len(actions), 1);
  a = mp_value_at(actions, 0);
  assert_string_equal(mp_value_string(mp_value_get(a, "state"), NULL), "planned");
  assert_string_equal(mp_value_string(mp_value_get(a, "kind"), NULL), "write");
  assert_string_equal(mp_value_string(mp_value_get(a, "target"), NULL), "C:\\new.txt");
  {
    char p[256];
    snprintf(p, sizeof p, "%s/new.txt", dir);
    assert_int_equal(plat_exists(p), 0);   /* nothing written */
  }
  mp_free(rt);
}

static void apply_fixes_and_verifies(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  (void)state;
  rt = new_rt(&cfg);
  assert_int_equal(mp_run(rt, write_pb("apply", PB_HEAD
    "mp.check { id = 'w', detect = function()\n"
    "    if mp.fs.exists('C:\\\\made.txt') then return mp.pass() end\n"
    "    return mp.finding { message = 'missing' } end,\n"
    "  fix = function() mp.fix.write('C:\\\\made.txt', 'hello') end },\n" PB_TAIL)), 0);
  assert_string_equal(status_of(rt, 0, "w"), "fixed");
  assert_true(mp_value_bool(mp_value_get(check_of(rt, 0, "w"), "verified")));
  /* second run: nothing to do */
  assert_int_equal(mp_run(rt, write_pb("apply", PB_HEAD
    "mp.check { id = 'w', detect = function()\n"
    "    if mp.fs.exists('C:\\\\made.txt') then return mp.pass() end\n"
    "    return mp.finding { message = 'missing' } end,\n"
    "  fix = function() mp.fix.write('C:\\\\made.txt', 'hello') end },\n" PB_TAIL)), 0);
  assert_string_equal(status_of(rt, 1, "w"), "pass");
  mp_free(rt);
}

static void limits(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  const char *reason;
  (void)state;
  cfg.timeout = 0.3;
  cfg.mem_limit = (size_t)32 << 20;
  rt = new_rt(&cfg);
  mp_run(rt, write_pb("limits", PB_HEAD
    "mp.check { id = 'spin', detect = function() while true do end end },\n"
    "mp.check { id = 'hog', detect = function() local t = {} for i = 1, 1e9 do t[i] = {i} end end },\n"
    "mp.check { id = 'after', detect = function() return mp.pass() end },\n" PB_TAIL));
  assert_string_equal(status_of(rt, 0, "spin"), "error");
  reason = mp_value_string(mp_value_get(check_of(rt, 0, "spin"), "reason"), NULL);
  assert_non_null(strstr(reason, "time budget"));
  assert_string_equal(status_of(rt, 0, "hog"), "error");
  reason = mp_value_string(mp_value_get(check_of(rt, 0, "hog"), "reason"), NULL);
  assert_true(strstr(reason, "memory cap") != NULL || strstr(reason, "time budget") != NULL);
  assert_string_equal(status_of(rt, 0, "after"), "pass");
  mp_free(rt);
}

static void syntax_error_has_file_line(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  const mp_value *pb;
  const char *e;
  (void)state;
  rt = new_rt(&cfg);
  assert_int_equal(mp_run(rt, write_pb("broken", "local a = 1\nlocal b = a\nreturn { id = = b }\n")), 1);
  pb = mp_value_at(mp_value_get(mp_report(rt), "playbooks"), 0);
  e = mp_value_string(mp_value_get(pb, "error"), NULL);
  assert_non_null(e);
  assert_non_null(strstr(e, "broken.lua:3:"));
  mp_free(rt);
}

/* Modules are compiled once per runtime, but a module changed between two
 * runs (same size, same second) is read again; a runtime error in a
 * module loaded from the compiled copy still names file:line. */
static void changed_module_is_reloaded(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  const char *path, *e;
  char uses[256];
  (void)state;
  rt = new_rt(&cfg);
  write_pb("helper", "return 'one'\n");
  snprintf(uses, sizeof uses, "%s", write_pb("uses", "local h = require 'helper'\n" PB_HEAD
    "mp.check { id = 'a', detect = function() if h == 'two' then return mp.pass() end\n"
    "  return mp.finding { message = h } end },\n" PB_TAIL));
  assert_int_not_equal(mp_run(rt, uses), 0);
  assert_string_equal(status_of(rt, 0, "a"), "manual");
  assert_int_not_equal(mp_run(rt, uses), 0);          /* the compiled copy */
  assert_string_equal(status_of(rt, 1, "a"), "manual");
  write_pb("helper", "return 'two'\n");
  assert_int_equal(mp_run(rt, uses), 0);
  assert_string_equal(status_of(rt, 2, "a"), "pass");
  write_pb("faulty", "local t = {}\nlocal function f() return t.x.y end\nreturn f\n");
  path = write_pb("callsit", "local f = require 'faulty'\n" PB_HEAD
    "mp.check { id = 'a', detect = function() f() return mp.pass() end },\n" PB_TAIL);
  mp_run(rt, path);
  mp_run(rt, path);                                   /* faulty.lua from the cache */
  assert_string_equal(status_of(rt, 4, "a"), "error");
  e = mp_value_string(mp_value_get(check_of(rt, 4, "a"), "reason"), NULL);
  assert_non_null(e);
  assert_non_null(strstr(e, "faulty.lua:2:"));
  mp_free(rt);
}

static void sandbox_has_no_escape_hatches(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  mp_value *v;
  char *err = NULL, *json;
  (void)state;
  rt = new_rt(&cfg);
  v = mp_eval(rt, "return { os.execute, io.popen, os.remove, os.rename, package, dofile,"
                  " loadfile, debug.getinfo, rawget(_G, 'collectgarbage') == collectgarbage }", &err);
  assert_non_null(v);
  json = mp_value_to_json(v, 0);
  /* every hatch nil; collectgarbage is the wrapped one (true) */
  assert_string_equal(json, "{\"9\":true}");
  free(json);
  mp_value_free(v);
  v = mp_eval(rt, "return io.open('/etc/passwd', 'w')", &err);
  assert_null(v);
  assert_non_null(strstr(err, "may only read"));
  free(err);
  err = NULL;
  v = mp_eval(rt, "return load(string.dump(function() end))", &err);
  assert_non_null(v);
  assert_int_equal(mp_value_type(v), MP_NULL);      /* binary chunk refused */
  mp_value_free(v);
  v = mp_eval(rt, "return require('marsplay.core')", &err);
  assert_null(v);
  assert_non_null(strstr(err, "private"));
  free(err);
  mp_free(rt);
}

static int host_answer(lua_State *L) {
  lua_pushinteger(L, 42);
  return 1;
}

static int checks_seen;
static void on_check(void *ud, const char *pb, const mp_value *c) {
  (void)ud;
  assert_string_equal(pb, "p");
  assert_non_null(mp_value_get(c, "status"));
  checks_seen++;
}

static void host_functions_and_callbacks(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  (void)state;
  cfg.cb.on_check = on_check;
  checks_seen = 0;
  rt = new_rt(&cfg);
  assert_int_equal(mp_register(rt, "answer", host_answer), 0);
  assert_int_equal(mp_set_param(rt, "want", "42"), 0);
  assert_int_equal(mp_run(rt, write_pb("host", "local mp = require 'marsplay'\n"
    "return mp.playbook { id = 'p', params = { want = { type = 'number', default = 0 } }, checks = {\n"
    "mp.check { id = 'h', detect = function(ctx)\n"
    "  if require('marsplay.host').answer() == ctx.params.want then return mp.pass() end\n"
    "  return mp.manual { message = 'no' } end },\n"
    "mp.check { id = 'g', detect = function() return mp.pass() end },\n" PB_TAIL)), 0);
  assert_int_equal(checks_seen, 2);
  mp_free(rt);
}

static void bad_params_are_errors(void **state) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  (void)state;
  rt = new_rt(&cfg);
  assert_int_equal(mp_set_param(rt, "n", "not-a-number"), 0);
  assert_int_equal(mp_run(rt, write_pb("param", "local mp = require 'marsplay'\n"
    "return mp.playbook { id = 'p', params = { n = { type = 'number', default = 1 } }, checks = {\n"
    "mp.check { id = 'a', detect = function() return mp.pass() end },\n" PB_TAIL)), 1);
  mp_free(rt);
}

static void bad_config_is_refused(void **state) {
  mp_config cfg = mp_config_default();
  char *err = NULL;
  (void)state;
  cfg.root = "/nonexistent/marsplay";
  assert_null(mp_new(&cfg, &err));
  assert_non_null(strstr(err, "--root"));
  free(err);
  cfg = mp_config_default();
  cfg.lang = "fr";
  assert_null(mp_new(&cfg, &err));
  assert_non_null(strstr(err, "language"));
  free(err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(exit_codes),
    cmocka_unit_test(dry_run_plans),
    cmocka_unit_test(apply_fixes_and_verifies),
    cmocka_unit_test(limits),
    cmocka_unit_test(syntax_error_has_file_line),
    cmocka_unit_test(changed_module_is_reloaded),
    cmocka_unit_test(sandbox_has_no_escape_hatches),
    cmocka_unit_test(host_functions_and_callbacks),
    cmocka_unit_test(bad_params_are_errors),
    cmocka_unit_test(bad_config_is_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
