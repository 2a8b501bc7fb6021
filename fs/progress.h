/*
 * ccmail2iff's progress line on a terminal, in the manner of rsync's
 * --info=progress2: bytes written, percent of all, rate and time left,
 * redrawn a few times a second whatever the size of the files.
 */
#ifndef CCM_FS_PROGRESS_H
#define CCM_FS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct ccm_progress {
	bool on; /* false: every call does nothing */
	uint64_t total, done;
	struct timespec start, shown;
};

/* Starts counting towards total bytes; draws only when on. */
void ccm_progress_start(struct ccm_progress *p, uint64_t total, bool on);
/* Counts n more bytes written; redraws when the last draw is old enough. */
void ccm_progress_add(struct ccm_progress *p, uint64_t n);
/* The last line, with the time taken, and a line end. */
void ccm_progress_end(struct ccm_progress *p);
/* Ends the line as it stands (before a message), and draws no more. */
void ccm_progress_stop(struct ccm_progress *p);

#endif
