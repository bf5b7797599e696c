/* platform_posix_lazylib.c - libcurl and libxml2 are loaded on first use.
 *
 * Linked normally, libcurl brings some thirty shared libraries (TLS,
 * Kerberos, LDAP, RTMP with GnuTLS, whose constructor initialises it)
 * and libxml2 brings ICU and the C++ runtime: loading and relocating
 * them took 5 ms of every start, four times a whole `lua5.4 -e ''`.
 * Most runs never probe the network nor parse XML, so the functions
 * marsplay calls are defined here and forward to the real ones, which
 * dlopen finds the first time one is called.  The command is linked with
 * --as-needed, so it no longer names either library.
 *
 * A function of either library used elsewhere must be added here;
 * otherwise the linker takes it from the real library, which is then
 * loaded at start-up again (everything still works, only slower).
 *
 * If a library cannot be loaded, its functions fail the way they
 * document failure (NULL, an error code); the error strings of libcurl
 * then say why.  Loading happens on the Lua thread only (the walker and
 * scanner threads use neither library).
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CURL_DISABLE_TYPECHECK   /* curl_easy_setopt as a plain function */
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#ifndef MARSPLAY_CURL_SONAME
#define MARSPLAY_CURL_SONAME "libcurl.so.4"
#endif
#ifndef MARSPLAY_XML2_SONAME
#define MARSPLAY_XML2_SONAME "libxml2.so.2"
#endif

typedef void (*anyfn)(void);  /* any function; cast back to its type to call */

typedef struct lib {
  const char *soname;
  const char *const *names;   /* NULL-terminated */
  anyfn *fns;                 /* one slot per name */
  int state;                  /* 0 not tried, 1 loaded, -1 failed */
  char why[256];
} lib;

/* Load lib and every function it must provide: 1, or 0 (why says why). */
static int load(lib *l) {
  void *h;
  size_t i;
  if (l->state) return l->state > 0;
  l->state = -1;
  h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) {
    const char *e = dlerror();
    snprintf(l->why, sizeof l->why, "%s", e ? e : l->soname);
    return 0;
  }
  for (i = 0; l->names[i]; i++) {
    void *sym = dlsym(h, l->names[i]);
    if (sym == NULL) {
      snprintf(l->why, sizeof l->why, "%s: no %s", l->soname, l->names[i]);
      dlclose(h);   /* ours only: the library stays if anyone else uses it */
      return 0;
    }
    memcpy(&l->fns[i], &sym, sizeof sym);   /* POSIX: same representation */
  }
  l->state = 1;
  return 1;
}

/* The loaded function in slot i, as its type T. */
#define FN(l, T, i) ((T)(l).fns[i])

/* ---------- libcurl ---------- */

enum {
  C_GLOBAL_INIT, C_GLOBAL_CLEANUP, C_EASY_INIT, C_EASY_CLEANUP, C_EASY_SETOPT,
  C_EASY_GETINFO, C_EASY_STRERROR, C_FREE, C_GETDATE, C_MULTI_INIT,
  C_MULTI_ADD, C_MULTI_REMOVE, C_MULTI_CLEANUP, C_MULTI_INFO_READ,
  C_MULTI_PERFORM, C_MULTI_POLL, C_MULTI_STRERROR, C_SLIST_APPEND,
  C_SLIST_FREE_ALL, C_URL, C_URL_CLEANUP, C_URL_GET, C_URL_SET,
  C_URL_STRERROR, C_COUNT
};

static const char *const CURL_NAMES[C_COUNT + 1] = {
  "curl_global_init", "curl_global_cleanup", "curl_easy_init", "curl_easy_cleanup",
  "curl_easy_setopt", "curl_easy_getinfo", "curl_easy_strerror", "curl_free",
  "curl_getdate", "curl_multi_init", "curl_multi_add_handle",
  "curl_multi_remove_handle", "curl_multi_cleanup", "curl_multi_info_read",
  "curl_multi_perform", "curl_multi_poll", "curl_multi_strerror",
  "curl_slist_append", "curl_slist_free_all", "curl_url", "curl_url_cleanup",
  "curl_url_get", "curl_url_set", "curl_url_strerror", NULL};

static anyfn curl_fns[C_COUNT];
static lib libcurl = {MARSPLAY_CURL_SONAME, CURL_NAMES, curl_fns, 0, ""};

static int have_curl(void) { return load(&libcurl); }

CURLcode curl_global_init(long flags) {
  if (!have_curl()) return CURLE_FAILED_INIT;
  return FN(libcurl, CURLcode (*)(long), C_GLOBAL_INIT)(flags);
}

void curl_global_cleanup(void) {
  if (libcurl.state > 0) FN(libcurl, void (*)(void), C_GLOBAL_CLEANUP)();   /* nothing to undo before */
}

CURL *curl_easy_init(void) {
  if (!have_curl()) return NULL;
  return FN(libcurl, CURL *(*)(void), C_EASY_INIT)();
}

void curl_easy_cleanup(CURL *curl) {
  if (curl && have_curl()) FN(libcurl, void (*)(CURL *), C_EASY_CLEANUP)(curl);
}

/* The option number says the type of the argument, as in libcurl. */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...) {
  typedef CURLcode (*setopt_fn)(CURL *, CURLoption, ...);
  setopt_fn f;
  CURLcode r;
  va_list ap;
  if (!have_curl()) return CURLE_FAILED_INIT;
  f = FN(libcurl, setopt_fn, C_EASY_SETOPT);
  va_start(ap, option);
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    long v = va_arg(ap, long);
    r = f(curl, option, v);
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    void *v = va_arg(ap, void *);
    r = f(curl, option, v);
  } else if (option < CURLOPTTYPE_OFF_T) {
    void (*v)(void) = va_arg(ap, void (*)(void));
    r = f(curl, option, v);
  } else if (option < CURLOPTTYPE_BLOB) {
    curl_off_t v = va_arg(ap, curl_off_t);
    r = f(curl, option, v);
  } else {
    void *v = va_arg(ap, void *);   /* struct curl_blob * */
    r = f(curl, option, v);
  }
  va_end(ap);
  return r;
}

/* Every CURLINFO takes a pointer. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...) {
  typedef CURLcode (*getinfo_fn)(CURL *, CURLINFO, ...);
  void *p;
  va_list ap;
  if (!have_curl()) return CURLE_FAILED_INIT;
  va_start(ap, info);
  p = va_arg(ap, void *);
  va_end(ap);
  return FN(libcurl, getinfo_fn, C_EASY_GETINFO)(curl, info, p);
}

const char *curl_easy_strerror(CURLcode code) {
  if (!have_curl()) return libcurl.why;
  return FN(libcurl, const char *(*)(CURLcode), C_EASY_STRERROR)(code);
}

void curl_free(void *p) {
  if (p && have_curl()) FN(libcurl, void (*)(void *), C_FREE)(p);
}

time_t curl_getdate(const char *p, const time_t *unused) {
  if (!have_curl()) return -1;
  return FN(libcurl, time_t (*)(const char *, const time_t *), C_GETDATE)(p, unused);
}

CURLM *curl_multi_init(void) {
  if (!have_curl()) return NULL;
  return FN(libcurl, CURLM *(*)(void), C_MULTI_INIT)();
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *e) {
  if (!have_curl()) return CURLM_INTERNAL_ERROR;
  return FN(libcurl, CURLMcode (*)(CURLM *, CURL *), C_MULTI_ADD)(m, e);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *e) {
  if (!have_curl()) return CURLM_INTERNAL_ERROR;
  return FN(libcurl, CURLMcode (*)(CURLM *, CURL *), C_MULTI_REMOVE)(m, e);
}

CURLMcode curl_multi_cleanup(CURLM *m) {
  if (m == NULL) return CURLM_BAD_HANDLE;
  if (!have_curl()) return CURLM_INTERNAL_ERROR;
  return FN(libcurl, CURLMcode (*)(CURLM *), C_MULTI_CLEANUP)(m);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *msgs_in_queue) {
  if (!have_curl()) { if (msgs_in_queue) *msgs_in_queue = 0; return NULL; }
  return FN(libcurl, CURLMsg *(*)(CURLM *, int *), C_MULTI_INFO_READ)(m, msgs_in_queue);
}

CURLMcode curl_multi_perform(CURLM *m, int *running) {
  if (!have_curl()) return CURLM_INTERNAL_ERROR;
  return FN(libcurl, CURLMcode (*)(CURLM *, int *), C_MULTI_PERFORM)(m, running);
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra_fds[], unsigned int extra_nfds,
                          int timeout_ms, int *ret) {
  typedef CURLMcode (*poll_fn)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
  if (!have_curl()) return CURLM_INTERNAL_ERROR;
  return FN(libcurl, poll_fn, C_MULTI_POLL)(m, extra_fds, extra_nfds, timeout_ms, ret);
}

const char *curl_multi_strerror(CURLMcode code) {
  if (!have_curl()) return libcurl.why;
  return FN(libcurl, const char *(*)(CURLMcode), C_MULTI_STRERROR)(code);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s) {
  typedef struct curl_slist *(*append_fn)(struct curl_slist *, const char *);
  if (!have_curl()) return NULL;
  return FN(libcurl, append_fn, C_SLIST_APPEND)(l, s);
}

void curl_slist_free_all(struct curl_slist *l) {
  if (l && have_curl()) FN(libcurl, void (*)(struct curl_slist *), C_SLIST_FREE_ALL)(l);
}

CURLU *curl_url(void) {
  if (!have_curl()) return NULL;
  return FN(libcurl, CURLU *(*)(void), C_URL)();
}

void curl_url_cleanup(CURLU *u) {
  if (u && have_curl()) FN(libcurl, void (*)(CURLU *), C_URL_CLEANUP)(u);
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags) {
  typedef CURLUcode (*get_fn)(CURLU *, CURLUPart, char **, unsigned int);
  if (!have_curl()) return CURLUE_OUT_OF_MEMORY;
  return FN(libcurl, get_fn, C_URL_GET)(u, what, part, flags);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags) {
  typedef CURLUcode (*set_fn)(CURLU *, CURLUPart, const char *, unsigned int);
  if (!have_curl()) return CURLUE_OUT_OF_MEMORY;
  return FN(libcurl, set_fn, C_URL_SET)(u, what, part, flags);
}

const char *curl_url_strerror(CURLUcode code) {
  if (!have_curl()) return libcurl.why;
  return FN(libcurl, const char *(*)(CURLUcode), C_URL_STRERROR)(code);
}

/* ---------- libxml2 ---------- */

enum {
  X_INIT_PARSER, X_NEW_CTXT, X_FREE_CTXT, X_CTXT_READ_MEMORY, X_ROOT,
  X_FREE_DOC, X_LINE_NO, X_VALIDATE_NCNAME, X_COUNT
};

static const char *const XML_NAMES[X_COUNT + 1] = {
  "xmlInitParser", "xmlNewParserCtxt", "xmlFreeParserCtxt", "xmlCtxtReadMemory",
  "xmlDocGetRootElement", "xmlFreeDoc", "xmlGetLineNo", "xmlValidateNCName", NULL};

static anyfn xml_fns[X_COUNT];
static lib libxml2 = {MARSPLAY_XML2_SONAME, XML_NAMES, xml_fns, 0, ""};

static int have_xml(void) { return load(&libxml2); }

void xmlInitParser(void) {
  if (have_xml()) FN(libxml2, void (*)(void), X_INIT_PARSER)();
}

xmlParserCtxtPtr xmlNewParserCtxt(void) {
  if (!have_xml()) return NULL;
  return FN(libxml2, xmlParserCtxtPtr (*)(void), X_NEW_CTXT)();
}

void xmlFreeParserCtxt(xmlParserCtxtPtr ctxt) {
  if (ctxt && have_xml()) FN(libxml2, void (*)(xmlParserCtxtPtr), X_FREE_CTXT)(ctxt);
}

xmlDocPtr xmlCtxtReadMemory(xmlParserCtxtPtr ctxt, const char *buffer, int size,
                            const char *URL, const char *encoding, int options) {
  typedef xmlDocPtr (*read_fn)(xmlParserCtxtPtr, const char *, int, const char *, const char *, int);
  if (!have_xml()) return NULL;
  return FN(libxml2, read_fn, X_CTXT_READ_MEMORY)(ctxt, buffer, size, URL, encoding, options);
}

xmlNodePtr xmlDocGetRootElement(const xmlDoc *doc) {
  if (!have_xml()) return NULL;
  return FN(libxml2, xmlNodePtr (*)(const xmlDoc *), X_ROOT)(doc);
}

void xmlFreeDoc(xmlDocPtr doc) {
  if (doc && have_xml()) FN(libxml2, void (*)(xmlDocPtr), X_FREE_DOC)(doc);
}

long xmlGetLineNo(const xmlNode *node) {
  if (!have_xml()) return -1;
  return FN(libxml2, long (*)(const xmlNode *), X_LINE_NO)(node);
}

int xmlValidateNCName(const xmlChar *value, int space) {
  if (!have_xml()) return -1;
  return FN(libxml2, int (*)(const xmlChar *, int), X_VALIDATE_NCNAME)(value, space);
}
