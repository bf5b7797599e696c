/* live_posix.c - live.h on a system that is not Windows: there is no
 * live registry, service manager or Windows version to ask, so every
 * function fails with -ENOSYS (message LIVE_NOT_HERE). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "platform/live.h"

int live_available(void) { return 0; }

int live_reg_get(live_root root, const char *key, const char *name,
                 uint32_t *type, char **data, size_t *len) {
  (void)root; (void)key; (void)name; (void)type; (void)data; (void)len;
  return -ENOSYS;
}

int live_reg_values(live_root root, const char *key, live_value_fn fn, void *ud) {
  (void)root; (void)key; (void)fn; (void)ud;
  return -ENOSYS;
}

int live_reg_keys(live_root root, const char *key, live_key_fn fn, void *ud) {
  (void)root; (void)key; (void)fn; (void)ud;
  return -ENOSYS;
}

int live_reg_key_exists(live_root root, const char *key) {
  (void)root; (void)key;
  return -ENOSYS;
}

int live_reg_set(live_root root, const char *key, const char *name,
                 uint32_t type, const char *data, size_t len) {
  (void)root; (void)key; (void)name; (void)type; (void)data; (void)len;
  return -ENOSYS;
}

int live_reg_delete_value(live_root root, const char *key, const char *name) {
  (void)root; (void)key; (void)name;
  return -ENOSYS;
}

int live_reg_delete_tree(live_root root, const char *key) {
  (void)root; (void)key;
  return -ENOSYS;
}

int live_svc_query(const char *name, live_service *out) {
  (void)name; (void)out;
  return -ENOSYS;
}

int live_svc_control(const char *name, live_svc_op op, double timeout, live_service *out) {
  (void)name; (void)op; (void)timeout; (void)out;
  return -ENOSYS;
}

int live_svc_set_start(const char *name, int start, live_service *out) {
  (void)name; (void)start; (void)out;
  return -ENOSYS;
}

int live_os_version(char *ver, size_t versz, char *product, size_t productsz) {
  (void)ver; (void)versz; (void)product; (void)productsz;
  return -ENOSYS;
}

int live_powershell_version(char *out, size_t outsz) {
  (void)out; (void)outsz;
  return -ENOSYS;
}

int live_dotnet_release(uint32_t *release) {
  (void)release;
  return -ENOSYS;
}

int live_shadow_storage_of(char drive, live_shadow_storage *out, size_t max, char *why, size_t whysz) {
  (void)drive; (void)out; (void)max;
  if (whysz) snprintf(why, whysz, "%s", LIVE_NOT_HERE);
  return -ENOSYS;
}

int live_proxy_default(live_proxy *out) {
  memset(out, 0, sizeof *out);
  return -ENOSYS;
}

int live_proxy_for_url(const char *url, const char *pac_url, int autodetect, live_proxy *out) {
  (void)url; (void)pac_url; (void)autodetect;
  memset(out, 0, sizeof *out);
  return -ENOSYS;
}

void live_task_free(live_task *t) { (void)t; }

int live_task_get(const char *path, live_task *out) {
  (void)path; (void)out;
  return -ENOSYS;
}

int live_task_names(const char *folder, live_key_fn fn, void *ud) {
  (void)folder; (void)fn; (void)ud;
  return -ENOSYS;
}

int live_task_register(const char *path, const char *xml, const char *user,
                       live_task_logon logon, live_task *out) {
  (void)path; (void)xml; (void)user; (void)logon; (void)out;
  return -ENOSYS;
}

int live_task_delete(const char *path) {
  (void)path;
  return -ENOSYS;
}
