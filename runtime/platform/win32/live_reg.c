/* live_reg.c - live.h's registry on Windows: the Win32 registry API, the
 * 64-bit view (KEY_WOW64_64KEY) for every key, raw value bytes as the
 * registry stores them (the same bytes a hive file holds), so the
 * binding decodes them exactly like hive data (regdata.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "platform/live.h"
#include "platform/win32/live_win32.h"

#define VIEW KEY_WOW64_64KEY
#define MAX_VALUE_DATA ((DWORD)64 << 20)   /* refuse absurd sizes */

int live_available(void) { return 1; }

char *live_narrow(const wchar_t *w, int n) {
  size_t units = n < 0 ? wcslen(w) : (size_t)n, sz = 3 * units + 1;
  char *s = malloc(sz);
  if (s == NULL) return NULL;
  if (w32_utf8(w, (int)units, s, sz) < 0) {
    free(s);
    return NULL;
  }
  return s;
}

int live_werr(DWORD e) {
  switch (e) {
    case ERROR_KEY_DELETED: case ERROR_SERVICE_DOES_NOT_EXIST: return -ENOENT;
    case ERROR_SERVICE_DISABLED: return -EPERM;
    case ERROR_SERVICE_REQUEST_TIMEOUT: return -ETIMEDOUT;
    case ERROR_SERVICE_DATABASE_LOCKED: return -EBUSY;
    default: return w32_err(e);
  }
}

/* UTF-16 copy of s (malloc'd) or NULL. */
static wchar_t *wide(const char *s) {
  wchar_t *w;
  return w32_wide(s, &w) == 0 ? w : NULL;
}

/* Open root\key with access in the 64-bit view. */
static int open_key(live_root root, const char *key, REGSAM access, int create, HKEY *out) {
  const char *pre = root == LIVE_HKU_SYSTEM ? ".DEFAULT" : "";
  HKEY top = root == LIVE_HKU_SYSTEM ? HKEY_USERS : HKEY_LOCAL_MACHINE;
  size_t n = strlen(pre) + strlen(key) + 2;
  char *full = malloc(n);
  wchar_t *w;
  LONG e;
  if (full == NULL) return -ENOMEM;
  strcpy(full, pre);
  if (*pre && *key) strcat(full, "\\");
  strcat(full, key);
  w = wide(full);
  free(full);
  if (w == NULL) return -EILSEQ;
  if (create)
    e = RegCreateKeyExW(top, w, 0, NULL, REG_OPTION_NON_VOLATILE, access | VIEW, NULL, out, NULL);
  else
    e = RegOpenKeyExW(top, w, 0, access | VIEW, out);
  free(w);
  return e == ERROR_SUCCESS ? 0 : live_werr((DWORD)e);
}

/* The data of value wname in h (malloc'd). */
static int query(HKEY h, const wchar_t *wname, uint32_t *type, char **data, size_t *len) {
  DWORD t, size = 0;
  LONG e = RegQueryValueExW(h, wname, NULL, &t, NULL, &size);
  int tries;
  for (tries = 0; tries < 8; tries++) {
    char *buf;
    if (e != ERROR_SUCCESS && e != ERROR_MORE_DATA) return live_werr((DWORD)e);
    if (size > MAX_VALUE_DATA) return -EFBIG;
    if ((buf = malloc(size ? size : 1)) == NULL) return -ENOMEM;
    e = RegQueryValueExW(h, wname, NULL, &t, (BYTE *)buf, &size);
    if (e == ERROR_SUCCESS) {
      *type = (uint32_t)t;
      *data = buf;
      *len = size;
      return 0;
    }
    free(buf);                    /* grew meanwhile: ask again */
  }
  return -EAGAIN;
}

int live_reg_get(live_root root, const char *key, const char *name,
                 uint32_t *type, char **data, size_t *len) {
  HKEY h;
  wchar_t *wname;
  int r = open_key(root, key, KEY_QUERY_VALUE, 0, &h);
  if (r < 0) return r;
  if ((wname = wide(name)) == NULL) { RegCloseKey(h); return -EILSEQ; }
  r = query(h, wname, type, data, len);
  free(wname);
  RegCloseKey(h);
  return r;
}

int live_reg_values(live_root root, const char *key, live_value_fn fn, void *ud) {
  HKEY h;
  DWORD maxname = 0, maxdata = 0, i;
  wchar_t *wname = NULL;
  BYTE *buf = NULL;
  int n = 0, r = open_key(root, key, KEY_QUERY_VALUE, 0, &h);
  LONG e;
  if (r < 0) return r;
  for (i = 0;; i++) {
    DWORD namelen, size, t;
    char *name;
    if (wname == NULL) {          /* (re)size the buffers to the key's maxima */
      free(buf);
      e = RegQueryInfoKeyW(h, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &maxname, &maxdata, NULL, NULL);
      if (e != ERROR_SUCCESS) { r = live_werr((DWORD)e); break; }
      if (maxdata > MAX_VALUE_DATA) { r = -EFBIG; break; }
      wname = malloc(((size_t)maxname + 1) * sizeof *wname);
      buf = malloc((size_t)maxdata + 1);
      if (wname == NULL || buf == NULL) { r = -ENOMEM; break; }
    }
    namelen = maxname + 1;
    size = maxdata + 1;
    e = RegEnumValueW(h, i, wname, &namelen, NULL, &t, buf, &size);
    if (e == ERROR_NO_MORE_ITEMS) { r = n; break; }
    if (e == ERROR_MORE_DATA) {   /* a value grew meanwhile */
      free(wname);
      wname = NULL;
      i--;
      continue;
    }
    if (e != ERROR_SUCCESS) { r = live_werr((DWORD)e); break; }
    if ((name = live_narrow(wname, (int)namelen)) == NULL) { r = -ENOMEM; break; }
    n++;
    r = fn(ud, name, (uint32_t)t, (const char *)buf, size);
    free(name);
    if (r) { r = n; break; }
  }
  free(wname);
  free(buf);
  RegCloseKey(h);
  return r;
}

int live_reg_keys(live_root root, const char *key, live_key_fn fn, void *ud) {
  HKEY h;
  wchar_t wname[256];             /* key names are at most 255 units */
  DWORD i;
  int n = 0, r = open_key(root, key, KEY_ENUMERATE_SUB_KEYS, 0, &h);
  if (r < 0) return r;
  for (i = 0;; i++) {
    DWORD namelen = 256;
    char *name;
    LONG e = RegEnumKeyExW(h, i, wname, &namelen, NULL, NULL, NULL, NULL);
    if (e == ERROR_NO_MORE_ITEMS) { r = n; break; }
    if (e != ERROR_SUCCESS) { r = live_werr((DWORD)e); break; }
    if ((name = live_narrow(wname, (int)namelen)) == NULL) { r = -ENOMEM; break; }
    n++;
    r = fn(ud, name);
    free(name);
    if (r) { r = n; break; }
  }
  RegCloseKey(h);
  return r;
}

int live_reg_key_exists(live_root root, const char *key) {
  HKEY h;
  int r = open_key(root, key, KEY_QUERY_VALUE, 0, &h);
  if (r == -ENOENT) return 0;
  if (r < 0) return r;
  RegCloseKey(h);
  return 1;
}

int live_reg_set(live_root root, const char *key, const char *name,
                 uint32_t type, const char *data, size_t len) {
  HKEY h;
  wchar_t *wname;
  uint32_t t2;
  char *back;
  size_t len2;
  LONG e;
  int r;
  if (len > MAX_VALUE_DATA) return -EFBIG;
  if ((r = open_key(root, key, KEY_SET_VALUE | KEY_QUERY_VALUE, 1, &h)) < 0) return r;
  if ((wname = wide(name)) == NULL) { RegCloseKey(h); return -EILSEQ; }
  e = RegSetValueExW(h, wname, 0, type, (const BYTE *)data, (DWORD)len);
  r = e == ERROR_SUCCESS ? 0 : live_werr((DWORD)e);
  if (r == 0 && (r = query(h, wname, &t2, &back, &len2)) == 0) {
    if (t2 != type || len2 != len || (len && memcmp(back, data, len) != 0)) r = -EIO;
    free(back);
  }
  free(wname);
  RegCloseKey(h);
  return r;
}

int live_reg_delete_value(live_root root, const char *key, const char *name) {
  HKEY h;
  wchar_t *wname;
  LONG e;
  int r = open_key(root, key, KEY_SET_VALUE, 0, &h);
  if (r == -ENOENT) return 0;
  if (r < 0) return r;
  if ((wname = wide(name)) == NULL) { RegCloseKey(h); return -EILSEQ; }
  e = RegDeleteValueW(h, wname);
  free(wname);
  RegCloseKey(h);
  if (e == ERROR_FILE_NOT_FOUND) return 0;
  return e == ERROR_SUCCESS ? 0 : live_werr((DWORD)e);
}

int live_reg_delete_tree(live_root root, const char *key) {
  HKEY h;
  LONG e;
  int r;
  const char *slash = strrchr(key, '\\');
  char *parent;
  wchar_t *wlast;
  if (slash == NULL) return -EINVAL;        /* never a hive's top key */
  if ((parent = malloc((size_t)(slash - key) + 1)) == NULL) return -ENOMEM;
  memcpy(parent, key, (size_t)(slash - key));
  parent[slash - key] = '\0';
  r = open_key(root, parent, KEY_ALL_ACCESS, 0, &h);
  free(parent);
  if (r == -ENOENT) return 0;
  if (r < 0) return r;
  if ((wlast = wide(slash + 1)) == NULL) { RegCloseKey(h); return -EILSEQ; }
  e = RegDeleteTreeW(h, wlast);       /* subkeys and values */
  if (e == ERROR_SUCCESS || e == ERROR_FILE_NOT_FOUND) {
    LONG e2 = RegDeleteKeyExW(h, wlast, VIEW, 0);
    if (e2 != ERROR_FILE_NOT_FOUND) e = e2;
    else e = ERROR_SUCCESS;
  }
  free(wlast);
  RegCloseKey(h);
  return e == ERROR_SUCCESS ? 0 : live_werr((DWORD)e);
}
