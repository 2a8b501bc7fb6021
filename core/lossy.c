/*
 * Lossy conversion (spec iff-output §3): when the output page lacks
 * characters of the post office, each becomes '?', and REPORT.TXT says at
 * its top how many names and items lost characters, which page keeps
 * them, and which mailboxes, lists or proxies became equal through it.
 * Two users whose names differ only in characters the output page lacks
 * become one name: the Migration Wizard would merge their mailboxes or
 * refuse the second, so the administrator must see each such group.
 */
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "lossy.h"

static bool lost(const struct ccm_po *po, const struct ccm_str *s)
{
	return ccm_cp_lossy(&po->cp, s->s, s->n);
}

static uint64_t lost_lists(const struct ccm_po *po, const struct ccm_list *v,
                           size_t n)
{
	uint64_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += lost(po, &v[i].name) + lost(po, &v[i].comment);
	return count;
}

void ccm_lossy_names(struct ccm_po *po)
{
	if (!po->cp.any_lost)
		return;
	uint64_t count = lost(po, &po->name);
	for (size_t i = 0; i < po->mailboxes.n; i++)
		count += lost(po, &po->mailboxes.v[i].name) +
		         lost(po, &po->mailboxes.v[i].comment);
	count += lost_lists(po, po->lists.v, po->lists.n);
	count += lost_lists(po, po->plists.v, po->plists.n);
	for (size_t i = 0; i < po->members.n; i++)
		count += lost(po, &po->members.v[i]);
	for (size_t i = 0; i < po->boards.n; i++)
		count += lost(po, &po->boards.v[i].name) +
		         lost(po, &po->boards.v[i].comment);
	po->lost_names = count;
}

/* A name as the output shows it, and what it belongs to. */
struct shown {
	char *s;
	size_t n;
	size_t what; /* a mailbox's or a list's index */
};

static int cmp_shown(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	for (size_t i = 0; i < n; i++) {
		int d = (unsigned char)ccm_upper(x->s[i]) -
		        (unsigned char)ccm_upper(y->s[i]);
		if (d)
			return d;
	}
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->what < y->what ? -1 : x->what > y->what;
}

/* Names are equal for the Wizard without regard to ASCII case. */
static bool same(const struct shown *x, const struct shown *y)
{
	return x->n == y->n && ccm_caseeq(x->s, y->s, x->n);
}

/*
 * Appends one line per group of names[0..n) that are equal once converted
 * though they were distinct before (names equal in the source were merged
 * already). kind names the group; label writes one member.
 */
static void
groups(const struct ccm_po *po, struct shown *v, size_t n, const char *kind,
       void (*label)(const struct ccm_po *, size_t, struct ccm_buf *),
       struct ccm_buf *out)
{
	qsort(v, n, sizeof(*v), cmp_shown);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && same(&v[i], &v[j]))
			j++;
		if (j - i > 1) {
			ccm_buf_printf(out, "  %zu %s shown as \"", j - i,
			               kind);
			ccm_buf_put(out, v[i].s, v[i].n);
			ccm_buf_puts(out, "\":");
			for (size_t k = i; k < j; k++) {
				ccm_buf_puts(out, k > i ? ", " : " ");
				label(po, v[k].what, out);
			}
			ccm_buf_puts(out, "\r\n");
		}
		i = j;
	}
}

static void mailbox_label(const struct ccm_po *po, size_t i,
                          struct ccm_buf *out)
{
	(void)po;
	ccm_buf_printf(out, "%08zu.PRI", i + 1);
}

static void list_label(const struct ccm_po *po, size_t i, struct ccm_buf *out)
{
	(void)po;
	ccm_buf_printf(out, "list %zu", i + 1);
}

/* A name converted as the output shows it; false when out of memory. */
static bool show(const struct ccm_po *po, const struct ccm_str *name,
                 size_t what, struct shown *v)
{
	struct ccm_buf b = {0};
	ccm_cp_put(&po->cp, name->s, name->n, true, &b);
	*v = (struct shown){b.p, b.len, what};
	return !b.oom;
}

static void equal_groups(const struct ccm_po *po, struct ccm_buf *out)
{
	size_t nm = po->mailboxes.n, nl = po->lists.n;
	struct shown *v = calloc(nm + nl + 1, sizeof(*v));
	if (!v) {
		out->oom = true;
		return;
	}
	bool ok = true;
	for (size_t i = 0; i < nm; i++)
		ok &= show(po, &po->mailboxes.v[i].name, i, &v[i]);
	for (size_t i = 0; i < nl; i++)
		ok &= show(po, &po->lists.v[i].name, i, &v[nm + i]);
	size_t start = out->len;
	ccm_buf_puts(out, "Became equal through it (the Wizard would merge "
	                  "or refuse them):\r\n");
	size_t head = out->len;
	if (ok) {
		groups(po, v, nm, "mailboxes (and their proxy addresses)",
		       mailbox_label, out);
		groups(po, v + nm, nl, "public lists", list_label, out);
	}
	out->oom |= !ok;
	for (size_t i = 0; i < nm + nl; i++)
		free(v[i].s);
	free(v);
	if (out->len == head)
		out->len = start; /* no group: no heading */
}

void ccm_lossy_report(const struct ccm_po *po, struct ccm_buf *out)
{
	if (!po->lost_names && !po->lost_items)
		return;
	ccm_buf_printf(out,
	               "Lossy conversion: %llu names and %llu items hold "
	               "characters that code page %u lacks; each is written "
	               "'?'. Code page %u keeps them all (option "
	               "codepage=%u).\r\n",
	               (unsigned long long)po->lost_names,
	               (unsigned long long)po->lost_items, po->out_cp,
	               po->src_cp, po->src_cp);
	if (po->lost_names)
		equal_groups(po, out);
}
