/* registry.c - the target's registry: hive files offline, the live
 * Windows registry on a running Windows (see registry.h).  This file
 * only chooses and adapts; hive.c and platform/live.h do the work. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/registry.h"
#include "formats/hive.h"
#include "platform/live.h"

#define ERRSZ 1024

/* Offline: hive files.  Live: the Win32 registry where there is one. */
static int is_live(mp_runtime *rt) { return !rt->offline && live_available(); }

static int not_here(char *err, size_t errsz) {
  snprintf(err, errsz, "no registry on this system (a live %s system has no Windows "
           "registry: " LIVE_NOT_HERE "; use --root for an offline Windows volume)",
           plat_name());
  return -ENOSYS;
}

const char *reg_backend_name(mp_runtime *rt) {
  if (rt->offline) return "hive files";
  return live_available() ? "live registry" : "none";
}

/* The live root and the key below it ('\'-joined, malloc'd) of path. */
static int live_key(const char *path, live_root *root, char **key, char *err, size_t errsz) {
  static const char *const TOP[REG_NHIVES] = {"SOFTWARE", "SYSTEM", NULL};
  reg_path kp;
  size_t need = 16, at = 0;
  int i, r = reg_path_parse(path, &kp, err, errsz);
  if (r < 0) return r;
  for (i = 0; i < kp.n; i++) need += strlen(kp.comp[i]) + 1;
  if ((*key = malloc(need)) == NULL) {
    reg_path_free(&kp);
    snprintf(err, errsz, "out of memory");
    return -ENOMEM;
  }
  (*key)[0] = '\0';
  *root = kp.hive == REG_HIVE_DEFAULT ? LIVE_HKU_SYSTEM : LIVE_HKLM;
  if (TOP[kp.hive]) at = (size_t)snprintf(*key, need, "%s", TOP[kp.hive]);
  for (i = 0; i < kp.n; i++)
    at += (size_t)snprintf(*key + at, need - at, "%s%s", at ? "\\" : "", kp.comp[i]);
  reg_path_free(&kp);
  return 0;
}

static int live_fail(int r, const char *path, const char *what, char *err, size_t errsz) {
  if (r == -ENOENT) snprintf(err, errsz, "%s: key not found", path);
  else snprintf(err, errsz, "%s: %s: %s", path, what, plat_err_text(r));
  return r;
}

int reg_available(mp_runtime *rt, char *why, size_t whysz) {
  live_root root;
  char *key;
  int r;
  if (rt->offline) return hive_available(rt, why, whysz);
  if (!live_available()) { not_here(why, whysz); return 0; }
  if ((r = live_key("HKLM\\SOFTWARE", &root, &key, why, whysz)) < 0) return 0;
  r = live_reg_key_exists(root, key);
  free(key);
  if (r == 1) return 1;
  snprintf(why, whysz, "HKLM\\SOFTWARE cannot be opened: %s", r < 0 ? plat_err_text(r) : "absent");
  return 0;
}

int reg_get_raw(mp_runtime *rt, const char *path, const char *name, uint32_t *type,
                char **data, size_t *len, char *err, size_t errsz) {
  live_root root;
  char *key;
  int r;
  if (rt->offline) return hive_get_raw(rt, path, name, type, data, len, err, errsz);
  if (!live_available()) return not_here(err, errsz);
  if ((r = live_key(path, &root, &key, err, errsz)) < 0) return r;
  if (name == NULL) name = "";
  r = live_reg_get(root, key, name, type, data, len);
  free(key);
  if (r == -ENOENT) {
    snprintf(err, errsz, "%s: key or value '%s' not found", path, *name ? name : "(default)");
    return r;
  }
  return r < 0 ? live_fail(r, path, "reading a value", err, errsz) : 0;
}

int reg_key_exists(mp_runtime *rt, const char *path, char *err, size_t errsz) {
  live_root root;
  char *key;
  int r;
  if (rt->offline) return hive_key_exists(rt, path, err, errsz);
  if (!live_available()) return not_here(err, errsz);
  if ((r = live_key(path, &root, &key, err, errsz)) < 0) return r;
  r = live_reg_key_exists(root, key);
  free(key);
  return r < 0 ? live_fail(r, path, "opening the key", err, errsz) : r;
}

/* Listing the values (vfn) or the subkeys (kfn) of a key; the live
 * callbacks have the hive callbacks' shape. */
static int each(mp_runtime *rt, const char *path, hive_value_cb vfn, hive_key_cb kfn,
                void *ud, int *absent, char *err, size_t errsz) {
  live_root root;
  char *key;
  int r;
  *absent = 0;
  if (!is_live(rt)) {
    if (!rt->offline) return not_here(err, errsz);
    return vfn ? hive_each_value(rt, path, vfn, ud, absent, err, errsz)
               : hive_each_key(rt, path, kfn, ud, absent, err, errsz);
  }
  if ((r = live_key(path, &root, &key, err, errsz)) < 0) return r;
  r = vfn ? live_reg_values(root, key, vfn, ud) : live_reg_keys(root, key, kfn, ud);
  free(key);
  *absent = r == -ENOENT;
  return r < 0 ? live_fail(r, path, vfn ? "reading values" : "reading subkeys", err, errsz) : r;
}

int reg_hive_ok(mp_runtime *rt, const char *path, char *err, size_t errsz) {
  return rt->offline ? hive_file_ok(rt, path, err, errsz) : 0;
}

int reg_each_value(mp_runtime *rt, const char *path, hive_value_cb fn, void *ud,
                   int *absent, char *err, size_t errsz) {
  return each(rt, path, fn, NULL, ud, absent, err, errsz);
}

int reg_each_key(mp_runtime *rt, const char *path, hive_key_cb fn, void *ud,
                 int *absent, char *err, size_t errsz) {
  return each(rt, path, NULL, fn, ud, absent, err, errsz);
}

int reg_set_raw(mp_runtime *rt, const char *path, const char *name, uint32_t type,
                const char *raw, size_t rawlen, char *err, size_t errsz) {
  live_root root;
  char *key;
  int r;
  if (rt->offline) return hive_set_raw(rt, path, name, type, raw, rawlen, err, errsz);
  if (!live_available()) return not_here(err, errsz);
  if ((r = live_key(path, &root, &key, err, errsz)) < 0) return r;
  r = live_reg_set(root, key, name ? name : "", type, raw, rawlen);
  free(key);
  if (r == -EIO)
    snprintf(err, errsz, "%s: value '%s' reads back different from what was written", path, name);
  else if (r < 0)
    snprintf(err, errsz, "%s: cannot set value '%s': %s", path, name, plat_err_text(r));
  return r;
}

int reg_set_lua(lua_State *L, mp_runtime *rt, const char *path, const char *name,
                const char *type, int idx, char *err, size_t errsz) {
  uint32_t t;
  char *raw;
  size_t rawlen;
  int r;
  if ((r = hive_type_parse(type, &t, err, errsz)) < 0) return r;
  if ((r = hive_encode_lua(L, idx, t, &raw, &rawlen, err, errsz)) < 0) return r;
  r = reg_set_raw(rt, path, name, t, raw, rawlen, err, errsz);
  free(raw);
  return r;
}

int reg_delete_value(mp_runtime *rt, const char *path, const char *name,
                     char *err, size_t errsz) {
  live_root root;
  char *key;
  int r;
  if (rt->offline) return hive_delete_value(rt, path, name, err, errsz);
  if (!live_available()) return not_here(err, errsz);
  if ((r = live_key(path, &root, &key, err, errsz)) < 0) return r;
  r = live_reg_delete_value(root, key, name ? name : "");
  free(key);
  if (r == -ENOENT) return 0;
  return r < 0 ? live_fail(r, path, "deleting a value", err, errsz) : 0;
}

/* ---------- values to Lua ---------- */

static int push_fail(lua_State *L, int r, const char *msg) {
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_pushstring(L, plat_err_name(r));
  return 3;
}

int reg_get_value_lua(lua_State *L, mp_runtime *rt, const char *path, const char *name) {
  char err[ERRSZ], tb[32];
  char *data;
  size_t len;
  uint32_t type;
  int r = reg_get_raw(rt, path, name, &type, &data, &len, err, sizeof err);
  if (r < 0) return push_fail(L, r, err);
  r = hive_push_data(L, type, data, len, err, sizeof err);
  free(data);
  if (r < 0) {
    char msg[ERRSZ + 400];
    snprintf(msg, sizeof msg, "%s\\%s: %s", path, name && *name ? name : "(default)", err);
    return push_fail(L, r, msg);
  }
  lua_pushstring(L, hive_type_name(type, tb, sizeof tb));
  return 2;
}

int reg_get_lua(lua_State *L, mp_runtime *rt, const char *path, const char *name) {
  char err[ERRSZ];
  char *data;
  size_t len;
  uint32_t type;
  int r = reg_get_raw(rt, path, name, &type, &data, &len, err, sizeof err);
  if (r == 0) {
    r = hive_push_data(L, type, data, len, err, sizeof err);
    free(data);
  }
  if (r < 0) lua_pushnil(L);
  return r;
}
