#!/usr/bin/env bash
# marsplay.secret.pfx_validity (the platform layer's PKCS#12 reader,
# libcrypto loaded on first use) on blobs made by the openssl command:
# RC2-40 and AES-256 bags, unencrypted ones, a password, a cut blob, text
# that is not base64, and RC2-40 where the legacy provider cannot be
# loaded.  The blob itself is made a secret by the call.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null 2>&1 || { say "skip: openssl not found"; exit 77; }
command -v jq >/dev/null 2>&1 || { say "skip: jq not found"; exit 77; }
. "$SRC/tests/fixtures/pfx_cases.sh"
check "blobs made (RC2-40 and AES-256 bags)" pfx_cases "$T"

# read CASE: the reader's answer as JSON (an error as {"error": code})
read_case() {
  run_mp eval "local r, _, c = require('marsplay.secret').pfx_validity('$(cat "$T/$1.b64")'); return r or { error = c }"
}

for c in rc2 aes plain; do
  read_case "$c"
  eq "$c: exit 0" 0 "$CODE"
  eq "$c: NotAfter" "$PFX_NOTAFTER" "$(jq -r '.not_after' <<<"$OUT")"
  eq "$c: NotBefore 2 days before" "$((PFX_NOTAFTER - 2 * 86400))" "$(jq -r '.not_before' <<<"$OUT")"
  eq "$c: subject" "Windows Azure Tools" "$(jq -r '.subject' <<<"$OUT")"
  eq "$c: thumbprint" "$PFX_THUMB" "$(jq -r '.thumbprint' <<<"$OUT")"
  eq "$c: one certificate, empty password" "1 empty" "$(jq -r '"\(.certificates) \(.password)"' <<<"$OUT")"
done

read_case password
eq "a real password: said so" password "$(jq -r '.error' <<<"$OUT")"
read_case cut
eq "a cut blob: not PKCS#12" not-pkcs12 "$(jq -r '.error' <<<"$OUT")"
run_mp eval "local r, m, c = require('marsplay.secret').pfx_validity('MIIK*not base64*'); return { c, m }"
eq "not base64: said so" '["not-base64","not base64 text"]' "$(jq -c '.' <<<"$OUT")"

# no legacy provider: RC2-40 cannot be decrypted, and the reader says why
mkdir -p "$T/no-modules"
OPENSSL_MODULES="$T/no-modules" read_case rc2
eq "RC2-40 without the legacy provider: cipher" cipher "$(jq -r '.error' <<<"$OUT")"
OPENSSL_MODULES="$T/no-modules" read_case aes
eq "AES-256 needs no legacy provider" "$PFX_NOTAFTER" "$(jq -r '.not_after' <<<"$OUT")"

# the blob became a secret: returning it gives the redaction
run_mp eval "local b = '$(cat "$T/aes.b64")'; require('marsplay.secret').pfx_validity(b); return b"
eq "the blob is redacted from the output" '"[redacted]"' "$OUT"

finish
