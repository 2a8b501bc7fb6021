/*
 * What the command lines of ccmailfs and ccmail2iff do alike: messages
 * that start with the program's name, short usage errors, the check that
 * one folder is not inside another, and the time both show for the top
 * folder.
 */
#ifndef CCM_FS_CLI_H
#define CCM_FS_CLI_H

#include <stdbool.h>
#include <time.h>

#include "ccmailfs/ccmailfs.h"

/* Exit codes added with these checks, documented in README.md. */
enum {
	CCM_EXIT_MOUNTED =
	        7, /* ccmailfs: MOUNTPOINT is already a mount point */
	CCM_EXIT_OVERLAP = 8, /* ccmailfs: MOUNTPOINT and SOURCE overlap */
	CCM_EXIT_EXISTS = 9,  /* ccmail2iff: a post office folder exists */
	CCM_EXIT_SIGINT = 130,
	CCM_EXIT_SIGTERM = 143,
};

/* The program's name without its folder, for the start of each message. */
const char *ccm_prog(void);

/* Prints "PROG: message" (a line end added) on stderr. */
void ccm_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "Try 'PROG --help' for more information." on stderr; returns
 * CCM_EXIT_USAGE. */
int ccm_try_help(void);

/* ccm_say then ccm_try_help: a usage error in two lines. */
int ccm_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Is path inside folder dir, or dir itself, once both are resolved (links
 * followed)? path need not exist yet: its longest existing part is
 * resolved. False when dir cannot be resolved.
 */
bool ccm_inside(const char *path, const char *dir);

/* The newest mtime of all post offices: what the top folder shows. */
struct timespec ccm_newest_mtime(const ccm_source *src);

#endif
