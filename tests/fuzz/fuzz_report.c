/* fuzz_report.c - the report writers' escaping.  The input is read as a
 * small program that builds a report (playbooks, checks with fuzzed ids,
 * titles, statuses, messages, evidence trees, actions, recommendations),
 * then it is written as JSON, JUnit and text.  Oracles: the JSON is valid
 * UTF-8 without raw control characters; the JUnit parses as XML; the
 * text without colour is valid UTF-8 and carries no escape character. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "report/report.h"
#include "core/value.h"

typedef struct { const uint8_t *p; size_t n; } src;

static unsigned byte(src *s) {
  unsigned b;
  if (s->n == 0) return 0;
  b = *s->p++;
  s->n--;
  return b;
}

static mp_value *str(src *s) {
  size_t len = byte(s) % 48, take = len < s->n ? len : s->n;
  mp_value *v = mpv_str((const char *)s->p, take);
  s->p += take;
  s->n -= take;
  return v;
}

static mp_value *value(src *s, int depth) {
  unsigned op = byte(s);
  mp_value *v;
  int i, n;
  switch (depth > 6 ? op % 4 : op % 6) {
    case 0: return mpv_null();
    case 1: return mpv_bool(op & 8);
    case 2: {
      double d;
      unsigned char b[8];
      for (i = 0; i < 8; i++) b[i] = (unsigned char)byte(s);
      memcpy(&d, b, sizeof d);
      return mpv_num(d);
    }
    case 3: return str(s);
    case 4:
      v = mpv_arr();
      n = (int)(byte(s) % 5);
      for (i = 0; v && i < n; i++) mpv_push(v, value(s, depth + 1));
      return v;
    default: {
      v = mpv_obj();
      n = (int)(byte(s) % 5);
      for (i = 0; v && i < n; i++) {
        mp_value *k = str(s);
        char key[64];
        snprintf(key, sizeof key, "%.*s", k ? (int)k->u.str.len : 0, k ? k->u.str.s : "");
        mpv_free(k);
        mpv_set(v, key, value(s, depth + 1));
      }
      return v;
    }
  }
}

static const char *const STATUS[] = {"pass", "fail", "planned", "fixed", "manual",
                                     "fix-failed", "skipped", "error", "waived", NULL};

static mp_value *check(src *s) {
  mp_value *c = mpv_obj(), *acts = mpv_arr(), *recs = mpv_arr(), *ids = mpv_arr();
  unsigned st = byte(s);
  int i, n;
  mpv_set(c, "id", str(s));
  mpv_set(c, "title", str(s));
  mpv_set(c, "status", st < 200 ? mpv_cstr(STATUS[st % 9]) : str(s));
  mpv_set(c, "severity", str(s));
  mpv_set(c, "message", str(s));
  if (st & 1) mpv_set(c, "reason", str(s));
  mpv_set(c, "evidence", value(s, 0));
  n = (int)(byte(s) % 3);
  for (i = 0; i < n; i++) mpv_push(ids, str(s));
  mpv_set(c, "error_ids", ids);
  n = (int)(byte(s) % 3);
  for (i = 0; i < n; i++) {
    mp_value *a = mpv_obj();
    mpv_set(a, "kind", str(s));
    mpv_set(a, "target", str(s));
    mpv_set(a, "state", str(s));
    mpv_set(a, "before", value(s, 3));
    mpv_set(a, "after", value(s, 3));
    mpv_set(a, "detail", str(s));
    mpv_push(acts, a);
  }
  mpv_set(c, "actions", acts);
  n = (int)(byte(s) % 3);
  for (i = 0; i < n; i++) mpv_push(recs, str(s));
  mpv_set(c, "recommendations", recs);
  mpv_set(c, "duration_ms", mpv_num(byte(s)));
  return c;
}

static mp_value *report(src *s) {
  mp_value *r = mpv_obj(), *pbs = mpv_arr(), *t = mpv_obj();
  int i, j, np = (int)(byte(s) % 3) + 1;
  mpv_set(r, "tool", mpv_cstr("marsplay"));
  mpv_set(r, "version", mpv_cstr("0.1.0"));
  mpv_set(t, "root", str(s));
  mpv_set(t, "hostname", str(s));
  mpv_set(r, "target", t);
  mpv_set(r, "mode", str(s));
  mpv_set(r, "lang", byte(s) & 1 ? mpv_cstr("pt-BR") : str(s));
  mpv_set(r, "exit_code", mpv_num(byte(s) % 6));
  for (i = 0; i < np; i++) {
    mp_value *pb = mpv_obj(), *checks = mpv_arr();
    int nc = (int)(byte(s) % 4);
    mpv_set(pb, "id", str(s));
    mpv_set(pb, "title", str(s));
    if (byte(s) & 1) mpv_set(pb, "error", str(s));
    for (j = 0; j < nc; j++) mpv_push(checks, check(s));
    mpv_set(pb, "checks", checks);
    mpv_push(pbs, pb);
  }
  mpv_set(r, "playbooks", pbs);
  return r;
}

static void no_control(const char *p, size_t n, int allow_newlines) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)p[i];
    size_t k;
    if (c == 0x1b || c == 0x7f || (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t' || c == '\r'))))
      abort();
    k = c < 0x80 ? 1 : mp_utf8_seq(p + i, n - i);
    if (k == 0) abort();                     /* invalid UTF-8 */
    i += k;
  }
}

/* The report written by writer 0 (JSON), 1 (JUnit) or 2 (text). */
static char *written(const mp_value *r, int which, size_t *n) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, n);
  if (f == NULL) abort();
  if (which == 0) mp_report_write_json(r, f);
  else if (which == 1) mp_report_write_junit(r, f);
  else mp_report_write_text(r, f, 0, NULL);
  if (fclose(f) != 0) abort();
  return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  src s = {data, size};
  mp_value *r = report(&s);
  char *out, *json;
  size_t n;
  xmlDocPtr doc;
  if (r == NULL) return 0;
  json = mp_value_to_json(r, 0);
  if (json) no_control(json, strlen(json), 0);
  free(json);
  out = written(r, 0, &n);
  no_control(out, n, 1);
  free(out);
  out = written(r, 1, &n);
  doc = xmlReadMemory(out, (int)n, "junit.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL) abort();                  /* the JUnit must be well-formed */
  xmlFreeDoc(doc);
  free(out);
  out = written(r, 2, &n);
  no_control(out, n, 1);
  free(out);
  mpv_free(r);
  return 0;
}
