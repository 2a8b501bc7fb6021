/*
 * Diagnostics of the scan: the warnings REPORT.TXT lists, and the notices
 * told to the operator at scan time. The bottom of the core: this file
 * calls nothing but the buffers of buf.c.
 */
#ifndef CCM_DIAG_H
#define CCM_DIAG_H

#include <stdint.h>

#include "buf.h"
#include "ccmailfs/ccmailfs.h"

struct ccm_srcfile;

/* A post office's warnings: one line each (LF-ended) and their counts.
 * Written by the scan and the layout only; the text is freed with
 * ccm_buf_free. */
struct ccm_log {
	struct ccm_buf text;
	uint64_t warnings, left_out;
};

/*
 * Records a warning in log: "<file>:<line>: <text>" (the file is PO.INI
 * when f is NULL, the line left out when 0). Line ends in the text become
 * blanks. Out of memory is remembered in log->text.oom.
 */
void ccm_warn(struct ccm_log *log, const struct ccm_srcfile *f, uint64_t line,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same, for an item or message left out of the output. */
void ccm_leftout(struct ccm_log *log, const struct ccm_srcfile *f,
                 uint64_t line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Tells the operator one line through o->notice, when it is set. */
void ccm_notice(const struct ccm_options *o, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif
