/*
 * The persistent index of a source (README.md, "The index cache"): one
 * file per source in the options' cache folder, written after a scan and
 * mapped by a later open of the same source with the same options, which
 * then does no scan. The file is trusted only when its checksum, version,
 * options key and every source file's and folder's identity match; a file
 * that fails any of these is ignored with a notice and written again. A
 * failure to write one is a notice too, never a failure of the open.
 */
#ifndef CCM_CACHE_H
#define CCM_CACHE_H

#include "index.h"

/*
 * Loads the index of source src->cache_root (absolute, real; its options
 * key in src->cache_key) from src->opts's cache folder into src, which
 * holds none yet. true when it did (a notice names the file); false when
 * there was none to use, src then as it was.
 */
bool ccm_cache_load(struct ccm_source *src);

/* Writes the index of src, scanned from src->cache_root, to its cache
 * file with the key src->cache_key, replacing it by rename; a failure is
 * a notice. */
void ccm_cache_store(const struct ccm_source *src);

#endif
