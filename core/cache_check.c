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
	/* When sum is not NULL: the file's bytes [sum_at, sum_end) are
	 * still to be added to it, each as it is read (win_sum). */
	struct ccm_cache_sum *sum;
	uint64_t sum_at, sum_end;
	_Alignas(16) char buf[WIN_BYTES];
};

struct ck {
	const struct ccm_source *src;
	const struct ccm_po *po;
	int fd; /* the index file, or -1: read the mapping in place */
	const char *fail;
	struct win *w[4]; /* windows on an array and the ones it names */
	/* The seek index read whole when it is sorted by item (else NULL),
	 * and the lengths of its items as the messages' check reads them
	 * (UINT64_MAX: not read), so that seeks() need not read the items
	 * again; a part of the check notes those of items [, sk_hi) from
	 * seek point sk_at on. */
	const struct ccm_seekidx *sk;
	uint64_t *sk_len;
	size_t sk_at, sk_hi;
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
	w->sum = NULL;
}

/* The file offset of element i of the array of w. */
static uint64_t win_off(const struct ck *c, const struct win *w, size_t i)
{
	return (uint64_t)(w->base - c->src->map) + (uint64_t)i * w->esz;
}

/* Sums the bytes of w's range that lie before file offset to, reading
 * them into the window (which then holds nothing). */
static void sum_gap(struct ck *c, struct win *w, uint64_t to)
{
	if (to > w->sum_end)
		to = w->sum_end;
	if (w->sum_at >= to || c->fail)
		return;
	need(c,
	     ccm_cache_sum_file(c->fd, w->buf, WIN_BYTES, w->sum_at, to,
	                        w->sum),
	     "the index file could not be read");
	w->sum_at = to;
	w->cnt = 0;
}

/* Reads the window of w that starts at element i. A failed read fails
 * the check and reads as zeros. */
static void win_fill(struct ck *c, struct win *w, size_t i)
{
	size_t cnt = WIN_BYTES / w->esz;
	if (cnt > w->n - i)
		cnt = w->n - i;
	size_t len = cnt * w->esz;
	uint64_t at = win_off(c, w, i);
	if (w->sum)
		sum_gap(c, w, at);
	if (pread(c->fd, w->buf, len, (off_t)at) != (ssize_t)len) {
		memset(w->buf, 0, len);
		need(c, false, "the index file could not be read");
	} else if (w->sum && at <= w->sum_at && w->sum_at < at + len) {
		uint64_t end = at + len < w->sum_end ? at + len : w->sum_end;
		ccm_cache_sum_at(w->sum, w->sum_at, w->buf + (w->sum_at - at),
		                 (size_t)(end - w->sum_at));
		w->sum_at = end;
	}
	w->lo = i;
	w->cnt = cnt;
}

/* From now on the bytes of elements [lo, hi) of w's array are added to
 * sum as the window reads them, the file's bytes being read once;
 * win_sum_end then reads and adds what the window skipped. Nothing
 * when w reads in place (no file). */
static void win_sum(struct ck *c, struct win *w, struct ccm_cache_sum *sum,
                    size_t lo, size_t hi)
{
	if (w->direct || !sum)
		return;
	w->sum = sum;
	w->sum_at = win_off(c, w, lo);
	w->sum_end = win_off(c, w, hi);
}

static void win_sum_end(struct ck *c, struct win *w)
{
	if (w->sum)
		sum_gap(c, w, w->sum_end);
	w->sum = NULL;
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

/* Element i (< end) of the array of w, as win_at, and in *run how many
 * of the elements from i on, before end, follow it in memory. */
static inline const void *win_run(struct ck *c, struct win *w, size_t i,
                                  size_t end, size_t *run)
{
	const void *e = win_at(c, w, i);
	*run = end - i;
	if (!w->direct && *run > w->lo + w->cnt - i)
		*run = w->lo + w->cnt - i;
	return e;
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

/* Says what is wrong with message m or its items. */
static void message_ok(struct ck *c, const struct ccm_msg *m)
{
	if (!need(c,
	          span(m->item0, m->nitems, c->po->items.n) &&
	                  in_file(c, m->file, m->hdr_off, m->hdr_len),
	          "a message out of bounds"))
		return;
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

/* A part of the messages and items: messages [lo, hi), through window
 * 0, and their items, through window 1; the bytes of messages [lo, hi)
 * and of items [ilo, ihi) are added to sum (when not NULL). */
struct part {
	struct ck c;
	size_t lo, hi, ilo, ihi;
	struct ccm_cache_sum *sum;
};

/* Are items [lo, hi) (< po->items.n) of a file of fsize bytes sound?
 * What message_ok checks, in the loop a load spends most of its time
 * in: a window's run at a time, no branch but an attachment's (rare). */
static bool items_in(struct ck *c, size_t lo, size_t hi, uint64_t fsize)
{
	bool ok = true;
	for (size_t i = lo, run; ok && i < hi; i += run) {
		const struct ccm_item *it = win_run(c, c->w[1], i, hi, &run);
		size_t end = i + run < c->sk_hi ? i + run : c->sk_hi;
		for (; c->sk && c->sk_at < c->po->seekidx.n &&
		       c->sk[c->sk_at].item < end;
		     c->sk_at++)
			if (c->sk[c->sk_at].item >= i)
				c->sk_len[c->sk_at] =
				        it[c->sk[c->sk_at].item - i].src_len;
		for (size_t k = 0; k < run; k++, it++) {
			uint64_t off = it->src_off, len = it->src_len;
			unsigned kind = it->kind, aux = it->aux;
			ok &= (kind <= CCM_ITEM_EXT) & (off <= fsize) &
			      (len <= fsize - off);
			ok &= (kind != CCM_ITEM_HEX) |
			      ((aux <= off) & (aux <= CCM_FEED_MSG_MAX));
			if (kind == CCM_ITEM_EXT)
				ok &= in_file(c, it->file, 0, it->out_len) &&
				      len <= CCM_FEED_MSG_MAX;
		}
	}
	return ok;
}

/* Are messages [p->lo, p->hi) and their items sound, their items being
 * in their order from p->ilo on, as a scan writes them (else false)? The
 * items of a run of messages of one file are checked in one pass. */
static bool messages_run(struct part *p)
{
	struct ck *c = &p->c;
	const struct ccm_srcfile *fv = c->src->files.v;
	uint64_t nf = c->src->files.n, ni = c->po->items.n;
	uint64_t next = p->ilo, run0 = next, fsize = 0;
	uint64_t file = UINT64_MAX; /* of the run; none yet */
	bool ok = true;
	c->sk_hi = p->ihi;
	while (c->sk && c->sk_at < c->po->seekidx.n &&
	       c->sk[c->sk_at].item < p->ilo)
		c->sk_at++;
	for (size_t i = p->lo, run; ok && i < p->hi; i += run) {
		const struct ccm_msg *m = win_run(c, c->w[0], i, p->hi, &run);
		for (size_t k = 0; k < run; k++, m++) {
			if (m->file != file) { /* a run's end */
				ok &= next <= ni && nf > m->file &&
				      items_in(c, run0, next, fsize);
				file = m->file;
				fsize = ok ? fv[m->file].size : 0;
				run0 = next;
			}
			uint64_t at = m->hdr_off;
			ok &= (m->item0 == next) & (at <= fsize) &
			      (m->hdr_len <= fsize - at);
			next += m->nitems;
		}
	}
	return ok && next <= ni && items_in(c, run0, next, fsize);
}

static void messages_in(struct part *p)
{
	struct ck *c = &p->c;
	const struct ccm_po *po = c->po;
	WIN(c, 0, po->msgs);
	WIN(c, 1, po->items);
	win_sum(c, c->w[0], p->sum, p->lo, p->hi);
	win_sum(c, c->w[1], p->sum, p->ilo, p->ihi);
	/* Else each message on its own: says what is wrong (the windows
	 * add to the sum only bytes not yet added). */
	size_t i = messages_run(p) ? p->hi : p->lo;
	for (; i < p->hi && !c->fail; i++)
		message_ok(c, AT(c, 0, struct ccm_msg, i));
	win_sum_end(c, c->w[0]);
	win_sum_end(c, c->w[1]);
}

/* The second half of the messages, checked by a thread of its own with
 * windows and a sum of its own. */
struct half {
	struct part p;
	struct ccm_cache_sum sum;
	struct win w[2];
};

static void *messages_half(void *arg)
{
	messages_in(&((struct half *)arg)->p);
	return NULL;
}

/*
 * The messages and their items are most of an index (83 of its 88 bytes
 * a message at a million): their two halves are checked on two threads,
 * since the check is what a remount waits for (at a million messages,
 * 60 -> 57 ms beside the checksum's and the stats' threads on 2 cores);
 * the first thread then checks the rest of the post office before it
 * waits for the second. SPLIT_MIN is low on purpose: a thread costs tens of
 * microseconds, and the suite's small post offices then take this path too.
 */
enum { SPLIT_MIN = 64 };

/* The first item of message i, as the file has it: where the second
 * half's share of the items' bytes starts (any place would do for the
 * sum; this one has each half read its own items once). */
static size_t first_item(struct ck *c, size_t i)
{
	struct ccm_msg m;
	const struct ccm_po *po = c->po;
	WIN(c, 0, po->msgs);
	if (c->w[0]->direct)
		memcpy(&m, &po->msgs.v[i], sizeof(m));
	else if (pread(c->fd, &m, sizeof(m), (off_t)win_off(c, c->w[0], i)) !=
	         (ssize_t)sizeof(m))
		m.item0 = 0;
	return m.item0 < po->items.n ? m.item0 : po->items.n;
}

/* Checks the first half of the messages, the second half on a thread
 * (*t) that the caller joins with messages_end, once it has checked the
 * rest of the post office meanwhile; returns that half, or NULL when
 * this checked all. */
static struct half *messages(struct ck *c, struct ccm_cache_sum *sum,
                             pthread_t *t)
{
	size_t n = c->po->msgs.n, half = n / 2, ni = c->po->items.n;
	struct half *h = n >= SPLIT_MIN ? malloc(sizeof(*h)) : NULL;
	size_t split = h ? first_item(c, half) : ni;
	if (h) {
		ccm_prefault(h->w, sizeof(h->w));
		h->p = (struct part){*c, half, n, split, ni, &h->sum};
		h->p.c.fail = NULL;
		h->p.c.w[0] = &h->w[0];
		h->p.c.w[1] = &h->w[1];
		h->sum = (struct ccm_cache_sum){0, 0};
		if (pthread_create(t, NULL, messages_half, h)) {
			free(h);
			h = NULL;
		}
	}
	struct part mine = {*c, 0, n, 0, ni, sum};
	if (h)
		mine.hi = half, mine.ihi = split;
	messages_in(&mine);
	need(c, !mine.c.fail, mine.c.fail);
	return h;
}

static void messages_end(struct ck *c, struct half *h, pthread_t t,
                         struct ccm_cache_sum *sum)
{
	if (!h)
		return;
	pthread_join(t, NULL);
	need(c, !h->p.c.fail, h->p.c.fail);
	if (sum)
		ccm_cache_sum_join(sum, &h->sum);
	free(h);
}

/* Reads the seek index whole (c->sk), when the items are read through
 * windows and it is sorted by item: the messages' check notes its items'
 * lengths, and seeks() checks it from this copy. */
static void seeks_read(struct ck *c)
{
	const struct ccm_po *po = c->po;
	size_t n = po->seekidx.n, sz = n * sizeof(*c->sk);
	struct ccm_seekidx *sk =
	        n && c->fd >= 0 && ccm_cache_mapped(c->src, po->items.v) &&
	                        ccm_cache_mapped(c->src, po->seekidx.v)
	                ? malloc(sz)
	                : NULL;
	c->sk_len = sk ? malloc(n * sizeof(*c->sk_len)) : NULL;
	bool ok = c->sk_len &&
	          pread(c->fd, sk, sz,
	                (off_t)((const char *)po->seekidx.v - c->src->map)) ==
	                  (ssize_t)sz;
	for (size_t i = 1; ok && i < n; i++)
		ok = sk[i - 1].item < sk[i].item;
	if (ok)
		memset(c->sk_len, 0xff, n * sizeof(*c->sk_len));
	else
		free(sk), free(c->sk_len), sk = NULL, c->sk_len = NULL;
	c->sk = sk;
}

static void seeks(struct ck *c)
{
	const struct ccm_po *po = c->po;
	WIN(c, 0, po->seekidx);
	WIN(c, 1, po->seekpts);
	WIN(c, 2, po->items);
	for (size_t i = 0; i < po->seekidx.n && !c->fail; i++) {
		/* The file's bytes either way: seeks_read read them whole. */
		const struct ccm_seekidx *si =
		        c->sk ? &c->sk[i] : AT(c, 0, struct ccm_seekidx, i);
		if (!need(c,
		          si->item < po->items.n &&
		                  span(si->first, si->count, po->seekpts.n),
		          "a seek point out of bounds"))
			break;
		uint64_t len =
		        c->sk && c->sk_len[i] != UINT64_MAX
		                ? c->sk_len[i]
		                : AT(c, 2, struct ccm_item, si->item)->src_len;
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
                        int fd, struct ccm_cache_sum *sum, char *why,
                        size_t whysz)
{
	struct win *w = malloc(4 * sizeof(*w));
	if (!w) {
		snprintf(why, whysz, "out of memory");
		return false;
	}
	ccm_prefault(w, 2 * sizeof(*w)); /* the messages' windows */
	struct ck c = {src,  po,   fd, NULL, {w, w + 1, w + 2, w + 3},
	               NULL, NULL, 0,  0};
	need(&c,
	     memchr(po->folder, 0, sizeof(po->folder)) != NULL &&
	             str_ok(&po->name) && str_ok(&po->pkl) &&
	             str_ok(&po->directory) && str_ok(&po->report) &&
	             str_ok(&po->boards_prefix) &&
	             (unsigned)po->date_order <= CCM_DATE_YMD &&
	             po->file0 <= po->file1 && po->file1 <= src->files.n,
	     "a post office record out of bounds");
	seeks_read(&c);
	pthread_t t;
	struct half *h = messages(&c, sum, &t);
	plans(&c);
	const char *recs = ccm_cache_check_recs(src, po);
	need(&c, !recs, recs);
	nodes(&c);
	messages_end(&c, h, t, sum);
	seeks(&c); /* the lengths of items found by both parts */
	free((void *)c.sk);
	free(c.sk_len);
	if (!c.fail)
		mail(&c); /* once the messages' items are shown in bounds */
	free(w);
	if (c.fail)
		snprintf(why, whysz, "%s", c.fail);
	return !c.fail;
}

bool ccm_cache_check_sums(const struct ccm_cache_arr *a)
{
	return !a->mail && (a->v == offsetof(struct ccm_po, msgs.v) ||
	                    a->v == offsetof(struct ccm_po, items.v));
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
