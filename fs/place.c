#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "place.h"

int ccm_temp_beside(const char *dir, const char *name, const char *tag,
                    char *out, size_t outsz)
{
	if (snprintf(out, outsz, "%s/.%s.%s-XXXXXX", dir, name, tag) >=
	    (int)outsz)
		return ENAMETOOLONG;
	if (!mkdtemp(out))
		return errno;
	/* mkdtemp makes it 0700: give it what mkdir(0755) would. */
	mode_t mask = umask(0);
	umask(mask);
	return chmod(out, 0755 & ~mask) ? errno : 0;
}

static int remove_one(const char *path, const struct stat *st, int type,
                      struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) && errno != ENOENT ? errno : 0;
}

int ccm_remove_tree(const char *path)
{
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The old final renamed aside, then tmp in place: for file systems
 * without RENAME_EXCHANGE. A moment without final, never a mix. */
static int replace_in_two(const char *tmp, const char *final)
{
	char aside[PATH_MAX], dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", final);
	char *slash = strrchr(dir, '/');
	const char *name = slash ? slash + 1 : dir;
	if (slash)
		*slash = '\0';
	int err = ccm_temp_beside(slash ? dir : ".", name, "old", aside,
	                          sizeof(aside));
	/* rename(2) replaces the empty folder just made. */
	if (!err && rename(final, aside))
		err = errno;
	if (!err && rename(tmp, final)) {
		err = errno;
		rename(aside, final);
	}
	if (!err)
		ccm_remove_tree(aside);
	else
		rmdir(aside);
	return err;
}

int ccm_put_in_place(const char *tmp, const char *final, bool replace)
{
	if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE))
		return 0;
	if (errno != EEXIST && errno != EINVAL && errno != ENOSYS)
		return errno;
	if (errno != EEXIST) { /* no RENAME_NOREPLACE here */
		struct stat st;
		if (lstat(final, &st))
			return rename(tmp, final) ? errno : 0;
	}
	if (!replace)
		return EEXIST;
	/* Swapped in one step: final is the old tree or the new one, whole,
	 * at every moment; then the old one, now at tmp, goes. */
	if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE))
		return ccm_remove_tree(tmp);
	if (errno != EINVAL && errno != ENOSYS)
		return errno;
	return replace_in_two(tmp, final);
}
