/*
 * The names of the mail views (core/mailname.c), rule by rule.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "mailname.h"

/* The text a builder appends to an empty buffer, NUL-terminated. */
static char *text(struct ccm_buf *b)
{
	ccm_buf_putc(b, '\0');
	cr_assert(!b->oom);
	return b->p;
}

static void expect_clean(const char *in, const char *want)
{
	struct ccm_buf b = {0};
	ccm_mailname_clean(&b, in, strlen(in));
	cr_expect_str_eq(text(&b), want, "clean(%s)", in);
	ccm_buf_free(&b);
}

Test(mailname, clean_replaces_only_what_a_name_cannot_hold)
{
	expect_clean("Smith, John", "Smith, John");
	expect_clean("a/b", "a_b");
	expect_clean("tab\there\x7f", "tab_here_");
	expect_clean(".hidden", "_hidden");
	expect_clean("..", "_.");
	expect_clean("~user", "_user");
	expect_clean("a~2", "a~2");
	expect_clean("", "_");
	/* UTF-8 and every other character stay as they are. */
	expect_clean("Zürich \\ * ? : < > | \" %",
	             "Zürich \\ * ? : < > | \" %");
}

Test(mailname, utf8_cut_at_character_boundary)
{
	const char *s = "ab\xc3\xa9\xe6\x97\xa5"; /* a b é 日 */
	cr_expect_eq(ccm_utf8_cut(s, 7, 10), 7);
	cr_expect_eq(ccm_utf8_cut(s, 7, 6), 4);
	cr_expect_eq(ccm_utf8_cut(s, 7, 5), 4);
	cr_expect_eq(ccm_utf8_cut(s, 7, 4), 4);
	cr_expect_eq(ccm_utf8_cut(s, 7, 3), 2);
	cr_expect_eq(ccm_utf8_cut(s, 7, 0), 0);
}

Test(mailname, fit_suffix_and_255_bytes)
{
	char out[CCM_NAME_MAX + 1], big[400];
	cr_expect_eq(ccm_mailname_fit("Same", 4, 1, ".eml", out), 8);
	cr_expect_str_eq(out, "Same.eml");
	ccm_mailname_fit("Same", 4, 2, ".eml", out);
	cr_expect_str_eq(out, "Same~2.eml");
	ccm_mailname_fit("cur", 3, 12, "", out);
	cr_expect_str_eq(out, "cur~12");
	/* 300 bytes of é: cut to whole characters, the suffix kept. */
	for (int i = 0; i < 150; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	size_t n = ccm_mailname_fit(big, 300, 3, ".eml", out);
	cr_expect_eq(n, strlen(out));
	cr_expect_leq(n, CCM_NAME_MAX);
	cr_expect_eq(n, 248 + strlen("~3.eml"));
	cr_expect_str_eq(out + 248, "~3.eml");
}

Test(mailname, first_level_as_the_iff_view_maps_it)
{
	bool inbox;
	cr_expect_str_eq(ccm_mailname_first("message log", 11, &inbox),
	                 "Sent Items");
	cr_expect(!inbox);
	cr_expect_str_eq(ccm_mailname_first("TRASH", 5, &inbox),
	                 "Deleted Items");
	cr_expect_str_eq(ccm_mailname_first("Drafts", 6, &inbox), "Drafts");
	cr_expect_str_eq(ccm_mailname_first("inbox", 5, &inbox), "Inbox");
	cr_expect(inbox);
	cr_expect_null(ccm_mailname_first("Inbox2", 6, &inbox));
	cr_expect_null(ccm_mailname_first("Projects", 8, &inbox));
}

Test(mailname, eml_name)
{
	struct ccm_buf b = {0};
	/* 1999-01-04 09:12:30 read as UTC. */
	ccm_mailname_eml(&b, 915441150, true, "Re: a/b");
	cr_expect_str_eq(text(&b), "1999-01-04 0912 Re: a_b");
	ccm_buf_free(&b);
	memset(&b, 0, sizeof(b));
	ccm_mailname_eml(&b, 0, false, "");
	cr_expect_str_eq(text(&b), "undated (no subject)");
	ccm_buf_free(&b);
	memset(&b, 0, sizeof(b));
	/* Before 1970 and a subject that starts with a dot. */
	ccm_mailname_eml(&b, -86400, true, ".x");
	cr_expect_str_eq(text(&b), "1969-12-31 0000 .x");
	ccm_buf_free(&b);
}

Test(mailname, maildir_name_and_flags)
{
	struct ccm_buf b = {0};
	ccm_mailname_maildir(&b, 915441150, 7, 1234, false, false);
	cr_expect_str_eq(text(&b), "915441150.M7.ccmail,S=1234:2,S");
	ccm_buf_free(&b);
	memset(&b, 0, sizeof(b));
	ccm_mailname_maildir(&b, -5, 1, 9, false, true);
	cr_expect_str_eq(text(&b), "0.M1.ccmail,S=9:2,");
	ccm_buf_free(&b);
	memset(&b, 0, sizeof(b));
	ccm_mailname_maildir(&b, 1, 2, 3, true, true);
	cr_expect_str_eq(text(&b), "1.M2.ccmail,S=3:2,D");
	ccm_buf_free(&b);
	memset(&b, 0, sizeof(b));
	ccm_mailname_maildir(&b, 1, 2, 3, true, false);
	cr_expect_str_eq(text(&b), "1.M2.ccmail,S=3:2,DS");
	ccm_buf_free(&b);
}
