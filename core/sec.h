/*
 * A message's sections in a SEC file (spec iff-output §8): its Body, then
 * one Attachment per file item, each a header line, Length bytes of data
 * and a blank line.
 */
#ifndef CCM_SEC_H
#define CCM_SEC_H

#include "index.h"
#include "window.h"

/* Bytes of a source file in memory, those from offset off on; the
 * ones before are read from descriptor fd. */
struct ccm_held {
	const char *p;
	uint64_t off;
	int fd;
};

/*
 * Walks the sections of message m. With a window, renders what falls in
 * it, and stops once the window is full; sets *len to the length walked:
 * the sections' total length, unless the window filled before their end. held
 * holds the message's bytes at scan time, or is NULL to read the source.
 */
ccm_err ccm_sec_walk(const struct ccm_po *po, const struct ccm_msg *m,
                     const struct ccm_held *held, struct ccm_win *w,
                     uint64_t *len);

#endif
