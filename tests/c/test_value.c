/* test_value.c - report values: construction, lookups, copies and JSON. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"
#include "core/value.h"

static char *json(const mp_value *v) {
  char *s = mp_value_to_json(v, 0);
  assert_non_null(s);
  return s;
}

/* JSON of one value, compared and freed. */
static void expect_json(mp_value *v, const char *want) {
  char *s;
  assert_non_null(v);
  s = json(v);
  assert_string_equal(s, want);
  free(s);
  mpv_free(v);
}

static void expect_str_json(const char *in, size_t len, const char *want) {
  expect_json(mpv_str(in, len), want);
}

static int valid_utf8(const char *s) {
  size_t i = 0, n = strlen(s), k;
  while (i < n) {
    if ((k = mp_utf8_seq(s + i, n - i)) == 0) return 0;
    i += k;
  }
  return 1;
}

static void test_scalars(void **state) {
  mp_value *v;
  size_t len = 99;
  (void)state;
  v = mpv_null();
  assert_int_equal(mp_value_type(v), MP_NULL);
  mpv_free(v);
  v = mpv_bool(7);
  assert_int_equal(mp_value_type(v), MP_BOOL);
  assert_int_equal(mp_value_bool(v), 1);
  assert_null(mp_value_string(v, &len));
  assert_int_equal(len, 0);
  mpv_free(v);
  v = mpv_num(2.5);
  assert_true(mp_value_number(v) == 2.5);
  assert_int_equal(mp_value_len(v), 0);
  mpv_free(v);
  v = mpv_str("a\0b", 3);
  assert_int_equal(mp_value_type(v), MP_STRING);
  assert_memory_equal(mp_value_string(v, &len), "a\0b", 3);
  assert_int_equal(len, 3);
  assert_true(mp_value_number(v) == 0.0);
  assert_int_equal(mp_value_bool(v), 0);
  mpv_free(v);
  /* a NULL C string is a null value */
  v = mpv_cstr(NULL);
  assert_int_equal(mp_value_type(v), MP_NULL);
  mpv_free(v);
  assert_int_equal(mp_value_type(NULL), MP_NULL);
  assert_null(mp_value_get(NULL, "x"));
  assert_null(mp_value_at(NULL, 0));
  assert_null(mp_value_key(NULL, 0));
  mpv_free(NULL);
}

static void test_object_order_and_replace(void **state) {
  mp_value *o = mpv_obj();
  char *s;
  (void)state;
  assert_int_equal(mpv_set(o, "b", mpv_num(1)), 0);
  assert_int_equal(mpv_set(o, "a", mpv_cstr("x")), 0);
  assert_int_equal(mpv_set(o, "c", mpv_bool(0)), 0);
  assert_int_equal(mpv_set(o, "a", mpv_cstr("y")), 0);  /* replace keeps the slot */
  assert_int_equal(mp_value_len(o), 3);
  assert_string_equal(mp_value_key(o, 0), "b");
  assert_string_equal(mp_value_key(o, 1), "a");
  assert_string_equal(mp_value_key(o, 2), "c");
  assert_null(mp_value_key(o, 3));
  assert_string_equal(mpv_getstr(o, "a"), "y");
  assert_null(mpv_getstr(o, "b"));           /* not a string */
  assert_true(mpv_getnum(o, "b", -1) == 1);
  assert_true(mpv_getnum(o, "a", -1) == -1);  /* not a number */
  assert_true(mpv_getnum(o, "zz", -2) == -2);
  assert_ptr_equal(mp_value_get(o, "c"), mp_value_at(o, 2));
  assert_ptr_equal(mpv_getm(o, "c"), mp_value_at(o, 2));
  assert_null(mp_value_get(o, "missing"));
  s = json(o);
  assert_string_equal(s, "{\"b\":1,\"a\":\"y\",\"c\":false}");
  free(s);
  mpv_free(o);
}

static void test_array_growth(void **state) {
  mp_value *a = mpv_arr();
  size_t i;
  (void)state;
  for (i = 0; i < 1000; i++) assert_int_equal(mpv_push(a, mpv_num((double)i)), 0);
  assert_int_equal(mp_value_len(a), 1000);
  assert_true(mp_value_number(mp_value_at(a, 999)) == 999);
  assert_null(mp_value_at(a, 1000));
  assert_null(mp_value_key(a, 0));  /* arrays have no keys */
  mpv_free(a);
}

/* Misuse never crashes and never leaks the item (valgrind checks). */
static void test_bad_arguments(void **state) {
  mp_value *o = mpv_obj(), *a = mpv_arr();
  (void)state;
  assert_int_equal(mpv_push(o, mpv_num(1)), -1);      /* not an array */
  assert_int_equal(mpv_set(a, "k", mpv_num(1)), -1);  /* not an object */
  assert_int_equal(mpv_push(NULL, mpv_cstr("x")), -1);
  assert_int_equal(mpv_set(NULL, "k", mpv_cstr("x")), -1);
  assert_int_equal(mpv_set(o, NULL, mpv_cstr("x")), -1);
  assert_int_equal(mpv_push(a, NULL), -1);            /* a failed constructor */
  assert_int_equal(mpv_set(o, "k", NULL), -1);
  assert_int_equal(mpv_push(a, a), -1);               /* no cycles */
  assert_int_equal(mpv_set(o, "self", o), -1);
  assert_int_equal(mp_value_len(o), 0);
  assert_int_equal(mp_value_len(a), 0);
  mpv_free(o);
  mpv_free(a);
}

static void test_escapes(void **state) {
  (void)state;
  expect_str_json("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
  expect_str_json("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
  expect_str_json("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
  expect_str_json("nul\0end", 7, "\"nul\\u0000end\"");
  expect_str_json("", 0, "\"\"");
  /* valid UTF-8 passes through: é, €, U+1F600 */
  expect_str_json("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9,
                  "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
  /* line/paragraph separators are escaped for JavaScript consumers */
  expect_str_json("\xE2\x80\xA8\xE2\x80\xA9", 6, "\"\\u2028\\u2029\"");
}

#define FFFD "\xEF\xBF\xBD"

static void test_invalid_utf8(void **state) {
  (void)state;
  expect_str_json("a\xFFz", 3, "\"a" FFFD "z\"");
  expect_str_json("\x80", 1, "\"" FFFD "\"");               /* stray continuation */
  expect_str_json("\xC0\xAF", 2, "\"" FFFD FFFD "\"");       /* overlong '/' */
  expect_str_json("\xE0\x80\xAF", 3, "\"" FFFD FFFD FFFD "\"");
  expect_str_json("\xED\xA0\x80", 3, "\"" FFFD FFFD FFFD "\""); /* surrogate */
  expect_str_json("\xF4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\""); /* > U+10FFFF */
  expect_str_json("\xE2\x82", 2, "\"" FFFD FFFD "\"");       /* truncated at the end */
  expect_str_json("\xE2\x82" "A", 3, "\"" FFFD FFFD "A\"");   /* cut by ASCII */
  expect_str_json("\xF5\x80", 2, "\"" FFFD FFFD "\"");
  /* keys are escaped the same way */
  {
    mp_value *o = mpv_obj();
    assert_int_equal(mpv_set(o, "k\xFF\"", mpv_null()), 0);
    expect_json(o, "{\"k" FFFD "\\\"\":null}");
  }
}

/* Every byte string gives valid UTF-8 JSON without raw control bytes. */
static void test_all_bytes(void **state) {
  char in[512];
  mp_value *v;
  char *s;
  size_t i;
  (void)state;
  for (i = 0; i < sizeof in; i++) in[i] = (char)(i * 7 + (i >> 8));
  v = mpv_str(in, sizeof in);
  s = json(v);
  assert_true(valid_utf8(s));
  for (i = 0; s[i]; i++) assert_true((unsigned char)s[i] >= 0x20);
  free(s);
  mpv_free(v);
}

static void test_numbers(void **state) {
  char buf[64];
  (void)state;
  expect_json(mpv_num(5), "5");
  expect_json(mpv_num(-3), "-3");
  expect_json(mpv_num(0), "0");
  expect_json(mpv_num(-0.0), "0");
  expect_json(mpv_num(1.5), "1.5");
  expect_json(mpv_num(0.1), "0.1");
  expect_json(mpv_num(12.3), "12.3");
  expect_json(mpv_num(1.0 / 3.0), "0.3333333333333333");
  expect_json(mpv_num(9007199254740992.0), "9007199254740992");
  expect_json(mpv_num(1e300), "1e+300");
  expect_json(mpv_num(NAN), "null");
  expect_json(mpv_num(INFINITY), "null");
  expect_json(mpv_num(-INFINITY), "null");
  /* shortest form that reads back exactly */
  mp_fmt_number(buf, sizeof buf, 1.0 / 3.0);
  assert_true(strtod(buf, NULL) == 1.0 / 3.0);
  assert_non_null(strchr(buf, '.'));
  mp_fmt_number(buf, sizeof buf, 0.30000000000000004);
  assert_true(strtod(buf, NULL) == 0.30000000000000004);
}

/* A locale with a decimal comma must not leak into JSON. */
static void test_numbers_locale(void **state) {
  static const char *const names[] = {"pt_BR.UTF-8", "pt_BR.utf8", "de_DE.UTF-8", "fr_FR.UTF-8"};
  size_t i;
  const char *got = NULL;
  (void)state;
  for (i = 0; i < sizeof names / sizeof *names && !got; i++)
    got = setlocale(LC_NUMERIC, names[i]);
  if (got == NULL) skip();
  expect_json(mpv_num(12.5), "12.5");
  expect_json(mpv_num(1.0 / 3.0), "0.3333333333333333");
  setlocale(LC_NUMERIC, "C");
}

static mp_value *nest(int levels) {
  mp_value *v = mpv_num(1);
  while (levels-- > 0) {
    mp_value *a = mpv_arr();
    assert_int_equal(mpv_push(a, v), 0);
    v = a;
  }
  return v;
}

static void test_depth_limit(void **state) {
  mp_value *deep = nest(100), *ok = nest(MPV_JSON_MAX_DEPTH - 1);
  char *s = json(deep), *t;
  size_t open = strspn(s, "[");
  (void)state;
  assert_int_equal(open, MPV_JSON_MAX_DEPTH);
  assert_memory_equal(s + open, "null", 4);
  assert_int_equal(strspn(s + open + 4, "]"), MPV_JSON_MAX_DEPTH);
  assert_int_equal(strlen(s), 2 * MPV_JSON_MAX_DEPTH + 4);
  t = json(ok);  /* just inside the limit: the number survives */
  assert_int_equal(strspn(t, "["), MPV_JSON_MAX_DEPTH - 1);
  assert_memory_equal(t + MPV_JSON_MAX_DEPTH - 1, "1]", 2);
  free(s);
  free(t);
  /* pretty output of the deep value is bounded too */
  s = mp_value_to_json(deep, 1);
  assert_non_null(s);
  assert_non_null(strstr(s, "null"));
  assert_null(strstr(s, "1"));
  free(s);
  mpv_free(deep);
  mpv_free(ok);
}

static void test_pretty(void **state) {
  mp_value *o = mpv_obj(), *a = mpv_arr();
  char *s;
  (void)state;
  mpv_push(a, mpv_num(1));
  mpv_push(a, mpv_cstr("x"));
  mpv_set(o, "list", a);
  mpv_set(o, "empty", mpv_obj());
  mpv_set(o, "none", mpv_arr());
  s = mp_value_to_json(o, 1);
  assert_non_null(s);
  assert_string_equal(s,
    "{\n"
    "  \"list\": [\n"
    "    1,\n"
    "    \"x\"\n"
    "  ],\n"
    "  \"empty\": {},\n"
    "  \"none\": []\n"
    "}");
  free(s);
  mpv_free(o);
  s = mp_value_to_json(NULL, 1);
  assert_string_equal(s, "null");
  free(s);
}

static void test_copy(void **state) {
  mp_value *o = mpv_obj(), *inner = mpv_arr(), *c;
  char *a, *b;
  (void)state;
  mpv_push(inner, mpv_str("z\0z", 3));
  mpv_push(inner, mpv_null());
  mpv_set(o, "inner", inner);
  mpv_set(o, "n", mpv_num(4.25));
  mpv_set(o, "t", mpv_bool(1));
  c = mpv_copy(o);
  assert_non_null(c);
  assert_ptr_not_equal(mp_value_get(c, "inner"), inner);
  a = json(o);
  b = json(c);
  assert_string_equal(a, b);
  free(b);
  /* the copy is independent of the original */
  mpv_set(o, "n", mpv_num(5));
  mpv_push(inner, mpv_num(9));
  b = json(c);
  assert_string_equal(a, b);
  free(a);
  free(b);
  mpv_free(o);
  mpv_free(c);
  assert_null(mpv_copy(NULL));
}

static void test_buffer(void **state) {
  mp_buf b = {NULL, 0, 0, 0};
  char big[1000];
  (void)state;
  memset(big, 'q', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  mpb_printf(&b, "<%s|%d>", big, 42);  /* longer than the stack buffer */
  assert_int_equal(b.len, 999 + 5);
  assert_memory_equal(b.p + 1000, "|42>", 4);
  assert_int_equal(b.p[b.len], '\0');
  mpb_puts(&b, "!");
  assert_int_equal(b.len, 1005);
  /* a request that cannot be met sets the flag; later output is ignored */
  mpb_add(&b, "x", SIZE_MAX - 2);
  assert_int_equal(b.oom, 1);
  mpb_puts(&b, "more");
  assert_int_equal(b.len, 1005);
  mpv_write_json(&b, NULL, 0, 0);
  assert_int_equal(b.len, 1005);
  mpb_free(&b);
  assert_null(b.p);
  assert_int_equal(b.oom, 0);
}

static void test_utf8_helpers(void **state) {
  (void)state;
  assert_int_equal(mp_utf8_seq("A", 1), 1);
  assert_int_equal(mp_utf8_seq("\xC3\xA9", 2), 2);
  assert_int_equal(mp_utf8_seq("\xC3\xA9", 1), 0);
  assert_int_equal(mp_utf8_seq("\xEF\xBF\xBD", 3), 3);
  assert_int_equal(mp_utf8_seq("\xF0\x9F\x98\x80", 4), 4);
  assert_int_equal(mp_utf8_seq("\xF0\x8F\xBF\xBF", 4), 0);  /* overlong */
  assert_int_equal(mp_utf8_seq("\xC1\xBF", 2), 0);
  assert_int_equal(mp_utf8_seq("", 0), 0);
  assert_int_equal(mp_utf8_decode("\xC3\xA9", 2), 0xE9);
  assert_int_equal(mp_utf8_decode("\xE2\x82\xAC", 3), 0x20AC);
  assert_int_equal(mp_utf8_decode("\xF0\x9F\x98\x80", 4), 0x1F600);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_scalars),
    cmocka_unit_test(test_object_order_and_replace),
    cmocka_unit_test(test_array_growth),
    cmocka_unit_test(test_bad_arguments),
    cmocka_unit_test(test_escapes),
    cmocka_unit_test(test_invalid_utf8),
    cmocka_unit_test(test_all_bytes),
    cmocka_unit_test(test_numbers),
    cmocka_unit_test(test_numbers_locale),
    cmocka_unit_test(test_depth_limit),
    cmocka_unit_test(test_pretty),
    cmocka_unit_test(test_copy),
    cmocka_unit_test(test_buffer),
    cmocka_unit_test(test_utf8_helpers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
