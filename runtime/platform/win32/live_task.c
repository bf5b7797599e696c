/* live_task.c - live.h's scheduled tasks on Windows: Task Scheduler 2.0
 * through COM (ITaskService).  The definition read is the one Task
 * Scheduler holds (IRegisteredTask::get_Xml); a change goes through
 * ITaskFolder::RegisterTask, and is read back through COM before it is
 * called done.  Every HRESULT is checked and every BSTR freed.
 *
 * Under Wine 8 (its taskschd/schedsvc are partial): Connect, GetFolder,
 * GetTask, get_Xml, get_Enabled, get_State and RegisterTask work, but
 * the definition is kept re-serialised with its triggers, principal and
 * action contents dropped; GetTasks' get_Count, GetInstances and
 * get_LastTaskResult answer E_NOTIMPL; put_Enabled answers S_OK and
 * changes nothing (so it is not used: RegisterTask carries every fix). */
#define COBJMACROS
#include "platform/win32/live_win32.h"

#include <initguid.h>
#include <ole2.h>
#include <taskschd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/live.h"

#define MAX_TASK_PATH 1024

typedef struct {
  ITaskService *svc;
  int uninit;                 /* CoUninitialize at the end */
} ts_conn;

/* The error kind of a failed HRESULT. */
static int hr_err(HRESULT hr) {
  if (hr == E_NOTIMPL) return -EOPNOTSUPP;
  if (hr == E_OUTOFMEMORY) return -ENOMEM;
  if (HRESULT_FACILITY(hr) == FACILITY_WIN32) return live_werr((DWORD)HRESULT_CODE(hr));
  return -EIO;
}

static void ts_close(ts_conn *c) {
  if (c->svc) ITaskService_Release(c->svc);
  c->svc = NULL;
  if (c->uninit) CoUninitialize();
  c->uninit = 0;
}

static int ts_open(ts_conn *c) {
  VARIANT none;
  HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
  memset(c, 0, sizeof *c);
  if (SUCCEEDED(hr)) c->uninit = 1;                 /* S_OK and S_FALSE */
  else if (hr != RPC_E_CHANGED_MODE) return hr_err(hr);
  hr = CoCreateInstance(&CLSID_TaskScheduler, NULL, CLSCTX_INPROC_SERVER, &IID_ITaskService,
                        (void **)&c->svc);
  if (FAILED(hr)) { c->svc = NULL; ts_close(c); return hr_err(hr); }
  VariantInit(&none);
  hr = ITaskService_Connect(c->svc, none, none, none, none);
  if (FAILED(hr)) { ts_close(c); return hr_err(hr); }
  return 0;
}

/* A BSTR of UTF-8 s, or NULL (*err set). */
static BSTR bstr(const char *s, int *err) {
  wchar_t *w;
  BSTR b;
  if ((*err = w32_wide(s, &w)) < 0) return NULL;
  b = SysAllocString(w);
  free(w);
  if (b == NULL) *err = -ENOMEM;
  return b;
}

/* The folder of path (up to its last '\', "\" at least) and its name. */
static int split(const char *path, char *folder, size_t fsz, const char **name) {
  const char *slash = strrchr(path, '\\');
  size_t n;
  if (path[0] != '\\' || slash == NULL || slash[1] == '\0') return -EINVAL;
  n = slash == path ? 1 : (size_t)(slash - path);
  if (n >= fsz) return -ENAMETOOLONG;
  memcpy(folder, path, n);
  folder[n] = '\0';
  *name = slash + 1;
  return 0;
}

static int get_folder(ts_conn *c, const char *path, ITaskFolder **out) {
  int r;
  BSTR b = bstr(path, &r);
  HRESULT hr;
  if (b == NULL) return r;
  hr = ITaskService_GetFolder(c->svc, b, out);
  SysFreeString(b);
  if (FAILED(hr)) { *out = NULL; return hr_err(hr); }
  return 0;
}

static int get_task(ts_conn *c, const char *path, IRegisteredTask **out) {
  char folder[MAX_TASK_PATH];
  const char *name;
  ITaskFolder *f;
  BSTR b;
  HRESULT hr;
  int r = split(path, folder, sizeof folder, &name);
  if (r < 0) return r;
  if ((r = get_folder(c, folder, &f)) < 0) return r;
  if ((b = bstr(name, &r)) == NULL) { ITaskFolder_Release(f); return r; }
  hr = ITaskFolder_GetTask(f, b, out);
  SysFreeString(b);
  ITaskFolder_Release(f);
  if (FAILED(hr)) { *out = NULL; return hr_err(hr); }
  return 0;
}

void live_task_free(live_task *t) {
  if (t == NULL) return;
  free(t->xml);
  t->xml = NULL;
}

/* What Task Scheduler says about t. */
static int read_task(IRegisteredTask *t, live_task *out) {
  BSTR xml = NULL;
  VARIANT_BOOL en = VARIANT_FALSE;
  TASK_STATE st = TASK_STATE_UNKNOWN;
  IRunningTaskCollection *running = NULL;
  LONG n = 0, last = 0;
  HRESULT hr;
  memset(out, 0, sizeof *out);
  out->instances = -1;
  if (FAILED(hr = IRegisteredTask_get_Xml(t, &xml))) return hr_err(hr);
  if (xml == NULL) return -ENODATA;
  if (SysStringLen(xml) > LIVE_TASK_XML_MAX / 3) { SysFreeString(xml); return -EFBIG; }
  out->xml = live_narrow(xml, (int)SysStringLen(xml));
  SysFreeString(xml);
  if (out->xml == NULL) return -EILSEQ;
  if (FAILED(hr = IRegisteredTask_get_Enabled(t, &en))) { live_task_free(out); return hr_err(hr); }
  out->enabled = en != VARIANT_FALSE;
  if (SUCCEEDED(IRegisteredTask_get_State(t, &st))) out->state = (int)st;
  /* not every Task Scheduler answers these two (Wine: E_NOTIMPL) */
  if (SUCCEEDED(IRegisteredTask_GetInstances(t, 0, &running)) && running != NULL) {
    if (SUCCEEDED(IRunningTaskCollection_get_Count(running, &n))) out->instances = n;
    IRunningTaskCollection_Release(running);
  }
  if (SUCCEEDED(IRegisteredTask_get_LastTaskResult(t, &last))) {
    out->last_result = last;
    out->has_last_result = 1;
  }
  return 0;
}

int live_task_get(const char *path, live_task *out) {
  ts_conn c;
  IRegisteredTask *t;
  int r;
  memset(out, 0, sizeof *out);
  if ((r = ts_open(&c)) < 0) return r;
  if ((r = get_task(&c, path, &t)) == 0) {
    r = read_task(t, out);
    IRegisteredTask_Release(t);
  }
  ts_close(&c);
  return r;
}

int live_task_names(const char *folder, live_key_fn fn, void *ud) {
  ts_conn c;
  ITaskFolder *f;
  IRegisteredTaskCollection *all = NULL;
  LONG count = 0, i;
  HRESULT hr;
  int r, seen = 0;
  if ((r = ts_open(&c)) < 0) return r;
  if ((r = get_folder(&c, folder, &f)) < 0) { ts_close(&c); return r; }
  hr = ITaskFolder_GetTasks(f, TASK_ENUM_HIDDEN, &all);
  if (SUCCEEDED(hr) && all == NULL) hr = E_POINTER;
  if (SUCCEEDED(hr)) hr = IRegisteredTaskCollection_get_Count(all, &count);
  r = FAILED(hr) ? hr_err(hr) : 0;
  for (i = 1; r == 0 && i <= count; i++) {     /* the collection counts from 1 */
    VARIANT at;
    IRegisteredTask *t = NULL;
    BSTR name = NULL;
    char *s;
    int stop;
    VariantInit(&at);
    V_VT(&at) = VT_I4;
    V_I4(&at) = i;
    if (FAILED(hr = IRegisteredTaskCollection_get_Item(all, at, &t))) { r = hr_err(hr); break; }
    hr = IRegisteredTask_get_Name(t, &name);
    IRegisteredTask_Release(t);
    if (FAILED(hr)) { r = hr_err(hr); break; }
    s = name ? live_narrow(name, (int)SysStringLen(name)) : NULL;
    SysFreeString(name);
    if (s == NULL) { r = -EILSEQ; break; }
    seen++;
    stop = fn(ud, s);
    free(s);
    if (stop) break;
  }
  if (all) IRegisteredTaskCollection_Release(all);
  ITaskFolder_Release(f);
  ts_close(&c);
  return r < 0 ? r : seen;
}

int live_task_register(const char *path, const char *xml, const char *user,
                       live_task_logon logon, live_task *out) {
  ts_conn c;
  ITaskFolder *root = NULL;
  IRegisteredTask *t = NULL;
  VARIANT who, none;
  BSTR bpath = NULL, bxml = NULL;
  HRESULT hr;
  int r;
  memset(out, 0, sizeof *out);
  if (strlen(xml) > LIVE_TASK_XML_MAX) return -EFBIG;
  if ((r = ts_open(&c)) < 0) return r;
  VariantInit(&who);
  VariantInit(&none);
  if ((bpath = bstr(path, &r)) == NULL || (bxml = bstr(xml, &r)) == NULL) goto out;
  if (user != NULL) {
    V_VT(&who) = VT_BSTR;
    if ((V_BSTR(&who) = bstr(user, &r)) == NULL) { V_VT(&who) = VT_EMPTY; goto out; }
  }
  if ((r = get_folder(&c, "\\", &root)) < 0) goto out;
  hr = ITaskFolder_RegisterTask(root, bpath, bxml, TASK_CREATE_OR_UPDATE, who, none,
                                (TASK_LOGON_TYPE)logon, none, &t);
  if (FAILED(hr)) { r = hr_err(hr); goto out; }
  if (t) IRegisteredTask_Release(t);
  /* read back what Task Scheduler now holds, through a fresh lookup */
  if ((r = get_task(&c, path, &t)) == 0) {
    r = read_task(t, out);
    IRegisteredTask_Release(t);
  }
out:
  if (root) ITaskFolder_Release(root);
  VariantClear(&who);
  SysFreeString(bxml);
  SysFreeString(bpath);
  ts_close(&c);
  return r;
}

int live_task_delete(const char *path) {
  char folder[MAX_TASK_PATH];
  const char *name;
  ts_conn c;
  ITaskFolder *f;
  BSTR b;
  HRESULT hr;
  int r = split(path, folder, sizeof folder, &name);
  if (r < 0) return r;
  if ((r = ts_open(&c)) < 0) return r;
  if ((r = get_folder(&c, folder, &f)) == 0) {
    if ((b = bstr(name, &r)) != NULL) {
      hr = ITaskFolder_DeleteTask(f, b, 0);
      SysFreeString(b);
      r = FAILED(hr) ? hr_err(hr) : 0;
    }
    ITaskFolder_Release(f);
  }
  ts_close(&c);
  return r == -ENOENT ? 0 : r;
}
