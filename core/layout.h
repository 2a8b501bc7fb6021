/*
 * The layout of a post office's folder (layout.c).
 */
#ifndef CCM_LAYOUT_H
#define CCM_LAYOUT_H

#include "index.h"

/*
 * Once po is scanned and named (po->folder set): orders the mailboxes,
 * gives aliases, places every message in a PRI and a SEC file, sets every
 * output file's name and size, counts po->stats, and keeps the small
 * files' text (PKL, DIRECTORY.PRI, REPORT.TXT, PRI prefixes) in the
 * source's arena. Returns CCM_ERR_NOMEM when out of memory.
 */
ccm_err ccm_layout(struct ccm_po *po);

#endif
