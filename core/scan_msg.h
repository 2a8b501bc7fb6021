/*
 * Messages and their items, scanned from an export file (scan_msg.c).
 */
#ifndef CCM_SCAN_MSG_H
#define CCM_SCAN_MSG_H

#include "index.h"
#include "lex.h"

/* An export file being scanned, read in blocks through po->feed
 * (opened by scan_po.c). */
struct ccm_scanfile {
	struct ccm_po *po;
	uint32_t file; /* source file number */
	struct ccm_lex lx;
	bool boards; /* CCMBB.EXP: "Bulletin board:" also ends a message */
	int fd;      /* scan_po.c closes it */
	bool huge;   /* the message being read has an item of 4 GiB or more */
};

/* The scanned file's record. Taken anew at each use: the array of source
 * files grows (and moves) as attachment files are found, so the pointer
 * is valid only until the next file is registered. */
static inline const struct ccm_srcfile *ccm_sf(const struct ccm_scanfile *f)
{
	return &f->po->src->files.v[f->file];
}

/*
 * Parses the message whose Message: line is current into f->po's msgs and
 * items, with flags (CCM_MSG_*) in its record; leaves lx at the line after
 * it. What is wrong goes to f->po->log.
 */
void ccm_scan_message(struct ccm_scanfile *f, uint16_t flags);

/* True when line l ends a message in this file. */
bool ccm_scan_msg_end(const struct ccm_scanfile *f, const struct ccm_line *l);

#endif
