/* live_svc.c - live.h's services on Windows: the Service Control
 * Manager.  Every change is read back from the SCM before it is called
 * done. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/live.h"
#include "platform/win32/live_win32.h"

static int open_service(const char *name, DWORD access, SC_HANDLE *scm, SC_HANDLE *svc) {
  wchar_t *w;
  int r = w32_wide(name, &w);
  if (r < 0) return r;
  *scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  if (*scm == NULL) { free(w); return live_werr(GetLastError()); }
  *svc = OpenServiceW(*scm, w, access);
  if (*svc == NULL) {
    r = live_werr(GetLastError());
    CloseServiceHandle(*scm);
  }
  free(w);
  return r;
}

static void close_service(SC_HANDLE scm, SC_HANDLE svc) {
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
}

static void copy_narrow(char *out, size_t outsz, const wchar_t *w) {
  char *s = w ? live_narrow(w, -1) : NULL;
  snprintf(out, outsz, "%s", s ? s : "");
  free(s);
}

/* State and configuration of the open service svc. */
static int query(SC_HANDLE svc, live_service *out) {
  SERVICE_STATUS_PROCESS st;
  SERVICE_DELAYED_AUTO_START_INFO delayed;
  QUERY_SERVICE_CONFIGW *cfg;
  DWORD need = 0;
  memset(out, 0, sizeof *out);
  if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof st, &need))
    return live_werr(GetLastError());
  out->state = (live_svc_state)st.dwCurrentState;
  out->pid = st.dwProcessId;
  if (QueryServiceConfigW(svc, NULL, 0, &need) || GetLastError() != ERROR_INSUFFICIENT_BUFFER)
    return live_werr(GetLastError());
  if ((cfg = malloc(need)) == NULL) return -ENOMEM;
  if (!QueryServiceConfigW(svc, cfg, need, &need)) {
    int r = live_werr(GetLastError());
    free(cfg);
    return r;
  }
  out->start = (int)cfg->dwStartType;
  copy_narrow(out->account, sizeof out->account, cfg->lpServiceStartName);
  copy_narrow(out->binary, sizeof out->binary, cfg->lpBinaryPathName);
  free(cfg);
  /* Delayed automatic start: not every SCM answers (then: not delayed). */
  if (QueryServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, (BYTE *)&delayed,
                           sizeof delayed, &need))
    out->delayed = delayed.fDelayedAutostart != 0;
  return 0;
}

int live_svc_query(const char *name, live_service *out) {
  SC_HANDLE scm, svc;
  int r = open_service(name, SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG, &scm, &svc);
  if (r < 0) return r;
  r = query(svc, out);
  close_service(scm, svc);
  return r;
}

int live_svc_control(const char *name, live_svc_op op, double timeout, live_service *out) {
  SC_HANDLE scm, svc;
  DWORD access = SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG |
                 (op == LIVE_SVC_START ? SERVICE_START : SERVICE_STOP);
  live_svc_state want = op == LIVE_SVC_START ? LIVE_SVC_RUNNING : LIVE_SVC_STOPPED;
  ULONGLONG until;
  int r = open_service(name, access, &scm, &svc);
  if (r < 0) return r;
  if (op == LIVE_SVC_START) {
    if (!StartServiceW(svc, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING)
      r = live_werr(GetLastError());
  } else {
    SERVICE_STATUS st;
    if (!ControlService(svc, SERVICE_CONTROL_STOP, &st) && GetLastError() != ERROR_SERVICE_NOT_ACTIVE)
      r = live_werr(GetLastError());
  }
  /* Wait for the SCM to report the state asked for (read back). */
  until = GetTickCount64() + (ULONGLONG)(timeout * 1000.0);
  while (r == 0) {
    if ((r = query(svc, out)) < 0) break;
    if (out->state == want) break;
    if (GetTickCount64() > until) { r = -ETIMEDOUT; break; }
    Sleep(100);
  }
  close_service(scm, svc);
  return r;
}

int live_svc_set_start(const char *name, int start, live_service *out) {
  SC_HANDLE scm, svc;
  int r;
  if (start < 2 || start > 4) return -EINVAL;   /* boot/system: drivers only */
  r = open_service(name, SERVICE_CHANGE_CONFIG | SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG,
                   &scm, &svc);
  if (r < 0) return r;
  if (!ChangeServiceConfigW(svc, SERVICE_NO_CHANGE, (DWORD)start, SERVICE_NO_CHANGE,
                            NULL, NULL, NULL, NULL, NULL, NULL, NULL))
    r = live_werr(GetLastError());
  if (r == 0 && (r = query(svc, out)) == 0 && out->start != start) r = -EIO;
  close_service(scm, svc);
  return r;
}
