/*
 * What the persistent index holds, as tables (cache_table.h), and what
 * frees an index whether it was scanned or loaded from its file.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cache_table.h"
#include "mailidx.h"

#define FIX(T, f, k)                                                           \
	{                                                                      \
		offsetof(T, f), 0, k                                           \
	}
#define FIX_STR(T, f) FIX(T, f, CCM_FIX_STR)
#define FIX_CSTR(T, f) FIX(T, f, CCM_FIX_CSTR)
#define FIX_PATH(T, f) FIX(T, f, CCM_FIX_PATH)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct ccm_fix dirent_fix[] = {
        FIX_STR(struct ccm_dirent, name),
        FIX_STR(struct ccm_dirent, comment),
};
static const struct ccm_fix mailbox_fix[] = {
        FIX_STR(struct ccm_mailbox, name),
        FIX_STR(struct ccm_mailbox, comment),
        FIX_CSTR(struct ccm_mailbox, alias),
        FIX_STR(struct ccm_mailbox, prefix),
};
static const struct ccm_fix list_fix[] = {
        FIX_STR(struct ccm_list, name),
        FIX_STR(struct ccm_list, comment),
        FIX_CSTR(struct ccm_list, alias),
};
static const struct ccm_fix str_fix[] = {{0, 0, CCM_FIX_STR}};
static const struct ccm_fix board_fix[] = {
        FIX_STR(struct ccm_board, name),
        FIX_STR(struct ccm_board, comment),
};
static const struct ccm_fix piece_fix[] = {
        {offsetof(struct ccm_rowpiece, lit), offsetof(struct ccm_rowpiece, len),
         CCM_FIX_LIT},
};
static const struct ccm_fix srcfile_fix[] = {
        FIX_PATH(struct ccm_srcfile, path),
};
static const struct ccm_fix srcdir_fix[] = {
        FIX_PATH(struct ccm_srcdir, path),
};

#define ELEM(B, f) sizeof(*((B *)0)->f)
/* A CCM_ARRAY of base B, used in place. */
#define ARR(B, f)                                                              \
	{                                                                      \
#f, offsetof(B, f.v), offsetof(B, f.n), ELEM(B, f.v), true,    \
		        false, NULL, 0                                         \
	}
/* A CCM_ARRAY whose elements hold pointers (fixed up at load). */
#define ARR_FIX(B, f, fx)                                                      \
	{                                                                      \
#f, offsetof(B, f.v), offsetof(B, f.n), ELEM(B, f.v), true,    \
		        false, fx, NELEM(fx)                                   \
	}
/* A bare pointer to as many elements as the CCM_ARRAY nf has. */
#define PTR(B, f, nf)                                                          \
	{                                                                      \
#f, offsetof(B, f), offsetof(B, nf.n), ELEM(B, f), false,      \
		        false, NULL, 0                                         \
	}
/* The mail index's CCM_ARRAY f, and its pointer f as long as the post
 * office's CCM_ARRAY nf. */
#define MAIL_ARR(f)                                                            \
	{                                                                      \
		"mail." #f, offsetof(struct ccm_mailidx, f.v),                 \
		        offsetof(struct ccm_mailidx, f.n),                     \
		        ELEM(struct ccm_mailidx, f.v), true, true, NULL, 0     \
	}
#define MAIL_PTR(f, nf)                                                        \
	{                                                                      \
		"mail." #f, offsetof(struct ccm_mailidx, f),                   \
		        offsetof(struct ccm_po, nf.n),                         \
		        ELEM(struct ccm_mailidx, f), false, true, NULL, 0      \
	}

/* A line with a count of another (PTR) comes after that one's line. */
const struct ccm_cache_arr ccm_po_arrays[] = {
        ARR_FIX(struct ccm_po, dir_entries, dirent_fix),
        ARR_FIX(struct ccm_po, mailboxes, mailbox_fix),
        ARR_FIX(struct ccm_po, lists, list_fix),
        ARR_FIX(struct ccm_po, plists, list_fix),
        ARR_FIX(struct ccm_po, members, str_fix),
        ARR_FIX(struct ccm_po, boards, board_fix),
        ARR(struct ccm_po, msgs),
        ARR(struct ccm_po, items),
        ARR(struct ccm_po, seekpts),
        ARR(struct ccm_po, seekidx),
        ARR_FIX(struct ccm_po, pieces, piece_fix),
        ARR(struct ccm_po, plans),
        ARR(struct ccm_po, secs),
        ARR(struct ccm_po, files),
        PTR(struct ccm_po, by_name, files),
        ARR(struct ccm_po, nodes),
        ARR(struct ccm_po, names),
        PTR(struct ccm_po, node_by_name, nodes),
        PTR(struct ccm_po, sec_by_msg, secs),
        MAIL_PTR(msgs, msgs),
        MAIL_PTR(parthdr, items),
        MAIL_ARR(seeks),
};
const size_t ccm_po_narrays = NELEM(ccm_po_arrays);

const struct ccm_cache_arr ccm_src_arrays[] = {
        ARR_FIX(struct ccm_source, files, srcfile_fix),
        ARR_FIX(struct ccm_source, dirs, srcdir_fix),
};
const size_t ccm_src_narrays = NELEM(ccm_src_arrays);

#define TAKE(f)                                                                \
	{                                                                      \
		offsetof(struct ccm_po, f), sizeof(((struct ccm_po *)0)->f)    \
	}
const struct ccm_take ccm_po_take[] = {
        TAKE(src_cp),      TAKE(out_cp),     TAKE(date_order),
        TAKE(folder),      TAKE(why),        TAKE(mtime),
        TAKE(file0),       TAKE(file1),      TAKE(boards_msg0),
        TAKE(boards_msg1), TAKE(lost_names), TAKE(lost_items),
        TAKE(stats),       TAKE(name.n),     TAKE(pkl.n),
        TAKE(directory.n), TAKE(report.n),   TAKE(boards_prefix.n),
};
const size_t ccm_po_ntake = NELEM(ccm_po_take);

const struct ccm_fix ccm_po_fix[] = {
        FIX_STR(struct ccm_po, name),          FIX_STR(struct ccm_po, pkl),
        FIX_STR(struct ccm_po, directory),     FIX_STR(struct ccm_po, report),
        FIX_STR(struct ccm_po, boards_prefix), FIX_PATH(struct ccm_po, dir),
};
const size_t ccm_po_nfix = NELEM(ccm_po_fix);

uint64_t ccm_cache_ntoc(uint64_t npo)
{
	return ccm_src_narrays + npo * (1 + ccm_po_narrays);
}

uint64_t ccm_cache_toc_at(uint32_t po, uint32_t id)
{
	if (po == CCM_NONE)
		return id;
	return ccm_src_narrays + (uint64_t)po * (1 + ccm_po_narrays) + id;
}

void **ccm_cache_arr_ptr(const struct ccm_po *po, const struct ccm_cache_arr *a)
{
	char *base = a->mail ? (char *)po->mail : (char *)po;
	return base ? (void **)(base + a->v) : NULL;
}

size_t *ccm_cache_arr_count(const struct ccm_po *po,
                            const struct ccm_cache_arr *a)
{
	char *base = a->mail && a->own_n ? (char *)po->mail : (char *)po;
	return base && (!a->mail || po->mail) ? (size_t *)(base + a->n) : NULL;
}

bool ccm_cache_mapped(const struct ccm_source *src, const void *p)
{
	const char *c = p;
	return src->map && c >= src->map && c <= src->map + src->map_len;
}

static void drop(const struct ccm_source *src, void *p)
{
	if (!ccm_cache_mapped(src, p))
		free(p);
}

void ccm_index_free_mail(const struct ccm_source *src, struct ccm_po *po)
{
	if (!po->mail)
		return;
	for (size_t i = 0; i < ccm_po_narrays; i++)
		if (ccm_po_arrays[i].mail)
			drop(src, *ccm_cache_arr_ptr(po, &ccm_po_arrays[i]));
	ccm_cp_fini(&po->mail->u8);
	free(po->mail);
	po->mail = NULL;
}

void ccm_index_free_po(const struct ccm_source *src, struct ccm_po *po)
{
	ccm_cp_fini(&po->cp);
	if (!ccm_cache_mapped(src, po->dir))
		free(po->dir);
	ccm_index_free_mail(src, po);
	for (size_t i = 0; i < ccm_po_narrays; i++)
		if (!ccm_po_arrays[i].mail)
			drop(src, *ccm_cache_arr_ptr(po, &ccm_po_arrays[i]));
	ccm_buf_free(&po->log.text);
	free(po);
}

void ccm_index_free(struct ccm_source *src)
{
	for (size_t i = 0; i < src->npo; i++)
		if (src->pos[i])
			ccm_index_free_po(src, src->pos[i]);
	free(src->pos);
	src->pos = NULL;
	src->npo = 0;
	for (size_t i = 0; i < ccm_src_narrays; i++) {
		const struct ccm_cache_arr *a = &ccm_src_arrays[i];
		drop(src, *(void **)((char *)src + a->v));
		*(void **)((char *)src + a->v) = NULL;
		*(size_t *)((char *)src + a->n) = 0;
	}
	src->files.cap = src->dirs.cap = 0;
	ccm_arena_free(&src->arena);
	if (src->map)
		munmap((void *)src->map, src->map_len);
	src->map = NULL;
	src->map_len = 0;
}
