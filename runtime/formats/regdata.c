/* regdata.c - registry value types, the UTF-8 <-> UTF-16LE codecs, value
 * encoding and decoding, and key paths (see regdata.h).  Shared by the
 * hive files (hive.c) and the live registry (core/registry.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/regdata.h"
#include "formats/utf8.h"

/* ---------- types ---------- */

static const char *const TYPE_NAMES[] = {
  "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
  "REG_DWORD_BIG_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
  "REG_FULL_RESOURCE_DESCRIPTOR", "REG_RESOURCE_REQUIREMENTS_LIST",
  "REG_QWORD"
};
#define NTYPES (sizeof TYPE_NAMES / sizeof TYPE_NAMES[0])

const char *hive_type_name(uint32_t type, char *buf, size_t bufsz) {
  if (type < NTYPES) return TYPE_NAMES[type];
  snprintf(buf, bufsz, "REG_TYPE_0x%x", (unsigned)type);
  return buf;
}

int hive_type_from_name(const char *name, uint32_t *type) {
  size_t i;
  if (name == NULL) return -EINVAL;
  if (strncasecmp(name, "REG_", 4) == 0) name += 4;
  for (i = 0; i < NTYPES; i++) {
    if (strcasecmp(name, TYPE_NAMES[i] + 4) == 0) {
      *type = (uint32_t)i;
      return 0;
    }
  }
  return -EINVAL;
}

int hive_type_parse(const char *name, uint32_t *type, char *err, size_t errsz) {
  if (hive_type_from_name(name, type) == 0) return 0;
  snprintf(err, errsz, "unknown registry type '%s'", name ? name : "(null)");
  return -EINVAL;
}

/* ---------- UTF-8 <-> UTF-16LE (strict) ---------- */

int hive_utf8_to_utf16le(const char *s, size_t len, int nul,
                         char **out, size_t *outlen) {
  unsigned char *o;
  size_t i = 0, k = 0;
  /* at most one UTF-16 unit (2 bytes) per input byte, plus the NUL */
  if (len > (SIZE_MAX - 2) / 2) return -ENOMEM;
  o = malloc(len * 2 + 2);
  if (o == NULL) return -ENOMEM;
  while (i < len) {
    uint32_t cp, hi, lo;
    size_t n = mp_utf8_seq(s + i, len - i);
    if (n == 0) { free(o); return -EILSEQ; }
    cp = mp_utf8_decode(s + i, n);
    i += n;
    if (cp >= 0x10000) {
      mp_utf16_split(cp, &hi, &lo);
      o[k++] = hi & 0xFF; o[k++] = hi >> 8;
      o[k++] = lo & 0xFF; o[k++] = lo >> 8;
    } else {
      o[k++] = cp & 0xFF; o[k++] = (unsigned char)(cp >> 8);
    }
  }
  if (nul) { o[k++] = 0; o[k++] = 0; }
  *out = (char *)o;
  *outlen = k;
  return 0;
}

int hive_utf16le_to_utf8(const char *s, size_t len, char **out, size_t *outlen) {
  const unsigned char *p = (const unsigned char *)s;
  size_t units = len / 2, i, k = 0;
  unsigned char *o;
  if (units > SIZE_MAX / 3 - 1) return -ENOMEM;
  o = malloc(units * 3 + 1);      /* a BMP unit gives at most 3 bytes */
  if (o == NULL) return -ENOMEM;
  for (i = 0; i < units; i++) {
    uint32_t c = (uint32_t)p[2 * i] | ((uint32_t)p[2 * i + 1] << 8);
    if (MP_UTF16_HIGH(c)) {
      uint32_t d;
      if (i + 1 >= units) goto bad;
      d = (uint32_t)p[2 * i + 2] | ((uint32_t)p[2 * i + 3] << 8);
      if (!MP_UTF16_LOW(d)) goto bad;
      c = mp_utf16_join(c, d);
      i++;
    } else if (MP_UTF16_LOW(c)) {
      goto bad;
    }
    k += mp_utf8_put((char *)o + k, c);  /* 4 bytes only from 2 units: fits */
  }
  o[k] = '\0';
  *out = (char *)o;
  *outlen = k;
  return 0;
bad:
  free(o);
  return -EILSEQ;
}

/* ---------- encoding values ---------- */

/* "123", "-5", "0x1F" -> integer; 0 or -EINVAL/-ERANGE. */
static int parse_int(const char *s, size_t len, int64_t lo, uint64_t hi, uint64_t *out) {
  int neg = 0, base = 10;
  uint64_t v = 0;
  size_t i = 0;
  if (len && s[0] == '-') { neg = 1; i = 1; }
  if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) { base = 16; i += 2; }
  if (i >= len) return -EINVAL;
  for (; i < len; i++) {
    int d;
    char c = s[i];
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -EINVAL;
    if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return -ERANGE;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  if (neg) {
    if (v > (uint64_t)(-(lo + 1)) + 1) return -ERANGE;
    *out = (uint64_t)0 - v;          /* two's complement */
  } else {
    if (v > hi) return -ERANGE;
    *out = v;
  }
  return 0;
}

static int dup_bytes(const char *data, size_t len, char **raw, size_t *rawlen) {
  char *p = malloc(len ? len : 1);
  if (p == NULL) return -ENOMEM;
  if (len) memcpy(p, data, len);
  *raw = p;
  *rawlen = len;
  return 0;
}

static int encode_multi(const char *data, size_t len, char **raw, size_t *rawlen,
                        char *err, size_t errsz) {
  char *o = NULL;
  size_t olen = 0, i = 0;
  if (len && data[len - 1] == '\0') len--;     /* final NUL optional */
  while (i < len) {
    const char *end = memchr(data + i, '\0', len - i);
    size_t n = end ? (size_t)(end - (data + i)) : len - i;
    char *u = NULL, *grown;
    size_t ulen;
    int r;
    if (n == 0) {
      free(o);
      snprintf(err, errsz, "REG_MULTI_SZ cannot hold an empty string");
      return -EINVAL;
    }
    if ((r = hive_utf8_to_utf16le(data + i, n, 1, &u, &ulen)) < 0) {
      free(o);
      snprintf(err, errsz, "REG_MULTI_SZ item is not valid UTF-8");
      return r;
    }
    grown = realloc(o, olen + ulen + 2);
    if (grown == NULL) { free(u); free(o); return -ENOMEM; }
    o = grown;
    memcpy(o + olen, u, ulen);
    olen += ulen;
    free(u);
    i += n + 1;
  }
  if (o == NULL && (o = malloc(2)) == NULL) return -ENOMEM;
  o[olen++] = 0;                                /* list terminator */
  o[olen++] = 0;
  *raw = o;
  *rawlen = olen;
  return 0;
}

int hive_encode(uint32_t type, const char *data, size_t len,
                char **raw, size_t *rawlen, char *err, size_t errsz) {
  uint64_t v;
  int r, i;
  unsigned char *o;
  switch (type) {
    case HIVE_REG_SZ: case HIVE_REG_EXPAND_SZ:
      if (memchr(data, '\0', len)) {
        snprintf(err, errsz, "a string value cannot contain NUL characters");
        return -EINVAL;
      }
      r = hive_utf8_to_utf16le(data, len, 1, raw, rawlen);
      if (r == -EILSEQ) snprintf(err, errsz, "string is not valid UTF-8");
      else if (r < 0) snprintf(err, errsz, "%s", plat_err_text(r));
      return r;
    case HIVE_REG_MULTI_SZ:
      return encode_multi(data, len, raw, rawlen, err, errsz);
    case HIVE_REG_DWORD: case HIVE_REG_DWORD_BIG_ENDIAN: case HIVE_REG_QWORD: {
      int q = type == HIVE_REG_QWORD;
      r = q ? parse_int(data, len, INT64_MIN, UINT64_MAX, &v)
            : parse_int(data, len, INT32_MIN, UINT32_MAX, &v);
      if (r < 0) {
        snprintf(err, errsz, "%s needs an integer%s", q ? "REG_QWORD" : "REG_DWORD",
                 r == -ERANGE ? " in range" : "");
        return r;
      }
      o = malloc(8);
      if (o == NULL) return -ENOMEM;
      for (i = 0; i < (q ? 8 : 4); i++) {
        int shift = type == HIVE_REG_DWORD_BIG_ENDIAN ? (3 - i) * 8 : i * 8;
        o[i] = (unsigned char)(v >> shift);
      }
      *raw = (char *)o;
      *rawlen = q ? 8 : 4;
      return 0;
    }
    default:
      if (type >= NTYPES) {
        snprintf(err, errsz, "unknown registry type %u", (unsigned)type);
        return -EINVAL;
      }
      return dup_bytes(data, len, raw, rawlen);
  }
}

int hive_encode_lua(lua_State *L, int idx, uint32_t type,
                    char **raw, size_t *rawlen, char *err, size_t errsz) {
  const char *s;
  size_t len;
  idx = lua_absindex(L, idx);
  if (type == HIVE_REG_MULTI_SZ && lua_type(L, idx) == LUA_TTABLE) {
    luaL_Buffer b;
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, idx);
    int r, top = lua_gettop(L);
    luaL_buffinit(L, &b);                  /* pushes a placeholder in 5.4 */
    for (i = 1; i <= n; i++) {
      if (lua_rawgeti(L, idx, i) != LUA_TSTRING) {
        lua_settop(L, top);
        snprintf(err, errsz, "REG_MULTI_SZ item %lld is not a string", (long long)i);
        return -EINVAL;
      }
      s = lua_tolstring(L, -1, &len);
      if (len == 0 || memchr(s, '\0', len)) {
        lua_settop(L, top);
        snprintf(err, errsz, "REG_MULTI_SZ item %lld is empty or holds a NUL", (long long)i);
        return -EINVAL;
      }
      luaL_addvalue(&b);          /* pops the item */
      luaL_addchar(&b, '\0');
    }
    luaL_pushresult(&b);
    s = lua_tolstring(L, -1, &len);
    r = hive_encode(type, s, len, raw, rawlen, err, errsz);
    lua_pop(L, 1);
    return r;
  }
  if ((type == HIVE_REG_DWORD || type == HIVE_REG_DWORD_BIG_ENDIAN ||
       type == HIVE_REG_QWORD) && lua_isinteger(L, idx)) {
    char num[32];
    lua_Integer v = lua_tointeger(L, idx);
    snprintf(num, sizeof num, "%lld", (long long)v);
    return hive_encode(type, num, strlen(num), raw, rawlen, err, errsz);
  }
  if (type == HIVE_REG_NONE && lua_isnoneornil(L, idx))
    return dup_bytes("", 0, raw, rawlen);
  if (lua_type(L, idx) != LUA_TSTRING) {
    char tb[32];
    snprintf(err, errsz, "a %s value cannot be made from a %s",
             hive_type_name(type, tb, sizeof tb), luaL_typename(L, idx));
    return -EINVAL;
  }
  s = lua_tolstring(L, idx, &len);
  return hive_encode(type, s, len, raw, rawlen, err, errsz);
}

/* ---------- key paths ---------- */

void reg_path_free(reg_path *kp) { free(kp->buf); kp->buf = NULL; }

int reg_path_parse(const char *path, reg_path *kp, char *err, size_t errsz) {
  char sep = strchr(path, '\\') ? '\\' : '/';
  char *p, *root, *hive;
  size_t rlen;
  memset(kp, 0, sizeof *kp);
  kp->hive = -1;
  kp->buf = strdup(path);
  if (kp->buf == NULL) { snprintf(err, errsz, "out of memory"); return -ENOMEM; }
  p = kp->buf;
  while (*p == sep) p++;
  root = p;
  while (*p && *p != sep) p++;
  if (*p) *p++ = '\0';
  rlen = strlen(root);
  if (rlen && root[rlen - 1] == ':') root[rlen - 1] = '\0';   /* HKLM: */
  while (*p == sep) p++;
  hive = p;
  while (*p && *p != sep) p++;
  if (*p) *p++ = '\0';
  if (strcasecmp(root, "HKLM") == 0 || strcasecmp(root, "HKEY_LOCAL_MACHINE") == 0) {
    if (strcasecmp(hive, "SOFTWARE") == 0) kp->hive = REG_HIVE_SOFTWARE;
    else if (strcasecmp(hive, "SYSTEM") == 0) kp->hive = REG_HIVE_SYSTEM;
  } else if (strcasecmp(root, "HKU") == 0 || strcasecmp(root, "HKEY_USERS") == 0) {
    if (strcasecmp(hive, "S-1-5-18") == 0 || strcasecmp(hive, ".DEFAULT") == 0) kp->hive = REG_HIVE_DEFAULT;
  } else if (strcasecmp(root, "HKCU") == 0 || strcasecmp(root, "HKEY_CURRENT_USER") == 0) {
    snprintf(err, errsz, "%s: HKCU depends on the user; name the user's hive "
             "(HKU\\S-1-5-18 for services running as SYSTEM)", path);
    reg_path_free(kp);
    return -EINVAL;
  }
  if (kp->hive < 0) {
    snprintf(err, errsz, "%s: unsupported registry path (use HKLM\\SOFTWARE, "
             "HKLM\\SYSTEM, HKU\\S-1-5-18 or HKU\\.DEFAULT)", path);
    reg_path_free(kp);
    return -EINVAL;
  }
  while (*p) {
    char *s;
    while (*p == sep) p++;
    if (*p == '\0') break;
    s = p;
    while (*p && *p != sep) p++;
    if (*p) *p++ = '\0';
    if (kp->n == REG_MAX_DEPTH || strlen(s) > 1024) {   /* 255 UTF-16 units */
      snprintf(err, errsz, "%s: key path too deep or key name too long", path);
      reg_path_free(kp);
      return -ENAMETOOLONG;
    }
    kp->comp[kp->n++] = s;
  }
  return 0;
}

/* ---------- values to Lua ---------- */

static int push_utf16(lua_State *L, const char *data, size_t len, int multi) {
  char *s;
  size_t slen, units = len / 2;
  int r;
  if (len % 2 && data[len - 1] != '\0') return -EILSEQ;
  if (!multi) {                             /* cut at the first NUL */
    size_t i;
    for (i = 0; i < units; i++)
      if (data[2 * i] == 0 && data[2 * i + 1] == 0) break;
    units = i;
  }
  if ((r = hive_utf16le_to_utf8(data, units * 2, &s, &slen)) < 0) return r;
  if (!multi) {
    lua_pushlstring(L, s, slen);
  } else {
    size_t i = 0;
    lua_Integer n = 0;
    lua_newtable(L);
    while (i < slen) {
      size_t k = strlen(s + i);
      if (k == 0) break;                    /* empty string ends the list */
      lua_pushlstring(L, s + i, k);
      lua_rawseti(L, -2, ++n);
      i += k + 1;
    }
  }
  free(s);
  return 0;
}

int hive_push_data(lua_State *L, uint32_t type, const char *data, size_t len,
                   char *err, size_t errsz) {
  const unsigned char *u = (const unsigned char *)data;
  char tb[32];
  int r;
  switch (type) {
    case HIVE_REG_SZ: case HIVE_REG_EXPAND_SZ: case HIVE_REG_MULTI_SZ:
      r = push_utf16(L, data, len, type == HIVE_REG_MULTI_SZ);
      if (r == -EILSEQ)
        snprintf(err, errsz, "%s data is not valid UTF-16", hive_type_name(type, tb, sizeof tb));
      else if (r < 0)
        snprintf(err, errsz, "%s", plat_err_text(r));
      return r;
    case HIVE_REG_DWORD: case HIVE_REG_DWORD_BIG_ENDIAN:
      if (len != 4) break;
      if (type == HIVE_REG_DWORD)
        lua_pushinteger(L, (lua_Integer)((uint32_t)u[0] | (uint32_t)u[1] << 8 |
                                         (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24));
      else
        lua_pushinteger(L, (lua_Integer)((uint32_t)u[3] | (uint32_t)u[2] << 8 |
                                         (uint32_t)u[1] << 16 | (uint32_t)u[0] << 24));
      return 0;
    case HIVE_REG_QWORD: {
      uint64_t v = 0;
      int i;
      if (len != 8) break;
      for (i = 7; i >= 0; i--) v = (v << 8) | u[i];
      lua_pushinteger(L, (lua_Integer)v);
      return 0;
    }
    default:
      lua_pushlstring(L, data, len);
      return 0;
  }
  snprintf(err, errsz, "%s data has %zu bytes", hive_type_name(type, tb, sizeof tb), len);
  return -EINVAL;
}
