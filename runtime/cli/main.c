/* main.c - marsplay: run remediation playbooks.
 *
 * The command is a thin host over libmarsplay: it parses options, wires
 * the callbacks to the log and the terminal, and writes the reports.
 * This file only dispatches to the subcommands (cmd_*.c); messages are
 * msgs.c's.
 */
#include <string.h>

#include "cli/cli.h"

int main(int argc, char **argv) {
  if (argc >= 2) {
    if (strcmp(argv[1], "list") == 0) return cmd_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "lab") == 0) return cmd_lab(argc - 1, argv + 1);
    if (strcmp(argv[1], "eval") == 0) return cmd_eval(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "new") == 0) return cmd_new(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0) return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "test") == 0) return cmd_test(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0) return cmd_report(argc - 1, argv + 1);
  }
  return cmd_run(argc, argv);
}
