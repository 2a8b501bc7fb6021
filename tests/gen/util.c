/*
 * ccm-gen: errors, allocation, byte strings, random streams and name helpers.
 */
#include "gen.h"

/* ------------------------------------------------------------------ */
/* errors and allocation */

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("ccm-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		die("out of memory");
	return p;
}

char *xfmt(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("formatting failed");
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* ------------------------------------------------------------------ */
/* random numbers: splitmix64, fast and good enough for test data */

void rng_init(struct tl_rng *r, uint64_t seed, uint64_t tag, uint64_t a,
              uint64_t b)
{
	uint64_t h = tl_mix64(seed + 0x6a09e667f3bcc909u);

	h = tl_mix64(h ^ (tag * 0x9e3779b97f4a7c15u));
	h = tl_mix64(h ^ (a + 0x3c6ef372fe94f82bu));
	h = tl_mix64(h ^ (b + 0xa54ff53a5f1d36f1u));
	r->s = h;
}

unsigned rng_int(struct tl_rng *r, unsigned lo, unsigned hi)
{
	return lo + (unsigned)tl_rng_below(r, (uint64_t)hi - lo + 1);
}

/* true with probability pm/1000 */
bool rng_pm(struct tl_rng *r, unsigned pm)
{
	return tl_rng_below(r, 1000) < pm;
}

void fill_random(struct tl_rng *r, unsigned char *p, size_t n)
{
	/* the bytes are those of each word in little-endian order */
	while (n >= 8) {
		uint64_t v = tl_rng_next(r);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(p, &v, 8);
#else
		for (int i = 0; i < 8; i++)
			p[i] = (unsigned char)(v >> (8 * i));
#endif
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = tl_rng_next(r);

		for (size_t i = 0; i < n; i++)
			p[i] = (unsigned char)(v >> (8 * i));
	}
}

/* ------------------------------------------------------------------ */
/* byte strings */

static void sb_reserve(struct gen_sb *b, size_t add)
{
	if (b->n + add <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + add)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		die("out of memory");
	b->p = p;
	b->cap = cap;
}

void sb_mem(struct gen_sb *b, const void *p, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

void sb_str(struct gen_sb *b, const char *s)
{
	sb_mem(b, s, strlen(s));
}

void sb_chr(struct gen_sb *b, char c)
{
	sb_reserve(b, 1);
	b->p[b->n++] = c;
}

bool ci_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return !*a && !*b;
}

int ci_cmp(const void *pa, const void *pb)
{
	const unsigned char *a = *(const unsigned char *const *)pa;
	const unsigned char *b = *(const unsigned char *const *)pb;

	for (;; a++, b++) {
		int ca = toupper(*a), cb = toupper(*b);

		if (ca != cb || !ca)
			return ca - cb;
	}
}

void shuffle_ptrs(struct tl_rng *r, const char **v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)tl_rng_below(r, i);
		const char *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

const char **concat_tables(const char *const *a, size_t na,
                           const char *const *b, size_t nb, size_t *n)
{
	const char **v = xmalloc((na + nb) * sizeof(*v));

	for (size_t i = 0; i < na; i++)
		v[i] = a[i];
	for (size_t i = 0; i < nb; i++)
		v[na + i] = b[i];
	*n = na + nb;
	return v;
}
