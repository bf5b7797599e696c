#!/usr/bin/env bash
# t_authoring_docs.sh - a newcomer can write a playbook from README and
# docs/api.md (issue 10, point 7): every docs/api.md#anchor the `marsplay
# new` skeleton cites is a real heading of docs/api.md; mp.walk walks a
# tree bounded, never through a link; the playbook written from the docs
# alone (tests/newcomer: delete files larger than N bytes under C:\Temp)
# passes its tests (dry-run plan, apply, second apply unchanged).
. "$(dirname "$0")/lib.sh"

# ---- the skeleton's references are headings ----
slugs=$(grep -E '^#{1,6} ' "$SRC/docs/api.md" | sed -E 's/^#+ //' | tr 'A-Z' 'a-z' |
        sed -E 's/[^a-z0-9 _-]//g; s/ /-/g')
(cd "$T" && "$MP" new demo-pb >/dev/null)
refs=$(cat "$T/demo-pb.lua" "$T/demo-pb_test.lua" | grep -o 'api\.md[^ ,;.)":]*' || true)
check "the skeleton cites docs/api.md" test -n "$refs"
while read -r ref; do
  anchor=${ref#api.md}
  case $anchor in
    "#"?*) if grep -qxF -- "${anchor#\#}" <<<"$slugs"; then pass "skeleton anchor $anchor is a heading"
           else fail "skeleton anchor $anchor is not a heading of docs/api.md"; fi ;;
    *) fail "skeleton cites docs/api.md without a section anchor: $ref" ;;
  esac
done <<<"$refs"

# ---- mp.walk: bounded, never through a link ----
R="$T/root"
mkdir -p "$R/Windows/System32" "$R/Temp/a/b/c" "$R/Outside/deep"
printf 'x%.0s' $(seq 1 3000) >"$R/Temp/a/b/c/big.bin"
echo small >"$R/Temp/small.txt"
echo secret >"$R/Outside/deep/file.txt"
ln -s ../Outside "$R/Temp/to-outside"
ln -s / "$R/Temp/to-root"
walk() { "$MP" eval --root "$R" "local mp = require 'marsplay'; local out = {}
  local it, st = mp.walk([[C:\\Temp]], $1); for p, e in it do out[#out + 1] = p .. '|' .. e.type .. '|' .. e.depth .. '|' .. tostring(e.size) end
  out[#out + 1] = 'truncated=' .. tostring(st.truncated) .. ' errors=' .. #st.errors; return table.concat(out, ' ')"; }
eq "walk: every entry, links not entered, sizes with stat" \
  '"C:\\Temp\\a|dir|1|nil C:\\Temp\\a\\b|dir|2|nil C:\\Temp\\a\\b\\c|dir|3|nil C:\\Temp\\a\\b\\c\\big.bin|file|4|3000 C:\\Temp\\small.txt|file|1|6 C:\\Temp\\to-outside|link|1|nil C:\\Temp\\to-root|link|1|nil truncated=false errors=0"' \
  "$(walk '{ stat = true }')"
eq "walk: depth 1 enters one level" \
  '"C:\\Temp\\a|dir|1|nil C:\\Temp\\a\\b|dir|2|nil C:\\Temp\\small.txt|file|1|nil C:\\Temp\\to-outside|link|1|nil C:\\Temp\\to-root|link|1|nil truncated=true errors=0"' \
  "$(walk '{ depth = 1 }')"
eq "walk: max 2 entries" '"C:\\Temp\\a|dir|1|nil C:\\Temp\\a\\b|dir|2|nil truncated=true errors=0"' "$(walk '{ max = 2 }')"
case $(walk nil) in *Outside*|*file.txt*) fail "walk: never through a link" ;; *) pass "walk: never through a link" ;; esac
set +e
"$MP" eval --root "$R" "return (require 'marsplay').walk('C:/Temp', { depth = 99 })" >/dev/null 2>"$T/err"
c=$?
set -e
check "walk: a bad depth is an error (exit $c)" test "$c" -ne 0
contains "walk: the error says which option" "opts.depth must be a number from 0 to 64" "$(cat "$T/err")"

# ---- the newcomer's playbook and its tests ----
run_mp test "$SRC/tests/newcomer"
eq "newcomer playbook's tests pass" 0 "$CODE"
contains "newcomer: 3 passed" "3 passed, 0 failed" "$OUT"
run_mp check "$SRC/tests/newcomer/bigfile.lua"
eq "newcomer playbook: marsplay check is clean" 0 "$CODE"

# ---- eval is in --help ----
contains "--help documents eval" "marsplay eval" "$("$MP" --help)"

finish
