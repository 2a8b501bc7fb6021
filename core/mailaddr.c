/*
 * Addresses of the mail form (spec export §3 in, RFC 5322 out). A cc:Mail
 * user becomes "Name" <Local.Part@LABEL.ccmail.invalid>: the local part
 * the name's letters and digits (transliterated to ASCII), runs joined by
 * dots; the label the post office's, runs joined by hyphens; .invalid is
 * the top-level domain reserved for addresses that can never be
 * delivered (RFC 2606). A bulletin board is the same under
 * bulletin.LABEL.ccmail.invalid; an Internet address stays as it is.
 */
#include <string.h>

#include "ascii.h"
#include "fields.h"
#include "mailhdr.h"

void ccm_mail_utf8(const struct ccm_po *po, const char *s, size_t n,
                   struct ccm_buf *out)
{
	ccm_cp_put(&po->mail->u8, s, n, true, out);
}

/* s[0..n) in ASCII: as it stands when it is ASCII, else transliterated. */
static void ascii_of(const struct ccm_po *po, const char *s, size_t n,
                     struct ccm_buf *out)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80) {
			ccm_cp_translit(po->src_cp, s, n, out);
			return;
		}
	ccm_buf_put(out, s, n);
}

/* The runs of ASCII letters and digits of s, joined by sep, at most max
 * bytes (whole runs); dflt when there is none. out holds max + 1. */
static void runs(const struct ccm_po *po, const char *s, size_t n, char sep,
                 size_t max, const char *dflt, char *out)
{
	char stack[256];
	struct ccm_buf t = {stack, 0, sizeof(stack), false, true};
	ascii_of(po, s, n, &t);
	size_t k = 0;
	for (size_t i = 0; i < t.len && !t.oom;) {
		while (i < t.len && !ccm_isalnum(t.p[i]))
			i++;
		size_t b = i;
		while (i < t.len && ccm_isalnum(t.p[i]))
			i++;
		if (i == b || k + (k > 0) + (i - b) > max)
			continue;
		if (k)
			out[k++] = sep;
		memcpy(out + k, t.p + b, i - b);
		k += i - b;
	}
	ccm_buf_free(&t);
	if (!k)
		k = (size_t)stpcpy(out, dflt) - (size_t)out;
	out[k] = '\0';
}

void ccm_mail_label(const struct ccm_po *po, const char *s, size_t n,
                    char out[64])
{
	runs(po, s, n, '-', 63, "postoffice", out);
}

/* "Name" <local@[bulletin.]label.ccmail.invalid> */
static void made_up(const struct ccm_po *po, const struct ccm_str *name,
                    const char *label, bool board, char sep, struct ccm_hdrw *h)
{
	char local[65], addr[200];
	runs(po, name->s, name->n, '.', 64, board ? "board" : "user", local);
	size_t k = (size_t)(stpcpy(addr, "<") - addr);
	k = (size_t)(stpcpy(addr + k, local) - addr);
	k = (size_t)(stpcpy(addr + k, board ? "@bulletin." : "@") - addr);
	k = (size_t)(stpcpy(addr + k, label) - addr);
	k = (size_t)(stpcpy(addr + k, ".ccmail.invalid>") - addr);
	struct ccm_buf d = {0};
	ccm_mail_utf8(po, name->s, name->n, &d);
	ccm_hdr_phrase(h, sep, d.p ? d.p : "", d.len);
	ccm_hdr_token(h, 0, addr, k);
	if (d.oom)
		h->b->oom = true;
	ccm_buf_free(&d);
}

/* The address map's address for user a, or NULL. */
static const char *mapped(const struct ccm_po *po, const struct ccm_addr *a)
{
	const struct ccm_mailcfg *cfg = po->src->mail;
	if (!cfg || !cfg->map.n)
		return NULL;
	struct ccm_buf nm = {0}, pm = {0}, here = {0};
	ccm_mail_utf8(po, a->name, a->nn, &nm);
	if (a->po)
		ccm_mail_utf8(po, a->po, a->pn, &pm);
	ccm_mail_utf8(po, po->name.s, po->name.n, &here);
	const char *r = NULL;
	if (!nm.oom && !pm.oom && !here.oom)
		r = ccm_addrmap_find(&cfg->map, nm.p ? nm.p : "", nm.len, pm.p,
		                     pm.len, here.p ? here.p : "", here.len);
	ccm_buf_free(&nm);
	ccm_buf_free(&pm);
	ccm_buf_free(&here);
	return r;
}

void ccm_mail_mailbox(const struct ccm_po *po, const char *s, size_t n,
                      bool map, char sep, struct ccm_hdrw *h)
{
	struct ccm_addr a;
	ccm_addr_parse(&po->cp, s, n, &a);
	struct ccm_str name = {a.name, a.nn};
	char label[64];
	if (a.kind == CCM_ADDR_INTERNET && ccm_addr_spec_ok(a.name, a.nn)) {
		ccm_hdr_token(h, sep, a.name, a.nn);
		return;
	}
	if (a.kind == CCM_ADDR_INTERNET) {
		made_up(po, &name, "internet", false, sep, h);
		return;
	}
	const char *to = map && a.kind == CCM_ADDR_USER ? mapped(po, &a) : NULL;
	if (to) {
		struct ccm_buf d = {0};
		ccm_mail_utf8(po, a.name, a.nn, &d);
		ccm_hdr_phrase(h, sep, d.p ? d.p : "", d.len);
		ccm_buf_free(&d);
		ccm_buf_putc(&d, '<');
		ccm_buf_puts(&d, to);
		ccm_buf_putc(&d, '>');
		ccm_hdr_token(h, 0, d.p, d.len);
		if (d.oom)
			h->b->oom = true;
		ccm_buf_free(&d);
		return;
	}
	if (a.po && !ccm_name_eq(&po->cp, a.po, a.pn, po->name.s, po->name.n))
		ccm_mail_label(po, a.po, a.pn, label);
	else
		memcpy(label, po->mail->label, sizeof(label));
	made_up(po, &name, label, a.kind == CCM_ADDR_BOARD, sep, h);
}
