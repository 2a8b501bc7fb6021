/*
 * A source: one export folder, or a folder whose sub-folders are export
 * folders (spec export §1). Opening it scans every post office, names
 * their folders (the fix of KB Q238850) and lays out their files.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cache_key.h"
#include "cache_table.h"
#include "discover.h"
#include "layout.h"
#include "maillayout.h"
#include "scan_path.h"
#include "srcio.h"
#include "nodes.h"
#include "view.h"

const char *ccm_strerror(ccm_err err)
{
	switch (err) {
	case CCM_OK:
		return "success";
	case CCM_ERR_NOMEM:
		return "out of memory";
	case CCM_ERR_IO:
		return "a source file could not be read";
	case CCM_ERR_NOENT:
		return "no such file";
	case CCM_ERR_SOURCE:
		return "the source is missing or unreadable";
	case CCM_ERR_NOTEXPORT:
		return "the source is not a post office export";
	case CCM_ERR_NATIVE:
		return "the source is a native cc:Mail post office";
	case CCM_ERR_CHANGED:
		return "a source file changed since it was scanned";
	case CCM_ERR_INVAL:
		return "invalid argument";
	}
	return "unknown error";
}

static int cmp_po_name(const void *a, const void *b)
{
	const struct ccm_po *x = *(struct ccm_po *const *)a;
	const struct ccm_po *y = *(struct ccm_po *const *)b;
	int r = memcmp(x->name.s, y->name.s,
	               x->name.n < y->name.n ? x->name.n : y->name.n);
	if (r)
		return r;
	if (x->name.n != y->name.n)
		return x->name.n < y->name.n ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

static int cmp_po_folder(const void *a, const void *b)
{
	const struct ccm_po *x = *(struct ccm_po *const *)a;
	const struct ccm_po *y = *(struct ccm_po *const *)b;
	return strcmp(x->folder, y->folder);
}

static ccm_err name_folders(ccm_source *src)
{
	/* Collisions are resolved in the order of the original names. */
	qsort(src->pos, src->npo, sizeof(*src->pos), cmp_po_name);
	char **names = calloc(src->npo, sizeof(*names));
	unsigned *why = calloc(src->npo, sizeof(*why));
	if (!names || !why) {
		free(names);
		free(why);
		return CCM_ERR_NOMEM;
	}
	for (size_t i = 0; i < src->npo; i++) {
		struct ccm_po *po = src->pos[i];
		po->why = ccm_folder_name(po->src_cp, po->name.s, po->name.n,
		                          src->opts.dos83, po->folder);
		names[i] = po->folder;
	}
	ccm_folder_dedupe(names, src->npo, src->opts.dos83, why);
	for (size_t i = 0; i < src->npo; i++)
		src->pos[i]->why |= why[i];
	free(names);
	free(why);
	qsort(src->pos, src->npo, sizeof(*src->pos), cmp_po_folder);
	return CCM_OK;
}

/* Lays out every post office, once discovered and named. */
static ccm_err scan(ccm_source *src, const char *path, char *msg, size_t msgsz)
{
	ccm_err err = ccm_discover(src, path, msg, msgsz);
	if (!err)
		err = name_folders(src);
	for (size_t i = 0; !err && i < src->npo; i++) {
		err = ccm_layout(src->pos[i]);
		if (!err)
			err = ccm_view_build(src->pos[i]);
	}
	if (!err) {
		CCM_SHRINK(src->files);
		CCM_SHRINK(src->dirs);
	}
	return err;
}

/* The source's folder and options key, kept for the index file: the key
 * is made now, with the zone and map files as the scan reads them. */
static ccm_err cache_begin(ccm_source *src, const char *root)
{
	src->cache_root = strdup(root);
	ccm_cache_key(&src->opts, root, &src->cache_key);
	return src->cache_root && !src->cache_key.oom ? CCM_OK : CCM_ERR_NOMEM;
}

static void cache_end(ccm_source *src)
{
	free(src->cache_root);
	src->cache_root = NULL;
	ccm_buf_free(&src->cache_key);
}

void ccm_source_keep_index(ccm_source *src)
{
	if (src->cache_root)
		ccm_cache_store(src);
	cache_end(src);
}

ccm_err ccm_source_open(const char *path, const struct ccm_options *opts,
                        ccm_source **out, char *msg, size_t msgsz)
{
	char scratch[8];
	if (!msg) {
		msg = scratch;
		msgsz = sizeof(scratch);
	}
	msg[0] = '\0';
	*out = NULL;
	if (opts->out_codepage && !ccm_cp_known(opts->out_codepage)) {
		snprintf(msg, msgsz,
		         "code page %u is not an ASCII-based page iconv knows",
		         opts->out_codepage);
		return CCM_ERR_INVAL;
	}
	ccm_source *src = calloc(1, sizeof(*src));
	if (!src)
		return CCM_ERR_NOMEM;
	src->opts = *opts;
	ccm_err err = ccm_mail_options(src, msg, msgsz);
	if (!err)
		err = ccm_src_fds_init(src);
	errno = 0;
	char root[PATH_MAX];
	bool cache = opts->cache_dir && realpath(path, root);
	if (!err && cache)
		err = cache_begin(src, root);
	bool loaded = !err && cache && ccm_cache_load(src);
	if (loaded)
		cache_end(src);
	if (!err && !loaded)
		err = scan(src, path, msg, msgsz);
	for (size_t i = 0; !err && i < src->npo; i++) {
		const struct ccm_po *po = src->pos[i];
		if (po->stats.warnings || po->stats.left_out)
			ccm_notice(
			        opts,
			        "%s: %llu warning(s), %llu item(s) left out; "
			        "see %s/REPORT.TXT",
			        po->folder,
			        (unsigned long long)po->stats.warnings,
			        (unsigned long long)po->stats.left_out,
			        po->folder);
	}
	if (!err && cache && !loaded && !opts->cache_later)
		ccm_source_keep_index(src);
	if (err && !msg[0])
		snprintf(msg, msgsz, "%s: %s", path, ccm_strerror(err));
	if (err) {
		ccm_source_close(src);
		return err;
	}
	*out = src;
	return CCM_OK;
}

void ccm_source_close(ccm_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->npo; i++)
		if (src->pos[i])
			ccm_scan_path_free(src->pos[i]);
	ccm_mail_options_free(src);
	cache_end(src);
	ccm_index_free(src);
	ccm_src_fds_free(src);
	free(src);
}

size_t ccm_source_po_count(const ccm_source *src)
{
	return src->npo;
}

const char *ccm_po_folder(const ccm_source *src, size_t po)
{
	return src->pos[po]->folder;
}

struct timespec ccm_po_mtime(const ccm_source *src, size_t po)
{
	return src->pos[po]->mtime;
}

static const char *po_folder_at(const void *ctx, size_t k)
{
	return ((const ccm_source *)ctx)->pos[k]->folder;
}

static const char *file_name_at(const void *ctx, size_t k)
{
	const struct ccm_po *po = ctx;
	return po->files.v[po->by_name[k]].name;
}

ccm_err ccm_po_lookup(const ccm_source *src, const char *name, size_t *po)
{
	return ccm_find_name(src->npo, po_folder_at, src, name, po);
}

size_t ccm_po_file_count(const ccm_source *src, size_t po)
{
	return src->pos[po]->files.n;
}

const char *ccm_file_name(const ccm_source *src, size_t po, size_t file)
{
	return src->pos[po]->files.v[file].name;
}

uint64_t ccm_file_size(const ccm_source *src, size_t po, size_t file)
{
	return src->pos[po]->files.v[file].size;
}

ccm_err ccm_file_lookup(const ccm_source *src, size_t pi, const char *name,
                        size_t *file)
{
	const struct ccm_po *po = src->pos[pi];
	size_t at;
	ccm_err err = ccm_find_name(po->files.n, file_name_at, po, name, &at);
	if (!err)
		*file = po->by_name[at];
	return err;
}

void ccm_po_stats(const ccm_source *src, size_t po, struct ccm_po_stats *st)
{
	*st = src->pos[po]->stats;
}
