/*
 * Bad input: items and lines of megabytes (export spec §9).
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

/* --- §9: a text item of megabytes -------------------------------------- */

/*
 * The spec's conversion of a text item (iff-output §8), written out
 * independently: LF and lone CR become CR LF.
 */
static char *crlf(const char *s, size_t n, size_t *out)
{
	char *o = malloc(2 * n + 1);
	cr_assert_not_null(o);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			if (!(i && s[i - 1] == '\r'))
				o[k++] = '\r';
			o[k++] = '\n';
		} else if (s[i] == '\r') {
			o[k++] = '\r';
			if (i + 1 == n || s[i + 1] != '\n')
				o[k++] = '\n';
		} else {
			o[k++] = s[i];
		}
	}
	*out = k;
	return o;
}

/* 3 MB of ASCII text, lines of varied length with varied line ends,
 * ending with an LF. */
static char *big_text(size_t n, bool mixed)
{
	char *s = malloc(n);
	cr_assert_not_null(s);
	struct tl_rng rng = {n};
	for (size_t i = 0; i < n; i++) {
		uint64_t v = tl_rng_below(&rng, 100);
		if (v < 2)
			s[i] = '\n';
		else if (mixed && v < 3)
			s[i] = '\r';
		else
			s[i] = (char)('a' + v % 26);
	}
	/* No line may look like a keyword, a count or a blank line: each
	 * starts with a letter, and never holds ':' or a digit. Line ends
	 * are LF, lone CR or CR LF, never two in a row. */
	for (size_t i = 1; i < n; i++) {
		bool end = s[i] == '\n' || s[i] == '\r';
		if (end &&
		    (s[i - 1] == '\n' || (s[i - 1] == '\r' && s[i] == '\r')))
			s[i] = 'q';
	}
	s[0] = 'q';
	s[n - 1] = '\n';
	if (s[n - 2] == '\r')
		s[n - 2] = 'q';
	return s;
}

/*
 * A text item of 3 MB in message 2, between two small messages: kept whole
 * with a warning, its bytes converted, and a read in the middle of it (at
 * 2,500,000) right, as is any range.
 */
static void big_item(bool counted)
{
	const size_t n = 3000000;
	char *text = own(big_text(n, counted));
	struct text *t = mailbox();
	message(t, "before");
	header(t, "big");
	unsigned item = line(t, "Text item: Big");
	if (counted)
		line(t, "%zu", n);
	put(t, text, n);
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", item, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"before", "big", "after"};
	expect_rows(rows, want, 3);
	long r = find_row(rows, "big");
	cr_assert_geq(r, 0);
	struct tl_section s[2];
	char *sec;
	size_t sn;
	size_t k = sections(src, rows, (size_t)r, s, 2, &sec, &sn);
	cr_assert_eq(k, 1);
	size_t en;
	char *expect = own(crlf(text, n, &en));
	cr_assert_eq(s[0].length, en);
	size_t fi = tl_file_index(src, 0, "00000001.SEC");
	char *buf = own(malloc(70000));
	cr_assert_not_null(buf);

	/* Reads that start inside the item, far from its start. */
	struct tl_rng rng = {7};
	for (int i = 0; i < 60; i++) {
		size_t at = i == 0 ? 2500000 : (size_t)tl_rng_below(&rng, en);
		size_t len = i == 0 ? 4096 : (size_t)tl_rng_below(&rng, 70000);
		if (at + len > en)
			len = en - at;
		size_t got;
		cr_assert_eq(ccm_file_read(src, 0, fi, s[0].data + at, len, buf,
		                           &got),
		             CCM_OK);
		cr_assert_eq(got, len);
		bool same = !memcmp(buf, expect + at, len);
		cr_expect(same, "body bytes [%zu, +%zu) differ", at, len);
		if (!same)
			break;
	}

	/* Reads that start before the item (in its section header) and end
	 * inside it. */
	for (size_t len = 1000; len < 70000; len += 23456) {
		size_t from = s[0].data - 30, got;
		cr_assert_eq(ccm_file_read(src, 0, fi, from, len, buf, &got),
		             CCM_OK);
		cr_assert_eq(got, len);
		bool same = !memcmp(buf, sec + from, 30) &&
		            !memcmp(buf + 30, expect, len - 30);
		cr_expect(same,
		          "a read from %zu (30 bytes before the body) of %zu "
		          "bytes differs; its body part starts [%.16s]",
		          from, len, buf + 30);
		if (!same)
			break;
	}

	/* The whole file, as read in 64 KiB chunks from its start. */
	size_t d = 0;
	while (d < en && sec[s[0].data + d] == expect[d])
		d++;
	cr_expect_eq(d, en,
	             "the 3 MB body differs at its byte %zu: [%.20s] instead "
	             "of [%.20s]",
	             d, sec + s[0].data + d, expect + d);
}

Test(bad, text_item_of_3mb_uncounted)
{
	big_item(false);
}

Test(bad, text_item_of_3mb_counted_mixed_line_ends)
{
	big_item(true);
}

/*
 * An inline hex attachment of 300 KB (decoded), upper and lower case
 * digits, many per line: its bytes round-trip, whole and from any offset,
 * also for reads that begin before it.
 */
Test(bad, hex_attachment_of_300kb)
{
	const size_t n = 300000;
	unsigned char *data = own(malloc(n));
	cr_assert_not_null(data);
	struct tl_rng rng = {300};
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)tl_rng_next(&rng);
	struct text *t = mailbox();
	message(t, "before");
	header(t, "hex");
	line(t, "Text item:");
	line(t, "see the file");
	line(t, "File item: BIG.BIN 5/6/97 3:10PM");
	line(t, "%zu", n);
	for (size_t i = 0; i < n;) {
		size_t per = 1 + (size_t)tl_rng_below(&rng, 80);
		if (per > n - i)
			per = n - i;
		char hex[2 * 80 + 1];
		for (size_t k = 0; k < per; k++)
			snprintf(hex + 2 * k, 3, i % 3 ? "%02X" : "%02x",
			         data[i + k]);
		line(t, "Hex: %s", hex);
		i += per;
	}
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	struct rows *rows = get_rows(src, "00000001.PRI");
	long r = find_row(rows, "hex");
	cr_assert_geq(r, 0);
	struct tl_section s[4];
	char *sec;
	size_t sn;
	size_t k = sections(src, rows, (size_t)r, s, 4, &sec, &sn);
	cr_assert_eq(k, 2);
	cr_assert_str_eq(s[1].name, "BIG.BIN");
	cr_assert_eq(s[1].length, n);
	cr_assert_eq(s[1].position, 14);
	size_t fi = tl_file_index(src, 0, "00000001.SEC");
	char *buf = own(malloc(n + 100));
	cr_assert_not_null(buf);
	size_t got;
	/* Inside the data, from any offset. */
	for (int i = 0; i < 40; i++) {
		size_t at = (size_t)tl_rng_below(&rng, n);
		size_t len = (size_t)tl_rng_below(&rng, n - at + 1);
		cr_assert_eq(ccm_file_read(src, 0, fi, s[1].data + at, len, buf,
		                           &got),
		             CCM_OK);
		cr_assert_eq(got, len);
		bool same = !memcmp(buf, data + at, len);
		cr_expect(same, "attachment bytes [%zu, +%zu) differ", at, len);
		if (!same)
			break;
	}
	/* From 20 bytes before it to its end. */
	cr_assert_eq(
	        ccm_file_read(src, 0, fi, s[1].data - 20, n + 20, buf, &got),
	        CCM_OK);
	cr_assert_eq(got, n + 20);
	cr_expect(!memcmp(buf, sec + s[1].data - 20, 20) &&
	                  !memcmp(buf + 20, data, n),
	          "a read that begins before the attachment differs");
	/* And as read whole from the start of the file. */
	cr_expect(!memcmp(sec + s[1].data, data, n),
	          "the attachment differs in the whole file");
}

/* --- §9: lines of any length ------------------------------------------- */

Test(bad, subject_line_of_1mb)
{
	const size_t n = 1 << 20;
	char *subject = own(malloc(n + 1));
	cr_assert_not_null(subject);
	for (size_t i = 0; i < n; i++)
		subject[i] = (char)('a' + i % 26);
	subject[n] = '\0';
	struct text *t = mailbox();
	message(t, "before");
	header(t, subject);
	line(t, "Text item:");
	/* A body line of 1 MB too. */
	put(t, subject, n);
	put(t, "\n", 1);
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	struct rows *rows = get_rows(src, "00000001.PRI");
	cr_assert_eq(rows->r.count, 3);
	static const char *const want[] = {"before", "after"};
	expect_rows(rows, want, 2);
	char *s = field(rows, 1, 5);
	cr_expect_eq(strlen(s), n);
	cr_expect(!strcmp(s, subject), "the long subject differs");
	struct tl_section sec_s[2];
	char *sec;
	size_t sn;
	size_t k = sections(src, rows, 1, sec_s, 2, &sec, &sn);
	cr_assert_eq(k, 1);
	cr_expect_eq(sec_s[0].length, n + 2);
}
