/* status.h - the statuses a check may have and the exit code they imply:
 * the one home of both (the engine, the report writers, the merge and
 * the Lua runner, through marsplay.core, use these). */
#ifndef MP_STATUS_H
#define MP_STATUS_H

/* In report order. */
enum {
  MPR_PASS, MPR_FAIL, MPR_PLANNED, MPR_FIXED, MPR_MANUAL, MPR_FIXFAILED,
  MPR_SKIPPED, MPR_ERROR, MPR_WAIVED, MPR_NSTATUS
};
extern const char *const mpr_status_names[MPR_NSTATUS];
/* Index of a status name, or -1 when unknown (or s is NULL). */
int mpr_status_index(const char *s);
/* The exit code (MP_EXIT_*) status index st contributes. */
int mpr_status_exit(int st);
/* Two exit codes combined: 1 (error) always wins, then the highest. */
int mpr_exit_worse(int a, int b);

#endif
