/*
 * What a reader must survive (export spec §9 and §4.3): each bad input is
 * a small export written by hand into a temporary folder. Each test checks
 * that REPORT.TXT names the file and line, and that the other messages of
 * the mailbox still convert; every output file must still read whole at
 * the size it announced.
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

#include "tl.h"

/* The test's temporary folder; the export is EXP inside it, so that files
 * "outside the export" can sit beside it. */
static char *D, *EXP;

static void setup(void)
{
	D = tl_tmpdir();
	EXP = tl_path(D, "exp");
	tl_mkdirs(EXP);
}

static void teardown(void)
{
	free(EXP);
	tl_rmtree(D);
	EXP = D = NULL;
}

TestSuite(bad, .init = setup, .fini = teardown);
TestSuite(source, .init = setup, .fini = teardown);
TestSuite(changed, .init = setup, .fini = teardown);

/* Text built line by line, so that tests know each line's number. */
struct text {
	char *p;
	size_t n, cap;
	unsigned lines; /* lines ended so far */
};

static void put(struct text *t, const void *data, size_t n)
{
	if (t->n + n + 1 > t->cap) {
		t->cap = (t->n + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		cr_assert_not_null(t->p);
	}
	memcpy(t->p + t->n, data, n);
	for (size_t i = 0; i < n; i++)
		t->lines += ((const char *)data)[i] == '\n';
	t->n += n;
	t->p[t->n] = '\0';
}

/* Appends one line (LF added) and returns its number. */
static unsigned line(struct text *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static unsigned line(struct text *t, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert_geq(r, 0);
	unsigned no = t->lines + 1;
	put(t, s, (size_t)r);
	put(t, "\n", 1);
	free(s);
	return no;
}

/* A message header up to Contents:; returns the Message: line. */
static unsigned header(struct text *t, const char *subject)
{
	unsigned no = line(t, "Message:");
	line(t, "From: Ames, Al");
	line(t, "Date: 6/2/98 8:39");
	line(t, "To: Ames, Al");
	line(t, "Subject: %s", subject);
	line(t, "Contents:");
	return no;
}

/* A whole good message with one text item. */
static unsigned message(struct text *t, const char *subject)
{
	unsigned no = header(t, subject);
	line(t, "Text item:");
	line(t, "The body of %s.", subject);
	return no;
}

static const char PO_INI[] = "[PostOffice]\r\nName=BAD\r\nCodePage=850\r\n";
static const char DIRECTORY[] = "Name: Ames, Al\r\nLocation: L\r\n";

/* PO.INI, a directory naming Ames, Al, and USERS/A.EXP holding t. */
static void export_with(struct text *t)
{
	tl_puts(EXP, "PO.INI", PO_INI);
	tl_puts(EXP, "CCMDIR.EXP", DIRECTORY);
	tl_write_at(EXP, "USERS/A.EXP", t->p, t->n);
}

static struct text mailbox(void)
{
	struct text t = {0};
	line(&t, "Mailbox: Ames, Al");
	line(&t, "%s", "");
	return t;
}

/* Every file of every post office reads whole at its announced size. */
static void read_everything(const ccm_source *src)
{
	for (size_t po = 0; po < ccm_source_po_count(src); po++)
		for (size_t f = 0; f < ccm_po_file_count(src, po); f++)
			free(tl_read(src, po, f, 4093, NULL));
}

static ccm_source *open_export(void)
{
	ccm_source *src = tl_open(EXP, NULL);
	cr_assert_eq(ccm_source_po_count(src), 1);
	cr_assert_str_eq(ccm_po_folder(src, 0), "BAD");
	read_everything(src);
	return src;
}

/* Does the report name file:line (for any of the lines given, 0 ends)? */
static void expect_reported(const char *rep, const char *file, ...)
{
	va_list ap;
	va_start(ap, file);
	char want[256] = "";
	bool found = false;
	for (unsigned l; !found && (l = va_arg(ap, unsigned));) {
		char s[128];
		snprintf(s, sizeof(s), "%s:%u:", file, l);
		found = strstr(rep, s) != NULL;
		if (strlen(want) + strlen(s) + 4 < sizeof(want)) {
			strcat(want, want[0] ? " or " : "");
			strcat(want, s);
		}
	}
	va_end(ap);
	cr_expect(found, "REPORT.TXT does not name %s:\n%s", want, rep);
}

/* The rows of the mailbox PRI 00000001.PRI. */
struct rows {
	char *pri;
	size_t n;
	struct tl_slices r;
};

static void get_rows(const ccm_source *src, const char *pri, struct rows *rows)
{
	rows->pri = tl_file(src, 0, pri, &rows->n);
	tl_pri_rows(rows->pri, rows->n, &rows->r);
	for (size_t i = 0; i < rows->r.count; i++) {
		struct tl_slices f;
		tl_csv_fields(rows->r.s[i], rows->r.n[i], &f);
		cr_assert_eq(f.count, 12, "row %zu has %zu fields", i, f.count);
		tl_slices_free(&f);
	}
}

static void free_rows(struct rows *rows)
{
	tl_slices_free(&rows->r);
	free(rows->pri);
}

/* Field k of row i, unquoted (malloc'd). */
static char *field(const struct rows *rows, size_t i, size_t k)
{
	struct tl_slices f;
	tl_csv_fields(rows->r.s[i], rows->r.n[i], &f);
	char *v = tl_unquote(f.s[k], f.n[k]);
	tl_slices_free(&f);
	return v;
}

/* The row whose Subject is subject, or -1. */
static long find_row(const struct rows *rows, const char *subject)
{
	for (size_t i = 0; i < rows->r.count; i++) {
		char *s = field(rows, i, 5);
		bool hit = !strcmp(s, subject);
		free(s);
		if (hit)
			return (long)i;
	}
	return -1;
}

static void expect_rows(const struct rows *rows, const char *const *subjects,
                        size_t count)
{
	for (size_t i = 0; i < count; i++)
		cr_expect_geq(find_row(rows, subjects[i]), 0,
		              "no row for '%s' in:\n%s", subjects[i],
		              rows->pri);
}

/* The sections of the message of row i: count of them, and each. */
static size_t sections(const ccm_source *src, const struct rows *rows, size_t i,
                       struct tl_section *out, size_t max, char **secp,
                       size_t *secn)
{
	char *body = field(rows, i, 11);
	char name[16];
	uint64_t off;
	cr_assert(tl_body_ptr(body, strlen(body), name, &off), "Body [%s]",
	          body);
	free(body);
	*secp = tl_file(src, 0, name, secn);
	size_t k = 0;
	for (;;) {
		cr_assert_lt(k, max);
		tl_sec_section(*secp, *secn, (size_t)off, &out[k]);
		off = out[k].next;
		if (out[k++].islast)
			break;
	}
	return k;
}

static void free_sections(struct tl_section *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].name);
}

/* --- §9: count lines ------------------------------------------------- */

Test(bad, count_line_of_blanks)
{
	struct text t = mailbox();
	message(&t, "before");
	header(&t, "blank count");
	unsigned item = line(&t, "Text item:");
	unsigned blanks = line(&t, "   ");
	line(&t, "Text after a count of blanks.");
	header(&t, "blank file count");
	unsigned fitem = line(&t, "File item: A.TXT");
	unsigned fblanks = line(&t, "  ");
	line(&t, "Hex: 4142");
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", blanks, item, 0u);
	expect_reported(rep, "USERS/A.EXP", fblanks, fitem, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"before", "blank count",
	                                   "blank file count", "after"};
	expect_rows(&rows, want, 4);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

Test(bad, message_count_line_of_blanks)
{
	struct text t = mailbox();
	message(&t, "before");
	unsigned m = line(&t, "Message:");
	unsigned blanks = line(&t, "    ");
	line(&t, "From: Ames, Al");
	line(&t, "Subject: blank message count");
	line(&t, "Contents:");
	line(&t, "Text item:");
	line(&t, "text");
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", blanks, m, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"before", "blank message count",
	                                   "after"};
	expect_rows(&rows, want, 3);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

Test(bad, text_count_past_end_of_file)
{
	struct text t = mailbox();
	message(&t, "first");
	message(&t, "second");
	header(&t, "truncated");
	unsigned item = line(&t, "Text item:");
	unsigned count = line(&t, "5000");
	line(&t, "only a little text");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", item, count, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"first", "second"};
	expect_rows(&rows, want, 2);
	/* The text that was not read is nowhere in the output. */
	size_t sn;
	char *sec = tl_file(src, 0, "00000001.SEC", &sn);
	cr_expect(!tl_contains(sec, sn, "only a little text"));
	free(sec);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

/* --- §9: binary bytes and NULs in headers ----------------------------- */

Test(bad, binary_and_nul_in_header)
{
	struct text t = mailbox();
	message(&t, "before");
	unsigned m = line(&t, "Message:");
	line(&t, "From: Ames, Al");
	line(&t, "Date: 6/2/98 8:39");
	unsigned subj = t.lines + 1;
	static const char bin[] = "Subject: Hello\x01World\0end\x7f!\n";
	put(&t, bin, sizeof(bin) - 1);
	line(&t, "Contents:");
	line(&t, "Text item:");
	line(&t, "text");
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", subj, m, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	cr_assert_eq(rows.r.count, 3, "PRI:\n%s", rows.pri);
	/* Control characters are shown as blanks (iff-output §3); the '!'
	 * makes the field quoted. */
	char *s = field(&rows, 1, 5);
	cr_expect_str_eq(s, "Hello World end !");
	free(s);
	static const char *const want[] = {"before", "after"};
	expect_rows(&rows, want, 2);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

/* --- §9: invalid dates ------------------------------------------------ */

Test(bad, invalid_date_keeps_message_without_date)
{
	struct text t = mailbox();
	message(&t, "before");
	unsigned m = line(&t, "Message:");
	line(&t, "From: Ames, Al");
	unsigned d = line(&t, "Date: 2/31/99 10:00");
	line(&t, "Subject: no such day");
	line(&t, "Contents:");
	line(&t, "Text item:");
	line(&t, "text");
	unsigned m2 = line(&t, "Message:");
	unsigned d2 = line(&t, "Date: whenever");
	line(&t, "Subject: garbage date");
	line(&t, "Contents:");
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", d, m, 0u);
	expect_reported(rep, "USERS/A.EXP", d2, m2, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"before", "no such day",
	                                   "garbage date", "after"};
	expect_rows(&rows, want, 4);
	for (size_t i = 1; i <= 2; i++) {
		char *sd = field(&rows, i, 6), *rd = field(&rows, i, 7);
		cr_expect_str_eq(sd, "", "row %zu Send-Date", i);
		cr_expect_str_eq(rd, "", "row %zu Received-Date", i);
		free(sd);
		free(rd);
	}
	char *ok = field(&rows, 0, 6);
	cr_expect_str_eq(ok, "19980602083900");
	free(ok);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.left_out, 0, "an invalid date is a warning only");
	cr_expect_eq(st.messages, 4);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

/* --- §9: missing Contents: -------------------------------------------- */

Test(bad, missing_contents_leaves_message_out)
{
	struct text t = mailbox();
	message(&t, "before");
	unsigned m = line(&t, "Message:");
	line(&t, "From: Ames, Al");
	line(&t, "Date: 6/2/98 8:39");
	line(&t, "Subject: lost");
	line(&t, "Text item:");
	line(&t, "A body that has no Contents: line before it.");
	message(&t, "after");
	unsigned m2 = line(&t, "Message:");
	line(&t, "Subject: lost too");
	message(&t, "last");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", m, 0u);
	expect_reported(rep, "USERS/A.EXP", m2, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	cr_expect_eq(rows.r.count, 3, "PRI:\n%s", rows.pri);
	static const char *const want[] = {"before", "after", "last"};
	expect_rows(&rows, want, 3);
	cr_expect_lt(find_row(&rows, "lost"), 0);
	cr_expect_lt(find_row(&rows, "lost too"), 0);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.messages, 3);
	cr_expect_eq(st.left_out, 2);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

/* --- §9: file item without a name (KB Q237886) ------------------------ */

Test(bad, file_item_without_name)
{
	struct text t = mailbox();
	message(&t, "before");
	header(&t, "nameless");
	line(&t, "Text item:");
	line(&t, "see attached");
	unsigned f1 = line(&t, "File item:");
	line(&t, "5");
	line(&t, "Hex: 48656C6C6F");
	line(&t, "File item: NAMED.TXT");
	line(&t, "1");
	line(&t, "Hex: 21");
	unsigned f3 = line(&t, "File item: 5/6/97 3:10PM");
	line(&t, "2");
	line(&t, "Hex: 4142");
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", f1, 0u);
	expect_reported(rep, "USERS/A.EXP", f3, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	long r = find_row(&rows, "nameless");
	cr_assert_geq(r, 0);
	struct tl_section s[8];
	char *sec;
	size_t sn;
	size_t k = sections(src, &rows, (size_t)r, s, 8, &sec, &sn);
	cr_assert_eq(k, 4);
	cr_expect_str_eq(s[1].name, "ATTACH01.DAT");
	cr_expect_str_eq(s[2].name, "NAMED.TXT");
	cr_expect_str_eq(s[3].name, "ATTACH03.DAT");
	cr_expect(s[1].length == 5 && !memcmp(sec + s[1].data, "Hello", 5));
	cr_expect(s[3].length == 2 && !memcmp(sec + s[3].data, "AB", 2));
	static const char *const want[] = {"before", "after"};
	expect_rows(&rows, want, 2);
	free_sections(s, k);
	free(sec);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

/* --- §9: broken hex --------------------------------------------------- */

/*
 * A message whose file item has the given count and Hex: line: the item
 * is left out and reported, the message kept with its body alone, and the
 * next message kept.
 */
static void broken_hex(const char *count, const char *hex)
{
	struct text t = mailbox();
	message(&t, "before");
	header(&t, "broken");
	line(&t, "Text item:");
	line(&t, "body text");
	unsigned f = line(&t, "File item: BROKEN.BIN");
	line(&t, "%s", count);
	unsigned h = line(&t, "Hex: %s", hex);
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", f, h, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"before", "broken", "after"};
	expect_rows(&rows, want, 3);
	long r = find_row(&rows, "broken");
	if (r >= 0) {
		struct tl_section s[4];
		char *sec;
		size_t sn;
		size_t k = sections(src, &rows, (size_t)r, s, 4, &sec, &sn);
		cr_expect_eq(k, 1, "the broken attachment was kept");
		free_sections(s, k);
		free(sec);
	}
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.attachments, 0);
	cr_expect_geq(st.left_out, 1);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

Test(bad, hex_odd_number_of_digits)
{
	broken_hex("3", "41424");
}

Test(bad, hex_non_hex_character)
{
	broken_hex("3", "41G243");
}

Test(bad, hex_fewer_bytes_than_count)
{
	broken_hex("4", "414243");
}

Test(bad, hex_more_bytes_than_count)
{
	broken_hex("2", "414243");
}

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
	char *text = big_text(n, counted);
	struct text t = mailbox();
	message(&t, "before");
	header(&t, "big");
	unsigned item = line(&t, "Text item: Big");
	if (counted)
		line(&t, "%zu", n);
	put(&t, text, n);
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", item, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"before", "big", "after"};
	expect_rows(&rows, want, 3);
	long r = find_row(&rows, "big");
	cr_assert_geq(r, 0);
	struct tl_section s[2];
	char *sec;
	size_t sn;
	size_t k = sections(src, &rows, (size_t)r, s, 2, &sec, &sn);
	cr_assert_eq(k, 1);
	size_t en;
	char *expect = crlf(text, n, &en);
	cr_assert_eq(s[0].length, en);
	size_t fi = tl_file_index(src, 0, "00000001.SEC");
	char *buf = malloc(70000);
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
	free(buf);
	free(expect);
	free_sections(s, k);
	free(sec);
	free_rows(&rows);
	free(rep);
	free(text);
	free(t.p);
	ccm_source_close(src);
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
	unsigned char *data = malloc(n);
	cr_assert_not_null(data);
	struct tl_rng rng = {300};
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)tl_rng_next(&rng);
	struct text t = mailbox();
	message(&t, "before");
	header(&t, "hex");
	line(&t, "Text item:");
	line(&t, "see the file");
	line(&t, "File item: BIG.BIN 5/6/97 3:10PM");
	line(&t, "%zu", n);
	for (size_t i = 0; i < n;) {
		size_t per = 1 + (size_t)tl_rng_below(&rng, 80);
		if (per > n - i)
			per = n - i;
		char hex[2 * 80 + 1];
		for (size_t k = 0; k < per; k++)
			snprintf(hex + 2 * k, 3, i % 3 ? "%02X" : "%02x",
			         data[i + k]);
		line(&t, "Hex: %s", hex);
		i += per;
	}
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	long r = find_row(&rows, "hex");
	cr_assert_geq(r, 0);
	struct tl_section s[4];
	char *sec;
	size_t sn;
	size_t k = sections(src, &rows, (size_t)r, s, 4, &sec, &sn);
	cr_assert_eq(k, 2);
	cr_assert_str_eq(s[1].name, "BIG.BIN");
	cr_assert_eq(s[1].length, n);
	cr_assert_eq(s[1].position, 14);
	size_t fi = tl_file_index(src, 0, "00000001.SEC");
	char *buf = malloc(n + 100);
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
	free(buf);
	free_sections(s, k);
	free(sec);
	free_rows(&rows);
	free(data);
	free(t.p);
	ccm_source_close(src);
}

/* --- §9: lines of any length ------------------------------------------- */

Test(bad, subject_line_of_1mb)
{
	const size_t n = 1 << 20;
	char *subject = malloc(n + 1);
	cr_assert_not_null(subject);
	for (size_t i = 0; i < n; i++)
		subject[i] = (char)('a' + i % 26);
	subject[n] = '\0';
	struct text t = mailbox();
	message(&t, "before");
	header(&t, subject);
	line(&t, "Text item:");
	/* A body line of 1 MB too. */
	put(&t, subject, n);
	put(&t, "\n", 1);
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	cr_assert_eq(rows.r.count, 3);
	static const char *const want[] = {"before", "after"};
	expect_rows(&rows, want, 2);
	char *s = field(&rows, 1, 5);
	cr_expect_eq(strlen(s), n);
	cr_expect(!strcmp(s, subject), "the long subject differs");
	free(s);
	struct tl_section sec_s[2];
	char *sec;
	size_t sn;
	size_t k = sections(src, &rows, 1, sec_s, 2, &sec, &sn);
	cr_assert_eq(k, 1);
	cr_expect_eq(sec_s[0].length, n + 2);
	free_sections(sec_s, k);
	free(sec);
	free_rows(&rows);
	free(subject);
	free(t.p);
	ccm_source_close(src);
}

/* --- §9: duplicate mailbox files, mailbox in no directory ------------- */

Test(bad, duplicate_mailbox_files)
{
	struct text a = mailbox();
	message(&a, "a1");
	message(&a, "a2");
	struct text b = {0};
	line(&b, "Mailbox: Ames, Al");
	message(&b, "dup1");
	message(&b, "dup2");
	message(&b, "dup3");
	export_with(&a);
	tl_write_at(EXP, "USERS/B.EXP", b.p, b.n);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/B.EXP", 1u, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	cr_expect_eq(rows.r.count, 2, "PRI:\n%s", rows.pri);
	static const char *const want[] = {"a1", "a2"};
	expect_rows(&rows, want, 2);
	size_t f;
	cr_expect_eq(ccm_file_lookup(src, 0, "00000002.PRI", &f),
	             CCM_ERR_NOENT);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 1);
	cr_expect_eq(st.messages, 2);
	free_rows(&rows);
	free(rep);
	free(a.p);
	free(b.p);
	ccm_source_close(src);
}

/*
 * Names are compared without regard to case (export §3), so "AMES, AL" is
 * the same user: the second file read (USERS/B.EXP, in byte order of file
 * names) is the duplicate, whatever the case of the name it gives.
 */
Test(bad, duplicate_mailbox_differing_in_case)
{
	struct text a = mailbox();
	message(&a, "a1");
	message(&a, "a2");
	struct text b = {0};
	line(&b, "Mailbox: AMES, AL");
	message(&b, "dup1");
	export_with(&a);
	tl_write_at(EXP, "USERS/B.EXP", b.p, b.n);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/B.EXP", 1u, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"a1", "a2"};
	expect_rows(&rows, want, 2);
	cr_expect_lt(find_row(&rows, "dup1"), 0, "USERS/B.EXP was kept");
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 1);
	free_rows(&rows);
	free(rep);
	free(a.p);
	free(b.p);
	ccm_source_close(src);
}

Test(bad, mailbox_named_in_no_directory)
{
	struct text a = mailbox();
	message(&a, "a1");
	struct text g = {0};
	line(&g, "Mailbox: Ghost, Gus");
	message(&g, "g1");
	message(&g, "g2");
	export_with(&a);
	tl_write_at(EXP, "USERS/G.EXP", g.p, g.n);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/G.EXP", 1u, 0u);
	/* Kept: Ames, then Ghost, in name order. */
	struct rows rows;
	get_rows(src, "00000002.PRI", &rows);
	cr_expect(tl_contains(rows.pri, rows.n,
	                      "MAILMESSAGE,\"CCMAIL:Ghost, Gus at BAD\""));
	static const char *const want[] = {"g1", "g2"};
	expect_rows(&rows, want, 2);
	size_t dn;
	char *dir = tl_file(src, 0, "DIRECTORY.PRI", &dn);
	cr_expect(tl_contains(dir, dn, "mailbox,create,GhostG,"), "%s", dir);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 2);
	cr_expect_eq(st.left_out, 0);
	free(dir);
	free_rows(&rows);
	free(rep);
	free(a.p);
	free(g.p);
	ccm_source_close(src);
}

Test(bad, unknown_header_keyword_warns)
{
	struct text t = mailbox();
	unsigned m = line(&t, "Message:");
	line(&t, "From: Ames, Al");
	unsigned x = line(&t, "X-Foo: bar");
	line(&t, "Subject: odd header");
	line(&t, "Contents:");
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", x, m, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"odd header", "after"};
	expect_rows(&rows, want, 2);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

/* --- §4.3: external files --------------------------------------------- */

static const char SECRET[] = "TOP-SECRET-MARKER outside the export\n";

/* A file outside the export folder holding text, and a watch on every
 * open of it. */
static int watch_file(char **path, const char *text)
{
	*path = tl_path(D, "outside/secret.txt");
	tl_puts(D, "outside/secret.txt", text);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	cr_assert_geq(fd, 0, "inotify: %s", strerror(errno));
	cr_assert_geq(inotify_add_watch(fd, *path, IN_OPEN | IN_ACCESS), 0);
	return fd;
}

static int watch_secret(char **path)
{
	return watch_file(path, SECRET);
}

static void expect_untouched(int fd, const char *path)
{
	char buf[4096];
	ssize_t r = read(fd, buf, sizeof(buf));
	cr_expect(r < 0 && errno == EAGAIN,
	          "%s (outside the export) was opened or read", path);
	close(fd);
}

/* No output file holds the outside file's bytes. */
static void expect_not_leaked(const ccm_source *src)
{
	for (size_t f = 0; f < ccm_po_file_count(src, 0); f++) {
		size_t n;
		char *p = tl_read(src, 0, f, 65536, &n);
		cr_expect(!tl_contains(p, n, "TOP-SECRET-MARKER"),
		          "%s holds the outside file",
		          ccm_file_name(src, 0, f));
		free(p);
	}
}

/*
 * A message "refused" whose file item names path; the item must be left
 * out and reported, the outside file never opened, the rest converted.
 */
static void refused_path(const char *path_line, int wfd, const char *secret)
{
	struct text t = mailbox();
	message(&t, "before");
	header(&t, "refused");
	line(&t, "Text item:");
	line(&t, "body");
	unsigned f = line(&t, "File item: SECRET.TXT");
	unsigned p = line(&t, "Path: %s", path_line);
	message(&t, "after");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", f, p, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"before", "refused", "after"};
	expect_rows(&rows, want, 3);
	long r = find_row(&rows, "refused");
	if (r >= 0) {
		struct tl_section s[4];
		char *sec;
		size_t sn;
		size_t k = sections(src, &rows, (size_t)r, s, 4, &sec, &sn);
		cr_expect_eq(k, 1, "the refused attachment is in the SEC");
		free_sections(s, k);
		free(sec);
	}
	expect_not_leaked(src);
	expect_untouched(wfd, secret);
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

Test(bad, path_with_dotdot_refused)
{
	char *secret;
	int w = watch_secret(&secret);
	tl_puts(EXP, "FILES/OTHER.TXT", "inside\n");
	refused_path("FILES\\..\\..\\outside\\secret.txt", w, secret);
	free(secret);
}

Test(bad, path_dotdot_at_start_refused)
{
	char *secret;
	int w = watch_secret(&secret);
	refused_path("..\\outside\\secret.txt", w, secret);
	free(secret);
}

Test(bad, absolute_path_refused)
{
	char *secret;
	int w = watch_secret(&secret);
	refused_path(secret, w, secret);
	free(secret);
}

Test(bad, symlink_to_outside_refused)
{
	char *secret;
	int w = watch_secret(&secret);
	char *files = tl_path(EXP, "FILES");
	tl_mkdirs(files);
	char *link = tl_path(EXP, "FILES/LINK.TXT");
	cr_assert_eq(symlink(secret, link), 0, "symlink: %s", strerror(errno));
	refused_path("FILES\\LINK.TXT", w, secret);
	free(link);
	free(files);
	free(secret);
}

Test(bad, relative_symlink_to_outside_refused)
{
	char *secret;
	int w = watch_secret(&secret);
	char *files = tl_path(EXP, "FILES");
	tl_mkdirs(files);
	char *link = tl_path(EXP, "FILES/LINK.TXT");
	cr_assert_eq(symlink("../../outside/secret.txt", link), 0);
	refused_path("FILES/LINK.TXT", w, secret);
	free(link);
	free(files);
	free(secret);
}

Test(bad, symlinked_folder_to_outside_refused)
{
	char *secret;
	int w = watch_secret(&secret);
	char *outside = tl_path(D, "outside");
	char *link = tl_path(EXP, "FILES");
	cr_assert_eq(symlink(outside, link), 0);
	refused_path("FILES\\secret.txt", w, secret);
	free(link);
	free(outside);
	free(secret);
}

/* A mailbox file that is a link to a file outside is not read either. */
Test(bad, mailbox_file_symlink_to_outside_refused)
{
	struct text evil = {0};
	line(&evil, "Mailbox: Evil, Eve");
	message(&evil, "TOP-SECRET-MARKER");
	char *secret;
	int w = watch_file(&secret, evil.p);
	struct text a = mailbox();
	message(&a, "a1");
	export_with(&a);
	char *link = tl_path(EXP, "USERS/EVIL.EXP");
	cr_assert_eq(symlink(secret, link), 0);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	cr_expect(tl_contains(rep, strlen(rep), "USERS/EVIL.EXP"), "%s", rep);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 1);
	cr_expect_eq(st.messages, 1);
	expect_not_leaked(src);
	expect_untouched(w, secret);
	free(link);
	free(rep);
	free(evil.p);
	free(a.p);
	free(secret);
	ccm_source_close(src);
}

/* A link that stays inside the export folder is followed. */
Test(bad, symlink_inside_export_followed)
{
	tl_puts(EXP, "FILES/REAL.TXT", "real bytes");
	char *link = tl_path(EXP, "FILES/ALIAS.TXT");
	cr_assert_eq(symlink("REAL.TXT", link), 0);
	struct text t = mailbox();
	header(&t, "linked");
	line(&t, "Text item:");
	line(&t, "body");
	line(&t, "File item: ALIAS.TXT");
	line(&t, "10");
	line(&t, "Path: FILES\\ALIAS.TXT");
	export_with(&t);

	ccm_source *src = open_export();
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	cr_assert_eq(rows.r.count, 1);
	struct tl_section s[4];
	char *sec;
	size_t sn;
	size_t k = sections(src, &rows, 0, s, 4, &sec, &sn);
	cr_assert_eq(k, 2);
	cr_expect_str_eq(s[1].name, "ALIAS.TXT");
	cr_expect(s[1].length == 10 &&
	          !memcmp(sec + s[1].data, "real bytes", 10));
	free_sections(s, k);
	free(sec);
	free_rows(&rows);
	free(link);
	free(t.p);
	ccm_source_close(src);
}

Test(bad, path_count_differs_from_file_size)
{
	tl_puts(EXP, "FILES/SIZE.TXT", "12345");
	struct text t = mailbox();
	message(&t, "before");
	header(&t, "wrong size");
	line(&t, "Text item:");
	line(&t, "body");
	unsigned f = line(&t, "File item: SIZE.TXT");
	line(&t, "10");
	unsigned p = line(&t, "Path: FILES\\SIZE.TXT");
	header(&t, "no such file");
	unsigned f2 = line(&t, "File item: NOPE.TXT");
	unsigned p2 = line(&t, "Path: FILES\\NOPE.TXT");
	header(&t, "right size");
	line(&t, "File item: SIZE.TXT");
	line(&t, "5");
	line(&t, "Path: files/size.txt");
	export_with(&t);

	ccm_source *src = open_export();
	char *rep = tl_report(src, 0);
	expect_reported(rep, "USERS/A.EXP", f, p, 0u);
	expect_reported(rep, "USERS/A.EXP", f2, p2, 0u);
	struct rows rows;
	get_rows(src, "00000001.PRI", &rows);
	static const char *const want[] = {"before", "wrong size",
	                                   "no such file", "right size"};
	expect_rows(&rows, want, 4);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.attachments, 1);
	/* Names are matched without regard to case (export §1). */
	long r = find_row(&rows, "right size");
	if (r >= 0) {
		struct tl_section s[4];
		char *sec;
		size_t sn;
		size_t k = sections(src, &rows, (size_t)r, s, 4, &sec, &sn);
		cr_expect_eq(k, 2);
		if (k == 2)
			cr_expect(s[1].length == 5 &&
			          !memcmp(sec + s[1].data, "12345", 5));
		free_sections(s, k);
		free(sec);
	}
	free_rows(&rows);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

/* --- the source itself ------------------------------------------------- */

static ccm_err try_open(const char *path, char *msg, size_t msgsz)
{
	struct ccm_options o = {0};
	ccm_source *src = NULL;
	ccm_err err = ccm_source_open(path, &o, &src, msg, msgsz);
	if (!err)
		ccm_source_close(src);
	return err;
}

static void expect_native(const char *mark)
{
	char *dir = tl_path(D, mark);
	tl_mkdirs(dir);
	tl_puts(dir, mark, "");
	char msg[2048];
	cr_expect_eq(try_open(dir, msg, sizeof(msg)), CCM_ERR_NATIVE, "%s",
	             mark);
	cr_expect(strstr(msg, "EXPORT"),
	          "%s: the message does not say how "
	          "to EXPORT: %s",
	          mark, msg);
	free(dir);
}

Test(source, native_post_office_refused)
{
	expect_native("CCPOMBOX.DAT");
	expect_native("CLANDATA");
	expect_native("CCVER.TB");
	expect_native("CCPODD.DAT");
	expect_native("CCPOMS");
	expect_native("ccpombox.dat");
}

Test(source, folder_of_native_post_offices_refused)
{
	char *sub = tl_path(D, "parent/POA");
	tl_mkdirs(sub);
	tl_puts(sub, "CLANDATA", "");
	char *parent = tl_path(D, "parent");
	char msg[2048];
	cr_expect_eq(try_open(parent, msg, sizeof(msg)), CCM_ERR_NATIVE);
	cr_expect(strstr(msg, "EXPORT"), "%s", msg);
	free(parent);
	free(sub);
}

Test(source, no_po_ini_is_not_an_export)
{
	char msg[1024];
	cr_expect_eq(try_open(EXP, msg, sizeof(msg)), CCM_ERR_NOTEXPORT);
	cr_expect(msg[0], "no message");
	struct text t = mailbox();
	message(&t, "m");
	tl_write_at(EXP, "USERS/A.EXP", t.p, t.n);
	cr_expect_eq(try_open(EXP, msg, sizeof(msg)), CCM_ERR_NOTEXPORT);
	free(t.p);
}

Test(source, missing_source)
{
	char msg[1024];
	char *p = tl_path(D, "does-not-exist");
	cr_expect_eq(try_open(p, msg, sizeof(msg)), CCM_ERR_SOURCE);
	cr_expect(msg[0], "no message");
	tl_puts(D, "plain-file", "x");
	free(p);
	p = tl_path(D, "plain-file");
	cr_expect_eq(try_open(p, msg, sizeof(msg)), CCM_ERR_SOURCE);
	free(p);
	/* A NULL message buffer is allowed. */
	struct ccm_options o = {0};
	ccm_source *src;
	cr_expect_eq(
	        ccm_source_open("/nonexistent/ccm-unit", &o, &src, NULL, 0),
	        CCM_ERR_SOURCE);
}

Test(source, po_ini_without_name_uses_folder_name)
{
	tl_puts(EXP, "PO.INI", "[PostOffice]\r\nCodePage=850\r\n");
	struct text t = mailbox();
	message(&t, "m");
	tl_write_at(EXP, "USERS/A.EXP", t.p, t.n);
	ccm_source *src = tl_open(EXP, NULL);
	cr_assert_eq(ccm_source_po_count(src), 1);
	cr_expect_str_eq(ccm_po_folder(src, 0), "exp");
	char *rep = tl_report(src, 0);
	cr_expect(strstr(rep, "PO.INI"), "%s", rep);
	free(rep);
	free(t.p);
	ccm_source_close(src);
}

/* --- a source that changes under the index ----------------------------- */

/* Sets a file's mtime a while away from now, so a rewrite is seen even on
 * a file system with coarse timestamps. */
static void touch_later(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	ts[1].tv_sec += 100;
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/*
 * A read of the whole file fails; with end, so does a read of its last 10
 * bytes alone (past any prefix the index keeps in memory).
 */
static void expect_changed(const ccm_source *src, const char *name, bool end)
{
	size_t f = tl_file_index(src, 0, name);
	uint64_t size = ccm_file_size(src, 0, f);
	char *buf = malloc((size_t)size);
	cr_assert_not_null(buf);
	size_t got = 0;
	ccm_err err = ccm_file_read(src, 0, f, 0, (size_t)size, buf, &got);
	cr_expect_eq(err, CCM_ERR_CHANGED, "%s: %s, %zu bytes", name,
	             ccm_strerror(err), got);
	if (end) {
		err = ccm_file_read(src, 0, f, size - 10, 10, buf, &got);
		cr_expect_eq(err, CCM_ERR_CHANGED, "%s (its end): %s", name,
		             ccm_strerror(err));
	}
	free(buf);
}

static void changing_export(void)
{
	struct text t = mailbox();
	message(&t, "one");
	message(&t, "two");
	header(&t, "three");
	line(&t, "Text item:");
	line(&t, "with a file");
	line(&t, "File item: EXT.BIN");
	line(&t, "Path: FILES/EXT.BIN");
	export_with(&t);
	tl_puts(EXP, "FILES/EXT.BIN", "external bytes");
	free(t.p);
}

Test(changed, mailbox_rewritten_in_place)
{
	changing_export();
	ccm_source *src = open_export();
	/* Same length, other bytes, later mtime: the scan's offsets would
	 * now point at other text. */
	char *path = tl_path(EXP, "USERS/A.EXP");
	size_t n;
	char *old = tl_try_slurp(path, &n);
	char *subj = strstr(old, "Subject: one"),
	     *body = strstr(old, "The body");
	cr_assert(subj && body);
	memcpy(subj, "Subject: ONE", 12);
	memcpy(body, "THE BODY", 8);
	tl_write_at(EXP, "USERS/A.EXP", old, n);
	touch_later(path);
	expect_changed(src, "00000001.PRI", true);
	expect_changed(src, "00000001.SEC", false);
	free(old);
	free(path);
	ccm_source_close(src);
}

Test(changed, mailbox_replaced_by_rename)
{
	changing_export();
	ccm_source *src = tl_open(EXP, NULL);
	struct text t = mailbox();
	message(&t, "other");
	tl_write_at(EXP, "USERS/A.NEW", t.p, t.n);
	char *from = tl_path(EXP, "USERS/A.NEW"),
	     *to = tl_path(EXP, "USERS/A.EXP");
	cr_assert_eq(rename(from, to), 0);
	expect_changed(src, "00000001.PRI", true);
	expect_changed(src, "00000001.SEC", false);
	free(from);
	free(to);
	free(t.p);
	ccm_source_close(src);
}

/* Deleted before any read: nothing of it can be read any more. (A file
 * already open when deleted may still give its old bytes, which are
 * consistent.) */
Test(changed, mailbox_deleted)
{
	changing_export();
	ccm_source *src = tl_open(EXP, NULL);
	char *path = tl_path(EXP, "USERS/A.EXP");
	cr_assert_eq(unlink(path), 0);
	expect_changed(src, "00000001.PRI", true);
	expect_changed(src, "00000001.SEC", false);
	free(path);
	ccm_source_close(src);
}

Test(changed, attachment_file_grows)
{
	changing_export();
	ccm_source *src = open_export();
	size_t f = tl_file_index(src, 0, "00000001.SEC");
	uint64_t size = ccm_file_size(src, 0, f);
	/* The first half reads before the change... */
	char *buf = malloc((size_t)size);
	size_t got;
	cr_assert_eq(ccm_file_read(src, 0, f, 0, (size_t)size / 2, buf, &got),
	             CCM_OK);
	tl_puts(EXP, "FILES/EXT.BIN", "external bytes, and more of them");
	/* ...and the rest never mixes the new bytes in. */
	ccm_err err = ccm_file_read(src, 0, f, size / 2,
	                            (size_t)(size - size / 2), buf, &got);
	cr_expect_eq(err, CCM_ERR_CHANGED, "%s", ccm_strerror(err));
	/* The PRI does not touch the attachment file. */
	free(tl_file(src, 0, "00000001.PRI", NULL));
	free(buf);
	ccm_source_close(src);
}
