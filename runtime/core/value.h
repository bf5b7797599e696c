/* value.h - building report values (the tree behind mp_value). */
#ifndef MP_VALUE_H
#define MP_VALUE_H

#include <stddef.h>
#include <stdio.h>
#include "marsplay.h"
#include "core/mp_printf.h"

struct mp_value {
  mp_type type;
  union {
    int b;
    double n;
    struct { char *s; size_t len; } str;
    struct { mp_value **items; char **keys; size_t len, cap; } agg;
  } u;
};

/* Constructors return NULL on out of memory. */
mp_value *mpv_null(void);
mp_value *mpv_bool(int b);
mp_value *mpv_num(double n);
mp_value *mpv_str(const char *s, size_t len);
mp_value *mpv_cstr(const char *s);
mp_value *mpv_arr(void);
mp_value *mpv_obj(void);

/* Take ownership of item (freed on failure). Return 0 or -1. */
int mpv_push(mp_value *arr, mp_value *item);
int mpv_set(mp_value *obj, const char *key, mp_value *item); /* replaces */
mp_value *mpv_copy(const mp_value *v);
void mpv_sort_keys(mp_value *obj);  /* keys in byte order */
void mpv_free(mp_value *v);

/* Mutable lookups. */
mp_value *mpv_getm(mp_value *obj, const char *key);
const char *mpv_getstr(const mp_value *obj, const char *key); /* or NULL */
double mpv_getnum(const mp_value *obj, const char *key, double dflt);

/* JSON text: appends to a growing buffer. */
typedef struct mp_buf { char *p; size_t len, cap; int oom; } mp_buf;
void mpb_add(mp_buf *b, const char *s, size_t n);
void mpb_puts(mp_buf *b, const char *s);
void mpb_printf(mp_buf *b, const char *fmt, ...)
  MP_PRINTF(2, 3);
void mpb_free(mp_buf *b);
/* Append s as a JSON string literal (quotes included); each byte that is
 * not part of well-formed UTF-8 becomes U+FFFD, never raw. */
void mpb_json_string(mp_buf *b, const char *s, size_t len);
void mpv_write_json(mp_buf *b, const mp_value *v, int pretty, int depth);

#endif
