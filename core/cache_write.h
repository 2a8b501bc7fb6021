/*
 * Writing the persistent index (cache_table.h) of a source to a file.
 */
#ifndef CCM_CACHE_WRITE_H
#define CCM_CACHE_WRITE_H

#include "index.h"

/*
 * Writes the index of src, just scanned and laid out, with options key
 * key (keylen bytes) to fd, an empty file open for writing; root is the
 * source's folder (absolute, real), below which paths are written
 * relative. Returns false when a write failed (errno tells why).
 */
bool ccm_cache_write(const struct ccm_source *src, const char *root,
                     const char *key, size_t keylen, int fd);

#endif
