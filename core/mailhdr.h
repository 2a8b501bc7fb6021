/*
 * The header of a message's mail form (mailhdr.c, addresses in
 * mailaddr.c), built from the message's header bytes: at layout to learn
 * its length, at a read to render it, the same way both times.
 */
#ifndef CCM_MAILHDR_H
#define CCM_MAILHDR_H

#include "mailidx.h"
#include "mime.h"
#include "reader.h"

/* A message's header lines, as slices of its header bytes. */
struct ccm_mhdr {
	struct ccm_str folder, from, date, subject, priority, status, receipt;
	struct ccm_str *rcpt[3]; /* To, Cc, Bcc lines: malloc'd */
	size_t nrcpt[3], cap[3];
	bool oom;
};
enum { CCM_RCPT_TO, CCM_RCPT_CC, CCM_RCPT_BCC };

/* Reads header bytes (from the Message: line through Contents:). */
void ccm_mhdr_parse(const char *hdr, size_t n, struct ccm_mhdr *h);
void ccm_mhdr_free(struct ccm_mhdr *h);

/*
 * Appends message i's header, through its blank line, to out with the
 * line ends of the view (after ccm_mail_layout has set the message's
 * record, but for its lengths). board: its bulletin board, or NULL.
 */
void ccm_mailhdr_build(const struct ccm_po *po, uint32_t i,
                       const struct ccm_mhdr *h, const struct ccm_board *board,
                       struct ccm_buf *out);

/* The multipart boundary of a message, from its hash (NUL-terminated,
 * out holds 32 bytes). No quoted-printable or base64 text and no 8bit
 * body that mail.c accepts holds "=_" at a line start. */
void ccm_mail_boundary(const struct ccm_mailmsg *mm, char out[32]);

/*
 * Appends the mailbox of the cc:Mail address s[0..n) (page of po) as a
 * header token after sep: "Display name" <local@PO.ccmail.invalid>, an
 * Internet address as it stands, the address map's address for a user
 * it names when map is true.
 */
void ccm_mail_mailbox(const struct ccm_po *po, const char *s, size_t n,
                      bool map, char sep, struct ccm_hdrw *h);

/* Appends source text s[0..n) of po's page as one line of UTF-8
 * (control characters as blanks). */
void ccm_mail_utf8(const struct ccm_po *po, const char *s, size_t n,
                   struct ccm_buf *out);

/* The domain label of a post office name (ASCII letters, digits and
 * '-'; "postoffice" when none); out holds 64 bytes. */
void ccm_mail_label(const struct ccm_po *po, const char *s, size_t n,
                    char out[64]);

/* A multipart message's text part head: "--B", its fields, a blank
 * line. */
void ccm_mail_texthead(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                       struct ccm_buf *out);
/* An attachment's part head: a line end, "--B", its fields with the
 * UTF-8 file name, a blank line. */
void ccm_mail_parthead(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                       const char *name, size_t n, struct ccm_buf *out);
/* The end of a multipart message: a line end, "--B--", a line end. */
void ccm_mail_closing(const struct ccm_po *po, const struct ccm_mailmsg *mm,
                      struct ccm_buf *out);
/*
 * Appends the UTF-8 file name of file item it of message m, the
 * number-th attachment of its message (ATTACHnn.DAT when it has none),
 * read again from its File item: line through rd.
 */
ccm_err ccm_mail_attname(const struct ccm_po *po, const struct ccm_msg *m,
                         const struct ccm_item *it, unsigned number,
                         struct ccm_reader *rd, struct ccm_buf *out);

/* The board of message i, or NULL when it is no board message. */
const struct ccm_board *ccm_mail_board(const struct ccm_po *po, uint32_t i);
/* Appends message m's header bytes (Message: through Contents:). */
ccm_err ccm_mail_header_bytes(struct ccm_reader *rd, const struct ccm_msg *m,
                              struct ccm_buf *b);

/* The message's date, year to second, in v; false when it has none
 * that is valid. */
bool ccm_mail_date(const struct ccm_po *po, const struct ccm_str *date,
                   int v[6]);

#endif
