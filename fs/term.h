/*
 * Graceful SIGTERM: a lazy unmount, then the daemon ends once the kernel
 * releases the mount (term.c).
 */
#ifndef CCM_TERM_H
#define CCM_TERM_H

#include "ll.h"

/*
 * Blocks SIGTERM in the calling thread (and so in every thread it starts
 * later) and starts the thread that answers it: it sets ll->closing and
 * unmounts mountpoint lazily. Call once the mount exists and after
 * fuse_daemonize (a fork keeps no thread), before the session loop.
 * Returns 0, or -1 when the thread cannot start (SIGTERM then keeps
 * libfuse's handler). The thread lives until the process ends.
 */
int ccm_term_start(struct ccm_ll *ll, const char *mountpoint);

#endif
