#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "fields.h"
#include "lex.h"
#include "row.h"
#include "rowplan.h"

/* One header value: a slice of the header bytes. */
struct val {
	const char *s;
	size_t n;
};

/* Recipients of one kind, kept as slices in a small growing array. */
struct vals {
	struct val *v;
	size_t n, cap;
	struct val inl[8];
};

struct hdr {
	struct val folder, from, date, subject, priority, status;
	bool has_folder, has_from, has_date, has_subject;
	struct vals to, cc, bcc;
};

static void vals_push(struct vals *a, const char *s, size_t n)
{
	if (!a->v) {
		a->v = a->inl;
		a->cap = sizeof(a->inl) / sizeof(a->inl[0]);
	}
	if (a->n == a->cap) {
		size_t cap = a->cap * 2;
		struct val *v = a->v == a->inl
		                        ? malloc(cap * sizeof(*v))
		                        : realloc(a->v, cap * sizeof(*v));
		if (!v)
			return;
		if (a->v == a->inl)
			memcpy(v, a->inl, sizeof(a->inl));
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (struct val){s, n};
}

static void vals_free(struct vals *a)
{
	if (a->v != a->inl)
		free(a->v);
}

#define WARN(...)                                                              \
	do {                                                                   \
		if (diag)                                                      \
			ccm_warn(diag->log, diag->file, line, __VA_ARGS__);    \
	} while (0)

/* Takes a once-only field, warning about a second one. */
static void once(struct ccm_row_diag *diag, uint64_t line, struct val *v,
                 bool *seen, const char *s, size_t n, const char *kw)
{
	if (*seen) {
		WARN("a second %s line; the first is kept", kw);
		return;
	}
	*seen = true;
	*v = (struct val){s, n};
}

/* Whether s[0..n) holds a binary byte: a control character other than
 * a tab, or DEL. */
static bool binary_bytes(const char *s, size_t n)
{
	bool binary = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		binary |= (c < 0x20 && c != '\t') || c == 0x7f;
	}
	return binary;
}

/* Whether eight bytes may hold a byte below 0x20 or a 0x7f (a zero once
 * xored): never false when one does. */
static inline bool maybe_binary(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t del = w ^ 0x7f * ones;
	return (((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & 0x80 * ones;
}

/*
 * What a header line holds that the output cannot show: binary bytes,
 * bytes that are no characters of the page (each a warning), characters
 * the output page lacks (diag->lossy). One pass finds the binary bytes
 * and whether any byte is not ASCII, eight bytes a step (the last step
 * overlapping the one before): only bytes of a step that may hold a
 * control character or DEL are looked at one by one. A line of ASCII
 * alone needs no more.
 */
static void check_chars(const struct ccm_cp *cp, struct ccm_row_diag *diag,
                        uint64_t line, const struct ccm_line *l)
{
	bool binary = false;
	uint64_t high = 0, w;
	size_t i = 0;
	for (; i + 8 <= l->n; i += 8) {
		memcpy(&w, l->s + i, 8);
		high |= w;
		if (maybe_binary(w))
			binary |= binary_bytes(l->s + i, 8);
	}
	if (i < l->n && l->n >= 8) {
		memcpy(&w, l->s + l->n - 8, 8);
		high |= w;
		if (maybe_binary(w))
			binary |= binary_bytes(l->s + i, l->n - i);
	} else {
		binary |= binary_bytes(l->s + i, l->n - i);
		for (; i < l->n; i++)
			high |= (unsigned char)l->s[i];
	}
	if (binary)
		WARN("the header line holds binary bytes; they are shown as "
		     "blanks");
	if (!(high & 0x8080808080808080ull) && cp->ascii_whole)
		return;
	size_t bad = ccm_cp_bad(cp, l->s, l->n);
	if (bad)
		WARN("the header line holds %zu bytes that are no characters "
		     "of code page %u; each is written ?",
		     bad, cp->from);
	diag->lossy = diag->lossy || ccm_cp_lossy(cp, l->s, l->n);
}

static void parse(const struct ccm_cp *cp, const char *hdr, size_t n,
                  struct ccm_row_diag *diag, struct hdr *h)
{
	struct ccm_lex lx;
	struct ccm_line l;
	ccm_lex_init(&lx, hdr, n);
	uint64_t base = diag ? diag->line : 0;
	bool priority = false, status = false;
	while (ccm_lex_peek(&lx, &l)) {
		uint64_t line = base + lx.line - 1;
		const char *v;
		size_t vn;
		uint64_t count;
		ccm_lex_next(&lx, &l);
		if (lx.line == 2)
			continue; /* the Message: line */
		/* A keyword is tried only on a line with its first letter
		 * (any case), which rules out most of them at once. */
		int c = l.n ? (unsigned char)l.s[0] | 0x20 : 0;
		if (c == 'c' && ccm_kw(&l, "Contents:", NULL, NULL))
			break;
		if (lx.line == 3 && ccm_is_count(&l, &count))
			continue;
		if (diag) /* only warns and counts */
			check_chars(cp, diag, line, &l);
		if (c == 'f' && ccm_kw(&l, "Folder:", &v, &vn))
			once(diag, line, &h->folder, &h->has_folder, v, vn,
			     "Folder:");
		else if (c == 'f' && ccm_kw(&l, "From:", &v, &vn))
			once(diag, line, &h->from, &h->has_from, v, vn,
			     "From:");
		else if (c == 'd' && ccm_kw(&l, "Date:", &v, &vn))
			once(diag, line, &h->date, &h->has_date, v, vn,
			     "Date:");
		else if (c == 's' && ccm_kw(&l, "Subject:", &v, &vn))
			once(diag, line, &h->subject, &h->has_subject, v, vn,
			     "Subject:");
		else if (c == 'p' && ccm_kw(&l, "Priority:", &v, &vn))
			once(diag, line, &h->priority, &priority, v, vn,
			     "Priority:");
		else if (c == 's' && ccm_kw(&l, "Status:", &v, &vn))
			once(diag, line, &h->status, &status, v, vn, "Status:");
		else if (c == 't' && ccm_kw(&l, "To:", &v, &vn)) {
			if (vn)
				vals_push(&h->to, v, vn);
		} else if (c == 'c' && ccm_kw(&l, "Cc:", &v, &vn)) {
			if (vn)
				vals_push(&h->cc, v, vn);
		} else if (c == 'b' && ccm_kw(&l, "Bcc:", &v, &vn)) {
			if (vn)
				vals_push(&h->bcc, v, vn);
		} else if (c == 'r' && (ccm_kw(&l, "Receipt:", NULL, NULL) ||
		                        ccm_kw(&l, "RRT:", NULL, NULL))) {
			/* No column carries them: kept as ordinary mail. */
		} else if (lx.line == 3 && ccm_is_blank_line(&l) && l.n) {
			WARN("the count line after Message: holds blanks");
		} else if (l.n) {
			const char *colon = memchr(l.s, ':', l.n);
			size_t kn = colon ? (size_t)(colon - l.s) : l.n;
			WARN("unknown header line '%.*s' ignored",
			     (int)(kn > 40 ? 40 : kn), l.s);
		}
	}
}

static bool is_this_po(const struct ccm_po *po, const struct ccm_addr *a)
{
	return !a->po ||
	       ccm_name_eq(&po->cp, a->po, a->pn, po->name.s, po->name.n);
}

/*
 * Where a row goes: its bytes into buf, or, with plan, literal bytes into
 * buf (which the plan drains) and field values to the plan (rowplan.c).
 * With measure, a field value of a page converted byte for byte is only
 * counted, in skipped: the row is then buf's bytes and skipped more.
 */
struct rowout {
	struct ccm_buf *buf;
	struct ccm_planb *plan;
	bool measure;
	size_t skipped;
};

/* One CSV field made of the parts given, converted to the output page. */
static void val(const struct ccm_po *po, struct rowout *o,
                const struct ccm_rowpart *parts, size_t k)
{
	if (o->plan) {
		ccm_planb_val(o->plan, o->buf, parts, k);
		return;
	}
	const struct ccm_cp *cp = &po->cp;
	if (o->measure && cp->one_to_one) {
		struct ccm_csv_len l = {0};
		for (size_t i = 0; i < k; i++)
			ccm_csv_len_add(&l, cp, parts[i].s, parts[i].n);
		o->skipped += ccm_csv_len_end(&l);
		return;
	}
	/* A field is short: converted on the stack, not in a malloc'd
	 * buffer per field (the buffer moves to the heap if it must). */
	char stack[512];
	struct ccm_buf t = {.p = stack, .cap = sizeof(stack), .borrowed = true};
	for (size_t i = 0; i < k; i++)
		ccm_cp_put(cp, parts[i].s, parts[i].n, true, &t);
	/* Quoting is decided on the source characters (spec iff-output §3),
	 * but a page converted byte for byte keeps every ASCII byte. A "
	 * is never a trail byte, so it is doubled in the converted text. */
	struct ccm_csv_scan q = {0};
	if (cp->one_to_one)
		ccm_csv_scan(&q, t.p, t.len);
	else
		for (size_t i = 0; i < k; i++)
			ccm_csv_scan_text(&q, cp, parts[i].s, parts[i].n);
	if (t.oom) {
		o->buf->oom = true;
	} else if (!ccm_csv_scan_end(&q)) {
		ccm_buf_put(o->buf, t.p, t.len);
	} else {
		ccm_buf_putc(o->buf, '"');
		ccm_csv_escape(o->buf, t.p, t.len, false);
		ccm_buf_putc(o->buf, '"');
	}
	ccm_buf_free(&t);
}

static void val1(const struct ccm_po *po, struct rowout *o, const char *s,
                 size_t n, bool hdr)
{
	struct ccm_rowpart p = {s, n, hdr};
	val(po, o, &p, 1);
}

/* An address's display text (spec §6: Sender, To...) as parts of the
 * header; returns how many (at most 6). */
static size_t addr_parts(const struct ccm_po *po, const char *s, size_t n,
                         struct ccm_rowpart *p)
{
	struct ccm_addr a;
	ccm_addr_parse(&po->cp, s, n, &a);
	p[0] = (struct ccm_rowpart){a.name, a.nn, true};
	switch (a.kind) {
	case CCM_ADDR_BOARD:
		return 1;
	case CCM_ADDR_INTERNET:
		p[1] = (struct ccm_rowpart){" [SMTP:", 7, false};
		p[2] = p[0];
		p[3] = (struct ccm_rowpart){"]", 1, false};
		return 4;
	case CCM_ADDR_USER:
		if (is_this_po(po, &a))
			return 1;
		p[1] = (struct ccm_rowpart){" [CCMAIL:", 9, false};
		p[2] = p[0];
		p[3] = (struct ccm_rowpart){" at ", 4, false};
		p[4] = (struct ccm_rowpart){a.po, a.pn, true};
		p[5] = (struct ccm_rowpart){"]", 1, false};
		return 6;
	}
	return 1;
}

/* One address as a field value, converted and quoted. */
static void put_addr(const struct ccm_po *po, const char *s, size_t n,
                     struct rowout *o)
{
	struct ccm_rowpart p[6];
	val(po, o, p, addr_parts(po, s, n, p));
}

static void put_addrs(const struct ccm_po *po, const struct vals *a,
                      struct rowout *o)
{
	for (size_t i = 0; i < a->n; i++) {
		if (i)
			ccm_buf_putc(o->buf, ';');
		put_addr(po, a->v[i].s, a->v[i].n, o);
	}
}

static bool val_is(const struct val *v, const char *s)
{
	return v->n == strlen(s) && ccm_caseeq(v->s, s, v->n);
}

/* Appends s with each '\' character of the page made '_'. */
static void put_level(const struct ccm_cp *cp, const char *s, size_t n,
                      struct ccm_buf *out)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i = ccm_cp_next(cp, s, n, i))
		if (s[i] == '\\') {
			ccm_buf_put(out, s + run, i - run);
			ccm_buf_putc(out, '_');
			run = i + 1;
		}
	ccm_buf_put(out, s + run, n - run);
}

/* A board message's Folder: exactly two levels (spec §7). */
static void put_board_folder(const struct ccm_po *po,
                             const struct ccm_board *board, struct rowout *o)
{
	struct ccm_buf t = {0};
	ccm_buf_puts(&t, "Lotus cc:Mail Bulletin Boards (");
	put_level(&po->cp, po->name.s, po->name.n, &t);
	ccm_buf_puts(&t, ")\\");
	put_level(&po->cp, board->name.s, board->name.n, &t);
	if (t.oom)
		o->buf->oom = true;
	else
		val1(po, o, t.p, t.len, false);
	ccm_buf_free(&t);
}

/* The Exchange name of a cc:Mail top folder, or NULL to keep it. */
static const char *top_folder(const struct val *v, bool *draft)
{
	static const char *const map[][2] = {{"Inbox", "Inbox"},
	                                     {"Message Log", "Sent Items"},
	                                     {"Trash", "Deleted Items"},
	                                     {"Drafts", "Inbox"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (val_is(v, map[i][0])) {
			*draft = i == 3;
			return map[i][1];
		}
	return NULL;
}

/* The end of the folder level that starts at s[i]: the next '\'
 * character (never a trail byte), or n. */
static size_t level_end(const struct ccm_cp *cp, const char *s, size_t n,
                        size_t i)
{
	if (i >= n) /* s may be NULL for an empty folder: no NULL + 0 */
		return n;
	if (!cp->dbcs) {
		const char *e = memchr(s + i, '\\', n - i);
		return e ? (size_t)(e - s) : n;
	}
	while (i < n && s[i] != '\\')
		i = ccm_cp_next(cp, s, n, i);
	return i;
}

/*
 * A message's Folder (spec §6): the first level mapped without regard to
 * case, the others kept, '\' between them, empty levels dropped. Returns
 * whether the folder marks a draft. A path that needs no change goes to
 * the row as the header's own bytes.
 */
static bool put_msg_folder(const struct ccm_po *po, const struct val *folder,
                           struct rowout *o)
{
	const struct ccm_cp *cp = &po->cp;
	const char *s = folder->s;
	size_t n = folder->n;
	bool draft = false, kept = false, changed = false;
	char stack[256];
	struct ccm_buf t = {.p = stack, .cap = sizeof(stack), .borrowed = true};
	for (size_t b = 0, i = 0; b <= n; b = ++i) {
		i = level_end(cp, s, n, i);
		if (i == b) {
			changed |= n > 0; /* an empty level, dropped */
			continue;
		}
		struct val level = {s + b, i - b};
		const char *top = t.len ? NULL : top_folder(&level, &draft);
		if (t.len)
			ccm_buf_putc(&t, '\\');
		if (top)
			ccm_buf_puts(&t, top);
		else
			ccm_buf_put(&t, level.s, level.n);
		kept |= !top;
		changed |= top != NULL;
	}
	if (!t.len)
		ccm_buf_puts(&t, "Inbox");
	if (t.oom)
		o->buf->oom = true;
	else if (!kept) /* an Exchange name alone: nothing to quote */
		ccm_buf_put(o->buf, t.p, t.len);
	else if (!changed)
		val1(po, o, s, n, true);
	else
		val1(po, o, t.p, t.len, false);
	ccm_buf_free(&t);
	return draft;
}

/* The Folder column (spec §6, and §7 for boards); true for a draft. */
static bool put_folder(const struct ccm_po *po, const struct hdr *h,
                       const struct ccm_board *board, struct rowout *o)
{
	if (board) {
		put_board_folder(po, board, o);
		return false;
	}
	return put_msg_folder(po, &h->folder, o);
}

/* The Send-Date and Received-Date columns, and the comma after them. */
static void put_dates(const struct ccm_po *po, const struct hdr *h,
                      struct ccm_row_diag *diag, struct ccm_buf *out)
{
	uint64_t line = diag ? diag->line : 0;
	char date[15];
	bool dated = false;
	if (!h->has_date)
		WARN("the message has no Date: line");
	else if (ccm_date_parse(h->date.s, h->date.n, po->date_order, date))
		dated = true;
	else
		WARN("invalid date '%.*s'; the message keeps no date",
		     (int)(h->date.n > 40 ? 40 : h->date.n), h->date.s);
	if (dated) {
		ccm_buf_put(out, date, 14);
		ccm_buf_putc(out, ',');
		ccm_buf_put(out, date, 14);
	} else {
		ccm_buf_putc(out, ',');
	}
	ccm_buf_putc(out, ',');
}

static void build(const struct ccm_po *po, const char *hdr, size_t n,
                  const struct ccm_board *board, struct ccm_row_diag *diag,
                  struct rowout *o)
{
	struct ccm_buf *out = o->buf;
	/* Set field by field: the recipients' inline arrays are big and
	 * need no zeroing. */
	struct hdr h;
	memset(&h, 0, offsetof(struct hdr, to));
	h.to.v = h.cc.v = h.bcc.v = NULL;
	h.to.n = h.cc.n = h.bcc.n = 0;
	h.to.cap = h.cc.cap = h.bcc.cap = 0;
	uint64_t line = diag ? diag->line : 0;
	parse(&po->cp, hdr, n, diag, &h);

	bool draft = put_folder(po, &h, board, o);
	ccm_buf_putc(out, ',');
	if (h.from.n)
		put_addr(po, h.from.s, h.from.n, o);
	ccm_buf_putc(out, ',');
	if (board)
		val1(po, o, board->name.s, board->name.n, false);
	else
		put_addrs(po, &h.to, o);
	ccm_buf_putc(out, ',');
	/* A board is public: no Cc, and above all no Bcc, shows there. */
	if (!board)
		put_addrs(po, &h.cc, o);
	ccm_buf_putc(out, ',');
	if (!board)
		put_addrs(po, &h.bcc, o);
	ccm_buf_putc(out, ',');
	val1(po, o, h.subject.s, h.subject.n, true);
	ccm_buf_putc(out, ',');

	put_dates(po, &h, diag, out);
	const char *prio = "0";
	if (val_is(&h.priority, "Urgent"))
		prio = "1";
	else if (val_is(&h.priority, "Low"))
		prio = "-1";
	else if (h.priority.n && !val_is(&h.priority, "Normal"))
		WARN("unknown priority '%.*s'; Normal is written",
		     (int)(h.priority.n > 20 ? 20 : h.priority.n),
		     h.priority.s);
	ccm_buf_puts(out, prio);
	ccm_buf_putc(out, ',');
	bool unread = val_is(&h.status, "Unread");
	if (val_is(&h.status, "Draft"))
		draft = true;
	else if (h.status.n && !unread && !val_is(&h.status, "Read"))
		WARN("unknown status '%.*s'; Read is written",
		     (int)(h.status.n > 20 ? 20 : h.status.n), h.status.s);
	ccm_buf_puts(out, unread ? "TRUE," : "FALSE,");
	ccm_buf_puts(out, draft ? "TRUE," : "FALSE,");
	vals_free(&h.to);
	vals_free(&h.cc);
	vals_free(&h.bcc);
}

void ccm_row_build(const struct ccm_po *po, const char *hdr, size_t n,
                   const struct ccm_board *board, struct ccm_row_diag *diag,
                   struct ccm_buf *out)
{
	struct rowout o = {out, NULL, false, 0};
	build(po, hdr, n, board, diag, &o);
}

size_t ccm_row_len(const struct ccm_po *po, const char *hdr, size_t n,
                   const struct ccm_board *board, struct ccm_row_diag *diag,
                   bool *oom)
{
	/* What is still written (commas, dates, flags...) is short. */
	char stack[512];
	struct ccm_buf lit = {
	        .p = stack, .cap = sizeof(stack), .borrowed = true};
	struct rowout o = {&lit, NULL, true, 0};
	build(po, hdr, n, board, diag, &o);
	*oom = lit.oom;
	size_t len = lit.len + o.skipped;
	ccm_buf_free(&lit);
	return len;
}

void ccm_row_plan(const struct ccm_po *po, const char *hdr, size_t n,
                  const struct ccm_board *board, struct ccm_row_diag *diag,
                  struct ccm_planb *plan)
{
	struct ccm_buf lit = {0};
	struct rowout o = {&lit, plan, false, 0};
	build(po, hdr, n, board, diag, &o);
	ccm_planb_end(plan, &lit);
	ccm_buf_free(&lit);
}
