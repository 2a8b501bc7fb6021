/*
 * The small pieces of a PRI row: CSV quoting, cc:Mail addresses and dates.
 */
#ifndef CCM_FIELDS_H
#define CCM_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "ccmailfs/ccmailfs.h"
#include "codepage.h"

/*
 * Appends s as one CSV field (spec iff-output §3): quoted when it holds any
 * of # ! , \ " % . ; or begins or ends with a blank, every " doubled; with
 * directory, every \ doubled too.
 */
void ccm_csv_put(struct ccm_buf *out, const char *s, size_t n, bool directory);
/*
 * Whether a field needs quotes, learnt from its bytes given in pieces, in
 * order (a field too long to hold at once): start from {0}, scan each
 * piece, then ask ccm_csv_scan_end.
 */
struct ccm_csv_scan {
	bool any, quote;
	char last;
};
void ccm_csv_scan(struct ccm_csv_scan *q, const char *s, size_t n);
bool ccm_csv_scan_end(const struct ccm_csv_scan *q);
/* Appends s as it stands inside quotes: every " doubled (and every \
 * with directory). */
void ccm_csv_escape(struct ccm_buf *out, const char *s, size_t n,
                    bool directory);
/*
 * ccm_csv_scan over source text of page cp, read by its characters as a
 * one-line field shows them (control characters as blanks): a trail byte
 * 0x5C is no '\\' (spec iff-output §3). A piece must end on a character
 * boundary.
 */
void ccm_csv_scan_text(struct ccm_csv_scan *q, const struct ccm_cp *cp,
                       const char *s, size_t n);
/*
 * The length a one-line field takes in a row, learnt from its source bytes
 * without converting them: the bytes ccm_cp_put (one line) and then the
 * quoting and doubling of ccm_csv_put would give. Only for a page that
 * converts byte for byte (cp->one_to_one). Start from {0}, add each piece
 * in order, then ask ccm_csv_len_end.
 */
struct ccm_csv_len {
	struct ccm_csv_scan q;
	size_t n, quotes;
};
void ccm_csv_len_add(struct ccm_csv_len *l, const struct ccm_cp *cp,
                     const char *s, size_t n);
size_t ccm_csv_len_end(const struct ccm_csv_len *l);
/* Converts source text as a one-line field and appends it as above, the
 * quoting and doubling decided on the characters of the source page. */
void ccm_csv_text(struct ccm_buf *out, const struct ccm_cp *cp, const char *s,
                  size_t n, bool directory);

enum ccm_addr_kind {
	CCM_ADDR_USER,
	CCM_ADDR_INTERNET,
	CCM_ADDR_BOARD,
};

/* An address split at its last " at " (spec export §3). */
struct ccm_addr {
	enum ccm_addr_kind kind;
	const char *name; /* without the '#' of a board */
	size_t nn;
	const char *po; /* NULL when the address names none */
	size_t pn;
};

/* cp is the page of s: an '@' is looked for as a character. */
void ccm_addr_parse(const struct ccm_cp *cp, const char *s, size_t n,
                    struct ccm_addr *a);

/*
 * Parses a date and time in the given order into "YYYYMMDDhhmmss" (out
 * holds 15 bytes). False when the text is no date, names a day that does
 * not exist, or a year outside 1601-9999.
 */
bool ccm_date_parse(const char *s, size_t n, enum ccm_date_order order,
                    char *out);

/*
 * The attachment name of a File item: line's value (spec export §4.3): a
 * trailing date stamp and any path are dropped. May give an empty name.
 */
void ccm_attach_name(const struct ccm_cp *cp, const char *v, size_t n,
                     const char **name, size_t *nn);
/* The same, from the bytes of the File item: line itself. */
void ccm_attach_line(const struct ccm_cp *cp, const char *line, size_t n,
                     const char **name, size_t *nn);
#endif
