/*
 * The Maildir and .eml trees of a post office's folder.
 *
 * The tree is grown first as linked nodes (each folder's children in the
 * order they were added), with one hash table that answers both "is this
 * name taken in that folder" (names must be unique) and "which folder
 * did this cc:Mail folder become" (two cc:Mail names can clean to the
 * same name and must stay two folders). It is then laid out breadth
 * first, which gives every folder's children consecutive node numbers as
 * struct ccm_node wants; nodes.c then sorts each folder's children by
 * name for lookup. The rules of the names are in mailname.c and core/README.md.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailidx.h"
#include "mailname.h"
#include "mailtree.h"
#include "nodes.h"

struct tnode {
	const char *name; /* final, in the arena */
	const char *key;  /* folders: the cc:Mail name it stands for */
	uint64_t size;
	int64_t mtime;
	uint32_t parent, first, last, next;
	uint32_t cur; /* Maildir folders: their cur/ */
	uint32_t arg;
	uint8_t kind;
	bool inbox; /* a mailbox's Maildir root: Dovecot's INBOX */
};

struct tree {
	struct ccm_po *po;
	bool maildir;
	CCM_ARRAY(struct tnode) t;
	/* Open addressing: node << 1 | 1 for a key, node << 1 for a name;
	 * UINT32_MAX is empty. */
	uint32_t *slot;
	size_t nslot, used;
	/* Base names found taken, with the suffix they last got (unique). */
	struct taken *tk;
	size_t ntk, tkused;
	struct ccm_cp u8;
	bool u8_ready, oom;
};

/* A base name of folder parent that was found taken, and the suffix
 * (~k) it last got; base is in the arena, ext one of the callers'
 * literals. */
struct taken {
	const char *base, *ext;
	size_t n;
	uint32_t parent;
	unsigned k;
};

#define EMPTY UINT32_MAX

static uint64_t hash(uint32_t parent, unsigned tag, const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = (h ^ parent) * 0x100000001b3ull;
	h = (h ^ tag) * 0x100000001b3ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static const char *slot_text(const struct tree *tr, uint32_t v)
{
	const struct tnode *x = &tr->t.v[v >> 1];
	return v & 1 ? x->key : x->name;
}

static uint32_t find(const struct tree *tr, uint32_t parent, unsigned tag,
                     const char *s, size_t n)
{
	if (!tr->nslot)
		return CCM_NONE;
	size_t mask = tr->nslot - 1;
	for (size_t i = hash(parent, tag, s, n) & mask; tr->slot[i] != EMPTY;
	     i = (i + 1) & mask) {
		uint32_t v = tr->slot[i];
		const char *x = slot_text(tr, v);
		if ((v & 1) == tag && tr->t.v[v >> 1].parent == parent &&
		    !strncmp(x, s, n) && x[n] == '\0')
			return v >> 1;
	}
	return CCM_NONE;
}

static void put_slot(uint32_t *slot, size_t nslot, uint64_t h, uint32_t v)
{
	size_t i = h & (nslot - 1);
	while (slot[i] != EMPTY)
		i = (i + 1) & (nslot - 1);
	slot[i] = v;
}

static uint64_t slot_hash(const struct tree *tr, uint32_t v)
{
	const char *s = slot_text(tr, v);
	return hash(tr->t.v[v >> 1].parent, v & 1, s, strlen(s));
}

/* Adds node's name (tag 0) or key (tag 1); grows the table at half full. */
static bool insert(struct tree *tr, uint32_t node, unsigned tag)
{
	if ((tr->used + 1) * 2 > tr->nslot) {
		size_t n = tr->nslot ? tr->nslot * 2 : 1024;
		uint32_t *slot = malloc(n * sizeof(*slot));
		if (!slot)
			return false;
		memset(slot, 0xff, n * sizeof(*slot));
		for (size_t i = 0; i < tr->nslot; i++)
			if (tr->slot[i] != EMPTY)
				put_slot(slot, n, slot_hash(tr, tr->slot[i]),
				         tr->slot[i]);
		free(tr->slot);
		tr->slot = slot;
		tr->nslot = n;
	}
	uint32_t v = node << 1 | tag;
	put_slot(tr->slot, tr->nslot, slot_hash(tr, v), v);
	tr->used++;
	return true;
}

/* The entry of base[0..n) + ext in parent: found, or the empty one where
 * it goes (its base NULL); NULL when the table is empty. */
static struct taken *taken_slot(const struct tree *tr, uint32_t parent,
                                const char *base, size_t n, const char *ext)
{
	if (!tr->ntk)
		return NULL;
	size_t mask = tr->ntk - 1;
	for (size_t i = hash(parent, 2, base, n) & mask;; i = (i + 1) & mask) {
		struct taken *e = &tr->tk[i];
		if (!e->base || (e->parent == parent && e->ext == ext &&
		                 e->n == n && !memcmp(e->base, base, n)))
			return e;
	}
}

/* Notes that base[0..n) + ext in parent got suffix k; false when out of
 * memory. */
static bool taken_note(struct tree *tr, uint32_t parent, const char *base,
                       size_t n, const char *ext, unsigned k)
{
	struct taken *e = taken_slot(tr, parent, base, n, ext);
	if (e && e->base) {
		e->k = k;
		return true;
	}
	if ((tr->tkused + 1) * 2 > tr->ntk) {
		size_t nn = tr->ntk ? tr->ntk * 2 : 256;
		struct taken *old = tr->tk, *v = calloc(nn, sizeof(*v));
		if (!v)
			return false;
		size_t on = tr->ntk;
		tr->tk = v;
		tr->ntk = nn;
		for (size_t i = 0; i < on; i++)
			if (old[i].base)
				*taken_slot(tr, old[i].parent, old[i].base,
				            old[i].n, old[i].ext) = old[i];
		free(old);
	}
	const char *copy = ccm_arena_strndup(&tr->po->src->arena, base, n);
	if (!copy)
		return false;
	*taken_slot(tr, parent, base, n, ext) = (struct taken){
	        .base = copy, .ext = ext, .n = n, .parent = parent, .k = k};
	tr->tkused++;
	return true;
}

/*
 * base[0..n) made unique in parent (~2, ~3...), with ext, in the arena.
 * A base found taken before starts after the suffix it last got: every
 * lower one was taken then and still is (names are only ever added), so
 * the name is the one a count from ~2 gives, and a thousand messages of
 * one date and subject cost a thousand lookups, not half a million.
 */
static const char *unique(struct tree *tr, uint32_t parent, const char *base,
                          size_t n, const char *ext)
{
	char name[CCM_NAME_MAX + 1];
	size_t len = 0;
	const struct taken *e = taken_slot(tr, parent, base, n, ext);
	unsigned k = e && e->base ? e->k + 1 : 1;
	for (; k; k++) {
		len = ccm_mailname_fit(base, n, k, ext, name);
		if (find(tr, parent, 0, name, len) == CCM_NONE)
			break;
	}
	if (k > 1 && !taken_note(tr, parent, base, n, ext, k)) {
		tr->oom = true;
		return NULL;
	}
	return ccm_arena_strndup(&tr->po->src->arena, name, len);
}

/* A new node, last child of parent, its name registered; CCM_NONE when
 * out of memory. */
static uint32_t add(struct tree *tr, uint32_t parent, unsigned kind,
                    const char *name, const char *key)
{
	if (!name || tr->t.n >= (1u << 30)) {
		tr->oom = true;
		return CCM_NONE;
	}
	uint32_t i = (uint32_t)tr->t.n;
	struct tnode *x = CCM_PUSH(tr->t);
	if (!x) {
		tr->oom = true;
		return CCM_NONE;
	}
	*x = (struct tnode){.name = name,
	                    .key = key,
	                    .parent = parent,
	                    .first = CCM_NONE,
	                    .last = CCM_NONE,
	                    .next = CCM_NONE,
	                    .cur = CCM_NONE,
	                    .kind = kind};
	if (i != parent) {
		struct tnode *p = &tr->t.v[parent];
		if (p->last == CCM_NONE)
			p->first = i;
		else
			tr->t.v[p->last].next = i;
		p->last = i;
	}
	if (i != parent && (!insert(tr, i, 0) || (key && !insert(tr, i, 1)))) {
		tr->oom = true;
		return CCM_NONE;
	}
	return i;
}

/* A folder of the tree named from the UTF-8 text s[0..n): a Maildir one
 * gets its cur/, new/ and tmp/ at once, so that no sub-folder takes those
 * names. key (in the arena, or NULL) is what it is found by. */
static uint32_t folder(struct tree *tr, uint32_t parent, const char *s,
                       size_t n, const char *key)
{
	struct ccm_buf b = {0};
	ccm_mailname_clean(&b, s, n);
	/* Dovecot's INBOX is the Maildir root, whatever the case; it also
	 * reads a name "INBOX~2" as INBOX's "~2" and refuses it, so the
	 * name gets a '_' rather than only a ~2. */
	if (tr->maildir && tr->t.v[parent].inbox && b.len == 5 &&
	    !strncasecmp(b.p, "INBOX", 5))
		ccm_buf_putc(&b, '_');
	const char *name = b.oom ? NULL : unique(tr, parent, b.p, b.len, "");
	ccm_buf_free(&b);
	uint32_t d = add(tr, parent, CCM_NODE_DIR, name, key);
	if (d == CCM_NONE || !tr->maildir)
		return d;
	uint32_t cur = add(tr, d, CCM_NODE_DIR, "cur", NULL);
	tr->t.v[d].cur = cur; /* after add: it may move the nodes */
	add(tr, d, CCM_NODE_DIR, "new", NULL);
	add(tr, d, CCM_NODE_DIR, "tmp", NULL);
	return d;
}

/* A name of the post office (mailbox, board) in UTF-8 (page 65001), as a
 * folder. */
static uint32_t po_folder(struct tree *tr, uint32_t parent,
                          const struct ccm_str *s)
{
	bool ascii = true;
	for (size_t i = 0; i < s->n; i++)
		ascii &= (unsigned char)s->s[i] < 0x80;
	if (ascii)
		return folder(tr, parent, s->s, s->n, NULL);
	if (!tr->u8_ready) {
		if (ccm_cp_init(&tr->u8, tr->po->src_cp, 65001)) {
			tr->oom = true;
			return CCM_NONE;
		}
		tr->u8_ready = true;
	}
	struct ccm_buf b = {0};
	ccm_cp_put(&tr->u8, s->s, s->n, false, &b); /* controls: clean() */
	uint32_t d = b.oom ? CCM_NONE : folder(tr, parent, b.p, b.len, NULL);
	tr->oom |= b.oom;
	ccm_buf_free(&b);
	return d;
}

/* The folder of one level of a cc:Mail path below parent (the first
 * level mapped as the IFF view maps it), made on first use. */
static uint32_t level(struct tree *tr, uint32_t parent, const char *s, size_t n,
                      bool first)
{
	bool inbox;
	const char *shown = first ? ccm_mailname_first(s, n, &inbox) : NULL;
	if (shown && inbox && tr->maildir)
		return parent;
	if (shown) {
		s = shown;
		n = strlen(shown);
	}
	uint32_t d = find(tr, parent, 1, s, n);
	if (d != CCM_NONE)
		return d;
	const char *key = ccm_arena_strndup(&tr->po->src->arena, s, n);
	if (!key) {
		tr->oom = true;
		return CCM_NONE;
	}
	return folder(tr, parent, s, n, key);
}

/* The folder a message of mailbox root goes in (folder: "a\b\c"). */
static uint32_t msg_folder(struct tree *tr, uint32_t root, const char *path)
{
	uint32_t d = root;
	bool first = true;
	for (const char *s = path; d != CCM_NONE && *s;) {
		size_t n = strcspn(s, "\\");
		if (n) {
			d = level(tr, d, s, n, first);
			first = false;
		}
		s += n + (s[n] == '\\');
	}
	return d;
}

/* Message msg, number seq of its mailbox or board, as a file of d. */
static void message(struct tree *tr, uint32_t d, uint32_t msg, uint32_t seq,
                    const struct ccm_mail_info *in)
{
	uint64_t size = ccm_mail_size(tr->po, msg);
	char stack[CCM_NAME_MAX + 1]; /* most names fit: no malloc */
	struct ccm_buf b = {.p = stack, .cap = sizeof(stack), .borrowed = true};
	const char *name = NULL;
	if (tr->maildir) {
		d = tr->t.v[d].cur;
		ccm_mailname_maildir(&b, in->has_date ? in->date : 0, seq, size,
		                     in->draft, in->unread);
		/* Unique by construction: seq differs. */
		if (!b.oom)
			name = ccm_arena_strndup(&tr->po->src->arena, b.p,
			                         b.len);
	} else {
		ccm_mailname_eml(&b, in->date, in->has_date, in->subject);
		if (!b.oom)
			name = unique(tr, d, b.p, b.len, ".eml");
	}
	ccm_buf_free(&b);
	uint32_t f = add(tr, d, CCM_NODE_MAIL, name, NULL);
	if (f == CCM_NONE)
		return;
	tr->t.v[f].size = size;
	/* The date is local time read as UTC; the zone's offset on it
	 * (-o tz) makes it the true instant, IMAP's INTERNALDATE. */
	tr->t.v[f].mtime =
	        in->has_date
	                ? in->date - (int64_t)tr->po->mail->msgs[msg].tzoff * 60
	                : 0;
	tr->t.v[f].arg = msg;
}

/* Messages [msg0, msg0 + n) into the tree of root; boards ignore the
 * messages' folders (a board is one folder). */
static void messages(struct tree *tr, uint32_t root, uint32_t msg0, uint32_t n,
                     const struct ccm_mail_info *infos, bool board)
{
	for (uint32_t k = 0; k < n && !tr->oom; k++) {
		uint32_t m = msg0 + k;
		if (tr->po->msgs.v[m].flags & CCM_MSG_DROPPED)
			continue;
		uint32_t d =
		        board ? root : msg_folder(tr, root, infos[m].folder);
		if (d != CCM_NONE)
			message(tr, d, m, k + 1, &infos[m]);
	}
}

static void report(struct tree *tr)
{
	struct ccm_po *po = tr->po;
	for (uint32_t i = 0; i < po->files.n; i++) {
		if (po->files.v[i].kind != CCM_OF_REPORT)
			continue;
		uint32_t f = add(tr, 0, CCM_NODE_FILE, "REPORT.TXT", NULL);
		if (f == CCM_NONE)
			return;
		tr->t.v[f].size = po->files.v[i].size;
		tr->t.v[f].arg = i;
	}
}

/* The linked tree: REPORT.TXT, Bulletin Boards, then the mailboxes, so
 * that a mailbox named like either gets ~2 rather than they. */
static void grow(struct tree *tr, const struct ccm_mail_info *infos)
{
	struct ccm_po *po = tr->po;
	add(tr, 0, CCM_NODE_DIR, po->folder, NULL);
	report(tr);
	uint32_t boards = CCM_NONE;
	if (po->boards.n)
		boards = add(tr, 0, CCM_NODE_DIR, "Bulletin Boards", NULL);
	for (size_t i = 0; i < po->mailboxes.n && !tr->oom; i++) {
		const struct ccm_mailbox *mb = &po->mailboxes.v[i];
		uint32_t d = po_folder(tr, 0, &mb->name);
		if (d == CCM_NONE)
			break;
		tr->t.v[d].inbox = true;
		messages(tr, d, mb->msg0, mb->nmsg, infos, false);
	}
	for (size_t i = 0; i < po->boards.n && !tr->oom; i++) {
		const struct ccm_board *bd = &po->boards.v[i];
		uint32_t d = po_folder(tr, boards, &bd->name);
		if (d == CCM_NONE)
			break;
		tr->t.v[d].inbox = true;
		messages(tr, d, bd->msg0, bd->nmsg, infos, true);
	}
}

/* Breadth first: each folder's children get consecutive numbers, its
 * folders before its files (the order ccm_node_child promises). */
static ccm_err lay_out(struct tree *tr)
{
	struct ccm_po *po = tr->po;
	size_t n = tr->t.n;
	uint32_t *order = malloc(n * sizeof(*order));
	uint32_t *num = malloc(n * sizeof(*num));
	struct ccm_node *v = calloc(n, sizeof(*v));
	if (!order || !num || !v) {
		free(order), free(num), free(v);
		return CCM_ERR_NOMEM;
	}
	size_t next = 1;
	order[0] = num[0] = 0;
	for (size_t q = 0; q < next; q++)
		for (int files = 0; files < 2; files++)
			for (uint32_t c = tr->t.v[order[q]].first;
			     c != CCM_NONE; c = tr->t.v[c].next) {
				if ((tr->t.v[c].kind != CCM_NODE_DIR) != files)
					continue;
				num[c] = (uint32_t)next;
				order[next++] = c;
			}
	po->names.n = 0;
	for (size_t q = 0; q < n; q++) {
		const struct tnode *x = &tr->t.v[order[q]];
		uint32_t name;
		if (ccm_nodes_name(po, x->name, &name)) {
			free(order), free(num), free(v);
			return CCM_ERR_NOMEM;
		}
		v[q] = (struct ccm_node){.name = name,
		                         .size = x->size,
		                         .mtime = x->mtime,
		                         .parent = num[x->parent],
		                         .arg = x->arg,
		                         .kind = x->kind};
		if (q && !v[v[q].parent].nchild++)
			v[v[q].parent].child0 = (uint32_t)q;
	}
	free(order);
	free(num);
	free(po->nodes.v);
	po->nodes.v = v;
	po->nodes.n = po->nodes.cap = n;
	return ccm_nodes_sort(po);
}

ccm_err ccm_mailtree_build(struct ccm_po *po, const struct ccm_mail_info *infos)
{
	struct tree tr = {.po = po,
	                  .maildir = po->src->opts.view == CCM_VIEW_MAILDIR};
	grow(&tr, infos);
	ccm_err err = tr.oom ? CCM_ERR_NOMEM : lay_out(&tr);
	if (tr.u8_ready)
		ccm_cp_fini(&tr.u8);
	free(tr.slot);
	free(tr.tk);
	free(tr.t.v);
	return err;
}
