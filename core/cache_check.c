/*
 * The indexes inside a loaded index, checked: every number that a read
 * uses to find an element of an array, or a byte range of a source file,
 * must point inside it. Sizes and lengths that only shape the output are
 * not checked here: a wrong one gives a read CCM_ERR_CHANGED, never a
 * read out of bounds (the reader and the window clip every copy).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_check.h"
#include "cache_table.h"
#include "mailidx.h"
#include "scan_read.h"

/*
 * The large arrays (messages, items, row plans and pieces, seek points,
 * nodes) are read for the check with pread, a window at a time, not
 * through the mapping. On a machine with shadow page tables every page
 * of a new mapping costs a trip to the hypervisor on its first touch:
 * walking the 110 MB index of a million messages through the mapping
 * took 55 to 65 ms here, reading it with pread 18 ms. The pages are then
 * touched only by the reads that need them. The elements checked are the
 * file's bytes, the same bytes the mapping shows: the file is private to
 * its owner and only ever replaced by rename, never written in place.
 */
enum { WIN_BYTES = 64 * 1024 };

struct win {
	const char *base; /* the array, where the po record points */
	size_t esz, n;    /* its element size and length */
	size_t lo, cnt;   /* elements [lo, lo + cnt) are in buf */
	bool direct;      /* read base in place (not in the mapped file) */
	_Alignas(16) char buf[WIN_BYTES];
};

struct ck {
	const struct ccm_source *src;
	const struct ccm_po *po;
	int fd; /* the index file, or -1: read the mapping in place */
	const char *fail;
	struct win *w[4]; /* windows on an array and the ones it names */
};

static bool need(struct ck *c, bool ok, const char *what)
{
	if (!ok && !c->fail)
		c->fail = what;
	return ok;
}

static void win_start(struct ck *c, struct win *w, const void *base, size_t esz,
                      size_t n)
{
	w->base = base;
	w->esz = esz;
	w->n = n;
	w->lo = w->cnt = 0;
	w->direct = c->fd < 0 || !n || !ccm_cache_mapped(c->src, base);
}

/* Reads the window of w that starts at element i. A failed read fails
 * the check and reads as zeros. */
static void win_fill(struct ck *c, struct win *w, size_t i)
{
	size_t cnt = WIN_BYTES / w->esz;
	if (cnt > w->n - i)
		cnt = w->n - i;
	size_t len = cnt * w->esz;
	off_t at = (off_t)(w->base - c->src->map) + (off_t)(i * w->esz);
	if (pread(c->fd, w->buf, len, at) != (ssize_t)len) {
		memset(w->buf, 0, len);
		need(c, false, "the index file could not be read");
	}
	w->lo = i;
	w->cnt = cnt;
}

/* Element i (< w->n) of the array of w: a copy in the window, or the
 * element itself when it is not in the mapped file. */
static inline const void *win_at(struct ck *c, struct win *w, size_t i)
{
	if (w->direct)
		return w->base + i * w->esz;
	if (i - w->lo >= w->cnt) /* also i < w->lo: the difference wraps */
		win_fill(c, w, i);
	return w->buf + (i - w->lo) * w->esz;
}

#define WIN(c, k, arr)                                                         \
	win_start(c, (c)->w[k], (arr).v, sizeof(*(arr).v), (arr).n)
#define AT(c, k, type, i) ((const type *)win_at(c, (c)->w[k], i))

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
	for (uint32_t k = 0; k < m->nitems && !c->fail; k++) {
		const struct ccm_item *it =
		        AT(c, 1, struct ccm_item, m->item0 + k);
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

/* Messages [lo, hi) and their items, through windows 0 and 1. */
static void messages_in(struct ck *c, size_t lo, size_t hi)
{
	const struct ccm_po *po = c->po;
	WIN(c, 0, po->msgs);
	WIN(c, 1, po->items);
	for (size_t i = lo; i < hi && !c->fail; i++) {
		const struct ccm_msg *m = AT(c, 0, struct ccm_msg, i);
		if (need(c,
		         span(m->item0, m->nitems, po->items.n) &&
		                 in_file(c, m->file, m->hdr_off, m->hdr_len),
		         "a message out of bounds"))
			items(c, m);
	}
}

/* The second half of the messages, checked by a thread of its own with
 * windows of its own. */
struct part {
	struct ck c;
	size_t lo, hi;
	struct win w[2];
};

static void *messages_part(void *arg)
{
	struct part *p = arg;
	messages_in(&p->c, p->lo, p->hi);
	return NULL;
}

/*
 * The messages and their items are most of an index (83 of its 88 bytes
 * a message at a million): their two halves are checked on two threads,
 * since the check is what a remount waits for (at a million messages,
 * 60 -> 57 ms beside the checksum's and the stats' threads on 2 cores).
 * SPLIT_MIN is low on purpose: a thread costs tens of microseconds, and
 * the suite's small post offices then take this path too.
 */
enum { SPLIT_MIN = 64 };

static void messages(struct ck *c)
{
	size_t n = c->po->msgs.n, half = n / 2;
	struct part *p = n >= SPLIT_MIN ? malloc(sizeof(*p)) : NULL;
	pthread_t t;
	bool threaded = false;
	if (p) {
		p->c = *c;
		p->c.fail = NULL;
		p->c.w[0] = &p->w[0];
		p->c.w[1] = &p->w[1];
		p->lo = half;
		p->hi = n;
		threaded = !pthread_create(&t, NULL, messages_part, p);
	}
	messages_in(c, 0, threaded ? half : n);
	if (threaded) {
		pthread_join(t, NULL);
		need(c, !p->c.fail, p->c.fail);
	}
	free(p);
}

static void seeks(struct ck *c)
{
	const struct ccm_po *po = c->po;
	WIN(c, 0, po->seekidx);
	WIN(c, 1, po->seekpts);
	WIN(c, 2, po->items);
	for (size_t i = 0; i < po->seekidx.n && !c->fail; i++) {
		const struct ccm_seekidx *si = AT(c, 0, struct ccm_seekidx, i);
		if (!need(c,
		          si->item < po->items.n &&
		                  span(si->first, si->count, po->seekpts.n),
		          "a seek point out of bounds"))
			break;
		uint64_t len = AT(c, 2, struct ccm_item, si->item)->src_len;
		for (uint32_t k = 0; k < si->count; k++)
			need(c,
			     AT(c, 1, struct ccm_seekpt, si->first + k)->src <=
			             len,
			     "a seek point past its item");
	}
}

static void plans(struct ck *c)
{
	const struct ccm_po *po = c->po;
	WIN(c, 0, po->plans);
	WIN(c, 1, po->pieces);
	for (size_t i = 0; i < po->plans.n && !c->fail; i++) {
		const struct ccm_rowplan *pl = AT(c, 0, struct ccm_rowplan, i);
		if (!need(c,
		          span(pl->piece0, pl->npieces, po->pieces.n) &&
		                  pl->file < c->src->files.n,
		          "a row plan out of bounds"))
			break;
		for (uint32_t k = 0; k < pl->npieces; k++) {
			const struct ccm_rowpiece *pc =
			        AT(c, 1, struct ccm_rowpiece, pl->piece0 + k);
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
	WIN(c, 0, po->nodes);
	for (size_t i = 0; i < po->nodes.n && !c->fail; i++) {
		const struct ccm_node *nd = AT(c, 0, struct ccm_node, i);
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
	}
	win_start(c, c->w[0], po->node_by_name, sizeof(*po->node_by_name),
	          po->nodes.n);
	for (size_t i = 0; i < po->nodes.n && !c->fail; i++)
		need(c, *AT(c, 0, uint32_t, i) < po->nodes.n,
		     "a node name out of bounds");
}

/*
 * A mail view's seek points: each message's run lies inside po->mail's,
 * each point in a text item of its message, at most at its end, in the
 * order of its output offset, within the encoded text. A part head's
 * length (parthdr) and the parts' lengths only shape the output.
 */
static void mail_seeks(struct ck *c, const struct ccm_msg *m,
                       const struct ccm_mailmsg *mm)
{
	uint64_t last = 0;
	for (uint32_t k = 0; k < mm->nseek && !c->fail; k++) {
		const struct ccm_mailseek *sp =
		        AT(c, 3, struct ccm_mailseek, mm->seek0 + k);
		bool in =
		        sp->item >= m->item0 && sp->item - m->item0 < m->nitems;
		const struct ccm_item *it =
		        in ? AT(c, 2, struct ccm_item, sp->item) : NULL;
		need(c,
		     in && it->kind == CCM_ITEM_TEXT &&
		             sp->src <= it->src_len && sp->out <= mm->body &&
		             last <= sp->out,
		     "a mail seek point out of bounds");
		last = sp->out;
	}
}

static void mail(struct ck *c)
{
	const struct ccm_po *po = c->po;
	const struct ccm_mailidx *mi = po->mail;
	if (!mi)
		return;
	win_start(c, c->w[0], mi->msgs, sizeof(*mi->msgs), po->msgs.n);
	WIN(c, 1, po->msgs);
	WIN(c, 2, po->items);
	WIN(c, 3, mi->seeks);
	for (size_t i = 0; i < po->msgs.n && !c->fail; i++) {
		const struct ccm_mailmsg *mm = AT(c, 0, struct ccm_mailmsg, i);
		if (need(c, span(mm->seek0, mm->nseek, mi->seeks.n),
		         "a message's mail seek points out of bounds") &&
		    mm->nseek)
			mail_seeks(c, AT(c, 1, struct ccm_msg, i), mm);
	}
}

bool ccm_cache_check_po(const struct ccm_source *src, const struct ccm_po *po,
                        int fd, char *why, size_t whysz)
{
	struct win *w = malloc(4 * sizeof(*w));
	if (!w) {
		snprintf(why, whysz, "out of memory");
		return false;
	}
	struct ck c = {src, po, fd, NULL, {w, w + 1, w + 2, w + 3}};
	need(&c,
	     memchr(po->folder, 0, sizeof(po->folder)) != NULL &&
	             str_ok(&po->name) && str_ok(&po->pkl) &&
	             str_ok(&po->directory) && str_ok(&po->report) &&
	             str_ok(&po->boards_prefix) &&
	             (unsigned)po->date_order <= CCM_DATE_YMD &&
	             po->file0 <= po->file1 && po->file1 <= src->files.n,
	     "a post office record out of bounds");
	messages(&c);
	seeks(&c);
	plans(&c);
	people(&c);
	outputs(&c);
	nodes(&c);
	if (!c.fail)
		mail(&c); /* once the messages' items are shown in bounds */
	free(w);
	if (c.fail)
		snprintf(why, whysz, "%s", c.fail);
	return !c.fail;
}

bool ccm_cache_check_src(const struct ccm_source *src, char *why, size_t whysz)
{
	for (size_t i = 0; i < src->files.n; i++)
		if (!src->files.v[i].path ||
		    src->files.v[i].rel_n > strlen(src->files.v[i].path)) {
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
