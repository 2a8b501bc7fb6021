/*
 * The options key of an index file (cache_key.c): what the output
 * depends on besides the source files, written into the file and
 * compared whole at load.
 */
#ifndef CCM_CACHE_KEY_H
#define CCM_CACHE_KEY_H

#include "index.h"

/*
 * Appends to key the source's folder root, each output option of o and
 * the build constants that shape the index; for a mail view also its
 * zone and address map, each with a checksum of its file's bytes as
 * they are now. A new option that changes the output is one more line.
 */
void ccm_cache_key(const struct ccm_options *o, const char *root,
                   struct ccm_buf *key);

#endif
