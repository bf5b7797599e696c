/* hivex_none.c - the stand-in for libhivex in builds without it (see
 * nohivex/hivex.h): hivex_open always fails with ENOSYS, and since no
 * handle ever exists, every other call fails the same way. */
#include <errno.h>

#include "hivex.h"

static void *none_ptr(void) { errno = ENOSYS; return NULL; }
static int none_int(void) { errno = ENOSYS; return -1; }

hive_h *hivex_open(const char *filename, int flags) {
  (void)filename; (void)flags;
  return none_ptr();
}
int hivex_close(hive_h *h) { return h == NULL ? 0 : none_int(); }
hive_node_h hivex_root(hive_h *h) { (void)h; errno = ENOSYS; return 0; }
char *hivex_node_name(hive_h *h, hive_node_h node) { (void)h; (void)node; return none_ptr(); }
hive_node_h *hivex_node_children(hive_h *h, hive_node_h node) {
  (void)h; (void)node;
  return none_ptr();
}
hive_node_h hivex_node_get_child(hive_h *h, hive_node_h node, const char *name) {
  (void)h; (void)node; (void)name;
  errno = ENOSYS;
  return 0;
}
hive_value_h *hivex_node_values(hive_h *h, hive_node_h node) {
  (void)h; (void)node;
  return none_ptr();
}
hive_value_h hivex_node_get_value(hive_h *h, hive_node_h node, const char *key) {
  (void)h; (void)node; (void)key;
  errno = ENOSYS;
  return 0;
}
char *hivex_value_key(hive_h *h, hive_value_h val) { (void)h; (void)val; return none_ptr(); }
char *hivex_value_value(hive_h *h, hive_value_h val, hive_type *t, size_t *len) {
  (void)h; (void)val; (void)t; (void)len;
  return none_ptr();
}
char *hivex_value_string(hive_h *h, hive_value_h val) { (void)h; (void)val; return none_ptr(); }
int hivex_commit(hive_h *h, const char *filename, int flags) {
  (void)h; (void)filename; (void)flags;
  return none_int();
}
hive_node_h hivex_node_add_child(hive_h *h, hive_node_h parent, const char *name) {
  (void)h; (void)parent; (void)name;
  errno = ENOSYS;
  return 0;
}
int hivex_node_set_values(hive_h *h, hive_node_h node, size_t nr_values,
                          const hive_set_value *values, int flags) {
  (void)h; (void)node; (void)nr_values; (void)values; (void)flags;
  return none_int();
}
int hivex_node_set_value(hive_h *h, hive_node_h node, const hive_set_value *val, int flags) {
  (void)h; (void)node; (void)val; (void)flags;
  return none_int();
}
