#include <string.h>

#include "item.h"
#include "mailbody.h"

/* Where the text stream is: before source byte src of item k of the
 * message (src == its length: before the join to the next). */
struct pstate {
	uint32_t k;
	uint64_t src;
	bool prev_cr;
};

/* Takes n text bytes, after which the stream stands at *at; false to
 * stop. */
typedef bool (*psink)(void *ctx, const uint8_t *p, size_t n,
                      const struct pstate *at);

/* Source bytes converted per round; their text fits 3 bytes each. */
#define PIECE ((size_t)4096)

/* Whole characters of s[0..n) to UTF-8 text with LF line ends. */
static size_t conv(const struct ccm_cp *cp, bool *prev_cr, const uint8_t *s,
                   size_t n, uint8_t *out)
{
	uint8_t *o = out;
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		if (c == '\r' || c == '\n') {
			if (c == '\r' || !*prev_cr)
				*o++ = '\n';
			*prev_cr = c == '\r';
			i++;
			continue;
		}
		*prev_cr = false;
		if (c < 0x80 && cp->ascii_whole) {
			*o++ = c;
			i++;
			continue;
		}
		size_t len = ccm_cp_charlen(cp, s + i, n - i);
		const struct ccm_cpchar *m = ccm_cp_map(cp, s + i, len);
		memcpy(o, m->b, m->n);
		o += m->n;
		i += len;
	}
	return (size_t)(o - out);
}

/* The next text item of message m at or after k, or nitems. */
static uint32_t next_text(const struct ccm_po *po, const struct ccm_msg *m,
                          uint32_t k)
{
	while (k < m->nitems && po->items.v[m->item0 + k].kind != CCM_ITEM_TEXT)
		k++;
	return k;
}

/* The bytes of s[0..n) that are whole characters, when more follow: a
 * lead byte cut at the end waits for the next round. */
static size_t whole_chars(const struct ccm_cp *cp, const uint8_t *s, size_t n)
{
	if (!cp->dbcs)
		return n;
	size_t i = 0;
	while (i < n) {
		size_t len = ccm_cp_charlen(cp, s + i, n - i);
		if (len == 1 && cp->lead[s[i]] && i + 1 == n)
			return i;
		i += len;
	}
	return n;
}

static ccm_err pwalk(const struct ccm_po *po, const struct ccm_msg *m,
                     struct ccm_reader *rd, struct pstate st, psink sink,
                     void *ctx)
{
	const struct ccm_cp *cp = &po->mail->u8;
	uint8_t out[3 * PIECE + 2];
	for (st.k = next_text(po, m, st.k); st.k < m->nitems;) {
		const struct ccm_item *it = &po->items.v[m->item0 + st.k];
		while (st.src < it->src_len) {
			size_t n = it->src_len - st.src < PIECE
			                   ? (size_t)(it->src_len - st.src)
			                   : PIECE;
			const char *in;
			ccm_err err = ccm_reader_get(
			        rd, m->file, it->src_off + st.src, n, &in);
			if (err)
				return err;
			const uint8_t *u = (const uint8_t *)in;
			size_t whole = st.src + n < it->src_len
			                       ? whole_chars(cp, u, n)
			                       : n;
			size_t o = conv(cp, &st.prev_cr, u, whole, out);
			st.src += whole;
			if (!sink(ctx, out, o, &st))
				return CCM_OK;
		}
		uint32_t nk = next_text(po, m, st.k + 1);
		if (nk == m->nitems)
			break;
		/* The join: a line end if the text lacks one, a blank line. */
		bool eol = it->aux & CCM_TEXT_EOL;
		st = (struct pstate){nk, 0, false};
		if (!sink(ctx, (const uint8_t *)"\n\n" + eol, 2 - eol, &st))
			return CCM_OK;
	}
	return CCM_OK;
}

struct statctx {
	struct ccm_bodystat *st;
	uint64_t line; /* bytes on the current line so far */
	int match;     /* of "--=_" at its start; -1 once it differs */
};

static bool stat_sink(void *ctx, const uint8_t *p, size_t n,
                      const struct pstate *at)
{
	(void)at;
	struct statctx *c = ctx;
	struct ccm_bodystat *st = c->st;
	static const char DASH[] = "--=_";
	if (st->hash)
		ccm_hash_put(st->hash, p, n);
	st->len += n;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			c->line = 0;
			c->match = 0;
			continue;
		}
		st->nul |= p[i] == 0;
		if (c->match >= 0 && c->match < 4) {
			if (p[i] != (uint8_t)DASH[c->match])
				c->match = -1;
			else if (++c->match == 4)
				st->dash = true;
		}
		if (++c->line > st->maxline)
			st->maxline = c->line;
	}
	return true;
}

ccm_err ccm_body_stat(const struct ccm_po *po, uint32_t msg,
                      struct ccm_reader *rd, struct ccm_bodystat *st)
{
	struct statctx c = {st, 0, 0};
	struct pstate at = {0, 0, false};
	return pwalk(po, &po->msgs.v[msg], rd, at, stat_sink, &c);
}

/* The encoder's side of the walk: 8bit or quoted-printable into w. */
struct encctx {
	const struct ccm_po *po;
	struct ccm_win *w;
	uint64_t base; /* where the text starts in w */
	bool qp;
	struct ccm_qp q;
	struct ccm_mailidx *rec; /* recording seek points, or NULL */
	uint64_t next;           /* the next seek point's offset */
	uint32_t item0;
	bool oom;
};

static void put_8bit(struct encctx *c, const uint8_t *p, size_t n)
{
	const char *eol = c->po->mail->eol;
	size_t eoln = c->po->mail->eoln;
	while (n) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t run = nl ? (size_t)(nl - p) : n;
		ccm_win_put(c->w, p, run);
		if (!nl)
			break;
		ccm_win_put(c->w, eol, eoln);
		p += run + 1;
		n -= run + 1;
	}
}

#define QP_SLICE ((size_t)1024)

static bool enc_sink(void *ctx, const uint8_t *p, size_t n,
                     const struct pstate *at)
{
	struct encctx *c = ctx;
	if (!c->qp) {
		put_8bit(c, p, n);
	} else {
		char out[12 * QP_SLICE + 8];
		for (size_t i = 0; i < n; i += QP_SLICE) {
			size_t k = n - i < QP_SLICE ? n - i : QP_SLICE;
			size_t o = ccm_qp_feed(&c->q, p + i, k,
			                       c->po->mail->eol, out);
			ccm_win_put(c->w, out, o);
		}
	}
	if (c->rec && c->w->pos - c->base >= c->next) {
		struct ccm_mailseek *sp = CCM_PUSH(c->rec->seeks);
		if (!sp) {
			c->oom = true;
			return false;
		}
		*sp = (struct ccm_mailseek){
		        at->src,          c->w->pos - c->base,
		        c->item0 + at->k, (uint16_t)c->q.col,
		        at->prev_cr,      c->q.pend};
		c->next = c->w->pos - c->base + CCM_SEEK_STEP;
	}
	return !ccm_win_full(c->w);
}

/* The last seek point of message mm at or before text offset out. */
static const struct ccm_mailseek *seek_find(const struct ccm_mailidx *mi,
                                            const struct ccm_mailmsg *mm,
                                            uint64_t out)
{
	const struct ccm_mailseek *sp =
	        mm->nseek ? &mi->seeks.v[mm->seek0] : NULL;
	const struct ccm_mailseek *lo = sp;
	/* Halves the points after lo until none is left to look at. */
	for (size_t len = mm->nseek; len;) {
		size_t half = len / 2;
		if (lo[half].out <= out) {
			lo += half + 1;
			len -= half + 1;
		} else {
			len = half;
		}
	}
	return lo == sp ? NULL : lo - 1;
}

ccm_err ccm_body_walk(const struct ccm_po *po, uint32_t msg, struct ccm_win *w,
                      struct ccm_mailidx *rec, uint64_t *len)
{
	const struct ccm_msg *m = &po->msgs.v[msg];
	struct ccm_mailmsg *mm = &po->mail->msgs[msg];
	struct encctx c = {
	        po,     w,   w->pos,        (mm->flags & CCM_MAIL_QP) != 0,
	        {0, 0}, rec, CCM_SEEK_STEP, m->item0,
	        false};
	struct pstate at = {0, 0, false};
	if (rec) {
		mm->seek0 = (uint32_t)rec->seeks.n;
	} else {
		uint64_t from = w->start > w->pos ? w->start - w->pos : 0;
		const struct ccm_mailseek *sp = seek_find(po->mail, mm, from);
		if (sp) {
			at = (struct pstate){sp->item - m->item0, sp->src,
			                     sp->prev_cr};
			c.q = (struct ccm_qp){sp->col, sp->pend};
			w->pos = c.base + sp->out;
		}
	}
	ccm_err err = pwalk(po, m, w->rd, at, enc_sink, &c);
	if (!err && c.oom)
		err = CCM_ERR_NOMEM;
	if (!err && c.qp && !ccm_win_full(w)) {
		char out[8];
		ccm_win_put(w, out, ccm_qp_end(&c.q, po->mail->eol, out));
	}
	if (rec) {
		mm->nseek = (uint32_t)(rec->seeks.n - mm->seek0);
		*len = w->pos - c.base;
		return err;
	}
	if (!err && !ccm_win_full(w) && w->pos != c.base + mm->body)
		err = CCM_ERR_CHANGED;
	w->pos = c.base + mm->body;
	if (len)
		*len = mm->body;
	return err;
}
