/* fuzz_json_pull.c - the streaming JSON reader (report/json_pull.h) that
 * `marsplay report merge` reads every input with, and mp_json_parse built
 * on it.  The input is JSON text (seeds: reports the suite writes).
 * Oracles:
 *  - token by token the reader keeps its own shape: containers close in
 *    the order they opened, depth stays within JP_MAX_DEPTH, a decoded
 *    string or key is valid UTF-8 (keys without U+0000), every span lies
 *    in the text or in the reader's buffer, an error has a message;
 *  - three readings agree on valid/invalid: token by token, jp_skip of the
 *    whole value (strings checked but not decoded) and mp_json_parse
 *    (which also limits an object to 10,000 members and converts numbers);
 *  - a parsed value written as JSON and parsed again writes the same text
 *    (compact and pretty). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marsplay.h"
#include "formats/utf8.h"
#include "report/json_pull.h"

#define MAX_MEMBERS 10000   /* json_read.c's JR_MAX_MEMBERS */

static int inside(const char *p, size_t n, const char *lo, size_t len) {
  return n == 0 || (p >= lo && p + n <= lo + len);
}

/* Every token of text; 1 if it is one valid JSON value, else 0.
 * *members: some object had more than MAX_MEMBERS members, or a number
 * does not convert (mp_json_parse must refuse the text then). */
static int tokens(const char *text, size_t len, int *members) {
  jp r;
  jp_tok t;
  unsigned char open[JP_MAX_DEPTH + 1];
  long count[JP_MAX_DEPTH + 1];
  int depth = 0, ok = 0, expect_value = 0;
  *members = 0;
  jp_init(&r, text, len);
  for (;;) {
    t = jp_next(&r);
    if (t == JT_ERROR) {
      char *e = jp_error(&r);
      if (!r.failed || r.msg[0] == '\0') abort();      /* an error says what */
      if (e == NULL || strncmp(e, "line ", 5) != 0) abort();
      free(e);
      break;
    }
    if (t == JT_END) {
      if (depth != 0 || expect_value || r.depth != 0) abort();
      ok = 1;
      break;
    }
    if (t == JT_KEY) {
      if (depth == 0 || open[depth - 1] != 'o' || expect_value) abort();
      if (!inside(r.str, r.slen, text, len) && !inside(r.str, r.slen, r.sb.p, r.sb.len)) abort();
      if (!mp_utf8_valid(r.str, r.slen) || memchr(r.str, '\0', r.slen) != NULL) abort();
      if (++count[depth - 1] > MAX_MEMBERS) *members = 1;
      expect_value = 1;
      continue;
    }
    if (depth > 0 && open[depth - 1] == 'o' && t != JT_OBJ_END && !expect_value) abort();
    expect_value = 0;
    switch (t) {
      case JT_OBJ: case JT_ARR:
        if (depth >= JP_MAX_DEPTH) abort();
        open[depth] = t == JT_OBJ ? 'o' : 'a';
        count[depth++] = 0;
        if (r.depth != depth) abort();
        break;
      case JT_OBJ_END: case JT_ARR_END:
        if (depth == 0 || open[depth - 1] != (t == JT_OBJ_END ? 'o' : 'a')) abort();
        depth--;
        if (r.depth != depth) abort();
        break;
      case JT_STR:
        if (!inside(r.str, r.slen, text, len) && !inside(r.str, r.slen, r.sb.p, r.sb.len)) abort();
        if (!mp_utf8_valid(r.str, r.slen)) abort();
        break;
      case JT_NUM:
        if (!inside(r.str, r.slen, text, len) || r.slen == 0) abort();
        {
          jp q = r;   /* convert on a copy: the reader itself checked the grammar */
          q.sb.p = NULL;
          q.sb.len = q.sb.cap = 0;
          (void)jp_number(&q);
          if (q.failed) *members = 1;   /* the tree cannot hold it */
        }
        break;
      default:
        break;
    }
  }
  jp_free(&r);
  return ok;
}

/* The first value skipped whole, then the end: 1 if valid. */
static int skipped(const char *text, size_t len) {
  jp r;
  int ok;
  jp_init(&r, text, len);
  ok = jp_skip(&r, jp_next(&r)) == 0 && jp_next(&r) == JT_END;
  if (!ok && !r.failed) abort();
  jp_free(&r);
  return ok;
}

static int only_space(const char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return 0;
  return 1;
}

/* Written, parsed again and written again: the same text. */
static void round_trip(const mp_value *v, int pretty) {
  char *a = mp_value_to_json(v, pretty), *b, *err = NULL;
  mp_value *w;
  if (a == NULL) return;                         /* out of memory */
  if ((w = mp_json_parse(a, strlen(a), &err)) == NULL) {
    if (err == NULL) { free(a); return; }         /* out of memory */
    abort();                                      /* what we write, we read */
  }
  b = mp_value_to_json(w, pretty);
  if (b && strcmp(a, b) != 0) abort();
  free(b);
  free(a);
  mp_value_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *t;
  size_t n;
  char *conv = NULL, *err = NULL;
  int ok, ok_skip, members;
  mp_value *v;
  if (jp_unbom((const char *)data, size, &t, &n, &conv, &err) != 0) {
    if (err == NULL) return 0;
    free(err);
    if (mp_json_parse((const char *)data, size, NULL) != NULL) abort();
    return 0;
  }
  ok = tokens(t, n, &members);
  ok_skip = skipped(t, n);
  if (ok != ok_skip) abort();
  v = mp_json_parse((const char *)data, size, &err);
  if (v == NULL && err == NULL) { free(conv); return 0; }   /* out of memory */
  if ((v != NULL) != (ok && !members && !only_space(t, n))) abort();
  if (v == NULL && (err == NULL || strncmp(err, "line ", 5) != 0)) abort();
  free(err);
  if (v) {
    round_trip(v, 0);
    round_trip(v, 1);
    mp_value_free(v);
  }
  free(conv);
  return 0;
}
