/* fuzz_pfx.c - the PKCS#12 reader (plat_pfx_validity) on any bytes: a
 * vault credentials file's ManagementCert once base64 is undone.  The
 * answer must be a known status, and on success a validity and names
 * that fit their buffers.  (libcrypto itself is loaded uninstrumented:
 * what is fuzzed is our walk of its structures.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  plat_pfx_info info;
  plat_pfx_status st = plat_pfx_validity(data, size, &info);
  if (st > PLAT_PFX_UNREADABLE) abort();
  if (strlen(plat_pfx_status_name(st)) == 0) abort();
  if (st == PLAT_PFX_OK) {
    if (memchr(info.subject_cn, 0, sizeof info.subject_cn) == NULL) abort();
    if (memchr(info.thumbprint, 0, sizeof info.thumbprint) == NULL) abort();
    if (info.certificates < 1) abort();
  }
  return 0;
}
