/*
 * The text of the small files a layout keeps whole in memory (spec
 * iff-output §4 to §7): the PKL, DIRECTORY.PRI, and the prefix of each
 * PRI (with a mailbox's personal address book).
 */
#include <string.h>

#include "ascii.h"
#include "fields.h"
#include "smalltext.h"

static const char MAIL_HEADER[] =
        "Folder,Sender,To,Cc,Bcc,Subject,Send-Date,Received-Date,Priority,"
        "Unread,Unsent,Body\r\n";
static const char PAB_HEADER[] =
        "Obj-class,Display-Name,Email-Address,First,Last,Address,City,State,"
        "Zip,Country,Title,Company,Department,Office,Assistant,Bus-Num,"
        "Bus2-Num,Assist-Num,Fax-Num,Home-Num,Home2-Num,Mobile-Num,Pager-Num,"
        "Note\r\n";
/* The 21 empty fields after a PAB row's first three. */
static const char PAB_TAIL[] = ",,,,,,,,,,,,,,,,,,,,,\r\n";
/* "CCMAIL:<name> at <post office>" in source bytes. */
static void ccmail_addr(const struct ccm_po *po, const char *prefix,
                        const char *name, size_t nn, const char *pos, size_t pn,
                        struct ccm_buf *out)
{
	ccm_buf_puts(out, prefix);
	ccm_buf_put(out, name, nn);
	ccm_buf_puts(out, " at ");
	if (pos)
		ccm_buf_put(out, pos, pn);
	else
		ccm_buf_put(out, po->name.s, po->name.n);
}

/*
 * A list member's display name (spec §5: the name part of a cc:Mail
 * address, an Internet address as it stands, a board's name without '#')
 * and, with email, its PAB address.
 */
static void member_names(const struct ccm_po *po, const struct ccm_str *m,
                         struct ccm_buf *display, struct ccm_buf *email)
{
	struct ccm_addr a;
	ccm_addr_parse(&po->cp, m->s, m->n, &a);
	ccm_buf_put(display, a.name, a.nn);
	if (!email)
		return;
	if (a.kind == CCM_ADDR_INTERNET) {
		ccm_buf_puts(email, "SMTP:");
		ccm_buf_put(email, a.name, a.nn);
	} else {
		ccmail_addr(po,
		            a.kind == CCM_ADDR_BOARD ? "CCMAIL:#" : "CCMAIL:",
		            a.name, a.nn, a.po, a.pn, email);
	}
}

/* Members joined by ';', each quoted on its own. */
static void put_members(const struct ccm_po *po, const struct ccm_list *l,
                        bool directory, struct ccm_buf *out)
{
	for (uint32_t i = 0; i < l->nmem; i++) {
		struct ccm_buf d = {0};
		member_names(po, &po->members.v[l->mem0 + i], &d, NULL);
		if (i)
			ccm_buf_putc(out, ';');
		if (!d.oom)
			ccm_csv_text(out, &po->cp, d.p, d.len, directory);
		ccm_buf_free(&d);
	}
}

/* A mailbox's personal address book: its private lists (spec §7). */
static void pab(const struct ccm_po *po, const struct ccm_mailbox *mb,
                struct ccm_buf *out)
{
	struct ccm_buf t = {0};
	ccmail_addr(po, "CCMAIL:", mb->name.s, mb->name.n, NULL, 0, &t);
	ccm_buf_puts(out, "PAB,");
	ccm_csv_text(out, &po->cp, t.p, t.len, false);
	ccm_buf_puts(out, "\r\n");
	ccm_buf_puts(out, PAB_HEADER);
	/* One entry per distinct address, in the order first met. */
	struct ccm_buf seen = {0}; /* addresses met, NUL-separated */
	for (uint32_t li = 0; li < mb->nlists; li++) {
		const struct ccm_list *l = &po->plists.v[mb->list0 + li];
		for (uint32_t i = 0; i < l->nmem; i++) {
			struct ccm_buf d = {0}, e = {0};
			member_names(po, &po->members.v[l->mem0 + i], &d, &e);
			bool dup = false;
			for (size_t s = 0; !e.oom && s < seen.len;) {
				size_t sl = strlen(seen.p + s);
				dup |= ccm_name_eq(&po->cp, seen.p + s, sl, e.p,
				                   e.len);
				s += sl + 1;
			}
			if (!dup && !e.oom && !d.oom) {
				ccm_buf_put(&seen, e.p, e.len);
				ccm_buf_putc(&seen, '\0');
				ccm_buf_puts(out, "entry,");
				ccm_csv_text(out, &po->cp, d.p, d.len, false);
				ccm_buf_putc(out, ',');
				ccm_csv_text(out, &po->cp, e.p, e.len, false);
				ccm_buf_puts(out, PAB_TAIL);
			}
			ccm_buf_free(&d);
			ccm_buf_free(&e);
		}
	}
	for (uint32_t li = 0; li < mb->nlists; li++) {
		const struct ccm_list *l = &po->plists.v[mb->list0 + li];
		ccm_buf_puts(out, "dl,");
		ccm_csv_text(out, &po->cp, l->name.s, l->name.n, false);
		ccm_buf_putc(out, ',');
		put_members(po, l, false, out);
		ccm_buf_puts(out, PAB_TAIL);
	}
	ccm_buf_puts(out, "\r\n");
	ccm_buf_free(&seen);
	ccm_buf_free(&t);
}

void ccm_pri_prefix(const struct ccm_po *po, const struct ccm_mailbox *mb,
                    struct ccm_buf *out)
{
	struct ccm_buf t = {0};
	if (mb->nlists)
		pab(po, mb, out);
	ccmail_addr(po, "CCMAIL:", mb->name.s, mb->name.n, NULL, 0, &t);
	ccm_buf_puts(out, "MAILMESSAGE,");
	if (!t.oom)
		ccm_csv_text(out, &po->cp, t.p, t.len, false);
	ccm_buf_puts(out, "\r\n");
	ccm_buf_puts(out, MAIL_HEADER);
	ccm_buf_free(&t);
}

void ccm_boards_prefix(struct ccm_buf *out)
{
	ccm_buf_puts(out, "MAILMESSAGE,PublicMessages\r\n");
	ccm_buf_puts(out, MAIL_HEADER);
}

void ccm_pkl_text(const struct ccm_po *po, struct ccm_buf *out)
{
	ccm_buf_printf(out, "%u\r\n\r\nFilename,Filetype\r\n", po->out_cp);
	for (size_t i = 1; i < po->files.n; i++)
		ccm_buf_printf(out, "%s,%s\r\n", po->files.v[i].name,
		               po->files.v[i].kind == CCM_OF_SEC ? "Secondary"
		                                                 : "Primary");
}

void ccm_directory_text(const struct ccm_po *po, struct ccm_buf *b)
{
	bool lists = po->lists.n > 0;
	ccm_buf_puts(b, "DIRECTORY\r\nObj-Class,Mode,Common-Name,Display-Name,"
	                "Surname,Given-Name,Secondary-Proxy-Addresses,"
	                "Home-Server,Comment");
	ccm_buf_puts(b, lists ? ",Members\r\n" : "\r\n");
	for (size_t i = 0; i < po->mailboxes.n; i++) {
		const struct ccm_mailbox *mb = &po->mailboxes.v[i];
		const char *s = mb->name.s;
		size_t n = mb->name.n, sn = n, gs = n;
		const char *comma = memchr(s, ',', n);
		if (comma) {
			sn = (size_t)(comma - s);
			gs = sn + 1;
		}
		size_t se = sn, gb = gs, ge = n;
		while (se && ccm_isblank(s[se - 1]))
			se--;
		while (gb < ge && ccm_isblank(s[gb]))
			gb++;
		ccm_buf_puts(b, "mailbox,create,");
		ccm_csv_put(b, mb->alias, strlen(mb->alias), true);
		ccm_buf_putc(b, ',');
		ccm_csv_text(b, &po->cp, s, n, true);
		ccm_buf_putc(b, ',');
		ccm_csv_text(b, &po->cp, s, se, true);
		ccm_buf_putc(b, ',');
		ccm_csv_text(b, &po->cp, s + gb, ge - gb, true);
		ccm_buf_putc(b, ',');
		struct ccm_buf t = {0};
		ccmail_addr(po, "MIGRATE:CCMAIL:", s, n, NULL, 0, &t);
		if (!t.oom)
			ccm_csv_text(b, &po->cp, t.p, t.len, true);
		ccm_buf_free(&t);
		ccm_buf_puts(b, ",~Server,");
		ccm_csv_text(b, &po->cp, mb->comment.s, mb->comment.n, true);
		ccm_buf_puts(b, lists ? ",\r\n" : "\r\n");
	}
	for (size_t i = 0; i < po->lists.n; i++) {
		const struct ccm_list *l = &po->lists.v[i];
		ccm_buf_puts(b, "dl,create,");
		ccm_csv_put(b, l->alias, strlen(l->alias), true);
		ccm_buf_putc(b, ',');
		ccm_csv_text(b, &po->cp, l->name.s, l->name.n, true);
		ccm_buf_puts(b, ",,,,,");
		ccm_csv_text(b, &po->cp, l->comment.s, l->comment.n, true);
		ccm_buf_putc(b, ',');
		put_members(po, l, true, b);
		ccm_buf_puts(b, "\r\n");
	}
}
