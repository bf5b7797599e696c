/* hive.h - the Windows registry of the target, read from and written to
 * its hive files with libhivex.
 *
 * Key paths name a hive root and a key below it, case-insensitively:
 *
 *   HKLM\SOFTWARE\Microsoft\Windows Azure Backup\Config
 *   HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\obengine
 *   HKU\S-1-5-18\Software\Microsoft\Windows\CurrentVersion\Internet Settings
 *
 * Separators are backslashes; a path without any backslash may use '/'
 * instead (registry key names may contain '/', so a path holding a
 * backslash splits on backslashes only).  "HKLM:" (PowerShell style) is
 * accepted too.  Under HKLM\SYSTEM the first component CurrentControlSet
 * is mapped to ControlSet00N where N is SYSTEM\Select\Current.
 *
 * Hive files (below the target root, found case-insensitively):
 *   HKLM\SOFTWARE          Windows/System32/config/SOFTWARE
 *   HKLM\SYSTEM            Windows/System32/config/SYSTEM
 *   HKU\S-1-5-18, HKU\.DEFAULT
 *                          Windows/System32/config/DEFAULT
 * (.DEFAULT is S-1-5-18, the LocalSystem account's hive, the file
 * config\DEFAULT: Microsoft's registry-hives page.  There is no fallback:
 * config\systemprofile\NTUSER.DAT is another file, never read or
 * written in its place; a missing DEFAULT is an error.)
 *
 * Only an offline target (--root) has hive files; on a live Linux system
 * every function fails with -ENOSYS and the message "no registry on this
 * system".  Values are returned as: REG_SZ / REG_EXPAND_SZ -> UTF-8 string
 * (UTF-16LE decoded, cut at the first NUL; invalid UTF-16 is an error,
 * -EILSEQ), REG_DWORD / REG_DWORD_BIG_ENDIAN -> unsigned 32-bit integer,
 * REG_QWORD -> 64-bit integer (two's complement in a Lua integer),
 * REG_MULTI_SZ -> array of strings, anything else -> raw bytes.
 */
#ifndef MP_HIVE_H
#define MP_HIVE_H

#include <stddef.h>
#include <stdint.h>

#include <hivex.h>

#include "core/mp_internal.h"
#include "formats/regdata.h"


/* ---- the runtime's hives ---- */

/* Close every cached hive handle (called by mp_free). */
void hive_cache_free(mp_runtime *rt);

/* 1 if the target has a readable registry (the SOFTWARE hive opens),
 * else 0 with the reason in why. */
int hive_available(mp_runtime *rt, char *why, size_t whysz);
/* On an offline volume: can the hive file holding keypath be read?  0 if
 * so (or if keypath is malformed, or there is no registry at all: the
 * call itself says so); -errno with err naming the file otherwise.  A
 * missing, linked-away, unreadable or damaged hive is not a missing key. */
int hive_file_ok(mp_runtime *rt, const char *keypath, char *err, size_t errsz);

/* 1 if the key exists, 0 if it does not, -errno on error (err set). */
int hive_key_exists(mp_runtime *rt, const char *keypath, char *err, size_t errsz);

/* Read one value ("" is the key's default value).  On success *data is
 * malloc'd (the caller frees), *type and *len set; returns 0.  Returns
 * -ENOENT if the key or value is absent, other -errno on error; err
 * always says what happened. */
int hive_get_raw(mp_runtime *rt, const char *keypath, const char *name,
                 uint32_t *type, char **data, size_t *len,
                 char *err, size_t errsz);


/* Call fn for each value of the key / each subkey name (regdata.h's
 * callbacks).  The number seen, or -errno with err set and *absent = 1
 * when the hive is readable but the key is not there. */
int hive_each_value(mp_runtime *rt, const char *keypath, hive_value_cb fn, void *ud,
                    int *absent, char *err, size_t errsz);
int hive_each_key(mp_runtime *rt, const char *keypath, hive_key_cb fn, void *ud,
                  int *absent, char *err, size_t errsz);

/* ---- writes (the remediation API) ----
 *
 * A write loads the hive with hivex in write mode, creates missing keys
 * along keypath, sets the value, commits the result to a new file in the
 * hive's folder, fsyncs it, renames it over the hive and fsyncs the
 * folder.  A run killed at any point leaves the old or the new hive,
 * never a torn one (at worst a stray ".<HIVE>.marsplay-*.tmp" file).
 * Refused: a live system (-ENOSYS), a missing hive file (-ENOENT, hives
 * are never created), a hive file that is a symbolic link (-ELOOP), and
 * a "dirty" hive whose header sequence numbers differ (-EBUSY: Windows
 * still has to replay its .LOG1/.LOG2 transaction logs).  The cached
 * handle of that hive is dropped afterwards.  All return 0 or -errno with
 * a message in err. */

/* (Named hive_put_value, not hive_set_value: hivex.h already uses that
 * name for its value struct.)
 * type: a type name (see hive_type_from_name).  data/len, by type:
 *   REG_SZ, REG_EXPAND_SZ  UTF-8 text (stored as UTF-16LE + NUL)
 *   REG_MULTI_SZ           UTF-8 strings separated by NUL bytes (a final
 *                          NUL is optional; empty strings are refused)
 *   REG_DWORD, REG_QWORD   decimal or 0x-hex text ("1", "0x10")
 *   anything else          raw bytes */
int hive_put_value(mp_runtime *rt, const char *keypath, const char *name,
                   const char *type, const char *data, size_t len,
                   char *err, size_t errsz);

/* Same with raw, already encoded data. */
int hive_set_raw(mp_runtime *rt, const char *keypath, const char *name,
                 uint32_t type, const char *raw, size_t rawlen,
                 char *err, size_t errsz);

/* Remove one value (for undoing a set that created it).  Removing an
 * absent value is a success. */
int hive_delete_value(mp_runtime *rt, const char *keypath, const char *name,
                      char *err, size_t errsz);

int hive_utf16le_to_utf8(const char *s, size_t len, char **out, size_t *outlen);

/* ---- creating hive files (the lab) ---- */

/* Write a minimal valid empty hive (regf base block, one hbin holding the
 * root key "ROOT" and its security cell) to fd at offset 0.  name is
 * stored in the header's file-name field (last 31 characters). */
int hive_write_empty(plat_fd fd, const char *name);
/* Find or create the key subpath ('\'-separated, relative) below from.
 * Returns the node or 0 with err set. */
hive_node_h hive_node_ensure(hive_h *h, hive_node_h from, const char *subpath,
                             char *err, size_t errsz);

#endif
