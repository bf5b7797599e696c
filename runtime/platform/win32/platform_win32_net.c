/* platform_win32_net.c - Winsock for the network binding (bind_net.c):
 * Winsock is started once, on the first socket; sockets are not
 * inherited by child processes. */
#include <winsock2.h>
#include <ws2tcpip.h>

#include <errno.h>
#include <string.h>

#include "platform/platform.h"
#include "platform/win32/win32.h"

int plat_sockaddr_loopback(const void *sa, size_t len) {
  ADDRESS_FAMILY fam;
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
    static const unsigned char lo[16] = {0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1};
    memcpy(&in6, sa, sizeof in6);
    b = in6.sin6_addr.s6_addr;
    if (memcmp(b, mapped, sizeof mapped) == 0) return b[12] == 127;
    return memcmp(b, lo, sizeof lo) == 0;
  }
  return 0;
}

static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
static int wsa_result;

static BOOL CALLBACK wsa_start(PINIT_ONCE o, PVOID p, PVOID *ctx) {
  WSADATA d;
  (void)o; (void)p; (void)ctx;
  wsa_result = WSAStartup(MAKEWORD(2, 2), &d);
  return TRUE;
}

static int wsa_err(int e) {
  switch (e) {
  case WSAEAFNOSUPPORT: case WSAEPROTONOSUPPORT: case WSAESOCKTNOSUPPORT: return -PLAT_EOPNOTSUPP;
  case WSAEMFILE: return -PLAT_EMFILE;
  case WSAENOBUFS: return -PLAT_ENOMEM;
  case WSAEACCES: return -PLAT_EACCES;
  case WSAEINVAL: return -PLAT_EINVAL;
  case WSASYSNOTREADY: case WSAVERNOTSUPPORTED: case WSANOTINITIALISED: return -PLAT_ENOSYS;
  default: return -PLAT_EIO;
  }
}

intptr_t plat_socket(int family, int type, int protocol) {
  SOCKET s;
  if (!InitOnceExecuteOnce(&once, wsa_start, NULL, NULL)) return -PLAT_EIO;
  if (wsa_result != 0) return wsa_err(wsa_result);
  s = WSASocketW(family, type, protocol, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return wsa_err(WSAGetLastError());
  return (intptr_t)s;
}
