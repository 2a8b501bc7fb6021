/*
 * One export folder scanned into a post office's index (scan_po.c).
 */
#ifndef CCM_SCAN_PO_H
#define CCM_SCAN_PO_H

#include "index.h"

/*
 * Reads PO.INI, the directory, the lists, the mailbox files and the
 * bulletin boards of po->dir into po (po->src and po->dir set by the
 * caller). Broken input is reported in po->log and read past; an error
 * is returned only for lack of memory or an unusable code page.
 */
ccm_err ccm_scan_po(struct ccm_po *po);

#endif
