/*
 * What a read inside attachment data costs (issue 10): a 4 KiB read in
 * the middle of the first of two attachments reads, from the source, the
 * 4 KiB it returns and at most the first attachment's File item line
 * (the line that names it, whose length places the data), never the
 * second attachment's line (the walk stops once the read is full); read
 * again by the same thread, only the 4 KiB (the thread remembers the
 * line's length, reader.c). The bytes are always those of the file read
 * whole, also from a second source opened after the first was closed,
 * whose names (and so lines) are longer: a remembered length is never
 * another source's. The core counts bytes (ccm_read_counts); no time is
 * measured.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "index.h"
#include "reader.h"
#include "tl.h"

TestSuite(readcost, .timeout = 60);

#define FIRST_SIZE (256 * 1024)
#define SECOND_SIZE (8 * 1024)

/* An export whose one message has a text and two attachments, named
 * `first` and `second`; returns its folder (to tl_rmtree). */
static char *export_two(const char *first, const char *second)
{
	char *d = tl_tmpdir();
	tl_puts(d, "PO.INI", "[PostOffice]\nName=P\nCodePage=850\n");
	tl_puts(d, "CCMDIR.EXP", "Name: Ames, Al\nLocation: L\n");
	char *mbx;
	cr_assert_geq(asprintf(&mbx,
	                       "Mailbox: Ames, Al\n\nMessage:\nFrom: Ames, Al\n"
	                       "Date: 6/2/98 8:39\nTo: Ames, Al\nSubject: s\n"
	                       "Contents:\nText item:\nThe body.\n"
	                       "File item: %s\nPath: FILES/ONE.BIN\n"
	                       "File item: %s\nPath: FILES/TWO.BIN\n",
	                       first, second),
	              0);
	tl_puts(d, "USERS/A.EXP", mbx);
	free(mbx);
	char *data = malloc(FIRST_SIZE);
	cr_assert_not_null(data);
	for (size_t i = 0; i < FIRST_SIZE; i++)
		data[i] = (char)(i * 7 + i / 251);
	tl_write_at(d, "FILES/ONE.BIN", data, FIRST_SIZE);
	tl_write_at(d, "FILES/TWO.BIN", data, SECOND_SIZE);
	free(data);
	return d;
}

/* A 4 KiB read at off checked against the whole file; returns the
 * source bytes it read. */
static uint64_t read_4k(const ccm_source *src, size_t f, const char *whole,
                        uint64_t off)
{
	char buf[4096];
	size_t got = 0;
	cr_assert_eq(ccm_file_read(src, 0, f, off, sizeof(buf), buf, &got),
	             CCM_OK);
	cr_assert_eq(got, sizeof(buf));
	cr_assert(!memcmp(buf, whole + off, sizeof(buf)), "bytes at %llu",
	          (unsigned long long)off);
	return ccm_read_counts.src_bytes;
}

/* The SEC file of export d, read whole from a source of its own. */
static void *read_whole(void *d)
{
	ccm_source *src = tl_open(d, NULL);
	char *whole = tl_file(src, 0, "00000001.SEC", NULL);
	ccm_source_close(src);
	return whole;
}

/* Opens the export, reads in the middle of the first attachment's data
 * twice, checks the bytes and what each read cost. */
static void read_twice(const char *first, const char *second)
{
	char *d = export_two(first, second);
	ccm_source *src = tl_open(d, NULL);
	size_t f = tl_file_index(src, 0, "00000001.SEC");
	uint64_t size = ccm_file_size(src, 0, f);
	/* Read whole by another thread, which remembers what it learns for
	 * itself: this one remembers only the last source's lengths. */
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, read_whole, d), 0);
	char *whole;
	cr_assert_eq(pthread_join(t, (void **)&whole), 0);
	char *at = strstr(whole, "\r\nAttachment,");
	cr_assert_not_null(at);
	uint64_t off = (uint64_t)(strstr(at + 2, "\r\n") + 2 - whole);
	off += FIRST_SIZE / 2;
	size_t line = strlen("File item: ") + strlen(first);
	uint64_t once = read_4k(src, f, whole, off);
	cr_expect_geq(once, 4096 + line, "%llu", (unsigned long long)once);
	cr_expect_lt(once, 4096 + line + strlen("File item: ") + 1,
	             "the first read read %llu source bytes: more than "
	             "its data and the first attachment's line",
	             (unsigned long long)once);
	uint64_t again = read_4k(src, f, whole, off);
	cr_expect_eq(again, 4096, "read again: %llu source bytes",
	             (unsigned long long)again);
	/* Where the data is near the message's end, too. */
	read_4k(src, f, whole, size - SECOND_SIZE - 4096 - 8);
	free(whole);
	ccm_source_close(src);
	tl_rmtree(d);
}

Test(readcost, read_inside_attachment_reads_its_data)
{
	read_twice("ONE.BIN", "TWO.BIN");
	/* Another source, likely at the first one's addresses (closed),
	 * same item numbers, longer lines: its data lies elsewhere in its
	 * SEC file. */
	read_twice("A LONGER NAME OF THE FIRST FILE.BIN",
	           "A LONGER NAME OF THE SECOND.BIN");
}

/*
 * What a PRI read costs: rows need their messages' headers, which lie
 * between the bodies. Headers close together are read in one pread
 * (render.c, headers_ahead); headers far apart are read one by one,
 * without the bodies between them. The bytes are the same whatever the
 * reads: the file read whole equals the file read in small pieces.
 */
#define NMSG 400

/* An export whose one mailbox has NMSG messages with bodies of body
 * bytes each; returns its folder (to tl_rmtree). */
static char *export_many(size_t body)
{
	char *d = tl_tmpdir();
	tl_puts(d, "PO.INI", "[PostOffice]\nName=P\nCodePage=850\n");
	tl_puts(d, "CCMDIR.EXP", "Name: Ames, Al\nLocation: L\n");
	char *text = malloc(body + 1);
	cr_assert_not_null(text);
	for (size_t i = 0; i < body; i++)
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	text[body] = '\0';
	size_t cap = NMSG * (body + 256) + 64, len = 0;
	char *mbx = malloc(cap);
	cr_assert_not_null(mbx);
	len += (size_t)sprintf(mbx, "Mailbox: Ames, Al\n\n");
	for (int i = 0; i < NMSG; i++)
		len += (size_t)sprintf(mbx + len,
		                       "Message:\nFrom: Ames, Al\n"
		                       "Date: 6/2/98 8:%02d\nTo: Ames, Al\n"
		                       "Subject: number %d\nContents:\n"
		                       "Text item:\n%s\n",
		                       i % 60, i, text);
	cr_assert_lt(len, cap);
	tl_write_at(d, "USERS/A.EXP", mbx, len);
	free(mbx);
	free(text);
	return d;
}

/* The PRI file read whole in one read: its bytes, and the counts. */
static char *read_pri(const ccm_source *src, size_t f, size_t size,
                      struct ccm_read_counts *c)
{
	char *buf = malloc(size);
	cr_assert_not_null(buf);
	size_t got = 0;
	cr_assert_eq(ccm_file_read(src, 0, f, 0, size, buf, &got), CCM_OK);
	cr_assert_eq(got, size);
	*c = ccm_read_counts;
	/* The same bytes, read in pieces that end inside rows. */
	char piece[777];
	for (size_t off = 0; off < size; off += sizeof(piece)) {
		size_t n =
		        size - off < sizeof(piece) ? size - off : sizeof(piece);
		cr_assert_eq(ccm_file_read(src, 0, f, off, n, piece, &got),
		             CCM_OK);
		cr_assert_eq(got, n);
		cr_assert(!memcmp(piece, buf + off, n), "bytes at %zu", off);
	}
	return buf;
}

Test(readcost, pri_reads_near_headers_at_once)
{
	char *d = export_many(100);
	ccm_source *src = tl_open(d, NULL);
	size_t f = tl_file_index(src, 0, "00000001.PRI");
	size_t size = (size_t)ccm_file_size(src, 0, f);
	cr_assert_lt(size, 128 * 1024);
	struct ccm_read_counts c;
	free(read_pri(src, f, size, &c));
	cr_expect_leq(c.preads, 2, "%u source reads for %d rows", c.preads,
	              NMSG);
	ccm_source_close(src);
	tl_rmtree(d);
}

Test(readcost, pri_skips_long_bodies)
{
	size_t body = 40 * 1024;
	char *d = export_many(body);
	ccm_source *src = tl_open(d, NULL);
	size_t f = tl_file_index(src, 0, "00000001.PRI");
	size_t size = (size_t)ccm_file_size(src, 0, f);
	struct ccm_read_counts c;
	free(read_pri(src, f, size, &c));
	cr_expect_eq(c.preads, NMSG, "%u source reads for %d rows", c.preads,
	             NMSG);
	cr_expect_lt(c.src_bytes, (uint64_t)NMSG * body / 4,
	             "%llu source bytes: bodies were read",
	             (unsigned long long)c.src_bytes);
	ccm_source_close(src);
	tl_rmtree(d);
}
