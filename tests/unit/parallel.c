/*
 * The mailbox files of a post office are scanned by several threads and
 * merged in their order (core/scan_par.c): the index, every output file,
 * REPORT.TXT and the list of source files and folders must be those of a
 * scan in one thread, byte for byte. A generated export with tricky
 * names and broken input (warnings and left-out items in many mailbox
 * files, attachments in FILES/, bulletin boards) is opened with one
 * thread and with several, and everything is compared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "index.h"
#include "scan_par.h"
#include "tl.h"

static char *DIR_, *EXP;

static void setup(void)
{
	DIR_ = tl_tmpdir();
	EXP = tl_path(DIR_, "export");
	const char *argv[] = {tl_env("CCM_GEN"),
	                      "--seed",
	                      "23",
	                      "--pos",
	                      "2",
	                      "--users",
	                      "12",
	                      "--messages",
	                      "900",
	                      "--attach-bytes",
	                      "2M",
	                      "--tricky",
	                      "--quirks",
	                      EXP,
	                      NULL};
	char *err;
	int rc = tl_capture(argv, NULL, NULL, &err);
	cr_assert_eq(rc, 0, "ccm-gen failed (%d): %s", rc, err);
	free(err);
}

static void teardown(void)
{
	ccm_scan_threads = 0;
	free(EXP);
	tl_rmtree(DIR_);
}

TestSuite(parallel, .init = setup, .fini = teardown, .timeout = 120);

static ccm_source *open_with(unsigned threads)
{
	ccm_scan_threads = threads;
	ccm_source *src = tl_open(EXP, NULL);
	ccm_scan_threads = 0;
	return src;
}

/* An array of the index, the same bytes in both. */
#define SAME_ARRAY(a, b, arr)                                                  \
	do {                                                                   \
		cr_assert_eq((a)->arr.n, (b)->arr.n, #arr);                    \
		cr_assert(!(a)->arr.n ||                                       \
		                  !memcmp((a)->arr.v, (b)->arr.v,              \
		                          (a)->arr.n * sizeof(*(a)->arr.v)),   \
		          #arr " differ");                                     \
	} while (0)

static void same_index(const struct ccm_po *a, const struct ccm_po *b)
{
	SAME_ARRAY(a, b, msgs);
	SAME_ARRAY(a, b, items);
	SAME_ARRAY(a, b, seekpts);
	SAME_ARRAY(a, b, seekidx);
	SAME_ARRAY(a, b, plans);
	SAME_ARRAY(a, b, secs);
	cr_assert_eq(a->mailboxes.n, b->mailboxes.n);
	for (size_t i = 0; i < a->mailboxes.n; i++) {
		const struct ccm_mailbox *x = &a->mailboxes.v[i],
		                         *y = &b->mailboxes.v[i];
		cr_assert(x->file == y->file && x->msg0 == y->msg0 &&
		          x->nmsg == y->nmsg && x->list0 == y->list0 &&
		          x->nlists == y->nlists);
	}
	cr_assert_eq(a->boards_msg0, b->boards_msg0);
	cr_assert_eq(a->boards_msg1, b->boards_msg1);
	cr_assert_eq(a->log.warnings, b->log.warnings);
	cr_assert_eq(a->log.left_out, b->log.left_out);
	cr_assert_eq(a->lost_items, b->lost_items);
}

static void same_sources(const ccm_source *a, const ccm_source *b)
{
	cr_assert_eq(a->files.n, b->files.n);
	for (size_t i = 0; i < a->files.n; i++) {
		cr_assert_str_eq(a->files.v[i].path, b->files.v[i].path);
		cr_assert_eq(a->files.v[i].size, b->files.v[i].size);
	}
	cr_assert_eq(a->dirs.n, b->dirs.n);
	for (size_t i = 0; i < a->dirs.n; i++)
		cr_assert_str_eq(a->dirs.v[i].path, b->dirs.v[i].path);
	cr_assert_eq(a->dirs_lost, b->dirs_lost);
}

static void same_files(const ccm_source *a, const ccm_source *b, size_t po)
{
	size_t nf = ccm_po_file_count(a, po);
	cr_assert_eq(nf, ccm_po_file_count(b, po));
	for (size_t f = 0; f < nf; f++) {
		size_t na, nb;
		char *x = tl_read(a, po, f, 1 << 16, &na);
		char *y = tl_read(b, po, f, 1 << 16, &nb);
		cr_assert(na == nb && !memcmp(x, y, na),
		          "file %zu of post office %zu differs", f, po);
		free(x);
		free(y);
	}
}

static void compare(unsigned threads)
{
	ccm_source *one = open_with(1), *many = open_with(threads);
	cr_assert_eq(one->npo, many->npo);
	cr_assert_gt(one->npo, 0);
	same_sources(one, many);
	bool warned = false;
	for (size_t p = 0; p < one->npo; p++) {
		cr_assert_gt(one->pos[p]->mailboxes.n, 3);
		same_index(one->pos[p], many->pos[p]);
		same_files(one, many, p);
		warned |= one->pos[p]->log.warnings > 0;
	}
	cr_assert(warned, "the export was meant to give warnings");
	ccm_source_close(one);
	ccm_source_close(many);
}

Test(parallel, two_threads_as_one)
{
	compare(2);
}

Test(parallel, more_threads_than_files_as_one)
{
	compare(CCM_SCAN_THREADS_MAX);
}
