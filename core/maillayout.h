/*
 * The mail views' options and index, made and freed (maillayout.c);
 * ccm_mail_layout itself is in mail.h.
 */
#ifndef CCM_MAILLAYOUT_H
#define CCM_MAILLAYOUT_H

#include "mailidx.h"

/*
 * Reads src->opts.tz and src->opts.addrmap into src->mail (left NULL in
 * the IFF view with neither given). CCM_ERR_INVAL with a sentence in msg
 * for a bad zone or address map.
 */
ccm_err ccm_mail_options(struct ccm_source *src, char *msg, size_t msgsz);
void ccm_mail_options_free(struct ccm_source *src);
/*
 * Makes po->mail, its arrays in place (from ccm_mail_layout, or an index
 * file), ready for reads: its line end, its post office's domain label
 * and its converter to UTF-8, which no index file holds. po->cp must be
 * ready. Freed with ccm_index_free_mail (cache_table.h).
 */
ccm_err ccm_mail_ready(struct ccm_po *po);

#endif
