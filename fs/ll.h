/*
 * The FUSE glue: low-level operations over a scanned source. It only
 * translates: inode to node, node to the core's file, range to bytes,
 * core error to errno.
 */
#ifndef CCM_LL_H
#define CCM_LL_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <stdatomic.h>
#include <sys/types.h>

#include "ccmailfs/ccmailfs.h"

struct ccm_ll {
	const ccm_source *src;
	uid_t uid;
	gid_t gid;
	mode_t umask;
	int nosplice; /* copy attachment data instead of splicing it */
	/* The kernel opens folders and files without asking (op_open). */
	bool no_opendir, no_open;
	/* What statfs tells: bytes of every file, and every node
	 * (ccm_ll_count). */
	uint64_t bytes, files;
	/* Set on SIGTERM (term.c): the mount is detached, lookups fail. */
	atomic_int closing;
	/* Where run-time problems go (stderr, or syslog once daemonised). */
	void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
};

/* Sets every operation of the mount in ops: those of ll.c, then the
 * refusals of ccm_ll_ro_ops. */
void ccm_ll_set_ops(struct fuse_lowlevel_ops *ops);

/* ll_ro.c: sets in ops every operation that would change the tree, each
 * answering EROFS. */
void ccm_ll_ro_ops(struct fuse_lowlevel_ops *ops);

/* Once ll->src is set, before the session starts: the totals statfs
 * gives. */
void ccm_ll_count(struct ccm_ll *ll);

#endif
