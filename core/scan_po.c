/*
 * One export folder (spec export §1, §5 to §8): PO.INI, the directory,
 * public lists, mailbox files and bulletin boards. Messages are left to
 * scan_msg.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan_msg.h"
#include "scan_par.h"
#include "scan_path.h"
#include "scan_po.h"
#include "scan_read.h"

/*
 * Opens the file at path (relative name rel) as a source file of po, to
 * be read in blocks. The caller calls scanfile_close. false when it
 * cannot be read (reported).
 */
static bool scanfile_open(struct ccm_po *po, const char *path, const char *rel,
                          struct ccm_scanfile *f)
{
	memset(f, 0, sizeof(*f));
	f->po = po;
	f->fd = -1;
	/* Named in messages by its end, at most CCM_SRCFILE_REL_MAX bytes. */
	size_t rn = strlen(rel);
	struct ccm_srcfile pseudo = {
	        .path = rel,
	        .rel_n = rn < CCM_SRCFILE_REL_MAX ? rn : CCM_SRCFILE_REL_MAX};
	switch (ccm_srcfile_open(po->src, po->dir, path, &f->fd, &f->file)) {
	case CCM_OPEN_OK:
		break;
	case CCM_OPEN_OUTSIDE:
		ccm_leftout(&po->log, &pseudo, 0,
		            "the file leads out of the export folder or "
		            "cannot be read; left out");
		return false;
	case CCM_OPEN_NOTFILE:
		ccm_leftout(&po->log, &pseudo, 0,
		            "cannot be opened, or is not a regular file; "
		            "left out");
		return false;
	case CCM_OPEN_TOOBIG:
		ccm_leftout(
		        &po->log, &pseudo, 0,
		        "1 PiB or more, or below a folder whose path is too "
		        "long; left out");
		return false;
	case CCM_OPEN_NOMEM:
		return false;
	}
	if (!ccm_feed_start(po->feed, &f->lx, f->fd, ccm_sf(f)->size, 0)) {
		close(f->fd);
		f->fd = -1;
		return false;
	}
	return true;
}

/* Closes the file; if it gave fewer bytes than its size (it shrank
 * under the scan, or a read failed), says what was left out. */
static void scanfile_close(struct ccm_scanfile *f)
{
	const struct ccm_feed *feed = f->po->feed;
	if (feed->cut)
		ccm_leftout(&f->po->log, ccm_sf(f), f->lx.line,
		            "the file ended at byte %llu of %llu while it was "
		            "read (it shrank, or a read failed); the rest is "
		            "left out",
		            (unsigned long long)feed->cut_at,
		            (unsigned long long)feed->size);
	close(f->fd);
	f->fd = -1;
	f->lx.base = f->lx.end = f->lx.p = NULL;
}

/* A copy of source bytes that lives as long as the index. */
static struct ccm_str keep(struct ccm_po *po, const char *s, size_t n)
{
	char *p = ccm_arena_strndup(&po->src->arena, s, n);
	return (struct ccm_str){p ? p : "", p ? n : 0};
}

/*
 * Warns when a line of names (a Name:, Member:, Mailbox:... line, or the
 * Name= of PO.INI) holds bytes that are no characters of the page (spec
 * iff-output §3); f NULL stands for PO.INI.
 */
static void check_line(struct ccm_po *po, const struct ccm_srcfile *f,
                       uint64_t line, const char *s, size_t n)
{
	size_t bad = ccm_cp_bad(&po->cp, s, n);
	if (bad)
		ccm_warn(&po->log, f, line,
		         "the line holds %zu bytes that are no characters of "
		         "code page %u; each is written ?",
		         bad, po->cp.from);
}

/* Entry name of folder dir, found without regard to case (an exact match
 * first). Where the folder has it in more than one case (USERS/ beside
 * users/), one is read and the report says the others are not. */
static const char *find_once(struct ccm_po *po, const char *dir,
                             const char *name)
{
	size_t n;
	const char *e = ccm_scan_find(po, dir, name, &n);
	if (n > 1) {
		struct ccm_srcfile pseudo = {.path = e, .rel_n = strlen(e)};
		ccm_warn(&po->log, &pseudo, 0,
		         "%zu entries are named %s without regard to case; "
		         "only this one is read",
		         n, name);
	}
	return e;
}

/* Opens file name of folder dir (found without regard to case). */
static bool open_named(struct ccm_po *po, const char *dir, const char *name,
                       struct ccm_scanfile *f)
{
	const char *e = find_once(po, dir, name);
	if (!e)
		return false;
	char path[PATH_MAX];
	if (!ccm_path_join(path, sizeof(path), dir, e))
		return false;
	return scanfile_open(po, path, path + strlen(po->dir) + 1, f);
}

/* The post office named after its export folder, with a warning that
 * says why (at file f: NULL for PO.INI). */
static void folder_named(struct ccm_po *po, const struct ccm_srcfile *f,
                         const char *why)
{
	const char *base = strrchr(po->dir, '/');
	base = base ? base + 1 : po->dir;
	ccm_warn(&po->log, f, 0, "%s; the export folder's name '%s' is used",
	         why, base);
	po->name = keep(po, base, strlen(base));
}

/* Reads PO.INI; returns the line of its Name=, 0 when it has none. */
static uint64_t poini(struct ccm_po *po)
{
	struct ccm_scanfile f;
	struct ccm_line l;
	bool in_section = false, named = false;
	uint64_t name_line = 0;
	po->src_cp = 850;
	if (!open_named(po, po->dir, "PO.INI", &f)) {
		/* Why is in the report already (a FIFO, a device...). */
		folder_named(po, NULL, "PO.INI cannot be read");
		return 0;
	}
	while (ccm_lex_peek(&f.lx, &l)) {
		uint64_t line = f.lx.line;
		ccm_lex_next(&f.lx, &l);
		const char *s = l.s, *e = l.s + l.n;
		while (s < e && ccm_isblank(*s))
			s++;
		while (e > s && ccm_isblank(e[-1]))
			e--;
		if (s == e || *s == ';')
			continue;
		if (*s == '[') {
			in_section = e - s == 12 &&
			             ccm_caseeq(s, "[PostOffice]", 12);
			if (!in_section)
				ccm_warn(&po->log, ccm_sf(&f), line,
				         "section %.*s ignored", (int)(e - s),
				         s);
			continue;
		}
		const char *eq = memchr(s, '=', (size_t)(e - s));
		if (!in_section || !eq) {
			ccm_warn(&po->log, ccm_sf(&f), line, "line ignored");
			continue;
		}
		const char *k = s, *ke = eq, *v = eq + 1;
		while (ke > k && ccm_isblank(ke[-1]))
			ke--;
		while (v < e && ccm_isblank(*v))
			v++;
		size_t kn = (size_t)(ke - k), vn = (size_t)(e - v);
		if (kn == 4 && ccm_caseeq(k, "Name", 4)) {
			po->name = keep(po, v, vn);
			named = vn > 0;
			name_line = line;
		} else if (kn == 8 && ccm_caseeq(k, "CodePage", 8)) {
			unsigned long cp = strtoul(v, NULL, 10);
			if (cp && cp < 100000 && ccm_cp_known((unsigned)cp))
				po->src_cp = (unsigned)cp;
			else
				ccm_warn(&po->log, ccm_sf(&f), line,
				         "unknown code page '%.*s'; 850 is "
				         "used",
				         (int)(vn > 20 ? 20 : vn), v);
		} else if (kn == 9 && ccm_caseeq(k, "DateOrder", 9)) {
			if (!ccm_date_order_parse(v, vn, &po->date_order))
				ccm_warn(&po->log, ccm_sf(&f), line,
				         "unknown DateOrder '%.*s'; MDY is "
				         "used",
				         (int)(vn > 20 ? 20 : vn), v);
		} else {
			ccm_warn(&po->log, ccm_sf(&f), line,
			         "unknown key '%.*s' ignored",
			         (int)(kn > 30 ? 30 : kn), k);
		}
	}
	if (!named)
		folder_named(po, ccm_sf(&f),
		             "PO.INI names no post office (Name=)");
	scanfile_close(&f);
	return named ? name_line : 0;
}

/*
 * CCMDIR.EXP and CCMLIST.EXP are both records separated by blank lines,
 * each opened by one keyword line; they differ only in their keywords.
 */
struct records {
	const char *file;    /* in the export folder */
	const char *start;   /* the keyword that opens a record */
	const char *before;  /* warning: a line before any record */
	const char *unknown; /* warning: a line field() does not take */
	/* Opens a record named v; false when out of memory. */
	bool (*begin)(struct ccm_po *po, const char *v, size_t vn);
	/* Takes line l into the record last opened; false if unknown. */
	bool (*field)(struct ccm_po *po, const struct ccm_line *l);
};

static void records(struct ccm_po *po, const struct records *r)
{
	struct ccm_scanfile f;
	struct ccm_line l;
	if (!open_named(po, po->dir, r->file, &f))
		return;
	bool cur = false;
	while (ccm_lex_peek(&f.lx, &l)) {
		uint64_t line = f.lx.line;
		const char *v;
		size_t vn;
		ccm_lex_next(&f.lx, &l);
		check_line(po, ccm_sf(&f), line, l.s, l.n);
		if (ccm_is_blank_line(&l))
			cur = false;
		else if (ccm_kw(&l, r->start, &v, &vn))
			cur = r->begin(po, v, vn);
		else if (!cur)
			ccm_warn(&po->log, ccm_sf(&f), line, "%s", r->before);
		else if (!r->field(po, &l))
			ccm_warn(&po->log, ccm_sf(&f), line, "%s", r->unknown);
	}
	scanfile_close(&f);
}

static bool dirent_begin(struct ccm_po *po, const char *v, size_t vn)
{
	struct ccm_dirent *d = CCM_PUSH(po->dir_entries);
	if (!d)
		return false;
	/* Cleared whole: the record goes into the index file as it is,
	 * and its padding must not carry stray heap bytes there. */
	memset(d, 0, sizeof(*d));
	d->name = keep(po, v, vn);
	d->comment = (struct ccm_str){"", 0};
	return true;
}

static bool dirent_field(struct ccm_po *po, const struct ccm_line *l)
{
	struct ccm_dirent *cur = &po->dir_entries.v[po->dir_entries.n - 1];
	const char *v;
	size_t vn;
	if (ccm_kw(l, "Location:", &v, &vn))
		cur->loc = vn ? v[0] : 0;
	else if (ccm_kw(l, "Comment:", &v, &vn))
		cur->comment = keep(po, v, vn);
	else
		return ccm_kw(l, "Addr:", NULL, NULL) ||
		       ccm_kw(l, "FAN:", NULL, NULL);
	return true;
}

static const struct records DIRECTORY = {
        "CCMDIR.EXP",
        "Name:",
        "a directory line before any Name: ignored",
        "unknown directory line ignored",
        dirent_begin,
        dirent_field,
};

/* Keeps a Member: line; the list being read counts it. */
static void member(struct ccm_po *po, const char *v, size_t vn)
{
	struct ccm_str *m = CCM_PUSH(po->members);
	if (m)
		*m = keep(po, v, vn);
}

static bool list_begin(struct ccm_po *po, const char *v, size_t vn)
{
	struct ccm_list *cur = CCM_PUSH(po->lists);
	if (cur)
		*cur = (struct ccm_list){keep(po, v, vn),
		                         {"", 0},
		                         NULL,
		                         (uint32_t)po->members.n,
		                         0};
	return cur != NULL;
}

static bool list_field(struct ccm_po *po, const struct ccm_line *l)
{
	struct ccm_list *cur = &po->lists.v[po->lists.n - 1];
	const char *v;
	size_t vn;
	if (ccm_kw(l, "Comment:", &v, &vn)) {
		cur->comment = keep(po, v, vn);
	} else if (ccm_kw(l, "Member:", &v, &vn)) {
		if (vn) {
			member(po, v, vn);
			cur->nmem++;
		}
	} else {
		return false;
	}
	return true;
}

static const struct records PUBLIC_LISTS = {
        "CCMLIST.EXP",
        "Mailing list:",
        "a list line before any Mailing list: ignored",
        "unknown list line ignored",
        list_begin,
        list_field,
};

static void mailbox_file(struct ccm_po *po, const char *path)
{
	struct ccm_scanfile f;
	struct ccm_line l;
	if (!scanfile_open(po, path, path + strlen(po->dir) + 1, &f))
		return;
	const char *v;
	size_t vn;
	while (ccm_lex_peek(&f.lx, &l) && ccm_is_blank_line(&l))
		ccm_lex_next(&f.lx, &l);
	if (!ccm_lex_peek(&f.lx, &l) || !ccm_kw(&l, "Mailbox:", &v, &vn) ||
	    !vn) {
		ccm_leftout(&po->log, ccm_sf(&f), f.lx.line,
		            "the mailbox file does not start with a "
		            "Mailbox: line; the file is left out");
		scanfile_close(&f);
		return;
	}
	if (memchr(v, '\r', vn)) {
		/* CR alone ends no line (spec export §2: CR LF or LF), so
		 * the whole file would be this one line, its messages lost
		 * without a word: say what to do instead. */
		ccm_leftout(&po->log, ccm_sf(&f), f.lx.line,
		            "the Mailbox: line holds a carriage return: the "
		            "file's lines seem to end in CR alone, which the "
		            "export's never do (CR LF or LF); convert them, "
		            "as with tr '\\r' '\\n'; the file is left out");
		scanfile_close(&f);
		return;
	}
	check_line(po, ccm_sf(&f), f.lx.line, l.s, l.n);
	ccm_lex_next(&f.lx, &l);
	struct ccm_mailbox *mb = CCM_PUSH(po->mailboxes);
	if (!mb) {
		scanfile_close(&f);
		return;
	}
	memset(mb, 0, sizeof(*mb)); /* padding too (see dirent_begin) */
	mb->name = keep(po, v, vn);
	mb->file = f.file;
	mb->list0 = (uint32_t)po->plists.n;
	struct ccm_list *list = NULL;
	while (ccm_lex_peek(&f.lx, &l) && !ccm_kw(&l, "Message:", NULL, NULL)) {
		uint64_t line = f.lx.line;
		ccm_lex_next(&f.lx, &l);
		check_line(po, ccm_sf(&f), line, l.s, l.n);
		if (ccm_kw(&l, "Private list:", &v, &vn)) {
			list = CCM_PUSH(po->plists);
			if (list) {
				*list = (struct ccm_list){
				        keep(po, v, vn),
				        {"", 0},
				        NULL,
				        (uint32_t)po->members.n,
				        0};
				mb = &po->mailboxes.v[po->mailboxes.n - 1];
				mb->nlists++;
			}
		} else if (ccm_kw(&l, "Member:", &v, &vn) && list) {
			if (vn) {
				member(po, v, vn);
				list->nmem++;
			}
		} else if (!ccm_is_blank_line(&l)) {
			ccm_warn(&po->log, ccm_sf(&f), line,
			         "a line before the first message ignored");
		}
	}
	uint32_t msg0 = (uint32_t)po->msgs.n;
	while (ccm_lex_peek(&f.lx, &l)) {
		if (ccm_kw(&l, "Message:", NULL, NULL)) {
			ccm_scan_message(&f, 0);
			continue;
		}
		if (!ccm_is_blank_line(&l))
			ccm_warn(&po->log, ccm_sf(&f), f.lx.line,
			         "a line outside any message ignored");
		ccm_lex_next(&f.lx, &l);
	}
	mb = &po->mailboxes.v[po->mailboxes.n - 1];
	mb->msg0 = msg0;
	mb->nmsg = (uint32_t)po->msgs.n - msg0;
	scanfile_close(&f);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct ccm_scanjob *)a)->path,
	              ((const struct ccm_scanjob *)b)->path);
}

/* The bulletin board file (a job: path is NULL). */
static void boards(struct ccm_po *po, const char *path)
{
	(void)path;
	struct ccm_scanfile f;
	struct ccm_line l;
	if (!open_named(po, po->dir, "CCMBB.EXP", &f))
		return;
	f.boards = true;
	po->boards_msg0 = (uint32_t)po->msgs.n;
	struct ccm_board *cur = NULL;
	while (ccm_lex_peek(&f.lx, &l)) {
		uint64_t line = f.lx.line;
		const char *v;
		size_t vn;
		if (ccm_kw(&l, "Message:", NULL, NULL)) {
			if (cur) {
				ccm_scan_message(&f, CCM_MSG_BOARD);
				cur = &po->boards.v[po->boards.n - 1];
				cur->nmsg = (uint32_t)po->msgs.n - cur->msg0;
				continue;
			}
			ccm_leftout(&po->log, ccm_sf(&f), line,
			            "a message before any Bulletin board: "
			            "line; message left out");
			ccm_lex_next(&f.lx, &l);
			while (ccm_lex_peek(&f.lx, &l) &&
			       !ccm_scan_msg_end(&f, &l))
				ccm_lex_next(&f.lx, &l);
			continue;
		}
		ccm_lex_next(&f.lx, &l);
		check_line(po, ccm_sf(&f), line, l.s, l.n);
		if (ccm_kw(&l, "Bulletin board:", &v, &vn)) {
			cur = CCM_PUSH(po->boards);
			if (cur)
				*cur = (struct ccm_board){keep(po, v, vn),
				                          {"", 0},
				                          (uint32_t)po->msgs.n,
				                          0};
		} else if (cur && ccm_kw(&l, "Comment:", &v, &vn)) {
			cur->comment = keep(po, v, vn);
		} else if (!ccm_is_blank_line(&l)) {
			ccm_warn(&po->log, ccm_sf(&f), line,
			         "a line outside any message ignored");
		}
	}
	po->boards_msg1 = (uint32_t)po->msgs.n;
	scanfile_close(&f);
}

/* A file's size as stat sees it now, 0 if it cannot: only a hint for
 * the order in which files are started (scan_par.h). */
static uint64_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

/*
 * The mailbox files of USERS/ (in byte order of their names: the same
 * source, the same report) and the bulletin boards, scanned in parallel
 * (scan_par.c), merged in that order.
 */
static ccm_err mailboxes_and_boards(struct ccm_po *po)
{
	const char *users = find_once(po, po->dir, "USERS");
	char dir[PATH_MAX];
	char **names = NULL;
	size_t n = 0;
	if (users && ccm_path_join(dir, sizeof(dir), po->dir, users))
		n = ccm_scan_list(po, dir, &names);
	struct ccm_scanjob *jobs = calloc(n + 1, sizeof(*jobs));
	if (!jobs)
		return CCM_ERR_NOMEM;
	size_t nj = 0;
	ccm_err err = CCM_OK;
	for (size_t i = 0; i < n && !err; i++) {
		size_t len = strlen(names[i]);
		char path[PATH_MAX];
		if (len <= 4 || !ccm_caseeq(names[i] + len - 4, ".EXP", 4) ||
		    !ccm_path_join(path, sizeof(path), dir, names[i]))
			continue;
		jobs[nj] = (struct ccm_scanjob){mailbox_file, strdup(path),
		                                size_of(path)};
		if (!jobs[nj++].path)
			err = CCM_ERR_NOMEM;
	}
	qsort(jobs, nj, sizeof(*jobs), cmp_path);
	const char *bb = ccm_scan_find(po, po->dir, "CCMBB.EXP", NULL);
	char path[PATH_MAX];
	bool named = bb && ccm_path_join(path, sizeof(path), po->dir, bb);
	jobs[nj++] =
	        (struct ccm_scanjob){boards, NULL, named ? size_of(path) : 0};
	if (!err)
		err = ccm_scan_jobs(po, jobs, nj);
	for (size_t i = 0; i < nj; i++)
		free((char *)jobs[i].path);
	free(jobs);
	return err;
}

static ccm_err scan_all(struct ccm_po *po)
{
	po->file0 = (uint32_t)po->src->files.n;
	uint64_t name_line = poini(po);
	if (po->src->opts.date_order != CCM_DATE_DEFAULT)
		po->date_order = po->src->opts.date_order;
	if (po->date_order == CCM_DATE_DEFAULT)
		po->date_order = CCM_DATE_MDY;
	po->out_cp = po->src->opts.out_codepage;
	if (!po->out_cp)
		po->out_cp = ccm_cp_is_dbcs(po->src_cp) ? po->src_cp : 1252;
	/* The page first: every name read from here on is checked. */
	ccm_err err = ccm_cp_init(&po->cp, po->src_cp, po->out_cp);
	if (err)
		return err;
	if (name_line)
		check_line(po, NULL, name_line, po->name.s, po->name.n);
	records(po, &DIRECTORY);
	records(po, &PUBLIC_LISTS);
	err = mailboxes_and_boards(po);
	ccm_scan_path_free(po);
	if (err)
		return err;
	po->file1 = (uint32_t)po->src->files.n;
	for (uint32_t i = po->file0; i < po->file1; i++) {
		int64_t ns = po->src->files.v[i].mtime_ns;
		int64_t cur = (int64_t)po->mtime.tv_sec * 1000000000 +
		              po->mtime.tv_nsec;
		if (ns > cur) {
			po->mtime.tv_sec = ns / 1000000000;
			po->mtime.tv_nsec = ns % 1000000000;
		}
	}
	return CCM_OK;
}

ccm_err ccm_scan_po(struct ccm_po *po)
{
	struct ccm_feed feed = {0};
	po->feed = &feed;
	ccm_err err = scan_all(po);
	ccm_feed_free(&feed);
	po->feed = NULL;
	return err;
}
