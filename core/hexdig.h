/*
 * Hex digits: checked and decoded, sixteen at a step where the machine
 * has SSE2. Inline, since they run once per digit of every hex attachment
 * (item.c is their one user).
 */
#ifndef CCM_HEXDIG_H
#define CCM_HEXDIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Hex digits' values, -1 for other bytes. */
static inline int ccm_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A hex digit's value plus one; 0 for every other byte. */
static const uint8_t CCM_HEX1[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
        ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12,
        ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16, ['a'] = 11, ['b'] = 12,
        ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};
#define CCM_IS_HEX(c) (CCM_HEX1[(uint8_t)(c)] != 0)

/*
 * Hex attachments can be most of an export's bytes, and every digit must
 * be checked before the size is promised. The check goes sixteen bytes
 * at a time where the machine allows, and stops at the first byte that
 * is no hex digit: it finds a Hex: line's end as it checks it. Returns
 * the number of hex digits v[0..n) starts with.
 */
static inline size_t ccm_hex_span(const char *v, size_t n)
{
	size_t j = 0;
#ifdef __SSE2__
	/* Sixteen bytes a step: digits, and letters a-f in either case. */
	const __m128i lo0 = _mm_set1_epi8('0' - 1),
	              hi9 = _mm_set1_epi8('9' + 1);
	const __m128i loa = _mm_set1_epi8('a' - 1),
	              hif = _mm_set1_epi8('f' + 1);
	const __m128i lower = _mm_set1_epi8(0x20);
	for (; j + 16 <= n; j += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(v + j));
		__m128i l = _mm_or_si128(x, lower);
		__m128i d = _mm_and_si128(_mm_cmpgt_epi8(x, lo0),
		                          _mm_cmplt_epi8(x, hi9));
		__m128i a = _mm_and_si128(_mm_cmpgt_epi8(l, loa),
		                          _mm_cmplt_epi8(l, hif));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(d, a));
		if (m != 0xffff)
			return j + (unsigned)__builtin_ctz(~m);
	}
#endif
	while (j < n && CCM_IS_HEX(v[j]))
		j++;
	return j;
}

static inline bool ccm_hex_all(const char *v, size_t n)
{
	return ccm_hex_span(v, n) == n;
}

#ifdef __SSE2__
/*
 * Sixteen hex digits to eight bytes, or false (and nothing written) if
 * any is not a hex digit. A digit's low four bits are its value, plus 9
 * for the letters; pairs are then joined within 16-bit lanes.
 */
static inline bool ccm_hex16(const uint8_t *in, char *out)
{
	__m128i x = _mm_loadu_si128((const __m128i *)in);
	__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
	__m128i digit =
	        _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
	                      _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
	__m128i letter =
	        _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
	                      _mm_cmplt_epi8(l, _mm_set1_epi8('f' + 1)));
	if (_mm_movemask_epi8(_mm_or_si128(digit, letter)) != 0xffff)
		return false;
	__m128i v = _mm_add_epi8(_mm_and_si128(x, _mm_set1_epi8(0x0f)),
	                         _mm_and_si128(letter, _mm_set1_epi8(9)));
	__m128i hi = _mm_and_si128(_mm_slli_epi16(v, 4), _mm_set1_epi16(0xf0));
	__m128i lo = _mm_srli_epi16(v, 8);
	__m128i bytes = _mm_packus_epi16(_mm_or_si128(hi, lo), lo);
	_mm_storel_epi64((__m128i *)out, bytes);
	return true;
}
#endif

#endif
