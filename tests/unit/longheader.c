/*
 * A read renders only what it returns (issue 9): a message whose header
 * holds a 200 MB Subject: line, read 128 KiB at a time, reads about that
 * much of the source and holds memory that does not grow with the line.
 * The core counts both (ccm_read_counts); no time is measured.
 *
 * The row of a long header is planned at scan time (core/rowplan.c); its
 * bytes must be those of the row built whole (ccm_row_build), whatever
 * the reads' offsets and lengths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "index.h"
#include "reader.h"
#include "row.h"
#include "tl.h"

/* The export of the test: made by export_common, removed by the test. */
static char *EXP;

TestSuite(longheader, .timeout = 600);

static const char HEAD[] = "Mailbox: Ames, Al\n\nMessage:\nFrom: Ames, Al\n"
                           "Date: 6/2/98 8:39\nTo: Ames, Al\n";
static const char TAIL[] = "Contents:\nText item:\nThe body.\n";

/* One period of the long Subject: quotes to double, a comma to quote. */
static const char PERIOD[] = "The \"long\" subject, part ";
/* The same, as it stands inside the quoted field. */
static const char ESCAPED[] = "The \"\"long\"\" subject, part ";

static void export_common(void)
{
	EXP = tl_tmpdir();
	tl_puts(EXP, "PO.INI", "[PostOffice]\r\nName=LONG\r\n");
	tl_puts(EXP, "CCMDIR.EXP", "Name: Ames, Al\r\nLocation: L\r\n");
}

/* USERS/A.EXP with a Subject: of reps periods, written a period at a
 * time: the test never holds the line either. */
static void export_long_subject(size_t reps)
{
	export_common();
	char *dir = tl_path(EXP, "USERS");
	tl_mkdirs(dir);
	char *p = tl_path(dir, "A.EXP");
	FILE *f = fopen(p, "wb");
	cr_assert_not_null(f);
	fputs(HEAD, f);
	fputs("Subject: ", f);
	for (size_t i = 0; i < reps; i++)
		fwrite(PERIOD, 1, sizeof(PERIOD) - 1, f);
	fputs("\n", f);
	fputs(TAIL, f);
	cr_assert_eq(fclose(f), 0);
	free(p);
	free(dir);
}

Test(longheader, read_of_200mb_subject_costs_what_it_returns)
{
	size_t plen = sizeof(PERIOD) - 1, elen = sizeof(ESCAPED) - 1;
	size_t reps = ((size_t)200 << 20) / plen;
	export_long_subject(reps);
	ccm_source *src = tl_open(EXP, NULL);
	size_t f = tl_file_index(src, 0, "00000001.PRI");
	uint64_t size = ccm_file_size(src, 0, f);
	cr_assert_gt(size, (uint64_t)reps * elen);

	/* Where the Subject field starts, from the file's first bytes. */
	char head[4096];
	size_t got;
	cr_assert_eq(ccm_file_read(src, 0, f, 0, sizeof(head) - 1, head, &got),
	             CCM_OK);
	head[got] = '\0';
	static const char before[] = "Inbox,\"Ames, Al\",\"Ames, Al\",,,\"";
	char *at = strstr(head, before);
	cr_assert_not_null(at, "no row start in:\n%s", head);
	uint64_t field = (uint64_t)(at - head) + sizeof(before) - 1;

	size_t len = 128 * 1024;
	char *buf = malloc(len);
	cr_assert_not_null(buf);
	for (int k = 1; k <= 3; k++) {
		uint64_t off = field + (uint64_t)reps * elen / 4 * (uint64_t)k;
		cr_assert_eq(ccm_file_read(src, 0, f, off, len, buf, &got),
		             CCM_OK);
		cr_assert_eq(got, len);
		struct ccm_read_counts c = ccm_read_counts;
		cr_log_info("128 KiB read at %llu: %llu source bytes read, "
		            "%zu bytes held",
		            (unsigned long long)off,
		            (unsigned long long)c.src_bytes, c.held);
		/* The bytes returned, plus at most a source piece (16 KiB)
		 * at each end and what the reader reads ahead. */
		cr_expect_leq(c.src_bytes, len + 96 * 1024, "%llu read",
		              (unsigned long long)c.src_bytes);
		cr_expect_leq(c.held, (size_t)256 * 1024, "%zu held", c.held);
		for (size_t i = 0; i < len; i++)
			if (buf[i] != ESCAPED[(off - field + i) % elen])
				cr_assert_fail("byte %llu differs",
				               (unsigned long long)(off + i));
	}
	free(buf);
	ccm_source_close(src);
	tl_rmtree(EXP);
}

/* Every long value a row can hold: folder, sender, recipients (one long,
 * many short), subject; double-byte text cut into pieces. */
static void export_long_values(unsigned codepage)
{
	export_common();
	char ini[64];
	snprintf(ini, sizeof(ini),
	         "[PostOffice]\r\nName=LONG\r\nCodePage=%u\r\n", codepage);
	tl_puts(EXP, "PO.INI", ini);
	size_t cap = 8u << 20, n = 0;
	char *t = malloc(cap);
	cr_assert_not_null(t);
	n += (size_t)sprintf(t + n, "Mailbox: Ames, Al\n\nMessage:\nFolder: ");
	for (size_t i = 0; i < 100000; i++)
		t[n++] = (char)(i % 7 ? 'a' + (char)(i % 26) : '\x82');
	n += (size_t)sprintf(t + n, "\nFrom: ");
	for (size_t i = 0; i < 70000; i++)
		t[n++] = (char)(i % 5 ? 'F' : '\x93');
	n += (size_t)sprintf(t + n, " at FAR\nDate: 6/2/98 8:39\n");
	for (size_t i = 0; i < 5000; i++)
		n += (size_t)sprintf(t + n, "To: User %zu at FAR\n", i);
	n += (size_t)sprintf(t + n, "Cc: ");
	for (size_t i = 0; i < 300000; i++)
		t[n++] = (char)(i % 11 ? 'c' : '"');
	n += (size_t)sprintf(t + n, "@example.com\nSubject:  ");
	for (size_t i = 0; i < 300000; i++)
		t[n++] = (char)(i % 13 ? 's' : i % 2 ? '\x81' : ',');
	n += (size_t)sprintf(t + n, " \n%s", TAIL);
	tl_write_at(EXP, "USERS/A.EXP", t, n);
	free(t);
}

/* The planned row, read in pieces of every size given, equals the row
 * built whole from the header bytes. */
static void expect_plan_matches(unsigned codepage)
{
	export_long_values(codepage);
	ccm_source *src = tl_open(EXP, NULL);
	const struct ccm_po *po = src->pos[0];
	const struct ccm_msg *m = &po->msgs.v[0];
	cr_assert(m->flags & CCM_MSG_PLAN);
	char *path = tl_path(EXP, "USERS/A.EXP");
	size_t n;
	char *exp = tl_slurp(path, &n);
	struct ccm_buf want = {0};
	ccm_row_build(po, exp + m->hdr_off, m->hdr_len, NULL, NULL, &want);
	cr_assert(!want.oom);
	static const size_t chunks[] = {997, 4093, 16384, 65536, 1u << 20};
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		size_t len;
		size_t f = tl_file_index(src, 0, "00000001.PRI");
		char *pri = tl_read(src, 0, f, chunks[k], &len);
		cr_assert_geq(len, m->pri_off + want.len);
		cr_expect(!memcmp(pri + m->pri_off, want.p, want.len),
		          "the row read in %zu-byte reads differs", chunks[k]);
		free(pri);
	}
	ccm_buf_free(&want);
	free(exp);
	free(path);
	ccm_source_close(src);
	tl_rmtree(EXP);
}

Test(longheader, plan_equals_row_built_whole)
{
	expect_plan_matches(850);
}

Test(longheader, plan_equals_row_built_whole_double_byte)
{
	expect_plan_matches(932);
}
