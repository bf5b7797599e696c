/* platform_posix_pkcs12.c - the certificate inside a PKCS#12 (PFX) blob
 * (platform.h "certificates"), with OpenSSL's libcrypto.
 *
 * libcrypto is loaded on first use (dlopen), like libcurl and libxml2 in
 * platform_posix_lazylib.c: linked normally it costs every start of the
 * command about 2.5 ms, and only the credentials checks need it.  The
 * functions are taken by name into a table whose types come from the
 * OpenSSL headers (__typeof__), so a mismatch is a compile error.
 *
 * Reading: the blob is parsed and its MAC checked with an empty password,
 * then with none (PKCS#12 tells the two apart: "" is encoded as a BMP
 * string terminator, none as no bytes; OpenSSL's PKCS12_parse tries both
 * in its own order).  Certificate bags are read, in plain or password-
 * encrypted containers; shrouded key bags are never decrypted (only their
 * localKeyID attribute, outside the encryption, is compared to choose the
 * certificate paired with the key).  Windows writes the bags with
 * pbeWithSHA1And3-KeyTripleDES-CBC (in OpenSSL's default provider) and,
 * on older systems, certificates with pbeWithSHA1And40BitRC2-CBC (only in
 * the "legacy" provider): each read runs in a private library context
 * holding the default and the legacy providers, made the thread's default
 * for the duration of the read and freed after it, so the legacy
 * algorithms are loaded only for this parse and never become available to
 * anything else (libcurl's TLS included).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "platform/platform.h"

#ifndef MARSPLAY_CRYPTO_SONAME
#define MARSPLAY_CRYPTO_SONAME "libcrypto.so.3"
#endif

/* X(name): one function of libcrypto, typed as its header declares it. */
#define CRYPTO_FUNCTIONS \
  X(d2i_PKCS12) X(PKCS12_free) X(PKCS12_mac_present) X(PKCS12_verify_mac) \
  X(PKCS12_unpack_authsafes) X(PKCS7_free) X(OPENSSL_sk_num) X(OPENSSL_sk_value) \
  X(OPENSSL_sk_pop_free) X(OBJ_obj2nid) X(PKCS12_unpack_p7data) X(PKCS12_unpack_p7encdata) \
  X(PKCS12_SAFEBAG_get_nid) X(PKCS12_SAFEBAG_get_bag_nid) X(PKCS12_SAFEBAG_get1_cert) \
  X(PKCS12_SAFEBAG_free) X(PKCS12_SAFEBAG_get0_attr) X(ASN1_STRING_length) \
  X(ASN1_STRING_get0_data) X(X509_get0_notBefore) X(X509_get0_notAfter) X(ASN1_TIME_to_tm) \
  X(X509_get_subject_name) X(X509_NAME_get_text_by_NID) X(X509_digest) X(EVP_sha1) \
  X(X509_free) X(ERR_clear_error) X(ERR_get_error) X(OSSL_LIB_CTX_new) X(OSSL_LIB_CTX_free) \
  X(OSSL_PROVIDER_load) X(OSSL_PROVIDER_unload) X(OSSL_LIB_CTX_set0_default) \
  X(EVP_PKEY_Q_keygen) X(EVP_PKEY_free) X(X509_new) X(X509_set_version) \
  X(X509_get_serialNumber) X(ASN1_INTEGER_set) X(X509_getm_notBefore) X(X509_getm_notAfter) \
  X(ASN1_TIME_set) X(X509_set_pubkey) X(X509_NAME_add_entry_by_txt) X(X509_set_issuer_name) \
  X(X509_sign) X(EVP_sha256) X(PKCS12_create) X(PKCS12_set_mac) X(i2d_PKCS12) X(CRYPTO_free)

static struct {
#define X(n) __typeof__(&n) n;
  CRYPTO_FUNCTIONS
#undef X
} C;
static int c_state;   /* 0 not tried, 1 loaded, -1 failed */

static int have_crypto(void) {
  void *h;
  if (c_state) return c_state > 0;
  c_state = -1;
  if ((h = dlopen(MARSPLAY_CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) return 0;
#define X(n)                                       \
  {                                                \
    void *sym = dlsym(h, #n);                      \
    if (sym == NULL) { dlclose(h); return 0; }     \
    memcpy(&C.n, &sym, sizeof sym);                \
  }
  CRYPTO_FUNCTIONS
#undef X
  c_state = 1;
  return 1;
}

/* A private library context with the default and (if installed) legacy
 * providers, made this thread's default until ctx_end. */
typedef struct pctx {
  OSSL_LIB_CTX *ctx, *prev;
  OSSL_PROVIDER *def, *legacy;
} pctx;

static int ctx_begin(pctx *p) {
  memset(p, 0, sizeof *p);
  if ((p->ctx = C.OSSL_LIB_CTX_new()) == NULL) return -1;
  if ((p->def = C.OSSL_PROVIDER_load(p->ctx, "default")) == NULL) {
    C.OSSL_LIB_CTX_free(p->ctx);
    return -1;
  }
  p->legacy = C.OSSL_PROVIDER_load(p->ctx, "legacy");   /* may be absent */
  p->prev = C.OSSL_LIB_CTX_set0_default(p->ctx);
  return 0;
}

static void ctx_end(pctx *p) {
  C.OSSL_LIB_CTX_set0_default(p->prev);
  if (p->legacy) C.OSSL_PROVIDER_unload(p->legacy);
  C.OSSL_PROVIDER_unload(p->def);
  C.OSSL_LIB_CTX_free(p->ctx);
  C.ERR_clear_error();
}

/* Did the errors queued say "this algorithm is not available"? */
static int unsupported_queued(void) {
  unsigned long e;
  int found = 0;
  while ((e = C.ERR_get_error()) != 0) {
    int r = ERR_GET_REASON(e);
    if (r == ERR_R_UNSUPPORTED || r == EVP_R_UNSUPPORTED_ALGORITHM ||
        r == EVP_R_UNKNOWN_CIPHER || r == EVP_R_UNSUPPORTED_CIPHER ||
        r == EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION || r == EVP_R_UNKNOWN_PBE_ALGORITHM ||
        r == EVP_R_UNSUPPORTED_PRF || r == ERR_R_FETCH_FAILED)
      found = 1;
  }
  return found;
}

static int64_t days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int asn1_epoch(const ASN1_TIME *t, int64_t *out) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (t == NULL || C.ASN1_TIME_to_tm(t, &tm) != 1) return -1;
  *out = days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
         tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  return 0;
}

/* The localKeyID of bag into id (up to idsz bytes): its length, or 0. */
static size_t key_id(const PKCS12_SAFEBAG *bag, unsigned char *id, size_t idsz) {
  const ASN1_TYPE *a = C.PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
  int n;
  if (a == NULL || a->type != V_ASN1_OCTET_STRING) return 0;
  n = C.ASN1_STRING_length(a->value.octet_string);
  if (n <= 0 || (size_t)n > idsz) return 0;
  memcpy(id, C.ASN1_STRING_get0_data(a->value.octet_string), (size_t)n);
  return (size_t)n;
}

typedef struct found {
  X509 *cert;            /* the chosen certificate (owned) */
  int paired;            /* its localKeyID matches a key bag's */
  int certs;
  unsigned char keyid[64];
  size_t keyidlen;       /* the key bag's localKeyID, when seen */
} found;

static void free_bag(void *b) { C.PKCS12_SAFEBAG_free(b); }
static void free_p7(void *p) { C.PKCS7_free(p); }

/* Look at the bags of one container. */
static void scan_bags(const STACK_OF(PKCS12_SAFEBAG) *bags, found *f) {
  int i, n = C.OPENSSL_sk_num((const OPENSSL_STACK *)bags);
  /* key bags first: their ids say which certificate is the key's */
  for (i = 0; i < n; i++) {
    const PKCS12_SAFEBAG *b = C.OPENSSL_sk_value((const OPENSSL_STACK *)bags, i);
    int nid = C.PKCS12_SAFEBAG_get_nid(b);
    if ((nid == NID_pkcs8ShroudedKeyBag || nid == NID_keyBag) && f->keyidlen == 0)
      f->keyidlen = key_id(b, f->keyid, sizeof f->keyid);
  }
  for (i = 0; i < n; i++) {
    const PKCS12_SAFEBAG *b = C.OPENSSL_sk_value((const OPENSSL_STACK *)bags, i);
    unsigned char id[64];
    size_t idlen;
    int paired;
    X509 *x;
    if (C.PKCS12_SAFEBAG_get_nid(b) != NID_certBag ||
        C.PKCS12_SAFEBAG_get_bag_nid(b) != NID_x509Certificate)
      continue;
    if ((x = C.PKCS12_SAFEBAG_get1_cert(b)) == NULL) continue;
    f->certs++;
    idlen = key_id(b, id, sizeof id);
    paired = f->keyidlen && idlen == f->keyidlen && memcmp(id, f->keyid, idlen) == 0;
    if (f->cert == NULL || (paired && !f->paired)) {
      if (f->cert) C.X509_free(f->cert);
      f->cert = x;
      f->paired = paired;
    } else {
      C.X509_free(x);
    }
  }
}

/* Read every container with password pass (NULL: none).  0, or -1 when
 * an encrypted container could not be decrypted (*unsup: the algorithm
 * is unavailable). */
static int read_safes(PKCS12 *p12, const char *pass, found *f, int *unsup) {
  STACK_OF(PKCS7) *safes = C.PKCS12_unpack_authsafes(p12);
  int i, n, rc = 0;
  *unsup = 0;
  if (safes == NULL) return -1;
  n = C.OPENSSL_sk_num((const OPENSSL_STACK *)safes);
  for (i = 0; i < n && rc == 0; i++) {
    PKCS7 *p7 = C.OPENSSL_sk_value((const OPENSSL_STACK *)safes, i);
    STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
    int nid = C.OBJ_obj2nid(p7->type);
    if (nid == NID_pkcs7_data) {
      bags = C.PKCS12_unpack_p7data(p7);
    } else if (nid == NID_pkcs7_encrypted) {
      bags = C.PKCS12_unpack_p7encdata(p7, pass, pass ? (int)strlen(pass) : 0);
    } else {
      continue;   /* enveloped (public-key privacy mode): not for us */
    }
    if (bags == NULL) {
      *unsup = unsupported_queued();
      rc = -1;
      break;
    }
    scan_bags(bags, f);
    C.OPENSSL_sk_pop_free((OPENSSL_STACK *)bags, free_bag);
  }
  C.OPENSSL_sk_pop_free((OPENSSL_STACK *)safes, free_p7);
  return rc;
}

static void hex_upper(const unsigned char *b, size_t n, char *out) {
  static const char H[] = "0123456789ABCDEF";
  size_t i;
  for (i = 0; i < n; i++) {
    out[2 * i] = H[b[i] >> 4];
    out[2 * i + 1] = H[b[i] & 15];
  }
  out[2 * n] = '\0';
}

static plat_pfx_status describe(X509 *x, plat_pfx_info *out) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (asn1_epoch(C.X509_get0_notBefore(x), &out->not_before) < 0 ||
      asn1_epoch(C.X509_get0_notAfter(x), &out->not_after) < 0)
    return PLAT_PFX_NOT_PKCS12;
  if (C.X509_NAME_get_text_by_NID(C.X509_get_subject_name(x), NID_commonName, out->subject_cn,
                                  (int)sizeof out->subject_cn) < 0)
    out->subject_cn[0] = '\0';
  if (C.X509_digest(x, C.EVP_sha1(), md, &mdlen) == 1 && mdlen == 20)
    hex_upper(md, 20, out->thumbprint);
  return PLAT_PFX_OK;
}

static plat_pfx_status read_blob(const unsigned char *der, size_t len, plat_pfx_info *out) {
  static const char *const PASSES[2] = {"", NULL};
  const unsigned char *p = der;
  PKCS12 *p12;
  found f;
  plat_pfx_status st = PLAT_PFX_PASSWORD;
  int i, unsup = 0, mac;
  if (len > 0x7fffffff) return PLAT_PFX_NOT_PKCS12;
  p12 = C.d2i_PKCS12(NULL, &p, (long)len);
  if (p12 == NULL) return PLAT_PFX_NOT_PKCS12;
  mac = C.PKCS12_mac_present(p12);
  for (i = 0; i < 2; i++) {
    int u = 0;
    if (mac && C.PKCS12_verify_mac(p12, PASSES[i], 0) != 1) {
      if (unsupported_queued()) unsup = 1;
      continue;
    }
    memset(&f, 0, sizeof f);
    if (read_safes(p12, PASSES[i], &f, &u) < 0) {
      if (f.cert) C.X509_free(f.cert);
      if (u) unsup = 1;
      /* the MAC held: the password is right, so the container is the trouble */
      if (mac) { st = u ? PLAT_PFX_CIPHER : PLAT_PFX_NOT_PKCS12; break; }
      continue;
    }
    if (f.cert == NULL) { st = PLAT_PFX_NO_CERT; break; }
    st = describe(f.cert, out);
    out->certificates = f.certs;
    out->null_password = PASSES[i] == NULL;
    C.X509_free(f.cert);
    break;
  }
  if (st == PLAT_PFX_PASSWORD && unsup) st = PLAT_PFX_CIPHER;
  C.PKCS12_free(p12);
  return st;
}

plat_pfx_status plat_pfx_validity(const void *der, size_t len, plat_pfx_info *out) {
  pctx pc;
  plat_pfx_status st;
  memset(out, 0, sizeof *out);
  if (!have_crypto()) return PLAT_PFX_UNAVAILABLE;
  if (ctx_begin(&pc) < 0) return PLAT_PFX_NOMEM;
  st = read_blob(der, len, out);
  ctx_end(&pc);
  return st;
}

/* ---------- lab only ---------- */

/* One RSA key per process, in OpenSSL's default context (where 3DES and
 * RSA are), kept until the process ends.  1024 bits, not the 2048 of a
 * real download: making a 2048-bit key took up to a second on a loaded
 * CI machine, for every lab the tests build; nothing marsplay checks
 * depends on the key (only the certificate's validity, name and hash). */
static EVP_PKEY *lab_key;

int plat_lab_pfx(const char *cn, int64_t not_before, int64_t not_after, const char *cipher,
                 unsigned char **out, size_t *outlen) {
  EVP_PKEY *key;
  X509 *x = NULL;
  PKCS12 *p12 = NULL;
  unsigned char *buf = NULL;
  int n = -1, aes = cipher && strcmp(cipher, "aes") == 0;
  int nid = aes ? NID_aes_256_cbc : NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
  *out = NULL;
  *outlen = 0;
  if (!have_crypto()) return -PLAT_ENOSYS;
  if (lab_key == NULL) lab_key = C.EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
  if ((key = lab_key) != NULL && (x = C.X509_new()) != NULL && C.X509_set_version(x, X509_VERSION_3) == 1 &&
      C.ASN1_INTEGER_set(C.X509_get_serialNumber(x), (long)(not_before & 0x7fffffff)) == 1 &&
      C.ASN1_TIME_set(C.X509_getm_notBefore(x), (time_t)not_before) != NULL &&
      C.ASN1_TIME_set(C.X509_getm_notAfter(x), (time_t)not_after) != NULL &&
      C.X509_set_pubkey(x, key) == 1 &&
      C.X509_NAME_add_entry_by_txt(C.X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                   (const unsigned char *)cn, -1, -1, 0) == 1 &&
      C.X509_set_issuer_name(x, C.X509_get_subject_name(x)) == 1 &&
      C.X509_sign(x, key, C.EVP_sha256()) > 0 &&
      (p12 = C.PKCS12_create(NULL, NULL, key, x, NULL, nid, nid, 2000, -1, 0)) != NULL &&
      C.PKCS12_set_mac(p12, NULL, 0, NULL, 0, 2000, aes ? C.EVP_sha256() : C.EVP_sha1()) == 1)
    n = C.i2d_PKCS12(p12, &buf);
  if (p12) C.PKCS12_free(p12);
  if (x) C.X509_free(x);
  C.ERR_clear_error();
  if (n <= 0 || buf == NULL) return -PLAT_EIO;
  if ((*out = malloc((size_t)n)) == NULL) {
    C.CRYPTO_free(buf, __FILE__, __LINE__);
    return -PLAT_ENOMEM;
  }
  memcpy(*out, buf, (size_t)n);
  *outlen = (size_t)n;
  C.CRYPTO_free(buf, __FILE__, __LINE__);
  return 0;
}
