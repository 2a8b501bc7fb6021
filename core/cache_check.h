/*
 * The indexes inside a persistent index just loaded, checked before any
 * read uses them (cache_check.c).
 */
#ifndef CCM_CACHE_CHECK_H
#define CCM_CACHE_CHECK_H

#include <stddef.h>

#include "index.h"

/* Does every index and source range of post office po point inside what
 * it names (src's source files loaded first)? false with why (whysz).
 * fd: the index file src->map maps, whose large arrays are read with
 * pread for the check; -1 reads them through src->map. */
bool ccm_cache_check_po(const struct ccm_source *src, const struct ccm_po *po,
                        int fd, char *why, size_t whysz);
/* Has every source file and folder of src its path? */
bool ccm_cache_check_src(const struct ccm_source *src, char *why, size_t whysz);

#endif
