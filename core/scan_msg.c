/*
 * Messages and their items (spec export §4, §9).
 *
 * The reader goes message by message and never gives up on a file: what
 * is broken is reported with its file and line and left out, and the scan
 * goes on at the next line where a message or an item can start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fields.h"
#include "item.h"
#include "row.h"
#include "rowplan.h"
#include "scan_msg.h"
#include "scan_path.h"
#include "scan_read.h"
#include "sec.h"

/* A line's first letter, in lower case, for ASCII letters: most lines
 * are told from a keyword by it alone. */
static inline int first_letter(const struct ccm_line *l)
{
	return l->n ? (uint8_t)l->s[0] | 0x20 : 0;
}

bool ccm_scan_msg_end(const struct ccm_scanfile *f, const struct ccm_line *l)
{
	int c = first_letter(l);
	return (c == 'm' && ccm_kw(l, "Message:", NULL, NULL)) ||
	       (c == 'b' && f->boards &&
	        ccm_kw(l, "Bulletin board:", NULL, NULL));
}

static bool item_start(const struct ccm_line *l)
{
	int c = first_letter(l);
	return (c == 't' && ccm_kw(l, "Text item:", NULL, NULL)) ||
	       (c == 'f' && ccm_kw(l, "File item:", NULL, NULL));
}

/*
 * The optional count line after a keyword line. Returns true with *count
 * when there is one; a line of blanks in its place (KB Q287056) is
 * reported and passed over.
 */
static bool count_line(struct ccm_scanfile *f, uint64_t *count)
{
	struct ccm_line l;
	if (!ccm_lex_peek(&f->lx, &l))
		return false;
	if (ccm_is_count(&l, count)) {
		ccm_lex_next(&f->lx, &l);
		return true;
	}
	if (l.n && ccm_is_blank_line(&l)) {
		ccm_warn(&f->po->log, ccm_sf(f), f->lx.line,
		         "a count line holds blanks instead of digits; read "
		         "as no count");
		ccm_lex_next(&f->lx, &l);
	}
	return false;
}

static struct ccm_item *new_item(struct ccm_scanfile *f, uint32_t *idx)
{
	struct ccm_item *it = CCM_PUSH(f->po->items);
	if (!it)
		return NULL;
	*idx = (uint32_t)(f->po->items.n - 1);
	memset(it, 0, sizeof(*it));
	return it;
}

/* Public limits: 20 items a message, 20 KB a text item. */
#define ITEMS_MAX 20
#define TEXT_MAX ((uint64_t)20 * 1024)
#define ITEMS_HARD 65535

/*
 * Whether text that ends at q, held in lx, is followed by what makes a
 * count land (spec export §4.4): after the one line end that follows
 * text not ending with one, the file ends or, blank lines aside, a line
 * opens a block. Leaves lx there.
 */
static bool lands_at(struct ccm_scanfile *f, struct ccm_lex *lx, const char *q,
                     bool empty)
{
	struct ccm_line l;
	if (!empty && q[-1] != '\n' && q[-1] != '\r') {
		/* One line end after the text is not part of it. */
		if (q < lx->end && *q == '\r')
			q++;
		if (q < lx->end && *q == '\n')
			q++;
	}
	ccm_lex_jump(lx, q);
	while (ccm_lex_peek(lx, &l) && ccm_is_blank_line(&l))
		ccm_lex_next(lx, &l);
	return !ccm_lex_peek(lx, &l) || item_start(&l) ||
	       ccm_scan_msg_end(f, &l);
}

/*
 * The same for a count of more than a block, looked at where the text
 * would end, through a reader of its own: a number on top of a text that
 * is no count must not bring megabytes into memory.
 */
static bool lands_far(struct ccm_scanfile *f, uint64_t end)
{
	struct ccm_feed probe = {0};
	struct ccm_lex lx;
	bool ok =
	        ccm_feed_start(&probe, &lx, f->fd, ccm_sf(f)->size, end - 1) &&
	        ccm_lex_need(&lx, 1) && lands_at(f, &lx, lx.p + 1, false);
	ccm_feed_free(&probe);
	return ok;
}

/*
 * Whether a text item's count, from the current line, lands. When it
 * does, the lexer is left where it lands and the text is held (the
 * message is pinned).
 */
static bool count_lands(struct ccm_scanfile *f, uint64_t count)
{
	struct ccm_lex *lx = &f->lx;
	uint64_t off = ccm_lex_off(lx, lx->p), size = ccm_sf(f)->size;
	if (count > size - off || count > SIZE_MAX - 2 ||
	    (count > CCM_FEED_BLOCK && !lands_far(f, off + count)))
		return false;
	/* The text, and the line end that may follow it. */
	if (count > ccm_lex_need(lx, (size_t)count + 2))
		return false;
	return lands_at(f, lx, lx->p + count, count == 0);
}

/* A text item, its bytes held from its count line on (pinned). */
static bool text_item_held(struct ccm_scanfile *f, uint64_t line)
{
	struct ccm_lex *lx = &f->lx;
	struct ccm_line l;
	uint64_t count;
	/* Offsets, not pointers: reading on moves the bytes held. */
	const uint64_t at_count = ccm_lex_off(lx, lx->p), count_no = lx->line;
	bool counted = count_line(f, &count);
	uint64_t s_off = ccm_lex_off(lx, lx->p);
	size_t n = (size_t)count;
	if (counted && !count_lands(f, count)) {
		/* Not a count after all: text that begins with a number
		 * (an export made without /ITEMSIZE). */
		char cs[32];
		ccm_warn(&f->po->log, ccm_sf(f), line,
		         "text item: a count of %s would not end where a "
		         "block starts; read as text without a count",
		         ccm_count_str(count, cs));
		lx->p = ccm_lex_at(lx, at_count);
		lx->line = count_no;
		s_off = at_count;
		counted = false;
	}
	if (!counted) {
		while (ccm_lex_peek(lx, &l) && !item_start(&l) &&
		       !ccm_scan_msg_end(f, &l))
			ccm_lex_next(lx, &l);
		n = (size_t)(ccm_lex_off(lx, lx->p) - s_off);
	}
	const char *s = ccm_lex_at(lx, s_off);
	uint32_t idx;
	struct ccm_item *it = new_item(f, &idx);
	if (!it)
		return false;
	it->kind = CCM_ITEM_TEXT;
	it->src_off = s_off;
	it->src_len = n;
	size_t bad;
	bool lossy;
	size_t seeks = f->po->seekpts.n, seekidx = f->po->seekidx.n;
	ccm_err err = ccm_text_measure(f->po, idx, s, n, &bad, &lossy);
	if (err) {
		f->po->items.n--;
		f->po->seekpts.n = seeks;
		f->po->seekidx.n = seekidx;
		/* No SEC file could hold it: like any message longer than
		 * the split size, the message is left out (the split's rule,
		 * which a shorter but still too long one meets at layout). */
		f->huge |= err == CCM_ERR_INVAL;
		if (err == CCM_ERR_INVAL)
			ccm_leftout(&f->po->log, ccm_sf(f), line,
			            "a text item of %zu bytes, 4 GiB or more "
			            "once converted, more than a SEC file "
			            "holds; message left out",
			            n);
		return false;
	}
	if (bad)
		ccm_warn(&f->po->log, ccm_sf(f), line,
		         "a text item holds %zu bytes that are no characters "
		         "of code page %u; each is written ?",
		         bad, f->po->cp.from);
	f->po->lost_items += lossy;
	if (n > TEXT_MAX)
		ccm_warn(&f->po->log, ccm_sf(f), line,
		         "a text item of %zu bytes, more than cc:Mail's 20 KB; "
		         "kept whole",
		         n);
	return true;
}

static void text_item(struct ccm_scanfile *f, uint64_t line)
{
	ccm_feed_pin(&f->lx, ccm_lex_off(&f->lx, f->lx.p));
	text_item_held(f, line);
	ccm_feed_unpin(&f->lx);
}

/* What a File item: line's name tells the report: none, bad bytes,
 * characters the output page lacks. */
static void check_item_name(struct ccm_scanfile *f, uint64_t line,
                            const struct ccm_line *title)
{
	const char *v = "", *name;
	size_t vn = 0, nn;
	ccm_kw(title, "File item:", &v, &vn);
	ccm_attach_name(&f->po->cp, v, vn, &name, &nn);
	f->po->lost_items += ccm_cp_lossy(&f->po->cp, name, nn);
	size_t bad = ccm_cp_bad(&f->po->cp, name, nn);
	if (bad)
		ccm_warn(&f->po->log, ccm_sf(f), line,
		         "the file item's name holds %zu bytes that are no "
		         "characters of code page %u; each is written ?",
		         bad, f->po->cp.from);
	if (!nn)
		ccm_warn(&f->po->log, ccm_sf(f), line,
		         "a file item without a name; it is named "
		         "ATTACHnn.DAT");
}

static bool file_item(struct ccm_scanfile *f, uint64_t line,
                      const struct ccm_line *title)
{
	struct ccm_lex *lx = &f->lx;
	struct ccm_line l;
	const char *v;
	size_t vn;
	check_item_name(f, line, title);
	const uint64_t title_off = ccm_lex_off(lx, title->s);
	const size_t title_n = title->n;
	uint64_t count = UINT64_MAX, c;
	if (count_line(f, &c))
		count = c;
	char why[256];
	uint32_t idx;
	bool more = ccm_lex_peek(lx, &l);
	/* An inline item of count 0 needs no Hex: line (spec export §4.3):
	 * an empty attachment. */
	bool empty = count == 0 && !(more && ccm_kw(&l, "Path:", NULL, NULL));
	if (!more && !empty) {
		ccm_leftout(&f->po->log, ccm_sf(f), line,
		            "file item: no Hex: or Path: line; item left out");
		return false;
	}
	if (empty || ccm_kw(&l, "Hex:", NULL, NULL)) {
		struct ccm_item *it = new_item(f, &idx);
		if (!it)
			return false;
		it->kind = CCM_ITEM_HEX;
		if (count == UINT64_MAX)
			ccm_warn(&f->po->log, ccm_sf(f), line,
			         "file item: no count line before its Hex: "
			         "lines; every Hex: line is decoded");
		bool huge;
		if (!ccm_hex_scan(f->po, idx, lx, count, &huge, why,
		                  sizeof(why))) {
			f->po->items.n--;
			f->huge |= huge;
			ccm_leftout(
			        &f->po->log, ccm_sf(f), line,
			        huge ? "file item: %s, more than a SEC file "
			               "holds; message left out"
			             : "file item: %s; item left out",
			        why);
			return false;
		}
		it = &f->po->items.v[idx];
		it->aux = (uint32_t)(it->src_off - title_off);
		return true;
	}
	if (ccm_kw(&l, "Path:", &v, &vn)) {
		ccm_lex_next(lx, &l);
		uint32_t ext = ccm_scan_path(f->po, v, vn, why, sizeof(why));
		if (ext == CCM_NONE) {
			ccm_leftout(&f->po->log, ccm_sf(f), line,
			            "file item: %s; item left out", why);
			return false;
		}
		if (why[0])
			ccm_warn(&f->po->log, ccm_sf(f), line, "file item: %s",
			         why);
		uint64_t size = f->po->src->files.v[ext].size;
		if (size > CCM_ITEM_OUT_MAX) {
			f->huge = true;
			ccm_leftout(
			        &f->po->log, ccm_sf(f), line,
			        "file item: the file holds %llu bytes, 4 GiB "
			        "or more, more than a SEC file holds; "
			        "message left out",
			        (unsigned long long)size);
			return false;
		}
		if (ext > CCM_ITEM_ARG_MAX) {
			ccm_leftout(&f->po->log, ccm_sf(f), line,
			            "file item: more files than the index can "
			            "number; item left out");
			return false;
		}
		if (count != UINT64_MAX && count != size) {
			char cs[32];
			ccm_leftout(&f->po->log, ccm_sf(f), line,
			            "file item: the count line says %s bytes "
			            "but the file holds %llu; item left out",
			            ccm_count_str(count, cs),
			            (unsigned long long)size);
			return false;
		}
		struct ccm_item *it = new_item(f, &idx);
		if (!it)
			return false;
		it->kind = CCM_ITEM_EXT;
		it->file = ext;
		it->src_off = title_off;
		it->src_len = title_n;
		it->out_len = (uint32_t)size;
		return true;
	}
	ccm_leftout(&f->po->log, ccm_sf(f), line,
	            "file item: no Hex: or Path: line; item left out");
	return false;
}

/* Skips to the next message: what is left of this one is not read. */
static void skip_message(struct ccm_scanfile *f)
{
	struct ccm_line l;
	ccm_feed_unmark(&f->lx);
	while (ccm_lex_peek(&f->lx, &l) && !ccm_scan_msg_end(f, &l))
		ccm_lex_next(&f->lx, &l);
}

/*
 * The header from the Message: line (current) up to Contents: (KB
 * Q234745: it must be there) and the count line after it. Sets *hdr_len;
 * false at the end of the file, or when the message is left out
 * (reported, and skipped).
 */
static bool header(struct ccm_scanfile *f, uint64_t line, size_t *hdr_len)
{
	struct ccm_po *po = f->po;
	struct ccm_lex *lx = &f->lx;
	struct ccm_line l;
	const uint64_t hdr = ccm_lex_off(lx, lx->p);
	uint64_t count;
	if (!ccm_lex_peek(lx, &l))
		return false;
	ccm_lex_next(lx, &l);
	for (;;) {
		if (!ccm_lex_peek(lx, &l) || ccm_scan_msg_end(f, &l) ||
		    item_start(&l)) {
			ccm_leftout(&po->log, ccm_sf(f), line,
			            "a message without a Contents: line; "
			            "message left out");
			skip_message(f);
			return false;
		}
		ccm_lex_next(lx, &l);
		if (first_letter(&l) == 'c' &&
		    ccm_kw(&l, "Contents:", NULL, NULL))
			break;
	}
	*hdr_len = (size_t)(ccm_lex_off(lx, lx->p) - hdr);
	if (*hdr_len > UINT32_MAX / 2) {
		ccm_leftout(&po->log, ccm_sf(f), line,
		            "a message header of %zu bytes; message left out",
		            *hdr_len);
		skip_message(f);
		return false;
	}
	if (ccm_lex_peek(lx, &l) && ccm_is_count(&l, &count))
		ccm_lex_next(lx, &l);
	return true;
}

/* The items of the message whose header was read; returns their number. */
static size_t items(struct ccm_scanfile *f, uint64_t line)
{
	struct ccm_po *po = f->po;
	struct ccm_lex *lx = &f->lx;
	struct ccm_line l;
	size_t item0 = po->items.n;
	while (ccm_lex_peek(lx, &l) && !ccm_scan_msg_end(f, &l)) {
		uint64_t iline = lx->line;
		if (po->items.n - item0 >= ITEMS_HARD) {
			ccm_leftout(&po->log, ccm_sf(f), iline,
			            "more than %d items in one message; the "
			            "rest are left out",
			            ITEMS_HARD);
			skip_message(f);
			break;
		}
		ccm_lex_next(lx, &l);
		if (ccm_kw(&l, "Text item:", NULL, NULL))
			text_item(f, iline);
		else if (ccm_kw(&l, "File item:", NULL, NULL))
			file_item(f, iline, &l);
		else if (!ccm_is_blank_line(&l))
			ccm_warn(&po->log, ccm_sf(f), iline,
			         "a line outside any item is ignored");
	}
	size_t nitems = po->items.n - item0;
	if (nitems > ITEMS_MAX)
		ccm_warn(&po->log, ccm_sf(f), line,
		         "a message of %zu items, more than cc:Mail's 20; "
		         "all are kept",
		         nitems);
	return nitems;
}

/* Measures the row and sections of message m (header hdr, hdr_len
 * bytes), dropping it when they cannot be listed. */
/*
 * The header of message m: held, or read again when the message was too
 * large to hold (*copy is then to be freed). NULL when it cannot be
 * (reported).
 */
static const char *header_bytes(struct ccm_scanfile *f, const struct ccm_msg *m,
                                uint64_t line, char **copy)
{
	*copy = NULL;
	if (ccm_feed_held(&f->lx, m->hdr_off))
		return ccm_lex_at(&f->lx, m->hdr_off);
	*copy = malloc(m->hdr_len ? m->hdr_len : 1);
	if (*copy && pread(f->fd, *copy, m->hdr_len, (off_t)m->hdr_off) ==
	                     (ssize_t)m->hdr_len)
		return *copy;
	ccm_leftout(&f->po->log, ccm_sf(f), line,
	            "the message header could not be read again; message "
	            "left out");
	free(*copy);
	*copy = NULL;
	return NULL;
}

static void measure(struct ccm_scanfile *f, struct ccm_msg *m, uint64_t line)
{
	struct ccm_po *po = f->po;
	char *copy;
	const char *hdr = header_bytes(f, m, line, &copy);
	size_t hdr_len = m->hdr_len;
	if (!hdr) {
		m->flags |= CCM_MSG_DROPPED;
		return;
	}
	/* The row's length without its Body pointer; the layout adds it. */
	struct ccm_row_diag diag = {&po->log, ccm_sf(f), line, false};
	const struct ccm_board *board =
	        (m->flags & CCM_MSG_BOARD) ? &po->boards.v[po->boards.n - 1]
	                                   : NULL;
	bool oom;
	size_t row_len;
	if (hdr_len > CCM_PLAN_MIN) {
		/* Long: planned, never held whole (rowplan.c). */
		struct ccm_planb pb;
		ccm_planb_init(&pb, po, hdr, m->hdr_off, m->file);
		ccm_row_plan(po, hdr, hdr_len, board, &diag, &pb);
		oom = pb.oom;
		row_len = (size_t)pb.out;
		m->flags |= CCM_MSG_PLAN;
	} else {
		row_len = ccm_row_len(po, hdr, hdr_len, board, &diag, &oom);
	}
	po->lost_items += diag.lossy;
	if (oom || row_len > UINT32_MAX / 2) {
		m->flags |= CCM_MSG_DROPPED;
		ccm_leftout(&po->log, ccm_sf(f), line,
		            "a message too large to list; "
		            "message left out");
	}
	m->row_len = (uint32_t)row_len;

	/* Until the layout gives offsets, sec_off holds the sections'
	 * length, measured while the file is in memory. */
	uint64_t len = 0;
	struct ccm_held held = {f->lx.base, f->lx.off, f->fd};
	ccm_err err = ccm_sec_walk(po, m, &held, NULL, &len);
	if (err) {
		m->flags |= CCM_MSG_DROPPED;
		ccm_leftout(&po->log, ccm_sf(f), line, "%s; message left out",
		            err == CCM_ERR_NOMEM ? "out of memory"
		                                 : "an item could not be read "
		                                   "again");
	}
	if (!err && len > UINT32_MAX) {
		m->flags |= CCM_MSG_DROPPED;
		ccm_leftout(&po->log, ccm_sf(f), line,
		            "its sections are %llu bytes long, 4 GiB or more, "
		            "more than a SEC file holds; message left out",
		            (unsigned long long)len);
	}
	m->sec_off = len > UINT32_MAX ? 0 : (uint32_t)len;
	free(copy);
}

void ccm_scan_message(struct ccm_scanfile *f, uint16_t flags)
{
	struct ccm_po *po = f->po;
	struct ccm_lex *lx = &f->lx;
	uint64_t line = lx->line;
	const uint64_t hdr = ccm_lex_off(lx, lx->p);
	size_t hdr_len;
	/* Its bytes stay held until it is measured. */
	ccm_feed_mark(lx);
	if (!header(f, line, &hdr_len)) {
		ccm_feed_unmark(lx);
		return;
	}
	uint32_t item0 = (uint32_t)po->items.n;
	f->huge = false;
	size_t nitems = items(f, line);
	struct ccm_msg *m = CCM_PUSH(po->msgs);
	if (!m) {
		po->items.n = item0;
		ccm_feed_unmark(lx);
		return;
	}
	*m = (struct ccm_msg){0};
	if (hdr > CCM_OFF_MAX) {
		po->msgs.n--;
		po->items.n = item0;
		ccm_feed_unmark(lx);
		ccm_leftout(&po->log, ccm_sf(f), line,
		            "a message 256 TiB or more into its file; message "
		            "left out");
		return;
	}
	m->hdr_off = hdr;
	m->hdr_len = (uint32_t)hdr_len;
	m->file = f->file;
	m->item0 = item0;
	m->nitems = (uint16_t)nitems;
	m->flags = flags;
	m->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	measure(f, m, line);
	if (f->huge)
		m->flags |= CCM_MSG_DROPPED; /* said where the item was */
	ccm_feed_unmark(lx);
}
