/* report_json.c - the JSON report writer, and the status table and
 * counting the other writers share. */
#include <string.h>

#include "marsplay.h"
#include "report/report.h"

const char *const mpr_status_names[MPR_NSTATUS] = {
  "pass", "fail", "planned", "fixed", "manual", "fix-failed", "skipped",
  "error", "waived"
};

int mpr_status_index(const char *s) {
  int i;
  if (s == NULL) return -1;
  for (i = 0; i < MPR_NSTATUS; i++)
    if (strcmp(s, mpr_status_names[i]) == 0) return i;
  return -1;
}

void mpr_count_checks(const mp_value *checks, mpr_counts *c) {
  size_t i, n = mp_value_len(checks);
  for (i = 0; i < n; i++) {
    const mp_value *st = mp_value_get(mp_value_at(checks, i), "status");
    int k = mpr_status_index(mp_value_string(st, NULL));
    c->n[k < 0 ? MPR_ERROR : k]++;
    c->total++;
  }
}

int mpr_exit_from_counts(const mpr_counts *c, int playbook_errors) {
  if (playbook_errors || c->n[MPR_ERROR]) return MP_EXIT_ERROR;
  if (c->n[MPR_FIXFAILED]) return MP_EXIT_FIXFAIL;
  if (c->n[MPR_MANUAL]) return MP_EXIT_MANUAL;
  if (c->n[MPR_FAIL] || c->n[MPR_PLANNED]) return MP_EXIT_FIXABLE;
  return MP_EXIT_OK;
}

int mp_report_write_json(const mp_value *report, FILE *out) {
  mp_buf b = {NULL, 0, 0, 0};
  int rc = 0;
  mpv_write_json(&b, report, 1, 0);
  mpb_add(&b, "\n", 1);
  if (b.oom || fwrite(b.p, 1, b.len, out) != b.len || fflush(out) != 0) rc = -1;
  mpb_free(&b);
  return rc;
}
