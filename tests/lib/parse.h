/*
 * The text of output files taken apart for the unit suites: lines, CSV
 * fields, the rows of a PRI, Body pointers and the sections of a SEC file
 * (iff-output §8). Every helper that can fail asserts.
 */
#ifndef CCM_TESTS_LIB_PARSE_H
#define CCM_TESTS_LIB_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable list of byte slices. */
struct tl_slices {
	const char **s;
	size_t *n;
	size_t count, cap;
};
void tl_slices_free(struct tl_slices *v);
/* The lines of text (CR LF or LF ends, dropped); slices point into text. */
void tl_lines(const char *text, size_t n, struct tl_slices *out);
/*
 * The fields of one CSV line: split at commas outside double quotes, each
 * field as it stands (quotes kept). Slices point into line.
 */
void tl_csv_fields(const char *line, size_t n, struct tl_slices *out);
/* A field without its quotes and with "" made ", malloc'd, NUL-terminated. */
char *tl_unquote(const char *s, size_t n);

/*
 * The rows of a PRI's MAILMESSAGE section: the lines after its column
 * header ("Folder,Sender,..."), up to the end of the file.
 */
void tl_pri_rows(const char *pri, size_t n, struct tl_slices *rows);
/* A Body field "#NNNNNNNN.SEC(off)": the SEC file's name and the offset. */
bool tl_body_ptr(const char *s, size_t n, char name[16], uint64_t *off);

/* One section of a SEC file (iff-output §8), as parsed. */
struct tl_section {
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
void tl_sec_section(const char *sec, size_t n, size_t off,
                    struct tl_section *s);

#endif
