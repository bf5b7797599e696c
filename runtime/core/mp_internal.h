/* mp_internal.h - what the engine, the bindings and the CLI share. */
#ifndef MP_INTERNAL_H
#define MP_INTERNAL_H

#include <lua.h>
#include <lauxlib.h>
#include <stddef.h>

#include "marsplay.h"
#include "platform/platform.h"
#include "core/value.h"

#define MP_PATH_MAX 4096

/* Phases: inspection code may not change anything; only code running in
 * the fix phase may call the remediation API. */
enum { MP_PHASE_LOAD, MP_PHASE_DETECT, MP_PHASE_FIX, MP_PHASE_VERIFY };

typedef struct mp_param { char *key, *value; struct mp_param *next; } mp_param;
typedef struct mp_hostfn { char *name; lua_CFunction fn; struct mp_hostfn *next; } mp_hostfn;

struct mp_runtime {
  lua_State *L;
  mp_config cfg;            /* strings below are owned copies */
  char *root;               /* resolved target root (host path), "/" if live */
  int offline;              /* a --root was given */
  plat_fd rootfd;
  char *stdlib_dir;         /* folder holding marsplay/init.lua */
  char *playbook_dir;       /* shipped playbooks */
  char *lang;
  char *only, *skip, *playbook_path;
  mp_param *params;
  mp_hostfn *hostfns;

  /* limits */
  size_t mem_used, mem_limit, mem_cap; /* mem_cap: current hard cap */
  double deadline;          /* monotonic seconds, 0 = none */
  int limit_hit;            /* 1 timeout, 2 memory */
  mp_value *kept;           /* the running playbook's finished checks (core.keep) */
  int phase;

  /* report */
  mp_value *report;         /* object: tool, version, target, mode, ... */
  mp_value *playbooks;      /* array inside report (borrowed) */
  int exit_code;
  int ran;
  double started;
  char *last_error;
  void *hive_cache;         /* hive.c: opened hives */
  void *chunk_cache;        /* chunkcache.c: compiled Lua files */
  void *secrets;            /* secrets.c: strings never written out */
  plat_fd lockfd;           /* the target's run lock (mp_lock), -1: none */
  void (*at_free[4])(mp_runtime *rt); /* mp_at_free */
};

/* ---- glue (glue/glue.c): shared by the sandbox and every binding ---- */
mp_runtime *mp_rt(lua_State *L);
/* Have mp_free call fn(rt) right after closing the Lua state, once however often
 * fn is registered: how a layer above the core frees what it keeps in
 * the runtime (the hive cache).  0, or -1 when no slot is left. */
int mp_at_free(mp_runtime *rt, void (*fn)(mp_runtime *rt));
/* Folder holding the Lua stdlib (marsplay/init.lua): $MARSPLAY_STDLIB,
 * <exe>/../share/marsplay/stdlib, the install datadir, then the source
 * tree.  malloc'd, or NULL if none is found. */
char *mp_find_stdlib(void);

/* ---- telling the host (events.c) ---- */
void mp_set_error(mp_runtime *rt, const char *fmt, ...)
  MP_PRINTF(2, 3);
void mp_emit_event(mp_runtime *rt, mp_value *event); /* takes ownership */
void mp_progress(mp_runtime *rt, const char *what, double done, double total);
void mp_notice(mp_runtime *rt, const char *fmt, ...)
  MP_PRINTF(2, 3);

/* ---- glue (glue/glue.c) ---- */
/* Lua value -> report value (tables with 1..n become arrays). */
mp_value *mp_from_lua(lua_State *L, int idx, int depth);
/* Report value -> Lua value. */
void mp_to_lua(lua_State *L, const mp_value *v);

/* Raise a Lua error "name: message" for -errno (inspection bindings
 * return nil, message, code instead: see mp_push_errno). */
int mp_push_errno(lua_State *L, int neg_errno, const char *what);

/* ---- the check's deadline (engine.c) ----
 * C code that may run long checks the clock itself: the Lua hook only
 * runs between Lua instructions. */
int mp_over_deadline(const mp_runtime *rt);
int mp_raise_timeout(lua_State *L);            /* raises "time budget exceeded" */
void mp_check_deadline(lua_State *L);          /* raises it when over */

/* ---- the target (target.c) ---- */
/* Map a playbook path (C:\x\y, C:/x/y, /x/y, or relative x/y) to a path
 * relative to the target root, '/'-separated, without '.' or '..'
 * escaping, case resolved NTFS-style when the exact case is absent.
 * Returns 0 or -errno (-EXDEV: another drive than the target volume). */
int mp_target_rel(mp_runtime *rt, const char *path, char *rel, size_t relsz);
/* Open a playbook path inside the target (never escaping it) for intent
 * how (PLAT_OPEN_*): a handle or -PLAT_E*. */
plat_fd mp_target_open(mp_runtime *rt, const char *path, unsigned how);
/* Host path for messages and for process matching. */
int mp_target_host(mp_runtime *rt, const char *rel, char *out, size_t outsz);
/* Windows-style display form of a root-relative path: C:\x\y. */
void mp_target_display(const char *rel, char *out, size_t outsz);
/* Argument idx as a path or name handed to C: a string without NUL
 * bytes (C would silently cut it there); raises an error otherwise. */
const char *mp_checkpath(lua_State *L, int idx);
const char *mp_optpath(lua_State *L, int idx, const char *def);

/* ---- binding modules (one file each) ---- */
int mp_open_fs(lua_State *L);     /* marsplay.fs     bind_fs.c   */
int mp_open_reg(lua_State *L);    /* marsplay.reg    bind_reg.c  */
int mp_open_xml(lua_State *L);    /* marsplay.xml    bind_xml.c  */
int mp_open_net(lua_State *L);    /* marsplay.net    bind_net.c  */
int mp_open_sys(lua_State *L);    /* marsplay.sys    bind_sys.c  */
/* Push what the SCM reports about a service (platform/live.h) as the
 * table sys.service returns (bind_sys.c; also fix.service's read-back). */
struct live_service;
struct live_task;
void mp_push_service(lua_State *L, const char *name, const struct live_service *sv);
/* For bindings that describe the running host (bind_sys.c): offline
 * (--root), push nil, "<what>: not available offline (...)",
 * "EOPNOTSUPP" and return 3; live, return 0 and push nothing. */
int mp_push_if_offline(lua_State *L, const char *what);
/* Push nil, "<what>: <message>", code for a platform/live.h failure r
 * (-ENOSYS: "not available: no live Windows system here"); returns 3. */
int mp_push_live_err(lua_State *L, int r, const char *what);
/* Push a live_task as the table sys.task returns (bind_sys.c). */
void mp_push_task(lua_State *L, const char *path, const struct live_task *t);
int mp_open_fix(lua_State *L);    /* marsplay.fix    bind_fix.c  */
int mp_open_core(lua_State *L);   /* marsplay.core   engine.c    */

/* Remediation helpers for bind_fix.c: is a change allowed now? */
int mp_fix_allowed(lua_State *L); /* raises if not in fix phase */

/* ---- secrets (secrets.c, marsplay.secret in bind_secret.c) ----
 * Registered secrets and URL user information ("scheme://user:pass@")
 * become "[redacted]" in whatever mp_from_lua, mp_emit_event and
 * mp_notice hand out. */
#define MP_SECRET_MIN 4
int mp_open_secret(lua_State *L); /* marsplay.secret bind_secret.c */
/* Register s (len bytes).  1 added (or known), 0 refused (shorter than
 * MP_SECRET_MIN, or a word of the report itself), -1 out of memory. */
int mp_secret_add(mp_runtime *rt, const char *s, size_t len);
int mp_secret_refused(const char *s, size_t len);
/* Is this --set parameter name a secret's (password, token, ...)? */
int mp_secret_param_name(const char *key);
/* Register the value of a secret parameter (and the part after ':');
 * other parameters are ignored.  0 or -1 (out of memory). */
int mp_secret_param(mp_runtime *rt, const char *key, const char *value);
void mp_secrets_free(mp_runtime *rt);
/* A string value of s with secrets redacted (NULL: out of memory). */
mp_value *mp_redacted_str(const mp_runtime *rt, const char *s, size_t len);
/* 0: nothing to redact (*out NULL); 1: *out is the redacted copy
 * (malloc'd); -1: out of memory. */
int mp_redact_cstr(const mp_runtime *rt, const char *s, char **out);
/* Redact every string and key of v in place. */
void mp_redact_value(const mp_runtime *rt, mp_value *v);
/* A malloc'ed copy of s (NULL: fallback) with secrets redacted: for every
 * message that leaves the engine (errors included).  NULL: out of memory. */
char *mp_redacted_dup(const mp_runtime *rt, const char *s, const char *fallback);

#endif
