/*
 * SIGTERM, answered as squashfuse answers it: a lazy unmount.
 *
 * libfuse's own handler ends the session loop at once, which closes
 * /dev/fuse and cuts every reader off mid-file (ENOTCONN). Instead the
 * mount is detached from the tree (umount2 MNT_DETACH as root,
 * "fusermount3 -u -z" otherwise): no new path reaches it, new lookups
 * are refused, and files already open keep being served. When the last
 * of them is closed, the kernel lets go of the connection, the next read
 * of /dev/fuse fails with ENODEV, and the loop ends as after any unmount:
 * the daemon exits 0.
 *
 * The unmount cannot run in a signal handler (fusermount3 is a program),
 * so SIGTERM is blocked in every thread and one thread waits for it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "term.h"

extern char **environ;

static struct {
	struct ccm_ll *ll;
	char *mnt;
	sigset_t set;
} term;

/* fusermount3 -u -z MNT, for a daemon that is not root. */
static int fusermount_lazy(void)
{
	static char prog[] = "fusermount3", u[] = "-u", z[] = "-z";
	char *argv[] = {prog, u, z, term.mnt, NULL};
	pid_t pid;
	int st;
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ))
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

static void *term_wait(void *arg)
{
	(void)arg;
	int sig;
	while (sigwait(&term.set, &sig) == 0) {
		if (atomic_exchange(&term.ll->closing, 1))
			continue; /* detached already */
		/* Said before the unmount: once the kernel lets go, the
		 * loop may end the process before a later line is out. */
		term.ll->log("%s: SIGTERM: unmounting; open files are "
		             "served until they are closed",
		             term.mnt);
		int err = umount2(term.mnt, MNT_DETACH) ? errno : 0;
		if (err && fusermount_lazy() == 0)
			err = 0;
		if (err)
			term.ll->log("%s: lazy unmount failed: %s", term.mnt,
			             strerror(err));
	}
	return NULL;
}

int ccm_term_start(struct ccm_ll *ll, const char *mountpoint)
{
	term.ll = ll;
	term.mnt = strdup(mountpoint);
	if (!term.mnt)
		return -1;
	sigemptyset(&term.set);
	sigaddset(&term.set, SIGTERM);
	pthread_t th;
	if (pthread_sigmask(SIG_BLOCK, &term.set, NULL) ||
	    pthread_create(&th, NULL, term_wait, NULL)) {
		free(term.mnt);
		term.mnt = NULL;
		return -1;
	}
	pthread_detach(th);
	return 0;
}
