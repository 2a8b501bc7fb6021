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
/* Frees po->mail (what ccm_mail_layout made). */
void ccm_mail_free(struct ccm_po *po);

#endif
