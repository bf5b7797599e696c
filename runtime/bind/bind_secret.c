/* bind_secret.c - marsplay.secret: keep secrets out of every output.
 *
 *   secret.add(s)      -> true | false, reason
 *       From now on every occurrence of s in results, evidence, messages,
 *       actions, events (the log) and notices is written "[redacted]".
 *       Refused (false): strings shorter than secret.MIN bytes and words
 *       the report is made of ("pass", "evidence", ...).
 *   secret.redact(s)   -> s with every known secret and URL password
 *                         (scheme://user:pass@host) replaced
 *   secret.MIN         -> the shortest secret searched for
 *   secret.pfx_validity(b64)
 *                      -> { not_before=, not_after= (seconds since 1970,
 *                           UTC), subject= (common name), thumbprint=
 *                           (SHA-1, hex), certificates=, password=
 *                           "empty" | "none" }
 *                       | nil, message, code
 *       The certificate of a base64 PKCS#12 (PFX) blob exported without a
 *       password (a vault credentials file's ManagementCert), read through
 *       the platform layer (libcrypto / CryptoAPI).  The blob is made a
 *       secret first (secret.add); nothing of it is returned.  code:
 *       "not-base64", "not-pkcs12", "password", "cipher",
 *       "no-certificate", "unavailable", "nomem", "unreadable" (Windows
 *       did not say why: a password or damage).
 *
 * Call add as soon as a secret is read (the vault credential's
 * ManagementCert, a proxy password): what was emitted before is out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mp_internal.h"

static int s_add(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int r = mp_secret_add(mp_rt(L), s, len);
  if (r < 0) return luaL_error(L, "secret.add: out of memory or too many secrets");
  if (r == 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, len < MP_SECRET_MIN ? "too short to be searched for"
                                          : "a word of the report itself");
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int s_redact(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  mp_value *v = mp_redacted_str(mp_rt(L), s, len);
  if (v == NULL) return luaL_error(L, "secret.redact: out of memory");
  lua_pushlstring(L, v->u.str.s, v->u.str.len);
  mpv_free(v);
  return 1;
}

/* Decode base64 (whitespace ignored, '=' padding only at the end) into a
 * malloc'd buffer.  0, -1 not base64, -2 out of memory. */
static int unbase64(const char *s, size_t len, unsigned char **out, size_t *outlen) {
  unsigned char *b = malloc(len / 4 * 3 + 3);
  size_t i, n = 0, q = 0, pad = 0;
  uint32_t acc = 0;
  *out = NULL;
  if (b == NULL) return -2;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    int v;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') { pad++; v = 0; }
    else if (pad) { v = -1; }
    else if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else v = -1;
    if (v < 0 || pad > 2) { free(b); return -1; }
    acc = (acc << 6) | (uint32_t)v;
    if (++q == 4) {
      b[n++] = (unsigned char)(acc >> 16);
      b[n++] = (unsigned char)(acc >> 8);
      b[n++] = (unsigned char)acc;
      q = 0;
      acc = 0;
    }
  }
  if (q != 0 || n < pad) { free(b); return -1; }
  *out = b;
  *outlen = n - pad;
  return 0;
}

/* The decoded blob is as secret as its text: wiped before it is freed. */
static void wipe_free(unsigned char *b, size_t n) {
  volatile unsigned char *v = b;
  while (n--) *v++ = 0;
  free(b);
}

static int s_pfx_validity(lua_State *L) {
  size_t len, n = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  unsigned char *der = NULL;
  plat_pfx_info info;
  plat_pfx_status st;
  int r;
  if (mp_secret_add(mp_rt(L), s, len) < 0) return luaL_error(L, "secret.pfx_validity: out of memory");
  r = unbase64(s, len, &der, &n);
  if (r == -2) return luaL_error(L, "secret.pfx_validity: out of memory");
  if (r < 0 || n == 0) {
    lua_pushnil(L);
    lua_pushstring(L, "not base64 text");
    lua_pushstring(L, "not-base64");
    return 3;
  }
  st = plat_pfx_validity(der, n, &info);
  wipe_free(der, n);
  if (st != PLAT_PFX_OK) {
    lua_pushnil(L);
    lua_pushstring(L, plat_pfx_status_text(st));
    lua_pushstring(L, plat_pfx_status_name(st));
    return 3;
  }
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, (lua_Integer)info.not_before);
  lua_setfield(L, -2, "not_before");
  lua_pushinteger(L, (lua_Integer)info.not_after);
  lua_setfield(L, -2, "not_after");
  lua_pushstring(L, info.subject_cn);
  lua_setfield(L, -2, "subject");
  lua_pushstring(L, info.thumbprint);
  lua_setfield(L, -2, "thumbprint");
  lua_pushinteger(L, info.certificates);
  lua_setfield(L, -2, "certificates");
  lua_pushstring(L, info.null_password ? "none" : "empty");
  lua_setfield(L, -2, "password");
  return 1;
}

int mp_open_secret(lua_State *L) {
  static const luaL_Reg fns[] = {{"add", s_add}, {"redact", s_redact},
                                 {"pfx_validity", s_pfx_validity}, {NULL, NULL}};
  luaL_newlib(L, fns);
  lua_pushinteger(L, MP_SECRET_MIN);
  lua_setfield(L, -2, "MIN");
  return 1;
}
