/* cmd_new.c - marsplay new NAME [--dir DIR]: start a playbook.
 *
 * Writes DIR/NAME.lua, a playbook with one check (detect, fix, verify by
 * detect) whose comments point at docs/api.md, and DIR/NAME_test.lua, its
 * tests for `marsplay test`.  Both pass `marsplay check` and `marsplay
 * test` as written.  Never overwrites a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "platform/platform.h"

#define NAME_MAX_LEN 64
#define PLACEHOLDER "@NAME@"

static const char USAGE[] =
  "Usage: marsplay new NAME [--dir DIR]\n"
  "\n"
  "Start a playbook: write DIR/NAME.lua (a skeleton with one check) and\n"
  "DIR/NAME_test.lua (its tests, for `marsplay test`).  NAME is the playbook\n"
  "id: lowercase letters, digits and '-'.  DIR defaults to the current\n"
  "folder and is created if needed.  Existing files are never overwritten.\n";

static const char PLAYBOOK[] =
  "-- @NAME@: <say in one line what this playbook diagnoses and repairs>.\n"
  "--\n"
  "-- A playbook returns mp.playbook{...}: an id, a title, parameters and\n"
  "-- checks.  Each check has detect (inspection only: marsplay.fs, .reg,\n"
  "-- .xml, .net, .sys), an optional fix (changes go through marsplay.fix\n"
  "-- only; in --dry-run they are recorded as a plan) and an optional verify\n"
  "-- (by default detect runs again after the fix).  Texts come in English\n"
  "-- and Portuguese: T(\"English\", \"Português\").\n"
  "--\n"
  "-- Reference: docs/api.md#playbooks-the-marsplay-module and docs/api.md#checks;\n"
  "-- walking a folder tree: docs/api.md#mpwalkdir--opts.\n"
  "-- Validate:  marsplay check @NAME@.lua\n"
  "-- Test:      marsplay test @NAME@_test.lua\n"
  "-- Try it:    marsplay lab /tmp/lab && marsplay --root /tmp/lab --dry-run @NAME@.lua\n"
  "\n"
  "local mp = require \"marsplay\"\n"
  "local T = mp.text\n"
  "\n"
  "local TEMP = [[C:\\Windows\\Temp]]\n"
  "\n"
  "return mp.playbook {\n"
  "  id = \"@NAME@\",\n"
  "  title = T(\"@NAME@: describe what is checked\", \"@NAME@: descreva o que é verificado\"),\n"
  "  -- anchor = \"section-of-the-guide\",      -- the guide's section (lowercase, digits, '-')\n"
  "\n"
  "  -- docs/api.md#parameters: type number, string, boolean or list, and a\n"
  "  -- default; users change them with --set NAME=VALUE.\n"
  "  params = {\n"
  "    max_tmp_files = { type = \"number\", default = 1000, min = 0,\n"
  "                      doc = \"most *.tmp files tolerated in C:\\\\Windows\\\\Temp\" },\n"
  "  },\n"
  "\n"
  "  checks = {\n"
  "    mp.check {\n"
  "      id = \"temp-files\",\n"
  "      title = T(\"C:\\\\Windows\\\\Temp holds few *.tmp files\", \"C:\\\\Windows\\\\Temp contém poucos arquivos *.tmp\"),\n"
  "      cause = T(\"Temporary files pile up in C:\\\\Windows\\\\Temp.\",\n"
  "                \"Arquivos temporários se acumulam em C:\\\\Windows\\\\Temp.\"),\n"
  "      severity = \"low\",                     -- critical, high, medium, low or info\n"
  "      error_ids = {},                       -- the guide's error IDs, as strings\n"
  "      -- depends = { \"other-check-id\" },    -- skipped unless these pass first\n"
  "\n"
  "      -- docs/api.md#what-detect-returns: mp.pass, mp.finding (fixable),\n"
  "      -- mp.manual (needs a human) or mp.skip (not applicable here).\n"
  "      -- {name} in texts is replaced by the evidence or parameter name.\n"
  "      detect = function(ctx)\n"
  "        local n, err, code = mp.fs.count(TEMP, \"*.tmp\", { type = \"file\" })\n"
  "        if not n then\n"
  "          if code == \"ENOENT\" then\n"
  "            return mp.skip(T(\"{dir} does not exist on this target.\", \"{dir} não existe neste destino.\"),\n"
  "                           { dir = TEMP })\n"
  "          end\n"
  "          return { status = \"error\", reason = err }\n"
  "        end\n"
  "        local ev = { dir = TEMP, count = n, limit = ctx.params.max_tmp_files }\n"
  "        if n <= ctx.params.max_tmp_files then\n"
  "          return mp.pass(ev, T(\"{count} *.tmp files in {dir}.\", \"{count} arquivos *.tmp em {dir}.\"))\n"
  "        end\n"
  "        return mp.finding {\n"
  "          evidence = ev,\n"
  "          message = T(\"{count} *.tmp files in {dir}, more than {limit}.\",\n"
  "                      \"{count} arquivos *.tmp em {dir}, mais que {limit}.\"),\n"
  "          recommendations = { T(\"Delete the *.tmp files in {dir}.\", \"Exclua os arquivos *.tmp em {dir}.\") },\n"
  "        }\n"
  "      end,\n"
  "\n"
  "      -- docs/api.md#marsplayfix-the-remediation-api: the only way to change the target.\n"
  "      -- Keep fixes idempotent: a second run finds nothing to do.\n"
  "      fix = function()\n"
  "        mp.fix.delete_matching(TEMP, \"*.tmp\")\n"
  "      end,\n"
  "    },\n"
  "  },\n"
  "}\n";

static const char TEST[] =
  "-- Tests of the @NAME@ playbook:  marsplay test @NAME@_test.lua\n"
  "--\n"
  "-- Each test gets t: a fresh temporary target volume (t.root; C:\\ maps\n"
  "-- to it) and helpers to build it (t.write, t.mkdir, t.hive_set,\n"
  "-- t.task_xml, t.lab), run the playbook in-process (t.run) and look at\n"
  "-- the report (t.expect_status, t.evidence, t.actions, t.unchanged,\n"
  "-- t.idempotent).  Reference: docs/api.md#testing-playbooks.\n"
  "\n"
  "local test = require \"marsplay.testing\"\n"
  "\n"
  "local PB = \"@NAME@\"                         -- @NAME@.lua, beside this file\n"
  "local TEMP = [[C:\\Windows\\Temp]]\n"
  "\n"
  "local function tmp_files(t, n)\n"
  "  t.mkdir(TEMP)\n"
  "  for i = 1, n do t.write((\"%s\\\\file%d.tmp\"):format(TEMP, i), \"x\") end\n"
  "  t.write(TEMP .. \"\\\\keep.log\", \"not a *.tmp file\")\n"
  "end\n"
  "\n"
  "test(\"a target with few *.tmp files passes\", function(t)\n"
  "  tmp_files(t, 2)\n"
  "  local r = t.run(PB, { set = { max_tmp_files = 5 } })\n"
  "  t.expect_status(r, \"temp-files\", \"pass\")\n"
  "  t.eq(t.evidence(r, \"temp-files\").count, 2)\n"
  "  t.expect_exit(r, 0)\n"
  "end)\n"
  "\n"
  "test(\"too many *.tmp files: a dry-run plans the fix and changes nothing\", function(t)\n"
  "  tmp_files(t, 3)\n"
  "  local r = t.unchanged(function()\n"
  "    return t.run(PB, { dry_run = true, set = { max_tmp_files = 2 } })\n"
  "  end, \"the dry-run\")\n"
  "  t.expect_status(r, \"temp-files\", \"planned\")\n"
  "  t.eq(t.evidence(r, \"temp-files\").count, 3)\n"
  "  t.eq(#t.actions(r, \"temp-files\", \"planned\"), 1)\n"
  "  t.expect_exit(r, 2)\n"
  "end)\n"
  "\n"
  "test(\"the fix deletes them, verifies, and a second run changes nothing\", function(t)\n"
  "  tmp_files(t, 3)\n"
  "  local first, second = t.idempotent(function()\n"
  "    return t.run(PB, { set = { max_tmp_files = 2 } })\n"
  "  end)\n"
  "  t.expect_status(first, \"temp-files\", \"fixed\")\n"
  "  t.eq(t.check(first, \"temp-files\").verified, true)\n"
  "  t.expect_status(second, \"temp-files\", \"pass\")\n"
  "  t.expect(not t.exists(TEMP .. \"\\\\file1.tmp\"), \"file1.tmp was deleted\")\n"
  "  t.expect(t.exists(TEMP .. \"\\\\keep.log\"), \"other files stay\")\n"
  "end)\n"
  "\n"
  "test(\"without the folder the check does not apply\", function(t)\n"
  "  local r = t.run(PB)\n"
  "  t.expect_status(r, \"temp-files\", \"skipped\")\n"
  "end)\n";

static int valid_name(const char *s) {
  size_t n = strlen(s), i;
  if (n == 0 || n > NAME_MAX_LEN || s[0] == '-' || s[n - 1] == '-') return 0;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return 0;
  }
  return 1;
}

/* mkdir -p dir */
static int make_dirs(const char *dir) {
  char buf[4096];
  size_t i, n = strlen(dir);
  if (n == 0 || n >= sizeof buf) return -ENAMETOOLONG;
  memcpy(buf, dir, n + 1);
  for (i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == '\0') {
      char c = buf[i];
      int r;
      buf[i] = '\0';
      if (!plat_exists(buf)) {
        if ((r = plat_mkdir(buf)) != 0 && r != -PLAT_EEXIST) return r;
      } else if (!plat_is_dir(buf)) {
        return -PLAT_ENOTDIR;
      }
      buf[i] = c;
    }
  }
  return 0;
}

/* Create path (never replacing it) with text, NAME substituted. */
static int write_new(const char *path, const char *text, const char *name) {
  const char *p = text, *at;
  size_t plen = strlen(PLACEHOLDER);
  plat_fd fd = plat_open_path(path, PLAT_OPEN_CREATE);
  int ok = 1;
  FILE *f;
  if (fd < 0) return (int)fd;
  if ((f = plat_fd_stream(fd, "w")) == NULL) {
    int e = errno;
    plat_close(fd);
    plat_remove(path);
    return -e;
  }
  while ((at = strstr(p, PLACEHOLDER)) != NULL) {
    ok = ok && fwrite(p, 1, (size_t)(at - p), f) == (size_t)(at - p) && fputs(name, f) >= 0;
    p = at + plen;
  }
  ok = ok && fputs(p, f) >= 0;
  if (fclose(f) != 0 || !ok) { plat_remove(path); return -PLAT_EIO; }
  return 0;
}

int cmd_new(int argc, char **argv) {
  const char *name = NULL, *dir = ".";
  char pb[4096], test[4096];
  int i, r;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
    else if (strncmp(argv[i], "--dir=", 6) == 0) dir = argv[i] + 6;
    else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) { fputs(USAGE, stdout); return 0; }
    else if (argv[i][0] == '-') { cli_error("new: unknown option %s (see marsplay new --help)", argv[i]); return MP_EXIT_ERROR; }
    else if (name == NULL) name = argv[i];
    else { cli_error("new: one name only (got %s and %s)", name, argv[i]); return MP_EXIT_ERROR; }
  }
  if (name == NULL) { cli_error("new: no name given (usage: marsplay new NAME [--dir DIR])"); return MP_EXIT_ERROR; }
  if (!valid_name(name)) {
    cli_error("new: '%s' is not a playbook id: use lowercase letters, digits and '-' (at most %d)",
              name, NAME_MAX_LEN);
    return MP_EXIT_ERROR;
  }
  if (*dir == '\0') dir = ".";
  if (snprintf(pb, sizeof pb, "%s/%s.lua", dir, name) >= (int)sizeof pb ||
      snprintf(test, sizeof test, "%s/%s_test.lua", dir, name) >= (int)sizeof test) {
    cli_error("new: %s: path too long", dir);
    return MP_EXIT_ERROR;
  }
  if (plat_exists(pb) || plat_exists(test)) {
    cli_error("new: %s already exists: not overwriting it", plat_exists(pb) ? pb : test);
    return MP_EXIT_ERROR;
  }
  if ((r = make_dirs(dir)) != 0) {
    cli_error("new: cannot create %s: %s", dir, plat_err_text(r));
    return MP_EXIT_ERROR;
  }
  if ((r = write_new(pb, PLAYBOOK, name)) != 0) {
    cli_error("new: %s: %s", pb, plat_err_text(r));
    return MP_EXIT_ERROR;
  }
  if ((r = write_new(test, TEST, name)) != 0) {
    cli_error("new: %s: %s", test, plat_err_text(r));
    plat_remove(pb);
    return MP_EXIT_ERROR;
  }
  printf("created %s\ncreated %s\n"
         "next: edit them (the API: docs/api.md), then\n"
         "  marsplay check %s\n  marsplay test %s\n", pb, test, pb, test);
  return 0;
}
