/* platform_win32_holders.c - which processes hold files of a folder open,
 * on Windows (plat_holders_scan; marsplay.fs.holders).
 *
 * Windows has no /proc: the supported way to ask "who uses these files"
 * is the Restart Manager (rstrtmgr.dll).  The regular files under the
 * folder are listed (GetFileInformationByHandleEx through plat_dir_*, one
 * open per subfolder, none per file; at most HOLD_MAX_FILES files,
 * HOLD_MAX_DEPTH folders deep: info->cut says when there were more, or
 * a subfolder could not be listed), then
 * registered with a Restart Manager session in batches, and RmGetList
 * names the processes using any of them.  It does not say which file each
 * one uses: such a holder's path is the folder (whole_folder = 1).
 *
 * The Restart Manager is not always usable or truthful: Wine 8's RmGetList
 * is a stub that answers success with no process at all, even for a file
 * another process keeps open without sharing (tests/win/t_live_holders.sh
 * shows it; the README says so).  So "nobody" from it is never the whole
 * answer: when it names nobody, or fails, a sharing probe follows.  Each
 * listed file (at most PROBE_MAX: under Wine an open costs ~1 ms) is opened
 * for reading data only, sharing read, write and delete, never waiting on
 * an oplock (FILE_COMPLETE_IF_OPLOCKED), no DELETE access, no lock, and
 * closed at once: for the instant it is open only an opener that itself
 * refuses all sharing could be refused.  It fails with a sharing violation
 * only when a holder refused others the reading (what blocks the agent).  Such
 * a file is reported held by an unknown process (pid 0).  A holder that
 * shares reading is invisible to the probe: only the Restart Manager can
 * name it.
 *
 * Unverified on a real Windows: the Restart Manager's answer from a token
 * lowered to Low integrity (a dry-run's write barrier); if it refuses,
 * the probe answers and rm_err says why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

#include <restartmanager.h>   /* after windows.h (win32.h), which it needs */

#define HOLD_MAX_FILES 2000   /* files asked of the Restart Manager */
#define HOLD_MAX_DEPTH 8      /* subfolder levels listed */
#define HOLD_BATCH 100        /* files per RmRegisterResources call */
#define PROBE_MAX 200         /* files the sharing probe opens */
#define ST_SHARING_VIOLATION ((NTSTATUS)0xC0000043L)   /* STATUS_SHARING_VIOLATION */

/* ---------- the files under the folder ---------- */

/* Called for each regular file: dir is its folder's handle, rel its path
 * under the folder asked about ('\' separated).  Nonzero stops. */
typedef int (*file_fn)(void *ud, HANDLE dir, const char *rel, const char *name);

typedef struct walk {
  file_fn fn;
  void *ud;
  long seen, max;
  int cut, stop;
} walk;

/* List the folder open as fd (owned), rel its path under the top. */
static int walk_dir(walk *w, plat_fd fd, const char *rel, int depth) {
  plat_dir *d;
  plat_dirent e;
  char sub[MAX_PATH * 4];
  int r;
  if ((r = plat_dir_open(fd, 65536, &d)) < 0) return r;
  while (!w->stop && (r = plat_dir_next(d, &e)) == 1) {
    int n = rel[0] ? snprintf(sub, sizeof sub, "%s\\%s", rel, e.name)
                   : snprintf(sub, sizeof sub, "%s", e.name);
    if (n < 0 || (size_t)n >= sizeof sub) continue;       /* too long to ask about */
    if (e.type == PLAT_T_FILE) {
      if (w->seen >= w->max) { w->cut = 1; w->stop = 1; break; }
      w->seen++;
      if (w->fn(w->ud, w32_h(plat_dir_fd(d)), sub, e.name)) w->stop = 1;
    } else if (e.type == PLAT_T_DIR && depth < HOLD_MAX_DEPTH) {
      /* never through a link (w32_open_rel opens a reparse point itself) */
      plat_fd c = w32_open_rel(w32_h(plat_dir_fd(d)), e.name, FILE_LIST_DIRECTORY,
                               FILE_OPEN, FILE_DIRECTORY_FILE);
      if (c < 0) w->cut = 1;      /* its files are not checked: said so */
      else if ((r = walk_dir(w, c, sub, depth + 1)) < 0 && r != -PLAT_EACCES) break;
      r = 1;
    } else if (e.type == PLAT_T_DIR) {
      w->cut = 1;                 /* deeper than listed */
    }
  }
  plat_dir_close(d);
  return r < 0 ? r : 0;
}

/* Visit the regular files at or under host (a folder, or one file). */
static int walk_top(const char *host, walk *w) {
  wchar_t *wp = NULL;
  HANDLE h;
  DWORD attrs, tag;
  int r;
  if ((r = w32_path(host, &wp)) < 0) return r;
  /* attributes only: an open asking no data access meets no sharing check
   * (a file held without sharing can be looked at) */
  h = CreateFileW(wp, FILE_READ_ATTRIBUTES | SYNCHRONIZE,
                  FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                  FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
  free(wp);
  if (h == INVALID_HANDLE_VALUE) return w32_err(GetLastError());
  if ((r = w32_attr_tag(h, &attrs, &tag)) < 0) { CloseHandle(h); return r; }
  if ((attrs & FILE_ATTRIBUTE_DIRECTORY) && !(attrs & FILE_ATTRIBUTE_REPARSE_POINT)) {
    plat_fd d = w32_open_rel(h, "", FILE_LIST_DIRECTORY, FILE_OPEN, FILE_DIRECTORY_FILE);
    CloseHandle(h);
    return d < 0 ? (int)d : walk_dir(w, d, "", 0);
  }
  CloseHandle(h);
  if (attrs & FILE_ATTRIBUTE_REPARSE_POINT) return 0;       /* a link: nothing held here */
  {   /* one file: its folder's handle, then the file by name */
    char parent[MAX_PATH * 4];
    const char *slash = strrchr(host, '\\'), *fwd = strrchr(host, '/');
    plat_fd pd;
    if (fwd && (!slash || fwd > slash)) slash = fwd;
    if (slash == NULL || (size_t)(slash - host) >= sizeof parent) return -PLAT_EINVAL;
    snprintf(parent, sizeof parent, "%.*s", (int)(slash - host) + (slash == host + 2), host);
    if ((r = w32_path(parent, &wp)) < 0) return r;
    h = CreateFileW(wp, FILE_LIST_DIRECTORY | SYNCHRONIZE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                    FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(wp);
    if (h == INVALID_HANDLE_VALUE) return w32_err(GetLastError());
    pd = w32_fd(h);
    w->seen = 1;
    w->fn(w->ud, w32_h(pd), "", slash + 1);
    CloseHandle(h);
    return 0;
  }
}

/* The full Windows path of rel under host ("" : host itself). */
static int full_path(const char *host, const char *rel, char *out, size_t outsz) {
  size_t hl = strlen(host);
  int n;
  while (hl > 0 && (host[hl - 1] == '\\' || host[hl - 1] == '/')) hl--;
  n = rel[0] ? snprintf(out, outsz, "%.*s\\%s", (int)hl, host, rel)
             : snprintf(out, outsz, "%s", host);
  return n < 0 || (size_t)n >= outsz ? -PLAT_ENAMETOOLONG : 0;
}

/* ---------- the Restart Manager ---------- */

typedef struct files { const char *host; wchar_t **w; size_t n; int err; } files;

static int add_file(void *ud, HANDLE dir, const char *rel, const char *name) {
  files *f = ud;
  char p[MAX_PATH * 4];
  int r;
  (void)dir; (void)name;
  if ((r = full_path(f->host, rel, p, sizeof p)) < 0 || (r = w32_path(p, &f->w[f->n])) < 0) {
    if (r == -PLAT_ENOMEM) { f->err = r; return 1; }
    return 0;                     /* a name Windows cannot be asked about: left out */
  }
  f->n++;
  return 0;
}

static void files_free(files *f) {
  size_t i;
  for (i = 0; i < f->n; i++) free(f->w[i]);
  free(f->w);
}

/* The image name (without its folder) of a process the Restart Manager
 * named, if it is still that process (same start time). */
static int image_name(const RM_UNIQUE_PROCESS *p, char *out, size_t outsz) {
  HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, p->dwProcessId);
  FILETIME created, ex, k, u;
  wchar_t w[MAX_PATH * 2];
  DWORD n = (DWORD)(sizeof w / sizeof w[0]);
  const wchar_t *base;
  int ok;
  if (h == NULL) return -1;
  ok = GetProcessTimes(h, &created, &ex, &k, &u) &&
       CompareFileTime(&created, &p->ProcessStartTime) == 0 &&
       QueryFullProcessImageNameW(h, 0, w, &n);
  CloseHandle(h);
  if (!ok) return -1;
  base = wcsrchr(w, L'\\');
  base = base ? base + 1 : w;
  return w32_utf8(base, -1, out, outsz) < 0 ? -1 : 0;
}

/* Ask the Restart Manager about f's files; report each process named.
 * The number named, or -PLAT_E* (*stop: fn asked to stop). */
static int rm_ask(const files *f, const char *host, plat_holder_cb fn, void *ud, int *stop) {
  DWORD sess, e;
  WCHAR key[CCH_RM_SESSION_KEY + 1];
  RM_PROCESS_INFO *pi = NULL;
  UINT need = 0, have = 0, i;
  DWORD reasons = 0;
  size_t at;
  int tries, found = 0;
  memset(key, 0, sizeof key);
  if ((e = RmStartSession(&sess, 0, key)) != ERROR_SUCCESS) return w32_err(e);
  for (at = 0; at < f->n; at += HOLD_BATCH) {
    UINT k = (UINT)(f->n - at < HOLD_BATCH ? f->n - at : HOLD_BATCH);
    if ((e = RmRegisterResources(sess, k, (LPCWSTR *)(f->w + at), 0, NULL, 0, NULL)) != ERROR_SUCCESS)
      goto out;
  }
  /* the list can grow between the calls: ask again with room for it */
  for (tries = 0; tries < 5; tries++) {
    e = RmGetList(sess, &need, &have, pi, &reasons);
    if (e != ERROR_MORE_DATA) break;
    free(pi);
    have = need + 8;
    if ((pi = calloc(have, sizeof *pi)) == NULL) { e = ERROR_NOT_ENOUGH_MEMORY; break; }
  }
  if (e != ERROR_SUCCESS) goto out;
  for (i = 0; i < have && pi != NULL && !*stop; i++) {
    char comm[256], app[256], svc[128];
    plat_holder h;
    if (w32_utf8(pi[i].strAppName, -1, app, sizeof app) < 0) app[0] = '\0';
    if (w32_utf8(pi[i].strServiceShortName, -1, svc, sizeof svc) < 0) svc[0] = '\0';
    if (image_name(&pi[i].Process, comm, sizeof comm) < 0) snprintf(comm, sizeof comm, "%s", app);
    h.pid = (long)pi[i].Process.dwProcessId;
    h.fd = -1;
    h.comm = comm;
    h.path = host;                /* the Restart Manager does not say which file */
    h.app = app;
    h.service = svc;
    h.deleted = 0;
    h.whole_folder = 1;
    found++;
    if (fn && fn(ud, &h)) *stop = 1;
  }
out:
  free(pi);
  RmEndSession(sess);
  return e == ERROR_SUCCESS ? found : w32_err(e);
}

/* ---------- the sharing probe ---------- */

typedef struct probe {
  const char *host;
  plat_holder_cb fn;
  void *ud;
  long probed;
  int found, stop, err;
} probe;

static int probe_file(void *ud, HANDLE dir, const char *rel, const char *name) {
  probe *p = ud;
  NTSTATUS st;
  plat_fd fd = w32_open_rel_st(dir, name, FILE_READ_DATA, FILE_OPEN,
                               FILE_NON_DIRECTORY_FILE | FILE_COMPLETE_IF_OPLOCKED, &st);
  char path[MAX_PATH * 4];
  plat_holder h;
  if (fd >= 0) {
    CloseHandle(w32_h(fd));       /* at once: the open shared everything anyway */
    p->probed++;
    return 0;
  }
  if (st != ST_SHARING_VIOLATION) return 0;   /* unknown either way: not counted */
  p->probed++;
  if (full_path(p->host, rel, path, sizeof path) < 0) return 0;
  h.pid = 0;
  h.fd = -1;
  h.comm = "";
  h.path = path;
  h.app = h.service = "";
  h.deleted = 0;
  h.whole_folder = 0;
  p->found++;
  if (p->fn && p->fn(p->ud, &h)) { p->stop = 1; return 1; }
  return 0;
}

/* ---------- the scan ---------- */

int plat_holders_scan(const char *host_path, plat_holder_cb fn, void *ud, plat_holders_info *info) {
  files f;
  walk w;
  probe p;
  int r, stop = 0, found;
  memset(info, 0, sizeof *info);
  memset(&f, 0, sizeof f);
  f.host = host_path;
  if ((f.w = calloc(HOLD_MAX_FILES, sizeof *f.w)) == NULL) return -PLAT_ENOMEM;
  memset(&w, 0, sizeof w);
  w.fn = add_file;
  w.ud = &f;
  w.max = HOLD_MAX_FILES;
  r = walk_top(host_path, &w);
  if (r == 0 && f.err) r = f.err;
  if (r < 0) { files_free(&f); return r; }
  info->files = (long)f.n;
  info->cut = w.cut;
  if (f.n == 0) {                  /* no file under it: none can be held */
    info->method = "folder-listing";
    files_free(&f);
    return 0;
  }
  found = rm_ask(&f, host_path, fn, ud, &stop);
  files_free(&f);
  if (found > 0 || stop) {
    info->method = "restart-manager";
    return found;
  }
  /* nobody named (Wine's stub says so always), or no answer: probe */
  if (found < 0) info->rm_err = found;
  info->method = found < 0 ? "sharing-probe" : "restart-manager+sharing-probe";
  memset(&p, 0, sizeof p);
  p.host = host_path;
  p.fn = fn;
  p.ud = ud;
  memset(&w, 0, sizeof w);
  w.fn = probe_file;
  w.ud = &p;
  w.max = PROBE_MAX;
  r = walk_top(host_path, &w);
  info->probed = p.probed;       /* fewer than info->files past PROBE_MAX */
  if (r < 0) return r;
  return p.found;
}

/* A dry-run's lockdown on Windows lowers the token (platform_win32_sandbox.c)
 * but still lets it list folders and open files for reading: the scan is
 * made when asked, not from a snapshot. */
int plat_holders_snapshot(const char *host_prefix) {
  (void)host_prefix;
  return -PLAT_ENOSYS;
}

int plat_holders_from_snapshot(void) { return 0; }
