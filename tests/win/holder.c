/* holder.c - a process that keeps one file open the way an antivirus
 * scanner or another program can block the agent: read access, sharing
 * nothing (share mode 0), until it is killed.  For the live holders test
 * (tests/win/t_live_holders.sh).
 *
 *   holder.exe FILE READY   open FILE, then create READY (so the test knows
 *                           the file is held), then wait forever
 * Exit 1 with a message when FILE cannot be opened.  A test tool, not
 * part of marsplay: marsplay's own calls live in runtime/platform/win32/. */
#include <windows.h>
#include <stdio.h>

static wchar_t *wide(const char *s, wchar_t *out, int n) {
  return MultiByteToWideChar(CP_UTF8, 0, s, -1, out, n) > 0 ? out : NULL;
}

int main(int argc, char **argv) {
  wchar_t file[MAX_PATH], ready[MAX_PATH];
  HANDLE h, r;
  if (argc != 3 || !wide(argv[1], file, MAX_PATH) || !wide(argv[2], ready, MAX_PATH)) {
    fprintf(stderr, "usage: holder.exe FILE READY\n");
    return 2;
  }
  h = CreateFileW(file, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "holder: cannot open %s (%lu)\n", argv[1], GetLastError());
    return 1;
  }
  r = CreateFileW(ready, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
  if (r == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "holder: cannot create %s (%lu)\n", argv[2], GetLastError());
    return 1;
  }
  CloseHandle(r);
  for (;;) Sleep(INFINITE);
}
