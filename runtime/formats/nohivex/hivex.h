/* hivex.h (stand-in) - the part of libhivex's interface marsplay uses, for
 * builds without libhivex (the Windows build: Debian's hivex source needs
 * iconv, see README "Windows").  Every open fails with ENOSYS, so no
 * other function is ever reached with a handle; formats/hive.c turns that
 * into "offline hive files are not available in this build".  The
 * declarations match libhivex 1.3's, so hive.c, bind_reg.c and lab.c
 * compile unchanged against either. */
#ifndef MP_NOHIVEX_H
#define MP_NOHIVEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct hive_h hive_h;
typedef size_t hive_node_h;
typedef size_t hive_value_h;

typedef enum hive_type {
  hive_t_REG_NONE, hive_t_REG_SZ, hive_t_REG_EXPAND_SZ, hive_t_REG_BINARY,
  hive_t_REG_DWORD, hive_t_REG_DWORD_BIG_ENDIAN, hive_t_REG_LINK,
  hive_t_REG_MULTI_SZ, hive_t_REG_RESOURCE_LIST,
  hive_t_REG_FULL_RESOURCE_DESCRIPTOR, hive_t_REG_RESOURCE_REQUIREMENTS_LIST,
  hive_t_REG_QWORD
} hive_type;

typedef struct hive_set_value {
  char *key;
  hive_type t;
  size_t len;
  char *value;
} hive_set_value;

#define HIVEX_OPEN_VERBOSE 1
#define HIVEX_OPEN_DEBUG 2
#define HIVEX_OPEN_WRITE 4
#define HIVEX_OPEN_UNSAFE 8

hive_h *hivex_open(const char *filename, int flags);
int hivex_close(hive_h *h);
hive_node_h hivex_root(hive_h *h);
char *hivex_node_name(hive_h *h, hive_node_h node);
hive_node_h *hivex_node_children(hive_h *h, hive_node_h node);
hive_node_h hivex_node_get_child(hive_h *h, hive_node_h node, const char *name);
hive_value_h *hivex_node_values(hive_h *h, hive_node_h node);
hive_value_h hivex_node_get_value(hive_h *h, hive_node_h node, const char *key);
char *hivex_value_key(hive_h *h, hive_value_h val);
char *hivex_value_value(hive_h *h, hive_value_h val, hive_type *t, size_t *len);
char *hivex_value_string(hive_h *h, hive_value_h val);
int hivex_commit(hive_h *h, const char *filename, int flags);
hive_node_h hivex_node_add_child(hive_h *h, hive_node_h parent, const char *name);
int hivex_node_set_values(hive_h *h, hive_node_h node, size_t nr_values,
                          const hive_set_value *values, int flags);
int hivex_node_set_value(hive_h *h, hive_node_h node, const hive_set_value *val, int flags);

#endif
