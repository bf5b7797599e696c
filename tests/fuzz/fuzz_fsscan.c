/* fuzz_fsscan.c - the failed-files log scan (fsscan.h): any bytes, in
 * each encoding mode, with codes and patterns (also ones that straddle
 * the 1 MiB block edge through long inputs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "formats/fsscan.h"

static int memfd = -1;

static void scan(int enc, int samples) {
  static const char *const pats[] = {"0x80070570", "error", "\xE2\x80\x99", "\x00\x30"};
  static const size_t lens[] = {10, 5, 3, 2};
  fss_opts o;
  fss_result r;
  memset(&o, 0, sizeof o);
  o.codes = 1;
  o.patterns = pats;
  o.patlens = lens;
  o.npatterns = 4;
  o.encoding = enc;
  o.max_samples = samples;
  if (lseek(memfd, 0, SEEK_SET) != 0) abort();
  memset(&r, 0, sizeof r);
  if (fss_scan(memfd, &o, &r) == 0 && r.lines > r.bytes + 1) abort();
  fss_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t off = 0;
  if (memfd < 0 && (memfd = memfd_create("fsscan", 0)) < 0) abort();
  if (ftruncate(memfd, 0) != 0) abort();
  while (off < size) {
    ssize_t w = pwrite(memfd, data + off, size - off, (off_t)off);
    if (w <= 0) abort();
    off += (size_t)w;
  }
  scan(FSS_AUTO, 5);
  scan(FSS_UTF8, 100);
  scan(FSS_UTF16LE, 1);
  return 0;
}
