/* lab.h - build a simulated Windows system volume with the MARS agent
 * installed (`marsplay lab DIR [--fault NAME]...`), healthy or with named
 * faults, for trying playbooks offline (--root DIR).
 *
 * The lab is written by stdlib/marsplay/lab.lua (faults in
 * stdlib/marsplay/lab/<name>.lua) running in its own trusted Lua state with
 * the standard libraries, lfs and the native module marsplay.labkit
 * (lab.c).  DIR must not exist or be empty: a lab is never rebuilt in
 * place (remove it first; stop a cache-file-held holder by deleting
 * DIR/.marsplay-lab-holder or killing the pid it holds).
 */
#ifndef MP_LAB_H
#define MP_LAB_H

#include <stddef.h>
#include <stdio.h>

/* Build the lab in dir with the named faults (in any order).  Progress
 * goes to log (may be NULL).  Returns 0, or -1 with *err a malloc'd
 * message the caller frees. */
int mp_lab_build(const char *dir, const char *const *faults, size_t nfaults,
                 FILE *log, char **err);

/* Print the known faults, one per line: name, description, guide anchor.
 * Returns 0 or -1 (message on stderr). */
int mp_lab_list_faults(FILE *out);

#endif
