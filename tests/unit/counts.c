/*
 * Count lines and sizes the specs settled after review (issue 8): padded
 * count lines (export §4.4), a text count trusted only where it lands,
 * an inline hex item of count 0 without Hex: lines (§4.3), and the split
 * size rule with its REPORT.TXT wording (iff-output §1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tl.h"

/* One mailbox whose messages are given whole, from "Message:" on. */
struct out {
	char *sec, *rep;
	size_t n;
	struct tl_section s[4];
	size_t count;
};

static void convert(const char *messages, uint64_t split, struct out *o)
{
	char *d = tl_tmpdir();
	tl_puts(d, "PO.INI", "[PostOffice]\nName=P\nCodePage=850\n");
	char *mbx;
	cr_assert_geq(asprintf(&mbx, "Mailbox: Sato, Ken\n%s", messages), 0);
	tl_puts(d, "USERS/A.EXP", mbx);
	free(mbx);
	struct ccm_options opts = {.sec_split = split};
	ccm_source *src = tl_open(d, &opts);
	o->rep = tl_report(src, 0);
	o->count = 0;
	o->sec = NULL;
	o->n = 0;
	size_t nfiles = ccm_po_file_count(src, 0);
	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(ccm_file_name(src, 0, i), "00000001.SEC"))
			o->sec = tl_read(src, 0, i, 4096, &o->n);
	for (size_t off = 50; o->sec && off < o->n && o->count < 4;) {
		tl_sec_section(o->sec, o->n, off, &o->s[o->count]);
		off = o->s[o->count++].next;
	}
	ccm_source_close(src);
	tl_rmtree(d);
}

static void out_free(struct out *o)
{
	for (size_t i = 0; i < o->count; i++)
		free(o->s[i].name);
	free(o->sec);
	free(o->rep);
}

/* Section i's data is want. */
static void expect_data(const struct out *o, size_t i, const char *want)
{
	cr_assert_lt(i, o->count, "%s", o->rep);
	char *got = strndup(o->sec + o->s[i].data, o->s[i].length);
	cr_expect_str_eq(got, want);
	free(got);
}

/* REPORT.TXT holds no warning about the mailbox file. */
static void expect_no_warning(const char *rep)
{
	cr_expect(!strstr(rep, "USERS/A.EXP:"), "%s", rep);
}

static void expect_nothing_left_out(const char *rep)
{
	cr_expect(!strstr(rep, "item left out") &&
	                  !strstr(rep, "message left out"),
	          "%s", rep);
}

#define HEAD "Message:\nFrom: Ito\nDate: 6/2/98 8:39\nSubject: s\nContents:\n"

Test(counts, a_count_padded_with_blanks_is_a_count)
{
	struct out o;
	convert(HEAD "Text item: Body\n   5  \nhello\n"
	             "File item: A.TXT\n 2\t\nHex: 4142\n",
	        0, &o);
	expect_data(&o, 0, "hello");
	cr_expect_eq(o.count, 2);
	cr_expect_eq(o.s[1].length, 2);
	expect_no_warning(o.rep);
	out_free(&o);
}

Test(counts, a_number_that_does_not_land_is_text)
{
	/* Exported without /ITEMSIZE: the text begins with a number. */
	struct out o;
	convert(HEAD "Text item: Body\n12\napples, and more\n"
	             "than that\n" HEAD "Text item: Body\n3\nabc\nxyz\n",
	        0, &o);
	expect_data(&o, 0, "12\r\napples, and more\r\nthan that\r\n");
	cr_expect(tl_contains(o.rep, strlen(o.rep), "USERS/A.EXP:7:"), "%s",
	          o.rep);
	cr_expect(tl_contains(o.rep, strlen(o.rep), "USERS/A.EXP:16:"), "%s",
	          o.rep);
	expect_nothing_left_out(o.rep);
	out_free(&o);
}

Test(counts, a_count_that_lands_on_a_block_after_blank_lines)
{
	struct out o;
	convert(HEAD "Text item: A\n3\nabc\n\n\nText item: B\n2\nde\n"
	             "File item: F.TXT\n1\nHex: 41\n",
	        0, &o);
	expect_data(&o, 0, "abc\r\n\r\nde");
	cr_expect_eq(o.count, 2);
	expect_no_warning(o.rep);
	out_free(&o);
}

Test(counts, a_count_past_the_end_of_the_file_is_text)
{
	struct out o;
	convert(HEAD "Text item: Body\n999\nshort\n", 0, &o);
	expect_data(&o, 0, "999\r\nshort\r\n");
	cr_expect(tl_contains(o.rep, strlen(o.rep), "USERS/A.EXP:7:"), "%s",
	          o.rep);
	out_free(&o);
}

Test(counts, an_inline_item_of_count_0_needs_no_hex_line)
{
	struct out o;
	convert(HEAD "Text item: Body\n2\nhi\nFile item: EMPTY.TXT\n0\n"
	             "File item: NEXT.TXT\n1\nHex: 41\n" HEAD
	             "Text item: Body\n1\nx\nFile item: LAST.TXT\n0\n",
	        0, &o);
	cr_assert_eq(o.count, 4, "%s", o.rep);
	cr_expect_str_eq(o.s[1].name, "EMPTY.TXT");
	cr_expect_eq(o.s[1].length, 0);
	cr_expect_str_eq(o.s[2].name, "NEXT.TXT");
	cr_expect_eq(o.s[2].length, 1);
	/* The second message's empty attachment ends the file. */
	struct tl_section last;
	tl_sec_section(o.sec, o.n, o.s[3].next, &last);
	cr_expect_str_eq(last.name, "LAST.TXT");
	cr_expect_eq(last.length, 0);
	free(last.name);
	expect_nothing_left_out(o.rep);
	out_free(&o);
}

/* A message whose one section is "Body,N,,TRUE,,,\r\n" + N bytes + CR LF:
 * with N = 100, 19 + 100 + 2 = 121 bytes. */
#define BODY100                                                                \
	HEAD "Text item: Body\n100\n"                                          \
	     "012345678901234567890123456789012345678901234567890123456789012" \
	     "3"                                                               \
	     "456789012345678901234567890123456789\n"

Test(counts, split_size_less_the_column_header_line)
{
	struct out o;
	/* 50 + 121 = 171: a split of 171 holds it, 170 does not. */
	convert(BODY100, 171, &o);
	cr_expect_eq(o.count, 1, "%s", o.rep);
	out_free(&o);
	convert(BODY100, 170, &o);
	cr_expect_eq(o.count, 0);
	cr_expect(tl_contains(o.rep, strlen(o.rep),
	                      "its sections, with their blank lines, are "
	                      "longer than the split size less the column "
	                      "header line"),
	          "%s", o.rep);
	out_free(&o);
}
