/* win32.h - shared by the Windows backend's files (platform_win32*.c)
 * only: UTF-8 <-> UTF-16 through the system's converters, host paths as
 * Windows wants them, opens relative to a folder handle (the native
 * NtCreateFile, which alone takes one), and the mapping of Win32 and NT
 * status codes to the project's error kinds. */
#ifndef MP_WIN32_H
#define MP_WIN32_H

#include <windows.h>
#include <winternl.h>

#include <stddef.h>
#include <stdint.h>

#include "platform/platform.h"

/* UTF-8 s -> malloc'd NUL-terminated UTF-16 (invalid UTF-8 is refused,
 * -EILSEQ).  0 or a negative error kind. */
int w32_wide(const char *s, wchar_t **out);
/* A host path (UTF-8, '/' or '\' separated) -> malloc'd UTF-16 with '\'
 * separators; an absolute drive or UNC path of MAX_PATH or more gets the
 * "\\?\" long-path prefix (when it has no "." or ".." component, which
 * that prefix does not resolve).  0 or -PLAT_E*. */
int w32_path(const char *s, wchar_t **out);
/* UTF-16 w (wlen units, or -1 when NUL-terminated) -> UTF-8 in out
 * (NUL-terminated).  Its length, or -ENAMETOOLONG if out is too small,
 * -EILSEQ on an unpaired surrogate. */
int w32_utf8(const wchar_t *w, int wlen, char *out, size_t outsz);
/* The error kind (negative) for a GetLastError() code / an NTSTATUS. */
int w32_err(DWORD code);
int w32_nterr(NTSTATUS st);
/* Our handles as the system's, and back. */
static inline HANDLE w32_h(plat_fd fd) { return (HANDLE)fd; }
static inline plat_fd w32_fd(HANDLE h) { return (plat_fd)(intptr_t)h; }

/* Open name (one component, UTF-8; "" or "." is dir itself) relative to
 * the folder handle dir with NtCreateFile: access, disposition
 * (FILE_OPEN, FILE_CREATE) and options (FILE_DIRECTORY_FILE, ...);
 * reparse points are never followed (FILE_OPEN_REPARSE_POINT).  The
 * handle or -PLAT_E* (a name with '\', ':', '/' or "..": -PLAT_EINVAL). */
plat_fd w32_open_rel(HANDLE dir, const char *name, ACCESS_MASK access, ULONG disposition,
                     ULONG options);
/* The same, also giving the NTSTATUS of the open (0 when it was refused
 * before being tried), for callers that must tell one status from another
 * (a sharing violation from a refused access). */
plat_fd w32_open_rel_st(HANDLE dir, const char *name, ACCESS_MASK access, ULONG disposition,
                        ULONG options, NTSTATUS *st);
/* The attributes and reparse tag of the object h is open on. */
int w32_attr_tag(HANDLE h, DWORD *attrs, DWORD *tag);
/* A reparse point that redirects a name elsewhere (a symbolic link, a
 * junction: the name-surrogate kind), as opposed to one that stores the
 * data differently (dedup, cloud files, compression)? */
int w32_tag_is_link(DWORD tag);
/* Rename the object h is open on (with DELETE access) to name (one
 * component) in the folder open as dir (its own folder, or another on
 * the same volume); replace says whether an existing name may be
 * replaced.  0 or -PLAT_E*. */
int w32_rename_to(HANDLE h, HANDLE dir, const char *name, int replace);
/* Delete the object h is open on (with DELETE access), exactly it. */
int w32_delete_handle(HANDLE h);
/* The Wine version ("8.0") when this process runs under Wine (ntdll
 * exports wine_get_version), else NULL: for what Wine answers without
 * holding it (security descriptors made from Unix mode bits). */
const char *w32_wine_version(void);

#endif
