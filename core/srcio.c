/*
 * Reading source files at render time.
 *
 * A post office can name tens of thousands of attachment files, more than
 * a process may keep open, so descriptors live in a small table of slots
 * chosen by file number, each with its own read-write lock. A slot keeps
 * its descriptor until another file needs it. Reads (pread, and splices
 * from a lent descriptor) share a slot under its read lock, since none of
 * them moves a file position; only replacing the descriptor takes the
 * write lock, so a descriptor is never closed under a read or a splice.
 *
 * The scan recorded each file's identity (srcfile.h). A descriptor is
 * checked against it when opened; a read's bytes are checked after they
 * are read, by ccm_src_verify on the path (reader.c, render.c). That one
 * check after the read covers every way a file can change: written in
 * place (ctime moves), renamed over or deleted (the path leads elsewhere
 * or nowhere), whatever descriptor a slot still holds. A check before the
 * read would race a writer; one after it cannot miss a write that
 * happened before it, and the bytes are not replied until it passes. A
 * read that places data by a length the thread remembers instead of
 * reading the line again (reader.c) still checks the file it came from.
 */
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srcio.h"

ccm_err ccm_src_fds_init(struct ccm_source *src)
{
	static _Atomic uint64_t stamps;
	src->stamp = atomic_fetch_add(&stamps, 1) + 1;
	src->fds = calloc(CCM_FD_SLOTS, sizeof(*src->fds));
	if (!src->fds)
		return CCM_ERR_NOMEM;
	for (size_t i = 0; i < CCM_FD_SLOTS; i++) {
		pthread_rwlock_init(&src->fds[i].lock, NULL);
		src->fds[i].fd = -1;
	}
	return CCM_OK;
}

void ccm_src_fds_free(struct ccm_source *src)
{
	for (size_t i = 0; src->fds && i < CCM_FD_SLOTS; i++) {
		if (src->fds[i].fd >= 0)
			close(src->fds[i].fd);
		pthread_rwlock_destroy(&src->fds[i].lock);
	}
	free(src->fds);
}

/*
 * Opens `file` into a slot held with its write lock. The open never waits
 * (O_NONBLOCK: a FIFO swapped in would otherwise block with the lock
 * held), and fstat refuses anything but the file the scan saw before a
 * byte is read.
 */
static bool slot_open(const struct ccm_srcfile *f, uint32_t file,
                      struct ccm_fdslot *slot)
{
	if (slot->fd >= 0)
		close(slot->fd);
	slot->file = file;
	slot->fd =
	        open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	if (slot->fd >= 0 && !fstat(slot->fd, &st) && S_ISREG(st.st_mode) &&
	    ccm_srcfile_same(f, &st))
		return true;
	if (slot->fd >= 0)
		close(slot->fd);
	slot->fd = -1;
	return false;
}

/*
 * Takes the slot of `file`, its descriptor open on the file the scan saw;
 * returns it locked (for reading when it already held that file, else for
 * writing: either way pthread_rwlock_unlock lets it go).
 */
static ccm_err slot_take(const struct ccm_source *src, uint32_t file,
                         struct ccm_fdslot **out)
{
	struct ccm_fdslot *slot = &src->fds[file % CCM_FD_SLOTS];
	*out = slot;
	pthread_rwlock_rdlock(&slot->lock);
	if (slot->fd >= 0 && slot->file == file)
		return CCM_OK;
	pthread_rwlock_unlock(&slot->lock);
	pthread_rwlock_wrlock(&slot->lock);
	/* Another thread may have opened it meanwhile. */
	if (slot->fd >= 0 && slot->file == file)
		return CCM_OK;
	return slot_open(&src->files.v[file], file, slot) ? CCM_OK
	                                                  : CCM_ERR_CHANGED;
}

ccm_err ccm_src_verify(const struct ccm_source *src, uint32_t file)
{
	if (file >= src->files.n)
		return CCM_ERR_INVAL;
	struct stat st;
	if (stat(src->files.v[file].path, &st) ||
	    !ccm_srcfile_same(&src->files.v[file], &st))
		return CCM_ERR_CHANGED;
	return CCM_OK;
}

ccm_err ccm_src_lend(const struct ccm_source *src, uint32_t file, int *fd)
{
	if (file >= src->files.n)
		return CCM_ERR_INVAL;
	struct ccm_fdslot *slot;
	ccm_err err = slot_take(src, file, &slot);
	if (!err)
		err = ccm_src_verify(src, file);
	if (err) {
		pthread_rwlock_unlock(&slot->lock);
		return err;
	}
	*fd = slot->fd;
	return CCM_OK;
}

void ccm_src_unlend(const struct ccm_source *src, uint32_t file)
{
	pthread_rwlock_unlock(&src->fds[file % CCM_FD_SLOTS].lock);
}

ccm_err ccm_src_pread(const struct ccm_source *src, uint32_t file, void *buf,
                      size_t len, uint64_t off)
{
	if (file >= src->files.n)
		return CCM_ERR_INVAL;
	const struct ccm_srcfile *f = &src->files.v[file];
	if (off > f->size || len > f->size - off)
		return CCM_ERR_CHANGED;
	struct ccm_fdslot *slot;
	ccm_err err = slot_take(src, file, &slot);
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
	pthread_rwlock_unlock(&slot->lock);
	return err;
}
