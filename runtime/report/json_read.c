/* json_read.c - JSON text to report values.
 *
 * A pull reader (json_pull.h: one token at a time, what `marsplay report
 * merge` streams its inputs with) and, built on it, mp_json_parse.
 * Strict RFC 8259: no comments, no trailing commas, no NaN, no leading
 * zeros; strings must be well-formed UTF-8 without raw control
 * characters, and \u escapes must pair their surrogates.  Nesting is
 * bounded (JP_MAX_DEPTH) and so is the member count of one object
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
#include "report/report.h"
#include "report/json_pull.h"
#include "core/value.h"
#include "formats/xmlconv.h"

#define JR_MAX_MEMBERS 10000
#define JR_MAX_NUMBER 400    /* characters in one number */

enum { S_VALUE, S_VALUE_OR_END, S_KEY, S_KEY_OR_END, S_COMMA_OR_END, S_DONE };

int jp_fail_at(jp *r, const char *at, const char *fmt, ...) {
  va_list ap;
  if (r->failed) return -1;
  r->failed = 1;
  r->at = at ? at : r->p;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
  return -1;
}

#define jfail(r, ...) jp_fail_at((r), NULL, __VA_ARGS__)

static int oom(jp *r) { return jfail(r, "out of memory"); }

#if defined(__SSE2__)
#include <emmintrin.h>
#define JP_VEC 1
#endif

static void skip_ws(jp *r) {
#ifdef JP_VEC
  /* Pretty-printed reports are a third indentation: 16 bytes a step. */
  while (r->end - r->p >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)r->p);
    __m128i w = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                             _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                                          _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
    unsigned mask = (unsigned)_mm_movemask_epi8(w);
    if (mask != 0xFFFF) { r->p += __builtin_ctz(~mask); return; }
    r->p += 16;
  }
#endif
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

/* What stands at p, for messages. */
static const char *found(const jp *r) {
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
static long hex4(jp *r) {
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
  mpb_add(b, u, mp_utf8_put(u, (uint32_t)cp));
}

/* One escape after the backslash, decoded into b unless b is NULL. */
static int escape(jp *r, mp_buf *b) {
  static const char plain[] = "\"\\/bfnrt", out[] = "\"\\/\b\f\n\r\t";
  const char *q;
  long cp, lo;
  char c;
  if (r->p >= r->end) return jfail(r, "unterminated string");
  c = *r->p++;
  if (c != 'u') {
    if (c == '\0' || (q = strchr(plain, c)) == NULL) {
      r->p--;
      return jfail(r, "invalid escape \\%c", (c > 0x20 && c < 0x7F) ? c : '?');
    }
    if (b) mpb_add(b, out + (q - plain), 1);
    return 0;
  }
  if ((cp = hex4(r)) < 0) return -1;
  if (MP_UTF16_LOW(cp)) return jfail(r, "unpaired surrogate \\u%04lX", cp);
  if (MP_UTF16_HIGH(cp)) {
    if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
      return jfail(r, "unpaired surrogate \\u%04lX", cp);
    r->p += 2;
    if ((lo = hex4(r)) < 0) return -1;
    if (!MP_UTF16_LOW(lo)) return jfail(r, "unpaired surrogate \\u%04lX", cp);
    cp = (long)mp_utf16_join((uint32_t)cp, (uint32_t)lo);
  }
  if (b) put_utf8(b, (unsigned long)cp);
  return 0;
}

/* 1 for the bytes a string scan must stop at: '"', '\\', controls and
 * every byte of 0x80 and above. */
static const unsigned char STOP[256] = {
#define X16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
  X16, X16, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  X16, X16, X16, X16, X16, X16, X16, X16
#undef X16
};

/* A string literal at p (which is '"'): r->str/slen point at its bytes,
 * in the text when it has no escape, else in r->sb (decoded when
 * r->decode). */
static int string(jp *r) {
  const char *run;
  int esc = 0;
  r->p++;
  run = r->p;
  while (r->p < r->end) {
    unsigned char c;
#ifdef JP_VEC
    /* 16 bytes a step up to the first quote, backslash, control or
     * non-ASCII byte (signed: those are the bytes below 0x20). */
    while (r->end - r->p >= 16) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)r->p);
      __m128i w = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                               _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
      unsigned mask = (unsigned)_mm_movemask_epi8(w);
      if (mask) { r->p += __builtin_ctz(mask); break; }
      r->p += 16;
    }
    if (r->p >= r->end) break;
#endif
    c = (unsigned char)*r->p;
    if (!STOP[c]) { r->p++; continue; }
    if (c == '"') {
      if (!esc) {
        r->str = run;
        r->slen = (size_t)(r->p - run);
        r->p++;
        return 0;
      }
      if (r->decode) mpb_add(&r->sb, run, (size_t)(r->p - run));
      r->p++;
      if (r->sb.oom) return oom(r);
      r->str = r->sb.p ? r->sb.p : "";
      r->slen = r->decode ? r->sb.len : 0;
      return 0;
    }
    if (c == '\\') {
      if (!esc) { esc = 1; r->sb.len = 0; }
      if (r->decode) mpb_add(&r->sb, run, (size_t)(r->p - run));
      r->p++;
      if (escape(r, r->decode ? &r->sb : NULL) != 0) return -1;
      run = r->p;
    } else if (c < 0x20) {
      return jfail(r, "control character 0x%02X in a string (must be escaped)", c);
    } else {
      size_t k = mp_utf8_seq(r->p, (size_t)(r->end - r->p));
      if (k == 0) return jfail(r, "invalid UTF-8 byte 0x%02X in a string", c);
      r->p += k;
    }
  }
  return jfail(r, "unterminated string");
}

static int is_digit(const jp *r) { return r->p < r->end && *r->p >= '0' && *r->p <= '9'; }

static double convert(jp *r, const char *st, size_t n) {
  const char *dp = localeconv()->decimal_point, *q;
  char buf[JR_MAX_NUMBER + 16], *e;
  size_t used = 0, dplen = dp && *dp ? strlen(dp) : 1;
  double v;
  if (n > JR_MAX_NUMBER || dplen > 8) { jp_fail_at(r, st, "number too long"); return 0; }
  for (q = st; q < st + n; q++) {   /* the locale's decimal point for strtod */
    if (*q == '.') { memcpy(buf + used, dp && *dp ? dp : ".", dplen); used += dplen; }
    else buf[used++] = *q;
  }
  buf[used] = '\0';
  errno = 0;
  v = strtod(buf, &e);
  if (*e != '\0') { jp_fail_at(r, st + n, "invalid number"); return 0; }
  if (errno == ERANGE && isinf(v)) { jp_fail_at(r, st + n, "number out of range"); return 0; }
  return v;
}

/* Check a number's grammar; convert it only when it might overflow. */
static int number(jp *r) {
  const char *st = r->p;
  long exp = 0, ndig = 0;
  int eneg = 0;
  if (r->p < r->end && *r->p == '-') r->p++;
  if (!is_digit(r)) return jfail(r, "invalid number");
  if (*r->p == '0') {
    r->p++;
    if (is_digit(r)) return jfail(r, "invalid number (leading zero)");
  } else {
    while (is_digit(r)) { r->p++; ndig++; }
  }
  if (r->p < r->end && *r->p == '.') {
    r->p++;
    if (!is_digit(r)) return jfail(r, "invalid number (digits must follow '.')");
    while (is_digit(r)) r->p++;
  }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
    r->p++;
    if (r->p < r->end && (*r->p == '+' || *r->p == '-')) eneg = *r->p++ == '-';
    if (!is_digit(r)) return jfail(r, "invalid number (digits must follow the exponent)");
    while (is_digit(r)) {
      if (exp < 100000) exp = exp * 10 + (*r->p - '0');
      r->p++;
    }
  }
  r->str = st;
  r->slen = (size_t)(r->p - st);
  if (r->slen > JR_MAX_NUMBER) { r->p = st; return jfail(r, "number too long"); }
  if ((!eneg && exp + ndig > 300) || ndig > 300) {
    convert(r, st, r->slen);
    if (r->failed) return -1;
  }
  return 0;
}

double jp_number(jp *r) { return convert(r, r->str, r->slen); }

static int literal(jp *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
    return jfail(r, "expected a value, found %s", found(r));
  r->p += n;
  return 0;
}

void jp_init(jp *r, const char *text, size_t len) {
  memset(r, 0, sizeof *r);
  r->s = r->p = text ? text : "";
  r->end = r->s + (text ? len : 0);
  r->state = S_VALUE;
  r->decode = 1;
}

void jp_free(jp *r) { mpb_free(&r->sb); }

static void after_value(jp *r) { r->state = r->depth == 0 ? S_DONE : S_COMMA_OR_END; }

static jp_tok close_c(jp *r) {
  jp_tok t = r->stack[r->depth - 1] == 'o' ? JT_OBJ_END : JT_ARR_END;
  r->p++;
  r->depth--;
  after_value(r);
  return t;
}

static jp_tok open_c(jp *r, char kind) {
  if (r->depth >= JP_MAX_DEPTH) {
    jfail(r, "nested deeper than %d levels", JP_MAX_DEPTH);
    return JT_ERROR;
  }
  r->stack[r->depth++] = (unsigned char)kind;
  r->p++;
  r->state = kind == 'o' ? S_KEY_OR_END : S_VALUE_OR_END;
  return kind == 'o' ? JT_OBJ : JT_ARR;
}

jp_tok jp_next(jp *r) {
  if (r->failed) return JT_ERROR;
  for (;;) {
    skip_ws(r);
    r->tok = r->p;
    switch (r->state) {
      case S_DONE:
        if (r->p < r->end) { jfail(r, "unexpected text after the JSON value"); return JT_ERROR; }
        return JT_END;
      case S_COMMA_OR_END: {
        int obj = r->stack[r->depth - 1] == 'o';
        if (r->p < r->end && *r->p == ',') {
          r->p++;
          r->state = obj ? S_KEY : S_VALUE;
          continue;
        }
        if (r->p < r->end && *r->p == (obj ? '}' : ']')) return close_c(r);
        if (obj) jfail(r, "expected ',' or '}' in an object, found %s", found(r));
        else jfail(r, "expected ',' or ']' in an array, found %s", found(r));
        return JT_ERROR;
      }
      case S_KEY_OR_END:
        if (r->p < r->end && *r->p == '}') return close_c(r);
        /* fall through */
      case S_KEY: {
        const char *kat = r->p;
        int dec = r->decode;
        if (r->p >= r->end || *r->p != '"') {
          jfail(r, "expected a string key in an object, found %s", found(r));
          return JT_ERROR;
        }
        r->decode = 1;
        if (string(r) != 0) { r->decode = dec; return JT_ERROR; }
        r->decode = dec;
        if (memchr(r->str, '\0', r->slen) != NULL) {
          jp_fail_at(r, kat, "object key contains U+0000");
          return JT_ERROR;
        }
        skip_ws(r);
        if (r->p >= r->end || *r->p != ':') {
          jfail(r, "expected ':' after an object key, found %s", found(r));
          return JT_ERROR;
        }
        r->p++;
        r->state = S_VALUE;
        return JT_KEY;
      }
      case S_VALUE_OR_END:
        if (r->p < r->end && *r->p == ']') return close_c(r);
        /* fall through */
      default:
        if (r->p >= r->end) {
          jfail(r, "expected a value, found end of input");
          return JT_ERROR;
        }
        switch (*r->p) {
          case '{': return open_c(r, 'o');
          case '[': return open_c(r, 'a');
          case '"':
            if (string(r) != 0) return JT_ERROR;
            after_value(r);
            return JT_STR;
          case 't': if (literal(r, "true") != 0) return JT_ERROR; after_value(r); return JT_TRUE;
          case 'f': if (literal(r, "false") != 0) return JT_ERROR; after_value(r); return JT_FALSE;
          case 'n': if (literal(r, "null") != 0) return JT_ERROR; after_value(r); return JT_NULL;
          default:
            if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
              if (number(r) != 0) return JT_ERROR;
              after_value(r);
              return JT_NUM;
            }
            jfail(r, "expected a value, found %s", found(r));
            return JT_ERROR;
        }
    }
  }
}

int jp_skip(jp *r, jp_tok t) {
  int d = r->depth, dec = r->decode;
  if (t == JT_ERROR) return -1;
  if (t != JT_OBJ && t != JT_ARR) return 0;
  r->decode = 0;
  while (r->depth >= d) {
    t = jp_next(r);
    if (t == JT_ERROR || t == JT_END) break;
  }
  r->decode = dec;
  return r->failed ? -1 : 0;
}

char *jp_error(const jp *r) {
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

int jp_unbom(const char *text, size_t len, const char **out, size_t *outlen, char **conv,
             char **err) {
  const unsigned char *u = (const unsigned char *)text;
  *conv = NULL;
  if (text == NULL) len = 0;
  *out = text ? text : "";
  *outlen = len;
  if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
    *out = text + 3;
    *outlen = len - 3;
  } else if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
    char why[128] = "";
    size_t n = 0;
    if (mp_utf16_to_utf8(text + 2, len - 2, u[0] == 0xFE, conv, &n, why, sizeof why) != 0) {
      if (err) {
        size_t m = strlen(why) + 64;
        if ((*err = malloc(m)) != NULL) snprintf(*err, m, "invalid UTF-16 text: %s", why);
      }
      *conv = NULL;
      return -1;
    }
    *out = *conv;
    *outlen = n;
  }
  return 0;
}

/* ---------- the tree (mp_json_parse) ---------- */

static int tree(jp *r, jp_tok t, mp_value **out);

static int tree_array(jp *r, mp_value **out) {
  mp_value *a = mpv_arr(), *item;
  jp_tok t;
  if (a == NULL) return oom(r);
  while ((t = jp_next(r)) != JT_ARR_END) {
    if (tree(r, t, &item) != 0) { mpv_free(a); return -1; }
    if (mpv_push(a, item) != 0) { mpv_free(a); return oom(r); }
  }
  *out = a;
  return 0;
}

static int tree_object(jp *r, mp_value **out) {
  mp_value *o = mpv_obj(), *item;
  char *key;
  jp_tok t;
  if (o == NULL) return oom(r);
  while ((t = jp_next(r)) != JT_OBJ_END) {
    if (t != JT_KEY) goto fail;
    if (mp_value_len(o) >= JR_MAX_MEMBERS) {
      jp_fail_at(r, r->tok, "object with more than %d members", JR_MAX_MEMBERS);
      goto fail;
    }
    if ((key = malloc(r->slen + 1)) == NULL) { oom(r); goto fail; }
    memcpy(key, r->str, r->slen);
    key[r->slen] = '\0';
    if (tree(r, jp_next(r), &item) != 0) { free(key); goto fail; }
    if (mpv_set(o, key, item) != 0) { free(key); oom(r); goto fail; }
    free(key);
  }
  *out = o;
  return 0;
fail:
  mpv_free(o);
  return -1;
}

static int tree(jp *r, jp_tok t, mp_value **out) {
  *out = NULL;
  switch (t) {
    case JT_OBJ: return tree_object(r, out);
    case JT_ARR: return tree_array(r, out);
    case JT_STR: *out = mpv_str(r->str, r->slen); break;
    case JT_NUM: {
      double v = jp_number(r);
      if (r->failed) return -1;
      *out = mpv_num(v);
      break;
    }
    case JT_TRUE: *out = mpv_bool(1); break;
    case JT_FALSE: *out = mpv_bool(0); break;
    case JT_NULL: *out = mpv_null(); break;
    default: return -1;
  }
  return *out ? 0 : oom(r);
}

static mp_value *parse_utf8(const char *text, size_t len, char **err) {
  jp r;
  mp_value *v = NULL;
  jp_init(&r, text, len);
  skip_ws(&r);
  if (r.p >= r.end) {
    jfail(&r, "no JSON value (the input is empty)");
  } else if (tree(&r, jp_next(&r), &v) == 0 && jp_next(&r) != JT_END) {
    mpv_free(v);
    v = NULL;
  }
  if (v == NULL && err) *err = jp_error(&r);
  jp_free(&r);
  return v;
}

mp_value *mp_json_parse(const char *text, size_t len, char **err) {
  const char *t;
  size_t n;
  char *conv;
  mp_value *v;
  if (err) *err = NULL;
  if (jp_unbom(text, len, &t, &n, &conv, err) != 0) return NULL;
  v = parse_utf8(t, n, err);
  free(conv);
  return v;
}
