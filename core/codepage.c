#include <errno.h>
#include <iconv.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "codepage.h"

bool ccm_cp_is_dbcs(unsigned cp)
{
	return cp == 932 || cp == 936 || cp == 949 || cp == 950;
}

static iconv_t cp_open(unsigned to, unsigned from)
{
	char tn[16], fn[16];
	/* 65001 is Windows' number for UTF-8, which iconv names so. */
	if (to == 65001)
		snprintf(tn, sizeof(tn), "UTF-8");
	else
		snprintf(tn, sizeof(tn), "CP%u", to);
	snprintf(fn, sizeof(fn), "CP%u", from);
	return iconv_open(tn, fn);
}

/*
 * The double-byte pages as Microsoft's tables define them (the lead byte
 * ranges of GetCPInfo, the trail bytes of the code charts, the single
 * bytes left undefined). glibc's Big5 knows fewer lead bytes than 950,
 * and its UHC fewer than 949: a pair it cannot convert is still one
 * character (written '?' in another page), never two.
 */
struct range {
	uint8_t lo, hi; /* hi 0: no range */
};
static const struct dbcs_def {
	unsigned page;
	struct range lead[2], trail[3], undef[3];
} DBCS[] = {
        {932,
         {{0x81, 0x9f}, {0xe0, 0xfc}},
         {{0x40, 0x7e}, {0x80, 0xfc}, {0, 0}},
         {{0x80, 0x80}, {0xa0, 0xa0}, {0xfd, 0xff}}},
        {936,
         {{0x81, 0xfe}, {0, 0}},
         {{0x40, 0x7e}, {0x80, 0xfe}, {0, 0}},
         {{0xff, 0xff}, {0, 0}, {0, 0}}},
        {949,
         {{0x81, 0xfe}, {0, 0}},
         {{0x41, 0x5a}, {0x61, 0x7a}, {0x81, 0xfe}},
         {{0x80, 0x80}, {0xff, 0xff}, {0, 0}}},
        {950,
         {{0x81, 0xfe}, {0, 0}},
         {{0x40, 0x7e}, {0xa1, 0xfe}, {0, 0}},
         {{0x80, 0x80}, {0xff, 0xff}, {0, 0}}},
};

static void mark(bool set[256], const struct range *r, size_t count)
{
	for (size_t i = 0; i < count; i++)
		for (unsigned c = r[i].lo; r[i].hi && c <= r[i].hi; c++)
			set[c] = true;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Lead, trail and bad single bytes of a double-byte page; false for
 * another page. */
static bool dbcs_define(struct ccm_cp *cp, unsigned page)
{
	for (size_t i = 0; i < COUNT(DBCS); i++) {
		const struct dbcs_def *d = &DBCS[i];
		if (d->page != page)
			continue;
		mark(cp->lead, d->lead, COUNT(d->lead));
		mark(cp->trail, d->trail, COUNT(d->trail));
		mark(cp->bad1, d->undef, COUNT(d->undef));
		mark(cp->bad1, d->lead, COUNT(d->lead));
		return true;
	}
	return false;
}

/* The single bytes a single-byte page leaves undefined (none in 437 or
 * 850; five in 1252), asked of iconv once. */
static void sbcs_define(struct ccm_cp *cp, unsigned page)
{
	char fn[16];
	snprintf(fn, sizeof(fn), "CP%u", page);
	iconv_t cd = iconv_open("UTF-8", fn);
	if (cd == (iconv_t)-1)
		return;
	for (unsigned c = 0; c < 256; c++) {
		char in = (char)c, ob[8];
		char *ip = &in, *op = ob;
		size_t il = 1, ol = sizeof(ob);
		iconv(cd, NULL, NULL, NULL, NULL);
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1)
			cp->bad1[c] = true;
	}
	iconv_close(cd);
}

/*
 * Every byte below 0x80 must stand for its ASCII character: the export's
 * keywords, line ends and the CSV, PKL and REPORT.TXT structure are ASCII,
 * written and read as bytes. An EBCDIC page (500, 1026...) known to iconv
 * would turn them into other bytes (0x25 into a lone LF).
 */
bool ccm_cp_known(unsigned cp)
{
	char name[16];
	snprintf(name, sizeof(name), "CP%u", cp);
	iconv_t cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return false;
	char in[127], out[512], *ip = in, *op = out;
	size_t il = sizeof(in), ol = sizeof(out);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i + 1);
	bool ok = iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 &&
	          iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1 &&
	          op - out == (ptrdiff_t)sizeof(in) &&
	          !memcmp(in, out, sizeof(in));
	iconv_close(cd);
	return ok;
}

/*
 * Converts one source character; returns 1 when it converted, 0 when the
 * output page lacks it, -1 when the input is only the start of a character.
 */
static int conv_char(iconv_t cd, const uint8_t *s, size_t n,
                     struct ccm_cpchar *out)
{
	char in[2], ob[8];
	memcpy(in, s, n);
	char *ip = in, *op = ob;
	size_t il = n, ol = sizeof(ob);
	iconv(cd, NULL, NULL, NULL, NULL);
	size_t r = iconv(cd, &ip, &il, &op, &ol);
	if (r == (size_t)-1 && errno == EINVAL)
		return -1;
	/* Reset the state too: a stateful target would emit a shift. */
	size_t fr = iconv(cd, NULL, NULL, &op, &ol);
	size_t got = sizeof(ob) - ol;
	if (r == (size_t)-1 || fr == (size_t)-1 || il != 0 || r > 0 ||
	    got == 0 || got > 3)
		return 0;
	out->n = (uint8_t)got;
	memcpy(out->b, ob, got);
	return 1;
}

static const struct ccm_cpchar QMARK = {1, {'?', 0, 0}};

/* The one-byte table: each byte's output, '?' for a bad byte. */
static void init_t1(struct ccm_cp *cp, iconv_t cd)
{
	for (unsigned c = 0; c < 256; c++) {
		uint8_t b = (uint8_t)c;
		if (cp->bad1[c])
			cp->t1[c] = QMARK;
		else if (cp->identity)
			cp->t1[c] = (struct ccm_cpchar){1, {b, 0, 0}};
		else if (conv_char(cd, &b, 1, &cp->t1[c]) <= 0)
			cp->t1[c] = QMARK;
	}
	cp->one_to_one = !cp->dbcs;
	cp->ascii_whole = true;
	cp->ascii_same = true;
	for (unsigned c = 0; c < 256; c++) {
		cp->any_bad |= cp->bad1[c];
		/* '?' is lost only when it stands for another character. */
		cp->lost1[c] = !cp->bad1[c] && c != '?' && cp->t1[c].n == 1 &&
		               cp->t1[c].b[0] == '?';
		cp->any_lost |= cp->lost1[c];
		if (c < 0x80 && (cp->lost1[c] || cp->bad1[c]))
			cp->ascii_whole = false;
		cp->one_to_one &= cp->t1[c].n == 1;
		cp->b1[c] = cp->t1[c].b[0];
		if (c < 0x80 && (cp->t1[c].n != 1 || cp->b1[c] != c))
			cp->ascii_same = false;
		cp->line1[c] = c < 0x20 || c == 0x7f ? ' ' : cp->b1[c];
	}
	cp->ascii_same &= cp->one_to_one;
}

/* The two-byte table: every lead byte with every valid trail. */
static ccm_err init_t2(struct ccm_cp *cp, iconv_t cd)
{
	cp->t2 = calloc(65536, sizeof(*cp->t2));
	if (!cp->t2)
		return CCM_ERR_NOMEM;
	for (unsigned c = 0; c < 65536; c++) {
		uint8_t s[2] = {(uint8_t)(c >> 8), (uint8_t)c};
		if (!cp->lead[s[0]] || !cp->trail[s[1]])
			continue;
		if (cp->identity)
			cp->t2[c] = (struct ccm_cpchar){2, {s[0], s[1], 0}};
		else if (conv_char(cd, s, 2, &cp->t2[c]) <= 0) {
			cp->t2[c] = QMARK;
			cp->any_lost = true;
		}
	}
	return CCM_OK;
}

ccm_err ccm_cp_init(struct ccm_cp *cp, unsigned from, unsigned to)
{
	memset(cp, 0, sizeof(*cp));
	cp->from = from;
	cp->to = to;
	cp->identity = from == to;
	iconv_t cd = cp_open(to, from);
	if (cd == (iconv_t)-1)
		return CCM_ERR_INVAL;
	cp->dbcs = dbcs_define(cp, from);
	if (!cp->dbcs)
		sbcs_define(cp, from);
	init_t1(cp, cd);
	ccm_err err = cp->dbcs ? init_t2(cp, cd) : CCM_OK;
	iconv_close(cd);
	return err;
}

void ccm_cp_fini(struct ccm_cp *cp)
{
	free(cp->t2);
	cp->t2 = NULL;
}

const char *ccm_cp_chr_dbcs(const struct ccm_cp *cp, const char *s, size_t n,
                            char c)
{
	for (size_t i = 0; i < n; i = ccm_cp_next(cp, s, n, i))
		if (s[i] == c)
			return s + i;
	return NULL;
}

size_t ccm_cp_bad_scan(const struct ccm_cp *cp, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t bad = 0;
	for (size_t i = 0; i < n;) {
		size_t len = ccm_cp_charlen(cp, p + i, n - i);
		bad += len == 1 && cp->bad1[p[i]];
		i += len;
	}
	return bad;
}

bool ccm_cp_lossy_scan(const struct ccm_cp *cp, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	if (!cp->dbcs) {
		/* Text is mostly ASCII, which converts whole: eight bytes a
		 * step, and only the bytes above ASCII looked up. Shifting the
		 * word, not indexing memory, makes it right on either byte
		 * order. */
#ifdef __SSE2__
		for (; cp->ascii_whole && i + 16 <= n; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
			if (ccm_cp_lost_marked(cp, s + i,
			                       (unsigned)_mm_movemask_epi8(x)))
				return true;
		}
#endif
		for (; cp->ascii_whole && i + 8 <= n; i += 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			for (uint64_t m = w & 0x8080808080808080ull; m;
			     m &= m - 1) {
				unsigned k = (unsigned)__builtin_ctzll(m) & ~7u;
				if (cp->lost1[(uint8_t)(w >> k)])
					return true;
			}
		}
		for (; i < n; i++)
			if (cp->lost1[p[i]])
				return true;
		return false;
	}
	while (i < n) {
		size_t len = ccm_cp_charlen(cp, p + i, n - i);
		if (len == 1 ? cp->lost1[p[i]]
		             : ccm_cp_map(cp, p + i, 2)->b[0] == '?')
			return true;
		i += len;
	}
	return false;
}

static inline bool is_control(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

void ccm_cp_put(const struct ccm_cp *cp, const char *s, size_t n, bool oneline,
                struct ccm_buf *out)
{
	const uint8_t *p = (const uint8_t *)s;
	char *dst = ccm_buf_reserve(out, n * 3);
	if (!dst)
		return;
	char *d = dst;
	if (cp->one_to_one) {
		/* One table lookup a byte: the common case. */
		const uint8_t *t = oneline ? cp->line1 : cp->b1;
		for (size_t i = 0; i < n; i++)
			d[i] = (char)t[p[i]];
		out->len += n;
		return;
	}
	for (size_t i = 0; i < n;) {
		if (oneline && is_control(p[i])) {
			*d++ = ' ';
			i++;
			continue;
		}
		size_t len = ccm_cp_charlen(cp, p + i, n - i);
		const struct ccm_cpchar *m = ccm_cp_map(cp, p + i, len);
		for (unsigned k = 0; k < m->n; k++)
			*d++ = (char)m->b[k];
		i += len;
	}
	out->len += (size_t)(d - dst);
}

/*
 * glibc transliterates with the tables of the calling thread's LC_CTYPE
 * locale, and in the "C" locale it knows no more than ASCII. C.UTF-8 is
 * built into glibc and carries the full table, so the transliteration is
 * done under it, for this thread only, whatever locale the program uses.
 */
static locale_t translit_locale(void)
{
	static locale_t loc;
	static int tried;
	if (!__atomic_load_n(&tried, __ATOMIC_ACQUIRE)) {
		locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
		locale_t none = (locale_t)0;
		if (l && !__atomic_compare_exchange_n(&loc, &none, l, false,
		                                      __ATOMIC_ACQ_REL,
		                                      __ATOMIC_ACQUIRE))
			freelocale(l);
		__atomic_store_n(&tried, 1, __ATOMIC_RELEASE);
	}
	return __atomic_load_n(&loc, __ATOMIC_ACQUIRE);
}

void ccm_cp_translit(unsigned cp, const char *s, size_t n, struct ccm_buf *out)
{
	char fn[16];
	snprintf(fn, sizeof(fn), "CP%u", cp);
	locale_t loc = translit_locale();
	locale_t old = loc ? uselocale(loc) : (locale_t)0;
	iconv_t cd = iconv_open("ASCII//TRANSLIT", fn);
	if (cd == (iconv_t)-1) {
		for (size_t i = 0; i < n; i++)
			ccm_buf_putc(out,
			             (unsigned char)s[i] < 0x80 ? s[i] : '?');
	} else {
		char *ip = (char *)s;
		size_t il = n;
		while (il > 0) {
			char ob[256];
			char *op = ob;
			size_t ol = sizeof(ob);
			size_t r = iconv(cd, &ip, &il, &op, &ol);
			ccm_buf_put(out, ob, sizeof(ob) - ol);
			if (r == (size_t)-1 && errno != E2BIG) {
				/* An invalid or cut byte: skip it. */
				ccm_buf_putc(out, '?');
				ip++;
				il--;
				iconv(cd, NULL, NULL, NULL, NULL);
			}
		}
		iconv_close(cd);
	}
	if (loc)
		uselocale(old);
}
