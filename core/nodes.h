/*
 * The lookup order of a post office's folder tree (nodes.c).
 */
#ifndef CCM_NODES_H
#define CCM_NODES_H

#include "index.h"

/*
 * Once po->nodes is complete (every folder's children in place, names
 * set): fills po->node_by_name, each folder's children sorted by name
 * (strcmp). CCM_ERR_NOMEM when out of memory.
 */
ccm_err ccm_nodes_sort(struct ccm_po *po);

/*
 * Appends a node to po->nodes with the given fields (child0 and nchild
 * 0), its name copied into po->names; *id is its number. CCM_ERR_NOMEM
 * when out of memory, or when po->names would pass 4 GiB.
 */
ccm_err ccm_nodes_add(struct ccm_po *po, enum ccm_node_kind kind,
                      const char *name, uint32_t parent, uint32_t *id);

/*
 * Binary search over n names in strcmp order: name(ctx, k) is the k-th.
 * Sets *at to the position of want; CCM_ERR_NOENT when it is not there.
 */
ccm_err ccm_find_name(size_t n, const char *(*name)(const void *, size_t),
                      const void *ctx, const char *want, size_t *at);

/* Appends name (NUL-terminated) to po->names; *off is where it starts,
 * for a node's name. CCM_ERR_NOMEM when out of memory or past 4 GiB. */
ccm_err ccm_nodes_name(struct ccm_po *po, const char *name, uint32_t *off);

/* The name of node n of po (NUL-terminated, as long as po). */
static inline const char *ccm_node_name(const struct ccm_po *po,
                                        const struct ccm_node *n)
{
	return po->names.v + n->name;
}

#endif
