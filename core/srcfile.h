/*
 * The registry of source files: every file of an export the index reads
 * again at render time, and the one way the scan opens such a file.
 */
#ifndef CCM_SRCFILE_H
#define CCM_SRCFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

struct ccm_source;

/*
 * A file of the source, read again when rendering. Its strings live in
 * the source's arena, as long as the source.
 *
 * Its identity is what the scan saw: device, inode, size, mtime and ctime
 * to the nanosecond. Any write, truncation or attribute change (a mtime
 * put back with touch included) moves ctime, which no one can set back;
 * a rename over the path or a deletion changes what the path leads to.
 */
struct ccm_srcfile {
	const char *path; /* absolute */
	/* 48 bytes in all, one for each of the index's thousands of source
	 * files: the size below 1 PiB, and the name relative to the file's
	 * export folder, for messages, as the length of that end of path
	 * (ccm_srcfile_rel; a length, not an offset, so that it holds
	 * whatever the folder's path). A file beyond either is refused at
	 * open. */
	uint64_t size : 50;
	uint64_t rel_n : 13;
	uint64_t rofs : 1; /* ccm_fs_unchanging at scan time */
	int64_t mtime_ns, ctime_ns;
	uint64_t ino, dev;
};
#define CCM_SRCFILE_SIZE_MAX ((UINT64_C(1) << 50) - 1)
#define CCM_SRCFILE_REL_MAX ((UINT64_C(1) << 13) - 1)

/* The file's name relative to its export folder (for messages). */
static inline const char *ccm_srcfile_rel(const struct ccm_srcfile *f)
{
	return f->path + strlen(f->path) - f->rel_n;
}

/*
 * A folder the scan listed (the source, its export folders, USERS/, the
 * folders of attachment paths), by the identity it had before it was
 * listed: a file added, removed or renamed in it moves its mtime and
 * ctime. The persistent index is trusted only while every one is the
 * same (cache.c). path lives in the source's arena or the index file.
 */
struct ccm_srcdir {
	const char *path; /* absolute */
	int64_t mtime_ns, ctime_ns;
	uint64_t ino, dev;
};

/*
 * Records folder path (once) in src's folders, with the identity stat
 * gives now; called before the folder is listed. Out of memory or a
 * failed stat is remembered (src->dirs_lost), so that no index is kept.
 */
void ccm_srcdir_note(struct ccm_source *src, const char *path);
/* The same in two steps, for a listing shared by the threads of a scan
 * (scan_path.c): takes folder path's identity now into *d, its absolute
 * path written into abs (abssz bytes, which d->path points to); false
 * when that fails. Then records *d in src once (a copy of its path in
 * src's arena); d NULL stands for a failed take. */
bool ccm_srcdir_take(const char *path, struct ccm_srcdir *d, char *abs,
                     size_t abssz);
void ccm_srcdir_add(struct ccm_source *src, const struct ccm_srcdir *d);
/* Does folder d still have the identity the scan recorded? */
bool ccm_srcdir_same(const struct ccm_srcdir *d);

/* Does st (from stat or fstat) show the identity the scan recorded? */
bool ccm_srcfile_same(const struct ccm_srcfile *f, const struct stat *st);

/*
 * Whether no byte of the file open as fd (whose stat is st) can change
 * while its file system stays mounted as it is now: the file system is
 * read-only itself, not only through this mount, and lives on a block
 * device of its own. A read-only bind mount of a writable file system
 * does not count (its files can still be written through any other
 * mount of it), nor does a network, stacked or FUSE file system (st_dev
 * of major 0), whose files can change beneath it. What splice relies on.
 */
bool ccm_fs_unchanging(int fd, const struct stat *st);

enum ccm_open_result {
	CCM_OPEN_OK,
	CCM_OPEN_OUTSIDE, /* no real path, or one outside the folder */
	CCM_OPEN_NOTFILE, /* cannot be opened, or not a regular file */
	CCM_OPEN_NOMEM,   /* opened, but could not be registered */
	CCM_OPEN_TOOBIG,  /* CCM_SRCFILE_SIZE_MAX or REL_MAX passed */
};

/*
 * Opens path, which must lie inside export folder dir (an absolute real
 * path) once links are resolved, and registers it as a source file of
 * src. The file is opened without following a last link and without
 * blocking, and checked to be a regular file before any byte is read: a
 * FIFO, socket, device or folder is refused. On CCM_OPEN_OK, *fd is the
 * open descriptor (the caller closes it) and *id the file's number; on
 * anything else nothing stays open.
 */
enum ccm_open_result ccm_srcfile_open(struct ccm_source *src, const char *dir,
                                      const char *path, int *fd, uint32_t *id);

#endif
