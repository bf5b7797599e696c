/* bind_xml.c - marsplay.xml: read XML into Lua tables, edit text.
 *
 *   xml.parse(bytes [, {max_bytes=, name=}])  -> tree, encoding | nil, msg, code
 *   xml.find(tree, path)                      -> element | nil
 *   xml.find_all(tree, path)                  -> { element, ... }
 *   xml.text(tree [, path])                   -> trimmed text | nil
 *   xml.set_text(bytes, path, text [, {all=, create=, max_bytes=, name=}])
 *                                             -> bytes, count | nil, msg, code
 *   xml.detect(bytes)                         -> encoding name
 *   xml.utf16_to_utf8(bytes [, big_endian])   -> string | nil, msg, code
 *   xml.utf8_to_utf16le(str [, bom])          -> bytes | nil, msg, code
 *
 * An element is { name=, ns=, line=, attr={[qname]=value}, text=, [1..n]=
 * child elements }.  text is the raw concatenation of the element's own
 * text; entity references stay as "&name;" (nothing is expanded).
 * Encodings: "utf-8", "utf-8-bom", "utf-16le-bom", "utf-16be-bom",
 * "utf-16le", "utf-16be".  Codes: EXML (not well-formed, too deep),
 * EILSEQ (bad UTF-16), EFBIG (over max_bytes, default 16 MiB), ENOENT,
 * EINVAL, ENOTEMPTY, ENOMEM, EIO.
 *
 * Paths name elements by local name, case-sensitive: "Settings/Enabled"
 * starts below the element given, "/Task/Settings/Enabled" names it
 * first, "*" matches any name.  find_all with a single name returns every
 * descendant of that name at any depth.  set_text changes the first
 * element the path reaches (every one with all=true), creating the last
 * element under its parent when missing (unless create=false); the rest
 * of the document is kept byte for byte, in its encoding.  A boolean
 * text becomes "true"/"false".  The module needs no runtime: it works on
 * any lua_State.
 */
#include <string.h>

#include <lua.h>
#include <lauxlib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/mp_internal.h"
#include "formats/xmlconv.h"

#define BOX_MT "marsplay.xml.box"
#define WALK_MAX 256   /* nesting accepted when walking Lua trees */

/* libxml2 documents and C buffers held across Lua calls that may raise. */
typedef struct box { xmlDocPtr doc; char *mem; } box;

static void box_release(box *b) {
  if (b->doc != NULL) xmlFreeDoc(b->doc);
  free(b->mem);
  b->doc = NULL;
  b->mem = NULL;
}

static int box_gc(lua_State *L) {
  box_release(luaL_checkudata(L, 1, BOX_MT));
  return 0;
}

static box *box_new(lua_State *L) {
  box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->doc = NULL;
  b->mem = NULL;
  luaL_setmetatable(L, BOX_MT);
  return b;
}

static const char *code_name(int r) {
  return r == MP_XML_ESYNTAX ? "EXML" : plat_err_name(r);
}

static int push_fail(lua_State *L, const char *name, int r, const char *msg) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", name, msg);
  lua_pushstring(L, code_name(r));
  return 3;
}

/* ---------- options ---------- */

typedef struct opts { size_t max_bytes; const char *name; int flags; } opts;

static int opt_bool(lua_State *L, int idx, const char *key, int dflt) {
  int t = lua_getfield(L, idx, key), v = dflt;
  if (t == LUA_TBOOLEAN) v = lua_toboolean(L, -1);
  else if (t != LUA_TNIL) luaL_error(L, "option '%s' must be a boolean", key);
  lua_pop(L, 1);
  return v;
}

static void get_opts(lua_State *L, int idx, opts *o) {
  o->max_bytes = MP_XML_MAX_BYTES;
  o->name = "xml";
  o->flags = 0;
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  if (lua_getfield(L, idx, "max_bytes") != LUA_TNIL) {
    int isnum;
    lua_Integer m = lua_tointegerx(L, -1, &isnum);
    if (!isnum || m <= 0) luaL_error(L, "option 'max_bytes' must be a positive integer");
    o->max_bytes = (size_t)m;
  }
  lua_pop(L, 1);
  if (lua_getfield(L, idx, "name") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "option 'name' must be a string");
    o->name = lua_tostring(L, -1);  /* the options table keeps it alive */
  }
  lua_pop(L, 1);
  if (opt_bool(L, idx, "all", 0)) o->flags |= MP_XSET_ALL;
  if (!opt_bool(L, idx, "create", 1)) o->flags |= MP_XSET_NOCREATE;
}

static void check_path(lua_State *L, int arg, mp_xml_path *p) {
  char err[128];
  if (mp_xml_path_parse(p, luaL_checkstring(L, arg), err, sizeof err) != 0)
    luaL_argerror(L, arg, err);
}

/* ---------- libxml2 tree -> Lua ---------- */

/* Text and entity-reference children, concatenated (no expansion). */
static void add_text(luaL_Buffer *b, xmlNodePtr c) {
  for (; c != NULL; c = c->next) {
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
      luaL_addstring(b, (const char *)c->content);
    else if (c->type == XML_ENTITY_REF_NODE) {
      luaL_addchar(b, '&');
      luaL_addstring(b, (const char *)c->name);
      luaL_addchar(b, ';');
    }
  }
}

static void push_attrs(lua_State *L, xmlNodePtr el) {
  lua_newtable(L);
  for (xmlAttrPtr a = el->properties; a != NULL; a = a->next) {
    luaL_Buffer b;
    if (a->ns != NULL && a->ns->prefix != NULL)
      lua_pushfstring(L, "%s:%s", (const char *)a->ns->prefix, (const char *)a->name);
    else
      lua_pushstring(L, (const char *)a->name);
    luaL_buffinit(L, &b);
    add_text(&b, a->children);
    luaL_pushresult(&b);
    lua_rawset(L, -3);
  }
}

static void push_elem(lua_State *L, xmlNodePtr el, int depth) {
  luaL_Buffer b;
  lua_Integer i = 0;
  if (depth > MP_XML_MAX_DEPTH) luaL_error(L, "xml: elements nested too deep");
  luaL_checkstack(L, 8, "xml: elements nested too deep");
  lua_createtable(L, 0, 6);
  lua_pushstring(L, (const char *)el->name);
  lua_setfield(L, -2, "name");
  if (el->ns != NULL && el->ns->href != NULL) {
    lua_pushstring(L, (const char *)el->ns->href);
    lua_setfield(L, -2, "ns");
  }
  lua_pushinteger(L, (lua_Integer)xmlGetLineNo(el));
  lua_setfield(L, -2, "line");
  push_attrs(L, el);
  lua_setfield(L, -2, "attr");
  luaL_buffinit(L, &b);
  add_text(&b, el->children);
  luaL_pushresult(&b);
  lua_setfield(L, -2, "text");
  for (xmlNodePtr c = el->children; c != NULL; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    push_elem(L, c, depth + 1);
    lua_rawseti(L, -2, ++i);
  }
}

static int l_parse(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  char err[512];
  opts o;
  box *b;
  int enc, r;
  get_opts(L, 2, &o);
  b = box_new(L);
  r = mp_xml_read(s, n, o.max_bytes, &b->doc, &enc, err, sizeof err);
  if (r != 0) return push_fail(L, o.name, r, err);
  push_elem(L, xmlDocGetRootElement(b->doc), 1);
  box_release(b);
  lua_pushstring(L, mp_xml_enc_name(enc));
  return 2;
}

/* ---------- walking Lua trees ---------- */

static int name_is(lua_State *L, int idx, const char *pat) {
  int ok;
  lua_pushliteral(L, "name");
  ok = lua_rawget(L, idx) == LUA_TSTRING && mp_xml_name_match(pat, lua_tostring(L, -1));
  lua_pop(L, 1);
  return ok;
}

/* Match comp[i..] below the element at idx.  Pushes the first match and
 * returns 1, or returns 0; with out (a table index) appends every match
 * there instead and returns 0. */
static int walk_path(lua_State *L, int idx, const mp_xml_path *p, int i, int out) {
  if (i == p->n) {
    if (out == 0) { lua_pushvalue(L, idx); return 1; }
    lua_pushvalue(L, idx);
    lua_rawseti(L, out, (lua_Integer)lua_rawlen(L, out) + 1);
    return 0;
  }
  luaL_checkstack(L, 4, "xml: path too deep");
  for (lua_Integer k = 1; lua_rawgeti(L, idx, k) != LUA_TNIL; k++) {
    int child = lua_gettop(L);
    if (lua_type(L, child) == LUA_TTABLE && name_is(L, child, p->comp[i]) &&
        walk_path(L, child, p, i + 1, out)) {
      lua_remove(L, child);
      return 1;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return 0;
}

/* Every descendant of idx named pat, in document order. */
static void walk_all(lua_State *L, int idx, const char *pat, int out, int depth) {
  if (depth > WALK_MAX) luaL_error(L, "xml: tree nested deeper than %d levels (a cycle?)", WALK_MAX);
  luaL_checkstack(L, 4, "xml: tree too deep");
  for (lua_Integer k = 1; lua_rawgeti(L, idx, k) != LUA_TNIL; k++) {
    int child = lua_gettop(L);
    if (lua_type(L, child) == LUA_TTABLE) {
      if (name_is(L, child, pat)) {
        lua_pushvalue(L, child);
        lua_rawseti(L, out, (lua_Integer)lua_rawlen(L, out) + 1);
      }
      walk_all(L, child, pat, out, depth + 1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* Where a path starts: the element at 1, past its own name if absolute;
 * -1 if an absolute path does not name it. */
static int path_start(lua_State *L, const mp_xml_path *p) {
  if (!p->absolute) return 0;
  return name_is(L, 1, p->comp[0]) ? 1 : -1;
}

static int find_first(lua_State *L, const mp_xml_path *p) {
  int start = path_start(L, p);
  return start >= 0 && walk_path(L, 1, p, start, 0);
}

static int l_find(lua_State *L) {
  mp_xml_path p;
  luaL_checktype(L, 1, LUA_TTABLE);
  check_path(L, 2, &p);
  if (!find_first(L, &p)) lua_pushnil(L);
  return 1;
}

static int l_find_all(lua_State *L) {
  mp_xml_path p;
  int start;
  luaL_checktype(L, 1, LUA_TTABLE);
  check_path(L, 2, &p);
  lua_settop(L, 2);
  lua_newtable(L);
  if (p.n == 1 && !p.absolute) {
    walk_all(L, 1, p.comp[0], 3, 1);
    return 1;
  }
  start = path_start(L, &p);
  if (start >= 0) walk_path(L, 1, &p, start, 3);
  return 1;
}

static int l_text(lua_State *L) {
  size_t n;
  const char *s;
  luaL_checktype(L, 1, LUA_TTABLE);
  if (!lua_isnoneornil(L, 2)) {
    mp_xml_path p;
    check_path(L, 2, &p);
    if (!find_first(L, &p)) { lua_pushnil(L); return 1; }
  } else {
    lua_pushvalue(L, 1);
  }
  lua_pushliteral(L, "text");
  if (lua_rawget(L, -2) != LUA_TSTRING) { lua_pushnil(L); return 1; }
  s = lua_tolstring(L, -1, &n);
  while (n > 0 && strchr(" \t\r\n", *s)) { s++; n--; }
  while (n > 0 && strchr(" \t\r\n", s[n - 1])) n--;
  lua_pushlstring(L, s, n);
  return 1;
}

/* ---------- editing and encodings ---------- */

static int l_set_text(lua_State *L) {
  size_t n, tn;
  const char *s = luaL_checklstring(L, 1, &n), *path, *text;
  mp_xml_path p;
  char err[512];
  opts o;
  box *b;
  size_t outn;
  int r, count;
  check_path(L, 2, &p);
  path = lua_tostring(L, 2);
  if (lua_type(L, 3) == LUA_TBOOLEAN) {
    text = lua_toboolean(L, 3) ? "true" : "false";
    tn = strlen(text);
  } else {
    text = luaL_checklstring(L, 3, &tn);
  }
  get_opts(L, 4, &o);
  b = box_new(L);
  r = mp_xml_set_text(s, n, path, text, tn, o.flags, o.max_bytes, &b->mem, &outn,
                      &count, err, sizeof err);
  if (r != 0) return push_fail(L, o.name, r, err);
  lua_pushlstring(L, b->mem, outn);
  box_release(b);
  lua_pushinteger(L, count);
  return 2;
}

static int l_detect(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lua_pushstring(L, mp_xml_enc_name(mp_xml_detect(s, n)));
  return 1;
}

static int l_utf16_to_utf8(lua_State *L) {
  size_t n, outn;
  const char *s = luaL_checklstring(L, 1, &n);
  const unsigned char *u = (const unsigned char *)s;
  int big = lua_toboolean(L, 2);
  char err[128];
  box *b = box_new(L);
  int r;
  if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE) { big = 0; s += 2; n -= 2; }
  else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF) { big = 1; s += 2; n -= 2; }
  r = mp_utf16_to_utf8(s, n, big, &b->mem, &outn, err, sizeof err);
  if (r != 0) return push_fail(L, "utf16_to_utf8", r, err);
  lua_pushlstring(L, b->mem, outn);
  box_release(b);
  return 1;
}

static int l_utf8_to_utf16le(lua_State *L) {
  size_t n, outn;
  const char *s = luaL_checklstring(L, 1, &n);
  int bom = lua_toboolean(L, 2);
  char err[128];
  box *b = box_new(L);
  int r = mp_utf8_to_utf16(s, n, 0, bom, &b->mem, &outn, err, sizeof err);
  if (r != 0) return push_fail(L, "utf8_to_utf16le", r, err);
  lua_pushlstring(L, b->mem, outn);
  box_release(b);
  return 1;
}

static const luaL_Reg xml_funcs[] = {
  {"parse", l_parse},
  {"find", l_find},
  {"find_all", l_find_all},
  {"text", l_text},
  {"set_text", l_set_text},
  {"detect", l_detect},
  {"utf16_to_utf8", l_utf16_to_utf8},
  {"utf8_to_utf16le", l_utf8_to_utf16le},
  {NULL, NULL}
};

int mp_open_xml(lua_State *L) {
  xmlInitParser();
  if (luaL_newmetatable(L, BOX_MT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "private");
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  luaL_newlib(L, xml_funcs);
  return 1;
}
