/*
 * Export files of one post office scanned by several threads, merged in
 * their order (scan_par.c).
 */
#ifndef CCM_SCAN_PAR_H
#define CCM_SCAN_PAR_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* Scans one export file into po, read through po->feed (scan_po.c's
 * mailbox file, or the bulletin boards when path is NULL). */
typedef void (*ccm_scan_fn)(struct ccm_po *po, const char *path);

struct ccm_scanjob {
	ccm_scan_fn fn;
	const char *path;
	uint64_t size; /* of its file, a hint for the order; 0: unknown */
};

/* The most threads a scan runs, the caller's included; 0 (the default):
 * one per processor, at most CCM_SCAN_THREADS_MAX. Tests may set it. */
extern unsigned ccm_scan_threads;
#define CCM_SCAN_THREADS_MAX 8

/*
 * Runs jobs[0..n) and appends what each gives to po, in the order of
 * jobs: the index, the warnings and the source files are those that
 * calling jobs[i].fn(po, jobs[i].path) for each i in turn gives, byte
 * for byte, whatever the number of threads. Each job runs on a part (a
 * post office of its own that shares po's settings and folder listings,
 * with a source of its own); po's own arrays are written by the caller's
 * thread only; the caller's jobs read through po->feed, if set. Needs
 * po's page, date order, name and folder set. CCM_ERR_NOMEM when a part
 * could not be made or merged (what was merged before stays).
 */
ccm_err ccm_scan_jobs(struct ccm_po *po, const struct ccm_scanjob *jobs,
                      size_t n);

#endif
