/* live_vss.c - live.h's shadow-copy storage on Windows: the Volume
 * Shadow Copy Service's management object (CLSID_VssSnapshotMgmt), its
 * system provider's IVssDifferentialSoftwareSnapshotMgmt and
 * QueryDiffAreasForVolume, which is what `vssadmin List ShadowStorage
 * /For=X:` shows: used, allocated and maximum space of each storage
 * association, and the volume it lives on.  Needs an elevated process;
 * Wine registers no such class. */
#define COBJMACROS
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <initguid.h>
#include <vss.h>
#include <vsmgmt.h>

#include "platform/live.h"
#include "platform/win32/live_win32.h"

/* The system (software) shadow-copy provider, VSS_SWPRV_ProviderId. */
DEFINE_GUID(MP_VSS_SWPRV, 0xb5946137, 0x7b9f, 0x4925, 0xaf, 0x80, 0x51, 0xab, 0xd6, 0x0b, 0x20, 0xd5);

/* why = "<step>: <the system's text> (0x<hr>)"; the error kind of hr. */
static int hr_fail(HRESULT hr, const char *step, char *why, size_t whysz) {
  wchar_t msg[256];
  char *m = NULL;
  DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)hr, 0, msg,
                           (DWORD)(sizeof msg / sizeof msg[0]), NULL);
  while (n > 0 && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L'.' || msg[n - 1] == L' ')) n--;
  if (n > 0) m = live_narrow(msg, (int)n);
  if (whysz) snprintf(why, whysz, "%s: %s (0x%08lX)", step, m ? m : "error", (unsigned long)hr);
  free(m);
  if (hr == REGDB_E_CLASSNOTREG || hr == CO_E_CLASSSTRING || hr == E_NOINTERFACE) return -ENOSYS;
  if (hr == E_ACCESSDENIED) return -EACCES;
  if (hr == (HRESULT)0x80042308L) return -ENOENT;      /* VSS_E_OBJECT_NOT_FOUND */
  if (hr == (HRESULT)0x8004230CL) return -EOPNOTSUPP;  /* VSS_E_VOLUME_NOT_SUPPORTED */
  return -EIO;
}

static void narrow_into(const wchar_t *w, char *out, size_t outsz) {
  char *s = w ? live_narrow(w, -1) : NULL;
  snprintf(out, outsz, "%s", s ? s : "");
  free(s);
}

int live_shadow_storage_of(char drive, live_shadow_storage *out, size_t max, char *why, size_t whysz) {
  wchar_t vol[4] = {L'C', L':', L'\\', 0};
  IVssSnapshotMgmt *mgmt = NULL;
  IUnknown *unk = NULL;
  IVssDifferentialSoftwareSnapshotMgmt *diff = NULL;
  IVssEnumMgmtObject *en = NULL;
  HRESULT hr, init;
  int count = 0, r = 0;
  if (whysz) why[0] = '\0';
  if (!((drive >= 'A' && drive <= 'Z') || (drive >= 'a' && drive <= 'z'))) return -EINVAL;
  vol[0] = (wchar_t)(drive & ~0x20);
  init = CoInitializeEx(NULL, COINIT_MULTITHREADED);
  if (FAILED(init) && init != RPC_E_CHANGED_MODE) return hr_fail(init, "CoInitializeEx", why, whysz);
  hr = CoCreateInstance(&CLSID_VssSnapshotMgmt, NULL, CLSCTX_ALL, &IID_IVssSnapshotMgmt, (void **)&mgmt);
  if (FAILED(hr)) { r = hr_fail(hr, "the VSS management object", why, whysz); goto done; }
  hr = IVssSnapshotMgmt_GetProviderMgmtInterface(mgmt, MP_VSS_SWPRV, &IID_IVssDifferentialSoftwareSnapshotMgmt,
                                                 &unk);
  if (FAILED(hr)) { r = hr_fail(hr, "the system provider's storage interface", why, whysz); goto done; }
  hr = IUnknown_QueryInterface(unk, &IID_IVssDifferentialSoftwareSnapshotMgmt, (void **)&diff);
  if (FAILED(hr)) { r = hr_fail(hr, "the system provider's storage interface", why, whysz); goto done; }
  hr = IVssDifferentialSoftwareSnapshotMgmt_QueryDiffAreasForVolume(diff, vol, &en);
  if (hr == (HRESULT)0x80042308L) goto done;      /* VSS_E_OBJECT_NOT_FOUND: no association */
  if (FAILED(hr)) { r = hr_fail(hr, "QueryDiffAreasForVolume", why, whysz); goto done; }
  for (;;) {
    VSS_MGMT_OBJECT_PROP prop;
    ULONG got = 0;
    memset(&prop, 0, sizeof prop);
    hr = IVssEnumMgmtObject_Next(en, 1, &prop, &got);
    if (FAILED(hr)) { r = hr_fail(hr, "reading the storage associations", why, whysz); goto done; }
    if (got == 0) break;
    if (prop.Type == VSS_MGMT_OBJECT_DIFF_AREA) {
      const VSS_DIFF_AREA_PROP *a = &prop.Obj.DiffArea;
      if ((size_t)count < max) {
        live_shadow_storage *o = &out[count];
        narrow_into(a->m_pwszVolumeName, o->volume, sizeof o->volume);
        narrow_into(a->m_pwszDiffAreaVolumeName, o->on, sizeof o->on);
        o->used = a->m_llUsedDiffSpace;
        o->allocated = a->m_llAllocatedDiffSpace;
        o->maximum = a->m_llMaximumDiffSpace < 0 ? -1 : a->m_llMaximumDiffSpace;
      }
      count++;
      CoTaskMemFree(a->m_pwszVolumeName);
      CoTaskMemFree(a->m_pwszDiffAreaVolumeName);
    }
    if (hr == S_FALSE) break;
  }
done:
  if (en) IVssEnumMgmtObject_Release(en);
  if (diff) IVssDifferentialSoftwareSnapshotMgmt_Release(diff);
  if (unk) IUnknown_Release(unk);
  if (mgmt) IVssSnapshotMgmt_Release(mgmt);
  if (SUCCEEDED(init)) CoUninitialize();
  return r < 0 ? r : count;
}
