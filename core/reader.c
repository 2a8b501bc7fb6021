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
_Thread_local struct ccm_read_counts ccm_read_counts;

void ccm_reader_hold(struct ccm_reader *rd, size_t bytes)
{
	(void)rd;
	if (bytes > ccm_read_counts.held)
		ccm_read_counts.held = bytes;
}

static pthread_key_t block_key;
static pthread_once_t block_once = PTHREAD_ONCE_INIT;

static void block_key_make(void)
{
	pthread_key_create(&block_key, free);
}

/* The source file that failed the last read of this thread, for its log. */
static _Thread_local uint32_t changed = CCM_NONE;

ccm_err ccm_reader_init(struct ccm_reader *rd, const struct ccm_source *src,
                        size_t hint)
{
	changed = CCM_NONE;
	rd->src = src;
	ccm_read_counts = (struct ccm_read_counts){0};
	rd->touched = rd->inl;
	rd->ntouched = 0;
	rd->cap = sizeof(rd->inl) / sizeof(rd->inl[0]);
	rd->oom = false;
	rd->nlearnt = 0;
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
	if (rd->touched != rd->inl)
		free(rd->touched);
	rd->touched = NULL;
}

/* Notes that this read takes bytes from `file`. Reads go through a
 * message's files in order, so a repeat is nearly always the last one. */
static void touch(struct ccm_reader *rd, uint32_t file)
{
	for (uint32_t i = rd->ntouched; i-- > 0 && i + 8 >= rd->ntouched;)
		if (rd->touched[i] == file)
			return;
	if (rd->ntouched == rd->cap) {
		uint32_t cap = rd->cap * 2;
		uint32_t *v = rd->touched == rd->inl
		                      ? malloc(cap * sizeof(*v))
		                      : realloc(rd->touched, cap * sizeof(*v));
		if (!v) {
			rd->oom = true;
			return;
		}
		if (rd->touched == rd->inl)
			memcpy(v, rd->inl, sizeof(rd->inl));
		rd->touched = v;
		rd->cap = cap;
	}
	rd->touched[rd->ntouched++] = file;
}

/*
 * The memo of attachment header lines: a read inside an attachment's data
 * needs the lengths of the lines before it (they place the data), and
 * reading them costs a pread each. Direct-mapped by item, per thread (no
 * lock), keyed by the source's stamp so that a source opened later at the
 * same address never finds another's lengths.
 */
#define MEMO_SLOTS 256
static _Thread_local struct memo {
	uint64_t stamp;
	const void *po;
	uint32_t item, len;
} memo[MEMO_SLOTS];

static struct memo *memo_slot(uint32_t item)
{
	return &memo[(item * 2654435761u) >> 24 & (MEMO_SLOTS - 1)];
}

bool ccm_reader_recall(struct ccm_reader *rd, const void *po, uint32_t item,
                       uint32_t file, uint32_t *len)
{
	const struct memo *e = memo_slot(item);
	if (e->stamp != rd->src->stamp || e->po != po || e->item != item)
		return false;
	touch(rd, file);
	*len = e->len;
	return true;
}

void ccm_reader_learn(struct ccm_reader *rd, const void *po, uint32_t item,
                      uint32_t len)
{
	if (rd->nlearnt < sizeof(rd->learnt) / sizeof(rd->learnt[0]))
		rd->learnt[rd->nlearnt++] = (struct ccm_learnt){po, item, len};
}

ccm_err ccm_reader_verify(struct ccm_reader *rd)
{
	if (rd->oom)
		return CCM_ERR_NOMEM;
	for (uint32_t i = 0; i < rd->ntouched; i++) {
		ccm_err err = ccm_src_verify(rd->src, rd->touched[i]);
		if (err) {
			changed = rd->touched[i];
			return err;
		}
	}
	/* Every byte checked: what was learnt from them may be kept. */
	for (uint32_t i = 0; i < rd->nlearnt; i++) {
		const struct ccm_learnt *l = &rd->learnt[i];
		*memo_slot(l->item) =
		        (struct memo){rd->src->stamp, l->po, l->item, l->len};
	}
	return CCM_OK;
}

void ccm_reader_blame(struct ccm_reader *rd)
{
	rd->nlearnt = 0; /* the read failed: nothing of it is kept */
	if (changed == CCM_NONE)
		(void)ccm_reader_verify(rd);
}

const char *ccm_read_changed_path(const ccm_source *src)
{
	return changed < src->files.n ? src->files.v[changed].path : NULL;
}

ccm_err ccm_reader_get(struct ccm_reader *rd, uint32_t file, uint64_t off,
                       size_t n, const char **p)
{
	if (n > CCM_READ_BLOCK)
		return CCM_ERR_INVAL;
	if (!ccm_reader_holds(rd, file, off, n)) {
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
		touch(rd, file);
		ccm_read_counts.src_bytes += len;
		ccm_read_counts.preads++;
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
	if (ccm_reader_holds(rd, file, off, n)) {
		memcpy(dst, rd->buf + (off - rd->off), n);
		return CCM_OK;
	}
	touch(rd, file);
	ccm_read_counts.src_bytes += n;
	ccm_read_counts.preads++;
	return ccm_src_pread(rd->src, file, dst, n, off);
}
