/* ntacl.h - a Windows self-relative SECURITY_DESCRIPTOR, as ntfs-3g
 * exposes it in the extended attribute system.ntfs_acl, parsed into its
 * owner and DACL, and the one question the MARS playbooks ask of it: does
 * a SID have full control of the object?
 *
 * Layout (MS-DTYP 2.4.6): Revision, Sbz1, Control (u16), then the u32
 * offsets of Owner, Group, Sacl and Dacl, all little-endian.  An ACL
 * (2.4.5): AclRevision, Sbz1, AclSize (u16), AceCount (u16), Sbz2; each
 * ACE (2.4.4.1): AceType, AceFlags, AceSize (u16), then for the basic
 * allowed/denied types a u32 mask and a SID (2.4.2: Revision,
 * SubAuthorityCount, 6-byte big-endian authority, u32 sub-authorities).
 * Nothing here needs a Lua state or a runtime; every offset and length is
 * checked against the buffer.
 */
#ifndef MP_NTACL_H
#define MP_NTACL_H

#include <stddef.h>
#include <stdint.h>

#define MP_SID_TEXT_MAX 192           /* "S-1-" + 15 sub-authorities */
#define MP_ACL_MAX_ACES 512

#define MP_ACE_ALLOWED 0x00
#define MP_ACE_DENIED 0x01
#define MP_ACE_INHERIT_ONLY 0x08      /* AceFlags: applies to children only */

#define MP_SE_DACL_PRESENT 0x0004
#define MP_SE_SELF_RELATIVE 0x8000

#define MP_FILE_ALL_ACCESS 0x001F01FFu
#define MP_GENERIC_ALL 0x10000000u

typedef struct mp_ace {
  uint8_t type, flags;
  uint32_t mask;                      /* 0 for types without a mask */
  char sid[MP_SID_TEXT_MAX];          /* "" for types without a SID */
} mp_ace;

typedef struct mp_secdesc {
  uint16_t control;
  char owner[MP_SID_TEXT_MAX];        /* "" when absent */
  int dacl_present;                   /* SE_DACL_PRESENT set */
  int dacl_null;                      /* present, offset 0: everyone, all access */
  size_t n_aces;
  mp_ace aces[MP_ACL_MAX_ACES];
} mp_secdesc;

/* Parse a self-relative security descriptor.  Returns 0, or -EINVAL with
 * a one-line message in err (when given) for a malformed one. */
int mp_secdesc_parse(const unsigned char *buf, size_t len, mp_secdesc *sd,
                     char *err, size_t errsz);

/* A binary SID at p (at most len bytes) as text ("S-1-5-18").  Returns
 * the bytes it takes, or -1 when malformed or out of room. */
int mp_sid_text(const unsigned char *p, size_t len, char *out, size_t outsz);

/* Does sid have full control (FILE_ALL_ACCESS or GENERIC_ALL from its
 * allow ACEs that apply to the object itself, and no deny ACE for it or
 * for Everyone that applies to the object)?  A missing or NULL DACL
 * grants everything.  1 yes, 0 no. */
int mp_secdesc_full_control(const mp_secdesc *sd, const char *sid);

#endif
