/*
 * The index file's checksum (cache_sum.h). The file is read as 64-bit
 * little-endian words, word i being bytes [8i, 8i + 8); the sum is the
 * pair A = sum of w_i, B = sum of (i + 1) w_i, modulo 2^64, over the
 * bytes summed (bytes not summed count as zeros). A changed word changes
 * A; a word moved changes B. Both are linear in each byte, so a piece
 * that starts or ends inside a word adds its bytes shifted into place,
 * and sums of pieces simply add.
 *
 * The words of a piece go to eight lanes, each with Fletcher's running
 * sums s1 (the words) and s2 (the running s1s), kept in vector registers
 * (the compiler's vectors; AVX2 when the processor has it): for lane l's
 * M words v_m = w_{8m+l}, the sum of m v_m is M s1 - s2, from which B
 * follows. Adds only: summing costs less than reading. (The lanes are
 * only how it is computed: the sum is the same with any number.)
 */
#include <string.h>
#include <unistd.h>

#include "cache_sum.h"

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

/* Four words of lanes, summed four at a time where the processor can. */
typedef uint64_t quad __attribute__((vector_size(32)));

/* Adds the four little-endian words at c to *q. */
static inline void add_le(quad *q, const unsigned char *c)
{
	quad w;
	memcpy(&w, c, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (int l = 0; l < 4; l++)
		w[l] = __builtin_bswap64(w[l]);
#endif
	*q += w;
}

/* The n / 64 blocks of eight words at c, the first being word i0: word
 * l of a block goes to lane l (lanes 0-3 in x, 4-7 in y). */
#if defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
blocks(struct ccm_cache_sum *s, uint64_t i0, const unsigned char *c, size_t n)
{
	quad ax = {0}, ay = {0}, bx = {0}, by = {0};
	uint64_t m = n / 64;
	for (size_t k = 0; k < m; k++, c += 64) {
		add_le(&ax, c);
		add_le(&ay, c + 32);
		bx += ax;
		by += ay;
	}
	/* The sum of j w_j over the piece (j from 0), lane by lane: lane l's
	 * M words v_k (k from 0) are w_{8k + l}, and sum k v_k = M a - b. */
	uint64_t a = 0, jw = 0;
	for (int l = 0; l < 4; l++) {
		a += ax[l] + ay[l];
		jw += 8 * (m * ax[l] - bx[l]) + (uint64_t)l * ax[l] +
		      8 * (m * ay[l] - by[l]) + (uint64_t)(l + 4) * ay[l];
	}
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
	size_t whole = n / 64 * 64;
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
