/* fuzz_params.c - `--set` values converted by the runner: the input's
 * lines are the values of a number (with min/max), a boolean, a list
 * and a string parameter, and the name and value of one more; the
 * playbook echoes them as evidence, and the report is written as JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "marsplay.h"
#include "report/report.h"

static char pb[512], dir[256];

static void cleanup(void) {
  unlink(pb);
  rmdir(dir);
}

static const char PLAYBOOK[] =
  "local mp = require 'marsplay'\n"
  "return mp.playbook { id = 'params', params = {\n"
  "  n = { type = 'number', default = 5, min = -10, max = 1e6 },\n"
  "  b = { type = 'boolean', default = false },\n"
  "  l = { type = 'list', default = {} },\n"
  "  s = { type = 'string', default = '' } },\n"
  "  checks = { mp.check { id = 'echo', detect = function(ctx)\n"
  "    return mp.pass({ n = ctx.params.n, b = ctx.params.b, l = ctx.params.l, s = ctx.params.s },\n"
  "                   'n={n} b={b} l={l} s={s}')\n"
  "  end } } }\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  FILE *f;
  (void)argc; (void)argv;
  snprintf(dir, sizeof dir, "%s/marsplay-fuzz-params.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(dir) == NULL) abort();
  snprintf(pb, sizeof pb, "%s/params.lua", dir);
  if ((f = fopen(pb, "w")) == NULL || fputs(PLAYBOOK, f) < 0 || fclose(f) != 0) abort();
  atexit(cleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const keys[] = {"n", "b", "l", "s", NULL};
  mp_config cfg = mp_config_default();
  char *copy = malloc(size + 1), *line, *save = NULL, *extra_key = NULL, *json;
  mp_runtime *rt;
  int i = 0;
  if (copy == NULL) return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';
  cfg.lang = "en";
  cfg.timeout = 5;
  rt = mp_new(&cfg, NULL);
  if (rt == NULL) abort();
  for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
    if (i < 4) mp_set_param(rt, keys[i], line);
    else if (extra_key == NULL) extra_key = line;
    else { mp_set_param(rt, extra_key, line); break; }
  }
  mp_run(rt, pb);
  json = mp_value_to_json(mp_report(rt), 1);
  if (json == NULL || mp_utf8_seq(json, 1) != 1) abort();
  free(json);
  mp_free(rt);
  free(copy);
  return 0;
}
