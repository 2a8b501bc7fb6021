/*
 * Lines of an export file held in memory: read in blocks at scan time
 * (scan_read.h), read back into a buffer at render time. A line ends with
 * LF or CR LF; a lone CR is data. Keywords are matched at the start of a
 * line without regard to case.
 */
#ifndef CCM_LEX_H
#define CCM_LEX_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ascii.h"

struct ccm_feed;

/* The bytes held are those of the file from offset off on. With a feed,
 * more are read as the lexer needs them, which moves base, end and p:
 * a pointer into the bytes is valid until the next peek or need, unless
 * it is pinned (scan_read.h). */
struct ccm_lex {
	const char *base, *end;
	const char *p; /* start of the current line */
	uint64_t line; /* its number, from 1 */
	uint64_t off;
	struct ccm_feed *feed; /* NULL: every byte is held */
};

struct ccm_line {
	const char *s;    /* its text */
	size_t n;         /* without the line end */
	const char *next; /* the start of the next line */
};

static inline void ccm_lex_init(struct ccm_lex *lx, const char *s, size_t n)
{
	lx->base = lx->p = s;
	lx->end = s + n;
	lx->line = 1;
	lx->off = 0;
	lx->feed = NULL;
}

/* Reads more of the file behind lx; false when there is no more
 * (scan_read.c). */
bool ccm_feed_more(struct ccm_lex *lx);

/* The file offset of a held byte, and back. */
static inline uint64_t ccm_lex_off(const struct ccm_lex *lx, const char *p)
{
	return lx->off + (uint64_t)(p - lx->base);
}

static inline const char *ccm_lex_at(const struct ccm_lex *lx, uint64_t off)
{
	return lx->base + (off - lx->off);
}

/* Makes n bytes from p on held, or as many as the file has; returns
 * how many are. */
static inline size_t ccm_lex_need(struct ccm_lex *lx, size_t n)
{
	while ((size_t)(lx->end - lx->p) < n && ccm_feed_more(lx))
		;
	return (size_t)(lx->end - lx->p);
}

/*
 * The first LF of s[0..e), or NULL: memchr, but the first 128 bytes are
 * searched inline, sixteen a step where the machine allows. Most lines
 * are short, and a call to the library per line costs more than that.
 */
static inline const char *ccm_find_lf(const char *s, const char *e)
{
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n');
	for (int k = 0; k < 8 && e - s >= 16; k++, s += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)s);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, lf));
		if (m)
			return s + __builtin_ctz(m);
	}
#endif
	return s < e ? memchr(s, '\n', (size_t)(e - s)) : NULL;
}

/* The current line; false at the end. */
static inline bool ccm_lex_peek(struct ccm_lex *lx, struct ccm_line *l)
{
	size_t from = 0;
	const char *nl;
	while (!(nl = ccm_find_lf(lx->p + from, lx->end))) {
		from = (size_t)(lx->end - lx->p);
		if (!lx->feed || !ccm_feed_more(lx))
			break;
	}
	if (lx->p >= lx->end)
		return false;
	const char *e = nl ? nl : lx->end;
	l->s = lx->p;
	l->next = nl ? nl + 1 : lx->end;
	if (nl && e > lx->p && e[-1] == '\r')
		e--;
	l->n = (size_t)(e - lx->p);
	return true;
}

static inline void ccm_lex_next(struct ccm_lex *lx, const struct ccm_line *l)
{
	lx->p = l->next;
	lx->line++;
}

/*
 * The LF bytes of s[0..n): sixteen bytes a step where the machine allows,
 * each match taken from a byte counter (at most 255 steps before the
 * counters are added up), not a search per line.
 */
static inline uint64_t ccm_count_lf(const char *s, size_t n)
{
	uint64_t k = 0;
	size_t i = 0;
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	__m128i sum = zero;
	while (i + 16 <= n) {
		__m128i acc = zero;
		for (size_t step = 0; step < 255 && i + 16 <= n;
		     step++, i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(x, lf));
		}
		sum = _mm_add_epi64(sum, _mm_sad_epu8(acc, zero));
	}
	k = (uint64_t)_mm_cvtsi128_si64(sum) +
	    (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum));
#endif
	for (; i < n; i++)
		k += s[i] == '\n';
	return k;
}

/* Moves to q, a line start at or after p, counting the lines passed. */
static inline void ccm_lex_jump(struct ccm_lex *lx, const char *q)
{
	lx->line += ccm_count_lf(lx->p, (size_t)(q - lx->p));
	lx->p = q;
}

/*
 * If line l starts with keyword kw (which ends with ':'), returns its value:
 * the rest of the line with one optional blank after the colon and the
 * trailing blanks dropped. Otherwise returns false. Always inline: the
 * keyword's length is then known where it is called.
 */
__attribute__((always_inline)) static inline bool
ccm_kw(const struct ccm_line *l, const char *kw, const char **v, size_t *vn)
{
	size_t k = strlen(kw);
	if (l->n < k || !ccm_caseeq(l->s, kw, k))
		return false;
	const char *s = l->s + k, *e = l->s + l->n;
	if (s < e && *s == ' ')
		s++;
	while (e > s && ccm_isblank(e[-1]))
		e--;
	if (v) {
		*v = s;
		*vn = (size_t)(e - s);
	}
	return true;
}

static inline bool ccm_is_blank_line(const struct ccm_line *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!ccm_isblank(l->s[i]))
			return false;
	return true;
}

/* What a count of 2^64 - 1 or more is read as: more than any file holds,
 * and never UINT64_MAX, which callers keep for "no count". */
#define CCM_COUNT_HUGE (UINT64_MAX - 1)

/* A count as messages give it, in buf: its digits, or for CCM_COUNT_HUGE
 * those digits and "or more". */
static inline const char *ccm_count_str(uint64_t c, char buf[32])
{
	snprintf(buf, 32, c == CCM_COUNT_HUGE ? "%llu or more" : "%llu",
	         (unsigned long long)c);
	return buf;
}

/*
 * A count line: decimal digits, with blanks before or after them allowed
 * (EXPORT pads counts, KB Q287056; spec export §4.4). Sets *v, at most
 * CCM_COUNT_HUGE however many digits there are (a count too large is
 * still a count, wrong where it is checked); false for a line of blanks
 * alone.
 */
static inline bool ccm_is_count(const struct ccm_line *l, uint64_t *v)
{
	size_t b = 0, e = l->n;
	while (b < e && ccm_isblank(l->s[b]))
		b++;
	while (e > b && ccm_isblank(l->s[e - 1]))
		e--;
	if (b == e)
		return false;
	uint64_t x = 0;
	for (size_t i = b; i < e; i++) {
		if (!ccm_isdigit(l->s[i]))
			return false;
		unsigned d = (unsigned)(l->s[i] - '0');
		x = x > (CCM_COUNT_HUGE - d) / 10 ? CCM_COUNT_HUGE : x * 10 + d;
	}
	*v = x;
	return true;
}

#endif
