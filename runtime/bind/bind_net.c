/* bind_net.c - marsplay.net: reachability probes, address ranges, dates.
 *
 *   probe(targets, opts)     every target at once on one libcurl multi
 *                            handle; one result per target, same order
 *   cidr_sample(cidr, n)     up to n addresses spread over a range
 *   cidr_contains(cidr, ip)  is ip inside the range?
 *   parse_http_date(s)       an HTTP date as seconds since the epoch
 *   system_proxy()           the machine's WinHTTP default proxy, asked of
 *                            WinHTTP (live Windows only): { access =
 *                            "direct" | "proxy", proxy =, bypass = }
 *   proxy_for(url, opts)     the proxy WinHTTP would use for url from the
 *                            auto-config script opts.autoconfig_url, or
 *                            WPAD when opts.autodetect (live Windows
 *                            only): the same table form
 *
 * system_proxy and proxy_for describe the running host: offline (--root)
 * nil, message, "EOPNOTSUPP"; on a live system that is not Windows nil,
 * message, "ENOSYS"; a failure nil, message (WinHTTP's words and error
 * number), code ("ENOENT": auto-detection found no script; "EIO": the
 * script could not be fetched or run).
 *
 * A probe only looks: it sends one HEAD (or GET) request and reports how
 * far it got.  Any HTTP answer means the server is reachable (result
 * "ok", the status in http_status); failures are classified as dns,
 * refused, timeout, tls, proxy_auth, proxy or error.  Without the proxy
 * option the connection is direct: proxy environment variables are
 * ignored.  Passwords (proxy_user, userinfo in URLs) are never echoed.
 *
 * With MARSPLAY_NET_LOOPBACK_ONLY=1 in the environment (the test suite
 * sets it) no connection goes to a non-loopback address and no host name
 * that would need a DNS query is looked up: such targets give "error".
 *
 * libcurl is initialised by the first probe, not at start-up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/mp_internal.h"
#include "platform/live.h"

#define PROBE_MT "marsplay.net.probe"
#define MAX_TARGETS 65536
#define MAX_SAMPLE 65536
#define BODY_MAX (64 * 1024)     /* GET: stop reading after this much */
#define MASK "***"

/* ---------- 128-bit arithmetic for addresses ---------- */

typedef struct u128 { uint32_t w[4]; } u128;   /* w[0] most significant */

static void u128_set(u128 *x, uint64_t v) {
  x->w[0] = x->w[1] = 0;
  x->w[2] = (uint32_t)(v >> 32);
  x->w[3] = (uint32_t)v;
}

static void u128_lowmask(u128 *x, int nbits) { /* low nbits set */
  int i;
  for (i = 3; i >= 0; i--) {
    int take = nbits > 32 ? 32 : nbits;
    x->w[i] = take == 32 ? 0xffffffffu : take == 0 ? 0 : ((uint32_t)1 << take) - 1;
    nbits -= take;
  }
}

static int u128_cmp(const u128 *x, const u128 *y) {
  int i;
  for (i = 0; i < 4; i++)
    if (x->w[i] != y->w[i]) return x->w[i] < y->w[i] ? -1 : 1;
  return 0;
}

static void u128_add(u128 *x, const u128 *y) {
  uint64_t c = 0;
  int i;
  for (i = 3; i >= 0; i--) {
    c += (uint64_t)x->w[i] + y->w[i];
    x->w[i] = (uint32_t)c;
    c >>= 32;
  }
}

static void u128_sub(u128 *x, const u128 *y) { /* x >= y */
  uint64_t borrow = 0;
  int i;
  for (i = 3; i >= 0; i--) {
    uint64_t d = (uint64_t)x->w[i] - y->w[i] - borrow;
    x->w[i] = (uint32_t)d;
    borrow = d >> 63;
  }
}

static uint32_t u128_div(u128 *x, uint32_t d) { /* x /= d; remainder */
  uint64_t r = 0;
  int i;
  for (i = 0; i < 4; i++) {
    uint64_t cur = (r << 32) | x->w[i];
    x->w[i] = (uint32_t)(cur / d);
    r = cur % d;
  }
  return (uint32_t)r;
}

static void u128_mul(u128 *x, uint32_t m) { /* caller knows it fits */
  uint64_t c = 0;
  int i;
  for (i = 3; i >= 0; i--) {
    c += (uint64_t)x->w[i] * m;
    x->w[i] = (uint32_t)c;
    c >>= 32;
  }
}

/* ---------- addresses and ranges ---------- */

typedef struct ipaddr { int v6; u128 a; } ipaddr;   /* IPv4 in w[3] */
typedef struct ipnet { ipaddr base; int prefix; } ipnet;

static int parse_v4(const char *s, size_t len, uint32_t *out) {
  uint32_t v = 0;
  size_t i = 0;
  int part;
  for (part = 0; part < 4; part++) {
    size_t start = i;
    unsigned n = 0;
    if (part > 0) {
      if (i >= len || s[i] != '.') return -1;
      start = ++i;
    }
    while (i < len && i - start < 3 && s[i] >= '0' && s[i] <= '9')
      n = n * 10 + (unsigned)(s[i++] - '0');
    if (i == start || n > 255 || (i - start > 1 && s[start] == '0')) return -1;
    v = (v << 8) | n;
  }
  if (i != len) return -1;
  *out = v;
  return 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int parse_v6(const char *s, size_t len, u128 *out) {
  uint32_t g[8];
  int n = 0, gap = -1, k;
  size_t i = 0;
  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (len > 0 && s[0] == ':') {
    return -1;
  }
  while (i < len) {
    size_t j = i;
    uint32_t v = 0;
    while (j < len && j - i < 5 && hexval(s[j]) >= 0) v = v * 16 + (uint32_t)hexval(s[j++]);
    if (j < len && s[j] == '.') {                /* dotted IPv4 tail */
      uint32_t v4;
      if (n > 6 || parse_v4(s + i, len - i, &v4) != 0) return -1;
      g[n++] = v4 >> 16;
      g[n++] = v4 & 0xffff;
      i = len;
      break;
    }
    if (j == i || j - i > 4 || n == 8) return -1;
    g[n++] = v;
    i = j;
    if (i == len) break;
    if (s[i++] != ':' || i == len) return -1;    /* no trailing single ':' */
    if (s[i] == ':') {
      if (gap >= 0) return -1;
      gap = n;
      i++;
    }
  }
  if (gap < 0 ? n != 8 : n > 7) return -1;
  memset(out, 0, sizeof *out);
  for (k = 0; k < 8; k++) {
    uint32_t v;
    if (gap < 0) v = g[k];
    else if (k < gap) v = g[k];
    else if (k >= 8 - (n - gap)) v = g[k - (8 - n)];
    else v = 0;
    out->w[k / 2] |= (k % 2 == 0) ? v << 16 : v;
  }
  return 0;
}

static int parse_ip(const char *s, size_t len, ipaddr *ip) {
  memset(ip, 0, sizeof *ip);
  if (memchr(s, ':', len) != NULL) {
    ip->v6 = 1;
    return parse_v6(s, len, &ip->a);
  }
  return parse_v4(s, len, &ip->a.w[3]);
}

static int is_v4_mapped(const ipaddr *ip) {
  return ip->v6 && ip->a.w[0] == 0 && ip->a.w[1] == 0 && ip->a.w[2] == 0xffff;
}

static void format_ip(const ipaddr *ip, char *out, size_t outsz) {
  uint32_t g[8];
  int k, best = -1, bestlen = 0, run = 0;
  size_t len = 0;
  if (!ip->v6) {
    uint32_t v = ip->a.w[3];
    snprintf(out, outsz, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
    return;
  }
  if (is_v4_mapped(ip)) {
    uint32_t v = ip->a.w[3];
    snprintf(out, outsz, "::ffff:%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
    return;
  }
  for (k = 0; k < 8; k++) g[k] = (k % 2 == 0) ? ip->a.w[k / 2] >> 16 : ip->a.w[k / 2] & 0xffff;
  for (k = 0; k < 8; k++) {                      /* longest run of zero groups */
    run = g[k] == 0 ? run + 1 : 0;
    if (run > bestlen) { bestlen = run; best = k - run + 1; }
  }
  if (bestlen < 2) best = -1;
  out[0] = '\0';
  for (k = 0; k < 8 && len < outsz; k++) {
    int w;
    if (k == best) {
      w = snprintf(out + len, outsz - len, "::");
      k += bestlen - 1;
    } else {
      w = snprintf(out + len, outsz - len, "%s%x",
                   (k > 0 && k != best + bestlen) ? ":" : "", (unsigned)g[k]);
    }
    if (w < 0) return;
    len += (size_t)w;
  }
}

static int addr_bits(const ipaddr *ip) { return ip->v6 ? 128 : 32; }

/* Parse "addr/prefix" (or a bare address: a single-address range).
 * Returns NULL or why it is not a range. */
static const char *parse_net(const char *s, size_t len, ipnet *net) {
  const char *slash = memchr(s, '/', len);
  size_t alen = slash ? (size_t)(slash - s) : len;
  u128 host;
  int i;
  if (parse_ip(s, alen, &net->base) != 0) return "not an IPv4 or IPv6 address";
  net->prefix = addr_bits(&net->base);
  if (slash) {
    const char *p = slash + 1;
    size_t plen = len - alen - 1;
    int v = 0;
    if (plen == 0 || plen > 3) return "bad prefix length";
    for (i = 0; i < (int)plen; i++) {
      if (p[i] < '0' || p[i] > '9') return "bad prefix length";
      v = v * 10 + (p[i] - '0');
    }
    if (v > net->prefix) return "prefix length too large";
    net->prefix = v;
  }
  u128_lowmask(&host, addr_bits(&net->base) - net->prefix);
  for (i = 0; i < 4; i++)
    if (net->base.a.w[i] & host.w[i]) return "address has host bits set";
  return NULL;
}

static int net_has(const ipnet *net, const ipaddr *ip) {
  ipaddr a = *ip;
  u128 host;
  int i;
  if (!net->base.v6 && is_v4_mapped(&a)) {
    a.v6 = 0;
    a.a.w[0] = a.a.w[1] = a.a.w[2] = 0;
  }
  if (a.v6 != net->base.v6) return 0;
  u128_lowmask(&host, addr_bits(&a) - net->prefix);
  for (i = 0; i < 4; i++)
    if ((a.a.w[i] & ~host.w[i]) != net->base.a.w[i]) return 0;
  return 1;
}

static int push_einval(lua_State *L, const char *fn, const char *what, const char *why) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: '%s': %s", fn, what, why);
  lua_pushliteral(L, "EINVAL");
  return 3;
}

static void push_ip(lua_State *L, const ipaddr *ip) {
  char buf[64];
  format_ip(ip, buf, sizeof buf);
  lua_pushstring(L, buf);
}

/* cidr_sample(cidr, n): first usable, last usable and evenly spaced
 * addresses between them; all of them if the range holds n or fewer.
 * IPv4 ranges up to /30 skip the network and broadcast addresses,
 * IPv6 ranges up to /126 skip the subnet-router (all-zero) address. */
static int l_cidr_sample(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer n = luaL_checkinteger(L, 2);
  ipnet net;
  const char *why;
  u128 first, last, span, nm1, q, one;
  uint32_t r;
  int hostbits;
  lua_Integer i, count;
  luaL_argcheck(L, n >= 1 && n <= MAX_SAMPLE, 2, "count out of range (1..65536)");
  if ((why = parse_net(s, len, &net)) != NULL) return push_einval(L, "cidr_sample", s, why);
  hostbits = addr_bits(&net.base) - net.prefix;
  first = last = net.base.a;
  u128_lowmask(&span, hostbits);
  u128_add(&last, &span);                        /* all host bits set */
  u128_set(&one, 1);
  if (hostbits >= 2) {
    u128_add(&first, &one);
    if (!net.base.v6) u128_sub(&last, &one);     /* broadcast */
  }
  span = last;
  u128_sub(&span, &first);                       /* usable count - 1 */
  u128_set(&nm1, (uint64_t)(n - 1));
  count = u128_cmp(&span, &nm1) <= 0 ? (lua_Integer)span.w[3] + 1 : n;
  lua_createtable(L, (int)count, 0);
  q = span;
  r = n > 1 ? u128_div(&q, (uint32_t)(n - 1)) : 0;
  for (i = 0; i < count; i++) {
    ipaddr a = net.base;
    u128 off;
    if (count < n) {                             /* every address */
      u128_set(&off, (uint64_t)i);
    } else if (n == 1) {
      u128_set(&off, 0);
    } else {                                     /* i * span / (n-1) */
      u128 extra;
      off = q;
      u128_mul(&off, (uint32_t)i);
      u128_set(&extra, (uint64_t)i * r / (uint64_t)(n - 1));
      u128_add(&off, &extra);
    }
    a.a = first;
    u128_add(&a.a, &off);
    push_ip(L, &a);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int l_cidr_contains(lua_State *L) {
  size_t clen, alen;
  const char *c = luaL_checklstring(L, 1, &clen);
  const char *a = luaL_checklstring(L, 2, &alen);
  ipnet net;
  ipaddr ip;
  const char *why;
  if ((why = parse_net(c, clen, &net)) != NULL) return push_einval(L, "cidr_contains", c, why);
  if (parse_ip(a, alen, &ip) != 0)
    return push_einval(L, "cidr_contains", a, "not an IPv4 or IPv6 address");
  lua_pushboolean(L, net_has(&net, &ip));
  return 1;
}

static int l_parse_http_date(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  time_t t;
  if (strlen(s) != len || (t = curl_getdate(s, NULL)) == (time_t)-1)
    return push_einval(L, "parse_http_date", s, "not a recognised date");
  lua_pushinteger(L, (lua_Integer)t);
  return 1;
}

/* ---------- small string helpers ---------- */

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int ci_eq(const char *a, size_t alen, const char *b, size_t blen) {
  size_t i;
  if (alen != blen) return 0;
  for (i = 0; i < alen; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

/* Case-insensitive match with '*' standing for any run of characters. */
static int glob_ci(const char *p, size_t plen, const char *s, size_t slen) {
  size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
  while (si < slen) {
    if (pi < plen && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < plen && lower((unsigned char)p[pi]) == lower((unsigned char)s[si])) {
      pi++;
      si++;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return 0;
    }
  }
  while (pi < plen && p[pi] == '*') pi++;
  return pi == plen;
}

/* Strip "[...]" around an IPv6 literal and one trailing dot. */
static void trim_host(const char **h, size_t *len) {
  if (*len >= 2 && (*h)[0] == '[' && (*h)[*len - 1] == ']') {
    (*h)++;
    *len -= 2;
  }
  if (*len > 1 && (*h)[*len - 1] == '.') (*len)--;
}

/* ---------- secrets ---------- */

typedef struct secrets { const char *s[2]; size_t len[2]; int n; } secrets;

static void add_secret(secrets *sec, const char *s, size_t len) {
  if (len > 0 && sec->n < 2) {
    sec->s[sec->n] = s;
    sec->len[sec->n++] = len;
  }
}

/* Push s with URL passwords (scheme://user:PASS@host) and every known
 * secret replaced by MASK. */
static void push_masked(lua_State *L, const char *s, size_t len, const secrets *sec) {
  luaL_Buffer b;
  size_t i = 0;
  luaL_buffinit(L, &b);
  while (i < len) {
    int k, hit = 0;
    for (k = 0; sec && k < sec->n; k++) {
      if (len - i >= sec->len[k] && memcmp(s + i, sec->s[k], sec->len[k]) == 0) {
        luaL_addstring(&b, MASK);
        i += sec->len[k];
        hit = 1;
        break;
      }
    }
    if (hit) continue;
    if (len - i >= 3 && memcmp(s + i, "://", 3) == 0) {
      size_t a = i + 3, e = a, at = 0, colon, j;
      while (e < len && s[e] != '\0' && strchr("/?# \t\r\n\"'<>", s[e]) == NULL) e++;
      for (j = a; j < e; j++)
        if (s[j] == '@') at = j;
      if (at > 0) {
        for (colon = a; colon < at && s[colon] != ':'; colon++) continue;
        if (colon < at) {
          luaL_addlstring(&b, s + i, colon + 1 - i);
          luaL_addstring(&b, MASK);
          i = at;
          continue;
        }
      }
      luaL_addlstring(&b, s + i, 3);
      i += 3;
      continue;
    }
    luaL_addchar(&b, s[i]);
    i++;
  }
  luaL_pushresult(&b);
}

/* ---------- proxy bypass list ---------- */

/* One entry of a bypass list (curl's NO_PROXY or Windows' ProxyOverride):
 *   *             every host
 *   <local>       host names without a dot
 *   *.x.com 10.*  wildcard patterns
 *   x.com .x.com  x.com and its subdomains
 *   10.0.0.0/8    addresses and ranges (for address hosts) */
static int bypass_entry(const char *e, size_t elen, const char *host, size_t hlen,
                        const ipaddr *hip) {
  ipnet net;
  trim_host(&e, &elen);
  if (elen == 0) return 0;
  if (ci_eq(e, elen, "<local>", 7)) return hip == NULL && memchr(host, '.', hlen) == NULL;
  if (memchr(e, '*', elen) != NULL) return glob_ci(e, elen, host, hlen);
  if (hip != NULL && parse_net(e, elen, &net) == NULL) return net_has(&net, hip);
  if (e[0] == '.') {
    e++;
    elen--;
  }
  if (ci_eq(e, elen, host, hlen)) return 1;
  return hlen > elen && host[hlen - elen - 1] == '.' && ci_eq(host + hlen - elen, elen, e, elen);
}

static int bypass_match(const char *list, const char *host, size_t hlen) {
  ipaddr ip;
  const ipaddr *hip = parse_ip(host, hlen, &ip) == 0 ? &ip : NULL;
  const char *p = list;
  static const char seps[] = ",; \t\r\n";
  while (*p) {
    size_t n = strcspn(p, seps);
    if (n > 0 && bypass_entry(p, n, host, hlen, hip)) return 1;
    p += n;
    p += strspn(p, seps);
  }
  return 0;
}

/* ---------- host name rules for MARSPLAY_NET_LOOPBACK_ONLY ---------- */

/* A name the resolver rejects without sending a query (empty or
 * over-long label, over-long name). */
static int dns_name_invalid(const char *h, size_t len) {
  size_t i, label = 0;
  if (len > 253) return 1;
  for (i = 0; i < len; i++) {
    if (h[i] == '.') {
      if (label == 0) return 1;
      label = 0;
    } else if (++label > 63) {
      return 1;
    }
  }
  return label == 0;
}

static int is_loopback_ip(const ipaddr *ip) {
  if (!ip->v6) return (ip->a.w[3] >> 24) == 127;
  if (is_v4_mapped(ip)) return (ip->a.w[3] >> 24) == 127;
  return ip->a.w[0] == 0 && ip->a.w[1] == 0 && ip->a.w[2] == 0 && ip->a.w[3] == 1;
}

/* Split "HOST:PORT:REST" (HOST may be "[v6]"); port -1 when empty. */
static int split_host_port(const char *s, const char **h, size_t *hl, long *port,
                           const char **rest) {
  const char *p = s, *end;
  long v = 0;
  if (*p == '[') {
    end = strchr(p, ']');
    if (end == NULL) return -1;
    end++;
  } else {
    end = p + strcspn(p, ":");
  }
  *h = p;
  *hl = (size_t)(end - p);
  trim_host(h, hl);
  if (*end != ':') return -1;
  p = end + 1;
  if (*p == ':' || *p == '\0') {
    v = -1;
  } else {
    while (*p >= '0' && *p <= '9' && v < 100000) v = v * 10 + (*p++ - '0');
    if (*p != ':' && *p != '\0') return -1;
  }
  *port = v;
  *rest = *p == ':' ? p + 1 : p;
  return 0;
}

static int resolve_maps(const struct curl_slist *l, const char *host, size_t hlen, long port) {
  for (; l; l = l->next) {
    const char *s = l->data, *h, *rest;
    size_t hl;
    long p;
    if (*s == '-') continue;
    if (*s == '+') s++;
    if (split_host_port(s, &h, &hl, &p, &rest) == 0 && *rest != '\0' && p == port &&
        ci_eq(h, hl, host, hlen))
      return 1;
  }
  return 0;
}

/* Where CURLOPT_CONNECT_TO sends host:port (unchanged if no entry). */
static void connect_to_map(const struct curl_slist *l, const char **host, size_t *hlen,
                           long *port) {
  for (; l; l = l->next) {
    const char *h, *rest, *ch, *r2;
    size_t hl, chl;
    long p, cp;
    if (split_host_port(l->data, &h, &hl, &p, &rest) != 0) continue;
    if ((hl > 0 && !ci_eq(h, hl, *host, *hlen)) || (p >= 0 && p != *port)) continue;
    if (split_host_port(rest, &ch, &chl, &cp, &r2) != 0) return;
    if (chl > 0) {
      *host = ch;
      *hlen = chl;
    }
    if (cp >= 0) *port = cp;
    return;
  }
}

/* ---------- probe ---------- */

enum { T_READY, T_RUNNING, T_DONE };

typedef struct ptarget {
  CURL *easy;
  const char *url, *name;    /* anchored by the targets table */
  size_t url_len;
  const char *early;         /* result known without a transfer */
  int state, via_proxy, plain_http, blocked, body_cut;
  CURLcode rc;
  size_t body;
  char date[80];
  char err[CURL_ERROR_SIZE];
} ptarget;

typedef struct probe {
  CURLM *multi;
  struct curl_slist *resolve, *connect_to;
  size_t n;
  ptarget t[];
} probe;

typedef struct popts {
  long timeout_ms, connect_ms, tls_min, proxy_auth;
  const char *proxy, *proxy_user, *noproxy, *cainfo;
  int insecure, get, max_parallel, loopback_only;
  const char *proxy_host;
  size_t proxy_hlen;
  long proxy_port;
  secrets sec;
} popts;

static int curl_ready;

static int net_init(void) {
  if (curl_ready) return 0;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return -1;
  /* if atexit fails, the process merely exits without libcurl's cleanup */
  (void)atexit(curl_global_cleanup);
  curl_ready = 1;
  return 0;
}

static int probe_close(lua_State *L) {
  probe *p = luaL_checkudata(L, 1, PROBE_MT);
  size_t i;
  for (i = 0; i < p->n; i++) {
    if (p->t[i].easy == NULL) continue;
    if (p->t[i].state == T_RUNNING && p->multi)
      (void)curl_multi_remove_handle(p->multi, p->t[i].easy);
    curl_easy_cleanup(p->t[i].easy);
    p->t[i].easy = NULL;
  }
  if (p->multi) (void)curl_multi_cleanup(p->multi);
  p->multi = NULL;
  curl_slist_free_all(p->resolve);
  curl_slist_free_all(p->connect_to);
  p->resolve = p->connect_to = NULL;
  return 0;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud) {
  ptarget *t = ud;
  size_t n = size * nitems;
  if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
    t->date[0] = '\0';                     /* a new response begins */
  } else if (n > 5 && ci_eq(buf, 5, "date:", 5)) {
    size_t a = 5, e = n;
    while (a < e && (buf[a] == ' ' || buf[a] == '\t')) a++;
    while (e > a && (buf[e - 1] == '\r' || buf[e - 1] == '\n' || buf[e - 1] == ' ')) e--;
    if (e - a >= sizeof t->date) e = a + sizeof t->date - 1;
    memcpy(t->date, buf + a, e - a);
    t->date[e - a] = '\0';
  }
  return n;
}

static size_t on_body(char *buf, size_t size, size_t nitems, void *ud) {
  ptarget *t = ud;
  (void)buf;
  t->body += size * nitems;
  if (t->body > BODY_MAX) {
    t->body_cut = 1;                      /* enough: the server answered */
    return 0;
  }
  return size * nitems;
}

static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a) {
  ptarget *t = ud;
  intptr_t fd;
  (void)purpose;
  if (!plat_sockaddr_loopback(&a->addr, a->addrlen)) {
    t->blocked = 1;
    return CURL_SOCKET_BAD;
  }
  fd = plat_socket(a->family, a->socktype, a->protocol);
  return fd < 0 ? CURL_SOCKET_BAD : (curl_socket_t)fd;
}

/* ----- options ----- */

static const char *opt_str(lua_State *L, const char *key) {
  if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "probe: option '%s' must be a string", key);
  return lua_tostring(L, -1);
}

static long opt_ms(lua_State *L, const char *key) {
  lua_Number s;
  if (lua_type(L, -1) != LUA_TNUMBER) luaL_error(L, "probe: option '%s' must be a number", key);
  s = lua_tonumber(L, -1);
  if (!(s > 0 && s <= 3600)) luaL_error(L, "probe: option '%s' out of range (0..3600 s)", key);
  return s * 1000 < 1 ? 1 : (long)(s * 1000 + 0.5);
}

/* Append a list of strings to *l (kept in the probe, so freed on error). */
static void opt_list(lua_State *L, const char *key, struct curl_slist **l) {
  lua_Integer i, n;
  if (lua_type(L, -1) != LUA_TTABLE) luaL_error(L, "probe: option '%s' must be a list", key);
  n = (lua_Integer)lua_rawlen(L, -1);
  for (i = 1; i <= n; i++) {
    struct curl_slist *nl;
    if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
      luaL_error(L, "probe: option '%s': item %d is not a string", key, (int)i);
    nl = curl_slist_append(*l, lua_tostring(L, -1));
    lua_pop(L, 1);
    if (nl == NULL) luaL_error(L, "probe: out of memory");
    *l = nl;
  }
}

static long opt_choice(lua_State *L, const char *key, const char *const names[],
                       const long values[]) {
  const char *s = opt_str(L, key);
  int i;
  for (i = 0; names[i]; i++)
    if (strcmp(s, names[i]) == 0) return values[i];
  return luaL_error(L, "probe: option '%s': unknown value '%s'", key, s);
}

/* Host, port and password of the proxy string (scheme optional). */
static void parse_proxy(lua_State *L, popts *o) {
  const char *s = o->proxy, *p = strstr(s, "://"), *auth, *at = NULL, *h, *e;
  int https = p != NULL && p - s == 5 && ci_eq(s, 5, "https", 5);
  p = p ? p + 3 : s;
  auth = p;
  for (e = p; *e && *e != '/' && *e != '?' && *e != '#'; e++)
    if (*e == '@') at = e;
  if (at) {
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon) add_secret(&o->sec, colon + 1, (size_t)(at - colon - 1));
    p = at + 1;
  }
  h = p;
  if (*p == '[') {
    p = strchr(p, ']');
    if (p == NULL || p > e) luaL_error(L, "probe: option 'proxy': bad address");
    p++;
  } else {
    while (p < e && *p != ':') p++;
  }
  o->proxy_host = h;
  o->proxy_hlen = (size_t)(p - h);
  trim_host(&o->proxy_host, &o->proxy_hlen);
  o->proxy_port = https ? 443 : 1080;          /* libcurl's defaults */
  if (p < e && *p == ':') {
    long v = 0;
    for (p++; p < e && *p >= '0' && *p <= '9' && v < 100000; p++) v = v * 10 + (*p - '0');
    o->proxy_port = v;
  }
  if (o->proxy_hlen == 0) luaL_error(L, "probe: option 'proxy': no host");
}

static void read_opts(lua_State *L, int idx, popts *o, probe *pr) {
  static const char *const methods[] = {"HEAD", "GET", NULL};
  static const long method_v[] = {0, 1};
  static const char *const tls[] = {"1.0", "1.1", "1.2", "1.3", NULL};
  static const long tls_v[] = {CURL_SSLVERSION_TLSv1_0, CURL_SSLVERSION_TLSv1_1,
                               CURL_SSLVERSION_TLSv1_2, CURL_SSLVERSION_TLSv1_3};
  static const char *const auths[] = {"any", "basic", "digest", "ntlm", "negotiate", NULL};
  static const long auth_v[] = {(long)CURLAUTH_ANY, (long)CURLAUTH_BASIC,
                                (long)CURLAUTH_DIGEST, (long)CURLAUTH_NTLM,
                                (long)CURLAUTH_NEGOTIATE};
  const char *env = getenv("MARSPLAY_NET_LOOPBACK_ONLY");
  memset(o, 0, sizeof *o);
  o->timeout_ms = 2000;
  o->tls_min = CURL_SSLVERSION_DEFAULT;
  o->proxy_auth = (long)CURLAUTH_ANY;
  o->max_parallel = 16;
  o->loopback_only = env != NULL && *env != '\0' && strcmp(env, "0") != 0;
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    const char *k;
    if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "probe: option names must be strings");
    k = lua_tostring(L, -2);
    if (strcmp(k, "timeout") == 0) o->timeout_ms = opt_ms(L, k);
    else if (strcmp(k, "connect_timeout") == 0) o->connect_ms = opt_ms(L, k);
    else if (strcmp(k, "proxy") == 0) o->proxy = opt_str(L, k);
    else if (strcmp(k, "proxy_user") == 0) o->proxy_user = opt_str(L, k);
    else if (strcmp(k, "proxy_auth") == 0) o->proxy_auth = opt_choice(L, k, auths, auth_v);
    else if (strcmp(k, "noproxy") == 0) o->noproxy = opt_str(L, k);
    else if (strcmp(k, "cainfo") == 0) o->cainfo = opt_str(L, k);
    else if (strcmp(k, "insecure") == 0) o->insecure = lua_toboolean(L, -1);
    else if (strcmp(k, "method") == 0) o->get = (int)opt_choice(L, k, methods, method_v);
    else if (strcmp(k, "tls_min") == 0) o->tls_min = opt_choice(L, k, tls, tls_v);
    else if (strcmp(k, "resolve") == 0) opt_list(L, k, &pr->resolve);
    else if (strcmp(k, "connect_to") == 0) opt_list(L, k, &pr->connect_to);
    else if (strcmp(k, "max_parallel") == 0) {
      lua_Integer v;
      if (!lua_isinteger(L, -1)) luaL_error(L, "probe: option 'max_parallel' must be an integer");
      v = lua_tointeger(L, -1);
      if (v < 1 || v > 256) luaL_error(L, "probe: option 'max_parallel' out of range (1..256)");
      o->max_parallel = (int)v;
    } else {
      luaL_error(L, "probe: unknown option '%s'", k);
    }
    lua_pop(L, 1);
  }
  if (o->proxy_user) {
    const char *colon = strchr(o->proxy_user, ':');
    if (colon) add_secret(&o->sec, colon + 1, strlen(colon + 1));
  }
  if (o->proxy && *o->proxy == '\0') o->proxy = NULL;
  if (o->proxy) parse_proxy(L, o);
}

/* ----- one target ----- */

/* Would looking up or connecting to host:port stay on this machine? */
static int host_is_local(const probe *p, const char *h, size_t hlen, long port) {
  ipaddr ip;
  if (parse_ip(h, hlen, &ip) == 0) return 1;    /* the socket hook checks it */
  if (ci_eq(h, hlen, "localhost", 9)) return 1; /* libcurl answers it itself */
  return resolve_maps(p->resolve, h, hlen, port) || dns_name_invalid(h, hlen);
}

/* NULL if the loopback-only rule allows the target, else why not. */
static const char *loopback_check(const probe *p, const popts *o, ptarget *t,
                                  const char *host, size_t hlen, long port) {
  if (!o->loopback_only) return NULL;
  if (t->via_proxy) {
    ipaddr ip;
    if (!ci_eq(host, hlen, "localhost", 9) &&
        !(parse_ip(host, hlen, &ip) == 0 && is_loopback_ip(&ip)))
      return "the proxy would look up a host that is not a loopback address";
    if (!host_is_local(p, o->proxy_host, o->proxy_hlen, o->proxy_port))
      return "the proxy host would need a DNS query";
    return NULL;
  }
  connect_to_map(p->connect_to, &host, &hlen, &port);
  if (!host_is_local(p, host, hlen, port)) return "the host would need a DNS query";
  return NULL;
}

#define SET(opt, val) \
  do { if (curl_easy_setopt(e, opt, val) != CURLE_OK) return "cannot set " #opt; } while (0)

static const char *setup_easy(probe *p, const popts *o, ptarget *t, const char *url) {
  CURL *e = curl_easy_init();
  if (e == NULL) return "cannot create a transfer";
  t->easy = e;
  SET(CURLOPT_URL, url);
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_PRIVATE, (void *)t);
  SET(CURLOPT_ERRORBUFFER, t->err);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, (void *)t);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, (void *)t);
  SET(CURLOPT_NOBODY, o->get ? 0L : 1L);
  SET(CURLOPT_FOLLOWLOCATION, 0L);
  SET(CURLOPT_FRESH_CONNECT, 1L);
  SET(CURLOPT_FORBID_REUSE, 1L);
  SET(CURLOPT_USERAGENT, "marsplay/" MARSPLAY_VERSION);
  SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  if (o->connect_ms > 0) SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms);
  SET(CURLOPT_SSLVERSION, o->tls_min);
  SET(CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
  SET(CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
  SET(CURLOPT_PROXY_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
  SET(CURLOPT_PROXY_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
  if (o->cainfo) {
    SET(CURLOPT_CAINFO, o->cainfo);
    SET(CURLOPT_PROXY_CAINFO, o->cainfo);
  }
  /* an empty proxy turns off the environment's proxy; an empty
   * no-proxy list turns off the environment's bypass list */
  SET(CURLOPT_PROXY, t->via_proxy ? o->proxy : "");
  SET(CURLOPT_NOPROXY, "");
  if (t->via_proxy && o->proxy_user) {
    SET(CURLOPT_PROXYUSERPWD, o->proxy_user);
    SET(CURLOPT_PROXYAUTH, (unsigned long)o->proxy_auth);
  }
  if (p->resolve) SET(CURLOPT_RESOLVE, p->resolve);
  if (p->connect_to) SET(CURLOPT_CONNECT_TO, p->connect_to);
  if (o->loopback_only) {
    SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    SET(CURLOPT_OPENSOCKETDATA, (void *)t);
  }
  return NULL;
}

/* Read target i (a URL string or { url = , name = }). */
static void read_target(lua_State *L, int idx, lua_Integer i, ptarget *t) {
  int ty = lua_rawgeti(L, idx, i);
  if (ty == LUA_TTABLE) {              /* raw reads: the strings stay anchored */
    lua_pushliteral(L, "url");
    if (lua_rawget(L, -2) != LUA_TSTRING)
      luaL_error(L, "probe: target %d: 'url' must be a string", (int)i);
    t->url = lua_tolstring(L, -1, &t->url_len);
    lua_pop(L, 1);
    lua_pushliteral(L, "name");
    ty = lua_rawget(L, -2);
    if (ty != LUA_TNIL && ty != LUA_TSTRING)
      luaL_error(L, "probe: target %d: 'name' must be a string", (int)i);
    t->name = lua_tostring(L, -1);
    lua_pop(L, 1);
  } else if (ty == LUA_TSTRING) {
    t->url = lua_tolstring(L, -1, &t->url_len);
  } else {
    luaL_error(L, "probe: target %d must be a URL or a table with 'url'", (int)i);
  }
  lua_pop(L, 1);
}

static void fail_early(ptarget *t, const char *result, const char *fmt, ...)
  MP_PRINTF(3, 4);

static void fail_early(ptarget *t, const char *result, const char *fmt, ...) {
  va_list ap;
  t->early = result;
  t->state = T_DONE;
  va_start(ap, fmt);
  vsnprintf(t->err, sizeof t->err, fmt, ap);
  va_end(ap);
}

/* Parse the URL, decide proxy use and the loopback rule, build the
 * transfer.  Problems with this one target end up in its result. */
static void prepare_target(probe *p, const popts *o, ptarget *t) {
  CURLU *u;
  CURLUcode uc;
  char *url = NULL, *scheme = NULL, *host = NULL, *port = NULL;
  const char *why;
  size_t hlen;
  if (strlen(t->url) != t->url_len) {
    fail_early(t, "error", "invalid URL: %s", "embedded NUL");
    return;
  }
  if ((u = curl_url()) == NULL) {
    fail_early(t, "error", "%s", "out of memory");
    return;
  }
  uc = curl_url_set(u, CURLUPART_URL, t->url, CURLU_DEFAULT_SCHEME);
  if (uc == CURLUE_OK) uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
  if (uc == CURLUE_OK) uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
  if (uc == CURLUE_OK) uc = curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
  if (uc == CURLUE_OK) uc = curl_url_get(u, CURLUPART_URL, &url, 0);
  if (uc != CURLUE_OK) {
    fail_early(t, "error", "invalid URL: %s", curl_url_strerror(uc));
  } else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
    fail_early(t, "error", "unsupported scheme '%s' (http or https only)", scheme);
  } else {
    const char *h = host;
    hlen = strlen(host);
    trim_host(&h, &hlen);
    t->plain_http = strcmp(scheme, "http") == 0;
    t->via_proxy = o->proxy != NULL && !(o->noproxy && bypass_match(o->noproxy, h, hlen));
    if ((why = loopback_check(p, o, t, h, hlen, strtol(port, NULL, 10))) != NULL)
      fail_early(t, "error", "blocked by MARSPLAY_NET_LOOPBACK_ONLY: %s", why);
    else if ((why = setup_easy(p, o, t, url)) != NULL)
      fail_early(t, "error", "%s", why);
  }
  curl_free(url);
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
}

/* ----- running ----- */

static long budget_ms(mp_runtime *rt, long want) {
  double left;
  if (rt == NULL || rt->deadline <= 0) return want;
  left = (rt->deadline - plat_monotonic()) * 1000;
  if (left < want) want = left < 1 ? 1 : (long)left;
  return want;
}

static void finish(ptarget *t, CURLcode rc, const char *msg) {
  t->rc = rc;
  t->state = T_DONE;
  if (msg && t->err[0] == '\0') snprintf(t->err, sizeof t->err, "%s", msg);
}

static void run_all(lua_State *L, probe *p, const popts *o) {
  mp_runtime *rt = mp_rt(L);
  size_t next = 0, done = 0, i;
  int running = 0;
  for (i = 0; i < p->n; i++) done += p->t[i].state == T_DONE;
  if (rt && done) mp_progress(rt, "probe", (double)done, (double)p->n);
  for (;;) {
    CURLMcode mc;
    CURLMsg *m;
    int still = 0, left;
    while (running < o->max_parallel && next < p->n) {
      ptarget *t = &p->t[next++];
      if (t->state != T_READY) continue;
      if (curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, budget_ms(rt, o->timeout_ms)) != CURLE_OK ||
          curl_multi_add_handle(p->multi, t->easy) != CURLM_OK) {
        finish(t, CURLE_FAILED_INIT, "cannot start the transfer");
        t->early = "error";
        done++;
        continue;
      }
      t->state = T_RUNNING;
      running++;
    }
    if (running == 0) break;
    mc = curl_multi_perform(p->multi, &still);
    while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
      char *priv = NULL;
      ptarget *t;
      if (m->msg != CURLMSG_DONE) continue;
      if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK || !priv)
        continue;
      t = (ptarget *)(void *)priv;
      finish(t, m->data.result, NULL);
      (void)curl_multi_remove_handle(p->multi, t->easy);
      running--;
      done++;
      if (rt) mp_progress(rt, "probe", (double)done, (double)p->n);
    }
    if (mc == CURLM_OK && running > 0)
      mc = curl_multi_poll(p->multi, NULL, 0, 1000, NULL);
    if (mc != CURLM_OK) {                  /* give up on what is left */
      for (i = 0; i < p->n; i++) {
        ptarget *t = &p->t[i];
        if (t->state == T_DONE) continue;
        if (t->state == T_RUNNING) (void)curl_multi_remove_handle(p->multi, t->easy);
        finish(t, CURLE_FAILED_INIT, curl_multi_strerror(mc));
        t->early = "error";
      }
      break;
    }
  }
}

/* ----- results ----- */

static int is_tls_error(CURLcode rc) {
  switch (rc) {
    case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED: case CURLE_USE_SSL_FAILED: case CURLE_SSL_CLIENTCERT:
      return 1;
    default:
      return 0;
  }
}

static int is_proxy_error(CURLcode rc) {
  return rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_PROXY;
}

/* The result name for a finished transfer; *note: detail to use. */
static const char *classify(const ptarget *t, long status, long cstatus, const char **note) {
  CURLcode rc = t->rc;
  *note = NULL;
  if (t->early) return t->early;
  if (t->blocked) {
    *note = "blocked by MARSPLAY_NET_LOOPBACK_ONLY: not a loopback address";
    return "error";
  }
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t->body_cut)) {
    if (status == 407) {
      *note = "proxy authentication required (407)";
      return "proxy_auth";
    }
    if (t->via_proxy && t->plain_http && status >= 500 && status <= 504 && status != 501) {
      *note = "error answer through the proxy: the proxy may have failed to reach the server";
      return "proxy";
    }
    return "ok";
  }
  if (cstatus == 407 || cstatus == 401) return "proxy_auth"; /* tinyproxy: 401 */
  if (cstatus >= 300) return "proxy";
  if (rc == CURLE_COULDNT_RESOLVE_HOST) return "dns";
  if (rc == CURLE_COULDNT_CONNECT) return t->via_proxy ? "proxy" : "refused";
  if (rc == CURLE_OPERATION_TIMEDOUT) return "timeout";
  if (is_tls_error(rc)) return "tls";
  if (is_proxy_error(rc)) return "proxy";
  return "error";
}

static void set_str(lua_State *L, const char *key, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, key);
}

static void set_num(lua_State *L, const char *key, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, key);
}

static void push_result(lua_State *L, const ptarget *t, const popts *o) {
  long status = 0, cstatus = 0, port = 0;
  curl_off_t us = 0;
  char *ip = NULL;
  const char *result, *note;
  if (t->easy && !t->early) {
    if (curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) status = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_HTTP_CONNECTCODE, &cstatus) != CURLE_OK) cstatus = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &us) != CURLE_OK) us = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK) ip = NULL;
    if (curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_PORT, &port) != CURLE_OK) port = 0;
  }
  result = classify(t, status, cstatus, &note);
  lua_createtable(L, 0, 12);
  push_masked(L, t->url, t->url_len, &o->sec);
  lua_setfield(L, -2, "url");
  if (t->name) set_str(L, "name", t->name);
  set_str(L, "result", result);
  if (status > 0) set_int(L, "http_status", status);
  if (cstatus > 0) set_int(L, "proxy_status", cstatus);
  if (strcmp(result, "ok") == 0 && t->date[0]) {
    time_t when = curl_getdate(t->date, NULL);
    set_str(L, "date", t->date);
    if (when != (time_t)-1) set_int(L, "date_epoch", (lua_Integer)when);
  }
  set_num(L, "elapsed_ms", (lua_Number)us / 1000.0);
  if (ip && *ip) set_str(L, "ip", ip);
  if (port > 0) set_int(L, "port", port);
  lua_pushboolean(L, t->via_proxy);
  lua_setfield(L, -2, "via_proxy");
  if (strcmp(result, "ok") != 0) {
    const char *d = note ? note : t->err[0] ? t->err : curl_easy_strerror(t->rc);
    push_masked(L, d, strlen(d), &o->sec);
    lua_setfield(L, -2, "detail");
  }
}

/* probe(targets [, opts]) -> results */
static int l_probe(lua_State *L) {
  lua_Integer n, i;
  probe *p;
  popts o;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (lua_Integer)lua_rawlen(L, 1);
  luaL_argcheck(L, n <= MAX_TARGETS, 1, "too many targets");
  lua_settop(L, 2);
  p = lua_newuserdatauv(L, sizeof *p + (size_t)n * sizeof p->t[0], 0);
  memset(p, 0, sizeof *p + (size_t)n * sizeof p->t[0]);
  luaL_setmetatable(L, PROBE_MT);
  lua_toclose(L, 3);                       /* frees libcurl state on any exit */
  p->n = (size_t)n;
  for (i = 1; i <= n; i++) read_target(L, 1, i, &p->t[i - 1]);
  if (n > 0 && net_init() != 0) return luaL_error(L, "probe: cannot initialise libcurl");
  read_opts(L, 2, &o, p);
  if (n > 0) {
    if ((p->multi = curl_multi_init()) == NULL) return luaL_error(L, "probe: out of memory");
    for (i = 0; i < n; i++) prepare_target(p, &o, &p->t[i]);
    run_all(L, p, &o);
  }
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    push_result(L, &p->t[i], &o);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* ---------- the running Windows' proxy (platform/live.h) ---------- */

/* Push a live_proxy as a table, or the failure r; frees p. */
static int push_proxy(lua_State *L, int r, live_proxy *p, const char *what) {
  if (r < 0) {
    if (r == -ENOSYS || p->why[0] == 0) {
      live_proxy_free(p);
      return mp_push_live_err(L, r, what);
    }
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", what, p->why);
    lua_pushstring(L, plat_err_name(r));
    live_proxy_free(p);
    return 3;
  }
  lua_createtable(L, 0, 3);
  lua_pushstring(L, p->access == LIVE_PROXY_NAMED ? "proxy" : "direct");
  lua_setfield(L, -2, "access");
  if (p->proxy != NULL) {
    lua_pushstring(L, p->proxy);
    lua_setfield(L, -2, "proxy");
  }
  if (p->bypass != NULL) {
    lua_pushstring(L, p->bypass);
    lua_setfield(L, -2, "bypass");
  }
  live_proxy_free(p);
  return 1;
}

static int l_system_proxy(lua_State *L) {
  live_proxy p;
  int r;
  if (mp_push_if_offline(L, "net.system_proxy")) return 3;
  memset(&p, 0, sizeof p);
  r = live_proxy_default(&p);
  return push_proxy(L, r, &p, "net.system_proxy");
}

static int l_proxy_for(lua_State *L) {
  const char *url = mp_checkpath(L, 1), *pac = NULL;
  int autodetect = 0, r;
  live_proxy p;
  luaL_checktype(L, 2, LUA_TTABLE);
  if (lua_getfield(L, 2, "autoconfig_url") != LUA_TNIL) pac = mp_checkpath(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, 2, "autodetect");
  autodetect = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (pac == NULL && !autodetect)
    return luaL_argerror(L, 2, "give autoconfig_url or autodetect = true");
  if (mp_push_if_offline(L, "net.proxy_for")) return 3;
  memset(&p, 0, sizeof p);
  r = live_proxy_for_url(url, pac, autodetect, &p);
  return push_proxy(L, r, &p, "net.proxy_for");
}

static const luaL_Reg net_funcs[] = {
  {"system_proxy", l_system_proxy},
  {"proxy_for", l_proxy_for},
  {"probe", l_probe},
  {"cidr_sample", l_cidr_sample},
  {"cidr_contains", l_cidr_contains},
  {"parse_http_date", l_parse_http_date},
  {NULL, NULL}
};

int mp_open_net(lua_State *L) {
  if (luaL_newmetatable(L, PROBE_MT)) {
    lua_pushcfunction(L, probe_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, probe_close);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlib(L, net_funcs);
  return 1;
}
