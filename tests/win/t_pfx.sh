#!/bin/bash
# marsplay.secret.pfx_validity in the Windows build under Wine: the
# CryptoAPI reader (PFXImportCertStore, which Wine implements with
# GnuTLS) on the blobs tests/sh/t_pfx.sh reads with libcrypto, with the
# same answers: RC2-40, AES-256 and unencrypted bags read; a cut blob and
# text that is not base64 said so; the blob redacted; a password, where
# Wine gives no reason, "unreadable".
. "$(dirname "$0")/lib_win.sh"
command -v openssl >/dev/null 2>&1 || { say "skip: openssl not found"; exit 77; }
command -v jq >/dev/null 2>&1 || { say "skip: jq not found"; exit 77; }
. "$SRC/tests/fixtures/pfx_cases.sh"
check "blobs made (RC2-40 and AES-256 bags)" pfx_cases "$T"
# Wine's PFXImportCertStore (GnuTLS) sets no error for a wrong password and
# its PFXVerifyPassword is a stub: "unreadable" there; a real Windows says
# ERROR_INVALID_PASSWORD ("password")
PFX_PASSWORD_CODES='password|unreadable'
pfx_checks "$T"
finish
