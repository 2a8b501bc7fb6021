/*
 * Characters, not bytes (iff-output §3): every rule that looks at a
 * character, on each double-byte page (932, 936, 949, 950), with
 * characters whose trail byte is 0x40 '@', 0x5C '\', 0x7C '|' or a
 * letter. Page 949 has no trail byte below 0x41 nor 0x5C or 0x7C: there a
 * lead byte before '@' or '\' is a bad byte, and the '@' or '\' after it
 * is read afresh and keeps its meaning.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "codepage.h"
#include "fields.h"
#include "names.h"
#include "tl.h"

/* Characters of one page, each checked to be one character by iconv. */
struct page {
	unsigned cp;
	const char *at;    /* trail 0x40, or a lead byte then '@' (949) */
	const char *bs;    /* trail 0x5C, or a lead byte then '\' (949) */
	const char *bar;   /* trail 0x7C, or a lead byte then '|' (949) */
	const char *up;    /* trail 'A' */
	const char *low;   /* the same lead, trail 'a' */
	const char *undef; /* a single byte the page leaves undefined */
	bool real;         /* at, bs and bar are characters (not 949) */
};

static const struct page PAGES[] = {
        /* 院 予 ポ ア ヂ */
        {932, "\x89\x40", "\x97\x5c", "\x83\x7c", "\x83\x41", "\x83\x61",
         "\xa0", true},
        /* 癅 誠 皘 癆 癮 */
        {936, "\xb0\x40", "\xd5\x5c", "\xb0\x7c", "\xb0\x41", "\xb0\x61",
         "\xff", true},
        /* 캚 캻; the others are a lead byte and an ASCII character */
        {949, "\xb0@", "\xb0\\", "\xb0|", "\xb0\x41", "\xb0\x61", "\x80",
         false},
        /* 一 蓋 弋 乙 兀 */
        {950, "\xa4\x40", "\xbb\x5c", "\xa4\x7c", "\xa4\x41", "\xa4\x61",
         "\x80", true},
};
#define NPAGES (sizeof(PAGES) / sizeof(PAGES[0]))

/* The page converted to itself: what a double-byte post office writes. */
static const struct ccm_cp *self(const struct page *p)
{
	return tl_cp(p->cp, p->cp);
}

/* NUL-terminated concatenation of up to four strings (malloc'd). */
static char *cat(const char *a, const char *b, const char *c, const char *d)
{
	char *r;
	cr_assert_geq(
	        asprintf(&r, "%s%s%s%s", a, b ? b : "", c ? c : "", d ? d : ""),
	        0);
	return r;
}

/* A buffer's bytes as a NUL-terminated string (malloc'd); frees it. */
static char *take(struct ccm_buf *b)
{
	cr_assert(!b->oom);
	char *r = strndup(b->p ? b->p : "", b->len);
	cr_assert_not_null(r);
	ccm_buf_free(b);
	return r;
}

/* ccm_csv_text of s, as a NUL-terminated string (malloc'd). */
static char *field(const struct ccm_cp *cp, const char *s, bool directory)
{
	struct ccm_buf b = {0};
	ccm_csv_text(&b, cp, s, strlen(s), directory);
	return take(&b);
}

static void expect_field(const struct ccm_cp *cp, const char *in,
                         bool directory, const char *want)
{
	char *got = field(cp, in, directory);
	cr_expect_str_eq(got, want, "page %u%s: got [%s], not [%s]", cp->from,
	                 directory ? ", directory" : "", got, want);
	free(got);
}

/* How iconv reads s[0..n) of a page: -1 invalid, 0 incomplete, else the
 * number of bytes of its first character. */
static int iconv_first(iconv_t cd, const uint8_t *s, size_t n)
{
	char in[2], out[16];
	memcpy(in, s, n);
	char *ip = in, *op = out;
	size_t il = n, ol = sizeof(out);
	iconv(cd, NULL, NULL, NULL, NULL);
	size_t r = iconv(cd, &ip, &il, &op, &ol);
	if (r == (size_t)-1 && errno == EINVAL && ip == in)
		return 0;
	if (ip == in)
		return -1;
	return (int)(ip - in);
}

/*
 * The lead and trail bytes are written from Microsoft's definitions; glibc
 * must agree wherever it knows a character. It knows no user-defined rows:
 * 949's leads C9 and FE, 950's leads 81-A0 and FA-FE. And it reads 950's
 * 0x80, undefined in Microsoft's table, as U+0080.
 */
static bool glibc_only_single(unsigned cp, unsigned c)
{
	return cp == 950 && c == 0x80;
}

static bool user_defined_row(unsigned cp, unsigned lead)
{
	if (cp == 949)
		return lead == 0xc9 || lead == 0xfe;
	if (cp == 950)
		return (lead >= 0x81 && lead <= 0xa0) || lead >= 0xfa;
	return false;
}

Test(dbcs_pages, lead_and_trail_bytes_agree_with_iconv)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct ccm_cp *cp = self(&PAGES[k]);
		char name[16];
		snprintf(name, sizeof(name), "CP%u", cp->from);
		iconv_t cd = iconv_open("UTF-8", name);
		cr_assert_neq(cd, (iconv_t)-1);
		bool trail_seen[256] = {false};
		for (unsigned c = 0; c < 256; c++) {
			uint8_t b = (uint8_t)c;
			int one = iconv_first(cd, &b, 1);
			if (one == 0 || cp->lead[c])
				cr_expect(
				        cp->lead[c] == (one == 0) ||
				                user_defined_row(cp->from, c),
				        "page %u byte %02X: lead %d, iconv %d",
				        cp->from, c, cp->lead[c], one);
			if (!cp->lead[c] && !glibc_only_single(cp->from, c))
				cr_expect_eq(cp->bad1[c], one < 0,
				             "page %u byte %02X alone",
				             cp->from, c);
			for (unsigned t = 0; cp->lead[c] && t < 256; t++) {
				uint8_t s[2] = {b, (uint8_t)t};
				if (iconv_first(cd, s, 2) != 2)
					continue;
				cr_expect(cp->trail[t], "page %u: %02X %02X",
				          cp->from, c, t);
				trail_seen[t] = true;
			}
		}
		for (unsigned t = 0; t < 256; t++)
			cr_expect(!cp->trail[t] || trail_seen[t],
			          "page %u: trail %02X in no character",
			          cp->from, t);
		iconv_close(cd);
	}
}

Test(dbcs_pages, the_test_characters_are_characters)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		const struct ccm_cp *cp = self(p);
		const char *cs[] = {p->at, p->bs, p->bar, p->up, p->low};
		for (size_t i = 0; i < 5; i++) {
			const uint8_t *u = (const uint8_t *)cs[i];
			bool one = p->real || i >= 3;
			cr_expect_eq(ccm_cp_charlen(cp, u, 2), one ? 2u : 1u,
			             "page %u, character %zu", p->cp, i);
		}
	}
}

Test(dbcs_pages, single_byte_pages_stay_on_their_fast_path)
{
	const unsigned sb[] = {437, 850};
	for (size_t i = 0; i < 2; i++) {
		const struct ccm_cp *cp = tl_cp(sb[i], 1252);
		cr_expect(cp->one_to_one && !cp->dbcs && !cp->any_bad);
		cr_expect_eq(ccm_cp_bad(cp, "\x80\xff\\", 3), 0u);
	}
}

Test(dbcs_quote, trail_5c_is_neither_quoted_nor_doubled)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		const struct ccm_cp *cp = self(p);
		char *s = cat(p->bs, p->at, p->bar, p->up);
		if (p->real) {
			expect_field(cp, s, false, s);
			expect_field(cp, s, true, s);
		} else {
			/* 949: each lead byte is '?', the '\' after it real. */
			expect_field(cp, s, false, "\"?\\?@?|\xb0\x41\"");
			expect_field(cp, s, true, "\"?\\\\?@?|\xb0\x41\"");
		}
		free(s);
	}
}

Test(dbcs_quote, a_real_backslash_is_doubled_alone)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		if (!p->real)
			continue;
		char *s = cat(p->bs, "\\", p->bs, NULL);
		char *want = cat("\"", p->bs, "\\\\", p->bs);
		char *w2 = cat(want, "\"", NULL, NULL);
		char *w1 = cat("\"", s, "\"", NULL);
		expect_field(self(p), s, true, w2);
		expect_field(self(p), s, false, w1);
		free(s);
		free(want);
		free(w2);
		free(w1);
	}
}

Test(dbcs_quote, a_quote_is_doubled_and_a_comma_quotes)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		char *s = cat(p->up, ", \"", p->low, "\"");
		char *want = cat("\"", p->up, ", \"\"", p->low);
		char *w = cat(want, "\"\"\"", NULL, NULL);
		expect_field(self(p), s, false, w);
		free(s);
		free(want);
		free(w);
	}
}

Test(dbcs_quote, converted_to_1252_the_rules_still_read_the_source)
{
	/* The double-byte characters become '?': still nothing to quote. */
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		if (!p->real)
			continue;
		char *s = cat(p->bs, p->bs, NULL, NULL);
		expect_field(tl_cp(p->cp, 1252), s, true, "??");
		free(s);
	}
}

static enum ccm_addr_kind kind(const struct page *p, const char *s)
{
	struct ccm_addr a;
	ccm_addr_parse(self(p), s, strlen(s), &a);
	return a.kind;
}

Test(dbcs_address, a_trail_40_is_no_at)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		char *user = cat(p->up, p->at, " at SALES", NULL);
		char *mail = cat(p->up, "@example.com", NULL, NULL);
		cr_expect_eq(kind(p, user),
		             p->real ? CCM_ADDR_USER : CCM_ADDR_INTERNET,
		             "page %u", p->cp);
		cr_expect_eq(kind(p, mail), CCM_ADDR_INTERNET, "page %u",
		             p->cp);
		free(user);
		free(mail);
	}
}

static char *attach(const struct page *p, const char *v)
{
	const char *name;
	size_t nn;
	ccm_attach_name(self(p), v, strlen(v), &name, &nn);
	char *r = strndup(name, nn);
	cr_assert_not_null(r);
	return r;
}

Test(dbcs_attach_name, a_trail_5c_is_no_separator)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		char *v = cat(p->bs, p->up, ".txt 5/6/97 3:10PM", NULL);
		char *name = cat(p->bs, p->up, ".txt", NULL);
		char *got = attach(p, v);
		/* 949: the '\' after the bad lead byte is a separator. */
		cr_expect_str_eq(got, p->real ? name : name + 2, "page %u",
		                 p->cp);
		free(got);
		free(name);
		free(v);
		/* Real separators before it still cut. */
		v = cat("dir\\sub/", p->up, p->bs, ".doc");
		got = attach(p, v);
		cr_expect_str_eq(got, p->real ? v + 8 : ".doc", "page %u",
		                 p->cp);
		free(got);
		free(v);
	}
}

Test(dbcs_attach_name, the_issue_names)
{
	const struct page *sj = &PAGES[0];
	/* 予定.txt and 申請予.doc, named in issue 8. */
	char *got = attach(sj, "\x97\x5c\x92\xe8.txt");
	cr_expect_str_eq(got, "\x97\x5c\x92\xe8.txt");
	free(got);
	got = attach(sj, "\x90\x5c\x90\xbf\x97\x5c.doc 5/6/97 3:10PM");
	cr_expect_str_eq(got, "\x90\x5c\x90\xbf\x97\x5c.doc");
	free(got);
	/* 十 (8F 5C) at the end of a folder name before a real '\'. */
	got = attach(sj, "\x8f\x5c\\a.doc");
	cr_expect_str_eq(got, "a.doc");
	free(got);
}

static char *line_text(const struct ccm_cp *cp, const char *s, size_t n)
{
	struct ccm_buf b = {0};
	ccm_cp_put(cp, s, n, true, &b);
	return take(&b);
}

Test(dbcs_control, control_characters_are_blanks_trail_bytes_are_not)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		const struct ccm_cp *cp = self(p);
		/* A character, a tab, a lead byte before a control character
		 * (bad: '?', the control read afresh), then the character
		 * whose trail is 0x7C. */
		char s[16];
		size_t n = 0;
		memcpy(s + n, p->up, 2), n += 2;
		s[n++] = '\t';
		s[n++] = p->up[0];
		s[n++] = '\x1f';
		memcpy(s + n, p->bar, 2), n += 2;
		char *got = line_text(cp, s, n);
		char want[16];
		snprintf(want, sizeof(want), "%.2s ? %s", p->up,
		         p->real ? p->bar : "?|");
		cr_expect_str_eq(got, want, "page %u", p->cp);
		free(got);
	}
}

Test(dbcs_order, trail_letters_are_not_folded)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		const struct ccm_cp *cp = self(p);
		char *a = cat("Sato ", p->up, NULL, NULL);
		char *b = cat("SATO ", p->low, NULL, NULL);
		char *c = cat("sato ", p->up, NULL, NULL);
		size_t n = strlen(a);
		cr_expect(!ccm_name_eq(cp, a, n, b, n), "page %u", p->cp);
		cr_expect_lt(ccm_name_cicmp(cp, a, n, b, n), 0, "page %u",
		             p->cp);
		cr_expect(ccm_name_eq(cp, a, n, c, n), "page %u", p->cp);
		cr_expect_lt(ccm_name_cmp(cp, a, n, c, n), 0, "page %u", p->cp);
		free(a);
		free(b);
		free(c);
	}
}

Test(dbcs_order, a_bad_lead_byte_leaves_the_letter_after_it_a_letter)
{
	/* A lead byte at the end of a name's first part: in 949 "\xb0 a"
	 * is no character, so 'a' after a blank folds as usual. */
	const struct ccm_cp *cp = tl_cp(949, 949);
	cr_expect(ccm_name_eq(cp, "\xb0@a", 3, "\xb0@A", 3));
	cr_expect(!ccm_name_eq(cp, "\xb0\x61", 2, "\xb0\x41", 2));
}

Test(dbcs_bad, each_bad_byte_is_one_question_mark)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		const struct ccm_cp *cp = self(p);
		/* An undefined byte; a lead byte before ','; a character; a
		 * lead byte at the end. */
		char *s = cat(p->undef, "x", p->up, NULL);
		char *t = cat(s, (char[]){p->up[0], ',', 0}, p->low,
		              (char[]){p->up[0], 0});
		char *got = line_text(cp, t, strlen(t));
		char *want = cat("?x", p->up, "?,", NULL);
		char *w = cat(want, p->low, "?", NULL);
		cr_expect_str_eq(got, w, "page %u", p->cp);
		cr_expect_eq(ccm_cp_bad(cp, t, strlen(t)), 3u, "page %u",
		             p->cp);
		cr_expect_eq(ccm_cp_bad(cp, p->up, 2), 0u);
		/* Converted to 1252 the bad bytes are '?' as well. */
		free(got);
		got = line_text(tl_cp(p->cp, 1252), t, strlen(t));
		cr_expect_eq(strncmp(got, "?x?", 3), 0, "page %u: %s", p->cp,
		             got);
		free(got);
		free(s);
		free(t);
		free(want);
		free(w);
	}
}

Test(dbcs_lossy, characters_the_output_page_lacks)
{
	for (size_t k = 0; k < NPAGES; k++) {
		const struct page *p = &PAGES[k];
		const struct ccm_cp *keep = self(p), *to = tl_cp(p->cp, 1252);
		char *s = cat("plain ASCII text, then ", p->up, NULL, NULL);
		cr_expect(!ccm_cp_lossy(keep, s, strlen(s)), "page %u", p->cp);
		cr_expect(ccm_cp_lossy(to, s, strlen(s)), "page %u", p->cp);
		/* '?' itself and bad bytes are not lost characters. */
		char *t = cat("what? ", p->undef, (char[]){p->up[0], 0}, NULL);
		cr_expect(!ccm_cp_lossy(to, t, strlen(t)), "page %u", p->cp);
		free(s);
		free(t);
	}
}

Test(dbcs_lossy, single_byte_pages_in_any_position)
{
	/* cp850 0xB0 (a shade) is not in 1252; 0x81 (u-umlaut) is. */
	const struct ccm_cp *cp = tl_cp(850, 1252);
	char s[40];
	memset(s, 'a', sizeof(s));
	s[20] = '\x81';
	cr_expect(!ccm_cp_lossy(cp, s, sizeof(s)));
	for (size_t at = 0; at < sizeof(s); at++) {
		char c = s[at];
		s[at] = '\xb0';
		cr_expect(ccm_cp_lossy(cp, s, sizeof(s)), "at %zu", at);
		s[at] = c;
	}
	cr_expect(!tl_cp(850, 850)->any_lost);
}
