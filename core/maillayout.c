/*
 * ccm_mail_layout: every kept message's mail form measured once, after
 * the scan (single-threaded), and what the Maildir/.eml tree needs of
 * it. Also the mail options of a source (tz, addrmap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "cache_table.h"
#include "fields.h"
#include "mail.h"
#include "mailbody.h"
#include "mailhdr.h"
#include "maillayout.h"

ccm_err ccm_mail_options(struct ccm_source *src, char *msg, size_t msgsz)
{
	const struct ccm_options *o = &src->opts;
	if (!o->tz && !o->addrmap && o->view == CCM_VIEW_IFF)
		return CCM_OK;
	src->mail = calloc(1, sizeof(*src->mail));
	if (!src->mail)
		return CCM_ERR_NOMEM;
	ccm_err err = ccm_tz_parse(o->tz, &src->mail->tz, msg, msgsz);
	if (!err && o->addrmap)
		err = ccm_addrmap_load(o->addrmap, &src->mail->map, msg, msgsz);
	/* Read all the same, so that a wrong one is an error in every view
	 * and the options work when the view is changed. */
	if (!err && o->view == CCM_VIEW_IFF)
		ccm_notice(o,
		           "the %s option%s shape%s only the mail views "
		           "(maildir, eml): the IFF view is made without %s",
		           o->tz && o->addrmap ? "tz and addrmap"
		           : o->tz             ? "tz"
		                               : "addrmap",
		           o->tz && o->addrmap ? "s" : "",
		           o->tz && o->addrmap ? "" : "s",
		           o->tz && o->addrmap ? "them" : "it");
	return err;
}

void ccm_mail_options_free(struct ccm_source *src)
{
	if (src->mail)
		ccm_addrmap_free(&src->mail->map);
	free(src->mail);
	src->mail = NULL;
}

ccm_err ccm_mail_ready(struct ccm_po *po)
{
	struct ccm_mailidx *mi = po->mail;
	bool eml = po->src->opts.view == CCM_VIEW_EML;
	mi->eol = eml ? "\r\n" : "\n";
	mi->eoln = eml ? 2 : 1;
	ccm_mail_label(po, po->name.s, po->name.n, mi->label);
	return ccm_cp_init(&mi->u8, po->src_cp, 65001);
}

static void hash_str(struct ccm_hash *h, const char *tag,
                     const struct ccm_str *v)
{
	ccm_hash_put(h, tag, strlen(tag) + 1);
	ccm_hash_put(h, v->s ? v->s : "", v->n);
	ccm_hash_put(h, "", 1);
}

/* The header values that make a message the same message in every
 * mailbox that holds it: not its folder, status or Bcc. */
static void hash_header(struct ccm_hash *h, const struct ccm_mhdr *mh)
{
	hash_str(h, "From", &mh->from);
	hash_str(h, "Date", &mh->date);
	hash_str(h, "Subject", &mh->subject);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < mh->nrcpt[k]; i++)
			hash_str(h, k ? "Cc" : "To", &mh->rcpt[k][i]);
}

/* Whether the mailbox owner mb sent the message (its From). */
static bool sender_copy(const struct ccm_po *po, const struct ccm_mailbox *mb,
                        const struct ccm_mhdr *mh)
{
	if (!mb || !mh->from.n)
		return false;
	struct ccm_addr a;
	ccm_addr_parse(&po->cp, mh->from.s, mh->from.n, &a);
	return a.kind == CCM_ADDR_USER &&
	       (!a.po ||
	        ccm_name_eq(&po->cp, a.po, a.pn, po->name.s, po->name.n)) &&
	       ccm_name_eq(&po->cp, a.name, a.nn, mb->name.s, mb->name.n);
}

/* Info: the folder path in UTF-8, '\' between levels, empty levels
 * dropped; whether its first level is Drafts. */
static const char *info_folder(struct ccm_po *po, const struct ccm_str *f,
                               bool *draft)
{
	struct ccm_buf t = {0};
	const char *s = f->s;
	size_t n = f->n;
	for (size_t b = 0; b < n;) {
		const char *e = ccm_cp_chr(&po->cp, s + b, n - b, '\\');
		size_t i = e ? (size_t)(e - s) : n;
		if (i > b) {
			if (!t.len && i - b == 6 &&
			    ccm_caseeq(s + b, "Drafts", 6))
				*draft = true;
			if (t.len)
				ccm_buf_putc(&t, '\\');
			ccm_mail_utf8(po, s + b, i - b, &t);
		}
		b = i + 1;
	}
	if (!t.len)
		ccm_buf_puts(&t, "Inbox");
	const char *r =
	        t.oom ? NULL : ccm_arena_strndup(&po->src->arena, t.p, t.len);
	ccm_buf_free(&t);
	return r;
}

static ccm_err fill_info(struct ccm_po *po, const struct ccm_mhdr *mh,
                         const int v[6], bool dated, struct ccm_mail_info *info)
{
	info->draft = mh->status.n == 5 && ccm_caseeq(mh->status.s, "Draft", 5);
	info->unread =
	        mh->status.n == 6 && ccm_caseeq(mh->status.s, "Unread", 6);
	info->folder = info_folder(po, &mh->folder, &info->draft);
	struct ccm_buf t = {0};
	ccm_mail_utf8(po, mh->subject.s, mh->subject.n, &t);
	info->subject = t.oom ? NULL
	                      : ccm_arena_strndup(&po->src->arena,
	                                          t.p ? t.p : "", t.len);
	ccm_buf_free(&t);
	info->has_date = dated;
	if (dated)
		info->date = ccm_civil_days(v[0], v[1], v[2]) * 86400 +
		             v[3] * 3600 + v[4] * 60 + v[5];
	return info->folder && info->subject ? CCM_OK : CCM_ERR_NOMEM;
}

/* The attachments: their names and sizes into the hash (before the id
 * is known), or their part heads' lengths (after). */
static ccm_err attachments(struct ccm_po *po, uint32_t i, struct ccm_reader *rd,
                           struct ccm_hash *h, uint64_t *len)
{
	const struct ccm_msg *m = &po->msgs.v[i];
	struct ccm_mailmsg *mm = &po->mail->msgs[i];
	unsigned number = 0;
	ccm_err err = CCM_OK;
	for (uint32_t k = 0; !err && k < m->nitems; k++) {
		const struct ccm_item *it = &po->items.v[m->item0 + k];
		if (it->kind == CCM_ITEM_TEXT)
			continue;
		struct ccm_buf name = {0}, head = {0};
		err = ccm_mail_attname(po, m, it, ++number, rd, &name);
		if (!err && h) {
			ccm_hash_put(h, name.p ? name.p : "", name.len);
			/* Eight bytes, as when the item kept 64 bits:
			 * Message-IDs stay what they were. */
			uint64_t out_len = it->out_len;
			ccm_hash_put(h, &out_len, sizeof(out_len));
			mm->flags |= CCM_MAIL_MULTI;
		} else if (!err) {
			ccm_mail_parthead(po, mm, name.p ? name.p : "",
			                  name.len, &head);
			po->mail->parthdr[m->item0 + k] = (uint32_t)head.len;
			*len += head.len +
			        ccm_b64_len(it->out_len, po->mail->eoln);
			err = head.oom ? CCM_ERR_NOMEM : CCM_OK;
		}
		ccm_buf_free(&name);
		ccm_buf_free(&head);
	}
	return err;
}

/* The parts of message i measured, with the header bytes parsed in mh. */
static ccm_err measure(struct ccm_po *po, uint32_t i, struct ccm_reader *rd,
                       const struct ccm_mhdr *mh, struct ccm_hash *h)
{
	struct ccm_mailmsg *mm = &po->mail->msgs[i];
	struct ccm_bodystat st = {0, 0, false, false, h};
	ccm_err err = ccm_body_stat(po, i, rd, &st);
	if (!err)
		err = attachments(po, i, rd, h, NULL);
	if (err)
		return err;
	if (st.maxline > 998 || st.nul || st.dash)
		mm->flags |= CCM_MAIL_QP;
	memcpy(mm->id, &h->hi, 8);
	memcpy(mm->id + 8, &h->lo, 8);
	struct ccm_win w = {rd, NULL, 0, UINT64_MAX, 0, NULL, 0};
	err = ccm_body_walk(po, i, &w, po->mail, &mm->body);
	struct ccm_buf b = {0};
	ccm_mailhdr_build(po, i, mh, ccm_mail_board(po, i), &b);
	mm->hdr = (uint32_t)b.len;
	mm->size = mm->hdr + mm->body;
	if (!err && (mm->flags & CCM_MAIL_MULTI)) {
		b.len = 0;
		ccm_mail_texthead(po, mm, &b);
		ccm_mail_closing(po, mm, &b);
		mm->size += b.len;
		err = attachments(po, i, rd, NULL, &mm->size);
	}
	if (!err && b.oom)
		err = CCM_ERR_NOMEM;
	ccm_buf_free(&b);
	return err;
}

static ccm_err lay_msg(struct ccm_po *po, uint32_t i,
                       const struct ccm_mailbox *mb, struct ccm_reader *rd,
                       struct ccm_mail_info *info)
{
	struct ccm_mailmsg *mm = &po->mail->msgs[i];
	struct ccm_buf hb = {0};
	struct ccm_mhdr mh;
	ccm_err err = ccm_mail_header_bytes(rd, &po->msgs.v[i], &hb);
	if (err) {
		ccm_buf_free(&hb);
		return err;
	}
	ccm_mhdr_parse(hb.p, hb.len, &mh);
	int v[6];
	bool dated = ccm_mail_date(po, &mh.date, v);
	if (dated) {
		mm->flags |= CCM_MAIL_DATED;
		mm->tzoff = (int16_t)ccm_tz_offset(
		        &po->src->mail->tz, v[0], v[1], v[2], v[3], v[4], v[5]);
	}
	if (sender_copy(po, mb, &mh))
		mm->flags |= CCM_MAIL_BCC;
	struct ccm_hash h;
	ccm_hash_init(&h);
	hash_header(&h, &mh);
	err = mh.oom ? CCM_ERR_NOMEM : measure(po, i, rd, &mh, &h);
	if (!err)
		err = fill_info(po, &mh, v, dated, info);
	ccm_mhdr_free(&mh);
	ccm_buf_free(&hb);
	return err;
}

/* The index, its tables, and the options a source opened for the IFF
 * view lacks. */
static ccm_err mail_init(struct ccm_po *po)
{
	if (!po->src->mail) {
		po->src->mail = calloc(1, sizeof(*po->src->mail));
		if (!po->src->mail)
			return CCM_ERR_NOMEM;
	}
	struct ccm_mailidx *mi = calloc(1, sizeof(*mi));
	if (!mi)
		return CCM_ERR_NOMEM;
	po->mail = mi;
	mi->msgs = calloc(po->msgs.n + 1, sizeof(*mi->msgs));
	mi->parthdr = calloc(po->items.n + 1, sizeof(*mi->parthdr));
	if (!mi->msgs || !mi->parthdr)
		return CCM_ERR_NOMEM;
	return ccm_mail_ready(po);
}

ccm_err ccm_mail_layout(struct ccm_po *po, struct ccm_mail_info **infos)
{
	*infos = NULL;
	ccm_index_free_mail(po->src, po);
	ccm_err err = mail_init(po);
	struct ccm_mail_info *inf = calloc(po->msgs.n + 1, sizeof(*inf));
	uint32_t *owner = calloc(po->msgs.n + 1, sizeof(*owner));
	struct ccm_reader rd;
	if (!err && (!inf || !owner))
		err = CCM_ERR_NOMEM;
	if (!err)
		err = ccm_reader_init(&rd, po->src, CCM_READ_AHEAD);
	if (err) {
		free(inf);
		free(owner);
		return err;
	}
	for (size_t k = 0; k < po->msgs.n; k++)
		owner[k] = CCM_NONE;
	for (uint32_t k = 0; k < po->mailboxes.n; k++)
		for (uint32_t j = 0; j < po->mailboxes.v[k].nmsg; j++)
			owner[po->mailboxes.v[k].msg0 + j] = k;
	struct ccm_tz_saved saved;
	ccm_tz_begin(&po->src->mail->tz, &saved);
	for (uint32_t i = 0; !err && i < po->msgs.n; i++)
		if (!(po->msgs.v[i].flags & CCM_MSG_DROPPED))
			err = lay_msg(po, i,
			              owner[i] == CCM_NONE
			                      ? NULL
			                      : &po->mailboxes.v[owner[i]],
			              &rd, &inf[i]);
	ccm_tz_end(&saved);
	ccm_reader_fini(&rd);
	free(owner);
	CCM_SHRINK(po->mail->seeks);
	if (err)
		free(inf);
	else
		*infos = inf;
	return err;
}

uint64_t ccm_mail_size(const struct ccm_po *po, uint32_t msg)
{
	return po->mail && msg < po->msgs.n ? po->mail->msgs[msg].size : 0;
}
