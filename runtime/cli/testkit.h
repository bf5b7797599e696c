/* testkit.h - the native side of `marsplay test`: the module
 * marsplay.testkit (testkit.c) that stdlib/marsplay/testing.lua uses in
 * the trusted test state, and the tree manifest (treehash.c). */
#ifndef MP_CLI_TESTKIT_H
#define MP_CLI_TESTKIT_H

#include <stddef.h>
#include <stdint.h>

#include "marsplay.h"

struct lua_State;

/* The module table (for luaL_requiref / package.preload). */
int mp_open_testkit(struct lua_State *L);

/* A manifest of the tree under root: an object mapping each path (relative,
 * "." for root itself) to a signature "type mode uid:gid size mtime nlink digest"
 * where digest is the link text or the SHA-256 of a file's data segments
 * with their offsets (holes of sparse files are skipped, not read).
 * Links are never followed.  NULL with *err (malloc'd) on failure. */
mp_value *tree_manifest(const char *root, char **err);

/* SHA-256 (FIPS 180-4). */
typedef struct sha256_ctx {
  uint32_t h[8];
  uint64_t bytes;
  unsigned char buf[64];
  size_t used;
} sha256_ctx;
void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, unsigned char out[32]);

#endif
