/* cmd_lab.c - marsplay lab DIR [--fault NAME]... | lab --list-faults */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lab/lab.h"

int cmd_lab(int argc, char **argv) {
  const char **faults = calloc((size_t)argc + 1, sizeof *faults);
  const char *dir = NULL;
  size_t nf = 0;
  char *err = NULL;
  int i, r;
  if (faults == NULL) { cli_error("out of memory"); return MP_EXIT_ERROR; }
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--list-faults") == 0) {
      free(faults);
      return mp_lab_list_faults(stdout) == 0 ? 0 : MP_EXIT_ERROR;
    } else if (strcmp(argv[i], "--fault") == 0 && i + 1 < argc) {
      faults[nf++] = argv[++i];
    } else if (strncmp(argv[i], "--fault=", 8) == 0) {
      faults[nf++] = argv[i] + 8;
    } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      puts("Usage: marsplay lab DIR [--fault NAME]...\n"
           "       marsplay lab --list-faults\n"
           "Build a simulated Windows system volume with the MARS agent installed\n"
           "in DIR (healthy unless faults are named).");
      free(faults);
      return 0;
    } else if (argv[i][0] == '-') {
      cli_error("lab: unknown option %s", argv[i]);
      free(faults);
      return MP_EXIT_ERROR;
    } else if (dir == NULL) {
      dir = argv[i];
    } else {
      cli_error("lab: one folder only (got %s and %s)", dir, argv[i]);
      free(faults);
      return MP_EXIT_ERROR;
    }
  }
  if (dir == NULL) {
    cli_error("lab: no folder given (usage: marsplay lab DIR [--fault NAME]...)");
    free(faults);
    return MP_EXIT_ERROR;
  }
  r = mp_lab_build(dir, faults, nf, stderr, &err);
  if (r != 0) cli_error("lab: %s", err ? err : "failed");
  free(err);
  free(faults);
  return r == 0 ? 0 : MP_EXIT_ERROR;
}
