/* fuzz_hive.c - registry hive files read through hive.h and marsplay.reg:
 * the input is written as the target's SOFTWARE hive, then keys and
 * values are looked up in C and walked from Lua; now and then a value is
 * written (the crash-safe commit path on a damaged hive). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/hive.h"

static mp_runtime *rt;
static char root[256], hive_path[512];

static const char WALK[] =
  "local reg = require 'marsplay.reg'\n"
  "local budget = 300\n"
  "local function walk(key, depth)\n"
  "  if depth > 8 or budget <= 0 then return end\n"
  "  budget = budget - 1\n"
  "  local vals = reg.values(key)\n"
  "  if type(vals) == 'table' then\n"
  "    for _, v in ipairs(vals) do if type(v) == 'table' then reg.get(key, v.name or '') end end\n"
  "  end\n"
  "  local keys = reg.keys(key)\n"
  "  if type(keys) ~= 'table' then return end\n"
  "  for _, k in ipairs(keys) do walk(key .. '\\\\' .. k, depth + 1) end\n"
  "end\n"
  "walk([[HKLM\\SOFTWARE]], 0)\n"
  "return { reg.available(), reg.exists([[HKLM\\SOFTWARE\\Microsoft\\Windows Azure Backup]]) }\n";

static void mkdirs(const char *base, const char *rel) {
  char p[512];
  const char *s;
  for (s = rel; (s = strchr(s, '/')) != NULL; s++) {
    snprintf(p, sizeof p, "%s/%.*s", base, (int)(s - rel), rel);
    mkdir(p, 0755);
  }
  snprintf(p, sizeof p, "%s/%s", base, rel);
  mkdir(p, 0755);
}

static void cleanup(void) {
  static const char *const dirs[] = {"/Windows/System32/config", "/Windows/System32", "/Windows", "", NULL};
  char p[600];
  int i;
  mp_free(rt);
  unlink(hive_path);
  for (i = 0; dirs[i]; i++) {
    snprintf(p, sizeof p, "%s%s", root, dirs[i]);
    rmdir(p);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  mp_config cfg = mp_config_default();
  char *err = NULL;
  (void)argc; (void)argv;
  snprintf(root, sizeof root, "%s/marsplay-fuzz-hive.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(root) == NULL) abort();
  mkdirs(root, "Windows/System32/config");
  snprintf(hive_path, sizeof hive_path, "%s/Windows/System32/config/SOFTWARE", root);
  cfg.root = root;
  cfg.lang = "en";
  cfg.timeout = 5;
  rt = mp_new(&cfg, &err);
  if (rt == NULL) abort();
  atexit(cleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char CONFIG[] = "HKLM\\SOFTWARE\\Microsoft\\Windows Azure Backup\\Config";
  char err[512], *e = NULL, *val = NULL;
  uint32_t type;
  size_t len;
  mp_value *v;
  FILE *f;
  hive_cache_free(rt);
  if ((f = fopen(hive_path, "wb")) == NULL) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  if (fclose(f) != 0) abort();
  (void)hive_key_exists(rt, CONFIG, err, sizeof err);
  if (hive_get_raw(rt, CONFIG, "ScratchLocation", &type, &val, &len, err, sizeof err) == 0) free(val);
  v = mp_eval(rt, WALK, &e);
  mp_value_free(v);
  free(e);
  if (size > 0 && (data[size - 1] & 7) == 7)
    (void)hive_put_value(rt, CONFIG, "ScratchLocation", "REG_SZ", "C:\\Cache", 8, err, sizeof err);
  hive_cache_free(rt);
  return 0;
}
