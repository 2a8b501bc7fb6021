#include <stdio.h>
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

static bool push_seek(struct ccm_po *po, uint32_t idx, uint64_t src,
                      uint64_t out, bool prev_cr)
{
	struct ccm_seekpt *sp = CCM_PUSH(po->seekpts);
	if (!sp)
		return false;
	sp->src = src;
	sp->out = out;
	sp->prev_cr = prev_cr;
	if (!po->seekidx.n || po->seekidx.v[po->seekidx.n - 1].item != idx) {
		struct ccm_seekidx *si = CCM_PUSH(po->seekidx);
		if (!si)
			return false;
		si->item = idx;
		si->first = (uint32_t)(po->seekpts.n - 1);
		si->count = 0;
	}
	po->seekidx.v[po->seekidx.n - 1].count++;
	return true;
}

/*
 * The common case: a single-byte page converted byte for byte. Only line
 * ends change the length: an LF after no CR and a CR before no LF each
 * add one byte. They are found sixteen bytes a step where the machine
 * allows (a search per line costs a call per line). Counts the output of
 * s[from..to) of s[0..n).
 */
static uint64_t measure_fast(const char *s, size_t from, size_t to, size_t n)
{
	uint64_t out = to - from;
	size_t i = from;
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	for (; i + 16 <= to; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned nl =
		        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, lf));
		unsigned r = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, cr));
		if (!(nl | r))
			continue;
		/* Bit k: a CR just before byte k; an LF just after it. */
		unsigned cr_before = r << 1 | (i && s[i - 1] == '\r');
		unsigned lf_after =
		        nl >> 1 | (unsigned)(i + 16 < n && s[i + 16] == '\n')
		                          << 15;
		out += (unsigned)__builtin_popcount(nl & ~cr_before) +
		       (unsigned)__builtin_popcount(r & ~lf_after);
	}
#endif
	for (; i < to; i++) {
		if (s[i] == '\n' && (!i || s[i - 1] != '\r'))
			out++;
		if (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'))
			out++;
	}
	return out;
}

/* A text item's output length, unless it is more than an item keeps. */
static ccm_err set_out(struct ccm_item *it, uint64_t out)
{
	if (out > CCM_ITEM_OUT_MAX)
		return CCM_ERR_INVAL;
	it->out_len = (uint32_t)out;
	return CCM_OK;
}

ccm_err ccm_text_measure(struct ccm_po *po, uint32_t idx, const char *s,
                         size_t n, size_t *bad)
{
	struct ccm_item *it = &po->items.v[idx];
	const uint8_t *p = (const uint8_t *)s;
	const struct ccm_cp *cp = &po->cp;
	it->aux =
	        n && (s[n - 1] == '\n' || s[n - 1] == '\r') ? CCM_TEXT_EOL : 0;
	*bad = 0;
	if (cp->one_to_one) {
		*bad = ccm_cp_bad(cp, s, n);
		/*
		 * Blocks of STEP/2 bytes give at most STEP output bytes, so a
		 * seek point at a block start keeps them STEP or less apart.
		 * A point's out excludes the LF still owed to a CR just before
		 * it: rendering from there writes it first.
		 */
		uint64_t out = 0, next = CCM_SEEK_STEP;
		for (size_t b = 0; b < n; b += CCM_SEEK_STEP / 2) {
			size_t e = n - b < CCM_SEEK_STEP / 2
			                   ? n
			                   : b + CCM_SEEK_STEP / 2;
			if (b && out >= next) {
				bool cr = s[b - 1] == '\r';
				uint64_t owed = cr && s[b] != '\n';
				if (!push_seek(po, idx, b, out - owed, cr))
					return CCM_ERR_NOMEM;
				next += CCM_SEEK_STEP;
			}
			out += measure_fast(s, b, e, n);
		}
		return set_out(it, out);
	}
	uint64_t out = 0, next = CCM_SEEK_STEP;
	bool prev_cr = false;
	for (size_t i = 0; i < n;) {
		if (out >= next) {
			if (!push_seek(po, idx, i, out, prev_cr))
				return CCM_ERR_NOMEM;
			next += CCM_SEEK_STEP;
		}
		uint8_t c = p[i];
		if (prev_cr && c != '\n')
			out++;
		if (c == '\n') {
			out += prev_cr ? 1 : 2;
			prev_cr = false;
			i++;
			continue;
		}
		prev_cr = c == '\r';
		size_t len = ccm_cp_charlen(cp, p + i, n - i);
		*bad += len == 1 && cp->bad1[c];
		out += ccm_cp_map(cp, p + i, len)->n;
		i += len;
	}
	if (prev_cr)
		out++;
	return set_out(it, out);
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

/*
 * Checks one Hex: value of an item that holds got bytes so far (want is
 * its count, or UINT64_MAX): hex digits only, in pairs, not past the
 * count (digits: v is known to hold hex digits only). Says why not in
 * why.
 */
static bool hex_line_ok(const char *v, size_t vn, bool digits, uint64_t want,
                        uint64_t got, uint64_t line, char *why, size_t whysz)
{
	if (!digits && !ccm_hex_all(v, vn)) {
		size_t j = 0;
		while (CCM_IS_HEX(v[j]))
			j++;
		unsigned char c = (unsigned char)v[j];
		snprintf(why, whysz, "line %llu: '%c' is not a hex digit",
		         (unsigned long long)line,
		         c >= 0x20 && c < 0x7f ? c : '?');
		return false;
	}
	if (vn % 2) {
		snprintf(why, whysz, "line %llu: an odd number of hex digits",
		         (unsigned long long)line);
		return false;
	}
	if (want != UINT64_MAX && got + vn / 2 > want) {
		snprintf(why, whysz,
		         "the count line says %llu bytes but the Hex: lines "
		         "hold more",
		         (unsigned long long)want);
		return false;
	}
	return true;
}

/*
 * The common Hex: line, wholly held at lx's current line: "Hex:" in any
 * case, blanks, digits, blanks, CR LF or LF. Its digits are found by the
 * digit check itself, which stops at the line's end, instead of a search
 * for the LF first; lx is moved past the line. false for anything else,
 * which the general path (ccm_lex_peek, ccm_kw) reads as it always did,
 * with the same result for every line this one accepts.
 */
static bool hex_line_fast(struct ccm_lex *lx, const char **v, size_t *vn)
{
	const char *p = lx->p, *e = lx->end;
	if (e - p < 5 || (p[0] | 0x20) != 'h' || (p[1] | 0x20) != 'e' ||
	    (p[2] | 0x20) != 'x' || p[3] != ':')
		return false;
	const char *s = p + 4;
	while (s < e && ccm_isblank(*s))
		s++;
	const char *t = s + ccm_hex_span(s, (size_t)(e - s));
	*v = s;
	*vn = (size_t)(t - s);
	while (t < e && ccm_isblank(*t))
		t++;
	if (t < e && *t == '\r')
		t++;
	if (t >= e || *t != '\n')
		return false;
	lx->p = t + 1;
	lx->line++;
	return true;
}

bool ccm_hex_scan(struct ccm_po *po, uint32_t idx, struct ccm_lex *lx,
                  uint64_t want, bool *huge, char *why, size_t whysz)
{
	struct ccm_line l;
	uint64_t got = 0, next = CCM_SEEK_STEP;
	/* An offset: reading on moves the bytes held. */
	const uint64_t start = ccm_lex_off(lx, lx->p);
	size_t seek_mark = po->seekpts.n, idx_mark = po->seekidx.n;
	bool ok = true;
	why[0] = '\0';
	*huge = false;
	for (;;) {
		const char *v;
		size_t vn;
		/* The fast path's value is digits only: checked as found. */
		bool digits = hex_line_fast(lx, &v, &vn);
		if (!digits) {
			if (!ccm_lex_peek(lx, &l) ||
			    !ccm_kw(&l, "Hex:", &v, &vn))
				break;
			ccm_lex_next(lx, &l);
		}
		if (!ok)
			continue; /* skip the rest of a broken item */
		if (want != UINT64_MAX && got == want) {
			snprintf(why, whysz,
			         "the count line says %llu bytes but more "
			         "Hex: lines follow",
			         (unsigned long long)want);
			ok = false;
			continue;
		}
		while (vn && ccm_isblank(*v)) {
			v++;
			vn--;
		}
		if (!hex_line_ok(v, vn, digits, want, got, lx->line - 1, why,
		                 whysz)) {
			ok = false;
			continue;
		}
		/* Seek points fall on digit pairs, every CCM_SEEK_STEP. */
		while (next < got + vn / 2) {
			size_t j = (size_t)(next - got) * 2;
			if (!push_seek(po, idx, ccm_lex_off(lx, v + j) - start,
			               next, false)) {
				snprintf(why, whysz, "out of memory");
				ok = false;
				break;
			}
			next += CCM_SEEK_STEP;
		}
		got += vn / 2;
	}
	*huge = ok && got > CCM_ITEM_OUT_MAX;
	if (*huge) {
		snprintf(why, whysz,
		         "the Hex: lines hold %llu bytes, 4 GiB or more",
		         (unsigned long long)got);
		ok = false;
	}
	if (ok && want != UINT64_MAX && got < want) {
		snprintf(why, whysz,
		         "the count line says %llu bytes but the Hex: lines "
		         "hold %llu",
		         (unsigned long long)want, (unsigned long long)got);
		ok = false;
	}
	if (!ok) {
		po->seekpts.n = seek_mark;
		po->seekidx.n = idx_mark;
		return false;
	}
	struct ccm_item *it = &po->items.v[idx];
	it->src_off = start;
	it->src_len = ccm_lex_off(lx, lx->p) - start;
	it->out_len = (uint32_t)got;
	return true;
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
