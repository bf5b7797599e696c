#!/usr/bin/env python3
"""boundary.py - the platform boundary: no OS call outside runtime/platform/.

Reads every C file under runtime/ (comments and string literals removed,
except that a "/proc/" string counts) and reports each POSIX, Linux or
Win32 header, function, macro or struct field it names outside
runtime/platform/.  Sites not yet moved behind platform.h are listed in
scripts/boundary-debt.txt as "FILE NAME COUNT"; the scan fails on any site
that is not listed, and on a listed count larger than what is left (the
list only shrinks).  Usage: boundary.py [--list | --shrink] [REPO];
--list prints the sites found, --shrink lowers the listed counts to
what is left (it never adds a site).
"""
import os
import re
import sys

HEADERS = {
    "unistd.h", "fcntl.h", "dirent.h", "fnmatch.h", "glob.h", "spawn.h",
    "dlfcn.h", "pthread.h", "threads.h", "poll.h", "netdb.h", "pwd.h",
    "grp.h", "termios.h", "libgen.h",
    "windows.h", "winsock2.h", "ws2tcpip.h", "io.h", "direct.h",
    "process.h", "shlwapi.h", "winbase.h", "winreg.h",
}
HEADER_DIRS = ("sys/", "linux/", "arpa/", "netinet/", "asm/")

# Functions of POSIX, Linux and Win32 that plain C11 lacks (counted when
# called: a name followed by "("), and what mingw-w64's C library lacks.
CALLS = set("""
open openat openat2 creat close read write pread pwrite lseek fstat fstatat
stat lstat statx fsync fdatasync ftruncate truncate unlink unlinkat rmdir
mkdir mkdirat rename renameat renameat2 link linkat symlink symlinkat
readlink readlinkat chmod fchmod fchmodat chown fchown fchownat lchown
access faccessat realpath opendir fdopendir readdir closedir rewinddir
seekdir telldir dirfd scandir nftw fnmatch glob globfree posix_spawn
posix_spawnp posix_spawn_file_actions_init posix_spawn_file_actions_destroy
posix_spawn_file_actions_addopen posix_spawn_file_actions_adddup2
fork vfork execv execve execvp execl execlp waitpid wait kill getpid
getppid pipe pipe2 dup dup2 dup3 fdopen fileno isatty mmap munmap mprotect
dlopen dlsym dlclose dlerror gmtime_r localtime_r clock_gettime nanosleep
usleep sleep gettimeofday setenv unsetenv putenv mkstemp mkostemp mkdtemp
getcwd chdir fchdir flock fcntl ioctl statfs fstatfs statvfs fstatvfs
sysconf getuid geteuid getgid getegid gethostname uname socket connect
bind listen accept poll select getaddrinfo freeaddrinfo sigaction
sigemptyset strndup memmem memrchr strsep thrd_create thrd_join mtx_init
mtx_lock mtx_unlock mtx_destroy call_once timespec_get pthread_create
pthread_join pthread_mutex_lock pthread_mutex_unlock
CreateFileW CreateFileA CloseHandle GetLastError ReadFile WriteFile
FindFirstFileW FindNextFileW FindClose GetFileAttributesW
GetFileInformationByHandle GetFileInformationByHandleEx
SetFileInformationByHandle MoveFileExW DeleteFileW RemoveDirectoryW
CreateDirectoryW CreateProcessW WaitForSingleObject GetModuleFileNameW
MultiByteToWideChar WideCharToMultiByte RegOpenKeyExW RegQueryValueExW
RegCloseKey LoadLibraryW LoadLibraryA GetProcAddress
_wopen _open _close _read _write _stat64 _wstat64 _fileno
""".split())

# Macros, types and struct fields of the same (counted wherever named).
WORDS = set("""
O_RDONLY O_WRONLY O_RDWR O_CREAT O_EXCL O_TRUNC O_APPEND O_NONBLOCK
O_PATH O_NOFOLLOW O_DIRECTORY O_CLOEXEC O_NOCTTY O_NOATIME O_TMPFILE
AT_FDCWD AT_SYMLINK_NOFOLLOW AT_REMOVEDIR AT_EMPTY_PATH RENAME_NOREPLACE
RENAME_EXCHANGE S_ISREG S_ISDIR S_ISLNK S_ISFIFO S_ISCHR S_ISBLK S_ISSOCK
S_IFMT S_IFREG S_IFDIR S_IFLNK S_IRUSR S_IWUSR S_IXUSR
st_mtim st_ctim st_atim st_ino st_dev st_mode st_nlink st_blocks
DT_DIR DT_REG DT_LNK DT_UNKNOWN d_type d_name d_ino
WIFEXITED WEXITSTATUS WIFSIGNALED WTERMSIG SIGKILL SIGTERM
ESTALE EWOULDBLOCK ENOTSUP EOPNOTSUPP
PATH_MAX NAME_MAX ssize_t pid_t mode_t off_t uid_t gid_t ino_t dev_t
thrd_t mtx_t cnd_t HANDLE DWORD WCHAR
""".split())

# Data the OS owns, named by path.
STRINGS = ("/proc/",)

COMMENT_STRING = re.compile(
    r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*<([^>]+)>', re.M)
IDENT = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


def strip(text):
    """Source without comments and literals; line numbers kept."""
    def repl(m):
        s = m.group(0)
        keep = "\n" * s.count("\n")
        if s.startswith('"') and any(x in s for x in STRINGS):
            return "__PROC_PATH__" + keep
        return " " + keep
    return COMMENT_STRING.sub(repl, text)


def sites(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        raw = f.read()
    found = []
    for m in INCLUDE.finditer(raw):
        h = m.group(1).strip()
        if h in HEADERS or h.startswith(HEADER_DIRS):
            line = raw.count("\n", 0, m.start()) + 1
            found.append((line, "<%s>" % h))
    code = strip(raw)
    code = INCLUDE.sub(lambda m: " " * len(m.group(0)), code)
    for n, text in enumerate(code.split("\n"), 1):
        for m in IDENT.finditer(text):
            w = m.group(0)
            # a member named like a call (x.read, y->open) is the project's own
            before = text[:m.start()].rstrip()
            if before.endswith(".") or before.endswith("->"):
                if not w.startswith(("st_", "d_")):
                    continue
            after = text[m.end():].lstrip()
            if w in WORDS or (w in CALLS and after.startswith("(")):
                found.append((n, w))
            elif w == "stat" and before.endswith("struct"):
                found.append((n, "struct_stat"))
            elif w == "__PROC_PATH__":
                found.append((n, '"/proc/"'))
    return found


def main(argv):
    listing = "--list" in argv
    shrink = "--shrink" in argv
    args = [a for a in argv[1:] if a not in ("--list", "--shrink")]
    repo = args[0] if args else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    debt = {}
    debt_file = os.path.join(repo, "scripts", "boundary-debt.txt")
    if os.path.exists(debt_file):
        for line in open(debt_file, encoding="utf-8"):
            line = line.split("#", 1)[0].split()
            if line:
                debt[(line[0], line[1])] = int(line[2])
    counts, where = {}, {}
    rt = os.path.join(repo, "runtime")
    for d, _, files in os.walk(rt):
        for fn in sorted(files):
            if not fn.endswith((".c", ".h")):
                continue
            p = os.path.join(d, fn)
            rel = os.path.relpath(p, repo)
            if rel.startswith("runtime/platform/"):
                continue
            for line, name in sites(p):
                counts[(rel, name)] = counts.get((rel, name), 0) + 1
                where.setdefault((rel, name), []).append(line)
    if shrink and os.path.exists(debt_file):
        head = [l for l in open(debt_file, encoding="utf-8") if l.startswith("#")]
        with open(debt_file, "w", encoding="utf-8") as f:
            f.writelines(head)
            for key in sorted(debt):
                n = min(debt[key], counts.get(key, 0))
                if n:
                    f.write("%s %s %d\n" % (key[0], key[1], n))
                debt[key] = n
    bad = 0
    for key in sorted(counts):
        allowed = debt.get(key, 0)
        if listing:
            print("%s %s %d" % (key[0], key[1], counts[key]))
        if counts[key] > allowed:
            bad += 1
            print("%s:%s: %s outside runtime/platform/ (%d, %d listed in "
                  "scripts/boundary-debt.txt)" % (key[0], ",".join(map(str, where[key])),
                                                  key[1], counts[key], allowed),
                  file=sys.stderr)
    for key in sorted(debt):
        if counts.get(key, 0) < debt[key]:
            bad += 1
            print("scripts/boundary-debt.txt: %s %s is listed %d times, %d left: "
                  "lower the count" % (key[0], key[1], debt[key], counts.get(key, 0)),
                  file=sys.stderr)
    total = sum(counts.values())
    print("boundary: %d OS-call sites outside runtime/platform/, %d listed as debt, "
          "%d problems" % (total, sum(debt.values()), bad), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
