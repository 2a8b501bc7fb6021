/*
 * The small pieces of a row (core/fields.h) against the vectors of the
 * specs: CSV quoting (iff-output §3), dates (export §4.1), addresses
 * (export §3) and attachment names (export §4.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ascii.h"
#include "fields.h"
#include "tl.h"

/* ccm_csv_put of a NUL-terminated string, as a NUL-terminated string. */
static char *csv(const char *s, bool directory)
{
	struct ccm_buf b = {0};
	ccm_csv_put(&b, s, strlen(s), directory);
	cr_assert(!b.oom);
	char *r = malloc(b.len + 1);
	cr_assert_not_null(r);
	memcpy(r, b.p ? b.p : "", b.len);
	r[b.len] = '\0';
	ccm_buf_free(&b);
	return r;
}

static void expect_csv(const char *in, bool directory, const char *want)
{
	char *got = csv(in, directory);
	cr_expect_str_eq(got, want, "csv(%s%s): got [%s], not [%s]", in,
	                 directory ? ", directory" : "", got, want);
	free(got);
}

Test(csv, spec_vectors)
{
	expect_csv("Lee, Bill", false, "\"Lee, Bill\"");
	expect_csv("my name is \"Sherry\"", false,
	           "\"my name is \"\"Sherry\"\"\"");
}

Test(csv, plain_text_unquoted)
{
	expect_csv("Plain text", false, "Plain text");
	expect_csv("Let's make plans for this Friday", false,
	           "Let's make plans for this Friday");
	expect_csv("a-b_c(d)[e]{f}=g+h'i@j:k/l", false,
	           "a-b_c(d)[e]{f}=g+h'i@j:k/l");
	expect_csv("", false, "");
	expect_csv("Plain", true, "Plain");
}

Test(csv, each_special_character_quotes)
{
	static const char specials[] = "#!,\\\"%.;";
	for (const char *c = specials; *c; c++) {
		char in[8] = {'a', *c, 'b', '\0'};
		char want[16];
		if (*c == '"')
			strcpy(want, "\"a\"\"b\"");
		else
			snprintf(want, sizeof(want), "\"a%cb\"", *c);
		expect_csv(in, false, want);
		/* Alone, too: the whole field is quoted. */
		char alone[2] = {*c, '\0'};
		char *got = csv(alone, false);
		cr_expect(got[0] == '"' && got[strlen(got) - 1] == '"',
		          "'%c' alone gave [%s]", *c, got);
		free(got);
	}
}

Test(csv, leading_or_trailing_blank_quotes)
{
	expect_csv(" lead", false, "\" lead\"");
	expect_csv("trail ", false, "\"trail \"");
	expect_csv(" ", false, "\" \"");
	expect_csv("in side", false, "in side");
}

Test(csv, directory_doubles_backslash)
{
	expect_csv("C:\\DOCS", false, "\"C:\\DOCS\"");
	expect_csv("C:\\DOCS", true, "\"C:\\\\DOCS\"");
	expect_csv("a\\\\b", true, "\"a\\\\\\\\b\"");
	expect_csv("a\"\\b", true, "\"a\"\"\\\\b\"");
	/* Quotes are doubled in both modes; nothing else changes. */
	expect_csv("say \"hi\", Bob", true, "\"say \"\"hi\"\", Bob\"");
}

/* ccm_date_parse of a NUL-terminated string; NULL when refused. */
static void expect_date(const char *in, enum ccm_date_order order,
                        const char *want)
{
	char out[15];
	memset(out, 'X', sizeof(out));
	bool ok = ccm_date_parse(in, strlen(in), order, out);
	if (!want) {
		cr_expect(!ok, "'%s' (order %d) should be refused, gave %.14s",
		          in, (int)order, out);
		return;
	}
	cr_expect(ok, "'%s' (order %d) refused, want %s", in, (int)order, want);
	if (ok)
		cr_expect_str_eq(out, want, "'%s': got %s, not %s", in, out,
		                 want);
}

Test(date, spec_vectors_mdy)
{
	expect_date("5/1/95 10:00:05 PM", CCM_DATE_MDY, "19950501220005");
	expect_date("6/2/98 8:39", CCM_DATE_MDY, "19980602083900");
	expect_date("12/31/99 11:59PM", CCM_DATE_MDY, "19991231235900");
	expect_date("3/21/95 9:34AM", CCM_DATE_MDY, "19950321093400");
	expect_date("4/2/95 14:05", CCM_DATE_MDY, "19950402140500");
}

Test(date, twelve_oclock)
{
	expect_date("1/2/98 12:00AM", CCM_DATE_MDY, "19980102000000");
	expect_date("1/2/98 12:30 PM", CCM_DATE_MDY, "19980102123000");
	expect_date("1/2/98 12:30 am", CCM_DATE_MDY, "19980102003000");
	expect_date("1/2/98 0:00", CCM_DATE_MDY, "19980102000000");
	expect_date("1/2/98 23:59:59", CCM_DATE_MDY, "19980102235959");
}

Test(date, other_orders)
{
	expect_date("31/12/99 23:59", CCM_DATE_DMY, "19991231235900");
	expect_date("2/6/98 8:39", CCM_DATE_DMY, "19980602083900");
	expect_date("1999/12/31 23:59", CCM_DATE_YMD, "19991231235900");
	expect_date("98/06/02 08:39:10", CCM_DATE_YMD, "19980602083910");
	expect_date("2001/1/2 1:02AM", CCM_DATE_YMD, "20010102010200");
	/* The same text read in another order. */
	expect_date("31/12/99 23:59", CCM_DATE_MDY, NULL);
	expect_date("12/31/99 23:59", CCM_DATE_DMY, NULL);
}

Test(date, four_digit_and_pivot_years)
{
	expect_date("6/2/1998 8:39", CCM_DATE_MDY, "19980602083900");
	expect_date("1/1/69 0:00", CCM_DATE_MDY, "20690101000000");
	expect_date("1/1/70 0:00", CCM_DATE_MDY, "19700101000000");
	expect_date("1/1/00 0:00", CCM_DATE_MDY, "20000101000000");
	expect_date("1/1/99 0:00", CCM_DATE_MDY, "19990101000000");
	expect_date("1/1/2069 0:00", CCM_DATE_MDY, "20690101000000");
	expect_date("1/1/1905 0:00", CCM_DATE_MDY, "19050101000000");
}

Test(date, days_that_do_not_exist)
{
	expect_date("2/31/99 10:00", CCM_DATE_MDY, NULL);
	expect_date("13/1/98 10:00", CCM_DATE_MDY, NULL);
	expect_date("0/1/98 10:00", CCM_DATE_MDY, NULL);
	expect_date("1/0/98 10:00", CCM_DATE_MDY, NULL);
	expect_date("4/31/98 10:00", CCM_DATE_MDY, NULL);
	expect_date("2/29/1900 10:00", CCM_DATE_MDY, NULL);
	expect_date("2/29/99 10:00", CCM_DATE_MDY, NULL);
	expect_date("2/29/2000 10:00", CCM_DATE_MDY, "20000229100000");
	expect_date("2/29/96 10:00", CCM_DATE_MDY, "19960229100000");
	expect_date("2/28/1900 10:00", CCM_DATE_MDY, "19000228100000");
}

Test(date, bad_times)
{
	expect_date("6/2/98 24:00", CCM_DATE_MDY, NULL);
	expect_date("6/2/98 8:60", CCM_DATE_MDY, NULL);
	expect_date("6/2/98 8:39:60", CCM_DATE_MDY, NULL);
	expect_date("6/2/98 13:00 PM", CCM_DATE_MDY, NULL);
	expect_date("6/2/98 0:10 AM", CCM_DATE_MDY, NULL);
	expect_date("6/2/98 8:39 XM", CCM_DATE_MDY, NULL);
	expect_date("6/2/98 8", CCM_DATE_MDY, NULL);
}

Test(date, garbage)
{
	expect_date("", CCM_DATE_MDY, NULL);
	expect_date("yesterday", CCM_DATE_MDY, NULL);
	expect_date("6/2/98", CCM_DATE_MDY, NULL);
	expect_date("6/2 8:39", CCM_DATE_MDY, NULL);
	expect_date("6/2/123 8:39", CCM_DATE_MDY, NULL);
	expect_date("6/2/98 8:39 and more", CCM_DATE_MDY, NULL);
	expect_date("6//98 8:39", CCM_DATE_MDY, NULL);
	expect_date("99999/2/98 8:39", CCM_DATE_MDY, NULL);
}

static void addr(const char *s, struct ccm_addr *a)
{
	memset(a, 0x55, sizeof(*a));
	ccm_addr_parse(tl_cp(850, 1252), s, strlen(s), a);
}

static void expect_slice(const char *got, size_t n, const char *want,
                         const char *what)
{
	cr_expect(got != NULL, "%s is NULL, want [%s]", what, want);
	if (got)
		cr_expect(n == strlen(want) && !memcmp(got, want, n),
		          "%s: got [%.*s], not [%s]", what, (int)n, got, want);
}

Test(address, user_at_post_office)
{
	struct ccm_addr a;
	addr("Smith, John at SALES/EAST", &a);
	cr_expect_eq(a.kind, CCM_ADDR_USER);
	expect_slice(a.name, a.nn, "Smith, John", "name");
	expect_slice(a.po, a.pn, "SALES/EAST", "post office");
}

Test(address, user_without_post_office)
{
	struct ccm_addr a;
	addr("Smith, John", &a);
	cr_expect_eq(a.kind, CCM_ADDR_USER);
	expect_slice(a.name, a.nn, "Smith, John", "name");
	cr_expect_null(a.po);
	/* "at" inside a word, or without a blank on each side, splits
	 * nothing. */
	addr("Pat Bates", &a);
	cr_expect_null(a.po);
	expect_slice(a.name, a.nn, "Pat Bates", "name");
	addr("Kathy at", &a);
	cr_expect_null(a.po);
}

Test(address, bulletin_board)
{
	struct ccm_addr a;
	addr("#Announcements at SALES/EAST", &a);
	cr_expect_eq(a.kind, CCM_ADDR_BOARD);
	expect_slice(a.name, a.nn, "Announcements", "name");
	expect_slice(a.po, a.pn, "SALES/EAST", "post office");
	addr("#Announcements", &a);
	cr_expect_eq(a.kind, CCM_ADDR_BOARD);
	expect_slice(a.name, a.nn, "Announcements", "name");
	cr_expect_null(a.po);
}

Test(address, internet)
{
	struct ccm_addr a;
	addr("jdoe@example.com at internet", &a);
	cr_expect_eq(a.kind, CCM_ADDR_INTERNET);
	expect_slice(a.name, a.nn, "jdoe@example.com", "name");
	expect_slice(a.po, a.pn, "internet", "post office");
	addr("pat@example.com at HUB", &a);
	cr_expect_eq(a.kind, CCM_ADDR_INTERNET);
	expect_slice(a.name, a.nn, "pat@example.com", "name");
}

Test(address, last_at_wins)
{
	struct ccm_addr a;
	addr("Smith at Home, John at PO", &a);
	cr_expect_eq(a.kind, CCM_ADDR_USER);
	expect_slice(a.name, a.nn, "Smith at Home, John", "name");
	expect_slice(a.po, a.pn, "PO", "post office");
	addr("Meet at noon at HQ: Main", &a);
	expect_slice(a.name, a.nn, "Meet at noon", "name");
	expect_slice(a.po, a.pn, "HQ: Main", "post office");
}

static void expect_attach(const char *in, const char *want)
{
	const char *name = NULL;
	size_t nn = (size_t)-1;
	ccm_attach_name(tl_cp(850, 1252), in, strlen(in), &name, &nn);
	cr_expect(nn == strlen(want) && (!nn || !memcmp(name, want, nn)),
	          "attachment name of [%s]: got [%.*s], not [%s]", in,
	          nn == (size_t)-1 ? 0 : (int)nn, name ? name : "", want);
}

Test(attach_name, date_stamp_dropped)
{
	expect_attach("REPORT.DOC 5/6/97 3:10PM", "REPORT.DOC");
	expect_attach("BACKOFFI.TXT 3/20/95 5:10PM", "BACKOFFI.TXT");
	expect_attach("REPORT.DOC 5/6/97 3:10:22pm", "REPORT.DOC");
	expect_attach("REPORT.DOC 5/6/1997 15:10", "REPORT.DOC");
	expect_attach("My File 5/6/97 3:10 PM", "My File");
	expect_attach("  padded.txt   5/6/97 3:10PM  ", "padded.txt");
}

Test(attach_name, name_with_blanks_and_no_stamp)
{
	expect_attach("Q1 plan.doc", "Q1 plan.doc");
	expect_attach("name with  two  blanks.txt",
	              "name with  two  blanks.txt");
	expect_attach("trailing.txt   ", "trailing.txt");
}

Test(attach_name, path_keeps_last_part)
{
	expect_attach("C:\\DOCS\\A.TXT 1-2-98 10:00", "A.TXT");
	expect_attach("C:\\DOCS\\A.TXT", "A.TXT");
	expect_attach("docs/sub/b c.txt", "b c.txt");
}

/*
 * Only a trailing pair of a date and a time is a stamp (§4.3); a time
 * alone, or a date alone, is part of the name.
 */
Test(attach_name, lone_time_or_date_is_part_of_name)
{
	expect_attach("My File 3:10 PM", "My File 3:10 PM");
	expect_attach("My File 3:10PM", "My File 3:10PM");
	expect_attach("Minutes 5-6-97", "Minutes 5-6-97");
	/* With '/', a lone date reads as a path: its last part is kept. */
	expect_attach("Minutes 5/6/97", "97");
	expect_attach("Version 1.2 10:00", "Version 1.2 10:00");
}

Test(attach_name, empty)
{
	expect_attach("", "");
	expect_attach("   ", "");
	/* A stamp and nothing before it: the item has no name. */
	expect_attach("5/6/97 3:10PM", "");
}

/*
 * Places s (n bytes) so that it ends exactly at a page that cannot be
 * read: a parser that looks one byte past its length crashes the test.
 * The scan hands these functions slices of a mapped export file, whose
 * last line can end at the end of the mapping.
 */
static const char *at_page_end(const char *s, size_t n, void **map,
                               size_t *maplen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = ((n + page - 1) / page + 1) * page;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(m, MAP_FAILED);
	cr_assert_eq(mprotect(m + len - page, page, PROT_NONE), 0);
	char *p = m + len - page - n;
	memcpy(p, s, n);
	*map = m;
	*maplen = len;
	return p;
}

Test(bounds, attach_name_reads_only_its_bytes)
{
	static const char *const inputs[] = {
	        "x A",
	        "x P",
	        "REPORT.DOC 5/6/97 3:10P",
	        "A",
	        "a 1/2/98 3:1",
	        "a 1/2/98 3:10 A",
	        "REPORT.DOC 5/6/97 3:10PM",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		void *map;
		size_t maplen, nn, wn;
		const char *name, *want;
		size_t n = strlen(inputs[i]);
		ccm_attach_name(tl_cp(850, 1252), inputs[i], n, &want, &wn);
		const char *p = at_page_end(inputs[i], n, &map, &maplen);
		ccm_attach_name(tl_cp(850, 1252), p, n, &name, &nn);
		cr_expect(nn == wn && !memcmp(name, want, nn),
		          "[%s]: at a page end gave another name", inputs[i]);
		munmap(map, maplen);
	}
}

Test(bounds, date_reads_only_its_bytes)
{
	static const char *const dates[] = {
	        "6/2/98 8:39",   "6/2/98 8:39 P",
	        "6/2/98 8:39:1", "6/2/98 8:3",
	        "6/2/98 8",      "6/2/9",
	        "6/2/",          "6",
	        "1/2/98 12:00A", "1/2/98 12:00AM",
	};
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		void *map;
		size_t maplen;
		char out[15] = "", want[15] = "";
		size_t n = strlen(dates[i]);
		bool ok = ccm_date_parse(dates[i], n, CCM_DATE_MDY, want);
		const char *p = at_page_end(dates[i], n, &map, &maplen);
		cr_expect_eq(ccm_date_parse(p, n, CCM_DATE_MDY, out), ok,
		             "[%s]", dates[i]);
		if (ok)
			cr_expect_str_eq(out, want);
		munmap(map, maplen);
	}
}

Test(bounds, address_reads_only_its_bytes)
{
	static const char *const addrs[] = {"a at", "x at b", " at ",
	                                    "#",    "a@b",    "at"};
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		void *map;
		size_t maplen;
		struct ccm_addr a, w;
		size_t n = strlen(addrs[i]);
		ccm_addr_parse(tl_cp(850, 1252), addrs[i], n, &w);
		const char *p = at_page_end(addrs[i], n, &map, &maplen);
		ccm_addr_parse(tl_cp(850, 1252), p, n, &a);
		cr_expect(a.kind == w.kind && a.nn == w.nn && a.pn == w.pn &&
		                  !a.po == !w.po,
		          "[%s]: at a page end parsed otherwise", addrs[i]);
		munmap(map, maplen);
	}
}

/* ccm_caseeq as it was written first: one byte at a time. */
static bool caseeq_ref(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ccm_upper(a[i]) != ccm_upper(b[i]))
			return false;
	return true;
}

Test(caseeq, every_byte_pair_at_every_place_as_byte_by_byte)
{
	const char base[] = "Contents: Bulletin board";
	for (size_t n = 1; n <= 20; n++)
		for (size_t at = 0; at < n; at++) {
			char a[24], b[24];
			for (unsigned x = 0; x < 256; x++)
				for (unsigned y = 0; y < 256; y++) {
					memcpy(a, base, n);
					memcpy(b, base, n);
					a[at] = (char)x;
					b[at] = (char)y;
					bool want = caseeq_ref(a, b, n);
					if (ccm_caseeq(a, b, n) != want)
						cr_assert(false,
						          "n %zu at %zu: %02x "
						          "%02x",
						          n, at, x, y);
				}
		}
}

Test(bounds, caseeq_reads_only_its_bytes)
{
	const char *kw = "bulletin BOARD:";
	const char *line = "Bulletin board: x";
	for (size_t n = 1; n <= strlen(kw); n++) {
		void *map;
		size_t maplen;
		const char *p = at_page_end(line, n, &map, &maplen);
		cr_expect(ccm_caseeq(p, kw, n), "n %zu", n);
		munmap(map, maplen);
	}
}

/* The field as the row builder writes it: converted as one line, then
 * quoted. */
static size_t field_len_written(const struct ccm_cp *cp, const char *s,
                                size_t n)
{
	struct ccm_buf t = {0}, out = {0};
	ccm_cp_put(cp, s, n, true, &t);
	ccm_csv_put(&out, t.p ? t.p : "", t.len, false);
	cr_assert(!t.oom && !out.oom);
	size_t len = out.len;
	ccm_buf_free(&t);
	ccm_buf_free(&out);
	return len;
}

Test(csv, field_len_as_written_in_any_pieces)
{
	static const char *const fields[] = {
	        "",          "Smith, Hugo",   " lead",        "trail\t",
	        "\tx",       "x\ty",          "say \"hi\"",   "\"",
	        "\x85t\xe9", "na\x8bve 50%",  "a\rb\nc",      "\x7f",
	        "plain",     "C:\\TEMP",      "end.",         "\xff\xfe ",
	        "#7 ; !",    "\"\"\"\" \"\"", "\x01\x02\x1f", "?",
	};
	static const unsigned pages[][2] = {
	        {850, 1252}, {437, 1252}, {1252, 1252}, {866, 1251}};
	for (size_t p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
		const struct ccm_cp *cp = tl_cp(pages[p][0], pages[p][1]);
		cr_assert(cp->one_to_one);
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]);
		     i++) {
			const char *s = fields[i];
			size_t n = strlen(s),
			       want = field_len_written(cp, s, n);
			/* Whole, and cut in two at every byte. */
			for (size_t cut = 0; cut <= n; cut++) {
				struct ccm_csv_len l = {0};
				ccm_csv_len_add(&l, cp, s, cut);
				ccm_csv_len_add(&l, cp, s + cut, n - cut);
				cr_expect_eq(ccm_csv_len_end(&l), want,
				             "page %u, field %zu cut at %zu",
				             pages[p][0], i, cut);
			}
		}
	}
}
