/* fswalk.h - the fast directory walkers behind marsplay.fs.
 *
 * fsw_list reads one directory in big batches and matches names against
 * a Windows wildcard; fsw_du totals a tree with a few threads, bounded
 * memory and no link ever followed.  Both take over the directory
 * handle they are given.  Paths they report are relative to that
 * directory, '/'-separated, raw bytes (not necessarily UTF-8).
 */
#ifndef MP_FSWALK_H
#define MP_FSWALK_H

#include <stddef.h>
#include <stdint.h>

#include "platform/platform.h"

/* ---- Windows wildcards ----
 * '*' matches any run of characters, '?' exactly one character (one
 * UTF-8 sequence, or one byte of a name that is not UTF-8); "*.*" matches
 * every name, as on Windows.  fold: ignore ASCII case. */
typedef struct fsw_glob {
  const char *pat;   /* borrowed: must outlive the glob */
  size_t len;
  int fold;
  int kind;          /* fast paths, see fswalk.c */
  const char *lit;   /* the literal part for the fast paths */
  size_t litlen;
} fsw_glob;

void fsw_glob_init(fsw_glob *g, const char *pat, size_t len, int fold);
int fsw_glob_match(const fsw_glob *g, const char *name, size_t len);

/* Entry classes as counted: file, dir, link, other (fifo, socket, device,
 * unknown). */
enum { FSW_FILE, FSW_DIR, FSW_LINK, FSW_OTHER, FSW_NTYPES };
int fsw_class(plat_ftype t);

/* ---- one directory ---- */
typedef struct fsw_list_result {
  uint64_t matched[FSW_NTYPES];  /* matching entries by class */
  uint64_t scanned;              /* entries read */
  uint64_t stats;                /* entries that needed a stat for their type */
  uint64_t vanished;             /* matched, then gone before the stat */
  int readers;                   /* 2 when two threads read halves at once */
} fsw_list_result;

/* Called for each matching entry, its type known (stat'ed if the listing
 * did not say); nonzero stops the listing (returned). */
typedef int (*fsw_each_fn)(void *ud, const plat_dirent *e);

/* Read the directory fd (closed here) with a bufsize-byte batch buffer;
 * g may be NULL (every entry), fn may be NULL (count only).  Returns 0,
 * fn's nonzero value, or -errno (r holds what was read so far).  A count
 * of a large folder that the platform can split (plat_dir_split) reads
 * its two halves on two threads. */
int fsw_list(plat_fd fd, const fsw_glob *g, size_t bufsize,
             fsw_each_fn fn, void *ud, fsw_list_result *r);
/* The same, but when ud2 is not NULL a folder the platform can split is
 * read as two halves at once: fn(ud, ...) on the calling thread for the
 * first, fn(ud2, ...) on another for the second (fn must allow that).
 * The first half's entries come before the second's in the folder's own
 * order, so concatenating what each half saw gives one reader's order. */
int fsw_list_halves(plat_fd fd, const fsw_glob *g, size_t bufsize,
                    fsw_each_fn fn, void *ud, void *ud2, fsw_list_result *r);

/* ---- a whole tree ---- */
typedef struct fsw_du_opts {
  int threads;   /* walkers, 1..16 (the calling thread is one of them) */
  int top;       /* largest files to keep, 0..1000 */
  /* Called on the calling thread about every 100 ms with the entries
   * done so far; nonzero stops the walk (the result says stopped). */
  int (*tick)(void *ud, uint64_t done);
  void *ud;
} fsw_du_opts;

typedef struct fsw_du_item { char *path; uint64_t bytes; } fsw_du_item;
typedef struct fsw_du_err { char *path; int err; /* -errno */ } fsw_du_err;

#define FSW_DU_SAMPLES 10

typedef struct fsw_du_result {
  uint64_t bytes;        /* apparent size of every inode once (like du -sb) */
  uint64_t allocated;    /* bytes allocated on disk, same inodes */
  uint64_t file_bytes;   /* apparent size of regular files only */
  uint64_t files, dirs, links, others;  /* names seen (root folder included) */
  uint64_t hardlinks;    /* names of an inode already counted */
  uint64_t other_fs;     /* folders on another filesystem, not entered */
  uint64_t errors;
  int links_untracked;   /* too many hardlinked inodes to remember: some counted twice */
  int stopped;           /* tick asked to stop: totals are partial */
  fsw_du_item *largest;  /* biggest regular files, largest first */
  size_t nlargest;
  fsw_du_err samples[FSW_DU_SAMPLES];
  size_t nsamples;
} fsw_du_result;

/* Total the tree at the directory fd (taken over).  Returns 0 (errors
 * inside the tree are counted in r, not returned) or -errno if the walk
 * could not start; free r with fsw_du_free either way. */
int fsw_du(plat_fd fd, const fsw_du_opts *o, fsw_du_result *r);
void fsw_du_free(fsw_du_result *r);

#endif
