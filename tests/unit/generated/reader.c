/*
 * Generated post offices: an independent reading of the export (code page 850
 * to 1252 too).
 */
#include <ctype.h>
#include <dirent.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "gen.h"

/* ------------------------------------------------------------------ */
/* code page 850 to 1252, one byte at a time, as iff-output §3 says */

static unsigned char CP[256];

void cp_init(void)
{
	iconv_t cd = iconv_open("CP1252", "CP850");
	cr_assert_neq(cd, (iconv_t)-1);
	for (unsigned c = 0; c < 256; c++) {
		char in = (char)c, out[8];
		char *ip = &in, *op = out;
		size_t il = 1, ol = sizeof(out);
		iconv(cd, NULL, NULL, NULL, NULL);
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		CP[c] = r == (size_t)-1 || ol != sizeof(out) - 1
		                ? '?'
		                : (unsigned char)out[0];
	}
	iconv_close(cd);
}

/* A cp850 string in cp1252, malloc'd. */
char *conv(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(n + 1);
	cr_assert_not_null(o);
	for (size_t i = 0; i < n; i++)
		o[i] = (char)CP[(unsigned char)s[i]];
	o[n] = '\0';
	return o;
}

/* ------------------------------------------------------------------ */
/* an independent reading of the export */

/* The line at r->p: its bytes without the line end, and where the next
 * starts. False at the end. */
static bool peek(const struct reader *r, const char **s, size_t *len,
                 size_t *next)
{
	if (r->p >= r->n)
		return false;
	const char *nl = memchr(r->d + r->p, '\n', r->n - r->p);
	size_t e = nl ? (size_t)(nl - r->d) : r->n;
	*next = nl ? e + 1 : r->n;
	*s = r->d + r->p;
	*len = e - r->p;
	if (nl && *len && r->d[e - 1] == '\r')
		(*len)--;
	return true;
}

static bool kw(const char *s, size_t n, const char *k)
{
	size_t kn = strlen(k);
	return n >= kn && !strncasecmp(s, k, kn);
}

/* The value after a keyword: one optional blank, trailing blanks off. */
static char *value(const char *s, size_t n, const char *k)
{
	size_t b = strlen(k);
	if (b < n && s[b] == ' ')
		b++;
	while (n > b && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	char *v = malloc(n - b + 1);
	cr_assert_not_null(v);
	memcpy(v, s + b, n - b);
	v[n - b] = '\0';
	return v;
}

static bool digits_only(const char *s, size_t n, uint64_t *v)
{
	if (!n || n > 19)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

static bool ends_item(const struct reader *r, const char *s, size_t n)
{
	return kw(s, n, "Text item:") || kw(s, n, "File item:") ||
	       kw(s, n, "Message:") ||
	       (r->boards && kw(s, n, "Bulletin board:"));
}

static void body_put(struct s_msg *m, const char *s, size_t n)
{
	if (m->bn + n + 1 > m->bcap) {
		m->bcap = (m->bn + n + 1) * 2;
		m->body = realloc(m->body, m->bcap);
		cr_assert_not_null(m->body);
	}
	memcpy(m->body + m->bn, s, n);
	m->bn += n;
}

/* Adds a text item's bytes to the Body: joined to the one before by a
 * blank line, line ends made CR LF, code page converted (§8). */
static void add_text(struct s_msg *m, const char *s, size_t n)
{
	/* The item before, a CR LF unless it ended with one (an empty item
	 * does not), then one more CR LF. */
	if (m->pending) {
		if (!m->eol)
			body_put(m, "\r\n", 2);
		body_put(m, "\r\n", 2);
	}
	size_t start = m->bn;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n') {
			if (!(i && s[i - 1] == '\r'))
				body_put(m, "\r", 1);
			body_put(m, "\n", 1);
		} else if (c == '\r') {
			body_put(m, "\r", 1);
			if (i + 1 == n || s[i + 1] != '\n')
				body_put(m, "\n", 1);
		} else {
			char o = (char)CP[(unsigned char)c];
			body_put(m, &o, 1);
		}
	}
	m->eol = m->bn - start >= 2 && m->body[m->bn - 2] == '\r' &&
	         m->body[m->bn - 1] == '\n';
	m->pending = true;
	m->ntext++;
}

static void read_message(struct reader *r, struct s_msg *m)
{
	const char *s;
	size_t n, next;
	uint64_t v;
	/* The header, up to Contents: and its optional count. */
	while (peek(r, &s, &n, &next)) {
		r->p = next;
		if (kw(s, n, "Contents:"))
			break;
	}
	if (peek(r, &s, &n, &next) && digits_only(s, n, &v))
		r->p = next;
	while (peek(r, &s, &n, &next)) {
		if (kw(s, n, "Message:") ||
		    (r->boards && kw(s, n, "Bulletin board:")))
			return;
		r->p = next;
		if (kw(s, n, "Text item:")) {
			if (peek(r, &s, &n, &next) && digits_only(s, n, &v)) {
				r->p = next;
				cr_assert_leq(v, r->n - r->p);
				const char *t = r->d + r->p;
				r->p += (size_t)v;
				/* A text that does not end a line is followed
				 * by one line end that is not its own. */
				if (v && t[v - 1] != '\n' && t[v - 1] != '\r') {
					if (r->p < r->n && r->d[r->p] == '\r')
						r->p++;
					if (r->p < r->n && r->d[r->p] == '\n')
						r->p++;
				}
				add_text(m, t, (size_t)v);
			} else {
				size_t start = r->p;
				while (peek(r, &s, &n, &next) &&
				       !ends_item(r, s, n))
					r->p = next;
				add_text(m, r->d + start, r->p - start);
			}
		} else if (kw(s, n, "File item:")) {
			if (peek(r, &s, &n, &next) && digits_only(s, n, &v))
				r->p = next;
			if (peek(r, &s, &n, &next) && kw(s, n, "Path:")) {
				r->p = next;
			} else {
				while (peek(r, &s, &n, &next) &&
				       kw(s, n, "Hex:"))
					r->p = next;
			}
			cr_assert_lt(m->nfile, 8);
			m->pos[m->nfile++] = m->bn;
		}
	}
}

static void read_file(const char *path, bool boards, struct s_list *out)
{
	size_t n;
	char *d = tl_try_slurp(path, &n);
	cr_assert_not_null(d, "%s", path);
	struct reader r = {d, n, 0, boards};
	char *owner = NULL;
	uint64_t idx = 0;
	const char *s;
	size_t len, next;
	while (peek(&r, &s, &len, &next)) {
		if (kw(s, len, "Mailbox:") && !boards) {
			free(owner);
			owner = value(s, len, "Mailbox:");
			idx = 0;
		} else if (boards && kw(s, len, "Bulletin board:")) {
			char *b = value(s, len, "Bulletin board:");
			free(owner);
			cr_assert_geq(asprintf(&owner, "#%s", b), 0);
			free(b);
			idx = 0;
		} else if (kw(s, len, "Message:")) {
			cr_assert_not_null(
			        owner, "%s: a message before its owner", path);
			r.p = next;
			out->m =
			        realloc(out->m, (out->n + 1) * sizeof(*out->m));
			struct s_msg *m = &out->m[out->n++];
			memset(m, 0, sizeof(*m));
			m->owner = strdup(owner);
			m->idx = idx++;
			read_message(&r, m);
			continue;
		}
		r.p = next;
	}
	free(owner);
	free(d);
}

/* Reads every mailbox file and the boards of one export folder. */
void read_export(const char *dir, struct s_list *out)
{
	memset(out, 0, sizeof(*out));
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		char *p = tl_path(dir, de->d_name);
		if (!strcasecmp(de->d_name, "USERS")) {
			DIR *u = opendir(p);
			cr_assert_not_null(u);
			struct dirent *ue;
			while ((ue = readdir(u))) {
				size_t l = strlen(ue->d_name);
				if (l > 4 &&
				    !strcasecmp(ue->d_name + l - 4, ".EXP")) {
					char *f = tl_path(p, ue->d_name);
					read_file(f, false, out);
					free(f);
				}
			}
			closedir(u);
		} else if (!strcasecmp(de->d_name, "CCMBB.EXP")) {
			read_file(p, true, out);
		}
		free(p);
	}
	closedir(d);
}

void free_list(struct s_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->m[i].owner);
		free(l->m[i].body);
	}
	free(l->m);
}

const struct s_msg *s_find(const struct s_list *l, const char *owner,
                           uint64_t idx)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->m[i].idx == idx && !strcmp(l->m[i].owner, owner))
			return &l->m[i];
	return NULL;
}
