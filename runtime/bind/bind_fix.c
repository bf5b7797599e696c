/* bind_fix.c - marsplay.fix, the remediation API: the only way a playbook
 * changes a system.
 *
 * Every call records an action {kind, target, before, after, state,
 * detail}.  In dry-run nothing is changed and the state is "planned".
 * Calls are refused outside a check's fix function.  Changes work on
 * directory file descriptors inside the target, never follow a link in
 * the last component, and replace files atomically (temp file + fsync +
 * rename), so a run killed midway leaves the old or the new state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mp_internal.h"
#include "core/registry.h"
#include "formats/fswalk.h"
#include "platform/live.h"

#define ACTIONS_KEY "marsplay.actions"
#define MAX_SAMPLES 10

int mp_fix_allowed(lua_State *L) {
  if (mp_rt(L)->phase != MP_PHASE_FIX)
    return luaL_error(L, "the remediation API (marsplay.fix) may only be used "
                      "in a check's fix function");
  return 0;
}

/* An action detail in English: stdlib/marsplay/actiontext.lua translates
 * it (tests/sh/t_actiontext.sh checks each one has a translation). */
#define D(s) s

static int dry(lua_State *L) { return mp_rt(L)->cfg.dry_run; }

/* Start an action table on the stack: kind, target (display form).
 * Without rel (the path could not be resolved) the target is the path as
 * the playbook gave it (argument 1): every action names its target. */
static void action_begin(lua_State *L, const char *kind, const char *rel) {
  char disp[MP_PATH_MAX], host[MP_PATH_MAX];
  lua_createtable(L, 0, 8);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  if (rel == NULL) {
    lua_pushstring(L, lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : "?");
    lua_setfield(L, -2, "target");
  } else {
    mp_target_display(rel, disp, sizeof disp);
    /* a Windows system (offline, or the live one) names it C:\... */
    lua_pushstring(L, mp_rt(L)->offline || live_available() ? disp : rel);
    lua_setfield(L, -2, "target");
    if (mp_target_host(mp_rt(L), rel, host, sizeof host) == 0) {
      lua_pushstring(L, host);
      lua_setfield(L, -2, "host_path");
    }
  }
}

/* Finish the action on top: set state/detail, append to the list, emit
 * an event; leaves the action on the stack (the call's result). */
static int action_end(lua_State *L, const char *state, const char *detail) {
  mp_runtime *rt = mp_rt(L);
  lua_pushstring(L, state);
  lua_setfield(L, -2, "state");
  if (detail) {
    lua_pushstring(L, detail);
    lua_setfield(L, -2, "detail");
  }
  if (lua_getfield(L, LUA_REGISTRYINDEX, ACTIONS_KEY) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, ACTIONS_KEY);
  }
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  lua_pop(L, 1);
  {
    mp_value *ev = mp_from_lua(L, -1, 0);
    if (ev) {
      mpv_set(ev, "event", mpv_cstr(strcmp(state, "planned") == 0 ? "plan" : "action"));
      mpv_set(ev, "mode", mpv_cstr(rt->cfg.dry_run ? "dry-run" : "apply"));
      mp_emit_event(rt, ev);
    }
  }
  return 1;
}

static int action_fail(lua_State *L, int err, const char *what) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s: %s", what, plat_err_text(err));
  action_end(L, "failed", buf);
  return luaL_error(L, "%s", buf);
}

/* Resolve path into its parent directory fd and last name. */
static plat_fd open_parent(lua_State *L, const char *path, char *rel, size_t relsz,
                           const char **name) {
  mp_runtime *rt = mp_rt(L);
  char parent[MP_PATH_MAX];
  char *slash;
  int r = mp_target_rel(rt, path, rel, relsz);
  if (r < 0) return r;
  if (rel[0] == '\0') return -PLAT_EINVAL;       /* the root itself */
  snprintf(parent, sizeof parent, "%s", rel);
  slash = strrchr(parent, '/');
  if (slash) { *slash = '\0'; *name = rel + (slash - parent) + 1; }
  else { parent[0] = '\0'; *name = rel; }
  return plat_open_in(rt->rootfd, parent, PLAT_OPEN_DIR);
}

/* An entry's type as an action names it (char and block devices are "other"). */
static const char *ftype_name(plat_ftype t) {
  return t == PLAT_T_CHAR || t == PLAT_T_BLOCK ? "other" : plat_ftype_name(t);
}

static void push_statinfo(lua_State *L, const plat_stat *st) {
  char mode[16];                    /* lua_pushfstring has no %o */
  snprintf(mode, sizeof mode, "%o", (unsigned)(st->mode & 07777));
  lua_createtable(L, 0, 4);
  lua_pushstring(L, ftype_name(st->type));
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, (lua_Integer)st->size);
  lua_setfield(L, -2, "size");
  lua_pushstring(L, mode);
  lua_setfield(L, -2, "mode");
}

/* What a deletion of one matched file came to, as an action. */
static int del_outcome(lua_State *L, int r, const char *aside, const char *path) {
  char detail[MP_PATH_MAX + 128];
  switch (r) {
    case PLAT_DEL_DONE: return action_end(L, "done", NULL);
    case PLAT_DEL_CHANGED:
      return action_end(L, "skipped", D("changed while the fix ran: left alone"));
    case PLAT_DEL_KEPT:
      snprintf(detail, sizeof detail,
               D("changed while the fix ran, and its name was taken again meanwhile: kept as %s"), aside);
      return action_end(L, "failed", detail);
    case -PLAT_ENOENT: return action_end(L, "skipped", D("already absent"));
    default: return action_fail(L, r, path);
  }
}

/* name is absent: finish a deletion of it that a killed run left aside. */
static int del_leftover(lua_State *L, plat_fd dirfd, const char *name) {
  char aside[MP_PATH_MAX];
  plat_stat st;
  int r;
  if (plat_del_aside_name(name, aside, sizeof aside) < 0 || plat_statat(dirfd, aside, &st) != 0)
    return action_end(L, "skipped", D("already absent"));
  push_statinfo(L, &st);
  lua_setfield(L, -2, "before");
  if (dry(L))
    return action_end(L, "planned", st.type == PLAT_T_FILE
                      ? D("finish a deletion interrupted by an earlier run")
                      : D("put back an entry an interrupted run had set aside"));
  r = plat_del_leftover(dirfd, aside, name);
  if (r == PLAT_DEL_DONE) return action_end(L, "done", D("finished a deletion interrupted by an earlier run"));
  if (r == PLAT_DEL_CHANGED) return action_end(L, "skipped", D("put back an entry an interrupted run had set aside"));
  return del_outcome(L, r, aside, name);
}

/* fix.delete(path): remove one regular file (never a link's target, never
 * a folder). Absent: nothing to do (skipped). */
static int f_delete(lua_State *L) {
  const char *path = mp_checkpath(L, 1), *name;
  char rel[MP_PATH_MAX], aside[MP_PATH_MAX];
  plat_stat st;
  plat_fd dirfd;
  int r;
  mp_fix_allowed(L);
  dirfd = open_parent(L, path, rel, sizeof rel, &name);
  action_begin(L, "delete", dirfd >= 0 || dirfd == -PLAT_ENOENT ? rel : NULL);
  if (dirfd == -PLAT_ENOENT) return action_end(L, "skipped", D("already absent"));
  if (dirfd < 0) return action_fail(L, (int)dirfd, path);
  if ((r = plat_statat(dirfd, name, &st)) != 0) {
    if (r == -PLAT_ENOENT) { r = del_leftover(L, dirfd, name); plat_close(dirfd); return r; }
    plat_close(dirfd);
    return action_fail(L, r, path);
  }
  push_statinfo(L, &st);
  lua_setfield(L, -2, "before");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "after");
  if (st.type != PLAT_T_FILE) {
    plat_close(dirfd);
    return action_end(L, "skipped", D("not a regular file: left alone"));
  }
  if (dry(L)) { plat_close(dirfd); return action_end(L, "planned", NULL); }
  /* Moved aside, checked to be this inode, then unlinked: a name swapped
   * meanwhile is put back, never deleted. */
  r = plat_del_same(dirfd, name, st.dev, st.ino, aside, sizeof aside);
  plat_close(dirfd);
  return del_outcome(L, r, aside, path);
}

/* What one reader of delete_matching saw and did.  A large ext4 folder is
 * read as two halves at once (fsw_list_halves), one of these each. */
typedef struct dm_half {
  plat_fd dirfd;
  const fsw_glob *g;      /* the one wildcard matcher of detect and fix (fs.glob's) */
  int dry;
  lua_Integer regular, removed, left, changed, failed, kept;
  lua_Number bytes;
  char **aside;           /* leftovers of a killed run, finished afterwards */
  size_t naside, capaside;
  char *samples[MAX_SAMPLES];
  size_t nsamples;
  lua_Integer nwhy;       /* left-alone entries (the samples are the first) */
  int oom;
} dm_half;

static void dm_sample(dm_half *h, const char *name, const char *why) {
  size_t n;
  if (h->nwhy++ >= MAX_SAMPLES) return;
  n = strlen(name) + strlen(why) + 4;
  if ((h->samples[h->nsamples] = malloc(n)) == NULL) { h->oom = 1; return; }
  snprintf(h->samples[h->nsamples++], n, "%s (%s)", name, why);
}

static int dm_entry(void *ud, const plat_dirent *e) {
  dm_half *h = ud;
  const char *name = e->name;
  plat_stat st;
  char aside[MP_PATH_MAX];
  int r;
  if (plat_del_is_aside(name)) {   /* set aside by a killed run: later */
    if (h->naside == h->capaside) {
      size_t nc = h->capaside ? h->capaside * 2 : 16;
      char **q = realloc(h->aside, nc * sizeof *q);
      if (q == NULL) { h->oom = 1; return 0; }
      h->aside = q;
      h->capaside = nc;
    }
    if ((h->aside[h->naside] = strdup(name)) == NULL) h->oom = 1;
    else h->naside++;
    return 0;
  }
  if (!fsw_glob_match(h->g, name, e->namelen)) return 0;
  if (h->dry && e->size >= 0) {
    /* A plan needs the type and size, which a Windows listing gives for
     * every entry: no open per file (one open costs a millisecond under
     * Wine, and the plan of 60,001 files ran past the time budget). */
    st.type = e->type;
    st.size = (uint64_t)e->size;
  } else if (plat_statat(h->dirfd, name, &st) != 0) {
    return 0;
  }
  if (st.type != PLAT_T_FILE) {
    h->left++;
    dm_sample(h, name, ftype_name(st.type));
    return 0;
  }
  h->regular++;
  h->bytes += (lua_Number)st.size;
  if (h->dry) return 0;
  r = plat_del_same(h->dirfd, name, st.dev, st.ino, aside, sizeof aside);
  if (r == PLAT_DEL_DONE) { h->removed++; return 0; }
  if (r == -PLAT_ENOENT) return 0;
  if (r < 0) { h->failed++; return 0; }
  if (r == PLAT_DEL_KEPT) h->kept++;
  h->changed++;
  dm_sample(h, name, "changed while the fix ran");
  return 0;
}

/* fix.delete_matching(dir, pattern): delete the regular files directly in
 * dir whose name matches pattern (case-insensitive Windows wildcard, as
 * fs.glob: what detect lists is what the fix deletes).  Folders, links,
 * FIFOs and anything else are left alone and counted.  A large ext4
 * folder is read (and its files deleted) as two halves at once. */
static int f_delete_matching(lua_State *L) {
  const char *path = mp_checkpath(L, 1);
  size_t plen;
  const char *pattern = luaL_checklstring(L, 2, &plen);
  mp_runtime *rt = mp_rt(L);
  char rel[MP_PATH_MAX], shown[MP_PATH_MAX + 256];
  lua_Integer regular, removed, left, changed, failed, kept;
  lua_Integer resumed = 0, restored = 0, samples = 0;
  lua_Number bytes;
  dm_half h[2];
  fsw_glob g;
  fsw_list_result lr;
  plat_fd fd, keep;
  size_t i, k;
  int r, oom;
  mp_fix_allowed(L);
  r = mp_target_rel(rt, path, rel, sizeof rel);
  if (r < 0) { action_begin(L, "delete", NULL); return action_fail(L, r, path); }
  snprintf(shown, sizeof shown, "%s%s%s", rel, rel[0] ? "/" : "", pattern);
  action_begin(L, "delete", shown);
  fd = plat_open_in(rt->rootfd, rel, PLAT_OPEN_DIR);
  if (fd < 0) return action_fail(L, (int)fd, path);
  /* fsw_list_halves takes fd over: a second handle, checked to be the
   * same folder, to stat and delete through */
  keep = plat_open_in(rt->rootfd, rel, PLAT_OPEN_DIR);
  if (keep < 0) { plat_close(fd); return action_fail(L, (int)keep, path); }
  {
    plat_stat a, b;
    if (plat_fstat(fd, &a) != 0 || plat_fstat(keep, &b) != 0 || a.dev != b.dev || a.ino != b.ino) {
      plat_close(fd);
      plat_close(keep);
      return action_fail(L, -PLAT_EAGAIN, path);
    }
  }
  memset(h, 0, sizeof h);
  h[0].dirfd = keep;
  fsw_glob_init(&g, pattern, plen, 1);
  h[0].g = &g;
  h[0].dry = dry(L);
  h[1] = h[0];
  r = fsw_list_halves(fd, NULL, 1 << 16, dm_entry, &h[0], &h[1], &lr);
  regular = h[0].regular + h[1].regular;
  removed = h[0].removed + h[1].removed;
  left = h[0].left + h[1].left;
  changed = h[0].changed + h[1].changed;
  failed = h[0].failed + h[1].failed + (r < 0);
  kept = h[0].kept + h[1].kept;
  bytes = h[0].bytes + h[1].bytes;
  oom = h[0].oom || h[1].oom;
  /* Leftovers of a killed run, one at a time now that both halves are
   * done (none while this run had to keep one: it may be ours). */
  for (k = 0; k < 2; k++)
    for (i = 0; i < h[k].naside; i++) {
      const char *orig = plat_del_is_aside(h[k].aside[i]);
      if (!kept && h[0].dry) resumed++;
      else if (!kept) {
        int x = plat_del_leftover(keep, h[k].aside[i], orig);
        if (x == PLAT_DEL_DONE) resumed++;
        else if (x == PLAT_DEL_CHANGED) restored++;
        else if (x == PLAT_DEL_KEPT) kept++;
        else if (x != -PLAT_ENOENT) failed++;
      }
      free(h[k].aside[i]);
    }
  plat_close(keep);
  lua_newtable(L);                                  /* samples of left-alone */
  for (k = 0; k < 2; k++) {
    for (i = 0; i < h[k].nsamples; i++) {
      if (samples < MAX_SAMPLES) {
        lua_pushstring(L, h[k].samples[i]);
        lua_rawseti(L, -2, ++samples);
      }
      free(h[k].samples[i]);
    }
    free(h[k].aside);
  }
  if (oom) failed++;
  lua_setfield(L, -2, "left_alone");
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, regular);
  lua_setfield(L, -2, "files");
  lua_pushnumber(L, bytes);
  lua_setfield(L, -2, "bytes");
  lua_setfield(L, -2, "before");
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, dry(L) ? regular : regular - removed);
  lua_setfield(L, -2, "files");
  lua_setfield(L, -2, "after");
  lua_pushinteger(L, removed);
  lua_setfield(L, -2, "count");
  {
    char detail[512];
    size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(detail + n, n < sizeof detail ? sizeof detail - n : 0, __VA_ARGS__))
    ADD(D("%lld regular files matching %s"), (long long)regular, pattern);
    if (left) ADD(D("; %lld other entries left alone"), (long long)left);
    if (changed) ADD(D("; %lld changed while the fix ran, left alone"), (long long)changed);
    if (kept)
      ADD(D("; %lld kept under a .marsplay-deleting. name (their names were taken meanwhile)"), (long long)kept);
    if (resumed) ADD(dry(L) ? D("; %lld set aside by an interrupted run, to finish")
                            : D("; finished %lld deletions interrupted by an earlier run"), (long long)resumed);
    if (restored) ADD(D("; put back %lld entries an interrupted run had set aside"), (long long)restored);
    if (failed) ADD(D("; some could not be deleted"));
#undef ADD
    if (dry(L)) return action_end(L, "planned", detail);
    if (failed || kept) return action_end(L, "failed", detail);
    return action_end(L, removed + resumed + restored == 0 ? "skipped" : "done", detail);
  }
}

/* Write data to name in dirfd atomically. */
static int write_atomic(plat_fd dirfd, const char *name, const char *data, size_t len,
                        unsigned mode) {
  char tmp[300];
  plat_fd fd;
  int r;
  if (snprintf(tmp, sizeof tmp, ".%s.marsplay-tmp", name) >= (int)sizeof tmp)
    return -PLAT_ENAMETOOLONG;
  plat_remove_at(dirfd, tmp, 0);            /* a leftover of a killed run */
  fd = plat_create_at(dirfd, tmp, mode);
  if (fd < 0) return (int)fd;
  r = plat_pwrite(fd, data, len, 0);
  /* the mode again, past the umask; a system whose permissions are not
   * mode bits (Windows: ACLs) keeps the folder's inherited ones */
  if (r == 0 && (r = plat_set_mode(dirfd, tmp, fd, mode)) == -PLAT_EOPNOTSUPP) r = 0;
  if (r == 0) r = plat_sync(fd);
  if (r < 0) {
    plat_close(fd);
    plat_remove_at(dirfd, tmp, 0);
    return r;
  }
  if ((r = plat_close(fd)) == 0) r = plat_rename_at(dirfd, tmp, dirfd, name, 1);
  if (r < 0) {
    plat_remove_at(dirfd, tmp, 0);
    return r;
  }
  plat_sync(dirfd);
  return 0;
}

/* Read a small file (for before/after comparison). */
static char *slurp_at(plat_fd dirfd, const char *name, size_t max, size_t *len, int *err) {
  plat_fd fd = plat_open_at(dirfd, name, PLAT_OPEN_READ | PLAT_OPEN_NOFOLLOW);
  char *buf;
  long n;
  size_t got = 0;
  if (fd < 0) { *err = (int)fd; return NULL; }
  buf = malloc(max + 1);
  if (buf == NULL) { plat_close(fd); *err = -PLAT_ENOMEM; return NULL; }
  while ((n = plat_read(fd, buf + got, max + 1 - got)) > 0) got += (size_t)n;
  plat_close(fd);
  if (n < 0 || got > max) { free(buf); *err = n < 0 ? -PLAT_EIO : -PLAT_EFBIG; return NULL; }
  *len = got;
  return buf;
}

/* fix.write(path, data [, {mode=, describe=}]) */
static int f_write(lua_State *L) {
  size_t len, oldlen = 0;
  const char *path = mp_checkpath(L, 1), *name;
  const char *data = luaL_checklstring(L, 2, &len);
  char rel[MP_PATH_MAX];
  unsigned mode = 0644;
  plat_stat st;
  plat_fd dirfd;
  int exists, r, err = 0;
  char *old;
  mp_fix_allowed(L);
  if (lua_istable(L, 3)) {
    lua_getfield(L, 3, "mode");
    if (lua_isinteger(L, -1)) mode = (unsigned)lua_tointeger(L, -1) & 07777;
    lua_pop(L, 1);
  }
  dirfd = open_parent(L, path, rel, sizeof rel, &name);
  action_begin(L, "write", dirfd >= 0 ? rel : NULL);
  if (dirfd < 0) return action_fail(L, (int)dirfd, path);
  exists = plat_statat(dirfd, name, &st) == 0;
  if (exists && st.type != PLAT_T_FILE) {
    plat_close(dirfd);
    return action_end(L, "skipped", D("target exists and is not a regular file: left alone"));
  }
  if (exists) mode = st.mode & 07777;
  lua_createtable(L, 0, 2);
  lua_pushboolean(L, exists);
  lua_setfield(L, -2, "exists");
  if (exists) { lua_pushinteger(L, (lua_Integer)st.size); lua_setfield(L, -2, "size"); }
  lua_setfield(L, -2, "before");
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, (lua_Integer)len);
  lua_setfield(L, -2, "size");
  lua_setfield(L, -2, "after");
  if (lua_istable(L, 3)) {                     /* describe = {before=, after=} */
    lua_getfield(L, 3, "describe");
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "before"); lua_setfield(L, -3, "before");
      lua_getfield(L, -1, "after"); lua_setfield(L, -3, "after");
    }
    lua_pop(L, 1);
  }
  old = exists ? slurp_at(dirfd, name, (size_t)64 << 20, &oldlen, &err) : NULL;
  if (old && oldlen == len && memcmp(old, data, len) == 0) {
    free(old);
    plat_close(dirfd);
    return action_end(L, "skipped", D("already as desired"));
  }
  free(old);
  if (dry(L)) { plat_close(dirfd); return action_end(L, "planned", NULL); }
  r = write_atomic(dirfd, name, data, len, mode);
  plat_close(dirfd);
  if (r < 0) return action_fail(L, r, path);
  return action_end(L, "done", NULL);
}

/* fix.mkdir(path [, mode]) */
static int f_mkdir(lua_State *L) {
  const char *path = mp_checkpath(L, 1), *name;
  unsigned mode = (unsigned)luaL_optinteger(L, 2, 0755) & 07777;
  char rel[MP_PATH_MAX];
  plat_stat st;
  plat_fd dirfd;
  int r;
  mp_fix_allowed(L);
  dirfd = open_parent(L, path, rel, sizeof rel, &name);
  action_begin(L, "mkdir", dirfd >= 0 ? rel : NULL);
  if (dirfd < 0) return action_fail(L, (int)dirfd, path);
  if (plat_statat(dirfd, name, &st) == 0) {
    plat_close(dirfd);
    return action_end(L, "skipped", st.type == PLAT_T_DIR ? D("already exists")
                                    : D("a non-folder is in the way: left alone"));
  }
  if (dry(L)) { plat_close(dirfd); return action_end(L, "planned", NULL); }
  if ((r = plat_mkdir_at(dirfd, name, mode)) != 0 && r != -PLAT_EEXIST) {
    plat_close(dirfd);
    return action_fail(L, r, path);
  }
  plat_sync(dirfd);
  plat_close(dirfd);
  return action_end(L, "done", NULL);
}

/* fix.chmod(path, mode): permissions of a file or folder (no links). */
static int f_chmod(lua_State *L) {
  const char *path = mp_checkpath(L, 1), *name;
  unsigned mode = (unsigned)luaL_checkinteger(L, 2) & 07777;
  char rel[MP_PATH_MAX], buf[16];
  plat_stat st;
  plat_fd dirfd, fd;
  int r;
  mp_fix_allowed(L);
  dirfd = open_parent(L, path, rel, sizeof rel, &name);
  action_begin(L, "chmod", dirfd >= 0 ? rel : NULL);
  if (dirfd < 0) return action_fail(L, (int)dirfd, path);
  /* look only: a device or FIFO is looked at, never opened */
  fd = plat_open_at(dirfd, name, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  if (fd < 0) { plat_close(dirfd); return action_fail(L, (int)fd, path); }
  r = plat_fstat(fd, &st);
  if (r == 0 && st.type == PLAT_T_LINK) r = -PLAT_ELOOP;   /* as a no-follow open */
  if (r < 0) {
    plat_close(fd);
    plat_close(dirfd);
    return action_fail(L, r, path);
  }
  if (!(st.type == PLAT_T_FILE || st.type == PLAT_T_DIR)) {
    plat_close(fd);
    plat_close(dirfd);
    return action_end(L, "skipped", D("not a file or folder: left alone"));
  }
  if (st.type == PLAT_T_FILE && st.nlink > 1) {   /* the inode has names elsewhere */
    plat_close(fd);
    plat_close(dirfd);
    return action_end(L, "skipped", D("a file with other names (hard links): left alone"));
  }
  snprintf(buf, sizeof buf, "%o", (unsigned)(st.mode & 07777));
  lua_pushstring(L, buf); lua_setfield(L, -2, "before");
  snprintf(buf, sizeof buf, "%o", mode);
  lua_pushstring(L, buf); lua_setfield(L, -2, "after");
  if ((st.mode & 07777) == mode) r = 1;
  else if (!dry(L)) r = plat_set_mode(dirfd, name, fd, mode);
  plat_close(fd);
  plat_close(dirfd);
  if (r == 1) return action_end(L, "skipped", D("already as desired"));
  if (dry(L)) return action_end(L, "planned", NULL);
  if (r < 0) return action_fail(L, r, path);
  return action_end(L, "done", NULL);
}

/* fix.rename(src, dst): move within the target volume; refuses to
 * replace an existing dst. */
static int f_rename(lua_State *L) {
  const char *src = mp_checkpath(L, 1), *dst = mp_checkpath(L, 2);
  const char *sname, *dname;
  char srel[MP_PATH_MAX], drel[MP_PATH_MAX], disp[MP_PATH_MAX];
  plat_stat st;
  plat_fd sfd, dfd;
  int r;
  mp_fix_allowed(L);
  sfd = open_parent(L, src, srel, sizeof srel, &sname);
  action_begin(L, "move", sfd >= 0 ? srel : NULL);
  if (sfd < 0) return action_fail(L, (int)sfd, src);
  dfd = open_parent(L, dst, drel, sizeof drel, &dname);
  if (dfd < 0) { plat_close(sfd); return action_fail(L, (int)dfd, dst); }
  mp_target_display(drel, disp, sizeof disp);
  lua_pushstring(L, disp);
  lua_setfield(L, -2, "after");
  if (plat_statat(dfd, dname, &st) == 0) {
    plat_close(sfd); plat_close(dfd);
    return action_end(L, "skipped", D("destination exists: left alone"));
  }
  if ((r = plat_statat(sfd, sname, &st)) != 0) {
    plat_close(sfd); plat_close(dfd);
    return action_fail(L, r, src);
  }
  push_statinfo(L, &st);
  lua_setfield(L, -2, "before");
  if (dry(L)) { plat_close(sfd); plat_close(dfd); return action_end(L, "planned", NULL); }
  if ((r = plat_rename_at(sfd, sname, dfd, dname, 0)) != 0) {
    plat_close(sfd); plat_close(dfd);
    return action_fail(L, r, src);
  }
  plat_sync(dfd);
  plat_close(sfd); plat_close(dfd);
  return action_end(L, "done", NULL);
}

/* ---------- copying a folder (the documented cache move) ---------- */

typedef struct copy_stats {
  lua_Integer files, dirs, skipped;
  lua_Number bytes;
  char skipped_sample[512];
  mp_runtime *rt;          /* its deadline is checked as bytes are copied */
  uint64_t need;           /* the source's file bytes (the sizing pass) */
  char why[MP_PATH_MAX + 128];  /* a refusal, said in the action */
} copy_stats;

/* A file that allocates less than its size has holes: the guide wants
 * the cache not sparse, and a dense copy of it could fill the volume. */
static int is_sparse(const plat_stat *st) {
  return st->size > 0 && st->allocated < st->size;
}

/* Sizing pass before anything is written: the bytes to copy (in
 * cs->need), a sparse file refused, the deadline honoured.  dir is taken
 * over (closed here). */
static int tree_size(plat_fd dir, copy_stats *cs, int depth) {
  plat_dir *d;
  plat_dirent e;
  plat_stat st;
  int r;
  if (depth > 256) { plat_close(dir); return -PLAT_ELOOP; }
  if ((r = plat_dir_open(dir, 1 << 16, &d)) < 0) return r;
  while ((r = plat_dir_next(d, &e)) == 1) {
    if (mp_over_deadline(cs->rt)) { r = -PLAT_ETIMEDOUT; break; }
    if ((r = plat_statat(plat_dir_fd(d), e.name, &st)) < 0) break;
    if (st.type == PLAT_T_FILE) {
      if (is_sparse(&st)) {
        snprintf(cs->why, sizeof cs->why, D("%s is a sparse file (the cache must not be sparse): not copied"),
                 e.name);
        r = -PLAT_EINVAL;
        break;
      }
      cs->need += st.size;
    } else if (st.type == PLAT_T_DIR) {
      plat_fd sub = plat_open_in(plat_dir_fd(d), e.name, PLAT_OPEN_DIR);
      if (sub < 0) { r = (int)sub; break; }
      if ((r = tree_size(sub, cs, depth + 1)) < 0) break;
    }
  }
  plat_dir_close(d);
  return r < 0 ? r : 0;
}

#define DIR_BUF (1 << 15)   /* bytes of directory entries read at a time */

/* Remove a tree we created (the partial copy of a killed run). */
static int rm_tree(plat_fd parent, const char *name, int depth) {
  plat_dirent e;
  plat_dir *d;
  plat_fd fd;
  int r = 0, n;
  if (depth > 256) return -PLAT_ELOOP;
  fd = plat_open_dir_at(parent, name);
  if (fd < 0) return fd == -PLAT_ENOTDIR ? plat_remove_at(parent, name, 0) : (int)fd;
  if ((r = plat_dir_open(fd, DIR_BUF, &d)) < 0) return r;
  while (r == 0 && (n = plat_dir_next(d, &e)) > 0) {
    plat_stat st;
    if (plat_statat(plat_dir_fd(d), e.name, &st) != 0) continue;
    if (st.type == PLAT_T_DIR) r = rm_tree(plat_dir_fd(d), e.name, depth + 1);
    else r = plat_remove_at(plat_dir_fd(d), e.name, 0);
  }
  plat_dir_close(d);
  if (r == 0) r = plat_remove_at(parent, name, 1);
  return r;
}

static int copy_file(plat_fd sdir, const char *name, plat_fd ddir, const plat_stat *st,
                     copy_stats *cs) {
  char buf[1 << 16];
  uint64_t off = 0;
  long n;
  plat_fd in, out;
  int e = 0;
  in = plat_open_at(sdir, name, PLAT_OPEN_READ | PLAT_OPEN_NOFOLLOW);
  if (in < 0) return (int)in;
  out = plat_create_at(ddir, name, st->mode & 07777);
  if (out < 0) { plat_close(in); return (int)out; }
  while ((n = plat_read(in, buf, sizeof buf)) != 0) {
    if (n < 0) { e = (int)n; break; }
    if ((e = plat_pwrite(out, buf, (size_t)n, off)) < 0) break;
    off += (uint64_t)n;
    cs->bytes += (lua_Number)n;
    if (mp_over_deadline(cs->rt)) { e = -PLAT_ETIMEDOUT; break; }
  }
  if (e == 0) e = plat_sync(out);
  if ((n = plat_close(out)) != 0 && e == 0) e = (int)n;
  plat_close(in);
  if (e == 0) cs->files++;
  return e;
}

/* Copy what the folder sdir holds into ddir; sdir is closed here. */
static int copy_tree(plat_fd sdir, plat_fd ddir, copy_stats *cs, int depth) {
  plat_dirent e;
  plat_dir *d;
  int r = 0, n;
  if (depth > 256) { plat_close(sdir); return -PLAT_ELOOP; }
  if ((r = plat_dir_open(sdir, DIR_BUF, &d)) < 0) return r;
  sdir = plat_dir_fd(d);
  while (r == 0 && (n = plat_dir_next(d, &e)) != 0) {
    plat_stat st;
    if (n < 0) { r = n; break; }
    if ((r = plat_statat(sdir, e.name, &st)) != 0) break;
    if (st.type == PLAT_T_FILE) {
      r = copy_file(sdir, e.name, ddir, &st, cs);
    } else if (st.type == PLAT_T_DIR) {
      plat_fd s2, d2;
      if ((r = plat_mkdir_at(ddir, e.name, st.mode & 07777)) != 0) break;
      s2 = plat_open_dir_at(sdir, e.name);
      d2 = plat_open_dir_at(ddir, e.name);
      if (s2 < 0 || d2 < 0) {
        r = s2 < 0 ? (int)s2 : (int)d2;
        if (s2 >= 0) plat_close(s2);
      } else {
        cs->dirs++;
        r = copy_tree(s2, d2, cs, depth + 1);
      }
      if (r == 0 && d2 >= 0) plat_sync(d2);
      if (d2 >= 0) plat_close(d2);
    } else {                               /* links, FIFOs...: never followed */
      size_t used = strlen(cs->skipped_sample);
      cs->skipped++;
      if (used + e.namelen + 3 < sizeof cs->skipped_sample)
        snprintf(cs->skipped_sample + used, sizeof cs->skipped_sample - used, "%s%s",
                 used ? ", " : "", e.name);
    }
  }
  plat_dir_close(d);
  return r;
}

/* fix.copy_tree(src, dst): copy a folder (files and folders; links and
 * special files are not followed and are reported) to dst, which must not
 * exist.  The copy is built in "<dst>.marsplay-partial" and renamed into
 * place only when complete, so a killed run never leaves a half copy at
 * dst; a rerun discards the partial copy and starts again.  The source is
 * never changed. */
static int f_copy_tree(lua_State *L) {
  const char *src = mp_checkpath(L, 1), *dst = mp_checkpath(L, 2);
  mp_runtime *rt = mp_rt(L);
  const char *dname;
  char srel[MP_PATH_MAX], drel[MP_PATH_MAX], disp[MP_PATH_MAX], partial[300];
  copy_stats cs;
  plat_stat st;
  plat_fd sfd, pdir, tfd;
  int r;
  mp_fix_allowed(L);
  memset(&cs, 0, sizeof cs);
  r = mp_target_rel(rt, src, srel, sizeof srel);
  action_begin(L, "copy", r == 0 ? srel : NULL);
  if (r < 0) return action_fail(L, r, src);
  sfd = plat_open_in(rt->rootfd, srel, PLAT_OPEN_DIR);
  if (sfd < 0) return action_fail(L, (int)sfd, src);
  pdir = open_parent(L, dst, drel, sizeof drel, &dname);
  if (pdir < 0) { plat_close(sfd); return action_fail(L, (int)pdir, dst); }
  mp_target_display(drel, disp, sizeof disp);
  lua_pushstring(L, disp);
  lua_setfield(L, -2, "after");
  if (plat_statat(pdir, dname, &st) == 0) {
    plat_close(sfd); plat_close(pdir);
    return action_end(L, "skipped", D("destination exists: left alone"));
  }
  cs.rt = rt;
  {
    plat_fd sz = plat_open_in(rt->rootfd, srel, PLAT_OPEN_DIR);
    r = sz < 0 ? (int)sz : tree_size(sz, &cs, 0);
  }
  if (r == 0) {                 /* room for it all, before writing a byte */
    plat_volume vol;
    if ((r = plat_volume_of(pdir, &vol)) == 0 && vol.avail < cs.need + ((uint64_t)64 << 20)) {
      snprintf(cs.why, sizeof cs.why, D("not enough free space at the destination: %lld MiB needed, %lld MiB free"),
               (long long)((cs.need >> 20) + 64), (long long)(vol.avail >> 20));
      r = -PLAT_ENOSPC;
    }
  }
  if (r < 0 || dry(L)) {
    plat_close(sfd); plat_close(pdir);
    if (r == 0) return action_end(L, "planned", D("copy, verify, then switch"));
    if (cs.why[0]) { action_end(L, "failed", cs.why); return luaL_error(L, "%s", cs.why); }
    return action_fail(L, r, src);
  }
  snprintf(partial, sizeof partial, "%s.marsplay-partial", dname);
  if (plat_statat(pdir, partial, &st) == 0 && (r = rm_tree(pdir, partial, 0)) < 0) {
    plat_close(sfd); plat_close(pdir);
    return action_fail(L, r, "removing the partial copy of an earlier run");
  }
  if ((r = plat_fstat(sfd, &st)) != 0 || (r = plat_mkdir_at(pdir, partial, st.mode & 07777)) != 0 ||
      (tfd = plat_open_dir_at(pdir, partial)) < 0) {
    if (r == 0) r = (int)tfd;   /* the open failed: its error kind */
    plat_close(sfd); plat_close(pdir);
    return action_fail(L, r, dst);
  }
  r = copy_tree(sfd, tfd, &cs, 0);          /* closes sfd */
  if (r == 0) r = plat_sync(tfd);
  plat_close(tfd);
  if (r == 0) r = plat_rename_at(pdir, partial, pdir, dname, 0);
  if (r == 0) plat_sync(pdir);
  else rm_tree(pdir, partial, 0);          /* a failed copy leaves nothing behind */
  plat_close(pdir);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, cs.files); lua_setfield(L, -2, "files");
  lua_pushinteger(L, cs.dirs); lua_setfield(L, -2, "dirs");
  lua_pushnumber(L, cs.bytes); lua_setfield(L, -2, "bytes");
  lua_pushinteger(L, cs.skipped); lua_setfield(L, -2, "not_copied");
  lua_setfield(L, -2, "copied");
  if (r < 0) return action_fail(L, r, dst);
  if (cs.skipped) {
    char detail[640];
    snprintf(detail, sizeof detail, D("links and special files not copied: %s"), cs.skipped_sample);
    return action_end(L, "done", detail);
  }
  return action_end(L, "done", NULL);
}

/* fix.set_value(keypath, name, type, value): a registry value. */
static int f_set_value(lua_State *L) {
  const char *key = mp_checkpath(L, 1);
  const char *name = mp_checkpath(L, 2);
  const char *type = luaL_checkstring(L, 3);
  mp_runtime *rt = mp_rt(L);
  char target[1024], err[512];
  int r;
  mp_fix_allowed(L);
  luaL_checkany(L, 4);
  snprintf(target, sizeof target, "%s\\%s", key, name);
  action_begin(L, "set-value", NULL);
  lua_pushstring(L, target);
  lua_setfield(L, -2, "target");
  r = reg_get_lua(L, rt, key, name);        /* pushes old value or nil */
  (void)r;
  lua_setfield(L, -2, "before");
  lua_pushvalue(L, 4);
  lua_setfield(L, -2, "after");
  lua_getfield(L, -1, "before");
  if (lua_rawequal(L, -1, 4)) { lua_pop(L, 1); return action_end(L, "skipped", D("already as desired")); }
  lua_pop(L, 1);
  if (dry(L)) return action_end(L, "planned", NULL);
  if (reg_set_lua(L, rt, key, name, type, 4, err, sizeof err) != 0) {
    action_end(L, "failed", err);
    return luaL_error(L, "%s: %s", target, err);
  }
  return action_end(L, "done", NULL);
}

#define SERVICE_WAIT 60.0          /* seconds for the SCM to get there */

/* The SCM's answer for a service action: -ENOSYS (no SCM: not Windows)
 * ends the action "skipped"; other failures end it "failed" and raise. */
static int service_fail(lua_State *L, const char *name, int r) {
  char buf[512];
  if (r == -ENOENT) snprintf(buf, sizeof buf, D("the service %s is not installed"), name);
  else snprintf(buf, sizeof buf, "%s: %s", name, plat_err_text(r));
  action_end(L, "failed", buf);
  return luaL_error(L, "%s", buf);
}

/* Done, with what the SCM reports afterwards as the detail. */
static int service_done(lua_State *L, const live_service *sv) {
  char buf[128];
  if (sv->pid)
    snprintf(buf, sizeof buf, D("read back: %s, start type %lld, pid %lld"),
             live_svc_state_name(sv->state), (long long)sv->start, (long long)sv->pid);
  else
    snprintf(buf, sizeof buf, D("read back: %s, start type %lld"), live_svc_state_name(sv->state),
             (long long)sv->start);
  return action_end(L, "done", buf);
}

/* fix.service(name, "start"|"stop"|"restart"): live Windows only.  The
 * state the SCM reports afterwards is read back into the detail. */
static int f_service(lua_State *L) {
  const char *name = mp_checkpath(L, 1);
  static const char *const ops[] = {"start", "stop", "restart", NULL};
  int op = luaL_checkoption(L, 2, NULL, ops), r;
  live_service sv;
  mp_fix_allowed(L);
  action_begin(L, "service", NULL);
  lua_pushfstring(L, "service %s", name);
  lua_setfield(L, -2, "target");
  lua_pushstring(L, ops[op]);
  lua_setfield(L, -2, "after");
  if (mp_rt(L)->offline)
    return action_end(L, "skipped", D("offline volume: no service runs there"));
  r = live_svc_query(name, &sv);
  if (r == -ENOSYS) {
    if (dry(L)) return action_end(L, "planned", NULL);
    return action_end(L, "skipped", D("service control is not available on this platform"));
  }
  if (r < 0) return service_fail(L, name, r);
  lua_pushstring(L, live_svc_state_name(sv.state));
  lua_setfield(L, -2, "before");
  if ((op == 0 && sv.state == LIVE_SVC_RUNNING) || (op == 1 && sv.state == LIVE_SVC_STOPPED))
    return action_end(L, "skipped", D("already as desired"));
  if (dry(L)) return action_end(L, "planned", NULL);
  if (op != 0 && (r = live_svc_control(name, LIVE_SVC_STOP, SERVICE_WAIT, &sv)) < 0)
    return service_fail(L, name, r);
  if (op != 1 && (r = live_svc_control(name, LIVE_SVC_START, SERVICE_WAIT, &sv)) < 0)
    return service_fail(L, name, r);
  return service_done(L, &sv);
}

/* fix.service_start(name, start): the start type (2 automatic, 3 manual,
 * 4 disabled) through the SCM, read back; live Windows only (offline,
 * the Start value is a registry value: fix.set_value). */
static int f_service_start(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lua_Integer start = luaL_checkinteger(L, 2);
  live_service sv;
  int r;
  mp_fix_allowed(L);
  luaL_argcheck(L, start >= 2 && start <= 4, 2, "2 (automatic), 3 (manual) or 4 (disabled)");
  action_begin(L, "service", NULL);
  lua_pushfstring(L, "service %s start type", name);
  lua_setfield(L, -2, "target");
  lua_pushinteger(L, start);
  lua_setfield(L, -2, "after");
  if (mp_rt(L)->offline)
    return action_end(L, "skipped", D("offline volume: no service runs there"));
  r = live_svc_query(name, &sv);
  if (r == -ENOSYS) return action_end(L, "skipped", D("service control is not available on this platform"));
  if (r < 0) return service_fail(L, name, r);
  lua_pushinteger(L, sv.start);
  lua_setfield(L, -2, "before");
  if (sv.start == start) return action_end(L, "skipped", D("already as desired"));
  if (dry(L)) return action_end(L, "planned", NULL);
  if ((r = live_svc_set_start(name, (int)start, &sv)) < 0) return service_fail(L, name, r);
  return service_done(L, &sv);
}

/* fix.task_register(path, xml, {user=, logon=, verify=}): register xml
 * as the Task Scheduler task path (live Windows only, through COM:
 * RegisterTask with TASK_CREATE_OR_UPDATE), never by editing the task
 * file.  The action's before is the definition Task Scheduler held (so
 * the operator can register it again to undo), after the new one.  The
 * definition is read back through COM and given to verify(xml, enabled),
 * which returns true or false and why; false fails the action.  logon:
 * "service" (user is a service account: SYSTEM), "group" (user is a
 * group) or "none" (no user). */
static int f_task_register(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  size_t len;
  const char *xml = luaL_checklstring(L, 2, &len);
  static const char *const logons[] = {"none", "group", "service", NULL};
  static const live_task_logon LOGON[] = {LIVE_TASK_LOGON_NONE, LIVE_TASK_LOGON_GROUP,
                                          LIVE_TASK_LOGON_SERVICE_ACCOUNT};
  const char *user = NULL;
  int logon, r, ok;
  live_task now, back;
  char buf[512], who[256];
  mp_fix_allowed(L);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_getfield(L, 3, "user");
  if (lua_isstring(L, -1)) {
    luaL_argcheck(L, lua_rawlen(L, -1) < sizeof who, 3, "user name too long");
    snprintf(who, sizeof who, "%s", lua_tostring(L, -1));
    user = who;
  }
  lua_getfield(L, 3, "logon");
  logon = luaL_checkoption(L, -1, "none", logons);
  lua_getfield(L, 3, "verify");
  luaL_argcheck(L, lua_isfunction(L, -1), 3, "verify must be a function");
  lua_pop(L, 3);
  luaL_argcheck(L, strlen(xml) == len, 2, "the definition holds a NUL byte");
  action_begin(L, "task", NULL);
  lua_pushfstring(L, "task %s", path);
  lua_setfield(L, -2, "target");
  lua_pushvalue(L, 2);
  lua_setfield(L, -2, "after");
  if (mp_rt(L)->offline)
    return action_end(L, "skipped", D("offline volume: Task Scheduler runs only on the live server"));
  r = live_task_get(path, &now);
  if (r == -ENOSYS) {
    if (dry(L)) return action_end(L, "planned", NULL);
    return action_end(L, "skipped", D("Task Scheduler is not available on this platform"));
  }
  if (r < 0) {
    snprintf(buf, sizeof buf, "%s: %s", path, plat_err_text(r));
    action_end(L, "failed", buf);
    return luaL_error(L, "%s", buf);
  }
  lua_pushstring(L, now.xml);
  lua_setfield(L, -2, "before");
  ok = strcmp(now.xml, xml) == 0;
  live_task_free(&now);
  if (ok) return action_end(L, "skipped", D("already as desired"));
  if (dry(L)) return action_end(L, "planned", NULL);
  if ((r = live_task_register(path, xml, user, LOGON[logon], &back)) < 0) {
    snprintf(buf, sizeof buf, D("RegisterTask %s: %s (the definition before is in this action)"), path,
             plat_err_text(r));
    action_end(L, "failed", buf);
    return luaL_error(L, "%s", buf);
  }
  /* verify what Task Scheduler reads back */
  lua_getfield(L, 3, "verify");
  lua_pushstring(L, back.xml);
  lua_pushboolean(L, back.enabled);
  snprintf(buf, sizeof buf, D("read back: %s, state %s"), back.enabled ? "enabled" : "disabled",
           live_task_state_name(back.state));
  live_task_free(&back);
  if (lua_pcall(L, 2, 2, 0) != LUA_OK) {
    lua_pushnil(L);              /* the error message stands in for why */
    lua_insert(L, -2);
  }
  if (!lua_toboolean(L, -2)) {
    char why[512];
    snprintf(why, sizeof why, D("Task Scheduler reads back another definition: %s (the definition before is in this action)"),
             lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
    lua_pop(L, 2);
    action_end(L, "failed", why);
    return luaL_error(L, "%s", why);
  }
  lua_pop(L, 2);
  return action_end(L, "done", buf);
}

int mp_open_fix(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"delete", f_delete}, {"delete_matching", f_delete_matching},
    {"write", f_write}, {"mkdir", f_mkdir}, {"chmod", f_chmod},
    {"rename", f_rename}, {"copy_tree", f_copy_tree}, {"set_value", f_set_value}, {"service", f_service},
    {"service_start", f_service_start}, {"task_register", f_task_register},
    {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
