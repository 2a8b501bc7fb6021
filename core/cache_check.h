/*
 * The indexes inside a persistent index just loaded, checked before any
 * read uses them (cache_check.c).
 */
#ifndef CCM_CACHE_CHECK_H
#define CCM_CACHE_CHECK_H

#include <stddef.h>

#include "cache_sum.h"
#include "cache_table.h"
#include "index.h"

/* Does every index and source range of post office po point inside what
 * it names (src's source files loaded first)? false with why (whysz).
 * fd: the index file src->map maps, whose large arrays are read with
 * pread for the check; -1 reads them through src->map. sum, when not
 * NULL and fd is not -1: the check adds to it the file's bytes of the
 * sections of po that ccm_cache_check_sums names, all of them when it
 * returns true (each read once, as it is checked). */
bool ccm_cache_check_po(const struct ccm_source *src, const struct ccm_po *po,
                        int fd, struct ccm_cache_sum *sum, char *why,
                        size_t whysz);
/* What is wrong with the small records of post office po (its
 * mailboxes, lists, boards, SEC and output files; cache_recs.c), or
 * NULL when each index in them points inside what it names. */
const char *ccm_cache_check_recs(const struct ccm_source *src,
                                 const struct ccm_po *po);
/* Is a (a line of ccm_po_arrays) a section that ccm_cache_check_po adds
 * to its sum? Summing the file, cache.c leaves these to it. */
bool ccm_cache_check_sums(const struct ccm_cache_arr *a);
/* Has every source file and folder of src its path? */
bool ccm_cache_check_src(const struct ccm_source *src, char *why, size_t whysz);

#endif
