/*
 * Code pages: from a post office's DOS page to the output page.
 *
 * Every conversion is a table built once with iconv. A source character is
 * one byte, or two for a lead byte of a double-byte page (932, 936, 949,
 * 950) followed by a trail byte; it becomes 0 to 3 output bytes, '?' where
 * the output page lacks it. Rendering then never calls iconv, and the same
 * bytes give the same output in every thread. CR and LF are never part of
 * a double-byte character in these pages, so line ends can be found byte
 * by byte before conversion.
 *
 * Which bytes lead and which trail is taken from each page's definition
 * (Microsoft's tables), not from the C library, so that where a character
 * ends never depends on the machine. A trail byte can be '@', '\', '|'
 * or an ASCII letter: every rule that looks for such a character steps
 * through the text with ccm_cp_charlen, never byte by byte (spec
 * iff-output §3). A byte that alone is no character of the page (an
 * undefined byte, or a lead byte without a valid trail) becomes one '?',
 * and the byte after it is read afresh.
 */
#ifndef CCM_CODEPAGE_H
#define CCM_CODEPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "ccmailfs/err.h"

struct ccm_cpchar {
	uint8_t n;
	uint8_t b[3];
};

struct ccm_cp {
	unsigned from, to;
	bool identity;
	bool one_to_one;    /* single bytes, each to one byte */
	bool dbcs;          /* the source page has two-byte characters */
	bool any_bad;       /* some byte is bad1 (never for 437, 850) */
	bool any_lost;      /* the output page lacks some character */
	bool ascii_whole;   /* bytes below 0x80 are never bad nor lost */
	bool ascii_same;    /* one_to_one, and b1 keeps bytes below 0x80 */
	uint8_t b1[256];    /* that byte, when one_to_one */
	uint8_t line1[256]; /* b1, with control characters as blanks */
	bool lead[256];     /* lead bytes of a double-byte source */
	bool trail[256];    /* its trail bytes */
	bool bad1[256];     /* no character alone: undefined, or a lead */
	bool lost1[256];    /* a character the output page lacks */
	struct ccm_cpchar t1[256]; /* single bytes */
	struct ccm_cpchar *t2;     /* lead << 8 | trail, double-byte only */
};

/* True for the double-byte DOS pages. */
bool ccm_cp_is_dbcs(unsigned cp);
/* True when iconv knows the page and its bytes below 0x80 are ASCII. */
bool ccm_cp_known(unsigned cp);

ccm_err ccm_cp_init(struct ccm_cp *cp, unsigned from, unsigned to);
void ccm_cp_fini(struct ccm_cp *cp);

/*
 * Bytes of the character at s (1 or 2); avail >= 1. A lead byte without a
 * valid trail is a character of one byte (a bad one, written '?').
 */
static inline size_t ccm_cp_charlen(const struct ccm_cp *cp, const uint8_t *s,
                                    size_t avail)
{
	return cp->lead[s[0]] && avail >= 2 && cp->trail[s[1]] ? 2 : 1;
}

/* The offset of the character after the one at s[i], of s[0..n). */
static inline size_t ccm_cp_next(const struct ccm_cp *cp, const char *s,
                                 size_t n, size_t i)
{
	return i + ccm_cp_charlen(cp, (const uint8_t *)s + i, n - i);
}

const char *ccm_cp_chr_dbcs(const struct ccm_cp *cp, const char *s, size_t n,
                            char c);
/* The first character c (one byte, below 0x80) of s[0..n), or NULL: a
 * trail byte equal to c is not it. */
static inline const char *ccm_cp_chr(const struct ccm_cp *cp, const char *s,
                                     size_t n, char c)
{
	return cp->dbcs ? ccm_cp_chr_dbcs(cp, s, n, c) : memchr(s, c, n);
}

size_t ccm_cp_bad_scan(const struct ccm_cp *cp, const char *s, size_t n);
/* How many bytes of s[0..n) are no character of the page (each is written
 * '?'); 0 at once for a page with none, such as 437 and 850. */
static inline size_t ccm_cp_bad(const struct ccm_cp *cp, const char *s,
                                size_t n)
{
	return cp->any_bad ? ccm_cp_bad_scan(cp, s, n) : 0;
}

bool ccm_cp_lossy_scan(const struct ccm_cp *cp, const char *s, size_t n);
/* Whether one of the bytes of s that high marks (bit k: s[k], a byte
 * above ASCII of a single-byte page) is a character the output page
 * lacks. */
static inline bool ccm_cp_lost_marked(const struct ccm_cp *cp, const char *s,
                                      unsigned high)
{
	for (; high; high &= high - 1)
		if (cp->lost1[(uint8_t)s[__builtin_ctz(high)]])
			return true;
	return false;
}
/*
 * True when s[0..n) holds a character that the output page lacks (written
 * '?'; spec iff-output §3, lossy conversion). Bad bytes are not counted
 * here. False at once when the output page has every character.
 */
static inline bool ccm_cp_lossy(const struct ccm_cp *cp, const char *s,
                                size_t n)
{
	return cp->any_lost && ccm_cp_lossy_scan(cp, s, n);
}

/* The output bytes of the character at s, whose length is len. */
static inline const struct ccm_cpchar *ccm_cp_map(const struct ccm_cp *cp,
                                                  const uint8_t *s, size_t len)
{
	if (len == 2)
		return &cp->t2[(size_t)s[0] << 8 | s[1]];
	return &cp->t1[s[0]];
}

/*
 * Appends n source bytes converted to the output page. With oneline, every
 * control character (CR and LF among them) becomes a blank first.
 */
void ccm_cp_put(const struct ccm_cp *cp, const char *s, size_t n, bool oneline,
                struct ccm_buf *out);
/*
 * Appends n bytes of page cp transliterated to ASCII ("Zürich" gives
 * "Zurich"); what has no ASCII form becomes '?'.
 */
void ccm_cp_translit(unsigned cp, const char *s, size_t n, struct ccm_buf *out);

#endif
