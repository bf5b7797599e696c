/* embed.c - a host program that embeds marsplay.
 *
 * It adds a native function of its own to the playbooks' world,
 * require("marsplay.host").inventory_tag(), runs playbooks against a
 * target (an offline volume with --root, or the live system), and gets
 * every check's result through the on_check callback: one line a check.
 *
 *   embed [--root DIR] [--tag TAG] [--stdlib DIR] [--dry-run] PLAYBOOK...
 *
 * Build against an installed marsplay (libmarsplay is a static library):
 *   cc embed.c $(pkg-config --cflags marsplay) $(pkg-config --static --libs marsplay)
 * or with CMake: find_package(marsplay) and link marsplay::marsplay
 * (examples/embed/CMakeLists.txt).  The exit code is marsplay's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <marsplay.h>

/* The tag the host program knows this server by (from its inventory). */
static const char *inventory_tag = "";

/* host.inventory_tag() -> string */
static int l_inventory_tag(lua_State *L) {
  lua_pushstring(L, inventory_tag);
  return 1;
}

typedef struct seen { int checks, problems; } seen;

/* Every check's result, as soon as its playbook finishes. */
static void on_check(void *ud, const char *playbook, const mp_value *check) {
  seen *s = ud;
  const char *id = mp_value_string(mp_value_get(check, "id"), NULL);
  const char *status = mp_value_string(mp_value_get(check, "status"), NULL);
  const char *msg = mp_value_string(mp_value_get(check, "message"), NULL);
  s->checks++;
  if (status && strcmp(status, "pass") != 0 && strcmp(status, "skipped") != 0) s->problems++;
  printf("check %s/%s: %s%s%s\n", playbook, id ? id : "?", status ? status : "?",
         msg && *msg ? " - " : "", msg && *msg ? msg : "");
}

/* Notices (a dry-run without kernel enforcement, ...) go to stderr. */
static void on_message(void *ud, const char *text) {
  (void)ud;
  fprintf(stderr, "embed: %s\n", text);
}

static int usage(void) {
  fputs("usage: embed [--root DIR] [--tag TAG] [--stdlib DIR] [--dry-run] PLAYBOOK...\n", stderr);
  return MP_EXIT_ERROR;
}

int main(int argc, char **argv) {
  mp_config cfg = mp_config_default();
  mp_runtime *rt;
  seen s = {0, 0};
  char *err = NULL;
  int i, code;
  cfg.lang = "en";
#ifdef EMBED_STDLIB_DIR
  cfg.stdlib_dir = EMBED_STDLIB_DIR;  /* where the installed marsplay keeps it */
#endif
  for (i = 1; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) cfg.root = argv[++i];
    else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc) inventory_tag = argv[++i];
    else if (strcmp(argv[i], "--stdlib") == 0 && i + 1 < argc) cfg.stdlib_dir = argv[++i];
    else if (strcmp(argv[i], "--dry-run") == 0) cfg.dry_run = 1;
    else return usage();
  }
  if (i >= argc) return usage();
  cfg.cb.ud = &s;
  cfg.cb.on_check = on_check;
  cfg.cb.on_message = on_message;
  rt = mp_new(&cfg, &err);
  if (rt == NULL) {
    fprintf(stderr, "embed: %s\n", err ? err : "cannot start marsplay");
    free(err);
    return MP_EXIT_ERROR;
  }
  if (mp_register(rt, "inventory_tag", l_inventory_tag) != 0) {
    fprintf(stderr, "embed: out of memory\n");
    mp_free(rt);
    return MP_EXIT_ERROR;
  }
  for (; i < argc; i++) {
    if (mp_run(rt, argv[i]) == MP_EXIT_ERROR && mp_last_error(rt))
      fprintf(stderr, "embed: %s\n", mp_last_error(rt));
  }
  code = mp_exit_code(rt);
  printf("%d checks, %d problems, exit code %d\n", s.checks, s.problems, code);
  mp_free(rt);
  return code;
}
