/*
 * The mail form of whole post offices: the sample export (code page
 * 850) and exports from ccm-gen (850 with quirks, 932 with its tricky
 * names), in both mail views. Every byte range equals the same slice of
 * the whole message, Python's email package parses every message without
 * a defect, and its text and attachments equal the source.
 */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "mailtl.h"
#include "tl.h"

static void check_tree(const char *src, enum ccm_view view)
{
	struct mt_src s;
	mt_open(&s, src, view, "Europe/Berlin", NULL);
	cr_expect_gt(mt_check_ranges(&s), 0);
	char *dir = tl_tmpdir();
	mt_check_parsed(&s, dir);
	tl_rmtree(dir);
	mt_close(&s);
}

static void sample(enum ccm_view view)
{
	char src[TL_PATH];
	tl_join(src, "%s/tests/sample/export", tl_env("CCM_SOURCE_ROOT"));
	check_tree(src, view);
}

Test(fixtures, sample_maildir)
{
	sample(CCM_VIEW_MAILDIR);
}

Test(fixtures, sample_eml)
{
	sample(CCM_VIEW_EML);
}

static void generated(const char *const args[], enum ccm_view view)
{
	char *top = tl_tmpdir();
	char *src = tl_path(top, "src");
	/* ccm-gen run directly: this suite needs no scratch of a mount. */
	const char *head[] = {tl_env("CCM_GEN")};
	const char *tail[] = {src};
	const char **argv = tl_argv(head, 1, args, tail, 1);
	cr_assert_eq(tl_run(argv, NULL, NULL, 300), 0, "ccm-gen failed");
	free(argv);
	check_tree(src, view);
	free(src);
	tl_rmtree(top);
}

Test(fixtures, generated_850_quirks)
{
	const char *args[] = {"--seed",
	                      "7",
	                      "--users",
	                      "4",
	                      "--messages",
	                      "40",
	                      "--attach-bytes",
	                      "40K",
	                      "--tricky",
	                      "--quirks",
	                      NULL};
	generated(args, CCM_VIEW_MAILDIR);
}

/* A double-byte post office from ccm-gen, its tricky names included. */
static void generated_932(const char *seed, const char *msgs,
                          enum ccm_view view)
{
	const char *args[] = {"--seed",     seed, "--users",  "4",
	                      "--messages", msgs, "--tricky", "--codepage",
	                      "932",        NULL};
	generated(args, view);
}

Test(fixtures, generated_932_eml)
{
	generated_932("3", "40", CCM_VIEW_EML);
}

Test(fixtures, generated_932_maildir)
{
	generated_932("5", "30", CCM_VIEW_MAILDIR);
}
