/*
 * Items measured at scan time: a text item's converted length and seek
 * points, an inline attachment's Hex: lines checked and counted. What
 * they record is what item.c renders from (the text conversion's rules
 * are told there).
 */
#include <stdio.h>
#include <string.h>

#include "hexdig.h"
#include "item.h"

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

/* The bits set in x: a few shifts and adds, where __builtin_popcount is a
 * library call on a machine not known to have the instruction. */
static inline unsigned ones32(uint32_t x)
{
	x -= x >> 1 & 0x55555555u;
	x = (x & 0x33333333u) + (x >> 2 & 0x33333333u);
	return ((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u >> 24;
}

/*
 * The common case: a single-byte page converted byte for byte. Only line
 * ends change the length: an LF after no CR and a CR before no LF each
 * add one byte. They are found sixteen bytes a step where the machine
 * allows (a search per line costs a call per line). Counts the output of
 * s[from..to) of s[0..n). With lost, on a page whose ASCII is whole, sets
 * *lost when a character is one the output page lacks (ccm_cp_lossy), in
 * the same pass.
 */
static uint64_t measure_fast(const struct ccm_cp *cp, const char *s,
                             size_t from, size_t to, size_t n, bool *lost)
{
	uint64_t out = to - from;
	size_t i = from;
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	for (; i + 16 <= to; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned high = (unsigned)_mm_movemask_epi8(x);
		if (high && lost && !*lost)
			*lost = ccm_cp_lost_marked(cp, s + i, high);
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
		out += ones32((nl & ~cr_before) | (r & ~lf_after) << 16);
	}
#endif
	for (; i < to; i++) {
		if (lost && cp->lost1[(uint8_t)s[i]])
			*lost = true;
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
                         size_t n, size_t *bad, bool *lossy)
{
	struct ccm_item *it = &po->items.v[idx];
	const uint8_t *p = (const uint8_t *)s;
	const struct ccm_cp *cp = &po->cp;
	it->aux =
	        n && (s[n - 1] == '\n' || s[n - 1] == '\r') ? CCM_TEXT_EOL : 0;
	*bad = 0;
	*lossy = false;
	if (cp->one_to_one) {
		*bad = ccm_cp_bad(cp, s, n);
		/* Lost characters are looked for while measuring where only
		 * the bytes above ASCII can be lost. */
		bool *lost = cp->any_lost && cp->ascii_whole ? lossy : NULL;
		if (cp->any_lost && !lost)
			*lossy = ccm_cp_lossy(cp, s, n);
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
			out += measure_fast(cp, s, b, e, n, lost);
		}
		return set_out(it, out);
	}
	*lossy = ccm_cp_lossy(cp, s, n);
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
		char cs[32];
		snprintf(why, whysz,
		         "the count line says %s bytes but the Hex: lines "
		         "hold %llu",
		         ccm_count_str(want, cs), (unsigned long long)got);
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
