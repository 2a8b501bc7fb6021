/*
 * A source opened with the core library (unit suites), and its output
 * files read whole through ccm_file_read. Every helper asserts.
 */
#ifndef CCM_TESTS_LIB_OUTPUT_H
#define CCM_TESTS_LIB_OUTPUT_H

#include <stddef.h>

#include "ccmailfs/ccmailfs.h"

/* Opens a source, asserting success; opts NULL means the defaults. */
ccm_source *tl_open(const char *path, const struct ccm_options *opts);
/* The post office of a folder name, asserted to exist. */
size_t tl_po(const ccm_source *src, const char *folder);
/* The index of a file, asserted to exist. */
size_t tl_file_index(const ccm_source *src, size_t po, const char *name);
/*
 * A whole output file read with ccm_file_read in chunks of chunk bytes,
 * asserted to give exactly ccm_file_size bytes; NUL-terminated.
 */
char *tl_read(const ccm_source *src, size_t po, size_t file, size_t chunk,
              size_t *n);
/* The same, by name, in 64 KiB chunks. */
char *tl_file(const ccm_source *src, size_t po, const char *name, size_t *n);
/* REPORT.TXT of a post office. */
char *tl_report(const ccm_source *src, size_t po);

struct ccm_cp;
/* The conversion from page from to page to, built once per process and
 * kept (asserted to exist). */
const struct ccm_cp *tl_cp(unsigned from, unsigned to);

#endif
