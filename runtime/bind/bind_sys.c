/* bind_sys.c - marsplay.sys: facts about the host running marsplay.
 *
 *   sys.now()           -> epoch seconds (float)
 *   sys.platform()      -> "linux", "windows", ...
 *   sys.live()          -> true unless --root names an offline volume
 *   sys.root()          -> the target root (host path) offline, else nil
 *   sys.hostname()      -> host name                    (live only)
 *   sys.env(name)       -> value, or nil when unset     (live only)
 *   sys.processes()     -> { {pid=, name=, cmdline=}, ... } by pid (live only)
 *   sys.utc_offset([t]) -> seconds east of UTC of the host's zone at t (now)
 *   sys.timezone()      -> zone name ("Europe/Lisbon")  (live only)
 *   sys.service(name)   -> { name=, state=, pid=, start=, delayed=,
 *                            account=, binary= } as the Service Control
 *                          Manager reports it (live Windows only)
 *   sys.windows()       -> { version=, product=, powershell=,
 *                            dotnet_release= } (live Windows only)
 *   sys.shadow_storage(drive) -> { {volume=, on=, used=, allocated=,
 *                            maximum= (nil: no limit)}, ... } of the
 *                          drive letter ("C"), as the Volume Shadow Copy
 *                          Service reports it (live Windows only; VSS
 *                          absent: nil, "...: VSS not available here:
 *                          <why>", "ENOSYS")
 *   sys.task(path)      -> { path=, xml=, enabled=, state=, instances=,
 *                            last_result= } as Task Scheduler holds the
 *                          task "\Folder\Name" (COM; live Windows only;
 *                          instances/last_result absent where Task
 *                          Scheduler does not tell them)
 *   sys.task_names(folder) -> { name, ... } of the tasks Task Scheduler
 *                          lists in folder (live Windows only)
 *
 * Inspection only.  Offline, the live-only functions return nil,
 * "<fn>: not available offline (...)", "EOPNOTSUPP"; the Windows-only
 * ones on a live system that is not Windows nil, "<fn>: not available:
 * no live Windows system here", "ENOSYS"; other failures nil, message,
 * code (sys.service of a service that is not installed: "ENOENT").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mp_internal.h"
#include "platform/live.h"

#define PROCS_MT "marsplay.sys.procs"

int mp_push_if_offline(lua_State *L, const char *what) {
  if (!mp_rt(L)->offline) return 0;
  lua_pushnil(L);
  lua_pushfstring(L, "%s: not available offline (it describes the running host, "
                     "not the target volume)", what);
  lua_pushliteral(L, "EOPNOTSUPP");
  return 3;
}

static int l_now(lua_State *L) {
  lua_pushnumber(L, (lua_Number)plat_now());
  return 1;
}

static int l_platform(lua_State *L) {
  lua_pushstring(L, plat_name());
  return 1;
}

static int l_live(lua_State *L) {
  lua_pushboolean(L, !mp_rt(L)->offline);
  return 1;
}

static int l_root(lua_State *L) {
  mp_runtime *rt = mp_rt(L);
  if (rt->offline && rt->root != NULL) lua_pushstring(L, rt->root);
  else lua_pushnil(L);
  return 1;
}

static int l_hostname(lua_State *L) {
  char name[256];
  int r;
  if (mp_push_if_offline(L, "sys.hostname")) return 3;
  r = plat_hostname(name, sizeof name);
  if (r != 0) return mp_push_errno(L, r, "sys.hostname");
  lua_pushstring(L, name);
  return 1;
}

static int l_env(lua_State *L) {
  const char *name = mp_checkpath(L, 1), *v;
  if (mp_push_if_offline(L, "sys.env")) return 3;
  v = getenv(name);
  if (v == NULL) lua_pushnil(L);
  else lua_pushstring(L, v);
  return 1;
}

/* The process list, freed by __gc if building the Lua table raises. */
typedef struct procs { plat_proc *v; size_t n; } procs;

static int procs_gc(lua_State *L) {
  procs *p = luaL_checkudata(L, 1, PROCS_MT);
  plat_proc_free(p->v, p->n);
  p->v = NULL;
  p->n = 0;
  return 0;
}

static int l_processes(lua_State *L) {
  procs *p;
  int r;
  if (mp_push_if_offline(L, "sys.processes")) return 3;
  p = lua_newuserdatauv(L, sizeof *p, 0);
  p->v = NULL;
  p->n = 0;
  luaL_setmetatable(L, PROCS_MT);
  r = plat_process_list(&p->v, &p->n);
  if (r != 0) return mp_push_errno(L, r, "sys.processes");
  lua_createtable(L, (int)(p->n < 1000000 ? p->n : 1000000), 0);
  for (size_t i = 0; i < p->n; i++) {
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)p->v[i].pid);
    lua_setfield(L, -2, "pid");
    lua_pushstring(L, p->v[i].name);
    lua_setfield(L, -2, "name");
    if (p->v[i].cmdline != NULL) {
      lua_pushstring(L, p->v[i].cmdline);
      lua_setfield(L, -2, "cmdline");
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  plat_proc_free(p->v, p->n);
  p->v = NULL;
  p->n = 0;
  return 1;
}

static int l_utc_offset(lua_State *L) {
  double t = luaL_optnumber(L, 1, plat_now());
  long off;
  int r = plat_utc_offset(t, &off);
  if (r != 0) return mp_push_errno(L, r, "sys.utc_offset");
  lua_pushinteger(L, (lua_Integer)off);
  return 1;
}

static int l_timezone(lua_State *L) {
  char name[256];
  int r;
  if (mp_push_if_offline(L, "sys.timezone")) return 3;
  r = plat_timezone(name, sizeof name);
  if (r == -ENOENT) {
    lua_pushnil(L);
    lua_pushliteral(L, "sys.timezone: cannot tell the time zone "
                       "(no TZ, no /etc/localtime link, no /etc/timezone)");
    lua_pushliteral(L, "ENOENT");
    return 3;
  }
  if (r != 0) return mp_push_errno(L, r, "sys.timezone");
  lua_pushstring(L, name);
  return 1;
}

/* nil, "<what>: <message>", code for a live.h failure. */
int mp_push_live_err(lua_State *L, int r, const char *what) {
  lua_pushnil(L);
  if (r == -ENOSYS) lua_pushfstring(L, "%s: " LIVE_NOT_HERE, what);
  else lua_pushfstring(L, "%s: %s", what, plat_err_text(r));
  lua_pushstring(L, plat_err_name(r));
  return 3;
}

/* Push a live_service as the table sys.service returns. */
void mp_push_service(lua_State *L, const char *name, const live_service *sv) {
  lua_createtable(L, 0, 7);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "name");
  lua_pushstring(L, live_svc_state_name(sv->state));
  lua_setfield(L, -2, "state");
  if (sv->pid) {
    lua_pushinteger(L, (lua_Integer)sv->pid);
    lua_setfield(L, -2, "pid");
  }
  lua_pushinteger(L, sv->start);
  lua_setfield(L, -2, "start");
  lua_pushboolean(L, sv->delayed);
  lua_setfield(L, -2, "delayed");
  lua_pushstring(L, sv->account);
  lua_setfield(L, -2, "account");
  lua_pushstring(L, sv->binary);
  lua_setfield(L, -2, "binary");
}

/* nil, the message fmt filled with name, "ENOENT": a service or task the
 * live system does not have. */
static int push_absent(lua_State *L, const char *fmt, const char *name) {
  lua_pushnil(L);
  lua_pushfstring(L, fmt, name);
  lua_pushliteral(L, "ENOENT");
  return 3;
}

static int l_service(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  live_service sv;
  int r;
  if (mp_push_if_offline(L, "sys.service")) return 3;
  if ((r = live_svc_query(name, &sv)) < 0) {
    if (r == -ENOENT) return push_absent(L, "sys.service: the service %s is not installed", name);
    return mp_push_live_err(L, r, "sys.service");
  }
  mp_push_service(L, name, &sv);
  return 1;
}

void mp_push_task(lua_State *L, const char *path, const live_task *t) {
  lua_createtable(L, 0, 6);
  lua_pushstring(L, path);
  lua_setfield(L, -2, "path");
  lua_pushstring(L, t->xml ? t->xml : "");
  lua_setfield(L, -2, "xml");
  lua_pushboolean(L, t->enabled);
  lua_setfield(L, -2, "enabled");
  lua_pushstring(L, live_task_state_name(t->state));
  lua_setfield(L, -2, "state");
  if (t->instances >= 0) {
    lua_pushinteger(L, (lua_Integer)t->instances);
    lua_setfield(L, -2, "instances");
  }
  if (t->has_last_result) {
    lua_pushinteger(L, (lua_Integer)(unsigned long)t->last_result);
    lua_setfield(L, -2, "last_result");
  }
}

static int l_task(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  live_task t;
  int r;
  if (mp_push_if_offline(L, "sys.task")) return 3;
  if ((r = live_task_get(path, &t)) < 0) {
    if (r == -ENOENT) return push_absent(L, "sys.task: the task %s is not registered", path);
    return mp_push_live_err(L, r, "sys.task");
  }
  mp_push_task(L, path, &t);
  live_task_free(&t);
  return 1;
}

static int add_name(void *ud, const char *name) {
  lua_State *L = ud;
  lua_pushstring(L, name);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  return 0;
}

static int l_task_names(lua_State *L) {
  const char *folder = luaL_checkstring(L, 1);
  int r;
  if (mp_push_if_offline(L, "sys.task_names")) return 3;
  lua_newtable(L);
  if ((r = live_task_names(folder, add_name, L)) < 0) return mp_push_live_err(L, r, "sys.task_names");
  return 1;
}

static int l_windows(lua_State *L) {
  char ver[64], product[256], ps[64];
  uint32_t release;
  int r;
  if (mp_push_if_offline(L, "sys.windows")) return 3;
  if ((r = live_os_version(ver, sizeof ver, product, sizeof product)) < 0)
    return mp_push_live_err(L, r, "sys.windows");
  lua_createtable(L, 0, 4);
  lua_pushstring(L, ver);
  lua_setfield(L, -2, "version");
  lua_pushstring(L, product);
  lua_setfield(L, -2, "product");
  if (live_powershell_version(ps, sizeof ps) == 0) {
    lua_pushstring(L, ps);
    lua_setfield(L, -2, "powershell");
  }
  if (live_dotnet_release(&release) == 0) {
    lua_pushinteger(L, (lua_Integer)release);
    lua_setfield(L, -2, "dotnet_release");
  }
  return 1;
}

#define SHADOW_MAX 16

static int l_shadow_storage(lua_State *L) {
  const char *d = luaL_checkstring(L, 1);
  live_shadow_storage *st;
  char why[512];
  int n, i;
  if (mp_push_if_offline(L, "sys.shadow_storage")) return 3;
  if (!((d[0] >= 'A' && d[0] <= 'Z') || (d[0] >= 'a' && d[0] <= 'z')) ||
      !(d[1] == '\0' || (d[1] == ':' && (d[2] == '\0' || (d[2] == '\\' && d[3] == '\0')))))
    return luaL_argerror(L, 1, "a drive letter (\"C\", \"C:\" or \"C:\\\")");
  st = malloc(SHADOW_MAX * sizeof *st);
  if (st == NULL) return mp_push_live_err(L, -ENOMEM, "sys.shadow_storage");
  n = live_shadow_storage_of(d[0], st, SHADOW_MAX, why, sizeof why);
  if (n < 0) {
    free(st);
    lua_pushnil(L);
    if (n == -ENOSYS) lua_pushfstring(L, "sys.shadow_storage: VSS not available here: %s", why);
    else lua_pushfstring(L, "sys.shadow_storage: %s (%s)", plat_err_text(n), why);
    lua_pushstring(L, plat_err_name(n));
    return 3;
  }
  if (n > SHADOW_MAX) n = SHADOW_MAX;
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 5);
    lua_pushstring(L, st[i].volume);
    lua_setfield(L, -2, "volume");
    lua_pushstring(L, st[i].on);
    lua_setfield(L, -2, "on");
    lua_pushinteger(L, (lua_Integer)st[i].used);
    lua_setfield(L, -2, "used");
    lua_pushinteger(L, (lua_Integer)st[i].allocated);
    lua_setfield(L, -2, "allocated");
    if (st[i].maximum >= 0) {
      lua_pushinteger(L, (lua_Integer)st[i].maximum);
      lua_setfield(L, -2, "maximum");
    }
    lua_rawseti(L, -2, i + 1);
  }
  free(st);
  return 1;
}

static const luaL_Reg sys_funcs[] = {
  {"now", l_now},
  {"platform", l_platform},
  {"live", l_live},
  {"root", l_root},
  {"hostname", l_hostname},
  {"env", l_env},
  {"processes", l_processes},
  {"utc_offset", l_utc_offset},
  {"timezone", l_timezone},
  {"service", l_service},
  {"windows", l_windows},
  {"shadow_storage", l_shadow_storage},
  {"task", l_task},
  {"task_names", l_task_names},
  {NULL, NULL}
};

int mp_open_sys(lua_State *L) {
  if (luaL_newmetatable(L, PROCS_MT)) {
    lua_pushcfunction(L, procs_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "private");
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  luaL_newlib(L, sys_funcs);
  return 1;
}
