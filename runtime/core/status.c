/* status.c - statuses and the status -> exit code rule (status.h). */
#include <string.h>

#include "marsplay.h"
#include "core/status.h"

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

int mpr_status_exit(int st) {
  switch (st) {
    case MPR_ERROR: return MP_EXIT_ERROR;
    case MPR_FIXFAILED: return MP_EXIT_FIXFAIL;
    case MPR_MANUAL: return MP_EXIT_MANUAL;
    case MPR_FAIL: case MPR_PLANNED: return MP_EXIT_FIXABLE;
    default: return MP_EXIT_OK;
  }
}

int mpr_exit_worse(int a, int b) {
  if (a == MP_EXIT_ERROR || b == MP_EXIT_ERROR) return MP_EXIT_ERROR;
  return a > b ? a : b;
}
