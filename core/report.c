/*
 * REPORT.TXT (spec iff-output §9): what an administrator reads before
 * importing. Its wording is ours; what it must hold is the post office's
 * real name, the folder name and why it differs, the counts, and every
 * warning and item left out with its file and line.
 */
#include <stdio.h>
#include <string.h>

#include "lossy.h"
#include "report.h"

static void why_text(unsigned why, struct ccm_buf *b)
{
	static const struct {
		unsigned bit;
		const char *text;
	} reasons[] = {
	        {CCM_WHY_TRANSLIT, "letters outside ASCII were transliterated"},
	        {CCM_WHY_CHARS, "characters a file name cannot hold were "
	                        "replaced by '_'"},
	        {CCM_WHY_EMPTY, "no character of the name could be used"},
	        {CCM_WHY_DEVICE, "the name is a DOS device name"},
	        {CCM_WHY_LENGTH, "the name was cut to its longest length"},
	        {CCM_WHY_COLLISION, "another post office has the same folder "
	                            "name, without regard to case"},
	};
	const char *sep = "";
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (why & reasons[i].bit) {
			ccm_buf_printf(b, "%s%s", sep, reasons[i].text);
			sep = "; ";
		}
}

/* Appends a line of source text, converted, with CR LF. */
static void line(const struct ccm_po *po, struct ccm_buf *out, const char *s,
                 size_t n)
{
	ccm_cp_put(&po->cp, s, n, true, out);
	ccm_buf_puts(out, "\r\n");
}

ccm_err ccm_report(const struct ccm_po *po, struct ccm_buf *out)
{
	const struct ccm_po_stats *st = &po->stats;
	struct ccm_buf b = {0};
	ccm_buf_puts(&b, "Post office: ");
	ccm_buf_put(&b, po->name.s, po->name.n);
	line(po, out, b.p, b.len);
	b.len = 0;
	ccm_buf_printf(&b, "Folder: %s", po->folder);
	if (po->why) {
		ccm_buf_puts(&b, " (");
		why_text(po->why, &b);
		ccm_buf_puts(&b, ")");
	}
	line(po, out, b.p, b.len);
	ccm_buf_printf(out, "Export folder: %s\r\n", po->dir);
	/* The mail views write UTF-8 whatever the migration files' page. */
	bool iff = po->src->opts.view == CCM_VIEW_IFF;
	ccm_buf_printf(out, "Code page: %u in the export, ", po->src_cp);
	if (iff)
		ccm_buf_printf(out, "%u in these files", po->out_cp);
	else
		ccm_buf_puts(out, "UTF-8 in these messages");
	ccm_buf_printf(out, "; dates read as %s\r\n",
	               ccm_date_order_name(po->date_order));
	ccm_lossy_report(po, out);
	ccm_buf_printf(out,
	               "Mailboxes: %llu\r\nMessages: %llu\r\n"
	               "Attachments: %llu\r\nBytes in the migration files%s: "
	               "%llu\r\nMailing lists: %zu public, %zu private\r\n"
	               "Bulletin boards: %llu\r\n",
	               (unsigned long long)st->mailboxes,
	               (unsigned long long)st->messages,
	               (unsigned long long)st->attachments,
	               iff ? "" : " (-o view=iff)",
	               (unsigned long long)st->bytes, po->lists.n, po->plists.n,
	               (unsigned long long)st->boards);
	ccm_buf_printf(out, "Warnings: %llu\r\nLeft out: %llu\r\n",
	               (unsigned long long)st->warnings,
	               (unsigned long long)st->left_out);
	const struct ccm_buf *log = &po->log.text;
	if (log->len) {
		ccm_buf_puts(out, "\r\nWarnings and what was left out, each "
		                  "with its file and line:\r\n");
		for (size_t s = 0; s < log->len;) {
			const char *nl = memchr(log->p + s, '\n', log->len - s);
			size_t n =
			        nl ? (size_t)(nl - log->p) - s : log->len - s;
			line(po, out, log->p + s, n);
			s += n + 1;
		}
	}
	ccm_buf_free(&b);
	return out->oom || log->oom ? CCM_ERR_NOMEM : CCM_OK;
}
