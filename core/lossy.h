/*
 * Lossy conversion (spec iff-output §3): counting the names that lose
 * characters to the output page, and the lines of REPORT.TXT that say so.
 */
#ifndef CCM_LOSSY_H
#define CCM_LOSSY_H

#include "index.h"

/*
 * Sets po->lost_names: how many names and comments of the post office,
 * its mailboxes, lists, members and boards hold a character the output
 * page lacks. Needs the mailboxes merged (layout).
 */
void ccm_lossy_names(struct ccm_po *po);

/*
 * Appends the lines REPORT.TXT opens with when characters were lost (none
 * otherwise): the counts of names and items (po->lost_items, counted by
 * the scan), the page that keeps them, and every group of mailboxes or
 * public lists whose names became equal.
 */
void ccm_lossy_report(const struct ccm_po *po, struct ccm_buf *out);

#endif
