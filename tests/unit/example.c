/*
 * The worked example of tests/example: the index built from input/
 * must hold expected/HQ_Main byte for byte, whole and in any range; plus
 * the SEC offset vectors of iff-output §8 and the options that change the
 * output (code page, date order, SEC split).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "tl.h"

static char *input_dir(void)
{
	return tl_path(tl_env("CCM_SOURCE_ROOT"), "tests/example/input");
}

static char *expected_dir(void)
{
	return tl_path(tl_env("CCM_SOURCE_ROOT"),
	               "tests/example/expected/HQ_Main");
}

/* The names of the regular files of a folder. */
static size_t list_files(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot list %s", dir);
	size_t n = 0;
	*names = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *p = tl_path(dir, de->d_name);
		struct stat st;
		if (!stat(p, &st) && S_ISREG(st.st_mode)) {
			*names = realloc(*names, (n + 1) * sizeof(**names));
			cr_assert_not_null(*names);
			(*names)[n++] = strdup(de->d_name);
		}
		free(p);
	}
	closedir(d);
	cr_assert_gt(n, 0, "%s holds no file", dir);
	return n;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static ccm_source *open_example(const struct ccm_options *opts)
{
	char *in = input_dir();
	ccm_source *src = tl_open(in, opts);
	free(in);
	return src;
}

Test(example, one_post_office_named_hq_main)
{
	ccm_source *src = open_example(NULL);
	cr_assert_eq(ccm_source_po_count(src), 1);
	cr_assert_str_eq(ccm_po_folder(src, 0), "HQ_Main");
	size_t po;
	cr_assert_eq(ccm_po_lookup(src, "HQ_Main", &po), CCM_OK);
	cr_assert_eq(po, 0);
	cr_assert_eq(ccm_po_lookup(src, "hq_main", &po), CCM_ERR_NOENT);
	cr_assert_eq(ccm_po_lookup(src, "HQ: Main", &po), CCM_ERR_NOENT);
	ccm_source_close(src);
}

Test(example, same_files_and_sizes_as_expected)
{
	ccm_source *src = open_example(NULL);
	char *exp = expected_dir();
	char **names;
	size_t n = list_files(exp, &names);
	for (size_t i = 0; i < n; i++) {
		char *p = tl_path(exp, names[i]);
		struct stat st;
		cr_assert_eq(stat(p, &st), 0);
		size_t f;
		cr_assert_eq(ccm_file_lookup(src, 0, names[i], &f), CCM_OK,
		             "%s is missing", names[i]);
		cr_expect_eq(ccm_file_size(src, 0, f), (uint64_t)st.st_size,
		             "%s: size %llu, expected %lld", names[i],
		             (unsigned long long)ccm_file_size(src, 0, f),
		             (long long)st.st_size);
		free(p);
	}
	/* Nothing more than the expected files and REPORT.TXT. */
	size_t f;
	cr_assert_eq(ccm_file_lookup(src, 0, "REPORT.TXT", &f), CCM_OK);
	cr_assert_eq(ccm_po_file_count(src, 0), n + 1);
	cr_assert_eq(ccm_file_lookup(src, 0, "00000005.PRI", &f),
	             CCM_ERR_NOENT);
	cr_assert_eq(ccm_file_lookup(src, 0, "hq_main.pkl", &f), CCM_ERR_NOENT);
	free_names(names, n);
	free(exp);
	ccm_source_close(src);
}

/* The first offset where a and b differ, for a readable failure. */
static size_t first_diff(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

Test(example, contents_equal_expected)
{
	ccm_source *src = open_example(NULL);
	char *exp = expected_dir();
	char **names;
	size_t n = list_files(exp, &names);
	static const size_t chunks[] = {65536, 1, 7, 50, 4093};
	for (size_t i = 0; i < n; i++) {
		char *p = tl_path(exp, names[i]);
		size_t en;
		char *want = tl_try_slurp(p, &en);
		cr_assert_not_null(want);
		size_t fi = tl_file_index(src, 0, names[i]);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]);
		     c++) {
			size_t gn;
			char *got = tl_read(src, 0, fi, chunks[c], &gn);
			cr_assert_eq(gn, en, "%s", names[i]);
			size_t d = first_diff(got, want, en);
			cr_expect_eq(d, en,
			             "%s (chunks of %zu) differs at byte %zu",
			             names[i], chunks[c], d);
			free(got);
		}
		free(want);
		free(p);
	}
	free_names(names, n);
	free(exp);
	ccm_source_close(src);
}

/*
 * Reads [off, off + len) and checks it against the whole file: exactly
 * min(len, size - off) bytes, none when off is at or past the end, and
 * nothing written past what was returned.
 */
static void check_range(const ccm_source *src, size_t fi, const char *whole,
                        uint64_t size, uint64_t off, size_t len)
{
	const char *name = ccm_file_name(src, 0, fi);
	char *buf = malloc(len + 16);
	cr_assert_not_null(buf);
	memset(buf, 0xA5, len + 16);
	size_t got = (size_t)-1;
	ccm_err err = ccm_file_read(src, 0, fi, off, len, buf, &got);
	cr_assert_eq(err, CCM_OK, "%s [%llu, +%zu): %s", name,
	             (unsigned long long)off, len, ccm_strerror(err));
	size_t want = off >= size        ? 0
	              : len < size - off ? len
	                                 : (size_t)(size - off);
	cr_assert_eq(got, want, "%s [%llu, +%zu): %zu bytes, not %zu", name,
	             (unsigned long long)off, len, got, want);
	if (want)
		cr_assert(!memcmp(buf, whole + off, want),
		          "%s [%llu, +%zu): wrong bytes", name,
		          (unsigned long long)off, len);
	for (size_t i = want; i < len + 16; i++)
		cr_assert_eq((unsigned char)buf[i], 0xA5,
		             "%s [%llu, +%zu): byte %zu written past the %zu "
		             "returned",
		             name, (unsigned long long)off, len, i, want);
	free(buf);
}

Test(example, random_ranges)
{
	ccm_source *src = open_example(NULL);
	struct tl_rng rng = {20240611};
	for (size_t fi = 0; fi < ccm_po_file_count(src, 0); fi++) {
		size_t size;
		char *whole = tl_read(src, 0, fi, 65536, &size);
		/* The edges first, then 200 ranges at random. */
		check_range(src, fi, whole, size, 0, 0);
		check_range(src, fi, whole, size, 0, size);
		check_range(src, fi, whole, size, 0, size + 100);
		check_range(src, fi, whole, size, size - 1, 1);
		check_range(src, fi, whole, size, size - 1, 100);
		check_range(src, fi, whole, size, size, 0);
		check_range(src, fi, whole, size, size, 10);
		check_range(src, fi, whole, size, size + 5, 10);
		check_range(src, fi, whole, size, (uint64_t)1 << 40, 10);
		for (int i = 0; i < 200; i++) {
			uint64_t off;
			size_t len;
			switch (i % 5) {
			case 0:
				len = 0;
				off = tl_rng_below(&rng, size + 2);
				break;
			case 1:
				len = 1;
				off = tl_rng_below(&rng, size + 2);
				break;
			default:
				off = tl_rng_below(&rng, size + 8);
				len = (size_t)tl_rng_below(&rng, size + 8);
				break;
			}
			check_range(src, fi, whole, size, off, len);
		}
		free(whole);
	}
	ccm_source_close(src);
}

Test(example, bad_post_office_or_file_index)
{
	ccm_source *src = open_example(NULL);
	char buf[8];
	size_t got = 99;
	cr_assert_eq(ccm_file_read(src, 1, 0, 0, sizeof(buf), buf, &got),
	             CCM_ERR_NOENT);
	cr_assert_eq(got, 0);
	got = 99;
	cr_assert_eq(ccm_file_read(src, 0, ccm_po_file_count(src, 0), 0,
	                           sizeof(buf), buf, &got),
	             CCM_ERR_NOENT);
	cr_assert_eq(got, 0);
	ccm_source_close(src);
}

Test(example, stats_and_report)
{
	ccm_source *src = open_example(NULL);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 3);
	cr_expect_eq(st.messages, 5);
	cr_expect_eq(st.attachments, 2);
	cr_expect_eq(st.boards, 1);
	cr_expect_eq(st.left_out, 0);
	cr_expect_eq(st.warnings, 0);
	size_t n;
	char *rep = tl_file(src, 0, "REPORT.TXT", &n);
	cr_expect(tl_contains(rep, n, "HQ: Main"), "no real name:\n%s", rep);
	cr_expect(tl_contains(rep, n, "HQ_Main"), "no folder name:\n%s", rep);
	/* CR LF throughout (iff-output §9), the last line too. */
	cr_assert_geq(n, 2);
	cr_expect(rep[n - 2] == '\r' && rep[n - 1] == '\n');
	for (size_t i = 0; i < n; i++)
		if (rep[i] == '\n')
			cr_assert(i > 0 && rep[i - 1] == '\r',
			          "a lone LF at %zu", i);
	free(rep);
	ccm_source_close(src);
}

/* The newest mtime of the regular files below dir. */
static void newest(const char *dir, struct timespec *t)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *p = tl_path(dir, de->d_name);
		struct stat st;
		cr_assert_eq(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			newest(p, t);
		} else if (S_ISREG(st.st_mode) &&
		           (st.st_mtim.tv_sec > t->tv_sec ||
		            (st.st_mtim.tv_sec == t->tv_sec &&
		             st.st_mtim.tv_nsec > t->tv_nsec))) {
			*t = st.st_mtim;
		}
		free(p);
	}
	closedir(d);
}

Test(example, mtime_is_newest_export_file)
{
	ccm_source *src = open_example(NULL);
	char *in = input_dir();
	struct timespec want = {0, 0};
	newest(in, &want);
	struct timespec got = ccm_po_mtime(src, 0);
	cr_expect(got.tv_sec == want.tv_sec && got.tv_nsec == want.tv_nsec,
	          "mtime %lld.%09ld, newest file %lld.%09ld",
	          (long long)got.tv_sec, got.tv_nsec, (long long)want.tv_sec,
	          want.tv_nsec);
	free(in);
	ccm_source_close(src);
}

Test(example, sec_first_section_at_50)
{
	ccm_source *src = open_example(NULL);
	size_t n;
	char *sec = tl_file(src, 0, "00000001.SEC", &n);
	static const char hdr[] =
	        "Type,Length,Encoding,Islast,Name,Position,Format\r\n";
	cr_assert_eq(sizeof(hdr) - 1, 50);
	cr_assert_gt(n, 55);
	cr_assert(!memcmp(sec, hdr, 50));
	cr_assert(!memcmp(sec + 50, "Body,", 5));
	size_t pn;
	char *pri = tl_file(src, 0, "00000001.PRI", &pn);
	cr_assert(tl_contains(pri, pn, ",#00000001.SEC(50)\r\n"));
	free(pri);
	free(sec);
	ccm_source_close(src);
}

/* The temporary folder of the running test (each runs in its own
 * process). */
static struct {
	char *dir;
} T;

static void mk_tmp(void)
{
	T.dir = tl_tmpdir();
}

static void rm_tmp(void)
{
	tl_rmtree(T.dir);
	T.dir = NULL;
}

static const char PO_INI[] = "[PostOffice]\r\nName=VEC\r\n";

/* A message whose only item is a counted text of body bytes. */
static void message(FILE *f, const char *subject, const char *body)
{
	fprintf(f,
	        "Message:\r\nFrom: Ames, Al\r\nDate: 1/2/98 10:00\r\n"
	        "To: Ames, Al\r\nSubject: %s\r\nContents:\r\nText item:\r\n"
	        "%zu\r\n%s\r\n",
	        subject, strlen(body), body);
}

/*
 * The Microsoft test vector (iff-output §8): after a Body,91 section the
 * next section starts at 161, and the PRI points there.
 */
Test(example, sec_vector_161, .init = mk_tmp, .fini = rm_tmp)
{
	tl_puts(T.dir, "PO.INI", PO_INI);
	char body[92];
	memset(body, 'b', 91);
	body[91] = '\0';
	char *path = tl_path(T.dir, "USERS/A.EXP");
	tl_puts(T.dir, "USERS/A.EXP", "");
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fputs("Mailbox: Ames, Al\r\n\r\n", f);
	message(f, "first", body);
	message(f, "second", "short");
	fclose(f);
	free(path);

	ccm_source *src = tl_open(T.dir, NULL);
	size_t po = tl_po(src, "VEC");
	size_t sn, pn;
	char *sec = tl_file(src, po, "00000001.SEC", &sn);
	char *pri = tl_file(src, po, "00000001.PRI", &pn);
	cr_assert_gt(sn, 170);
	cr_assert(!memcmp(sec + 50, "Body,91,,TRUE,,,\r\n", 18));
	cr_assert(!memcmp(sec + 68, body, 91));
	cr_assert(!memcmp(sec + 159, "\r\n", 2));
	cr_assert(!memcmp(sec + 161, "Body,", 5), "at 161: %.10s", sec + 161);

	struct tl_slices lines;
	tl_lines(pri, pn, &lines);
	cr_assert_eq(lines.count, 4, "PRI:\n%s", pri);
	const char *r1 = lines.s[2], *r2 = lines.s[3];
	size_t n1 = lines.n[2], n2 = lines.n[3];
	cr_assert(n1 > 17 && !memcmp(r1 + n1 - 17, "#00000001.SEC(50)", 17),
	          "row 1: %.*s", (int)n1, r1);
	cr_assert(n2 > 18 && !memcmp(r2 + n2 - 18, "#00000001.SEC(161)", 18),
	          "row 2: %.*s", (int)n2, r2);
	tl_slices_free(&lines);
	free(sec);
	free(pri);
	ccm_source_close(src);
}

Test(example, output_codepage_850_in_pkl)
{
	struct ccm_options o = {.out_codepage = 850};
	ccm_source *src = open_example(&o);
	size_t n;
	char *pkl = tl_file(src, 0, "HQ_Main.PKL", &n);
	cr_assert(n > 5 && !memcmp(pkl, "850\r\n", 5), "PKL:\n%s", pkl);
	/* The rest of the PKL is the same as with 1252. */
	char *exp = expected_dir();
	char *p = tl_path(exp, "HQ_Main.PKL");
	size_t en;
	char *want = tl_try_slurp(p, &en);
	cr_assert(en > 6 && !memcmp(want, "1252\r\n", 6));
	cr_assert_eq(n, en - 1);
	cr_assert(!memcmp(pkl + 5, want + 6, n - 5));
	/* Attachment bytes are never converted. */
	size_t sn, esn;
	char *sec = tl_file(src, 0, "00000001.SEC", &sn);
	char *ep = tl_path(exp, "00000001.SEC");
	char *esec = tl_try_slurp(ep, &esn);
	cr_assert_eq(sn, esn);
	cr_assert(!memcmp(sec, esec, sn));
	free(ep);
	free(esec);
	free(sec);
	free(want);
	free(p);
	free(exp);
	free(pkl);
	ccm_source_close(src);
}

/* The fields of row `row` (from 0) of a mailbox PRI's MAILMESSAGE. */
static char *row_field(const char *pri, size_t pn, size_t row, size_t field)
{
	struct tl_slices lines, f;
	tl_lines(pri, pn, &lines);
	size_t i = 0;
	while (i < lines.count &&
	       !(lines.n[i] >= 7 && !memcmp(lines.s[i], "Folder,", 7)))
		i++;
	cr_assert_lt(i + 1 + row, lines.count, "no row %zu", row);
	tl_csv_fields(lines.s[i + 1 + row], lines.n[i + 1 + row], &f);
	cr_assert_eq(f.count, 12, "row %zu has %zu fields", row, f.count);
	char *v = tl_unquote(f.s[field], f.n[field]);
	tl_slices_free(&f);
	tl_slices_free(&lines);
	return v;
}

/* Forcing DMY reads 4/2/95 as 4 February and 3/21/95 as no date. */
Test(example, date_order_option)
{
	struct ccm_options o = {.date_order = CCM_DATE_DMY};
	ccm_source *src = open_example(&o);
	size_t n;
	char *pri = tl_file(src, 0, "00000001.PRI", &n);
	char *d0 = row_field(pri, n, 0, 6), *r0 = row_field(pri, n, 0, 7);
	char *d2 = row_field(pri, n, 2, 6), *r2 = row_field(pri, n, 2, 7);
	cr_expect_str_eq(d0, "");
	cr_expect_str_eq(r0, "");
	cr_expect_str_eq(d2, "19950204140500");
	cr_expect_str_eq(r2, "19950204140500");
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_geq(st.warnings, 1);
	cr_expect_eq(st.left_out, 0);
	free(d0);
	free(r0);
	free(d2);
	free(r2);
	free(pri);
	ccm_source_close(src);
}

/*
 * A split size of 400 bytes puts Brown's third message (348 bytes of
 * sections) in a SEC file of its own: 00000002.SEC, offset 50.
 */
Test(example, sec_split_option)
{
	struct ccm_options o = {.sec_split = 400};
	ccm_source *src = open_example(&o);
	for (size_t fi = 0; fi < ccm_po_file_count(src, 0); fi++) {
		const char *name = ccm_file_name(src, 0, fi);
		if (strstr(name, ".SEC"))
			cr_expect_leq(ccm_file_size(src, 0, fi), 400, "%s",
			              name);
	}
	size_t n;
	char *pri = tl_file(src, 0, "00000001.PRI", &n);
	char *b0 = row_field(pri, n, 0, 11), *b2 = row_field(pri, n, 2, 11);
	cr_expect_str_eq(b0, "#00000001.SEC(50)");
	cr_expect_str_eq(b2, "#00000002.SEC(50)");
	size_t kn;
	char *pkl = tl_file(src, 0, "HQ_Main.PKL", &kn);
	cr_expect(tl_contains(pkl, kn,
	                      "00000001.PRI,Primary\r\n00000001.SEC,"
	                      "Secondary\r\n00000002.SEC,Secondary\r\n"
	                      "00000002.PRI,Primary\r\n"),
	          "PKL:\n%s", pkl);
	size_t sn;
	char *sec = tl_file(src, 0, "00000002.SEC", &sn);
	cr_expect_eq(sn, 50 + 348);
	cr_expect(sn > 55 && !memcmp(sec + 50, "Body,16,", 8));
	/* Every file still reads whole at the size it announced. */
	for (size_t fi = 0; fi < ccm_po_file_count(src, 0); fi++)
		free(tl_read(src, 0, fi, 4093, NULL));
	free(sec);
	free(pkl);
	free(b0);
	free(b2);
	free(pri);
	ccm_source_close(src);
}

/* A message larger than the split size is left out and reported with
 * its file and line (USERS/BROWN.EXP line 37: its Message: line). */
Test(example, message_larger_than_split_left_out)
{
	struct ccm_options o = {.sec_split = 300};
	ccm_source *src = open_example(&o);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.left_out, 1);
	cr_expect_eq(st.messages, 4);
	size_t n;
	char *rep = tl_file(src, 0, "REPORT.TXT", &n);
	cr_expect(tl_contains(rep, n, "USERS/BROWN.EXP:37:"), "report:\n%s",
	          rep);
	char *pri = tl_file(src, 0, "00000001.PRI", &n);
	struct tl_slices lines;
	tl_lines(pri, n, &lines);
	/* PAB (6 lines with the blank), title, header, two rows. */
	cr_expect_eq(lines.count, 10, "PRI:\n%s", pri);
	tl_slices_free(&lines);
	free(pri);
	free(rep);
	ccm_source_close(src);
}

/* The IFF view's tree: the folder (node 0) holds the migration files,
 * node f + 1 being file f, found by name and read the same way. */
Test(example, iff_tree_is_the_folder_of_files)
{
	ccm_source *src = open_example(NULL);
	size_t nfiles = ccm_po_file_count(src, 0);
	cr_assert_eq(ccm_po_node_count(src, 0), nfiles + 1);
	struct ccm_node_info top;
	ccm_node_info(src, 0, 0, &top);
	cr_assert(top.dir);
	cr_assert_not(top.has_subdirs);
	cr_assert_str_eq(top.name, "HQ_Main");
	cr_assert_eq(top.nchild, nfiles);
	for (size_t f = 0; f < nfiles; f++) {
		size_t node = ccm_node_child(src, 0, 0, f), found;
		struct ccm_node_info info;
		ccm_node_info(src, 0, node, &info);
		cr_assert_not(info.dir);
		cr_assert_eq(info.parent, 0);
		cr_assert_str_eq(info.name, ccm_file_name(src, 0, f));
		cr_assert_eq(info.size, ccm_file_size(src, 0, f));
		cr_assert_eq(ccm_node_lookup(src, 0, 0, info.name, &found),
		             CCM_OK);
		cr_assert_eq(found, node);
		/* A file holds nothing to look up. */
		cr_assert_eq(ccm_node_lookup(src, 0, node, "x", &found),
		             CCM_ERR_NOENT);
		char a[256], b[256];
		size_t ga, gb;
		uint64_t off = info.size / 3;
		cr_assert_eq(
		        ccm_node_read(src, 0, node, off, sizeof(a), a, &ga),
		        CCM_OK);
		cr_assert_eq(ccm_file_read(src, 0, f, off, sizeof(b), b, &gb),
		             CCM_OK);
		cr_assert_eq(ga, gb);
		cr_assert_eq(memcmp(a, b, ga), 0);
	}
	size_t found, got;
	char c;
	cr_assert_eq(ccm_node_lookup(src, 0, 0, "hq_main.pkl", &found),
	             CCM_ERR_NOENT);
	cr_assert_eq(ccm_node_read(src, 0, 0, 0, 1, &c, &got), CCM_ERR_NOENT);
	cr_assert_eq(ccm_node_read(src, 0, nfiles + 1, 0, 1, &c, &got),
	             CCM_ERR_NOENT);
	ccm_source_close(src);
}
