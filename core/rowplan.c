/*
 * Long headers: a row rendered in bounded memory, in time proportional
 * to what a read returns.
 *
 * A row is rebuilt from its header at every read that touches it. For a
 * header of a few KiB that is cheap; for a header line of 200 MB it would
 * read, convert and hold the whole line for each 128 KiB read. So the scan
 * plans the row of a header longer than CCM_PLAN_MIN as pieces, each with
 * its offset in the row: short text already converted (kept in the
 * arena), and each long value of the header as source ranges of at most
 * PIECE_MAX bytes, cut at character boundaries. A read finds its first
 * piece by binary search and converts only the pieces it returns; quoting
 * is decided at scan time, since it depends on a whole value.
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "reader.h"
#include "rowplan.h"

/* A header slice this long is read again at render time, not kept. */
#define SRC_MIN 256
/* Source bytes of one source piece, and the most literal bytes held. */
#define PIECE_MAX ((size_t)16 * 1024)

void ccm_planb_init(struct ccm_planb *b, struct ccm_po *po, const char *hdr,
                    uint64_t hdr_off, uint32_t file)
{
	*b = (struct ccm_planb){po, hdr, hdr_off, file, 0, po->pieces.n, false};
}

static void push(struct ccm_planb *b, struct ccm_rowpiece pc)
{
	struct ccm_rowpiece *p = CCM_PUSH(b->po->pieces);
	if (!p) {
		b->oom = true;
		return;
	}
	pc.out = b->out;
	*p = pc;
	b->out += pc.out_len;
}

/* The literal text so far becomes a piece. */
static void flush(struct ccm_planb *b, struct ccm_buf *lit)
{
	if (lit->oom)
		b->oom = true;
	if (!lit->len || b->oom)
		return;
	char *s = ccm_arena_alloc(&b->po->src->arena, lit->len);
	if (!s) {
		b->oom = true;
		return;
	}
	memcpy(s, lit->p, lit->len);
	push(b, (struct ccm_rowpiece){0, 0, s, (uint32_t)lit->len,
	                              (uint32_t)lit->len, false});
	lit->len = 0;
}

/* The length of the first chunk of s[0..n): at most PIECE_MAX bytes,
 * ending on a character boundary. */
static size_t chunk(const struct ccm_cp *cp, const char *s, size_t n)
{
	if (n <= PIECE_MAX)
		return n;
	size_t i = 0;
	while (i < n) {
		size_t l = ccm_cp_charlen(cp, (const uint8_t *)s + i, n - i);
		if (i + l > PIECE_MAX)
			break;
		i += l;
	}
	return i;
}

/* Converts s[0..n) as one-line text into t (emptied first), with every "
 * doubled when quoted. */
static void convert(const struct ccm_cp *cp, const char *s, size_t n,
                    bool quoted, struct ccm_buf *t, struct ccm_buf *e)
{
	t->len = 0;
	ccm_cp_put(cp, s, n, true, t);
	if (quoted) {
		e->len = 0;
		ccm_csv_escape(e, t->p, t->len, false);
		struct ccm_buf x = *t;
		*t = *e;
		*e = x;
	}
}

/* Does the field need quotes? Its parts read by their characters in the
 * source page (spec iff-output §3), a chunk at a time. */
static bool quoting(const struct ccm_cp *cp, const struct ccm_rowpart *parts,
                    size_t k)
{
	struct ccm_csv_scan q = {0};
	for (size_t i = 0; i < k; i++)
		for (size_t at = 0, c; at < parts[i].n; at += c) {
			c = chunk(cp, parts[i].s + at, parts[i].n - at);
			ccm_csv_scan_text(&q, cp, parts[i].s + at, c);
		}
	return ccm_csv_scan_end(&q);
}

void ccm_planb_val(struct ccm_planb *b, struct ccm_buf *lit,
                   const struct ccm_rowpart *parts, size_t k)
{
	const struct ccm_cp *cp = &b->po->cp;
	struct ccm_buf t = {0}, e = {0};
	bool quoted = quoting(cp, parts, k);
	if (quoted)
		ccm_buf_putc(lit, '"');
	for (size_t i = 0; i < k; i++) {
		const struct ccm_rowpart *p = &parts[i];
		bool src = p->hdr && p->n >= SRC_MIN;
		if (src)
			flush(b, lit);
		for (size_t at = 0, c; at < p->n; at += c) {
			c = chunk(cp, p->s + at, p->n - at);
			convert(cp, p->s + at, c, quoted, &t, &e);
			if (!src) {
				ccm_buf_put(lit, t.p, t.len);
				continue;
			}
			uint64_t off =
			        b->hdr_off + (uint64_t)(p->s + at - b->hdr);
			push(b, (struct ccm_rowpiece){0, off, NULL, (uint32_t)c,
			                              (uint32_t)t.len, quoted});
		}
	}
	if (quoted)
		ccm_buf_putc(lit, '"');
	if (t.oom || e.oom)
		b->oom = true;
	if (lit->len > PIECE_MAX)
		flush(b, lit);
	ccm_buf_free(&t);
	ccm_buf_free(&e);
}

void ccm_planb_end(struct ccm_planb *b, struct ccm_buf *lit)
{
	flush(b, lit);
	struct ccm_rowplan *pl = b->oom ? NULL : CCM_PUSH(b->po->plans);
	if (!pl) {
		b->oom = true;
		b->po->pieces.n = b->piece0;
		return;
	}
	*pl = (struct ccm_rowplan){b->hdr_off, b->file, (uint32_t)b->piece0,
	                           (uint32_t)(b->po->pieces.n - b->piece0)};
}

static const struct ccm_rowplan *plan_of(const struct ccm_po *po,
                                         const struct ccm_msg *m)
{
	size_t lo = 0, hi = po->plans.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ccm_rowplan *p = &po->plans.v[mid];
		if (p->file < m->file ||
		    (p->file == m->file && p->hdr_off < m->hdr_off))
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct ccm_rowplan *p =
	        lo < po->plans.n ? &po->plans.v[lo] : NULL;
	return p && p->file == m->file && p->hdr_off == m->hdr_off ? p : NULL;
}

/* The first of n pieces that ends past row offset `from`. */
static size_t first_piece(const struct ccm_rowpiece *pc, size_t n,
                          uint64_t from)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pc[mid].out + pc[mid].out_len <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A source piece through the window. */
static ccm_err put_src(const struct ccm_po *po, const struct ccm_msg *m,
                       const struct ccm_rowpiece *pc, struct ccm_win *w,
                       struct ccm_buf *t, struct ccm_buf *e)
{
	const char *s;
	ccm_err err = ccm_reader_get(w->rd, m->file, pc->src, pc->len, &s);
	if (err)
		return err;
	convert(&po->cp, s, pc->len, pc->quoted, t, e);
	if (t->oom || e->oom)
		return CCM_ERR_NOMEM;
	if (t->len != pc->out_len)
		return CCM_ERR_CHANGED;
	ccm_reader_hold(w->rd, t->cap + e->cap);
	ccm_win_put(w, t->p, t->len);
	return CCM_OK;
}

ccm_err ccm_rowplan_render(const struct ccm_po *po, const struct ccm_msg *m,
                           struct ccm_win *w)
{
	const struct ccm_rowplan *pl = plan_of(po, m);
	if (!pl)
		return CCM_ERR_CHANGED;
	const struct ccm_rowpiece *pc = po->pieces.v + pl->piece0;
	size_t n = pl->npieces;
	uint64_t base = w->pos;
	uint64_t len = n ? pc[n - 1].out + pc[n - 1].out_len : 0;
	size_t j = w->start > base ? first_piece(pc, n, w->start - base) : 0;
	struct ccm_buf t = {0}, e = {0};
	ccm_err err = CCM_OK;
	for (; !err && j < n && !ccm_win_full(w); j++) {
		w->pos = base + pc[j].out;
		if (pc[j].lit)
			ccm_win_put(w, pc[j].lit, pc[j].len);
		else
			err = put_src(po, m, &pc[j], w, &t, &e);
	}
	w->pos = base + len;
	ccm_buf_free(&t);
	ccm_buf_free(&e);
	return err;
}
