/* platform_posix_net.c - POSIX sockets for the network binding. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "platform/platform.h"

int plat_sockaddr_loopback(const void *sa, size_t len) {
  sa_family_t fam;
  if (sa == NULL || len < sizeof fam) return 0;
  memcpy(&fam, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof fam);
  if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in in;
    memcpy(&in, sa, sizeof in);
    return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
  }
  if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 in6;
    const unsigned char *b;
    static const unsigned char mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};
    memcpy(&in6, sa, sizeof in6);
    b = in6.sin6_addr.s6_addr;
    if (memcmp(b, mapped, sizeof mapped) == 0) return b[12] == 127;
    return IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr);
  }
  return 0;
}

intptr_t plat_socket(int family, int type, int protocol) {
  int fd = socket(family, type, protocol);
  return fd < 0 ? -errno : fd;
}
