/*
 * The fixture of the mount suites (see fixture.h).
 */
#include <glob.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "fixture.h"
#include "files.h"
#include "mount.h"
#include "scratch.h"

static pid_t owner;
static volatile sig_atomic_t emergency_done;
static bool hooks_installed;

static bool keep_scratch(void)
{
	const char *keep = getenv("CCM_KEEP_SCRATCH");
	return keep && *keep == '1';
}

static void on_fatal_signal(int sig)
{
	if (getpid() == owner && !emergency_done) {
		emergency_done = 1;
		tl_mount_emergency();
	}
	/* SA_RESETHAND restored the default action: die of it. */
	raise(sig);
}

static void at_exit(void)
{
	tl_teardown();
}

static void install_hooks(void)
{
	hooks_installed = true;
	atexit(at_exit);
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGSEGV,
	                           SIGBUS,  SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

void tl_setup(void)
{
	owner = getpid();
	tl_mount_prepare();
	/* Daemons that detach (daemon mode, mount -t) become our children,
	 * so that we can reap them and learn how they exited. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	tl_scratch_make();
	if (!hooks_installed)
		install_hooks();
}

void tl_teardown(void)
{
	if (getpid() != owner)
		return;
	bool left = tl_mount_release_all();
	bool keep = keep_scratch();
	/* A folder still mounted on is left alone rather than emptied. */
	tl_scratch_drop(!left && !keep, keep);
}

/*
 * The runner's last word: no test may leave a mount behind, even one
 * killed by Criterion's timeout. Any left is unmounted here, and the run
 * made to fail.
 */
static void fail_run(void)
{
	fflush(NULL);
	_exit(1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), TL_SCRATCH_PREFIX "%d-",
	         (int)getpid());
	bool stale = tl_mount_sweep(prefix);
	if (!keep_scratch()) {
		char pattern[80];
		snprintf(pattern, sizeof(pattern), "%s*", prefix);
		glob_t g;
		if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				tl_remove_tree(g.gl_pathv[i]);
			globfree(&g);
		}
	}
	if (stale)
		atexit(fail_run);
}

/*
 * Under -Db_sanitize=address, a test process that an assertion ends leaks
 * by design; the leaks that matter are the daemon's, which its log check
 * catches. (Only read by the sanitizer runtime; unused otherwise.)
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
