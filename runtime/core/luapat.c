/* luapat.c - Lua 5.4 pattern matching with a step count (see luapat.h).
 *
 * The semantics are those of the Lua 5.4 manual, §6.4.1 (patterns) and
 * the entries of string.find/match/gmatch/gsub, checked against the
 * stock library by tests/c/test_luapat.c over a generated corpus:
 * same results, same errors, same limits (32 captures, 200 nested
 * matcher calls: "pattern too complex").
 *
 * The matcher is a backtracking one: match_here() walks the pattern and
 * calls itself where it has to try alternatives (a repetition, an
 * optional item, a capture that may have to be undone).  Every call and
 * every subject byte a loop looks at is a step; every LP_TICK_STEPS steps
 * the tick runs, which is how the sandbox stops a call at the deadline.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>

#include "core/luapat.h"

enum { LP_MAXCAP = 32, LP_MAXDEPTH = 200 };
#define CAP_OPEN ((ptrdiff_t)-1)   /* "(" seen, ")" not yet */
#define CAP_POS ((ptrdiff_t)-2)    /* "()": a position */

typedef struct {
  lua_State *L;
  lp_tick_fn tick;
  const char *s0, *s_end;    /* the subject */
  const char *p_end;         /* the pattern's end */
  unsigned left;             /* steps before the next tick */
  int depth;                 /* nested match_here calls still allowed */
  int ncap;
  struct { const char *start; ptrdiff_t len; } cap[LP_MAXCAP];
} lp_state;

#define UC(c) ((int)(unsigned char)(c))

static void lp_tick(lp_state *m) {
  m->left = LP_TICK_STEPS;
  if (m->tick) m->tick(m->L);
}

static inline void lp_steps(lp_state *m, size_t n) {
  if (m->left > n) m->left -= (unsigned)n;
  else lp_tick(m);
}

static lp_tick_fn tick_of(lua_State *L, int idx) {
  const lp_tick_fn *box = lua_touserdata(L, idx);
  return box ? *box : NULL;
}

static void lp_init(lp_state *m, lua_State *L, lp_tick_fn tick, const char *s, size_t ls,
                    const char *p, size_t lp) {
  m->L = L;
  m->tick = tick;
  m->s0 = s;
  m->s_end = s + ls;
  m->p_end = p + lp;
  m->left = LP_TICK_STEPS;
}

/* before each attempt at one position */
static void lp_reset(lp_state *m) {
  m->ncap = 0;
  m->depth = LP_MAXDEPTH;
}

/* ---------- single characters ---------- */

/* Is c in the class %cl (a letter: a c d g l p s u w x z, upper case for
 * the complement; anything else stands for itself)? */
static inline int in_class(int c, int cl) {
  int r;
  switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    case 'z': r = c == 0; break;      /* kept by 5.4, undocumented */
    default: return cl == c;
  }
  if (isupper(cl)) r = !r;
  return r != 0;
}

/* Is c in the set that starts at '[' (p) and ends at its ']' (close)? */
static int in_set(int c, const char *p, const char *close) {
  int hit = 1;
  p++;
  if (*p == '^') { hit = 0; p++; }
  for (; p < close; p++) {
    if (*p == '%') {
      p++;
      if (in_class(c, UC(*p))) return hit;
    } else if (p[1] == '-' && p + 2 < close) {
      if (UC(p[0]) <= c && c <= UC(p[2])) return hit;
      p += 2;
    } else if (UC(*p) == c) {
      return hit;
    }
  }
  return !hit;
}

/* Just past the single-character class that starts at p. */
static const char *item_end(lp_state *m, const char *p) {
  if (*p == '%') {
    if (p + 1 >= m->p_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
    return p + 2;
  }
  if (*p != '[') return p + 1;
  p++;
  if (p < m->p_end && *p == '^') p++;
  for (;;) {                 /* the first member may be ']' itself */
    if (p >= m->p_end) luaL_error(m->L, "malformed pattern (missing ']')");
    if (*p++ == '%' && p < m->p_end) p++;
    if (p < m->p_end && *p == ']') return p + 1;
  }
}

/* Steps for one test of the class p..ep: a long set costs more. */
#define ITEM_COST(p, ep) (1 + (size_t)((ep) - (p)) / 16)

/* Does the subject byte at s match the class p..ep? */
static inline int item_ok(const lp_state *m, const char *s, const char *p, const char *ep) {
  int c;
  if (s >= m->s_end) return 0;
  c = UC(*s);
  switch (*p) {
    case '.': return 1;
    case '%': return in_class(c, UC(p[1]));
    case '[': return in_set(c, p, ep - 1);
    default: return UC(*p) == c;
  }
}

/* ---------- the matcher ---------- */

static const char *match_here(lp_state *m, const char *s, const char *p);

/* item* (or item+ after its first byte): the longest run first */
static const char *greedy(lp_state *m, const char *s, const char *p, const char *ep) {
  size_t n = 0, k, w = ITEM_COST(p, ep);
  do {                                 /* the run, counted in slices */
    for (k = 0; k < 1024 && item_ok(m, s + n, p, ep); k++) n++;
    lp_steps(m, k * w);
  } while (k == 1024);
  for (;; n--) {
    const char *r = match_here(m, s + n, ep + 1);
    if (r != NULL || n == 0) return r;
  }
}

/* item-: the shortest run first */
static const char *lazy(lp_state *m, const char *s, const char *p, const char *ep) {
  size_t w = ITEM_COST(p, ep);
  for (;;) {
    const char *r = match_here(m, s, ep + 1);
    if (r != NULL) return r;
    lp_steps(m, w);
    if (!item_ok(m, s, p, ep)) return NULL;
    s++;
  }
}

static const char *open_capture(lp_state *m, const char *s, const char *p, ptrdiff_t kind) {
  const char *r;
  if (m->ncap >= LP_MAXCAP) luaL_error(m->L, "too many captures");
  m->cap[m->ncap].start = s;
  m->cap[m->ncap].len = kind;
  m->ncap++;
  if ((r = match_here(m, s, p)) == NULL) m->ncap--;
  return r;
}

static const char *close_capture(lp_state *m, const char *s, const char *p) {
  const char *r;
  int i = m->ncap - 1;
  while (i >= 0 && m->cap[i].len != CAP_OPEN) i--;
  if (i < 0) { luaL_error(m->L, "invalid pattern capture"); return NULL; }
  m->cap[i].len = s - m->cap[i].start;
  if ((r = match_here(m, s, p)) == NULL) m->cap[i].len = CAP_OPEN;
  return r;
}

/* %bxy at p (p at x): a balanced run of x ... y starting at s */
static const char *balanced(lp_state *m, const char *s, const char *p) {
  int x, y, open = 1;
  if (p + 1 >= m->p_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
  if (s >= m->s_end || *s != *p) return NULL;
  x = UC(p[0]);
  y = UC(p[1]);
  for (s++; s < m->s_end; s++) {
    lp_steps(m, 1);
    if (UC(*s) == y) {
      if (--open == 0) return s + 1;
    } else if (UC(*s) == x) {
      open++;
    }
  }
  return NULL;
}

/* %1-%9 in a pattern: the text of an earlier, closed capture again */
static const char *same_as(lp_state *m, const char *s, int digit) {
  int i = digit - '1';
  size_t len;
  if (i < 0 || i >= m->ncap || m->cap[i].len == CAP_OPEN) {
    luaL_error(m->L, "invalid capture index %%%d", i + 1);
    return NULL;
  }
  if (m->cap[i].len == CAP_POS) return NULL;     /* a position is no text */
  len = (size_t)m->cap[i].len;
  lp_steps(m, len / 64);
  if ((size_t)(m->s_end - s) < len || memcmp(m->cap[i].start, s, len) != 0) return NULL;
  return s + len;
}

/* The escapes with their own rule at p (%b, %f, %1-%9): the subject
 * after them (*pp moved past them), or NULL when they do not match. */
static const char *escape_item(lp_state *m, const char *s, const char **pp) {
  const char *p = *pp, *ep;
  int before, here;
  switch (p[1]) {
    case 'b':
      s = balanced(m, s, p + 2);
      *pp = p + 4;
      return s;
    case 'f':
      p += 2;
      if (p >= m->p_end || *p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
      ep = item_end(m, p);
      before = s == m->s0 ? 0 : UC(s[-1]);
      here = s < m->s_end ? UC(*s) : 0;
      *pp = ep;
      return (!in_set(before, p, ep - 1) && in_set(here, p, ep - 1)) ? s : NULL;
    default:
      *pp = p + 2;
      return same_as(m, s, UC(p[1]));
  }
}

/* Match the pattern from p against the subject from s: the end of the
 * match, or NULL.  Steps: one per call and one per pattern byte this call
 * walked, added when it returns (the calls still under way hold back at
 * most one pass over the pattern: each starts further in it than its
 * caller). */
static const char *match_here(lp_state *m, const char *s, const char *p) {
  const char *r = NULL, *p0 = p;
  if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
  for (;;) {
    const char *ep;
    int suffix;
    if (p >= m->p_end) { r = s; goto done; }
    switch (*p) {
      case '(':
        r = (p + 1 < m->p_end && p[1] == ')') ? open_capture(m, s, p + 2, CAP_POS)
                                              : open_capture(m, s, p + 1, CAP_OPEN);
        goto done;
      case ')':
        r = close_capture(m, s, p + 1);
        goto done;
      case '$':
        if (p + 1 == m->p_end) { r = s == m->s_end ? s : NULL; goto done; }
        break;
      case '%':
        if (p + 1 < m->p_end && (p[1] == 'b' || p[1] == 'f' || (p[1] >= '0' && p[1] <= '9'))) {
          const char *at = p;
          s = escape_item(m, s, &at);
          if (s == NULL) goto done;
          p = at;
          continue;
        }
        break;
      default:
        break;
    }
    /* one single-character class, maybe with a repetition suffix */
    ep = (*p == '%' || *p == '[') ? item_end(m, p) : p + 1;
    suffix = ep < m->p_end ? *ep : 0;
    if (!item_ok(m, s, p, ep)) {
      if (suffix == '*' || suffix == '?' || suffix == '-') { p = ep + 1; continue; }
      goto done;                                 /* r stays NULL */
    }
    switch (suffix) {
      case '?':
        if ((r = match_here(m, s + 1, ep + 1)) != NULL) goto done;
        p = ep + 1;
        continue;
      case '+': r = greedy(m, s + 1, p, ep); goto done;
      case '*': r = greedy(m, s, p, ep); goto done;
      case '-': r = lazy(m, s, p, ep); goto done;
      default: s++; p = ep; continue;
    }
  }
done:
  m->depth++;
  lp_steps(m, 1 + (size_t)(p - p0));
  return r;
}

/* ---------- captures to Lua ---------- */

/* Push capture i (the whole match s..e when there is none and i is 0). */
static void push_capture(lp_state *m, int i, const char *s, const char *e) {
  if (i >= m->ncap) {
    if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
    lua_pushlstring(m->L, s, (size_t)(e - s));
    return;
  }
  if (m->cap[i].len == CAP_OPEN) luaL_error(m->L, "unfinished capture");
  if (m->cap[i].len == CAP_POS)
    lua_pushinteger(m->L, (lua_Integer)(m->cap[i].start - m->s0) + 1);
  else
    lua_pushlstring(m->L, m->cap[i].start, (size_t)m->cap[i].len);
}

/* Push every capture, or the whole match when s is not NULL and there is
 * none; returns how many. */
static int push_captures(lp_state *m, const char *s, const char *e) {
  int i, n = (m->ncap == 0 && s != NULL) ? 1 : m->ncap;
  luaL_checkstack(m->L, n, "too many captures");
  for (i = 0; i < n; i++) push_capture(m, i, s, e);
  return n;
}

/* ---------- the library functions ---------- */

/* A 1-based start position (negative: from the end) as an offset. */
static size_t start_offset(lua_Integer pos, size_t len) {
  if (pos > 0) return (size_t)pos - 1;
  if (pos == 0 || pos < -(lua_Integer)len) return 0;
  return (size_t)((lua_Integer)len + pos);
}

/* Does the pattern have no magic character (then find searches it as
 * plain text)? */
static int is_plain(const char *p, size_t lp) {
  size_t i;
  for (i = 0; i < lp; i++) {
    switch (p[i]) {
      case '^': case '$': case '*': case '+': case '?': case '.': case '(': case '[':
      case '%': case '-':
        return 0;
      default: break;
    }
  }
  return 1;
}

/* First occurrence of n (ln bytes) in h (lh bytes). */
static const char *find_text(lp_state *m, const char *h, size_t lh, const char *n, size_t ln) {
  const char *end;
  if (ln == 0) return h;
  if (ln > lh) return NULL;
  end = h + (lh - ln) + 1;              /* last possible start + 1 */
  while (h < end) {
    const char *c = memchr(h, n[0], (size_t)(end - h));
    if (c == NULL) return NULL;
    lp_steps(m, 1 + ln / 64);
    if (memcmp(c + 1, n + 1, ln - 1) == 0) return c;
    h = c + 1;
  }
  return NULL;
}

static int find_or_match(lua_State *L, int find) {
  size_t ls, lp, at;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  lp_state m;
  at = start_offset(luaL_optinteger(L, 3, 1), ls);
  if (at > ls) { luaL_pushfail(L); return 1; }
  lp_init(&m, L, tick_of(L, lua_upvalueindex(1)), s, ls, p, lp);
  if (find && (lua_toboolean(L, 4) || is_plain(p, lp))) {
    const char *hit = find_text(&m, s + at, ls - at, p, lp);
    if (hit != NULL) {
      lua_pushinteger(L, (lua_Integer)(hit - s) + 1);
      lua_pushinteger(L, (lua_Integer)(hit - s) + (lua_Integer)lp);
      return 2;
    }
  } else {
    const char *from = s + at;
    int anchored = lp > 0 && *p == '^';
    if (anchored) p++;
    for (;;) {
      const char *e;
      lp_reset(&m);
      if ((e = match_here(&m, from, p)) != NULL) {
        if (!find) return push_captures(&m, from, e);
        lua_pushinteger(L, (lua_Integer)(from - s) + 1);
        lua_pushinteger(L, (lua_Integer)(e - s));
        return 2 + push_captures(&m, NULL, NULL);
      }
      if (anchored || from >= m.s_end) break;
      from++;
    }
  }
  luaL_pushfail(L);
  return 1;
}

int lp_find(lua_State *L) { return find_or_match(L, 1); }
int lp_match(lua_State *L) { return find_or_match(L, 0); }

/* gmatch's iterator state (a userdata, upvalue 3 of the iterator; the
 * subject and the pattern are upvalues 1 and 2, so they stay alive). */
typedef struct {
  lp_state m;
  size_t at;                 /* where the next search starts */
  size_t last;               /* end of the last match + 1; 0: none yet */
} lp_gmatch_state;

static int gmatch_next(lua_State *L) {
  lp_gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
  const char *p = lua_tostring(L, lua_upvalueindex(2));
  size_t len = (size_t)(g->m.s_end - g->m.s0);
  g->m.L = L;                /* may run in another coroutine */
  for (; g->at <= len; g->at++) {
    const char *from = g->m.s0 + g->at, *e;
    lp_reset(&g->m);
    if ((e = match_here(&g->m, from, p)) != NULL && (size_t)(e - g->m.s0) + 1 != g->last) {
      g->at = (size_t)(e - g->m.s0);
      g->last = g->at + 1;
      return push_captures(&g->m, from, e);
    }
  }
  return 0;
}

int lp_gmatch(lua_State *L) {
  size_t ls, lp, at;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  lp_tick_fn tick = tick_of(L, lua_upvalueindex(1));
  lp_gmatch_state *g;
  at = start_offset(luaL_optinteger(L, 3, 1), ls);
  lua_settop(L, 2);
  g = lua_newuserdatauv(L, sizeof *g, 0);
  lp_init(&g->m, L, tick, s, ls, p, lp);
  g->at = at > ls ? ls + 1 : at;
  g->last = 0;
  lua_pushcclosure(L, gmatch_next, 3);
  return 1;
}

/* gsub's replacement string (argument 3) for the match s..e */
static void add_template(lp_state *m, luaL_Buffer *b, const char *s, const char *e) {
  size_t l;
  const char *t = lua_tolstring(m->L, 3, &l), *end = t + l, *pc;
  lp_steps(m, 1 + l / 16);             /* one pass over the template */
  while ((pc = memchr(t, '%', (size_t)(end - t))) != NULL) {
    int d;
    luaL_addlstring(b, t, (size_t)(pc - t));
    d = pc + 1 < end ? UC(pc[1]) : 0;
    if (d == '%') {
      luaL_addchar(b, '%');
    } else if (d == '0') {
      luaL_addlstring(b, s, (size_t)(e - s));
    } else if (isdigit(d)) {
      push_capture(m, d - '1', s, e);
      luaL_tolstring(m->L, -1, NULL);    /* a position becomes its digits */
      lua_remove(m->L, -2);
      luaL_addvalue(b);
    } else {
      luaL_error(m->L, "invalid use of '%%' in replacement string");
    }
    t = pc + 2;
  }
  luaL_addlstring(b, t, (size_t)(end - t));
}

/* Add the replacement for the match s..e; 0 if the match was kept. */
static int add_replacement(lp_state *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
  lua_State *L = m->L;
  if (kind == LUA_TFUNCTION) {
    int n;
    lua_pushvalue(L, 3);
    n = push_captures(m, s, e);
    lua_call(L, n, 1);
  } else if (kind == LUA_TTABLE) {
    push_capture(m, 0, s, e);
    lua_gettable(L, 3);
  } else {
    add_template(m, b, s, e);
    return 1;
  }
  if (!lua_toboolean(L, -1)) {
    lua_pop(L, 1);
    luaL_addlstring(b, s, (size_t)(e - s));
    return 0;
  }
  if (!lua_isstring(L, -1))
    return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  luaL_addvalue(b);
  return 1;
}

int lp_gsub(lua_State *L) {
  size_t ls, lp;
  const char *s = luaL_checklstring(L, 1, &ls);
  const char *p = luaL_checklstring(L, 2, &lp);
  int kind = lua_type(L, 3);
  lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1), n = 0;
  const char *at = s, *last = NULL;
  int anchored = lp > 0 && *p == '^', changed = 0;
  lp_state m;
  luaL_Buffer b;
  luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION ||
                   kind == LUA_TTABLE, 3, "string/function/table");
  luaL_buffinit(L, &b);
  if (anchored) { p++; lp--; }
  lp_init(&m, L, tick_of(L, lua_upvalueindex(1)), s, ls, p, lp);
  while (n < max) {
    const char *e;
    lp_reset(&m);
    if ((e = match_here(&m, at, p)) != NULL && e != last) {
      n++;
      changed |= add_replacement(&m, &b, at, e, kind);
      at = last = e;
    } else if (at < m.s_end) {
      luaL_addchar(&b, *at);
      at++;
    } else {
      break;
    }
    if (anchored) break;
  }
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, at, (size_t)(m.s_end - at));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

void lp_register(lua_State *L, int t, lp_tick_fn tick) {
  static const luaL_Reg fns[] = {
    {"find", lp_find}, {"match", lp_match}, {"gmatch", lp_gmatch}, {"gsub", lp_gsub},
    {NULL, NULL}};
  const luaL_Reg *f;
  lp_tick_fn *box;
  t = lua_absindex(L, t);
  box = lua_newuserdatauv(L, sizeof *box, 0);
  *box = tick;
  for (f = fns; f->name; f++) {
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, f->func, 1);
    lua_setfield(L, t, f->name);
  }
  lua_pop(L, 1);
}
