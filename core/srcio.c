/*
 * Reading source files at render time.
 *
 * A post office can name tens of thousands of attachment files, more than
 * a process may keep open, so descriptors live in a small table of slots
 * chosen by file number, each with its own lock. A slot keeps its
 * descriptor until another file needs it.
 *
 * The scan recorded each file's size, mtime and inode. Every read checks
 * them again with fstat, once per file it touches (the reader asks for
 * the check on its first pread of a file): a file that changed under the
 * mount makes the read fail (the caller turns that into EIO) rather than
 * mix old and new bytes in one file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srcio.h"

ccm_err ccm_src_fds_init(struct ccm_source *src)
{
	src->fds = calloc(CCM_FD_SLOTS, sizeof(*src->fds));
	if (!src->fds)
		return CCM_ERR_NOMEM;
	for (size_t i = 0; i < CCM_FD_SLOTS; i++) {
		pthread_mutex_init(&src->fds[i].lock, NULL);
		src->fds[i].fd = -1;
	}
	return CCM_OK;
}

void ccm_src_fds_free(struct ccm_source *src)
{
	for (size_t i = 0; src->fds && i < CCM_FD_SLOTS; i++) {
		if (src->fds[i].fd >= 0)
			close(src->fds[i].fd);
		pthread_mutex_destroy(&src->fds[i].lock);
	}
	free(src->fds);
}

static bool same_file(const struct ccm_srcfile *f, const struct stat *st)
{
	int64_t ns =
	        (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	return (uint64_t)st->st_size == f->size && ns == f->mtime_ns &&
	       (uint64_t)st->st_ino == f->ino && (uint64_t)st->st_dev == f->dev;
}

/* Takes the slot of `file`, opened and checked; returns it locked. */
static ccm_err slot_take(const struct ccm_source *src, uint32_t file,
                         bool check, struct ccm_fdslot **out)
{
	const struct ccm_srcfile *f = &src->files.v[file];
	struct ccm_fdslot *slot = &src->fds[file % CCM_FD_SLOTS];
	pthread_mutex_lock(&slot->lock);
	*out = slot;
	if (slot->fd < 0 || slot->file != file) {
		if (slot->fd >= 0)
			close(slot->fd);
		slot->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		slot->file = file;
		if (slot->fd < 0)
			return CCM_ERR_CHANGED;
		check = true; /* a new descriptor is always checked */
	}
	struct stat st;
	if (check && (fstat(slot->fd, &st) || !same_file(f, &st)))
		return CCM_ERR_CHANGED;
	return CCM_OK;
}

ccm_err ccm_src_dup(const struct ccm_source *src, uint32_t file, int *fd)
{
	if (file >= src->files.n)
		return CCM_ERR_INVAL;
	struct ccm_fdslot *slot;
	ccm_err err = slot_take(src, file, true, &slot);
	if (!err) {
		*fd = fcntl(slot->fd, F_DUPFD_CLOEXEC, 3);
		if (*fd < 0)
			err = CCM_ERR_IO;
	}
	pthread_mutex_unlock(&slot->lock);
	return err;
}

ccm_err ccm_src_pread(const struct ccm_source *src, uint32_t file, void *buf,
                      size_t len, uint64_t off, bool check)
{
	if (file >= src->files.n)
		return CCM_ERR_INVAL;
	const struct ccm_srcfile *f = &src->files.v[file];
	if (off > f->size || len > f->size - off)
		return CCM_ERR_CHANGED;
	struct ccm_fdslot *slot;
	ccm_err err = slot_take(src, file, check, &slot);
	if (err)
		goto out;
	char *p = buf;
	while (len) {
		ssize_t r = pread(slot->fd, p, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? CCM_ERR_IO : CCM_ERR_CHANGED;
			break;
		}
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
out:
	pthread_mutex_unlock(&slot->lock);
	return err;
}
