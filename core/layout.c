/*
 * The layout of a post office's folder (spec iff-output §1, §4 to §7):
 * which mailboxes there are and in what order, their aliases, which SEC
 * file and offset each message gets, every file's name and exact size,
 * and the counts of REPORT.TXT. The text of the small files (PKL,
 * DIRECTORY.PRI, REPORT.TXT, PRI prefixes) is written by smalltext.c and
 * report.c; the layout keeps it whole in memory and sizes files by it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "lossy.h"
#include "names.h"
#include "report.h"
#include "smalltext.h"

#define SEC_HEADER_LEN 50 /* "Type,Length,...,Format" and CR LF */

static struct ccm_str keep_buf(struct ccm_po *po, struct ccm_buf *b)
{
	if (b->oom)
		return (struct ccm_str){NULL, 0};
	char *p = ccm_arena_strndup(&po->src->arena, b->p ? b->p : "", b->len);
	return (struct ccm_str){p, p ? b->len : 0};
}

/* The comparators take the post office's code page (qsort_r). */
static int cmp_mailbox(const void *a, const void *b, void *cp)
{
	const struct ccm_mailbox *x = a, *y = b;
	int r = ccm_name_cmp(cp, x->name.s, x->name.n, y->name.s, y->name.n);
	if (r)
		return r;
	/* Same name: the file read first comes first. */
	return x->file < y->file ? -1 : x->file > y->file;
}

/* Names equal but for case side by side, the file read first first. */
static int cmp_mailbox_file(const void *a, const void *b, void *cp)
{
	const struct ccm_mailbox *x = a, *y = b;
	int r = ccm_name_cicmp(cp, x->name.s, x->name.n, y->name.s, y->name.n);
	if (r)
		return r;
	return x->file < y->file ? -1 : x->file > y->file;
}

static int cmp_dirent(const void *a, const void *b, void *cp)
{
	const struct ccm_dirent *x = a, *y = b;
	return ccm_name_cmp(cp, x->name.s, x->name.n, y->name.s, y->name.n);
}

/* The directory entry of a name, a local user's first (sorted array). */
static const struct ccm_dirent *find_dirent(const struct ccm_po *po,
                                            const struct ccm_str *name)
{
	size_t lo = 0, hi = po->dir_entries.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct ccm_dirent *d = &po->dir_entries.v[mid];
		if (ccm_name_cicmp(&po->cp, d->name.s, d->name.n, name->s,
		                   name->n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct ccm_dirent *hit = NULL;
	for (size_t i = lo; i < po->dir_entries.n; i++) {
		const struct ccm_dirent *d = &po->dir_entries.v[i];
		if (ccm_name_cicmp(&po->cp, d->name.s, d->name.n, name->s,
		                   name->n))
			break;
		if (d->loc == 'L')
			return d;
		if (!hit)
			hit = d;
	}
	return hit;
}

/*
 * Local users with no mailbox file still get a mailbox (KB Q194218). The
 * first `files` mailboxes (those of files) and the directory are sorted,
 * so a search finds a user's file.
 */
static ccm_err add_local_users(struct ccm_po *po, size_t files)
{
	for (size_t i = 0; i < po->dir_entries.n; i++) {
		const struct ccm_dirent *d = &po->dir_entries.v[i];
		if (d->loc != 'L')
			continue;
		if (i && po->dir_entries.v[i - 1].loc == 'L' &&
		    ccm_name_eq(&po->cp, po->dir_entries.v[i - 1].name.s,
		                po->dir_entries.v[i - 1].name.n, d->name.s,
		                d->name.n))
			continue;
		bool have = false;
		for (size_t lo = 0, hi = files; lo < hi && !have;) {
			size_t mid = (lo + hi) / 2;
			const struct ccm_mailbox *mb = &po->mailboxes.v[mid];
			int r = ccm_name_cicmp(&po->cp, mb->name.s, mb->name.n,
			                       d->name.s, d->name.n);
			if (!r)
				have = true;
			else if (r < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (have)
			continue;
		struct ccm_mailbox *mb = CCM_PUSH(po->mailboxes);
		if (!mb)
			return CCM_ERR_NOMEM;
		*mb = (struct ccm_mailbox){0};
		mb->name = d->name;
		mb->comment = d->comment;
		mb->file = CCM_NONE;
		mb->list0 = (uint32_t)po->plists.n;
	}
	return CCM_OK;
}

/* Which mailboxes the post office has (spec export §5, §9). */
static ccm_err merge_mailboxes(struct ccm_po *po)
{
	/* qsort's array must not be NULL, even with no element. */
	if (po->mailboxes.n)
		qsort_r(po->mailboxes.v, po->mailboxes.n,
		        sizeof(*po->mailboxes.v), cmp_mailbox_file, &po->cp);
	size_t out = 0;
	for (size_t i = 0; i < po->mailboxes.n; i++) {
		struct ccm_mailbox *mb = &po->mailboxes.v[i];
		if (out && ccm_name_eq(&po->cp, po->mailboxes.v[out - 1].name.s,
		                       po->mailboxes.v[out - 1].name.n,
		                       mb->name.s, mb->name.n)) {
			const struct ccm_srcfile *f =
			        &po->src->files.v[mb->file];
			const struct ccm_srcfile *kept =
			        &po->src->files
			                 .v[po->mailboxes.v[out - 1].file];
			ccm_leftout(&po->log, f, 1,
			            "a second mailbox file for '%.*s'; its %u "
			            "messages are left out (%s is used)",
			            (int)mb->name.n, mb->name.s, mb->nmsg,
			            ccm_srcfile_rel(kept));
			for (uint32_t k = 0; k < mb->nmsg; k++)
				po->msgs.v[mb->msg0 + k].flags |=
				        CCM_MSG_DROPPED;
			continue;
		}
		po->mailboxes.v[out++] = *mb;
	}
	po->mailboxes.n = out;

	if (po->dir_entries.n)
		qsort_r(po->dir_entries.v, po->dir_entries.n,
		        sizeof(*po->dir_entries.v), cmp_dirent, &po->cp);
	size_t files = po->mailboxes.n;
	for (size_t i = 0; i < files; i++) {
		struct ccm_mailbox *mb = &po->mailboxes.v[i];
		const struct ccm_dirent *d = find_dirent(po, &mb->name);
		if (d)
			mb->comment = d->comment;
		else if (po->dir_entries.n)
			ccm_warn(&po->log, &po->src->files.v[mb->file], 1,
			         "the mailbox '%.*s' is named in no directory "
			         "entry; it is kept",
			         (int)mb->name.n, mb->name.s);
	}
	ccm_err err = add_local_users(po, files);
	if (err)
		return err;
	if (po->mailboxes.n)
		qsort_r(po->mailboxes.v, po->mailboxes.n,
		        sizeof(*po->mailboxes.v), cmp_mailbox, &po->cp);
	return CCM_OK;
}

static char *alias_of(struct ccm_po *po, const struct ccm_str *name)
{
	char *a = ccm_arena_alloc(&po->src->arena, CCM_ALIAS_MAX + 1);
	if (a)
		ccm_alias_base(po->src_cp, name->s, name->n, a);
	return a;
}

static ccm_err aliases(struct ccm_po *po)
{
	size_t n = po->mailboxes.n + po->lists.n;
	char **all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return CCM_ERR_NOMEM;
	size_t k = 0;
	for (size_t i = 0; i < po->mailboxes.n; i++)
		all[k++] = po->mailboxes.v[i].alias =
		        alias_of(po, &po->mailboxes.v[i].name);
	for (size_t i = 0; i < po->lists.n; i++)
		all[k++] = po->lists.v[i].alias =
		        alias_of(po, &po->lists.v[i].name);
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		ok &= all[i] != NULL;
	if (ok)
		ccm_alias_dedupe(all, n);
	free(all);
	return ok ? CCM_OK : CCM_ERR_NOMEM;
}

static ccm_err prefixes(struct ccm_po *po)
{
	for (size_t i = 0; i < po->mailboxes.n; i++) {
		struct ccm_mailbox *mb = &po->mailboxes.v[i];
		struct ccm_buf b = {0};
		ccm_pri_prefix(po, mb, &b);
		mb->prefix = keep_buf(po, &b);
		ccm_buf_free(&b);
		if (!mb->prefix.s)
			return CCM_ERR_NOMEM;
	}
	struct ccm_buf b = {0};
	ccm_boards_prefix(&b);
	po->boards_prefix = keep_buf(po, &b);
	ccm_buf_free(&b);
	return po->boards_prefix.s ? CCM_OK : CCM_ERR_NOMEM;
}

static struct ccm_ofile *add_file(struct ccm_po *po, enum ccm_ofile_kind kind,
                                  uint32_t arg, uint64_t size, const char *fmt,
                                  unsigned num)
{
	struct ccm_ofile *f = CCM_PUSH(po->files);
	if (!f)
		return NULL;
	/* Whole, name's room included: the index file holds every byte. */
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->arg = arg;
	f->size = size;
	snprintf(f->name, sizeof(f->name), fmt, num);
	return f;
}

/* The most a row's Body pointer adds: "#00000001.SEC(" offset ")" CR LF. */
#define ROW_PTR_MAX (14 + 20 + 1 + 2)

/*
 * One PRI: its messages [a, b) get rows and sections. Sections go to SEC
 * files of their own, split before the split size; a message that cannot
 * fit even an empty SEC file is left out.
 */
static ccm_err place(struct ccm_po *po, uint64_t prefix, uint32_t a, uint32_t b,
                     enum ccm_ofile_kind kind, uint32_t arg, unsigned pri_no)
{
	uint64_t split =
	        po->src->opts.sec_split ? po->src->opts.sec_split : 2147483647u;
	uint64_t pri = prefix;
	struct ccm_sec *sec = NULL;
	size_t first_sec = po->secs.n;
	for (uint32_t i = a; i < b; i++) {
		struct ccm_msg *m = &po->msgs.v[i];
		uint64_t len = m->sec_off;
		if (!(m->flags & CCM_MSG_DROPPED) &&
		    SEC_HEADER_LEN + len > split) {
			m->flags |= CCM_MSG_DROPPED;
			ccm_leftout(
			        &po->log, &po->src->files.v[m->file], m->line,
			        "message left out: its sections, with their "
			        "blank lines, are longer than the split size "
			        "less the column header line (%llu bytes, "
			        "more than %llu - %d)",
			        (unsigned long long)len,
			        (unsigned long long)split, SEC_HEADER_LEN);
		}
		if (!(m->flags & CCM_MSG_DROPPED) &&
		    pri + m->row_len + ROW_PTR_MAX > CCM_OFF_MAX) {
			m->flags |= CCM_MSG_DROPPED;
			ccm_leftout(&po->log, &po->src->files.v[m->file],
			            m->line,
			            "message left out: its PRI file would pass "
			            "256 TiB");
		}
		m->pri_off = pri;
		if (m->flags & CCM_MSG_DROPPED) {
			m->sec_off = sec ? (uint32_t)sec->size : 0;
			m->row_len = 0;
			continue;
		}
		if (!sec || sec->size + len > split) {
			sec = CCM_PUSH(po->secs);
			if (!sec)
				return CCM_ERR_NOMEM;
			*sec = (struct ccm_sec){i, i, SEC_HEADER_LEN};
		}
		m->sec_off = (uint32_t)sec->size; /* at most split */
		sec->size += len;
		sec->msg1 = i + 1;
		/* "#00000001.SEC(" offset ")" CR LF */
		m->row_len += 14 + ccm_digits(m->sec_off) + 1 + 2;
		pri += m->row_len;
	}
	if (!add_file(po, kind, arg, pri, "%08u.PRI", pri_no))
		return CCM_ERR_NOMEM;
	for (size_t s = first_sec; s < po->secs.n; s++)
		if (!add_file(po, CCM_OF_SEC, (uint32_t)s, po->secs.v[s].size,
		              "%08u.SEC", (unsigned)s + 1))
			return CCM_ERR_NOMEM;
	return CCM_OK;
}

/* The counts REPORT.TXT and ccm_po_stats give, once every file but the
 * report is sized (the report's own size is not among the bytes). */
static void count(struct ccm_po *po)
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
	st->warnings = po->log.warnings;
	st->left_out = po->log.left_out;
}

static int cmp_sec_msg0(const void *a, const void *b, void *ctx)
{
	const struct ccm_po *po = ctx;
	uint32_t x = po->secs.v[*(const uint32_t *)a].msg0;
	uint32_t y = po->secs.v[*(const uint32_t *)b].msg0;
	return x < y ? -1 : x > y;
}

static int cmp_by_name(const void *a, const void *b, void *ctx)
{
	const struct ccm_po *po = ctx;
	const struct ccm_ofile *fa = &po->files.v[*(const uint32_t *)a];
	const struct ccm_ofile *fb = &po->files.v[*(const uint32_t *)b];
	return strcmp(fa->name, fb->name);
}

static int cmp_plan(const void *a, const void *b)
{
	const struct ccm_rowplan *x = a, *y = b;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->hdr_off > y->hdr_off) - (x->hdr_off < y->hdr_off);
}

ccm_err ccm_layout(struct ccm_po *po)
{
	/* Render finds a message's plan by binary search. */
	if (po->plans.n)
		qsort(po->plans.v, po->plans.n, sizeof(po->plans.v[0]),
		      cmp_plan);
	CCM_SHRINK(po->pieces);
	CCM_SHRINK(po->plans);
	CCM_SHRINK(po->msgs);
	CCM_SHRINK(po->items);
	CCM_SHRINK(po->seekpts);
	CCM_SHRINK(po->seekidx);
	ccm_err err = merge_mailboxes(po);
	if (!err)
		err = aliases(po);
	if (!err)
		err = prefixes(po);
	if (err)
		return err;
	ccm_lossy_names(po);

	/* The PKL and DIRECTORY.PRI come first; their sizes are set below. */
	if (!add_file(po, CCM_OF_PKL, 0, 0, "%u", 0) ||
	    !add_file(po, CCM_OF_DIR, 0, 0, "DIRECTORY.PRI", 0))
		return CCM_ERR_NOMEM;
	snprintf(po->files.v[0].name, sizeof(po->files.v[0].name), "%s.PKL",
	         po->folder);
	unsigned pri_no = 1;
	for (size_t i = 0; !err && i < po->mailboxes.n; i++) {
		struct ccm_mailbox *mb = &po->mailboxes.v[i];
		err = place(po, mb->prefix.n, mb->msg0, mb->msg0 + mb->nmsg,
		            CCM_OF_MBX, (uint32_t)i, pri_no++);
	}
	if (!err && po->boards.n)
		err = place(po, po->boards_prefix.n, po->boards_msg0,
		            po->boards_msg1, CCM_OF_BOARDS, 0, pri_no++);
	if (err)
		return err;

	struct ccm_buf b = {0};
	ccm_pkl_text(po, &b);
	po->pkl = keep_buf(po, &b);
	b.len = 0;
	ccm_directory_text(po, &b);
	po->directory = keep_buf(po, &b);
	ccm_buf_free(&b);
	if (!po->pkl.s || !po->directory.s)
		return CCM_ERR_NOMEM;
	po->files.v[0].size = po->pkl.n;
	po->files.v[1].size = po->directory.n;

	if (!add_file(po, CCM_OF_REPORT, 0, 0, "REPORT.TXT", 0))
		return CCM_ERR_NOMEM;
	count(po);
	err = ccm_report(po, &b);
	po->report = keep_buf(po, &b);
	ccm_buf_free(&b);
	if (err || !po->report.s)
		return err ? err : CCM_ERR_NOMEM;
	po->files.v[po->files.n - 1].size = po->report.n;

	/* SEC files follow mailbox order, messages file order: an index of
	 * the SEC files by first message finds a message's SEC file. */
	po->sec_by_msg =
	        malloc((po->secs.n ? po->secs.n : 1) * sizeof(*po->sec_by_msg));
	if (!po->sec_by_msg)
		return CCM_ERR_NOMEM;
	for (size_t i = 0; i < po->secs.n; i++)
		po->sec_by_msg[i] = (uint32_t)i;
	qsort_r(po->sec_by_msg, po->secs.n, sizeof(*po->sec_by_msg),
	        cmp_sec_msg0, po);

	po->by_name = malloc(po->files.n * sizeof(*po->by_name));
	if (!po->by_name)
		return CCM_ERR_NOMEM;
	for (size_t i = 0; i < po->files.n; i++)
		po->by_name[i] = (uint32_t)i;
	qsort_r(po->by_name, po->files.n, sizeof(*po->by_name), cmp_by_name,
	        po);
	return CCM_OK;
}
