/*
 * Helpers shared by the unit suites: a temporary folder per test, small
 * files written and read whole, the core's files read whole, CSV rows split
 * into fields, and child programs run with their output captured.
 *
 * Every helper that can fail asserts, so a test reads as a list of checks
 * and never carries on from a broken setup.
 */
#ifndef CCM_TESTS_UNIT_UTIL_H
#define CCM_TESTS_UNIT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccmailfs/ccmailfs.h"

/* A new empty folder /tmp/ccm-unit-XXXXXX (malloc'd path). */
char *tu_tmpdir(void);
/* Removes a folder and all it holds, links not followed; then frees it. */
void tu_rmtree(char *dir);

/* "dir/rel", malloc'd. */
char *tu_path(const char *dir, const char *rel);
/* mkdir -p. */
void tu_mkdirs(const char *path);
/* Writes dir/rel (its folders made first), replacing it. */
void tu_write(const char *dir, const char *rel, const void *data, size_t n);
void tu_puts(const char *dir, const char *rel, const char *s);
/* A whole file, NUL-terminated past its n bytes; NULL when unreadable. */
char *tu_slurp(const char *path, size_t *n);

/* An environment variable that meson's test_env must have set. */
const char *tu_env(const char *name);

/* Opens a source, asserting success; opts NULL means the defaults. */
ccm_source *tu_open(const char *path, const struct ccm_options *opts);
/* The post office of a folder name, asserted to exist. */
size_t tu_po(const ccm_source *src, const char *folder);
/* The index of a file, asserted to exist. */
size_t tu_file_index(const ccm_source *src, size_t po, const char *name);
/*
 * A whole output file read with ccm_file_read in chunks of chunk bytes,
 * asserted to give exactly ccm_file_size bytes; NUL-terminated.
 */
char *tu_read(const ccm_source *src, size_t po, size_t file, size_t chunk,
              size_t *n);
/* The same, by name, in 64 KiB chunks. */
char *tu_file(const ccm_source *src, size_t po, const char *name, size_t *n);
/* REPORT.TXT of a post office. */
char *tu_report(const ccm_source *src, size_t po);

/* A growable list of byte slices. */
struct tu_slices {
	const char **s;
	size_t *n;
	size_t count, cap;
};
void tu_slices_free(struct tu_slices *v);
/* The lines of text (CR LF or LF ends, dropped); slices point into text. */
void tu_lines(const char *text, size_t n, struct tu_slices *out);
/*
 * The fields of one CSV line: split at commas outside double quotes, each
 * field as it stands (quotes kept). Slices point into line.
 */
void tu_csv_fields(const char *line, size_t n, struct tu_slices *out);
/* A field without its quotes and with "" made ", malloc'd, NUL-terminated. */
char *tu_unquote(const char *s, size_t n);

/*
 * The rows of a PRI's MAILMESSAGE section: the lines after its column
 * header ("Folder,Sender,..."), up to the end of the file.
 */
void tu_pri_rows(const char *pri, size_t n, struct tu_slices *rows);
/* A Body field "#NNNNNNNN.SEC(off)": the SEC file's name and the offset. */
bool tu_body_ptr(const char *s, size_t n, char name[16], uint64_t *off);

/* One section of a SEC file (iff-output §8), as parsed. */
struct tu_section {
	char type[16];   /* Body or Attachment */
	uint64_t length; /* Length */
	bool islast;
	char *name;        /* Name unquoted (malloc'd), "" for a Body */
	uint64_t position; /* Position, 0 when empty */
	size_t data;       /* offset of its data in the file */
	size_t next;       /* offset of the next section */
};
/*
 * Parses the section at off of a SEC file held in sec[0..n), asserting
 * that it is well formed: 7 fields, a numeric Length, TRUE or FALSE, the
 * data then CR LF within the file.
 */
void tu_sec_section(const char *sec, size_t n, size_t off,
                    struct tu_section *s);

/* Does text hold the NUL-terminated string needle? */
bool tu_contains(const char *text, size_t n, const char *needle);

/* FNV-1a, 64 bits, over n bytes. */
uint64_t tu_fnv1a(const void *p, size_t n);

/*
 * Runs argv[0] (a path, or a name looked up in PATH) with argv in folder cwd
 * (NULL: here), standard input from /dev/null; its standard output and error
 * are returned (malloc'd, NUL-terminated) when out and err are not NULL.
 * Returns the exit code, or 128 + the signal that ended it.
 */
int tu_run(char *const argv[], const char *cwd, char **out, char **err);

/* A small deterministic generator (splitmix64) for random tests. */
struct tu_rng {
	uint64_t s;
};
uint64_t tu_rng_next(struct tu_rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint64_t tu_rng_below(struct tu_rng *r, uint64_t n);

#endif
