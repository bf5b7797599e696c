/* report_merge.h - the merge's store, shared by report_merge.c (reading
 * reports into it) and report_merge_out.c (writing it as JSON, text or
 * JUnit).
 *
 * Memory is what the output needs and little more: every string is kept
 * once (interned; a result names its host, message, reason and waiver by
 * number) and a result is 32 bytes, so 5,000 hosts of 84 checks take
 * about 13 MB plus their distinct texts; the input reports are read one
 * at a time and dropped. */
#ifndef MP_REPORT_MERGE_H
#define MP_REPORT_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "marsplay.h"
#include "report/report.h"

typedef uint32_t mstr;   /* an interned string; 0: none */

typedef struct mres {
  double dur;
  mstr host, msg, reason, waiver;
  unsigned char status, has_dur;
} mres;

typedef struct mhost {
  mstr label, name, hostname, root, platform, mode, lang, version, started;
  double dur;
  int has_dur, exit_code;
  unsigned long counts[MPR_NSTATUS];
} mhost;

typedef struct merr { mstr host, error; } merr;

typedef struct mcheck {
  mstr id, title, severity;
  size_t eid0, neid;       /* error_ids: m->eids[eid0 .. eid0 + neid) */
  int has_eids;
  unsigned long counts[MPR_NSTATUS];
  mres *res;
  size_t nres, capres;
} mcheck;

typedef struct mpb {
  mstr id, title, anchor;
  unsigned long hosts;
  merr *errs;
  size_t nerr, caperr;
  uint32_t *checks;
  size_t nchk, capchk;
} mpb;

/* The string of an interned id (never NULL: "" for none) and its length. */
const char *mm_str(const mp_merge *m, mstr id, size_t *len);
const mhost *mm_hosts(const mp_merge *m, size_t *n);
const mpb *mm_pbs(const mp_merge *m, size_t *n);
const mcheck *mm_check(const mp_merge *m, uint32_t i);
const mstr *mm_eids(const mp_merge *m);

/* Output in pieces to a sink. */
typedef struct mm_out {
  mp_buf b;
  int (*sink)(void *ud, const char *p, size_t n);
  void *ud;
  int failed;
} mm_out;
void mm_flush(mm_out *o, int force);

/* The writers (report_merge_out.c); 0 or -1. */
int mm_write_json(const mp_merge *m, mm_out *o, int code);
int mm_write_text(const mp_merge *m, mm_out *o, int code);
int mm_write_junit(const mp_merge *m, mm_out *o);
/* Exit codes: of one check, of a playbook, of the whole merge. */
int mm_check_code(const mcheck *k);
int mm_pb_code(const mp_merge *m, const mpb *p, mpr_counts *sum);
int mm_code(const mp_merge *m);

#endif
