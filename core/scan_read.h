/*
 * Export files read in blocks for the scan (scan_read.c), never mapped:
 * a mapped file that shrinks under the scan would raise SIGBUS, where a
 * short read is only a short read.
 */
#ifndef CCM_SCAN_READ_H
#define CCM_SCAN_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lex.h"

/* Bytes read at a time, at most: few enough that what was just read is
 * still in the processor's cache when it is scanned (the buffer grows
 * past it only for a message or a line that does not fit). */
#define CCM_FEED_BLOCK ((size_t)1 << 17)

/* The bytes of the message being scanned are kept while they are no more
 * than this: past it, only what the scan still needs is. */
#define CCM_FEED_MSG_MAX ((size_t)4 << 20)

/* The reading state of one export file; its buffer is reused from one
 * file to the next and freed by ccm_feed_free. */
struct ccm_feed {
	int fd;
	uint64_t size; /* as recorded at open: nothing past it is read */
	char *buf;
	size_t cap;
	/* Bytes from offset pin on are kept (a text item being measured);
	 * bytes from msg on too, while they fit in CCM_FEED_MSG_MAX (the
	 * message being scanned). CCM_FEED_NOPIN: none. */
	uint64_t pin, msg;
	/* The file gave fewer bytes than its size (it shrank or a read
	 * failed): what the lexer sees ends there. */
	bool cut;
	uint64_t cut_at;
};
#define CCM_FEED_NOPIN UINT64_MAX

/*
 * Starts lx at offset from of descriptor fd, size bytes, read through
 * feed (whose buffer it may keep from an earlier file). The caller closes
 * fd, after the scan of the file. false when out of memory.
 */
bool ccm_feed_start(struct ccm_feed *feed, struct ccm_lex *lx, int fd,
                    uint64_t size, uint64_t from);

void ccm_feed_free(struct ccm_feed *feed);

/* Keeps the bytes from offset off on in memory until unpinned: pointers
 * into them, found again from their offsets, stay valid while more of
 * the file is read. */
static inline void ccm_feed_pin(struct ccm_lex *lx, uint64_t off)
{
	if (lx->feed)
		lx->feed->pin = off;
}

static inline void ccm_feed_unpin(struct ccm_lex *lx)
{
	if (lx->feed)
		lx->feed->pin = CCM_FEED_NOPIN;
}

/* The same for the message from lx's current line on, as long as it fits
 * (see ccm_feed_held); unmarked when it is scanned. */
static inline void ccm_feed_mark(struct ccm_lex *lx)
{
	if (lx->feed)
		lx->feed->msg = ccm_lex_off(lx, lx->p);
}

static inline void ccm_feed_unmark(struct ccm_lex *lx)
{
	if (lx->feed)
		lx->feed->msg = CCM_FEED_NOPIN;
}

/* Whether the bytes from offset off to lx's current line are held. */
static inline bool ccm_feed_held(const struct ccm_lex *lx, uint64_t off)
{
	return off >= lx->off;
}

/* For tests only: called with the descriptor and offset of each block
 * just read (to change the file under the scan). NULL in normal use. */
extern void (*ccm_feed_hook)(int fd, uint64_t off);

#endif
