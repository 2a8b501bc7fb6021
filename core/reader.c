#include <stdlib.h>
#include <string.h>

#include "reader.h"

ccm_err ccm_reader_init(struct ccm_reader *rd, const struct ccm_source *src)
{
	rd->src = src;
	rd->file = CCM_NONE;
	rd->off = 0;
	rd->len = 0;
	rd->buf = malloc(CCM_READ_BLOCK);
	return rd->buf ? CCM_OK : CCM_ERR_NOMEM;
}

void ccm_reader_fini(struct ccm_reader *rd)
{
	free(rd->buf);
	rd->buf = NULL;
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
		/* The block starting at off, or ending at the file's end. */
		uint64_t start = off;
		if (size - start < CCM_READ_BLOCK)
			start = size > CCM_READ_BLOCK ? size - CCM_READ_BLOCK
			                              : 0;
		size_t len = size - start < CCM_READ_BLOCK
		                     ? (size_t)(size - start)
		                     : CCM_READ_BLOCK;
		rd->file = CCM_NONE;
		ccm_err err = ccm_src_pread(rd->src, file, rd->buf, len, start);
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
	if (n >= CCM_READ_BLOCK / 2)
		return ccm_src_pread(rd->src, file, dst, n, off);
	const char *p;
	ccm_err err = ccm_reader_get(rd, file, off, n, &p);
	if (!err)
		memcpy(dst, p, n);
	return err;
}
