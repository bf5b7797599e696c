/* fuzz_merge.c - `marsplay report merge` on hostile inputs.  The input is
 * up to 8 reports separated by NUL bytes (seeds: host reports and merged
 * reports the suite writes); each is added with mp_merge_add_json, with a
 * label or without.  Oracles:
 *  - a refused report has an error message and leaves the merge as it
 *    was (its JSON written before and after is the same);
 *  - the merge is written as JSON (parses, no raw control characters),
 *    text (UTF-8, no escape character) and JUnit (well-formed XML), with
 *    an exit code of 0-5, the same for every format;
 *  - merges compose: the merged JSON, merged again on its own, writes the
 *    same JSON, text and JUnit; so do mp_merge_result, mp_merge_to_text
 *    and mp_merge_to_junit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "marsplay.h"
#include "formats/utf8.h"

#define MAX_INPUTS 8

typedef struct { char *p; size_t n, cap; } buf;

static int sink(void *ud, const char *p, size_t n) {
  buf *b = ud;
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->n + n + 1) * 2;
    char *q = realloc(b->p, cap);
    if (q == NULL) return -1;
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->n, p, n);
  b->n += n;
  b->p[b->n] = '\0';
  return 0;
}

/* The merge written in a format; NULL only on out of memory.  *code: the
 * exit code it returned. */
static char *written(mp_merge *m, const char *format, int *code) {
  buf b = {NULL, 0, 0};
  *code = mp_merge_write(m, format, sink, &b);
  if (*code < 0) { free(b.p); return NULL; }
  if (*code > 5) abort();
  if (b.p == NULL) abort();   /* every format writes something */
  return b.p;
}

static void text_ok(const char *p, int allow_newlines) {
  size_t i = 0, n = strlen(p), k;
  while (i < n) {
    unsigned char c = (unsigned char)p[i];
    if (c == 0x1b || c == 0x7f || (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t' || c == '\r'))))
      abort();
    k = c < 0x80 ? 1 : mp_utf8_seq(p + i, n - i);
    if (k == 0) abort();
    i += k;
  }
}

/* Two writes of the same merge state must agree (NULL: out of memory). */
static void same(const char *a, const char *b) {
  if (a && b && strcmp(a, b) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *end = p + size;
  mp_merge *m = mp_merge_new(), *again;
  char *json, *text, *junit, *err, *s;
  const mp_value *doc;
  int code, c2, i, added = 0;
  mp_value *parsed;
  xmlDocPtr x;
  if (m == NULL) return 0;
  for (i = 0; i < MAX_INPUTS && p <= end; i++) {
    const char *nul = memchr(p, '\0', (size_t)(end - p));
    size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);
    char label[16];
    char *before = NULL, *after;
    int rc;
    snprintf(label, sizeof label, "L%d", i % 3);
    if (i % 2) before = written(m, "json", &code);
    err = NULL;
    rc = mp_merge_add_json(m, p, len, i % 2 ? label : NULL, &err);
    if (rc != 0) {
      if (err == NULL || err[0] == '\0') {
        if (err == NULL) { free(before); mp_merge_free(m); return 0; }   /* out of memory */
        abort();
      }
      if (strcmp(err, "out of memory") == 0) { free(err); free(before); mp_merge_free(m); return 0; }
      after = before ? written(m, "json", &code) : NULL;
      same(before, after);                 /* a refused report changes nothing */
      free(after);
    } else {
      added++;
    }
    free(err);
    free(before);
    if (nul == NULL) break;
    p = nul + 1;
  }
  json = written(m, "json", &code);
  text = written(m, "text", &c2);
  if (json && text && c2 != code) abort();
  junit = written(m, "junit", &c2);
  if (json == NULL || text == NULL || junit == NULL) goto done;   /* out of memory */
  text_ok(json, 1);
  text_ok(text, 1);
  if ((parsed = mp_json_parse(json, strlen(json), NULL)) == NULL) abort();
  mp_value_free(parsed);
  x = xmlReadMemory(junit, (int)strlen(junit), "junit.xml", NULL,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
  if (x == NULL) abort();
  xmlFreeDoc(x);

  /* merges compose: the merged report merged again writes the same */
  if (added > 0 && (again = mp_merge_new()) != NULL) {
    err = NULL;
    if (mp_merge_add_json(again, json, strlen(json), NULL, &err) != 0) {
      if (err == NULL || strcmp(err, "out of memory") != 0) abort();
    } else {
      char *a;
      a = written(again, "json", &c2);
      same(json, a);
      if (a && c2 != code) abort();
      free(a);
      a = written(again, "text", &c2);
      same(text, a);
      free(a);
      a = written(again, "junit", &c2);
      same(junit, a);
      free(a);
    }
    free(err);
    mp_merge_free(again);
  }

  /* the document API gives the same */
  if ((doc = mp_merge_result(m)) != NULL) {
    s = mp_merge_to_text(doc);
    same(text, s);
    free(s);
    s = mp_merge_to_junit(doc);
    same(junit, s);
    free(s);
  }
done:
  free(json);
  free(text);
  free(junit);
  mp_merge_free(m);
  return 0;
}
