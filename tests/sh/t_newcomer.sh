#!/usr/bin/env bash
# t_newcomer.sh - what a new user meets first (issue 10): a run that
# checked nothing is not "healthy" (exit 5, one line saying why and what to
# do); --root on a folder that is not a Windows volume is one clear error;
# typos are caught (options without a value, --set keys no playbook has,
# waivers that match no check); `all` (or no playbook with --root) runs the
# catalogue; sizes on a tmpfs target; the installed command from anywhere.
. "$(dirname "$0")/lib.sh"

lab "$T/lab" scratch-registry-mismatch

# ---- nothing checked: exit 5, one line why and what to do ----
run_mp "$SRC/playbooks/cache.lua" --dry-run --color never
eq "live Linux: exit 5 (nothing checked)" 5 "$CODE"
contains "live Linux: says why and what to do" \
  "Exit code 5: nothing was checked: this system is not a Windows server with the MARS agent" "$OUT"
contains "live Linux: names --root" "--root DIR for a mounted Windows system volume" "$OUT"
run_mp cache --format json
eq "live Linux, JSON: exit 5" 5 "$CODE"
eq "live Linux, JSON: report's exit_code" 5 "$(j .exit_code)"
eq "live Linux, JSON: one line on stderr" 1 "$(printf '%s\n' "$ERR" | grep -c 'nothing was checked')"
run_mp cache --root "$T/lab" --only shadow-copy-storage --dry-run --format json
eq "offline, only skipped checks selected: exit 5" 5 "$CODE"
run_mp cache --root "$T/lab" --only shadow-copy-storage --dry-run --lang pt-BR --color never
contains "pt-BR: nothing checked, in Portuguese" "nada foi verificado" "$OUT"
run_mp cache --root "$T/lab" --only scratch-exists,shadow-copy-storage --dry-run --format json
eq "one check ran (pass): exit 0" 0 "$CODE"

# ---- --root on an empty or non-Windows folder: one clear error ----
mkdir -p "$T/empty" "$T/linux/etc"
for d in empty linux; do
  run_mp --root "$T/$d" all --dry-run
  eq "--root $d: exit 1" 1 "$CODE"
  contains "--root $d: says it is not a Windows volume" \
    "$T/$d does not look like a Windows system volume: it has no Windows folder" "$ERR"
  eq "--root $d: one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
  eq "--root $d: no report" "" "$OUT"
done

# ---- options without a value name the option ----
run_mp cache --root
eq "--root without a value: exit 1" 1 "$CODE"
contains "--root without a value: named" "option --root needs a value" "$ERR"
run_mp cache --only
contains "--only without a value: named" "option --only needs a value" "$ERR"
run_mp --root --dry-run cache
eq "--root followed by an option: exit 1" 1 "$CODE"
contains "--root followed by an option: named" "option --root needs a value (got the option --dry-run" "$ERR"
run_mp cache --bogus
contains "an unknown option: said so" "--bogus: unknown option" "$ERR"

# ---- --set keys that no selected playbook declares ----
run_mp cache --root "$T/lab" --dry-run --set 'protcted=C:\Data'
eq "--set typo: exit 1" 1 "$CODE"
contains "--set typo: nearest suggested" "--set protcted: no selected playbook has this parameter; did you mean protected?" "$ERR"
contains "--set typo: known keys listed" "known: min_free_pct, move_cache_to, protected, protected_bytes" "$ERR"
eq "--set typo: nothing ran" "" "$OUT"
run_mp cache --root "$T/lab" --dry-run --set 'protected=C:\Data' --format json
eq "--set a known key: runs (exit 2)" 2 "$CODE"

# ---- --only ids that no selected playbook has ----
run_mp cache --root "$T/lab" --dry-run --set 'protected=C:\Data' --only scratch-exsts,shadow-copy-storage
eq "--only typo: exit 1" 1 "$CODE"
contains "--only typo: nearest suggested with its playbook" \
  "--only scratch-exsts: no selected playbook has this check; did you mean scratch-exists (in cache)?" "$ERR"
contains "--only typo: the selected playbooks named" "(selected: cache;" "$ERR"
eq "--only typo: the known id is not reported" 0 "$(printf '%s\n' "$ERR" | grep -c 'shadow-copy-storage')"
eq "--only typo: nothing ran" "" "$OUT"
run_mp cache basic-troubleshooting --root "$T/lab" --dry-run --set 'protected=C:\Data' --only nosuch-check-at-all
eq "--only unknown: exit 1" 1 "$CODE"
contains "--only unknown: named with the selected playbooks" \
  "--only nosuch-check-at-all: no selected playbook has this check (selected: cache, basic-troubleshooting;" "$ERR"
run_mp cache --root "$T/lab" --dry-run --set 'protected=C:\Data' --only scratch-exists --format json
eq "--only a known id: runs" 0 "$CODE"
eq "--only a known id: that check only" scratch-exists "$(j '[.playbooks[0].checks[].id] | join(",")')"

# ---- waivers that match no check ----
printf '%s\n' '# comment' 'cache/scratch-regstry | typo of scratch-registry' \
  'scratch-registry | a real one' 'cache/nosuch | until 2099-01-01 | another' >"$T/waivers"
run_mp cache --root "$T/lab" --dry-run --waivers "$T/waivers" --format json
contains "waiver typo: reported with file:line" \
  "$T/waivers:2: the waiver cache/scratch-regstry matches no check" "$ERR"
contains "waiver typo (with until): reported" "$T/waivers:4: the waiver cache/nosuch matches no check" "$ERR"
eq "waivers: only the two typos reported" 2 "$(printf '%s\n' "$ERR" | grep -c 'matches no check')"
eq "the real waiver still applies" waived "$(status_of cache scratch-registry)"

# ---- the whole catalogue: `all`, or no playbook with --root ----
NPB=$("$MP" list | grep -c '^[^ ]')
run_mp all --root "$T/lab" --dry-run --format json
eq "all: every shipped playbook" "$NPB" "$(j '.playbooks | length')"
run_mp --root "$T/lab" --dry-run --format json
eq "no playbook with --root: every shipped playbook" "$NPB" "$(j '.playbooks | length')"
run_mp --dry-run
eq "no playbook without --root: exit 1" 1 "$CODE"

# ---- sizes are whole bytes whatever the volume reports (tmpfs) ----
OUT=$("$MP" eval 'local mp = require "marsplay"; return { mp.bytes(1.5), mp.bytes(1023.7), mp.bytes(2048) }')
eq "mp.bytes of fractional counts" '["2 B","1.0 KiB","2.0 KiB"]' "$(jq -c . <<<"$OUT")"
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ]; then
  S=$(mktemp -d /dev/shm/marsplay-newcomer.XXXXXX)
  on_exit "chmod -R u+rwX '$S'; rm -rf '$S'"
  lab "$S/lab"
  run_mp cache --root "$S/lab" --dry-run --set 'protected=C:\Data' --format json
  eq "tmpfs target: free space measured" pass "$(status_of cache cache-free-space)"
  eq "tmpfs target: exit 0" 0 "$CODE"
else
  say "# skip: no tmpfs at /dev/shm"
fi

# ---- the installed command works from anywhere ----
if [ -n "${MARSPLAY_BUILD:-}" ] && cmake --install "$MARSPLAY_BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1; then
  OUT=$(cd / && env -u MARSPLAY_STDLIB -u MARSPLAY_PATH "$T/prefix/bin/marsplay" cache --dry-run \
        --root "$T/lab" --format json 2>"$T/stderr") && CODE=0 || CODE=$?
  eq "installed, from /: marsplay cache --dry-run runs (exit 2)" 2 "$CODE"
  contains "installed: the installed playbook ran" "$T/prefix/share/marsplay/playbooks/cache.lua" "$(j '.playbooks[0].file')"
else
  fail "cmake --install into a temporary prefix"
fi

finish
