/*
 * Bad input: the fixture of the bad-input suites and the helpers that write a
 * mailbox and read what it became.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "bad.h"

/*
 * The fixture: the test's temporary folder D, with the export EXP inside
 * it so that files "outside the export" can sit beside it; and all that a
 * test allocates, handed over to be freed by .fini (teardown) whether the
 * test passes or fails: buffers, mailbox texts, PRI rows and sources.
 */
char *D, *EXP;
static struct {
	void **mem;
	size_t nmem, cap;
	struct text text[4];
	size_t ntext;
	struct rows rows[4];
	size_t nrows;
	ccm_source *src[4];
	size_t nsrc;
} F;

/* Hands p (malloc'd, may be NULL) to the fixture; returns it. */
void *own(void *p)
{
	if (F.nmem == F.cap) {
		F.cap = F.cap ? 2 * F.cap : 32;
		F.mem = realloc(F.mem, F.cap * sizeof(*F.mem));
		cr_assert_not_null(F.mem);
	}
	F.mem[F.nmem++] = p;
	return p;
}

ccm_source *own_src(ccm_source *src)
{
	cr_assert_lt(F.nsrc, 4);
	F.src[F.nsrc++] = src;
	return src;
}

/* A new empty text, owned by the fixture. */
struct text *new_text(void)
{
	cr_assert_lt(F.ntext, 4);
	return &F.text[F.ntext++];
}

static void setup(void)
{
	D = tl_tmpdir();
	EXP = tl_path(D, "exp");
	tl_mkdirs(EXP);
}

static void teardown(void)
{
	for (size_t i = 0; i < F.nsrc; i++)
		ccm_source_close(F.src[i]);
	for (size_t i = 0; i < F.nrows; i++) {
		tl_slices_free(&F.rows[i].r);
		free(F.rows[i].pri);
	}
	for (size_t i = 0; i < F.ntext; i++)
		free(F.text[i].p);
	for (size_t i = 0; i < F.nmem; i++)
		free(F.mem[i]);
	free(F.mem);
	memset(&F, 0, sizeof(F));
	free(EXP);
	tl_rmtree(D);
	EXP = D = NULL;
}

TestSuite(bad, .init = setup, .fini = teardown);
TestSuite(source, .init = setup, .fini = teardown);
TestSuite(changed, .init = setup, .fini = teardown);

void put(struct text *t, const void *data, size_t n)
{
	if (t->n + n + 1 > t->cap) {
		t->cap = (t->n + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		cr_assert_not_null(t->p);
	}
	memcpy(t->p + t->n, data, n);
	for (size_t i = 0; i < n; i++)
		t->lines += ((const char *)data)[i] == '\n';
	t->n += n;
	t->p[t->n] = '\0';
}

/* Appends one line (LF added) and returns its number. */
unsigned line(struct text *t, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	cr_assert_geq(r, 0);
	unsigned no = t->lines + 1;
	put(t, s, (size_t)r);
	put(t, "\n", 1);
	free(s);
	return no;
}

/* A message header up to Contents:; returns the Message: line. */
unsigned header(struct text *t, const char *subject)
{
	unsigned no = line(t, "Message:");
	line(t, "From: Ames, Al");
	line(t, "Date: 6/2/98 8:39");
	line(t, "To: Ames, Al");
	line(t, "Subject: %s", subject);
	line(t, "Contents:");
	return no;
}

/* A whole good message with one text item. */
unsigned message(struct text *t, const char *subject)
{
	unsigned no = header(t, subject);
	line(t, "Text item:");
	line(t, "The body of %s.", subject);
	return no;
}

static const char PO_INI[] = "[PostOffice]\r\nName=BAD\r\nCodePage=850\r\n";
static const char DIRECTORY[] = "Name: Ames, Al\r\nLocation: L\r\n";

/* PO.INI, a directory naming Ames, Al, and USERS/A.EXP holding t. */
void export_with(struct text *t)
{
	tl_puts(EXP, "PO.INI", PO_INI);
	tl_puts(EXP, "CCMDIR.EXP", DIRECTORY);
	tl_write_at(EXP, "USERS/A.EXP", t->p, t->n);
}

/* A new mailbox text (owned by the fixture), its two first lines written. */
struct text *mailbox(void)
{
	struct text *t = new_text();
	line(t, "Mailbox: Ames, Al");
	line(t, "%s", "");
	return t;
}

/* Every file of every post office reads whole at its announced size. */
void read_everything(const ccm_source *src)
{
	for (size_t po = 0; po < ccm_source_po_count(src); po++)
		for (size_t f = 0; f < ccm_po_file_count(src, po); f++)
			free(tl_read(src, po, f, 4093, NULL));
}

ccm_source *open_export(void)
{
	ccm_source *src = own_src(tl_open(EXP, NULL));
	cr_assert_eq(ccm_source_po_count(src), 1);
	cr_assert_str_eq(ccm_po_folder(src, 0), "BAD");
	read_everything(src);
	return src;
}

/* Does the report name file:line (for any of the lines given, 0 ends)? */
void expect_reported(const char *rep, const char *file, ...)
{
	va_list ap;
	va_start(ap, file);
	char want[256] = "";
	bool found = false;
	for (unsigned l; !found && (l = va_arg(ap, unsigned));) {
		char s[128];
		snprintf(s, sizeof(s), "%s:%u:", file, l);
		found = strstr(rep, s) != NULL;
		if (strlen(want) + strlen(s) + 4 < sizeof(want)) {
			strcat(want, want[0] ? " or " : "");
			strcat(want, s);
		}
	}
	va_end(ap);
	cr_expect(found, "REPORT.TXT does not name %s:\n%s", want, rep);
}

/* The rows of a PRI, each asserted to have 12 fields (owned). */
struct rows *get_rows(const ccm_source *src, const char *pri)
{
	cr_assert_lt(F.nrows, 4);
	struct rows *rows = &F.rows[F.nrows++];
	rows->pri = tl_file(src, 0, pri, &rows->n);
	tl_pri_rows(rows->pri, rows->n, &rows->r);
	for (size_t i = 0; i < rows->r.count; i++) {
		struct tl_slices f;
		tl_csv_fields(rows->r.s[i], rows->r.n[i], &f);
		cr_assert_eq(f.count, 12, "row %zu has %zu fields", i, f.count);
		tl_slices_free(&f);
	}
	return rows;
}

/* Field k of row i, unquoted (malloc'd). */
static char *field_dup(const struct rows *rows, size_t i, size_t k)
{
	struct tl_slices f;
	tl_csv_fields(rows->r.s[i], rows->r.n[i], &f);
	char *v = tl_unquote(f.s[k], f.n[k]);
	tl_slices_free(&f);
	return v;
}

/* The same, owned by the fixture. */
char *field(const struct rows *rows, size_t i, size_t k)
{
	return own(field_dup(rows, i, k));
}

/* The row whose Subject is subject, or -1. */
long find_row(const struct rows *rows, const char *subject)
{
	for (size_t i = 0; i < rows->r.count; i++) {
		char *s = field_dup(rows, i, 5);
		bool hit = !strcmp(s, subject);
		free(s);
		if (hit)
			return (long)i;
	}
	return -1;
}

void expect_rows(const struct rows *rows, const char *const *subjects,
                 size_t count)
{
	for (size_t i = 0; i < count; i++)
		cr_expect_geq(find_row(rows, subjects[i]), 0,
		              "no row for '%s' in:\n%s", subjects[i],
		              rows->pri);
}

/* The sections of the message of row i: count of them, and each (their
 * names and the SEC file *secp owned by the fixture). */
size_t sections(const ccm_source *src, const struct rows *rows, size_t i,
                struct tl_section *out, size_t max, char **secp, size_t *secn)
{
	char *body = field(rows, i, 11);
	char name[16];
	uint64_t off;
	cr_assert(tl_body_ptr(body, strlen(body), name, &off), "Body [%s]",
	          body);
	*secp = own(tl_file(src, 0, name, secn));
	size_t k = 0;
	for (;;) {
		cr_assert_lt(k, max);
		tl_sec_section(*secp, *secn, (size_t)off, &out[k]);
		own(out[k].name);
		off = out[k].next;
		if (out[k++].islast)
			break;
	}
	return k;
}

void expect_body_only(const ccm_source *src, const struct rows *rows,
                      const char *subject, const char *what)
{
	long r = find_row(rows, subject);
	if (r < 0)
		return;
	struct tl_section s[4];
	char *sec;
	size_t sn;
	size_t k = sections(src, rows, (size_t)r, s, 4, &sec, &sn);
	cr_expect_eq(k, 1, "%s", what);
}
