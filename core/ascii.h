/*
 * ASCII-only character classes. The export's text is in a DOS code page,
 * where the C library's <ctype.h> answers by the program's locale; these
 * never look past ASCII, whatever the locale.
 */
#ifndef CCM_ASCII_H
#define CCM_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline char ccm_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static inline bool ccm_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool ccm_isalnum(char c)
{
	return ccm_isdigit(c) || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

static inline bool ccm_isblank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Eight bytes each, equal without regard to ASCII case: where they differ,
 * only in bit 0x20, and only where x holds an ASCII letter (then y holds
 * the same letter in the other case). A letter test per byte: its bit 7
 * set from the sums below, which never carry into the next byte.
 */
static inline bool ccm_caseeq8(uint64_t x, uint64_t y)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t d = x ^ y;
	if (!d)
		return true;
	if (d & ~(0x20 * ones))
		return false;
	uint64_t l = (x | 0x20 * ones) & 0x7f * ones;
	uint64_t from_a = l + (0x80 - 'a') * ones;
	uint64_t past_z = l + (0x80 - 'z' - 1) * ones;
	uint64_t letter = from_a & ~past_z & ~x & 0x80 * ones;
	return !((d << 2) & ~letter);
}

/* Equal without regard to ASCII case, n bytes: eight at a step, the last
 * step overlapping the one before (a header keyword is matched on nearly
 * every line of an export). */
static inline bool ccm_caseeq(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (!ccm_caseeq8(x, y))
				return false;
		}
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		return ccm_caseeq8(x, y);
	}
	if (n >= 4) {
		/* Two four-byte halves, overlapping when n < 8. */
		uint32_t h[4];
		memcpy(&h[0], a, 4);
		memcpy(&h[1], b, 4);
		memcpy(&h[2], a + n - 4, 4);
		memcpy(&h[3], b + n - 4, 4);
		x = h[0] | (uint64_t)h[2] << 32;
		y = h[1] | (uint64_t)h[3] << 32;
		return ccm_caseeq8(x, y);
	}
	for (size_t i = 0; i < n; i++)
		if (ccm_upper(a[i]) != ccm_upper(b[i]))
			return false;
	return true;
}

#endif
