/*
 * A source opened with the core library and its output files read (see
 * output.h).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "codepage.h"
#include "output.h"

ccm_source *tl_open(const char *path, const struct ccm_options *opts)
{
	struct ccm_options dflt = {0};
	ccm_source *src = NULL;
	char msg[1024];
	ccm_err err = ccm_source_open(path, opts ? opts : &dflt, &src, msg,
	                              sizeof(msg));
	cr_assert_eq(err, CCM_OK, "ccm_source_open(%s): %s (%s)", path,
	             ccm_strerror(err), msg);
	cr_assert_not_null(src);
	return src;
}

size_t tl_po(const ccm_source *src, const char *folder)
{
	size_t po = 0;
	cr_assert_eq(ccm_po_lookup(src, folder, &po), CCM_OK,
	             "no post office folder %s", folder);
	cr_assert_str_eq(ccm_po_folder(src, po), folder);
	return po;
}

size_t tl_file_index(const ccm_source *src, size_t po, const char *name)
{
	size_t f = 0;
	cr_assert_eq(ccm_file_lookup(src, po, name, &f), CCM_OK,
	             "no file %s in %s", name, ccm_po_folder(src, po));
	cr_assert_str_eq(ccm_file_name(src, po, f), name);
	return f;
}

char *tl_read(const ccm_source *src, size_t po, size_t file, size_t chunk,
              size_t *n)
{
	uint64_t size = ccm_file_size(src, po, file);
	const char *name = ccm_file_name(src, po, file);
	cr_assert_lt(size, (uint64_t)1 << 40, "%s: absurd size", name);
	char *p = malloc((size_t)size + 1);
	cr_assert_not_null(p);
	uint64_t off = 0;
	while (off < size) {
		size_t got = (size_t)-1;
		ccm_err err =
		        ccm_file_read(src, po, file, off, chunk, p + off, &got);
		cr_assert_eq(err, CCM_OK, "%s at %llu: %s", name,
		             (unsigned long long)off, ccm_strerror(err));
		size_t want = size - off < chunk ? (size_t)(size - off) : chunk;
		cr_assert_eq(got, want, "%s at %llu: got %zu bytes, not %zu",
		             name, (unsigned long long)off, got, want);
		off += got;
	}
	/* At the end, a read gives nothing and no error. */
	size_t got = 1;
	char c;
	cr_assert_eq(ccm_file_read(src, po, file, size, 1, &c, &got), CCM_OK);
	cr_assert_eq(got, 0, "%s: a read at its size gave bytes", name);
	p[size] = '\0';
	if (n)
		*n = (size_t)size;
	return p;
}

char *tl_file(const ccm_source *src, size_t po, const char *name, size_t *n)
{
	return tl_read(src, po, tl_file_index(src, po, name), 65536, n);
}

char *tl_report(const ccm_source *src, size_t po)
{
	return tl_file(src, po, "REPORT.TXT", NULL);
}

const struct ccm_cp *tl_cp(unsigned from, unsigned to)
{
	/* A few pairs at most in one suite, kept until the process ends. */
	static struct ccm_cp cps[8];
	static size_t n;
	for (size_t i = 0; i < n; i++)
		if (cps[i].from == from && cps[i].to == to)
			return &cps[i];
	cr_assert_lt(n, sizeof(cps) / sizeof(cps[0]));
	cr_assert_eq(ccm_cp_init(&cps[n], from, to), CCM_OK,
	             "code pages %u to %u", from, to);
	return &cps[n++];
}
