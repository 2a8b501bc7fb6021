/*
 * The header of a message's mail form. Its fields, in this order (the
 * ones in brackets only when the message has what they show):
 *
 *   Message-ID, [Date], From, [To], [Cc], [Bcc: the sender's own copy],
 *   Subject, X-ccMail-Folder (a board message: only when it has one),
 *   [X-ccMail-Board], X-ccMail-Priority,
 *   [X-Priority], [X-ccMail-Status], [X-ccMail-Receipt], X-ccMail-From,
 *   X-ccMail-To..., X-ccMail-Cc..., [X-ccMail-Bcc...], [X-ccMail-Date: a
 *   date that is none], MIME-Version, Content-Type,
 *   Content-Transfer-Encoding, then a blank line.
 *
 * X-ccMail- fields hold the header lines' values as the export has them
 * (in UTF-8), so that no address is lost to the mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "fields.h"
#include "lex.h"
#include "mailhdr.h"

static void push_rcpt(struct ccm_mhdr *h, int k, const char *s, size_t n)
{
	if (h->nrcpt[k] == h->cap[k]) {
		size_t cap = h->cap[k] ? h->cap[k] * 2 : 8;
		struct ccm_str *v = realloc(h->rcpt[k], cap * sizeof(*v));
		if (!v) {
			h->oom = true;
			return;
		}
		h->rcpt[k] = v;
		h->cap[k] = cap;
	}
	h->rcpt[k][h->nrcpt[k]++] = (struct ccm_str){s, n};
}

/* The first of each once-only line counts, as in the PRI row. */
static void once(struct ccm_str *v, const char *s, size_t n)
{
	if (!v->s)
		*v = (struct ccm_str){s ? s : "", n};
}

void ccm_mhdr_parse(const char *hdr, size_t n, struct ccm_mhdr *h)
{
	static const char *const RCPT[] = {"To:", "Cc:", "Bcc:"};
	memset(h, 0, sizeof(*h));
	struct ccm_lex lx;
	struct ccm_line l;
	ccm_lex_init(&lx, hdr, n);
	while (ccm_lex_peek(&lx, &l)) {
		const char *v;
		size_t vn;
		ccm_lex_next(&lx, &l);
		if (lx.line == 2)
			continue; /* the Message: line */
		if (ccm_kw(&l, "Contents:", NULL, NULL))
			break;
		struct {
			const char *kw;
			struct ccm_str *to;
		} const once_kw[] = {
		        {"Folder:", &h->folder},     {"From:", &h->from},
		        {"Date:", &h->date},         {"Subject:", &h->subject},
		        {"Priority:", &h->priority}, {"Status:", &h->status},
		        {"Receipt:", &h->receipt},
		};
		bool done = false;
		for (size_t k = 0; !done && k < 7; k++)
			if (ccm_kw(&l, once_kw[k].kw, &v, &vn)) {
				once(once_kw[k].to, v, vn);
				done = true;
			}
		for (int k = 0; !done && k < 3; k++)
			if (ccm_kw(&l, RCPT[k], &v, &vn)) {
				if (vn)
					push_rcpt(h, k, v, vn);
				done = true;
			}
	}
}

void ccm_mhdr_free(struct ccm_mhdr *h)
{
	for (int k = 0; k < 3; k++)
		free(h->rcpt[k]);
	memset(h, 0, sizeof(*h));
}

void ccm_mail_boundary(const struct ccm_mailmsg *mm, char out[32])
{
	static const char HEX[] = "0123456789abcdef";
	char *o = stpcpy(out, "=_ccMail_");
	for (int i = 0; i < 8; i++) {
		*o++ = HEX[mm->id[i] >> 4];
		*o++ = HEX[mm->id[i] & 15];
	}
	*o = '\0';
}

bool ccm_mail_date(const struct ccm_po *po, const struct ccm_str *date,
                   int v[6])
{
	char d[15];
	if (!date->n || !ccm_date_parse(date->s, date->n, po->date_order, d))
		return false;
	for (int k = 0, at = 0; k < 6; k++) {
		int w = k ? 2 : 4;
		v[k] = 0;
		for (int j = 0; j < w; j++)
			v[k] = v[k] * 10 + d[at + j] - '0';
		at += w;
	}
	return true;
}

/* An unstructured field of source text (one line, UTF-8). */
static void text_field(const struct ccm_po *po, struct ccm_hdrw *h,
                       const char *name, const struct ccm_str *v)
{
	struct ccm_buf t = {0};
	ccm_mail_utf8(po, v->s, v->n, &t);
	ccm_hdr_field(h, name);
	ccm_hdr_text(h, t.p ? t.p : "", t.len);
	ccm_hdr_end(h);
	if (t.oom)
		h->b->oom = true;
	ccm_buf_free(&t);
}

static void addr_field(const struct ccm_po *po, struct ccm_hdrw *h,
                       const char *name, const struct ccm_str *v, size_t n)
{
	if (!n)
		return;
	ccm_hdr_field(h, name);
	for (size_t i = 0; i < n; i++)
		ccm_mail_mailbox(po, v[i].s, v[i].n, true, i ? ',' : 0, h);
	ccm_hdr_end(h);
}

static void date_field(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                       const struct ccm_mhdr *mh, struct ccm_hdrw *h)
{
	static const char *const MON[] = {"Jan", "Feb", "Mar", "Apr",
	                                  "May", "Jun", "Jul", "Aug",
	                                  "Sep", "Oct", "Nov", "Dec"};
	static const char *const DAY[] = {"Thu", "Fri", "Sat", "Sun",
	                                  "Mon", "Tue", "Wed"};
	char zone[6], line[64];
	int v[6];
	if (!(mm->flags & CCM_MAIL_DATED) || !ccm_mail_date(po, &mh->date, v))
		return;
	int64_t days = ccm_civil_days(v[0], v[1], v[2]);
	int wd = (int)(((days % 7) + 7) % 7);
	ccm_tz_format(&po->src->mail->tz, mm->tzoff, zone);
	snprintf(line, sizeof(line), "%s, %d %s %04d %02d:%02d:%02d %s",
	         DAY[wd], v[2], MON[v[1] - 1], v[0], v[3], v[4], v[5], zone);
	ccm_hdr_field(h, "Date");
	ccm_hdr_token(h, 0, line, strlen(line));
	ccm_hdr_end(h);
}

/* Message-ID, Date, the addresses and Subject. */
static void main_fields(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                        const struct ccm_mhdr *mh,
                        const struct ccm_board *board, struct ccm_hdrw *h)
{
	char id[64];
	char hex[33];
	struct ccm_hash hh;
	memcpy(&hh.hi, mm->id, 8);
	memcpy(&hh.lo, mm->id + 8, 8);
	ccm_hash_hex(&hh, hex);
	snprintf(id, sizeof(id), "<%s@ccmail.invalid>", hex);
	ccm_hdr_field(h, "Message-ID");
	ccm_hdr_token(h, 0, id, strlen(id));
	ccm_hdr_end(h);
	date_field(po, mm, mh, h);
	ccm_hdr_field(h, "From");
	if (mh->from.n)
		ccm_mail_mailbox(po, mh->from.s, mh->from.n, true, 0, h);
	else
		ccm_hdr_token(h, 0, "unknown@ccmail.invalid", 22);
	ccm_hdr_end(h);
	if (board) {
		ccm_hdr_field(h, "To");
		struct ccm_buf t = {0};
		ccm_buf_putc(&t, '#');
		ccm_buf_put(&t, board->name.s, board->name.n);
		if (!t.oom)
			ccm_mail_mailbox(po, t.p, t.len, false, 0, h);
		ccm_buf_free(&t);
		ccm_hdr_end(h);
	} else {
		addr_field(po, h, "To", mh->rcpt[0], mh->nrcpt[0]);
		addr_field(po, h, "Cc", mh->rcpt[1], mh->nrcpt[1]);
		if (mm->flags & CCM_MAIL_BCC)
			addr_field(po, h, "Bcc", mh->rcpt[2], mh->nrcpt[2]);
	}
	text_field(po, h, "Subject", &mh->subject);
}

/* The X-ccMail- fields: the header lines as the export has them. */
static void ccmail_fields(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                          const struct ccm_mhdr *mh,
                          const struct ccm_board *board, struct ccm_hdrw *h)
{
	static const char *const X[] = {"X-ccMail-To", "X-ccMail-Cc",
	                                "X-ccMail-Bcc"};
	struct ccm_str inbox = {"Inbox", 5};
	if (mh->folder.n || !board) /* export §4.1: absent, Inbox */
		text_field(po, h, "X-ccMail-Folder",
		           mh->folder.n ? &mh->folder : &inbox);
	if (board)
		text_field(po, h, "X-ccMail-Board", &board->name);
	struct ccm_str normal = {"Normal", 6};
	const struct ccm_str *prio = mh->priority.n ? &mh->priority : &normal;
	text_field(po, h, "X-ccMail-Priority", prio);
	if (prio->n == 6 && ccm_caseeq(prio->s, "Urgent", 6))
		ccm_buf_printf(h->b, "X-Priority: 1 (Highest)%s", h->eol);
	else if (prio->n == 3 && ccm_caseeq(prio->s, "Low", 3))
		ccm_buf_printf(h->b, "X-Priority: 5 (Lowest)%s", h->eol);
	if (mh->status.n)
		text_field(po, h, "X-ccMail-Status", &mh->status);
	if (mh->receipt.n)
		text_field(po, h, "X-ccMail-Receipt", &mh->receipt);
	if (mh->from.n)
		text_field(po, h, "X-ccMail-From", &mh->from);
	for (int k = 0; k < 3 && !board; k++)
		for (size_t i = 0; i < mh->nrcpt[k]; i++)
			if (k < 2 || (mm->flags & CCM_MAIL_BCC))
				text_field(po, h, X[k], &mh->rcpt[k][i]);
	if (mh->date.n && !(mm->flags & CCM_MAIL_DATED))
		text_field(po, h, "X-ccMail-Date", &mh->date);
}

void ccm_mailhdr_build(const struct ccm_po *po, uint32_t i,
                       const struct ccm_mhdr *mh, const struct ccm_board *board,
                       struct ccm_buf *out)
{
	const struct ccm_mailmsg *mm = &po->mail->msgs[i];
	struct ccm_hdrw h = {out, po->mail->eol, 0, true};
	main_fields(po, mm, mh, board, &h);
	ccmail_fields(po, mm, mh, board, &h);
	ccm_buf_printf(out, "MIME-Version: 1.0%s", h.eol);
	const char *cte = mm->flags & CCM_MAIL_QP ? "quoted-printable" : "8bit";
	if (mm->flags & CCM_MAIL_MULTI) {
		char b[32];
		ccm_mail_boundary(mm, b);
		ccm_buf_printf(out,
		               "Content-Type: multipart/mixed;%s "
		               "boundary=\"%s\"%s",
		               h.eol, b, h.eol);
		cte = mm->flags & CCM_MAIL_QP ? "7bit" : "8bit";
	} else {
		ccm_buf_printf(out, "Content-Type: text/plain; charset=utf-8%s",
		               h.eol);
	}
	ccm_buf_printf(out, "Content-Transfer-Encoding: %s%s%s", cte, h.eol,
	               h.eol);
}

void ccm_mail_texthead(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                       struct ccm_buf *out)
{
	char b[32];
	const char *eol = po->mail->eol;
	ccm_mail_boundary(mm, b);
	ccm_buf_printf(out,
	               "--%s%sContent-Type: text/plain; charset=utf-8%s"
	               "Content-Transfer-Encoding: %s%s%s",
	               b, eol, eol,
	               mm->flags & CCM_MAIL_QP ? "quoted-printable" : "8bit",
	               eol, eol);
}

void ccm_mail_parthead(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                       const char *name, size_t n, struct ccm_buf *out)
{
	char b[32];
	ccm_mail_boundary(mm, b);
	struct ccm_hdrw h = {out, po->mail->eol, 0, true};
	ccm_buf_printf(out, "%s--%s%s", h.eol, b, h.eol);
	ccm_hdr_field(&h, "Content-Type");
	ccm_hdr_token(&h, 0, "application/octet-stream", 24);
	ccm_hdr_param(&h, "name", name, n);
	ccm_hdr_end(&h);
	ccm_hdr_field(&h, "Content-Disposition");
	ccm_hdr_token(&h, 0, "attachment", 10);
	ccm_hdr_param(&h, "filename", name, n);
	ccm_hdr_end(&h);
	ccm_buf_printf(out, "Content-Transfer-Encoding: base64%s%s", h.eol,
	               h.eol);
}

void ccm_mail_closing(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                      struct ccm_buf *out)
{
	char b[32];
	ccm_mail_boundary(mm, b);
	ccm_buf_printf(out, "%s--%s--%s", po->mail->eol, b, po->mail->eol);
}

ccm_err ccm_mail_attname(const struct ccm_po *po, const struct ccm_msg *m,
                         const struct ccm_item *it, unsigned number,
                         struct ccm_reader *rd, struct ccm_buf *out)
{
	uint64_t off =
	        it->kind == CCM_ITEM_HEX ? it->src_off - it->aux : it->src_off;
	size_t n = it->kind == CCM_ITEM_HEX ? it->aux : (size_t)it->src_len;
	struct ccm_buf line = {0};
	char *dst = ccm_buf_reserve(&line, n);
	ccm_err err =
	        dst ? ccm_reader_copy(rd, m->file, dst, n, off) : CCM_ERR_NOMEM;
	if (!err) {
		line.len = n;
		const char *name;
		size_t nn;
		ccm_attach_line(&po->cp, line.p, line.len, &name, &nn);
		if (nn)
			ccm_mail_utf8(po, name, nn, out);
		else
			ccm_buf_printf(out, "ATTACH%02u.DAT", number);
	}
	ccm_buf_free(&line);
	return err ? err : out->oom ? CCM_ERR_NOMEM : CCM_OK;
}

const struct ccm_board *ccm_mail_board(const struct ccm_po *po, uint32_t i)
{
	if (!(po->msgs.v[i].flags & CCM_MSG_BOARD))
		return NULL;
	for (size_t k = 0; k < po->boards.n; k++) {
		const struct ccm_board *bd = &po->boards.v[k];
		if (i >= bd->msg0 && i < bd->msg0 + bd->nmsg)
			return bd;
	}
	return NULL;
}

ccm_err ccm_mail_header_bytes(struct ccm_reader *rd, const struct ccm_msg *m,
                              struct ccm_buf *b)
{
	char *dst = ccm_buf_reserve(b, m->hdr_len);
	if (!dst)
		return CCM_ERR_NOMEM;
	ccm_err err = ccm_reader_copy(rd, m->file, dst, m->hdr_len, m->hdr_off);
	if (!err)
		b->len += m->hdr_len;
	return err;
}
