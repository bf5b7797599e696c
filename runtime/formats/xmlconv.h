/* xmlconv.h - XML bytes in, libxml2 documents out, and back.
 *
 * The plain-C half of marsplay.xml (bind_xml.c is the Lua half): encoding
 * detection and UTF-16 <-> UTF-8 conversion, a hardened libxml2 read
 * (no entity substitution, no external entities or DTD, no network,
 * bounded size and depth) and a text edit that changes only the edited
 * text and keeps the document's encoding.  Nothing here needs a Lua
 * state or a runtime.  Functions return 0 or a negative errno value and,
 * when given, fill err with a one-line message.
 */
#ifndef MP_XMLCONV_H
#define MP_XMLCONV_H

#include <errno.h>
#include <stddef.h>
#include <libxml/tree.h>

/* How a document's bytes are encoded (what mp_xml_detect finds). */
enum {
  MP_XENC_UTF8,         /* no BOM: UTF-8 or what its declaration names */
  MP_XENC_UTF8_BOM,     /* EF BB BF */
  MP_XENC_UTF16LE_BOM,  /* FF FE, as Windows writes task files */
  MP_XENC_UTF16BE_BOM,  /* FE FF */
  MP_XENC_UTF16LE,      /* no BOM, "<\0" */
  MP_XENC_UTF16BE       /* no BOM, "\0<" */
};

#define MP_XML_MAX_BYTES ((size_t)16 << 20) /* default input limit */
#define MP_XML_MAX_DEPTH 128                /* element nesting we accept */
#define MP_XML_PATH_MAX 32                  /* components in a path */

/* Not well-formed XML (or refused: too deep, DTD tricks). */
#define MP_XML_ESYNTAX (-EBADMSG)

int mp_xml_detect(const char *in, size_t n);
const char *mp_xml_enc_name(int enc); /* "utf-16le-bom", ... */

/* UTF-16 (LE or BE, no BOM handling) to UTF-8.  Unpaired surrogates and
 * an odd byte count are -EILSEQ.  *out is malloc'd and NUL-terminated. */
int mp_utf16_to_utf8(const char *in, size_t n, int big_endian,
                     char **out, size_t *outn, char *err, size_t errsz);
/* Strict UTF-8 (no overlongs, surrogates or > U+10FFFF) to UTF-16,
 * optionally preceded by a BOM. */
int mp_utf8_to_utf16(const char *in, size_t n, int big_endian, int bom,
                     char **out, size_t *outn, char *err, size_t errsz);
/* Check that s is strict UTF-8; 0 or -EILSEQ. */
int mp_utf8_check(const char *s, size_t n, char *err, size_t errsz);

/* Detect the encoding of an XML document and return its text as UTF-8
 * (BOM removed).  Input without a BOM that is not UTF-16 is copied as is
 * (it may still be in an 8-bit encoding its declaration names).  enc may
 * be NULL. */
int mp_xml_to_utf8(const char *in, size_t n, int *enc,
                   char **out, size_t *outn, char *err, size_t errsz);

/* Parse a document.  max_bytes 0 means MP_XML_MAX_BYTES.  On success
 * *doc is the document (free with xmlFreeDoc) and *enc (if not NULL) its
 * encoding.  Errors: -EFBIG, -EILSEQ, -ENOMEM, MP_XML_ESYNTAX; the
 * message carries the line of the first error. */
int mp_xml_read(const char *in, size_t n, size_t max_bytes, xmlDocPtr *doc,
                int *enc, char *err, size_t errsz);

/* Paths: "A/B/C" names children by local name, starting below the
 * element it is applied to; a leading '/' makes the first component
 * name that element itself ("/Task/Settings").  "*" matches any name. */
typedef struct mp_xml_path {
  char buf[1024];
  const char *comp[MP_XML_PATH_MAX];
  int n;
  int absolute;
} mp_xml_path;
int mp_xml_path_parse(mp_xml_path *p, const char *path, char *err, size_t errsz);
int mp_xml_name_match(const char *pattern, const char *name);

/* Flags for mp_xml_set_text. */
enum {
  MP_XSET_ALL = 1,      /* every match, not just the first */
  MP_XSET_NOCREATE = 2  /* do not create a missing last element */
};

/* Set the text of the element(s) at path in the document in (any
 * encoding above) and return the document in the same encoding.  The new
 * text is spliced into the original bytes: declaration, BOM, line ends,
 * attribute order and everything else stay byte for byte; the result is
 * read back and checked before it is returned.  A missing last element
 * is created after the last child element of its parent (indented like
 * it, with the parent's prefix) when the parent exists.  *count (if not
 * NULL) is the number of elements set.  Errors as mp_xml_read, plus
 * -ENOENT (no such element or parent), -EINVAL (bad path or text, or
 * non-ASCII text for a document in another 8-bit encoding), -ENOTEMPTY
 * (the element holds child elements), -EIO (the edit did not check). */
int mp_xml_set_text(const char *in, size_t n, const char *path,
                    const char *text, size_t textlen, int flags,
                    size_t max_bytes, char **out, size_t *outn, int *count,
                    char *err, size_t errsz);

#endif
