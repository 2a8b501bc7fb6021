/*
 * What a reader must survive (export spec §9 and §4.3): each bad input is
 * a small export written by hand into a temporary folder. Each test checks
 * that REPORT.TXT names the file and line, and that the other messages of
 * the mailbox still convert; every output file must still read whole at
 * the size it announced.
 */
#ifndef CCM_TESTS_UNIT_BADINPUT_BAD_H
#define CCM_TESTS_UNIT_BADINPUT_BAD_H

#include <stdbool.h>
#include <stddef.h>

#include "tl.h"

/* Text built line by line, so that tests know each line's number. */
struct text {
	char *p;
	size_t n, cap;
	unsigned lines; /* lines ended so far */
};

/* The rows of a PRI (00000001.PRI: the mailbox's). */
struct rows {
	char *pri;
	size_t n;
	struct tl_slices r;
};

/*
 * The test's temporary folder, and the export folder inside it (so that
 * files "outside the export" can sit beside it). Set by the fixture.
 */
extern char *D, *EXP;

/*
 * Hands p (malloc'd, may be NULL) to the fixture, which frees it in .fini;
 * returns it.
 */
void *own(void *p);
/* Hands a source to the fixture, which closes it in .fini; returns it. */
ccm_source *own_src(ccm_source *src);

/* Appends n bytes to t (its lines counted). */
void put(struct text *t, const void *data, size_t n);
/* Appends one line (LF added) and returns its number. */
unsigned line(struct text *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* A message header up to Contents:; returns the Message: line. */
unsigned header(struct text *t, const char *subject);
/* A whole good message with one text item. */
unsigned message(struct text *t, const char *subject);
/* PO.INI, a directory naming Ames, Al, and USERS/A.EXP holding t. */
void export_with(struct text *t);
/* A new empty text, owned by the fixture. */
struct text *new_text(void);
/* A new mailbox text (owned by the fixture), its two first lines written. */
struct text *mailbox(void);
/* Every file of every post office reads whole at its announced size. */
void read_everything(const ccm_source *src);
/* EXP opened (owned): one post office, BAD, every file read whole. */
ccm_source *open_export(void);
/* Does the report name file:line (for any of the lines given, 0 ends)? */
void expect_reported(const char *rep, const char *file, ...);
/* The rows of a PRI, each asserted to have 12 fields (owned). */
struct rows *get_rows(const ccm_source *src, const char *pri);
/* Field k of row i, unquoted (owned by the fixture). */
char *field(const struct rows *rows, size_t i, size_t k);
/* The row whose Subject is subject, or -1. */
long find_row(const struct rows *rows, const char *subject);
/* Expects a row for each of the count subjects. */
void expect_rows(const struct rows *rows, const char *const *subjects,
                 size_t count);
/* The sections of the message of row i: count of them, and each (their
 * names and the SEC file *secp owned by the fixture). */
size_t sections(const ccm_source *src, const struct rows *rows, size_t i,
                struct tl_section *out, size_t max, char **secp, size_t *secn);
/*
 * When the message subject has a row, expects its Body to be its only
 * section (what says why when not).
 */
void expect_body_only(const ccm_source *src, const struct rows *rows,
                      const char *subject, const char *what);

#endif
