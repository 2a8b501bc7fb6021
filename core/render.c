/*
 * ccm_file_read: any range of any file, from the index.
 *
 * A PRI file is its prefix (kept in memory) then one row per message; a
 * SEC file is its column header then each message's sections. Rows and
 * sections carry their offsets in the message records, so a read finds
 * its first message by binary search and renders forward from there,
 * never from the start of the file.
 */
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "mail.h"
#include "reader.h"
#include "row.h"
#include "rowplan.h"
#include "sec.h"
#include "srcio.h"

static const char SEC_HEADER[] =
        "Type,Length,Encoding,Islast,Name,Position,Format\r\n";

/* The last message of [a, b) whose offset (PRI or SEC) is at most off. */
static uint32_t find_msg(const struct ccm_po *po, uint32_t a, uint32_t b,
                         uint64_t off, bool sec)
{
	uint32_t lo = a, hi = b;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct ccm_msg *m = &po->msgs.v[mid];
		if ((sec ? m->sec_off : m->pri_off) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > a ? lo - 1 : a;
}

/* The number of the SEC file holding message i (0 for none). */
static uint32_t sec_of(const struct ccm_po *po, uint32_t i)
{
	size_t lo = 0, hi = po->secs.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (po->secs.v[po->sec_by_msg[mid]].msg0 <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return 0;
	uint32_t s = po->sec_by_msg[lo - 1];
	return i < po->secs.v[s].msg1 ? s + 1 : 0;
}

/* The board of message i, when it is a bulletin board message. */
static const struct ccm_board *board_of(const struct ccm_po *po, uint32_t i)
{
	const struct ccm_board *board = NULL;
	for (size_t k = 0;
	     (po->msgs.v[i].flags & CCM_MSG_BOARD) && k < po->boards.n; k++) {
		const struct ccm_board *bd = &po->boards.v[k];
		if (i >= bd->msg0 && i < bd->msg0 + bd->nmsg)
			board = bd;
	}
	return board;
}

/*
 * Row i through the window. A header of at most CCM_PLAN_MIN bytes is
 * read (from the reader's block) and its row built whole; a longer one
 * was planned by the scan and is rendered piece by piece (rowplan.c).
 */
static ccm_err row(const struct ccm_po *po, uint32_t i, struct ccm_win *w)
{
	const struct ccm_msg *m = &po->msgs.v[i];
	char small[1024];
	struct ccm_buf b = {small, 0, sizeof(small), false, true};
	uint64_t at = w->pos;
	ccm_err err = CCM_OK;
	if (m->flags & CCM_MSG_PLAN) {
		err = ccm_rowplan_render(po, m, w);
	} else {
		const char *hdr;
		err = ccm_reader_get(w->rd, m->file, m->hdr_off, m->hdr_len,
		                     &hdr);
		if (!err)
			ccm_row_build(po, hdr, m->hdr_len, board_of(po, i),
			              NULL, &b);
	}
	/* Then the Body pointer and the line end. */
	ccm_buf_putc(&b, '#');
	ccm_buf_putu(&b, sec_of(po, i), 8);
	ccm_buf_puts(&b, ".SEC(");
	ccm_buf_putu(&b, m->sec_off, 1);
	ccm_buf_puts(&b, ")\r\n");
	ccm_reader_hold(w->rd, b.borrowed ? 0 : b.cap);
	if (!err && b.oom)
		err = CCM_ERR_NOMEM;
	else if (!err && w->pos - at + b.len != m->row_len)
		err = CCM_ERR_CHANGED;
	else if (!err)
		ccm_win_put(w, b.p, b.len);
	ccm_buf_free(&b);
	return err;
}

/*
 * A PRI read needs the headers of its rows, which lie between the
 * messages' bodies in the export: one pread each would be a system call
 * per row (100,000 for a post office of 100,000 messages, more than the
 * rendering costs). So when row i's header is not in the reader's block,
 * the block is filled from it to the header of the last row after it
 * that this read still needs, as long as every gap read between two
 * headers is short (reading GAP_MAX bytes costs about what a call does)
 * and the whole fits the block. Planned rows read their own pieces.
 */
#define GAP_MAX ((uint64_t)16 * 1024)

static ccm_err headers_ahead(const struct ccm_po *po, uint32_t i, uint32_t b,
                             const struct ccm_win *w)
{
	const struct ccm_msg *m = &po->msgs.v[i];
	if ((m->flags & CCM_MSG_PLAN) ||
	    ccm_reader_holds(w->rd, m->file, m->hdr_off, m->hdr_len))
		return CCM_OK;
	uint64_t start = m->hdr_off, end = start + m->hdr_len;
	uint64_t rows = m->row_len, need = w->end - w->pos;
	for (uint32_t j = i + 1; j < b && rows < need; j++) {
		const struct ccm_msg *n = &po->msgs.v[j];
		if (!n->row_len)
			continue;
		if (n->file != m->file || (n->flags & CCM_MSG_PLAN) ||
		    n->hdr_off < end || n->hdr_off - end > GAP_MAX ||
		    n->hdr_off + n->hdr_len - start > CCM_READ_BLOCK)
			break;
		end = n->hdr_off + n->hdr_len;
		rows += n->row_len;
	}
	const char *p;
	return ccm_reader_get(w->rd, m->file, start, (size_t)(end - start), &p);
}

static ccm_err pri(const struct ccm_po *po, const struct ccm_str *prefix,
                   uint32_t a, uint32_t b, struct ccm_win *w)
{
	ccm_win_put(w, prefix->s, prefix->n);
	if (ccm_win_full(w) || a == b)
		return CCM_OK;
	uint32_t i = find_msg(po, a, b, w->start, false);
	w->pos = po->msgs.v[i].pri_off;
	ccm_err err = CCM_OK;
	for (; !err && i < b && !ccm_win_full(w); i++) {
		const struct ccm_msg *m = &po->msgs.v[i];
		if (!m->row_len)
			continue;
		if (ccm_win_skip(w, m->row_len))
			continue;
		err = headers_ahead(po, i, b, w);
		if (!err)
			err = row(po, i, w);
	}
	return err;
}

static ccm_err sec(const struct ccm_po *po, const struct ccm_sec *s,
                   struct ccm_win *w)
{
	ccm_win_put(w, SEC_HEADER, sizeof(SEC_HEADER) - 1);
	if (ccm_win_full(w))
		return CCM_OK;
	uint32_t i = find_msg(po, s->msg0, s->msg1, w->start, true);
	w->pos = po->msgs.v[i].sec_off;
	ccm_err err = CCM_OK;
	for (; !err && i < s->msg1 && !ccm_win_full(w); i++) {
		const struct ccm_msg *m = &po->msgs.v[i];
		if (m->flags & CCM_MSG_DROPPED)
			continue;
		uint64_t len;
		uint64_t at = w->pos;
		err = ccm_sec_walk(po, m, NULL, w, &len);
		if (!err && w->pos != at + len)
			err = CCM_ERR_CHANGED;
	}
	return err;
}

/*
 * A PRI file reads only message headers, which lie between the messages'
 * bodies in the export: reading far ahead would fetch bodies to skip.
 */
#define PRI_AHEAD ((size_t)4096)

static bool pri_file(const struct ccm_ofile *f)
{
	return f->kind == CCM_OF_MBX || f->kind == CCM_OF_BOARDS;
}

/* What one read renders: an output file, or (f NULL) the mail form of
 * message msg. */
struct job {
	const struct ccm_po *po;
	const struct ccm_ofile *f;
	uint32_t msg;
};

static ccm_err render(const struct job *j, struct ccm_win *w)
{
	const struct ccm_po *po = j->po;
	const struct ccm_ofile *f = j->f;
	if (!f)
		return ccm_mail_render(po, j->msg, w);
	switch (f->kind) {
	case CCM_OF_PKL:
		ccm_win_put(w, po->pkl.s, po->pkl.n);
		break;
	case CCM_OF_DIR:
		ccm_win_put(w, po->directory.s, po->directory.n);
		break;
	case CCM_OF_REPORT:
		ccm_win_put(w, po->report.s, po->report.n);
		break;
	case CCM_OF_MBX: {
		const struct ccm_mailbox *mb = &po->mailboxes.v[f->arg];
		return pri(po, &mb->prefix, mb->msg0, mb->msg0 + mb->nmsg, w);
	}
	case CCM_OF_BOARDS:
		return pri(po, &po->boards_prefix, po->boards_msg0,
		           po->boards_msg1, w);
	case CCM_OF_SEC:
		return sec(po, &po->secs.v[f->arg], w);
	}
	return CCM_OK;
}

/*
 * Bytes [off, off + len) of a stream of size bytes: rendered through a
 * reader that reads ahead `ahead` bytes, then checked against the source
 * before anything is handed back.
 */
static ccm_err read_range(const ccm_source *src, const struct job *j,
                          uint64_t size, size_t ahead, uint64_t off, size_t len,
                          void *buf, size_t *got)
{
	*got = 0;
	if (off >= size || !len)
		return CCM_OK;
	if (len > size - off)
		len = (size_t)(size - off);
	struct ccm_reader rd;
	ccm_err err = ccm_reader_init(&rd, src, ahead < len ? ahead : len);
	if (err)
		return err;
	struct ccm_win w = {&rd, buf, off, off + len, 0, NULL, 0};
	err = render(j, &w);
	/* A size that the rendering does not fill is never served. */
	if (!err && w.pos < w.end)
		err = CCM_ERR_CHANGED;
	/* After every byte is read, before any is replied (srcio.c). */
	if (!err)
		err = ccm_reader_verify(&rd);
	if (err == CCM_ERR_CHANGED)
		ccm_reader_blame(&rd);
	ccm_reader_fini(&rd);
	if (!err)
		*got = len;
	return err;
}

ccm_err ccm_file_read(const ccm_source *src, size_t pi, size_t fi, uint64_t off,
                      size_t len, void *buf, size_t *got)
{
	*got = 0;
	if (pi >= src->npo || fi >= src->pos[pi]->files.n)
		return CCM_ERR_NOENT;
	const struct ccm_po *po = src->pos[pi];
	const struct ccm_ofile *f = &po->files.v[fi];
	struct job j = {po, f, 0};
	return read_range(src, &j, f->size, pri_file(f) ? PRI_AHEAD : SIZE_MAX,
	                  off, len, buf, got);
}

/*
 * A splice cannot be checked after the read. Its pipe holds references to
 * the source file's page cache, not copies: the kernel takes the bytes
 * when the reply is written to /dev/fuse, and that write is the reply, so
 * there is no moment between "bytes read" and "bytes replied" at which
 * ccm_src_verify could still fail the read. A check before and after the
 * splice would only learn of a mixed reply once it was sent.
 *
 * So a span is offered only for a file whose bytes cannot change while
 * the mount lasts: one on a file system that was read-only itself, on a
 * block device of its own, when the scan opened it (ccm_fs_unchanging: no
 * write, rename or unlink can reach it through any mount), and still the
 * scan's file by descriptor and by path now. Every other file is copied,
 * and checked after the copy like any read.
 */
ccm_err ccm_file_span(const ccm_source *src, size_t pi, size_t fi, uint64_t off,
                      size_t len, struct ccm_span *sp)
{
	/* Without a file on a read-only file system no span can be offered:
	 * say so before walking the message, on every large read. */
	if (!src->any_rofs || pi >= src->npo || fi >= src->pos[pi]->files.n)
		return CCM_ERR_NOENT;
	const struct ccm_po *po = src->pos[pi];
	const struct ccm_ofile *f = &po->files.v[fi];
	if (f->kind != CCM_OF_SEC || off >= f->size || !len ||
	    len > f->size - off)
		return CCM_ERR_NOENT;
	const struct ccm_sec *s = &po->secs.v[f->arg];
	uint32_t i = find_msg(po, s->msg0, s->msg1, off, true);
	const struct ccm_msg *m = &po->msgs.v[i];
	if ((m->flags & CCM_MSG_DROPPED) || off < m->sec_off)
		return CCM_ERR_NOENT;
	/* The walk reads only the message's File item: lines, near each
	 * other: a small read-ahead, not the span's length. */
	struct ccm_reader rd;
	ccm_err err = ccm_reader_init(&rd, src, 0);
	if (err)
		return err;
	struct ccm_win w = {&rd, NULL, off, off + len, m->sec_off, NULL, 0};
	uint64_t mlen;
	err = ccm_sec_walk(po, m, NULL, &w, &mlen);
	if (!err)
		err = ccm_reader_verify(&rd);
	if (err == CCM_ERR_CHANGED)
		ccm_reader_blame(&rd);
	ccm_reader_fini(&rd);
	if (err || !w.hit || !src->files.v[w.hit->file].rofs)
		return err ? err : CCM_ERR_NOENT;
	sp->off = w.hit_off;
	sp->src = w.hit->file;
	return ccm_src_lend(src, sp->src, &sp->fd);
}

void ccm_span_end(const ccm_source *src, const struct ccm_span *sp)
{
	ccm_src_unlend(src, sp->src);
}

/* The output file a node shows, or NULL (a folder, a message, none). */
static const struct ccm_node *file_node(const ccm_source *src, size_t pi,
                                        size_t node)
{
	if (pi >= src->npo || node >= src->pos[pi]->nodes.n)
		return NULL;
	const struct ccm_node *n = &src->pos[pi]->nodes.v[node];
	return n->kind == CCM_NODE_FILE ? n : NULL;
}

ccm_err ccm_node_read(const ccm_source *src, size_t pi, size_t node,
                      uint64_t off, size_t len, void *buf, size_t *got)
{
	*got = 0;
	if (pi >= src->npo || node >= src->pos[pi]->nodes.n)
		return CCM_ERR_NOENT;
	const struct ccm_po *po = src->pos[pi];
	const struct ccm_node *n = &po->nodes.v[node];
	if (n->kind == CCM_NODE_FILE)
		return ccm_file_read(src, pi, n->arg, off, len, buf, got);
	if (n->kind != CCM_NODE_MAIL)
		return CCM_ERR_NOENT;
	struct job j = {po, NULL, n->arg};
	return read_range(src, &j, n->size, SIZE_MAX, off, len, buf, got);
}

ccm_err ccm_node_span(const ccm_source *src, size_t pi, size_t node,
                      uint64_t off, size_t len, struct ccm_span *sp)
{
	const struct ccm_node *n = file_node(src, pi, node);
	return n ? ccm_file_span(src, pi, n->arg, off, len, sp) : CCM_ERR_NOENT;
}
