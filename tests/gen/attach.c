/*
 * ccm-gen: attachments: their sizes, names and bytes (inline or external).
 */
#include "gen.h"

/* ------------------------------------------------------------------ */
/* attachments */

static const char *const file_plain[] = {
        "REPORT.DOC", "Q1 plan.doc",         "budget 1998.xls", "LETTER.TXT",
        "photo.jpg",  "minutes - final.wpd", "DATA.ZIP",        "readme",
};

static const char *const file_tricky[] = {
        "C:\\DOCS\\A.TXT",
        "D:\\Data\\Caf\x82\\MENU.TXT",
        "\\\\SERVER\\SHARE\\memo.doc",
        "R\x82sum\x82.doc",
        "100%.txt",
        "a;b,c.txt",
        "\"quoted\".txt",
        "name with  two  blanks.txt",
        "...dots...",
        "UPPER.TXT",
        "x#1 [v2].bin",
};

/*
 * Position of big attachment j among all attachments: evenly spread,
 * floor((2j + 1) * natt / (2 * nbig)) in integers (nbig is capped at 2^31).
 */
static uint64_t big_pos(const struct gen_po *po, uint64_t j)
{
	uint64_t den = 2 * po->nbig;
	uint64_t q = po->natt / den, r = po->natt % den;

	return (2 * j + 1) * q + (2 * j + 1) * r / den;
}

void sizes_init(struct gen_ctx *c)
{
	const struct gen_po *po = c->po;
	uint64_t b = c->opt->attach_bytes;

	rng_init(&c->size_rng, c->opt->seed, TAG_SIZE, po->idx, 0);
	c->att_ord = 0;
	c->nexternal = 0;
	c->big_j = 0;
	c->big_cnt = po->nbig;
	c->next_big = po->nbig ? big_pos(po, 0) : UINT64_MAX;
	c->zero_pos = po->natt >= 3 ? po->natt / 3 : UINT64_MAX;
	for (uint64_t j = 0; j < po->nbig; j++)
		if (big_pos(po, j) == c->zero_pos)
			c->zero_pos = UINT64_MAX;
	c->small_cnt = po->natt - po->nbig - (c->zero_pos != UINT64_MAX);
	c->noname_pos = po->natt >= 3 ? 2 * po->natt / 3 : UINT64_MAX;
	if (!po->natt) {
		c->big_left = c->small_left = 0;
	} else if (!po->nbig) {
		c->big_left = 0;
		c->small_left = b;
	} else if (!c->small_cnt) {
		c->big_left = b;
		c->small_left = 0;
	} else {
		c->big_left = b - b / 10;
		c->small_left = b / 10;
	}
}

/*
 * Sizes are drawn in order so that they sum to --attach-bytes exactly.  Each
 * small attachment takes 1 byte plus a random share in [0, 2 * average] of
 * the bytes left above that minimum (0 bytes only when there are fewer bytes
 * than attachments), the last one takes the rest; the big ones split their
 * part evenly.  One attachment, a third of the way in, is empty on purpose.
 */
static uint64_t next_size(struct gen_ctx *c)
{
	uint64_t sz;

	if (c->att_ord == c->zero_pos) {
		sz = 0;
	} else if (c->att_ord == c->next_big) {
		sz = c->big_cnt == 1 ? c->big_left : c->big_left / c->big_cnt;
		c->big_left -= sz;
		c->big_cnt--;
		c->big_j++;
		c->next_big = c->big_j < c->po->nbig ? big_pos(c->po, c->big_j)
		                                     : UINT64_MAX;
	} else {
		if (!c->small_cnt)
			die("internal: attachment count mismatch");
		if (c->small_cnt == 1) {
			sz = c->small_left;
		} else {
			uint64_t base = c->small_left >= c->small_cnt;
			uint64_t avg = (c->small_left - base * c->small_cnt) /
			               c->small_cnt;

			sz = base + tl_rng_below(&c->size_rng, 2 * avg + 1);
			if (sz > c->small_left)
				sz = c->small_left;
		}
		c->small_left -= sz;
		c->small_cnt--;
	}
	c->att_ord++;
	return sz;
}

static const char *file_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot || dot == name)
		return "DAT";
	size_t n = strlen(dot + 1);
	if (n < 1 || n > 3)
		return "DAT";
	for (const char *p = dot + 1; *p; p++)
		if (!isalnum((unsigned char)*p))
			return "DAT";
	return dot + 1;
}

/* The "File item:" line: the name, sometimes followed by a date. */
static void put_file_line(struct gen_ctx *c, struct gen_out *o,
                          struct tl_rng *r, const char *name)
{
	put_kw(c, o, r, "File item");
	if (*name) {
		out_chr(o, ' ');
		out_str(o, name);
		if (rng_pm(r, 600)) {
			struct gen_sb d = {0};

			gen_date(r, c->po->order, rng_pm(r, 700) ? '/' : '-',
			         false, &d);
			out_chr(o, ' ');
			out_mem(o, d.p, d.n);
			free(d.p);
		}
	}
	out_eol(o);
}

/* An inline attachment of size bytes from dr: its count and Hex: lines.
 * Returns the FNV-1a of its bytes. */
static uint64_t put_hex(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
                        struct tl_rng *dr, uint64_t size)
{
	unsigned per = rng_int(r, 32, 64);
	int cas = (int)tl_rng_below(r, 10); /* 0-5 upper, 6-8 lower, mixed */
	static const char up[] = "0123456789ABCDEF";
	static const char lo[] = "0123456789abcdef";
	char line[2 * 64];

	fill_random(dr, c->chunk, (size_t)size);
	uint64_t h = tl_fnv1a(TL_FNV_INIT, c->chunk, (size_t)size);
	out_u64(o, size);
	out_eol(o);
	for (uint64_t i = 0; i < size; i += per) {
		uint64_t n = size - i < per ? size - i : per;

		for (uint64_t j = 0; j < n; j++) {
			unsigned v = c->chunk[i + j];
			const char *dig = cas < 6   ? up
			                  : cas < 9 ? lo
			                  : (j & 1) ? lo
			                            : up;

			line[2 * j] = dig[v >> 4];
			line[2 * j + 1] = dig[v & 15];
		}
		put_kw(c, o, r, "Hex");
		out_chr(o, ' ');
		out_mem(o, line, 2 * n);
		out_eol(o);
	}
	return h;
}

/* Writes size bytes from dr to path; returns their FNV-1a. */
static uint64_t write_external(struct gen_ctx *c, struct tl_rng *dr,
                               const char *path, uint64_t size)
{
	uint64_t h = TL_FNV_INIT;
	FILE *f = fopen(path, "wb");

	if (!f)
		die("%s: %s", path, strerror(errno));
	for (uint64_t left = size; left;) {
		size_t n = left < GEN_CHUNK ? (size_t)left : GEN_CHUNK;

		fill_random(dr, c->chunk, n);
		h = tl_fnv1a(h, c->chunk, n);
		if (fwrite(c->chunk, 1, n, f) != n)
			die("%s: %s", path, strerror(errno));
		left -= n;
	}
	if (fclose(f))
		die("%s: %s", path, strerror(errno));
	return h;
}

/* An external attachment: its file in FILES, then the count (sometimes)
 * and the Path: line. Returns the FNV-1a of its bytes. */
static uint64_t put_external(struct gen_ctx *c, struct gen_out *o,
                             struct tl_rng *r, struct tl_rng *dr, uint64_t size,
                             uint64_t ord, const char *name)
{
	char *fname = xfmt("A%07" PRIu64 ".%s", ord, file_ext(name));

	c->nexternal++;
	char *path = xfmt("%s/%s", c->files_dir, fname);
	uint64_t h = write_external(c, dr, path, size);

	if (rng_pm(r, 600)) {
		out_u64(o, size);
		out_eol(o);
	}
	put_kw(c, o, r, "Path");
	out_chr(o, ' ');
	if (c->po->quirks && rng_pm(r, 300))
		out_str(o, rng_pm(r, 500) ? "files" : "Files");
	else
		out_str(o, c->files_kw);
	out_chr(o, rng_pm(r, 700) ? '\\' : '/');
	out_str(o, fname);
	out_eol(o);
	free(path);
	free(fname);
	return h;
}

void gen_file_item(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
                   const char *owner, uint64_t idx, unsigned k)
{
	const struct gen_po *po = c->po;
	uint64_t ord = c->att_ord;
	uint64_t size = next_size(c);
	const char *name;
	struct tl_rng dr;
	uint64_t h;

	if (ord == c->noname_pos || rng_pm(r, 15))
		name = "";
	else if (po->fold && (name = dbcs_file(r, 300)))
		; /* a name of double-byte characters */
	else if (rng_pm(r, c->opt->tricky ? 700 : 250))
		name = PICK(r, file_tricky);
	else
		name = PICK(r, file_plain);
	put_file_line(c, o, r, name);

	rng_init(&dr, c->opt->seed, TAG_DATA, po->idx, ord);
	bool external = size == 0 || size > GEN_HEX_MAX ||
	                rng_pm(r, c->nexternal < GEN_EXT_SOFT_MAX ? 450 : 10);
	if (!external)
		h = put_hex(c, o, r, &dr, size);
	else
		h = put_external(c, o, r, &dr, size, ord, name);

	if (c->truth) {
		struct gen_out *t = c->truth;

		truth_head(t, "att", po->rel, owner, idx);
		out_u64(t, k);
		out_chr(t, '\t');
		out_u64(t, size);
		out_chr(t, '\t');
		char hx[20];
		snprintf(hx, sizeof(hx), "%016" PRIx64, h);
		out_str(t, hx);
		out_chr(t, '\n');
	}
}
