/*
 * Generated post offices: the ground truth mapped onto the output rows.
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
char *fld(const char *line, size_t n, size_t k)
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
	/* An empty body has no bytes (sm->body is NULL then). */
	if (s.length == sm->bn && sm->bn)
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

/* The counts of REPORT's statistics, and the items of every message as
 * the truth and the reading here see them. */
static void check_counts(const struct t_po *tp, size_t po,
                         const struct s_list *sl, const char *po1252)
{
	struct ccm_po_stats st;
	ccm_po_stats(C.src, po, &st);
	cr_expect_eq(st.mailboxes, tp->nusers);
	cr_expect_eq(st.messages, tp->nmsg);
	cr_expect_eq(st.attachments, tp->natt);
	cr_expect_eq(st.boards, tp->nboards);
	cr_expect_eq(st.left_out, 0, "%s: %llu left out", po1252,
	             (unsigned long long)st.left_out);
	cr_assert_eq(tp->nmbx, tp->nusers);
	cr_assert_eq(sl->n, tp->nm, "read %zu messages here, the truth has %zu",
	             sl->n, tp->nm);

	/* The truth and the reading here agree on every message's items. */
	for (size_t i = 0; i < tp->nm; i++) {
		const struct t_msg *tm = &tp->msg[i];
		const struct s_msg *sm = s_find(sl, tm->owner, tm->idx);
		cr_assert_not_null(sm, "%s %llu not read here", tm->owner,
		                   (unsigned long long)tm->idx);
		cr_assert(sm->ntext == tm->ntext && sm->nfile == tm->nfile,
		          "%s %llu: %u+%u items read here, %u+%u in the truth",
		          tm->owner, (unsigned long long)tm->idx, sm->ntext,
		          sm->nfile, tm->ntext, tm->nfile);
		cr_assert_eq(tm->natt, tm->nfile);
	}
}

/* DIRECTORY.PRI: a mailbox row for each user in name order, a dl row for
 * each list. */
static void check_directory(const struct t_po *tp, const struct opo *o,
                            const char **names)
{
	const struct ofile *dir = ofind(o, "DIRECTORY.PRI");
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
}

/* The PRI of the i-th mailbox in name order: its title, and a row for
 * each of its messages that matches the truth. */
static void check_mailbox_pri(const struct t_po *tp, const struct opo *o,
                              const struct s_list *sl, const char **names,
                              size_t i, const char *po1252)
{
	char pri[32];
	snprintf(pri, sizeof(pri), "%08zu.PRI", i + 1);
	const struct ofile *f = ofind(o, pri);
	cr_assert_not_null(f, "no %s", pri);
	const char *t = strstr(f->data, "MAILMESSAGE,");
	cr_assert_not_null(t);
	char *title = fld(t, strcspn(t, "\r"), 1), *want;
	char *mname = conv(names[i]);
	cr_assert_geq(asprintf(&want, "CCMAIL:%s at %s", mname, po1252), 0);
	cr_expect_str_eq(title, want, "%s", pri);
	struct tl_slices rows;
	tl_pri_rows(f->data, f->n, &rows);
	uint64_t count = 0;
	for (size_t k = 0; k < tp->nmbx; k++)
		if (!strcmp(tp->mbx[k].name, names[i]))
			count = tp->mbx[k].count;
	cr_expect_eq(rows.count, count, "%s (%s): %zu rows, not %llu", pri,
	             mname, rows.count, (unsigned long long)count);
	for (size_t j = 0; j < tp->nm && rows.count == count; j++) {
		const struct t_msg *tm = &tp->msg[j];
		if (strcmp(tm->owner, names[i]))
			continue;
		check_row(o, rows.s[tm->idx], rows.n[tm->idx], tm,
		          s_find(sl, tm->owner, tm->idx));
	}
	tl_slices_free(&rows);
	free(title);
	free(want);
	free(mname);
}

/* The boards' PRI (named pri): a row for each board message, in order. */
static void check_board_pri(const struct t_po *tp, const struct opo *o,
                            const struct s_list *sl, const char *pri)
{
	struct tl_slices rows;
	rows_of(o, pri, &rows);
	const struct ofile *f = ofind(o, pri);
	cr_expect(!strncmp(f->data, "MAILMESSAGE,PublicMessages\r\n", 28));
	size_t r = 0;
	for (size_t j = 0; j < tp->nm; j++) {
		const struct t_msg *tm = &tp->msg[j];
		if (tm->owner[0] != '#')
			continue;
		cr_assert_lt(r, rows.count, "too few board rows");
		check_row(o, rows.s[r], rows.n[r], tm,
		          s_find(sl, tm->owner, tm->idx));
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
	check_counts(tp, po, &sl, po1252);

	/* Mailbox PRIs in name order, then the boards' PRI. */
	const char **names = malloc(tp->nmbx * sizeof(*names));
	cr_assert_not_null(names);
	for (size_t i = 0; i < tp->nmbx; i++)
		names[i] = tp->mbx[i].name;
	qsort(names, tp->nmbx, sizeof(*names), name_order);
	check_directory(tp, &o, names);
	for (size_t i = 0; i < tp->nmbx; i++)
		check_mailbox_pri(tp, &o, &sl, names, i, po1252);
	char pri[32];
	snprintf(pri, sizeof(pri), "%08zu.PRI", tp->nmbx + 1);
	if (tp->nboards) {
		check_board_pri(tp, &o, &sl, pri);
		snprintf(pri, sizeof(pri), "%08zu.PRI", tp->nmbx + 2);
	}
	cr_expect_null(ofind(&o, pri), "an extra %s", pri);

	free(names);
	free(po1252);
	free_list(&sl);
	free(podir);
	unload(&o);
}

void matches_truth(void)
{
	cp_init();
	struct truth t;
	read_truth(&t);
	cr_assert_eq(ccm_source_po_count(C.src), t.npo);
	for (size_t i = 0; i < t.npo; i++)
		check_po_against_truth(&t.po[i]);
	free_truth(&t);
}
