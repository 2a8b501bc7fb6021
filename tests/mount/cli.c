/*
 * ccmailfs's command line as a user meets it: what /proc/mounts and df
 * show (the absolute source path, type fuse.ccmailfs and no second
 * subtype), short usage errors under the program's name, the mount points
 * it refuses (already a mount point: 7; inside SOURCE or holding it: 8)
 * with nothing mounted, the summary sent to syslog in the background, and
 * rsync -rt between a mount and ccmail2iff's output finding nothing to do.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tl.h"

TestSuite(cli, .init = tl_setup, .fini = tl_teardown, .timeout = 300);

/* A small generated source, as scratch/src. */
static void small_source(char *src)
{
	static const char *const gen[] = {
	        "--seed",     "21", "--name",         "ACME", "--users", "3",
	        "--messages", "15", "--attach-bytes", "40K",  NULL};
	tl_make_source(src, gen);
}

/* How many lines of /proc/self/mounts have mount point mnt; the last one
 * into line (TL_PATH bytes) when not NULL. */
static int mounts_at(const char *mnt, char *line)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	cr_assert_not_null(f);
	char buf[TL_PATH];
	int n = 0;
	while (fgets(buf, sizeof(buf), f)) {
		char dev[TL_PATH], at[TL_PATH];
		if (sscanf(buf, "%4095s %4095s", dev, at) == 2 &&
		    !strcmp(at, mnt)) {
			n++;
			if (line)
				snprintf(line, TL_PATH, "%s", buf);
		}
	}
	fclose(f);
	return n;
}

/*
 * Runs "ccmailfs args..." (args ending with NULL) expecting exit code `code`,
 * mnt (may be NULL) mounted as many times after as before; returns its stderr
 * (malloc'd).
 */
static char *expect_exit(const char *const args[], const char *mnt, int code)
{
	static int serial;
	char log[TL_PATH];
	tl_join(log, "%s/run%d.log", tl_scratch(), ++serial);
	int before = mnt ? mounts_at(mnt, NULL) : 0;
	const char *argv[16] = {tl_env("CCM_CCMAILFS")};
	for (size_t i = 0; i < 14 && (argv[i + 1] = args[i]); i++)
		continue;
	int rc = tl_run(argv, NULL, log, 30);
	char *text = tl_slurp(log, NULL);
	cr_assert_eq(rc, code, "exit %d, expected %d; stderr:\n%s", rc, code,
	             text);
	if (mnt)
		cr_assert_eq(mounts_at(mnt, NULL), before,
		             "%s was mounted:\n%s", mnt, text);
	return text;
}

/* Every line of text starts with "ccmailfs: " or is the hint at --help
 * (there when hint is true); returns the number of lines. */
static int assert_short_error(const char *text, bool hint_wanted)
{
	int lines = 0;
	for (const char *p = text; *p; lines++) {
		const char *end = strchr(p, '\n');
		cr_assert_not_null(end, "unterminated line in:\n%s", text);
		bool ours = !strncmp(p, "ccmailfs: ", 10);
		bool hint = !strncmp(p,
		                     "Try 'ccmailfs --help' for more "
		                     "information.\n",
		                     (size_t)(end - p + 1));
		cr_assert(ours || hint, "a line not under our name:\n%s", text);
		p = end + 1;
	}
	cr_assert_eq(strstr(text, "Try 'ccmailfs --help'") != NULL, hint_wanted,
	             "the hint at --help:\n%s", text);
	cr_assert_null(strstr(text, "usage:"), "the whole help:\n%s", text);
	return lines;
}

Test(cli, usage_errors_are_short_and_name_the_extra_argument)
{
	char src[TL_PATH], mnt[TL_PATH];
	small_source(src);
	tl_newdir(mnt, "mnt");
	const char *extra[] = {"-f", src, mnt, "surplus", NULL};
	char *text = expect_exit(extra, mnt, 2);
	cr_assert_eq(assert_short_error(text, true), 2, "%s", text);
	cr_assert(strstr(text, "extra argument 'surplus'"), "%s", text);
	free(text);
	const char *none[] = {"-f", NULL};
	text = expect_exit(none, NULL, 2);
	cr_assert_eq(assert_short_error(text, true), 2, "%s", text);
	free(text);
	const char *unknown[] = {"-f", "-o", "no_such_option", src, mnt, NULL};
	text = expect_exit(unknown, mnt, 2);
	cr_assert_eq(assert_short_error(text, true), 2, "%s", text);
	cr_assert(strstr(text, "no_such_option"), "%s", text);
	free(text);
	const char *bad[] = {"-f", "-o", "codepage=abc", src, mnt, NULL};
	text = expect_exit(bad, mnt, 2);
	cr_assert_eq(assert_short_error(text, true), 2, "%s", text);
	free(text);
	static const char *const spins[] = {"spin=abc", "spin=", "spin=-1",
	                                    "spin=1000001"};
	for (size_t i = 0; i < sizeof(spins) / sizeof(spins[0]); i++) {
		const char *a[] = {"-f", "-o", spins[i], src, mnt, NULL};
		text = expect_exit(a, mnt, 2);
		cr_assert_eq(assert_short_error(text, true), 2, "%s", text);
		cr_assert(strstr(text, "bad spin"), "%s", text);
		free(text);
	}
	tl_finish();
}

/* The fsname is the source's absolute path however it was given; the
 * type says ccmailfs once and the options not again. */
static void check_fsname(const char *const opts[])
{
	char src[TL_PATH], line[TL_PATH];
	small_source(src);
	cr_assert_eq(chdir(tl_scratch()), 0);
	struct tl_mount *m = tl_mount("./src/../src", opts);
	cr_assert_eq(mounts_at(m->mnt, line), 1);
	char dev[TL_PATH], at[TL_PATH], type[64], options[TL_PATH];
	cr_assert_eq(sscanf(line, "%4095s %4095s %63s %4095s", dev, at, type,
	                    options),
	             4);
	cr_assert_str_eq(dev, src, "%s", line);
	cr_assert_str_eq(type, "fuse.ccmailfs", "%s", line);
	cr_assert_null(strstr(options, "ccmailfs"), "%s", line);
	cr_assert_null(strstr(options, "subtype"), "%s", line);
	/* df shows the same. */
	char out[TL_PATH];
	tl_join(out, "%s/df.txt", tl_scratch());
	cr_assert_eq(tl_shell("df --output=source '%s' | tail -n 1 > '%s'",
	                      m->mnt, out),
	             0);
	char *df = tl_slurp(out, NULL);
	cr_assert(!strncmp(df, src, strlen(src)) && df[strlen(src)] == '\n',
	          "df: %s", df);
	free(df);
	tl_finish();
}

Test(cli, fsname_is_the_absolute_source_path)
{
	check_fsname(NULL);
}

/* As `mount -t fuse` with "ccmailfs#SRC" asks: still one subtype. */
Test(cli, subtype_asked_again_appears_once)
{
	static const char *const opts[] = {"-o", "subtype=ccmailfs", NULL};
	check_fsname(opts);
}

Test(cli, mount_point_already_a_mount_point_exits_7)
{
	char src[TL_PATH];
	small_source(src);
	struct tl_mount *m = tl_mount(src, NULL);
	const char *args[] = {"-f", src, m->mnt, NULL};
	char *text = expect_exit(args, m->mnt, 7);
	cr_assert(strstr(text, "already a mount point"), "%s", text);
	cr_assert_eq(assert_short_error(text, false), 1, "%s", text);
	free(text);
	cr_assert_eq(mounts_at(m->mnt, NULL), 1);
	tl_finish();
}

/* A mount whose daemon died (it may answer ENOTCONN): refused alike. */
Test(cli, dead_mount_point_exits_7)
{
	char src[TL_PATH], mnt[TL_PATH];
	small_source(src);
	struct tl_mount *m = tl_mount(src, NULL);
	tl_join(mnt, "%s", m->mnt);
	cr_assert_eq(kill(m->pid, SIGKILL), 0);
	tl_wait_pid(m->pid, 30);
	m->pid = 0;
	const char *args[] = {"-f", src, mnt, NULL};
	char *text = expect_exit(args, mnt, 7);
	cr_assert(strstr(text, "already a mount point"), "%s", text);
	cr_assert(strstr(text, "fusermount3 -u"), "%s", text);
	free(text);
	tl_umount(m);
}

Test(cli, mount_point_inside_source_exits_8)
{
	char src[TL_PATH], in[TL_PATH];
	small_source(src);
	tl_join(in, "%s/USERS", src);
	const char *const places[] = {in, src, tl_scratch()};
	for (size_t i = 0; i < 3; i++) {
		const char *args[] = {"-f", src, places[i], NULL};
		char *text = expect_exit(args, places[i], 8);
		cr_assert(strstr(text, "SOURCE"), "%s", text);
		cr_assert_eq(assert_short_error(text, false), 1, "%s", text);
		free(text);
	}
	/* Through a link, too. */
	char link[TL_PATH], via[TL_PATH];
	tl_join(link, "%s/link", tl_scratch());
	cr_assert_eq(symlink(src, link), 0);
	tl_join(via, "%s/link/USERS", tl_scratch());
	const char *args[] = {"-f", src, via, NULL};
	free(expect_exit(args, in, 8));
	tl_finish();
}

/*
 * ccmail2iff writes the times the mount shows: rsync -rt from the mount
 * to its output has nothing to copy, and neither from the output to the
 * mount (dry run: the mount is read-only).
 */
Test(cli, rsync_between_mount_and_ccmail2iff_copies_nothing)
{
	char src[TL_PATH], ref[TL_PATH], out[TL_PATH];
	static const char *const gen[] = {"--seed",     "5",       "--pos",
	                                  "2",          "--users", "4",
	                                  "--messages", "40",      NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, NULL);
	struct tl_mount *m = tl_mount(src, NULL);
	tl_join(out, "%s/rsync.txt", tl_scratch());
	cr_assert_eq(tl_shell("rsync -rt --itemize-changes --stats '%s/' "
	                      "'%s/' > '%s'",
	                      m->mnt, ref, out),
	             0);
	cr_assert_eq(tl_shell("rsync -rtn --itemize-changes --stats '%s/' "
	                      "'%s/' >> '%s'",
	                      ref, m->mnt, out),
	             0);
	char *text = tl_slurp(out, NULL);
	/* With --stats and nothing to do, every line is a statistic. */
	for (char *p = text; *p; p = strchr(p, '\n') + 1) {
		bool item =
		        strchr("<>ch.*", p[0]) && p[1] && strchr("fdLDS", p[1]);
		cr_assert(!item, "rsync would copy:\n%s", text);
		if (!strchr(p, '\n'))
			break;
	}
	char *s = text;
	int zero = 0;
	while ((s = strstr(s, "Number of regular files transferred: 0\n")))
		zero++, s++;
	cr_assert_eq(zero, 2, "rsync:\n%s", text);
	free(text);
	tl_finish();
}

/*
 * In a mount namespace of this test's own, /dev becomes a new tmpfs
 * holding the real null and fuse devices and, at /dev/log, a socket of
 * ours: where syslog(3) sends its lines. The real /dev is untouched.
 */
static int private_dev_log(void)
{
	if (unshare(CLONE_NEWNS) != 0)
		cr_skip_test("unshare(CLONE_NEWNS): %s", strerror(errno));
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	char old[TL_PATH];
	tl_newdir(old, "olddev");
	cr_assert(mount("/dev", old, NULL, MS_BIND, NULL) == 0, "%s",
	          strerror(errno));
	cr_assert(mount("ccm-dev", "/dev", "tmpfs", 0, "mode=0755") == 0, "%s",
	          strerror(errno));
	static const char *const devs[] = {"null", "fuse"};
	for (size_t i = 0; i < 2; i++) {
		char from[TL_PATH], to[TL_PATH];
		tl_join(from, "%s/%s", old, devs[i]);
		tl_join(to, "/dev/%s", devs[i]);
		tl_write(to, "", 0);
		cr_assert(mount(from, to, NULL, MS_BIND, NULL) == 0, "%s: %s",
		          to, strerror(errno));
	}
	/* Never left where the scratch folder's removal could reach. */
	cr_assert(umount2(old, MNT_DETACH) == 0);
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(s, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
	cr_assert(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0, "%s",
	          strerror(errno));
	return s;
}

/* The summary at mount goes to the terminal, and to syslog as well when
 * ccmailfs goes to the background (where later problems are told). */
Test(cli, summary_goes_to_syslog_in_the_background)
{
	tl_require_root();
	char src[TL_PATH], mnt[TL_PATH];
	tl_join(src, "%s/tests/sample/export", tl_env("CCM_SOURCE_ROOT"));
	int s = private_dev_log();
	tl_newdir(mnt, "mnt");
	struct tl_mount *m = tl_adopt(mnt, 0);
	tl_join(m->log, "%s/shell.log", tl_scratch());
	int rc = tl_shell("'%s' '%s' '%s'", tl_env("CCM_CCMAILFS"), src, mnt);
	m->pid = tl_find_daemon(mnt);
	char *text = tl_slurp(m->log, NULL);
	cr_assert_eq(rc, 0, "exit %d:\n%s", rc, text);
	static const char summary[] = "SALES_EAST: 1 warning(s), 0 item(s) "
	                              "left out; see SALES_EAST/REPORT.TXT";
	cr_assert(strstr(text, summary), "not on the terminal:\n%s", text);
	free(text);
	char got[4096] = "";
	struct pollfd p = {.fd = s, .events = POLLIN};
	while (!strstr(got, summary) && poll(&p, 1, 20000) == 1) {
		ssize_t n = recv(s, got, sizeof(got) - 1, 0);
		cr_assert_gt(n, 0);
		got[n] = '\0';
	}
	cr_assert(strstr(got, summary), "not in syslog; last line: %s", got);
	cr_assert(strstr(got, "ccmailfs["), "%s", got);
	cr_assert_eq(tl_umount(m), 0);
	close(s);
	/* The log holds the summary, which tl_finish lets through. */
	tl_finish();
}
