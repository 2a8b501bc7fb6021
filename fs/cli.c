#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"

const char *ccm_prog(void)
{
	return program_invocation_short_name;
}

static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", ccm_prog());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ccm_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

int ccm_try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", ccm_prog());
	return CCM_EXIT_USAGE;
}

int ccm_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return ccm_try_help();
}

bool ccm_inside(const char *path, const char *dir)
{
	char rd[PATH_MAX], rp[PATH_MAX], tmp[PATH_MAX];
	if (!realpath(dir, rd))
		return false;
	snprintf(tmp, sizeof(tmp), "%s", path);
	/* Resolve the longest part of path that exists. */
	char *cut = NULL;
	while (!realpath(tmp, rp)) {
		char *slash = strrchr(tmp, '/');
		if (cut)
			*cut = '/';
		if (!slash || slash == tmp) {
			if (!getcwd(rp, sizeof(rp)))
				return false;
			break;
		}
		*slash = '\0';
		cut = slash;
	}
	size_t n = strlen(rd);
	if (n == 1) /* "/" holds everything */
		return true;
	return !strncmp(rp, rd, n) && (rp[n] == '/' || rp[n] == '\0');
}

struct timespec ccm_newest_mtime(const ccm_source *src)
{
	struct timespec t = {0, 0};
	for (size_t i = 0; i < ccm_source_po_count(src); i++) {
		struct timespec m = ccm_po_mtime(src, i);
		if (m.tv_sec > t.tv_sec ||
		    (m.tv_sec == t.tv_sec && m.tv_nsec > t.tv_nsec))
			t = m;
	}
	return t;
}
