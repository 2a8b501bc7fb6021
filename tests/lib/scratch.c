/*
 * The scratch folder of a mount test (see scratch.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "files.h"
#include "run.h"
#include "scratch.h"

/* Read by tl_teardown from an atexit hook: a fixed array, never freed. */
static char scratch[TL_PATH];

void tl_scratch_make(void)
{
	/* Named after the runner (our parent), which sweeps its own
	 * leftovers at the end (see the POST_ALL hook of fixture.c). */
	char tmpl[TL_PATH];
	snprintf(tmpl, sizeof(tmpl), TL_SCRATCH_PREFIX "%d-XXXXXX",
	         (int)getppid());
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp: %s", strerror(errno));
	cr_assert_not_null(realpath(tmpl, scratch));
	/* Every ccmailfs and ccmail2iff the test runs keeps its index cache
	 * here, never in the user's cache (README.md, "The index cache"). */
	char cache[TL_PATH];
	tl_join(cache, "%s/cache", scratch);
	cr_assert(!setenv("XDG_CACHE_HOME", cache, 1));
}

void tl_scratch_drop(bool remove, bool tell)
{
	if (!scratch[0])
		return;
	if (remove)
		tl_remove_tree(scratch);
	if (tell)
		fprintf(stderr, "scratch kept: %s\n", scratch);
	scratch[0] = '\0';
}

const char *tl_scratch(void)
{
	cr_assert(scratch[0], "tl_setup did not run");
	return scratch;
}

void tl_newdir(char *out, const char *name)
{
	tl_join(out, "%s/%s", tl_scratch(), name);
	cr_assert(mkdir(out, 0755) == 0, "mkdir %s: %s", out, strerror(errno));
}

void tl_run_ok(const char *const argv[], const char *logname)
{
	char log[TL_PATH];
	tl_join(log, "%s/%s", tl_scratch(), logname);
	int rc = tl_run(argv, log, log, 300);
	if (rc != 0) {
		char *text = tl_slurp(log, NULL);
		cr_assert_fail("%s exited with %d:\n%s", argv[0], rc, text);
	}
}

int tl_shell(const char *fmt, ...)
{
	char cmd[3 * TL_PATH], log[TL_PATH];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(cmd), "command too long");
	tl_join(log, "%s/shell.log", tl_scratch());
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	return tl_run(argv, log, log, 300);
}
