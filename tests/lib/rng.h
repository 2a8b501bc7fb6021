/*
 * A small deterministic generator (splitmix64) for random tests and for
 * ccm-gen's data. It needs no Criterion, so that ccm-gen links it too.
 */
#ifndef CCM_TESTS_LIB_RNG_H
#define CCM_TESTS_LIB_RNG_H

#include <stdint.h>

struct tl_rng {
	uint64_t s; /* the state: any value is a fine seed */
};

/* splitmix64's output function: a good 64-bit mixer. */
uint64_t tl_mix64(uint64_t z);
/* The next number of the sequence. */
uint64_t tl_rng_next(struct tl_rng *r);
/* Uniform in [0, n) (modulo bias aside); 0 when n is 0. */
uint64_t tl_rng_below(struct tl_rng *r, uint64_t n);

#endif
