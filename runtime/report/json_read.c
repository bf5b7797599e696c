/* json_read.c - JSON text to report values.
 *
 * The reader behind `marsplay report merge`, public as mp_json_parse.
 * Strict RFC 8259: no comments, no trailing commas, no NaN, no leading
 * zeros; strings must be well-formed UTF-8 without raw control
 * characters, and \u escapes must pair their surrogates.  Nesting is
 * bounded (JR_MAX_DEPTH) and so is the member count of one object
 * (JR_MAX_MEMBERS: object lookups are linear).  A UTF-8 byte-order mark
 * is skipped; text that starts with a UTF-16 one (what Windows
 * PowerShell 5.1's `>` writes) is converted to UTF-8 first.  Numbers are
 * read whatever the C locale's decimal point is.  Errors say where:
 * "line 3, column 7: expected ':' after an object key".
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marsplay.h"
#include "core/mp_printf.h"
#include "report/report.h"
#include "core/value.h"
#include "formats/xmlconv.h"

#define JR_MAX_DEPTH 128
#define JR_MAX_MEMBERS 10000
#define JR_MAX_NUMBER 400    /* characters in one number */

typedef struct jr {
  const char *s, *p, *end;
  int depth;
  int failed;
  const char *at;          /* where the first error was found */
  char msg[160];
} jr;

static int jfail(jr *r, const char *fmt, ...) MP_PRINTF(2, 3);
static int jfail(jr *r, const char *fmt, ...) {
  va_list ap;
  if (r->failed) return -1;
  r->failed = 1;
  r->at = r->p;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
  return -1;
}

static int oom(jr *r) { return jfail(r, "out of memory"); }

static void skip_ws(jr *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

/* What stands at p, for messages. */
static const char *found(const jr *r) {
  static const char *const names[] = {"end of input", "'{'", "'['", "a string", "a number",
                                      "another character"};
  if (r->p >= r->end) return names[0];
  switch (*r->p) {
    case '{': return names[1];
    case '[': return names[2];
    case '"': return names[3];
    default:
      if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) return names[4];
      return names[5];
  }
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Four hex digits at p (after "\u"). */
static long hex4(jr *r) {
  long v = 0;
  int i;
  if (r->end - r->p < 4) return jfail(r, "\\u needs four hex digits");
  for (i = 0; i < 4; i++) {
    int h = hexval(r->p[i]);
    if (h < 0) return jfail(r, "\\u needs four hex digits");
    v = v * 16 + h;
  }
  r->p += 4;
  return v;
}

static void put_utf8(mp_buf *b, unsigned long cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (char)cp; n = 1; }
  else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
  }
  mpb_add(b, u, n);
}

/* One escape after the backslash. */
static int escape(jr *r, mp_buf *b) {
  long cp, lo;
  char c;
  if (r->p >= r->end) return jfail(r, "unterminated string");
  c = *r->p++;
  switch (c) {
    case '"': mpb_add(b, "\"", 1); return 0;
    case '\\': mpb_add(b, "\\", 1); return 0;
    case '/': mpb_add(b, "/", 1); return 0;
    case 'b': mpb_add(b, "\b", 1); return 0;
    case 'f': mpb_add(b, "\f", 1); return 0;
    case 'n': mpb_add(b, "\n", 1); return 0;
    case 'r': mpb_add(b, "\r", 1); return 0;
    case 't': mpb_add(b, "\t", 1); return 0;
    case 'u': break;
    default:
      r->p--;
      return jfail(r, "invalid escape \\%c", (c > 0x20 && c < 0x7F) ? c : '?');
  }
  if ((cp = hex4(r)) < 0) return -1;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return jfail(r, "unpaired surrogate \\u%04lX", cp);
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
      return jfail(r, "unpaired surrogate \\u%04lX", cp);
    r->p += 2;
    if ((lo = hex4(r)) < 0) return -1;
    if (lo < 0xDC00 || lo > 0xDFFF) return jfail(r, "unpaired surrogate \\u%04lX", cp);
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  }
  put_utf8(b, (unsigned long)cp);
  return 0;
}

/* A string literal at p (which is '"'), its bytes into b. */
static int string(jr *r, mp_buf *b) {
  const char *run;
  r->p++;
  run = r->p;
  while (r->p < r->end) {
    unsigned char c = (unsigned char)*r->p;
    if (c == '"' || c == '\\') {
      mpb_add(b, run, (size_t)(r->p - run));
      r->p++;
      if (c == '"') return b->oom ? oom(r) : 0;
      if (escape(r, b) != 0) return -1;
      run = r->p;
    } else if (c < 0x20) {
      return jfail(r, "control character 0x%02X in a string (must be escaped)", c);
    } else if (c < 0x80) {
      r->p++;
    } else {
      size_t k = mp_utf8_seq(r->p, (size_t)(r->end - r->p));
      if (k == 0) return jfail(r, "invalid UTF-8 byte 0x%02X in a string", c);
      r->p += k;
    }
  }
  return jfail(r, "unterminated string");
}

static int is_digit(const jr *r) { return r->p < r->end && *r->p >= '0' && *r->p <= '9'; }

static int number(jr *r, mp_value **out) {
  const char *st = r->p, *dp = localeconv()->decimal_point;
  char buf[JR_MAX_NUMBER + 16], *e;
  size_t n, used = 0, dplen = dp && *dp ? strlen(dp) : 1;
  double v;
  if (r->p < r->end && *r->p == '-') r->p++;
  if (!is_digit(r)) return jfail(r, "invalid number");
  if (*r->p == '0') {
    r->p++;
    if (is_digit(r)) return jfail(r, "invalid number (leading zero)");
  } else {
    while (is_digit(r)) r->p++;
  }
  if (r->p < r->end && *r->p == '.') {
    r->p++;
    if (!is_digit(r)) return jfail(r, "invalid number (digits must follow '.')");
    while (is_digit(r)) r->p++;
  }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
    r->p++;
    if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
    if (!is_digit(r)) return jfail(r, "invalid number (digits must follow the exponent)");
    while (is_digit(r)) r->p++;
  }
  n = (size_t)(r->p - st);
  if (n > JR_MAX_NUMBER || dplen > 8) { r->p = st; return jfail(r, "number too long"); }
  for (; st < r->p; st++) {   /* the locale's decimal point for strtod */
    if (*st == '.') { memcpy(buf + used, dp && *dp ? dp : ".", dplen); used += dplen; }
    else buf[used++] = *st;
  }
  buf[used] = '\0';
  errno = 0;
  v = strtod(buf, &e);
  if (*e != '\0') return jfail(r, "invalid number");
  if (errno == ERANGE && isinf(v)) return jfail(r, "number out of range");
  if ((*out = mpv_num(v)) == NULL) return oom(r);
  return 0;
}

static int literal(jr *r, const char *word, mp_value *v, mp_value **out) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) {
    mpv_free(v);
    return jfail(r, "expected a value, found %s", found(r));
  }
  if (v == NULL) return oom(r);
  r->p += n;
  *out = v;
  return 0;
}

static int value(jr *r, mp_value **out);

static int array(jr *r, mp_value **out) {
  mp_value *a = mpv_arr(), *item;
  if (a == NULL) return oom(r);
  r->p++;
  skip_ws(r);
  if (r->p < r->end && *r->p == ']') { r->p++; *out = a; return 0; }
  for (;;) {
    if (value(r, &item) != 0) { mpv_free(a); return -1; }
    if (mpv_push(a, item) != 0) { mpv_free(a); return oom(r); }
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; skip_ws(r); continue; }
    if (r->p < r->end && *r->p == ']') { r->p++; *out = a; return 0; }
    mpv_free(a);
    return jfail(r, "expected ',' or ']' in an array, found %s", found(r));
  }
}

static int object(jr *r, mp_value **out) {
  mp_value *o = mpv_obj(), *item;
  mp_buf key = {NULL, 0, 0, 0};
  if (o == NULL) return oom(r);
  r->p++;
  skip_ws(r);
  if (r->p < r->end && *r->p == '}') { r->p++; *out = o; return 0; }
  for (;;) {
    const char *kat = r->p;
    if (r->p >= r->end || *r->p != '"') {
      jfail(r, "expected a string key in an object, found %s", found(r));
      goto fail;
    }
    key.len = 0;
    if (string(r, &key) != 0) goto fail;
    mpb_add(&key, "", 1);  /* NUL */
    if (key.oom) { oom(r); goto fail; }
    if (memchr(key.p, '\0', key.len - 1) != NULL) {
      r->p = kat;
      jfail(r, "object key contains U+0000");
      goto fail;
    }
    if (mp_value_len(o) >= JR_MAX_MEMBERS) {
      r->p = kat;
      jfail(r, "object with more than %d members", JR_MAX_MEMBERS);
      goto fail;
    }
    skip_ws(r);
    if (r->p >= r->end || *r->p != ':') {
      jfail(r, "expected ':' after an object key, found %s", found(r));
      goto fail;
    }
    r->p++;
    skip_ws(r);
    if (value(r, &item) != 0) goto fail;
    if (mpv_set(o, key.p, item) != 0) { oom(r); goto fail; }
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; skip_ws(r); continue; }
    if (r->p < r->end && *r->p == '}') { r->p++; break; }
    jfail(r, "expected ',' or '}' in an object, found %s", found(r));
    goto fail;
  }
  mpb_free(&key);
  *out = o;
  return 0;
fail:
  mpb_free(&key);
  mpv_free(o);
  return -1;
}

static int value(jr *r, mp_value **out) {
  int rc;
  *out = NULL;
  skip_ws(r);
  if (r->p >= r->end) return jfail(r, "expected a value, found end of input");
  switch (*r->p) {
    case '{': case '[':
      if (++r->depth > JR_MAX_DEPTH) return jfail(r, "nested deeper than %d levels", JR_MAX_DEPTH);
      rc = *r->p == '{' ? object(r, out) : array(r, out);
      r->depth--;
      return rc;
    case '"': {
      mp_buf b = {NULL, 0, 0, 0};
      if (string(r, &b) != 0) { mpb_free(&b); return -1; }
      *out = mpv_str(b.p ? b.p : "", b.len);
      mpb_free(&b);
      return *out ? 0 : oom(r);
    }
    case 't': return literal(r, "true", mpv_bool(1), out);
    case 'f': return literal(r, "false", mpv_bool(0), out);
    case 'n': return literal(r, "null", mpv_null(), out);
    default:
      if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) return number(r, out);
      return jfail(r, "expected a value, found %s", found(r));
  }
}

/* "line L, column C: message" for the error position. */
static char *located(const jr *r) {
  const char *q;
  unsigned long line = 1, col = 1;
  size_t n;
  char *m;
  for (q = r->s; q < r->at && q < r->end; q++) {
    if (*q == '\n') { line++; col = 1; }
    else if (((unsigned char)*q & 0xC0) != 0x80) col++;  /* characters, not bytes */
  }
  n = strlen(r->msg) + 64;
  if ((m = malloc(n)) != NULL) snprintf(m, n, "line %lu, column %lu: %s", line, col, r->msg);
  return m;
}

static mp_value *parse_utf8(const char *text, size_t len, char **err) {
  jr r;
  mp_value *v = NULL;
  memset(&r, 0, sizeof r);
  r.s = r.p = text;
  r.end = text + len;
  skip_ws(&r);
  if (r.p >= r.end) {
    jfail(&r, "no JSON value (the input is empty)");
  } else if (value(&r, &v) == 0) {
    skip_ws(&r);
    if (r.p < r.end) {
      jfail(&r, "unexpected text after the JSON value");
      mpv_free(v);
      v = NULL;
    }
  }
  if (v == NULL && err) *err = located(&r);
  return v;
}

mp_value *mp_json_parse(const char *text, size_t len, char **err) {
  const unsigned char *u = (const unsigned char *)text;
  if (err) *err = NULL;
  if (text == NULL) len = 0;
  if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
    return parse_utf8(text + 3, len - 3, err);
  if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
    char *conv = NULL, why[128] = "";
    size_t n = 0;
    mp_value *v;
    if (mp_utf16_to_utf8(text + 2, len - 2, u[0] == 0xFE, &conv, &n, why, sizeof why) != 0) {
      if (err) {
        size_t m = strlen(why) + 64;
        if ((*err = malloc(m)) != NULL) snprintf(*err, m, "invalid UTF-16 text: %s", why);
      }
      return NULL;
    }
    v = parse_utf8(conv, n, err);
    free(conv);
    return v;
  }
  return parse_utf8(text ? text : "", len, err);
}
