/* engine.c - the runtime: Lua state, limits, running playbooks, report.
 *
 * The Lua heap goes through a counting allocator (the memory cap) and a
 * count hook checks the per-check deadline.  Playbooks run in the sandbox
 * built by sandbox.c; the privileged driver stdlib/marsplay/runner.lua
 * runs with the module marsplay.core, which playbooks cannot reach.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lualib.h>

#include "core/mp_internal.h"
#include "core/status.h"
#include "core/sandbox.h"

#define DEFAULT_MEM_LIMIT ((size_t)256 << 20)
#define HEADROOM ((size_t)16 << 20)   /* for the engine after a check hit the cap */
/* The whole Lua heap: two check caps and the headroom.  A check may use
 * mem_limit beyond what was in use when it started (sandbox.c), within
 * this ceiling; finished checks' results leave the heap (core.keep). */
#define HEAP_CEILING(limit) (2 * (limit) + HEADROOM)
#define HOOK_COUNT 10000


/* ---------- allocator and hook ---------- */

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  mp_runtime *rt = ud;
  if (ptr == NULL) osize = 0;
  if (nsize == 0) {
    free(ptr);
    rt->mem_used -= osize;
    return NULL;
  }
  if (nsize > osize && rt->mem_used + (nsize - osize) > rt->mem_cap) {
    rt->limit_hit = 2;
    return NULL;
  }
  ptr = realloc(ptr, nsize);
  if (ptr == NULL) return NULL;
  rt->mem_used = rt->mem_used - osize + nsize;
  return ptr;
}

int mp_over_deadline(const mp_runtime *rt) {
  return rt->deadline > 0 && plat_monotonic() > rt->deadline;
}

int mp_raise_timeout(lua_State *L) {
  mp_rt(L)->limit_hit = 1;
  return luaL_error(L, "time budget exceeded");
}

void mp_check_deadline(lua_State *L) {
  if (mp_over_deadline(mp_rt(L))) mp_raise_timeout(L);
}

static void count_hook(lua_State *L, lua_Debug *ar) {
  mp_runtime *rt = mp_rt(L);
  (void)ar;
  if (mp_over_deadline(rt)) {
    lua_Debug d;
    int level;
    rt->limit_hit = 1;
    /* Name the Lua code that was running (level 0 inside a hook: the
     * playbook's loop, not the runner that called it). */
    for (level = 0; lua_getstack(L, level, &d); level++) {
      if (lua_getinfo(L, "Sl", &d) && d.currentline > 0) {
        lua_pushfstring(L, "%s:%d: time budget exceeded", d.short_src, d.currentline);
        lua_error(L);
      }
    }
    luaL_error(L, "time budget exceeded");
  }
}

/* ---------- locating files ---------- */

static char *try_stdlib(const char *base, const char *suffix) {
  char buf[MP_PATH_MAX], probe[MP_PATH_MAX + 32];
  int n = snprintf(buf, sizeof buf, "%s%s", base, suffix);
  if (n < 0 || (size_t)n >= sizeof buf) return NULL;
  snprintf(probe, sizeof probe, "%s/marsplay/init.lua", buf);
  if (!plat_readable(probe)) return NULL;
  return plat_abs_path(buf);
}

char *mp_find_stdlib(void) {
  const char *env = getenv("MARSPLAY_STDLIB");
  char exe[MP_PATH_MAX];
  char *r;
  if (env && *env && (r = try_stdlib(env, ""))) return r;
  if (plat_exe_dir(exe, sizeof exe) == 0) {
    if ((r = try_stdlib(exe, "/../share/marsplay/stdlib"))) return r;
    /* beside the binary: the Windows zip (marsplay.exe, stdlib\, playbooks\) */
    if ((r = try_stdlib(exe, "/stdlib"))) return r;
  }
  /* A binary in its build tree uses the checkout it was built from, not
   * an installed copy (which may be older: scripts/demo installs one). */
  if ((r = try_stdlib(MARSPLAY_SOURCE_DIR, "/stdlib"))) return r;
  return try_stdlib(MARSPLAY_DATADIR, "/stdlib");
}

static char *sibling_dir(const char *stdlib, const char *name) {
  char buf[MP_PATH_MAX];
  int n = snprintf(buf, sizeof buf, "%s/../%s", stdlib, name);
  if (n < 0 || (size_t)n >= sizeof buf || !plat_is_dir(buf)) return NULL;
  return plat_abs_path(buf);
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* ---------- creation ---------- */

mp_config mp_config_default(void) {
  mp_config c;
  memset(&c, 0, sizeof c);
  c.timeout = 60;
  return c;
}

static const char *lang_from_env(void) {
  const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
  size_t i;
  for (i = 0; i < 3; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return (strncmp(v, "pt", 2) == 0) ? "pt-BR" : "en";
  }
  return "en";
}

static void fail(char **err, const char *fmt, ...)
  MP_PRINTF(2, 3);
static void fail(char **err, const char *fmt, ...) {
  char buf[MP_PATH_MAX + 256];
  va_list ap;
  if (err == NULL) return;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  *err = strdup(buf);
}

static int init_report(mp_runtime *rt) {
  mp_value *r = mpv_obj(), *t = mpv_obj(), *pb = mpv_arr();
  char host[256] = "";
  if (!r || !t || !pb) { mpv_free(r); mpv_free(t); mpv_free(pb); return -1; }
  plat_hostname(host, sizeof host);
  mpv_set(r, "tool", mpv_cstr("marsplay"));
  mpv_set(r, "version", mpv_cstr(MARSPLAY_VERSION));
  mpv_set(r, "schema_version", mpv_num(1));
  mpv_set(t, "root", rt->offline ? mpv_cstr(rt->root) : mpv_null());
  mpv_set(t, "live", mpv_bool(!rt->offline));
  mpv_set(t, "platform", mpv_cstr(plat_name()));
  mpv_set(t, "hostname", mpv_cstr(host));
  mpv_set(r, "target", t);
  mpv_set(r, "mode", mpv_cstr(rt->cfg.dry_run ? "dry-run" : "apply"));
  mpv_set(r, "lang", mpv_cstr(rt->lang));
  {
    char ts[40];
    if (plat_utc_stamp((double)time(NULL), ts, sizeof ts) == 0)
      mpv_set(r, "started", mpv_cstr(ts));
  }
  mpv_set(r, "duration_ms", mpv_num(0));
  mpv_set(r, "exit_code", mpv_num(0));
  {
    mp_value *sum = mpv_obj();
    int i;
    for (i = 0; sum && i < MPR_NSTATUS; i++) mpv_set(sum, mpr_status_names[i], mpv_num(0));
    mpv_set(r, "summary", sum);
  }
  mpv_set(r, "playbooks", pb);
  rt->report = r;
  rt->playbooks = mpv_getm(r, "playbooks");
  return 0;
}

mp_runtime *mp_new(const mp_config *cfg, char **err) {
  mp_runtime *rt = calloc(1, sizeof *rt);
  if (err) *err = NULL;
  if (rt == NULL) { fail(err, "out of memory"); return NULL; }
  rt->cfg = *cfg;
  rt->rootfd = PLAT_FD_NONE;
  rt->lockfd = PLAT_FD_NONE;
  rt->cfg.root = rt->cfg.lang = rt->cfg.stdlib_dir = NULL;
  rt->cfg.only = rt->cfg.skip = rt->cfg.playbook_path = NULL;
  rt->mem_limit = cfg->mem_limit ? cfg->mem_limit : DEFAULT_MEM_LIMIT;
  rt->mem_cap = HEAP_CEILING(rt->mem_limit);
  rt->only = xstrdup(cfg->only);
  rt->skip = xstrdup(cfg->skip);
  rt->playbook_path = xstrdup(cfg->playbook_path);
  rt->lang = strdup(cfg->lang && *cfg->lang ? cfg->lang : lang_from_env());
  rt->started = plat_monotonic();
  if (strcmp(rt->lang, "en") != 0 && strcmp(rt->lang, "pt-BR") != 0) {
    fail(err, "unsupported language '%s' (use en or pt-BR)", rt->lang);
    goto fail;
  }
  if (cfg->root) {
    rt->offline = 1;
    rt->root = plat_abs_path(cfg->root);
    if (rt->root == NULL || !plat_is_dir(rt->root)) {
      fail(err, "--root %s: not an existing folder", cfg->root);
      goto fail;
    }
  } else {
    rt->root = plat_live_root();
  }
  if (rt->root == NULL || plat_root_open(rt->root, &rt->rootfd) != 0) {
    fail(err, "cannot open the target root %s", rt->root);
    goto fail;
  }
  rt->stdlib_dir = cfg->stdlib_dir ? plat_abs_path(cfg->stdlib_dir) : mp_find_stdlib();
  if (rt->stdlib_dir == NULL) {
    fail(err, "cannot find the marsplay stdlib (set MARSPLAY_STDLIB)");
    goto fail;
  }
  rt->playbook_dir = sibling_dir(rt->stdlib_dir, "playbooks");
  if (init_report(rt) != 0) { fail(err, "out of memory"); goto fail; }
  rt->L = lua_newstate(l_alloc, rt);
  if (rt->L == NULL) { fail(err, "cannot create the Lua state"); goto fail; }
  lua_sethook(rt->L, count_hook, LUA_MASKCOUNT, HOOK_COUNT);
  if (mp_sandbox_init(rt) != 0) {
    fail(err, "cannot initialise the sandbox: %s", rt->last_error);
    goto fail;
  }
  return rt;
fail:
  mp_free(rt);
  return NULL;
}

void mp_free(mp_runtime *rt) {
  mp_param *p, *pn;
  mp_hostfn *h, *hn;
  size_t i;
  if (rt == NULL) return;
  if (rt->L) lua_close(rt->L);
  mpv_free(rt->kept);
  for (i = 0; i < sizeof rt->at_free / sizeof rt->at_free[0] && rt->at_free[i]; i++)
    rt->at_free[i](rt);
  mp_chunks_free(rt);
  mp_secrets_free(rt);
  if (rt->lockfd >= 0) plat_close(rt->lockfd);
  if (rt->rootfd >= 0) plat_close(rt->rootfd);
  for (p = rt->params; p; p = pn) { pn = p->next; free(p->key); free(p->value); free(p); }
  for (h = rt->hostfns; h; h = hn) { hn = h->next; free(h->name); free(h); }
  free(rt->root); free(rt->stdlib_dir); free(rt->playbook_dir); free(rt->lang);
  free(rt->only); free(rt->skip); free(rt->playbook_path); free(rt->last_error);
  mpv_free(rt->report);
  free(rt);
}

int mp_set_param(mp_runtime *rt, const char *key, const char *value) {
  mp_param *p, **tail = &rt->params;
  if (mp_secret_param(rt, key, value) != 0) return -1;
  for (p = rt->params; p; p = p->next) {
    if (strcmp(p->key, key) == 0) {
      char *v = strdup(value);
      if (v == NULL) return -1;
      free(p->value);
      p->value = v;
      return 0;
    }
    tail = &p->next;
  }
  p = calloc(1, sizeof *p);
  if (p == NULL) return -1;
  p->key = strdup(key);
  p->value = strdup(value);
  if (!p->key || !p->value) { free(p->key); free(p->value); free(p); return -1; }
  *tail = p;
  return 0;
}

int mp_register(mp_runtime *rt, const char *name, int (*fn)(struct lua_State *)) {
  mp_hostfn *h = calloc(1, sizeof *h);
  if (h == NULL || (h->name = strdup(name)) == NULL) { free(h); return -1; }
  h->fn = fn;
  h->next = rt->hostfns;
  rt->hostfns = h;
  return 0;
}

/* The run's code: the combined one, or 5 when it would be 0 but no check
 * ran to a verdict (every check skipped, or none selected). */
static int run_code(const mp_runtime *rt) {
  const mp_value *sum = mp_value_get(rt->report, "summary");
  double checked = 0;
  int i;
  if (rt->exit_code != MP_EXIT_OK) return rt->exit_code;
  for (i = 0; i < MPR_NSTATUS; i++)       /* every verdict: all but skipped */
    if (i != MPR_SKIPPED) checked += mp_value_number(mp_value_get(sum, mpr_status_names[i]));
  return checked > 0 ? MP_EXIT_OK : MP_EXIT_NOTHING;
}

int mp_exit_code(const mp_runtime *rt) { return run_code(rt); }

const char *mp_target_problem(mp_runtime *rt) {
  plat_fd fd = mp_target_open(rt, "C:\\Windows", PLAT_OPEN_DIR);
  if (fd < 0) return "it has no Windows folder (C:\\Windows)";
  plat_close(fd);
  return NULL;
}
const mp_value *mp_report(mp_runtime *rt) {
  mpv_set(rt->report, "duration_ms", mpv_num((plat_monotonic() - rt->started) * 1000.0));
  mp_redact_value(rt, rt->report);   /* error paths too, and secrets added late */
  return rt->report;
}
const char *mp_last_error(const mp_runtime *rt) { return rt->last_error; }

/* ---------- playbook lookup ---------- */

static int has_suffix(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

static char *try_file(const char *dir, const char *name) {
  char buf[MP_PATH_MAX];
  int n = snprintf(buf, sizeof buf, "%s/%s%s", dir, name, has_suffix(name, ".lua") ? "" : ".lua");
  if (n < 0 || (size_t)n >= sizeof buf || !plat_readable(buf)) return NULL;
  return plat_abs_path(buf);
}

char *mp_find_playbook(const mp_runtime *rt, const char *name) {
  char *r;
  if (strchr(name, '/') || has_suffix(name, ".lua")) {
    if (plat_readable(name)) return plat_abs_path(name);
    if (strchr(name, '/')) return NULL;
  }
  if (rt->playbook_path) {
    char *copy = strdup(rt->playbook_path), *save = NULL, *dir;
    if (copy == NULL) return NULL;
    for (dir = strtok_r(copy, PLAT_PATH_LIST_SEP, &save); dir;
         dir = strtok_r(NULL, PLAT_PATH_LIST_SEP, &save)) {
      if ((r = try_file(dir, name))) { free(copy); return r; }
    }
    free(copy);
  }
  if (rt->playbook_dir && (r = try_file(rt->playbook_dir, name))) return r;
  return NULL;
}

/* ---------- running ---------- */

static void summarise(mp_runtime *rt, mp_value *pb) {
  mp_value *summary = mpv_getm(rt->report, "summary");
  mp_value *checks = mpv_getm(pb, "checks");
  const char *id = mpv_getstr(pb, "id");
  size_t i;
  for (i = 0; checks && i < checks->u.agg.len; i++) {
    const mp_value *c = checks->u.agg.items[i];
    const char *st = mpv_getstr(c, "status");
    if (st && summary) mpv_set(summary, st, mpv_num(mpv_getnum(summary, st, 0) + 1));
    if (rt->cfg.cb.on_check) rt->cfg.cb.on_check(rt->cfg.cb.ud, id ? id : "", c);
  }
}

int mp_run(mp_runtime *rt, const char *playbook) {
  lua_State *L = rt->L;
  char *path = mp_find_playbook(rt, playbook);
  mp_value *pb;
  int code, top = lua_gettop(L);
  rt->ran++;
  if (path == NULL) {
    mp_set_error(rt, "%s: no such playbook (a file, or one of `marsplay list`)", playbook);
    pb = mpv_obj();
    mpv_set(pb, "id", mpv_cstr(playbook));
    mpv_set(pb, "title", mpv_cstr(playbook));
    mpv_set(pb, "file", mpv_cstr(playbook));
    mpv_set(pb, "error", mpv_cstr(rt->last_error));
    mpv_set(pb, "exit_code", mpv_num(MP_EXIT_ERROR));
    mpv_set(pb, "checks", mpv_arr());
    code = MP_EXIT_ERROR;
  } else {
    code = mp_sandbox_run(rt, path, &pb);
    free(path);
  }
  lua_settop(L, top);
  if (pb) {
    summarise(rt, pb);
    mpv_push(rt->playbooks, pb);
  }
  rt->exit_code = mpr_exit_worse(rt->exit_code, code);
  mpv_set(rt->report, "exit_code", mpv_num(run_code(rt)));
  lua_gc(L, LUA_GCCOLLECT);
  return code;
}

mp_value *mp_eval(mp_runtime *rt, const char *code, char **err) {
  mp_value *v = mp_sandbox_eval(rt, code, err);
  mp_redact_value(rt, v);
  return v;
}

const char *mp_playbook_dir(const mp_runtime *rt) { return rt->playbook_dir; }

void mp_value_free(mp_value *v) { mpv_free(v); }

mp_value *mp_describe(mp_runtime *rt, const char *playbook, char **err) {
  lua_State *L = rt->L;
  char *path = mp_find_playbook(rt, playbook);
  mp_value *v = NULL;
  int top = lua_gettop(L);
  *err = NULL;
  if (path == NULL) {
    size_t n = strlen(playbook) + 64;
    *err = malloc(n);
    if (*err) snprintf(*err, n, "%s: no such playbook", playbook);
    return NULL;
  }
  if (mp_sandbox_describe(rt, path) != 0) {
    *err = mp_redacted_dup(rt, lua_tostring(L, -1), "cannot load the playbook");
  } else {
    v = mp_from_lua(L, -1, 0);
  }
  lua_settop(L, top);
  free(path);
  return v;
}

int mp_lock(mp_runtime *rt, double timeout) {
  char name[64] = "", who[128] = "holder unknown";
  long holder = 0;
  plat_fd fd;
  if (rt->lockfd >= 0) return 0;
  fd = plat_lock_dir(rt->root, timeout, &holder);
  if (fd >= 0) { rt->lockfd = fd; return 0; }
  if (fd != -PLAT_EAGAIN) {
    mp_set_error(rt, "cannot lock the target %s: %s", rt->root, plat_err_text((int)fd));
    return -1;
  }
  if (holder > 0) {
    snprintf(who, sizeof who, "process %ld", holder);
    if (plat_proc_name(holder, name, sizeof name) == 0)
      snprintf(who + strlen(who), sizeof who - strlen(who), " (%s)", name);
  }
  mp_set_error(rt, "another run holds the target %s: %s; %s", rt->root, who,
               timeout > 0 ? "gave up waiting (--lock-timeout)" : "not waiting (--lock-timeout 0)");
  return -1;
}

/* The report's sandbox.notice, by what plat_restrict_writes found
 * (plat_wb_what): English, then Portuguese; "{}" stands for the value
 * (the ABI, an integrity level, or the failed step's error: its text in
 * English, its name in Portuguese). */
static const char *const WB_TEXT[][2] = {
  [PLAT_WB_LANDLOCK] = {"Landlock ABI {}: no file can be written, created, removed or renamed",
                        "Landlock ABI {}: nenhum arquivo pode ser gravado, criado, removido ou "
                        "renomeado"},
  [PLAT_WB_LOW_INTEGRITY] = {"Windows integrity level lowered from {} to Low: the system refuses "
                             "writes",
                             "nível de integridade do Windows reduzido de {} para Low: o sistema "
                             "recusa gravações"},
  [PLAT_WB_UNAVAILABLE] = {"Landlock is not available in this kernel ({})",
                           "o Landlock não está disponível neste kernel ({})"},
  [PLAT_WB_DISABLED] = {"Landlock is not available in this kernel (disabled at boot)",
                        "o Landlock não está disponível neste kernel (desativado na "
                        "inicialização)"},
  [PLAT_WB_RULESET] = {"Landlock ruleset: {}", "as regras do Landlock não puderam ser criadas ({})"},
  [PLAT_WB_RESTRICT] = {"Landlock restrict: {}", "o Landlock não pôde ser aplicado ({})"},
  [PLAT_WB_NO_SANDBOX] = {"no kernel sandbox on this platform",
                          "nenhuma proteção do kernel nesta plataforma"},
  [PLAT_WB_TOKEN] = {"cannot open the process token ({})",
                     "o token do processo não pôde ser aberto ({})"},
  [PLAT_WB_LEVEL] = {"cannot read the integrity level ({})",
                     "o nível de integridade não pôde ser lido ({})"},
  [PLAT_WB_LABEL] = {"cannot make the Low integrity label: {}",
                     "o rótulo de integridade Low não pôde ser criado ({})"},
  [PLAT_WB_REFUSED] = {"the token refused the Low integrity level ({})",
                       "o token recusou o nível de integridade Low ({})"},
  [PLAT_WB_READBACK] = {"the integrity level cannot be read back ({})",
                        "o nível de integridade não pôde ser relido ({})"},
  [PLAT_WB_NOT_HELD] = {"the Low integrity level was set but the token still reads {} (Wine, for "
                        "one, keeps every token High)",
                        "o nível de integridade Low foi definido, mas o token ainda indica {} "
                        "(o Wine, por exemplo, mantém todo token em High)"},
};

/* The notice for wb (abi: the return value) in lang ("pt..." or else
 * English), into out. */
static void wb_notice(const plat_wb *wb, int abi, const char *lang, char *out, size_t outsz) {
  int pt = strncmp(lang, "pt", 2) == 0;
  const char *t = NULL, *at;
  char val[64] = "";
  if ((size_t)wb->what < sizeof WB_TEXT / sizeof WB_TEXT[0]) t = WB_TEXT[wb->what][pt];
  if (t == NULL) t = pt ? "nenhuma proteção do kernel ({})" : "no kernel write barrier ({})";
  if (wb->what == PLAT_WB_LANDLOCK) snprintf(val, sizeof val, "%d", abi);
  else if (wb->level) snprintf(val, sizeof val, "%s", wb->level);
  else if (wb->err) snprintf(val, sizeof val, "%s", pt ? plat_err_name(wb->err) : plat_err_text(wb->err));
  if ((at = strstr(t, "{}")) == NULL) snprintf(out, outsz, "%s", t);
  else snprintf(out, outsz, "%.*s%s%s", (int)(at - t), t, val, at + 2);
}

int mp_lockdown(mp_runtime *rt) {
  char why[256], why_en[256];
  plat_wb wb = {0, 0, NULL};
  int r;
  /* Landlock also hides other processes' open files: record them first. */
  r = plat_holders_snapshot(rt->root);
  if (r < 0 && r != -PLAT_ENOSYS)   /* ENOSYS: no such list here at all */
    mp_notice(rt, "cannot list the processes' open files before the lockdown");
  r = plat_restrict_writes(&wb);
  wb_notice(&wb, r, rt->lang, why, sizeof why);
  wb_notice(&wb, r, "en", why_en, sizeof why_en);
  mp_value *sb = mpv_obj();
  if (sb) {
    mpv_set(sb, "kernel", mpv_cstr(r > 0 ? plat_barrier_name() : "none"));
    if (r > 0) mpv_set(sb, "abi", mpv_num(r));
    mpv_set(sb, "notice", mpv_cstr(why));
    mpv_set(rt->report, "sandbox", sb);
  }
  if (r <= 0) mp_notice(rt, "dry-run is enforced by marsplay only, not by the kernel: %s", why_en);
  return r > 0;
}
