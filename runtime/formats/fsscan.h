/* fsscan.h - streaming scan of big text logs behind fs.scan.
 *
 * The file is read in 1 MiB blocks and never held whole.  Lines may be
 * of any length; a line counts once per code or pattern however often
 * it appears in it.  Samples keep the first FSS_SAMPLE_MAX bytes of the
 * first lines that matched.  UTF-16LE files are decoded to UTF-8 on the
 * fly (patterns are UTF-8 and match the decoded text).
 */
#ifndef MP_FSSCAN_H
#define MP_FSSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "platform/platform.h"

enum { FSS_AUTO, FSS_UTF8, FSS_UTF16LE };

#define FSS_SAMPLE_MAX 4096    /* bytes of a line kept as a sample */
#define FSS_MAX_CODES 4096     /* distinct codes remembered */
#define FSS_MAX_PATTERN 4096   /* bytes in one pattern */

typedef struct fss_hit {
  uint64_t count;        /* lines holding it */
  uint64_t line;         /* id of the last line counted (0: none) */
  char **samples;        /* nsamples lines, each malloc'd */
  size_t *slen;
  int nsamples;
} fss_hit;

typedef struct fss_code {
  uint32_t code;         /* the 8 hex digits after "0x" */
  int used;
  fss_hit hit;
} fss_code;

typedef struct fss_opts {
  int codes;                     /* count 0x + 8 hex digit codes */
  const char *const *patterns;   /* literal byte strings */
  const size_t *patlens;
  size_t npatterns;
  int encoding;                  /* FSS_* */
  int max_samples;               /* per code / pattern, 0..100 */
  /* Called after each block with the bytes read; nonzero stops. */
  int (*tick)(void *ud, uint64_t bytes);
  void *ud;
} fss_opts;

typedef struct fss_result {
  uint64_t bytes;          /* read from the file */
  uint64_t lines;
  int encoding;            /* FSS_UTF8 or FSS_UTF16LE, as read */
  fss_code *codes;         /* hash table of codecap slots (see .used) */
  size_t codecap, ncodes;
  uint64_t codes_dropped;  /* code occurrences beyond FSS_MAX_CODES distinct */
  fss_hit *pats;           /* one per pattern */
  size_t npats;
  int samples_truncated;   /* the sample budget ran out */
  int stopped;             /* tick asked to stop */
} fss_result;

/* A code "0x" + 8 hex digits counts when no letter or digit touches it
 * on either side.  Returns 0 or -errno; free r with fss_free either way. */
int fss_scan(plat_fd fd, const fss_opts *o, fss_result *r);
void fss_free(fss_result *r);

#endif
