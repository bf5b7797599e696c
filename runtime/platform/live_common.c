/* live_common.c - the parts of live.h that every backend shares (no OS
 * call here). */
#include <stdlib.h>

#include "platform/live.h"

const char *live_svc_state_name(int state) {
  static const char *const NAMES[] = {
    "unknown", "stopped", "start pending", "stop pending", "running",
    "continue pending", "pause pending", "paused"};
  return state >= LIVE_SVC_STOPPED && state <= LIVE_SVC_PAUSED ? NAMES[state] : NAMES[0];
}

void live_proxy_free(live_proxy *p) {
  if (p == NULL) return;
  free(p->proxy);
  free(p->bypass);
  p->proxy = p->bypass = NULL;
}

const char *live_task_state_name(int state) {
  static const char *const NAMES[] = {"unknown", "disabled", "queued", "ready", "running"};
  return state >= 0 && state <= 4 ? NAMES[state] : NAMES[0];
}
