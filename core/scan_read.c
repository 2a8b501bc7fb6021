/*
 * The scan reads an export file in large blocks into one buffer, reused
 * from file to file, and the lexer searches the buffer with memchr. When
 * the buffer is refilled, only the current line, the text item being
 * measured and the message being scanned (up to CCM_FEED_MSG_MAX) are
 * kept: memory is a few blocks, not the size of the file; only a single
 * line or text item larger than that is held whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan_read.h"

void (*ccm_feed_hook)(int fd, uint64_t off);

bool ccm_feed_start(struct ccm_feed *feed, struct ccm_lex *lx, int fd,
                    uint64_t size, uint64_t from)
{
	if (!feed->buf) {
		feed->buf = malloc(CCM_FEED_BLOCK);
		if (!feed->buf)
			return false;
		feed->cap = CCM_FEED_BLOCK;
	}
	feed->fd = fd;
	feed->size = size;
	feed->pin = feed->msg = CCM_FEED_NOPIN;
	feed->cut = false;
	feed->cut_at = 0;
	ccm_lex_init(lx, feed->buf, 0);
	lx->off = from;
	lx->feed = feed;
	return true;
}

void ccm_feed_free(struct ccm_feed *feed)
{
	free(feed->buf);
	feed->buf = NULL;
	feed->cap = 0;
}

/*
 * Room for a block after the bytes held; false when out of memory (the
 * file is then read as if it ended there). The bytes no longer needed are
 * dropped, and those kept moved to the start, only when the buffer has no
 * room left; the buffer then grows to hold as much again as it keeps, so
 * that a large message held is moved no more often than it is read.
 */
static bool make_room(struct ccm_feed *feed, struct ccm_lex *lx)
{
	uint64_t keep = ccm_lex_off(lx, lx->p);
	if (feed->pin < keep)
		keep = feed->pin;
	/* A message too large to hold stops being held: memory stays a few
	 * blocks, whatever the size of its attachments. */
	uint64_t end = ccm_lex_off(lx, lx->end);
	if (feed->msg < keep) {
		if (end - feed->msg <= CCM_FEED_MSG_MAX)
			keep = feed->msg;
		else
			feed->msg = CCM_FEED_NOPIN;
	}
	if (feed->cap - (size_t)(lx->end - lx->base) >= CCM_FEED_BLOCK)
		return true;
	size_t drop = (size_t)(keep - lx->off);
	size_t held = (size_t)(lx->end - lx->base) - drop;
	size_t p = (size_t)(lx->p - lx->base) - drop;
	if (drop)
		memmove(feed->buf, lx->base + drop, held);
	lx->off = keep;
	lx->base = feed->buf;
	lx->end = feed->buf + held;
	lx->p = feed->buf + p;
	if (feed->cap - held < CCM_FEED_BLOCK || feed->cap - held < held) {
		size_t cap = feed->cap * 2;
		while (cap - held < CCM_FEED_BLOCK || cap - held < held)
			cap *= 2;
		char *b = realloc(feed->buf, cap);
		if (!b)
			return false;
		feed->buf = b;
		feed->cap = cap;
		lx->base = b;
		lx->end = b + held;
		lx->p = b + p;
	}
	return true;
}

bool ccm_feed_more(struct ccm_lex *lx)
{
	struct ccm_feed *feed = lx->feed;
	uint64_t at = ccm_lex_off(lx, lx->end);
	if (!feed || feed->cut || at >= feed->size || !make_room(feed, lx))
		return false;
	size_t room = feed->cap - (size_t)(lx->end - lx->base);
	if (room > CCM_FEED_BLOCK)
		room = CCM_FEED_BLOCK;
	if (room > feed->size - at)
		room = (size_t)(feed->size - at);
	char *dst = feed->buf + (lx->end - lx->base);
	ssize_t got;
	do
		got = pread(feed->fd, dst, room, (off_t)at);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		feed->cut = true;
		feed->cut_at = at;
		return false;
	}
	lx->end += got;
	if (ccm_feed_hook)
		ccm_feed_hook(feed->fd, at);
	return true;
}
