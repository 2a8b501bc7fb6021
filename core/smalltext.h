/*
 * The text of the small output files (smalltext.c). Each function appends
 * to out (the caller frees it); out of memory shows in out->oom.
 */
#ifndef CCM_SMALLTEXT_H
#define CCM_SMALLTEXT_H

#include "index.h"

/* The start of mailbox mb's PRI, up to its first row: its personal
 * address book when it has private lists, then the MAILMESSAGE line and
 * the column header. Needs mb's alias-free fields only. */
void ccm_pri_prefix(const struct ccm_po *po, const struct ccm_mailbox *mb,
                    struct ccm_buf *out);
/* The start of the bulletin board PRI. */
void ccm_boards_prefix(struct ccm_buf *out);
/* The PKL: the output code page and every file of po after the PKL, in
 * order; needs po->files named. */
void ccm_pkl_text(const struct ccm_po *po, struct ccm_buf *out);
/* DIRECTORY.PRI: every mailbox and public list; needs their aliases. */
void ccm_directory_text(const struct ccm_po *po, struct ccm_buf *out);

#endif
