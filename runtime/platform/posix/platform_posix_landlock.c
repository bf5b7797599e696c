/* platform_posix_landlock.c - kernel-enforced read-only mode (Linux
 * Landlock).  After plat_restrict_writes() this process and its children
 * can open nothing for writing, create, remove, rename, link or truncate
 * anything, anywhere; files already open (the report, the log) stay
 * writable.  Reading is not restricted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/platform.h"

const char *plat_barrier_name(void) { return "landlock"; }

#if defined(__linux__) && defined(SYS_landlock_create_ruleset)
#include <linux/landlock.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define WRITES_V1 (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
  LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
  LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | \
  LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

int plat_restrict_writes(plat_wb *wb) {
  struct landlock_ruleset_attr attr;
  struct landlock_path_beneath_attr null_rule;
  long abi;
  int rs, nullfd;
  abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0) {
    int e = errno;
    wb->what = e == EOPNOTSUPP ? PLAT_WB_DISABLED : PLAT_WB_UNAVAILABLE;
    wb->err = -e;
    return -e;
  }
  memset(&attr, 0, sizeof attr);
  attr.handled_access_fs = WRITES_V1;
  if (abi >= 2) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
  rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (rs < 0) {
    int e = errno;
    wb->what = PLAT_WB_RULESET;
    wb->err = -e;
    return -e;
  }
  /* /dev/null stays writable (libraries open it); nothing else. */
  nullfd = open("/dev/null", O_PATH | O_CLOEXEC);
  if (nullfd >= 0) {
    memset(&null_rule, 0, sizeof null_rule);
    null_rule.allowed_access = LANDLOCK_ACCESS_FS_WRITE_FILE;
    null_rule.parent_fd = nullfd;
    if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &null_rule, 0) != 0) {
      /* not fatal: /dev/null just becomes read-only too */
    }
    close(nullfd);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_landlock_restrict_self, rs, 0) != 0) {
    int e = errno;
    close(rs);
    wb->what = PLAT_WB_RESTRICT;
    wb->err = -e;
    return -e;
  }
  close(rs);
  wb->what = PLAT_WB_LANDLOCK;
  return (int)abi;
}

#else

int plat_restrict_writes(plat_wb *wb) {
  wb->what = PLAT_WB_NO_SANDBOX;
  wb->err = -ENOSYS;
  return -ENOSYS;
}

#endif
