#!/usr/bin/env bash
# `marsplay new` (a playbook skeleton and its test, never overwriting)
# and `marsplay check` (structure, parameters, dependencies, texts,
# luacheck with the nearest .luacheckrc; file:line: message; exit 0/1).
. "$(dirname "$0")/lib.sh"
cd "$T"

# ---- new ----
run_mp new team-temp --dir "pb/team"
eq "new: exit 0" 0 "$CODE"
check "new: playbook written" test -f pb/team/team-temp.lua
check "new: test written" test -f pb/team/team-temp_test.lua
check "new: the id is the name" grep -q 'id = "team-temp"' pb/team/team-temp.lua
check "new: points at docs/api.md" grep -q 'docs/api.md' pb/team/team-temp.lua
check "new: detect and fix" grep -q 'detect = function' pb/team/team-temp.lua
check "new: the test requires marsplay.testing" grep -q 'require "marsplay.testing"' pb/team/team-temp_test.lua

printf 'edited\n' >pb/team/team-temp.lua
run_mp new team-temp --dir pb/team
eq "new: refuses to overwrite (exit 1)" 1 "$CODE"
contains "new: says why" "already exists" "$ERR"
eq "new: the file is untouched" "edited" "$(cat pb/team/team-temp.lua)"
rm pb/team/team-temp.lua
run_mp new team-temp --dir pb/team
eq "new: refuses when only the test exists" 1 "$CODE"
check "new: wrote nothing then" test ! -e pb/team/team-temp.lua

for bad in Upper 'a b' -lead trail- '../up' ''; do
  run_mp new "$bad" --dir names
  eq "new: '$bad' refused" 1 "$CODE"
done
check "new: no file for refused names" test ! -e names
run_mp new ok-name extra
eq "new: two names refused" 1 "$CODE"

run_mp new skel
eq "new: default folder is the current one" 0 "$CODE"
check "new: ./skel.lua" test -f skel.lua -a -f skel_test.lua

# ---- check: the skeleton is clean ----
run_mp check skel.lua
eq "check skeleton: exit 0" 0 "$CODE"
contains "check skeleton: ok" "skel.lua: ok" "$OUT"
eq "check skeleton: summary" "1 playbook checked: no problems" "$(tail -n 1 <<<"$OUT")"

# ---- check: structural problems, one line each, file:line ----
cat >bad.lua <<'LUA'
local mp = require "marsplay"
local T = mp.text

return mp.playbook {
  id = "bad",
  title = { en = "Bad" },
  anchor = "Not_An_Anchor",
  params = {
    limit = { type = "number", default = "ten" },
    names = { type = "list", default = { 1, 2 } },
    flag = { type = "bool", default = true },
    pct = { type = "number", default = 200, max = 100 },
    nodef = { type = "string" },
  },
  checks = {
    mp.check {
      id = "one",
      title = T("One", "Um"),
      severity = "hgih",
      error_ids = { 34506, "0x1" },
      depends = { "two", "nope" },
      detect = function() return mp.pass() end,
    },
    mp.check {
      id = "two",
      detect = function() return mp.pass() end,
      verify = function() end,
    },
    mp.check {
      id = "one",
      title = { en = "dup", ["pt-BR"] = "" },
      detect = function() return mp.pass() end,
    },
  },
}
LUA
run_mp check --no-lint bad.lua
eq "check bad: exit 1" 1 "$CODE"
expect=(
  "bad.lua:6: the playbook's title has no pt-BR text"
  "bad.lua:7: anchor must be a guide anchor (lowercase letters, digits and '-')"
  "bad.lua:9: parameter limit: the default is a string, not a number"
  "bad.lua:10: parameter names: the default of a list must be an array of strings"
  "bad.lua:11: parameter flag: unknown type 'bool' (number, string, boolean or list)"
  "bad.lua:12: parameter pct: the default 200 is above max 100"
  "bad.lua:13: parameter nodef: no default"
  "bad.lua:17: check 'one' depends on unknown check 'nope'"
  "bad.lua:17: check 'one' depends on 'two', which runs after it"
  "bad.lua:17: check 'one': unknown severity 'hgih'"
  "bad.lua:17: check 'one': error_ids[1] must be a string"
  "bad.lua:25: check 'two': title is missing"
  "bad.lua:25: check 'two': verify without fix is never run"
  "bad.lua:30: duplicate check id 'one' (first at check #1)"
  "bad.lua:30: check 'one': title has no pt-BR text"
)
for e in "${expect[@]}"; do contains "check bad: $e" "$e" "$OUT"; done
eq "check bad: one line per problem" "${#expect[@]}" "$(grep -c '^bad.lua:[0-9]*: ' <<<"$OUT")"
eq "check bad: summary" "${#expect[@]} problems in 1 of 1 playbook" "$(tail -n 1 <<<"$OUT")"

printf 'local mp = require "marsplay"\nreturn mp.playbook { id = "x", checks = {\n' >syntax.lua
run_mp check syntax.lua
eq "syntax error: exit 1" 1 "$CODE"
contains "syntax error: file:line" "syntax.lua:3: cannot load:" "$OUT"
eq "syntax error: reported once" 1 "$(grep -c '^syntax.lua:' <<<"$OUT")"

printf 'local x = nil\nreturn x.y\n' >boom.lua
run_mp check boom.lua
eq "load error: exit 1" 1 "$CODE"
contains "load error: file:line" "boom.lua:2: error while loading:" "$OUT"

printf 'return 42\n' >num.lua
run_mp check --no-lint num.lua
contains "not a table" "must return a table built with marsplay.playbook" "$OUT"

run_mp check no-such-playbook
eq "not found: exit 1" 1 "$CODE"
contains "not found: said" "no-such-playbook:1: no-such-playbook: no such playbook" "$OUT"

run_mp check skel.lua bad.lua
eq "a clean and a bad one: exit 1" 1 "$CODE"
contains "a clean and a bad one: summary" "problems in 1 of 2 playbooks" "$(tail -n 1 <<<"$OUT")"

# ---- luacheck ----
MARSPLAY_LUACHECK=/nonexistent/luacheck run_mp check skel.lua
eq "no luacheck: still exit 0" 0 "$CODE"
contains "no luacheck: says lint skipped" "luacheck not found: lint skipped" "$ERR"
env PATH=/nonexistent "$MP" check skel.lua >/dev/null 2>"$T/nopath.err" || true
contains "no luacheck in PATH: says lint skipped" "luacheck not found: lint skipped" "$(cat "$T/nopath.err")"

if command -v luacheck >/dev/null; then
  sed 's/^local T = mp.text$/local T = mp.text\nlocal unused = 1/' skel.lua >lint.lua
  sed -i 's/id = "skel"/id = "lint"/' lint.lua
  run_mp check lint.lua
  eq "luacheck finding: exit 1" 1 "$CODE"
  contains "luacheck finding: file:line" "lint.lua:18: luacheck (W211) unused variable 'unused' (column 7)" "$OUT"

  # the nearest .luacheckrc applies: a 150-column line passes only with it
  long=$(printf -- '-- %0150d' 0)
  mkdir -p plain cfg/sub
  { cat skel.lua; printf '%s\n' "$long"; } >plain/long.lua
  cp plain/long.lua cfg/sub/long.lua
  printf 'std = "lua54"\nmax_line_length = 200\n' >cfg/.luacheckrc
  run_mp check plain/long.lua
  contains "no .luacheckrc: the default line length applies" "luacheck (W631) line is too long" "$OUT"
  run_mp check cfg/sub/long.lua
  eq "nearest .luacheckrc (a parent folder) applies" 0 "$CODE"

  # every shipped playbook is clean with the repository's rules
  (cd "$SRC" && "$MP" check playbooks/*.lua) >"$T/shipped.out" 2>&1 && c=0 || c=$?
  eq "shipped playbooks: clean (exit 0)" 0 "$c"
  [ "$c" = 0 ] || grep -v ': ok$' "$T/shipped.out" >&2
  run_mp check cache
  eq "check by name: clean" 0 "$CODE"
  [ "$CODE" = 0 ] || say "$OUT$ERR" >&2
else
  say "# luacheck is not installed: lint assertions skipped"
fi

finish
