/*
 * ccmail2iff's command line as a user meets it: a usage error is two
 * lines (what was wrong, then the hint at --help) under the program's
 * name, never its path; the progress line shows on a terminal (bytes,
 * percent, rate, time left, redrawn a few times a second, not per file)
 * and nowhere else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "tl.h"

static char *D;

TestSuite(cli, .timeout = 120);

/* Runs ccmail2iff with args (NULL-terminated, at most 6); its exit code,
 * its stderr into err (malloc'd). */
static int run(char **err, const char *const args[])
{
	const char *argv[8] = {tl_env("CCM_CCMAIL2IFF")};
	for (size_t i = 0; i < 6 && (argv[i + 1] = args[i]); i++)
		continue;
	return tl_capture(argv, NULL, NULL, err);
}

/* A usage error: exit 2, two lines, the first "ccmail2iff: " and holding
 * what, the second the hint; the output directory not made. */
static void expect_usage_error(const char *const args[], const char *what)
{
	char *err;
	cr_assert_eq(run(&err, args), 2, "%s", err);
	static const char hint[] =
	        "Try 'ccmail2iff --help' for more information.\n";
	char *nl = strchr(err, '\n');
	cr_assert(!strncmp(err, "ccmail2iff: ", 12) && nl, "%s", err);
	cr_assert_str_eq(nl + 1, hint, "%s", err);
	*nl = '\0';
	cr_assert(strstr(err, what), "\"%s\" does not say %s", err, what);
	free(err);
}

Test(cli, usage_errors_are_two_lines)
{
	D = tl_tmpdir();
	char *src = tl_path(D, "src"), *out = tl_path(D, "out");
	const char *extra[] = {src, out, "surplus", NULL};
	expect_usage_error(extra, "extra argument 'surplus'");
	const char *none[] = {NULL};
	expect_usage_error(none, "missing SOURCE and OUTDIR");
	const char *one[] = {src, NULL};
	expect_usage_error(one, "missing OUTDIR");
	const char *check[] = {"--check", src, out, NULL};
	expect_usage_error(check, "extra argument");
	const char *unknown[] = {"--bogus", src, out, NULL};
	expect_usage_error(unknown, "unknown option '--bogus'");
	const char *shortopt[] = {"-x", src, out, NULL};
	expect_usage_error(shortopt, "unknown option '-x'");
	const char *noval[] = {src, out, "--codepage", NULL};
	expect_usage_error(noval, "'--codepage' needs a value");
	const char *bad[] = {"--date-order=XYZ", src, out, NULL};
	expect_usage_error(bad, "XYZ");
	const char *view[] = {"--view=mbox", src, out, NULL};
	expect_usage_error(view, "bad view 'mbox' (iff, maildir, eml)");
	const char *viewcase[] = {"--view=Maildir", src, out, NULL};
	expect_usage_error(viewcase, "bad view 'Maildir'");
	/* A code page refused when the source is opened, not while parsing. */
	tl_mkdirs(src);
	const char *ebcdic[] = {"--codepage=500", src, out, NULL};
	expect_usage_error(ebcdic, "code page 500");
	/* So are a zone and an address map that cannot be used. */
	const char *tz[] = {"--tz=Mars/Olympus", src, out, NULL};
	expect_usage_error(tz, "tz=Mars/Olympus: no such time zone");
	char map[TL_PATH];
	tl_puts(D, "map.csv", "a,b@example.com\nc,d\n");
	tl_join(map, "--addrmap=%s/map.csv", D);
	const char *am[] = {map, src, out, NULL};
	expect_usage_error(am, "map.csv:2: 'd' is not an Internet address");
	struct stat st;
	cr_assert_neq(stat(out, &st), 0, "a usage error made OUTDIR");
	free(out);
	free(src);
	tl_rmtree(D);
}

/* The mail options given with the IFF view: a notice that they change
 * nothing there, and the tree is written; with a mail view, no notice. */
Test(cli, mail_options_with_the_iff_view_are_a_notice)
{
	D = tl_tmpdir();
	char *src = tl_path(D, "src"), *out = tl_path(D, "out");
	const char *gen[] = {tl_env("CCM_GEN"), "--messages", "5", src, NULL};
	char *err;
	cr_assert_eq(tl_capture(gen, NULL, NULL, &err), 0, "%s", err);
	free(err);
	static const char note[] = "ccmail2iff: the tz option shapes only the "
	                           "mail views (maildir, eml): the IFF view "
	                           "is made without it\n";
	const char *iff[] = {"--tz=Europe/Berlin", "--no-cache", src, out,
	                     NULL};
	cr_assert_eq(run(&err, iff), 0, "%s", err);
	cr_assert(strstr(err, note), "no notice:\n%s", err);
	free(err);
	tl_remove_tree(out);
	const char *mail[] = {"--tz=Europe/Berlin",
	                      "--view=maildir",
	                      "--no-cache",
	                      src,
	                      out,
	                      NULL};
	cr_assert_eq(run(&err, mail), 0, "%s", err);
	cr_assert(!strstr(err, "shapes only"), "a notice:\n%s", err);
	free(err);
	free(out);
	free(src);
	tl_rmtree(D);
}

/* A source of many files, written by ccm-gen into D/src. */
static char *many_files(void)
{
	char *src = tl_path(D, "src");
	const char *argv[] = {
	        tl_env("CCM_GEN"), "--seed", "4", "--users", "150",
	        "--messages",      "600",    src, NULL};
	char *err;
	cr_assert_eq(tl_capture(argv, NULL, NULL, &err), 0, "%s", err);
	free(err);
	return src;
}

/* How many files are below dir, and their bytes. */
static size_t count_files(const char *dir, unsigned long long *bytes)
{
	const char *argv[] = {"find",    dir,    "-type", "f",
	                      "-printf", "%s\n", NULL};
	char *list;
	cr_assert_eq(tl_capture(argv, NULL, &list, NULL), 0);
	size_t n = 0;
	*bytes = 0;
	for (char *p = list; *p; n++) {
		*bytes += strtoull(p, &p, 10);
		cr_assert_eq(*p++, '\n');
	}
	free(list);
	return n;
}

/* 1234567 as "1,234,567". */
static void grouped(unsigned long long v, char *out, size_t n)
{
	char d[32];
	int len = snprintf(d, sizeof(d), "%llu", v), o = 0;
	for (int i = 0; i < len && (size_t)o + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = '\0';
}

/*
 * On a terminal (script(1) gives it one): redrawn lines of bytes,
 * percent, rate and time, the last one the whole size at 100%; far fewer
 * draws than files.
 */
Test(cli, progress_on_a_terminal)
{
	D = tl_tmpdir();
	char *src = many_files(), *out = tl_path(D, "out");
	char *cmd;
	cr_assert_geq(asprintf(&cmd, "'%s' '%s' '%s'", tl_env("CCM_CCMAIL2IFF"),
	                       src, out),
	              0);
	const char *argv[] = {"script", "-qec", cmd, "/dev/null", NULL};
	char *seen;
	int rc = tl_capture(argv, NULL, &seen, NULL);
	cr_assert_eq(rc, 0, "%s", seen);
	char total[40], want[64];
	unsigned long long bytes;
	size_t files = count_files(out, &bytes), draws = 0;
	grouped(bytes, total, sizeof(total));
	for (char *p = seen; (p = strchr(p, '\r')); p++)
		draws += strstr(p, "MB/s") != NULL;
	snprintf(want, sizeof(want), "%s 100%%", total);
	cr_assert(strstr(seen, want), "no \"%s\" in:\n%s", want, seen);
	cr_assert(strstr(seen, "MB/s"), "%s", seen);
	cr_assert_gt(draws, 0);
	cr_assert_lt(draws, files / 2, "%zu draws for %zu files", draws, files);
	free(seen);
	free(cmd);
	free(out);
	free(src);
	tl_rmtree(D);
}

/* Not on a terminal: no progress, only the lines worth keeping. */
Test(cli, no_progress_without_a_terminal)
{
	D = tl_tmpdir();
	char *src = many_files(), *out = tl_path(D, "out");
	char *err;
	const char *args[] = {src, out, NULL};
	cr_assert_eq(run(&err, args), 0, "%s", err);
	cr_assert_null(strchr(err, '\r'), "%s", err);
	cr_assert_null(strstr(err, "MB/s"), "%s", err);
	free(err);
	free(out);
	free(src);
	tl_rmtree(D);
}
