/*
 * The IFF view is flat: the post office's folder (node 0) holds its
 * migration files, in the order of po->files (the PKL first, as the
 * Wizard's packing list comes first in a listing). The mail views nest
 * mailboxes and folders (mailtree.c), over the same scan and layout:
 * REPORT.TXT is the IFF view's.
 */
#include <stdlib.h>

#include "mailtree.h"
#include "nodes.h"
#include "view.h"

static ccm_err iff_tree(struct ccm_po *po)
{
	uint32_t id;
	ccm_err err = ccm_nodes_add(po, CCM_NODE_DIR, po->folder, 0, &id);
	if (!err)
		po->nodes.v[0].child0 = 1;
	for (size_t f = 0; !err && f < po->files.n; f++) {
		err = ccm_nodes_add(po, CCM_NODE_FILE, po->files.v[f].name, 0,
		                    &id);
		if (!err) {
			po->nodes.v[id].size = po->files.v[f].size;
			po->nodes.v[id].arg = (uint32_t)f;
			po->nodes.v[0].nchild++;
		}
	}
	return err ? err : ccm_nodes_sort(po);
}

/* The mail views: each message's mail form measured, then the tree. */
static ccm_err mail_tree(struct ccm_po *po)
{
	struct ccm_mail_info *infos = NULL;
	ccm_err err = ccm_mail_layout(po, &infos);
	if (!err)
		err = ccm_mailtree_build(po, infos);
	free(infos);
	return err;
}

ccm_err ccm_view_build(struct ccm_po *po)
{
	po->nodes.n = po->names.n = 0;
	/* Each builder sorts its tree for lookup (ccm_nodes_sort). */
	ccm_err err = po->src->opts.view == CCM_VIEW_IFF ? iff_tree(po)
	                                                 : mail_tree(po);
	if (!err) {
		CCM_SHRINK(po->nodes);
		CCM_SHRINK(po->names);
	}
	return err;
}
