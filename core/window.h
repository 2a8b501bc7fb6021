/*
 * A read's window over the stream of a file being rendered.
 *
 * Rendering walks the extents of a file in order, each of known length,
 * and pushes their bytes through a window: the bytes that fall inside
 * [start, end) are copied to the reader's buffer, the others only advance
 * pos. Extents wholly before the window are skipped by length alone
 * (ccm_win_skip), so a read never produces what it does not return.
 */
#ifndef CCM_WINDOW_H
#define CCM_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct ccm_reader;

struct ccm_win {
	struct ccm_reader *rd; /* where source bytes come from */
	char *dst;
	uint64_t start, end; /* the bytes wanted */
	uint64_t pos;        /* stream offset of the next byte pushed */
	/* With dst NULL, the walk only looks for the attachment file whose
	 * data holds the whole window: it, and the window's offset in it. */
	const struct ccm_item *hit;
	uint64_t hit_off;
};

static inline bool ccm_win_full(const struct ccm_win *w)
{
	return w->pos >= w->end;
}

/* True when [pos, pos + n) misses the window, which is then skipped. */
static inline bool ccm_win_skip(struct ccm_win *w, uint64_t n)
{
	if (w->pos + n <= w->start || w->pos >= w->end) {
		w->pos += n;
		return true;
	}
	return false;
}

static inline void ccm_win_put(struct ccm_win *w, const void *data, uint64_t n)
{
	uint64_t a = w->pos > w->start ? w->pos : w->start;
	uint64_t b = w->pos + n < w->end ? w->pos + n : w->end;
	if (a < b && w->dst)
		memcpy(w->dst + (a - w->start),
		       (const char *)data + (a - w->pos), (size_t)(b - a));
	w->pos += n;
}

#endif
