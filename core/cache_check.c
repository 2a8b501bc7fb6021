/*
 * The indexes inside a loaded index, checked: every number that a read
 * uses to find an element of an array, or a byte range of a source file,
 * must point inside it. Sizes and lengths that only shape the output are
 * not checked here: a wrong one gives a read CCM_ERR_CHANGED, never a
 * read out of bounds (the reader and the window clip every copy).
 */
#include <stdio.h>
#include <string.h>

#include "cache_check.h"
#include "scan_read.h"

struct ck {
	const struct ccm_source *src;
	const struct ccm_po *po;
	const char *fail;
};

static bool need(struct ck *c, bool ok, const char *what)
{
	if (!ok && !c->fail)
		c->fail = what;
	return ok;
}

/* [a, a + n) within [0, lim)? In 64 bits: no 32-bit sum wraps. */
static bool span(uint64_t a, uint64_t n, uint64_t lim)
{
	return a <= lim && n <= lim - a;
}

/* Bytes [off, off + n) of source file f, when f is one. */
static bool in_file(const struct ck *c, uint32_t f, uint64_t off, uint64_t n)
{
	return f < c->src->files.n && span(off, n, c->src->files.v[f].size);
}

static bool str_ok(const struct ccm_str *s)
{
	return s->s != NULL;
}

static void items(struct ck *c, const struct ccm_msg *m)
{
	const struct ccm_po *po = c->po;
	for (uint32_t k = 0; k < m->nitems && !c->fail; k++) {
		const struct ccm_item *it = &po->items.v[m->item0 + k];
		need(c, it->kind <= CCM_ITEM_EXT, "an item of no kind");
		need(c, in_file(c, m->file, it->src_off, it->src_len),
		     "an item out of its file");
		/* An attachment's header lines are read whole into memory:
		 * no longer than the scan's window on a message allows. */
		if (it->kind == CCM_ITEM_HEX)
			need(c,
			     it->aux <= it->src_off &&
			             it->aux <= CCM_FEED_MSG_MAX,
			     "a hex item's line");
		if (it->kind == CCM_ITEM_EXT)
			need(c,
			     in_file(c, it->file, 0, it->out_len) &&
			             it->src_len <= CCM_FEED_MSG_MAX,
			     "an attachment out of its file");
	}
}

static void messages(struct ck *c)
{
	const struct ccm_po *po = c->po;
	for (size_t i = 0; i < po->msgs.n && !c->fail; i++) {
		const struct ccm_msg *m = &po->msgs.v[i];
		if (need(c,
		         span(m->item0, m->nitems, po->items.n) &&
		                 in_file(c, m->file, m->hdr_off, m->hdr_len),
		         "a message out of bounds"))
			items(c, m);
	}
	for (size_t i = 0; i < po->seekidx.n && !c->fail; i++) {
		const struct ccm_seekidx *si = &po->seekidx.v[i];
		if (!need(c,
		          si->item < po->items.n &&
		                  span(si->first, si->count, po->seekpts.n),
		          "a seek point out of bounds"))
			break;
		for (uint32_t k = 0; k < si->count; k++)
			need(c,
			     po->seekpts.v[si->first + k].src <=
			             po->items.v[si->item].src_len,
			     "a seek point past its item");
	}
}

static void plans(struct ck *c)
{
	const struct ccm_po *po = c->po;
	for (size_t i = 0; i < po->plans.n && !c->fail; i++) {
		const struct ccm_rowplan *pl = &po->plans.v[i];
		if (!need(c,
		          span(pl->piece0, pl->npieces, po->pieces.n) &&
		                  pl->file < c->src->files.n,
		          "a row plan out of bounds"))
			break;
		for (uint32_t k = 0; k < pl->npieces; k++) {
			const struct ccm_rowpiece *pc =
			        &po->pieces.v[pl->piece0 + k];
			need(c,
			     pc->lit || in_file(c, pl->file, pc->src, pc->len),
			     "a row piece out of its file");
		}
	}
}

static void people(struct ck *c)
{
	const struct ccm_po *po = c->po;
	for (size_t i = 0; i < po->mailboxes.n; i++) {
		const struct ccm_mailbox *mb = &po->mailboxes.v[i];
		need(c,
		     span(mb->msg0, mb->nmsg, po->msgs.n) &&
		             span(mb->list0, mb->nlists, po->plists.n) &&
		             (mb->file == CCM_NONE ||
		              mb->file < c->src->files.n) &&
		             str_ok(&mb->prefix) && str_ok(&mb->name),
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

static void outputs(struct ck *c)
{
	const struct ccm_po *po = c->po;
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

static void nodes(struct ck *c)
{
	const struct ccm_po *po = c->po;
	/* Every name ends within po->names: its last byte is a NUL. */
	bool names = po->names.n && !po->names.v[po->names.n - 1];
	for (size_t i = 0; i < po->nodes.n; i++) {
		const struct ccm_node *nd = &po->nodes.v[i];
		need(c,
		     names && nd->name < po->names.n &&
		             nd->parent < po->nodes.n &&
		             span(nd->child0, nd->nchild, po->nodes.n) &&
		             nd->kind <= CCM_NODE_MAIL &&
		             (nd->kind != CCM_NODE_FILE ||
		              nd->arg < po->files.n) &&
		             (nd->kind != CCM_NODE_MAIL ||
		              nd->arg < po->msgs.n),
		     "a folder tree node out of bounds");
		need(c, po->node_by_name[i] < po->nodes.n,
		     "a node name out of bounds");
	}
}

bool ccm_cache_check_po(const struct ccm_source *src, const struct ccm_po *po,
                        char *why, size_t whysz)
{
	struct ck c = {src, po, NULL};
	need(&c,
	     memchr(po->folder, 0, sizeof(po->folder)) != NULL &&
	             str_ok(&po->name) && str_ok(&po->pkl) &&
	             str_ok(&po->directory) && str_ok(&po->report) &&
	             str_ok(&po->boards_prefix) &&
	             (unsigned)po->date_order <= CCM_DATE_YMD &&
	             po->file0 <= po->file1 && po->file1 <= src->files.n,
	     "a post office record out of bounds");
	messages(&c);
	plans(&c);
	people(&c);
	outputs(&c);
	nodes(&c);
	if (c.fail)
		snprintf(why, whysz, "%s", c.fail);
	return !c.fail;
}

bool ccm_cache_check_src(const struct ccm_source *src, char *why, size_t whysz)
{
	for (size_t i = 0; i < src->files.n; i++)
		if (!src->files.v[i].path || !src->files.v[i].rel) {
			snprintf(why, whysz, "a source file without a path");
			return false;
		}
	for (size_t i = 0; i < src->dirs.n; i++)
		if (!src->dirs.v[i].path) {
			snprintf(why, whysz, "a folder without a path");
			return false;
		}
	return true;
}
