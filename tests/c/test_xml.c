/* test_xml.c - marsplay.xml: encodings, hardened parsing, text edits.
 *
 * The C entry points of xmlconv.h are tested directly; the Lua module
 * runs on a plain lua_State (it needs no runtime).  The Task Scheduler
 * sample is turned into UTF-16LE with a BOM and CRLF line ends by an
 * encoder written here, independent of the one under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testtmp.h"

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
#include <libxml/parser.h>

#include "core/mp_internal.h"
#include "formats/xmlconv.h"

/* A task as Windows stores it (before CRLF and UTF-16 conversion).  The
 * description holds non-ASCII and astral characters on purpose. */
static const char TASK[] =
  "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
  "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n"
  "  <RegistrationInfo>\n"
  "    <Author>Microsoft Corporation</Author>\n"
  "    <Description>Sauvegarde planifi\xc3\xa9" "e \xe2\x80\x94 c\xc3\xb3pia \xf0\x9f\x92\xbe</Description>\n"
  "    <URI>\\Microsoft\\OnlineBackup\\Microsoft-OnlineBackup</URI>\n"
  "  </RegistrationInfo>\n"
  "  <Triggers>\n"
  "    <CalendarTrigger>\n"
  "      <StartBoundary>2024-01-15T21:30:00</StartBoundary>\n"
  "      <Enabled>false</Enabled>\n"
  "      <ScheduleByWeek>\n"
  "        <DaysOfWeek>\n"
  "          <Monday />\n"
  "          <Wednesday />\n"
  "        </DaysOfWeek>\n"
  "        <WeeksInterval>1</WeeksInterval>\n"
  "      </ScheduleByWeek>\n"
  "    </CalendarTrigger>\n"
  "    <CalendarTrigger>\n"
  "      <StartBoundary>2024-01-16T02:00:00</StartBoundary>\n"
  "      <ScheduleByDay>\n"
  "        <DaysInterval>1</DaysInterval>\n"
  "      </ScheduleByDay>\n"
  "    </CalendarTrigger>\n"
  "  </Triggers>\n"
  "  <Principals>\n"
  "    <Principal id=\"Author\">\n"
  "      <UserId>S-1-5-18</UserId>\n"
  "      <RunLevel>HighestAvailable</RunLevel>\n"
  "    </Principal>\n"
  "  </Principals>\n"
  "  <Settings>\n"
  "    <MultipleInstancesPolicy>Parallel</MultipleInstancesPolicy>\n"
  "    <DisallowStartIfOnBatteries>true</DisallowStartIfOnBatteries>\n"
  "    <StopIfGoingOnBatteries>true</StopIfGoingOnBatteries>\n"
  "    <IdleSettings>\n"
  "      <StopOnIdleEnd>true</StopOnIdleEnd>\n"
  "      <RestartOnIdle>false</RestartOnIdle>\n"
  "    </IdleSettings>\n"
  "    <Enabled>true</Enabled>\n"
  "    <ExecutionTimeLimit>PT72H</ExecutionTimeLimit>\n"
  "    <Priority>7</Priority>\n"
  "  </Settings>\n"
  "  <Actions Context=\"Author\">\n"
  "    <Exec>\n"
  "      <Command>powershell.exe</Command>\n"
  "      <Arguments>-NoProfile -Command \"&amp; { Import-Module MSOnlineBackup }\"</Arguments>\n"
  "    </Exec>\n"
  "  </Actions>\n"
  "</Task>\n";

/* Vault credentials as DataContractSerializer writes them (UTF-8, no
 * BOM); every value is a dummy. */
static const char VAULT[] =
  "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
  "<RSBackupVaultAADCreds xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" "
  "xmlns=\"http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common\">\n"
  "  <Version>2.0</Version>\n"
  "  <SubscriptionId>00000000-1111-2222-3333-444444444444</SubscriptionId>\n"
  "  <ResourceType>Vaults</ResourceType>\n"
  "  <ResourceName>contoso-vault</ResourceName>\n"
  "  <ManagementCert>RFVNTVktQ0VSVA==</ManagementCert>\n"
  "  <ResourceId>4242424242424242424</ResourceId>\n"
  "  <ResourceGroup>rg-backup</ResourceGroup>\n"
  "  <Location>westeurope</Location>\n"
  "  <ProviderNamespace>Microsoft.RecoveryServices</ProviderNamespace>\n"
  "  <AadAuthority>https://login.example.invalid</AadAuthority>\n"
  "  <AadTenantId>55555555-6666-7777-8888-999999999999</AadTenantId>\n"
  "  <ServicePrincipalClientId>aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee</ServicePrincipalClientId>\n"
  "  <IdMgmtRestEndpoint>https://id.example.invalid/</IdMgmtRestEndpoint>\n"
  "  <AgentLinks>One,https://a.example.invalid/1;Two,https://b.example.invalid/2</AgentLinks>\n"
  "  <PrivateEndpointStateForBackup i:nil=\"true\" />\n"
  "</RSBackupVaultAADCreds>";

static const char LAUGHS[] =
  "<?xml version=\"1.0\"?>\n"
  "<!DOCTYPE lolz [\n"
  " <!ENTITY lol \"lol\">\n"
  " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
  " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
  " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
  " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
  " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
  " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
  " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
  " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
  " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
  "]>\n"
  "<lolz a=\"&lol9;\">&lol9;</lolz>\n";

#define MARKER "MARSPLAY-SECRET-7f3a"

/* ---------- a test-local encoder: UTF-8 -> UTF-16LE ---------- */

static char *to_utf16le(const char *s, size_t n, int bom, size_t *outn) {
  const unsigned char *u = (const unsigned char *)s;
  unsigned char *o = malloc(n * 2 + 2);
  size_t i = 0, k = 0;
  assert_non_null(o);
  if (bom) { o[k++] = 0xFF; o[k++] = 0xFE; }
  while (i < n) {
    uint32_t cp;
    if (u[i] < 0x80) cp = u[i++];
    else if (u[i] < 0xE0) { cp = (uint32_t)(u[i] & 0x1F) << 6 | (u[i + 1] & 0x3F); i += 2; }
    else if (u[i] < 0xF0) {
      cp = (uint32_t)(u[i] & 0x0F) << 12 | (uint32_t)(u[i + 1] & 0x3F) << 6 | (u[i + 2] & 0x3F);
      i += 3;
    } else {
      cp = (uint32_t)(u[i] & 0x07) << 18 | (uint32_t)(u[i + 1] & 0x3F) << 12 |
           (uint32_t)(u[i + 2] & 0x3F) << 6 | (u[i + 3] & 0x3F);
      i += 4;
    }
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000, hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);
      o[k++] = (unsigned char)(hi & 0xFF); o[k++] = (unsigned char)(hi >> 8);
      o[k++] = (unsigned char)(lo & 0xFF); o[k++] = (unsigned char)(lo >> 8);
    } else {
      o[k++] = (unsigned char)(cp & 0xFF); o[k++] = (unsigned char)(cp >> 8);
    }
  }
  *outn = k;
  return (char *)o;
}

/* LF -> CRLF, as Windows writes the file. */
static char *crlf(const char *s, size_t *outn) {
  size_t n = strlen(s), k = 0;
  char *o = malloc(n * 2 + 1);
  assert_non_null(o);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n') o[k++] = '\r';
    o[k++] = s[i];
  }
  o[k] = '\0';
  *outn = k;
  return o;
}

/* The task file: UTF-16LE, BOM, CRLF. */
static char *task_file(size_t *n) {
  size_t cn;
  char *c = crlf(TASK, &cn), *f = to_utf16le(c, cn, 1, n);
  free(c);
  return f;
}

/* ---------- C entry points ---------- */

static void test_detect(void **state) {
  (void)state;
  assert_int_equal(mp_xml_detect("\xFF\xFE<\0", 4), MP_XENC_UTF16LE_BOM);
  assert_int_equal(mp_xml_detect("\xFE\xFF\0<", 4), MP_XENC_UTF16BE_BOM);
  assert_int_equal(mp_xml_detect("\xEF\xBB\xBF<a/>", 7), MP_XENC_UTF8_BOM);
  assert_int_equal(mp_xml_detect("<\0?\0", 4), MP_XENC_UTF16LE);
  assert_int_equal(mp_xml_detect("\0<\0?", 4), MP_XENC_UTF16BE);
  assert_int_equal(mp_xml_detect("<?xml", 5), MP_XENC_UTF8);
  assert_int_equal(mp_xml_detect("", 0), MP_XENC_UTF8);
  assert_string_equal(mp_xml_enc_name(MP_XENC_UTF16LE_BOM), "utf-16le-bom");
}

static void test_utf16_convert(void **state) {
  /* "aé€😀" in UTF-8 and UTF-16LE */
  static const char u8[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  static const char le[] = "a\0\xe9\0\xac\x20\x3d\xd8\x00\xde";
  char *out, err[128];
  size_t n;
  (void)state;
  assert_int_equal(mp_utf16_to_utf8(le, sizeof le - 1, 0, &out, &n, err, sizeof err), 0);
  assert_int_equal(n, sizeof u8 - 1);
  assert_memory_equal(out, u8, n);
  free(out);
  assert_int_equal(mp_utf8_to_utf16(u8, sizeof u8 - 1, 0, 1, &out, &n, err, sizeof err), 0);
  assert_int_equal(n, sizeof le - 1 + 2);
  assert_memory_equal(out, "\xFF\xFE", 2);
  assert_memory_equal(out + 2, le, sizeof le - 1);
  free(out);
  assert_int_equal(mp_utf8_to_utf16(u8, sizeof u8 - 1, 1, 0, &out, &n, err, sizeof err), 0);
  assert_memory_equal(out, "\0a\0\xe9\x20\xac\xd8\x3d\xde\x00", 10);
  free(out);
}

static void expect_bad16(const char *in, size_t n, const char *what) {
  char *out = (char *)1, err[128] = "";
  size_t on = 7;
  assert_int_equal(mp_utf16_to_utf8(in, n, 0, &out, &on, err, sizeof err), -EILSEQ);
  assert_null(out);
  assert_int_equal(on, 0);
  assert_non_null(strstr(err, what));
}

static void test_utf16_invalid(void **state) {
  char *out, err[128];
  size_t n;
  (void)state;
  expect_bad16("a\0\x00\xd8", 4, "unpaired high surrogate 0xD800 at byte 2");
  expect_bad16("\x00\xd8" "a\0", 4, "unpaired high surrogate");
  expect_bad16("\x00\xd8\x00\xd8\x00\xdc", 6, "unpaired high surrogate 0xD800 at byte 0");
  expect_bad16("a\0\x00\xdc", 4, "unpaired low surrogate 0xDC00");
  expect_bad16("a\0b", 3, "odd byte count");
  /* strict UTF-8 on the way back: overlong, surrogate, beyond U+10FFFF, cut */
  assert_int_equal(mp_utf8_to_utf16("\xc0\x80", 2, 0, 0, &out, &n, err, sizeof err), -EILSEQ);
  assert_int_equal(mp_utf8_to_utf16("\xed\xa0\x80", 3, 0, 0, &out, &n, err, sizeof err), -EILSEQ);
  assert_int_equal(mp_utf8_to_utf16("\xf4\x90\x80\x80", 4, 0, 0, &out, &n, err, sizeof err), -EILSEQ);
  assert_int_equal(mp_utf8_to_utf16("ab\xe2\x82", 4, 0, 0, &out, &n, err, sizeof err), -EILSEQ);
  assert_non_null(strstr(err, "byte 2"));
  assert_int_equal(mp_utf8_check("ok\xc3\xa9", 4, err, sizeof err), 0);
  assert_int_equal(mp_utf8_check("\xff", 1, err, sizeof err), -EILSEQ);
}

static void test_to_utf8_task(void **state) {
  size_t n, un, cn;
  char *f = task_file(&n), *u, err[256], *c = crlf(TASK, &cn);
  int enc = -1;
  (void)state;
  assert_int_equal(mp_xml_to_utf8(f, n, &enc, &u, &un, err, sizeof err), 0);
  assert_int_equal(enc, MP_XENC_UTF16LE_BOM);
  assert_int_equal(un, cn);
  assert_memory_equal(u, c, cn);
  free(u);
  /* without the BOM: still found by the "<\0" pattern */
  assert_int_equal(mp_xml_to_utf8(f + 2, n - 2, &enc, &u, &un, err, sizeof err), 0);
  assert_int_equal(enc, MP_XENC_UTF16LE);
  assert_memory_equal(u, c, cn);
  free(u);
  free(c);
  free(f);
}

static void test_read_task(void **state) {
  size_t n;
  char *f = task_file(&n), err[256];
  xmlDocPtr doc = NULL;
  xmlNodePtr root;
  int enc = -1;
  (void)state;
  assert_int_equal(mp_xml_read(f, n, 0, &doc, &enc, err, sizeof err), 0);
  assert_int_equal(enc, MP_XENC_UTF16LE_BOM);
  root = xmlDocGetRootElement(doc);
  assert_string_equal((const char *)root->name, "Task");
  assert_string_equal((const char *)root->ns->href,
                      "http://schemas.microsoft.com/windows/2004/02/mit/task");
  xmlFreeDoc(doc);
  /* one byte short: an odd UTF-16 length */
  doc = NULL;
  assert_int_equal(mp_xml_read(f, n - 1, 0, &doc, &enc, err, sizeof err), -EILSEQ);
  assert_null(doc);
  /* over the size limit */
  assert_int_equal(mp_xml_read(f, n, 100, &doc, &enc, err, sizeof err), -EFBIG);
  assert_non_null(strstr(err, "limit of 100"));
  free(f);
}

static void test_path_parse(void **state) {
  mp_xml_path p;
  char err[128];
  (void)state;
  assert_int_equal(mp_xml_path_parse(&p, "/Task/Settings/Enabled", err, sizeof err), 0);
  assert_true(p.absolute);
  assert_int_equal(p.n, 3);
  assert_string_equal(p.comp[2], "Enabled");
  assert_int_equal(mp_xml_path_parse(&p, "Settings", err, sizeof err), 0);
  assert_false(p.absolute);
  assert_int_equal(p.n, 1);
  assert_int_equal(mp_xml_path_parse(&p, "a//b", err, sizeof err), -EINVAL);
  assert_int_equal(mp_xml_path_parse(&p, "a/", err, sizeof err), -EINVAL);
  assert_int_equal(mp_xml_path_parse(&p, "/", err, sizeof err), -EINVAL);
  assert_true(mp_xml_name_match("*", "x"));
  assert_false(mp_xml_name_match("X", "x"));
}

/* ---------- the Lua module on a plain lua_State ---------- */

static int setup_lua(void **state) {
  lua_State *L = luaL_newstate();
  if (L == NULL) return -1;
  luaL_openlibs(L);
  luaL_requiref(L, "xml", mp_open_xml, 1);
  lua_pop(L, 1);
  *state = L;
  return 0;
}

static int teardown_lua(void **state) {
  lua_close(*state);
  return 0;
}

static void setglobal_bytes(lua_State *L, const char *name, const char *s, size_t n) {
  lua_pushlstring(L, s, n);
  lua_setglobal(L, name);
}

static void run(lua_State *L, const char *code) {
  if (luaL_dostring(L, code) != LUA_OK) fail_msg("Lua: %s", lua_tostring(L, -1));
}

static void test_lua_parse_task(void **state) {
  lua_State *L = *state;
  size_t n;
  char *f = task_file(&n);
  setglobal_bytes(L, "TASK", f, n);
  free(f);
  run(L,
    "local t, enc = xml.parse(TASK)\n"
    "assert(t, enc)\n"
    "assert(enc == 'utf-16le-bom', enc)\n"
    "assert(xml.detect(TASK) == 'utf-16le-bom')\n"
    "assert(t.name == 'Task' and t.ns == 'http://schemas.microsoft.com/windows/2004/02/mit/task')\n"
    "assert(t.attr.version == '1.2' and t.attr.xmlns == nil)\n"
    "assert(t.line == 2, t.line)\n"
    "assert(#t == 5 and t[1].name == 'RegistrationInfo' and t[5].name == 'Actions')\n"
    "assert(xml.text(t, 'Settings/MultipleInstancesPolicy') == 'Parallel')\n"
    "assert(xml.text(t, '/Task/Principals/Principal/UserId') == 'S-1-5-18')\n"
    "assert(xml.find(t, 'Principals/Principal').attr.id == 'Author')\n"
    "assert(xml.text(t, 'RegistrationInfo/Description') ==\n"
    "       'Sauvegarde planifi\\u{e9}e \\u{2014} c\\u{f3}pia \\u{1f4be}')\n"
    "assert(xml.text(t, 'Actions/Exec/Arguments') ==\n"
    "       '-NoProfile -Command \"& { Import-Module MSOnlineBackup }\"')\n"
    /* raw text keeps the blanks (CRLF normalised to LF by XML), text() trims */
    "local s = xml.find(t, 'Settings')\n"
    "assert(s.text:find('^\\n    \\n'), string.format('%q', s.text))\n"
    "assert(xml.text(s) == '')\n"
    /* a path that backtracks: the 2nd trigger has no Enabled, the 1st has */
    "assert(xml.text(t, 'Triggers/CalendarTrigger/ScheduleByDay/DaysInterval') == '1')\n"
    "assert(xml.text(t, 'Triggers/*/Enabled') == 'false')\n"
    "assert(#xml.find_all(t, 'CalendarTrigger') == 2)\n"
    "assert(#xml.find_all(t, 'Enabled') == 2)\n"
    "assert(#xml.find_all(t, 'Triggers/*/Enabled') == 1)\n"
    "assert(#xml.find_all(t, '/Task/Triggers/*') == 2)\n"
    "assert(#xml.find_all(t, '/Other/Triggers') == 0)\n"
    "assert(xml.find(t, 'Settings/Nope') == nil and xml.text(t, 'Nope') == nil)\n"
    "assert(xml.find(t, 'settings') == nil)  -- case-sensitive like XML\n"
    "assert(xml.find(t, 'Triggers/CalendarTrigger/ScheduleByWeek/DaysOfWeek/Monday').text == '')\n"
    "assert(not pcall(xml.find, t, 'a//b'))\n");
}

static void test_lua_parse_vault(void **state) {
  lua_State *L = *state;
  setglobal_bytes(L, "VAULT", VAULT, sizeof VAULT - 1);
  run(L,
    "local t, enc = xml.parse(VAULT, {name = 'contoso.VaultCredentials'})\n"
    "assert(t, enc)\n"
    "assert(enc == 'utf-8')\n"
    "assert(t.name == 'RSBackupVaultAADCreds')\n"
    "assert(t.ns == 'http://schemas.datacontract.org/2004/07/Microsoft.Azure.Portal.RecoveryServices.Models.Common')\n"
    "assert(xml.text(t, 'Version') == '2.0')\n"
    "assert(xml.text(t, 'ResourceName') == 'contoso-vault')\n"
    "assert(xml.text(t, 'ResourceId') == '4242424242424242424')\n"
    "assert(xml.text(t, 'ManagementCert') == 'RFVNTVktQ0VSVA==')\n"
    "assert(xml.text(t, 'AgentLinks'):find(';Two,', 1, true))\n"
    "local p = xml.find(t, 'PrivateEndpointStateForBackup')\n"
    "assert(p.attr['i:nil'] == 'true' and p.ns == t.ns)\n"
    /* the same with a UTF-8 BOM, and as UTF-16LE */
    "assert(select(2, xml.parse('\\xEF\\xBB\\xBF' .. VAULT)) == 'utf-8-bom')\n"
    "local u = xml.utf8_to_utf16le(VAULT, true)\n"
    "local t2, enc2 = xml.parse(u)\n"
    "assert(enc2 == 'utf-16le-bom' and xml.text(t2, 'ResourceName') == 'contoso-vault')\n");
}

static void test_lua_bad_documents(void **state) {
  lua_State *L = *state;
  size_t n;
  char *f = task_file(&n);
  setglobal_bytes(L, "TASK", f, n);
  free(f);
  run(L,
    "local function bad(doc, code, pat, opts)\n"
    "  local t, msg, c = xml.parse(doc, opts)\n"
    "  assert(t == nil, 'parsed')\n"
    "  assert(c == code, tostring(c) .. ': ' .. tostring(msg))\n"
    "  assert(msg:find(pat), msg)\n"
    "  return msg\n"
    "end\n"
    /* truncated in the middle of <Settings>: the message names a line */
    "local cut = xml.utf16_to_utf8(TASK)\n"
    "cut = cut:sub(1, cut:find('<Priority>', 1, true) - 1)\n"
    "local m = bad(cut, 'EXML', '^task%.xml: line %d+: ', {name = 'task.xml'})\n"
    "assert(m:find('Premature end of data') or m:find('not finished'), m)\n"
    "bad(xml.utf8_to_utf16le(cut, true), 'EXML', 'line %d+:')\n"
    "bad('<a><b>x</a>', 'EXML', 'line 1: Opening and ending tag mismatch')\n"
    "bad('<a>\\n\\n<b></a>', 'EXML', 'line 3:')\n"
    "bad('', 'EXML', 'empty document')\n"
    /* 10,000 levels: refused by libxml2's own limit */
    "bad(('<a>'):rep(10000) .. ('</a>'):rep(10000), 'EXML', 'depth')\n"
    /* within libxml2's limit, beyond ours */
    "bad(('<a>'):rep(200) .. ('</a>'):rep(200), 'EXML', 'deeper than 128 levels')\n"
    "assert(xml.parse(('<a>'):rep(128) .. ('</a>'):rep(128)))\n"
    /* UTF-16 with an unpaired surrogate, and cut to an odd length */
    "bad('\\xFF\\xFE<\\0a\\0>\\0\\x00\\xD8<\\0/\\0a\\0>\\0', 'EILSEQ', 'unpaired high surrogate')\n"
    "bad('\\xFF\\xFE<\\0a\\0>\\0\\x00\\xDC<\\0/\\0a\\0>\\0', 'EILSEQ', 'unpaired low surrogate')\n"
    "bad(TASK:sub(1, -2), 'EILSEQ', 'odd byte count')\n"
    /* binary data, and bytes that are not UTF-8 */
    "bad('\\x7fELF\\2\\1\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\3\\0>\\0\\1\\0', 'EXML', 'line 1:')\n"
    "bad('\\x89PNG\\r\\n\\x1a\\n\\0\\0\\0\\rIHDR', 'EXML', 'line')\n"
    "bad('<a>\\xff\\xfe\\xfd</a>', 'EXML', 'line 1:')\n"
    "bad('\\xFF\\xFE\\x01\\x02\\x03\\x04', 'EXML', 'line')\n"
    /* size limit */
    "bad(TASK, 'EFBIG', '^big: document is %d+ bytes, over the limit of 64$', {name = 'big', max_bytes = 64})\n"
    "assert(not pcall(xml.parse, TASK, {max_bytes = 0}))\n"
    "assert(not pcall(xml.parse, TASK, {name = 1}))\n");
}

static void test_lua_entities(void **state) {
  lua_State *L = *state;
  char secret[256], pe[256];
  char doc[512];
  int fd;
  FILE *fp;
  assert_int_equal(test_tmpname(secret, sizeof secret, "mp-xml-secret"), 0);
  assert_int_equal(test_tmpname(pe, sizeof pe, "mp-xml-pe"), 0);
  fd = mkstemp(secret);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, MARKER "\n", sizeof MARKER), (ssize_t)sizeof MARKER);
  close(fd);
  fd = mkstemp(pe);
  assert_true(fd >= 0);
  fp = fdopen(fd, "w");
  assert_non_null(fp);
  fprintf(fp, "<!ENTITY leak \"" MARKER "\">\n");
  assert_int_equal(fclose(fp), 0);
  setglobal_bytes(L, "LAUGHS", LAUGHS, sizeof LAUGHS - 1);
  snprintf(doc, sizeof doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file://%s\">]>\n"
           "<r a=\"1\">&x;</r>", secret);
  setglobal_bytes(L, "XXE", doc, strlen(doc));
  snprintf(doc, sizeof doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]>\n"
           "<r>&leak;</r>", pe);
  setglobal_bytes(L, "PE", doc, strlen(doc));
  snprintf(doc, sizeof doc, "<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"file://%s\">\n<r>&leak;</r>", pe);
  setglobal_bytes(L, "EXTSUB", doc, strlen(doc));
  run(L,
    "local M = '" MARKER "'\n"
    /* billion laughs: libxml2 refuses it, and nothing is expanded anyway */
    "local t, msg, code = xml.parse(LAUGHS)\n"
    "if t then assert(#t.text < 100 and #t.attr.a < 100) else assert(code == 'EXML', msg) end\n"
    "assert(xml.set_text(LAUGHS, 'x', 'y') == nil)\n"
    /* entities that do parse are left as references, never expanded */
    "t = assert(xml.parse('<!DOCTYPE r [<!ENTITY e \"<b>in</b>\"><!ENTITY f \"plain\">]>'\n"
    "                    .. '<r v=\"[&f;]\">a&e;b&amp;</r>'))\n"
    "assert(t.text == 'a&e;b&', t.text)\n"
    "assert(t.attr.v == '[&f;]', t.attr.v)\n"
    "assert(#t == 0)\n"
    /* external entity: not loaded */
    "t, msg = xml.parse(XXE)\n"
    "assert(t, msg)\n"
    "assert(t.text == '&x;', t.text)\n"
    /* external parameter entity and external DTD subset: not loaded */
    "t, msg = xml.parse(PE)\n"
    "assert(not (t and t.text:find(M)) and not (msg and msg:find(M)))\n"
    "t, msg = xml.parse(EXTSUB)\n"
    "assert(t and t.text == '&leak;', msg)\n");
  unlink(secret);
  unlink(pe);
}

static void test_lua_set_text_task(void **state) {
  lua_State *L = *state;
  size_t n;
  char *f = task_file(&n);
  setglobal_bytes(L, "TASK", f, n);
  free(f);
  run(L,
    "local decl = '<?xml version=\"1.0\" encoding=\"UTF-16\"?>\\r\\n'\n"
    "local orig = xml.utf16_to_utf8(TASK)\n"
    "assert(orig:sub(1, #decl) == decl)\n"
    /* the same value: byte for byte the same file */
    "local same, c = xml.set_text(TASK, 'Settings/MultipleInstancesPolicy', 'Parallel')\n"
    "assert(same == TASK and c == 1)\n"
    /* a new value: UTF-16LE with BOM still, declaration and CRLF kept, and
     * nothing else changed */
    "local out, c2 = xml.set_text(TASK, 'Settings/MultipleInstancesPolicy', 'IgnoreNew')\n"
    "assert(out, c2)\n"
    "assert(c2 == 1)\n"
    "assert(out:sub(1, 2) == '\\xFF\\xFE' and xml.detect(out) == 'utf-16le-bom')\n"
    "local text = xml.utf16_to_utf8(out)\n"
    "local want = orig:gsub('>Parallel<', '>IgnoreNew<')\n"
    "assert(text == want)\n"
    "local t = assert(xml.parse(out))\n"
    "assert(xml.text(t, 'Settings/MultipleInstancesPolicy') == 'IgnoreNew')\n"
    /* a missing element is created under its parent, indented, CRLF */
    "local out2, c3 = xml.set_text(out, '/Task/Settings/AllowStartOnDemand', true)\n"
    "assert(out2 and c3 == 1, c3)\n"
    "text = xml.utf16_to_utf8(out2)\n"
    "assert(text:find('<Priority>7</Priority>\\r\\n    <AllowStartOnDemand>true</AllowStartOnDemand>\\r\\n  </Settings>', 1, true), text)\n"
    "assert(xml.text(xml.parse(out2), 'Settings/AllowStartOnDemand') == 'true')\n"
    /* enabling every trigger: set where present, created where absent */
    "local out3, c4 = xml.set_text(TASK, 'Triggers/*/Enabled', 'true', {all = true})\n"
    "assert(out3 and c4 == 2, c4)\n"
    "local t3 = xml.parse(out3)\n"
    "for _, e in ipairs(xml.find_all(t3, 'Triggers/*/Enabled')) do assert(e.text == 'true') end\n"
    "assert(#xml.find_all(t3, 'Triggers/*/Enabled') == 2)\n"
    "local out4, c5 = xml.set_text(TASK, 'Triggers/*/Enabled', 'true', {all = true, create = false})\n"
    "assert(c5 == 1 and #xml.find_all(xml.parse(out4), 'Enabled') == 2)\n"
    /* empty elements keep their form until given text */
    "local out5 = xml.set_text(TASK, 'Triggers/CalendarTrigger/ScheduleByWeek/DaysOfWeek/Monday', 'x')\n"
    "assert(xml.utf16_to_utf8(out5):find('<Monday >x</Monday>', 1, true))\n"
    "assert(xml.utf16_to_utf8(out5):find('<Wednesday />', 1, true))\n"
    /* markup and CR in the new text survive a round trip */
    "local out6 = xml.set_text(TASK, 'RegistrationInfo/Author', 'a<b>&c\\r\\nd')\n"
    "assert(xml.text(xml.parse(out6), 'RegistrationInfo/Author') == 'a<b>&c\\r\\nd')\n"
    /* refusals */
    "local function no(code, ...)\n"
    "  local r, msg, c = xml.set_text(TASK, ...)\n"
    "  assert(r == nil and c == code, tostring(c) .. ' ' .. tostring(msg))\n"
    "  return msg\n"
    "end\n"
    "no('ENOENT', 'Nope/Thing', 'x')\n"
    "no('ENOENT', '/Other/Settings', 'x')\n"
    "no('ENOTEMPTY', 'Settings', 'x')\n"
    "no('ENOENT', 'Settings/Missing', 'x', {create = false})\n"
    "no('EINVAL', 'Settings/Priority', 'bad\\1')\n"
    "no('EINVAL', 'Settings/Priority', '\\xff')\n"
    "no('EINVAL', 'Settings/9bad', 'x')\n"
    "no('EFBIG', 'Settings/Priority', '1', {max_bytes = 10})\n"
    "assert(not pcall(xml.set_text, TASK, 'a//b', 'x'))\n");
}

static void test_lua_set_text_encodings(void **state) {
  lua_State *L = *state;
  setglobal_bytes(L, "VAULT", VAULT, sizeof VAULT - 1);
  run(L,
    /* UTF-8 stays UTF-8 without a BOM; with a BOM keeps it */
    "local out = assert(xml.set_text(VAULT, 'ResourceName', 'other-vault'))\n"
    "assert(out == VAULT:gsub('contoso%-vault', 'other-vault'))\n"
    "out = assert(xml.set_text('\\xEF\\xBB\\xBF' .. VAULT, 'Location', 'brazilsouth'))\n"
    "assert(out:sub(1, 3) == '\\xEF\\xBB\\xBF' and xml.text(xml.parse(out), 'Location') == 'brazilsouth')\n"
    /* UTF-16 without BOM and big-endian keep their form */
    "local le = xml.utf8_to_utf16le(VAULT)\n"
    "out = assert(xml.set_text(le, 'Location', 'x'))\n"
    "assert(xml.detect(out) == 'utf-16le' and xml.text(xml.parse(out), 'Location') == 'x')\n"
    "local be = '\\xFE\\xFF' .. le:gsub('(.)(.)', '%2%1')\n"
    "out = assert(xml.set_text(be, 'Location', 'y'))\n"
    "assert(xml.detect(out) == 'utf-16be-bom' and xml.text(xml.parse(out), 'Location') == 'y')\n"
    /* an 8-bit document keeps its encoding; only ASCII can go in */
    "local latin = '<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\\n<a><b>caf\\xe9</b><c/></a>'\n"
    "assert(xml.text(xml.parse(latin), 'b') == 'caf\\u{e9}')\n"
    "out = assert(xml.set_text(latin, 'c', 'ok'))\n"
    "assert(out == latin:gsub('<c/>', '<c>ok</c>'))\n"
    "assert(xml.set_text(latin, 'c', '\\u{e9}') == nil)\n"
    /* prefixed elements: created with the parent's prefix */
    "local p = '<t:a xmlns:t=\"urn:x\"><t:b>1</t:b></t:a>'\n"
    "out = assert(xml.set_text(p, 'c', 'v'))\n"
    "assert(out == '<t:a xmlns:t=\"urn:x\"><t:b>1</t:b><t:c>v</t:c></t:a>', out)\n"
    "out = assert(xml.set_text('<a><p/></a>', 'p/q', ''))\n"
    "assert(out == '<a><p><q></q></p></a>', out)\n");
}

static void test_lua_utilities(void **state) {
  lua_State *L = *state;
  run(L,
    "assert(xml.utf16_to_utf8('\\xFF\\xFEa\\0\\xe9\\0') == 'a\\u{e9}')\n"
    "assert(xml.utf16_to_utf8('\\xFE\\xFF\\0a\\0\\xe9') == 'a\\u{e9}')\n"
    "assert(xml.utf16_to_utf8('\\0a', true) == 'a')\n"
    "assert(xml.utf16_to_utf8('a\\0') == 'a')\n"
    "assert(xml.utf16_to_utf8('') == '')\n"
    "local r, m, c = xml.utf16_to_utf8('\\x3d\\xd8')\n"
    "assert(r == nil and c == 'EILSEQ' and m:find('surrogate'))\n"
    "assert(xml.utf8_to_utf16le('a\\u{1f600}', true) == '\\xFF\\xFEa\\0\\x3d\\xd8\\x00\\xde')\n"
    "assert(xml.utf8_to_utf16le('a') == 'a\\0')\n"
    "r, m, c = xml.utf8_to_utf16le('\\xed\\xa0\\x80')\n"
    "assert(r == nil and c == 'EILSEQ', m)\n"
    "assert(xml.detect('') == 'utf-8')\n");
}

/* A Lua heap that runs out: the tree is half built when Lua raises, and
 * the libxml2 document and C buffers must still be freed (valgrind). */
typedef struct heap { size_t used, limit; } heap;

static void *heap_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  heap *h = ud;
  void *p;
  if (ptr == NULL) osize = 0;
  if (nsize == 0) {
    free(ptr);
    h->used -= osize;
    return NULL;
  }
  if (nsize > osize && h->used + (nsize - osize) > h->limit) return NULL;
  p = realloc(ptr, nsize);
  if (p == NULL) return NULL;
  h->used = h->used - osize + nsize;
  return p;
}

static void test_lua_out_of_memory(void **state) {
  size_t n;
  char *f = task_file(&n);
  int ok = 0, oom = 0;
  (void)state;
  for (size_t budget = 2000; budget < 200000; budget += 1999) {
    heap h = {0, (size_t)64 << 20};
    lua_State *L = lua_newstate(heap_alloc, &h);
    assert_non_null(L);
    luaL_openlibs(L);
    luaL_requiref(L, "xml", mp_open_xml, 1);
    lua_pop(L, 1);
    assert_int_equal(luaL_loadstring(L,
      "local f = ...\n"
      "local t = assert(xml.parse(f))\n"
      "assert(xml.set_text(f, 'Settings/Priority', '5'))\n"
      "assert(#xml.find_all(t, 'Enabled') == 2)\n"), LUA_OK);
    lua_pushlstring(L, f, n);
    h.limit = h.used + budget;
    if (lua_pcall(L, 1, 0, 0) == LUA_OK) ok++;
    else {
      assert_non_null(strstr(lua_tostring(L, -1), "not enough memory"));
      oom++;
    }
    h.limit = (size_t)64 << 20;
    lua_close(L);
    assert_int_equal(h.used, 0);
  }
  assert_true(ok > 0 && oom > 0);
  free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_detect),
    cmocka_unit_test(test_utf16_convert),
    cmocka_unit_test(test_utf16_invalid),
    cmocka_unit_test(test_to_utf8_task),
    cmocka_unit_test(test_read_task),
    cmocka_unit_test(test_path_parse),
    cmocka_unit_test_setup_teardown(test_lua_parse_task, setup_lua, teardown_lua),
    cmocka_unit_test_setup_teardown(test_lua_parse_vault, setup_lua, teardown_lua),
    cmocka_unit_test_setup_teardown(test_lua_bad_documents, setup_lua, teardown_lua),
    cmocka_unit_test_setup_teardown(test_lua_entities, setup_lua, teardown_lua),
    cmocka_unit_test_setup_teardown(test_lua_set_text_task, setup_lua, teardown_lua),
    cmocka_unit_test_setup_teardown(test_lua_set_text_encodings, setup_lua, teardown_lua),
    cmocka_unit_test_setup_teardown(test_lua_utilities, setup_lua, teardown_lua),
    cmocka_unit_test(test_lua_out_of_memory),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  xmlCleanupParser();
  return failed;
}
