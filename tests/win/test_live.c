/* test_live.c - the Win32 live backends (platform/live.h) against a real
 * Windows API: run under Wine by tests/win/run.sh (and on real Windows by
 * examples/ci).  Registry round trips of every value type, enumeration,
 * the LocalSystem hive, the 64-bit view; the SCM with a real service
 * process (svc_standin.exe) started, stopped and reconfigured; a folder's
 * NTFS permissions set and read back (under Wine: refused, made up); the
 * shadow-copy storage of the system volume (under Wine: no VSS); WinHTTP's
 * default proxy read back, and a proxy auto-config script that fails; Task
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

#include <aclapi.h>
#include <sddl.h>

#include "platform/live.h"
#include "platform/platform.h"
#include "platform/win32/live_win32.h"

#include <winhttp.h>

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

/* ---------- NTFS permissions (plat_ntfs_acl) ---------- */

static int under_wine(void) {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* Set the folder h is open on to exactly the DACL of sddl (protected),
 * then read it through plat_ntfs_acl into buf. */
static int set_and_read(HANDLE h, const char *sddl, unsigned char *buf, size_t size) {
  PSECURITY_DESCRIPTOR want = NULL;
  PACL dacl = NULL;
  BOOL present = FALSE, defaulted = FALSE;
  const char *name = "";
  DWORD err;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1, &want, NULL)) return -1000;
  GetSecurityDescriptorDacl(want, &present, &dacl, &defaulted);
  err = SetSecurityInfo(h, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                        NULL, NULL, dacl, NULL);
  LocalFree(want);
  if (err != ERROR_SUCCESS) return -2000 - (int)err;
  return plat_ntfs_acl((plat_fd)(intptr_t)h, -1, buf, size, &name);
}

/* The SIDs (string form) of the allow ACEs of a self-relative
 * descriptor, ';'-joined; the full-control ones marked "=F". */
static void allowed(const unsigned char *sd, char *out, size_t outsz) {
  BOOL present = FALSE, defaulted = FALSE;
  PACL dacl = NULL;
  DWORD i;
  out[0] = '\0';
  if (!IsValidSecurityDescriptor((PSECURITY_DESCRIPTOR)sd) ||
      !GetSecurityDescriptorDacl((PSECURITY_DESCRIPTOR)sd, &present, &dacl, &defaulted) || !present || !dacl) {
    snprintf(out, outsz, "(no DACL)");
    return;
  }
  for (i = 0; i < dacl->AceCount; i++) {
    ACCESS_ALLOWED_ACE *ace = NULL;
    char *sid = NULL;
    size_t n = strlen(out);
    if (!GetAce(dacl, i, (void **)&ace) || ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE) continue;
    if (!ConvertSidToStringSidA((PSID)&ace->SidStart, &sid)) continue;
    snprintf(out + n, outsz - n, "%s%s%s", n ? ";" : "", sid, ace->Mask == FILE_ALL_ACCESS ? "=F" : "");
    LocalFree(sid);
  }
}

static void test_acl(void) {
  wchar_t tmp[MAX_PATH], dir[MAX_PATH + 32];
  unsigned char *buf = malloc(65536);
  char got[512];
  HANDLE h;
  SECURITY_DESCRIPTOR_CONTROL ctl = 0;
  DWORD rev = 0, n = GetTempPathW(MAX_PATH, tmp);
  int r;
  if (buf == NULL || n == 0 || n >= MAX_PATH) {
    CHECK(0, "NTFS permissions: no temporary folder");
    free(buf);
    return;
  }
  swprintf(dir, MAX_PATH + 32, L"%lsmarsplay-acl-%lu", tmp, (unsigned long)GetCurrentProcessId());
  CreateDirectoryW(dir, NULL);
  h = CreateFileW(dir, READ_CONTROL | WRITE_DAC, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                  OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
  CHECK(h != INVALID_HANDLE_VALUE, "NTFS permissions: a test folder open with READ_CONTROL|WRITE_DAC");
  if (h == INVALID_HANDLE_VALUE) {
    free(buf);
    RemoveDirectoryW(dir);
    return;
  }
  /* Administrators only: SYSTEM has no entry */
  r = set_and_read(h, "D:P(A;OICI;FA;;;BA)", buf, 65536);
  if (under_wine()) {
    /* Wine keeps no ACL: it would answer SYSTEM full control whatever was set */
    CHECK(r == -PLAT_EOPNOTSUPP, "NTFS permissions under Wine: refused as made up (%d)", r);
    r = set_and_read(h, "D:P(A;OICI;FA;;;BA)", buf, 1);
    CHECK(r == -PLAT_EOPNOTSUPP, "NTFS permissions under Wine: refused before any size question (%d)", r);
  } else {
    if (r > 0) allowed(buf, got, sizeof got);
    else snprintf(got, sizeof got, "error %d", r);
    CHECK(r > 0 && GetSecurityDescriptorControl((PSECURITY_DESCRIPTOR)buf, &ctl, &rev) && (ctl & SE_SELF_RELATIVE),
          "NTFS permissions: a self-relative descriptor (%d bytes)", r);
    CHECK(strcmp(got, "S-1-5-32-544=F") == 0, "NTFS permissions: Administrators only, read back: %s", got);
    r = set_and_read(h, "D:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)", buf, 65536);
    if (r > 0) allowed(buf, got, sizeof got);
    else snprintf(got, sizeof got, "error %d", r);
    CHECK(strcmp(got, "S-1-5-32-544=F;S-1-5-18=F") == 0, "NTFS permissions: SYSTEM granted, read back: %s", got);
    r = set_and_read(h, "D:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)", buf, 8);
    CHECK(r == -PLAT_ERANGE, "NTFS permissions: a buffer too small is -ERANGE (%d)", r);
  }
  CloseHandle(h);
  RemoveDirectoryW(dir);
  free(buf);
}

/* ---------- shadow-copy storage (live_vss.c) ---------- */

static void test_vss(void) {
  live_shadow_storage st[8];
  char why[512];
  char sys[MAX_PATH];
  UINT n = GetSystemWindowsDirectoryA(sys, sizeof sys);
  int r, i, sane = 1;
  memset(st, 0, sizeof st);
  r = live_shadow_storage_of(n > 0 ? sys[0] : 'C', st, 8, why, sizeof why);
  if (under_wine()) {
    /* Wine registers no VSS management class */
    CHECK(r == -ENOSYS && strstr(why, "0x80040154") != NULL, "shadow storage under Wine: VSS not here (%d: %s)", r,
          why);
  } else {
    for (i = 0; i < r && i < 8; i++) {
      if (st[i].volume[0] == '\0' || st[i].on[0] == '\0' || st[i].used < 0 || st[i].allocated < 0 ||
          (st[i].maximum != -1 && st[i].maximum < st[i].used))
        sane = 0;
      printf("# %s on %s: used %lld, allocated %lld, maximum %lld\n", st[i].volume, st[i].on,
             (long long)st[i].used, (long long)st[i].allocated, (long long)st[i].maximum);
    }
    CHECK(r >= 0 && sane, "shadow storage of the system volume: %d association(s) %s", r, r < 0 ? why : "");
  }
  r = live_shadow_storage_of('1', st, 8, why, sizeof why);
  CHECK(r == -EINVAL, "shadow storage: a drive that is no letter is refused (%d)", r);
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

/* ---------- proxy (live_proxy.c) ---------- */

/* WinHTTP's default proxy set to a test value and read back through
 * live.h, then put back as it was (on a real Windows it is the
 * machine's); an auto-config script nobody serves (127.0.0.1:1). */
static void test_proxy(void) {
  WINHTTP_PROXY_INFO old, pi;
  live_proxy p;
  int r, have_old;
  memset(&old, 0, sizeof old);
  have_old = WinHttpGetDefaultProxyConfiguration(&old);
  CHECK(have_old, "WinHTTP's default proxy read (to be put back)");
  memset(&pi, 0, sizeof pi);
  pi.dwAccessType = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
  pi.lpszProxy = L"127.0.0.1:3128";
  pi.lpszProxyBypass = L"<local>;*.contoso.com";
  CHECK(WinHttpSetDefaultProxyConfiguration(&pi), "WinHTTP default proxy set (error %lu)", GetLastError());
  r = live_proxy_default(&p);
  CHECK(r == 0 && p.access == LIVE_PROXY_NAMED && p.proxy && strcmp(p.proxy, "127.0.0.1:3128") == 0 &&
        p.bypass && strcmp(p.bypass, "<local>;*.contoso.com") == 0,
        "live_proxy_default reads it back (%d, %s, %s)", r, p.proxy ? p.proxy : "-", p.bypass ? p.bypass : "-");
  live_proxy_free(&p);
  live_proxy_free(&p);                         /* twice: harmless */
  pi.dwAccessType = WINHTTP_ACCESS_TYPE_NO_PROXY;
  pi.lpszProxy = pi.lpszProxyBypass = NULL;
  CHECK(WinHttpSetDefaultProxyConfiguration(&pi), "WinHTTP default proxy reset");
  r = live_proxy_default(&p);
  CHECK(r == 0 && p.access == LIVE_PROXY_DIRECT && p.proxy == NULL, "live_proxy_default: direct (%d)", r);
  live_proxy_free(&p);
  if (have_old) {
    CHECK(WinHttpSetDefaultProxyConfiguration(&old), "WinHTTP's default proxy put back");
    if (old.lpszProxy) GlobalFree(old.lpszProxy);
    if (old.lpszProxyBypass) GlobalFree(old.lpszProxyBypass);
  }
  r = live_proxy_for_url("https://login.microsoftonline.com/", "http://127.0.0.1:1/none.pac", 0, &p);
  CHECK(r == -EIO && strstr(p.why, "could not be downloaded") && p.proxy == NULL,
        "live_proxy_for_url: a script nobody serves is -EIO (%d: %s)", r, p.why);
  live_proxy_free(&p);
  r = live_proxy_for_url("https://login.microsoftonline.com/", NULL, 0, &p);
  CHECK(r == -EINVAL && p.why[0] != 0, "live_proxy_for_url: neither a script nor auto-detection is -EINVAL");
  live_proxy_free(&p);
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
  test_acl();
  test_vss();
  test_proxy();
  test_tasks();
  return TAP_END();
}
