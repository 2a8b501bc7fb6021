/*
 * The mounted tree, byte for byte: against the worked example of the
 * specification, against ccmail2iff's output of the same source (the
 * on-disk reference), and through the copying tools an administrator would
 * point at the mount (cp, tar, rsync).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "tl.h"

TestSuite(tree, .init = tl_setup, .fini = tl_teardown, .timeout = 300);

/* Runs a shell command that must succeed, showing its output if not. */
static void shell_ok(const char *cmd)
{
	int rc = tl_shell("%s", cmd);
	if (rc != 0) {
		char log[TL_PATH];
		tl_join(log, "%s/shell.log", tl_scratch());
		char *text = tl_slurp(log, NULL);
		cr_assert_fail("'%s' exited with %d:\n%s", cmd, rc, text);
	}
}

/* A small source of three post offices whose names collide. */
static void colliding_source(char *src, char *ref)
{
	static const char *const gen[] = {
	        "--users",        "6",    "--messages", "60",
	        "--attach-bytes", "300K", "--tricky",   NULL};
	tl_join(src, "%s/src", tl_scratch());
	tl_gen_colliding(src, 11, gen);
	tl_make_reference(src, ref, NULL);
}

/* Every folder name differs from every other one without regard to case
 * (spec §2, 6.): the Migration Wizard runs on Windows. */
static void assert_distinct_folders(const struct tl_list *top)
{
	for (size_t i = 0; i < top->n; i++)
		for (size_t j = i + 1; j < top->n; j++)
			cr_assert(strcasecmp(top->v[i], top->v[j]),
			          "two post office folders named %s and %s",
			          top->v[i], top->v[j]);
}

Test(tree, example_matches_spec)
{
	char in[TL_PATH], want[TL_PATH], report[TL_PATH];
	tl_join(in, "%s/tests/example/input", tl_env("CCM_SOURCE_ROOT"));
	tl_join(want, "%s/tests/example/expected", tl_env("CCM_SOURCE_ROOT"));
	struct tl_mount *m = tl_mount(in, NULL);
	/* The example leaves REPORT.TXT out: its wording is free. */
	tl_assert_same_tree(m->mnt, want, TL_NO_REPORT);
	tl_join(report, "%s/HQ_Main/REPORT.TXT", m->mnt);
	struct stat st;
	cr_assert(stat(report, &st) == 0, "%s: %s", report, strerror(errno));
	cr_assert_gt(st.st_size, 0, "REPORT.TXT is empty");
	tl_finish();
}

Test(tree, generated_matches_ccmail2iff)
{
	char src[TL_PATH], ref[TL_PATH];
	colliding_source(src, ref);
	struct tl_mount *m = tl_mount(src, NULL);

	/* Names equal without regard to case are numbered in the order of
	 * the real names' bytes (spec §2): "SALES EAST" < "SALES/EAST" <
	 * "sales:east". Checked here on its own, not only against
	 * ccmail2iff, which shares the core's code. */
	struct tl_list top;
	tl_list_dir(m->mnt, &top);
	assert_distinct_folders(&top);
	cr_assert_eq(top.n, 3, "%zu post office folders", top.n);
	cr_assert_str_eq(top.v[0], "SALES_EAST");
	cr_assert_str_eq(top.v[1], "SALES_EAST~2");
	cr_assert_str_eq(top.v[2], "sales_east~3");
	for (size_t i = 0; i < top.n; i++) {
		char pkl[TL_PATH];
		struct stat st;
		tl_join(pkl, "%s/%s/%s.PKL", m->mnt, top.v[i], top.v[i]);
		cr_assert(stat(pkl, &st) == 0, "%s: %s", pkl, strerror(errno));
	}
	tl_list_free(&top);

	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(tree, output_options_match_ccmail2iff)
{
	char src[TL_PATH], ref[TL_PATH];
	static const char *const gen[] = {
	        "--seed",     "5",  "--pos",          "2",    "--users", "5",
	        "--messages", "50", "--attach-bytes", "200K", NULL};
	tl_make_source(src, gen);
	tl_join(ref, "%s/ref", tl_scratch());
	/* A small split size makes many SEC files, and a forced date order
	 * reads some dates differently from what PO.INI says. */
	static const char *const ref_args[] = {
	        "--codepage=850", "--sec-split=4096", "--date-order=YMD", NULL};
	tl_reference(src, ref, ref_args);
	static const char *const opts[] = {
	        "-o", "codepage=850,sec_split=4096,date_order=YMD", NULL};
	struct tl_mount *m = tl_mount(src, opts);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(tree, double_byte_matches_ccmail2iff)
{
	char src[TL_PATH], ref[TL_PATH];
	static const char *const gen[] = {"--seed",     "9",
	                                  "--codepage", "932",
	                                  "--users",    "5",
	                                  "--messages", "40",
	                                  "--tricky",   "--attach-bytes",
	                                  "100K",       NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, NULL);
	struct tl_mount *m = tl_mount(src, NULL);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(tree, copies_reproduce_reference)
{
	char src[TL_PATH], ref[TL_PATH], cmd[4 * TL_PATH];
	colliding_source(src, ref);
	struct tl_mount *m = tl_mount(src, NULL);
	const char *s = tl_scratch();

	/* cp -r */
	snprintf(cmd, sizeof(cmd), "cp -r -- '%s' '%s/cp'", m->mnt, s);
	shell_ok(cmd);
	char copy[TL_PATH];
	tl_join(copy, "%s/cp", s);
	tl_assert_same_tree(copy, ref, 0);

	/* tar c, then x: tar also fails when a file's size changes while it
	 * reads it ("file changed as we read it"). */
	snprintf(cmd, sizeof(cmd),
	         "tar -C '%s' -cf '%s/t.tar' . && mkdir '%s/tar' && "
	         "tar -C '%s/tar' -xf '%s/t.tar'",
	         m->mnt, s, s, s, s);
	shell_ok(cmd);
	tl_join(copy, "%s/tar", s);
	tl_assert_same_tree(copy, ref, 0);

	/* rsync -a; a second run must find nothing to do: sizes and mtimes
	 * are stable from one stat to the next. */
	snprintf(cmd, sizeof(cmd), "rsync -a -- '%s/' '%s/rsync/'", m->mnt, s);
	shell_ok(cmd);
	tl_join(copy, "%s/rsync", s);
	tl_assert_same_tree(copy, ref, 0);
	snprintf(cmd, sizeof(cmd),
	         "rsync -ai -- '%s/' '%s/rsync/' > '%s/again.txt'", m->mnt, s,
	         s);
	shell_ok(cmd);
	char again[TL_PATH];
	tl_join(again, "%s/again.txt", s);
	size_t n;
	char *changes = tl_slurp(again, &n);
	cr_assert_eq(n, 0, "a second rsync -a changed:\n%s", changes);
	free(changes);
	tl_finish();
}

Test(tree, identical_names_get_distinct_folders)
{
	char src[TL_PATH];
	static const char *const gen[] = {
	        "--seed",         "4",  "--pos",      "3", "--users", "2",
	        "--attach-bytes", "4K", "--messages", "8", NULL};
	tl_make_source(src, gen);
	for (int i = 1; i <= 3; i++) {
		char po[TL_PATH];
		tl_join(po, "%s/po%02d", src, i);
		tl_set_po_name(po, "SALES");
	}
	struct tl_mount *m = tl_mount(src, NULL);
	struct tl_list top;
	tl_list_dir(m->mnt, &top);
	assert_distinct_folders(&top);
	cr_assert_eq(top.n, 3, "%zu post office folders", top.n);
	cr_assert_str_eq(top.v[0], "SALES");
	cr_assert_str_eq(top.v[1], "SALES~2");
	cr_assert_str_eq(top.v[2], "SALES~3");
	tl_list_free(&top);
	tl_finish();
}

/*
 * A generated post office of page cp, its names and attachment names
 * holding characters whose trail byte is '@', '\', '|' or a letter,
 * mounted and written by ccmail2iff with the same output page (NULL: the
 * post office's own).
 */
static void double_byte_case(const char *cp, const char *out_cp)
{
	char src[TL_PATH], ref[TL_PATH], opt[64] = "", ref_opt[64] = "";
	const char *const gen[] = {"--seed",         "13",  "--codepage", cp,
	                           "--users",        "6",   "--messages", "60",
	                           "--attach-bytes", "60K", NULL};
	tl_make_source(src, gen);
	if (out_cp) {
		snprintf(ref_opt, sizeof(ref_opt), "--codepage=%s", out_cp);
		snprintf(opt, sizeof(opt), "codepage=%s", out_cp);
	}
	const char *const ref_args[] = {ref_opt, NULL};
	const char *const opts[] = {"-o", opt, NULL};
	tl_make_reference(src, ref, out_cp ? ref_args : NULL);
	struct tl_mount *m = tl_mount(src, out_cp ? opts : NULL);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(tree, double_byte_936_matches_ccmail2iff)
{
	double_byte_case("936", NULL);
}

Test(tree, double_byte_949_matches_ccmail2iff)
{
	double_byte_case("949", NULL);
}

Test(tree, double_byte_950_matches_ccmail2iff)
{
	double_byte_case("950", NULL);
}

Test(tree, double_byte_as_1252_matches_ccmail2iff)
{
	double_byte_case("932", "1252");
}
