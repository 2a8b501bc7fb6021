/*
 * The ccmail2iff program (fs/ccmail2iff.c) run as a child: it writes the
 * worked example byte for byte, --check only reports, and every failure
 * has its documented exit code (2 usage, 3 source missing, 4 not an
 * export, 5 native post office, 6 output not writable).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tl.h"

static char *D;

static void setup(void)
{
	D = tl_tmpdir();
}

static void teardown(void)
{
	tl_rmtree(D);
	D = NULL;
}

TestSuite(ccmail2iff, .init = setup, .fini = teardown);

static char *input_dir(void)
{
	return tl_path(tl_env("CCM_SOURCE_ROOT"), "tests/example/input");
}

static char *expected_dir(void)
{
	return tl_path(tl_env("CCM_SOURCE_ROOT"), "tests/example/expected");
}

/* Runs ccmail2iff with up to 5 arguments (NULL-terminated); returns its
 * exit code, with its output when out or err are not NULL. */
static int run(const char *cwd, char **out, char **err, const char *a1,
               const char *a2, const char *a3, const char *a4)
{
	char *argv[6] = {(char *)tl_env("CCM_CCMAIL2IFF"),
	                 (char *)a1,
	                 (char *)a2,
	                 (char *)a3,
	                 (char *)a4,
	                 NULL};
	char *o, *e;
	int rc = tl_capture((const char *const *)argv, cwd, &o, &e);
	cr_assert_lt(rc, 128, "ccmail2iff died of signal %d: %s", rc - 128, e);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return rc;
}

/* "name size" of every entry below dir, sorted, one a line (malloc'd). */
static void listing(const char *dir, const char *rel, char **acc)
{
	char *path = rel[0] ? tl_path(dir, rel) : strdup(dir);
	DIR *d = opendir(path);
	cr_assert_not_null(d, "%s", path);
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			cr_assert_lt(n, 256);
			names[n++] = strdup(de->d_name);
		}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (size_t i = 0; i < n; i++) {
		char *r = rel[0] ? tl_path(rel, names[i]) : strdup(names[i]);
		char *p = tl_path(dir, r);
		struct stat st;
		cr_assert_eq(lstat(p, &st), 0);
		char *line;
		cr_assert_geq(asprintf(&line, "%s%s %lld %lld\n", *acc, r,
		                       (long long)st.st_size,
		                       (long long)st.st_mtim.tv_sec),
		              0);
		free(*acc);
		*acc = line;
		if (S_ISDIR(st.st_mode))
			listing(dir, r, acc);
		free(p);
		free(r);
		free(names[i]);
	}
	free(path);
}

static char *snapshot(const char *dir)
{
	char *acc = strdup("");
	listing(dir, "", &acc);
	return acc;
}

/* A writable copy of the example's input folder, as dst/input. */
static char *copy_input(const char *dst)
{
	char *in = input_dir();
	char *argv[] = {
	        (char *)"cp", (char *)"-R", (char *)"--no-preserve=mode",
	        in,           (char *)dst,  NULL};
	tl_mkdirs(dst);
	char *err;
	int rc = tl_capture((const char *const *)argv, NULL, NULL, &err);
	cr_assert_eq(rc, 0, "cp: %s", err);
	free(err);
	free(in);
	return tl_path(dst, "input");
}

Test(ccmail2iff, converts_the_example)
{
	char *in = input_dir(), *exp = expected_dir();
	char *out = tl_path(D, "out");
	char *err;
	int rc = run(NULL, NULL, &err, "-q", in, out, NULL);
	cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
	char *argv[] = {(char *)"diff",
	                (char *)"-r",
	                (char *)"-x",
	                (char *)"REPORT.TXT",
	                exp,
	                out,
	                NULL};
	char *dout;
	rc = tl_capture((const char *const *)argv, NULL, &dout, NULL);
	cr_expect_eq(rc, 0, "the tree differs from expected:\n%s", dout);
	char *rep = tl_path(out, "HQ_Main/REPORT.TXT");
	size_t n;
	char *text = tl_try_slurp(rep, &n);
	cr_assert_not_null(text, "no REPORT.TXT");
	cr_expect(tl_contains(text, n, "HQ: Main"));
	free(text);
	free(rep);
	free(dout);
	free(err);
	free(out);
	free(exp);
	free(in);
}

/* A second run into the same folder, with --force, gives the same tree. */
Test(ccmail2iff, converting_again_is_the_same)
{
	char *in = input_dir(), *exp = expected_dir();
	char *out = tl_path(D, "out");
	cr_assert_eq(run(NULL, NULL, NULL, "-q", in, out, NULL), 0);
	cr_assert_eq(run(NULL, NULL, NULL, "-q", "--force", in, out), 0);
	char *argv[] = {(char *)"diff",
	                (char *)"-r",
	                (char *)"-x",
	                (char *)"REPORT.TXT",
	                exp,
	                out,
	                NULL};
	char *dout;
	cr_expect_eq(tl_capture((const char *const *)argv, NULL, &dout, NULL),
	             0, "%s", dout);
	free(dout);
	free(out);
	free(exp);
	free(in);
}

Test(ccmail2iff, check_prints_the_report_and_writes_nothing)
{
	char *in = input_dir();
	char *cwd = tl_path(D, "cwd");
	tl_mkdirs(cwd);
	char *out, *err;
	int rc = run(cwd, &out, &err, "--check", in, NULL, NULL);
	cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
	cr_expect(strstr(out, "HQ: Main"), "stdout:\n%s", out);
	cr_expect(strstr(out, "HQ_Main"), "stdout:\n%s", out);
	char *snap = snapshot(cwd);
	cr_expect_str_eq(snap, "", "--check wrote: %s", snap);
	/* It is the report a conversion writes. */
	char *conv = tl_path(D, "conv");
	cr_assert_eq(run(NULL, NULL, NULL, "-q", in, conv, NULL), 0);
	char *rep = tl_path(conv, "HQ_Main/REPORT.TXT");
	size_t n;
	char *text = tl_try_slurp(rep, &n);
	cr_assert_not_null(text);
	cr_expect(n == strlen(out) && !memcmp(text, out, n),
	          "--check printed:\n%s\nREPORT.TXT:\n%s", out, text);
	free(text);
	free(rep);
	free(conv);
	free(snap);
	free(out);
	free(err);
	free(cwd);
	free(in);
}

Test(ccmail2iff, codepage_option)
{
	char *in = input_dir();
	char *out = tl_path(D, "out");
	cr_assert_eq(run(NULL, NULL, NULL, "-q", "--codepage=850", in, out), 0);
	char *pkl = tl_path(out, "HQ_Main/HQ_Main.PKL");
	char *text = tl_try_slurp(pkl, NULL);
	cr_assert_not_null(text);
	cr_expect(!strncmp(text, "850\r\n\r\nFilename,Filetype\r\n", 26), "%s",
	          text);
	free(text);
	free(pkl);
	free(out);
	free(in);
}

Test(ccmail2iff, help_and_version)
{
	char *out;
	cr_expect_eq(run(NULL, &out, NULL, "--help", NULL, NULL, NULL), 0);
	cr_expect(strstr(out, "usage:"), "%s", out);
	free(out);
	cr_expect_eq(run(NULL, &out, NULL, "-V", NULL, NULL, NULL), 0);
	cr_expect(strstr(out, "ccmail2iff"), "%s", out);
	free(out);
}

Test(ccmail2iff, bad_usage_exits_2)
{
	char *in = input_dir();
	char *out = tl_path(D, "out");
	char *err;
	cr_expect_eq(run(NULL, NULL, &err, NULL, NULL, NULL, NULL), 2);
	cr_expect(strstr(err, "Try 'ccmail2iff --help'"),
	          "no hint at --help on stderr: %s", err);
	free(err);
	cr_expect_eq(run(NULL, NULL, NULL, "--bogus", in, out, NULL), 2);
	cr_expect_eq(run(NULL, NULL, NULL, in, NULL, NULL, NULL), 2);
	cr_expect_eq(run(NULL, NULL, NULL, in, out, "extra", NULL), 2);
	cr_expect_eq(run(NULL, NULL, NULL, "--check", in, out, NULL), 2);
	cr_expect_eq(run(NULL, NULL, NULL, "--codepage=abc", in, out, NULL), 2);
	cr_expect_eq(run(NULL, NULL, NULL, "--date-order=XYZ", in, out, NULL),
	             2);
	/* None of them wrote anything. */
	struct stat st;
	cr_expect_neq(stat(out, &st), 0, "bad usage created %s", out);
	free(out);
	free(in);
}

Test(ccmail2iff, missing_source_exits_3)
{
	char *src = tl_path(D, "nowhere");
	char *out = tl_path(D, "out");
	char *err;
	cr_expect_eq(run(NULL, NULL, &err, src, out, NULL, NULL), 3);
	cr_expect(err[0], "no message on stderr");
	free(err);
	cr_expect_eq(run(NULL, NULL, NULL, "--check", src, NULL, NULL), 3);
	free(out);
	free(src);
}

Test(ccmail2iff, not_an_export_exits_4)
{
	char *src = tl_path(D, "empty");
	tl_mkdirs(src);
	tl_puts(src, "USERS/A.EXP", "Mailbox: A\r\n");
	char *out = tl_path(D, "out");
	char *err;
	cr_expect_eq(run(NULL, NULL, &err, src, out, NULL, NULL), 4);
	cr_expect(strstr(err, "PO.INI"), "stderr: %s", err);
	free(err);
	free(out);
	free(src);
}

Test(ccmail2iff, native_post_office_exits_5)
{
	char *src = tl_path(D, "native");
	tl_mkdirs(src);
	tl_puts(src, "CLANDATA", "");
	tl_puts(src, "CCPOMBOX.DAT", "");
	char *out = tl_path(D, "out");
	char *err;
	cr_expect_eq(run(NULL, NULL, &err, src, out, NULL, NULL), 5);
	cr_expect(strstr(err, "EXPORT"),
	          "stderr does not say how to EXPORT: %s", err);
	free(err);
	free(out);
	free(src);
}

/* An OUTDIR that cannot be made fails before the scan: no index file is
 * written (the scan would write one), and nothing else either. */
Test(ccmail2iff, unusable_output_fails_before_the_scan)
{
	char *in = input_dir();
	char *cache = tl_path(D, "idx");
	char arg[PATH_MAX + 16], *err;
	snprintf(arg, sizeof(arg), "--cache=%s", cache);
	const char *outs[] = {"/nonexistent-ccm-dir/out", "/proc/version/x"};
	for (size_t k = 0; k < 2; k++) {
		cr_expect_eq(run(NULL, NULL, &err, "-q", arg, in, outs[k]), 6,
		             "%s", outs[k]);
		cr_expect(strstr(err, outs[k]), "stderr: %s", err);
		free(err);
	}
	struct stat st;
	cr_expect(stat(cache, &st) != 0, "the scan ran: %s was made", cache);
	free(cache);
	free(in);
}

Test(ccmail2iff, output_that_is_a_file_exits_6)
{
	char *in = input_dir();
	tl_puts(D, "plain", "not a folder\n");
	char *out = tl_path(D, "plain");
	cr_expect_eq(run(NULL, NULL, NULL, "-q", in, out, NULL), 6);
	char *under = tl_path(D, "plain/sub");
	cr_expect_eq(run(NULL, NULL, NULL, "-q", in, under, NULL), 6);
	size_t n;
	char *text = tl_try_slurp(out, &n);
	cr_expect(text && !strcmp(text, "not a folder\n"), "the file changed");
	free(text);
	free(under);
	free(out);
	free(in);
}

/* An output folder inside the source is refused before anything is
 * written there: the source is read, never written. */
Test(ccmail2iff, output_inside_the_source_exits_6)
{
	char *copy = tl_path(D, "copy");
	char *src = copy_input(copy);
	char *before = snapshot(src);
	char *inside = tl_path(src, "hq/OUT");
	cr_expect_eq(run(NULL, NULL, NULL, "-q", src, inside, NULL), 6);
	cr_expect_eq(run(NULL, NULL, NULL, "-q", src, src, NULL), 6);
	char *po = tl_path(src, "hq");
	cr_expect_eq(run(NULL, NULL, NULL, "-q", po, po, NULL), 6);
	/* Through a link that leads into the source, too. */
	char *link = tl_path(D, "link");
	cr_assert_eq(symlink(po, link), 0);
	char *via = tl_path(D, "link/OUT2");
	cr_expect_eq(run(NULL, NULL, NULL, "-q", src, via, NULL), 6);
	char *after = snapshot(src);
	cr_expect_str_eq(after, before, "the source changed");
	free(after);
	free(via);
	free(link);
	free(po);
	free(inside);
	free(before);
	free(src);
	free(copy);
}
