/*
 * The index file's checksum (cache_sum.h). The file is read as 64-bit
 * little-endian words, word i being bytes [8i, 8i + 8); the sum is the
 * pair A = sum of w_i, B = sum of (i + 1) w_i, modulo 2^64, over the
 * bytes summed (bytes not summed count as zeros). A changed word changes
 * A; a word moved changes B. Both are linear in each byte, so a piece
 * that starts or ends inside a word adds its bytes shifted into place,
 * and sums of pieces simply add.
 *
 * The words of a piece go to four lanes, each with Fletcher's running
 * sums s1 (the words) and s2 (the running s1s), kept in registers: for
 * lane l's M words v_m = w_{4m+l}, the sum of m v_m is M s1 - s2, from
 * which B follows. Adds only: summing costs less than reading.
 */
#include <string.h>
#include <unistd.h>

#include "cache_sum.h"

static uint64_t le64(const unsigned char *c)
{
	uint64_t w;
	memcpy(&w, c, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* The bytes of one word at offset off (within one word) as a word. */
static void part_word(struct ccm_cache_sum *s, uint64_t off,
                      const unsigned char *c, size_t n)
{
	uint64_t w = 0;
	for (size_t k = 0; k < n; k++)
		w |= (uint64_t)c[k] << (8 * ((off + k) % 8));
	s->a += w;
	s->b += (off / 8 + 1) * w;
}

/* The n / 32 blocks of four words at c, the first being word i0. */
static void blocks(struct ccm_cache_sum *s, uint64_t i0, const unsigned char *c,
                   size_t n)
{
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	uint64_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
	uint64_t m = n / 32;
	for (size_t k = 0; k < m; k++, c += 32) {
		a0 += le64(c);
		a1 += le64(c + 8);
		a2 += le64(c + 16);
		a3 += le64(c + 24);
		b0 += a0;
		b1 += a1;
		b2 += a2;
		b3 += a3;
	}
	/* The sum of j w_j over the piece (j from 0), lane by lane. */
	uint64_t a = a0 + a1 + a2 + a3;
	uint64_t jw = 4 * (m * a0 - b0) + 4 * (m * a1 - b1) + 1 * a1 +
	              4 * (m * a2 - b2) + 2 * a2 + 4 * (m * a3 - b3) + 3 * a3;
	s->a += a;
	s->b += (i0 + 1) * a + jw;
}

void ccm_cache_sum_at(struct ccm_cache_sum *s, uint64_t off, const void *p,
                      size_t n)
{
	const unsigned char *c = p;
	if (off % 8 && n) {
		size_t k = 8 - off % 8 < n ? 8 - off % 8 : n;
		part_word(s, off, c, k);
		off += k, c += k, n -= k;
	}
	size_t whole = n / 32 * 32;
	blocks(s, off / 8, c, whole);
	off += whole, c += whole, n -= whole;
	for (; n >= 8; off += 8, c += 8, n -= 8)
		part_word(s, off, c, 8);
	if (n)
		part_word(s, off, c, n);
}

bool ccm_cache_sum_file(int fd, char *buf, size_t bufsz, uint64_t from,
                        uint64_t to, struct ccm_cache_sum *s)
{
	while (from < to) {
		size_t want = to - from < bufsz ? (size_t)(to - from) : bufsz;
		if (pread(fd, buf, want, (off_t)from) != (ssize_t)want)
			return false;
		ccm_cache_sum_at(s, from, buf, want);
		from += want;
	}
	return true;
}

void ccm_cache_sum_join(struct ccm_cache_sum *s, const struct ccm_cache_sum *t)
{
	s->a += t->a;
	s->b += t->b;
}

uint64_t ccm_cache_sum_end(const struct ccm_cache_sum *s, uint64_t size)
{
	uint64_t h = size;
	h = (h ^ s->a) * 0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	h = (h ^ s->b) * 0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	return h;
}
