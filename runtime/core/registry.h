/* registry.h - the target's Windows registry, wherever it is: the hive
 * files of an offline volume (--root: formats/hive.c) or, on a running
 * Windows without --root, the live registry (platform/live.h).  Both
 * take the same key paths (regdata.h: HKLM\SOFTWARE, HKLM\SYSTEM,
 * HKU\S-1-5-18 = HKU\.DEFAULT) and give the same types and Lua forms
 * (hive.h), so a playbook cannot tell which one answered.  On a live
 * system that is not Windows every call fails with -ENOSYS, "no
 * registry on this system (...)".
 *
 * All return 0 (or a count / 1 / 0 as said) or -errno with err set. */
#ifndef MP_REGISTRY_H
#define MP_REGISTRY_H

#include "formats/regdata.h"

/* "hive files", "live registry" or "none": which backend serves rt. */
const char *reg_backend_name(mp_runtime *rt);
/* 1 if the registry can be read, else 0 with the reason in why. */
int reg_available(mp_runtime *rt, char *why, size_t whysz);
/* 0 if the hive holding keypath can be read (always, live), else
 * -errno with the reason in err: a missing, linked-away or damaged hive
 * file is not an absent key. */
int reg_hive_ok(mp_runtime *rt, const char *keypath, char *err, size_t errsz);
/* One value, data malloc'd; -ENOENT if the key or value is absent. */
int reg_get_raw(mp_runtime *rt, const char *keypath, const char *name,
                uint32_t *type, char **data, size_t *len, char *err, size_t errsz);
/* 1 if the key exists, 0 if not. */
int reg_key_exists(mp_runtime *rt, const char *keypath, char *err, size_t errsz);
/* Call fn for each value / each subkey name of the key (regdata.h);
 * the number seen, or -errno with *absent = 1 when the key is not there. */
int reg_each_value(mp_runtime *rt, const char *keypath, hive_value_cb fn, void *ud,
                   int *absent, char *err, size_t errsz);
int reg_each_key(mp_runtime *rt, const char *keypath, hive_key_cb fn, void *ud,
                 int *absent, char *err, size_t errsz);
/* Set one value from raw data (keys created as needed); live, the value
 * is read back and must match. */
int reg_set_raw(mp_runtime *rt, const char *keypath, const char *name,
                uint32_t type, const char *raw, size_t rawlen, char *err, size_t errsz);
/* Same with the value taken from the Lua stack at idx: a string for
 * REG_SZ/REG_EXPAND_SZ/REG_BINARY/others, an integer (or numeric
 * string) for REG_DWORD/REG_QWORD, an array of strings for REG_MULTI_SZ;
 * type is a type name (hive_type_from_name). */
int reg_set_lua(lua_State *L, mp_runtime *rt, const char *keypath,
                const char *name, const char *type, int idx, char *err, size_t errsz);
/* Remove one value; absent is a success. */
int reg_delete_value(mp_runtime *rt, const char *keypath, const char *name,
                     char *err, size_t errsz);

/* The inspection form: pushes value, typename (returns 2) or
 * nil, message, code (returns 3). */
int reg_get_value_lua(lua_State *L, mp_runtime *rt, const char *keypath, const char *name);
/* For the remediation API's "before": pushes exactly one value, the
 * current value or nil if it is absent or unreadable.  Returns 0 if a
 * value was found, else -errno. */
int reg_get_lua(lua_State *L, mp_runtime *rt, const char *keypath, const char *name);

#endif
