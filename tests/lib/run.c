/*
 * Child programs (see run.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "run.h"

int tl_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* In a new child, before exec: a clean signal state and the files. */
static void child_setup(const char *cwd, int out_fd, int err_fd)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	int in = open("/dev/null", O_RDONLY);
	if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(err_fd, 2) < 0)
		_exit(126);
	if (cwd && chdir(cwd))
		_exit(126);
}

pid_t tl_spawn(const char *const argv[], const char *cwd, int out_fd,
               int err_fd, bool tie)
{
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (tie) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(125);
		}
		child_setup(cwd, out_fd, err_fd);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int tl_wait_pid(pid_t pid, int timeout_s)
{
	int status = 0;
	for (long waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, &status, timeout_s < 0 ? 0 : WNOHANG);
		if (r == pid)
			return tl_status(status);
		/* Not our child (should a detached daemon not have been
		 * handed to us as subreaper): its end is all we can see. */
		if (r < 0 && errno == ECHILD && kill(pid, 0) && errno == ESRCH)
			return 0;
		if (r < 0 && errno != EINTR && errno != ECHILD)
			return TL_TIMEOUT;
		if (timeout_s >= 0 && waited >= timeout_s * 1000L)
			break;
		if (r == 0)
			usleep(10000);
	}
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return TL_TIMEOUT;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return TL_TIMEOUT;
}

/* A file for a child's output: path appended to, or /dev/null. */
static int out_file(const char *path)
{
	int fd = open(path ? path : "/dev/null",
	              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	cr_assert(fd >= 0, "open %s: %s", path ? path : "/dev/null",
	          strerror(errno));
	return fd;
}

int tl_run(const char *const argv[], const char *out, const char *err,
           int timeout_s)
{
	int ofd = out_file(out), efd = out_file(err);
	pid_t pid = tl_spawn(argv, NULL, ofd, efd, false);
	close(ofd);
	close(efd);
	return tl_wait_pid(pid, timeout_s);
}

/* Reads all of fd from its start into a NUL-terminated buffer. */
static char *drain(int fd)
{
	lseek(fd, 0, SEEK_SET);
	size_t cap = 4096, len = 0;
	char *p = malloc(cap + 1);
	cr_assert_not_null(p);
	for (;;) {
		ssize_t r = read(fd, p + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == cap) {
			cap *= 2;
			p = realloc(p, cap + 1);
			cr_assert_not_null(p);
		}
	}
	p[len] = '\0';
	return p;
}

int tl_capture(const char *const argv[], const char *cwd, char **out,
               char **err)
{
	/*
	 * Output goes to memory files rather than pipes, so a child that
	 * writes much to both streams can never block on us, and nothing is
	 * left in /tmp.
	 */
	int ofd = memfd_create("ccm-test-out", MFD_CLOEXEC);
	int efd = memfd_create("ccm-test-err", MFD_CLOEXEC);
	cr_assert(ofd >= 0 && efd >= 0, "memfd_create: %s", strerror(errno));
	int rc = tl_wait_pid(tl_spawn(argv, cwd, ofd, efd, false), -1);
	if (out)
		*out = drain(ofd);
	if (err)
		*err = drain(efd);
	close(ofd);
	close(efd);
	return rc;
}

const char **tl_argv(const char *const head[], size_t nhead,
                     const char *const args[], const char *const tail[],
                     size_t ntail)
{
	size_t nargs = 0;
	while (args && args[nargs])
		nargs++;
	const char **v = calloc(nhead + nargs + ntail + 1, sizeof(*v));
	cr_assert_not_null(v);
	size_t k = 0;
	for (size_t i = 0; i < nhead; i++)
		v[k++] = head[i];
	for (size_t i = 0; i < nargs; i++)
		v[k++] = args[i];
	for (size_t i = 0; i < ntail; i++)
		v[k++] = tail[i];
	v[k] = NULL;
	return v;
}
