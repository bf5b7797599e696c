/* seed_live.c - writes a lab's registry and services into the running
 * Windows (a Wine prefix in tests/win/t_live.sh) through the Win32 API,
 * byte for byte: `reg import` turns hex(1)/hex(2) data into other bytes,
 * so the values are written with RegSetValueExW from their raw form.
 *
 *   seed_live.exe FILE        apply the lines of FILE (UTF-8, tab-separated,
 *                             written by tests/win/lab2wine.py):
 *     K ROOT KEY                        create the key
 *     V ROOT KEY NAME TYPE HEX          set one value (HEX: its raw bytes)
 *     S NAME START IMAGEPATH DISPLAY TYPE
 *                                       register a service (LocalSystem)
 *                                       with this start and service type
 *     D ROOT KEY NAME                   delete a value (if present)
 *     X ROOT KEY                        delete a key with its subkeys
 *     W PROXY BYPASS                    set WinHTTP's default proxy
 *                                       (WinHttpSetDefaultProxyConfiguration;
 *                                       PROXY "-": no proxy, BYPASS "-": none)
 *   seed_live.exe start NAME  start a service and wait until it runs
 *   seed_live.exe stop NAME   stop it and wait until it is stopped
 *   seed_live.exe deny KEY    let only SYSTEM read HKLM\KEY (a protected
 *                             DACL), as recent Windows does with Defender's
 *                             exclusions (Wine enforces key DACLs while its
 *                             wineserver runs, and forgets them after)
 *   seed_live.exe task PATH FILE  register the task definition in FILE
 *                             (UTF-16 LE with a BOM, as Windows writes a
 *                             task file) as the Task Scheduler task PATH,
 *                             running as SYSTEM (live_task_register)
 * ROOT is HKLM or HKU.  Exit 0 on success, 1 with a message otherwise.
 * A test tool, not part of marsplay: marsplay's own calls live in
 * runtime/platform/win32/. */
#include <windows.h>
#include <sddl.h>
#include <winhttp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/live.h"

static wchar_t *wide(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
  wchar_t *w;
  if (n <= 0) return NULL;
  w = malloc((size_t)n * sizeof *w);
  if (w == NULL) return NULL;
  if (MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) != n) { free(w); return NULL; }
  return w;
}

static HKEY root_of(const char *r) {
  if (strcmp(r, "HKLM") == 0) return HKEY_LOCAL_MACHINE;
  if (strcmp(r, "HKU") == 0) return HKEY_USERS;
  return NULL;
}

static int fail(int line, const char *what, long code) {
  fprintf(stderr, "seed_live: line %d: %s (%ld)\n", line, what, code);
  return 1;
}

static int open_key(int line, const char *root, const char *key, HKEY *out) {
  HKEY r = root_of(root);
  wchar_t *wk;
  LONG e;
  if (r == NULL) return fail(line, "unknown root", 0);
  if ((wk = wide(key)) == NULL) return fail(line, "bad key name", 0);
  e = RegCreateKeyExW(r, wk, 0, NULL, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, NULL, out, NULL);
  free(wk);
  return e == ERROR_SUCCESS ? 0 : fail(line, "RegCreateKeyExW", e);
}

static int set_value(int line, char **f) {
  HKEY k;
  size_t hl = strlen(f[5]), n = hl / 2, i;
  unsigned char *data;
  wchar_t *wn;
  LONG e;
  if (hl % 2 != 0) return fail(line, "odd hex length", 0);
  if ((data = malloc(n + 1)) == NULL) return fail(line, "out of memory", 0);
  for (i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(f[5] + 2 * i, "%2x", &v) != 1) { free(data); return fail(line, "bad hex", 0); }
    data[i] = (unsigned char)v;
  }
  if (open_key(line, f[1], f[2], &k) != 0) { free(data); return 1; }
  wn = wide(f[3]);
  e = wn ? RegSetValueExW(k, wn, 0, strtoul(f[4], NULL, 10), data, (DWORD)n) : ERROR_OUTOFMEMORY;
  free(wn);
  free(data);
  RegCloseKey(k);
  return e == ERROR_SUCCESS ? 0 : fail(line, "RegSetValueExW", e);
}

/* D ROOT KEY NAME: delete a value; X ROOT KEY: delete a key and its
 * subkeys.  Either may already be absent (the prefix never had it). */
static int remove_item(int line, char **f, int value) {
  HKEY r = root_of(f[1]), k;
  wchar_t *wk = wide(f[2]), *wn = value ? wide(f[3]) : NULL;
  LONG e;
  if (r == NULL || wk == NULL || (value && wn == NULL)) {
    free(wk); free(wn);
    return fail(line, "bad root or name", 0);
  }
  if (value) {
    e = RegOpenKeyExW(r, wk, 0, KEY_SET_VALUE | KEY_WOW64_64KEY, &k);
    if (e == ERROR_SUCCESS) {
      e = RegDeleteValueW(k, wn);
      RegCloseKey(k);
    }
  } else {
    e = RegOpenKeyExW(r, wk, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, &k);
    if (e == ERROR_SUCCESS) {
      e = RegDeleteTreeW(k, NULL);
      RegCloseKey(k);
      if (e == ERROR_SUCCESS) e = RegDeleteKeyExW(r, wk, KEY_WOW64_64KEY, 0);
    }
  }
  free(wk); free(wn);
  return e == ERROR_SUCCESS || e == ERROR_FILE_NOT_FOUND ? 0 : fail(line, value ? "RegDeleteValueW" : "RegDeleteTreeW", e);
}

static int make_service(int line, char **f) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS), s;
  wchar_t *name = wide(f[1]), *image = wide(f[3]), *disp = wide(f[4]);
  int rc = 0;
  if (scm == NULL) return fail(line, "OpenSCManagerW", (long)GetLastError());
  if (name == NULL || image == NULL || disp == NULL) rc = fail(line, "bad text", 0);
  else {
    s = CreateServiceW(scm, name, disp, SERVICE_ALL_ACCESS, strtoul(f[5], NULL, 10),
                       strtoul(f[2], NULL, 10), SERVICE_ERROR_NORMAL, image,
                       NULL, NULL, NULL, NULL, NULL);
    if (s == NULL) rc = fail(line, "CreateServiceW", (long)GetLastError());
    else CloseServiceHandle(s);
  }
  free(name); free(image); free(disp);
  CloseServiceHandle(scm);
  return rc;
}

static int winhttp_proxy(int line, char **f) {
  WINHTTP_PROXY_INFO pi;
  wchar_t *proxy = NULL, *bypass = NULL;
  int rc = 0;
  memset(&pi, 0, sizeof pi);
  pi.dwAccessType = WINHTTP_ACCESS_TYPE_NO_PROXY;
  if (strcmp(f[1], "-") != 0) {
    pi.dwAccessType = WINHTTP_ACCESS_TYPE_NAMED_PROXY;
    if ((proxy = wide(f[1])) == NULL) return fail(line, "bad proxy", 0);
    if (strcmp(f[2], "-") != 0 && (bypass = wide(f[2])) == NULL) { free(proxy); return fail(line, "bad bypass", 0); }
    pi.lpszProxy = proxy;
    pi.lpszProxyBypass = bypass;
  }
  if (!WinHttpSetDefaultProxyConfiguration(&pi)) rc = fail(line, "WinHttpSetDefaultProxyConfiguration", (long)GetLastError());
  free(proxy);
  free(bypass);
  return rc;
}

static int control(const char *op, const char *svc) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS), s;
  SERVICE_STATUS st;
  wchar_t *name = wide(svc);
  DWORD want = strcmp(op, "start") == 0 ? SERVICE_RUNNING : SERVICE_STOPPED;
  int i, rc = 1;
  if (scm == NULL || name == NULL) return fail(0, "OpenSCManagerW", (long)GetLastError());
  s = OpenServiceW(scm, name, SERVICE_ALL_ACCESS);
  free(name);
  if (s == NULL) { CloseServiceHandle(scm); return fail(0, "OpenServiceW", (long)GetLastError()); }
  if (want == SERVICE_RUNNING ? !StartServiceW(s, 0, NULL)
                              : !ControlService(s, SERVICE_CONTROL_STOP, &st)) {
    fprintf(stderr, "seed_live: %s %s: error %lu\n", op, svc, GetLastError());
  }
  for (i = 0; i < 200; i++) {          /* up to 20 s */
    if (QueryServiceStatus(s, &st) && st.dwCurrentState == want) { rc = 0; break; }
    Sleep(100);
  }
  if (rc != 0) fprintf(stderr, "seed_live: %s %s: not %s in time\n", op, svc, op);
  CloseServiceHandle(s);
  CloseServiceHandle(scm);
  return rc;
}

static int deny(const char *key) {
  wchar_t *k = wide(key);
  PSECURITY_DESCRIPTOR sd = NULL;
  HKEY h;
  LONG e;
  if (k == NULL) return fail(0, "bad key name", 0);
  e = RegOpenKeyExW(HKEY_LOCAL_MACHINE, k, 0, WRITE_DAC | KEY_WOW64_64KEY, &h);
  free(k);
  if (e != ERROR_SUCCESS) return fail(0, "RegOpenKeyExW", e);
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;CI;KA;;;SY)", SDDL_REVISION_1, &sd, NULL)) {
    RegCloseKey(h);
    return fail(0, "ConvertStringSecurityDescriptorToSecurityDescriptorW", (long)GetLastError());
  }
  e = RegSetKeySecurity(h, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, sd);
  LocalFree(sd);
  RegCloseKey(h);
  return e == ERROR_SUCCESS ? 0 : fail(0, "RegSetKeySecurity", e);
}

static int register_task(const char *path, const char *file) {
  static wchar_t w[1 << 17];
  char *xml;
  live_task back;
  FILE *f = fopen(file, "rb");
  size_t n;
  int len, r;
  if (f == NULL) { perror(file); return 1; }
  n = fread(w, sizeof w[0], sizeof w / sizeof w[0] - 1, f);
  fclose(f);
  w[n] = 0;
  if (n == 0 || w[0] != 0xFEFF) { fprintf(stderr, "seed_live: %s: not UTF-16 LE with a BOM\n", file); return 1; }
  len = WideCharToMultiByte(CP_UTF8, 0, w + 1, -1, NULL, 0, NULL, NULL);
  if (len <= 0 || (xml = malloc((size_t)len)) == NULL) return fail(0, "WideCharToMultiByte", (long)GetLastError());
  WideCharToMultiByte(CP_UTF8, 0, w + 1, -1, xml, len, NULL, NULL);
  r = live_task_register(path, xml, "S-1-5-18", LIVE_TASK_LOGON_SERVICE_ACCOUNT, &back);
  free(xml);
  if (r < 0) { fprintf(stderr, "seed_live: RegisterTask %s: error %d\n", path, r); return 1; }
  live_task_free(&back);
  return 0;
}

int main(int argc, char **argv) {
  FILE *in;
  char buf[65536];
  int line = 0, rc = 0;
  if (argc == 3 && strcmp(argv[1], "deny") == 0) return deny(argv[2]);
  if (argc == 4 && strcmp(argv[1], "task") == 0) return register_task(argv[2], argv[3]);
  if (argc == 3) return control(argv[1], argv[2]);
  if (argc != 2) { fputs("usage: seed_live FILE | start NAME | stop NAME | deny KEY | task PATH FILE\n", stderr); return 2; }
  if ((in = fopen(argv[1], "rb")) == NULL) { perror(argv[1]); return 1; }
  while (rc == 0 && fgets(buf, sizeof buf, in) != NULL) {
    char *f[8] = {0}, *p = buf;
    int n = 0;
    line++;
    buf[strcspn(buf, "\r\n")] = '\0';
    if (buf[0] == '\0') continue;
    while (n < 8) {
      f[n++] = p;
      if ((p = strchr(p, '\t')) == NULL) break;
      *p++ = '\0';
    }
    if (f[0][0] == 'K' && n == 3) {
      HKEY k;
      rc = open_key(line, f[1], f[2], &k);
      if (rc == 0) RegCloseKey(k);
    } else if (f[0][0] == 'V' && n == 6) {
      rc = set_value(line, f);
    } else if (f[0][0] == 'D' && n == 4) {
      rc = remove_item(line, f, 1);
    } else if (f[0][0] == 'X' && n == 3) {
      rc = remove_item(line, f, 0);
    } else if (f[0][0] == 'S' && n == 6) {
      rc = make_service(line, f);
    } else if (f[0][0] == 'W' && n == 3) {
      rc = winhttp_proxy(line, f);
    } else {
      rc = fail(line, "bad line", n);
    }
  }
  fclose(in);
  return rc;
}
