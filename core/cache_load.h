/*
 * Reading the persistent index (cache_table.h) back: untrusted input,
 * every offset, length and index checked before use.
 */
#ifndef CCM_CACHE_LOAD_H
#define CCM_CACHE_LOAD_H

#include <stddef.h>

#include "cache_sum.h"
#include "index.h"

/*
 * Builds src's index (post offices, source files, folders) from the n
 * bytes of an index file at map, which src then owns (src->map, unmapped
 * by ccm_index_free); root is the source's folder, against which the
 * file's relative paths are read. The header's format and version, every
 * section's bounds, every string and every index into an array are
 * checked; the checksum, the options key and the source files'
 * identities are not (the caller's, cache.c). Returns false with a reason
 * in why (whysz bytes) when the bytes are not a sound index; src may then
 * hold part of one, for ccm_index_free. fd is the file map maps, from
 * which the checks read the large arrays (cache_check.h), or -1. sum:
 * NULL, or where the checks add the sum of the sections they read
 * (ccm_cache_check_sums; complete when the parse returns true).
 * src_done(arg), when not NULL, is called once src->files and src->dirs
 * are read and checked, before the post offices: it may read them, and
 * write their rofs marks, while the parse goes on.
 */
bool ccm_cache_parse(struct ccm_source *src, const char *map, size_t n, int fd,
                     struct ccm_cache_sum *sum, const char *root,
                     void (*src_done)(void *), void *arg, char *why,
                     size_t whysz);

/* The header of an index file of n bytes at map, or NULL when it is too
 * short, of another format or version, or of another size. */
const struct ccm_cache_hdr *ccm_cache_header(const char *map, size_t n);

#endif
