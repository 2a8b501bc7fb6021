/*
 * The MIME encoders of the mail views (core/mime.h) on their own:
 * base64 against RFC 4648's vectors and its line lengths, quoted-
 * printable as a stream cut anywhere, encoded-words and RFC 2231
 * parameters decoded back, folded lines, and the FNV-1a 128 vectors.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "mime.h"
#include "tl.h"

static char *b64(const char *s)
{
	char *out = calloc(1, 4 * strlen(s) / 3 + 8);
	cr_assert_not_null(out);
	ccm_b64_encode((const uint8_t *)s, strlen(s), out);
	return out;
}

Test(base64, rfc4648_vectors)
{
	const char *v[][2] = {{"", ""},
	                      {"f", "Zg=="},
	                      {"fo", "Zm8="},
	                      {"foo", "Zm9v"},
	                      {"foob", "Zm9vYg=="},
	                      {"fooba", "Zm9vYmE="},
	                      {"foobar", "Zm9vYmFy"}};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *got = b64(v[i][0]);
		cr_expect_str_eq(got, v[i][1]);
		free(got);
	}
}

Test(base64, line_lengths)
{
	/* 57 bytes a line of 76, the last line shorter, no end after it. */
	cr_expect_eq(ccm_b64_len(0, 1), 0);
	cr_expect_eq(ccm_b64_len(1, 1), 4);
	cr_expect_eq(ccm_b64_len(57, 2), 76);
	cr_expect_eq(ccm_b64_len(58, 2), 76 + 2 + 4);
	cr_expect_eq(ccm_b64_len(114, 1), 76 + 1 + 76);
	cr_expect_eq(ccm_b64_len(5000000, 2),
	             (5000000 + 2) / 3 * 4 + (5000000 / 57) * 2);
}

/* A quoted-printable decoder for the tests: soft breaks dropped, =XX
 * decoded, CR LF made LF. */
static size_t qp_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r')
			i += 2;
		else if (s[i] == '=') {
			char hex[3] = {s[i + 1], s[i + 2], 0};
			out[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else if (s[i] == '\r')
			continue;
		else
			out[o++] = s[i];
	}
	return o;
}

Test(qp, a_stream_cut_anywhere)
{
	/* Long lines, blanks before line ends and at the end, '=', NUL,
	 * bytes above ASCII. */
	static const char text[] =
	        "A line of many words that is much longer than seventy-six "
	        "characters, with = signs == and tabs\tand blanks \n"
	        "trailing blank \ntrailing tab\t\n\n\xc3\xa9t\xc3\xa9 \x00 "
	        "end ";
	size_t n = sizeof(text) - 1;
	char whole[8192], cut[8192];
	struct ccm_qp q = {0, 0};
	size_t wn = ccm_qp_feed(&q, (const uint8_t *)text, n, "\r\n", whole);
	wn += ccm_qp_end(&q, "\r\n", whole + wn);
	for (size_t at = 0; at <= n; at++) {
		struct ccm_qp r = {0, 0};
		size_t cn =
		        ccm_qp_feed(&r, (const uint8_t *)text, at, "\r\n", cut);
		/* Resumed from the state alone, as a seek point does. */
		struct ccm_qp s = r;
		cn += ccm_qp_feed(&s, (const uint8_t *)text + at, n - at,
		                  "\r\n", cut + cn);
		cn += ccm_qp_end(&s, "\r\n", cut + cn);
		cr_assert(cn == wn && !memcmp(cut, whole, wn), "cut at %zu",
		          at);
	}
	char back[8192];
	size_t bn = qp_decode(whole, wn, back);
	cr_expect(bn == n && !memcmp(back, text, n));
	for (char *l = whole, *e;
	     (e = memchr(l, '\r', (size_t)(whole + wn - l))); l = e + 2) {
		cr_expect_leq(e - l, 76);
		cr_expect(e == l || (e[-1] != ' ' && e[-1] != '\t'),
		          "a line ends with a blank");
	}
}

/* Decodes a header value's encoded-words (and unfolds it). */
static char *unfold_words(const char *s)
{
	char *out = calloc(1, strlen(s) + 1);
	size_t o = 0;
	static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                          "qrstuvwxyz0123456789+/";
	for (const char *p = s; (p = strstr(p, "=?utf-8?b?"));) {
		p += 10;
		uint32_t acc = 0;
		int bits = 0;
		for (; *p != '?'; p++) {
			if (*p == '=')
				continue;
			acc = acc << 6 | (uint32_t)(strchr(B64, *p) - B64);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[o++] = (char)(acc >> bits);
			}
		}
	}
	return out;
}

/* Every line of a folded header at most max characters. */
static void expect_lines(const char *s, size_t max)
{
	for (const char *l = s, *e; (e = strchr(l, '\n')); l = e + 1)
		cr_expect_leq((size_t)(e - l), max, "a line of %td: %.*s",
		              e - l, (int)(e - l), l);
}

/* "Subject: " and text as ccm_hdr_text writes it, NUL-terminated in b. */
static void subject(struct ccm_buf *b, const char *eol, const char *text)
{
	struct ccm_hdrw h = {b, eol, 0, true};
	ccm_hdr_field(&h, "Subject");
	ccm_hdr_text(&h, text, strlen(text));
	ccm_hdr_end(&h);
	ccm_buf_putc(b, '\0');
}

Test(header, encoded_words)
{
	struct ccm_buf b = {0};
	const char *text = "\xc3\x9c"
	                   "bersicht \xe8\xa1\xa8\xe8\xa1\xa8"
	                   " \xc3\xbc"
	                   "ber die Gr\xc3\xb6\xc3\x9f"
	                   "en aller "
	                   "Stra\xc3\x9f"
	                   "en und Pl\xc3\xa4tze der Stadt M\xc3"
	                   "\xbc"
	                   "nchen, \xe8\xa1\xa8 im Jahr 1999 und 2000";
	subject(&b, "\n", text);
	expect_lines(b.p, 76); /* RFC 2047 §2 */
	char *back = unfold_words(b.p);
	cr_expect_str_eq(back, text);
	free(back);
	ccm_buf_free(&b);
}

Test(header, ascii_folds_at_blanks)
{
	struct ccm_buf b = {0};
	const char *text = "Re: the numbers  for the second quarter of 1999 "
	                   "and the plans for the trade fair in Hanover, "
	                   "with two blanks";
	subject(&b, "\r\n", text);
	cr_expect(strstr(b.p, "\r\n "), "not folded: %s", b.p);
	/* Unfolding takes the line ends away and gives the text back. */
	char *u = calloc(1, b.len);
	for (size_t i = 0, o = 0; b.p[i]; i++)
		if (b.p[i] != '\r' && b.p[i] != '\n')
			u[o++] = b.p[i];
	cr_expect_str_eq(u + strlen("Subject: "), text);
	free(u);
	ccm_buf_free(&b);
}

Test(header, rfc2231_parameter)
{
	struct ccm_buf b = {0};
	struct ccm_hdrw h = {&b, "\n", 0, true};
	const char *name = "R\xc3\xa9sum\xc3\xa9 de l'ann\xc3\xa9"
	                   "e tr\xc3"
	                   "\xa8s longue \xe8\xa1\xa8 (version 2).txt";
	ccm_hdr_field(&h, "Content-Disposition");
	ccm_hdr_token(&h, 0, "attachment", 10);
	ccm_hdr_param(&h, "filename", name, strlen(name));
	ccm_hdr_end(&h);
	ccm_buf_putc(&b, '\0');
	expect_lines(b.p, 78);
	cr_expect(strstr(b.p, "filename*0*=utf-8''R%C3%A9sum"), "%s", b.p);
	/* The pieces, percent-decoded in order, are the name. */
	char got[256];
	size_t o = 0;
	for (const char *p = b.p; (p = strstr(p, "filename*"));) {
		p = strchr(p, '=') + 1;
		if (!strncmp(p, "utf-8''", 7))
			p += 7;
		for (; *p && *p != ';' && *p != '\n'; p++) {
			if (*p == '%') {
				char hex[3] = {p[1], p[2], 0};
				got[o++] = (char)strtol(hex, NULL, 16);
				p += 2;
			} else {
				got[o++] = *p;
			}
		}
	}
	got[o] = '\0';
	cr_expect_str_eq(got, name);
	ccm_buf_free(&b);
}

Test(header, short_ascii_parameter_quoted)
{
	struct ccm_buf b = {0};
	struct ccm_hdrw h = {&b, "\n", 0, true};
	ccm_hdr_field(&h, "Content-Type");
	ccm_hdr_token(&h, 0, "application/octet-stream", 24);
	ccm_hdr_param(&h, "name", "a \"b\".txt", 9);
	ccm_hdr_end(&h);
	ccm_buf_putc(&b, '\0');
	cr_expect_str_eq(b.p, "Content-Type: application/octet-stream; "
	                      "name=\"a \\\"b\\\".txt\"\n");
	ccm_buf_free(&b);
}

Test(hash, fnv1a_128_vectors)
{
	struct ccm_hash h;
	char hex[33];
	ccm_hash_init(&h);
	ccm_hash_hex(&h, hex);
	cr_expect_str_eq(hex, "6c62272e07bb014262b821756295c58d");
	ccm_hash_put(&h, "a", 1);
	ccm_hash_hex(&h, hex);
	cr_expect_str_eq(hex, "d228cb696f1a8caf78912b704e4a8964");
	ccm_hash_init(&h);
	ccm_hash_put(&h, "foo", 3);
	ccm_hash_put(&h, "bar", 3);
	ccm_hash_hex(&h, hex);
	cr_expect_str_eq(hex, "343e1662793c64bf6f0d3597ba446f18");
}
