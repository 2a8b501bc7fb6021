/*
 * The checksum of an index file (core/README.md, "The index file"), made
 * to be added up in pieces, in any order, by several threads: each piece
 * is summed with its offset in the file, and the sums of pieces that
 * cover a range exactly once add up to the sum of the range. So a load
 * sums each byte where it first reads it (the checks' windows, cache.c's
 * pass over the rest) and reads the file once. Not cryptographic: it
 * finds a short, damaged or half-written file, not a forged one.
 */
#ifndef CCM_CACHE_SUM_H
#define CCM_CACHE_SUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zero (= {0}) is the sum of nothing. */
struct ccm_cache_sum {
	uint64_t a, b;
};

/* Adds the n bytes at p, which are the bytes at offset off of the file
 * (any offset, any length), to s. */
void ccm_cache_sum_at(struct ccm_cache_sum *s, uint64_t off, const void *p,
                      size_t n);
/* Reads the bytes [from, to) of the file open as fd with pread, through
 * buf (bufsz bytes, which it overwrites), and adds them to s; false when
 * a read fails or comes short (s then holds part of them). */
bool ccm_cache_sum_file(int fd, char *buf, size_t bufsz, uint64_t from,
                        uint64_t to, struct ccm_cache_sum *s);
/* Adds the sum t (of other bytes of the same file) to s. */
void ccm_cache_sum_join(struct ccm_cache_sum *s, const struct ccm_cache_sum *t);
/* The value of s, the sum of bytes of a file of size bytes. */
uint64_t ccm_cache_sum_end(const struct ccm_cache_sum *s, uint64_t size);

#endif
