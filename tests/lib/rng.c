/*
 * splitmix64 (see rng.h).
 */
#include "rng.h"

uint64_t tl_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

uint64_t tl_rng_next(struct tl_rng *r)
{
	r->s += 0x9e3779b97f4a7c15u;
	return tl_mix64(r->s);
}

uint64_t tl_rng_below(struct tl_rng *r, uint64_t n)
{
	return n ? tl_rng_next(r) % n : 0;
}
