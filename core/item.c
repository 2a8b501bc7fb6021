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

/*
 * Copies through the table the bytes of s from i on up to the first CR or
 * LF (or n) to *o; returns where it stopped. Where bytes below 0x80 are
 * kept (every page but the double-byte ones; most text is ASCII), sixteen
 * at a step go straight through until one is a line end or above ASCII.
 */
static size_t plain_run(const struct ccm_cp *cp, const uint8_t *s, size_t i,
                        size_t n, char **op)
{
	char *o = *op;
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	while (cp->ascii_same && i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i stop =
		        _mm_or_si128(x, _mm_or_si128(_mm_cmpeq_epi8(x, lf),
		                                     _mm_cmpeq_epi8(x, cr)));
		unsigned m = (unsigned)_mm_movemask_epi8(stop);
		/* All sixteen are stored; only those before the stop
		 * count (out has room: it holds three bytes per byte). */
		_mm_storeu_si128((__m128i *)o, x);
		if (!m) {
			i += 16;
			o += 16;
			continue;
		}
		unsigned k = (unsigned)__builtin_ctz(m);
		i += k;
		o += k;
		if (s[i] == '\n' || s[i] == '\r')
			break;
		*o++ = (char)cp->b1[s[i++]];
	}
#endif
	for (; i < n && s[i] != '\n' && s[i] != '\r'; i++)
		*o++ = (char)cp->b1[s[i]];
	*op = o;
	return i;
}

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
			if (!st->prev_cr) {
				i = plain_run(cp, s, i, n, &o);
				if (i == n)
					break;
			}
			uint8_t c = s[i];
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

#ifdef __SSE2__
/*
 * The bulk of a hex item, whole lines at a time: from in[i], the start of
 * digits (no half pair pending), decodes sixteen digits a step into out
 * (on bytes used, flushed to w when full), then the line's last digits
 * in one step that overlaps the previous one (it writes again the same
 * bytes), and jumps over a line end followed by "Hex: " and a digit,
 * the usual form; anything else (an odd digit count, blanks, another
 * case, the chunk's end) is left to the byte machine. Per line of 70
 * digits that is six steps instead of about twenty bytes one by one.
 * Returns where it stopped, in digits again. Stops once the window is
 * full, so that a read decodes about what it returns.
 */
static size_t hex_lines(const uint8_t *in, size_t n, size_t i, char *out,
                        size_t cap, size_t *onp, struct ccm_win *w)
{
	size_t on = *onp;
	for (;;) {
		size_t run = 0; /* digits decoded on this line */
		/* Every store makes its room first: on may stand anywhere
		 * up to the buffer's end. */
		while (i + 16 <= n) {
			if (on + 8 > cap) {
				ccm_win_put(w, out, on);
				on = 0;
			}
			if (!ccm_hex16(in + i, out + on))
				break;
			i += 16;
			on += 8;
			run += 16;
		}
		if (i + 16 > n)
			break;
		size_t r = ccm_hex_span((const char *)in + i, 16);
		/* The sixteen digits ending at the run's end start within
		 * this line's decoded digits and their bytes in out. Its
		 * room: the loop above broke on ccm_hex16 after making room
		 * for 8 bytes (on + 8 <= cap), and this store ends at
		 * on + r / 2, below on + 8; keep the room made first. */
		if (r % 2 || run < 16 - r || on < (16 - r) / 2)
			break;
		if (r) {
			ccm_hex16(in + i + r - 16, out + on - (16 - r) / 2);
			i += r;
			on += r / 2;
		}
		size_t eol = in[i] == '\r' ? 1 : 0;
		if (i + eol + 7 > n || in[i + eol] != '\n' ||
		    memcmp(in + i + eol + 1, "Hex: ", 5) ||
		    !CCM_IS_HEX(in[i + eol + 6]) || w->pos + on >= w->end)
			break;
		i += eol + 6;
	}
	*onp = on;
	return i;
}
#endif

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
				i = hex_lines(in, n, i, out, sizeof(out), &on,
				              w);
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
