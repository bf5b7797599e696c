/* json_pull.h - a pull reader of JSON text (json_read.c): one token at a
 * time, the whole text checked as strictly as mp_json_parse does (it is
 * built on this reader).  Strings are handed out as spans: into the text
 * when they hold no escape, else into the reader's own buffer (valid
 * until the next call).  Numbers are checked but converted only on
 * request (jp_number), so skipping a value costs a scan. */
#ifndef MP_JSON_PULL_H
#define MP_JSON_PULL_H

#include <stddef.h>

#include "core/mp_printf.h"
#include "core/value.h"

#define JP_MAX_DEPTH 128

typedef enum {
  JT_ERROR = -1, JT_END = 0, JT_OBJ, JT_OBJ_END, JT_ARR, JT_ARR_END, JT_KEY, JT_STR,
  JT_NUM, JT_TRUE, JT_FALSE, JT_NULL
} jp_tok;

typedef struct jp {
  const char *s, *p, *end;
  int depth, state, failed;
  unsigned char stack[JP_MAX_DEPTH + 1];  /* 'o' or 'a' per open container */
  const char *at;         /* where the first error was found */
  const char *tok;        /* where the last token started */
  const char *str;        /* the last string, key or number: bytes and length */
  size_t slen;
  int decode;             /* 0: strings are checked, not decoded (jp_skip) */
  mp_buf sb;              /* decoded strings */
  char msg[160];
} jp;

/* text must stay valid while the reader is used; no BOM handling here. */
void jp_init(jp *r, const char *text, size_t len);
void jp_free(jp *r);
jp_tok jp_next(jp *r);
/* Skip the value whose first token t was just read (nothing for scalars). */
int jp_skip(jp *r, jp_tok t);
/* The number of the last JT_NUM token (0 on error, with the reader failed). */
double jp_number(jp *r);
/* Fail at the current place (or at `at` when not NULL); always -1. */
int jp_fail_at(jp *r, const char *at, const char *fmt, ...) MP_PRINTF(3, 4);
/* "line L, column C: message" (malloc'd) for the first error. */
char *jp_error(const jp *r);
/* Text after a UTF-8 or UTF-16 byte-order mark, as UTF-8: *conv is set
 * (to be freed) when the text had to be converted.  -1 with *err set. */
int jp_unbom(const char *text, size_t len, const char **out, size_t *outlen, char **conv,
             char **err);

#endif
