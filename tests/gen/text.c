/*
 * ccm-gen: dates and the text items of messages.
 */
#include "gen.h"

/* ------------------------------------------------------------------ */
/* dates */

static const char *const words[] = {
        "the",        "report",   "is",           "ready",         "please",
        "review",     "attached", "meeting",      "ten",           "o'clock",
        "budget",     "numbers",  "look",         "good",          "see",
        "you",        "Friday",   "thanks",       "regards",       "project",
        "Phoenix",    "server",   "backup",       "tonight",       "lunch",
        "caf\x82",    "na\x8bve", "r\x82sum\x82", "\x9c\x32\x35",  "50%",
        "\"quoted\"", "a,b;c",    "#7",           "[draft]",       "C:\\TEMP",
        "100.5",      "e-mail",   "cc:Mail",      "x@example.com", "and",
        "of",         "to",       "we",           "will",          "ship",
        "on",         "Monday",
};

static const char *const titles[] = {
        "Body",
        "Note",
        "Signature",
        "Original Text",
        "Forwarded, with comments",
        "Caf\x82 menu",
        "Reply \"B\"",
};

/* keyword-looking lines, only ever placed inside counted text items */
static const char *const fake_lines[] = {
        "Message:",
        "Text item: not a real item",
        "File item: FAKE.TXT 1/2/98 3:04PM",
        "Bulletin board: Nowhere",
        "Hex: 00FF",
        "Contents:",
        "12345",
};

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

static void put_num(struct gen_sb *b, unsigned v, bool pad)
{
	char tmp[16];

	snprintf(tmp, sizeof(tmp), pad ? "%02u" : "%u", v);
	sb_str(b, tmp);
}

/*
 * A date in the post office's order (2- or 4-digit year) and a time with or
 * without seconds and AM/PM.  invalid_ok allows a date that does not exist;
 * the return value says whether the date is valid.
 */
bool gen_date(struct tl_rng *r, int order, char sep, bool invalid_ok,
              struct gen_sb *b)
{
	int y, m, d, hh, mm, ss;
	bool valid = true;

	if (rng_pm(r, 30))
		y = rng_pm(r, 500) ? 1970 + (int)tl_rng_below(r, 100)
		                   : 1900 + (int)tl_rng_below(r, 200);
	else
		y = 1988 + (int)tl_rng_below(r, 16);
	m = 1 + (int)tl_rng_below(r, 12);
	d = 1 + (int)tl_rng_below(r, (uint64_t)days_in(y, m));
	if (rng_pm(r, 10)) {
		m = 2;
		d = 29;
		y = rng_pm(r, 500) ? 2000 : 1996;
	}
	if (invalid_ok && rng_pm(r, 30)) {
		static const int bad[][2] = {
		        {2, 30}, {2, 31},  {4, 31}, {6, 31}, {9, 31}, {11, 31},
		        {13, 5}, {13, 45}, {0, 10}, {5, 0},  {7, 32}, {2, 29},
		};
		size_t k = (size_t)tl_rng_below(r, NELEM(bad));

		m = bad[k][0];
		d = bad[k][1];
		if (m == 2 && d == 29)
			y = 1999;
		valid = false;
	}
	/* a 2-digit year is read as 19xx from 70, 20xx below */
	bool y2 = y >= 1970 && y <= 2069 && rng_pm(r, 700);
	bool pad = rng_pm(r, 100);
	char ys[8];

	snprintf(ys, sizeof(ys), y2 ? "%02d" : "%d", y2 ? y % 100 : y);
	if (order == ORD_MDY) {
		put_num(b, (unsigned)m, pad);
		sb_chr(b, sep);
		put_num(b, (unsigned)d, pad);
		sb_chr(b, sep);
		sb_str(b, ys);
	} else if (order == ORD_DMY) {
		put_num(b, (unsigned)d, pad);
		sb_chr(b, sep);
		put_num(b, (unsigned)m, pad);
		sb_chr(b, sep);
		sb_str(b, ys);
	} else {
		sb_str(b, ys);
		sb_chr(b, sep);
		put_num(b, (unsigned)m, pad);
		sb_chr(b, sep);
		put_num(b, (unsigned)d, pad);
	}
	sb_chr(b, ' ');
	hh = (int)tl_rng_below(r, 24);
	mm = (int)tl_rng_below(r, 60);
	ss = (int)tl_rng_below(r, 60);
	bool ampm = rng_pm(r, 600), secs = rng_pm(r, 200);
	if (ampm) {
		int h12 = hh % 12 ? hh % 12 : 12;

		put_num(b, (unsigned)h12, false);
	} else {
		put_num(b, (unsigned)hh, rng_pm(r, 100));
	}
	sb_chr(b, ':');
	put_num(b, (unsigned)mm, true);
	if (secs) {
		sb_chr(b, ':');
		put_num(b, (unsigned)ss, true);
	}
	if (ampm)
		sb_str(b, hh < 12 ? "AM" : "PM");
	return valid;
}

/* ------------------------------------------------------------------ */
/* text */

void gen_words(struct tl_rng *r, struct gen_sb *b, size_t target)
{
	size_t start = b->n;
	bool first = true;

	while (b->n - start < target) {
		if (!first)
			sb_chr(b, rng_pm(r, 8) ? '\t' : ' ');
		sb_str(b, PICK(r, words));
		first = false;
	}
}

static bool starts_ci(const char *p, size_t n, const char *kw)
{
	size_t k = strlen(kw);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (tolower((unsigned char)p[i]) !=
		    tolower((unsigned char)kw[i]))
			return false;
	return true;
}

/* would this line be taken for a block keyword by a reader? */
static bool risky_line(const char *p, size_t n)
{
	return starts_ci(p, n, "text item:") || starts_ci(p, n, "file item:") ||
	       starts_ci(p, n, "message:") ||
	       starts_ci(p, n, "bulletin board:");
}

/* one line of words, no line end; rarely very long */
static void gen_line(struct tl_rng *r, struct gen_sb *b, bool long_ok)
{
	size_t start = b->n;

	if (long_ok && rng_pm(r, 3))
		gen_words(r, b, 1000 + tl_rng_below(r, 7000));
	else
		gen_words(r, b, 10 + tl_rng_below(r, 66));
	if (risky_line(b->p + start, b->n - start)) {
		/* cannot happen with the word table, kept as a guard */
		b->n = start;
		sb_str(b, "> text");
	}
}

/*
 * Counted text: any bytes but NUL, any line ends (CR LF, LF, lone CR), even
 * lines that look like keywords, since the count delimits it.  Returns
 * whether the data ends with a line end.
 */
static bool gen_counted_text(struct tl_rng *r, const struct gen_out *o,
                             struct gen_sb *b)
{
	unsigned nlines = rng_int(r, 1, 10);
	bool big = rng_pm(r, 3);

	if (big)
		nlines = rng_int(r, 300, 1500);
	b->n = 0;
	for (unsigned i = 0; i < nlines; i++) {
		if (rng_pm(r, 40))
			sb_str(b, PICK(r, fake_lines));
		else if (!rng_pm(r, 60))
			gen_line(r, b, !big);
		uint64_t v = tl_rng_below(r, 1000);
		if (v < 750)
			sb_mem(b, o->eol, o->eol_len);
		else if (v < 850)
			sb_chr(b, '\n');
		else if (v < 930)
			sb_str(b, "\r\n");
		else
			sb_chr(b, '\r');
	}
	/* never end with a lone CR: whether it is a line end is not said */
	while (b->n && b->p[b->n - 1] == '\r')
		b->n--;
	bool ends = rng_pm(r, 600);
	if (!ends) {
		while (b->n &&
		       (b->p[b->n - 1] == '\n' || b->p[b->n - 1] == '\r'))
			b->n--;
	}
	if (!b->n)
		sb_str(b, "x");
	if (ends && b->p[b->n - 1] != '\n')
		sb_mem(b, o->eol, o->eol_len);
	return b->p[b->n - 1] == '\n';
}

/*
 * Uncounted text: whole lines with the file's own line end.  The first line
 * holds a letter (a line of digits could be a count line); no line opens a
 * block.  May be empty.
 */
static void gen_uncounted_text(struct tl_rng *r, const struct gen_out *o,
                               struct gen_sb *b)
{
	unsigned nlines = rng_int(r, 1, 8);

	b->n = 0;
	if (rng_pm(r, 40))
		return;
	bool big = rng_pm(r, 2);

	if (big)
		nlines = rng_int(r, 300, 1500);
	for (unsigned i = 0; i < nlines; i++) {
		if (i && rng_pm(r, 80)) {
			/* blank line */
		} else {
			gen_line(r, b, !big);
		}
		sb_mem(b, o->eol, o->eol_len);
	}
}

void gen_text_item(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r)
{
	bool counted = rng_pm(r, 550);

	put_kw(c, o, r, "Text item");
	if (rng_pm(r, 500)) {
		out_chr(o, ' ');
		out_str(o, PICK(r, titles));
	}
	out_eol(o);
	if (counted) {
		bool ends = gen_counted_text(r, o, &c->text);

		out_u64(o, c->text.n);
		out_eol(o);
		out_mem(o, c->text.p, c->text.n);
		if (!ends)
			out_eol(o);
	} else {
		gen_uncounted_text(r, o, &c->text);
		out_mem(o, c->text.p, c->text.n);
	}
}
