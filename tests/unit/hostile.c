/*
 * Regressions of the hostile review (issue 9): what the sanitizer build
 * and the fuzzers found. Most of these pass in a plain build whether the
 * fix is there or not; under -Db_sanitize=address,undefined (the
 * run by .ci/sanitize, a step of .ci/test) each fails without its fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "tl.h"

/* The test's temporary folder, and the export EXP in it (its PO.INI
 * written: what else it holds is the test's). */
static char *D, *EXP;

static void setup(void)
{
	D = tl_tmpdir();
	EXP = tl_path(D, "exp");
	tl_puts(EXP, "PO.INI", "[PostOffice]\r\nName=HOSTILE\r\n");
}

static void teardown(void)
{
	free(EXP);
	tl_rmtree(D);
}

TestSuite(hostile, .init = setup, .fini = teardown);

/* The bytes of every file of every post office, each as one read whole. */
static void read_all(const ccm_source *src)
{
	for (size_t po = 0; po < ccm_source_po_count(src); po++)
		for (size_t f = 0; f < ccm_po_file_count(src, po); f++)
			free(tl_read(src, po, f, 1 << 20, NULL));
}

/* REPORT.TXT ends with CR LF and holds no lone LF (iff-output §9). */
static void expect_crlf_report(const ccm_source *src)
{
	size_t n;
	char *rep = tl_file(src, 0, "REPORT.TXT", &n);
	cr_assert_geq(n, 2);
	cr_expect(rep[n - 2] == '\r' && rep[n - 1] == '\n',
	          "REPORT.TXT does not end with CR LF:\n%s", rep);
	for (size_t i = 0; i < n; i++)
		cr_expect(rep[i] != '\n' || (i && rep[i - 1] == '\r'),
		          "a lone LF at %zu of REPORT.TXT", i);
	free(rep);
}

/* The export with Ames, Al in the directory and mailbox as his file
 * (NULL: none), opened. */
static ccm_source *open_ames(const char *mailbox)
{
	tl_puts(EXP, "CCMDIR.EXP", "Name: Ames, Al\r\nLocation: L\r\n");
	if (mailbox)
		tl_puts(EXP, "USERS/AMES.EXP", mailbox);
	return tl_open(EXP, NULL);
}

/*
 * The hex decoder collects bytes in a 4096-byte buffer, eight at a time
 * (sixteen digits a step) or one at a time (a digit pair), and every
 * store must make room first. Each file item starts at an empty buffer
 * with one or two lines of set lengths: the first leaves the buffer 6, 1
 * or 0 bytes short of full, or exactly full, before the next line; the
 * two-line starts fill it exactly where the 32 KiB source chunk ends with
 * a digit pair left in it. The lines after them are random, short and
 * long, and cross the buffer's end and the source chunks many times.
 */
static const size_t HEX_FIRST[][2] = {
        {4090, 0}, {4095, 0},  {4096, 0},  {4088, 0},
        {8192, 0}, {1, 16378}, {9, 16370}, {16, 16362},
};
#define HEX_ITEMS (sizeof(HEX_FIRST) / sizeof(HEX_FIRST[0]))
#define HEX_BYTES ((size_t)40000)

/* A File item of data[0..HEX_BYTES) whose first Hex: lines hold first[]
 * bytes (0: a random line). */
static void hex_item(FILE *f, unsigned no, const unsigned char *data,
                     const size_t first[2], struct tl_rng *rng)
{
	fprintf(f, "File item: D%u.BIN 6/2/98 8:39\r\n%zu\r\n", no, HEX_BYTES);
	for (size_t i = 0, line = 0; i < HEX_BYTES; line++) {
		size_t per = line < 2 && first[line] ? first[line]
		             : line % 2 == 1         ? 1 + tl_rng_below(rng, 7)
		                             : 8 + tl_rng_below(rng, 600);
		if (per > HEX_BYTES - i)
			per = HEX_BYTES - i;
		fputs("Hex: ", f);
		for (size_t k = 0; k < per; k++)
			fprintf(f, i % 2 ? "%02x" : "%02X", data[i + k]);
		fputs("\r\n", f);
		i += per;
	}
}

/* Reads of random windows of the attachment at sec offset at. */
static void expect_random_windows(const ccm_source *src, size_t fi, size_t at,
                                  const unsigned char *data, struct tl_rng *rng)
{
	char buf[HEX_BYTES];
	for (int k = 0; k < 40; k++) {
		size_t from = (size_t)tl_rng_below(rng, HEX_BYTES);
		size_t len = 1 + (size_t)tl_rng_below(rng, HEX_BYTES - from);
		size_t got;
		cr_assert_eq(
		        ccm_file_read(src, 0, fi, at + from, len, buf, &got),
		        CCM_OK);
		cr_assert_eq(got, len);
		cr_assert(!memcmp(buf, data + from, len),
		          "attachment bytes [%zu, +%zu) differ", from, len);
	}
}

Test(hostile, hex_lines_crossing_the_output_buffer_end)
{
	unsigned char *data = malloc(HEX_ITEMS * HEX_BYTES);
	cr_assert_not_null(data);
	struct tl_rng rng = {9};
	for (size_t i = 0; i < HEX_ITEMS * HEX_BYTES; i++)
		data[i] = (unsigned char)tl_rng_next(&rng);
	char *text;
	size_t tn;
	FILE *f = open_memstream(&text, &tn);
	cr_assert_not_null(f);
	fputs("Mailbox: Ames, Al\r\n\r\nMessage:\r\nFrom: Ames, Al\r\n"
	      "Date: 6/2/98 8:39\r\nTo: Ames, Al\r\nSubject: hex\r\n"
	      "Contents:\r\n",
	      f);
	for (unsigned k = 0; k < HEX_ITEMS; k++)
		hex_item(f, k, data + k * HEX_BYTES, HEX_FIRST[k], &rng);
	cr_assert_eq(fclose(f), 0);
	tl_write_at(EXP, "USERS/AMES.EXP", text, tn);
	ccm_source *src = open_ames(NULL);
	size_t sn, fi = tl_file_index(src, 0, "00000001.SEC");
	char *sec = tl_file(src, 0, "00000001.SEC", &sn);
	/* A message of file items only: an empty Body, then each. */
	struct tl_section s;
	const char *nl = memchr(sec, '\n', sn);
	cr_assert_not_null(nl);
	tl_sec_section(sec, sn, (size_t)(nl + 1 - sec), &s);
	cr_assert_str_eq(s.type, "Body");
	cr_assert_eq(s.length, 0);
	for (unsigned k = 0; k < HEX_ITEMS; k++) {
		free(s.name);
		tl_sec_section(sec, sn, s.next, &s);
		cr_assert_str_eq(s.type, "Attachment");
		cr_assert_eq(s.length, HEX_BYTES);
		cr_expect(
		        !memcmp(sec + s.data, data + k * HEX_BYTES, HEX_BYTES),
		        "attachment %u read whole differs", k);
		expect_random_windows(src, fi, s.data, data + k * HEX_BYTES,
		                      &rng);
	}
	cr_expect(s.islast);
	expect_crlf_report(src);
	free(s.name);
	free(sec);
	ccm_source_close(src);
	free(text);
	free(data);
}

/*
 * A post office with nothing in it: an empty directory, no USERS folder,
 * no lists, no boards. Every list the layout sorts is empty (qsort must
 * not be given their NULL arrays).
 */
Test(hostile, empty_post_office)
{
	tl_puts(EXP, "CCMDIR.EXP", "");
	ccm_source *src = tl_open(EXP, NULL);
	cr_assert_eq(ccm_source_po_count(src), 1);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect(!st.mailboxes && !st.messages && !st.lists && !st.boards,
	          "%llu mailboxes, %llu messages",
	          (unsigned long long)st.mailboxes,
	          (unsigned long long)st.messages);
	read_all(src);
	expect_crlf_report(src);
	ccm_source_close(src);
}

/* An empty folder is no export: the sub-folder list sorted is empty. */
Test(hostile, empty_source_folder)
{
	char *empty = tl_path(D, "empty");
	tl_mkdirs(empty);
	ccm_source *src = NULL;
	char msg[512];
	struct ccm_options o = {0};
	cr_expect_eq(ccm_source_open(empty, &o, &src, msg, sizeof(msg)),
	             CCM_ERR_NOTEXPORT, "%s", msg);
	cr_expect_null(src);
	free(empty);
}

/* An empty USERS folder and an empty mailbox file. */
Test(hostile, empty_users_folder_and_mailbox)
{
	tl_puts(EXP, "CCMDIR.EXP", "Name: Ames, Al\r\nLocation: L\r\n");
	char *users = tl_path(EXP, "USERS");
	tl_mkdirs(users);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			tl_puts(EXP, "USERS/AMES.EXP", "");
		ccm_source *src = tl_open(EXP, NULL);
		read_all(src);
		expect_crlf_report(src);
		ccm_source_close(src);
	}
	free(users);
}

/* Reserving nothing in an empty buffer gives memory, not NULL + 0. */
Test(hostile, empty_buffer_reserve)
{
	struct ccm_buf b = {0};
	char *p = ccm_buf_reserve(&b, 0);
	cr_assert_not_null(p);
	cr_expect_eq(b.len, 0);
	ccm_buf_put(&b, NULL, 0);
	cr_expect_eq(b.len, 0);
	ccm_buf_free(&b);
}

/*
 * Found by fuzz-mailbox: the first message scanned has no item, so the
 * post office has no item at all yet when its size is measured.
 */
Test(hostile, first_message_without_items)
{
	ccm_source *src = open_ames(
	        "Mailbox: Ames, Al\r\n\r\nMessage:\r\nFrom: Ames, Al\r\n"
	        "Date: 6/2/98 8:39\r\nTo: Ames, Al\r\nSubject: empty\r\n"
	        "Contents:\r\nMessage:\r\nFrom: Ames, Al\r\n"
	        "Date: 6/2/98 8:40\r\nTo: Ames, Al\r\nSubject: full\r\n"
	        "Contents:\r\nText item:\r\nText.\r\n");
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.messages, 2);
	read_all(src);
	ccm_source_close(src);
}

/*
 * Found by fuzz-source: PO.INI names an EBCDIC code page (500), which
 * iconv knows. Its bytes below 0x80 are not ASCII (0x25 is LF), so the
 * report's own ASCII lines came out with lone LFs. Such a page is refused
 * like an unknown one: 850 is used, with a warning; as the output page it
 * is refused outright.
 */
Test(hostile, ebcdic_code_page_refused)
{
	tl_puts(EXP, "PO.INI",
	        "[PostOffice]\r\nName=HOSTILE 100%\r\nCodePage=500\r\n");
	ccm_source *src = open_ames(
	        "Mailbox: Ames, Al\r\n\r\nMessage:\r\nFrom: Ames, Al\r\n"
	        "Date: 2/31/98 8:39\r\nTo: Ames, Al\r\nSubject: 100% bad\r\n"
	        "Contents:\r\nText item:\r\nText.\r\n");
	size_t n;
	char *rep = tl_file(src, 0, "REPORT.TXT", &n);
	cr_expect(tl_contains(rep, n, "Code page: 850 in the export"), "%s",
	          rep);
	cr_expect(tl_contains(rep, n, "PO.INI:3: unknown code page '500'"),
	          "%s", rep);
	expect_crlf_report(src);
	read_all(src);
	free(rep);
	ccm_source_close(src);

	struct ccm_options o = {.out_codepage = 500};
	char msg[256];
	src = NULL;
	cr_expect_eq(ccm_source_open(EXP, &o, &src, msg, sizeof(msg)),
	             CCM_ERR_INVAL);
	cr_expect_null(src);
}

/*
 * Found by the sanitizer run and every fuzz target once folders were
 * mapped level by level: a message with no Folder: line has an empty
 * folder whose bytes are NULL, and its first level was looked for at
 * NULL + 0.
 */
Test(hostile, message_without_folder)
{
	ccm_source *src = open_ames(
	        "Mailbox: Ames, Al\r\n\r\nMessage:\r\nFrom: Ames, Al\r\n"
	        "Date: 6/2/98 8:39\r\nTo: Ames, Al\r\nSubject: no folder\r\n"
	        "Contents:\r\nText item:\r\nText.\r\n");
	size_t n;
	char *pri = tl_file(src, 0, "00000001.PRI", &n);
	cr_expect(tl_contains(pri, n, "no folder"), "%s", pri);
	free(pri);
	ccm_source_close(src);
}
