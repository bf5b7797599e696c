/* fuzz_xml_task.c - scheduled task XML through the xmlconv.h C API:
 * encoding detection, UTF-16 <-> UTF-8, the hardened read and the
 * in-place text edit.  Oracles: an edit that succeeds reads back; a
 * UTF-16 text that converts to UTF-8 converts back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/xmlconv.h"

static void roundtrip16(const char *in, size_t n, int be) {
  char err[256], *u8 = NULL, *u16 = NULL;
  size_t n8, n16;
  if (mp_utf16_to_utf8(in, n, be, &u8, &n8, err, sizeof err) == 0) {
    if (mp_utf8_to_utf16(u8, n8, be, 0, &u16, &n16, err, sizeof err) != 0 ||
        n16 != n || memcmp(u16, in, n) != 0)
      abort();                    /* valid UTF-16 must survive the round trip */
  }
  free(u8);
  free(u16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  char err[256], *out = NULL, *u8 = NULL;
  size_t outn, n8;
  int enc, count;
  xmlDocPtr doc = NULL;
  (void)mp_xml_detect(in, size);
  if (mp_xml_to_utf8(in, size, &enc, &u8, &n8, err, sizeof err) == 0)
    (void)mp_utf8_check(u8, n8, err, sizeof err);
  free(u8);
  roundtrip16(in, size & ~(size_t)1, 0);
  roundtrip16(in, size & ~(size_t)1, 1);
  if (mp_xml_read(in, size, 1 << 20, &doc, &enc, err, sizeof err) == 0) xmlFreeDoc(doc);
  if (mp_xml_set_text(in, size, "/Task/Settings/Enabled", "false", 5, 0, 1 << 20,
                      &out, &outn, &count, err, sizeof err) == 0) {
    doc = NULL;
    if (mp_xml_read(out, outn, 2 << 20, &doc, &enc, err, sizeof err) != 0) abort();
    xmlFreeDoc(doc);
    free(out);
    out = NULL;
  }
  if (mp_xml_set_text(in, size, "Triggers/*/Enabled", "true", 4, MP_XSET_ALL | MP_XSET_NOCREATE,
                      1 << 20, &out, &outn, &count, err, sizeof err) == 0)
    free(out);
  return 0;
}
