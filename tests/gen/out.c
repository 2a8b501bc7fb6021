/*
 * ccm-gen: buffered output files, with 8-bit letters folded for DBCS code
 * pages.
 */
#include "gen.h"

/*
 * For double-byte code pages the cp850 letters used below would form broken
 * lead/trail pairs, so there every byte >= 0x80 is folded to a plain ASCII
 * letter close to it.  The name tables hold no two entries that fold to the
 * same text, and names are checked for case-insensitive uniqueness after
 * folding anyway.
 */
static unsigned char fold_tab[256];

void fold_init(void)
{
	static const struct {
		unsigned char from;
		char to;
	} pairs[] = {
	        {0x80, 'C'}, {0x81, 'u'}, {0x82, 'e'}, {0x83, 'a'}, {0x84, 'a'},
	        {0x85, 'a'}, {0x86, 'a'}, {0x87, 'c'}, {0x88, 'e'}, {0x89, 'e'},
	        {0x8a, 'e'}, {0x8b, 'i'}, {0x8c, 'i'}, {0x8d, 'i'}, {0x8e, 'A'},
	        {0x8f, 'A'}, {0x90, 'E'}, {0x91, 'a'}, {0x92, 'A'}, {0x93, 'o'},
	        {0x94, 'o'}, {0x95, 'o'}, {0x96, 'u'}, {0x97, 'u'}, {0x98, 'y'},
	        {0x99, 'O'}, {0x9a, 'U'}, {0x9b, 'o'}, {0x9c, 'L'}, {0x9d, 'O'},
	        {0x9e, 'x'}, {0x9f, 'f'}, {0xa0, 'a'}, {0xa1, 'i'}, {0xa2, 'o'},
	        {0xa3, 'u'}, {0xa4, 'n'}, {0xa5, 'N'}, {0xa8, '?'}, {0xad, '!'},
	};

	for (int i = 0; i < 256; i++)
		fold_tab[i] = (unsigned char)(i < 0x80 ? i : 'x');
	for (size_t i = 0; i < NELEM(pairs); i++)
		fold_tab[pairs[i].from] = (unsigned char)pairs[i].to;
}

void fold_hi(char *p, size_t n)
{
	unsigned char *u = (unsigned char *)p;

	/* The double-byte names of dbcs.c pass whole. */
	for (size_t i = 0; i < n; i += dbcs_len(u + i, n - i))
		if (dbcs_len(u + i, n - i) == 1)
			u[i] = fold_tab[u[i]];
}

/* The longest k' <= k such that s[0..k') ends between characters. */
static size_t fold_cut(const unsigned char *s, size_t k, size_t n)
{
	size_t i = 0;

	while (i < k && i + dbcs_len(s + i, n - i) <= k)
		i += dbcs_len(s + i, n - i);
	return i;
}

/* ------------------------------------------------------------------ */
/* buffered output */

struct gen_out *out_open(const char *path, bool crlf, bool fold)
{
	struct gen_out *o = xmalloc(sizeof(*o));

	o->f = fopen(path, "wb");
	if (!o->f)
		die("%s: %s", path, strerror(errno));
	o->path = xfmt("%s", path);
	o->eol = crlf ? "\r\n" : "\n";
	o->eol_len = crlf ? 2 : 1;
	o->fold = fold;
	o->n = 0;
	return o;
}

static void out_flush(struct gen_out *o)
{
	if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
		die("%s: %s", o->path, strerror(errno));
	o->n = 0;
}

void out_close(struct gen_out *o)
{
	out_flush(o);
	if (fclose(o->f))
		die("%s: %s", o->path, strerror(errno));
	free(o->path);
	free(o);
}

void out_mem(struct gen_out *o, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n) {
		size_t k = GEN_OUTBUF - o->n;

		if (!k) {
			out_flush(o);
			continue;
		}
		if (k > n)
			k = n;
		if (o->fold && k < n)
			k = fold_cut(s, k, n);
		if (!k) {
			out_flush(o);
			continue;
		}
		memcpy(o->buf + o->n, s, k);
		if (o->fold)
			fold_hi((char *)o->buf + o->n, k);
		o->n += k;
		s += k;
		n -= k;
	}
}

void out_str(struct gen_out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

void out_chr(struct gen_out *o, char c)
{
	if (o->n == GEN_OUTBUF)
		out_flush(o);
	o->buf[o->n++] = (unsigned char)c;
}

void out_u64(struct gen_out *o, uint64_t v)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		out_chr(o, tmp[--i]);
}

void out_eol(struct gen_out *o)
{
	out_mem(o, o->eol, o->eol_len);
}

void truth_head(struct gen_out *t, const char *kind, const char *rel,
                const char *owner, uint64_t idx)
{
	out_str(t, kind);
	out_chr(t, '\t');
	out_str(t, rel);
	out_chr(t, '\t');
	out_str(t, owner);
	out_chr(t, '\t');
	out_u64(t, idx);
	out_chr(t, '\t');
}
