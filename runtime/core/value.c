/* value.c - report values: a small JSON-like tree, and its JSON text.
 *
 * Objects keep their keys in insertion order; mpv_set on an existing key
 * replaces the value in place.  Lookups are linear (reports are small).
 *
 * JSON output never carries invalid UTF-8: every byte that does not
 * belong to a well-formed UTF-8 sequence is replaced by U+FFFD (EF BF BD),
 * one replacement per bad byte.  Control characters (U+0000..U+001F,
 * U+007F) are written as \u00XX (\b \f \n \r \t in their short forms),
 * and U+2028/U+2029 as \u2028/\u2029 so the text is also valid
 * JavaScript.  Numbers: integers up to 2^53 print without a decimal
 * point, others in the shortest form that reads back exactly; NaN and
 * infinities become null.  Values nested deeper than MPV_JSON_MAX_DEPTH
 * become null.  Out of memory: constructors return NULL, mp_buf sets its
 * oom flag and ignores further output.
 */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/utf8.h"
#include "report/report.h"
#include "core/value.h"

/* ---------- construction ---------- */

static mp_value *newv(mp_type t) {
  mp_value *v = calloc(1, sizeof *v);
  if (v) v->type = t;
  return v;
}

mp_value *mpv_null(void) { return newv(MP_NULL); }
mp_value *mpv_arr(void) { return newv(MP_ARRAY); }
mp_value *mpv_obj(void) { return newv(MP_OBJECT); }

mp_value *mpv_bool(int b) {
  mp_value *v = newv(MP_BOOL);
  if (v) v->u.b = b != 0;
  return v;
}

mp_value *mpv_num(double n) {
  mp_value *v = newv(MP_NUMBER);
  if (v) v->u.n = n;
  return v;
}

/* A NULL s gives a null value (handy for optional strings). */
mp_value *mpv_str(const char *s, size_t len) {
  mp_value *v;
  char *p;
  if (s == NULL) return mpv_null();
  if (len == SIZE_MAX || (p = malloc(len + 1)) == NULL) return NULL;
  if (len) memcpy(p, s, len);
  p[len] = '\0';
  if ((v = newv(MP_STRING)) == NULL) { free(p); return NULL; }
  v->u.str.s = p;
  v->u.str.len = len;
  return v;
}

mp_value *mpv_cstr(const char *s) {
  return s ? mpv_str(s, strlen(s)) : mpv_null();
}

void mpv_free(mp_value *v) {
  size_t i;
  if (v == NULL) return;
  if (v->type == MP_STRING) {
    free(v->u.str.s);
  } else if (v->type == MP_ARRAY || v->type == MP_OBJECT) {
    for (i = 0; i < v->u.agg.len; i++) {
      mpv_free(v->u.agg.items[i]);
      if (v->u.agg.keys) free(v->u.agg.keys[i]);
    }
    free(v->u.agg.items);
    free(v->u.agg.keys);
  }
  free(v);
}

/* Room for one more entry. */
static int agg_grow(mp_value *v) {
  size_t ncap;
  mp_value **items;
  if (v->u.agg.len < v->u.agg.cap) return 0;
  ncap = v->u.agg.cap ? v->u.agg.cap * 2 : 4;
  if (ncap > SIZE_MAX / sizeof(char *) || ncap <= v->u.agg.cap) return -1;
  items = realloc(v->u.agg.items, ncap * sizeof *items);
  if (items == NULL) return -1;
  v->u.agg.items = items;
  if (v->type == MP_OBJECT) {
    char **keys = realloc(v->u.agg.keys, ncap * sizeof *keys);
    if (keys == NULL) return -1;  /* items stays valid, cap unchanged */
    v->u.agg.keys = keys;
  }
  v->u.agg.cap = ncap;
  return 0;
}

int mpv_push(mp_value *arr, mp_value *item) {
  if (arr == NULL || arr->type != MP_ARRAY || item == NULL || item == arr ||
      agg_grow(arr) != 0) {
    mpv_free(item == arr ? NULL : item);
    return -1;
  }
  arr->u.agg.items[arr->u.agg.len++] = item;
  return 0;
}

static long find_key(const mp_value *obj, const char *key) {
  size_t i;
  if (obj == NULL || obj->type != MP_OBJECT || key == NULL) return -1;
  for (i = 0; i < obj->u.agg.len; i++)
    if (strcmp(obj->u.agg.keys[i], key) == 0) return (long)i;
  return -1;
}

int mpv_set(mp_value *obj, const char *key, mp_value *item) {
  long at;
  char *k;
  if (obj == NULL || obj->type != MP_OBJECT || key == NULL || item == NULL ||
      item == obj) {
    mpv_free(item == obj ? NULL : item);
    return -1;
  }
  if ((at = find_key(obj, key)) >= 0) {
    if (obj->u.agg.items[at] != item) mpv_free(obj->u.agg.items[at]);
    obj->u.agg.items[at] = item;
    return 0;
  }
  if ((k = strdup(key)) == NULL || agg_grow(obj) != 0) {
    free(k);
    mpv_free(item);
    return -1;
  }
  obj->u.agg.keys[obj->u.agg.len] = k;
  obj->u.agg.items[obj->u.agg.len++] = item;
  return 0;
}

mp_value *mpv_copy(const mp_value *v) {
  mp_value *c;
  size_t i;
  if (v == NULL) return NULL;
  switch (v->type) {
    case MP_NULL: return mpv_null();
    case MP_BOOL: return mpv_bool(v->u.b);
    case MP_NUMBER: return mpv_num(v->u.n);
    case MP_STRING: return mpv_str(v->u.str.s, v->u.str.len);
    case MP_ARRAY:
      if ((c = mpv_arr()) == NULL) return NULL;
      for (i = 0; i < v->u.agg.len; i++) {
        mp_value *item = mpv_copy(v->u.agg.items[i]);
        if (item == NULL || mpv_push(c, item) != 0) { mpv_free(c); return NULL; }
      }
      return c;
    case MP_OBJECT:
      if ((c = mpv_obj()) == NULL) return NULL;
      for (i = 0; i < v->u.agg.len; i++) {
        mp_value *item = mpv_copy(v->u.agg.items[i]);
        if (item == NULL || mpv_set(c, v->u.agg.keys[i], item) != 0) {
          mpv_free(c);
          return NULL;
        }
      }
      return c;
  }
  return NULL;
}

/* ---------- lookups ---------- */

/* Put an object's keys in byte order (stable reports: a Lua table has no
 * order of its own).  Insertion sort: objects are small. */
void mpv_sort_keys(mp_value *obj) {
  size_t i, j;
  if (obj == NULL || obj->type != MP_OBJECT) return;
  for (i = 1; i < obj->u.agg.len; i++) {
    char *k = obj->u.agg.keys[i];
    mp_value *item = obj->u.agg.items[i];
    for (j = i; j > 0 && strcmp(obj->u.agg.keys[j - 1], k) > 0; j--) {
      obj->u.agg.keys[j] = obj->u.agg.keys[j - 1];
      obj->u.agg.items[j] = obj->u.agg.items[j - 1];
    }
    obj->u.agg.keys[j] = k;
    obj->u.agg.items[j] = item;
  }
}

mp_value *mpv_getm(mp_value *obj, const char *key) {
  long at = find_key(obj, key);
  return at >= 0 ? obj->u.agg.items[at] : NULL;
}

const char *mpv_getstr(const mp_value *obj, const char *key) {
  long at = find_key(obj, key);
  const mp_value *v = at >= 0 ? obj->u.agg.items[at] : NULL;
  return v && v->type == MP_STRING ? v->u.str.s : NULL;
}

double mpv_getnum(const mp_value *obj, const char *key, double dflt) {
  long at = find_key(obj, key);
  const mp_value *v = at >= 0 ? obj->u.agg.items[at] : NULL;
  return v && v->type == MP_NUMBER ? v->u.n : dflt;
}

/* ---------- public accessors (marsplay.h) ---------- */

mp_type mp_value_type(const mp_value *v) { return v ? v->type : MP_NULL; }
int mp_value_bool(const mp_value *v) { return v && v->type == MP_BOOL ? v->u.b : 0; }
double mp_value_number(const mp_value *v) { return v && v->type == MP_NUMBER ? v->u.n : 0.0; }

const char *mp_value_string(const mp_value *v, size_t *len) {
  if (v == NULL || v->type != MP_STRING) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = v->u.str.len;
  return v->u.str.s;
}

size_t mp_value_len(const mp_value *v) {
  return v && (v->type == MP_ARRAY || v->type == MP_OBJECT) ? v->u.agg.len : 0;
}

const mp_value *mp_value_at(const mp_value *v, size_t i) {
  return i < mp_value_len(v) ? v->u.agg.items[i] : NULL;
}

const char *mp_value_key(const mp_value *v, size_t i) {
  return v && v->type == MP_OBJECT && i < v->u.agg.len ? v->u.agg.keys[i] : NULL;
}

const mp_value *mp_value_get(const mp_value *v, const char *key) {
  long at = find_key(v, key);
  return at >= 0 ? v->u.agg.items[at] : NULL;
}

char *mp_value_to_json(const mp_value *v, int pretty) {
  mp_buf b = {NULL, 0, 0, 0};
  mpv_write_json(&b, v, pretty, 0);
  if (b.p == NULL) mpb_add(&b, "", 0);
  if (b.oom) { mpb_free(&b); return NULL; }
  return b.p;
}

/* ---------- growing buffer ---------- */

/* Room for need more bytes plus the terminating NUL. */
static int buf_reserve(mp_buf *b, size_t need) {
  size_t ncap;
  char *p;
  if (b->oom) return -1;
  if (need >= SIZE_MAX - b->len) { b->oom = 1; return -1; }
  if (b->len + need < b->cap) return 0;
  ncap = b->cap ? b->cap : 256;
  while (ncap <= b->len + need) {
    if (ncap > SIZE_MAX / 2) { ncap = b->len + need + 1; break; }
    ncap *= 2;
  }
  if ((p = realloc(b->p, ncap)) == NULL) { b->oom = 1; return -1; }
  b->p = p;
  b->cap = ncap;
  return 0;
}

void mpb_add(mp_buf *b, const char *s, size_t n) {
  if (buf_reserve(b, n) != 0) return;
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void mpb_puts(mp_buf *b, const char *s) {
  if (s) mpb_add(b, s, strlen(s));
}

void mpb_printf(mp_buf *b, const char *fmt, ...) {
  va_list ap;
  char tmp[256];
  int n;
  if (b->oom) return;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) { b->oom = 1; return; }  /* only on encoding errors */
  if ((size_t)n < sizeof tmp) { mpb_add(b, tmp, (size_t)n); return; }
  if (buf_reserve(b, (size_t)n) != 0) return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void mpb_free(mp_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}

/* ---------- UTF-8 ---------- */

/* ---------- JSON ---------- */

void mpb_json_string(mp_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t i = 0, run = 0;  /* run: bytes copied as they are, pending */
  mpb_add(b, "\"", 1);
  while (i < len && !b->oom) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char u[7];
    size_t k;
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') { i++; run++; continue; }
    if (c >= 0x80) {
      k = mp_utf8_seq(s + i, len - i);
      if (k == 3 && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
          ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9))
        esc = (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
      else if (k > 0) { i += k; run += k; continue; }
      else esc = "\xEF\xBF\xBD";  /* U+FFFD for one bad byte */
      mpb_add(b, s + i - run, run);
      run = 0;
      mpb_puts(b, esc);
      i += k > 0 ? k : 1;
      continue;
    }
    mpb_add(b, s + i - run, run);
    run = 0;
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\b': esc = "\\b"; break;
      case '\f': esc = "\\f"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      default:
        u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
        u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
        esc = u;
    }
    mpb_puts(b, esc);
    i++;
  }
  mpb_add(b, s + i - run, run);
  mpb_add(b, "\"", 1);
}

void mp_fix_decimal(char *s) {
  const struct lconv *lc = localeconv();
  const char *dp = lc && lc->decimal_point && *lc->decimal_point ? lc->decimal_point : ".";
  size_t dl = strlen(dp);
  char *p;
  if (strcmp(dp, ".") == 0) return;
  if ((p = strstr(s, dp)) != NULL) {
    *p = '.';
    memmove(p + 1, p + dl, strlen(p + dl) + 1);
  }
}

char *mp_fmt_number(char *out, size_t sz, double n) {
  if (sz == 0) return out;
  if (isnan(n) || isinf(n)) {
    snprintf(out, sz, "null");
  } else if (n == floor(n) && fabs(n) <= 9007199254740992.0) {
    snprintf(out, sz, "%lld", (long long)n);
  } else {
    int prec;
    for (prec = 15; prec <= 17; prec++) {  /* the shortest that reads back */
      snprintf(out, sz, "%.*g", prec, n);
      if (strtod(out, NULL) == n) break;
    }
    mp_fix_decimal(out);
  }
  return out;
}

static void indent(mp_buf *b, int pretty, int depth) {
  static const char spaces[] = "                                ";
  size_t n;
  if (!pretty) return;
  mpb_add(b, "\n", 1);
  for (n = (size_t)depth * 2; n > 0; ) {
    size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
    mpb_add(b, spaces, k);
    n -= k;
  }
}

void mpv_write_json(mp_buf *b, const mp_value *v, int pretty, int depth) {
  char num[40];
  size_t i;
  if (b->oom) return;
  if (v == NULL || depth < 0 || depth >= MPV_JSON_MAX_DEPTH) { mpb_puts(b, "null"); return; }
  switch (v->type) {
    case MP_NULL: mpb_puts(b, "null"); break;
    case MP_BOOL: mpb_puts(b, v->u.b ? "true" : "false"); break;
    case MP_NUMBER: mpb_puts(b, mp_fmt_number(num, sizeof num, v->u.n)); break;
    case MP_STRING: mpb_json_string(b, v->u.str.s, v->u.str.len); break;
    case MP_ARRAY:
    case MP_OBJECT: {
      int obj = v->type == MP_OBJECT;
      mpb_add(b, obj ? "{" : "[", 1);
      for (i = 0; i < v->u.agg.len && !b->oom; i++) {
        if (i) mpb_add(b, ",", 1);
        indent(b, pretty, depth + 1);
        if (obj) {
          const char *k = v->u.agg.keys[i];
          mpb_json_string(b, k, strlen(k));
          mpb_add(b, pretty ? ": " : ":", pretty ? 2 : 1);
        }
        mpv_write_json(b, v->u.agg.items[i], pretty, depth + 1);
      }
      if (v->u.agg.len) indent(b, pretty, depth);
      mpb_add(b, obj ? "}" : "]", 1);
      break;
    }
  }
}
