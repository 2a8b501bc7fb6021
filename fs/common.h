/*
 * What ccmailfs and ccmail2iff share: exit codes, the options that shape
 * the output, and turning core errors into words for the operator.
 */
#ifndef CCM_FS_COMMON_H
#define CCM_FS_COMMON_H

#include "ccmailfs/ccmailfs.h"

/* Exit codes, documented in README.md. */
enum {
	CCM_EXIT_OK = 0,
	CCM_EXIT_IO = 1, /* a read failed while writing, or the mount failed */
	CCM_EXIT_USAGE = 2,     /* bad usage */
	CCM_EXIT_SOURCE = 3,    /* the source is missing or unreadable */
	CCM_EXIT_NOTEXPORT = 4, /* no PO.INI in the source or under it */
	CCM_EXIT_NATIVE = 5,    /* a native DB6/DB8 post office */
	CCM_EXIT_OUTPUT = 6, /* the output folder or mount point is unusable */
};

/* The default SEC split size as text, for the help texts. */
#define CCM_SPLIT_DEFAULT_TEXT CCM_STRINGIFY(CCM_SEC_SPLIT_DEFAULT)

/* The exit code for a failure of ccm_source_open. */
int ccm_exit_code(ccm_err err);

/*
 * Sets one output option from its name and value ("codepage", "850");
 * names: codepage, dos83 (no value), sec_split, date_order, view, cache
 * (the index cache's folder, value kept, not copied), nocache. Returns false
 * with a message on stderr when the value is bad.
 */
bool ccm_set_option(struct ccm_options *o, const char *name, const char *value);

/*
 * After the options: the index cache's folder unless "nocache" was set,
 * by default $XDG_CACHE_HOME/ccmailfs, else /var/cache/ccmailfs for root,
 * else ~/.cache/ccmailfs (README.md, "The index cache").
 */
void ccm_cache_default(struct ccm_options *o);

#endif
