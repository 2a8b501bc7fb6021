/*
 * Rules the specs settled after review (issue 8), each on a small export
 * written here: folders mapped by their first level (iff-output §6),
 * bulletin board rows (§7), the range of valid years (§3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fields.h"
#include "tl.h"

/* The Folder, To, Cc and Bcc fields and the Unsent field of a row. */
struct row {
	char *folder, *to, *cc, *bcc, *unsent;
};

static char *field(const struct tl_slices *f, size_t i)
{
	cr_assert_gt(f->count, i);
	char *r = strndup(f->s[i], f->n[i]);
	cr_assert_not_null(r);
	return r;
}

/* The rows of a PRI file of a one-post-office export. */
static size_t rows_of(const char *exp, const char *pri, struct row *out,
                      size_t max)
{
	ccm_source *src = tl_open(exp, NULL);
	cr_assert_eq(ccm_source_po_count(src), 1);
	size_t n;
	char *text = tl_file(src, 0, pri, &n);
	struct tl_slices rows = {0};
	tl_pri_rows(text, n, &rows);
	cr_assert_leq(rows.count, max);
	for (size_t i = 0; i < rows.count; i++) {
		struct tl_slices f = {0};
		tl_csv_fields(rows.s[i], rows.n[i], &f);
		cr_assert_eq(f.count, 12, "a row of %zu fields", f.count);
		out[i] = (struct row){field(&f, 0), field(&f, 2), field(&f, 3),
		                      field(&f, 4), field(&f, 10)};
		tl_slices_free(&f);
	}
	size_t count = rows.count;
	tl_slices_free(&rows);
	free(text);
	ccm_source_close(src);
	return count;
}

static void rows_free(struct row *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].folder);
		free(r[i].to);
		free(r[i].cc);
		free(r[i].bcc);
		free(r[i].unsent);
	}
}

/* A mailbox file of one message per folder given. */
static void folders_export(const char *dir, unsigned cp,
                           const char *const *folders, size_t n)
{
	char ini[128];
	snprintf(ini, sizeof(ini), "[PostOffice]\nName=TOKYO\nCodePage=%u\n",
	         cp);
	tl_puts(dir, "PO.INI", ini);
	char *mbx = strdup("Mailbox: Sato, Ken\n");
	for (size_t i = 0; i < n; i++) {
		char *m;
		cr_assert_geq(asprintf(&m,
		                       "%sMessage:\nFolder: %s\nFrom: Ito\n"
		                       "Date: 6/2/98 8:39\nSubject: s\n"
		                       "Contents:\nText item: Body\nx\n",
		                       mbx, folders[i]),
		              0);
		free(mbx);
		mbx = m;
	}
	tl_puts(dir, "USERS/A.EXP", mbx);
	free(mbx);
}

Test(folder, mapped_by_first_level_empty_levels_dropped)
{
	static const char *const in[] = {
	        "Trash\\Old",
	        "message log\\1997",
	        "\\Projects\\\\Phoenix\\",
	        "Drafts\\Sub",
	        "INBOX",
	        "Clipboard\\a",
	        "Archive\\Trash",
	        "\\",
	        "Inbox\\\\",
	};
	static const char *const want[][2] = {
	        {"\"Deleted Items\\Old\"", "FALSE"},
	        {"\"Sent Items\\1997\"", "FALSE"},
	        {"\"Projects\\Phoenix\"", "FALSE"},
	        {"\"Inbox\\Sub\"", "TRUE"},
	        {"Inbox", "FALSE"},
	        {"\"Clipboard\\a\"", "FALSE"},
	        {"\"Archive\\Trash\"", "FALSE"},
	        {"Inbox", "FALSE"},
	        {"Inbox", "FALSE"},
	};
	char *d = tl_tmpdir();
	folders_export(d, 850, in, 9);
	struct row r[9];
	cr_assert_eq(rows_of(d, "00000001.PRI", r, 9), 9);
	for (size_t i = 0; i < 9; i++) {
		cr_expect_str_eq(r[i].folder, want[i][0], "Folder: %s", in[i]);
		cr_expect_str_eq(r[i].unsent, want[i][1], "Folder: %s", in[i]);
	}
	rows_free(r, 9);
	tl_rmtree(d);
}

Test(folder, levels_split_at_characters_not_trail_bytes)
{
	/* 予 is 97 5C in 932: one level, not two. */
	static const char *const in[] = {"\x97\x5c\\Sub", "Trash\\\x97\x5c",
	                                 "\x97\x5c"};
	static const char *const want[] = {
	        "\"\x97\x5c\\Sub\"", "\"Deleted Items\\\x97\x5c\"", "\x97\x5c"};
	char *d = tl_tmpdir();
	folders_export(d, 932, in, 3);
	struct row r[3];
	cr_assert_eq(rows_of(d, "00000001.PRI", r, 3), 3);
	for (size_t i = 0; i < 3; i++)
		cr_expect_str_eq(r[i].folder, want[i], "Folder %zu", i);
	rows_free(r, 3);
	tl_rmtree(d);
}

/* A post office with one board and one board message with Cc and Bcc. */
static void board_export(const char *dir, unsigned cp, const char *po,
                         const char *board)
{
	char *ini, *bb;
	cr_assert_geq(
	        asprintf(&ini, "[PostOffice]\nName=%s\nCodePage=%u\n", po, cp),
	        0);
	cr_assert_geq(asprintf(&bb,
	                       "Bulletin board: %s\nMessage:\nFrom: Ito\n"
	                       "Date: 6/2/98 8:39\nTo: Sato, Ken\nCc: Abe\n"
	                       "Bcc: Secret, Person\nSubject: s\nContents:\n"
	                       "Text item: Body\nx\n",
	                       board),
	              0);
	tl_puts(dir, "PO.INI", ini);
	tl_puts(dir, "CCMBB.EXP", bb);
	tl_puts(dir, "USERS/A.EXP", "Mailbox: Sato, Ken\n");
	free(ini);
	free(bb);
}

/* The board row of a post office named po with a board named board. */
static struct row board_row(unsigned cp, const char *po, const char *board)
{
	char *d = tl_tmpdir();
	board_export(d, cp, po, board);
	struct row r[1];
	/* The mailbox's PRI is 1, the boards' 2. */
	cr_assert_eq(rows_of(d, "00000002.PRI", r, 1), 1);
	tl_rmtree(d);
	return r[0];
}

Test(board, no_cc_nor_bcc_and_two_levels)
{
	struct row r = board_row(850, "SALES\\EAST", "News\\Local");
	cr_expect_str_eq(r.folder, "\"Lotus cc:Mail Bulletin Boards "
	                           "(SALES_EAST)\\News_Local\"");
	cr_expect_str_eq(r.to, "\"News\\Local\"");
	cr_expect_str_eq(r.cc, "");
	cr_expect_str_eq(r.bcc, "");
	rows_free(&r, 1);
}

Test(board, a_trail_byte_5c_is_kept)
{
	/* 予 (97 5C) in the post office's name, 十 (8F 5C) in the board's. */
	struct row r = board_row(932, "\x97\x5c", "\x8f\x5c");
	cr_expect_str_eq(r.folder, "\"Lotus cc:Mail Bulletin Boards "
	                           "(\x97\x5c)\\\x8f\x5c\"");
	rows_free(&r, 1);
}

static bool date_ok(const char *s)
{
	char out[15];
	return ccm_date_parse(s, strlen(s), CCM_DATE_MDY, out);
}

Test(date, years_outside_1601_to_9999_are_no_date)
{
	cr_expect(!date_ok("1/1/1600 0:00"));
	cr_expect(!date_ok("12/31/0000 23:59"));
	cr_expect(!date_ok("6/2/1066 8:39"));
	cr_expect(date_ok("1/1/1601 0:00"));
	cr_expect(date_ok("12/31/9999 23:59"));
	cr_expect(date_ok("6/2/98 8:39"));
}
