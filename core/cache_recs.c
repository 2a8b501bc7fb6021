/*
 * The small records of a post office in a loaded index, checked: its
 * mailboxes, lists, boards, SEC files and output files (cache_check.h).
 * They are few, read in place from the mapping.
 */
#include <string.h>

#include "cache_check.h"

struct ck {
	size_t nfiles; /* the source's */
	const char *fail;
};

static void need(struct ck *c, bool ok, const char *what)
{
	if (!ok && !c->fail)
		c->fail = what;
}

/* [a, a + n) within [0, lim)? In 64 bits: no 32-bit sum wraps. */
static bool span(uint64_t a, uint64_t n, uint64_t lim)
{
	return a <= lim && n <= lim - a;
}

static void people(struct ck *c, const struct ccm_po *po)
{
	for (size_t i = 0; i < po->mailboxes.n; i++) {
		const struct ccm_mailbox *mb = &po->mailboxes.v[i];
		need(c,
		     span(mb->msg0, mb->nmsg, po->msgs.n) &&
		             span(mb->list0, mb->nlists, po->plists.n) &&
		             (mb->file == CCM_NONE || mb->file < c->nfiles) &&
		             mb->prefix.s && mb->name.s,
		     "a mailbox out of bounds");
	}
	for (size_t i = 0; i < po->lists.n + po->plists.n; i++) {
		const struct ccm_list *l =
		        i < po->lists.n ? &po->lists.v[i]
		                        : &po->plists.v[i - po->lists.n];
		need(c, span(l->mem0, l->nmem, po->members.n),
		     "a list out of bounds");
	}
	for (size_t i = 0; i < po->boards.n; i++)
		need(c,
		     span(po->boards.v[i].msg0, po->boards.v[i].nmsg,
		          po->msgs.n),
		     "a board out of bounds");
	need(c,
	     po->boards_msg0 <= po->boards_msg1 &&
	             po->boards_msg1 <= po->msgs.n,
	     "the boards' messages out of bounds");
}

static void outputs(struct ck *c, const struct ccm_po *po)
{
	for (size_t i = 0; i < po->secs.n; i++)
		need(c,
		     po->secs.v[i].msg0 < po->secs.v[i].msg1 &&
		             po->secs.v[i].msg1 <= po->msgs.n,
		     "a SEC file out of bounds");
	for (size_t i = 0; i < po->files.n; i++) {
		const struct ccm_ofile *f = &po->files.v[i];
		need(c,
		     memchr(f->name, 0, sizeof(f->name)) &&
		             (unsigned)f->kind <= CCM_OF_REPORT &&
		             (f->kind != CCM_OF_MBX ||
		              f->arg < po->mailboxes.n) &&
		             (f->kind != CCM_OF_SEC || f->arg < po->secs.n),
		     "an output file out of bounds");
		need(c, po->by_name[i] < po->files.n,
		     "a file name out of bounds");
	}
	for (size_t i = 0; i < po->secs.n; i++)
		need(c, po->sec_by_msg[i] < po->secs.n,
		     "a SEC file index out of bounds");
}

const char *ccm_cache_check_recs(const struct ccm_source *src,
                                 const struct ccm_po *po)
{
	struct ck c = {src->files.n, NULL};
	people(&c, po);
	outputs(&c, po);
	return c.fail;
}
