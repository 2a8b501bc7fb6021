/*
 * The persistent index's file format (core/README.md, "The index file"),
 * and the tables that say what of the index goes into it.
 *
 * The file is flat and position-independent: a header, the options key,
 * a table of contents, one section per array, then a blob of strings.
 * Arrays without pointers are used in place from the read-only mapping;
 * an array whose elements hold pointers (names, aliases, paths) is copied
 * at load and its pointers set from offsets into the blob. Both are
 * described by one table, so that adding an array to the index is adding
 * one line to ccm_po_arrays (or ccm_src_arrays) in cache_table.c.
 */
#ifndef CCM_CACHE_TABLE_H
#define CCM_CACHE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* Bumped whenever the file's layout or the meaning of a field changes. */
#define CCM_CACHE_FORMAT 5
#define CCM_CACHE_MAGIC "CCMIDX\r\n"
#define CCM_CACHE_ORDER 0x01020304u

struct ccm_cache_hdr {
	char magic[8];
	uint32_t format, order;
	char version[16]; /* CCM_VERSION, NUL-padded */
	uint64_t size;    /* of the whole file */
	uint64_t sum;     /* cache_sum.h's of bytes [sizeof hdr, size) */
	uint64_t key_off, key_len;
	uint64_t toc_off, ntoc;
	uint64_t strs_off, strs_len; /* the blob; its last byte is NUL */
	uint64_t npo;
	uint64_t spare[3];
};

/* One section: count elements of elem bytes at off (a multiple of 8).
 * po is the post office (CCM_NONE: the source's), id its table line. */
struct ccm_cache_toc {
	uint32_t po, id, elem, pad;
	uint64_t off, count;
};

/*
 * A pointer field of an element, written as an offset into the blob plus
 * one (0 is NULL). STR: a struct ccm_str (its n kept as is); CSTR: a
 * NUL-terminated string; PATH: the same, written relative to the source's
 * folder when it lies below it; LIT: bytes whose count is the uint32_t at
 * len_off of the element.
 */
enum ccm_fix_kind { CCM_FIX_STR, CCM_FIX_CSTR, CCM_FIX_PATH, CCM_FIX_LIT };

struct ccm_fix {
	size_t off, len_off;
	enum ccm_fix_kind kind;
};

/*
 * An array of the index: the pointer at v in its base (struct ccm_po or
 * struct ccm_source) and the count at n. own_n: the count is the
 * array's own (a CCM_ARRAY); else it is an earlier line's, and the file's
 * must equal it. nfix == 0: used in place from the mapping. mail: the
 * base is the post office's mail index (po->mail, struct ccm_mailidx),
 * which only a mail view has (none: the section is empty); a count
 * that is not the array's own is still the post office's.
 */
struct ccm_cache_arr {
	const char *name;
	size_t v, n, elem;
	bool own_n, mail;
	const struct ccm_fix *fix;
	size_t nfix;
};

/* A plain field of struct ccm_po that the post office's record keeps. */
struct ccm_take {
	size_t off, size;
};

extern const struct ccm_cache_arr ccm_po_arrays[];
extern const size_t ccm_po_narrays;
extern const struct ccm_cache_arr ccm_src_arrays[];
extern const size_t ccm_src_narrays;
/* The post office record: a struct ccm_po image of which only these
 * fields (and the pointers of ccm_po_fix) are written and read. */
extern const struct ccm_take ccm_po_take[];
extern const size_t ccm_po_ntake;
extern const struct ccm_fix ccm_po_fix[];
extern const size_t ccm_po_nfix;

/* The position of the table line id of post office po (CCM_NONE: the
 * source) in the table of contents of a file of npo post offices. */
uint64_t ccm_cache_toc_at(uint32_t po, uint32_t id);
/* The number of table of contents entries for npo post offices. */
uint64_t ccm_cache_ntoc(uint64_t npo);

/* Line a of post office po: where its pointer is, and its count (NULL,
 * 0 when it is po->mail's and po has none). */
void **ccm_cache_arr_ptr(const struct ccm_po *po,
                         const struct ccm_cache_arr *a);
size_t *ccm_cache_arr_count(const struct ccm_po *po,
                            const struct ccm_cache_arr *a);

/* Is p inside the index file src maps? (Such memory is never freed.) */
bool ccm_cache_mapped(const struct ccm_source *src, const void *p);
/* Frees po->mail and what it owns, but never mapped memory; po->mail
 * is then NULL. */
void ccm_index_free_mail(const struct ccm_source *src, struct ccm_po *po);
/* Frees a post office of src and what it owns, but never mapped memory. */
void ccm_index_free_po(const struct ccm_source *src, struct ccm_po *po);
/* Frees every post office, source file and folder record of src, its
 * arena, and unmaps its index file: src then holds no index. */
void ccm_index_free(struct ccm_source *src);

#endif
