#!/usr/bin/env bash
# docs/api.md documents every function of the playbook API: each one
# registered in a native module (marsplay.fs, .reg, .xml, .net, .sys,
# .fix, the private marsplay.core, the lab's marsplay.labkit, the test
# runner's marsplay.testkit) and each one exported by a stdlib module
# (every stdlib/marsplay/*.lua, present and future, and the per-test
# helpers t.*).  A function counts as documented when a heading of
# docs/api.md holds `prefix.name(` — prefix: mp for marsplay, t for the
# test context, else the module's last name (fs, mars, scratch, ...).
. "$(dirname "$0")/lib.sh"

DOC="$SRC/docs/api.md"
check "docs/api.md exists" test -s "$DOC"
[ -s "$DOC" ] || { finish; exit 1; }
grep -E '^#{2,5} ' "$DOC" >"$T/headings" || true

: >"$T/want"   # lines: prefix.name   (where it comes from)
want() { printf '%s.%s\t%s\n' "$1" "$2" "$3" >>"$T/want"; }

# Function keys of a module required in the sandbox, one a line.
keys_of() {
  "$MP" eval "local m = require '$1'
    local t = {}
    for k, v in pairs(m) do if type(v) == 'function' then t[#t + 1] = k end end
    table.sort(t)
    return table.concat(t, ' ')" | jq -r . | tr ' ' '\n' | sed '/^$/d'
}

# ---- native modules reachable from playbooks: the sandbox's list ----
natives=$(grep -oE '\{"marsplay\.[a-z_]+", *mp_open_[a-z_]+\}' "$SRC/runtime/core/sandbox.c" |
          sed -E 's/^\{"marsplay\.([a-z_]+)".*/\1/' | sort -u)
check "the sandbox's native modules found ($(echo $natives))" test "$(wc -w <<<"$natives")" -ge 6
for m in $natives; do
  n=0
  for k in $(keys_of "marsplay.$m"); do want "$m" "$k" "marsplay.$m (native)"; n=$((n + 1)); done
  check "marsplay.$m has functions ($n)" test "$n" -gt 0
done

# ---- native modules of the engine, the lab and the test runner ----
reg_names() {  # reg_names FILE OPENER: names in the luaL_Reg array of OPENER
  sed -n "/$2(lua_State \*L)/,/{NULL, NULL}/p" "$1" | grep -o '{"[A-Za-z_0-9]*"' | tr -d '{"'
}
for spec in "core:runtime/core/sandbox.c:mp_open_core" "labkit:runtime/lab/lab.c:luaopen_labkit" \
            "testkit:runtime/cli/testkit.c:mp_open_testkit"; do
  IFS=: read -r m file opener <<<"$spec"
  n=0
  for k in $(reg_names "$SRC/$file" "$opener"); do want "$m" "$k" "marsplay.$m (native, $file)"; n=$((n + 1)); done
  check "marsplay.$m has functions ($n)" test "$n" -gt 0
done

# ---- stdlib modules: every stdlib/marsplay/*.lua ----
# Functions defined in a module's source as M.name / function M.name /
# function t.name (the test context); for modules the sandbox can load,
# the keys of the loaded module too.
static_names() {
  grep -oE '^\s*function (M|t)[.:][A-Za-z_][A-Za-z_0-9]*|^\s*(M|t)\.[A-Za-z_][A-Za-z_0-9]*\s*=\s*function' "$1" |
    sed -E 's/^\s*function //; s/\s*=\s*function$//; s/^\s*//; s/:/./'
}
nmods=0
for f in "$SRC"/stdlib/marsplay/*.lua "$SRC"/stdlib/marsplay/*/init.lua; do
  [ -f "$f" ] || continue
  base=$(basename "$f" .lua)
  [ "$base" = init ] && base=$(basename "$(dirname "$f")")
  if [ "$f" = "$SRC/stdlib/marsplay/init.lua" ]; then mod=marsplay; prefix=mp
  else mod="marsplay.$base"; prefix=$base; fi
  nmods=$((nmods + 1))
  while read -r name; do
    case "$name" in
      M.*) want "$prefix" "${name#M.}" "$mod ($f)" ;;
      t.*) [ "${name#t._}" = "$name" ] && want t "${name#t.}" "$mod: the test context" ;;
    esac
  done < <(static_names "$f")
  if keys=$(keys_of "$mod" 2>/dev/null); then
    for k in $keys; do want "$prefix" "$k" "$mod (loaded)"; done
  fi
done
check "stdlib modules found ($nmods)" test "$nmods" -ge 5

# marsplay.testing runs in the trusted test state: ask it there, with the
# keys of a test's context t too.
mkdir "$T/keys"
cat >"$T/keys/keys_test.lua" <<'LUA'
local test = require "marsplay.testing"
local function names(tbl, prefix)
  for k, v in pairs(tbl) do
    if type(v) == "function" then print("KEY " .. prefix .. "." .. k) end
  end
end
names(test, "testing")
test("keys", function(t) names(t, "t") end)
LUA
"$MP" test "$T/keys" >"$T/keys.out" || { cat "$T/keys.out" >&2; fail "the test state could not list marsplay.testing"; }
n=0
while read -r _ fn; do
  want "${fn%%.*}" "${fn#*.}" "marsplay.testing (loaded in the test state)"
  n=$((n + 1))
done < <(grep '^KEY ' "$T/keys.out")
check "marsplay.testing and t listed ($n)" test "$n" -gt 20
# internal names (a leading underscore) are not part of the API
sort -u -k1,1 "$T/want" | grep -v $'^[a-z_]*\._' >"$T/want.sorted"

missing=0
while IFS=$'\t' read -r fn from; do
  if ! grep -qF "\`$fn(" "$T/headings"; then
    fail "not documented in docs/api.md: $fn  [$from]"
    missing=$((missing + 1))
  fi
done <"$T/want.sorted"
total=$(wc -l <"$T/want.sorted")
check "every function documented ($((total - missing)) of $total)" test "$missing" -eq 0
check "enough functions enumerated ($total)" test "$total" -gt 100

# Headings naming a function that no longer exists are stale.
grep -oE '`[a-z_0-9]+\.[A-Za-z_0-9]+\(' "$T/headings" | tr -d '`(' | sort -u >"$T/documented"
cut -f1 "$T/want.sorted" | sort -u >"$T/known"
stale=$(comm -23 "$T/documented" "$T/known" | grep -vE '^(lfs|io|os|string|table|math|debug|utf8|coroutine|host)\.' || true)
eq "no heading documents a function that does not exist" "" "$stale"

finish
