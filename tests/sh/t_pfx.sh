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

pfx_checks "$T"

# no legacy provider: RC2-40 cannot be decrypted, and the reader says why
mkdir -p "$T/no-modules"
OPENSSL_MODULES="$T/no-modules" read_case rc2
eq "RC2-40 without the legacy provider: cipher" cipher "$(jq -r '.error' <<<"$OUT")"
OPENSSL_MODULES="$T/no-modules" read_case aes
eq "AES-256 needs no legacy provider" "$PFX_NOTAFTER" "$(jq -r '.not_after' <<<"$OUT")"

finish
