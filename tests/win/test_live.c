/* test_live.c - the Win32 live backends (platform/live.h) against a real
 * Windows API: run under Wine by tests/win/run.sh (and on real Windows by
 * examples/ci).  Registry round trips of every value type, enumeration,
 * the LocalSystem hive, the 64-bit view; the SCM with a real service
 * process (svc_standin.exe) started, stopped and reconfigured; Task
 * Scheduler through COM (a scratch task registered, read back, corrected,
 * deleted), where Wine's Task Scheduler is partial the checks it cannot
 * pass are TAP skips that say so.
 *
 *   test_live.exe [SERVICE_EXE]   (the stand-in; default: svc_standin.exe
 *                                  beside test_live.exe)
 * Prints one "ok"/"not ok" line per check (TAP); exits 1 on any failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>

#include "platform/live.h"
#include "platform/platform.h"
#include "platform/win32/live_win32.h"

#include "tap.h"

#define KEY "SOFTWARE\\marsplay-test\\Config"

/* ---------- registry ---------- */

typedef struct seen { int n; int sz, expand, multi, qword, binary, dword; } seen;

static int on_value(void *ud, const char *name, uint32_t type, const char *data, size_t len) {
  seen *s = ud;
  (void)data; (void)len;
  s->n++;
  if (strcmp(name, "Sz") == 0 && type == REG_SZ) s->sz = 1;
  if (strcmp(name, "Expand") == 0 && type == REG_EXPAND_SZ) s->expand = 1;
  if (strcmp(name, "Multi") == 0 && type == REG_MULTI_SZ) s->multi = 1;
  if (strcmp(name, "Qword") == 0 && type == REG_QWORD) s->qword = 1;
  if (strcmp(name, "Binary") == 0 && type == REG_BINARY) s->binary = 1;
  if (strcmp(name, "Dword") == 0 && type == REG_DWORD) s->dword = 1;
  return 0;
}

static int on_key(void *ud, const char *name) {
  if (strcmp(name, "Config") == 0) (*(int *)ud)++;
  return 0;
}

static void round_trip(const char *name, uint32_t type, const char *data, size_t len) {
  uint32_t t = 0;
  char *back = NULL;
  size_t blen = 0;
  int r = live_reg_set(LIVE_HKLM, KEY, name, type, data, len);
  CHECK(r == 0, "set %s (type %u, %zu bytes): %d", name, (unsigned)type, len, r);
  r = live_reg_get(LIVE_HKLM, KEY, name, &t, &back, &blen);
  CHECK(r == 0 && t == type && blen == len && memcmp(back, data, len) == 0,
        "read back %s: type %u, %zu bytes, same bytes", name, (unsigned)t, blen);
  free(back);
}

/* Raw registry read, to check what the backend wrote from outside it. */
static int raw_exists(HKEY top, const wchar_t *key, const wchar_t *name, REGSAM view) {
  HKEY h;
  DWORD t, size = 0;
  LONG e;
  if (RegOpenKeyExW(top, key, 0, KEY_QUERY_VALUE | view, &h) != ERROR_SUCCESS) return 0;
  e = RegQueryValueExW(h, name, NULL, &t, NULL, &size);
  RegCloseKey(h);
  return e == ERROR_SUCCESS;
}

static void test_registry(void) {
  /* UTF-16LE data with NULs, as the registry stores them. */
  static const char sz[] = "C\0:\0\\\0M\0A\0R\0S\0\0\0";
  static const char expand[] = "%\0P\0r\0o\0g\0r\0a\0m\0F\0i\0l\0e\0s\0%\0\\\0x\0\0\0";
  static const char multi[] = "a\0\0\0b\0c\0\0\0\0\0";
  static const char qword[8] = {1, 2, 3, 4, 5, 6, 7, (char)0x80};
  static const char binary[5] = {0, (char)0xff, 0, 'x', 0};
  static const char dword[4] = {0x10, 0, 0, 0};
  static const char empty_sz[] = "\0";
  seen s = {0, 0, 0, 0, 0, 0, 0};
  int r, keys = 0;
  uint32_t t;
  char *d;
  size_t len;

  live_reg_delete_tree(LIVE_HKLM, "SOFTWARE\\marsplay-test");
  CHECK(live_reg_key_exists(LIVE_HKLM, KEY) == 0, "key absent before the test");
  r = live_reg_get(LIVE_HKLM, KEY, "Sz", &t, &d, &len);
  CHECK(r == -ENOENT, "absent key reads as ENOENT (%d)", r);

  round_trip("Sz", REG_SZ, sz, sizeof sz - 1);
  round_trip("Expand", REG_EXPAND_SZ, expand, sizeof expand - 1);
  round_trip("Multi", REG_MULTI_SZ, multi, sizeof multi - 1);
  round_trip("Qword", REG_QWORD, qword, sizeof qword);
  round_trip("Binary", REG_BINARY, binary, sizeof binary);
  round_trip("Dword", REG_DWORD, dword, sizeof dword);
  round_trip("", REG_SZ, empty_sz, 2);                    /* the default value */
  round_trip("Caf\xc3\xa9 \xe2\x82\xac", REG_DWORD, dword, sizeof dword);  /* non-ASCII name */

  r = live_reg_get(LIVE_HKLM, KEY, "Nope", &t, &d, &len);
  CHECK(r == -ENOENT, "absent value reads as ENOENT (%d)", r);
  CHECK(live_reg_key_exists(LIVE_HKLM, KEY) == 1, "key exists after the writes");

  r = live_reg_values(LIVE_HKLM, KEY, on_value, &s);
  CHECK(r == 8 && s.n == 8, "values enumerated: %d (8 expected)", r);
  CHECK(s.sz && s.expand && s.multi && s.qword && s.binary && s.dword,
        "every type enumerated with its own type");
  r = live_reg_keys(LIVE_HKLM, "SOFTWARE\\marsplay-test", on_key, &keys);
  CHECK(r == 1 && keys == 1, "subkeys enumerated: %d", r);
  r = live_reg_values(LIVE_HKLM, "SOFTWARE\\marsplay-test\\Nope", on_value, &s);
  CHECK(r == -ENOENT, "enumerating an absent key: ENOENT (%d)", r);

  CHECK(live_reg_delete_value(LIVE_HKLM, KEY, "Qword") == 0, "delete a value");
  r = live_reg_get(LIVE_HKLM, KEY, "Qword", &t, &d, &len);
  CHECK(r == -ENOENT, "deleted value is gone (%d)", r);
  CHECK(live_reg_delete_value(LIVE_HKLM, KEY, "Qword") == 0, "deleting it again succeeds");

  /* The 64-bit view: written under SOFTWARE\marsplay-test, never under
   * Wow6432Node (what a 32-bit build without KEY_WOW64_64KEY would use). */
  CHECK(raw_exists(HKEY_LOCAL_MACHINE, L"SOFTWARE\\marsplay-test\\Config", L"Sz", KEY_WOW64_64KEY),
        "value is in the 64-bit view");
  CHECK(!raw_exists(HKEY_LOCAL_MACHINE, L"SOFTWARE\\marsplay-test\\Config", L"Sz", KEY_WOW64_32KEY),
        "value is not in the 32-bit view (Wow6432Node)");

  /* LocalSystem's hive: LIVE_HKU_SYSTEM is HKU\.DEFAULT. */
  live_reg_delete_tree(LIVE_HKU_SYSTEM, "Software\\marsplay-test");
  r = live_reg_set(LIVE_HKU_SYSTEM, "Software\\marsplay-test", "ProxyEnable", REG_DWORD, dword, 4);
  CHECK(r == 0, "set a value in LocalSystem's hive (%d)", r);
  CHECK(raw_exists(HKEY_USERS, L".DEFAULT\\Software\\marsplay-test", L"ProxyEnable", KEY_WOW64_64KEY),
        "it is in HKU\\.DEFAULT");
  {
    /* Windows loads LocalSystem's hive under both names; Wine has only
     * .Default (hence the backend always opens .DEFAULT). */
    HKEY h;
    if (RegOpenKeyExW(HKEY_USERS, L"S-1-5-18", 0, KEY_READ, &h) == ERROR_SUCCESS) {
      RegCloseKey(h);
      CHECK(raw_exists(HKEY_USERS, L"S-1-5-18\\Software\\marsplay-test", L"ProxyEnable",
                       KEY_WOW64_64KEY), "and the same hive answers as HKU\\S-1-5-18");
    } else {
      CHECK(1, "HKU\\S-1-5-18 is not loaded here (Wine): .DEFAULT serves it # SKIP");
    }
  }
  CHECK(live_reg_delete_tree(LIVE_HKU_SYSTEM, "Software\\marsplay-test") == 0, "delete that key");

  CHECK(live_reg_delete_tree(LIVE_HKLM, "SOFTWARE\\marsplay-test") == 0, "delete the test key tree");
  CHECK(live_reg_key_exists(LIVE_HKLM, KEY) == 0, "test key gone");
}

/* ---------- services ---------- */

#define SVC "mpstandin"

static int install(const char *exe) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE), svc;
  wchar_t *wexe;
  if (scm == NULL || w32_wide(exe, &wexe) < 0) return -1;
  svc = CreateServiceW(scm, L"" SVC, L"marsplay stand-in service", SERVICE_ALL_ACCESS,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_DISABLED, SERVICE_ERROR_NORMAL,
                       wexe, NULL, NULL, NULL, NULL, NULL);
  free(wexe);
  if (svc) CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return svc ? 0 : (int)GetLastError();
}

static void uninstall(void) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc;
  SERVICE_STATUS st;
  if (scm == NULL) return;
  svc = OpenServiceW(scm, L"" SVC, SERVICE_STOP | DELETE);
  if (svc) {
    ControlService(svc, SERVICE_CONTROL_STOP, &st);
    DeleteService(svc);
    CloseServiceHandle(svc);
  }
  CloseServiceHandle(scm);
}

static int process_runs(unsigned long pid) {
  HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
  DWORD code = 0;
  int alive;
  if (p == NULL) return 0;
  alive = GetExitCodeProcess(p, &code) && code == STILL_ACTIVE;
  CloseHandle(p);
  return alive;
}

static void test_services(const char *exe) {
  live_service s;
  int r;
  uninstall();
  r = live_svc_query(SVC, &s);
  CHECK(r == -ENOENT, "a service that is not installed: ENOENT (%d)", r);
  r = install(exe);
  CHECK(r == 0, "stand-in service installed (%d)", r);
  r = live_svc_query(SVC, &s);
  CHECK(r == 0 && s.state == LIVE_SVC_STOPPED && s.start == 4,
        "query: %s, start %d (%d)", live_svc_state_name(s.state), s.start, r);
  CHECK(strstr(s.binary, "svc_standin") != NULL, "binary path: %s", s.binary);
  CHECK(s.account[0] != '\0', "account: %s", s.account);

  r = live_svc_control(SVC, LIVE_SVC_START, 30, &s);
  CHECK(r == -EPERM, "a disabled service does not start (%d)", r);

  r = live_svc_set_start(SVC, 3, &s);
  CHECK(r == 0 && s.start == 3, "start type set to manual and read back (%d, %d)", r, s.start);
  r = live_svc_set_start(SVC, 1, &s);
  CHECK(r == -EINVAL, "start type 1 (system) refused for a service (%d)", r);

  r = live_svc_control(SVC, LIVE_SVC_START, 30, &s);
  CHECK(r == 0 && s.state == LIVE_SVC_RUNNING && s.pid != 0,
        "started: %s, pid %lu (%d)", live_svc_state_name(s.state), s.pid, r);
  CHECK(process_runs(s.pid), "its process %lu runs", s.pid);
  {
    unsigned long pid = s.pid;
    r = live_svc_control(SVC, LIVE_SVC_START, 30, &s);
    CHECK(r == 0 && s.state == LIVE_SVC_RUNNING && s.pid == pid, "starting it again changes nothing");
    r = live_svc_control(SVC, LIVE_SVC_STOP, 30, &s);
    CHECK(r == 0 && s.state == LIVE_SVC_STOPPED, "stopped: %s (%d)", live_svc_state_name(s.state), r);
    r = live_svc_query(SVC, &s);
    CHECK(r == 0 && s.state == LIVE_SVC_STOPPED && s.pid == 0, "query after stop: %s",
          live_svc_state_name(s.state));
  }
  r = live_svc_control(SVC, LIVE_SVC_STOP, 30, &s);
  CHECK(r == 0 && s.state == LIVE_SVC_STOPPED, "stopping a stopped service succeeds (%d)", r);

  r = live_svc_set_start(SVC, 2, &s);
  CHECK(r == 0 && s.start == 2, "start type automatic, read back (%d)", s.start);
  r = live_svc_set_start(SVC, 4, &s);
  CHECK(r == 0 && s.start == 4, "start type disabled, read back (%d)", s.start);
  uninstall();
  r = live_svc_query(SVC, &s);
  CHECK(r == -ENOENT, "uninstalled (%d)", r);
}

/* ---------- facts ---------- */

static void test_facts(void) {
  char ver[64], product[256], zone[256];
  plat_proc *procs = NULL;
  size_t n = 0, i;
  long off = 99999, want;
  int self = 0, sorted = 1;
  TIME_ZONE_INFORMATION tzi;
  DWORD id;
  int r2 = plat_process_list(&procs, &n);
  for (i = 0; r2 == 0 && i < n; i++) {
    if (procs[i].pid == (long)GetCurrentProcessId() && strcmp(procs[i].name, "test_live.exe") == 0) self = 1;
    if (i && procs[i - 1].pid > procs[i].pid) sorted = 0;
  }
  CHECK(r2 == 0 && n > 1 && self && sorted, "process list: %zu processes by pid, this one among them", n);
  plat_proc_free(procs, n);
  r2 = plat_timezone(zone, sizeof zone);
  CHECK(r2 == 0 && zone[0] != '\0', "time zone: %s", zone);
  /* The offset now, against the bias the system reports for now. */
  id = GetTimeZoneInformation(&tzi);
  want = -60L * (tzi.Bias + (id == TIME_ZONE_ID_DAYLIGHT ? tzi.DaylightBias : tzi.StandardBias));
  r2 = plat_utc_offset((double)time(NULL), &off);
  CHECK(r2 == 0 && off == want, "UTC offset now: %ld s (the zone's bias says %ld)", off, want);
  int r = live_os_version(ver, sizeof ver, product, sizeof product);
  CHECK(r == 0 && ver[0] >= '1' && strchr(ver, '.') != NULL, "OS version %s (%s)", ver, product);
  CHECK(live_available() == 1, "live_available");
}

/* ---------- scheduled tasks (Task Scheduler COM) ---------- */

#define TASK "\\marsplay-test\\Backup"
#define TASK_XML(trigger, task, policy) \
  "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n" \
  "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n" \
  "  <RegistrationInfo><URI>\\marsplay-test\\Backup</URI></RegistrationInfo>\n" \
  "  <Triggers><CalendarTrigger><StartBoundary>2024-01-01T21:00:00</StartBoundary>" \
  "<Enabled>" trigger "</Enabled><ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>" \
  "</CalendarTrigger></Triggers>\n" \
  "  <Principals><Principal id=\"Author\"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel>" \
  "</Principal></Principals>\n" \
  "  <Settings><MultipleInstancesPolicy>" policy "</MultipleInstancesPolicy><Enabled>" task "</Enabled></Settings>\n" \
  "  <Actions Context=\"Author\"><Exec><Command>C:\\Windows\\System32\\cmd.exe</Command>" \
  "<Arguments>/c exit 0</Arguments></Exec></Actions>\n" \
  "</Task>\n"

static int under_wine(void) {
  HMODULE nt = GetModuleHandleW(L"ntdll.dll");
  return nt != NULL && GetProcAddress(nt, "wine_get_version") != NULL;
}

/* CHECK, or a TAP skip under Wine saying why. */
#define CHECK_REAL(cond, why, ...) do { \
    if (wine) CHECK(1, "# SKIP Wine: %s", why); else CHECK(cond, __VA_ARGS__); \
  } while (0)

static int on_task(void *ud, const char *name) {
  if (strcmp(name, "Backup") == 0) ++*(int *)ud;
  return 0;
}

static void test_tasks(void) {
  int wine = under_wine(), listed = 0, r;
  live_task t;
  r = live_task_delete(TASK);
  CHECK(r == 0, "task: a leftover scratch task removed (%d)", r);
  r = live_task_get(TASK, &t);
  CHECK(r == -ENOENT, "task: an absent task is ENOENT (%d)", r);
  r = live_task_register(TASK, TASK_XML("false", "false", "Parallel"), "S-1-5-18",
                         LIVE_TASK_LOGON_SERVICE_ACCOUNT, &t);
  CHECK(r == 0 && t.xml != NULL, "task: RegisterTask as SYSTEM, read back (%d)", r);
  live_task_free(&t);
  r = live_task_get(TASK, &t);
  CHECK(r == 0 && t.xml != NULL && strstr(t.xml, "<Task") != NULL, "task: get_Xml (%d)", r);
  CHECK(r == 0 && t.enabled == 0 && t.state == 1, "task: get_Enabled false, state %s",
        live_task_state_name(t.state));
  CHECK_REAL(r == 0 && strstr(t.xml, "Parallel") != NULL, "RegisterTask stores Parallel as IgnoreNew",
             "task: MultipleInstancesPolicy Parallel kept");
  CHECK_REAL(r == 0 && strstr(t.xml, "CalendarTrigger") != NULL && strstr(t.xml, "S-1-5-18") != NULL,
             "its Task Scheduler keeps no triggers or principal", "task: trigger and principal kept");
  CHECK_REAL(r == 0 && t.instances == 0, "GetInstances is E_NOTIMPL", "task: GetInstances: %ld running",
             t.instances);
  live_task_free(&t);
  r = live_task_names("\\marsplay-test", on_task, &listed);
  CHECK_REAL(r >= 1 && listed == 1, "GetTasks cannot count", "task: GetTasks lists it (%d)", r);
  r = live_task_register(TASK, TASK_XML("true", "true", "IgnoreNew"), "S-1-5-18",
                         LIVE_TASK_LOGON_SERVICE_ACCOUNT, &t);
  CHECK(r == 0 && t.enabled == 1 && strstr(t.xml, "IgnoreNew") != NULL,
        "task: registered again enabled, IgnoreNew: read back (%d)", r);
  CHECK_REAL(r == 0 && strstr(t.xml, "<Enabled>true</Enabled>") != NULL && strstr(t.xml, "<Enabled>false") == NULL,
             "its Task Scheduler keeps no triggers", "task: the trigger reads back enabled");
  live_task_free(&t);
  r = live_task_delete(TASK);
  CHECK(r == 0 && live_task_get(TASK, &t) == -ENOENT, "task: deleted (%d)", r);
}

int main(int argc, char **argv) {
  char exe[MAX_PATH * 3];
  if (argc >= 2) {
    snprintf(exe, sizeof exe, "%s", argv[1]);
  } else {
    wchar_t self[MAX_PATH];
    DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH);
    char *s, *slash;
    if (n == 0 || n >= MAX_PATH || (s = live_narrow(self, (int)n)) == NULL) {
      fprintf(stderr, "test_live.exe: cannot tell where it is\n");
      return 2;
    }
    slash = strrchr(s, '\\');
    if (slash) slash[1] = '\0';
    snprintf(exe, sizeof exe, "%ssvc_standin.exe", slash ? s : "");
    free(s);
  }
  test_registry();
  test_services(exe);
  test_facts();
  test_tasks();
  return TAP_END();
}
