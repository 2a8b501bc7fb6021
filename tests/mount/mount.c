/*
 * The fixture of the mount suites (see mount.h).
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount.h"

extern char **environ;

#define MAX_MOUNTS 16
#define SCRATCH_PREFIX "/tmp/ccm-mount-"

/*
 * Everything the signal handlers read lives in fixed arrays that are
 * filled before a mount is made, so that they never need malloc or stdio.
 */
static struct tm_mount mounts[MAX_MOUNTS];
static char scratch[TM_PATH];
static char fusermount[TM_PATH];
static pid_t owner;
static volatile sig_atomic_t emergency_done;
static bool hooks_installed;
static int mount_serial;

/* ------------------------------------------------------------------ */
/* small helpers */

void tm_join(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, TM_PATH, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && n < TM_PATH, "path too long: %s", out);
}

const char *tm_env(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v && *v, "%s is not set: run the suite through meson test",
	          name);
	return v;
}

void tm_require_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("this test needs root");
}

const char *tm_scratch(void)
{
	cr_assert(scratch[0], "tm_setup did not run");
	return scratch;
}

void tm_newdir(char *out, const char *name)
{
	tm_join(out, "%s/%s", tm_scratch(), name);
	cr_assert(mkdir(out, 0755) == 0, "mkdir %s: %s", out, strerror(errno));
}

void tm_write(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0, "create %s: %s", path, strerror(errno));
	const char *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		cr_assert(w > 0, "write %s: %s", path, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	cr_assert(close(fd) == 0, "close %s: %s", path, strerror(errno));
}

char *tm_slurp(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	cr_assert_not_null(buf);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
		ssize_t r = read(fd, buf + len, cap - len);
		cr_assert(r >= 0, "read %s: %s", path, strerror(errno));
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (n)
		*n = len;
	return buf;
}

uint64_t tm_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t tm_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------------ */
/* child processes */

static int decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/*
 * Waits for pid; a child still running after its time gets SIGTERM, then
 * SIGKILL, so that a hung program can never hang the suite.
 */
int tm_wait_pid(pid_t pid, int timeout_s)
{
	int status = 0;
	for (long waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return decode_status(status);
		/* Not our child (should a detached daemon not have been
		 * handed to us as subreaper): its end is all we can see. */
		if (r < 0 && errno == ECHILD && kill(pid, 0) && errno == ESRCH)
			return 0;
		if (r < 0 && errno != EINTR && errno != ECHILD)
			return TM_TIMEOUT;
		if (waited >= timeout_s * 1000L)
			break;
		usleep(10000);
	}
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return TM_TIMEOUT;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return TM_TIMEOUT;
}

static void redirect(int fd, const char *path, int flags)
{
	int f = open(path ? path : "/dev/null", flags, 0644);
	if (f < 0)
		_exit(126);
	if (f != fd) {
		dup2(f, fd);
		close(f);
	}
}

/* In a new child, before exec: a clean signal state and the files. */
static void child_setup(const char *out, const char *err)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	redirect(0, NULL, O_RDONLY);
	redirect(1, out, O_WRONLY | O_CREAT | O_APPEND);
	redirect(2, err, O_WRONLY | O_CREAT | O_APPEND);
}

int tm_run(const char *const argv[], const char *out, const char *err,
           int timeout_s)
{
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		child_setup(out, err);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return tm_wait_pid(pid, timeout_s);
}

int tm_shell(const char *fmt, ...)
{
	char cmd[3 * TM_PATH], log[TM_PATH];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(cmd), "command too long");
	tm_join(log, "%s/shell.log", tm_scratch());
	const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	return tm_run(argv, log, log, 300);
}

/* Runs argv with its output in scratch/<logname>; asserts it exits 0. */
static void run_ok(const char *const argv[], const char *logname)
{
	char log[TM_PATH];
	tm_join(log, "%s/%s", tm_scratch(), logname);
	int rc = tm_run(argv, log, log, 300);
	if (rc != 0) {
		char *text = tm_slurp(log, NULL);
		cr_assert_fail("%s exited with %d:\n%s", argv[0], rc, text);
	}
}

/* argv = head..., args... (NULL-terminated), tail..., NULL. */
static const char **build_argv(const char *const head[], size_t nhead,
                               const char *const args[],
                               const char *const tail[], size_t ntail)
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

/* ------------------------------------------------------------------ */
/* sources and references */

void tm_gen(const char *dir, const char *const args[])
{
	const char *head[] = {tm_env("CCM_GEN")};
	const char *tail[] = {dir};
	const char **argv = build_argv(head, 1, args, tail, 1);
	run_ok(argv, "ccm-gen.log");
	free(argv);
}

void tm_set_po_name(const char *export_dir, const char *name)
{
	char path[TM_PATH];
	tm_join(path, "%s/PO.INI", export_dir);
	size_t n;
	char *text = tm_slurp(path, &n);
	size_t cap = n + strlen(name) + 64, len = 0;
	char *out = malloc(cap);
	cr_assert_not_null(out);
	int replaced = 0;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		char *end = nl ? nl + 1 : line + strlen(line);
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		bool is_name = !strncasecmp(p, "name", 4);
		if (is_name) {
			p += 4;
			while (*p == ' ' || *p == '\t')
				p++;
			is_name = *p == '=';
		}
		if (is_name) {
			const char *eol = nl && nl > line && nl[-1] == '\r'
			                          ? "\r\n"
			                          : "\n";
			len += (size_t)snprintf(out + len, cap - len,
			                        "Name=%s%s", name, eol);
			replaced++;
		} else {
			memcpy(out + len, line, (size_t)(end - line));
			len += (size_t)(end - line);
		}
		line = end;
	}
	cr_assert_eq(replaced, 1, "%s: %d Name= lines", path, replaced);
	tm_write(path, out, len);
	free(out);
	free(text);
}

void tm_gen_colliding(const char *dir, unsigned seed, const char *const args[])
{
	char s[32];
	snprintf(s, sizeof(s), "%u", seed);
	const char *head[] = {tm_env("CCM_GEN"), "--seed", s, "--pos", "3"};
	const char *tail[] = {dir};
	const char **argv = build_argv(head, 5, args, tail, 1);
	run_ok(argv, "ccm-gen.log");
	free(argv);
	static const char *const names[] = {"SALES/EAST", "sales:east",
	                                    "SALES EAST"};
	for (int i = 0; i < 3; i++) {
		char po[TM_PATH];
		tm_join(po, "%s/po%02d", dir, i + 1);
		tm_set_po_name(po, names[i]);
	}
}

void tm_reference(const char *src, const char *out, const char *const args[])
{
	const char *head[] = {tm_env("CCM_CCMAIL2IFF"), "-q"};
	const char *tail[] = {src, out};
	const char **argv = build_argv(head, 2, args, tail, 2);
	run_ok(argv, "ccmail2iff.log");
	free(argv);
}

/* ------------------------------------------------------------------ */
/* mounts */

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

bool tm_mounted(const char *path, char *type)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	cr_assert_not_null(f, "/proc/self/mounts: %s", strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	while (getline(&line, &cap, f) > 0) {
		char *save, *dev = strtok_r(line, " ", &save);
		char *mnt = dev ? strtok_r(NULL, " ", &save) : NULL;
		char *fstype = mnt ? strtok_r(NULL, " ", &save) : NULL;
		if (!fstype)
			continue;
		unescape(mnt);
		if (!strcmp(mnt, path)) {
			found = true;
			if (type)
				snprintf(type, 64, "%s", fstype);
		}
	}
	free(line);
	fclose(f);
	return found;
}

static struct tm_mount *new_slot(void)
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
	char *text = log[0] ? tm_slurp(log, NULL) : strdup("");
	cr_assert_fail("%s; the daemon's output:\n%s", what, text);
}

struct tm_mount *tm_mount(const char *src, const char *const opts[])
{
	struct tm_mount *m = new_slot();
	int k = ++mount_serial;
	tm_join(m->mnt, "%s/mnt%d", tm_scratch(), k);
	tm_join(m->log, "%s/daemon%d.log", tm_scratch(), k);
	cr_assert(mkdir(m->mnt, 0755) == 0, "mkdir %s: %s", m->mnt,
	          strerror(errno));

	const char *head[16];
	size_t nhead = wrapper_words(head, 12);
	head[nhead++] = tm_env("CCM_CCMAILFS");
	head[nhead++] = "-f";
	const char *tail[] = {src, m->mnt};
	const char **argv = build_argv(head, nhead, opts, tail, 2);

	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* Should the test process die without its .fini, the daemon
		 * gets SIGTERM and unmounts itself. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(125);
		child_setup(m->log, m->log);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	free(argv);
	m->pid = pid;
	m->used = true;

	/* Mounted when the mount point's device differs from its parent's:
	 * the check libfuse's own tests make. */
	char parent_dir[TM_PATH];
	tm_join(parent_dir, "%s", tm_scratch());
	struct stat ps, ms;
	cr_assert(stat(parent_dir, &ps) == 0);
	for (int i = 0;; i++) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			m->pid = 0;
			fail_with_log(m->log,
			              "ccmailfs exited with %d before mounting",
			              decode_status(status));
		}
		if (stat(m->mnt, &ms) == 0 && ms.st_dev != ps.st_dev)
			break;
		if (i >= 3000)
			fail_with_log(m->log, "not mounted after 30 s");
		usleep(10000);
	}
	char type[64] = "";
	cr_assert(tm_mounted(m->mnt, type), "%s: not in /proc/self/mounts",
	          m->mnt);
	cr_assert_str_eq(type, "fuse.ccmailfs");
	return m;
}

struct tm_mount *tm_adopt(const char *mnt, pid_t pid)
{
	struct tm_mount *m = new_slot();
	tm_join(m->mnt, "%s", mnt);
	m->pid = pid;
	m->used = true;
	return m;
}

pid_t tm_find_daemon(const char *mnt)
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

/* fusermount3 -u [-z] mnt, its output to /dev/null; returns as tm_run. */
static int fusermount_u(const char *mnt, bool lazy)
{
	const char *plain[] = {fusermount, "-u", mnt, NULL};
	const char *z[] = {fusermount, "-u", "-z", mnt, NULL};
	return tm_run(lazy ? z : plain, NULL, NULL, 60);
}

/* Unmounts and reaps without asserting: for teardown, after a failure. */
static void quiet_unmount(struct tm_mount *m)
{
	if (tm_mounted(m->mnt, NULL)) {
		fusermount_u(m->mnt, false);
		if (tm_mounted(m->mnt, NULL))
			fusermount_u(m->mnt, true);
		if (tm_mounted(m->mnt, NULL))
			umount2(m->mnt, MNT_DETACH);
	}
	if (m->pid > 0)
		tm_wait_pid(m->pid, 10);
	m->pid = 0;
	m->used = false;
}

int tm_umount(struct tm_mount *m)
{
	if (tm_mounted(m->mnt, NULL) && fusermount_u(m->mnt, false))
		fusermount_u(m->mnt, true);
	int rc = 0;
	if (m->pid > 0)
		rc = tm_wait_pid(m->pid, 30);
	m->pid = 0;
	bool still = tm_mounted(m->mnt, NULL);
	char mnt[TM_PATH];
	tm_join(mnt, "%s", m->mnt);
	if (still)
		quiet_unmount(m);
	m->used = false;
	cr_assert(!still, "%s is still mounted after fusermount3 -u", mnt);
	cr_assert(rc != TM_TIMEOUT, "the daemon of %s did not exit", mnt);
	return rc;
}

void tm_finish(void)
{
	for (int i = 0; i < MAX_MOUNTS; i++) {
		struct tm_mount *m = &mounts[i];
		if (!m->used)
			continue;
		char log[TM_PATH];
		tm_join(log, "%s", m->log);
		int rc = tm_umount(m);
		if (rc != 0)
			fail_with_log(log, "the daemon exited with %d", rc);
		if (log[0])
			tm_assert_quiet_log(log);
	}
}

/* ------------------------------------------------------------------ */
/* daemon logs */

void tm_assert_quiet_log(const char *path)
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
	char *text = tm_slurp(path, NULL);
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

/* ------------------------------------------------------------------ */
/* trees */

static void list_push(struct tm_list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		cr_assert_not_null(l->v);
	}
	l->v[l->n] = strdup(s);
	cr_assert_not_null(l->v[l->n]);
	l->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_rec(const char *root, const char *rel, struct tm_list *out,
                     bool recurse)
{
	char dir[TM_PATH];
	tm_join(dir, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			cr_assert(errno == 0, "readdir %s: %s", dir,
			          strerror(errno));
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!recurse) {
			list_push(out, e->d_name);
			continue;
		}
		char r[TM_PATH], full[TM_PATH];
		tm_join(r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		tm_join(full, "%s/%s", root, r);
		struct stat st;
		cr_assert(lstat(full, &st) == 0, "lstat %s: %s", full,
		          strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			char slash[TM_PATH];
			tm_join(slash, "%s/", r);
			list_push(out, slash);
			list_rec(root, r, out, true);
		} else {
			cr_assert(S_ISREG(st.st_mode),
			          "%s: neither a folder nor a regular file",
			          full);
			list_push(out, r);
		}
	}
	closedir(d);
}

void tm_list_tree(const char *root, struct tm_list *out)
{
	memset(out, 0, sizeof(*out));
	list_rec(root, "", out, true);
	qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

void tm_list_dir(const char *dir, struct tm_list *out)
{
	memset(out, 0, sizeof(*out));
	list_rec(dir, "", out, false);
	qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

void tm_list_free(struct tm_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool tm_list_has(const struct tm_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static bool is_report(const char *rel)
{
	const char *base = strrchr(rel, '/');
	return !strcmp(base ? base + 1 : rel, "REPORT.TXT");
}

static void drop_reports(struct tm_list *l)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (is_report(l->v[i]))
			free(l->v[i]);
		else
			l->v[k++] = l->v[i];
	}
	l->n = k;
}

/* Reads up to n bytes, short only at the end of the file. */
static size_t read_full(int fd, char *buf, size_t n, const char *path)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		cr_assert(r >= 0, "read %s: %s", path, strerror(errno));
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got;
}

void tm_assert_same_file(const char *got, const char *want)
{
	enum { CHUNK = 1 << 18 };
	int a = open(got, O_RDONLY), b = open(want, O_RDONLY);
	cr_assert(a >= 0, "open %s: %s", got, strerror(errno));
	cr_assert(b >= 0, "open %s: %s", want, strerror(errno));
	struct stat sa, sb;
	cr_assert(fstat(a, &sa) == 0 && fstat(b, &sb) == 0);
	cr_assert_eq(sa.st_size, sb.st_size, "%s: %lld bytes, %s: %lld", got,
	             (long long)sa.st_size, want, (long long)sb.st_size);
	char *ba = malloc(CHUNK), *bb = malloc(CHUNK);
	cr_assert(ba && bb);
	uint64_t off = 0;
	for (;;) {
		size_t na = read_full(a, ba, CHUNK, got);
		size_t nb = read_full(b, bb, CHUNK, want);
		size_t n = na < nb ? na : nb;
		if (memcmp(ba, bb, n)) {
			size_t i = 0;
			while (ba[i] == bb[i])
				i++;
			cr_assert_fail("%s differs from %s at byte %llu", got,
			               want, (unsigned long long)(off + i));
		}
		cr_assert_eq(na, nb, "%s: %llu bytes read, %s: %llu", got,
		             (unsigned long long)(off + na), want,
		             (unsigned long long)(off + nb));
		off += na;
		if (na < CHUNK)
			break;
	}
	cr_assert_eq(off, (uint64_t)sa.st_size,
	             "%s: %llu bytes read, st_size %lld", got,
	             (unsigned long long)off, (long long)sa.st_size);
	free(ba);
	free(bb);
	close(a);
	close(b);
}

/* Up to 6 names of a that b lacks, for a message. */
static void absent(const struct tm_list *a, const struct tm_list *b, char *out,
                   size_t cap)
{
	size_t len = 0, shown = 0, i = 0, j = 0;
	out[0] = '\0';
	while (i < a->n) {
		int c = j < b->n ? strcmp(a->v[i], b->v[j]) : -1;
		if (c == 0) {
			i++, j++;
		} else if (c > 0) {
			j++;
		} else {
			if (shown++ < 6 && len < cap)
				len += (size_t)snprintf(out + len, cap - len,
				                        " %s", a->v[i]);
			i++;
		}
	}
	if (shown > 6 && len < cap)
		snprintf(out + len, cap - len, " ... (%zu in all)", shown);
}

void tm_assert_same_tree(const char *got, const char *want, unsigned flags)
{
	struct tm_list lg, lw;
	tm_list_tree(got, &lg);
	tm_list_tree(want, &lw);
	if (flags & TM_NO_REPORT) {
		drop_reports(&lg);
		drop_reports(&lw);
	}
	char missing[2048], extra[2048];
	absent(&lw, &lg, missing, sizeof(missing));
	absent(&lg, &lw, extra, sizeof(extra));
	cr_assert(!missing[0] && !extra[0],
	          "%s against %s:\n  missing:%s\n  extra:%s", got, want,
	          missing[0] ? missing : " none", extra[0] ? extra : " none");
	cr_assert(lg.n > 0, "%s is empty", got);
	for (size_t i = 0; i < lg.n; i++) {
		size_t n = strlen(lg.v[i]);
		if (lg.v[i][n - 1] == '/')
			continue;
		char a[TM_PATH], b[TM_PATH];
		tm_join(a, "%s/%s", got, lg.v[i]);
		tm_join(b, "%s/%s", want, lg.v[i]);
		tm_assert_same_file(a, b);
	}
	tm_list_free(&lg);
	tm_list_free(&lw);
}

/* ------------------------------------------------------------------ */
/* snapshots of sources */

static uint64_t hash_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	char buf[65536];
	uint64_t h = TM_FNV_INIT;
	size_t n;
	while ((n = read_full(fd, buf, sizeof(buf), path)) > 0)
		h = tm_fnv1a(h, buf, n);
	close(fd);
	return h;
}

void tm_snap_take(const char *root, struct tm_snap *s)
{
	struct tm_list l;
	tm_list_tree(root, &l);
	s->n = l.n;
	s->e = calloc(l.n ? l.n : 1, sizeof(*s->e));
	cr_assert_not_null(s->e);
	for (size_t i = 0; i < l.n; i++) {
		char full[TM_PATH];
		tm_join(full, "%s/%s", root, l.v[i]);
		struct stat st;
		cr_assert(lstat(full, &st) == 0, "lstat %s", full);
		struct tm_snap_entry *e = &s->e[i];
		e->path = strdup(l.v[i]);
		e->mode = st.st_mode;
		e->size = st.st_size;
		e->mtime = st.st_mtim;
		e->ctime = st.st_ctim;
		e->hash = S_ISREG(st.st_mode) ? hash_file(full) : 0;
	}
	tm_list_free(&l);
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

void tm_snap_assert_same(const struct tm_snap *before,
                         const struct tm_snap *after)
{
	cr_assert_eq(before->n, after->n, "the source had %zu entries, now %zu",
	             before->n, after->n);
	for (size_t i = 0; i < before->n; i++) {
		const struct tm_snap_entry *a = &before->e[i],
		                           *b = &after->e[i];
		cr_assert_str_eq(a->path, b->path,
		                 "the source's entries changed");
		cr_assert_eq(a->mode, b->mode, "%s: mode changed", a->path);
		cr_assert_eq(a->size, b->size, "%s: size changed", a->path);
		cr_assert(same_time(a->mtime, b->mtime), "%s: mtime changed",
		          a->path);
		cr_assert(same_time(a->ctime, b->ctime), "%s: ctime changed",
		          a->path);
		cr_assert_eq(a->hash, b->hash, "%s: bytes changed", a->path);
	}
}

void tm_snap_free(struct tm_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].path);
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------------ */
/* set-up and teardown */

/*
 * Only async-signal-safe calls: fork, execve, waitpid, kill, open, dup2.
 * Lazy unmounts, since a busy mount must go all the same.
 */
static void emergency_unmount(void)
{
	for (int i = 0; i < MAX_MOUNTS; i++) {
		struct tm_mount *m = &mounts[i];
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

static void on_fatal_signal(int sig)
{
	if (getpid() == owner && !emergency_done) {
		emergency_done = 1;
		emergency_unmount();
	}
	/* SA_RESETHAND restored the default action: die of it. */
	raise(sig);
}

static void at_exit(void)
{
	tm_teardown();
}

static bool find_in_path(const char *name, char *out)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : "/usr/bin:/bin"), *save;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, TM_PATH, "%s/%s", d, name);
		found = access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

void tm_setup(void)
{
	owner = getpid();
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

	/* Daemons that detach (daemon mode, mount -t) become our children,
	 * so that we can reap them and learn how they exited. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	/* Named after the runner (our parent), which sweeps its own
	 * leftovers at the end (see the POST_ALL hook below). */
	char tmpl[TM_PATH];
	snprintf(tmpl, sizeof(tmpl), SCRATCH_PREFIX "%d-XXXXXX",
	         (int)getppid());
	cr_assert_not_null(mkdtemp(tmpl), "mkdtemp: %s", strerror(errno));
	cr_assert_not_null(realpath(tmpl, scratch));

	if (!hooks_installed) {
		hooks_installed = true;
		atexit(at_exit);
		static const int sigs[] = {SIGTERM, SIGINT,  SIGHUP,
		                           SIGQUIT, SIGSEGV, SIGBUS,
		                           SIGFPE,  SIGILL,  SIGABRT};
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal_signal;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
			sigaction(sigs[i], &sa, NULL);
	}
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static int open_up(const char *path, const struct stat *st, int flag,
                   struct FTW *ftw)
{
	(void)ftw;
	/* Copies of the mount keep its 0555 folders. */
	if (flag == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, 0700);
	return 0;
}

/* Removes a tree without crossing into another file system. */
static void rmtree(const char *dir)
{
	nftw(dir, open_up, 16, FTW_PHYS | FTW_MOUNT);
	nftw(dir, rm_entry, 16, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
}

void tm_teardown(void)
{
	if (getpid() != owner)
		return;
	bool left = false;
	for (int i = 0; i < MAX_MOUNTS; i++) {
		if (!mounts[i].used)
			continue;
		quiet_unmount(&mounts[i]);
		left |= tm_mounted(mounts[i].mnt, NULL);
	}
	const char *keep = getenv("CCM_KEEP_SCRATCH");
	if (scratch[0] && !left && !(keep && *keep == '1'))
		rmtree(scratch);
	if (scratch[0] && keep && *keep == '1')
		fprintf(stderr, "scratch kept: %s\n", scratch);
	scratch[0] = '\0';
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
	snprintf(prefix, sizeof(prefix), SCRATCH_PREFIX "%d-", (int)getpid());
	FILE *f = fopen("/proc/self/mounts", "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	bool stale = false;
	while (getline(&line, &cap, f) > 0) {
		char *save, *dev = strtok_r(line, " ", &save);
		char *mnt = dev ? strtok_r(NULL, " ", &save) : NULL;
		if (!mnt)
			continue;
		unescape(mnt);
		if (strncmp(mnt, prefix, strlen(prefix)))
			continue;
		fprintf(stderr, "STALE MOUNT left by a test: %s\n", mnt);
		umount2(mnt, MNT_DETACH);
		stale = true;
	}
	free(line);
	fclose(f);
	const char *keep = getenv("CCM_KEEP_SCRATCH");
	if (!(keep && *keep == '1')) {
		char pattern[80];
		snprintf(pattern, sizeof(pattern), "%s*", prefix);
		glob_t g;
		if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				rmtree(g.gl_pathv[i]);
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
