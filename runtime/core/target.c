/* target.c - playbook paths to paths inside the target volume.
 *
 * A playbook names files the Windows way (C:\Program Files\...).  Under
 * --root DIR the system volume C: is DIR; every open goes through
 * plat_open_in, which resolves symlinks and '..' as if DIR were '/', so
 * no path a playbook or a planted link gives can leave DIR.  NTFS is
 * case-insensitive: when the exact case of a component is absent, the
 * first entry that matches ignoring ASCII case is used.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/mp_internal.h"

#define MAX_COMPONENTS 256

typedef struct { const char *p; size_t len; } comp_t;

static int is_sep(char c) { return c == '/' || c == '\\'; }

/* Split path into normalised components; returns count or -errno. */
static int split_path(const char *path, comp_t *out, int max) {
  int n = 0;
  const char *p = path;
  /* \\?\C:\ and \??\C:\ prefixes name the same thing. */
  if ((strncmp(p, "\\\\?\\", 4) == 0 || strncmp(p, "\\??\\", 4) == 0) &&
      isalpha((unsigned char)p[4]) && p[5] == ':')
    p += 4;
  if (is_sep(p[0]) && is_sep(p[1])) return -EXDEV;      /* UNC: remote */
  if (isalpha((unsigned char)p[0]) && p[1] == ':') {
    if (toupper((unsigned char)p[0]) != 'C') return -EXDEV;
    p += 2;
  }
  while (*p) {
    const char *s;
    size_t len;
    while (is_sep(*p)) p++;
    if (*p == '\0') break;
    s = p;
    while (*p && !is_sep(*p)) p++;
    len = (size_t)(p - s);
    if (len == 1 && s[0] == '.') continue;
    if (len == 2 && s[0] == '.' && s[1] == '.') {
      if (n > 0) n--;                  /* never above the root */
      continue;
    }
    if (len > 255) return -ENAMETOOLONG;
    if (memchr(s, ':', len)) return -EINVAL; /* streams, drive in middle */
    if (n == max) return -ENAMETOOLONG;
    out[n].p = s;
    out[n].len = len;
    n++;
  }
  return n;
}

static int ieq(const char *a, size_t alen, const char *b) {
  size_t i;
  if (strlen(b) != alen) return 0;
  for (i = 0; i < alen; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
  return 1;
}

/* Find name (any case) in the directory rel; copy the real name. */
static int find_ci(mp_runtime *rt, const char *rel, const comp_t *c,
                   char *out, size_t outsz) {
  plat_fd fd = plat_open_in(rt->rootfd, rel, PLAT_OPEN_DIR);
  plat_dir *d;
  plat_dirent e;
  int found = -ENOENT, r;
  if (fd < 0) return (int)fd;
  if ((r = plat_dir_open(fd, 32768, &d)) < 0) return r;   /* fd is closed */
  while ((r = plat_dir_next(d, &e)) > 0) {
    if (ieq(c->p, c->len, e.name)) {
      if (e.namelen >= outsz) { found = -ENAMETOOLONG; break; }
      memcpy(out, e.name, e.namelen + 1);
      found = 0;
      break;
    }
  }
  if (r < 0) found = r;
  plat_dir_close(d);
  return found;
}

static int append(char *rel, size_t relsz, size_t *len, const char *s, size_t n) {
  size_t need = *len + (*len ? 1 : 0) + n;
  if (need + 1 > relsz) return -ENAMETOOLONG;
  if (*len) rel[(*len)++] = '/';
  memcpy(rel + *len, s, n);
  *len += n;
  rel[*len] = '\0';
  return 0;
}

const char *mp_checkpath(lua_State *L, int idx) {
  size_t len;
  const char *s = luaL_checklstring(L, idx, &len);
  if (strlen(s) != len)
    luaL_error(L, "bad argument #%d: a path or name with a NUL byte is refused", idx);
  return s;
}

const char *mp_optpath(lua_State *L, int idx, const char *def) {
  return lua_isnoneornil(L, idx) ? def : mp_checkpath(L, idx);
}

int mp_target_rel(mp_runtime *rt, const char *path, char *rel, size_t relsz) {
  comp_t comps[MAX_COMPONENTS];
  int n = split_path(path, comps, MAX_COMPONENTS), i, r, exact = 1;
  plat_fd fd;
  size_t len = 0;
  if (n < 0) return n;
  if (relsz == 0) return -ENAMETOOLONG;
  rel[0] = '\0';
  for (i = 0; i < n; i++)
    if ((r = append(rel, relsz, &len, comps[i].p, comps[i].len)) < 0) return r;
  /* Fast path: the exact spelling exists. */
  fd = plat_open_in(rt->rootfd, rel, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
  if (fd >= 0) { plat_close(fd); return 0; }
  /* Walk component by component, fixing case where needed. */
  rel[0] = '\0';
  len = 0;
  for (i = 0; i < n; i++) {
    char real[256];
    const char *name = comps[i].p;
    size_t nlen = comps[i].len;
    if (exact) {
      size_t save = len;
      if ((r = append(rel, relsz, &len, name, nlen)) < 0) return r;
      fd = plat_open_in(rt->rootfd, rel, PLAT_OPEN_LOOK | PLAT_OPEN_NOFOLLOW);
      if (fd >= 0) { plat_close(fd); continue; }
      rel[save] = '\0';
      len = save;
      if (find_ci(rt, rel, &comps[i], real, sizeof real) == 0) {
        name = real;
        nlen = strlen(real);
      } else {
        exact = 0;                  /* rest does not exist: keep as given */
      }
    }
    if ((r = append(rel, relsz, &len, name, nlen)) < 0) return r;
  }
  return 0;
}

plat_fd mp_target_open(mp_runtime *rt, const char *path, unsigned how) {
  char rel[MP_PATH_MAX];
  int r = mp_target_rel(rt, path, rel, sizeof rel);
  if (r < 0) return r;
  return plat_open_in(rt->rootfd, rel, how);
}

int mp_target_host(mp_runtime *rt, const char *rel, char *out, size_t outsz) {
  size_t rl = strlen(rt->root);
  int n;
  while (*rel == '/') rel++;
  /* a root ending in a separator ("/", a live Windows' "C:\\") gets none */
  if (rl > 0 && is_sep(rt->root[rl - 1]))
    n = snprintf(out, outsz, "%s%s", rt->root, rel);
  else
    n = snprintf(out, outsz, "%s%s%s", rt->root, *rel ? "/" : "", rel);
  return (n < 0 || (size_t)n >= outsz) ? -ENAMETOOLONG : 0;
}

void mp_target_display(const char *rel, char *out, size_t outsz) {
  size_t i = 0;
  if (outsz < 4) { if (outsz) out[0] = '\0'; return; }
  memcpy(out, "C:\\", 3);
  i = 3;
  while (*rel == '/') rel++;
  for (; *rel && i + 1 < outsz; rel++)
    out[i++] = *rel == '/' ? '\\' : *rel;
  out[i] = '\0';
}
