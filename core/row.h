/*
 * A message's PRI row (spec iff-output §6, §7), built from its header
 * bytes. The scan builds each row once to learn its length and to report
 * what is wrong with the header; a read builds it again, silently, from
 * the same bytes.
 */
#ifndef CCM_ROW_H
#define CCM_ROW_H

#include "index.h"

/* Where header warnings go, and as what file and line; NULL at render
 * time, when nothing is reported. */
struct ccm_row_diag {
	struct ccm_log *log;
	const struct ccm_srcfile *file;
	uint64_t line; /* of the Message: line */
	/* Set by the build: the header holds a character that the output
	 * page lacks (spec §3, lossy conversion). */
	bool lossy;
};

/*
 * Appends the row for header bytes hdr (from the Message: line through the
 * Contents: line), without the Body pointer and line end. board is the
 * board of a bulletin board message, else NULL. Warnings go to diag when
 * it is not NULL.
 */
void ccm_row_build(const struct ccm_po *po, const char *hdr, size_t n,
                   const struct ccm_board *board, struct ccm_row_diag *diag,
                   struct ccm_buf *out);

/*
 * The length of the row ccm_row_build appends for the same arguments, with
 * the same warnings to diag, found without converting what needs no
 * conversion to be measured (the scan's use). *oom: memory ran out, and
 * the length is not known.
 */
size_t ccm_row_len(const struct ccm_po *po, const char *hdr, size_t n,
                   const struct ccm_board *board, struct ccm_row_diag *diag,
                   bool *oom);

/* One part of a field's value: n bytes at s in the source page; hdr when
 * they are a slice of the header bytes given to the builder. */
struct ccm_rowpart {
	const char *s;
	size_t n;
	bool hdr;
};

struct ccm_planb;

/*
 * The same row, for a header too long to render whole at every read: its
 * pieces go to plan (rowplan.h), which keeps long values as ranges of the
 * source, and nothing the size of a header line is held.
 */
void ccm_row_plan(const struct ccm_po *po, const char *hdr, size_t n,
                  const struct ccm_board *board, struct ccm_row_diag *diag,
                  struct ccm_planb *plan);

#endif
