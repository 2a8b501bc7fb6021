/*
 * The persistent index read back from its mapping (cache_table.h). The
 * bytes are input like an export file: a section is used only once it is
 * shown to lie inside the file, aligned, with the element size this build
 * has; a string only once it lies inside the blob; an element only once
 * every index in it is shown to point inside its array (cache_check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_check.h"
#include "cache_load.h"
#include "cache_table.h"
#include "maillayout.h"

struct rd {
	struct ccm_source *src;
	const char *map;
	size_t n;
	const struct ccm_cache_hdr *h;
	const char *strs;
	const char *root;
	int fd; /* the file map maps, or -1 (ccm_cache_parse) */
	struct ccm_cache_sum *sum;
	char *why;
	size_t whysz;
};

static bool bad(struct rd *r, const char *what)
{
	snprintf(r->why, r->whysz, "%s", what);
	return false;
}

const struct ccm_cache_hdr *ccm_cache_header(const char *map, size_t n)
{
	const struct ccm_cache_hdr *h = (const struct ccm_cache_hdr *)map;
	char version[sizeof(h->version)] = {0};
	memcpy(version, CCM_VERSION, strlen(CCM_VERSION));
	if (n < sizeof(*h) || memcmp(h->magic, CCM_CACHE_MAGIC, 8) ||
	    h->format != CCM_CACHE_FORMAT || h->order != CCM_CACHE_ORDER ||
	    memcmp(h->version, version, sizeof(version)) || h->size != n)
		return NULL;
	return h;
}

/* Is [off, off + len) inside the file, after the header? */
static bool inside(const struct rd *r, uint64_t off, uint64_t len)
{
	return off >= sizeof(struct ccm_cache_hdr) && off <= r->n &&
	       len <= r->n - off;
}

/* A PATH: as written when absolute, else joined to the source's folder. */
static const char *path_of(struct rd *r, const char *s)
{
	if (s[0] == '/')
		return s;
	size_t rl = strlen(r->root), sl = strlen(s);
	char *p = ccm_arena_alloc(&r->src->arena, rl + 1 + sl + 1);
	if (p) {
		memcpy(p, r->root, rl);
		p[rl] = '/';
		memcpy(p + rl + 1, s, sl + 1);
		if (!sl)
			p[rl] = '\0';
	}
	return p;
}

/* Element e's slots of the blob become pointers, each checked. */
static bool fix(struct rd *r, char *e, const struct ccm_fix *fx, size_t nfx)
{
	for (size_t i = 0; i < nfx; i++) {
		char *slot = e + fx[i].off;
		uint64_t v;
		memcpy(&v, slot, sizeof(v));
		const char *p = NULL;
		uint64_t len = 0;
		if (fx[i].kind == CCM_FIX_STR) {
			size_t n;
			memcpy(&n, slot + sizeof(char *), sizeof(n));
			len = n;
		} else if (fx[i].kind == CCM_FIX_LIT) {
			uint32_t n;
			memcpy(&n, e + fx[i].len_off, sizeof(n));
			len = n;
		}
		if (v &&
		    (v - 1 >= r->h->strs_len || len > r->h->strs_len - (v - 1)))
			return bad(r, "a string out of bounds");
		if (v)
			p = r->strs + (v - 1);
		if (!v && fx[i].kind == CCM_FIX_STR && len)
			return bad(r, "a string out of bounds");
		/* An empty text is "", never NULL: renderers add offsets to
		 * it (a scan never leaves a NULL where the index file can). */
		if (!v && fx[i].kind == CCM_FIX_STR)
			p = "";
		if (p && fx[i].kind == CCM_FIX_PATH && !(p = path_of(r, p)))
			return bad(r, "out of memory");
		memcpy(slot, &p, sizeof(p));
	}
	return true;
}

/* The table of contents entry of line id of post office po, checked. */
static const struct ccm_cache_toc *section(struct rd *r, uint32_t po,
                                           uint32_t id, size_t elem)
{
	const struct ccm_cache_toc *t =
	        (const struct ccm_cache_toc *)(r->map + r->h->toc_off) +
	        ccm_cache_toc_at(po, id);
	if (t->po != po || t->id != id || t->elem != elem || t->off % 8 ||
	    t->count > UINT32_MAX || !inside(r, t->off, 0) ||
	    t->count > (r->n - t->off) / elem)
		return NULL;
	return t;
}

/* Line id of post office po (CCM_NONE: the source) into the pointer v
 * and the count n (a CCM_ARRAY's, when own_n, followed by its room); v
 * NULL: a mail view's line in an index without one, which must be empty. */
static bool array(struct rd *r, void **v, size_t *n, uint32_t po, uint32_t id,
                  const struct ccm_cache_arr *a)
{
	const struct ccm_cache_toc *t = section(r, po, id, a->elem);
	if (!t)
		return bad(r, "a section out of bounds");
	if (!v)
		return !t->count || bad(r, "a mail view's section in the IFF "
		                           "view's index");
	if (!a->own_n && *n != t->count)
		return bad(r, "a section of the wrong length");
	const char *at = r->map + t->off;
	if (!a->nfix) {
		*v = (void *)at;
		*n = (size_t)t->count;
		if (a->own_n) /* the CCM_ARRAY's room */
			n[1] = *n;
		return true;
	}
	char *copy = malloc(t->count ? t->count * a->elem : 1);
	if (!copy)
		return bad(r, "out of memory");
	ccm_prefault(copy, t->count * a->elem);
	*v = copy;
	*n = (size_t)t->count;
	memcpy(copy, at, t->count * a->elem);
	for (uint64_t i = 0; i < t->count; i++)
		if (!fix(r, copy + i * a->elem, a->fix, a->nfix))
			return false;
	if (a->own_n) /* the CCM_ARRAY's room */
		n[1] = *n;
	return true;
}

/* Post office p: its record, then its arrays. */
static bool post_office(struct rd *r, uint32_t p)
{
	struct ccm_po *po = calloc(1, sizeof(*po));
	if (!po)
		return bad(r, "out of memory");
	r->src->pos[p] = po;
	po->src = r->src;
	const struct ccm_cache_toc *t = section(r, p, 0, sizeof(*po));
	if (!t || t->count != 1)
		return bad(r, "a post office record out of bounds");
	const char *rec = r->map + t->off;
	for (size_t i = 0; i < ccm_po_ntake; i++)
		memcpy((char *)po + ccm_po_take[i].off,
		       rec + ccm_po_take[i].off, ccm_po_take[i].size);
	for (size_t i = 0; i < ccm_po_nfix; i++)
		memcpy((char *)po + ccm_po_fix[i].off, rec + ccm_po_fix[i].off,
		       sizeof(uint64_t));
	if (!fix(r, (char *)po, ccm_po_fix, ccm_po_nfix)) {
		po->dir = NULL; /* perhaps still the file's bytes */
		return false;
	}
	/* The folder is freed with the post office: its own copy. */
	po->dir = po->dir ? strdup(po->dir) : NULL;
	if (!po->dir)
		return bad(r, "a post office without its folder");
	/* A mail view's index: its arrays below, the rest made again. */
	if (r->src->opts.view != CCM_VIEW_IFF &&
	    !(po->mail = calloc(1, sizeof(*po->mail))))
		return bad(r, "out of memory");
	for (uint32_t i = 0; i < ccm_po_narrays; i++) {
		const struct ccm_cache_arr *a = &ccm_po_arrays[i];
		if (!array(r, ccm_cache_arr_ptr(po, a),
		           ccm_cache_arr_count(po, a), p, i + 1, a))
			return false;
	}
	if (ccm_cp_init(&po->cp, po->src_cp, po->out_cp) ||
	    (po->mail && ccm_mail_ready(po)))
		return bad(r, "a post office with an unknown code page");
	return ccm_cache_check_po(r->src, po, r->fd, r->sum, r->why, r->whysz);
}

bool ccm_cache_parse(struct ccm_source *src, const char *map, size_t n, int fd,
                     struct ccm_cache_sum *sum, const char *root,
                     void (*src_done)(void *), void *arg, char *why,
                     size_t whysz)
{
	struct rd r = {src, map, n,    ccm_cache_header(map, n), NULL, root, fd,
	               sum, why, whysz};
	src->map = map;
	src->map_len = n;
	const struct ccm_cache_hdr *h = r.h;
	if (!h)
		return bad(&r, "of another version, or short");
	if ((uintptr_t)map % 8)
		return bad(&r, "not aligned");
	if (h->npo > h->ntoc || h->ntoc != ccm_cache_ntoc(h->npo) ||
	    h->toc_off % 8 || !inside(&r, h->key_off, h->key_len) ||
	    h->ntoc > (n - sizeof(*h)) / sizeof(struct ccm_cache_toc) ||
	    !inside(&r, h->toc_off, h->ntoc * sizeof(struct ccm_cache_toc)) ||
	    !inside(&r, h->strs_off, h->strs_len) || !h->strs_len ||
	    map[h->strs_off + h->strs_len - 1])
		return bad(&r, "a header out of bounds");
	r.strs = map + h->strs_off;
	for (uint32_t i = 0; i < ccm_src_narrays; i++) {
		const struct ccm_cache_arr *a = &ccm_src_arrays[i];
		if (!array(&r, (void **)((char *)src + a->v),
		           (size_t *)((char *)src + a->n), CCM_NONE, i, a))
			return false;
	}
	if (!ccm_cache_check_src(src, why, whysz))
		return false;
	if (src_done)
		src_done(arg);
	src->pos = calloc(h->npo ? h->npo : 1, sizeof(*src->pos));
	if (!src->pos)
		return bad(&r, "out of memory");
	src->npo = (size_t)h->npo;
	for (uint32_t p = 0; p < h->npo; p++)
		if (!post_office(&r, p))
			return false;
	return true;
}
