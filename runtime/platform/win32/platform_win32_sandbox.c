/* platform_win32_sandbox.c - what Linux gets from Landlock and /proc and
 * this Windows build does not have yet, said as such:
 *  - no kernel write barrier for a dry-run (the Windows way, a Low
 *    integrity token, is issue 13): plat_restrict_writes says "not
 *    enforced" and the run reports that marsplay alone enforces it;
 *  - no list of the processes holding a file open (the Windows way is
 *    the Restart Manager, RmGetList, also issue 13): PLAT_ENOSYS, which
 *    the callers report as "cannot be told here". */
#include <stdio.h>

#include "platform/platform.h"

int plat_restrict_writes(char *why, size_t whysz) {
  if (whysz)
    snprintf(why, whysz, "not enforced: this Windows build has no kernel write barrier yet");
  return -PLAT_ENOSYS;
}

int plat_holders_scan(const char *host_path, plat_holder_cb fn, void *ud, long *denied) {
  (void)host_path; (void)fn; (void)ud;
  if (denied) *denied = 0;
  return -PLAT_ENOSYS;
}

int plat_holders_snapshot(const char *host_prefix) {
  (void)host_prefix;
  return -PLAT_ENOSYS;
}

int plat_holders_from_snapshot(void) { return 0; }
