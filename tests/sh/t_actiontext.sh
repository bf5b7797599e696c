#!/usr/bin/env bash
# Action details in the report's language: every English detail the
# remediation API writes (each D("...") in runtime/bind/bind_fix.c) has a
# pt-BR translation in stdlib/marsplay/actiontext.lua, English stays
# English, and a pt-BR run shows them translated.
. "$(dirname "$0")/lib.sh"

grep -o 'D("[^"]*")' "$SRC/runtime/bind/bind_fix.c" | sed 's/^D("//; s/")$//' | sort -u >"$T/formats"
n=$(wc -l <"$T/formats")
check "bind_fix.c marks its details with D() ($n found)" test "$n" -ge 20

# one Lua table of samples: %lld -> 7, %s -> a path
{
  echo 'local at = require "marsplay.actiontext"'
  echo 'local samples = {'
  while IFS= read -r f; do
    s=${f//%lld/7}
    s=${s//%s/C:\\Data\\x.tmp}
    printf '  [==[%s]==],\n' "$s"
  done <"$T/formats"
  printf '  [==[C:\\Data\\x.tmp: Permission denied]==],\n'
  printf '  [==[C:\\Data\\x.tmp: No such file or directory]==],\n'
  echo '}'
  echo 'local missing, english = {}, {}'
  echo 'for _, s in ipairs(samples) do'
  echo '  if at.translate(s, "pt-BR") == s then missing[#missing + 1] = s end'
  echo '  if at.translate(s, "en") ~= s then english[#english + 1] = s end'
  echo 'end'
  echo 'return { n = #samples, missing = table.concat(missing, " | "), english = table.concat(english, " | ") }'
} >"$T/probe.lua"
out=$("$MP" eval "$(cat "$T/probe.lua")")
eq "every detail sample checked" "$((n + 2))" "$(jq .n <<<"$out")"
eq "every detail has a pt-BR translation" "" "$(jq -r .missing <<<"$out")"
eq "English details stay as they are" "" "$(jq -r .english <<<"$out")"
eq "unknown text passes through" '"something new; 3 regular files matching *.tmp"' \
  "$("$MP" eval 'return require("marsplay.actiontext").translate("something new; 3 regular files matching *.tmp", "en")')"
eq "parts are translated one by one, unknown ones kept" '"something new; 3 arquivos comuns correspondentes a *.tmp"' \
  "$("$MP" eval 'return require("marsplay.actiontext").translate("something new; 3 regular files matching *.tmp", "pt-BR")')"

# end to end: a pt-BR dry-run and apply of a clean-up
L="$T/lab"
lab "$L"
W="$L/Windows/Temp"
for i in 1 2 3; do printf '%d\n' "$i" >"$W/f$i.tmp"; done
mkdir "$W/dir.tmp"
FIX="$SRC/tests/playbooks/fixops.lua"
run_mp --root "$L" "$FIX" --set op=delete_matching --set 'a=C:\Windows\Temp' --set 'b=*.tmp' \
  --lang pt-BR --dry-run --format json
contains "pt-BR dry-run: the plan's detail is in Portuguese" "outras entradas deixadas como estão" \
  "$(j '.playbooks[0].checks[0].actions[0].detail')"
run_mp --root "$L" "$FIX" --set op=delete --set 'a=C:\Windows\Temp\dir.tmp' --lang pt-BR
eq "pt-BR apply: a skipped deletion says why in Portuguese" "não é um arquivo comum: deixado como está" \
  "$(printf '%s' "$OUT" | grep -o 'não é um arquivo comum: deixado como está' | head -1)"
run_mp --root "$L" "$FIX" --set op=delete --set 'a=C:\Windows\Temp\dir.tmp' --format json
eq "English run: English detail" "not a regular file: left alone" "$(j '.playbooks[0].checks[0].actions[0].detail')"

# the kernel's write ban (sandbox.notice, and the text report's header)
# in the report's language
run_mp --root "$L" "$FIX" --set op=delete --set 'a=C:\Windows\Temp\dir.tmp' --dry-run --format json --lang pt-BR
PT_NOTICE=$(j '.sandbox.notice')
run_mp --root "$L" "$FIX" --set op=delete --set 'a=C:\Windows\Temp\dir.tmp' --dry-run --format json --lang en
EN_NOTICE=$(j '.sandbox.notice')
if [ "$(j '.sandbox.kernel')" = landlock ]; then
  contains "pt-BR JSON: sandbox.notice in Portuguese" "nenhum arquivo pode ser gravado" "$PT_NOTICE"
  contains "English JSON: sandbox.notice in English" "no file can be written" "$EN_NOTICE"
  run_mp --root "$L" "$FIX" --set op=delete --set 'a=C:\Windows\Temp\dir.tmp' --dry-run --lang pt-BR
  contains "pt-BR text report: the Landlock line in Portuguese" "nenhum arquivo pode ser gravado" "$OUT"
  run_mp --root "$L" "$FIX" --set op=delete --set 'a=C:\Windows\Temp\dir.tmp' --dry-run --lang en
  contains "English text report: the Landlock line in English" "no file can be written" "$OUT"
else
  contains "pt-BR JSON: sandbox.notice in Portuguese (no Landlock here)" "Landlock n" "$PT_NOTICE"
  check "English JSON: sandbox.notice in English (no Landlock here)" \
    sh -c 'case $1 in *não*) exit 1 ;; *Landlock*) exit 0 ;; *) exit 1 ;; esac' _ "$EN_NOTICE"
fi

finish
