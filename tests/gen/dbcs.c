/*
 * ccm-gen: names made of double-byte characters for the double-byte code
 * pages, chosen for trail bytes that a reader looking at single bytes gets
 * wrong: '@' (0x40), '\' (0x5C), '|' (0x7C) and ASCII letters (issue 8).
 * Only the pairs written here pass the fold of out.c; no cp850 text of the
 * name tables holds one of them.
 */
#include "gen.h"

static const struct {
	unsigned cp;
	const char *given[4]; /* added to some user names */
	const char *files[3]; /* attachment names; the last holds a path */
} names[] = {
        /* 予; 院長; 十ポ; アヂ. 予定.txt, 申請予.doc, 十\院.txt */
        {932,
         {"\x97\x5c", "\x89\x40\x92\xb7", "\x8f\x5c\x83\x7c",
          "\x83\x41\x83\x61"},
         {"\x97\x5c\x92\xe8.txt", "\x90\x5c\x90\xbf\x97\x5c.doc",
          "\x8f\x5c\\\x89\x40.txt"}},
        /* 誠; 癅; 皘癆; 癮. 誠.txt, 癅癨.doc, 誠\癅.txt */
        {936,
         {"\xd5\x5c", "\xb0\x40", "\xb0\x7c\xb0\x41", "\xb0\x61"},
         {"\xd5\x5c.txt", "\xb0\x40\xb0\x5c.doc", "\xd5\x5c\\\xb0\x40.txt"}},
        /* 캚; 캻; 켂켥; 캺. 캚.txt, 캻캚.doc, 캺\켂.txt */
        {949,
         {"\xb0\x41", "\xb0\x61", "\xb1\x41\xb1\x61", "\xb0\x5a"},
         {"\xb0\x41.txt", "\xb0\x61\xb0\x41.doc", "\xb0\x5a\\\xb1\x41.txt"}},
        /* 蓋; 閱; 一弋; 乙兀. 蓋.txt, 閱蓋.doc, 蓋\一.txt */
        {950,
         {"\xbb\x5c", "\xbe\x5c", "\xa4\x40\xa4\x7c", "\xa4\x41\xa4\x61"},
         {"\xbb\x5c.txt", "\xbe\x5c\xbb\x5c.doc", "\xbb\x5c\\\xa4\x40.txt"}},
};

/* The entry of names for the page, or -1. */
static int page = -1;
/* Pairs (lead << 8 | trail) that the fold keeps. */
static bool keep[65536];

static void keep_pairs(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80 && p[1]) {
			keep[p[0] << 8 | p[1]] = true;
			p++;
		}
}

void dbcs_init(unsigned cp)
{
	for (size_t i = 0; i < NELEM(names); i++) {
		if (names[i].cp != cp)
			continue;
		page = (int)i;
		for (size_t k = 0; k < NELEM(names[i].given); k++)
			keep_pairs(names[i].given[k]);
		for (size_t k = 0; k < NELEM(names[i].files); k++)
			keep_pairs(names[i].files[k]);
	}
}

size_t dbcs_len(const unsigned char *p, size_t n)
{
	return p[0] >= 0x80 && n > 1 && keep[p[0] << 8 | p[1]] ? 2 : 1;
}

const char *dbcs_given(unsigned k)
{
	return page < 0 ? NULL : names[page].given[k % NELEM(names[0].given)];
}

const char *dbcs_file(struct tl_rng *r, unsigned pm)
{
	if (page < 0 || !rng_pm(r, pm))
		return NULL;
	return PICK(r, names[page].files);
}
