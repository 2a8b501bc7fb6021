/*
 * Text and file items: measured at scan time, rendered from any offset.
 */
#ifndef CCM_ITEM_H
#define CCM_ITEM_H

#include "index.h"
#include "lex.h"
#include "window.h"

/* Text item aux bit: its converted text ends with CR LF. */
#define CCM_TEXT_EOL 1u

/*
 * Measures text bytes s[0..n) as item number idx of the post office: sets
 * out_len and the EOL bit, and records seek points for a long item. Sets
 * *bad to the number of bytes that are no character of the page, and
 * *lossy to whether a character is one the output page lacks (what
 * ccm_cp_lossy tells).
 * CCM_ERR_INVAL: the converted text would be longer than CCM_ITEM_OUT_MAX
 * (the caller drops the item and the seek points recorded for it).
 */
ccm_err ccm_text_measure(struct ccm_po *po, uint32_t idx, const char *s,
                         size_t n, size_t *bad, bool *lossy);

/*
 * Scans the Hex: lines at lx for item number idx. want is the decoded size
 * from the count line, or UINT64_MAX when there was none. On success sets
 * the item's src_off, src_len, out_len and seek points, leaving lx after
 * the last Hex: line. On failure returns false with a reason in why, and
 * lx after every consecutive Hex: line; *huge tells that the lines hold
 * 4 GiB or more (more than any SEC file holds).
 */
bool ccm_hex_scan(struct ccm_po *po, uint32_t idx, struct ccm_lex *lx,
                  uint64_t want, bool *huge, char *why, size_t whysz);

/*
 * Pushes the whole output of an item through the window, rendering only
 * what falls inside it.
 */
ccm_err ccm_item_render(const struct ccm_po *po, uint32_t file,
                        const struct ccm_item *it, uint32_t idx,
                        struct ccm_win *w);

#endif
