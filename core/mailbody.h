/*
 * The text of a message's mail form (mailbody.c): its text items joined
 * as in the SEC body (a line end after an item that lacks one, then a
 * blank line), converted to UTF-8, every line end (CR LF, LF, lone CR)
 * one LF; then written 8bit with the view's line ends, or
 * quoted-printable. Rendered from any offset through seek points.
 */
#ifndef CCM_MAILBODY_H
#define CCM_MAILBODY_H

#include "mailidx.h"
#include "mime.h"
#include "reader.h"
#include "window.h"

/* What the text holds, learnt in one pass before it is encoded. */
struct ccm_bodystat {
	uint64_t len;          /* UTF-8 bytes with LF line ends */
	uint64_t maxline;      /* the longest line, in bytes */
	bool nul;              /* a NUL byte */
	bool dash;             /* a line that starts "--=_" */
	struct ccm_hash *hash; /* fed with the text, when not NULL */
};

/* One pass over message msg's text (at layout). */
ccm_err ccm_body_stat(const struct ccm_po *po, uint32_t msg,
                      struct ccm_reader *rd, struct ccm_bodystat *st);

/*
 * Pushes message msg's encoded text through w, whose pos is where the
 * text starts; renders only from the last seek point before the window.
 * With rec (at layout, a window that only counts), records seek points
 * into rec and sets the message's seek0 and nseek; *len is then the
 * encoded length. CCM_ERR_CHANGED when the source does not give the
 * length the layout measured.
 */
ccm_err ccm_body_walk(const struct ccm_po *po, uint32_t msg, struct ccm_win *w,
                      struct ccm_mailidx *rec, uint64_t *len);

#endif
