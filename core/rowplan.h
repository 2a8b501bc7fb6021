/*
 * The row of a message whose header is long (over CCM_PLAN_MIN bytes):
 * planned at scan time as pieces, rendered by window (rowplan.c).
 */
#ifndef CCM_ROWPLAN_H
#define CCM_ROWPLAN_H

#include "index.h"
#include "row.h"
#include "window.h"

/* A plan being built by the scan, for ccm_row_plan. */
struct ccm_planb {
	struct ccm_po *po;
	const char *hdr;  /* the header bytes, mapped */
	uint64_t hdr_off; /* where they are in file */
	uint32_t file;
	uint64_t out;  /* bytes of the row planned so far */
	size_t piece0; /* the plan's first piece */
	bool oom;
};

void ccm_planb_init(struct ccm_planb *b, struct ccm_po *po, const char *hdr,
                    uint64_t hdr_off, uint32_t file);
/* One field of parts: its quoting is decided, literal text goes to lit
 * (drained into pieces now and then), long slices of the header become
 * source pieces. */
void ccm_planb_val(struct ccm_planb *b, struct ccm_buf *lit,
                   const struct ccm_rowpart *parts, size_t k);
/* Drains lit and records the plan; b->out is then the row's length
 * without its Body pointer. On b->oom nothing is recorded. */
void ccm_planb_end(struct ccm_planb *b, struct ccm_buf *lit);

/*
 * Pushes the planned row of message m (w->pos at its start) through the
 * window: pieces outside it are skipped by length, a source piece inside
 * it is read (at most 16 KiB) and converted. Leaves w->pos after the row
 * without its Body pointer.
 */
ccm_err ccm_rowplan_render(const struct ccm_po *po, const struct ccm_msg *m,
                           struct ccm_win *w);

#endif
