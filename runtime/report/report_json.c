/* report_json.c - the JSON report writer, and the status table and
 * counting the other writers share (the statuses: core/status.c). */
#include <string.h>

#include "marsplay.h"
#include "report/report.h"

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
  int i, code = playbook_errors ? MP_EXIT_ERROR : MP_EXIT_OK;
  for (i = 0; i < MPR_NSTATUS; i++)
    if (c->n[i]) code = mpr_exit_worse(code, mpr_status_exit(i));
  return code;
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
