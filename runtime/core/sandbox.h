/* sandbox.h - the environment playbooks run in. */
#ifndef MP_SANDBOX_H
#define MP_SANDBOX_H

#include "core/mp_internal.h"

/* Open libraries, preload the native modules, load the runner. */
int mp_sandbox_init(mp_runtime *rt);
/* Run one playbook file through the runner; *pb receives the playbook's
 * report object (or NULL on out of memory).  Returns its exit code. */
int mp_sandbox_run(mp_runtime *rt, const char *path, mp_value **pb);
/* Evaluate code in a fresh sandbox env (detect phase). */
mp_value *mp_sandbox_eval(mp_runtime *rt, const char *code, char **err);
/* Load a playbook without running any check (for `marsplay list`/`check`):
 * pushes the description table or returns -1 with the message pushed. */
int mp_sandbox_describe(mp_runtime *rt, const char *path);

/* chunkcache.c: load the Lua source file path as a chunk named name
 * (text only), compiling it once per runtime while it is unchanged.
 * Pushes the function or an error message; returns a lua_load status. */
int mp_chunk_load(mp_runtime *rt, lua_State *L, const char *path, const char *name);
void mp_chunks_free(mp_runtime *rt);

#endif
