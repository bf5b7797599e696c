/* platform_win32_pkcs12.c - the certificate inside a PKCS#12 (PFX) blob
 * (platform.h "certificates"), with CryptoAPI.
 *
 * PFXImportCertStore opens the blob into a temporary in-memory store,
 * with an empty password and then with none (the system tells the two
 * apart, like the format does).  Keys: PKCS12_ONLY_CERTIFICATES asks the
 * system to skip them; where that flag is refused (older systems, Wine)
 * the import is repeated with PKCS12_NO_PERSIST_KEY, so a key is only
 * held in memory while the store is open and never written to a key
 * container.  Under Wine the import goes through GnuTLS (tested there
 * with 3DES, RC2-40 and AES-256 blobs); on a real Windows it is untested.
 * No lab certificate is made here: the labs are built by the Linux build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

#include <wincrypt.h>

#ifndef PKCS12_ONLY_CERTIFICATES
#define PKCS12_ONLY_CERTIFICATES 0x00000400
#endif
#ifndef PKCS12_NO_PERSIST_KEY
#define PKCS12_NO_PERSIST_KEY 0x00008000
#endif

/* 100 ns ticks since 1601 -> seconds since 1970 */
static int64_t unix_time(FILETIME ft) {
  uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
  return (int64_t)(t / 10000000u) - INT64_C(11644473600);
}

static int has_key(PCCERT_CONTEXT c) {
  DWORD n = 0;
  return CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID, NULL, &n) ||
         CertGetCertificateContextProperty(c, CERT_KEY_CONTEXT_PROP_ID, NULL, &n) ||
         CertGetCertificateContextProperty(c, CERT_NCRYPT_KEY_HANDLE_PROP_ID, NULL, &n);
}

static void describe(PCCERT_CONTEXT c, plat_pfx_info *out) {
  wchar_t cn[128];
  BYTE hash[20];
  DWORD n = sizeof hash, i;
  static const char H[] = "0123456789ABCDEF";
  out->not_before = unix_time(c->pCertInfo->NotBefore);
  out->not_after = unix_time(c->pCertInfo->NotAfter);
  if (CertGetNameStringW(c, CERT_NAME_ATTR_TYPE, 0, (void *)szOID_COMMON_NAME, cn,
                         sizeof cn / sizeof cn[0]) > 1) {
    if (w32_utf8(cn, -1, out->subject_cn, sizeof out->subject_cn) < 0) out->subject_cn[0] = '\0';
  }
  if (CertGetCertificateContextProperty(c, CERT_SHA1_HASH_PROP_ID, hash, &n) && n == 20) {
    for (i = 0; i < 20; i++) {
      out->thumbprint[2 * i] = H[hash[i] >> 4];
      out->thumbprint[2 * i + 1] = H[hash[i] & 15];
    }
    out->thumbprint[40] = '\0';
  }
}

static plat_pfx_status kind_of(DWORD e) {
  switch (e) {
    case ERROR_INVALID_PASSWORD: case (DWORD)0x80070056: return PLAT_PFX_PASSWORD;
    case (DWORD)NTE_BAD_ALGID: case (DWORD)CRYPT_E_UNKNOWN_ALGO: return PLAT_PFX_CIPHER;
    case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY: case (DWORD)E_OUTOFMEMORY: return PLAT_PFX_NOMEM;
    default:
      /* CRYPT_E_ASN1_*: the encoding is wrong */
      if ((e & 0xFFFFFF00u) == 0x80093100u) return PLAT_PFX_NOT_PKCS12;
      /* no reason given (Wine's GnuTLS import sets none for a wrong
       * password or a damaged bag; its PFXVerifyPassword is a stub) */
      return PLAT_PFX_UNREADABLE;
  }
}

plat_pfx_status plat_pfx_validity(const void *der, size_t len, plat_pfx_info *out) {
  static const DWORD FLAGS[2] = {PKCS12_ONLY_CERTIFICATES, PKCS12_NO_PERSIST_KEY};
  CRYPT_DATA_BLOB b;
  HCERTSTORE s = NULL;
  PCCERT_CONTEXT c = NULL, pick = NULL;
  plat_pfx_status st = PLAT_PFX_NOT_PKCS12;
  int f, p, pick_key = 0;
  memset(out, 0, sizeof *out);
  if (len == 0 || len > 0x7fffffff) return PLAT_PFX_NOT_PKCS12;
  b.cbData = (DWORD)len;
  b.pbData = (BYTE *)der;
  if (!PFXIsPFXBlob(&b)) return PLAT_PFX_NOT_PKCS12;
  for (f = 0; f < 2 && s == NULL; f++) {
    for (p = 0; p < 2 && s == NULL; p++) {
      s = PFXImportCertStore(&b, p == 0 ? L"" : NULL, FLAGS[f]);
      if (s == NULL) {
        plat_pfx_status k = kind_of(GetLastError());
        /* the most telling failure wins: a cipher, a password, no reason, damage */
        if (k == PLAT_PFX_CIPHER || k == PLAT_PFX_NOMEM ||
            (k == PLAT_PFX_PASSWORD && st != PLAT_PFX_CIPHER) ||
            (k == PLAT_PFX_UNREADABLE && st == PLAT_PFX_NOT_PKCS12))
          st = k;
      } else {
        out->null_password = p == 1;
      }
    }
  }
  if (s == NULL) return st;
  while ((c = CertEnumCertificatesInStore(s, c)) != NULL) {
    int k = has_key(c);
    out->certificates++;
    if (pick == NULL || (k && !pick_key)) {
      if (pick) CertFreeCertificateContext(pick);
      pick = CertDuplicateCertificateContext(c);
      pick_key = k;
    }
  }
  if (pick == NULL) {
    st = PLAT_PFX_NO_CERT;
  } else {
    describe(pick, out);
    CertFreeCertificateContext(pick);
    st = PLAT_PFX_OK;
  }
  CertCloseStore(s, 0);
  return st;
}

int plat_lab_pfx(const char *cn, int64_t not_before, int64_t not_after, const char *cipher,
                 unsigned char **out, size_t *outlen) {
  (void)cn; (void)not_before; (void)not_after; (void)cipher;
  *out = NULL;
  *outlen = 0;
  return -PLAT_ENOSYS;
}
