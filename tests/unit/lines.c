/*
 * Rendering hex and text items a line at a time (item.c): the fast paths
 * decode sixteen digits or copy sixteen bytes a step, end a line with a
 * step that overlaps the one before, and jump over "\nHex: ". Lines here
 * are of every length around those steps (2 to 130 digits, 0 to 40
 * bytes), with both line ends and the prefix's other forms (the byte
 * machine's work), in items long enough to have seek points. The SEC
 * file must hold each attachment's bytes and each text's conversion, and
 * read in pieces of any size it must give the same bytes as read whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ccmailfs/ccmailfs.h"
#include "output.h"
#include "tl.h"

TestSuite(lines, .timeout = 120);

#define DATA_MAX (96 * 1024)

/* The prefix of hex line k: mostly "Hex: ", sometimes another form. */
static const char *prefix(size_t k)
{
	static const char *const forms[] = {"hex: ", "HEX:", "Hex:\t ",
	                                    "Hex:  ", "Hex:"};
	return k % 7 == 6 ? forms[k / 7 % 5] : "Hex: ";
}

/* Appends to s the Hex: lines of n bytes of data, line k holding a
 * length that walks through 1..65 bytes; returns the new length. */
static size_t put_hex(char *s, size_t k0, const unsigned char *data, size_t n)
{
	size_t k = k0;
	for (size_t i = 0, line = 0; i < n; line++) {
		size_t per = 1 + line * 7 % 65;
		if (per > n - i)
			per = n - i;
		k += (size_t)sprintf(s + k, "%s", prefix(line));
		for (size_t j = 0; j < per; j++)
			k += (size_t)sprintf(s + k, line % 3 ? "%02x" : "%02X",
			                     data[i + j]);
		if (line % 11 == 5)
			s[k++] = ' '; /* a trailing blank */
		k += (size_t)sprintf(s + k, line % 2 ? "\r\n" : "\n");
		i += per;
	}
	return k;
}

/* Appends a text item whose lines are 0 to 40 bytes: letters, a byte
 * above ASCII now and then, line ends LF, CRLF and a lone CR. Writes to
 * *want the bytes the SEC file must show for it (code page 850 to 1252:
 * 0x82 is é, 0xE9 there). */
static size_t put_text(char *s, size_t k, char *want, size_t *wn, size_t n)
{
	size_t w = 0;
	k += (size_t)sprintf(s + k, "Text item:\n");
	for (size_t line = 0, done = 0; done < n; line++) {
		size_t len = line * 13 % 41;
		for (size_t j = 0; j < len; j++, done++) {
			bool hi = (line + j) % 23 == 7;
			s[k++] = hi ? '\x82' : (char)('a' + (line + j) % 26);
			want[w++] = hi ? '\xe9' : (char)('a' + (line + j) % 26);
		}
		/* A lone CR before an empty line would end it too. */
		bool cr = line % 9 == 4 && (line + 1) * 13 % 41;
		const char *eol = line % 5 == 1 ? "\r\n" : cr ? "\r" : "\n";
		k += (size_t)sprintf(s + k, "%s", eol);
		want[w++] = '\r';
		want[w++] = '\n';
		done++;
	}
	*wn = w;
	return k;
}

Test(lines, hex_and_text_every_length)
{
	unsigned char *data = malloc(DATA_MAX);
	char *want = malloc(DATA_MAX * 3);
	char *mbx = malloc(DATA_MAX * 4);
	cr_assert(data && want && mbx);
	for (size_t i = 0; i < DATA_MAX; i++)
		data[i] = (unsigned char)(i * 131 + i / 257);
	size_t k =
	        (size_t)sprintf(mbx, "Mailbox: Ames, Al\n\nMessage:\n"
	                             "From: Ames, Al\nDate: 6/2/98 8:39\n"
	                             "To: Ames, Al\nSubject: s\nContents:\n");
	size_t wn;
	k = put_text(mbx, k, want, &wn, 40 * 1024);
	k += (size_t)sprintf(mbx + k, "File item: DATA.BIN\n%d\n", DATA_MAX);
	k = put_hex(mbx, k, data, DATA_MAX);
	cr_assert_lt(k, (size_t)DATA_MAX * 4);

	char *d = tl_tmpdir();
	tl_puts(d, "PO.INI", "[PostOffice]\nName=P\nCodePage=850\n");
	tl_puts(d, "CCMDIR.EXP", "Name: Ames, Al\nLocation: L\n");
	tl_write_at(d, "USERS/A.EXP", mbx, k);
	ccm_source *src = tl_open(d, NULL);
	size_t f = tl_file_index(src, 0, "00000001.SEC");
	size_t n;
	char *whole = tl_file(src, 0, "00000001.SEC", &n);
	cr_assert_not_null(memmem(whole, n, want, wn), "the text's bytes");
	cr_assert_not_null(memmem(whole, n, data, DATA_MAX),
	                   "the attachment's bytes");
	/* In pieces of sizes around the steps, from every start. */
	static const size_t sizes[] = {1, 7, 8, 9, 15, 16, 17, 4093};
	char *piece = malloc(4096);
	cr_assert_not_null(piece);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t step = sizes[s] < 64 ? 997 * sizes[s] : 1;
		for (size_t off = s; off < n; off += step * sizes[s] + 1) {
			size_t len = n - off < sizes[s] ? n - off : sizes[s];
			size_t got = 0;
			cr_assert_eq(
			        ccm_file_read(src, 0, f, off, len, piece, &got),
			        CCM_OK);
			cr_assert_eq(got, len);
			cr_assert(!memcmp(piece, whole + off, len),
			          "%zu bytes at %zu", len, off);
		}
	}
	free(piece);
	free(whole);
	ccm_source_close(src);
	tl_rmtree(d);
	free(mbx);
	free(want);
	free(data);
}
