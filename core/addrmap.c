#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrmap.h"
#include "ascii.h"

static bool atext(char c)
{
	return ccm_isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

bool ccm_addr_spec_ok(const char *s, size_t n)
{
	const char *at = n ? memchr(s, '@', n) : NULL;
	if (!at || n > 254)
		return false;
	size_t ln = (size_t)(at - s), dn = n - ln - 1;
	if (!ln || ln > 64 || !dn || s[0] == '.' || s[ln - 1] == '.')
		return false;
	for (size_t i = 0; i < ln; i++)
		if (!(atext(s[i]) || (s[i] == '.' && s[i + 1] != '.')))
			return false;
	const char *d = at + 1;
	if (d[0] == '.' || d[0] == '-' || d[dn - 1] == '.' || d[dn - 1] == '-')
		return false;
	for (size_t i = 0; i < dn; i++)
		if (!(ccm_isalnum(d[i]) || d[i] == '-' ||
		      (d[i] == '.' && d[i + 1] != '.' && d[i + 1] != '-' &&
		       d[i - 1] != '-')))
			return false;
	return true;
}

/* Well-formed UTF-8 without control characters. */
static bool utf8_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		size_t k = c < 0x80                ? 1
		           : c >= 0xc2 && c < 0xe0 ? 2
		           : c >= 0xe0 && c < 0xf0 ? 3
		           : c >= 0xf0 && c < 0xf5 ? 4
		                                   : 0;
		if (!k || i + k > n || (k == 1 && (c < 0x20 || c == 0x7f)))
			return false;
		for (size_t j = 1; j < k; j++)
			if ((u[i + j] & 0xc0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

/* The parser's place: the text, the line, and where the error goes. */
struct csv {
	const char *s, *e, *file;
	uint64_t line;
	char *msg;
	size_t msgsz;
	char *out; /* where unquoted field text is written */
};

__attribute__((format(printf, 2, 3))) static ccm_err fail(struct csv *c,
                                                          const char *fmt, ...)
{
	int k = snprintf(c->msg, c->msgsz, "%s:%llu: ", c->file,
	                 (unsigned long long)c->line);
	if (k >= 0 && (size_t)k < c->msgsz) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->msg + k, c->msgsz - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return CCM_ERR_INVAL;
}

static bool at_eol(const struct csv *c)
{
	return c->s == c->e || *c->s == '\n' ||
	       (*c->s == '\r' && c->s + 1 < c->e && c->s[1] == '\n');
}

/* One field into c->out (NUL-terminated); *f its start, *fn length. */
static ccm_err field(struct csv *c, const char **f, size_t *fn)
{
	while (c->s < c->e && ccm_isblank(*c->s))
		c->s++;
	*f = c->out;
	if (c->s < c->e && *c->s == '"') {
		for (c->s++;; c->s++) {
			if (c->s == c->e || *c->s == '\n' || *c->s == '\r')
				return fail(c,
				            "a quoted field is not closed on "
				            "its line");
			if (*c->s == '"' &&
			    (c->s + 1 == c->e || c->s[1] != '"'))
				break;
			if (*c->s == '"')
				c->s++;
			*c->out++ = *c->s;
		}
		c->s++;
		while (c->s < c->e && ccm_isblank(*c->s))
			c->s++;
		if (!at_eol(c) && *c->s != ',')
			return fail(c, "text after a quoted field");
	} else {
		while (!at_eol(c) && *c->s != ',')
			*c->out++ = *c->s++;
		while (c->out > *f && ccm_isblank(c->out[-1]))
			c->out--;
	}
	*fn = (size_t)(c->out - *f);
	*c->out++ = '\0';
	return CCM_OK;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	for (size_t i = 0; i < an && i < bn; i++) {
		char x = ccm_upper(a[i]), y = ccm_upper(b[i]);
		if (x != y)
			return (unsigned char)x < (unsigned char)y ? -1 : 1;
	}
	return an == bn ? 0 : an < bn ? -1 : 1;
}

static int ent_cmp(const void *x, const void *y)
{
	const struct ccm_addrent *a = x, *b = y;
	int r = key_cmp(a->name, a->nn, b->name, b->nn);
	return r ? r : key_cmp(a->po, a->pn, b->po, b->pn);
}

/* Splits a name at its last " at " (without regard to case); false when
 * a part is left empty. */
static bool split_at(struct ccm_addrent *e, char *name, size_t n)
{
	e->name = name;
	e->nn = n;
	e->po = "";
	e->pn = 0;
	for (size_t i = n >= 4 ? n - 4 : 0; n >= 4; i--) {
		if (name[i] == ' ' && ccm_caseeq(name + i + 1, "at", 2) &&
		    name[i + 3] == ' ') {
			name[i] = '\0';
			e->nn = i;
			e->po = name + i + 4;
			e->pn = n - i - 4;
			while (e->nn && ccm_isblank(name[e->nn - 1]))
				name[--e->nn] = '\0';
			while (e->pn && ccm_isblank(e->po[0]))
				e->po++, e->pn--;
			return e->nn && e->pn;
		}
		if (!i)
			break;
	}
	return e->nn > 0;
}

/* One record at c->s; adds it to m unless it is the header, which only
 * the first record (`first`) may be: a later line without an address is
 * a mistake to report, not a second header to skip. */
static ccm_err record(struct csv *c, struct ccm_addrmap *m, size_t *cap,
                      bool first)
{
	const char *f[3];
	size_t fn[3], k = 0;
	ccm_err err = CCM_OK;
	for (; !err; k++) {
		const char *v = NULL;
		size_t vn = 0;
		err = field(c, &v, &vn);
		if (!err && k < 3) {
			f[k] = v;
			fn[k] = vn;
		}
		if (err || at_eol(c))
			break;
		c->s++; /* the comma */
	}
	if (err)
		return err;
	k++;
	if (k != 2)
		return fail(c,
		            "%zu fields; a line holds two: a cc:Mail name "
		            "and an Internet address",
		            k);
	if (first && !memchr(f[1], '@', fn[1]))
		return CCM_OK; /* a header line */
	if (!fn[0] || !utf8_ok(f[0], fn[0]))
		return fail(c, "the cc:Mail name is empty or not UTF-8 text");
	if (!ccm_addr_spec_ok(f[1], fn[1]))
		return fail(c,
		            "'%.80s' is not an Internet address "
		            "(user@host.domain)",
		            f[1]);
	if (m->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		void *v = realloc(m->v, nc * sizeof(*m->v));
		if (!v)
			return CCM_ERR_NOMEM;
		m->v = v;
		*cap = nc;
	}
	struct ccm_addrent *e = &m->v[m->n];
	if (!split_at(e, (char *)f[0], fn[0]))
		return fail(c, "the name or its post office is empty");
	m->n++;
	e->addr = f[1];
	e->line = c->line;
	return CCM_OK;
}

static ccm_err parse_lines(struct csv *c, struct ccm_addrmap *m)
{
	size_t cap = 0;
	bool first = true;
	if (c->e - c->s >= 3 && !memcmp(c->s, "\xef\xbb\xbf", 3))
		c->s += 3; /* a byte order mark */
	for (c->line = 1; c->s < c->e; c->line++) {
		const char *p = c->s;
		while (p < c->e && ccm_isblank(*p))
			p++;
		bool skip = p == c->e || *p == '#' || *p == '\n' ||
		            (*p == '\r' && p + 1 < c->e && p[1] == '\n');
		if (!skip) {
			ccm_err err = record(c, m, &cap, first);
			if (err)
				return err;
			first = false;
		}
		const char *nl = memchr(c->s, '\n', (size_t)(c->e - c->s));
		c->s = nl ? nl + 1 : c->e;
	}
	return CCM_OK;
}

ccm_err ccm_addrmap_parse(const char *text, size_t n, const char *file,
                          struct ccm_addrmap *m, char *msg, size_t msgsz)
{
	memset(m, 0, sizeof(*m));
	m->text = malloc(n + 1);
	if (!m->text)
		return CCM_ERR_NOMEM;
	struct csv c = {text, text + n, file, 0, msg, msgsz, m->text};
	ccm_err err = parse_lines(&c, m);
	if (!err && m->n)
		qsort(m->v, m->n, sizeof(*m->v), ent_cmp);
	for (size_t i = 1; !err && i < m->n; i++)
		if (!ent_cmp(&m->v[i - 1], &m->v[i])) {
			const struct ccm_addrent *a = &m->v[i - 1],
			                         *b = &m->v[i];
			c.line = a->line > b->line ? a->line : b->line;
			err = fail(&c,
			           "'%.80s' is mapped a second time (first "
			           "on line %llu)",
			           a->name,
			           (unsigned long long)(a->line < b->line
			                                        ? a->line
			                                        : b->line));
		}
	if (err)
		ccm_addrmap_free(m);
	return err;
}

ccm_err ccm_addrmap_load(const char *path, struct ccm_addrmap *m, char *msg,
                         size_t msgsz)
{
	memset(m, 0, sizeof(*m));
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(msg, msgsz, "addrmap=%s: %s", path, strerror(errno));
		return CCM_ERR_INVAL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ccm_err err = buf ? CCM_OK : CCM_ERR_NOMEM;
	while (!err) {
		if (n == cap) {
			char *b = cap < (64u << 20) ? realloc(buf, cap * 2)
			                            : NULL;
			if (!b) {
				snprintf(msg, msgsz,
				         "addrmap=%s: larger than 64 MiB",
				         path);
				err = CCM_ERR_INVAL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (!got)
			break;
	}
	if (!err && ferror(f)) {
		snprintf(msg, msgsz, "addrmap=%s: read error", path);
		err = CCM_ERR_INVAL;
	}
	fclose(f);
	if (!err)
		err = ccm_addrmap_parse(buf, n, path, m, msg, msgsz);
	free(buf);
	return err;
}

void ccm_addrmap_free(struct ccm_addrmap *m)
{
	free(m->v);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

static const char *find(const struct ccm_addrmap *m, const char *name,
                        size_t nn, const char *po, size_t pn)
{
	struct ccm_addrent key = {name, po, NULL, nn, pn, 0};
	const struct ccm_addrent *e =
	        m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), ent_cmp) : NULL;
	return e ? e->addr : NULL;
}

const char *ccm_addrmap_find(const struct ccm_addrmap *m, const char *name,
                             size_t nn, const char *po, size_t pn,
                             const char *here, size_t hn)
{
	bool local = !po || !pn || !key_cmp(po, pn, here, hn);
	const char *a = find(m, name, nn, local ? here : po, local ? hn : pn);
	return a || !local ? a : find(m, name, nn, "", 0);
}
