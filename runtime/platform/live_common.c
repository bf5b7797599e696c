/* live_common.c - the parts of live.h that every backend shares (no OS
 * call here). */
#include "platform/live.h"

const char *live_svc_state_name(int state) {
  static const char *const NAMES[] = {
    "unknown", "stopped", "start pending", "stop pending", "running",
    "continue pending", "pause pending", "paused"};
  return state >= LIVE_SVC_STOPPED && state <= LIVE_SVC_PAUSED ? NAMES[state] : NAMES[0];
}

const char *live_task_state_name(int state) {
  static const char *const NAMES[] = {"unknown", "disabled", "queued", "ready", "running"};
  return state >= 0 && state <= 4 ? NAMES[state] : NAMES[0];
}
