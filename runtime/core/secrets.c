/* secrets.c - strings that must never leave the process.
 *
 * The runtime keeps a set of secret strings: values of --set parameters
 * whose name says they are secret (password, passwd, secret, passphrase,
 * token, proxy_user; for "user:password" values the part after the first
 * ':' too) and whatever code registers through marsplay.secret.add (the
 * vault credential's ManagementCert, a proxy password read from the
 * registry, ...).  Every Lua value converted for the outside world goes
 * through mp_from_lua, every event through mp_emit_event and every
 * operator message through mp_notice; there each occurrence of a secret,
 * and the user information of any URL ("scheme://user:pass@host"),
 * becomes "[redacted]" (user information already masked as "user:***",
 * as marsplay.net writes it, is kept).
 *
 * Limits: secrets shorter than MP_SECRET_MIN bytes, and words the report
 * itself is made of ("pass", "planned", "evidence"...), are not searched
 * for: they would blank ordinary text and the report's structure.  A
 * secret is only found as the same bytes, not re-encoded (base64 of it,
 * UTF-16, split over two values).
 */
#include <stdlib.h>
#include <string.h>

#include "core/mp_internal.h"

#define MAX_SECRETS 1024

typedef struct secret_set {
  char **s;
  size_t *len;
  size_t n, cap;
  size_t shortest;
} secret_set;

static secret_set *set_of(const mp_runtime *rt) { return rt ? rt->secrets : NULL; }

/* Words the report itself is made of (statuses, kinds, states, keys):
 * a "secret" inside one of them would blank the report's structure. */
static const char *const VOCABULARY[] = {
  "pass", "fail", "planned", "fixed", "manual", "fix-failed", "skipped", "error",
  "waived", "critical", "high", "medium", "info", "delete", "move", "copy", "write",
  "mkdir", "chmod", "set-value", "service", "done", "failed", "dry-run", "apply",
  "detect", "plan", "action", "result", "start", "timeout", "memory", "title", "cause",
  "status", "severity", "error_ids", "evidence", "message", "reason", "actions", "kind",
  "target", "host_path", "before", "after", "state", "detail", "recommendations",
  "verified", "duration_ms", "anchor", "file", "params", "checks", "exit_code",
  "playbook", "event", "check", "mode", "time", "error_kind", "left_alone", "count",
  "files", "bytes", "exists", "size", "type", "true", "false", "null", NULL};

int mp_secret_refused(const char *s, size_t len) {
  const char *const *w;
  if (s == NULL || len < MP_SECRET_MIN) return 1;
  for (w = VOCABULARY; *w; w++)
    if (strlen(*w) >= len && plat_memmem(*w, strlen(*w), s, len)) return 1;
  return 0;
}

int mp_secret_add(mp_runtime *rt, const char *s, size_t len) {
  secret_set *ss = rt->secrets;
  size_t i;
  char *copy;
  if (mp_secret_refused(s, len)) return 0;
  if (ss == NULL) {
    if ((ss = calloc(1, sizeof *ss)) == NULL) return -1;
    rt->secrets = ss;
  }
  for (i = 0; i < ss->n; i++)
    if (ss->len[i] == len && memcmp(ss->s[i], s, len) == 0) return 1;
  if (ss->n == MAX_SECRETS) return -1;
  if (ss->n == ss->cap) {
    size_t cap = ss->cap ? ss->cap * 2 : 8;
    char **ns = realloc(ss->s, cap * sizeof *ns);
    size_t *nl;
    if (ns == NULL) return -1;
    ss->s = ns;
    if ((nl = realloc(ss->len, cap * sizeof *nl)) == NULL) return -1;
    ss->len = nl;
    ss->cap = cap;
  }
  if ((copy = malloc(len + 1)) == NULL) return -1;
  memcpy(copy, s, len);
  copy[len] = '\0';
  /* Longest first, so a secret holding another is replaced whole. */
  for (i = ss->n; i > 0 && ss->len[i - 1] < len; i--) {
    ss->s[i] = ss->s[i - 1];
    ss->len[i] = ss->len[i - 1];
  }
  ss->s[i] = copy;
  ss->len[i] = len;
  ss->n++;
  if (ss->shortest == 0 || len < ss->shortest) ss->shortest = len;
  return 1;
}

void mp_secrets_free(mp_runtime *rt) {
  secret_set *ss = set_of(rt);
  size_t i;
  if (ss == NULL) return;
  for (i = 0; i < ss->n; i++) {
    /* wipe before freeing: no copy lingers in freed heap */
    memset(ss->s[i], 0, ss->len[i]);
    free(ss->s[i]);
  }
  free(ss->s);
  free(ss->len);
  free(ss);
  rt->secrets = NULL;
}

static int icontains(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0) return 1;
  return 0;
}

int mp_secret_param_name(const char *key) {
  static const char *const words[] = {
    "password", "passwd", "secret", "passphrase", "token", "proxy_user", NULL};
  const char *const *w;
  for (w = words; *w; w++)
    if (icontains(key, *w)) return 1;
  return 0;
}

int mp_secret_param(mp_runtime *rt, const char *key, const char *value) {
  const char *colon;
  if (!mp_secret_param_name(key)) return 0;
  if (mp_secret_add(rt, value, strlen(value)) < 0) return -1;
  colon = strchr(value, ':');
  if (colon && mp_secret_add(rt, colon + 1, strlen(colon + 1)) < 0) return -1;
  return 0;
}

/* ---------- finding and replacing ---------- */

static const char REDACTED[] = "[redacted]";

/* Length of the secret starting at s (n bytes left), or 0. */
static size_t secret_at(const secret_set *ss, const char *s, size_t n) {
  size_t i;
  if (ss == NULL || n < ss->shortest) return 0;
  for (i = 0; i < ss->n; i++)
    if (ss->len[i] <= n && ss->s[i][0] == s[0] && memcmp(ss->s[i], s, ss->len[i]) == 0)
      return ss->len[i];
  return 0;
}

static int ends_authority(char c) {
  return c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\r' ||
         c == '\n' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\';
}

/* s[0..2] is "://": the length of the user information after it (up to
 * and without the last '@' of the authority), or 0 if there is none. */
static size_t userinfo_at(const char *s, size_t n) {
  size_t i, at = 0;
  for (i = 3; i < n && !ends_authority(s[i]); i++)
    if (s[i] == '@') at = i;
  /* "user:***" was masked already (marsplay.net does): keep it */
  if (at > 7 && memcmp(s + at - 4, ":***", 4) == 0 && !memchr(s + 3, ':', at - 7)) return 0;
  return at > 3 ? at - 3 : 0;
}

/* The redacted form of s (malloc'd, NUL-terminated, length in *outlen),
 * or NULL when s holds nothing to redact (or memory ran out: then the
 * caller must not use s either: see redact_or_mask). */
static char *redact(const secret_set *ss, const char *s, size_t len, size_t *outlen, int *oom) {
  mp_buf b;
  size_t i = 0, run = 0, k;
  int changed = 0;
  memset(&b, 0, sizeof b);
  *oom = 0;
  while (i < len) {
    if ((k = secret_at(ss, s + i, len - i)) > 0) {
      mpb_add(&b, s + i - run, run);
      run = 0;
      mpb_add(&b, REDACTED, sizeof REDACTED - 1);
      i += k;
      changed = 1;
      continue;
    }
    if (s[i] == ':' && i + 2 < len && s[i + 1] == '/' && s[i + 2] == '/' &&
        (k = userinfo_at(s + i, len - i)) > 0) {
      mpb_add(&b, s + i - run, run + 3);
      run = 0;
      mpb_add(&b, REDACTED, sizeof REDACTED - 1);
      i += 3 + k;
      changed = 1;
      continue;
    }
    i++;
    run++;
  }
  if (!changed) { mpb_free(&b); return NULL; }
  mpb_add(&b, s + i - run, run);
  mpb_add(&b, "", 1);
  if (b.oom) { mpb_free(&b); *oom = 1; return NULL; }
  *outlen = b.len - 1;
  return b.p;
}

/* Quick test: could s hold anything to redact at all? */
static int maybe(const secret_set *ss, const char *s, size_t len) {
  return (ss && ss->n && len >= ss->shortest) || (len > 3 && plat_memmem(s, len, "://", 3));
}

mp_value *mp_redacted_str(const mp_runtime *rt, const char *s, size_t len) {
  const secret_set *ss = set_of(rt);
  size_t n;
  int oom;
  char *r;
  mp_value *v;
  if (!maybe(ss, s, len)) return mpv_str(s, len);
  r = redact(ss, s, len, &n, &oom);
  if (oom) return mpv_cstr(REDACTED);     /* never fall back to the secret */
  if (r == NULL) return mpv_str(s, len);
  v = mpv_str(r, n);
  free(r);
  return v;
}

int mp_redact_cstr(const mp_runtime *rt, const char *s, char **out) {
  const secret_set *ss = set_of(rt);
  size_t len = strlen(s), n;
  int oom;
  *out = NULL;
  if (!maybe(ss, s, len)) return 0;
  *out = redact(ss, s, len, &n, &oom);
  if (oom) return -1;
  return *out != NULL;
}

char *mp_redacted_dup(const mp_runtime *rt, const char *s, const char *fallback) {
  char *r = NULL;
  if (s == NULL) s = fallback ? fallback : "";
  switch (mp_redact_cstr(rt, s, &r)) {
    case 0: return strdup(s);
    case 1: return r;
    default: return strdup(REDACTED);      /* never fall back to the secret */
  }
}

void mp_redact_value(const mp_runtime *rt, mp_value *v) {
  const secret_set *ss = set_of(rt);
  size_t i, n;
  int oom;
  char *r;
  if (v == NULL) return;
  switch (v->type) {
    case MP_STRING:
      if (!maybe(ss, v->u.str.s, v->u.str.len)) return;
      r = redact(ss, v->u.str.s, v->u.str.len, &n, &oom);
      if (oom) { v->u.str.s[0] = '\0'; v->u.str.len = 0; return; }
      if (r == NULL) return;
      free(v->u.str.s);
      v->u.str.s = r;
      v->u.str.len = n;
      return;
    case MP_ARRAY: case MP_OBJECT:
      for (i = 0; i < v->u.agg.len; i++) {
        mp_redact_value(rt, v->u.agg.items[i]);
        if (v->type == MP_OBJECT) {
          int k = mp_redact_cstr(rt, v->u.agg.keys[i], &r);
          if (k < 0) v->u.agg.keys[i][0] = '\0';
          if (k > 0) { free(v->u.agg.keys[i]); v->u.agg.keys[i] = r; }
        }
      }
      return;
    default:
      return;
  }
}
