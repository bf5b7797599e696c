/* utf8.h - UTF-8 and UTF-16 code units: the one home of the codec every
 * layer uses (report writers, JSON, hives, XML, scanners, walkers).
 * Strict UTF-8: no overlong forms, no surrogates, nothing above
 * U+10FFFF.  Inline, for the scanners' inner loops. */
#ifndef MP_UTF8_H
#define MP_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the valid UTF-8 sequence at s (n bytes left, n > 0),
 * or 0 if it is not one. */
static inline size_t mp_utf8_seq(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  unsigned char lo = 0x80, hi = 0xBF;
  size_t len, i;
  if (n == 0) return 0;
  if (s[0] < 0x80) return 1;
  if (s[0] < 0xC2) return 0;          /* stray continuation, overlong C0/C1 */
  if (s[0] < 0xE0) len = 2;
  else if (s[0] < 0xF0) {
    len = 3;
    if (s[0] == 0xE0) lo = 0xA0;      /* overlong */
    else if (s[0] == 0xED) hi = 0x9F; /* surrogates */
  } else if (s[0] < 0xF5) {
    len = 4;
    if (s[0] == 0xF0) lo = 0x90;      /* overlong */
    else if (s[0] == 0xF4) hi = 0x8F; /* above U+10FFFF */
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (i = 2; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

/* Code point of a sequence that mp_utf8_seq accepted with length len. */
static inline uint32_t mp_utf8_decode(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  uint32_t cp;
  size_t i;
  if (len <= 1) return s[0];
  cp = s[0] & (0x7Fu >> len);
  for (i = 1; i < len; i++) cp = (cp << 6) | (s[i] & 0x3Fu);
  return cp;
}

/* Is all of s (n bytes) valid UTF-8?  1 or 0. */
static inline int mp_utf8_valid(const char *s, size_t n) {
  size_t i = 0, k;
  while (i < n) {
    if ((unsigned char)s[i] < 0x80) { i++; continue; }
    if ((k = mp_utf8_seq(s + i, n - i)) == 0) return 0;
    i += k;
  }
  return 1;
}

/* Write code point cp (at most U+10FFFF) as UTF-8 at o: 1-4 bytes. */
static inline size_t mp_utf8_put(char *o, uint32_t cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* UTF-16 surrogates. */
#define MP_UTF16_HIGH(u) ((u) >= 0xD800 && (u) <= 0xDBFF)
#define MP_UTF16_LOW(u) ((u) >= 0xDC00 && (u) <= 0xDFFF)
/* The code point of a high and a low surrogate. */
static inline uint32_t mp_utf16_join(uint32_t hi, uint32_t lo) {
  return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}
/* The surrogates of cp (>= U+10000). */
static inline void mp_utf16_split(uint32_t cp, uint32_t *hi, uint32_t *lo) {
  *hi = 0xD800 + ((cp - 0x10000) >> 10);
  *lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);
}

#endif
