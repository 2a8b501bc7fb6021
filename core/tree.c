/*
 * The public walk of a post office's folder tree (struct ccm_node): what
 * readdir, lookup and stat need, each in O(1) but lookup, a binary search
 * among one folder's names.
 */
#include <string.h>

#include "nodes.h"

size_t ccm_po_node_count(const ccm_source *src, size_t po)
{
	return src->pos[po]->nodes.n;
}

void ccm_node_info(const ccm_source *src, size_t pi, size_t node,
                   struct ccm_node_info *info)
{
	const struct ccm_po *po = src->pos[pi];
	const struct ccm_node *n = &po->nodes.v[node];
	memset(info, 0, sizeof(*info));
	info->name = ccm_node_name(po, n);
	info->dir = n->kind == CCM_NODE_DIR;
	info->size = info->dir ? 0 : n->size;
	info->mtime = po->mtime;
	if (n->mtime)
		info->mtime = (struct timespec){.tv_sec = (time_t)n->mtime};
	info->parent = n->parent;
	if (info->dir) {
		info->nchild = n->nchild;
		info->has_subdirs = n->nchild &&
		                    po->nodes.v[n->child0].kind == CCM_NODE_DIR;
	}
}

size_t ccm_node_child(const ccm_source *src, size_t po, size_t node, size_t k)
{
	return src->pos[po]->nodes.v[node].child0 + k;
}

/* The k-th child by name of the folder ctx. */
struct folder {
	const struct ccm_po *po;
	const struct ccm_node *dir;
};

static const char *child_name_at(const void *ctx, size_t k)
{
	const struct folder *f = ctx;
	const struct ccm_po *po = f->po;
	return ccm_node_name(
	        po, &po->nodes.v[po->node_by_name[f->dir->child0 + k]]);
}

ccm_err ccm_node_lookup(const ccm_source *src, size_t pi, size_t dir,
                        const char *name, size_t *node)
{
	const struct ccm_po *po = src->pos[pi];
	struct folder f = {po, &po->nodes.v[dir]};
	size_t at;
	if (f.dir->kind != CCM_NODE_DIR ||
	    ccm_find_name(f.dir->nchild, child_name_at, &f, name, &at))
		return CCM_ERR_NOENT;
	*node = po->node_by_name[f.dir->child0 + at];
	return CCM_OK;
}
