/*
 * Synthetic post offices from ccm-gen (tests/gen), checked three ways:
 *
 * - against themselves: every file reads whole at its announced size, in
 *   any chunking and any range, from several threads at once;
 * - against the output spec: PKL order, Body pointers, every SEC file
 *   walked section by section;
 * - against the generator's ground truth (--truth) and an independent
 *   reading of the export written here: counts, which message is in which
 *   row, each Body's exact bytes, each attachment's size and FNV-1a hash.
 *
 * The truth file has tab-separated lines (see ccm-gen.c):
 *   po       rel name users messages attachments boards lists
 *   mailbox  rel name messages
 *   msg      rel owner idx ntext nfile date-valid
 *   att      rel owner idx k size fnv1a-hex
 * where owner is a mailbox name, or "#board" for a bulletin board
 * message, and idx counts the owner's messages from 0 in source order.
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

#include "tl.h"

/* ------------------------------------------------------------------ */
/* corpora */

/* The generator's arguments, without --truth and the folder. */
static const char *const CFG_A[] = {
        "--seed",     "7",    "--pos",          "3",  "--users", "30",
        "--messages", "1500", "--attach-bytes", "4M", NULL};
/* One post office with tricky names and every quirk, two big files. */
static const char *const CFG_B[] = {"--seed",
                                    "11",
                                    "--users",
                                    "25",
                                    "--messages",
                                    "1200",
                                    "--attach-bytes",
                                    "6M",
                                    "--big-attach",
                                    "2",
                                    "--tricky",
                                    "--quirks",
                                    NULL};
/* Four post offices whose names differ only by case (spec §2 step 6). */
static const char *const CFG_C[] = {
        "--seed",     "5",   "--pos",          "4",    "--users", "6",
        "--messages", "120", "--attach-bytes", "300K", NULL};

static struct {
	char *dir, *exp, *truth;
	ccm_source *src;
} C;

static void generate(const char *const *args)
{
	C.dir = tl_tmpdir();
	C.exp = tl_path(C.dir, "export");
	C.truth = tl_path(C.dir, "truth.tsv");
	char *argv[32];
	size_t n = 0;
	argv[n++] = (char *)tl_env("CCM_GEN");
	for (size_t i = 0; args[i]; i++)
		argv[n++] = (char *)args[i];
	argv[n++] = (char *)"--truth";
	argv[n++] = C.truth;
	argv[n++] = C.exp;
	argv[n] = NULL;
	cr_assert_lt(n, 32);
	char *err;
	int rc = tl_capture((const char *const *)argv, NULL, NULL, &err);
	cr_assert_eq(rc, 0, "ccm-gen failed (%d): %s", rc, err);
	free(err);
	C.src = tl_open(C.exp, NULL);
}

static void cleanup(void)
{
	if (C.src)
		ccm_source_close(C.src);
	free(C.exp);
	free(C.truth);
	tl_rmtree(C.dir);
	memset(&C, 0, sizeof(C));
}

/* Every file of a post office, read whole once. */
struct ofile {
	const char *name;
	char *data;
	size_t n;
};

struct opo {
	size_t po;
	struct ofile *f;
	size_t nf;
};

static void load(size_t po, struct opo *o, size_t chunk)
{
	o->po = po;
	o->nf = ccm_po_file_count(C.src, po);
	o->f = calloc(o->nf, sizeof(*o->f));
	cr_assert_not_null(o->f);
	for (size_t i = 0; i < o->nf; i++) {
		o->f[i].name = ccm_file_name(C.src, po, i);
		o->f[i].data = tl_read(C.src, po, i, chunk, &o->f[i].n);
	}
}

static void unload(struct opo *o)
{
	for (size_t i = 0; i < o->nf; i++)
		free(o->f[i].data);
	free(o->f);
}

static const struct ofile *ofind(const struct opo *o, const char *name)
{
	for (size_t i = 0; i < o->nf; i++)
		if (!strcmp(o->f[i].name, name))
			return &o->f[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the ground truth */

struct t_att {
	uint64_t size, hash;
};

struct t_msg {
	char *owner;
	uint64_t idx;
	unsigned ntext, nfile;
	bool valid;
	struct t_att att[8];
	unsigned natt;
};

struct t_mbx {
	char *name;
	uint64_t count;
};

struct t_po {
	char *rel, *name;
	uint64_t nusers, nmsg, natt, nboards, nlists;
	struct t_mbx *mbx;
	size_t nmbx;
	struct t_msg *msg;
	size_t nm;
};

struct truth {
	struct t_po *po;
	size_t npo;
};

/* Splits a line at tabs in place. */
static size_t tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

static struct t_po *truth_po(struct truth *t, const char *rel)
{
	for (size_t i = 0; i < t->npo; i++)
		if (!strcmp(t->po[i].rel, rel))
			return &t->po[i];
	cr_assert_fail("truth: no po line for %s", rel);
	return NULL;
}

static void read_truth(struct truth *t)
{
	memset(t, 0, sizeof(*t));
	size_t n;
	char *text = tl_try_slurp(C.truth, &n);
	cr_assert_not_null(text, "no truth file");
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *f[10];
		size_t nf = tabs(l, f, 10);
		if (!strcmp(f[0], "po")) {
			cr_assert_eq(nf, 8);
			t->po = realloc(t->po, (t->npo + 1) * sizeof(*t->po));
			struct t_po *p = &t->po[t->npo++];
			memset(p, 0, sizeof(*p));
			p->rel = strdup(f[1]);
			p->name = strdup(f[2]);
			p->nusers = strtoull(f[3], NULL, 10);
			p->nmsg = strtoull(f[4], NULL, 10);
			p->natt = strtoull(f[5], NULL, 10);
			p->nboards = strtoull(f[6], NULL, 10);
			p->nlists = strtoull(f[7], NULL, 10);
		} else if (!strcmp(f[0], "mailbox")) {
			cr_assert_eq(nf, 4);
			struct t_po *p = truth_po(t, f[1]);
			p->mbx = realloc(p->mbx,
			                 (p->nmbx + 1) * sizeof(*p->mbx));
			p->mbx[p->nmbx].name = strdup(f[2]);
			p->mbx[p->nmbx++].count = strtoull(f[3], NULL, 10);
		} else if (!strcmp(f[0], "msg")) {
			cr_assert_eq(nf, 7);
			struct t_po *p = truth_po(t, f[1]);
			p->msg = realloc(p->msg, (p->nm + 1) * sizeof(*p->msg));
			struct t_msg *m = &p->msg[p->nm++];
			memset(m, 0, sizeof(*m));
			m->owner = strdup(f[2]);
			m->idx = strtoull(f[3], NULL, 10);
			m->ntext = (unsigned)strtoul(f[4], NULL, 10);
			m->nfile = (unsigned)strtoul(f[5], NULL, 10);
			m->valid = f[6][0] == '1';
		} else if (!strcmp(f[0], "att")) {
			cr_assert_eq(nf, 7);
			struct t_po *p = truth_po(t, f[1]);
			/* An att line follows the msg line of its message. */
			cr_assert_gt(p->nm, 0);
			struct t_msg *m = &p->msg[p->nm - 1];
			cr_assert(!strcmp(m->owner, f[2]) &&
			                  m->idx == strtoull(f[3], NULL, 10),
			          "truth: att line out of place");
			cr_assert_eq(strtoul(f[4], NULL, 10), m->natt);
			cr_assert_lt(m->natt, 8);
			m->att[m->natt].size = strtoull(f[5], NULL, 10);
			m->att[m->natt++].hash = strtoull(f[6], NULL, 16);
		} else {
			cr_assert_fail("truth: unknown line kind %s", f[0]);
		}
	}
	free(text);
	cr_assert_gt(t->npo, 0);
}

static void free_truth(struct truth *t)
{
	for (size_t i = 0; i < t->npo; i++) {
		struct t_po *p = &t->po[i];
		for (size_t k = 0; k < p->nmbx; k++)
			free(p->mbx[k].name);
		for (size_t k = 0; k < p->nm; k++)
			free(p->msg[k].owner);
		free(p->mbx);
		free(p->msg);
		free(p->rel);
		free(p->name);
	}
	free(t->po);
}

/* ------------------------------------------------------------------ */
/* code page 850 to 1252, one byte at a time, as iff-output §3 says */

static unsigned char CP[256];

static void cp_init(void)
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
static char *conv(const char *s)
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

/* A message as read here: owner, items, and the Body it must give. */
struct s_msg {
	char *owner;
	uint64_t idx;
	unsigned ntext, nfile;
	char *body;
	size_t bn, bcap;
	bool pending; /* a text item came before: the next one is joined */
	bool eol;     /* the last text item ended with CR LF */
	uint64_t pos[8];
};

struct s_list {
	struct s_msg *m;
	size_t n;
};

struct reader {
	const char *d;
	size_t n, p;
	bool boards;
};

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
static void read_export(const char *dir, struct s_list *out)
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

static void free_list(struct s_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->m[i].owner);
		free(l->m[i].body);
	}
	free(l->m);
}

static const struct s_msg *s_find(const struct s_list *l, const char *owner,
                                  uint64_t idx)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->m[i].idx == idx && !strcmp(l->m[i].owner, owner))
			return &l->m[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* mapping the truth onto the output */

/* The order of spec iff-output §1: ASCII letters as upper case, a prefix
 * first, then ties broken by the bytes. */
static int name_order(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;
	for (size_t i = 0;; i++) {
		int cx = x[i] >= 'a' && x[i] <= 'z' ? x[i] - 32 : x[i];
		int cy = y[i] >= 'a' && y[i] <= 'z' ? y[i] - 32 : y[i];
		if (cx != cy)
			return cx - cy;
		if (!x[i])
			break;
	}
	return strcmp((const char *)x, (const char *)y);
}

/* Field k of a CSV line, unquoted. */
static char *fld(const char *line, size_t n, size_t k)
{
	struct tl_slices f;
	tl_csv_fields(line, n, &f);
	cr_assert_lt(k, f.count);
	char *v = tl_unquote(f.s[k], f.n[k]);
	tl_slices_free(&f);
	return v;
}

/* The post office (folder index) whose mailbox PRIs name post office
 * `name` (cp850) in their titles. */
static size_t po_of(const char *name)
{
	char *want = conv(name);
	size_t found = (size_t)-1;
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		size_t f;
		if (ccm_file_lookup(C.src, po, "00000001.PRI", &f))
			continue;
		size_t n;
		char *pri = tl_read(C.src, po, f, 65536, &n);
		const char *t = strstr(pri, "MAILMESSAGE,");
		cr_assert_not_null(t);
		char *title = fld(t, strcspn(t, "\r"), 1);
		char *at = NULL;
		for (char *p = strstr(title, " at "); p;
		     p = strstr(p + 1, " at "))
			at = p;
		if (at && !strcmp(at + 4, want)) {
			cr_assert_eq(found, (size_t)-1,
			             "two folders for post office %s", want);
			found = po;
		}
		free(title);
		free(pri);
	}
	cr_assert_neq(found, (size_t)-1, "no folder for post office %s", want);
	free(want);
	return found;
}

static void expect_date(const char *row, size_t rn, bool valid,
                        const char *what)
{
	char *s = fld(row, rn, 6), *r = fld(row, rn, 7);
	if (valid) {
		cr_expect(strlen(s) == 14 && strspn(s, "0123456789") == 14,
		          "%s: Send-Date [%s]", what, s);
		cr_expect_str_eq(r, s, "%s: Received-Date", what);
	} else {
		cr_expect(!*s && !*r, "%s: an invalid date gave [%s] [%s]",
		          what, s, r);
	}
	free(s);
	free(r);
}

/* One row against its message: sections, Body bytes, attachments. */
static void check_row(const struct opo *o, const char *row, size_t rn,
                      const struct t_msg *tm, const struct s_msg *sm)
{
	char what[160];
	snprintf(what, sizeof(what), "%s message %llu", tm->owner,
	         (unsigned long long)tm->idx);
	struct tl_slices f;
	tl_csv_fields(row, rn, &f);
	cr_assert_eq(f.count, 12, "%s: %zu fields", what, f.count);
	tl_slices_free(&f);
	expect_date(row, rn, tm->valid, what);
	char *body = fld(row, rn, 11), sec_name[16];
	uint64_t off;
	cr_assert(tl_body_ptr(body, strlen(body), sec_name, &off),
	          "%s: Body [%s]", what, body);
	free(body);
	const struct ofile *sec = ofind(o, sec_name);
	cr_assert_not_null(sec, "%s: no %s", what, sec_name);

	cr_assert(off < sec->n && sec->n - off > 5 &&
	                  !memcmp(sec->data + off, "Body,", 5),
	          "%s: its Body pointer %s(%llu) is not at a Body section",
	          what, sec_name, (unsigned long long)off);
	struct tl_section s;
	tl_sec_section(sec->data, sec->n, (size_t)off, &s);
	cr_expect_eq(s.length, sm->bn, "%s: Body of %llu bytes, not %zu", what,
	             (unsigned long long)s.length, sm->bn);
	if (s.length == sm->bn)
		cr_expect(!memcmp(sec->data + s.data, sm->body, sm->bn),
		          "%s: the Body's bytes differ", what);
	cr_expect_eq(s.islast, tm->nfile == 0, "%s: Body Islast", what);
	free(s.name);
	size_t at = s.next;
	for (unsigned k = 0; k < tm->nfile; k++) {
		tl_sec_section(sec->data, sec->n, at, &s);
		cr_assert_str_eq(s.type, "Attachment", "%s: section %u", what,
		                 k + 1);
		cr_expect_neq(s.name[0], '\0', "%s: an empty Name", what);
		cr_expect_eq(s.position, sm->pos[k],
		             "%s: attachment %u at Position %llu, not %llu",
		             what, k, (unsigned long long)s.position,
		             (unsigned long long)sm->pos[k]);
		cr_expect_eq(s.islast, k + 1 == tm->nfile,
		             "%s: attachment %u Islast", what, k);
		cr_expect_eq(s.length, tm->att[k].size,
		             "%s: attachment %u of %llu bytes, not %llu", what,
		             k, (unsigned long long)s.length,
		             (unsigned long long)tm->att[k].size);
		if (s.length == tm->att[k].size)
			cr_expect_eq(tl_fnv1a(TL_FNV_INIT, sec->data + s.data,
			                      s.length),
			             tm->att[k].hash,
			             "%s: attachment %u's bytes differ", what,
			             k);
		at = s.next;
		free(s.name);
	}
}

/* The rows of file name (asserted to exist). */
static void rows_of(const struct opo *o, const char *name,
                    struct tl_slices *rows)
{
	const struct ofile *f = ofind(o, name);
	cr_assert_not_null(f, "no %s in %s", name, ccm_po_folder(C.src, o->po));
	tl_pri_rows(f->data, f->n, rows);
}

static void check_po_against_truth(const struct t_po *tp)
{
	size_t po = po_of(tp->name);
	struct opo o;
	load(po, &o, 65536);
	char *podir =
	        strcmp(tp->rel, ".") ? tl_path(C.exp, tp->rel) : strdup(C.exp);
	struct s_list sl;
	read_export(podir, &sl);
	char *po1252 = conv(tp->name);

	/* Counts. */
	struct ccm_po_stats st;
	ccm_po_stats(C.src, po, &st);
	cr_expect_eq(st.mailboxes, tp->nusers);
	cr_expect_eq(st.messages, tp->nmsg);
	cr_expect_eq(st.attachments, tp->natt);
	cr_expect_eq(st.boards, tp->nboards);
	cr_expect_eq(st.left_out, 0, "%s: %llu left out", po1252,
	             (unsigned long long)st.left_out);
	cr_assert_eq(tp->nmbx, tp->nusers);
	cr_assert_eq(sl.n, tp->nm, "read %zu messages here, the truth has %zu",
	             sl.n, tp->nm);

	/* The truth and the reading here agree on every message's items. */
	for (size_t i = 0; i < tp->nm; i++) {
		const struct t_msg *tm = &tp->msg[i];
		const struct s_msg *sm = s_find(&sl, tm->owner, tm->idx);
		cr_assert_not_null(sm, "%s %llu not read here", tm->owner,
		                   (unsigned long long)tm->idx);
		cr_assert(sm->ntext == tm->ntext && sm->nfile == tm->nfile,
		          "%s %llu: %u+%u items read here, %u+%u in the truth",
		          tm->owner, (unsigned long long)tm->idx, sm->ntext,
		          sm->nfile, tm->ntext, tm->nfile);
		cr_assert_eq(tm->natt, tm->nfile);
	}

	/* Mailbox PRIs in name order, then the boards' PRI. */
	const char **names = malloc(tp->nmbx * sizeof(*names));
	cr_assert_not_null(names);
	for (size_t i = 0; i < tp->nmbx; i++)
		names[i] = tp->mbx[i].name;
	qsort(names, tp->nmbx, sizeof(*names), name_order);
	const struct ofile *dir = ofind(&o, "DIRECTORY.PRI");
	cr_assert_not_null(dir);
	struct tl_slices dlines;
	tl_lines(dir->data, dir->n, &dlines);
	size_t dl = 0, mb = 0;
	for (size_t i = 0; i < dlines.count; i++) {
		if (dlines.n[i] > 15 &&
		    !memcmp(dlines.s[i], "mailbox,create,", 15)) {
			if (mb < tp->nmbx) {
				char *disp = fld(dlines.s[i], dlines.n[i], 3);
				char *want = conv(names[mb]);
				cr_expect_str_eq(
				        disp, want,
				        "DIRECTORY.PRI mailbox row %zu", mb);
				free(disp);
				free(want);
			}
			mb++;
		} else if (dlines.n[i] > 10 &&
		           !memcmp(dlines.s[i], "dl,create,", 10)) {
			dl++;
		}
	}
	tl_slices_free(&dlines);
	cr_expect_eq(mb, tp->nusers, "DIRECTORY.PRI: %zu mailbox rows", mb);
	cr_expect_eq(dl, tp->nlists, "DIRECTORY.PRI: %zu dl rows", dl);

	for (size_t i = 0; i < tp->nmbx; i++) {
		char pri[32];
		snprintf(pri, sizeof(pri), "%08zu.PRI", i + 1);
		const struct ofile *f = ofind(&o, pri);
		cr_assert_not_null(f, "no %s", pri);
		const char *t = strstr(f->data, "MAILMESSAGE,");
		cr_assert_not_null(t);
		char *title = fld(t, strcspn(t, "\r"), 1), *want;
		char *mname = conv(names[i]);
		cr_assert_geq(asprintf(&want, "CCMAIL:%s at %s", mname, po1252),
		              0);
		cr_expect_str_eq(title, want, "%s", pri);
		struct tl_slices rows;
		tl_pri_rows(f->data, f->n, &rows);
		uint64_t count = 0;
		for (size_t k = 0; k < tp->nmbx; k++)
			if (!strcmp(tp->mbx[k].name, names[i]))
				count = tp->mbx[k].count;
		cr_expect_eq(rows.count, count, "%s (%s): %zu rows, not %llu",
		             pri, mname, rows.count, (unsigned long long)count);
		for (size_t j = 0; j < tp->nm && rows.count == count; j++) {
			const struct t_msg *tm = &tp->msg[j];
			if (strcmp(tm->owner, names[i]))
				continue;
			check_row(&o, rows.s[tm->idx], rows.n[tm->idx], tm,
			          s_find(&sl, tm->owner, tm->idx));
		}
		tl_slices_free(&rows);
		free(title);
		free(want);
		free(mname);
	}
	char pri[32];
	snprintf(pri, sizeof(pri), "%08zu.PRI", tp->nmbx + 1);
	if (tp->nboards) {
		struct tl_slices rows;
		rows_of(&o, pri, &rows);
		const struct ofile *f = ofind(&o, pri);
		cr_expect(!strncmp(f->data, "MAILMESSAGE,PublicMessages\r\n",
		                   28));
		size_t r = 0;
		for (size_t j = 0; j < tp->nm; j++) {
			const struct t_msg *tm = &tp->msg[j];
			if (tm->owner[0] != '#')
				continue;
			cr_assert_lt(r, rows.count, "too few board rows");
			check_row(&o, rows.s[r], rows.n[r], tm,
			          s_find(&sl, tm->owner, tm->idx));
			/* To is the board's name (§7). */
			char *to = fld(rows.s[r], rows.n[r], 2);
			char *board = conv(tm->owner + 1);
			cr_expect_str_eq(to, board);
			free(to);
			free(board);
			r++;
		}
		cr_expect_eq(r, rows.count, "extra board rows");
		tl_slices_free(&rows);
		snprintf(pri, sizeof(pri), "%08zu.PRI", tp->nmbx + 2);
	}
	cr_expect_null(ofind(&o, pri), "an extra %s", pri);

	free(names);
	free(po1252);
	free_list(&sl);
	free(podir);
	unload(&o);
}

static void matches_truth(void)
{
	cp_init();
	struct truth t;
	read_truth(&t);
	cr_assert_eq(ccm_source_po_count(C.src), t.npo);
	for (size_t i = 0; i < t.npo; i++)
		check_po_against_truth(&t.po[i]);
	free_truth(&t);
}

/* ------------------------------------------------------------------ */
/* checks that need no truth */

/* Whole reads in odd chunks equal one read of the whole file. */
static void sizes_and_chunks(void)
{
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		for (size_t f = 0; f < ccm_po_file_count(C.src, po); f++) {
			size_t a, b;
			char *x = tl_read(C.src, po, f, 4093, &a);
			char *y = tl_read(C.src, po, f, (size_t)1 << 30, &b);
			cr_assert_eq(a, b);
			cr_assert(!memcmp(x, y, a),
			          "%s/%s: chunked reads differ",
			          ccm_po_folder(C.src, po),
			          ccm_file_name(C.src, po, f));
			free(x);
			free(y);
		}
	}
}

static void random_ranges(void)
{
	struct tl_rng rng = {99};
	char *buf = malloc(300000);
	cr_assert_not_null(buf);
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		struct opo o;
		load(po, &o, 65536);
		for (size_t f = 0; f < o.nf; f++) {
			size_t size = o.f[f].n;
			for (int i = 0; i < 150; i++) {
				uint64_t off = tl_rng_below(&rng, size + 2);
				size_t len = (size_t)tl_rng_below(
				        &rng, i % 3 ? 5000 : 300000);
				size_t got;
				ccm_err err = ccm_file_read(C.src, po, f, off,
				                            len, buf, &got);
				cr_assert_eq(err, CCM_OK, "%s",
				             ccm_strerror(err));
				size_t want = off >= size ? 0
				              : len < size - off
				                      ? len
				                      : size - (size_t)off;
				cr_assert_eq(got, want);
				cr_assert(!memcmp(buf, o.f[f].data + off, got),
				          "%s/%s [%llu, +%zu) differs",
				          ccm_po_folder(C.src, po), o.f[f].name,
				          (unsigned long long)off, len);
			}
		}
		unload(&o);
	}
	free(buf);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Every SEC file walked section by section ends exactly at its size; a
 * message is a Body then its attachments, only the last with Islast TRUE;
 * no Body holds a lone CR or LF; and the messages' first sections are
 * exactly the Body pointers of the PRI rows.
 */
static void sec_walk_and_pointers(void)
{
	static const char hdr[] =
	        "Type,Length,Encoding,Islast,Name,Position,Format\r\n";
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		struct opo o;
		load(po, &o, 65536);
		for (size_t f = 0; f < o.nf; f++) {
			const struct ofile *sec = &o.f[f];
			if (!strstr(sec->name, ".SEC"))
				continue;
			cr_assert(sec->n >= 50 && !memcmp(sec->data, hdr, 50),
			          "%s: column header", sec->name);
			/* The pointers into this file, from every PRI. */
			uint64_t *ptr = NULL;
			size_t np = 0;
			for (size_t p = 0; p < o.nf; p++) {
				if (!strstr(o.f[p].name, ".PRI") ||
				    !strcmp(o.f[p].name, "DIRECTORY.PRI"))
					continue;
				struct tl_slices rows;
				tl_pri_rows(o.f[p].data, o.f[p].n, &rows);
				for (size_t r = 0; r < rows.count; r++) {
					char *b = fld(rows.s[r], rows.n[r], 11);
					char name[16];
					uint64_t off;
					cr_assert(tl_body_ptr(b, strlen(b),
					                      name, &off),
					          "%s row %zu: Body [%s]",
					          o.f[p].name, r, b);
					cr_assert_not_null(ofind(&o, name),
					                   "%s names no file",
					                   b);
					if (!strcmp(name, sec->name)) {
						ptr = realloc(
						        ptr,
						        (np + 1) *
						                sizeof(*ptr));
						ptr[np++] = off;
					}
					free(b);
				}
				tl_slices_free(&rows);
			}
			qsort(ptr, np, sizeof(*ptr), cmp_u64);
			size_t at = 50, msgs = 0;
			bool start = true;
			while (at < sec->n) {
				struct tl_section s;
				tl_sec_section(sec->data, sec->n, at, &s);
				if (start) {
					cr_assert_str_eq(s.type, "Body",
					                 "%s at %zu", sec->name,
					                 at);
					cr_assert_lt(msgs, np,
					             "%s: more messages than "
					             "pointers",
					             sec->name);
					cr_assert_eq(
					        ptr[msgs], at,
					        "%s: a message at %zu, a "
					        "pointer to %llu",
					        sec->name, at,
					        (unsigned long long)ptr[msgs]);
					msgs++;
					const char *b = sec->data + s.data;
					for (size_t i = 0; i < s.length; i++) {
						if (b[i] == '\n')
							cr_assert(
							        i && b[i -
							               1] == '\r',
							        "%s: a lone LF "
							        "in "
							        "the Body at "
							        "%zu",
							        sec->name, at);
						if (b[i] == '\r')
							cr_assert(
							        i + 1 < s.length &&
							                b[i +
							                  1] == '\n',
							        "%s: a lone CR "
							        "in "
							        "the Body at "
							        "%zu",
							        sec->name, at);
					}
				} else {
					cr_assert_str_eq(s.type, "Attachment",
					                 "%s at %zu", sec->name,
					                 at);
				}
				start = s.islast;
				free(s.name);
				at = s.next;
			}
			cr_assert_eq(at, sec->n, "%s: the walk ends at %zu",
			             sec->name, at);
			cr_assert(start, "%s: the last message has no Islast",
			          sec->name);
			cr_assert_eq(msgs, np, "%s: %zu messages, %zu pointers",
			             sec->name, msgs, np);
			free(ptr);
		}
		unload(&o);
	}
}

/*
 * The PKL (iff-output §4): the code page, a blank line, the header, then
 * DIRECTORY.PRI, then each PRI followed by the SEC files its rows point
 * into; every file but the PKL and REPORT.TXT listed once.
 */
static void pkl_lists_every_file(void)
{
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		struct opo o;
		load(po, &o, 65536);
		char pkl_name[80];
		snprintf(pkl_name, sizeof(pkl_name), "%s.PKL",
		         ccm_po_folder(C.src, po));
		const struct ofile *pkl = ofind(&o, pkl_name);
		cr_assert_not_null(pkl, "no %s", pkl_name);
		struct tl_slices l;
		tl_lines(pkl->data, pkl->n, &l);
		cr_assert_geq(l.count, 4);
		cr_assert(l.n[0] == 4 && !memcmp(l.s[0], "1252", 4));
		cr_assert_eq(l.n[1], 0);
		cr_assert(l.n[2] == 17 &&
		          !memcmp(l.s[2], "Filename,Filetype", 17));
		cr_assert(l.n[3] == 21 &&
		          !memcmp(l.s[3], "DIRECTORY.PRI,Primary", 21));
		/* Three lines of head, then every file but the PKL and
		 * REPORT.TXT. */
		cr_assert_eq(l.count, o.nf + 1, "%zu PKL lines for %zu files",
		             l.count, o.nf);
		unsigned pri_no = 0, sec_no = 0;
		const struct ofile *cur = NULL;
		for (size_t i = 4; i < l.count; i++) {
			char name[32], type[16];
			cr_assert_lt(l.n[i], 40);
			char line[48];
			memcpy(line, l.s[i], l.n[i]);
			line[l.n[i]] = '\0';
			cr_assert_eq(sscanf(line, "%31[^,],%15s", name, type),
			             2, "[%s]", line);
			unsigned num;
			char ext[4];
			cr_assert_eq(sscanf(name, "%8u.%3s", &num, ext), 2);
			const struct ofile *f = ofind(&o, name);
			cr_assert_not_null(f, "the PKL lists %s", name);
			if (!strcmp(ext, "PRI")) {
				cr_assert_str_eq(type, "Primary");
				cr_assert_eq(num, ++pri_no, "%s out of order",
				             name);
				cur = f;
			} else {
				cr_assert_str_eq(ext, "SEC");
				cr_assert_str_eq(type, "Secondary");
				cr_assert_eq(num, ++sec_no, "%s out of order",
				             name);
				cr_assert_not_null(cur);
				/* Some row of the PRI before it points into
				 * this SEC. */
				char needle[48];
				snprintf(needle, sizeof(needle), ",#%s(", name);
				cr_assert(
				        tl_contains(cur->data, cur->n, needle),
				        "%s follows %s, which does not use it",
				        name, cur->name);
			}
		}
		tl_slices_free(&l);
		unload(&o);
	}
}

struct reader_arg {
	const struct opo *o;
	size_t npo;
	uint64_t seed;
	int bad;
};

static void *reader_thread(void *p)
{
	struct reader_arg *a = p;
	struct tl_rng rng = {a->seed};
	char *buf = malloc(100000);
	for (int i = 0; buf && i < 400; i++) {
		size_t po = (size_t)tl_rng_below(&rng, a->npo);
		const struct opo *o = &a->o[po];
		size_t f = (size_t)tl_rng_below(&rng, o->nf);
		size_t size = o->f[f].n;
		uint64_t off = tl_rng_below(&rng, size + 1);
		size_t len = (size_t)tl_rng_below(&rng, 100000);
		size_t got;
		if (ccm_file_read(C.src, o->po, f, off, len, buf, &got) ||
		    got != (len < size - off ? len : size - off) ||
		    memcmp(buf, o->f[f].data + off, got))
			a->bad++;
	}
	free(buf);
	return NULL;
}

/* Several threads reading at once get the same bytes (ccmailfs.h). */
static void threads(void)
{
	size_t npo = ccm_source_po_count(C.src);
	struct opo *o = calloc(npo, sizeof(*o));
	cr_assert_not_null(o);
	for (size_t po = 0; po < npo; po++)
		load(po, &o[po], 65536);
	pthread_t th[4];
	struct reader_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i] = (struct reader_arg){o, npo, 1000 + (uint64_t)i, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, reader_thread, &a[i]),
		             0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(a[i].bad, 0, "thread %d: %d bad reads", i,
		             a[i].bad);
	}
	for (size_t po = 0; po < npo; po++)
		unload(&o[po]);
	free(o);
}

/* Folder names are unique without regard to case (spec §2 step 6). */
static void folders_unique(void)
{
	size_t n = ccm_source_po_count(C.src);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			cr_expect(strcasecmp(ccm_po_folder(C.src, i),
			                     ccm_po_folder(C.src, j)),
			          "two post offices in folders %s and %s",
			          ccm_po_folder(C.src, i),
			          ccm_po_folder(C.src, j));
}

/* Opens the corpus again with other options. */
static void reopen(const struct ccm_options *o)
{
	ccm_source_close(C.src);
	C.src = tl_open(C.exp, o);
}

/*
 * A split size of 100 KiB: every SEC file stays within it, a PRI's
 * messages spread over several SEC files, and the structure holds.
 */
static void sec_split(void)
{
	const uint64_t split = 100 * 1024;
	struct ccm_options o = {.sec_split = split};
	reopen(&o);
	size_t secs = 0, pris = 0;
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		for (size_t f = 0; f < ccm_po_file_count(C.src, po); f++) {
			const char *name = ccm_file_name(C.src, po, f);
			if (strstr(name, ".SEC")) {
				secs++;
				cr_expect_leq(ccm_file_size(C.src, po, f),
				              split, "%s", name);
			} else if (strstr(name, ".PRI")) {
				pris++;
			}
		}
	}
	cr_expect_gt(secs, pris, "no PRI spread over several SEC files");
	sizes_and_chunks();
	sec_walk_and_pointers();
	pkl_lists_every_file();
}

/* Folders in the order of their names (ccmailfs.h), unique. */
static void folder_order(void)
{
	size_t n = ccm_source_po_count(C.src);
	for (size_t i = 1; i < n; i++)
		cr_expect_lt(strcmp(ccm_po_folder(C.src, i - 1),
		                    ccm_po_folder(C.src, i)),
		             0, "%s before %s", ccm_po_folder(C.src, i - 1),
		             ccm_po_folder(C.src, i));
	folders_unique();
}

/* ------------------------------------------------------------------ */
/* the tests: each corpus is made afresh in each test's own process */

static void gen_a(void)
{
	generate(CFG_A);
}

static void gen_b(void)
{
	generate(CFG_B);
}

static void gen_c(void)
{
	generate(CFG_C);
}

TestSuite(gen_a, .init = gen_a, .fini = cleanup, .timeout = 240);
TestSuite(gen_b, .init = gen_b, .fini = cleanup, .timeout = 240);
TestSuite(gen_c, .init = gen_c, .fini = cleanup, .timeout = 240);

Test(gen_a, sizes_and_chunks)
{
	sizes_and_chunks();
}

Test(gen_a, random_ranges)
{
	random_ranges();
}

Test(gen_a, sec_walk_and_pointers)
{
	sec_walk_and_pointers();
}

Test(gen_a, pkl_lists_every_file)
{
	pkl_lists_every_file();
}

Test(gen_a, matches_truth)
{
	matches_truth();
}

Test(gen_a, threads)
{
	threads();
}

Test(gen_a, sec_split)
{
	sec_split();
}

Test(gen_b, sizes_and_chunks)
{
	sizes_and_chunks();
}

Test(gen_b, random_ranges)
{
	random_ranges();
}

Test(gen_b, sec_walk_and_pointers)
{
	sec_walk_and_pointers();
}

Test(gen_b, pkl_lists_every_file)
{
	pkl_lists_every_file();
}

Test(gen_b, matches_truth)
{
	matches_truth();
}

Test(gen_b, threads)
{
	threads();
}

Test(gen_c, folders_unique)
{
	cr_assert_eq(ccm_source_po_count(C.src), 4);
	folder_order();
}

Test(gen_c, dos83_folders_unique)
{
	struct ccm_options o = {.dos83 = true};
	reopen(&o);
	cr_assert_eq(ccm_source_po_count(C.src), 4);
	for (size_t po = 0; po < 4; po++) {
		const char *f = ccm_po_folder(C.src, po);
		cr_expect(strlen(f) >= 1 && strlen(f) <= 8, "folder %s", f);
		char pkl[32];
		snprintf(pkl, sizeof(pkl), "%s.PKL", f);
		size_t i;
		cr_expect_eq(ccm_file_lookup(C.src, po, pkl, &i), CCM_OK,
		             "no %s", pkl);
	}
	folder_order();
}

Test(gen_c, matches_truth)
{
	matches_truth();
}
