/*
 * Generated post offices: the three corpora, made afresh for each test, and the
 * tests.
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
/* corpora */

/* The generator's arguments, without --truth and the folder. */
static const char *const CFG_A[] = {
        "--seed",     "7",    "--pos",          "3",  "--users", "30",
        "--messages", "1500", "--attach-bytes", "4M", NULL};
/* One post office with tricky names and every quirk, two big files. */
static const char *const CFG_B[] = {"--seed",
                                    "11",
                                    "--users",
                                    "25",
                                    "--messages",
                                    "1200",
                                    "--attach-bytes",
                                    "6M",
                                    "--big-attach",
                                    "2",
                                    "--tricky",
                                    "--quirks",
                                    NULL};
/* Four post offices whose names differ only by case (spec §2 step 6). */
static const char *const CFG_C[] = {
        "--seed",     "5",   "--pos",          "4",    "--users", "6",
        "--messages", "120", "--attach-bytes", "300K", NULL};

/* The corpus of the running test (made by its suite's .init). */
struct corpus C;

static void generate(const char *const *args)
{
	C.dir = tl_tmpdir();
	C.exp = tl_path(C.dir, "export");
	C.truth = tl_path(C.dir, "truth.tsv");
	char *argv[32];
	size_t n = 0;
	argv[n++] = (char *)tl_env("CCM_GEN");
	for (size_t i = 0; args[i]; i++)
		argv[n++] = (char *)args[i];
	argv[n++] = (char *)"--truth";
	argv[n++] = C.truth;
	argv[n++] = C.exp;
	argv[n] = NULL;
	cr_assert_lt(n, 32);
	char *err;
	int rc = tl_capture((const char *const *)argv, NULL, NULL, &err);
	cr_assert_eq(rc, 0, "ccm-gen failed (%d): %s", rc, err);
	free(err);
	C.src = tl_open(C.exp, NULL);
}

static void cleanup(void)
{
	if (C.src)
		ccm_source_close(C.src);
	free(C.exp);
	free(C.truth);
	tl_rmtree(C.dir);
	memset(&C, 0, sizeof(C));
}

void load(size_t po, struct opo *o, size_t chunk)
{
	o->po = po;
	o->nf = ccm_po_file_count(C.src, po);
	o->f = calloc(o->nf, sizeof(*o->f));
	cr_assert_not_null(o->f);
	for (size_t i = 0; i < o->nf; i++) {
		o->f[i].name = ccm_file_name(C.src, po, i);
		o->f[i].data = tl_read(C.src, po, i, chunk, &o->f[i].n);
	}
}

void unload(struct opo *o)
{
	for (size_t i = 0; i < o->nf; i++)
		free(o->f[i].data);
	free(o->f);
}

const struct ofile *ofind(const struct opo *o, const char *name)
{
	for (size_t i = 0; i < o->nf; i++)
		if (!strcmp(o->f[i].name, name))
			return &o->f[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the tests: each corpus is made afresh in each test's own process */

static void gen_a(void)
{
	generate(CFG_A);
}

static void gen_b(void)
{
	generate(CFG_B);
}

static void gen_c(void)
{
	generate(CFG_C);
}

TestSuite(gen_a, .init = gen_a, .fini = cleanup, .timeout = 240);
TestSuite(gen_b, .init = gen_b, .fini = cleanup, .timeout = 240);
TestSuite(gen_c, .init = gen_c, .fini = cleanup, .timeout = 240);

Test(gen_a, sizes_and_chunks)
{
	sizes_and_chunks();
}

Test(gen_a, random_ranges)
{
	random_ranges();
}

Test(gen_a, sec_walk_and_pointers)
{
	sec_walk_and_pointers();
}

Test(gen_a, pkl_lists_every_file)
{
	pkl_lists_every_file();
}

Test(gen_a, matches_truth)
{
	matches_truth();
}

Test(gen_a, threads)
{
	threads();
}

Test(gen_a, sec_split)
{
	sec_split();
}

Test(gen_b, sizes_and_chunks)
{
	sizes_and_chunks();
}

Test(gen_b, random_ranges)
{
	random_ranges();
}

Test(gen_b, sec_walk_and_pointers)
{
	sec_walk_and_pointers();
}

Test(gen_b, pkl_lists_every_file)
{
	pkl_lists_every_file();
}

Test(gen_b, matches_truth)
{
	matches_truth();
}

Test(gen_b, threads)
{
	threads();
}

Test(gen_c, folders_unique)
{
	cr_assert_eq(ccm_source_po_count(C.src), 4);
	folder_order();
}

Test(gen_c, dos83_folders_unique)
{
	struct ccm_options o = {.dos83 = true};
	reopen(&o);
	cr_assert_eq(ccm_source_po_count(C.src), 4);
	for (size_t po = 0; po < 4; po++) {
		const char *f = ccm_po_folder(C.src, po);
		cr_expect(strlen(f) >= 1 && strlen(f) <= 8, "folder %s", f);
		char pkl[32];
		snprintf(pkl, sizeof(pkl), "%s.PKL", f);
		size_t i;
		cr_expect_eq(ccm_file_lookup(C.src, po, pkl, &i), CCM_OK,
		             "no %s", pkl);
	}
	folder_order();
}

Test(gen_c, matches_truth)
{
	matches_truth();
}
