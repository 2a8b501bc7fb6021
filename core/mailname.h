/*
 * The names of the mail views (mailname.c): folders and message files of
 * the Maildir and .eml trees, in UTF-8. See core/README.md, "The mail
 * views' trees", for the rules and why.
 */
#ifndef CCM_MAILNAME_H
#define CCM_MAILNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Longest file name on Linux, in bytes. */
#define CCM_NAME_MAX 255

/*
 * Appends the UTF-8 name s[0..n) with only what a file name cannot hold,
 * or Dovecot would misread, made '_': '/', control characters (NUL among
 * them) and a leading '.' or '~'. An empty name gives "_". No length
 * limit here (ccm_mailname_fit cuts).
 */
void ccm_mailname_clean(struct ccm_buf *b, const char *s, size_t n);

/* The longest length <= max of the UTF-8 text s[0..n) that ends at a
 * character boundary. */
size_t ccm_utf8_cut(const char *s, size_t n, size_t max);

/*
 * Writes into out (CCM_NAME_MAX + 1 bytes) base[0..n), then "~k" when k
 * > 1, then ext (may be ""), base cut at a character boundary so that the
 * whole fits CCM_NAME_MAX bytes. Returns its length.
 */
size_t ccm_mailname_fit(const char *base, size_t n, unsigned k, const char *ext,
                        char *out);

/*
 * The first level of a cc:Mail folder path as the mail views name it,
 * matched without regard to ASCII case: Message Log is "Sent Items",
 * Trash "Deleted Items", Drafts "Drafts", Inbox "Inbox"; NULL for any
 * other. *inbox tells that it is the Inbox.
 */
const char *ccm_mailname_first(const char *s, size_t n, bool *inbox);

/*
 * A message's .eml base name, without ".eml": "YYYY-MM-DD hhmm subject"
 * from date (seconds, read as UTC) or "undated subject" when has_date is
 * false, "(no subject)" for an empty subject. Cleaned as above.
 */
void ccm_mailname_eml(struct ccm_buf *b, int64_t date, bool has_date,
                      const char *subject);

/*
 * A message's Maildir file name: "<date>.M<seq>.ccmail,S=<size>:2,<flags>"
 * with date the seconds of the message's date (0 when none or before
 * 1970), seq its number in its mailbox or board (stable for the same
 * export), size its exact length, flags D (draft) and S (read) in
 * Maildir's order.
 */
void ccm_mailname_maildir(struct ccm_buf *b, int64_t date, uint32_t seq,
                          uint64_t size, bool draft, bool unread);

#endif
