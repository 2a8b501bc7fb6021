/*
 * The tree of a post office's folder in the mail views (mailtree.c).
 */
#ifndef CCM_MAILTREE_H
#define CCM_MAILTREE_H

#include "mail.h"

/*
 * After ccm_layout and ccm_mail_layout: fills po->nodes and
 * po->node_by_name (see struct ccm_node) with the Maildir or .eml tree of
 * po->src->opts.view: one folder per mailbox, the cc:Mail folders nested
 * beneath it, a "Bulletin Boards" tree, REPORT.TXT (a FILE node of the
 * CCM_OF_REPORT output file) and one MAIL node per kept message, named
 * from infos[msg]. CCM_ERR_NOMEM when out of memory.
 */
ccm_err ccm_mailtree_build(struct ccm_po *po,
                           const struct ccm_mail_info *infos);

#endif
