/* test_ntacl.c - the NTFS security descriptor parser (formats/ntacl.c):
 * descriptors built here byte by byte (MS-DTYP layout), the SIDs as
 * text, the full-control rule, and malformed input refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "formats/ntacl.h"

typedef struct { unsigned char b[4096]; size_t n; } buf;

static void put(buf *o, const void *p, size_t n) { memcpy(o->b + o->n, p, n); o->n += n; }
static void u8(buf *o, unsigned v) { unsigned char c = (unsigned char)v; put(o, &c, 1); }
static void u16(buf *o, unsigned v) { u8(o, v & 0xFF); u8(o, v >> 8 & 0xFF); }
static void u32(buf *o, uint32_t v) { u16(o, v & 0xFFFF); u16(o, v >> 16); }

/* S-1-<auth>-<subs...> */
static void sid(buf *o, unsigned auth, int n, const uint32_t *subs) {
  int i;
  u8(o, 1); u8(o, (unsigned)n);
  for (i = 0; i < 5; i++) u8(o, 0);
  u8(o, auth);
  for (i = 0; i < n; i++) u32(o, subs[i]);
}

static const uint32_t SYSTEM[] = {18}, ADMINS[] = {32, 544}, USERS[] = {32, 545}, EVERYONE[] = {0};

typedef struct { unsigned type, flags; uint32_t mask; unsigned auth; int n; const uint32_t *subs; } ace_spec;

/* header | owner (Administrators) | DACL of the given ACEs */
static size_t build(unsigned char *out, unsigned control, const ace_spec *aces, int count, int dacl_at_zero) {
  buf o = {{0}, 0}, owner = {{0}, 0}, acl = {{0}, 0}, body = {{0}, 0};
  int i;
  sid(&owner, 5, 2, ADMINS);
  for (i = 0; i < count; i++) {
    buf s = {{0}, 0};
    sid(&s, aces[i].auth, aces[i].n, aces[i].subs);
    u8(&body, aces[i].type); u8(&body, aces[i].flags); u16(&body, (unsigned)(8 + s.n));
    u32(&body, aces[i].mask); put(&body, s.b, s.n);
  }
  u8(&acl, 2); u8(&acl, 0); u16(&acl, (unsigned)(8 + body.n)); u16(&acl, (unsigned)count); u16(&acl, 0);
  put(&acl, body.b, body.n);
  u8(&o, 1); u8(&o, 0); u16(&o, control);
  u32(&o, 20); u32(&o, 0); u32(&o, 0); u32(&o, dacl_at_zero ? 0 : (uint32_t)(20 + owner.n));
  put(&o, owner.b, owner.n);
  if (!dacl_at_zero) put(&o, acl.b, acl.n);
  memcpy(out, o.b, o.n);
  return o.n;
}

#define CTL (MP_SE_SELF_RELATIVE | MP_SE_DACL_PRESENT)

static void test_sid_text(void **state) {
  buf s = {{0}, 0};
  char t[MP_SID_TEXT_MAX];
  (void)state;
  sid(&s, 5, 2, USERS);
  assert_int_equal(mp_sid_text(s.b, s.n, t, sizeof t), 16);
  assert_string_equal(t, "S-1-5-32-545");
  assert_int_equal(mp_sid_text(s.b, s.n - 1, t, sizeof t), -1);     /* cut short */
  s.b[1] = 16;                                                      /* > 15 sub-authorities */
  assert_int_equal(mp_sid_text(s.b, s.n, t, sizeof t), -1);
  s.b[1] = 2; s.b[0] = 2;                                           /* unknown revision */
  assert_int_equal(mp_sid_text(s.b, s.n, t, sizeof t), -1);
  s.b[0] = 1;
  assert_int_equal(mp_sid_text(s.b, s.n, t, 8), -1);                /* no room */
}

static void test_healthy(void **state) {
  static mp_secdesc sd;
  unsigned char b[4096];
  ace_spec a[] = {{0, 0x13, MP_FILE_ALL_ACCESS, 5, 1, SYSTEM},
                  {0, 0x13, MP_FILE_ALL_ACCESS, 5, 2, ADMINS},
                  {0, 0x13, 0x1200A9, 5, 2, USERS}};
  size_t n = build(b, CTL, a, 3, 0);
  (void)state;
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_string_equal(sd.owner, "S-1-5-32-544");
  assert_int_equal(sd.n_aces, 3);
  assert_string_equal(sd.aces[0].sid, "S-1-5-18");
  assert_int_equal(sd.aces[2].mask, 0x1200A9);
  assert_int_equal(sd.aces[1].flags, 0x13);
  assert_true(mp_secdesc_full_control(&sd, "S-1-5-18"));
  assert_false(mp_secdesc_full_control(&sd, "S-1-5-32-545"));
}

static void test_rules(void **state) {
  static mp_secdesc sd;
  unsigned char b[4096];
  size_t n;
  ace_spec inherit_only[] = {{0, 0x0B, MP_FILE_ALL_ACCESS, 5, 1, SYSTEM}};
  ace_spec generic[] = {{0, 0, MP_GENERIC_ALL, 5, 1, SYSTEM}};
  ace_spec split[] = {{0, 0, 0x001200A9, 5, 1, SYSTEM}, {0, 0, 0x000D0156, 5, 1, SYSTEM}};
  ace_spec denied[] = {{0, 0, MP_FILE_ALL_ACCESS, 5, 1, SYSTEM}, {1, 0, 0x2, 1, 1, EVERYONE}};
  ace_spec deny_children[] = {{0, 0, MP_FILE_ALL_ACCESS, 5, 1, SYSTEM}, {1, 0x0B, 0x2, 5, 1, SYSTEM}};
  (void)state;
  n = build(b, CTL, inherit_only, 1, 0);
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_false(mp_secdesc_full_control(&sd, "S-1-5-18"));          /* for children only */
  n = build(b, CTL, generic, 1, 0);
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_true(mp_secdesc_full_control(&sd, "S-1-5-18"));
  n = build(b, CTL, split, 2, 0);                                   /* 0x1200A9 | 0x0D0156 = 0x1F01FF */
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_true(mp_secdesc_full_control(&sd, "S-1-5-18"));
  n = build(b, CTL, denied, 2, 0);
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_string_equal(sd.aces[1].sid, "S-1-1-0");
  assert_false(mp_secdesc_full_control(&sd, "S-1-5-18"));          /* Everyone denied */
  n = build(b, CTL, deny_children, 2, 0);
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_true(mp_secdesc_full_control(&sd, "S-1-5-18"));           /* the deny is inherit-only */
  n = build(b, CTL, NULL, 0, 1);                                    /* NULL DACL */
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_true(sd.dacl_null);
  assert_true(mp_secdesc_full_control(&sd, "S-1-5-18"));
  n = build(b, MP_SE_SELF_RELATIVE, NULL, 0, 1);                    /* no DACL */
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_false(sd.dacl_present);
  assert_true(mp_secdesc_full_control(&sd, "S-1-5-18"));
  n = build(b, CTL, NULL, 0, 0);                                    /* empty DACL: nobody */
  assert_int_equal(mp_secdesc_parse(b, n, &sd, NULL, 0), 0);
  assert_false(mp_secdesc_full_control(&sd, "S-1-5-18"));
}

static void test_malformed(void **state) {
  static mp_secdesc sd;
  unsigned char b[4096], c[4096];
  char err[160];
  ace_spec a[] = {{0, 0, MP_FILE_ALL_ACCESS, 5, 1, SYSTEM}};
  size_t n = build(b, CTL, a, 1, 0), cut;
  (void)state;
  assert_int_equal(mp_secdesc_parse(NULL, 0, &sd, err, sizeof err), -EINVAL);
  assert_int_equal(mp_secdesc_parse(b, 19, &sd, err, sizeof err), -EINVAL);
  assert_non_null(strstr(err, "header"));
  for (cut = 20; cut < n; cut++)                                    /* every truncation refused */
    assert_int_equal(mp_secdesc_parse(b, cut, &sd, NULL, 0), -EINVAL);
  memcpy(c, b, n); c[2] &= 0x7F; c[3] &= 0x7F;                      /* not self-relative */
  assert_int_equal(mp_secdesc_parse(c, n, &sd, err, sizeof err), -EINVAL);
  memcpy(c, b, n); c[16] = 0xF0; c[17] = 0xFF;                      /* DACL offset past the end */
  assert_int_equal(mp_secdesc_parse(c, n, &sd, NULL, 0), -EINVAL);
  memcpy(c, b, n); c[20 + 16 + 4] = 0xFF; c[20 + 16 + 5] = 0xFF;    /* ACE count huge */
  assert_int_equal(mp_secdesc_parse(c, n, &sd, NULL, 0), -EINVAL);
  memcpy(c, b, n); c[20 + 16 + 8 + 2] = 0xFF;                       /* ACE size past the ACL */
  assert_int_equal(mp_secdesc_parse(c, n, &sd, NULL, 0), -EINVAL);
  memcpy(c, b, n); c[20 + 16 + 8 + 2] = 2;                          /* ACE size below its header */
  assert_int_equal(mp_secdesc_parse(c, n, &sd, NULL, 0), -EINVAL);
  memcpy(c, b, n); c[20 + 16 + 8 + 8 + 1] = 9;                      /* SID longer than its ACE */
  assert_int_equal(mp_secdesc_parse(c, n, &sd, NULL, 0), -EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sid_text), cmocka_unit_test(test_healthy),
    cmocka_unit_test(test_rules), cmocka_unit_test(test_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
