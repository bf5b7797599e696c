/* cmd_test.c - marsplay test [options] [PATH...]: run playbook tests.
 *
 * Test files are *_test.lua files (found recursively in each folder
 * given, or named directly).  Each file runs in its own trusted Lua
 * state with the standard libraries, lfs and marsplay.testkit (testkit.c);
 * stdlib/marsplay/testing.lua registers and runs its tests and builds
 * the helpers.  Output: one line per test and the summary line
 * "N passed, N failed", or TAP with --tap.  Exit 0 when no test failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lfs.h>
#include <lua.h>
#include <lualib.h>

#include "cli/cli.h"
#include "platform/platform.h"
#include "core/mp_internal.h"
#include "cli/testkit.h"

#define SUFFIX "_test.lua"

static const char USAGE[] =
  "Usage: marsplay test [--tap] [--filter TEXT] [--keep] [--playbook-path DIRS] [PATH...]\n"
  "\n"
  "Run playbook tests: every *_test.lua file in the folders given (recursively;\n"
  "default: the current folder), or the files named.  Each test builds a target\n"
  "in a temporary folder and runs playbooks against it in-process\n"
  "(require \"marsplay.testing\"; see docs/api.md, \"Testing playbooks\").\n"
  "\n"
  "  --tap                  write TAP (version 13) instead of the plain report\n"
  "  --filter TEXT          run only the tests whose name contains TEXT\n"
  "  --keep                 keep each test's temporary folder (its path is shown)\n"
  "  --playbook-path DIRS   '" PLAT_PATH_LIST_SEP "'-separated folders searched for playbooks by name\n"
  "\n"
  "The plain report ends with the line \"N passed, N failed\".  Exit status 0\n"
  "when no test failed, 1 otherwise.\n";

typedef struct tally {
  int tap, n, passed, failed, skipped;
  const char *file;         /* display name of the file running */
} tally;

typedef struct files { char **v; size_t n, cap; } files;

static int files_add(files *f, const char *path) {
  if (f->n == f->cap) {
    char **nv = realloc(f->v, (f->cap = f->cap ? f->cap * 2 : 16) * sizeof *nv);
    if (nv == NULL) return -1;
    f->v = nv;
  }
  if ((f->v[f->n] = strdup(path)) == NULL) return -1;
  f->n++;
  return 0;
}

static int has_suffix(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a > b && strcmp(s + a - b, suf) == 0;
}

/* Collect the *_test.lua files under dir (not following links, skipping
 * hidden folders). */
static int find_tests(const char *dir, files *out, int depth) {
  plat_dir *d;
  plat_dirent e;
  plat_fd fd;
  int r = 0;
  if (depth > 64) return 0;
  fd = plat_open_path(dir, PLAT_OPEN_DIR);
  if (fd < 0 || (r = plat_dir_open(fd, 32768, &d)) < 0) {
    cli_error("test: %s: %s", dir, plat_err_text(fd < 0 ? (int)fd : r));
    return -1;
  }
  while (r == 0 && plat_dir_next(d, &e) > 0) {
    char path[MP_PATH_MAX];
    plat_stat st;
    int n;
    if (e.name[0] == '.') continue;
    n = snprintf(path, sizeof path, "%s%s%s", dir,
                 dir[strlen(dir) - 1] == '/' ? "" : "/", e.name);
    if (n < 0 || (size_t)n >= sizeof path || plat_statat(plat_dir_fd(d), e.name, &st) != 0) continue;
    if (st.type == PLAT_T_DIR) r = find_tests(path, out, depth + 1);
    else if (st.type == PLAT_T_FILE && has_suffix(e.name, SUFFIX)) r = files_add(out, path);
  }
  plat_dir_close(d);
  return r;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print text with every line prefixed. */
static void indented(const char *text, const char *prefix) {
  const char *p = text, *nl;
  while (*p) {
    nl = strchr(p, '\n');
    printf("%s%.*s\n", prefix, (int)(nl ? nl - p : (long)strlen(p)), p);
    if (nl == NULL) break;
    p = nl + 1;
  }
}

/* A test's description for TAP: '#' starts a directive there. */
static void tap_name(const char *file, const char *name) {
  const char *parts[2] = {file, name};
  int i;
  for (i = 0; i < 2; i++) {
    const char *p;
    for (p = parts[i]; *p; p++) {
      if (*p == '#' || *p == '\\') putchar('\\');
      putchar(*p);
    }
    if (i == 0) fputs(": ", stdout);
  }
}

/* Print one test's outcome and count it. */
static void report(tally *t, const char *name, const char *status, const char *msg,
                   const char *kept) {
  t->n++;
  if (strcmp(status, "ok") == 0) {
    t->passed++;
    if (t->tap) { printf("ok %d - ", t->n); tap_name(t->file, name); putchar('\n'); }
    else printf("ok - %s: %s\n", t->file, name);
  } else if (strcmp(status, "skip") == 0) {
    t->skipped++;
    if (t->tap) {
      printf("ok %d - ", t->n);
      tap_name(t->file, name);
      printf(" # SKIP %s\n", msg ? msg : "");
    }
    else printf("skip - %s: %s (%s)\n", t->file, name, msg ? msg : "skipped");
  } else {
    t->failed++;
    if (t->tap) {
      printf("not ok %d - ", t->n);
      tap_name(t->file, name);
      printf("\n  ---\n  message: |\n");
      indented(msg ? msg : "failed", "    ");
      printf("  ...\n");
    } else {
      printf("not ok - %s: %s\n", t->file, name);
      indented(msg ? msg : "failed", "    ");
    }
  }
  if (kept) printf("# kept %s\n", kept);
  fflush(stdout);
}

/* on_result{name=, status=, message=, kept=} (from testing.lua). */
static int on_result(lua_State *L) {
  tally *t = lua_touserdata(L, lua_upvalueindex(1));
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "name");
  lua_getfield(L, 1, "status");
  lua_getfield(L, 1, "message");
  lua_getfield(L, 1, "kept");
  report(t, luaL_optstring(L, -4, "?"), luaL_optstring(L, -3, "fail"), lua_tostring(L, -2),
         lua_tostring(L, -1));
  lua_pop(L, 4);
  return 0;
}

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
  return 1;
}

/* Run one test file in a fresh trusted state. */
static void run_file(const char *file, const char *stdlib, tally *t, const char *filter,
                     int keep, const char *pbpath) {
  lua_State *L = luaL_newstate();
  char dir[MP_PATH_MAX];
  const char *slash = strrchr(file, '/');
  t->file = file;
  if (L == NULL) {
    report(t, "(load)", "fail", "cannot create a Lua state", NULL);
    return;
  }
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - file) : 1, slash ? file : ".");
  luaL_openlibs(L);
  luaL_requiref(L, "lfs", luaopen_lfs, 1);
  lua_pop(L, 1);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, mp_open_testkit);
  lua_setfield(L, -2, "marsplay.testkit");
  lua_pop(L, 1);
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s/?.lua", stdlib, stdlib, dir);
  lua_setfield(L, -2, "path");
  lua_pushliteral(L, "");
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);
  lua_pushcfunction(L, traceback);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "marsplay.testing");
  if (lua_pcall(L, 1, 1, 1) == LUA_OK) {
    lua_getfield(L, -1, "run_file");
    lua_pushstring(L, file);
    lua_pushlightuserdata(L, t);
    lua_pushcclosure(L, on_result, 1);
    lua_createtable(L, 0, 3);
    if (filter) { lua_pushstring(L, filter); lua_setfield(L, -2, "filter"); }
    lua_pushboolean(L, keep);
    lua_setfield(L, -2, "keep");
    if (pbpath) { lua_pushstring(L, pbpath); lua_setfield(L, -2, "playbook_path"); }
    if (lua_pcall(L, 3, 0, 1) == LUA_OK) {
      lua_close(L);
      return;
    }
  }
  /* the test module itself failed: one failure for the file */
  report(t, "(runner)", "fail", lua_tostring(L, -1), NULL);
  lua_close(L);
}

int cmd_test(int argc, char **argv) {
  const char *filter = NULL, *pbpath = getenv("MARSPLAY_PATH");
  tally t;
  files f = {NULL, 0, 0};
  char *stdlib;
  int i, keep = 0, npaths = 0, bad = 0;
  size_t k;
  memset(&t, 0, sizeof t);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--tap") == 0) t.tap = 1;
    else if (strcmp(a, "--keep") == 0) keep = 1;
    else if (strcmp(a, "--filter") == 0 && i + 1 < argc) filter = argv[++i];
    else if (strcmp(a, "--playbook-path") == 0 && i + 1 < argc) pbpath = argv[++i];
    else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { fputs(USAGE, stdout); return 0; }
    else if (a[0] == '-') { cli_error("test: unknown option %s (see marsplay test --help)", a); return MP_EXIT_ERROR; }
    else npaths++;
  }
  for (i = 1; i < argc && !bad; i++) {
    const char *a = argv[i];
    plat_fd fd;
    if (a[0] == '-') { if (strcmp(a, "--filter") == 0 || strcmp(a, "--playbook-path") == 0) i++; continue; }
    if ((fd = plat_open_path(a, PLAT_OPEN_LOOK)) < 0) {
      cli_error("test: %s: %s", a, plat_err_text((int)fd));
      bad = 1;
      continue;
    }
    plat_close(fd);
    if (plat_is_dir(a)) bad = find_tests(a, &f, 0) != 0;
    else bad = files_add(&f, a) != 0;
  }
  if (!bad && npaths == 0) bad = find_tests(".", &f, 0) != 0;
  if (bad || f.n == 0) {
    if (!bad) cli_error("test: no *%s files found", SUFFIX);
    for (k = 0; k < f.n; k++) free(f.v[k]);
    free(f.v);
    return MP_EXIT_ERROR;
  }
  stdlib = mp_find_stdlib();
  if (stdlib == NULL) {
    cli_error("cannot find the marsplay stdlib (set MARSPLAY_STDLIB)");
    for (k = 0; k < f.n; k++) free(f.v[k]);
    free(f.v);
    return MP_EXIT_ERROR;
  }
  qsort(f.v, f.n, sizeof *f.v, cmp);
  if (t.tap) printf("TAP version 13\n");
  for (k = 0; k < f.n; k++) {
    const char *name = f.v[k];
    if (strncmp(name, "./", 2) == 0) name += 2;
    run_file(name, stdlib, &t, filter, keep, pbpath);
    free(f.v[k]);
  }
  free(f.v);
  free(stdlib);
  if (t.tap) {
    if (t.skipped) printf("# %d skipped\n", t.skipped);
    printf("# %d passed, %d failed\n1..%d\n", t.passed + t.skipped, t.failed, t.n);
  } else {
    if (t.skipped) printf("%d skipped\n", t.skipped);
    printf("%d passed, %d failed\n", t.passed + t.skipped, t.failed);
  }
  if (fflush(stdout) != 0) return MP_EXIT_ERROR;
  return t.failed ? 1 : 0;
}
