/*
 * REPORT.TXT's text (report.c).
 */
#ifndef CCM_REPORT_H
#define CCM_REPORT_H

#include "index.h"

/* Appends REPORT.TXT for po, whose po->stats the layout has counted, to
 * out (the caller frees it). CCM_ERR_NOMEM when out of memory. */
ccm_err ccm_report(const struct ccm_po *po, struct ccm_buf *out);

#endif
