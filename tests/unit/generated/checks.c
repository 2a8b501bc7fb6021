/*
 * Generated post offices: checks that need no truth: sizes, ranges, SEC walks,
 * PKL, threads.
 */
#include <ctype.h>
#include <dirent.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "gen.h"

/* ------------------------------------------------------------------ */
/* checks that need no truth */

/* Whole reads in odd chunks equal one read of the whole file. */
void sizes_and_chunks(void)
{
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		for (size_t f = 0; f < ccm_po_file_count(C.src, po); f++) {
			size_t a, b;
			char *x = tl_read(C.src, po, f, 4093, &a);
			char *y = tl_read(C.src, po, f, (size_t)1 << 30, &b);
			cr_assert_eq(a, b);
			cr_assert(!memcmp(x, y, a),
			          "%s/%s: chunked reads differ",
			          ccm_po_folder(C.src, po),
			          ccm_file_name(C.src, po, f));
			free(x);
			free(y);
		}
	}
}

void random_ranges(void)
{
	struct tl_rng rng = {99};
	char *buf = malloc(300000);
	cr_assert_not_null(buf);
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		struct opo o;
		load(po, &o, 65536);
		for (size_t f = 0; f < o.nf; f++) {
			size_t size = o.f[f].n;
			for (int i = 0; i < 150; i++) {
				uint64_t off = tl_rng_below(&rng, size + 2);
				size_t len = (size_t)tl_rng_below(
				        &rng, i % 3 ? 5000 : 300000);
				size_t got;
				ccm_err err = ccm_file_read(C.src, po, f, off,
				                            len, buf, &got);
				cr_assert_eq(err, CCM_OK, "%s",
				             ccm_strerror(err));
				size_t want = off >= size ? 0
				              : len < size - off
				                      ? len
				                      : size - (size_t)off;
				cr_assert_eq(got, want);
				cr_assert(!memcmp(buf, o.f[f].data + off, got),
				          "%s/%s [%llu, +%zu) differs",
				          ccm_po_folder(C.src, po), o.f[f].name,
				          (unsigned long long)off, len);
			}
		}
		unload(&o);
	}
	free(buf);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Every SEC file walked section by section ends exactly at its size; a
 * message is a Body then its attachments, only the last with Islast TRUE;
 * no Body holds a lone CR or LF; and the messages' first sections are
 * exactly the Body pointers of the PRI rows.
 */
/* The Body pointers into the SEC file sec from every PRI of o, sorted
 * (malloc'd; *np of them). */
static uint64_t *pointers_into(const struct opo *o, const char *sec, size_t *np)
{
	uint64_t *ptr = NULL;
	*np = 0;
	for (size_t p = 0; p < o->nf; p++) {
		if (!strstr(o->f[p].name, ".PRI") ||
		    !strcmp(o->f[p].name, "DIRECTORY.PRI"))
			continue;
		struct tl_slices rows;
		tl_pri_rows(o->f[p].data, o->f[p].n, &rows);
		for (size_t r = 0; r < rows.count; r++) {
			char *b = fld(rows.s[r], rows.n[r], 11);
			char name[16];
			uint64_t off;
			cr_assert(tl_body_ptr(b, strlen(b), name, &off),
			          "%s row %zu: Body [%s]", o->f[p].name, r, b);
			cr_assert_not_null(ofind(o, name), "%s names no file",
			                   b);
			if (!strcmp(name, sec)) {
				ptr = realloc(ptr, (*np + 1) * sizeof(*ptr));
				ptr[(*np)++] = off;
			}
			free(b);
		}
		tl_slices_free(&rows);
	}
	qsort(ptr, *np, sizeof(*ptr), cmp_u64);
	return ptr;
}

/* No lone CR or LF in the Body section s (at offset at) of sec. */
static void expect_crlf_only(const struct ofile *sec,
                             const struct tl_section *s, size_t at)
{
	const char *b = sec->data + s->data;
	for (size_t i = 0; i < s->length; i++) {
		if (b[i] == '\n')
			cr_assert(i && b[i - 1] == '\r',
			          "%s: a lone LF in the Body at %zu", sec->name,
			          at);
		if (b[i] == '\r')
			cr_assert(i + 1 < s->length && b[i + 1] == '\n',
			          "%s: a lone CR in the Body at %zu", sec->name,
			          at);
	}
}

/* One SEC file walked section by section against its np pointers. */
static void walk_sec(const struct ofile *sec, const uint64_t *ptr, size_t np)
{
	size_t at = 50, msgs = 0;
	bool start = true;
	while (at < sec->n) {
		struct tl_section s;
		tl_sec_section(sec->data, sec->n, at, &s);
		if (start) {
			cr_assert_str_eq(s.type, "Body", "%s at %zu", sec->name,
			                 at);
			cr_assert_lt(msgs, np,
			             "%s: more messages than pointers",
			             sec->name);
			cr_assert_eq(ptr[msgs], at,
			             "%s: a message at %zu, a pointer to %llu",
			             sec->name, at,
			             (unsigned long long)ptr[msgs]);
			msgs++;
			expect_crlf_only(sec, &s, at);
		} else {
			cr_assert_str_eq(s.type, "Attachment", "%s at %zu",
			                 sec->name, at);
		}
		start = s.islast;
		free(s.name);
		at = s.next;
	}
	cr_assert_eq(at, sec->n, "%s: the walk ends at %zu", sec->name, at);
	cr_assert(start, "%s: the last message has no Islast", sec->name);
	cr_assert_eq(msgs, np, "%s: %zu messages, %zu pointers", sec->name,
	             msgs, np);
}

void sec_walk_and_pointers(void)
{
	static const char hdr[] =
	        "Type,Length,Encoding,Islast,Name,Position,Format\r\n";
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		struct opo o;
		load(po, &o, 65536);
		for (size_t f = 0; f < o.nf; f++) {
			const struct ofile *sec = &o.f[f];
			if (!strstr(sec->name, ".SEC"))
				continue;
			cr_assert(sec->n >= 50 && !memcmp(sec->data, hdr, 50),
			          "%s: column header", sec->name);
			size_t np;
			uint64_t *ptr = pointers_into(&o, sec->name, &np);
			walk_sec(sec, ptr, np);
			free(ptr);
		}
		unload(&o);
	}
}

/*
 * The PKL (iff-output §4): the code page, a blank line, the header, then
 * DIRECTORY.PRI, then each PRI followed by the SEC files its rows point
 * into; every file but the PKL and REPORT.TXT listed once.
 */
void pkl_lists_every_file(void)
{
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		struct opo o;
		load(po, &o, 65536);
		char pkl_name[80];
		snprintf(pkl_name, sizeof(pkl_name), "%s.PKL",
		         ccm_po_folder(C.src, po));
		const struct ofile *pkl = ofind(&o, pkl_name);
		cr_assert_not_null(pkl, "no %s", pkl_name);
		struct tl_slices l;
		tl_lines(pkl->data, pkl->n, &l);
		cr_assert_geq(l.count, 4);
		cr_assert(l.n[0] == 4 && !memcmp(l.s[0], "1252", 4));
		cr_assert_eq(l.n[1], 0);
		cr_assert(l.n[2] == 17 &&
		          !memcmp(l.s[2], "Filename,Filetype", 17));
		cr_assert(l.n[3] == 21 &&
		          !memcmp(l.s[3], "DIRECTORY.PRI,Primary", 21));
		/* Three lines of head, then every file but the PKL and
		 * REPORT.TXT. */
		cr_assert_eq(l.count, o.nf + 1, "%zu PKL lines for %zu files",
		             l.count, o.nf);
		unsigned pri_no = 0, sec_no = 0;
		const struct ofile *cur = NULL;
		for (size_t i = 4; i < l.count; i++) {
			char name[32], type[16];
			cr_assert_lt(l.n[i], 40);
			char line[48];
			memcpy(line, l.s[i], l.n[i]);
			line[l.n[i]] = '\0';
			cr_assert_eq(sscanf(line, "%31[^,],%15s", name, type),
			             2, "[%s]", line);
			unsigned num;
			char ext[4];
			cr_assert_eq(sscanf(name, "%8u.%3s", &num, ext), 2);
			const struct ofile *f = ofind(&o, name);
			cr_assert_not_null(f, "the PKL lists %s", name);
			if (!strcmp(ext, "PRI")) {
				cr_assert_str_eq(type, "Primary");
				cr_assert_eq(num, ++pri_no, "%s out of order",
				             name);
				cur = f;
			} else {
				cr_assert_str_eq(ext, "SEC");
				cr_assert_str_eq(type, "Secondary");
				cr_assert_eq(num, ++sec_no, "%s out of order",
				             name);
				cr_assert_not_null(cur);
				/* Some row of the PRI before it points into
				 * this SEC. */
				char needle[48];
				snprintf(needle, sizeof(needle), ",#%s(", name);
				cr_assert(
				        tl_contains(cur->data, cur->n, needle),
				        "%s follows %s, which does not use it",
				        name, cur->name);
			}
		}
		tl_slices_free(&l);
		unload(&o);
	}
}

static void *reader_thread(void *p)
{
	struct reader_arg *a = p;
	struct tl_rng rng = {a->seed};
	char *buf = malloc(100000);
	for (int i = 0; buf && i < 400; i++) {
		size_t po = (size_t)tl_rng_below(&rng, a->npo);
		const struct opo *o = &a->o[po];
		size_t f = (size_t)tl_rng_below(&rng, o->nf);
		size_t size = o->f[f].n;
		uint64_t off = tl_rng_below(&rng, size + 1);
		size_t len = (size_t)tl_rng_below(&rng, 100000);
		size_t got;
		if (ccm_file_read(C.src, o->po, f, off, len, buf, &got) ||
		    got != (len < size - off ? len : size - off) ||
		    memcmp(buf, o->f[f].data + off, got))
			a->bad++;
	}
	free(buf);
	return NULL;
}

/* Several threads reading at once get the same bytes (ccmailfs.h). */
void threads(void)
{
	size_t npo = ccm_source_po_count(C.src);
	struct opo *o = calloc(npo, sizeof(*o));
	cr_assert_not_null(o);
	for (size_t po = 0; po < npo; po++)
		load(po, &o[po], 65536);
	pthread_t th[4];
	struct reader_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i] = (struct reader_arg){o, npo, 1000 + (uint64_t)i, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, reader_thread, &a[i]),
		             0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(a[i].bad, 0, "thread %d: %d bad reads", i,
		             a[i].bad);
	}
	for (size_t po = 0; po < npo; po++)
		unload(&o[po]);
	free(o);
}

/* Folder names are unique without regard to case (spec §2 step 6). */
void folders_unique(void)
{
	size_t n = ccm_source_po_count(C.src);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			cr_expect(strcasecmp(ccm_po_folder(C.src, i),
			                     ccm_po_folder(C.src, j)),
			          "two post offices in folders %s and %s",
			          ccm_po_folder(C.src, i),
			          ccm_po_folder(C.src, j));
}

/* Opens the corpus again with other options. */
void reopen(const struct ccm_options *o)
{
	ccm_source_close(C.src);
	C.src = tl_open(C.exp, o);
}

/*
 * A split size of 100 KiB: every SEC file stays within it, a PRI's
 * messages spread over several SEC files, and the structure holds.
 */
void sec_split(void)
{
	const uint64_t split = 100 * 1024;
	struct ccm_options o = {.sec_split = split};
	reopen(&o);
	size_t secs = 0, pris = 0;
	for (size_t po = 0; po < ccm_source_po_count(C.src); po++) {
		for (size_t f = 0; f < ccm_po_file_count(C.src, po); f++) {
			const char *name = ccm_file_name(C.src, po, f);
			if (strstr(name, ".SEC")) {
				secs++;
				cr_expect_leq(ccm_file_size(C.src, po, f),
				              split, "%s", name);
			} else if (strstr(name, ".PRI")) {
				pris++;
			}
		}
	}
	cr_expect_gt(secs, pris, "no PRI spread over several SEC files");
	sizes_and_chunks();
	sec_walk_and_pointers();
	pkl_lists_every_file();
}

/* Folders in the order of their names (ccmailfs.h), unique. */
void folder_order(void)
{
	size_t n = ccm_source_po_count(C.src);
	for (size_t i = 1; i < n; i++)
		cr_expect_lt(strcmp(ccm_po_folder(C.src, i - 1),
		                    ccm_po_folder(C.src, i)),
		             0, "%s before %s", ccm_po_folder(C.src, i - 1),
		             ccm_po_folder(C.src, i));
	folders_unique();
}
