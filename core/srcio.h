/*
 * Reading source files at render time, through a small table of cached
 * descriptors (srcio.c). Safe from several threads at once.
 */
#ifndef CCM_SRCIO_H
#define CCM_SRCIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* Sets up and frees the descriptor table of src (ccm_source_open and
 * ccm_source_close call them). */
ccm_err ccm_src_fds_init(struct ccm_source *src);
void ccm_src_fds_free(struct ccm_source *src);

/*
 * Lends the descriptor kept for source file `file`, checked unchanged
 * since the scan (descriptor and path): *fd stays open, and is not to be
 * closed, until ccm_src_unlend(src, file), which must follow every
 * success soon (it holds the file's slot: no other file can take it
 * until then). Reads must not move its file position (pread, splice
 * with an offset).
 */
ccm_err ccm_src_lend(const struct ccm_source *src, uint32_t file, int *fd);
void ccm_src_unlend(const struct ccm_source *src, uint32_t file);

/*
 * Reads len source bytes at off into buf, from a descriptor that showed
 * the scan's identity when it was opened; CCM_ERR_CHANGED when it cannot
 * be opened as that file. The bytes are only trusted once
 * ccm_src_verify has passed after the read.
 */
ccm_err ccm_src_pread(const struct ccm_source *src, uint32_t file, void *buf,
                      size_t len, uint64_t off);

/* CCM_ERR_CHANGED unless the path of `file` leads, now, to the file of
 * the scan's identity (srcfile.h). Takes no lock. */
ccm_err ccm_src_verify(const struct ccm_source *src, uint32_t file);

#endif
