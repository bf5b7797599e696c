/* fuzz_xml_creds.c - vault credential documents through marsplay.xml as
 * playbooks use it (parse, find, text, find_all, set_text) in the
 * sandbox, and through mp_xml_read.  The input reaches Lua through a
 * host function. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "marsplay.h"
#include "formats/xmlconv.h"

static const uint8_t *cur;
static size_t cur_n;
static mp_runtime *rt;

static int host_input(lua_State *L) {
  lua_pushlstring(L, (const char *)cur, cur_n);
  return 1;
}

static const char CODE[] =
  "local xml = require 'marsplay.xml'\n"
  "local s = require('marsplay.host').input()\n"
  "local tree, enc = xml.parse(s, { max_bytes = 1 << 20 })\n"
  "if not tree then return { enc } end\n"
  "local out = { enc = enc, name = tree.name, ns = tree.ns }\n"
  "for _, f in ipairs({ 'ManagementCert', 'ResourceName', 'ResourceId', 'AgentLinks', 'Version' }) do\n"
  "  out[f] = xml.text(tree, f)\n"
  "end\n"
  "out.all = #xml.find_all(tree, '*')\n"
  "local e = xml.find(tree, '/BackupVaultInfo/ManagementCert')\n"
  "out.found = e and e.name\n"
  "local edited = xml.set_text(s, 'ResourceName', 'vault')\n"
  "out.edited = edited and #edited\n"
  "return out\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  mp_config cfg = mp_config_default();
  char *err = NULL;
  (void)argc; (void)argv;
  cfg.lang = "en";
  cfg.timeout = 5;
  rt = mp_new(&cfg, &err);
  if (rt == NULL || mp_register(rt, "input", host_input) != 0) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *err = NULL, eb[256];
  mp_value *v;
  xmlDocPtr doc = NULL;
  int enc;
  cur = data;
  cur_n = size;
  v = mp_eval(rt, CODE, &err);
  mp_value_free(v);
  free(err);
  if (mp_xml_read((const char *)data, size, 0, &doc, &enc, eb, sizeof eb) == 0) xmlFreeDoc(doc);
  return 0;
}
