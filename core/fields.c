#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ascii.h"
#include "fields.h"
#include "lex.h"

/* The bytes that make a field quoted (spec iff-output §3). */
static const bool SPECIAL[256] = {
        ['#'] = true, ['!'] = true, [','] = true, ['\\'] = true,
        ['"'] = true, ['%'] = true, ['.'] = true, [';'] = true,
};

void ccm_csv_scan(struct ccm_csv_scan *q, const char *s, size_t n)
{
	if (!n)
		return;
	if (!q->any && ccm_isblank(s[0]))
		q->quote = true;
	q->any = true;
	q->last = s[n - 1];
	for (size_t i = 0; i < n && !q->quote; i++)
		q->quote = SPECIAL[(unsigned char)s[i]];
}

bool ccm_csv_scan_end(const struct ccm_csv_scan *q)
{
	return q->quote || (q->any && ccm_isblank(q->last));
}

void ccm_csv_escape(struct ccm_buf *out, const char *s, size_t n,
                    bool directory)
{
	size_t run = 0;
	if (!directory) {
		/* Only '"' is doubled: found by memchr, not byte by byte. */
		for (const char *q;
		     run < n && (q = memchr(s + run, '"', n - run));) {
			size_t i = (size_t)(q - s);
			ccm_buf_put(out, s + run, i + 1 - run);
			run = i;
			ccm_buf_putc(out, '"');
			run++;
		}
		ccm_buf_put(out, s + run, n - run);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			ccm_buf_put(out, s + run, i + 1 - run);
			run = i;
		}
	}
	ccm_buf_put(out, s + run, n - run);
}

void ccm_csv_put(struct ccm_buf *out, const char *s, size_t n, bool directory)
{
	struct ccm_csv_scan q = {0};
	ccm_csv_scan(&q, s, n);
	if (!ccm_csv_scan_end(&q)) {
		ccm_buf_put(out, s, n);
		return;
	}
	ccm_buf_putc(out, '"');
	ccm_csv_escape(out, s, n, directory);
	ccm_buf_putc(out, '"');
}

#ifdef __SSE2__
/*
 * Sixteen bytes a step while they are printable ASCII, which a page whose
 * ASCII is whole (cp->ascii_whole) keeps in its one-line table: whether
 * one is special, and how many are '"'. Returns how many bytes it read.
 */
static size_t len_ascii16(const char *s, size_t n, bool *special,
                          size_t *quotes)
{
	static const char spec[] = "#!,\\\"%.;";
	__m128i sp[8];
	for (size_t k = 0; k < 8; k++)
		sp[k] = _mm_set1_epi8(spec[k]);
	size_t i = 0;
	unsigned any = 0;
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		/* Signed: bytes from 0x80 on are below 0x20 too. */
		__m128i odd =
		        _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
		                     _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
		if (_mm_movemask_epi8(odd))
			break;
		__m128i hit = _mm_cmpeq_epi8(x, sp[0]);
		for (size_t k = 1; k < 8; k++)
			hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, sp[k]));
		any |= (unsigned)_mm_movemask_epi8(hit);
		unsigned q = (unsigned)_mm_movemask_epi8(
		        _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
		for (; q; q &= q - 1)
			++*quotes;
	}
	*special |= any != 0;
	return i;
}
#endif

void ccm_csv_len_add(struct ccm_csv_len *l, const struct ccm_cp *cp,
                     const char *s, size_t n)
{
	if (!n)
		return;
	/* Each byte read as the converted one-line field holds it. */
	const uint8_t *t = cp->line1, *p = (const uint8_t *)s;
	if (!l->q.any && ccm_isblank((char)t[p[0]]))
		l->q.quote = true;
	l->q.any = true;
	l->q.last = (char)t[p[n - 1]];
	bool special = false;
	size_t quotes = 0, i = 0;
#ifdef __SSE2__
	if (n >= 16 && cp->ascii_whole)
		i = len_ascii16(s, n, &special, &quotes);
#endif
	/* '"' is special: none is counted before the first special byte. */
	while (i < n && !SPECIAL[t[p[i]]])
		i++;
	special |= i < n;
	for (; i < n; i++)
		quotes += t[p[i]] == '"';
	l->q.quote |= special;
	l->quotes += quotes;
	l->n += n;
}

size_t ccm_csv_len_end(const struct ccm_csv_len *l)
{
	/* Quoted: the two quotes, and every " doubled. */
	return ccm_csv_scan_end(&l->q) ? l->n + 2 + l->quotes : l->n;
}

/* A source character that is one byte, as it reads in a one-line field:
 * control characters are blanks; 0 for a character of two bytes. */
static char field_char(const struct ccm_cp *cp, const char *s, size_t n,
                       size_t i)
{
	if (ccm_cp_charlen(cp, (const uint8_t *)s + i, n - i) == 2)
		return 0;
	unsigned char c = (unsigned char)s[i];
	return c < 0x20 || c == 0x7f ? ' ' : (char)c;
}

void ccm_csv_scan_text(struct ccm_csv_scan *q, const struct ccm_cp *cp,
                       const char *s, size_t n)
{
	for (size_t i = 0; i < n; i = ccm_cp_next(cp, s, n, i)) {
		char c = field_char(cp, s, n, i);
		if (!q->any && c == ' ')
			q->quote = true;
		q->any = true;
		q->last = c;
		q->quote |= SPECIAL[(unsigned char)c];
	}
}

/* Whether source text needs quotes, read by its characters. */
static bool needs_quote_src(const struct ccm_cp *cp, const char *s, size_t n)
{
	struct ccm_csv_scan q = {0};
	ccm_csv_scan_text(&q, cp, s, n);
	return ccm_csv_scan_end(&q);
}

/* ccm_csv_text for a page not converted byte for byte: quoting and
 * doubling decided on the source characters as they are converted. */
__attribute__((noinline)) static void csv_text_chars(struct ccm_buf *out,
                                                     const struct ccm_cp *cp,
                                                     const char *s, size_t n,
                                                     bool directory)
{
	if (!needs_quote_src(cp, s, n)) {
		ccm_cp_put(cp, s, n, true, out);
		return;
	}
	ccm_buf_putc(out, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i = ccm_cp_next(cp, s, n, i)) {
		char c = field_char(cp, s, n, i);
		if (c == '"' || (directory && c == '\\')) {
			ccm_cp_put(cp, s + run, i + 1 - run, true, out);
			run = i;
		}
	}
	ccm_cp_put(cp, s + run, n - run, true, out);
	ccm_buf_putc(out, '"');
}

/*
 * Quoting and doubling look at the post office's characters, before
 * conversion: in a double-byte page a trail byte 0x5C is no '\' (spec
 * iff-output §3). A single-byte page converted byte for byte keeps every
 * ASCII byte, so there the converted text is quoted as it stands.
 */
void ccm_csv_text(struct ccm_buf *out, const struct ccm_cp *cp, const char *s,
                  size_t n, bool directory)
{
	if (!cp->one_to_one) {
		csv_text_chars(out, cp, s, n, directory);
		return;
	}
	struct ccm_buf t = {0};
	ccm_cp_put(cp, s, n, true, &t);
	if (t.oom)
		out->oom = true;
	else
		ccm_csv_put(out, t.p, t.len, directory);
	ccm_buf_free(&t);
}

void ccm_addr_parse(const struct ccm_cp *cp, const char *s, size_t n,
                    struct ccm_addr *a)
{
	a->po = NULL;
	a->pn = 0;
	/* The last " at " splits name from post office. */
	for (size_t i = n >= 4 ? n - 4 : 0; n >= 4; i--) {
		if (s[i] == ' ' && ccm_caseeq(s + i + 1, "at", 2) &&
		    s[i + 3] == ' ') {
			a->po = s + i + 4;
			a->pn = n - i - 4;
			n = i;
			break;
		}
		if (i == 0)
			break;
	}
	while (n && ccm_isblank(s[n - 1]))
		n--;
	if (a->po)
		while (a->pn && ccm_isblank(a->po[0])) {
			a->po++;
			a->pn--;
		}
	if (n && s[0] == '#') {
		a->kind = CCM_ADDR_BOARD;
		a->name = s + 1;
		a->nn = n - 1;
		return;
	}
	/* A trail byte 0x40 is no '@' (spec iff-output §3). */
	a->kind = ccm_cp_chr(cp, s, n, '@') ? CCM_ADDR_INTERNET : CCM_ADDR_USER;
	a->name = s;
	a->nn = n;
}

/* Reads up to max digits; returns how many, 0 for none. */
static size_t num(const char *s, size_t n, size_t max, int *v)
{
	size_t i = 0;
	*v = 0;
	while (i < n && i < max && ccm_isdigit(s[i]))
		*v = *v * 10 + (s[i++] - '0');
	return i;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A day that exists, in the years of Exchange's own time stamps
 * (1601-9999, spec iff-output §3), at a time of day that exists. */
static bool valid_time(int y, int m, int d, int h, int mi, int sec)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		return false;
	if (y < 1601 || y > 9999)
		return false;
	return d <= mdays[m - 1] + (m == 2 && leap(y));
}

bool ccm_date_parse(const char *s, size_t n, enum ccm_date_order order,
                    char *out)
{
	int f[3], h, mi, sec = 0;
	size_t i = 0, len[3];
	while (i < n && ccm_isblank(s[i]))
		i++;
	for (int k = 0; k < 3; k++) {
		len[k] = num(s + i, n - i, 4, &f[k]);
		if (!len[k])
			return false;
		i += len[k];
		if (k < 2) {
			if (i >= n ||
			    (s[i] != '/' && s[i] != '-' && s[i] != '.'))
				return false;
			i++;
		}
	}
	int y, m, d;
	size_t ylen;
	switch (order) {
	case CCM_DATE_DMY:
		d = f[0], m = f[1], y = f[2], ylen = len[2];
		break;
	case CCM_DATE_YMD:
		y = f[0], m = f[1], d = f[2], ylen = len[0];
		break;
	default:
		m = f[0], d = f[1], y = f[2], ylen = len[2];
		break;
	}
	if (ylen == 2)
		y += y < 70 ? 2000 : 1900;
	else if (ylen != 4)
		return false;
	if (i >= n || !ccm_isblank(s[i]))
		return false;
	while (i < n && ccm_isblank(s[i]))
		i++;
	size_t l = num(s + i, n - i, 2, &h);
	if (!l || (i += l) >= n || s[i] != ':')
		return false;
	i++;
	if (num(s + i, n - i, 2, &mi) != 2)
		return false;
	i += 2;
	if (i < n && s[i] == ':') {
		i++;
		if (num(s + i, n - i, 2, &sec) != 2)
			return false;
		i += 2;
	}
	while (i < n && ccm_isblank(s[i]))
		i++;
	if (i + 2 <= n &&
	    (ccm_caseeq(s + i, "AM", 2) || ccm_caseeq(s + i, "PM", 2))) {
		if (h < 1 || h > 12)
			return false;
		bool pm = ccm_upper(s[i]) == 'P';
		h = h % 12 + (pm ? 12 : 0);
		i += 2;
	}
	while (i < n && ccm_isblank(s[i]))
		i++;
	if (i != n)
		return false;
	if (!valid_time(y, m, d, h, mi, sec))
		return false;
	/* Every field is in range here, so the text is 14 digits. */
	const int v[6] = {y, m, d, h, mi, sec};
	const int w[6] = {4, 2, 2, 2, 2, 2};
	char *o = out;
	for (int k = 0; k < 6; k++) {
		int x = v[k];
		for (int q = w[k] - 1; q >= 0; q--) {
			o[q] = (char)('0' + x % 10);
			x /= 10;
		}
		o += w[k];
	}
	*o = '\0';
	return true;
}

/* A date token: digits with at least one '/' or '-'. */
static bool is_stamp_date(const char *s, size_t n)
{
	bool sep = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' || s[i] == '-')
			sep = true;
		else if (!ccm_isdigit(s[i]))
			return false;
	}
	return sep && ccm_isdigit(s[0]) && ccm_isdigit(s[n - 1]);
}

/* A time token: H:MM or H:MM:SS, with AM/PM glued on or not. */
static bool is_stamp_time(const char *s, size_t n, bool ampm_ok)
{
	if (ampm_ok && n > 2 &&
	    (ccm_caseeq(s + n - 2, "AM", 2) || ccm_caseeq(s + n - 2, "PM", 2)))
		n -= 2;
	int v;
	size_t i = num(s, n, 2, &v);
	if (!i || i >= n || s[i] != ':')
		return false;
	for (int part = 0; part < 2; part++) {
		if (num(s + i + 1, n - i - 1, 2, &v) != 2)
			return false;
		i += 3;
		if (i == n)
			return true;
		if (s[i] != ':')
			return false;
	}
	return false;
}

/* The last blank-separated token of s[0..*n): sets *t, shortens *n. */
static bool last_token(const char *s, size_t *n, const char **t, size_t *tn)
{
	size_t e = *n;
	while (e && ccm_isblank(s[e - 1]))
		e--;
	size_t b = e;
	while (b && !ccm_isblank(s[b - 1]))
		b--;
	if (b == e)
		return false;
	*t = s + b;
	*tn = e - b;
	*n = b;
	return true;
}

void ccm_attach_name(const struct ccm_cp *cp, const char *v, size_t n,
                     const char **name, size_t *nn)
{
	size_t rest = n;
	const char *t;
	size_t tn;
	if (last_token(v, &rest, &t, &tn)) {
		size_t r2 = rest;
		const char *t2;
		size_t t2n;
		if (tn == 2 &&
		    (ccm_caseeq(t, "AM", 2) || ccm_caseeq(t, "PM", 2)) &&
		    last_token(v, &r2, &t2, &t2n) &&
		    is_stamp_time(t2, t2n, false)) {
			/* "3:10 PM": the time has a blank before AM/PM. */
			rest = r2;
			t = t2;
			tn = t2n;
		}
		size_t r3 = rest;
		const char *d;
		size_t dn;
		if (is_stamp_time(t, tn, true) && last_token(v, &r3, &d, &dn) &&
		    is_stamp_date(d, dn))
			n = r3;
	}
	while (n && ccm_isblank(v[n - 1]))
		n--;
	size_t b = 0;
	while (b < n && ccm_isblank(v[b]))
		b++;
	/* The last backslash or '/' as a character: a trail byte 0x5C is part
	 * of its character (spec export §4.3). */
	size_t cut = b;
	if (cp->dbcs) {
		for (size_t i = b; i < n; i = ccm_cp_next(cp, v, n, i))
			if (v[i] == '\\' || v[i] == '/')
				cut = i + 1;
	} else {
		for (size_t i = n; i > b && cut == b; i--)
			if (v[i - 1] == '\\' || v[i - 1] == '/')
				cut = i;
	}
	b = cut;
	*name = v + b;
	*nn = n - b;
}

void ccm_attach_line(const struct ccm_cp *cp, const char *line, size_t n,
                     const char **name, size_t *nn)
{
	struct ccm_lex lx;
	struct ccm_line l;
	const char *v = "";
	size_t vn = 0;
	ccm_lex_init(&lx, line, n);
	if (ccm_lex_peek(&lx, &l))
		ccm_kw(&l, "File item:", &v, &vn);
	ccm_attach_name(cp, v, vn, name, nn);
}
