/*
 * REPORT.TXT (spec iff-output §9): what an administrator reads before
 * importing. Its wording is ours; what it must hold is the post office's
 * real name, the folder name and why it differs, the counts, and every
 * warning and item left out with its file and line.
 */
#include <stdio.h>
#include <string.h>

#include "scan.h"

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
	                            "name but for case"},
	};
	const char *sep = "";
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (why & reasons[i].bit) {
			ccm_buf_printf(b, "%s%s", sep, reasons[i].text);
			sep = "; ";
		}
}

static const char *order_name(enum ccm_date_order o)
{
	return o == CCM_DATE_DMY ? "DMY" : o == CCM_DATE_YMD ? "YMD" : "MDY";
}

/* Appends a line of source text, converted, with CR LF. */
static void line(const struct ccm_po *po, struct ccm_buf *out, const char *s,
                 size_t n)
{
	ccm_cp_put(&po->cp, s, n, true, out);
	ccm_buf_puts(out, "\r\n");
}

ccm_err ccm_report(struct ccm_po *po, struct ccm_buf *out)
{
	struct ccm_po_stats *st = &po->stats;
	st->mailboxes = po->mailboxes.n;
	st->boards = po->boards.n;
	st->lists = po->lists.n + po->plists.n;
	st->messages = st->attachments = st->bytes = 0;
	for (size_t i = 0; i < po->msgs.n; i++) {
		const struct ccm_msg *m = &po->msgs.v[i];
		if (m->flags & CCM_MSG_DROPPED)
			continue;
		st->messages++;
		for (uint32_t k = 0; k < m->nitems; k++)
			if (po->items.v[m->item0 + k].kind != CCM_ITEM_TEXT)
				st->attachments++;
	}
	for (size_t i = 0; i < po->files.n; i++)
		st->bytes += po->files.v[i].size;

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
	ccm_buf_printf(out,
	               "Code page: %u in the export, %u in these files; "
	               "dates read as %s\r\n",
	               po->src_cp, po->out_cp, order_name(po->date_order));
	ccm_buf_printf(out,
	               "Mailboxes: %llu\r\nMessages: %llu\r\n"
	               "Attachments: %llu\r\nBytes in the migration files: "
	               "%llu\r\nMailing lists: %zu public, %zu private\r\n"
	               "Bulletin boards: %llu\r\n",
	               (unsigned long long)st->mailboxes,
	               (unsigned long long)st->messages,
	               (unsigned long long)st->attachments,
	               (unsigned long long)st->bytes, po->lists.n, po->plists.n,
	               (unsigned long long)st->boards);
	ccm_buf_printf(out, "Warnings: %llu\r\nLeft out: %llu\r\n",
	               (unsigned long long)st->warnings,
	               (unsigned long long)st->left_out);
	if (po->log.len) {
		ccm_buf_puts(out, "\r\nWarnings and what was left out, by "
		                  "file and line:\r\n");
		for (size_t s = 0; s < po->log.len;) {
			const char *nl =
			        memchr(po->log.p + s, '\n', po->log.len - s);
			size_t n = nl ? (size_t)(nl - po->log.p) - s
			              : po->log.len - s;
			line(po, out, po->log.p + s, n);
			s += n + 1;
		}
	}
	ccm_buf_free(&b);
	return out->oom || po->log.oom ? CCM_ERR_NOMEM : CCM_OK;
}
