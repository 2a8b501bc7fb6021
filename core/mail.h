/*
 * The mail form of a message (mail views: -o view=maildir, view=eml).
 *
 * Each cc:Mail message becomes one RFC 5322 / MIME message: a header
 * generated from the message's header lines, a text/plain UTF-8 body from
 * its text items, and one base64 part per file item. Like the migration
 * files, its length is known once the post office is laid out and any
 * range of it renders without rendering what comes before it.
 *
 * Line ends are LF in the Maildir view and CR LF in the .eml view
 * (po->src->opts.view).
 */
#ifndef CCM_MAIL_H
#define CCM_MAIL_H

#include "index.h"
#include "window.h"

/*
 * What the mail views' tree needs to know of a message, read once at
 * layout time. Strings are UTF-8, NUL-terminated, in the source's arena.
 * folder: the cc:Mail folder path with "\" between levels, first level
 * as the source has it (Inbox, Message Log, Drafts, Trash...), empty
 * levels dropped; "Inbox" when the message names none. subject: one
 * line, control characters made blanks. date: seconds since the epoch of
 * the message's local date and time read as UTC (cc:Mail kept no zone);
 * has_date false when it has none.
 */
struct ccm_mail_info {
	const char *folder;
	const char *subject;
	int64_t date;
	bool has_date;
	bool unread, draft;
};

/*
 * Once po is scanned for a mail view: measures every kept message's mail
 * form (its length is then ccm_mail_size) and fills infos (one per
 * message of po->msgs, in the same order; dropped messages get zeroes).
 * Warnings go to po->log. CCM_ERR_NOMEM when out of memory; the caller
 * frees *infos (the strings stay in the arena).
 */
ccm_err ccm_mail_layout(struct ccm_po *po, struct ccm_mail_info **infos);

/* The length of message msg's mail form (after ccm_mail_layout). */
uint64_t ccm_mail_size(const struct ccm_po *po, uint32_t msg);

/*
 * Renders the part of message msg's mail form that falls in the window
 * (w->pos is 0 at its first byte). CCM_ERR_CHANGED when the source is no
 * longer what the scan saw.
 */
ccm_err ccm_mail_render(const struct ccm_po *po, uint32_t msg,
                        struct ccm_win *w);

#endif
