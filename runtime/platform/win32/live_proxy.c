/* live_proxy.c - live.h's proxy answers on Windows, asked of WinHTTP
 * itself: the machine's default proxy (WinHttpGetDefaultProxyConfiguration)
 * and the proxy for one URL from a proxy auto-config script or WPAD
 * (WinHttpGetProxyForUrl).  Every string WinHTTP hands back is freed
 * with GlobalFree; what reaches the caller is a malloc'd UTF-8 copy.
 * The SYSTEM account's WinINet settings have no API for another account
 * (WinHttpGetIEProxyConfigForCurrentUser answers for the caller): they
 * are registry values, read through live_reg.c by marsplay.proxy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/live.h"
#include "platform/win32/live_win32.h"

#include <winhttp.h>

/* How long the auto-config script may take to resolve, connect, send,
 * receive (milliseconds each). */
#define PAC_TIMEOUT_MS 10000

static void init(live_proxy *out) {
  memset(out, 0, sizeof *out);
  out->access = LIVE_PROXY_DIRECT;
}

/* Fill out's strings from WinHTTP's proxy info and free the latter. */
static int take(live_proxy *out, WINHTTP_PROXY_INFO *pi) {
  int r = 0;
  out->access = pi->dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY ? LIVE_PROXY_NAMED
                                                                    : LIVE_PROXY_DIRECT;
  if (pi->lpszProxy != NULL && pi->lpszProxy[0] != 0 &&
      (out->proxy = live_narrow(pi->lpszProxy, -1)) == NULL)
    r = -ENOMEM;
  if (r == 0 && pi->lpszProxyBypass != NULL && pi->lpszProxyBypass[0] != 0 &&
      (out->bypass = live_narrow(pi->lpszProxyBypass, -1)) == NULL)
    r = -ENOMEM;
  if (pi->lpszProxy != NULL) GlobalFree(pi->lpszProxy);
  if (pi->lpszProxyBypass != NULL) GlobalFree(pi->lpszProxyBypass);
  pi->lpszProxy = pi->lpszProxyBypass = NULL;
  /* a named proxy with no name is no proxy WinHTTP could use */
  if (r == 0 && out->access == LIVE_PROXY_NAMED && out->proxy == NULL) out->access = LIVE_PROXY_DIRECT;
  if (r != 0) live_proxy_free(out);
  return r;
}

/* The error kind of a WinHTTP error, with its words in out->why. */
static int fail(live_proxy *out, const char *what, DWORD e) {
  const char *words;
  int r;
  switch (e) {
    case ERROR_WINHTTP_AUTODETECTION_FAILED:
      words = "auto-detection (WPAD) found no proxy auto-config script"; r = -ENOENT; break;
    case ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT:
      words = "the proxy auto-config script could not be downloaded"; r = -EIO; break;
    case ERROR_WINHTTP_BAD_AUTO_PROXY_SCRIPT:
      words = "the proxy auto-config script could not be run"; r = -EIO; break;
    case ERROR_WINHTTP_AUTO_PROXY_SERVICE_ERROR:
      words = "the WinHTTP auto-proxy service failed"; r = -EIO; break;
    case ERROR_WINHTTP_INVALID_URL: case ERROR_WINHTTP_UNRECOGNIZED_SCHEME:
      words = "WinHTTP refuses the URL"; r = -EINVAL; break;
    case ERROR_WINHTTP_LOGIN_FAILURE:
      words = "the auto-config server refused the credentials"; r = -EACCES; break;
    case ERROR_WINHTTP_TIMEOUT:
      words = "timed out"; r = -ETIMEDOUT; break;
    default:
      words = "failed"; r = live_werr(e); break;
  }
  snprintf(out->why, sizeof out->why, "%s: %s (WinHTTP error %lu)", what, words, (unsigned long)e);
  return r;
}

int live_proxy_default(live_proxy *out) {
  WINHTTP_PROXY_INFO pi;
  init(out);
  memset(&pi, 0, sizeof pi);
  if (!WinHttpGetDefaultProxyConfiguration(&pi))
    return fail(out, "WinHttpGetDefaultProxyConfiguration", GetLastError());
  return take(out, &pi);
}

int live_proxy_for_url(const char *url, const char *pac_url, int autodetect, live_proxy *out) {
  WINHTTP_AUTOPROXY_OPTIONS o;
  WINHTTP_PROXY_INFO pi;
  wchar_t *wurl = NULL, *wpac = NULL;
  HINTERNET s;
  int r;
  init(out);
  if (url == NULL || (pac_url == NULL && !autodetect)) {
    snprintf(out->why, sizeof out->why, "no URL, or neither an auto-config URL nor auto-detection");
    return -EINVAL;
  }
  if ((r = w32_wide(url, &wurl)) != 0) return r;
  if (pac_url != NULL && (r = w32_wide(pac_url, &wpac)) != 0) { free(wurl); return r; }
  s = WinHttpOpen(L"marsplay", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                  WINHTTP_NO_PROXY_BYPASS, 0);
  if (s == NULL) {
    r = fail(out, "WinHttpOpen", GetLastError());
  } else if (!WinHttpSetTimeouts(s, PAC_TIMEOUT_MS, PAC_TIMEOUT_MS, PAC_TIMEOUT_MS, PAC_TIMEOUT_MS)) {
    r = fail(out, "WinHttpSetTimeouts", GetLastError());
  } else {
    memset(&o, 0, sizeof o);
    memset(&pi, 0, sizeof pi);
    if (wpac != NULL) {
      o.dwFlags = WINHTTP_AUTOPROXY_CONFIG_URL;
      o.lpszAutoConfigUrl = wpac;
    } else {
      o.dwFlags = WINHTTP_AUTOPROXY_AUTO_DETECT;
      o.dwAutoDetectFlags = WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
    }
    o.fAutoLogonIfChallenged = FALSE;      /* the agent's account is not ours */
    if (!WinHttpGetProxyForUrl(s, wurl, &o, &pi))
      r = fail(out, "WinHttpGetProxyForUrl", GetLastError());
    else
      r = take(out, &pi);
  }
  if (s != NULL && !WinHttpCloseHandle(s) && r == 0) {
    live_proxy_free(out);
    r = fail(out, "WinHttpCloseHandle", GetLastError());
  }
  free(wurl);
  free(wpac);
  return r;
}
