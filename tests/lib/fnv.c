/*
 * FNV-1a, 64 bits (see fnv.h).
 */
#include "fnv.h"

uint64_t tl_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
