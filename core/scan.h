/*
 * The scan: one pass over each export file of a post office.
 */
#ifndef CCM_SCAN_H
#define CCM_SCAN_H

#include "index.h"
#include "lex.h"

/* An export file mapped for the scan. */
struct ccm_scanfile {
	struct ccm_po *po;
	uint32_t file; /* source file number */
	struct ccm_lex lx;
	bool boards; /* CCMBB.EXP: "Bulletin board:" also ends a message */
};

/* The scanned file's record. Taken anew at each use: the array of source
 * files grows (and moves) as attachment files are found. */
static inline const struct ccm_srcfile *ccm_sf(const struct ccm_scanfile *f)
{
	return &f->po->src->files.v[f->file];
}

/*
 * Maps the file at path (relative name rel) as a source file of po. The
 * caller calls ccm_scanfile_close. false when it cannot be read (reported).
 */
bool ccm_scanfile_open(struct ccm_po *po, const char *path, const char *rel,
                       struct ccm_scanfile *f);
void ccm_scanfile_close(struct ccm_scanfile *f);

/* Registers a source file from an open descriptor; CCM_NONE on failure. */
uint32_t ccm_srcfile_add(struct ccm_source *src, int fd, const char *path,
                         const char *rel);

/*
 * Parses the message whose Message: line is current; leaves lx at the line
 * after it. flags and board go into the record.
 */
void ccm_scan_message(struct ccm_scanfile *f, uint16_t flags);

/* True when line l ends a message in this file. */
bool ccm_scan_msg_end(const struct ccm_scanfile *f, const struct ccm_line *l);

/* Resolves an attachment Path: inside the export folder, case-insensitive
 * (scan_path.c). Returns the source file number or CCM_NONE with why. */
uint32_t ccm_scan_path(struct ccm_po *po, const char *v, size_t n, char *why,
                       size_t whysz);

/* The entry of folder path named name without regard to case (an exact
 * match first), or NULL; the folder is listed once per scan. */
const char *ccm_scan_find(struct ccm_po *po, const char *path,
                          const char *name);
/* The entries of folder path, sorted without regard to case. */
size_t ccm_scan_list(struct ccm_po *po, const char *path, char ***names);
/* Frees the folder listings ccm_scan_path kept. */
void ccm_scan_path_free(struct ccm_po *po);

/* The files of post office po in its export folder (scan_po.c). */
ccm_err ccm_scan_po(struct ccm_po *po);
/* Lays out the output tree once the scan is done (layout.c). */
ccm_err ccm_layout(struct ccm_po *po);
/* Writes REPORT.TXT's text (report.c). */
ccm_err ccm_report(struct ccm_po *po, struct ccm_buf *out);

#endif
