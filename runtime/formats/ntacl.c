/* ntacl.c - see ntacl.h. */
#include "formats/ntacl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int bad(char *err, size_t errsz, const char *what) {
  if (err && errsz) snprintf(err, errsz, "malformed security descriptor: %s", what);
  return -EINVAL;
}

int mp_sid_text(const unsigned char *p, size_t len, char *out, size_t outsz) {
  uint64_t auth = 0;
  size_t need, used;
  int i, n, w;
  if (len < 8 || p[0] != 1) return -1;
  n = p[1];
  if (n > 15) return -1;
  need = 8 + 4 * (size_t)n;
  if (need > len) return -1;
  for (i = 2; i < 8; i++) auth = auth << 8 | p[i];
  w = snprintf(out, outsz, "S-1-%llu", (unsigned long long)auth);
  if (w < 0 || (size_t)w >= outsz) return -1;
  used = (size_t)w;
  for (i = 0; i < n; i++) {
    w = snprintf(out + used, outsz - used, "-%lu", (unsigned long)le32(p + 8 + 4 * i));
    if (w < 0 || (size_t)w >= outsz - used) return -1;
    used += (size_t)w;
  }
  return (int)need;
}

static int parse_acl(const unsigned char *buf, size_t len, uint32_t off, mp_secdesc *sd,
                     char *err, size_t errsz) {
  const unsigned char *acl;
  size_t size, pos;
  unsigned count, i;
  if (off > len || len - off < 8) return bad(err, errsz, "DACL header out of range");
  acl = buf + off;
  size = le16(acl + 2);
  count = le16(acl + 4);
  if (acl[0] != 2 && acl[0] != 4) return bad(err, errsz, "unknown ACL revision");
  if (size < 8 || size > len - off) return bad(err, errsz, "DACL size out of range");
  if (count > MP_ACL_MAX_ACES) return bad(err, errsz, "too many ACEs");
  pos = 8;
  for (i = 0; i < count; i++) {
    mp_ace *a = &sd->aces[sd->n_aces];
    size_t asz;
    if (size - pos < 4) return bad(err, errsz, "ACE header out of range");
    asz = le16(acl + pos + 2);
    if (asz < 4 || asz > size - pos) return bad(err, errsz, "ACE size out of range");
    memset(a, 0, sizeof *a);
    a->type = acl[pos];
    a->flags = acl[pos + 1];
    if (a->type == MP_ACE_ALLOWED || a->type == MP_ACE_DENIED) {
      if (asz < 8 + 8) return bad(err, errsz, "ACE too short for its SID");
      a->mask = le32(acl + pos + 4);
      if (mp_sid_text(acl + pos + 8, asz - 8, a->sid, sizeof a->sid) < 0)
        return bad(err, errsz, "malformed SID in an ACE");
    }
    sd->n_aces++;
    pos += asz;
  }
  return 0;
}

int mp_secdesc_parse(const unsigned char *buf, size_t len, mp_secdesc *sd,
                     char *err, size_t errsz) {
  uint32_t owner, dacl;
  memset(sd, 0, sizeof *sd);
  if (buf == NULL || len < 20) return bad(err, errsz, "shorter than its 20-byte header");
  if (buf[0] != 1) return bad(err, errsz, "unknown revision");
  sd->control = le16(buf + 2);
  if (!(sd->control & MP_SE_SELF_RELATIVE)) return bad(err, errsz, "not self-relative");
  owner = le32(buf + 4);
  dacl = le32(buf + 16);
  if (owner) {
    if (owner >= len || mp_sid_text(buf + owner, len - owner, sd->owner, sizeof sd->owner) < 0)
      return bad(err, errsz, "owner SID out of range");
  }
  sd->dacl_present = (sd->control & MP_SE_DACL_PRESENT) != 0;
  if (!sd->dacl_present) return 0;
  if (dacl == 0) { sd->dacl_null = 1; return 0; }
  return parse_acl(buf, len, dacl, sd, err, errsz);
}

int mp_secdesc_full_control(const mp_secdesc *sd, const char *sid) {
  uint32_t allowed = 0;
  size_t i;
  if (!sd->dacl_present || sd->dacl_null) return 1;
  for (i = 0; i < sd->n_aces; i++) {
    const mp_ace *a = &sd->aces[i];
    if (a->flags & MP_ACE_INHERIT_ONLY) continue;
    if (a->type == MP_ACE_DENIED && a->mask != 0 &&
        (strcmp(a->sid, sid) == 0 || strcmp(a->sid, "S-1-1-0") == 0))
      return 0;
    if (a->type == MP_ACE_ALLOWED && strcmp(a->sid, sid) == 0) allowed |= a->mask;
  }
  return (allowed & MP_GENERIC_ALL) || (allowed & MP_FILE_ALL_ACCESS) == MP_FILE_ALL_ACCESS;
}
