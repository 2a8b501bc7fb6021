/*
 * Bad input: count lines, binary bytes, dates, Contents:, nameless and broken
 * file items (export spec §9).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "bad.h"

/* --- §9: count lines ------------------------------------------------- */

Test(bad, count_line_of_blanks)
{
	struct text *t = mailbox();
	message(t, "before");
	header(t, "blank count");
	unsigned item = line(t, "Text item:");
	unsigned blanks = line(t, "   ");
	line(t, "Text after a count of blanks.");
	header(t, "blank file count");
	unsigned fitem = line(t, "File item: A.TXT");
	unsigned fblanks = line(t, "  ");
	line(t, "Hex: 4142");
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", blanks, item, 0u);
	expect_reported(rep, "USERS/A.EXP", fblanks, fitem, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"before", "blank count",
	                                   "blank file count", "after"};
	expect_rows(rows, want, 4);
}

Test(bad, message_count_line_of_blanks)
{
	struct text *t = mailbox();
	message(t, "before");
	unsigned m = line(t, "Message:");
	unsigned blanks = line(t, "    ");
	line(t, "From: Ames, Al");
	line(t, "Subject: blank message count");
	line(t, "Contents:");
	line(t, "Text item:");
	line(t, "text");
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", blanks, m, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"before", "blank message count",
	                                   "after"};
	expect_rows(rows, want, 3);
}

Test(bad, text_count_past_end_of_file)
{
	struct text *t = mailbox();
	message(t, "first");
	message(t, "second");
	header(t, "truncated");
	unsigned item = line(t, "Text item:");
	unsigned count = line(t, "5000");
	line(t, "only a little text");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", item, count, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	/* A count that does not land is no count (export §4.4): the item
	 * is read as text, its number included. */
	static const char *const want[] = {"first", "second", "truncated"};
	expect_rows(rows, want, 3);
	size_t sn;
	char *sec = own(tl_file(src, 0, "00000001.SEC", &sn));
	cr_expect(tl_contains(sec, sn, "5000\r\nonly a little text"));
}

/* Counts of 2^64 and more are counts still (export §4.4: digits), too
 * large to land or to match: the text item is read as text with a
 * warning, the file item left out, each saying the count's size. */
Test(bad, counts_past_64_bits)
{
	struct text *t = mailbox();
	header(t, "huge");
	unsigned item = line(t, "Text item:");
	line(t, "99999999999999999999999");
	line(t, "text after a huge number");
	unsigned f = line(t, "File item: H.BIN");
	line(t, "18446744073709551615");
	line(t, "Hex: 4142");
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", item, 0u);
	expect_reported(rep, "USERS/A.EXP", f, 0u);
	cr_expect(strstr(rep, "a count of 18446744073709551614 or more would "
	                      "not end"),
	          "%s", rep);
	cr_expect(strstr(rep, "says 18446744073709551614 or more bytes but "
	                      "the Hex: lines hold 2"),
	          "%s", rep);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"huge", "after"};
	expect_rows(rows, want, 2);
	size_t sn;
	char *sec = own(tl_file(src, 0, "00000001.SEC", &sn));
	cr_expect(tl_contains(sec, sn,
	                      "99999999999999999999999\r\ntext after a huge"));
	cr_expect(!tl_contains(sec, sn, "H.BIN"), "the file item was kept");
}

/* --- §9: binary bytes and NULs in headers ----------------------------- */

Test(bad, binary_and_nul_in_header)
{
	struct text *t = mailbox();
	message(t, "before");
	unsigned m = line(t, "Message:");
	line(t, "From: Ames, Al");
	line(t, "Date: 6/2/98 8:39");
	unsigned subj = t->lines + 1;
	static const char bin[] = "Subject: Hello\x01World\0end\x7f!\n";
	put(t, bin, sizeof(bin) - 1);
	line(t, "Contents:");
	line(t, "Text item:");
	line(t, "text");
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", subj, m, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	cr_assert_eq(rows->r.count, 3, "PRI:\n%s", rows->pri);
	/* Control characters are shown as blanks (iff-output §3); the '!'
	 * makes the field quoted. */
	char *s = field(rows, 1, 5);
	cr_expect_str_eq(s, "Hello World end !");
	static const char *const want[] = {"before", "after"};
	expect_rows(rows, want, 2);
}

/* --- §9: invalid dates ------------------------------------------------ */

Test(bad, invalid_date_keeps_message_without_date)
{
	struct text *t = mailbox();
	message(t, "before");
	unsigned m = line(t, "Message:");
	line(t, "From: Ames, Al");
	unsigned d = line(t, "Date: 2/31/99 10:00");
	line(t, "Subject: no such day");
	line(t, "Contents:");
	line(t, "Text item:");
	line(t, "text");
	unsigned m2 = line(t, "Message:");
	unsigned d2 = line(t, "Date: whenever");
	line(t, "Subject: garbage date");
	line(t, "Contents:");
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", d, m, 0u);
	expect_reported(rep, "USERS/A.EXP", d2, m2, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"before", "no such day",
	                                   "garbage date", "after"};
	expect_rows(rows, want, 4);
	for (size_t i = 1; i <= 2; i++) {
		char *sd = field(rows, i, 6), *rd = field(rows, i, 7);
		cr_expect_str_eq(sd, "", "row %zu Send-Date", i);
		cr_expect_str_eq(rd, "", "row %zu Received-Date", i);
	}
	char *ok = field(rows, 0, 6);
	cr_expect_str_eq(ok, "19980602083900");
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.left_out, 0, "an invalid date is a warning only");
	cr_expect_eq(st.messages, 4);
}

/* --- §9: missing Contents: -------------------------------------------- */

Test(bad, missing_contents_leaves_message_out)
{
	struct text *t = mailbox();
	message(t, "before");
	unsigned m = line(t, "Message:");
	line(t, "From: Ames, Al");
	line(t, "Date: 6/2/98 8:39");
	line(t, "Subject: lost");
	line(t, "Text item:");
	line(t, "A body that has no Contents: line before it.");
	message(t, "after");
	unsigned m2 = line(t, "Message:");
	line(t, "Subject: lost too");
	message(t, "last");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", m, 0u);
	expect_reported(rep, "USERS/A.EXP", m2, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	cr_expect_eq(rows->r.count, 3, "PRI:\n%s", rows->pri);
	static const char *const want[] = {"before", "after", "last"};
	expect_rows(rows, want, 3);
	cr_expect_lt(find_row(rows, "lost"), 0);
	cr_expect_lt(find_row(rows, "lost too"), 0);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.messages, 3);
	cr_expect_eq(st.left_out, 2);
}

/* --- §9: file item without a name (KB Q237886) ------------------------ */

Test(bad, file_item_without_name)
{
	struct text *t = mailbox();
	message(t, "before");
	header(t, "nameless");
	line(t, "Text item:");
	line(t, "see attached");
	unsigned f1 = line(t, "File item:");
	line(t, "5");
	line(t, "Hex: 48656C6C6F");
	line(t, "File item: NAMED.TXT");
	line(t, "1");
	line(t, "Hex: 21");
	unsigned f3 = line(t, "File item: 5/6/97 3:10PM");
	line(t, "2");
	line(t, "Hex: 4142");
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", f1, 0u);
	expect_reported(rep, "USERS/A.EXP", f3, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	long r = find_row(rows, "nameless");
	cr_assert_geq(r, 0);
	struct tl_section s[8];
	char *sec;
	size_t sn;
	size_t k = sections(src, rows, (size_t)r, s, 8, &sec, &sn);
	cr_assert_eq(k, 4);
	cr_expect_str_eq(s[1].name, "ATTACH01.DAT");
	cr_expect_str_eq(s[2].name, "NAMED.TXT");
	cr_expect_str_eq(s[3].name, "ATTACH03.DAT");
	cr_expect(s[1].length == 5 && !memcmp(sec + s[1].data, "Hello", 5));
	cr_expect(s[3].length == 2 && !memcmp(sec + s[3].data, "AB", 2));
	static const char *const want[] = {"before", "after"};
	expect_rows(rows, want, 2);
}

/* --- §9: broken hex --------------------------------------------------- */

/*
 * A message whose file item has the given count and Hex: line: the item
 * is left out and reported, the message kept with its body alone, and the
 * next message kept.
 */
static void broken_hex(const char *count, const char *hex)
{
	struct text *t = mailbox();
	message(t, "before");
	header(t, "broken");
	line(t, "Text item:");
	line(t, "body text");
	unsigned f = line(t, "File item: BROKEN.BIN");
	line(t, "%s", count);
	unsigned h = line(t, "Hex: %s", hex);
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", f, h, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"before", "broken", "after"};
	expect_rows(rows, want, 3);
	expect_body_only(src, rows, "broken", "the broken attachment was kept");
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.attachments, 0);
	cr_expect_geq(st.left_out, 1);
}

/*
 * The broken Hex: lines, each a case of its own. Criterion copies the
 * parameters into the test's process, where addresses may differ, so the
 * strings are held in the case itself (the same for refused_case).
 */
struct hex_case {
	char name[32], count[4], hex[8];
};
static struct hex_case hex_cases[] = {
        {"odd number of digits", "3", "41424"},
        {"non-hex character", "3", "41G243"},
        {"fewer bytes than count", "4", "414243"},
        {"more bytes than count", "2", "414243"},
};

ParameterizedTestParameters(bad, hex_broken)
{
	return cr_make_param_array(struct hex_case, hex_cases,
	                           sizeof(hex_cases) / sizeof(*hex_cases));
}

ParameterizedTest(struct hex_case *c, bad, hex_broken)
{
	cr_log_info("hex: %s", c->name);
	broken_hex(c->count, c->hex);
}
