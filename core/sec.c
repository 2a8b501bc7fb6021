#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fields.h"
#include "item.h"
#include "reader.h"
#include "sec.h"

/* Bytes of source file `file` at [off, off + n), from memory or disk. */
static ccm_err src_bytes(struct ccm_reader *rd, uint32_t file,
                         const struct ccm_held *held, uint64_t off, size_t n,
                         struct ccm_buf *out)
{
	char *dst = ccm_buf_reserve(out, n);
	if (!dst)
		return CCM_ERR_NOMEM;
	if (held && off >= held->off) {
		memcpy(dst, held->p + (off - held->off), n);
	} else if (held) {
		if (pread(held->fd, dst, n, (off_t)off) != (ssize_t)n)
			return CCM_ERR_IO;
	} else {
		ccm_err err = ccm_reader_copy(rd, file, dst, n, off);
		if (err)
			return err;
	}
	out->len += n;
	return CCM_OK;
}

/* The header line of an attachment section. */
static ccm_err attach_header(const struct ccm_po *po, const struct ccm_msg *m,
                             const struct ccm_item *it, unsigned number,
                             bool last, uint64_t position,
                             const struct ccm_held *held, struct ccm_reader *rd,
                             struct ccm_buf *out)
{
	char stack[512];
	struct ccm_buf line = {
	        .p = stack, .cap = sizeof(stack), .borrowed = true};
	ccm_err err;
	if (it->kind == CCM_ITEM_HEX)
		err = src_bytes(rd, m->file, held, it->src_off - it->aux,
		                it->aux, &line);
	else
		err = src_bytes(rd, m->file, held, it->src_off,
		                (size_t)it->src_len, &line);
	if (!err) {
		const char *name;
		size_t nn;
		ccm_attach_line(&po->cp, line.p, line.len, &name, &nn);
		ccm_buf_puts(out, "Attachment,");
		ccm_buf_putu(out, it->out_len, 1);
		ccm_buf_puts(out, last ? ",,TRUE," : ",,FALSE,");
		if (nn) {
			ccm_csv_text(out, &po->cp, name, nn, false);
		} else {
			char dflt[32];
			snprintf(dflt, sizeof(dflt), "ATTACH%02u.DAT", number);
			ccm_csv_put(out, dflt, strlen(dflt), false);
		}
		ccm_buf_putc(out, ',');
		ccm_buf_putu(out, position, 1);
		ccm_buf_puts(out, ",None\r\n");
	}
	ccm_buf_free(&line);
	return err ? err : out->oom ? CCM_ERR_NOMEM : CCM_OK;
}

static void put_line(struct ccm_win *w, struct ccm_buf *b, uint64_t *len)
{
	if (w)
		ccm_win_put(w, b->p, b->len);
	*len += b->len;
}

/* The join after a text item when another follows: a CR LF if the text
 * does not end with one, then the blank line's CR LF. */
static uint64_t join_len(const struct ccm_item *it)
{
	return (it->aux & CCM_TEXT_EOL) ? 2 : 4;
}

/*
 * Skips the header line of attachment section `item` when the thread
 * remembers its length (reader.c) and the line lies wholly before the
 * window: a read inside the attachment's data then reads no byte of the
 * message's file for it.
 */
static bool skip_header(const struct ccm_po *po, const struct ccm_msg *m,
                        uint32_t item, struct ccm_win *w, uint64_t *len)
{
	uint32_t n;
	if (w->pos >= w->start ||
	    !ccm_reader_recall(w->rd, po, item, m->file, &n) ||
	    w->pos + n > w->start)
		return false;
	w->pos += n;
	*len += n;
	return true;
}

ccm_err ccm_sec_walk(const struct ccm_po *po, const struct ccm_msg *m,
                     const struct ccm_held *held, struct ccm_win *w,
                     uint64_t *len)
{
	/* No items yet at all: items.v is NULL, and NULL + 0 is undefined. */
	const struct ccm_item *items =
	        m->nitems ? &po->items.v[m->item0] : NULL;
	uint32_t last_file = CCM_NONE;
	uint64_t body = 0, pending = 0;
	for (uint32_t i = 0; i < m->nitems; i++) {
		if (items[i].kind != CCM_ITEM_TEXT) {
			last_file = i;
			continue;
		}
		body += pending + items[i].out_len;
		pending = join_len(&items[i]);
	}

	/* Section header lines are short: built on the stack (this runs
	 * per message, at scan time and on every read of a SEC file). */
	char stack[512];
	struct ccm_buf b = {.p = stack, .cap = sizeof(stack), .borrowed = true};
	ccm_err err = CCM_OK;
	*len = 0;
	ccm_buf_puts(&b, "Body,");
	ccm_buf_putu(&b, body, 1);
	ccm_buf_puts(&b, last_file == CCM_NONE ? ",,TRUE,,,\r\n"
	                                       : ",,FALSE,,,\r\n");
	put_line(w, &b, len);
	if (w && !ccm_win_skip(w, body)) {
		const struct ccm_item *prev = NULL;
		for (uint32_t i = 0; !err && i < m->nitems; i++) {
			const struct ccm_item *it = &items[i];
			if (it->kind != CCM_ITEM_TEXT)
				continue;
			if (prev)
				ccm_win_put(w, &"\r\n\r\n"[4 - join_len(prev)],
				            join_len(prev));
			err = ccm_item_render(po, m->file, it, m->item0 + i, w);
			prev = it;
		}
	}
	*len += body;
	b.len = 0;
	ccm_buf_puts(&b, "\r\n");
	put_line(w, &b, len);

	/* Position: the body's length where the file item stood. */
	uint64_t position = 0;
	unsigned number = 0;
	pending = 0;
	for (uint32_t i = 0; !err && i < m->nitems; i++) {
		/* A full window needs nothing after it: *len stops here. */
		if (w && ccm_win_full(w))
			break;
		const struct ccm_item *it = &items[i];
		if (it->kind == CCM_ITEM_TEXT) {
			position += pending + it->out_len;
			pending = join_len(it);
			continue;
		}
		number++;
		if (!w || !skip_header(po, m, m->item0 + i, w, len)) {
			b.len = 0;
			err = attach_header(po, m, it, number, i == last_file,
			                    position, held, w ? w->rd : NULL,
			                    &b);
			if (err)
				break;
			if (w)
				ccm_reader_learn(w->rd, po, m->item0 + i,
				                 (uint32_t)b.len);
			put_line(w, &b, len);
		}
		if (w) {
			err = ccm_item_render(po, m->file, it, m->item0 + i, w);
			ccm_win_put(w, "\r\n", 2);
		}
		*len += it->out_len + 2;
	}
	ccm_buf_free(&b);
	return err;
}
