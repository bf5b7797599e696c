/* live.h - the running Windows system: its registry, its services and
 * facts about it (version, PowerShell, .NET, time zone).
 *
 * Separate from platform.h (files, folders, processes of any system):
 * only Windows has these.  Backends: platform/win32/live_reg.c,
 * live_svc.c, live_task.c, live_sys.c, live_vss.c, live_proxy.c (one domain per file) and
 * platform/posix/live_posix.c, where every function fails with
 * -ENOSYS, whose message is LIVE_NOT_HERE.
 *
 * Conventions (as platform.h): 0 or a count on success, a negative
 * error kind (-ENOENT, -EACCES, ...) on failure.  Names and strings are
 * UTF-8; value data is the registry's own byte form (regdata.h).
 */
#ifndef MP_LIVE_H
#define MP_LIVE_H

#include <stddef.h>
#include <stdint.h>

/* The message of -ENOSYS from this interface on a system without it. */
#define LIVE_NOT_HERE "not available: no live Windows system here"

/* 1 where this interface works (a running Windows), else 0. */
int live_available(void);

/* ---- registry (live_reg.c) ----
 * Keys are named by a root and a '\'-separated path below it, opened in
 * the 64-bit view (KEY_WOW64_64KEY) whatever this program's bitness.
 * LIVE_HKU_SYSTEM is LocalSystem's hive: HKU\.DEFAULT, which Windows
 * also shows as HKU\S-1-5-18 (the same hive). */
typedef enum { LIVE_HKLM, LIVE_HKU_SYSTEM } live_root;

/* One value: data is malloc'd (free it).  -ENOENT when the key or the
 * value is absent. */
int live_reg_get(live_root root, const char *key, const char *name,
                 uint32_t *type, char **data, size_t *len);
/* Call fn for each value of key (name, type, data, len); fn returns
 * nonzero to stop.  Returns the number of values seen or -error. */
typedef int (*live_value_fn)(void *ud, const char *name, uint32_t type,
                             const char *data, size_t len);
int live_reg_values(live_root root, const char *key, live_value_fn fn, void *ud);
/* Call fn for each subkey name of key.  Count or -error. */
typedef int (*live_key_fn)(void *ud, const char *name);
int live_reg_keys(live_root root, const char *key, live_key_fn fn, void *ud);
/* 1 if key exists, 0 if not, or -error. */
int live_reg_key_exists(live_root root, const char *key);
/* Set one value (creating missing keys along key), then read it back:
 * -EIO if what reads back differs from what was written. */
int live_reg_set(live_root root, const char *key, const char *name,
                 uint32_t type, const char *data, size_t len);
/* Remove one value; an absent value is a success. */
int live_reg_delete_value(live_root root, const char *key, const char *name);
/* Remove key and everything below it (tests and the harness only);
 * an absent key is a success. */
int live_reg_delete_tree(live_root root, const char *key);

/* ---- services (live_svc.c) ---- */
typedef enum {
  LIVE_SVC_STOPPED = 1, LIVE_SVC_START_PENDING, LIVE_SVC_STOP_PENDING,
  LIVE_SVC_RUNNING, LIVE_SVC_CONTINUE_PENDING, LIVE_SVC_PAUSE_PENDING,
  LIVE_SVC_PAUSED
} live_svc_state;             /* the SCM's SERVICE_* state numbers */

typedef struct live_service {
  live_svc_state state;
  unsigned long pid;          /* 0 when not running */
  int start;                  /* 0 boot .. 4 disabled (the Start value) */
  int delayed;                /* automatic (delayed start) */
  char account[256];          /* "LocalSystem", ".\user", ... */
  char binary[1024];          /* the command line the SCM starts */
} live_service;

/* "stopped", "start pending", ..., "running"; "unknown" otherwise. */
const char *live_svc_state_name(int state);
/* What the SCM says about service name.  -ENOENT if not installed. */
int live_svc_query(const char *name, live_service *out);
/* Start or stop name and wait (up to timeout seconds) until the SCM
 * reports it running / stopped; *out is the state read back.
 * -ETIMEDOUT when it did not get there in time. */
typedef enum { LIVE_SVC_START, LIVE_SVC_STOP } live_svc_op;
int live_svc_control(const char *name, live_svc_op op, double timeout,
                     live_service *out);
/* Set the start type (2 automatic, 3 manual, 4 disabled) through the
 * SCM and read it back (-EIO if the SCM reports another). */
int live_svc_set_start(const char *name, int start, live_service *out);

/* ---- scheduled tasks (live_task.c): Task Scheduler 2.0 (ITaskService) ----
 * A task is named by its full path in the Task Scheduler library
 * ("\Microsoft\OnlineBackup\Microsoft-OnlineBackup").  The definition is
 * what Task Scheduler itself holds (IRegisteredTask::get_Xml), not the
 * file under System32\Tasks: Task Scheduler runs its own registered copy
 * (TaskCache in the registry).  E_NOTIMPL from Task Scheduler (Wine's
 * partial one) is -EOPNOTSUPP. */
#define LIVE_TASK_XML_MAX (4u << 20)  /* longest definition read, bytes of UTF-8 */
typedef struct live_task {
  char *xml;                  /* malloc'd UTF-8 definition (live_task_free) */
  int enabled;                /* get_Enabled: 1/0 */
  int state;                  /* TASK_STATE: 0 unknown, 1 disabled, 2 queued, 3 ready, 4 running */
  long instances;             /* running instances (GetInstances); -1: not told */
  long last_result;           /* get_LastTaskResult, when has_last_result */
  int has_last_result;
} live_task;
void live_task_free(live_task *t);
/* "unknown", "disabled", "queued", "ready", "running". */
const char *live_task_state_name(int state);
/* What Task Scheduler holds for task path.  -ENOENT if not registered. */
int live_task_get(const char *path, live_task *out);
/* Call fn for the name of each task in folder (hidden ones too).  Count
 * or -error (-ENOENT: no such folder). */
int live_task_names(const char *folder, live_key_fn fn, void *ud);
/* How RegisterTask logs the task on (TASK_LOGON_TYPE numbers). */
typedef enum {
  LIVE_TASK_LOGON_NONE = 0, LIVE_TASK_LOGON_GROUP = 4, LIVE_TASK_LOGON_SERVICE_ACCOUNT = 5
} live_task_logon;
/* Register xml (UTF-8) as task path (TASK_CREATE_OR_UPDATE) running as
 * user (NULL: none) with logon, then read it back into *out. */
int live_task_register(const char *path, const char *xml, const char *user,
                       live_task_logon logon, live_task *out);
/* Remove task path (tests only); an absent task is a success. */
int live_task_delete(const char *path);

/* ---- facts (live_sys.c) ---- */
/* "10.0.17763" and the product name ("Windows Server 2019 Datacenter"). */
int live_os_version(char *ver, size_t versz, char *product, size_t productsz);
/* Windows PowerShell's engine version ("5.1.17763.1"); -ENOENT if absent. */
int live_powershell_version(char *out, size_t outsz);
/* .NET Framework 4.x Release number (NDP\v4\Full); -ENOENT if absent. */
int live_dotnet_release(uint32_t *release);

/* ---- shadow-copy storage (live_vss.c) ----
 * What `vssadmin List ShadowStorage /For=X:` shows: the storage (diff
 * area) that holds the shadow copies of a volume. */
typedef struct live_shadow_storage {
  char volume[300];   /* the volume whose shadow copies it holds */
  char on[300];       /* the volume the storage lives on */
  int64_t used, allocated, maximum;   /* bytes; maximum -1: no limit */
} live_shadow_storage;
/* The shadow-copy storage associations of the volume of drive letter
 * ('C'): up to max into out; returns how many there are (0: none yet), or
 * -error with why filled: -ENOSYS when VSS itself is not there (its
 * COM class not registered: Wine), -EACCES when not elevated. */
int live_shadow_storage_of(char drive, live_shadow_storage *out, size_t max, char *why, size_t whysz);

/* ---- proxy (live_proxy.c): what WinHTTP itself answers ----
 * A proxy answer: how to connect and, when through a proxy, the proxy
 * list ("host:port", or WinHTTP's "http=h:p;https=h:p" form) and the
 * bypass list as WinHTTP gives them (UTF-8, malloc'd, NULL when none;
 * free with live_proxy_free).  why: on failure, what went wrong in
 * words (with WinHTTP's error number), else "".  Whatever they return,
 * the functions below leave *out filled (strings NULL on failure), so
 * live_proxy_free may always be called on it. */
typedef enum {
  LIVE_PROXY_DIRECT = 1,      /* no proxy */
  LIVE_PROXY_NAMED = 3        /* through proxy */
} live_proxy_access;          /* WinHTTP's WINHTTP_ACCESS_TYPE_* numbers */

typedef struct live_proxy {
  live_proxy_access access;
  char *proxy;
  char *bypass;
  char why[160];
} live_proxy;

/* The machine's WinHTTP default proxy (what `netsh winhttp set proxy`
 * and WinHttpSetDefaultProxyConfiguration set). */
int live_proxy_default(live_proxy *out);
/* The proxy WinHTTP would use for url: from the proxy auto-config
 * script at pac_url (when not NULL) or, with autodetect, from the script
 * that WPAD (DHCP, then DNS) finds.  -ENOENT: auto-detection found no
 * script; -EIO when the script cannot be fetched or run; -EINVAL for a
 * URL WinHTTP refuses (why says which). */
int live_proxy_for_url(const char *url, const char *pac_url, int autodetect, live_proxy *out);
/* Free what a live_proxy holds (safe on a zeroed or freed one). */
void live_proxy_free(live_proxy *p);

#endif
