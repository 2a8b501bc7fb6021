/*
 * What the mail views keep of a post office (written by ccm_mail_layout,
 * then only read): per message the lengths of its mail form's parts and
 * its Message-ID hash, per file item its part header's length, and the
 * points a long text body renders from. Data only, like index.h.
 */
#ifndef CCM_MAILIDX_H
#define CCM_MAILIDX_H

#include "addrmap.h"
#include "index.h"
#include "tz.h"

/* The mail options of a source, read by ccm_source_open. */
struct ccm_mailcfg {
	struct ccm_tz tz;
	struct ccm_addrmap map;
};

/*
 * A point to resume a text body from: before source byte src of item
 * (src == its length: after its text, before the join to the next),
 * with the line-end state prev_cr and the quoted-printable state col and
 * pend; out is the encoded body's length up to there.
 */
struct ccm_mailseek {
	uint64_t src;
	uint64_t out;
	uint32_t item;
	uint16_t col;
	uint8_t prev_cr, pend;
};

enum {
	CCM_MAIL_QP = 1,    /* the text is quoted-printable, not 8bit */
	CCM_MAIL_MULTI = 2, /* multipart/mixed: it has attachments */
	CCM_MAIL_BCC = 4,   /* its sender's own copy: Bcc is shown */
	CCM_MAIL_DATED = 8, /* its Date: line is a valid date */
};

struct ccm_mailmsg {
	uint64_t size; /* the whole mail form */
	uint64_t body; /* the encoded text */
	uint32_t hdr;  /* the header with its blank line */
	uint32_t seek0, nseek;
	int16_t tzoff; /* minutes east of UTC on its date */
	uint8_t flags;
	uint8_t id[16]; /* the Message-ID hash */
};

struct ccm_mailidx {
	struct ccm_cp u8;         /* the post office page to UTF-8 */
	struct ccm_mailmsg *msgs; /* one per po->msgs */
	uint32_t *parthdr;        /* per po->items: a file item's part
	                           * header, from its "--" on */
	CCM_ARRAY(struct ccm_mailseek) seeks;
	const char *eol; /* "\n" (Maildir) or "\r\n" (.eml) */
	unsigned eoln;
	char label[64]; /* the post office's name as a domain label */
};

#endif
