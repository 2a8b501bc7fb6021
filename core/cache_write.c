/*
 * The persistent index written out (the layout is in cache_table.h and
 * core/README.md). The sections are written in one pass, in the order of
 * the table of contents; each pointer of an element becomes the offset of
 * its string in the blob, which a second pass over the same elements
 * writes after the sections. The header, with the checksum of all that
 * follows it, is written last, at the start.
 *
 * A string is written once: one met again (a name in the directory, a
 * mailbox and a list) and one that ends the string before it (a source
 * file's path relative to its export folder, after the same path
 * relative to the source's) get the first one's bytes. Both passes make
 * the same calls in the same order, so they find the same strings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_sum.h"
#include "cache_table.h"
#include "cache_write.h"

/*
 * The file is written in pieces of 2 MiB: the page cache then holds it
 * in large folios (ext4 sizes a folio by the write), and a load's
 * pread of the whole file costs a third less than from the folios of
 * 64 KiB writes (at a million messages, 20 -> 14 ms of CPU; fewer
 * pages to look up and copy). Only while the written pages stay cached,
 * but a remount usually follows the mount that wrote the file.
 */
#define WBUF ((size_t)2 * 1024 * 1024)

/* A string of the blob, by its bytes: at is its offset there. */
struct seen {
	const char *s;
	size_t n;
	uint64_t at;
};

struct wr {
	int fd;
	bool fail;
	bool strings; /* the second pass: write the strings only */
	const char *root;
	size_t rootlen;
	uint64_t pos;      /* of the next byte written */
	uint64_t at;       /* of buf[0] in the file */
	uint64_t blob;     /* the blob's length so far */
	struct seen *seen; /* open addressing, nseen of cap in use */
	size_t nseen, cap;
	struct seen last; /* the string met last */
	struct ccm_cache_sum sum;
	size_t n;
	char buf[WBUF];
};

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static void flush(struct wr *w)
{
	ccm_cache_sum_at(&w->sum, w->at, w->buf, w->n);
	w->at += w->n;
	if (!w->fail && !write_all(w->fd, w->buf, w->n))
		w->fail = true;
	w->n = 0;
}

static void put(struct wr *w, const void *p, size_t n)
{
	const char *c = p;
	w->pos += n;
	while (n) {
		size_t k = WBUF - w->n < n ? WBUF - w->n : n;
		memcpy(w->buf + w->n, c, k);
		w->n += k;
		c += k;
		n -= k;
		if (w->n == WBUF)
			flush(w);
	}
}

static void pad8(struct wr *w)
{
	static const char zero[8];
	put(w, zero, (8 - w->pos % 8) % 8);
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h ^ n;
}

/* The slot of s[0..n) in w->seen: its entry, or the empty one for it. */
static struct seen *slot(const struct wr *w, const char *s, size_t n)
{
	size_t i = (size_t)hash(s, n) & (w->cap - 1);
	while (w->seen[i].s &&
	       (w->seen[i].n != n || memcmp(w->seen[i].s, s, n)))
		i = (i + 1) & (w->cap - 1);
	return &w->seen[i];
}

/* Room for one more string; false (and the file failed) without it. */
static bool room(struct wr *w)
{
	if (2 * (w->nseen + 1) <= w->cap)
		return true;
	struct seen *old = w->seen;
	size_t ocap = w->cap;
	w->cap = ocap ? 2 * ocap : 1024;
	w->seen = calloc(w->cap, sizeof(*w->seen));
	if (!w->seen) {
		w->seen = old;
		w->cap = ocap;
		w->fail = true;
		return false;
	}
	for (size_t i = 0; i < ocap; i++)
		if (old[i].s)
			*slot(w, old[i].s, old[i].n) = old[i];
	free(old);
	return true;
}

/* The blob offset of s[0..n): where it, or a string it ends, already is,
 * else the end of the blob, where the second pass writes it. */
static uint64_t place(struct wr *w, const char *s, size_t n)
{
	const struct seen *l = &w->last;
	if (l->s && n <= l->n && !memcmp(l->s + (l->n - n), s, n))
		return l->at + (l->n - n);
	if (!room(w))
		return 0;
	struct seen *e = slot(w, s, n);
	if (!e->s) {
		*e = (struct seen){s, n, w->blob};
		w->nseen++;
		w->blob += n + 1;
		if (w->strings) {
			put(w, s, n);
			put(w, "", 1);
		}
	}
	w->last = *e;
	return e->at;
}

/* A string of the blob: its slot value now, its bytes in the second pass. */
static uint64_t string(struct wr *w, const char *s, size_t n, bool path)
{
	if (!s)
		return 0;
	if (path && !strncmp(s, w->root, w->rootlen) &&
	    (s[w->rootlen] == '/' || !s[w->rootlen])) {
		s += w->rootlen + (s[w->rootlen] == '/');
		n = strlen(s);
	}
	return place(w, s, n) + 1;
}

/* A pass over the strings begins: none met yet. */
static void forget(struct wr *w)
{
	if (w->seen)
		memset(w->seen, 0, w->cap * sizeof(*w->seen));
	w->nseen = 0;
	w->last = (struct seen){0};
	w->blob = 0;
}

/* The pointers of element e (a copy) become slots of the blob. */
static void fix(struct wr *w, char *e, const struct ccm_fix *fx, size_t nfx)
{
	for (size_t i = 0; i < nfx; i++) {
		char *slot = e + fx[i].off;
		const char *s;
		memcpy(&s, slot, sizeof(s));
		size_t n = 0;
		if (fx[i].kind == CCM_FIX_STR)
			memcpy(&n, slot + sizeof(s), sizeof(n));
		else if (fx[i].kind == CCM_FIX_LIT) {
			uint32_t len;
			memcpy(&len, e + fx[i].len_off, sizeof(len));
			n = len;
		} else if (s)
			n = strlen(s);
		uint64_t v = string(w, s, n, fx[i].kind == CCM_FIX_PATH);
		memcpy(slot, &v, sizeof(v));
	}
}

/* Line a's elements and their count: the source's line (po NULL), or
 * post office po's. */
static const char *elems(const struct ccm_source *src, const struct ccm_po *po,
                         const struct ccm_cache_arr *a, size_t *n)
{
	if (!po) {
		*n = *(const size_t *)((const char *)src + a->n);
		return *(char *const *)((const char *)src + a->v);
	}
	void **v = ccm_cache_arr_ptr(po, a);
	const size_t *c = ccm_cache_arr_count(po, a);
	*n = c ? *c : 0;
	return v ? *v : NULL;
}

static void array(struct wr *w, const char *v, size_t n,
                  const struct ccm_cache_arr *a)
{
	_Alignas(8) char e[256];
	if (a->elem > sizeof(e)) {
		w->fail = true;
		return;
	}
	for (size_t i = 0; i < n && a->nfix; i++) {
		memcpy(e, v + i * a->elem, a->elem);
		fix(w, e, a->fix, a->nfix);
		if (!w->strings)
			put(w, e, a->elem);
	}
	if (!a->nfix && !w->strings)
		put(w, v, n * a->elem);
	if (!w->strings)
		pad8(w);
}

/* The post office's record: the kept fields of a zeroed struct ccm_po. */
static void record(struct wr *w, const struct ccm_po *po)
{
	struct ccm_po r;
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < ccm_po_ntake; i++)
		memcpy((char *)&r + ccm_po_take[i].off,
		       (const char *)po + ccm_po_take[i].off,
		       ccm_po_take[i].size);
	for (size_t i = 0; i < ccm_po_nfix; i++)
		memcpy((char *)&r + ccm_po_fix[i].off,
		       (const char *)po + ccm_po_fix[i].off, sizeof(uint64_t));
	fix(w, (char *)&r, ccm_po_fix, ccm_po_nfix);
	if (!w->strings) {
		put(w, &r, sizeof(r));
		pad8(w);
	}
}

static uint64_t size8(uint64_t n)
{
	return (n + 7) / 8 * 8;
}

static void toc(struct wr *w, const struct ccm_source *src, uint64_t at)
{
	struct ccm_cache_toc t;
	for (uint64_t i = 0; i < ccm_cache_ntoc(src->npo); i++) {
		uint32_t po = CCM_NONE, id = (uint32_t)i;
		if (i >= ccm_src_narrays) {
			po = (uint32_t)((i - ccm_src_narrays) /
			                (1 + ccm_po_narrays));
			id = (uint32_t)((i - ccm_src_narrays) %
			                (1 + ccm_po_narrays));
		}
		const struct ccm_po *p = po == CCM_NONE ? NULL : src->pos[po];
		const struct ccm_cache_arr *a = po == CCM_NONE
		                                        ? &ccm_src_arrays[id]
		                                : id ? &ccm_po_arrays[id - 1]
		                                     : NULL;
		size_t n = 1, elem = sizeof(struct ccm_po);
		if (a) {
			elems(src, p, a, &n);
			elem = a->elem;
		}
		t = (struct ccm_cache_toc){po, id, (uint32_t)elem, 0, at, n};
		put(w, &t, sizeof(t));
		at += size8(t.count * t.elem);
	}
}

/* Both passes over the sections, in table of contents order. */
static void sections(struct wr *w, const struct ccm_source *src)
{
	size_t n;
	const char *v;
	for (size_t i = 0; i < ccm_src_narrays; i++) {
		v = elems(src, NULL, &ccm_src_arrays[i], &n);
		array(w, v, n, &ccm_src_arrays[i]);
	}
	for (size_t p = 0; p < src->npo; p++) {
		record(w, src->pos[p]);
		for (size_t i = 0; i < ccm_po_narrays; i++) {
			v = elems(src, src->pos[p], &ccm_po_arrays[i], &n);
			array(w, v, n, &ccm_po_arrays[i]);
		}
	}
}

/* The whole file through w (its buffer not yet initialised). */
static bool write_index(struct wr *w, const struct ccm_source *src,
                        const char *root, const char *key, size_t keylen,
                        int fd)
{
	memset(w, 0, offsetof(struct wr, buf));
	w->fd = fd;
	w->root = root;
	w->rootlen = strlen(root);
	struct ccm_cache_hdr h = {.format = CCM_CACHE_FORMAT,
	                          .order = CCM_CACHE_ORDER,
	                          .npo = src->npo};
	memcpy(h.magic, CCM_CACHE_MAGIC, sizeof(h.magic));
	memcpy(h.version, CCM_VERSION, strlen(CCM_VERSION));
	if (lseek(fd, sizeof(h), SEEK_SET) < 0)
		return false;
	w->pos = w->at = h.key_off = sizeof(h);
	h.key_len = keylen;
	put(w, key, keylen);
	pad8(w);
	h.toc_off = w->pos;
	h.ntoc = ccm_cache_ntoc(src->npo);
	toc(w, src, h.toc_off + h.ntoc * sizeof(struct ccm_cache_toc));
	sections(w, src);
	h.strs_off = w->pos;
	w->strings = true;
	forget(w);
	sections(w, src);
	put(w, "", 1); /* the blob is never empty, and ends with NUL */
	h.strs_len = w->pos - h.strs_off;
	flush(w);
	h.size = w->pos;
	h.sum = ccm_cache_sum_end(&w->sum, h.size);
	return !w->fail && pwrite(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h);
}

bool ccm_cache_write(const struct ccm_source *src, const char *root,
                     const char *key, size_t keylen, int fd)
{
	struct wr *w = malloc(sizeof(*w)); /* 2 MiB: not on the stack */
	if (!w)
		return false;
	bool ok = write_index(w, src, root, key, keylen, fd);
	free(w->seen);
	free(w);
	return ok;
}
