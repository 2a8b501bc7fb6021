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

/* A new descriptor of source file `file`, checked unchanged since the
 * scan (descriptor and path); the caller closes it. */
ccm_err ccm_src_dup(const struct ccm_source *src, uint32_t file, int *fd);

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
