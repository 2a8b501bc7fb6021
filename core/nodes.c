/*
 * A folder's children are kept twice: in listing order (the nodes
 * themselves, contiguous) and by name (po->node_by_name), so that readdir
 * walks them in the order the view chose and lookup finds one by binary
 * search. Both are built once, after the view's tree is complete.
 */
#include <stdlib.h>
#include <string.h>

#include "nodes.h"

ccm_err ccm_nodes_name(struct ccm_po *po, const char *name, uint32_t *off)
{
	size_t len = strlen(name) + 1;
	if (po->names.n + len > UINT32_MAX)
		return CCM_ERR_NOMEM;
	while (po->names.cap - po->names.n < len)
		if (!ccm_grow((void **)&po->names.v, &po->names.cap, 1))
			return CCM_ERR_NOMEM;
	*off = (uint32_t)po->names.n;
	memcpy(po->names.v + po->names.n, name, len);
	po->names.n += len;
	return CCM_OK;
}

ccm_err ccm_nodes_add(struct ccm_po *po, enum ccm_node_kind kind,
                      const char *name, uint32_t parent, uint32_t *id)
{
	uint32_t off;
	if (po->nodes.n >= CCM_NONE || ccm_nodes_name(po, name, &off))
		return CCM_ERR_NOMEM;
	struct ccm_node *n = CCM_PUSH(po->nodes);
	if (!n)
		return CCM_ERR_NOMEM;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->name = off;
	n->parent = parent;
	*id = (uint32_t)(po->nodes.n - 1);
	return CCM_OK;
}

struct named {
	const char *name;
	uint32_t id;
};

static int cmp_named(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name,
	              ((const struct named *)b)->name);
}

ccm_err ccm_nodes_sort(struct ccm_po *po)
{
	size_t n = po->nodes.n;
	free(po->node_by_name);
	po->node_by_name = calloc(n ? n : 1, sizeof(*po->node_by_name));
	size_t most = 0;
	for (size_t i = 0; i < n; i++)
		if (po->nodes.v[i].kind == CCM_NODE_DIR &&
		    po->nodes.v[i].nchild > most)
			most = po->nodes.v[i].nchild;
	struct named *tmp = malloc((most ? most : 1) * sizeof(*tmp));
	if (!po->node_by_name || !tmp) {
		free(tmp);
		return CCM_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ccm_node *d = &po->nodes.v[i];
		if (d->kind != CCM_NODE_DIR)
			continue;
		for (uint32_t k = 0; k < d->nchild; k++) {
			tmp[k].id = d->child0 + k;
			tmp[k].name =
			        ccm_node_name(po, &po->nodes.v[d->child0 + k]);
		}
		qsort(tmp, d->nchild, sizeof(*tmp), cmp_named);
		for (uint32_t k = 0; k < d->nchild; k++)
			po->node_by_name[d->child0 + k] = tmp[k].id;
	}
	free(tmp);
	return CCM_OK;
}

ccm_err ccm_find_name(size_t n, const char *(*name)(const void *, size_t),
                      const void *ctx, const char *want, size_t *at)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(name(ctx, mid), want);
		if (!r) {
			*at = mid;
			return CCM_OK;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CCM_ERR_NOENT;
}
