/*
 * The registry of source files, and the safe open both scanners use: the
 * real path must stay inside the export folder (an attachment Path: or a
 * link may point anywhere), and only a regular file is ever read.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "index.h"
#include "srcfile.h"

static int64_t ns_of(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

bool ccm_srcfile_same(const struct ccm_srcfile *f, const struct stat *st)
{
	return (uint64_t)st->st_size == f->size &&
	       ns_of(st->st_mtim) == f->mtime_ns &&
	       ns_of(st->st_ctim) == f->ctime_ns &&
	       (uint64_t)st->st_ino == f->ino && (uint64_t)st->st_dev == f->dev;
}

/* path made absolute into abs (abssz bytes); false when it cannot be. */
static bool absolute(const char *path, char *abs, size_t abssz)
{
	char cwd[PATH_MAX];
	if (path[0] != '/')
		return getcwd(cwd, sizeof(cwd)) &&
		       ccm_path_join(abs, abssz, cwd, path);
	size_t n = strlen(path);
	if (n >= abssz)
		return false;
	memcpy(abs, path, n + 1);
	return true;
}

bool ccm_srcdir_take(const char *path, struct ccm_srcdir *d, char *abs,
                     size_t abssz)
{
	struct stat st;
	if (!absolute(path, abs, abssz) || !abs[0] || stat(abs, &st))
		return false;
	*d = (struct ccm_srcdir){abs, ns_of(st.st_mtim), ns_of(st.st_ctim),
	                         (uint64_t)st.st_ino, (uint64_t)st.st_dev};
	return true;
}

static bool dir_known(const struct ccm_source *src, const char *path)
{
	for (size_t i = src->dirs.n; i-- > 0;)
		if (!strcmp(src->dirs.v[i].path, path))
			return true;
	return false;
}

void ccm_srcdir_add(struct ccm_source *src, const struct ccm_srcdir *d)
{
	if (!d) {
		src->dirs_lost = true;
		return;
	}
	if (dir_known(src, d->path))
		return;
	struct ccm_srcdir *n = CCM_PUSH(src->dirs);
	const char *p =
	        n ? ccm_arena_strndup(&src->arena, d->path, strlen(d->path))
	          : NULL;
	if (!p) {
		src->dirs.n -= n != NULL;
		src->dirs_lost = true;
		return;
	}
	*n = *d;
	n->path = p;
}

void ccm_srcdir_note(struct ccm_source *src, const char *path)
{
	char abs[PATH_MAX];
	struct ccm_srcdir d;
	if (absolute(path, abs, sizeof(abs)) && dir_known(src, abs))
		return;
	bool ok = ccm_srcdir_take(path, &d, abs, sizeof(abs));
	ccm_srcdir_add(src, ok ? &d : NULL);
}

bool ccm_srcdir_same(const struct ccm_srcdir *d)
{
	struct stat st;
	return !stat(d->path, &st) && S_ISDIR(st.st_mode) &&
	       ns_of(st.st_mtim) == d->mtime_ns &&
	       ns_of(st.st_ctim) == d->ctime_ns &&
	       (uint64_t)st.st_ino == d->ino && (uint64_t)st.st_dev == d->dev;
}

/*
 * The options of fd's file system itself, not of its mount, are on the
 * line of /proc/self/mountinfo whose first field is the mount's id (which
 * statx gives), after " - ", the type and the source. A line too long
 * for the buffer, no such line or no statx: not read-only.
 */
static bool super_readonly(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return false;
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	if (!mi)
		return false;
	char line[4096];
	bool ro = false, whole = true;
	while (fgets(line, sizeof(line), mi)) {
		/* A line's first piece is a line's start; the rest of a long
		 * one is skipped. */
		bool start = whole;
		whole = strchr(line, '\n') != NULL;
		char *end;
		unsigned long long id = strtoull(line, &end, 10);
		if (!start || end == line || id != sx.stx_mnt_id)
			continue;
		const char *p = whole ? strstr(end, " - ") : NULL;
		for (int k = 0; p && k < 3; k++) { /* " - type source opts" */
			p = strchr(p + 1, ' ');
		}
		ro = p && !strncmp(p + 1, "ro", 2) &&
		     (p[3] == ',' || p[3] == '\n' || p[3] == '\0');
		break;
	}
	fclose(mi);
	return ro;
}

bool ccm_fs_unchanging(int fd, const struct stat *st)
{
	struct statvfs sv;
	return major(st->st_dev) != 0 && !fstatvfs(fd, &sv) &&
	       (sv.f_flag & ST_RDONLY) && super_readonly(fd);
}

/* Registers an opened file; CCM_NONE when out of memory. */
static uint32_t srcfile_add(struct ccm_source *src, int fd,
                            const struct stat *st, const char *path,
                            const char *rel)
{
	struct ccm_srcfile *f = CCM_PUSH(src->files);
	if (!f)
		return CCM_NONE;
	f->path = ccm_arena_strndup(&src->arena, path, strlen(path));
	f->rel_n = strlen(rel);
	if (!f->path) {
		src->files.n--;
		return CCM_NONE;
	}
	f->size = (uint64_t)st->st_size;
	f->mtime_ns = ns_of(st->st_mtim);
	f->ctime_ns = ns_of(st->st_ctim);
	/* Thousands of attachment files lie on one or two file systems,
	 * asked once each: what ccm_fs_unchanging says holds for every
	 * mount of a device, since it asks of the file system itself. */
	if (!src->fs_known || src->fs_dev != (uint64_t)st->st_dev) {
		src->fs_ro = ccm_fs_unchanging(fd, st);
		src->fs_known = true;
		src->fs_dev = (uint64_t)st->st_dev;
	}
	f->rofs = src->fs_ro;
	src->any_rofs |= f->rofs;
	f->ino = (uint64_t)st->st_ino;
	f->dev = (uint64_t)st->st_dev;
	return (uint32_t)(src->files.n - 1);
}

/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)

/*
 * realpath looks at every level of a path, a system call each, for each
 * of thousands of attachment files. A path that is dir, '/', then names
 * with no empty, "." or ".." level, and that opens with no link followed
 * at any level, is its own real path, inside dir: opened so, it needs no
 * realpath. -1 when this cannot be shown (a link on the way, a kernel
 * without openat2...); the caller then takes the long way.
 */
static int open_plain(const char *dir, size_t dl, const char *path)
{
	if (strncmp(path, dir, dl) || path[dl] != '/')
		return -1;
	for (const char *s = path + dl + 1;;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (!n || (s[0] == '.' && (n == 1 || (n == 2 && s[1] == '.'))))
			return -1;
		if (!e)
			break;
		s = e + 1;
	}
	struct open_how how = {
	        .flags = OPEN_FLAGS,
	        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

enum ccm_open_result ccm_srcfile_open(struct ccm_source *src, const char *dir,
                                      const char *path, int *fd, uint32_t *id)
{
	char real[PATH_MAX];
	size_t dl = strlen(dir);
	const char *rp = path;
	*fd = open_plain(dir, dl, path);
	if (*fd < 0) {
		if (!realpath(path, real) || strncmp(real, dir, dl) ||
		    real[dl] != '/')
			return CCM_OPEN_OUTSIDE;
		*fd = open(real, OPEN_FLAGS);
		rp = real;
	}
	struct stat st;
	if (*fd < 0 || fstat(*fd, &st) || !S_ISREG(st.st_mode)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return CCM_OPEN_NOTFILE;
	}
	if ((uint64_t)st.st_size > CCM_SRCFILE_SIZE_MAX ||
	    strlen(rp + dl + 1) > CCM_SRCFILE_REL_MAX) {
		close(*fd);
		*fd = -1;
		return CCM_OPEN_TOOBIG;
	}
	*id = srcfile_add(src, *fd, &st, rp, rp + dl + 1);
	if (*id == CCM_NONE) {
		close(*fd);
		*fd = -1;
		return CCM_OPEN_NOMEM;
	}
	return CCM_OPEN_OK;
}
