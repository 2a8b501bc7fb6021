/*
 * Items rendered from any offset: text converted, hex decoded, attachment
 * data copied (what itemscan.c measured at scan time).
 */
#include <stdlib.h>
#include <string.h>

#include "hexdig.h"
#include "item.h"
#include "reader.h"

/*
 * Text conversion is a byte stream machine whose whole state is one flag:
 * whether the last byte was a CR. A CR is written at once; the next byte
 * decides whether an LF must be added to make a lone CR a CR LF. An LF
 * after no CR becomes CR LF. So the output of the first k source bytes
 * never depends on what follows, and rendering can start at any character
 * boundary where the flag is known: that is all a seek point stores.
 */
struct tstate {
	bool prev_cr;
};

/* Converts s[0..n), all whole characters; returns bytes written to out,
 * which holds at least 3 * n + 1 bytes. */
static size_t text_conv(const struct ccm_cp *cp, struct tstate *st,
                        const uint8_t *s, size_t n, char *out)
{
	char *o = out;
	if (cp->one_to_one) {
		/* Byte for byte, with line ends the only work: the runs
		 * between them go through the table without a test. */
		for (size_t i = 0; i < n; i++) {
			uint8_t c = s[i];
			if (c != '\n' && c != '\r' && !st->prev_cr) {
				const uint8_t *nl = memchr(s + i, '\n', n - i);
				size_t e = nl ? (size_t)(nl - s) : n;
				const uint8_t *cr = memchr(s + i, '\r', e - i);
				if (cr)
					e = (size_t)(cr - s);
				for (; i < e; i++)
					*o++ = (char)cp->b1[s[i]];
				i--;
				continue;
			}
			if (st->prev_cr && c != '\n')
				*o++ = '\n';
			if (c == '\n' && !st->prev_cr)
				*o++ = '\r';
			*o++ = (char)cp->b1[c];
			st->prev_cr = c == '\r';
		}
		return (size_t)(o - out);
	}
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		if (st->prev_cr && c != '\n')
			*o++ = '\n';
		if (c == '\n') {
			if (!st->prev_cr)
				*o++ = '\r';
			*o++ = '\n';
			st->prev_cr = false;
			i++;
			continue;
		}
		st->prev_cr = c == '\r';
		size_t len = ccm_cp_charlen(cp, s + i, n - i);
		const struct ccm_cpchar *m = ccm_cp_map(cp, s + i, len);
		for (unsigned k = 0; k < m->n; k++)
			*o++ = (char)m->b[k];
		i += len;
	}
	return (size_t)(o - out);
}

/*
 * Where to start rendering item idx, which begins at stream offset w->pos,
 * for window w: its last seek point at or before the window's start, or
 * NULL for the item's own start (also when the window starts before it).
 */
static const struct ccm_seekpt *seek_find(const struct ccm_po *po, uint32_t idx,
                                          const struct ccm_win *w)
{
	uint64_t out = w->start > w->pos ? w->start - w->pos : 0;
	size_t lo = 0, hi = po->seekidx.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (po->seekidx.v[mid].item < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == po->seekidx.n || po->seekidx.v[lo].item != idx)
		return NULL;
	const struct ccm_seekidx *si = &po->seekidx.v[lo];
	const struct ccm_seekpt *sp = &po->seekpts.v[si->first];
	/* The last point at or before out. */
	size_t a = 0, b = si->count;
	while (a < b) {
		size_t mid = (a + b) / 2;
		if (sp[mid].out <= out)
			a = mid + 1;
		else
			b = mid;
	}
	return a ? &sp[a - 1] : NULL;
}

#define CHUNK ((size_t)32 * 1024)

/* Source bytes converted per round: their output fits the stack. */
#define PIECE ((size_t)4096)

static ccm_err text_render(const struct ccm_po *po, uint32_t file,
                           const struct ccm_item *it, uint32_t idx,
                           struct ccm_win *w)
{
	uint64_t base = w->pos;
	uint64_t src = 0;
	struct tstate st = {false};
	const struct ccm_seekpt *sp = seek_find(po, idx, w);
	if (sp) {
		src = sp->src;
		st.prev_cr = sp->prev_cr;
		w->pos = base + sp->out;
	}
	char out[3 * PIECE + 1];
	ccm_err err = CCM_OK;
	while (!err && src < it->src_len && !ccm_win_full(w)) {
		size_t n = it->src_len - src < PIECE
		                   ? (size_t)(it->src_len - src)
		                   : PIECE;
		const char *in;
		err = ccm_reader_get(w->rd, file, it->src_off + src, n, &in);
		if (err)
			break;
		const uint8_t *u = (const uint8_t *)in;
		/* Keep a lead byte cut by the piece for the next round. */
		size_t whole = n;
		if (src + n < it->src_len && po->cp.t2) {
			size_t i = 0;
			while (i < n) {
				size_t len =
				        ccm_cp_charlen(&po->cp, u + i, n - i);
				if (len == 1 && po->cp.lead[u[i]] &&
				    i + 1 == n) {
					whole = i;
					break;
				}
				i += len;
			}
		}
		size_t o = text_conv(&po->cp, &st, u, whole, out);
		ccm_win_put(w, out, o);
		src += whole;
	}
	if (!err && src >= it->src_len && st.prev_cr)
		ccm_win_put(w, "\n", 1);
	if (!err && w->pos != base + it->out_len && !ccm_win_full(w))
		err = CCM_ERR_CHANGED;
	w->pos = base + it->out_len;
	return err;
}

/* Where the hex machine is: the same grammar ccm_hex_scan accepts. */
enum hexst { H_PREFIX, H_BLANKS, H_DIGITS, H_TRAIL, H_CR };

/* One function on purpose: the decoder's state (st, hi, the output
 * batch) lives in locals across the hot loop over every byte. */
static ccm_err hex_render(const struct ccm_po *po, uint32_t file,
                          const struct ccm_item *it, uint32_t idx,
                          struct ccm_win *w)
{
	uint64_t base = w->pos;
	uint64_t src = 0;
	enum hexst st = H_PREFIX;
	unsigned k = 0;
	const struct ccm_seekpt *sp = seek_find(po, idx, w);
	if (sp) {
		src = sp->src;
		w->pos = base + sp->out;
		st = H_DIGITS;
	}
	char out[4096];
	size_t on = 0;
	int hi = -1;
	ccm_err err = CCM_OK;
	while (!err && src < it->src_len && !ccm_win_full(w)) {
		size_t n = it->src_len - src < CHUNK
		                   ? (size_t)(it->src_len - src)
		                   : CHUNK;
		const char *chunk = NULL;
		err = ccm_reader_get(w->rd, file, it->src_off + src, n, &chunk);
		const uint8_t *in = (const uint8_t *)chunk;
		for (size_t i = 0; !err && i < n && !ccm_win_full(w); i++) {
			/* Whole pairs, the bulk of the data, go by table. */
			if (st == H_DIGITS && hi < 0) {
#ifdef __SSE2__
				/* Every store makes its room first: on may
				 * stand anywhere up to the buffer's end. */
				while (i + 16 <= n) {
					if (on + 8 > sizeof(out)) {
						ccm_win_put(w, out, on);
						on = 0;
					}
					if (!ccm_hex16(in + i, out + on))
						break;
					i += 16;
					on += 8;
				}
#endif
				while (i + 1 < n) {
					uint8_t a = CCM_HEX1[in[i]];
					uint8_t b = CCM_HEX1[in[i + 1]];
					if (!a || !b)
						break;
					if (on == sizeof(out)) {
						ccm_win_put(w, out, on);
						on = 0;
					}
					out[on++] =
					        (char)((a - 1) << 4 | (b - 1));
					i += 2;
				}
			}
			if (i == n)
				break;
			uint8_t c = in[i];
			int v;
			switch (st) {
			case H_PREFIX:
				if ((c | 0x20) != (uint8_t) "hex:"[k] &&
				    c != (uint8_t) "hex:"[k])
					err = CCM_ERR_CHANGED;
				else if (++k == 4)
					st = H_BLANKS, k = 0;
				break;
			case H_BLANKS:
			case H_DIGITS:
				v = ccm_hexval(c);
				if (v >= 0 && hi < 0) {
					hi = v;
					st = H_DIGITS;
				} else if (v >= 0) {
					if (on == sizeof(out)) {
						ccm_win_put(w, out, on);
						on = 0;
					}
					out[on++] = (char)(hi << 4 | v);
					hi = -1;
				} else if (hi >= 0) {
					err = CCM_ERR_CHANGED;
				} else if (c == ' ' || c == '\t') {
					st = st == H_DIGITS ? H_TRAIL : st;
				} else if (c == '\r') {
					st = H_CR;
				} else if (c == '\n') {
					st = H_PREFIX;
				} else {
					err = CCM_ERR_CHANGED;
				}
				break;
			case H_TRAIL:
				if (c == '\r')
					st = H_CR;
				else if (c == '\n')
					st = H_PREFIX;
				else if (c != ' ' && c != '\t')
					err = CCM_ERR_CHANGED;
				break;
			case H_CR:
				if (c == '\n')
					st = H_PREFIX;
				else if (c == ' ' || c == '\t')
					st = H_TRAIL;
				else
					err = CCM_ERR_CHANGED;
				break;
			}
		}
		ccm_win_put(w, out, on);
		on = 0;
		src += n;
		if (w->pos > base + it->out_len)
			err = CCM_ERR_CHANGED;
		/* Stopped early: the window is full, nothing is missing. */
	}
	if (!err && w->pos < base + it->out_len && !ccm_win_full(w))
		err = CCM_ERR_CHANGED;
	w->pos = base + it->out_len;
	return err;
}

ccm_err ccm_item_render(const struct ccm_po *po, uint32_t file,
                        const struct ccm_item *it, uint32_t idx,
                        struct ccm_win *w)
{
	if (ccm_win_skip(w, it->out_len))
		return CCM_OK;
	if (!w->dst) {
		if (it->kind != CCM_ITEM_EXT || w->start < w->pos ||
		    w->end > w->pos + it->out_len)
			return CCM_ERR_NOENT; /* not one attachment's data */
		w->hit = it;
		w->hit_off = w->start - w->pos;
		w->pos += it->out_len;
		return CCM_OK;
	}
	switch (it->kind) {
	case CCM_ITEM_TEXT:
		return text_render(po, file, it, idx, w);
	case CCM_ITEM_HEX:
		return hex_render(po, file, it, idx, w);
	default:
		break;
	}
	/* An external file: its bytes as they are. */
	uint64_t from = w->start > w->pos ? w->start - w->pos : 0;
	uint64_t to =
	        w->end - w->pos < it->out_len ? w->end - w->pos : it->out_len;
	ccm_err err = ccm_reader_copy(w->rd, it->file,
	                              w->dst + (w->pos + from - w->start),
	                              (size_t)(to - from), from);
	w->pos += it->out_len;
	return err;
}
