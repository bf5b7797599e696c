/* platform_win32_sandbox.c - the kernel's part of a dry-run on Windows:
 * the write barrier: the process lowers its own token to the Low
 * mandatory integrity level, so Windows refuses it write access to every
 * object not labelled Low (files, keys and services carry no label, which
 * counts as Medium).  The level is read back: only a token that says Low
 * is reported as enforced (Wine accepts the change but keeps answering
 * High: not enforced there, and said so).
 * The processes holding files open: platform_win32_holders.c. */
#include <stdio.h>

#include "platform/win32/win32.h"

#define BARRIER_VERSION 1   /* reported like Landlock's ABI: > 0 enforced */

static const char *level_name(DWORD rid) {
  if (rid >= SECURITY_MANDATORY_SYSTEM_RID) return "System";
  if (rid >= SECURITY_MANDATORY_HIGH_RID) return "High";
  if (rid >= SECURITY_MANDATORY_MEDIUM_RID) return "Medium";
  if (rid >= SECURITY_MANDATORY_LOW_RID) return "Low";
  return "Untrusted";
}

/* The token's integrity level (its label's last sub-authority). */
static int token_level(HANDLE tok, DWORD *rid) {
  union { TOKEN_MANDATORY_LABEL l; unsigned char b[128]; } u;
  DWORD n = 0;
  PSID sid;
  if (!GetTokenInformation(tok, TokenIntegrityLevel, &u, sizeof u, &n))
    return w32_err(GetLastError());
  sid = u.l.Label.Sid;
  if (sid == NULL || !IsValidSid(sid) || *GetSidSubAuthorityCount(sid) == 0)
    return -PLAT_EINVAL;
  *rid = *GetSidSubAuthority(sid, (DWORD)*GetSidSubAuthorityCount(sid) - 1);
  return 0;
}

const char *plat_barrier_name(void) { return "low-integrity"; }

int plat_restrict_writes(plat_wb *wb) {
  SID_IDENTIFIER_AUTHORITY label = {SECURITY_MANDATORY_LABEL_AUTHORITY};
  TOKEN_MANDATORY_LABEL tml;
  HANDLE tok;
  PSID low = NULL;
  DWORD before = 0, after = 0;
  int r;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY | TOKEN_ADJUST_DEFAULT, &tok)) {
    r = w32_err(GetLastError());
    wb->what = PLAT_WB_TOKEN;
    wb->err = r;
    return r;
  }
  if ((r = token_level(tok, &before)) < 0) {
    CloseHandle(tok);
    wb->what = PLAT_WB_LEVEL;
    wb->err = r;
    return r;
  }
  if (!AllocateAndInitializeSid(&label, 1, SECURITY_MANDATORY_LOW_RID, 0, 0, 0, 0, 0, 0, 0, &low)) {
    r = w32_err(GetLastError());
    CloseHandle(tok);
    wb->what = PLAT_WB_LABEL;
    wb->err = r;
    return r;
  }
  tml.Label.Sid = low;
  tml.Label.Attributes = SE_GROUP_INTEGRITY;
  if (!SetTokenInformation(tok, TokenIntegrityLevel, &tml,
                           (DWORD)(sizeof tml + GetLengthSid(low)))) {
    r = w32_err(GetLastError());
    FreeSid(low);
    CloseHandle(tok);
    wb->what = PLAT_WB_REFUSED;
    wb->err = r;
    return r;
  }
  FreeSid(low);
  r = token_level(tok, &after);
  CloseHandle(tok);
  if (r < 0) {
    wb->what = PLAT_WB_READBACK;
    wb->err = r;
    return r;
  }
  if (after > SECURITY_MANDATORY_LOW_RID) {
    wb->what = PLAT_WB_NOT_HELD;
    wb->err = -PLAT_ENOSYS;
    wb->level = level_name(after);
    return -PLAT_ENOSYS;
  }
  wb->what = PLAT_WB_LOW_INTEGRITY;
  wb->level = level_name(before);
  return BARRIER_VERSION;
}
