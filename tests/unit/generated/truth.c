/*
 * Generated post offices: ccm-gen's ground truth (--truth) read.
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
/* the ground truth */

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

void read_truth(struct truth *t)
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

void free_truth(struct truth *t)
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
