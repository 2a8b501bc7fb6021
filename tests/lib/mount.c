/*
 * Real mounts of ccmailfs for the mount suites (see mount.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "files.h"
#include "mount.h"
#include "run.h"
#include "scratch.h"

extern char **environ;

#define MAX_MOUNTS 16

/*
 * Everything the signal handlers read lives in fixed arrays that are
 * filled before a mount is made, so that they never need malloc or stdio.
 */
static struct tl_mount mounts[MAX_MOUNTS];
static char fusermount[TL_PATH];
static int mount_serial;

static bool find_in_path(const char *name, char *out)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : "/usr/bin:/bin"), *save;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, TL_PATH, "%s/%s", d, name);
		found = access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

void tl_mount_prepare(void)
{
	/* libfuse's own tests skip rather than fail without FUSE. */
	int fd = open("/dev/fuse", O_RDWR);
	if (fd < 0)
		cr_skip_test("/dev/fuse cannot be opened: %s", strerror(errno));
	close(fd);
	if (!find_in_path("fusermount3", fusermount))
		cr_skip_test("fusermount3 is not installed");
	struct stat st;
	if (geteuid() != 0 &&
	    (stat(fusermount, &st) || !(st.st_mode & S_ISUID)))
		cr_skip_test("not root, and fusermount3 is not setuid");
}

/* Undoes the octal escapes of /proc/self/mounts (\040 for a blank...). */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] &&
		    r[3]) {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
			              (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/*
 * Calls fn with the mount point (unescaped) and type of every line of
 * /proc/self/mounts; false when the table cannot be read.
 */
static bool each_mount(void (*fn)(const char *mnt, const char *type, void *arg),
                       void *arg)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *save, *dev = strtok_r(line, " ", &save);
		char *mnt = dev ? strtok_r(NULL, " ", &save) : NULL;
		char *fstype = mnt ? strtok_r(NULL, " ", &save) : NULL;
		if (!fstype)
			continue;
		unescape(mnt);
		fn(mnt, fstype, arg);
	}
	free(line);
	fclose(f);
	return true;
}

struct find_mount {
	const char *path;
	char *type;
	bool found;
};

static void match_mount(const char *mnt, const char *type, void *arg)
{
	struct find_mount *q = arg;
	if (strcmp(mnt, q->path))
		return;
	q->found = true;
	if (q->type)
		snprintf(q->type, 64, "%s", type);
}

bool tl_mounted(const char *path, char *type)
{
	struct find_mount q = {path, type, false};
	cr_assert(each_mount(match_mount, &q), "/proc/self/mounts: %s",
	          strerror(errno));
	return q.found;
}

static struct tl_mount *new_slot(void)
{
	for (int i = 0; i < MAX_MOUNTS; i++)
		if (!mounts[i].used) {
			memset(&mounts[i], 0, sizeof(mounts[i]));
			return &mounts[i];
		}
	cr_assert_fail("too many mounts in one test");
	return NULL;
}

/* Splits CCM_MOUNT_WRAPPER at blanks into words (kept for the test). */
static size_t wrapper_words(const char **words, size_t max)
{
	const char *w = getenv("CCM_MOUNT_WRAPPER");
	size_t n = 0;
	if (!w || !*w)
		return 0;
	char *copy = strdup(w), *save;
	cr_assert_not_null(copy);
	for (char *t = strtok_r(copy, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		words[n++] = t;
	return n;
}

/* Fails the test with a message and the daemon's output. */
static void fail_with_log(const char *log, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void fail_with_log(const char *log, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	char *text = log[0] ? tl_slurp(log, NULL) : strdup("");
	cr_assert_fail("%s; the daemon's output:\n%s", what, text);
}

void tl_wait_mounted(struct tl_mount *m, const char *type)
{
	struct stat ps, ms;
	cr_assert(stat(tl_scratch(), &ps) == 0);
	for (int i = 0;; i++) {
		int status;
		if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
			m->pid = 0;
			fail_with_log(m->log,
			              "%s exited with %d before mounting", type,
			              tl_status(status));
		}
		if (stat(m->mnt, &ms) == 0 && ms.st_dev != ps.st_dev)
			break;
		if (i >= 3000)
			fail_with_log(m->log, "not mounted after 30 s");
		usleep(10000);
	}
	char got[64] = "";
	cr_assert(tl_mounted(m->mnt, got), "%s: not in /proc/self/mounts",
	          m->mnt);
	cr_assert_str_eq(got, type);
}

struct tl_mount *tl_mount(const char *src, const char *const opts[])
{
	struct tl_mount *m = new_slot();
	int k = ++mount_serial;
	tl_join(m->mnt, "%s/mnt%d", tl_scratch(), k);
	tl_join(m->log, "%s/daemon%d.log", tl_scratch(), k);
	cr_assert(mkdir(m->mnt, 0755) == 0, "mkdir %s: %s", m->mnt,
	          strerror(errno));

	const char *head[16];
	size_t nhead = wrapper_words(head, 12);
	head[nhead++] = tl_env("CCM_CCMAILFS");
	head[nhead++] = "-f";
	const char *tail[] = {src, m->mnt};
	const char **argv = tl_argv(head, nhead, opts, tail, 2);
	int log = open(m->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	cr_assert(log >= 0, "open %s: %s", m->log, strerror(errno));
	/* Should the test process die without its .fini, the daemon gets
	 * SIGTERM and unmounts itself. */
	m->pid = tl_spawn(argv, NULL, log, log, true);
	m->used = true;
	close(log);
	free(argv);
	tl_wait_mounted(m, "fuse.ccmailfs");
	return m;
}

struct tl_mount *tl_adopt(const char *mnt, pid_t pid)
{
	struct tl_mount *m = new_slot();
	tl_join(m->mnt, "%s", mnt);
	m->pid = pid;
	m->used = true;
	return m;
}

pid_t tl_find_daemon(const char *mnt)
{
	DIR *d = opendir("/proc");
	cr_assert_not_null(d);
	pid_t found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		char buf[8192];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		const char *arg0 = buf, *base = strrchr(arg0, '/');
		base = base ? base + 1 : arg0;
		if (strcmp(base, "ccmailfs"))
			continue;
		for (const char *a = buf; a < buf + n; a += strlen(a) + 1)
			if (!strcmp(a, mnt))
				found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* fusermount3 -u [-z] mnt, its output to /dev/null; returns as tl_run. */
static int fusermount_u(const char *mnt, bool lazy)
{
	const char *plain[] = {fusermount, "-u", mnt, NULL};
	const char *z[] = {fusermount, "-u", "-z", mnt, NULL};
	return tl_run(lazy ? z : plain, NULL, NULL, 60);
}

/* Unmounts and reaps without asserting: for teardown, after a failure. */
static void quiet_unmount(struct tl_mount *m)
{
	if (tl_mounted(m->mnt, NULL)) {
		fusermount_u(m->mnt, false);
		if (tl_mounted(m->mnt, NULL))
			fusermount_u(m->mnt, true);
		if (tl_mounted(m->mnt, NULL))
			umount2(m->mnt, MNT_DETACH);
	}
	if (m->pid > 0)
		tl_wait_pid(m->pid, 10);
	m->pid = 0;
	m->used = false;
}

int tl_umount(struct tl_mount *m)
{
	if (tl_mounted(m->mnt, NULL) && fusermount_u(m->mnt, false))
		fusermount_u(m->mnt, true);
	int rc = 0;
	if (m->pid > 0)
		rc = tl_wait_pid(m->pid, 30);
	m->pid = 0;
	bool still = tl_mounted(m->mnt, NULL);
	char mnt[TL_PATH];
	tl_join(mnt, "%s", m->mnt);
	if (still)
		quiet_unmount(m);
	m->used = false;
	cr_assert(!still, "%s is still mounted after fusermount3 -u", mnt);
	cr_assert(rc != TL_TIMEOUT, "the daemon of %s did not exit", mnt);
	return rc;
}

void tl_finish(void)
{
	for (int i = 0; i < MAX_MOUNTS; i++) {
		struct tl_mount *m = &mounts[i];
		if (!m->used)
			continue;
		char log[TL_PATH];
		tl_join(log, "%s", m->log);
		int rc = tl_umount(m);
		if (rc != 0)
			fail_with_log(log, "the daemon exited with %d", rc);
		if (log[0])
			tl_assert_quiet_log(log);
	}
}
void tl_assert_quiet_log(const char *path)
{
	static const char *const marks[] = {
	        "error",      "warning",   "sanitizer",    "==",
	        "assertion",  "abort",     "segmentation", "leak",
	        "uninitiali", "exception", "crash",
	};
	/* The one line a source with warnings rightly gives at mount. */
	regex_t summary;
	cr_assert(regcomp(&summary,
	                  "^ccmailfs: .+: [0-9]+ warning.*, [0-9]+ item.* "
	                  "left out; see .+/REPORT\\.TXT$",
	                  REG_EXTENDED | REG_NOSUB) == 0);
	char *text = tl_slurp(path, NULL);
	for (char *save, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!regexec(&summary, line, 0, NULL, 0))
			continue;
		char low[1024];
		snprintf(low, sizeof(low), "%s", line);
		for (char *c = low; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (size_t i = 0; i < sizeof(marks) / sizeof(*marks); i++)
			cr_assert(!strstr(low, marks[i]),
			          "%s: a suspicious line (\"%s\"): %s", path,
			          marks[i], line);
	}
	regfree(&summary);
	free(text);
}

/*
 * Only async-signal-safe calls: fork, execve, waitpid, kill, open, dup2.
 * Lazy unmounts, since a busy mount must go all the same.
 */
void tl_mount_emergency(void)
{
	for (int i = 0; i < MAX_MOUNTS; i++) {
		struct tl_mount *m = &mounts[i];
		if (!m->used)
			continue;
		pid_t p = fork();
		if (p == 0) {
			int fd = open("/dev/null", O_RDWR);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			char *const argv[] = {fusermount, (char *)"-u",
			                      (char *)"-z", m->mnt, NULL};
			execve(fusermount, argv, environ);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
		if (m->pid > 0)
			kill(m->pid, SIGTERM);
	}
}

bool tl_mount_release_all(void)
{
	bool left = false;
	for (int i = 0; i < MAX_MOUNTS; i++) {
		if (!mounts[i].used)
			continue;
		quiet_unmount(&mounts[i]);
		left |= tl_mounted(mounts[i].mnt, NULL);
	}
	return left;
}

struct sweep {
	const char *prefix;
	bool stale;
};

static void detach_stale(const char *mnt, const char *type, void *arg)
{
	(void)type;
	struct sweep *q = arg;
	if (strncmp(mnt, q->prefix, strlen(q->prefix)))
		return;
	fprintf(stderr, "STALE MOUNT left by a test: %s\n", mnt);
	umount2(mnt, MNT_DETACH);
	q->stale = true;
}

bool tl_mount_sweep(const char *prefix)
{
	struct sweep q = {prefix, false};
	each_mount(detach_stale, &q);
	return q.stale;
}
