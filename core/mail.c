/*
 * ccm_mail_render: any range of a message's mail form. The form is a row
 * of parts of lengths known from the layout: the header, the text, and
 * in a multipart message the text part's head, each attachment's head
 * and base64 lines, the closing line. Parts wholly outside the window
 * are skipped by length; a header or head inside it is built again from
 * the source; the text renders from its last seek point before the
 * window, base64 from the line the window starts in.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "mail.h"
#include "mailbody.h"
#include "mailhdr.h"

/* Bytes built in b through the window; they must be want long. */
static ccm_err put_built(struct ccm_win *w, struct ccm_buf *b, uint64_t want)
{
	ccm_err err = b->oom           ? CCM_ERR_NOMEM
	              : b->len != want ? CCM_ERR_CHANGED
	                               : CCM_OK;
	if (!err)
		ccm_win_put(w, b->p, b->len);
	ccm_buf_free(b);
	return err;
}

/*
 * The last long header this thread built, with the source bytes it was
 * built from. A header is built whole for any read that touches it, so
 * one of megabytes (a Subject of 10 MB, a To: of thousands of names) read
 * 4 KiB at a time would be built a thousand times over. Only headers of
 * HDR_MEMO_MIN to HDR_MEMO_MAX bytes are kept: a thread of the loop holds
 * at most two copies of one (its source bytes and the header). The source bytes
 * are still read for every read (which checks its source file as always) and
 * the memo is used only when they are the same bytes, of the same message of
 * the same open source: what it holds is then what a build would give.
 */
#define HDR_MEMO_MIN (64 * 1024)
#define HDR_MEMO_MAX (16 * 1024 * 1024)
struct hdr_memo {
	uint64_t stamp;
	const struct ccm_po *po;
	uint32_t msg;
	struct ccm_buf src, built;
};
static pthread_key_t memo_key;
static bool memo_ok; /* the key was made */
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_free(void *v)
{
	struct hdr_memo *m = v;
	ccm_buf_free(&m->src);
	ccm_buf_free(&m->built);
	free(m);
}

static void memo_key_make(void)
{
	memo_ok = !pthread_key_create(&memo_key, memo_free);
}

/* This thread's memo (NULL when out of memory or keys). */
static struct hdr_memo *memo(void)
{
	pthread_once(&memo_once, memo_key_make);
	if (!memo_ok)
		return NULL;
	struct hdr_memo *m = pthread_getspecific(memo_key);
	if (!m && (m = calloc(1, sizeof(*m))) &&
	    pthread_setspecific(memo_key, m)) {
		free(m);
		m = NULL;
	}
	return m;
}

static ccm_err header(const struct ccm_po *po, uint32_t msg, struct ccm_win *w)
{
	const struct ccm_mailmsg *mm = &po->mail->msgs[msg];
	if (ccm_win_skip(w, mm->hdr))
		return CCM_OK;
	struct ccm_buf hb = {0}, out = {0};
	struct ccm_mhdr mh;
	ccm_err err = ccm_mail_header_bytes(w->rd, &po->msgs.v[msg], &hb);
	struct hdr_memo *m =
	        !err && mm->hdr >= HDR_MEMO_MIN && mm->hdr <= HDR_MEMO_MAX
	                ? memo()
	                : NULL;
	if (m && m->stamp == w->rd->src->stamp && m->po == po &&
	    m->msg == msg && m->src.len == hb.len &&
	    !memcmp(m->src.p, hb.p, hb.len)) {
		ccm_buf_free(&hb);
		if (m->built.len != mm->hdr)
			return CCM_ERR_CHANGED;
		ccm_win_put(w, m->built.p, m->built.len);
		return CCM_OK;
	}
	if (!err) {
		ccm_read_counts.hdr_builds++;
		ccm_mhdr_parse(hb.p, hb.len, &mh);
		ccm_mailhdr_build(po, msg, &mh, ccm_mail_board(po, msg), &out);
		if (m && !mh.oom && !out.oom && out.len == mm->hdr) {
			/* Kept: the memo takes both buffers over. */
			ccm_buf_free(&m->src);
			ccm_buf_free(&m->built);
			*m = (struct hdr_memo){w->rd->src->stamp, po, msg, hb,
			                       out};
			hb = (struct ccm_buf){0};
			ccm_win_put(w, m->built.p, m->built.len);
			out = (struct ccm_buf){0};
		} else {
			err = mh.oom ? CCM_ERR_NOMEM
			             : put_built(w, &out, mm->hdr);
		}
		ccm_mhdr_free(&mh);
	}
	ccm_buf_free(&hb);
	ccm_buf_free(&out);
	return err;
}

/* Source lines of base64 encoded per round. */
#define B64_BATCH 64

/* File item it's data as base64 lines, from the line the window starts
 * in; the data is rendered by the item's own renderer (hex or file). */
static ccm_err base64(const struct ccm_po *po, const struct ccm_msg *m,
                      uint32_t k, struct ccm_win *w)
{
	const struct ccm_item *it = &po->items.v[m->item0 + k];
	unsigned eoln = po->mail->eoln;
	uint64_t len = ccm_b64_len(it->out_len, eoln);
	if (ccm_win_skip(w, len))
		return CCM_OK;
	uint64_t base = w->pos, step = CCM_B64_LINE_OUT + eoln;
	uint64_t line = (w->start > base ? w->start - base : 0) / step;
	uint64_t src = line * CCM_B64_LINE_IN;
	w->pos = base + line * step;
	uint8_t in[B64_BATCH * CCM_B64_LINE_IN];
	char out[B64_BATCH * (CCM_B64_LINE_OUT + 2)];
	ccm_err err = CCM_OK;
	while (!err && src < it->out_len && !ccm_win_full(w)) {
		uint64_t n = it->out_len - src < sizeof(in) ? it->out_len - src
		                                            : sizeof(in);
		struct ccm_win iw = {w->rd, (char *)in, src, src + n,
		                     0,     NULL,       0};
		err = ccm_item_render(po, m->file, it, m->item0 + k, &iw);
		size_t o = 0;
		for (uint64_t i = 0; !err && i < n; i += CCM_B64_LINE_IN) {
			size_t ln = n - i < CCM_B64_LINE_IN ? (size_t)(n - i)
			                                    : CCM_B64_LINE_IN;
			o += ccm_b64_encode(in + i, ln, out + o);
			if (src + i + ln < it->out_len) {
				memcpy(out + o, po->mail->eol, eoln);
				o += eoln;
			}
		}
		if (!err)
			ccm_win_put(w, out, o);
		src += n;
	}
	w->pos = base + len;
	return err;
}

/* An attachment's part head, built again when the window holds it. */
static ccm_err part_head(const struct ccm_po *po, const struct ccm_msg *m,
                         uint32_t k, unsigned number, struct ccm_win *w)
{
	const struct ccm_mailmsg *mm = &po->mail->msgs[m - po->msgs.v];
	uint32_t len = po->mail->parthdr[m->item0 + k];
	if (ccm_win_skip(w, len))
		return CCM_OK;
	struct ccm_buf name = {0}, out = {0};
	ccm_err err = ccm_mail_attname(po, m, &po->items.v[m->item0 + k],
	                               number, w->rd, &name);
	if (!err) {
		ccm_mail_parthead(po, mm, name.p ? name.p : "", name.len, &out);
		err = put_built(w, &out, len);
	}
	ccm_buf_free(&name);
	ccm_buf_free(&out);
	return err;
}

static ccm_err multipart(const struct ccm_po *po, uint32_t msg,
                         struct ccm_win *w)
{
	const struct ccm_msg *m = &po->msgs.v[msg];
	const struct ccm_mailmsg *mm = &po->mail->msgs[msg];
	struct ccm_buf b = {0};
	ccm_mail_texthead(po, mm, &b);
	ccm_win_put(w, b.p, b.len);
	ccm_err err = b.oom ? CCM_ERR_NOMEM : CCM_OK;
	if (!err && !ccm_win_skip(w, mm->body))
		err = ccm_body_walk(po, msg, w, NULL, NULL);
	unsigned number = 0;
	for (uint32_t k = 0; !err && k < m->nitems && !ccm_win_full(w); k++) {
		if (po->items.v[m->item0 + k].kind == CCM_ITEM_TEXT)
			continue;
		err = part_head(po, m, k, ++number, w);
		if (!err)
			err = base64(po, m, k, w);
	}
	b.len = 0;
	ccm_mail_closing(po, mm, &b);
	if (!err && !ccm_win_full(w))
		ccm_win_put(w, b.p, b.len);
	if (!err && b.oom)
		err = CCM_ERR_NOMEM;
	ccm_buf_free(&b);
	return err;
}

ccm_err ccm_mail_render(const struct ccm_po *po, uint32_t msg,
                        struct ccm_win *w)
{
	if (!po->mail || msg >= po->msgs.n ||
	    (po->msgs.v[msg].flags & CCM_MSG_DROPPED))
		return CCM_ERR_NOENT;
	const struct ccm_mailmsg *mm = &po->mail->msgs[msg];
	uint64_t base = w->pos;
	if (ccm_win_skip(w, mm->size))
		return CCM_OK;
	ccm_err err = header(po, msg, w);
	if (!err && (mm->flags & CCM_MAIL_MULTI))
		err = multipart(po, msg, w);
	else if (!err && !ccm_win_skip(w, mm->body))
		err = ccm_body_walk(po, msg, w, NULL, NULL);
	if (!err && !ccm_win_full(w) && w->pos != base + mm->size)
		err = CCM_ERR_CHANGED;
	w->pos = base + mm->size;
	return err;
}
