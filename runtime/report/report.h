/* report.h - the report writers (JSON, JUnit XML, terminal text) and the
 * text helpers they share with value.c.
 *
 * All writers take the report object described in notes/REPORT.md (what
 * mp_report() returns).  They never emit invalid UTF-8: each byte that is
 * not part of a well-formed UTF-8 sequence is replaced by U+FFFD (the
 * three bytes EF BF BD).  Control characters are escaped (JSON: \u00XX;
 * XML: replaced by U+FFFD, since XML 1.0 cannot carry them; text: shown
 * as \xNN so that a hostile file name cannot drive the terminal).
 */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stdio.h>
#include "core/status.h"
#include "formats/utf8.h"
#include "core/value.h"

/* Values nested deeper than this are written as JSON null. */
#define MPV_JSON_MAX_DEPTH 64

/* Pretty JSON plus a final newline. Returns 0 or -1 (out of memory or
 * write error). */
int mp_report_write_json(const mp_value *report, FILE *out);

/* JUnit XML (one testsuite per playbook, one testcase per check).
 * Returns 0 or -1. */
int mp_report_write_junit(const mp_value *report, FILE *out);

/* Text for an operator at a terminal.  colour != 0 adds ANSI colours;
 * lang "pt-BR" (or any "pt...") gives Portuguese labels, NULL takes the
 * report's "lang".  Returns 0 or -1. */
int mp_report_write_text(const mp_value *report, FILE *out, int colour,
                         const char *lang);

/* ---- shared by the writers ---- */

/* Per-status counts of a playbook's checks (unknown statuses count as
 * errors) and the exit code they imply (1 wins, else the highest). */
typedef struct mpr_counts { unsigned long n[MPR_NSTATUS]; unsigned long total; } mpr_counts;
void mpr_count_checks(const mp_value *checks, mpr_counts *c);
int mpr_exit_from_counts(const mpr_counts *c, int playbook_errors);


/* Format a number as JSON does (integers without a decimal point,
 * shortest round-trip otherwise, "." whatever the locale); NaN and
 * infinities give "null".  Returns out. */
char *mp_fmt_number(char *out, size_t sz, double n);
/* Replace the locale's decimal point by '.' in place. */
void mp_fix_decimal(char *s);

/* Exit code 5's line: why nothing was checked and what to do. */
const char *mpr_nothing_checked(const mp_value *report, const char *lang);

#endif
