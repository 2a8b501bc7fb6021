#include <stdio.h>
#include <string.h>

#include "mime.h"

static const char B64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char HEX[] = "0123456789ABCDEF";

uint64_t ccm_b64_len(uint64_t n, unsigned eoln)
{
	if (!n)
		return 0;
	uint64_t lines = (n + CCM_B64_LINE_IN - 1) / CCM_B64_LINE_IN;
	return (n + 2) / 3 * 4 + (lines - 1) * eoln;
}

size_t ccm_b64_encode(const uint8_t *in, size_t n, char *out)
{
	char *o = out;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		             in[i + 2];
		*o++ = B64[v >> 18];
		*o++ = B64[v >> 12 & 63];
		*o++ = B64[v >> 6 & 63];
		*o++ = B64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 |
		             (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		*o++ = B64[v >> 18];
		*o++ = B64[v >> 12 & 63];
		*o++ = i + 1 < n ? B64[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	return (size_t)(o - out);
}

/* One quoted-printable token of len characters, after a soft line break
 * when the line would pass 75 characters (76 with the '='). */
static char *qp_tok(struct ccm_qp *q, const char *eol, const char *t,
                    unsigned len, char *o)
{
	if (q->col + len > 75) {
		*o++ = '=';
		for (const char *e = eol; *e; e++)
			*o++ = *e;
		q->col = 0;
	}
	memcpy(o, t, len);
	q->col += len;
	return o + len;
}

static char *qp_hex(struct ccm_qp *q, const char *eol, uint8_t c, char *o)
{
	char t[3] = {'=', HEX[c >> 4], HEX[c & 15]};
	return qp_tok(q, eol, t, 3, o);
}

size_t ccm_qp_feed(struct ccm_qp *q, const uint8_t *in, size_t n,
                   const char *eol, char *out)
{
	char *o = out;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];
		if (q->pend) {
			/* A blank before a line end would be lost in transit:
			 * it is encoded there, and only there. */
			char p = (char)q->pend;
			q->pend = 0;
			o = c == '\n' ? qp_hex(q, eol, (uint8_t)p, o)
			              : qp_tok(q, eol, &p, 1, o);
		}
		if (c == '\n') {
			for (const char *e = eol; *e; e++)
				*o++ = *e;
			q->col = 0;
		} else if (c == ' ' || c == '\t') {
			q->pend = c;
		} else if (c >= 33 && c <= 126 && c != '=') {
			o = qp_tok(q, eol, (const char *)&in[i], 1, o);
		} else {
			o = qp_hex(q, eol, c, o);
		}
	}
	return (size_t)(o - out);
}

size_t ccm_qp_end(struct ccm_qp *q, const char *eol, char *out)
{
	char *o = out;
	if (q->pend)
		o = qp_hex(q, eol, q->pend, o);
	q->pend = 0;
	return (size_t)(o - out);
}

bool ccm_ascii_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

void ccm_hdr_field(struct ccm_hdrw *h, const char *name)
{
	ccm_buf_puts(h->b, name);
	ccm_buf_puts(h->b, ": ");
	h->col = (unsigned)strlen(name) + 2;
	h->fresh = true;
}

void ccm_hdr_end(struct ccm_hdrw *h)
{
	ccm_buf_puts(h->b, h->eol);
	h->col = 0;
}

static void hdr_fold(struct ccm_hdrw *h)
{
	ccm_buf_puts(h->b, h->eol);
	ccm_buf_putc(h->b, ' ');
	h->col = 1;
	h->fresh = true;
}

void ccm_hdr_token(struct ccm_hdrw *h, char sep, const char *t, size_t n)
{
	if (sep) {
		ccm_buf_putc(h->b, sep);
		h->col++;
	}
	if (!h->fresh && n && h->col + 1 + n > 78)
		hdr_fold(h);
	if (!h->fresh) {
		ccm_buf_putc(h->b, ' ');
		h->col++;
	}
	ccm_buf_put(h->b, t, n);
	h->col += (unsigned)n;
	h->fresh = false;
}

/* The length of the UTF-8 character that starts with byte c. */
static size_t u8len(unsigned char c)
{
	return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Encoded-words of whole characters, each fitted to the room left on its
 * line: RFC 2047 keeps a line that holds one within 76 characters, and a
 * word within 75 (45 bytes). */
#define EW_LINE 76
static void hdr_words(struct ccm_hdrw *h, char sep, const char *s, size_t n)
{
	size_t i = 0;
	do {
		unsigned used = h->col + (sep ? 1 : 0) + (h->fresh ? 0 : 1);
		if (!h->fresh && used + 16 > EW_LINE) {
			if (sep)
				ccm_buf_putc(h->b, sep);
			sep = 0;
			hdr_fold(h);
			used = h->col;
		}
		size_t room = used + 16 <= EW_LINE
		                      ? (EW_LINE - used - 12) / 4 * 3
		                      : 3;
		if (room > 45)
			room = 45;
		size_t e = i;
		while (e < n) {
			size_t k = u8len((unsigned char)s[e]);
			if (e + k > n)
				k = n - e;
			if (e + k - i > room && e > i)
				break;
			e += k;
		}
		char w[80] = "=?utf-8?b?";
		size_t wn = 10 + ccm_b64_encode((const uint8_t *)s + i, e - i,
		                                w + 10);
		memcpy(w + wn, "?=", 2);
		ccm_hdr_token(h, sep, w, wn + 2);
		sep = 0;
		i = e;
	} while (i < n);
}

/* ASCII, with no "=?" and no blank-free run longer than max. */
static bool plain_words(const char *s, size_t n, size_t max)
{
	if (!ccm_ascii_printable(s, n))
		return false;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '?')
			return false;
		run = s[i] == ' ' ? 0 : run + 1;
		if (run > max)
			return false;
	}
	return true;
}

void ccm_hdr_text(struct ccm_hdrw *h, const char *s, size_t n)
{
	if (!plain_words(s, n, 70)) {
		hdr_words(h, 0, s, n);
		return;
	}
	/* Folding puts a line end before a blank, which unfolding takes
	 * away again: each word is a token, blanks between them kept. */
	size_t b = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != ' ')
			continue;
		if (i == b && !h->fresh) { /* a second blank in a row */
			ccm_buf_putc(h->b, ' ');
			h->col++;
		} else {
			ccm_hdr_token(h, 0, s + b, i - b);
		}
		b = i + 1;
	}
}

void ccm_hdr_phrase(struct ccm_hdrw *h, char sep, const char *s, size_t n)
{
	if (!ccm_ascii_printable(s, n) || n > 60 || (n && s[0] == ' ')) {
		hdr_words(h, sep, s, n);
		return;
	}
	char q[128];
	size_t k = 0;
	q[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			q[k++] = '\\';
		q[k++] = s[i];
	}
	q[k++] = '"';
	ccm_hdr_token(h, sep, q, k);
}

static bool attr_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

void ccm_hdr_param(struct ccm_hdrw *h, const char *name, const char *v,
                   size_t n)
{
	char t[160];
	if (ccm_ascii_printable(v, n) && n <= 60) {
		size_t k = (size_t)snprintf(t, sizeof(t), "%s=\"", name);
		for (size_t i = 0; i < n; i++) {
			if (v[i] == '"' || v[i] == '\\')
				t[k++] = '\\';
			t[k++] = v[i];
		}
		t[k++] = '"';
		ccm_hdr_token(h, ';', t, k);
		return;
	}
	/* RFC 2231: percent-encoded UTF-8, cut between characters into
	 * pieces of at most 45 encoded characters, one per line. */
	size_t enc = 0;
	for (size_t i = 0; i < n; i++)
		enc += attr_char(v[i]) ? 1 : 3;
	bool one = enc <= 45;
	unsigned part = 0;
	for (size_t i = 0; i < n || !part; part++) {
		size_t k;
		if (one)
			k = (size_t)snprintf(t, sizeof(t), "%s*=utf-8''", name);
		else
			k = (size_t)snprintf(t, sizeof(t), "%s*%u*=%s", name,
			                     part, part ? "" : "utf-8''");
		size_t start = k;
		while (i < n) {
			size_t cl = u8len((unsigned char)v[i]);
			size_t need = 0;
			for (size_t j = i; j < i + cl && j < n; j++)
				need += attr_char(v[j]) ? 1 : 3;
			if (k - start + need > 45 && k > start)
				break;
			for (size_t j = i; j < i + cl && j < n; j++) {
				unsigned char c = (unsigned char)v[j];
				if (attr_char((char)c)) {
					t[k++] = (char)c;
				} else {
					t[k++] = '%';
					t[k++] = HEX[c >> 4];
					t[k++] = HEX[c & 15];
				}
			}
			i += cl;
		}
		ccm_hdr_token(h, ';', t, k);
	}
}

void ccm_hash_init(struct ccm_hash *h)
{
	h->hi = 0x6c62272e07bb0142ull;
	h->lo = 0x62b821756295c58dull;
}

void ccm_hash_put(struct ccm_hash *h, const void *p, size_t n)
{
	/* FNV-1a, 128 bits: prime 2^88 + 2^8 + 0x3b. */
	__extension__ typedef unsigned __int128 u128;
	const u128 prime = ((u128)1 << 88) | 0x13b;
	u128 v = (u128)h->hi << 64 | h->lo;
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		v ^= s[i];
		v *= prime;
	}
	h->hi = (uint64_t)(v >> 64);
	h->lo = (uint64_t)v;
}

void ccm_hash_hex(const struct ccm_hash *h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h->hi,
	         (unsigned long long)h->lo);
}
