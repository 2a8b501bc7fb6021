/*
 * A read's view of the source files.
 *
 * One FUSE read of a SEC or PRI file touches many small ranges of one
 * mailbox file: message headers, text items, hex lines, all close
 * together. The reader keeps the last block it read, so those become one
 * pread instead of hundreds, and hands out pointers into it. It lives for
 * one ccm_file_read call, so threads never share one.
 */
#ifndef CCM_READER_H
#define CCM_READER_H

#include "index.h"

#define CCM_READ_BLOCK ((size_t)256 * 1024)
#define CCM_READ_AHEAD ((size_t)64 * 1024)

struct ccm_reader {
	const struct ccm_source *src;
	uint32_t file; /* what buf holds, or CCM_NONE */
	uint64_t off;
	size_t len;
	char *buf;    /* CCM_READ_BLOCK bytes */
	size_t ahead; /* bytes read at once when fewer are asked for */
	/* The source files this read took bytes from, each once; inl until
	 * more are needed, then a malloc'd array (freed by fini). */
	uint32_t *touched, ntouched, cap;
	uint32_t inl[8];
	bool oom; /* a file could not be noted: the read must fail */
	/* Lengths learnt from this read's bytes (ccm_reader_learn), kept
	 * for later reads only once the read is verified. */
	struct ccm_learnt {
		const void *po;
		uint32_t item, len;
	} learnt[4];
	uint32_t nlearnt;
};

/*
 * What the last read of this thread cost (ccm_file_read and
 * ccm_file_span set it): source bytes read and in how many reads, and the
 * most heap memory rendering held at once beside the thread's block (row
 * buffers). Tests check that a read costs what it returns.
 */
struct ccm_read_counts {
	uint64_t src_bytes;
	size_t held;
	uint32_t preads;     /* source reads made: each a system call */
	uint32_t hdr_builds; /* mail headers built (mail.c) */
};
extern _Thread_local struct ccm_read_counts ccm_read_counts;

/* Notes that rendering holds `bytes` of heap now (for ccm_read_counts). */
void ccm_reader_hold(struct ccm_reader *rd, size_t bytes);

/* A reader for one read of about `hint` bytes: it reads ahead no more
 * than that, within [4 KiB, CCM_READ_AHEAD]. */
ccm_err ccm_reader_init(struct ccm_reader *rd, const struct ccm_source *src,
                        size_t hint);
void ccm_reader_fini(struct ccm_reader *rd);

/*
 * Called once every byte of the read is rendered and before any is
 * replied: CCM_ERR_CHANGED unless every source file the read touched is
 * still, by its path, the file the scan saw (ccm_src_verify).
 */
ccm_err ccm_reader_verify(struct ccm_reader *rd);

/*
 * The length of the header line of attachment section `item` of post
 * office po (sec.c), remembered by this thread from an earlier read whose
 * bytes were verified: true with *len, and the read then counts as
 * touching source file `file` (the message's file, which the line was
 * read from), so that ccm_reader_verify still checks it. A length only
 * ever comes from bytes that had the scan's identity, so it is the
 * scan's, whatever the file holds now.
 */
bool ccm_reader_recall(struct ccm_reader *rd, const void *po, uint32_t item,
                       uint32_t file, uint32_t *len);

/* Offers the length of that line, just rendered from this read's bytes:
 * remembered once ccm_reader_verify passes (and forgotten when it does
 * not, or when more than a few are offered). */
void ccm_reader_learn(struct ccm_reader *rd, const void *po, uint32_t item,
                      uint32_t len);

/*
 * After a render found its source not as the scan saw it: finds which
 * file the read touched no longer is (for ccm_read_changed_path).
 */
void ccm_reader_blame(struct ccm_reader *rd);

/* Whether the reader's block holds n bytes of file `file` at off. */
static inline bool ccm_reader_holds(const struct ccm_reader *rd, uint32_t file,
                                    uint64_t off, size_t n)
{
	return rd->file == file && off >= rd->off &&
	       off + n <= rd->off + rd->len;
}

/*
 * Points *p at n bytes of source file `file` at off (n at most
 * CCM_READ_BLOCK); valid until the next call.
 */
ccm_err ccm_reader_get(struct ccm_reader *rd, uint32_t file, uint64_t off,
                       size_t n, const char **p);

/* Copies n bytes of a source file: from the block when it holds them,
 * else straight from the file (attachment data is read once). */
ccm_err ccm_reader_copy(struct ccm_reader *rd, uint32_t file, void *dst,
                        size_t n, uint64_t off);

#endif
