/*
 * What a post office's folder shows (view.c).
 */
#ifndef CCM_VIEW_H
#define CCM_VIEW_H

#include "index.h"

/*
 * Once po is laid out (ccm_layout): builds po->nodes and
 * po->node_by_name for the view of po->src->opts.view. In the IFF view
 * the folder holds the migration files, in the order of po->files.
 * CCM_ERR_NOMEM when out of memory.
 */
ccm_err ccm_view_build(struct ccm_po *po);

#endif
