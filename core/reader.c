#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "srcio.h"

/*
 * Each thread keeps its block buffer for good. A fresh 256 KiB buffer per
 * read would be mapped anew by malloc every time, and faulting its pages
 * in costs more than the read itself; the key frees it when the thread
 * ends (FUSE's worker threads come and go).
 */
static pthread_key_t block_key;
static pthread_once_t block_once = PTHREAD_ONCE_INIT;

static void block_key_make(void)
{
	pthread_key_create(&block_key, free);
}

ccm_err ccm_reader_init(struct ccm_reader *rd, const struct ccm_source *src,
                        size_t hint)
{
	rd->src = src;
	for (size_t i = 0; i < sizeof(rd->checked) / sizeof(rd->checked[0]);
	     i++)
		rd->checked[i] = CCM_NONE;
	rd->ahead = hint < 4096             ? 4096
	            : hint > CCM_READ_AHEAD ? CCM_READ_AHEAD
	                                    : hint;
	rd->file = CCM_NONE;
	rd->off = 0;
	rd->len = 0;
	pthread_once(&block_once, block_key_make);
	rd->buf = pthread_getspecific(block_key);
	if (!rd->buf) {
		rd->buf = malloc(CCM_READ_BLOCK);
		if (!rd->buf || pthread_setspecific(block_key, rd->buf)) {
			free(rd->buf);
			rd->buf = NULL;
			return CCM_ERR_NOMEM;
		}
	}
	return CCM_OK;
}

void ccm_reader_fini(struct ccm_reader *rd)
{
	rd->buf = NULL; /* the thread's, kept for its next read */
}

/* True the first time this read touches `file`: it must be checked. */
static bool first_touch(struct ccm_reader *rd, uint32_t file)
{
	size_t n = sizeof(rd->checked) / sizeof(rd->checked[0]);
	for (size_t i = 0; i < n; i++)
		if (rd->checked[i] == file)
			return false;
	memmove(rd->checked + 1, rd->checked, (n - 1) * sizeof(rd->checked[0]));
	rd->checked[0] = file;
	return true;
}

ccm_err ccm_reader_get(struct ccm_reader *rd, uint32_t file, uint64_t off,
                       size_t n, const char **p)
{
	if (n > CCM_READ_BLOCK)
		return CCM_ERR_INVAL;
	if (rd->file != file || off < rd->off || off + n > rd->off + rd->len) {
		if (file >= rd->src->files.n)
			return CCM_ERR_INVAL;
		uint64_t size = rd->src->files.v[file].size;
		if (off > size || n > size - off)
			return CCM_ERR_CHANGED;
		/* What is asked and a little more: the next header or item
		 * of a message file is usually just after this one. */
		uint64_t start = off;
		size_t len = n > rd->ahead ? n : rd->ahead;
		if (size - start < len)
			len = (size_t)(size - start);
		rd->file = CCM_NONE;
		ccm_err err = ccm_src_pread(rd->src, file, rd->buf, len, start,
		                            first_touch(rd, file));
		if (err)
			return err;
		rd->file = file;
		rd->off = start;
		rd->len = len;
	}
	*p = rd->buf + (off - rd->off);
	return CCM_OK;
}

ccm_err ccm_reader_copy(struct ccm_reader *rd, uint32_t file, void *dst,
                        size_t n, uint64_t off)
{
	if (rd->file == file && off >= rd->off &&
	    off + n <= rd->off + rd->len) {
		memcpy(dst, rd->buf + (off - rd->off), n);
		return CCM_OK;
	}
	return ccm_src_pread(rd->src, file, dst, n, off, first_touch(rd, file));
}
