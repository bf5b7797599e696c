/* svc_standin.c - a stand-in for the MARS engine service (obengine) in
 * the Wine tests: a real Windows service process that reports running
 * until the SCM asks it to stop.  It does nothing else. */
#include <windows.h>

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;

static void report(DWORD state) {
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
  status.dwWin32ExitCode = NO_ERROR;
  SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI handler(DWORD control, DWORD type, void *data, void *ctx) {
  (void)type; (void)data; (void)ctx;
  if (control == SERVICE_CONTROL_STOP) {
    report(SERVICE_STOP_PENDING);
    SetEvent(stop_event);
  }
  return NO_ERROR;
}

static void WINAPI service_main(DWORD argc, wchar_t **argv) {
  (void)argc;
  status_handle = RegisterServiceCtrlHandlerExW(argv[0], handler, NULL);
  if (status_handle == NULL) return;
  stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (stop_event == NULL) { report(SERVICE_STOPPED); return; }
  report(SERVICE_RUNNING);
  WaitForSingleObject(stop_event, INFINITE);
  report(SERVICE_STOPPED);
}

int main(void) {
  static wchar_t name[] = L"";     /* own process: the name is not used */
  SERVICE_TABLE_ENTRYW table[] = {{name, service_main}, {NULL, NULL}};
  return StartServiceCtrlDispatcherW(table) ? 0 : 1;
}
