/*
 * The life of a mount: start-up failures (each with its exit code and a
 * message, and nothing mounted), the end on SIGTERM and SIGINT, mounting
 * through mount(8) and mount.fuse3, daemon mode, and a clean mount saying
 * nothing at all.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl.h"

TestSuite(startup, .init = tl_setup, .fini = tl_teardown, .timeout = 300);

/* A small generated source and ccmail2iff's output of it. */
static void small_source(char *src, char *ref)
{
	static const char *const gen[] = {
	        "--seed",     "13", "--name",         "ACME", "--users", "4",
	        "--messages", "20", "--attach-bytes", "50K",  NULL};
	tl_make_source(src, gen);
	if (ref) {
		tl_make_reference(src, ref, NULL);
	}
}

/*
 * Runs "ccmailfs -f args..." and expects exit code `code` and a message on
 * stderr holding one of the needles; mnt (may be NULL) must not be
 * mounted afterwards. A daemon that mounts after all is stopped after 20 s
 * by tl_run, and the mount undone at teardown.
 */
static void expect_failure(const char *const args[], const char *mnt, int code,
                           const char *needle, const char * or)
{
	static int serial;
	char log[TL_PATH];
	tl_join(log, "%s/fail%d.log", tl_scratch(), ++serial);
	if (mnt)
		tl_adopt(mnt, 0);
	const char *argv[16] = {tl_env("CCM_CCMAILFS"), "-f"};
	size_t n = 2;
	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int rc = tl_run(argv, NULL, log, 20);
	char *text = tl_slurp(log, NULL);
	cr_assert_eq(rc, code,
	             "ccmailfs %s%s%s: exit %d, expected %d; "
	             "stderr:\n%s",
	             args[0] ? args[0] : "", args[0] && args[1] ? " " : "",
	             args[0] && args[1] ? args[1] : "", rc, code, text);
	cr_assert(strstr(text, needle) || (or &&strstr(text, or)),
	          "exit %d, but stderr does not say \"%s\"%s%s%s:\n%s", code,
	          needle, or ? " or \"" : "", or ? or : "", or ? "\"" : "",
	          text);
	if (mnt)
		cr_assert(!tl_mounted(mnt, NULL), "%s was mounted", mnt);
	free(text);
	tl_finish();
}

Test(startup, source_missing_exits_3)
{
	char mnt[TL_PATH], src[TL_PATH];
	tl_newdir(mnt, "mnt");
	tl_join(src, "%s/no-such-source", tl_scratch());
	const char *args[] = {src, mnt, NULL};
	expect_failure(args, mnt, 3, "no-such-source", NULL);
}

Test(startup, folder_without_po_ini_exits_4)
{
	char mnt[TL_PATH], src[TL_PATH], sub[TL_PATH], stray[TL_PATH];
	tl_newdir(mnt, "mnt");
	tl_newdir(src, "src");
	/* A sub-folder and a file, neither of them an export. */
	tl_join(sub, "%s/USERS", src);
	cr_assert(mkdir(sub, 0755) == 0);
	tl_join(stray, "%s/CCMDIR.EXP", src);
	tl_write(stray, "x\n", 2);
	const char *args[] = {src, mnt, NULL};
	expect_failure(args, mnt, 4, "PO.INI", NULL);
}

Test(startup, native_post_office_exits_5)
{
	char mnt[TL_PATH], src[TL_PATH], mark[TL_PATH];
	tl_newdir(mnt, "mnt");
	tl_newdir(src, "src");
	tl_join(mark, "%s/CCPOMBOX.DAT", src);
	tl_write(mark, "", 0);
	const char *args[] = {src, mnt, NULL};
	expect_failure(args, mnt, 5, "native", NULL);
}

Test(startup, mountpoint_missing_exits_6)
{
	char src[TL_PATH], mnt[TL_PATH];
	small_source(src, NULL);
	tl_join(mnt, "%s/no-such-mountpoint", tl_scratch());
	const char *args[] = {src, mnt, NULL};
	expect_failure(args, NULL, 6, "no-such-mountpoint", NULL);
}

Test(startup, mountpoint_is_a_file_exits_6)
{
	char src[TL_PATH], mnt[TL_PATH];
	small_source(src, NULL);
	tl_join(mnt, "%s/a-file", tl_scratch());
	tl_write(mnt, "x", 1);
	const char *args[] = {src, mnt, NULL};
	/* The message must say what is wrong with it. */
	expect_failure(args, NULL, 6, "not a folder", "Not a directory");
}

/* A mount that the kernel refuses (here: /dev/fuse is not the FUSE
 * device, in a mount namespace of this test's own) is exit code 1, not
 * 6: the mount point itself is fine. */
Test(startup, mount_refused_exits_1)
{
	tl_require_root();
	char src[TL_PATH], mnt[TL_PATH];
	small_source(src, NULL);
	tl_newdir(mnt, "mnt");
	if (unshare(CLONE_NEWNS) != 0)
		cr_skip_test("unshare(CLONE_NEWNS): %s", strerror(errno));
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
	          "make / private: %s", strerror(errno));
	cr_assert(mount("/dev/null", "/dev/fuse", NULL, MS_BIND, NULL) == 0,
	          "bind /dev/null on /dev/fuse: %s", strerror(errno));
	const char *args[] = {src, mnt, NULL};
	expect_failure(args, mnt, 1, "mount failed", "/dev/fuse");
}

Test(startup, bad_codepage_exits_2)
{
	char src[TL_PATH], mnt[TL_PATH];
	small_source(src, NULL);
	tl_newdir(mnt, "mnt");
	const char *args[] = {"-o", "codepage=abc", src, mnt, NULL};
	expect_failure(args, mnt, 2, "abc", NULL);
}

Test(startup, bad_option_values_exit_2)
{
	char src[TL_PATH], mnt[TL_PATH];
	small_source(src, NULL);
	tl_newdir(mnt, "mnt");
	static const char *const cases[][2] = {
	        {"sec_split=1", "1"},        {"date_order=XYZ", "XYZ"},
	        {"umask=999", "999"},        {"codepage=0", "0"},
	        {"codepage=70000", "70000"}, {"uid=abc", "uid"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *args[] = {"-o", cases[i][0], src, mnt, NULL};
		expect_failure(args, mnt, 2, cases[i][1], NULL);
	}
}

Test(startup, unknown_option_exits_2)
{
	char src[TL_PATH], mnt[TL_PATH];
	small_source(src, NULL);
	tl_newdir(mnt, "mnt");
	const char *args[] = {"-o", "no_such_option", src, mnt, NULL};
	expect_failure(args, mnt, 2, "no_such_option", NULL);
}

Test(startup, no_arguments_exits_2)
{
	const char *none[] = {NULL};
	expect_failure(none, NULL, 2, "missing SOURCE", NULL);
	char src[TL_PATH];
	small_source(src, NULL);
	const char *one[] = {src, NULL};
	expect_failure(one, NULL, 2, "missing MOUNTPOINT", NULL);
}

/*
 * A signal to a foreground daemon: it unmounts and exits 0. With busy, a
 * file stays open through it: the mount is detached lazily at once, and
 * (SIGTERM, fs/term.c) the daemon serves the open file until it is
 * closed, then exits.
 */
static void signal_unmounts(int sig, bool busy)
{
	char src[TL_PATH], ref[TL_PATH];
	small_source(src, ref);
	struct tl_mount *m = tl_mount(src, NULL);
	tl_assert_same_tree(m->mnt, ref, 0);
	int fd = -1;
	if (busy) {
		char p[TL_PATH];
		tl_join(p, "%s/ACME/DIRECTORY.PRI", m->mnt);
		fd = open(p, O_RDONLY);
		cr_assert(fd >= 0, "%s: %s", p, strerror(errno));
	}
	pid_t pid = m->pid;
	cr_assert(kill(pid, sig) == 0);
	/* Not a timing check: 30 s only bounds the wait. */
	for (int i = 0; fd >= 0 && i < 3000 && tl_mounted(m->mnt, NULL); i++)
		usleep(10000);
	/* Busy: detached while the file is still open. */
	bool still = fd >= 0 && tl_mounted(m->mnt, NULL);
	if (fd >= 0)
		close(fd);
	int rc = tl_wait_pid(pid, 30);
	m->pid = 0;
	still |= tl_mounted(m->mnt, NULL);
	cr_assert(!still, "%s is still mounted after %s", m->mnt,
	          strsignal(sig));
	cr_assert_neq(rc, TL_TIMEOUT, "the daemon did not exit on %s",
	              strsignal(sig));
	char *text = tl_slurp(m->log, NULL);
	cr_assert_eq(rc, 0, "the daemon exited with %d on %s; its output:\n%s",
	             rc, strsignal(sig), text);
	free(text);
	tl_finish();
}

Test(startup, sigterm_unmounts)
{
	signal_unmounts(SIGTERM, false);
}

Test(startup, sigint_unmounts)
{
	signal_unmounts(SIGINT, false);
}

Test(startup, sigterm_unmounts_busy_mount)
{
	signal_unmounts(SIGTERM, true);
}

/*
 * mount(8) runs mount.fuse3, which runs "ccmailfs" through /bin/sh.
 * mount(8) drops PATH from the helper's environment (util-linux's
 * sanitize_env), so the shell uses its default PATH whatever the caller
 * sets: in a private mount namespace, the build's binary is bound where
 * that PATH looks (/usr/local/sbin), and /run/mount (libmount's utab) is
 * kept private too, so the host sees nothing of it.
 */
Test(startup, mount_helper)
{
	tl_require_root();
	char src[TL_PATH], ref[TL_PATH], bin[TL_PATH], link[TL_PATH];
	small_source(src, NULL);
	tl_join(ref, "%s/ref", tl_scratch());
	static const char *const ref_args[] = {"--codepage=1252", NULL};
	tl_reference(src, ref, ref_args);

	if (unshare(CLONE_NEWNS) != 0)
		cr_skip_test("unshare(CLONE_NEWNS): %s", strerror(errno));
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
	          "make / private: %s", strerror(errno));
	tl_newdir(bin, "bin");
	tl_join(link, "%s/ccmailfs", bin);
	cr_assert(symlink(tl_env("CCM_CCMAILFS"), link) == 0);
	struct stat st;
	if (stat("/usr/local/sbin", &st) != 0)
		cr_skip_test("no /usr/local/sbin to bind the binary on");
	cr_assert(mount(bin, "/usr/local/sbin", NULL, MS_BIND, NULL) == 0,
	          "bind %s: %s", bin, strerror(errno));
	if (stat("/run/mount", &st) == 0) {
		char utab[TL_PATH];
		tl_newdir(utab, "utab");
		cr_assert(mount(utab, "/run/mount", NULL, MS_BIND, NULL) == 0,
		          "bind over /run/mount: %s", strerror(errno));
	}
	/* As asked of users: the binary's folder in PATH (mount(8) will
	 * drop it, but mount.fuse3 run directly would use it). */
	char path[2 * TL_PATH], dir[TL_PATH];
	tl_join(dir, "%s", tl_env("CCM_CCMAILFS"));
	*strrchr(dir, '/') = '\0';
	snprintf(path, sizeof(path), "%s:%s", dir, getenv("PATH"));
	setenv("PATH", path, 1);

	char mnt[TL_PATH], log[TL_PATH];
	tl_newdir(mnt, "mnt");
	tl_join(log, "%s/mount.log", tl_scratch());
	struct tl_mount *m = tl_adopt(mnt, 0);
	tl_join(m->log, "%s", log);
	const char *argv[] = {"mount", "-t", "fuse.ccmailfs", src,
	                      mnt,     "-o", "codepage=1252", NULL};
	int rc = tl_run(argv, log, log, 60);
	char *text = tl_slurp(log, NULL);
	cr_assert_eq(rc, 0, "mount -t fuse.ccmailfs exited with %d:\n%s", rc,
	             text);
	free(text);
	char type[64] = "";
	cr_assert(tl_mounted(mnt, type), "%s is not mounted", mnt);
	cr_assert_str_eq(type, "fuse.ccmailfs");
	m->pid = tl_find_daemon(mnt);
	cr_assert_gt(m->pid, 0, "no ccmailfs process serves %s", mnt);
	tl_assert_same_tree(mnt, ref, 0);

	const char *umount[] = {"umount", mnt, NULL};
	rc = tl_run(umount, log, log, 60);
	cr_assert_eq(rc, 0, "umount exited with %d", rc);
	cr_assert(!tl_mounted(mnt, NULL), "%s still mounted", mnt);
	/* tl_finish waits for the daemon: it must exit 0. */
	tl_finish();
}

/*
 * "ccmailfs SRC MNT && ls MNT": the command returns only once the mount
 * serves, so the listing right after it is complete, without polling.
 */
Test(startup, daemon_mode_ready_on_return)
{
	char src[TL_PATH], ref[TL_PATH], mnt[TL_PATH], out[TL_PATH];
	small_source(src, ref);
	tl_newdir(mnt, "mnt");
	struct tl_mount *m = tl_adopt(mnt, 0);
	tl_join(m->log, "%s/shell.log", tl_scratch());
	tl_join(out, "%s/ls.txt", tl_scratch());
	int rc = tl_shell("'%s' '%s' '%s' && LC_ALL=C ls '%s' > '%s' && "
	                  "LC_ALL=C ls '%s/ACME' >> '%s'",
	                  tl_env("CCM_CCMAILFS"), src, mnt, mnt, out, mnt, out);
	m->pid = tl_find_daemon(mnt);
	char *text = tl_slurp(m->log, NULL);
	cr_assert_eq(rc, 0, "ccmailfs SRC MNT && ls MNT: exit %d\n%s", rc,
	             text);
	free(text);
	cr_assert_gt(m->pid, 0, "no daemon serves %s", mnt);

	/* What ls saw: the folder, then its files, as ccmail2iff wrote. */
	char *seen = tl_slurp(out, NULL);
	char refdir[TL_PATH];
	tl_join(refdir, "%s/ACME", ref);
	struct tl_list want;
	tl_list_dir(refdir, &want);
	size_t len = 0, cap = 64 * (want.n + 2);
	char *expect = malloc(cap);
	cr_assert_not_null(expect);
	len += (size_t)snprintf(expect, cap, "ACME\n");
	for (size_t i = 0; i < want.n; i++)
		len += (size_t)snprintf(expect + len, cap - len, "%s\n",
		                        want.v[i]);
	cr_assert_str_eq(seen, expect, "ls right after the mount");
	free(expect);
	free(seen);
	tl_list_free(&want);

	tl_assert_same_tree(mnt, ref, 0);
	tl_finish();
}

/*
 * A clean source mounted, read and unmounted: the daemon has nothing to
 * say, not even a line the log check lets through.
 */
static void clean_mount_silent(const char *const opts[])
{
	char in[TL_PATH], want[TL_PATH];
	tl_join(in, "%s/tests/example/input", tl_env("CCM_SOURCE_ROOT"));
	tl_join(want, "%s/tests/example/expected", tl_env("CCM_SOURCE_ROOT"));
	struct tl_mount *m = tl_mount(in, opts);
	char log[TL_PATH];
	tl_join(log, "%s", m->log);
	tl_assert_same_tree(m->mnt, want, TL_NO_REPORT);
	tl_finish();
	size_t n;
	char *text = tl_slurp(log, &n);
	cr_assert_eq(n, 0, "a clean mount wrote to stderr:\n%s", text);
	free(text);
}

Test(startup, clean_mount_prints_nothing)
{
	clean_mount_silent(NULL);
}

Test(startup, clean_single_thread_mount_prints_nothing)
{
	static const char *const opts[] = {"-s", NULL};
	clean_mount_silent(opts);
}

/*
 * -o auto_unmount: fusermount3 stays behind and unmounts when the daemon
 * dies, even of SIGKILL, which no handler of its own can catch.
 */
Test(startup, auto_unmount_after_sigkill)
{
	char src[TL_PATH];
	small_source(src, NULL);
	static const char *const opts[] = {"-o", "auto_unmount", NULL};
	struct tl_mount *m = tl_mount(src, opts);
	cr_assert(kill(m->pid, SIGKILL) == 0);
	int rc = tl_wait_pid(m->pid, 30);
	m->pid = 0;
	cr_assert_eq(rc, 128 + SIGKILL);
	/* Not a timing check: 30 s only bounds the wait. */
	for (int i = 0; i < 3000 && tl_mounted(m->mnt, NULL); i++)
		usleep(10000);
	cr_assert(!tl_mounted(m->mnt, NULL),
	          "%s still mounted after its daemon was killed", m->mnt);
	tl_finish();
}
