/* cmd_list.c - marsplay list: playbooks and their checks, one a line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "platform/platform.h"
#include "core/value.h"

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_one(mp_runtime *rt, const char *path, const char *origin, int *bad) {
  char *err = NULL;
  mp_value *d = mp_describe(rt, path, &err);
  const mp_value *checks;
  size_t i;
  if (d == NULL) {
    cli_error("%s", err ? err : "out of memory");
    free(err);
    (*bad)++;
    return;
  }
  printf("%-44s %s%s%s%s [%s]\n", mpv_getstr(d, "id"), mpv_getstr(d, "title"),
         mpv_getstr(d, "anchor") ? " (#" : "", mpv_getstr(d, "anchor") ? mpv_getstr(d, "anchor") : "",
         mpv_getstr(d, "anchor") ? ")" : "", origin);
  checks = mp_value_get(d, "checks");
  for (i = 0; checks && i < mp_value_len(checks); i++) {
    const mp_value *c = mp_value_at(checks, i);
    const mp_value *ids = mp_value_get(c, "error_ids");
    char idbuf[128] = "";
    size_t j, used = 0;
    for (j = 0; ids && j < mp_value_len(ids) && used + 2 < sizeof idbuf; j++) {
      const char *s = mp_value_string(mp_value_at(ids, j), NULL);
      int w = snprintf(idbuf + used, sizeof idbuf - used, "%s%s", j ? "," : " ID ", s ? s : "");
      if (w < 0) break;
      used += (size_t)w < sizeof idbuf - used ? (size_t)w : sizeof idbuf - used - 1;
    }
    printf("  %s/%-40s %s (%s%s)%s\n", mpv_getstr(d, "id"), mpv_getstr(c, "id"),
           mpv_getstr(c, "title"), mpv_getstr(c, "severity"),
           mp_value_bool(mp_value_get(c, "fixable")) ? ", fixable" : "", idbuf);
  }
  mpv_free(d);
}

char **cli_catalogue(const char *dir, size_t *count) {
  plat_fd fd = plat_open_path(dir, PLAT_OPEN_DIR);
  plat_dir *d = NULL;
  plat_dirent e;
  char **names = NULL;
  size_t n = 0, cap = 0;
  *count = 0;
  if (fd < 0 || plat_dir_open(fd, 32768, &d) < 0) return NULL;
  while (plat_dir_next(d, &e) > 0) {
    size_t len = e.namelen;
    if (len < 5 || strcmp(e.name + len - 4, ".lua") != 0 || e.name[0] == '.') continue;
    if (len > 9 && strcmp(e.name + len - 9, "_test.lua") == 0) continue;  /* marsplay test */
    if (n + 1 >= cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof *names);
      if (nn == NULL) break;
      names = nn;
    }
    if ((names[n] = malloc(strlen(dir) + len + 2)) == NULL) break;
    sprintf(names[n], "%s/%s", dir, e.name);
    n++;
  }
  plat_dir_close(d);
  if (names == NULL) names = calloc(1, sizeof *names);
  if (names == NULL) return NULL;
  if (n) qsort(names, n, sizeof *names, cmp);
  names[n] = NULL;
  *count = n;
  return names;
}

void cli_catalogue_free(char **names) {
  size_t i;
  for (i = 0; names && names[i]; i++) free(names[i]);
  free(names);
}

static void list_dir(mp_runtime *rt, const char *dir, const char *origin, int *bad) {
  size_t n, i;
  char **names = cli_catalogue(dir, &n);
  if (names == NULL) { cli_warn("%s: cannot read the folder", dir); return; }
  for (i = 0; i < n; i++) print_one(rt, names[i], origin, bad);
  cli_catalogue_free(names);
}

int cmd_list(int argc, char **argv) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  char *err = NULL;
  int bad = 0, i;
  cfg.playbook_path = getenv("MARSPLAY_PATH");
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--playbook-path") == 0 && i + 1 < argc) cfg.playbook_path = argv[++i];
    else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) cfg.lang = argv[++i];
    else { cli_error("list: unknown argument %s", argv[i]); return MP_EXIT_ERROR; }
  }
  rt = mp_new(&cfg, &err);
  if (rt == NULL) { cli_error("%s", err ? err : "cannot start"); free(err); return MP_EXIT_ERROR; }
  if (cfg.playbook_path) {
    char *copy = strdup(cfg.playbook_path), *save = NULL, *dir;
    for (dir = copy ? strtok_r(copy, PLAT_PATH_LIST_SEP, &save) : NULL; dir;
         dir = strtok_r(NULL, PLAT_PATH_LIST_SEP, &save))
      list_dir(rt, dir, dir, &bad);
    free(copy);
  }
  if (mp_playbook_dir(rt)) list_dir(rt, mp_playbook_dir(rt), "shipped", &bad);
  else cli_warn("the shipped playbooks were not found");
  mp_free(rt);
  return bad ? MP_EXIT_ERROR : 0;
}
