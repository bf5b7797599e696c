/* regdata.h - registry key paths and value data, whatever holds them:
 * the hive files of an offline volume (hive.c) or the live Windows
 * registry (platform/live.h).  No file and no OS call here.
 *
 * Key paths: see hive.h (the roots HKLM\SOFTWARE, HKLM\SYSTEM and
 * HKU\S-1-5-18 = HKU\.DEFAULT).  Value data is the registry's own byte
 * form (REG_SZ as UTF-16LE, REG_DWORD little-endian, ...); the Lua forms
 * are described in hive.h.
 */
#ifndef MP_REGDATA_H
#define MP_REGDATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/mp_internal.h"

/* Registry value type numbers (as Windows and hivex number them). */
enum {
  HIVE_REG_NONE = 0, HIVE_REG_SZ = 1, HIVE_REG_EXPAND_SZ = 2,
  HIVE_REG_BINARY = 3, HIVE_REG_DWORD = 4, HIVE_REG_DWORD_BIG_ENDIAN = 5,
  HIVE_REG_LINK = 6, HIVE_REG_MULTI_SZ = 7, HIVE_REG_RESOURCE_LIST = 8,
  HIVE_REG_FULL_RESOURCE_DESCRIPTOR = 9,
  HIVE_REG_RESOURCE_REQUIREMENTS_LIST = 10, HIVE_REG_QWORD = 11
};

/* "REG_SZ", ...; an unknown number is written as "REG_TYPE_0x<hex>" into
 * buf (give at least 24 bytes) and buf is returned. */
const char *hive_type_name(uint32_t type, char *buf, size_t bufsz);
/* Parse a type name ("REG_SZ" or "SZ", any case).  0 or -EINVAL. */
int hive_type_from_name(const char *name, uint32_t *type);
/* Same, with "unknown registry type 'NAME'" in err on failure. */
int hive_type_parse(const char *name, uint32_t *type, char *err, size_t errsz);

/* ---- key paths ---- */

/* The hives a key path may name (hive.c keeps its files in this order). */
enum { REG_HIVE_SOFTWARE, REG_HIVE_SYSTEM, REG_HIVE_DEFAULT, REG_NHIVES };
#define REG_MAX_DEPTH 512      /* registry keys nest at most 512 deep */

typedef struct reg_path {
  int hive;                    /* REG_HIVE_* */
  char *buf;                   /* owned copy holding the components */
  char *comp[REG_MAX_DEPTH];   /* the key's components below the hive */
  int n;
} reg_path;

/* Parse path into kp (free with reg_path_free).  0, or -EINVAL (not
 * one of the hives above, HKCU), -ENAMETOOLONG, -ENOMEM with err set. */
int reg_path_parse(const char *path, reg_path *kp, char *err, size_t errsz);
void reg_path_free(reg_path *kp);

/* ---- listing a key ----
 * Called for each value of a key (data NULL and type 0 when the value's
 * data cannot be read) / each subkey name; return nonzero to stop. */
typedef int (*hive_value_cb)(void *ud, const char *name, uint32_t type,
                             const char *data, size_t len);
typedef int (*hive_key_cb)(void *ud, const char *name);

/* ---- value data ---- */

/* Push the Lua form of raw value data (see the header comment).
 * Returns 0 with one value pushed, or -errno with nothing pushed. */
int hive_push_data(lua_State *L, uint32_t type, const char *data, size_t len,
                   char *err, size_t errsz);

/* ---- encoding helpers (shared with the lab) ---- */

/* Natural data (as for hive_put_value) -> raw registry bytes (malloc'd). */
int hive_encode(uint32_t type, const char *data, size_t len,
                char **raw, size_t *rawlen, char *err, size_t errsz);
/* Lua value at idx -> raw registry bytes (malloc'd). */
int hive_encode_lua(lua_State *L, int idx, uint32_t type,
                    char **raw, size_t *rawlen, char *err, size_t errsz);
/* Strict conversions; malloc'd results, -EILSEQ on invalid input.
 * utf8_to_utf16le appends a UTF-16 NUL when nul is set. */
int hive_utf8_to_utf16le(const char *s, size_t len, int nul,
                         char **out, size_t *outlen);

#endif
