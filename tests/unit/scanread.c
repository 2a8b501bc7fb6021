/*
 * The scan reads export files in blocks (core/scan_read.c), never maps
 * them: a mailbox file that shrinks while it is scanned ends the scan of
 * that file with a report line, and the messages read before the cut are
 * kept, where a mapping would have raised SIGBUS. Messages larger than a
 * block, and counted text that crosses blocks, read as they always did.
 *
 * The file is cut from inside the scan, through the core's test hook,
 * right after its first block is read: no timing is involved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "scan_read.h"
#include "tl.h"

static char *EXP;

static void setup(void)
{
	EXP = tl_tmpdir();
}

static void teardown(void)
{
	ccm_feed_hook = NULL;
	tl_rmtree(EXP);
	EXP = NULL;
}

TestSuite(scanread, .init = setup, .fini = teardown, .timeout = 60);

static const char PO_INI[] = "[PostOffice]\r\nName=BLK\r\nCodePage=850\r\n";
static const char DIRECTORY[] = "Name: Ames, Al\r\nLocation: L\r\n";

/* The export: PO.INI, a directory, and mailbox file mb (n bytes, freed). */
static void export_with(char *mb, size_t n)
{
	tl_puts(EXP, "PO.INI", PO_INI);
	tl_puts(EXP, "CCMDIR.EXP", DIRECTORY);
	tl_write_at(EXP, "USERS/A.EXP", mb, n);
	free(mb);
}

/* A mailbox of n messages, each with a text body of about 1 KiB, so
 * that the file spans several blocks; a malloc'd string. */
static char *mailbox(unsigned n, size_t *len)
{
	size_t cap = 64 + (size_t)n * 1200, k = 0;
	char *s = malloc(cap);
	cr_assert_not_null(s);
	k += (size_t)snprintf(s + k, cap - k, "Mailbox: Ames, Al\n\n");
	for (unsigned i = 0; i < n; i++) {
		k += (size_t)snprintf(s + k, cap - k,
		                      "Message:\nFrom: Ames, Al\n"
		                      "Date: 6/2/98 8:39\nTo: Ames, Al\n"
		                      "Subject: number %u\nContents:\n"
		                      "Text item:\n",
		                      i);
		for (int j = 0; j < 16; j++)
			k += (size_t)snprintf(s + k, cap - k, "%s\n",
			                      "line of the body text, sixty "
			                      "bytes of it, more or less.");
	}
	*len = k;
	return s;
}

static char *CUT_PATH;
static off_t CUT_TO;

/* Cuts CUT_PATH to CUT_TO bytes once its first block was read. */
static void cut_after_first_block(int fd, uint64_t off)
{
	struct stat a, b;
	if (off || !CUT_PATH || fstat(fd, &a) || stat(CUT_PATH, &b) ||
	    a.st_ino != b.st_ino)
		return;
	cr_assert_eq(truncate(CUT_PATH, CUT_TO), 0);
	CUT_PATH = NULL;
}

static uint64_t messages(const ccm_source *src)
{
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	return st.messages;
}

Test(scanread, file_cut_under_the_scan)
{
	const unsigned n = 4000; /* about 4.4 MiB */
	size_t len;
	char *mb = mailbox(n, &len);
	cr_assert_gt(len, 3 * CCM_FEED_BLOCK);
	export_with(mb, len);

	CUT_PATH = tl_path(EXP, "USERS/A.EXP");
	char *keep_path = CUT_PATH;
	CUT_TO = (off_t)(CCM_FEED_BLOCK + CCM_FEED_BLOCK / 2);
	ccm_feed_hook = cut_after_first_block;
	ccm_source *src = tl_open(EXP, NULL);
	ccm_feed_hook = NULL;
	cr_assert_null(CUT_PATH, "the hook never cut the file");
	free(keep_path);

	/* What was read before the cut is kept, the rest is left out: more
	 * than a block's worth of messages of about 1.1 KiB. */
	uint64_t got = messages(src);
	cr_expect_gt(got, CCM_FEED_BLOCK / 1200);
	cr_expect_lt(got, n);
	char *rep = tl_report(src, 0);
	char want[160];
	snprintf(want, sizeof(want),
	         "the file ended at byte %llu of %zu while it was read",
	         (unsigned long long)CUT_TO, len);
	cr_expect(tl_contains(rep, strlen(rep), want),
	          "REPORT.TXT lacks '%s':\n%.2000s", want, rep);
	cr_expect(tl_contains(rep, strlen(rep), "USERS/A.EXP:"));
	free(rep);
	ccm_source_close(src);
}

/* Unchanged, the same file scans whole, with no such line. */
Test(scanread, file_whole_without_cut)
{
	const unsigned n = 4000;
	size_t len;
	char *mb = mailbox(n, &len);
	export_with(mb, len);
	ccm_source *src = tl_open(EXP, NULL);
	cr_expect_eq(messages(src), n);
	char *rep = tl_report(src, 0);
	cr_expect(!tl_contains(rep, strlen(rep), "while it was read"));
	free(rep);
	ccm_source_close(src);
}

/*
 * A counted text item of 3 MiB whose bytes hold lines that would open
 * messages: the count is believed (it lands), the text is one item, and
 * the message after it is found, across several blocks.
 */
Test(scanread, counted_text_across_blocks)
{
	const size_t tn = 3 * CCM_FEED_BLOCK;
	size_t cap = tn + 4096, k = 0;
	char *s = malloc(cap);
	cr_assert_not_null(s);
	k += (size_t)snprintf(s + k, cap - k,
	                      "Mailbox: Ames, Al\n\nMessage:\nFrom: Ames, Al\n"
	                      "Date: 6/2/98 8:39\nTo: Ames, Al\nSubject: big\n"
	                      "Contents:\nText item:\n%zu\n",
	                      tn);
	for (size_t i = 0; i < tn; i++)
		s[k + i] = i % 64 == 63 ? '\n' : "Message:"[i % 64 % 8];
	k += tn;
	k += (size_t)snprintf(s + k, cap - k,
	                      "Message:\nFrom: Ames, Al\nDate: 6/3/98 9:00\n"
	                      "To: Ames, Al\nSubject: after\nContents:\n"
	                      "Text item:\nshort\n");
	export_with(s, k);
	ccm_source *src = tl_open(EXP, NULL);
	cr_expect_eq(messages(src), 2);
	char *rep = tl_report(src, 0);
	cr_expect(!tl_contains(rep, strlen(rep), "would not end"), "%s", rep);
	free(rep);
	size_t n;
	char *sec = tl_file(src, 0, "00000001.SEC", &n);
	char body[64];
	snprintf(body, sizeof(body), "Body,%zu,", tn + tn / 64);
	cr_expect(tl_contains(sec, n, body), "no '%s' in the SEC file", body);
	free(sec);
	ccm_source_close(src);
}

/*
 * A text that begins with a number larger than a block, inside the file
 * but landing nowhere: not a count (looked at where it would end, without
 * holding the text), so the text is read up to the next message.
 */
Test(scanread, far_count_that_does_not_land)
{
	const unsigned n = 4000;
	size_t len;
	char *mb = mailbox(n, &len);
	/* The first message's text opens with a number of 2.5 blocks. */
	char *t = strstr(mb, "Text item:\n");
	cr_assert_not_null(t);
	t += strlen("Text item:\n");
	char num[32];
	int k = snprintf(num, sizeof(num), "%zu\n", CCM_FEED_BLOCK * 5 / 2);
	size_t at = (size_t)(t - mb);
	char *s = malloc(len + (size_t)k);
	cr_assert_not_null(s);
	memcpy(s, mb, at);
	memcpy(s + at, num, (size_t)k);
	memcpy(s + at + k, mb + at, len - at);
	free(mb);
	export_with(s, len + (size_t)k);
	ccm_source *src = tl_open(EXP, NULL);
	cr_expect_eq(messages(src), n);
	char *rep = tl_report(src, 0);
	char want[64];
	snprintf(want, sizeof(want), "a count of %zu would not end",
	         CCM_FEED_BLOCK * 5 / 2);
	cr_expect(tl_contains(rep, strlen(rep), want), "%s", rep);
	free(rep);
	ccm_source_close(src);
}

/*
 * A message larger than the scan holds (an inline attachment of 5 MiB,
 * 10 MiB of Hex: lines): its header and its file items' names are read
 * again from the file, its row and sections are those of any message.
 */
Test(scanread, message_larger_than_held)
{
	const size_t dn = 5 << 20, per = 40;
	size_t cap = dn * 2 + dn / per * 8 + 4096, k = 0;
	char *s = malloc(cap);
	cr_assert_not_null(s);
	k += (size_t)snprintf(s + k, cap - k,
	                      "Mailbox: Ames, Al\n\nMessage:\nFrom: Ames, Al\n"
	                      "Date: 6/2/98 8:39\nTo: Ames, Al\n"
	                      "Subject: the big one\nContents:\n"
	                      "Text item:\nbefore\n"
	                      "File item: BIG.BIN\n%zu\n",
	                      dn);
	for (size_t i = 0; i < dn; i += per) {
		k += (size_t)snprintf(s + k, cap - k, "Hex: ");
		for (size_t j = i; j < i + per && j < dn; j++)
			k += (size_t)snprintf(s + k, cap - k, "%02x",
			                      (unsigned)(j * 7 % 251));
		s[k++] = '\n';
	}
	k += (size_t)snprintf(s + k, cap - k,
	                      "Text item:\nafter\nFile item: SMALL.BIN\n2\n"
	                      "Hex: 4142\nMessage:\nFrom: Ames, Al\n"
	                      "Date: 6/3/98 9:00\nTo: Ames, Al\n"
	                      "Subject: next\nContents:\nText item:\nnext\n");
	cr_assert_gt(k, CCM_FEED_MSG_MAX + CCM_FEED_BLOCK);
	export_with(s, k);

	ccm_source *src = tl_open(EXP, NULL);
	cr_expect_eq(messages(src), 2);
	size_t n;
	char *pri = tl_file(src, 0, "00000001.PRI", &n);
	cr_expect(tl_contains(pri, n, "the big one"), "%s", pri);
	free(pri);
	char *sec = tl_file(src, 0, "00000001.SEC", &n);
	char want[80];
	snprintf(want, sizeof(want), "Attachment,%zu,,FALSE,\"BIG.BIN\",", dn);
	cr_expect(tl_contains(sec, n, want), "no '%s'", want);
	cr_expect(tl_contains(sec, n, "Attachment,2,,TRUE,\"SMALL.BIN\","));
	cr_expect(tl_contains(sec, n, "before\r\n\r\nafter"));
	const char *d = memmem(sec, n, want, strlen(want));
	cr_assert_not_null(d);
	d = memchr(d, '\n', (size_t)(sec + n - d));
	cr_assert_not_null(d);
	d++;
	cr_assert_geq((size_t)(sec + n - d), dn);
	bool same = true;
	for (size_t j = 0; j < dn && same; j++)
		same = (uint8_t)d[j] == (uint8_t)(j * 7 % 251);
	cr_expect(same, "the attachment's bytes differ");
	free(sec);
	char *rep = tl_report(src, 0);
	cr_expect(!tl_contains(rep, strlen(rep), "left out:"), "%s", rep);
	free(rep);
	ccm_source_close(src);
}

/* ccm_count_lf against a byte loop: every length up to past the point
 * where its byte counters are added up (255 steps of 16 bytes), LFs at
 * every density, from every alignment. */
Test(lexer, count_lf_as_byte_by_byte)
{
	enum { MAX = 255 * 16 * 2 + 40 };
	char *s = malloc(MAX + 16);
	cr_assert_not_null(s);
	unsigned seed = 7;
	for (unsigned every = 1; every <= 64; every *= 4) {
		for (size_t i = 0; i < MAX + 16; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = (seed >> 16) % every == 0 ? '\n' : 'x';
		}
		for (size_t at = 0; at < 16; at += 5)
			for (size_t n = 0; n <= MAX; n += n < 64 ? 1 : 37) {
				uint64_t want = 0;
				for (size_t i = 0; i < n; i++)
					want += s[at + i] == '\n';
				cr_expect_eq(ccm_count_lf(s + at, n), want,
				             "every %u, at %zu, n %zu", every,
				             at, n);
			}
	}
	free(s);
}

/* ccm_find_lf against memchr: an LF at every place of every length up to
 * past its inline steps, or none. */
Test(lexer, find_lf_as_memchr)
{
	char s[200];
	memset(s, 'x', sizeof(s));
	for (size_t n = 0; n <= 180; n++)
		for (size_t at = 0; at <= n; at++) {
			if (at < n)
				s[at] = '\n';
			const char *want = memchr(s, '\n', n);
			if (ccm_find_lf(s, s + n) != want)
				cr_assert(false, "LF at %zu of %zu", at, n);
			if (at < n)
				s[at] = 'x';
		}
}
