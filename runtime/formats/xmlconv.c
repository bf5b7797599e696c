/* xmlconv.c - encodings, a hardened libxml2 read, and text edits.
 *
 * Documents are converted to UTF-8 here (libxml2 never sees UTF-16), read
 * without entity substitution, DTD loading or network access, and
 * checked for nesting depth.  Edits are spliced into the text, so all
 * but the changed text stays byte for byte, then verified by reading the
 * result again and written back in the original encoding.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include "formats/utf8.h"
#include "core/mp_printf.h"
#include "platform/platform.h"
#include "formats/xmlconv.h"

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | \
                       XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES)

static int fail(char *err, size_t errsz, int code, const char *fmt, ...)
  MP_PRINTF(4, 5);

static int fail(char *err, size_t errsz, int code, const char *fmt, ...) {
  va_list ap;
  if (err != NULL && errsz > 0) {
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* ---------- encodings ---------- */

static int xml_lead(unsigned char c) {
  return c == '<' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int mp_xml_detect(const char *in, size_t n) {
  const unsigned char *u = (const unsigned char *)in;
  if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) return MP_XENC_UTF8_BOM;
  if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE) return MP_XENC_UTF16LE_BOM;
  if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF) return MP_XENC_UTF16BE_BOM;
  if (n >= 2 && u[1] == 0 && xml_lead(u[0])) return MP_XENC_UTF16LE;
  if (n >= 2 && u[0] == 0 && xml_lead(u[1])) return MP_XENC_UTF16BE;
  return MP_XENC_UTF8;
}

const char *mp_xml_enc_name(int enc) {
  switch (enc) {
    case MP_XENC_UTF8_BOM: return "utf-8-bom";
    case MP_XENC_UTF16LE_BOM: return "utf-16le-bom";
    case MP_XENC_UTF16BE_BOM: return "utf-16be-bom";
    case MP_XENC_UTF16LE: return "utf-16le";
    case MP_XENC_UTF16BE: return "utf-16be";
    default: return "utf-8";
  }
}

static int is_utf16(int enc) {
  return enc == MP_XENC_UTF16LE_BOM || enc == MP_XENC_UTF16BE_BOM ||
         enc == MP_XENC_UTF16LE || enc == MP_XENC_UTF16BE;
}

static int is_big(int enc) {
  return enc == MP_XENC_UTF16BE_BOM || enc == MP_XENC_UTF16BE;
}

/* Decode the strict UTF-8 sequence at s[*i]; -1 if invalid. */
static long u8_next(const unsigned char *s, size_t n, size_t *i) {
  size_t k = mp_utf8_seq((const char *)s + *i, n - *i);
  long cp;
  if (k == 0) return -1;
  cp = (long)mp_utf8_decode((const char *)s + *i, k);
  *i += k;
  return cp;
}

int mp_utf8_check(const char *s, size_t n, char *err, size_t errsz) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t at = i;
    if (u8_next(u, n, &i) < 0)
      return fail(err, errsz, -EILSEQ, "invalid UTF-8 at byte %zu", at);
  }
  return 0;
}

static unsigned u16_at(const unsigned char *p, int big) {
  return big ? ((unsigned)p[0] << 8 | p[1]) : ((unsigned)p[1] << 8 | p[0]);
}

int mp_utf16_to_utf8(const char *in, size_t n, int big_endian,
                     char **out, size_t *outn, char *err, size_t errsz) {
  const unsigned char *u = (const unsigned char *)in;
  unsigned char *o;
  size_t i, len = 0;
  *out = NULL;
  *outn = 0;
  if (n % 2 != 0)
    return fail(err, errsz, -EILSEQ, "invalid UTF-16: odd byte count %zu (truncated?)", n);
  if (n / 2 > (SIZE_MAX - 1) / 3) return fail(err, errsz, -ENOMEM, "input too large");
  o = malloc(n / 2 * 3 + 1);
  if (o == NULL) return fail(err, errsz, -ENOMEM, "out of memory");
  for (i = 0; i < n; i += 2) {
    uint32_t cp = u16_at(u + i, big_endian);
    if (MP_UTF16_LOW(cp)) {
      free(o);
      return fail(err, errsz, -EILSEQ,
                  "invalid UTF-16: unpaired low surrogate 0x%04X at byte %zu", (unsigned)cp, i);
    }
    if (MP_UTF16_HIGH(cp)) {
      uint32_t lo = i + 3 < n ? u16_at(u + i + 2, big_endian) : 0;
      if (!MP_UTF16_LOW(lo)) {
        free(o);
        return fail(err, errsz, -EILSEQ,
                    "invalid UTF-16: unpaired high surrogate 0x%04X at byte %zu", (unsigned)cp, i);
      }
      cp = mp_utf16_join(cp, lo);
      i += 2;
    }
    len += mp_utf8_put((char *)o + len, cp);
  }
  o[len] = '\0';
  *out = (char *)o;
  *outn = len;
  return 0;
}

static void u16_put(unsigned char *o, unsigned v, int big) {
  o[big ? 0 : 1] = (unsigned char)(v >> 8);
  o[big ? 1 : 0] = (unsigned char)(v & 0xFF);
}

int mp_utf8_to_utf16(const char *in, size_t n, int big_endian, int bom,
                     char **out, size_t *outn, char *err, size_t errsz) {
  const unsigned char *u = (const unsigned char *)in;
  unsigned char *o;
  size_t i = 0, len = 0;
  *out = NULL;
  *outn = 0;
  if (n > (SIZE_MAX - 3) / 2) return fail(err, errsz, -ENOMEM, "input too large");
  o = malloc(n * 2 + 3);
  if (o == NULL) return fail(err, errsz, -ENOMEM, "out of memory");
  if (bom) { u16_put(o, 0xFEFF, big_endian); len = 2; }
  while (i < n) {
    size_t at = i;
    long cp = u8_next(u, n, &i);
    if (cp < 0) {
      free(o);
      return fail(err, errsz, -EILSEQ, "invalid UTF-8 at byte %zu", at);
    }
    if (cp >= 0x10000) {
      uint32_t hi, lo;
      mp_utf16_split((uint32_t)cp, &hi, &lo);
      u16_put(o + len, hi, big_endian);
      u16_put(o + len + 2, lo, big_endian);
      len += 4;
    } else {
      u16_put(o + len, (unsigned)cp, big_endian);
      len += 2;
    }
  }
  o[len] = '\0';
  *out = (char *)o;
  *outn = len;
  return 0;
}

int mp_xml_to_utf8(const char *in, size_t n, int *enc,
                   char **out, size_t *outn, char *err, size_t errsz) {
  int e = mp_xml_detect(in, n);
  size_t skip = 0;
  char *copy;
  if (enc != NULL) *enc = e;
  *out = NULL;
  *outn = 0;
  if (e == MP_XENC_UTF16LE_BOM || e == MP_XENC_UTF16BE_BOM) skip = 2;
  if (is_utf16(e))
    return mp_utf16_to_utf8(in + skip, n - skip, is_big(e), out, outn, err, errsz);
  if (e == MP_XENC_UTF8_BOM) skip = 3;
  copy = malloc(n - skip + 1);
  if (copy == NULL) return fail(err, errsz, -ENOMEM, "out of memory");
  memcpy(copy, in + skip, n - skip);
  copy[n - skip] = '\0';
  *out = copy;
  *outn = n - skip;
  return 0;
}

/* ---------- reading ---------- */

/* The encoding named by an XML declaration at the start of s, if any. */
static int decl_encoding(const char *s, size_t n, char *out, size_t outsz) {
  const char *end, *p;
  size_t len;
  if (n < 6 || memcmp(s, "<?xml", 5) != 0) return 0;
  end = plat_memmem(s, n < 512 ? n : 512, "?>", 2);
  if (end == NULL) return 0;
  p = plat_memmem(s, (size_t)(end - s), "encoding", 8);
  if (p == NULL) return 0;
  p += 8;
  while (p < end && strchr(" \t\r\n", *p)) p++;
  if (p >= end || *p != '=') return 0;
  p++;
  while (p < end && strchr(" \t\r\n", *p)) p++;
  if (p >= end || (*p != '"' && *p != '\'')) return 0;
  len = 0;
  for (const char *q = p + 1; q < end && *q != *p; q++) {
    if (len + 1 >= outsz) return 0;
    out[len++] = *q;
  }
  out[len] = '\0';
  return len > 0;
}

static int utf16_name(const char *name) {
  static const char *const names[] = {
    "UTF-16", "UTF16", "UTF-16LE", "UTF-16BE", "UCS-2", "ISO-10646-UCS-2", NULL
  };
  for (int i = 0; names[i] != NULL; i++)
    if (strcasecmp(name, names[i]) == 0) return 1;
  return 0;
}

/* The first serious error of the parse running on this thread. */
typedef struct xcap {
  int have_fatal, have_error;
  int fatal_line, error_line;
  char fatal[256], error[256];
} xcap;

static _Thread_local xcap *cur_cap;

static void keep(char *dst, size_t dstsz, int *line, int *have, const xmlError *e) {
  size_t len;
  snprintf(dst, dstsz, "%s", e->message ? e->message : "unknown error");
  len = strlen(dst);
  while (len > 0 && (dst[len - 1] == '\n' || dst[len - 1] == ' ')) dst[--len] = '\0';
  *line = e->line;
  *have = 1;
}

static void on_error(void *data, xmlErrorPtr e) {
  xcap *c = cur_cap;
  (void)data;
  if (c == NULL || e == NULL) return;
  if (e->level == XML_ERR_FATAL && !c->have_fatal)
    keep(c->fatal, sizeof c->fatal, &c->fatal_line, &c->have_fatal, e);
  else if (e->level == XML_ERR_ERROR && !c->have_error)
    keep(c->error, sizeof c->error, &c->error_line, &c->have_error, e);
}

static xmlNodePtr first_elem(xmlNodePtr n) {
  while (n != NULL && n->type != XML_ELEMENT_NODE) n = n->next;
  return n;
}

/* The first element nested deeper than max (root = 1), or NULL.  Only
 * elements are entered: entity reference nodes share their content. */
static xmlNodePtr too_deep(xmlNodePtr root, int max) {
  xmlNodePtr cur = root, c;
  int depth = 1;
  while (cur != NULL) {
    if (depth > max) return cur;
    c = first_elem(cur->children);
    if (c != NULL) { cur = c; depth++; continue; }
    while (cur != root && first_elem(cur->next) == NULL) { cur = cur->parent; depth--; }
    if (cur == root) break;
    cur = first_elem(cur->next);
  }
  return NULL;
}

/* Parse UTF-8 text u (n bytes) that came in encoding enc. */
static int read_text(const char *u, size_t n, int enc, xmlDocPtr *doc,
                     char *err, size_t errsz) {
  xmlParserCtxtPtr ctxt;
  xcap cap;
  const char *encoding = NULL;
  int options = PARSE_OPTIONS;
  char declared[64];
  xmlNodePtr deep;
  *doc = NULL;
  if (n == 0) return fail(err, errsz, MP_XML_ESYNTAX, "line 1: empty document");
  if (n > INT32_MAX) return fail(err, errsz, -EFBIG, "document too large for libxml2");
  /* Text converted from UTF-16 (or after a UTF-8 BOM) is UTF-8 whatever
   * its declaration says; so is 8-bit text labelled UTF-16. */
  if (enc != MP_XENC_UTF8 ||
      (decl_encoding(u, n, declared, sizeof declared) && utf16_name(declared))) {
    encoding = "UTF-8";
    options |= XML_PARSE_IGNORE_ENC;
  }
  xmlInitParser();
  ctxt = xmlNewParserCtxt();
  if (ctxt == NULL) return fail(err, errsz, -ENOMEM, "out of memory");
  ctxt->sax->serror = on_error;
  memset(&cap, 0, sizeof cap);
  cur_cap = &cap;
  *doc = xmlCtxtReadMemory(ctxt, u, (int)n, NULL, encoding, options);
  cur_cap = NULL;
  xmlFreeParserCtxt(ctxt);
  if (*doc == NULL) {
    if (cap.have_fatal)
      return fail(err, errsz, MP_XML_ESYNTAX, "line %d: %s", cap.fatal_line, cap.fatal);
    if (cap.have_error)
      return fail(err, errsz, MP_XML_ESYNTAX, "line %d: %s", cap.error_line, cap.error);
    return fail(err, errsz, -ENOMEM, "libxml2 could not read the document (out of memory?)");
  }
  if (xmlDocGetRootElement(*doc) == NULL) {
    xmlFreeDoc(*doc);
    *doc = NULL;
    return fail(err, errsz, MP_XML_ESYNTAX, "line 1: no root element");
  }
  deep = too_deep(xmlDocGetRootElement(*doc), MP_XML_MAX_DEPTH);
  if (deep != NULL) {
    long line = xmlGetLineNo(deep);
    xmlFreeDoc(*doc);
    *doc = NULL;
    return fail(err, errsz, MP_XML_ESYNTAX, "line %ld: elements nested deeper than %d levels",
                line, MP_XML_MAX_DEPTH);
  }
  return 0;
}

static int check_size(size_t n, size_t max_bytes, char *err, size_t errsz) {
  if (max_bytes == 0) max_bytes = MP_XML_MAX_BYTES;
  if (n > max_bytes)
    return fail(err, errsz, -EFBIG, "document is %zu bytes, over the limit of %zu", n, max_bytes);
  return 0;
}

int mp_xml_read(const char *in, size_t n, size_t max_bytes, xmlDocPtr *doc,
                int *enc, char *err, size_t errsz) {
  char *u;
  size_t un;
  int e, r;
  *doc = NULL;
  r = check_size(n, max_bytes, err, errsz);
  if (r != 0) return r;
  r = mp_xml_to_utf8(in, n, &e, &u, &un, err, errsz);
  if (r != 0) return r;
  if (enc != NULL) *enc = e;
  r = read_text(u, un, e, doc, err, errsz);
  free(u);
  return r;
}

/* ---------- paths ---------- */

int mp_xml_path_parse(mp_xml_path *p, const char *path, char *err, size_t errsz) {
  char *s, *slash;
  size_t len = strlen(path);
  memset(p, 0, sizeof *p);
  if (len >= sizeof p->buf) return fail(err, errsz, -EINVAL, "path too long");
  memcpy(p->buf, path, len + 1);
  s = p->buf;
  if (*s == '/') { p->absolute = 1; s++; }
  if (*s == '\0') {
    if (p->absolute) return fail(err, errsz, -EINVAL, "path '/' names no element");
    return 0;  /* "": the element itself */
  }
  for (;;) {
    slash = strchr(s, '/');
    if (slash != NULL) *slash = '\0';
    if (*s == '\0') return fail(err, errsz, -EINVAL, "empty component in path '%s'", path);
    if (p->n == MP_XML_PATH_MAX)
      return fail(err, errsz, -EINVAL, "path has more than %d components", MP_XML_PATH_MAX);
    p->comp[p->n++] = s;
    if (slash == NULL) break;
    s = slash + 1;
  }
  return 0;
}

int mp_xml_name_match(const char *pattern, const char *name) {
  return strcmp(pattern, "*") == 0 || strcmp(pattern, name) == 0;
}

/* A growing list of nodes. */
typedef struct nodes { xmlNodePtr *v; size_t n, cap; int oom; } nodes;

static void nodes_add(nodes *l, xmlNodePtr x) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    xmlNodePtr *v = realloc(l->v, cap * sizeof *v);
    if (v == NULL) { l->oom = 1; return; }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = x;
}

/* Elements reached from el's children by comp[i..last), in document
 * order; stop after the first when first is set. */
static void walk(xmlNodePtr el, const mp_xml_path *p, int i, int last,
                 int first, nodes *out) {
  if (i == last) { nodes_add(out, el); return; }
  for (xmlNodePtr c = first_elem(el->children); c != NULL; c = first_elem(c->next)) {
    if (!mp_xml_name_match(p->comp[i], (const char *)c->name)) continue;
    walk(c, p, i + 1, last, first, out);
    if (first && out->n > 0) return;
  }
}

/* ---------- editing ----------
 *
 * libxml2 finds the elements; a small scanner finds where each element
 * sits in the (already checked, well-formed) text, matched by document
 * order, and the new text is spliced in there.
 */

static int xml_char(long cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

static int check_text(const char *s, size_t n, char *err, size_t errsz) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t at = i;
    long cp = u8_next(u, n, &i);
    if (cp < 0) return fail(err, errsz, -EINVAL, "new text: invalid UTF-8 at byte %zu", at);
    if (!xml_char(cp))
      return fail(err, errsz, -EINVAL, "new text: character U+%04lX is not allowed in XML", cp);
  }
  return 0;
}

static int ascii(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) return 0;
  return 1;
}

static int blank_char(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A growing byte string. */
typedef struct sbuf { char *p; size_t n, cap; int oom; } sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->cap - b->n <= n) {
    size_t cap = b->cap ? b->cap : 256;
    char *p;
    while (cap - b->n <= n) {
      if (cap > SIZE_MAX / 2) { b->oom = 1; return; }
      cap *= 2;
    }
    p = realloc(b->p, cap);
    if (p == NULL) { b->oom = 1; return; }
    b->p = p;
    b->cap = cap;
  }
  if (n > 0) memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* Character data: markup characters and CR (kept through line-end
 * normalisation) become references. */
static void sb_escaped(sbuf *b, const char *s, size_t n) {
  size_t from = 0;
  for (size_t i = 0; i < n; i++) {
    const char *rep;
    switch (s[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '\r': rep = "&#13;"; break;
      default: continue;
    }
    sb_add(b, s + from, i - from);
    sb_str(b, rep);
    from = i + 1;
  }
  sb_add(b, s + from, n - from);
}

static void sb_qname(sbuf *b, xmlNsPtr ns, const char *name) {
  if (ns != NULL && ns->prefix != NULL) {
    sb_str(b, (const char *)ns->prefix);
    sb_str(b, ":");
  }
  sb_str(b, name);
}

/* Where an element sits: start tag [sb, se), end tag [eb, ee); an
 * empty-element tag has eb == ee == se. */
typedef struct span { size_t sb, se, eb, ee; int empty; } span;

static size_t seek(const char *u, size_t n, size_t from, const char *pat) {
  const char *p;
  if (from >= n) return n;
  p = plat_memmem(u + from, n - from, pat, strlen(pat));
  return p != NULL ? (size_t)(p - u) : n;
}

static int at(const char *u, size_t n, size_t i, const char *pat) {
  size_t pl = strlen(pat);
  return i <= n && n - i >= pl && memcmp(u + i, pat, pl) == 0;
}

/* Index of the quote closing the literal opened at i, or n. */
static size_t skip_quoted(const char *u, size_t n, size_t i) {
  const char *q = i + 1 < n ? memchr(u + i + 1, u[i], n - i - 1) : NULL;
  return q != NULL ? (size_t)(q - u) : n;
}

/* End of the document type declaration starting at i. */
static size_t skip_doctype(const char *u, size_t n, size_t i) {
  int subset = 0;
  for (i += 2; i < n; i++) {
    if (subset && at(u, n, i, "<!--")) i = seek(u, n, i + 4, "-->") + 2;
    else if (subset && at(u, n, i, "<?")) i = seek(u, n, i + 2, "?>") + 1;
    else if (u[i] == '"' || u[i] == '\'') i = skip_quoted(u, n, i);
    else if (u[i] == '[') subset++;
    else if (u[i] == ']') subset--;
    else if (u[i] == '>' && subset == 0) return i + 1;
  }
  return n;
}

/* End of the start tag at i (0 if unterminated); *empty for "/>". */
static size_t skip_stag(const char *u, size_t n, size_t i, int *empty) {
  for (i++; i < n; i++) {
    if (u[i] == '"' || u[i] == '\'') i = skip_quoted(u, n, i);
    else if (u[i] == '>') { *empty = u[i - 1] == '/'; return i + 1; }
  }
  return 0;
}

/* Every element of u in document order. */
static int scan(const char *u, size_t n, span **out, size_t *count) {
  span *v = NULL;
  size_t nv = 0, cap = 0, i = 0, stack[MP_XML_MAX_DEPTH + 1];
  int top = 0;
  while (i < n) {
    const char *lt = memchr(u + i, '<', n - i);
    if (lt == NULL) break;
    i = (size_t)(lt - u);
    if (at(u, n, i, "<!--")) i = seek(u, n, i + 4, "-->") + 3;
    else if (at(u, n, i, "<![CDATA[")) i = seek(u, n, i + 9, "]]>") + 3;
    else if (at(u, n, i, "<?")) i = seek(u, n, i + 2, "?>") + 2;
    else if (at(u, n, i, "<!")) i = skip_doctype(u, n, i);
    else if (at(u, n, i, "</")) {
      size_t e = seek(u, n, i + 2, ">");
      if (top == 0 || e >= n) goto bad;
      top--;
      v[stack[top]].eb = i;
      v[stack[top]].ee = e + 1;
      i = e + 1;
    } else {
      int empty = 0;
      size_t se = skip_stag(u, n, i, &empty);
      if (se == 0) goto bad;
      if (nv == cap) {
        span *nvp;
        cap = cap ? cap * 2 : 64;
        nvp = realloc(v, cap * sizeof *v);
        if (nvp == NULL) { free(v); return -ENOMEM; }
        v = nvp;
      }
      v[nv].sb = i;
      v[nv].se = v[nv].eb = v[nv].ee = se;
      v[nv].empty = empty;
      if (!empty) {
        if (top == (int)(sizeof stack / sizeof *stack)) goto bad;
        stack[top++] = nv;
      }
      nv++;
      i = se;
    }
  }
  if (top != 0) goto bad;
  *out = v;
  *count = nv;
  return 0;
bad:
  free(v);
  return -EIO;
}

/* Number the elements in document order (in _private, from 1). */
static size_t number(xmlNodePtr root) {
  xmlNodePtr cur = root, c;
  size_t k = 0;
  while (cur != NULL) {
    cur->_private = (void *)(uintptr_t)++k;
    c = first_elem(cur->children);
    if (c != NULL) { cur = c; continue; }
    while (cur != root && first_elem(cur->next) == NULL) cur = cur->parent;
    if (cur == root) break;
    cur = first_elem(cur->next);
  }
  return k;
}

/* A replacement of u[b, e) by rep.p[off, off+len). */
typedef struct splice { size_t b, e, off, len; } splice;

typedef struct editor {
  const char *u;
  size_t n;
  span *sp;
  size_t nsp;
  splice *v;
  size_t nv, cap;
  sbuf rep;
  const char *text;
  size_t tlen;
} editor;

static int ed_add(editor *ed, size_t b, size_t e, size_t off) {
  if (ed->nv == ed->cap) {
    size_t cap = ed->cap ? ed->cap * 2 : 8;
    splice *v = realloc(ed->v, cap * sizeof *v);
    if (v == NULL) return -ENOMEM;
    ed->v = v;
    ed->cap = cap;
  }
  ed->v[ed->nv].b = b;
  ed->v[ed->nv].e = e;
  ed->v[ed->nv].off = off;
  ed->v[ed->nv].len = ed->rep.n - off;
  ed->nv++;
  return ed->rep.oom ? -ENOMEM : 0;
}

/* The span of el, checked against its name. */
static const span *span_of(editor *ed, xmlNodePtr el) {
  size_t k = (size_t)(uintptr_t)el->_private, nl;
  const span *s;
  const char *q;
  if (k == 0 || k > ed->nsp) return NULL;
  s = &ed->sp[k - 1];
  nl = strlen((const char *)el->name);
  q = ed->u + s->sb + 1;
  if (el->ns != NULL && el->ns->prefix != NULL) {
    size_t pl = strlen((const char *)el->ns->prefix);
    if (s->se - s->sb < pl + 2 || memcmp(q, el->ns->prefix, pl) != 0 || q[pl] != ':')
      return NULL;
    q += pl + 1;
  }
  if ((size_t)(ed->u + s->se - q) < nl + 1 || memcmp(q, el->name, nl) != 0 ||
      !(blank_char(q[nl]) || q[nl] == '/' || q[nl] == '>'))
    return NULL;
  return s;
}

static int set_one(editor *ed, xmlNodePtr el, char *err, size_t errsz) {
  const span *s = span_of(ed, el);
  size_t off = ed->rep.n;
  if (first_elem(el->children) != NULL)
    return fail(err, errsz, -ENOTEMPTY, "line %ld: <%s> holds child elements, not text",
                xmlGetLineNo(el), (const char *)el->name);
  if (s == NULL) return fail(err, errsz, -EIO, "cannot locate <%s> in the text", el->name);
  if (s->empty) {  /* <a/> -> <a>text</a> */
    sb_str(&ed->rep, ">");
    sb_escaped(&ed->rep, ed->text, ed->tlen);
    sb_str(&ed->rep, "</");
    sb_qname(&ed->rep, el->ns, (const char *)el->name);
    sb_str(&ed->rep, ">");
    return ed_add(ed, s->se - 2, s->se, off);
  }
  sb_escaped(&ed->rep, ed->text, ed->tlen);
  return ed_add(ed, s->se, s->eb, off);
}

/* Add <leaf> after the last element of parent, on a line of its own
 * indented like that element when it has one. */
static int create_one(editor *ed, xmlNodePtr parent, const char *leaf,
                      char *err, size_t errsz) {
  const span *ps = span_of(ed, parent), *ls = NULL;
  xmlNodePtr last = NULL;
  size_t off, from, ws, where;
  for (xmlNodePtr c = first_elem(parent->children); c != NULL; c = first_elem(c->next))
    last = c;
  if (ps == NULL || (last != NULL && (ls = span_of(ed, last)) == NULL))
    return fail(err, errsz, -EIO, "cannot locate <%s> in the text", parent->name);
  off = ed->rep.n;
  if (ps->empty) sb_str(&ed->rep, ">");
  if (ls != NULL) {
    /* the blank run before the last element, from its last line break */
    ws = ls->sb;
    while (ws > ps->se && blank_char(ed->u[ws - 1])) ws--;
    from = ws;
    for (size_t i = ws; i < ls->sb; i++)
      if (ed->u[i] == '\n') from = (i > ws && ed->u[i - 1] == '\r') ? i - 1 : i;
    sb_add(&ed->rep, ed->u + from, ls->sb - from);
  }
  sb_str(&ed->rep, "<");
  sb_qname(&ed->rep, parent->ns, leaf);
  sb_str(&ed->rep, ">");
  sb_escaped(&ed->rep, ed->text, ed->tlen);
  sb_str(&ed->rep, "</");
  sb_qname(&ed->rep, parent->ns, leaf);
  sb_str(&ed->rep, ">");
  if (ps->empty) {
    sb_str(&ed->rep, "</");
    sb_qname(&ed->rep, parent->ns, (const char *)parent->name);
    sb_str(&ed->rep, ">");
    return ed_add(ed, ps->se - 2, ps->se, off);
  }
  where = ls != NULL ? ls->ee : ps->eb;
  return ed_add(ed, where, where, off);
}

/* Plan the splices for path. */
static int plan(editor *ed, xmlDocPtr doc, const mp_xml_path *p, const char *path,
                int flags, int *count, char *err, size_t errsz) {
  xmlNodePtr root = xmlDocGetRootElement(doc);
  nodes parents = {0}, kids = {0};
  int start = 0, all = flags & MP_XSET_ALL, r = 0;
  const char *leaf;
  *count = 0;
  if (p->absolute) {
    if (!mp_xml_name_match(p->comp[0], (const char *)root->name))
      return fail(err, errsz, -ENOENT, "the root element is <%s>, not <%s>",
                  (const char *)root->name, p->comp[0]);
    start = 1;
  }
  if (start == p->n) {  /* the root itself */
    r = set_one(ed, root, err, errsz);
    if (r == 0) *count = 1;
    return r;
  }
  leaf = p->comp[p->n - 1];
  if (!all) {  /* the first match anywhere, else create under the first parent */
    walk(root, p, start, p->n, 1, &kids);
    if (kids.oom) goto oom;
    if (kids.n > 0) {
      r = set_one(ed, kids.v[0], err, errsz);
      if (r == 0) *count = 1;
      goto done;
    }
  }
  walk(root, p, start, p->n - 1, !all, &parents);
  if (parents.oom) goto oom;
  for (size_t i = 0; i < parents.n && r == 0; i++) {
    int found = 0;
    for (xmlNodePtr c = first_elem(parents.v[i]->children); c != NULL && r == 0;
         c = first_elem(c->next)) {
      if (!mp_xml_name_match(leaf, (const char *)c->name)) continue;
      found = 1;
      r = set_one(ed, c, err, errsz);
      if (r == 0) (*count)++;
    }
    if (found || r != 0 || (flags & MP_XSET_NOCREATE) || strcmp(leaf, "*") == 0) continue;
    if (xmlValidateNCName((const xmlChar *)leaf, 0) != 0) {
      r = fail(err, errsz, -EINVAL, "cannot create an element named '%s'", leaf);
      break;
    }
    r = create_one(ed, parents.v[i], leaf, err, errsz);
    if (r == 0) (*count)++;
  }
  if (r == 0 && *count == 0) {
    if (parents.n == 0) r = fail(err, errsz, -ENOENT, "no parent element for '%s'", path);
    else r = fail(err, errsz, -ENOENT, "no element '%s'", path);
  }
  goto done;
oom:
  r = fail(err, errsz, -ENOMEM, "out of memory");
done:
  free(parents.v);
  free(kids.v);
  return r;
}

static int by_start(const void *a, const void *b) {
  const splice *x = a, *y = b;
  return x->b < y->b ? -1 : x->b > y->b;
}

/* Apply the planned splices to the text. */
static char *apply(editor *ed, size_t *outn) {
  sbuf o = {0};
  size_t pos = 0;
  qsort(ed->v, ed->nv, sizeof *ed->v, by_start);
  for (size_t i = 0; i < ed->nv; i++) {
    const splice *s = &ed->v[i];
    if (s->b < pos || s->e < s->b || s->e > ed->n) { free(o.p); return NULL; }
    sb_add(&o, ed->u + pos, s->b - pos);
    sb_add(&o, ed->rep.p + s->off, s->len);
    pos = s->e;
  }
  sb_add(&o, ed->u + pos, ed->n - pos);
  if (o.oom) { free(o.p); return NULL; }
  *outn = o.n;
  return o.p;
}

/* Does every element path now reaches (or the first) hold text? */
static int verify(xmlDocPtr doc, const mp_xml_path *p, int all, const char *text, size_t tlen) {
  xmlNodePtr root = xmlDocGetRootElement(doc);
  nodes hits = {0};
  int start = p->absolute ? 1 : 0, ok;
  if (p->absolute && !mp_xml_name_match(p->comp[0], (const char *)root->name)) return 0;
  walk(root, p, start, p->n, !all, &hits);
  ok = !hits.oom && hits.n > 0;
  for (size_t i = 0; ok && i < hits.n; i++) {
    sbuf t = {0};
    for (xmlNodePtr c = hits.v[i]->children; c != NULL; c = c->next) {
      if (c->type == XML_ELEMENT_NODE || c->type == XML_ENTITY_REF_NODE) t.oom = 1;
      if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
        sb_str(&t, (const char *)c->content);
    }
    ok = !t.oom && t.n == tlen && (tlen == 0 || memcmp(t.p, text, tlen) == 0);
    free(t.p);
  }
  free(hits.v);
  return ok;
}

/* Encode UTF-8 (or 8-bit) text t back into enc; takes t. */
static int encode(int enc, char *t, size_t tn, char **out, size_t *outn,
                  char *err, size_t errsz) {
  if (is_utf16(enc)) {
    int bom = enc == MP_XENC_UTF16LE_BOM || enc == MP_XENC_UTF16BE_BOM;
    int r = mp_utf8_to_utf16(t, tn, is_big(enc), bom, out, outn, err, errsz);
    free(t);
    return r;
  }
  if (enc == MP_XENC_UTF8_BOM) {
    char *o = malloc(tn + 4);
    if (o == NULL) { free(t); return fail(err, errsz, -ENOMEM, "out of memory"); }
    memcpy(o, "\xEF\xBB\xBF", 3);
    memcpy(o + 3, t, tn);
    o[tn + 3] = '\0';
    free(t);
    *out = o;
    *outn = tn + 3;
    return 0;
  }
  *out = t;
  *outn = tn;
  return 0;
}

/* An 8-bit document in an encoding other than UTF-8 (or labelled UTF-16). */
static int foreign_8bit(int enc, const char *u, size_t un) {
  char declared[64];
  if (enc != MP_XENC_UTF8 || !decl_encoding(u, un, declared, sizeof declared)) return 0;
  return strcasecmp(declared, "UTF-8") != 0 && strcasecmp(declared, "UTF8") != 0 &&
         !utf16_name(declared);
}

int mp_xml_set_text(const char *in, size_t n, const char *path,
                    const char *text, size_t textlen, int flags,
                    size_t max_bytes, char **out, size_t *outn, int *count,
                    char *err, size_t errsz) {
  mp_xml_path p;
  xmlDocPtr doc = NULL, again = NULL;
  editor ed;
  char *u = NULL, *t = NULL;
  size_t un, tn;
  int enc, r, cnt = 0;
  memset(&ed, 0, sizeof ed);
  *out = NULL;
  *outn = 0;
  if (count != NULL) *count = 0;
  if ((r = mp_xml_path_parse(&p, path, err, errsz)) != 0) return r;
  if (p.n == 0) return fail(err, errsz, -EINVAL, "empty path");
  if ((r = check_text(text, textlen, err, errsz)) != 0) return r;
  if ((r = check_size(n, max_bytes, err, errsz)) != 0) return r;
  if ((r = mp_xml_to_utf8(in, n, &enc, &u, &un, err, errsz)) != 0) return r;
  if (foreign_8bit(enc, u, un) &&
      (!ascii(text, textlen) || !ascii(p.comp[p.n - 1], strlen(p.comp[p.n - 1])))) {
    r = fail(err, errsz, -EINVAL, "only ASCII text can be set in a document "
             "in an 8-bit encoding other than UTF-8");
    goto done;
  }
  if ((r = read_text(u, un, enc, &doc, err, errsz)) != 0) goto done;
  ed.u = u;
  ed.n = un;
  ed.text = text;
  ed.tlen = textlen;
  r = scan(u, un, &ed.sp, &ed.nsp);
  if (r == 0 && number(xmlDocGetRootElement(doc)) != ed.nsp) r = -EIO;
  if (r != 0) {
    r = fail(err, errsz, r, r == -ENOMEM ? "out of memory" : "cannot map the document text");
    goto done;
  }
  if ((r = plan(&ed, doc, &p, path, flags, &cnt, err, errsz)) != 0) goto done;
  t = apply(&ed, &tn);
  if (t == NULL) { r = fail(err, errsz, -ENOMEM, "out of memory"); goto done; }
  /* the result must read back, with the new text where it belongs */
  r = read_text(t, tn, enc, &again, err, errsz);
  if (r == 0 && !verify(again, &p, flags & MP_XSET_ALL, text, textlen))
    r = fail(err, errsz, -EIO, "the edited document does not read back as intended");
  if (r != 0) { free(t); goto done; }
  r = encode(enc, t, tn, out, outn, err, errsz);
  if (r == 0 && count != NULL) *count = cnt;
done:
  if (again != NULL) xmlFreeDoc(again);
  if (doc != NULL) xmlFreeDoc(doc);
  free(ed.sp);
  free(ed.v);
  free(ed.rep.p);
  free(u);
  return r;
}
