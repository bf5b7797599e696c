/* test_net.c - marsplay.net without servers: address ranges, dates,
 * argument checks, and probes that never leave the process (bad URLs,
 * names the resolver rejects, the loopback-only rule, masking).  Probes
 * against real servers are in tests/sh/t_net.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <lualib.h>

#include "core/mp_internal.h"

static lua_State *new_state(void) {
  lua_State *L = luaL_newstate();
  assert_non_null(L);
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, mp_open_net);
  lua_setfield(L, -2, "marsplay.net");
  lua_pop(L, 1);
  return L;
}

/* Run Lua code (with `net` bound to the module) that returns a string;
 * compare it with want. */
static void expect(const char *code, const char *want) {
  lua_State *L = new_state();
  char buf[4096];
  int n = snprintf(buf, sizeof buf, "local net = require('marsplay.net')\n%s", code);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  if (luaL_dostring(L, buf) != LUA_OK) fail_msg("Lua error: %s", lua_tostring(L, -1));
  assert_string_equal(luaL_tolstring(L, -1, NULL), want);
  lua_close(L);
}

/* Code that must raise an error whose message contains needle. */
static void expect_error(const char *code, const char *needle) {
  lua_State *L = new_state();
  char buf[4096];
  const char *msg;
  int n = snprintf(buf, sizeof buf, "local net = require('marsplay.net')\n%s", code);
  assert_true(n > 0 && (size_t)n < sizeof buf);
  assert_int_not_equal(luaL_dostring(L, buf), LUA_OK);
  msg = lua_tostring(L, -1);
  assert_non_null(msg);
  if (strstr(msg, needle) == NULL) fail_msg("error '%s' lacks '%s'", msg, needle);
  lua_close(L);
}

static void test_sample_v4(void **state) {
  (void)state;
  expect("return table.concat(net.cidr_sample('20.190.128.0/18', 5), ' ')",
         "20.190.128.1 20.190.144.0 20.190.159.255 20.190.175.254 20.190.191.254");
  expect("return table.concat(net.cidr_sample('40.126.0.0/18', 2), ' ')",
         "40.126.0.1 40.126.63.254");
  expect("return table.concat(net.cidr_sample('40.126.0.0/18', 1), ' ')", "40.126.0.1");
  /* fewer usable addresses than asked: all of them, no repeats */
  expect("return table.concat(net.cidr_sample('10.0.0.0/29', 100), ' ')",
         "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6");
  expect("return table.concat(net.cidr_sample('10.0.0.0/31', 5), ' ')", "10.0.0.0 10.0.0.1");
  expect("return table.concat(net.cidr_sample('10.0.0.7/32', 5), ' ')", "10.0.0.7");
  expect("return table.concat(net.cidr_sample('10.0.0.7', 5), ' ')", "10.0.0.7");
  expect("return table.concat(net.cidr_sample('0.0.0.0/0', 3), ' ')",
         "0.0.0.1 127.255.255.255 255.255.255.254");
}

static void test_sample_v6(void **state) {
  (void)state;
  expect("return table.concat(net.cidr_sample('2603:1000::/24', 4), ' ')",
         "2603:1000::1 2603:1055:5555:5555:5555:5555:5555:5555 "
         "2603:10aa:aaaa:aaaa:aaaa:aaaa:aaaa:aaaa 2603:10ff:ffff:ffff:ffff:ffff:ffff:ffff");
  expect("return table.concat(net.cidr_sample('::/0', 3), ' ')",
         "::1 8000:: ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  expect("return table.concat(net.cidr_sample('fe80::/127', 9), ' ')", "fe80:: fe80::1");
  expect("return table.concat(net.cidr_sample('2001:DB8:0:0:1::/80', 2), ' ')",
         "2001:db8::1:0:0:1 2001:db8::1:ffff:ffff:ffff");
  expect("return table.concat(net.cidr_sample('::ffff:0:0/96', 2), ' ')",
         "::ffff:0.0.0.1 ::ffff:255.255.255.255");
  expect("return table.concat(net.cidr_sample('1:0:0:2:0:0:0:3', 1), ' ')", "1:0:0:2::3");
}

static void test_sample_errors(void **state) {
  (void)state;
  expect("local v, m, c = net.cidr_sample('10.0.0.1/8', 3) return tostring(v)..'|'..m..'|'..c",
         "nil|cidr_sample: '10.0.0.1/8': address has host bits set|EINVAL");
  expect("local v, m = net.cidr_sample('10.0.0.0/33', 3) return tostring(v)..'|'..m",
         "nil|cidr_sample: '10.0.0.0/33': prefix length too large");
  expect("local v, m = net.cidr_sample('10.0.0.0/', 3) return m",
         "cidr_sample: '10.0.0.0/': bad prefix length");
  expect("local v, m = net.cidr_sample('010.0.0.0/8', 3) return m",
         "cidr_sample: '010.0.0.0/8': not an IPv4 or IPv6 address");
  expect("local v, m = net.cidr_sample('1::2::3/64', 3) return m",
         "cidr_sample: '1::2::3/64': not an IPv4 or IPv6 address");
  expect("local v, m = net.cidr_sample('1:2:3:4:5:6:7:8:9/64', 3) return m",
         "cidr_sample: '1:2:3:4:5:6:7:8:9/64': not an IPv4 or IPv6 address");
  expect("local v, m = net.cidr_sample('256.0.0.0/8', 3) return m",
         "cidr_sample: '256.0.0.0/8': not an IPv4 or IPv6 address");
  expect_error("net.cidr_sample('10.0.0.0/8', 0)", "count out of range");
  expect_error("net.cidr_sample('10.0.0.0/8', 65537)", "count out of range");
  expect_error("net.cidr_sample({}, 1)", "string expected");
}

static void test_contains(void **state) {
  (void)state;
  expect("return tostring(net.cidr_contains('20.190.128.0/18', '20.190.191.255'))", "true");
  expect("return tostring(net.cidr_contains('20.190.128.0/18', '20.190.192.0'))", "false");
  expect("return tostring(net.cidr_contains('20.190.128.0/18', '20.190.127.255'))", "false");
  expect("return tostring(net.cidr_contains('20.190.128.0/18', '::ffff:20.190.130.1'))", "true");
  expect("return tostring(net.cidr_contains('2001:db8::/32', '2001:db8:ffff::1'))", "true");
  expect("return tostring(net.cidr_contains('2001:db8::/32', '2001:db9::1'))", "false");
  expect("return tostring(net.cidr_contains('10.0.0.0/8', '::1'))", "false");
  expect("return tostring(net.cidr_contains('0.0.0.0/0', '203.0.113.9'))", "true");
  expect("return tostring(net.cidr_contains('::1', '::1'))", "true");
  expect("local v, m, c = net.cidr_contains('10.0.0.0/8', '10.1.1') return tostring(v)..'|'..m..'|'..c",
         "nil|cidr_contains: '10.1.1': not an IPv4 or IPv6 address|EINVAL");
}

static void test_http_date(void **state) {
  (void)state;
  expect("return net.parse_http_date('Sun, 06 Nov 1994 08:49:37 GMT')", "784111777");
  expect("return net.parse_http_date('Sunday, 06-Nov-94 08:49:37 GMT')", "784111777");
  expect("return net.parse_http_date('Sun Nov  6 08:49:37 1994')", "784111777");
  expect("local v, m, c = net.parse_http_date('not a date') return tostring(v)..'|'..c", "nil|EINVAL");
}

static void test_probe_args(void **state) {
  (void)state;
  expect("return #net.probe({}) .. ''", "0");
  expect_error("net.probe('http://127.0.0.1/')", "table expected");
  expect_error("net.probe({42})", "target 1 must be a URL");
  expect_error("net.probe({{name = 'x'}})", "target 1: 'url' must be a string");
  expect_error("net.probe({}, {bogus = 1})", "unknown option 'bogus'");
  expect_error("net.probe({}, {timeout = 0})", "option 'timeout' out of range");
  expect_error("net.probe({}, {timeout = 'x'})", "option 'timeout' must be a number");
  expect_error("net.probe({}, {method = 'POST'})", "unknown value 'POST'");
  expect_error("net.probe({}, {max_parallel = 0})", "out of range");
  expect_error("net.probe({}, {resolve = {'a:1:127.0.0.1', 3}})", "item 2 is not a string");
  expect_error("net.probe({}, {proxy = 'http://:8080'})", "no host");
}

/* Targets that fail before any packet is sent. */
static void test_probe_local_failures(void **state) {
  (void)state;
  /* not http(s) */
  expect("local r = net.probe({{url = 'ftp://127.0.0.1/', name = 'f'}})[1]\n"
         "return r.name .. '|' .. r.result .. '|' .. r.detail",
         "f|error|unsupported scheme 'ftp' (http or https only)");
  /* a 64-octet label: the resolver library refuses it without a query */
  expect("local h = string.rep('x', 64) .. '.invalid'\n"
         "local r = net.probe({'https://' .. h .. '/'}, {timeout = 1})[1]\n"
         "return r.result",
         "dns");
  expect("local r = net.probe({'http://[::1'})[1] return r.result", "error");
}

/* MARSPLAY_NET_LOOPBACK_ONLY and secrets.  The proxy is a closed loopback
 * port, so even a broken rule could not send anything elsewhere. */
static void test_probe_loopback_rule(void **state) {
  (void)state;
  assert_int_equal(setenv("MARSPLAY_NET_LOOPBACK_ONLY", "1", 1), 0);
  expect("local r = net.probe({'https://login.microsoftonline.com/pw-hunter2'},\n"
         "  {proxy = 'http://u:hunter2@127.0.0.1:9', timeout = 1})[1]\n"
         "return r.result .. '|' .. tostring(r.via_proxy) .. '|' .. r.url .. '|' .. r.detail",
         "error|true|https://login.microsoftonline.com/pw-***|blocked by "
         "MARSPLAY_NET_LOOPBACK_ONLY: the proxy would look up a host that is not a "
         "loopback address");
  /* userinfo in a target URL is masked when echoed */
  expect("local r = net.probe({'http://me:topsecret@login.microsoftonline.com/'},\n"
         "  {proxy = '127.0.0.1:9', proxy_user = 'u:pw2', timeout = 1})[1]\n"
         "return r.url",
         "http://me:***@login.microsoftonline.com/");
  assert_int_equal(unsetenv("MARSPLAY_NET_LOOPBACK_ONLY"), 0);
}

/* The bypass list decides via_proxy (targets and proxy on loopback). */
static void test_probe_bypass(void **state) {
  static const char *const cases[][3] = {  /* list, target host, via proxy? */
    {"localhost", "localhost", "false"},
    {"*host", "localhost", "false"},
    {"<local>", "localhost", "false"},
    {"127.0.0.0/8", "127.0.0.1", "false"},
    {"example.com, .host ;127.0.0.1", "127.0.0.1", "false"},
    {"*", "127.0.0.1", "false"},
    {"example.com", "localhost", "true"},
    {"<local>", "127.0.0.1", "true"},
    {"10.0.0.0/8", "127.0.0.1", "true"},
    {"calhost", "localhost", "true"},
  };
  size_t i;
  (void)state;
  assert_int_equal(setenv("MARSPLAY_NET_LOOPBACK_ONLY", "1", 1), 0);
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char code[512];
    snprintf(code, sizeof code,
             "local r = net.probe({'http://%s:9/'}, {proxy = '127.0.0.1:9', noproxy = '%s',"
             " timeout = 1})[1] return tostring(r.via_proxy)", cases[i][1], cases[i][0]);
    expect(code, cases[i][2]);
  }
  assert_int_equal(unsetenv("MARSPLAY_NET_LOOPBACK_ONLY"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sample_v4),
    cmocka_unit_test(test_sample_v6),
    cmocka_unit_test(test_sample_errors),
    cmocka_unit_test(test_contains),
    cmocka_unit_test(test_http_date),
    cmocka_unit_test(test_probe_args),
    cmocka_unit_test(test_probe_local_failures),
    cmocka_unit_test(test_probe_loopback_rule),
    cmocka_unit_test(test_probe_bypass),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
