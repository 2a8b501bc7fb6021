/*
 * The text of output files taken apart (see parse.h).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "parse.h"

void tl_slices_free(struct tl_slices *v)
{
	free(v->s);
	free(v->n);
	memset(v, 0, sizeof(*v));
}

static void push(struct tl_slices *v, const char *s, size_t n)
{
	if (v->count == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->s = realloc(v->s, v->cap * sizeof(*v->s));
		v->n = realloc(v->n, v->cap * sizeof(*v->n));
		cr_assert(v->s && v->n);
	}
	v->s[v->count] = s;
	v->n[v->count] = n;
	v->count++;
}

void tl_lines(const char *text, size_t n, struct tl_slices *out)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - text) : n;
		size_t len = e - i;
		if (len && nl && text[e - 1] == '\r')
			len--;
		push(out, text + i, len);
		i = nl ? e + 1 : n;
	}
}

void tl_csv_fields(const char *line, size_t n, struct tl_slices *out)
{
	memset(out, 0, sizeof(*out));
	bool quoted = false;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		/* A doubled quote inside quotes toggles twice: no change. */
		if (line[i] == '"')
			quoted = !quoted;
		else if (line[i] == ',' && !quoted) {
			push(out, line + start, i - start);
			start = i + 1;
		}
	}
	push(out, line + start, n - start);
}

char *tl_unquote(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	cr_assert_not_null(p);
	size_t o = 0;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		for (size_t i = 1; i + 1 < n; i++) {
			p[o++] = s[i];
			if (s[i] == '"' && i + 2 < n && s[i + 1] == '"')
				i++;
		}
	} else {
		memcpy(p, s, n);
		o = n;
	}
	p[o] = '\0';
	return p;
}

void tl_pri_rows(const char *pri, size_t n, struct tl_slices *rows)
{
	struct tl_slices lines;
	tl_lines(pri, n, &lines);
	memset(rows, 0, sizeof(*rows));
	size_t i = 0;
	while (i < lines.count &&
	       !(lines.n[i] >= 14 && !memcmp(lines.s[i], "Folder,Sender,", 14)))
		i++;
	cr_assert_lt(i, lines.count, "no MAILMESSAGE column header");
	for (i++; i < lines.count; i++)
		push(rows, lines.s[i], lines.n[i]);
	tl_slices_free(&lines);
}

bool tl_body_ptr(const char *s, size_t n, char name[16], uint64_t *off)
{
	/* '#', 8 digits, ".SEC(", digits, ')' */
	if (n < 16 || s[0] != '#' || memcmp(s + 9, ".SEC(", 5) ||
	    s[n - 1] != ')')
		return false;
	for (size_t i = 1; i < 9; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	uint64_t v = 0;
	for (size_t i = 14; i + 1 < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (n == 15)
		return false;
	memcpy(name, s + 1, 12);
	name[12] = '\0';
	*off = v;
	return true;
}

static bool number(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	if (!n || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

void tl_sec_section(const char *sec, size_t n, size_t off, struct tl_section *s)
{
	memset(s, 0, sizeof(*s));
	cr_assert_lt(off, n, "section at %zu: past the end (%zu)", off, n);
	const char *eol = memmem(sec + off, n - off, "\r\n", 2);
	cr_assert_not_null(eol, "section at %zu: no line end", off);
	size_t hn = (size_t)(eol - (sec + off));
	struct tl_slices f;
	tl_csv_fields(sec + off, hn, &f);
	cr_assert_eq(f.count, 7, "section at %zu: %zu fields in [%.*s]", off,
	             f.count, (int)(hn > 200 ? 200 : hn), sec + off);
	cr_assert_lt(f.n[0], sizeof(s->type));
	memcpy(s->type, f.s[0], f.n[0]);
	s->type[f.n[0]] = '\0';
	cr_assert(!strcmp(s->type, "Body") || !strcmp(s->type, "Attachment"),
	          "section at %zu: type [%s]", off, s->type);
	cr_assert(number(f.s[1], f.n[1], &s->length),
	          "section at %zu: Length [%.*s]", off, (int)f.n[1], f.s[1]);
	cr_assert_eq(f.n[2], 0, "section at %zu: an Encoding", off);
	if (f.n[3] == 4 && !memcmp(f.s[3], "TRUE", 4))
		s->islast = true;
	else
		cr_assert(f.n[3] == 5 && !memcmp(f.s[3], "FALSE", 5),
		          "section at %zu: Islast [%.*s]", off, (int)f.n[3],
		          f.s[3]);
	s->name = tl_unquote(f.s[4], f.n[4]);
	if (!strcmp(s->type, "Body")) {
		cr_assert(!f.n[4] && !f.n[5] && !f.n[6],
		          "section at %zu: a Body with Name, Position or "
		          "Format",
		          off);
	} else {
		cr_assert(number(f.s[5], f.n[5], &s->position),
		          "section at %zu: Position [%.*s]", off, (int)f.n[5],
		          f.s[5]);
		cr_assert(f.n[6] == 4 && !memcmp(f.s[6], "None", 4),
		          "section at %zu: Format [%.*s]", off, (int)f.n[6],
		          f.s[6]);
	}
	tl_slices_free(&f);
	s->data = off + hn + 2;
	cr_assert_leq(s->length, n - s->data,
	              "section at %zu: Length %llu runs past the end", off,
	              (unsigned long long)s->length);
	size_t end = s->data + (size_t)s->length;
	cr_assert(n - end >= 2 && sec[end] == '\r' && sec[end + 1] == '\n',
	          "section at %zu: no CR LF after its %llu bytes", off,
	          (unsigned long long)s->length);
	s->next = end + 2;
}
