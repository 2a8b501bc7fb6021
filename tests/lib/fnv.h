/*
 * FNV-1a, 64 bits: the hash the tests and ccm-gen's ground truth give
 * attachments. It needs no Criterion, so that ccm-gen links it too.
 */
#ifndef CCM_TESTS_LIB_FNV_H
#define CCM_TESTS_LIB_FNV_H

#include <stddef.h>
#include <stdint.h>

/* The hash of no bytes: where a running hash starts. */
#define TL_FNV_INIT 0xcbf29ce484222325ull

/* The hash of n more bytes at p, continuing from h. */
uint64_t tl_fnv1a(uint64_t h, const void *p, size_t n);

#endif
