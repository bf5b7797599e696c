/* hive.c - the target's registry: hive files read and written with
 * libhivex (see hive.h for paths, types and the write protocol).
 *
 * Hive files are opened through the target (plat_open_in, so no link
 * leads outside the root) and handed to hivex by its alias path
 * (plat_fd_alias: /proc/self/fd/N on Linux), never
 * as a host path that could be swapped underneath.  Read handles are
 * cached per runtime in rt->hive_cache until a write or mp_free (which
 * calls hive_cache_free: registered with mp_at_free).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "formats/hive.h"

#define REG_MAX_DATA ((size_t)1 << 20) /* hivex refuses larger cells */

/* ---------- hive files ---------- */

/* One hive file per REG_HIVE_* (regdata.h), in that order. */
static const struct hive_file {
  const char *label;
  const char *paths[3];
  int has_ccs;                 /* CurrentControlSet lives here */
} FILES[] = {
  {"HKLM\\SOFTWARE", {"Windows/System32/config/SOFTWARE", NULL, NULL}, 0},
  {"HKLM\\SYSTEM", {"Windows/System32/config/SYSTEM", NULL, NULL}, 1},
  /* HKU\S-1-5-18 (LocalSystem) is HKU\.DEFAULT, the file config\DEFAULT
   * (Microsoft's registry-hives page).  config\systemprofile\NTUSER.DAT
   * is another file: never read or written in its place. */
  {"HKU\\S-1-5-18", {"Windows/System32/config/DEFAULT", NULL, NULL}, 0},
};
#define NFILES (sizeof FILES / sizeof FILES[0])

typedef struct hive_cache { hive_h *h[NFILES]; } hive_cache;

/* Key paths are parsed by regdata.c (shared with the live registry). */
typedef reg_path keypath;
#define parse_keypath reg_path_parse
#define keypath_free reg_path_free

/* ---------- opening hive files ---------- */

/* First candidate file of f that exists: its root-relative path in rel. */
static int resolve_file(mp_runtime *rt, int f, char *rel, size_t relsz,
                        char *err, size_t errsz) {
  int i, r = -ENOENT;
  plat_fd fd;
  for (i = 0; FILES[f].paths[i]; i++) {
    r = mp_target_rel(rt, FILES[f].paths[i], rel, relsz);
    if (r < 0) break;
    fd = plat_open_in(rt->rootfd, rel, PLAT_OPEN_LOOK);
    if (fd >= 0) { plat_close(fd); return 0; }
    r = (int)fd;
    if (r != -ENOENT && r != -ENOTDIR) break;
  }
  {
    char disp[MP_PATH_MAX];
    mp_target_display(FILES[f].paths[0], disp, sizeof disp);
    if (r == -ENOENT || r == -ENOTDIR)
      snprintf(err, errsz, "%s: hive file %s not found", FILES[f].label, disp);
    else
      snprintf(err, errsz, "%s: hive file %s: %s", FILES[f].label, disp, plat_err_text(r));
  }
  return r == -ENOTDIR ? -ENOENT : r;
}

static int no_registry(char *err, size_t errsz) {
  snprintf(err, errsz, "no registry on this system (a live %s system has no "
           "Windows registry; use --root for an offline Windows volume)", plat_name());
  return -ENOSYS;
}

/* The cached read handle of hive file f. */
static int open_hive(mp_runtime *rt, int f, hive_h **out, char *err, size_t errsz) {
  hive_cache *c = rt->hive_cache;
  char rel[MP_PATH_MAX], pp[64], disp[MP_PATH_MAX];
  plat_stat st;
  hive_h *h;
  plat_fd fd;
  int r;
  if (!rt->offline) return no_registry(err, errsz);
  if (c == NULL) {
    c = calloc(1, sizeof *c);
    if (c == NULL || mp_at_free(rt, hive_cache_free) != 0) {
      free(c);
      snprintf(err, errsz, "out of memory");
      return -ENOMEM;
    }
    rt->hive_cache = c;
  }
  if (c->h[f]) { *out = c->h[f]; return 0; }
  if ((r = resolve_file(rt, f, rel, sizeof rel, err, errsz)) < 0) return r;
  mp_target_display(rel, disp, sizeof disp);
  fd = plat_open_in(rt->rootfd, rel, PLAT_OPEN_READ); /* a FIFO must not block */
  if (fd < 0) {
    snprintf(err, errsz, "%s: %s: %s", FILES[f].label, disp, strerror(-(int)fd));
    return (int)fd;
  }
  if (plat_fstat(fd, &st) != 0 || st.type != PLAT_T_FILE) {
    plat_close(fd);
    snprintf(err, errsz, "%s: %s is not a regular file", FILES[f].label, disp);
    return -EINVAL;
  }
  {
    /* hivex accepts a file cut short at an hbin boundary; refuse one
     * shorter than its header's hive-bins size (offset 0x28) says. */
    unsigned char hdr[0x2c];
    uint64_t need;
    if (plat_pread(fd, hdr, sizeof hdr, 0) != (long)sizeof hdr || memcmp(hdr, "regf", 4) != 0) {
      plat_close(fd);
      snprintf(err, errsz, "%s: %s is not a valid registry hive (no regf header)", FILES[f].label, disp);
      return -EIO;
    }
    need = 4096 + ((uint64_t)hdr[0x28] | (uint64_t)hdr[0x29] << 8 |
                   (uint64_t)hdr[0x2a] << 16 | (uint64_t)hdr[0x2b] << 24);
    if (st.size < need) {
      plat_close(fd);
      snprintf(err, errsz, "%s: %s is not a valid registry hive (truncated: %llu of %llu bytes)", FILES[f].label, disp,
               (unsigned long long)st.size, (unsigned long long)need);
      return -EIO;
    }
  }
  if (plat_fd_alias(fd, pp, sizeof pp) < 0) pp[0] = '\0';  /* hivex then fails: ENOENT */
  errno = 0;
  h = hivex_open(pp, 0);
  r = errno;
  plat_close(fd);
  if (h == NULL && r == ENOSYS) {  /* built without libhivex (nohivex/) */
    snprintf(err, errsz, "%s: %s: offline hive files are not available in this build",
             FILES[f].label, disp);
    return -ENOSYS;
  }
  if (h == NULL) {
    snprintf(err, errsz, "%s: %s is not a valid registry hive (%s)", FILES[f].label,
             disp, r ? strerror(r) : "unknown error");
    return -EIO;
  }
  c->h[f] = h;
  *out = h;
  return 0;
}

static void drop_cached(mp_runtime *rt, int f) {
  hive_cache *c = rt->hive_cache;
  if (c && c->h[f]) { hivex_close(c->h[f]); c->h[f] = NULL; }
}

void hive_cache_free(mp_runtime *rt) {
  size_t i;
  if (rt == NULL || rt->hive_cache == NULL) return;
  for (i = 0; i < NFILES; i++) drop_cached(rt, (int)i);
  free(rt->hive_cache);
  rt->hive_cache = NULL;
}

int hive_available(mp_runtime *rt, char *why, size_t whysz) {
  hive_h *h;
  if (!rt->offline) {
    snprintf(why, whysz, "no Windows registry on a live %s system", plat_name());
    return 0;
  }
  return open_hive(rt, 0, &h, why, whysz) == 0;
}

int hive_file_ok(mp_runtime *rt, const char *path, char *err, size_t errsz) {
  keypath kp;
  hive_h *h;
  int r;
  if (!rt->offline || parse_keypath(path, &kp, err, errsz) < 0) return 0;
  r = open_hive(rt, kp.hive, &h, err, errsz);
  reg_path_free(&kp);
  return r;
}

/* ---------- walking keys ---------- */

/* Child of node named name (ASCII case-insensitive): 0 and *child set
 * (0 if absent), or -EIO if the hive is damaged. */
static int find_child(hive_h *h, hive_node_h node, const char *name, hive_node_h *child) {
  hive_node_h *kids = hivex_node_children(h, node);
  size_t i;
  *child = 0;
  if (kids == NULL) return -EIO;
  for (i = 0; kids[i]; i++) {
    char *n = hivex_node_name(h, kids[i]);
    int eq;
    if (n == NULL) { free(kids); return -EIO; }
    eq = strcasecmp(n, name) == 0;
    free(n);
    if (eq) { *child = kids[i]; break; }
  }
  free(kids);
  return 0;
}

/* Value of node named name, or 0 if absent; -EIO if damaged. */
static int find_value(hive_h *h, hive_node_h node, const char *name, hive_value_h *val) {
  hive_value_h *vals = hivex_node_values(h, node);
  size_t i;
  *val = 0;
  if (vals == NULL) return -EIO;
  for (i = 0; vals[i]; i++) {
    char *k = hivex_value_key(h, vals[i]);
    int eq;
    if (k == NULL) { free(vals); return -EIO; }
    eq = strcasecmp(k, name) == 0;
    free(k);
    if (eq) { *val = vals[i]; break; }
  }
  free(vals);
  return 0;
}

/* "ControlSet00N" for SYSTEM\Select\Current. */
static int current_control_set(hive_h *h, char *out, size_t outsz, char *err, size_t errsz) {
  hive_node_h sel;
  hive_value_h v;
  hive_type t;
  size_t len;
  char *data;
  uint32_t n;
  if (find_child(h, hivex_root(h), "Select", &sel) < 0 ||
      (sel && find_value(h, sel, "Current", &v) < 0)) {
    snprintf(err, errsz, "HKLM\\SYSTEM: damaged hive (reading Select\\Current)");
    return -EIO;
  }
  if (sel == 0 || v == 0) {
    snprintf(err, errsz, "HKLM\\SYSTEM\\Select\\Current is missing: cannot map CurrentControlSet");
    return -ENOENT;
  }
  data = hivex_value_value(h, v, &t, &len);
  if (data == NULL || (t != hive_t_REG_DWORD) || len != 4) {
    free(data);
    snprintf(err, errsz, "HKLM\\SYSTEM\\Select\\Current is not a REG_DWORD");
    return -EINVAL;
  }
  n = (uint32_t)(unsigned char)data[0] | (uint32_t)(unsigned char)data[1] << 8 |
      (uint32_t)(unsigned char)data[2] << 16 | (uint32_t)(unsigned char)data[3] << 24;
  free(data);
  if (n == 0 || n > 999) {
    snprintf(err, errsz, "HKLM\\SYSTEM\\Select\\Current = %u: no such control set", (unsigned)n);
    return -EINVAL;
  }
  snprintf(out, outsz, "ControlSet%03u", (unsigned)n);
  return 0;
}

/* Walk (and with create, build) the key of kp.  0 with *node, -ENOENT
 * if absent (not creating), other -errno.  err names the missing key. */
static int walk(hive_h *h, const keypath *kp, const char *path, int create,
                hive_node_h *node, char *err, size_t errsz) {
  hive_node_h cur = hivex_root(h), next;
  char ccs[32];
  int i, r;
  if (cur == 0) { snprintf(err, errsz, "%s: damaged hive (no root key)", path); return -EIO; }
  for (i = 0; i < kp->n; i++) {
    const char *name = kp->comp[i];
    if (i == 0 && FILES[kp->hive].has_ccs && strcasecmp(name, "CurrentControlSet") == 0) {
      if ((r = current_control_set(h, ccs, sizeof ccs, err, errsz)) < 0) return r;
      name = ccs;
    }
    if (find_child(h, cur, name, &next) < 0) {
      snprintf(err, errsz, "%s: damaged hive (reading subkeys of %s)", path,
               i ? kp->comp[i - 1] : "the root");
      return -EIO;
    }
    if (next == 0) {
      if (!create) {
        snprintf(err, errsz, "%s: key not found (no subkey '%s')", path, name);
        return -ENOENT;
      }
      errno = 0;
      next = hivex_node_add_child(h, cur, name);
      if (next == 0) {
        r = errno ? errno : EIO;
        snprintf(err, errsz, "%s: cannot create subkey '%s': %s", path, name, strerror(r));
        return -r;
      }
    }
    cur = next;
  }
  *node = cur;
  return 0;
}

static int read_raw(hive_h *h, hive_value_h v, uint32_t *type, char **data, size_t *len) {
  hive_type t;
  char *d = hivex_value_value(h, v, &t, len);
  if (d == NULL) return -EIO;
  *type = (uint32_t)t;
  *data = d;
  return 0;
}

/* Open the hive of keypath and walk to its key (read only).  *absent is
 * set when the hive is there but the key is not. */
static int lookup(mp_runtime *rt, const char *path, keypath *kp, hive_h **h,
                  hive_node_h *node, int *absent, char *err, size_t errsz) {
  int r;
  *absent = 0;
  if (!rt->offline) return no_registry(err, errsz);
  if ((r = parse_keypath(path, kp, err, errsz)) < 0) return r;
  if ((r = open_hive(rt, kp->hive, h, err, errsz)) < 0) {
    keypath_free(kp);
    return r;
  }
  if ((r = walk(*h, kp, path, 0, node, err, errsz)) < 0) {
    *absent = r == -ENOENT;
    keypath_free(kp);
    return r;
  }
  keypath_free(kp);
  return 0;
}

int hive_key_exists(mp_runtime *rt, const char *path, char *err, size_t errsz) {
  keypath kp;
  hive_h *h;
  hive_node_h node;
  int absent, r = lookup(rt, path, &kp, &h, &node, &absent, err, errsz);
  if (r < 0) return absent ? 0 : r;
  return 1;
}

int hive_get_raw(mp_runtime *rt, const char *path, const char *name,
                 uint32_t *type, char **data, size_t *len, char *err, size_t errsz) {
  keypath kp;
  hive_h *h;
  hive_node_h node;
  hive_value_h v;
  int absent, r = lookup(rt, path, &kp, &h, &node, &absent, err, errsz);
  if (r < 0) return r;
  if (name == NULL) name = "";
  if (find_value(h, node, name, &v) < 0) {
    snprintf(err, errsz, "%s: damaged hive (reading values)", path);
    return -EIO;
  }
  if (v == 0) {
    snprintf(err, errsz, "%s: value '%s' not found", path, *name ? name : "(default)");
    return -ENOENT;
  }
  if (read_raw(h, v, type, data, len) < 0) {
    snprintf(err, errsz, "%s: value '%s': damaged hive", path, *name ? name : "(default)");
    return -EIO;
  }
  return 0;
}

/* ---------- listing a key ---------- */

int hive_each_value(mp_runtime *rt, const char *path, hive_value_cb fn, void *ud,
                    int *absent, char *err, size_t errsz) {
  keypath kp;
  hive_h *h;
  hive_node_h node;
  hive_value_h *vals;
  size_t i;
  int n = 0, r = lookup(rt, path, &kp, &h, &node, absent, err, errsz);
  if (r < 0) return r;
  vals = hivex_node_values(h, node);
  if (vals == NULL) {
    snprintf(err, errsz, "%s: damaged hive (reading values)", path);
    return -EIO;
  }
  for (i = 0; vals[i]; i++) {
    hive_type t;
    size_t len = 0;
    char *data, *name = hivex_value_key(h, vals[i]);
    if (name == NULL) continue;           /* unreadable name: skip it */
    data = hivex_value_value(h, vals[i], &t, &len);
    n++;
    r = fn(ud, name, data ? (uint32_t)t : 0, data, len);
    free(data);
    free(name);
    if (r) break;
  }
  free(vals);
  return n;
}

int hive_each_key(mp_runtime *rt, const char *path, hive_key_cb fn, void *ud,
                  int *absent, char *err, size_t errsz) {
  keypath kp;
  hive_h *h;
  hive_node_h node, *kids;
  size_t i;
  int n = 0, r = lookup(rt, path, &kp, &h, &node, absent, err, errsz);
  if (r < 0) return r;
  kids = hivex_node_children(h, node);
  if (kids == NULL) {
    snprintf(err, errsz, "%s: damaged hive (reading subkeys)", path);
    return -EIO;
  }
  for (i = 0; kids[i]; i++) {
    char *name = hivex_node_name(h, kids[i]);
    if (name == NULL) continue;
    n++;
    r = fn(ud, name);
    free(name);
    if (r) break;
  }
  free(kids);
  return n;
}

/* ---------- writes ---------- */

enum { OP_SET, OP_DELETE };

/* Commit h to a new file beside base in dirfd and replace base with it
 * (plat_replace_*: made like the old file, flushed, renamed over it). */
static int commit_replace(hive_h *h, plat_fd dirfd, const char *base, const plat_stat *st,
                          char *err, size_t errsz) {
  static const char *const what[] = {
    "chmod of the new hive", "chown of the new hive", "fsync of the new hive",
    "closing the new hive", "replacing the hive", "fsync of the hive folder"};
  char tmp[256], pp[64];
  int r, step = PLAT_REPLACE_MODE;
  plat_fd tfd = plat_replace_begin(dirfd, base, tmp, sizeof tmp);
  if (tfd < 0) {
    r = (int)tfd;
    if (r == -ENAMETOOLONG) snprintf(err, errsz, "name too long");
    else snprintf(err, errsz, "cannot create a temporary hive file: %s", plat_err_text(r));
    return r;
  }
  if (plat_fd_alias(tfd, pp, sizeof pp) < 0) pp[0] = '\0';  /* hivex then fails: ENOENT */
  errno = 0;
  if (hivex_commit(h, pp, 0) != 0) {
    r = errno ? -errno : -EIO;
    snprintf(err, errsz, "writing the new hive: %s", plat_err_text(r));
    plat_replace_abort(dirfd, tfd, tmp);
    return r;
  }
  if ((r = plat_replace_commit(dirfd, tfd, tmp, base, st, &step)) < 0)
    snprintf(err, errsz, "%s: %s", what[step], plat_err_text(r));
  return r;
}

/* Delete the value name from node (rebuilding the value list). */
static int delete_value(hive_h *h, hive_node_h node, const char *name, int *changed) {
  hive_value_h *vals = hivex_node_values(h, node);
  hive_set_value *keep;
  size_t n = 0, k = 0, i;
  int r = 0;
  *changed = 0;
  if (vals == NULL) return -EIO;
  while (vals[n]) n++;
  keep = calloc(n + 1, sizeof *keep);
  if (keep == NULL) { free(vals); return -ENOMEM; }
  for (i = 0; i < n; i++) {
    hive_type t;
    char *key = hivex_value_key(h, vals[i]);
    if (key == NULL) { r = -EIO; break; }
    if (strcasecmp(key, name) == 0) { free(key); *changed = 1; continue; }
    keep[k].key = key;
    keep[k].value = hivex_value_value(h, vals[i], &t, &keep[k].len);
    keep[k].t = t;
    k++;
    if (keep[k - 1].value == NULL) { r = -EIO; break; }
  }
  if (r == 0 && *changed && hivex_node_set_values(h, node, k, keep, 0) != 0)
    r = errno ? -errno : -EIO;
  for (i = 0; i < k; i++) { free(keep[i].key); free(keep[i].value); }
  free(keep);
  free(vals);
  return r;
}

static int modify(mp_runtime *rt, const char *path, const char *name, int op,
                  uint32_t type, const char *raw, size_t rawlen, char *err, size_t errsz) {
  keypath kp;
  char rel[MP_PATH_MAX], disp[MP_PATH_MAX], pp[64], hdr[12];
  const char *base;
  char *slash;
  plat_fd dirfd = PLAT_FD_NONE, fd = PLAT_FD_NONE;
  int r, changed = 1;
  plat_stat st;
  hive_h *h = NULL;
  hive_node_h node;
  if (!rt->offline) return no_registry(err, errsz);
  if (name == NULL) name = "";
  if (op == OP_SET && (type > HIVE_REG_QWORD || rawlen > REG_MAX_DATA)) {
    snprintf(err, errsz, "%s\\%s: unsupported type or value too large", path, name);
    return -EINVAL;
  }
  if ((r = parse_keypath(path, &kp, err, errsz)) < 0) return r;
  if ((r = resolve_file(rt, kp.hive, rel, sizeof rel, err, errsz)) < 0) goto out;
  mp_target_display(rel, disp, sizeof disp);
  slash = strrchr(rel, '/');
  if (slash) { *slash = '\0'; base = slash + 1; } else { base = rel; }
  dirfd = plat_open_in(rt->rootfd, slash ? rel : "", PLAT_OPEN_DIR);
  if (dirfd < 0) {
    r = (int)dirfd;
    snprintf(err, errsz, "%s: folder of %s: %s", FILES[kp.hive].label, disp, plat_err_text(r));
    goto out;
  }
  fd = plat_open_at(dirfd, base, PLAT_OPEN_READ | PLAT_OPEN_NOFOLLOW);
  if (fd < 0) {
    r = (int)fd;
    if (r == -ELOOP)
      snprintf(err, errsz, "%s: %s is a symbolic link: refusing to replace it",
               FILES[kp.hive].label, disp);
    else
      snprintf(err, errsz, "%s: %s: %s", FILES[kp.hive].label, disp, plat_err_text(r));
    goto out;
  }
  if (plat_fstat(fd, &st) != 0 || st.type != PLAT_T_FILE) {
    r = -EINVAL;
    snprintf(err, errsz, "%s: %s is not a regular file", FILES[kp.hive].label, disp);
    goto out;
  }
  if (plat_pread(fd, hdr, sizeof hdr, 0) != (long)sizeof hdr || memcmp(hdr, "regf", 4) != 0) {
    r = -EIO;
    snprintf(err, errsz, "%s: %s is not a registry hive", FILES[kp.hive].label, disp);
    goto out;
  }
  if (memcmp(hdr + 4, hdr + 8, 4) != 0) {
    r = -EBUSY;
    snprintf(err, errsz, "%s: %s is dirty (header sequence numbers differ): Windows "
             "must replay its transaction logs (.LOG1/.LOG2) first; refusing to write",
             FILES[kp.hive].label, disp);
    goto out;
  }
  if (plat_fd_alias(fd, pp, sizeof pp) < 0) pp[0] = '\0';  /* hivex then fails: ENOENT */
  errno = 0;
  h = hivex_open(pp, HIVEX_OPEN_WRITE);
  if (h == NULL) {
    r = -EIO;
    snprintf(err, errsz, "%s: %s is not a valid registry hive (%s)", FILES[kp.hive].label,
             disp, errno ? strerror(errno) : "unknown error");
    goto out;
  }
  plat_close(fd);
  fd = PLAT_FD_NONE;
  r = walk(h, &kp, path, op == OP_SET, &node, err, errsz);
  if (op == OP_DELETE && r == -ENOENT) { r = 0; goto out; }  /* nothing to delete */
  if (r < 0) goto out;
  if (op == OP_SET) {
    hive_set_value v;
    v.key = (char *)name;
    v.t = (hive_type)type;
    v.len = rawlen;
    v.value = (char *)raw;
    errno = 0;
    if (hivex_node_set_value(h, node, &v, 0) != 0) {
      r = errno ? -errno : -EIO;
      snprintf(err, errsz, "%s\\%s: %s", path, name, plat_err_text(r));
      goto out;
    }
  } else if ((r = delete_value(h, node, name, &changed)) < 0) {
    snprintf(err, errsz, "%s\\%s: %s", path, name, plat_err_text(r));
    goto out;
  }
  if (changed) r = commit_replace(h, dirfd, base, &st, err, errsz);
  drop_cached(rt, kp.hive);
out:
  if (h) hivex_close(h);
  if (fd >= 0) plat_close(fd);
  if (dirfd >= 0) plat_close(dirfd);
  reg_path_free(&kp);
  return r;
}

int hive_set_raw(mp_runtime *rt, const char *path, const char *name, uint32_t type,
                 const char *raw, size_t rawlen, char *err, size_t errsz) {
  return modify(rt, path, name, OP_SET, type, raw, rawlen, err, errsz);
}

int hive_put_value(mp_runtime *rt, const char *path, const char *name, const char *type,
                   const char *data, size_t len, char *err, size_t errsz) {
  uint32_t t;
  char *raw;
  size_t rawlen;
  int r;
  if ((r = hive_type_parse(type, &t, err, errsz)) < 0) return r;
  if ((r = hive_encode(t, data ? data : "", data ? len : 0, &raw, &rawlen, err, errsz)) < 0)
    return r;
  r = modify(rt, path, name, OP_SET, t, raw, rawlen, err, errsz);
  free(raw);
  return r;
}

int hive_delete_value(mp_runtime *rt, const char *path, const char *name,
                      char *err, size_t errsz) {
  return modify(rt, path, name, OP_DELETE, 0, NULL, 0, err, errsz);
}

/* ---------- creating hives ---------- */

static void put16(unsigned char *p, uint32_t v) { p[0] = v & 0xFF; p[1] = (v >> 8) & 0xFF; }
static void put32(unsigned char *p, uint32_t v) {
  p[0] = v & 0xFF; p[1] = (v >> 8) & 0xFF; p[2] = (v >> 16) & 0xFF; p[3] = (v >> 24) & 0xFF;
}
static void put64(unsigned char *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint32_t get32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A SID S-1-5-<sub...> at p; returns its length. */
static size_t put_sid(unsigned char *p, const uint32_t *sub, int nsub) {
  int i;
  p[0] = 1;                        /* revision */
  p[1] = (unsigned char)nsub;
  memset(p + 2, 0, 6);
  p[7] = 5;                        /* NT AUTHORITY, big-endian 48-bit */
  for (i = 0; i < nsub; i++) put32(p + 8 + 4 * i, sub[i]);
  return 8 + 4 * (size_t)nsub;
}

/* Self-relative security descriptor: owner Administrators, group SYSTEM,
 * DACL: SYSTEM and Administrators full control, Users read, inherited by
 * subkeys.  Returns its length. */
static size_t put_sd(unsigned char *p) {
  static const uint32_t system[] = {18}, admins[] = {32, 544}, users[] = {32, 545};
  static const struct { const uint32_t *sid; int n; uint32_t mask; } aces[] = {
    {system, 1, 0xF003F}, {admins, 2, 0xF003F}, {users, 2, 0x20019}};
  size_t off = 20, acl = 20, i;
  p[0] = 1;                        /* revision */
  p[1] = 0;
  put16(p + 2, 0x8004);            /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
  off = acl + 8;                   /* ACL header */
  for (i = 0; i < 3; i++) {
    size_t len = put_sid(p + off + 8, aces[i].sid, aces[i].n);
    p[off] = 0;                    /* ACCESS_ALLOWED_ACE_TYPE */
    p[off + 1] = 0x02;             /* CONTAINER_INHERIT_ACE */
    put16(p + off + 2, (uint32_t)(8 + len));
    put32(p + off + 4, aces[i].mask);
    off += 8 + len;
  }
  p[acl] = 2;                      /* ACL_REVISION */
  p[acl + 1] = 0;
  put16(p + acl + 2, (uint32_t)(off - acl));
  put16(p + acl + 4, 3);
  put16(p + acl + 6, 0);
  put32(p + 16, (uint32_t)acl);    /* Dacl */
  put32(p + 12, 0);                /* Sacl */
  put32(p + 4, (uint32_t)off);     /* Owner */
  off += put_sid(p + off, admins, 2);
  put32(p + 8, (uint32_t)off);     /* Group */
  off += put_sid(p + off, system, 1);
  return off;
}

static uint32_t base_checksum(const unsigned char *b) {
  uint32_t x = 0;
  size_t i;
  for (i = 0; i < 0x1FC; i += 4) x ^= get32(b + i);
  return x;
}

int hive_write_empty(plat_fd fd, const char *name) {
  enum { BLOCK = 4096, NK_FIXED = 0x50 };
  static const char root_name[] = "ROOT";
  unsigned char *f;
  unsigned char *bin, *nk, *sk;
  size_t nk_size, sk_size, sd_len, off, i, nlen;
  uint64_t ft = ((uint64_t)time(NULL) + 11644473600ULL) * 10000000ULL;
  int r;
  f = calloc(2, BLOCK);
  if (f == NULL) return -ENOMEM;
  /* base block */
  memcpy(f, "regf", 4);
  put32(f + 0x04, 1);              /* primary sequence number */
  put32(f + 0x08, 1);              /* secondary: equal = clean */
  put64(f + 0x0C, ft);             /* last written */
  put32(f + 0x14, 1);              /* major version */
  put32(f + 0x18, 5);              /* minor version: 1.5 (lh lists) */
  put32(f + 0x1C, 0);              /* primary file */
  put32(f + 0x20, 1);              /* direct memory load format */
  put32(f + 0x24, 0x20);           /* root cell offset (from first hbin) */
  put32(f + 0x28, BLOCK);          /* hive bins data size */
  put32(f + 0x2C, 1);              /* clustering factor */
  nlen = name ? strlen(name) : 0;
  if (nlen > 31) { name += nlen - 31; nlen = 31; }
  for (i = 0; i < nlen; i++) put16(f + 0x30 + 2 * i, (unsigned char)name[i]);
  /* hbin */
  bin = f + BLOCK;
  memcpy(bin, "hbin", 4);
  put32(bin + 4, 0);               /* offset of this bin */
  put32(bin + 8, BLOCK);           /* size of this bin */
  put64(bin + 0x14, ft);
  off = 0x20;
  /* root key */
  nk = bin + off;
  nk_size = (NK_FIXED + sizeof root_name - 1 + 7) & ~(size_t)7;
  put32(nk, (uint32_t)-(int32_t)nk_size);
  memcpy(nk + 4, "nk", 2);
  put16(nk + 6, 0x2C);             /* HIVE_ENTRY | NO_DELETE | COMP_NAME */
  put64(nk + 8, ft);
  put32(nk + 0x14, 0);             /* parent: none */
  put32(nk + 0x18, 0);             /* subkeys */
  put32(nk + 0x1C, 0);             /* volatile subkeys */
  put32(nk + 0x20, 0xFFFFFFFF);    /* subkey list */
  put32(nk + 0x24, 0xFFFFFFFF);    /* volatile subkey list */
  put32(nk + 0x28, 0);             /* values */
  put32(nk + 0x2C, 0xFFFFFFFF);    /* value list */
  put32(nk + 0x30, (uint32_t)(off + nk_size));   /* security cell */
  put32(nk + 0x34, 0xFFFFFFFF);    /* class name */
  put16(nk + 0x4C, sizeof root_name - 1);
  put16(nk + 0x4E, 0);
  memcpy(nk + NK_FIXED, root_name, sizeof root_name - 1);
  off += nk_size;
  /* security cell: a one-element circular list */
  sk = bin + off;
  sd_len = put_sd(sk + 24);
  sk_size = (24 + sd_len + 7) & ~(size_t)7;
  put32(sk, (uint32_t)-(int32_t)sk_size);
  memcpy(sk + 4, "sk", 2);
  put32(sk + 8, (uint32_t)off);    /* flink */
  put32(sk + 12, (uint32_t)off);   /* blink */
  put32(sk + 16, 1);               /* reference count: the root */
  put32(sk + 20, (uint32_t)sd_len);
  off += sk_size;
  /* the rest of the bin is one free cell */
  put32(bin + off, (uint32_t)(BLOCK - off));
  /* checksum; avoid the two values Windows reserves */
  for (;;) {
    uint32_t x = base_checksum(f);
    if (x != 0 && x != 0xFFFFFFFF) { put32(f + 0x1FC, x); break; }
    put64(f + 0x0C, ++ft);
  }
  r = plat_pwrite(fd, f, 2 * BLOCK, 0);
  free(f);
  return r < 0 ? r : plat_truncate(fd, 2 * BLOCK);
}

hive_node_h hive_node_ensure(hive_h *h, hive_node_h from, const char *subpath,
                             char *err, size_t errsz) {
  const char *p = subpath;
  hive_node_h cur = from;
  while (*p) {
    char name[256];
    const char *s;
    size_t n;
    hive_node_h next;
    while (*p == '\\') p++;
    if (*p == '\0') break;
    s = p;
    while (*p && *p != '\\') p++;
    n = (size_t)(p - s);
    if (n >= sizeof name) { snprintf(err, errsz, "%s: key name too long", subpath); return 0; }
    memcpy(name, s, n);
    name[n] = '\0';
    if (find_child(h, cur, name, &next) < 0) {
      snprintf(err, errsz, "%s: damaged hive", subpath);
      return 0;
    }
    if (next == 0) {
      errno = 0;
      next = hivex_node_add_child(h, cur, name);
      if (next == 0) {
        snprintf(err, errsz, "%s: cannot create '%s': %s", subpath, name,
                 strerror(errno ? errno : EIO));
        return 0;
      }
    }
    cur = next;
  }
  return cur;
}
