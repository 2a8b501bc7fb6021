/*
 * A source: one export folder, or a folder whose sub-folders are export
 * folders (spec export §1). Opening it scans every post office, names
 * their folders (the fix of KB Q238850) and lays out their files.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"

const char *ccm_strerror(ccm_err err)
{
	switch (err) {
	case CCM_OK:
		return "success";
	case CCM_ERR_NOMEM:
		return "out of memory";
	case CCM_ERR_IO:
		return "a source file could not be read";
	case CCM_ERR_NOENT:
		return "no such file";
	case CCM_ERR_SOURCE:
		return "the source is missing or unreadable";
	case CCM_ERR_NOTEXPORT:
		return "the source is not a post office export";
	case CCM_ERR_NATIVE:
		return "the source is a native cc:Mail post office";
	case CCM_ERR_CHANGED:
		return "a source file changed since it was scanned";
	case CCM_ERR_INVAL:
		return "invalid argument";
	}
	return "unknown error";
}

bool ccm_grow(void **v, size_t *cap, size_t elem)
{
	size_t n = *cap ? *cap * 2 : 16;
	void *p = realloc(*v, n * elem);
	if (!p)
		return false;
	*v = p;
	*cap = n;
	return true;
}

void ccm_shrink(void **v, size_t n, size_t *cap, size_t elem)
{
	if (!n || n == *cap)
		return;
	void *p = realloc(*v, n * elem);
	if (p) {
		*v = p;
		*cap = n;
	}
}

static void vlog(struct ccm_po *po, const struct ccm_srcfile *f, uint64_t line,
                 const char *fmt, va_list ap)
{
	ccm_buf_puts(&po->log, f && f->rel ? f->rel : "PO.INI");
	if (line)
		ccm_buf_printf(&po->log, ":%llu", (unsigned long long)line);
	ccm_buf_puts(&po->log, ": ");
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	/* Source bytes quoted in a warning must not break its line. */
	for (char *c = text; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	ccm_buf_puts(&po->log, text);
	ccm_buf_putc(&po->log, '\n');
}

void ccm_warn(struct ccm_po *po, const struct ccm_srcfile *f, uint64_t line,
              const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(po, f, line, fmt, ap);
	va_end(ap);
	po->stats.warnings++;
}

void ccm_leftout(struct ccm_po *po, const struct ccm_srcfile *f, uint64_t line,
                 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(po, f, line, fmt, ap);
	va_end(ap);
	po->stats.left_out++;
}

static void notice(const struct ccm_options *o, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void notice(const struct ccm_options *o, const char *fmt, ...)
{
	if (!o->notice)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->notice(o->notice_ctx, line);
}

/* Has folder path an entry named name, without regard to case? */
static bool has_entry(const char *path, const char *name)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *de;
	bool found = false;
	size_t n = strlen(name);
	while (!found && (de = readdir(d))) {
		if (name[n - 1] == '*')
			found = !strncasecmp(de->d_name, name, n - 1);
		else
			found = !strcasecmp(de->d_name, name);
	}
	closedir(d);
	return found;
}

static bool is_export(const char *path)
{
	return has_entry(path, "PO.INI");
}

/* The files that mark a native DB6/DB8 post office (KB Q170011, Q179072). */
static bool is_native(const char *path)
{
	static const char *const marks[] = {"CCPOMBOX*", "CLANDATA", "CCVER.TB",
	                                    "CCPODD*", "CCPOMS"};
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (has_entry(path, marks[i]))
			return true;
	return false;
}

static const char NATIVE_HELP[] =
        "this is a native cc:Mail post office (DB6/DB8), whose files cannot "
        "be read without Lotus's own code. Export it first with Lotus EXPORT, "
        "on a copy of the post office that is offline: for each user, "
        "EXPORT /N\"Last, First\" /P<password> /D<post office path> /BATCH "
        "/DATE/1 /ITEMSIZE /FOLDER /MSGS/ALL /FILES/HEX /@USERS\\<name>.EXP; "
        "the directory with EXPORT /DIRECTORY/PROP /@CCMDIR.EXP. Put the "
        "files in one folder with a PO.INI naming the post office (see "
        "README.md) and give that folder to ccmailfs";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static ccm_err add_po(ccm_source *src, const char *path)
{
	struct ccm_po *po = calloc(1, sizeof(*po));
	if (!po)
		return CCM_ERR_NOMEM;
	struct ccm_po **v = realloc(src->pos, (src->npo + 1) * sizeof(*v));
	if (!v) {
		free(po);
		return CCM_ERR_NOMEM;
	}
	src->pos = v;
	src->pos[src->npo++] = po;
	po->src = src;
	po->dir = realpath(path, NULL);
	if (!po->dir)
		return CCM_ERR_SOURCE;
	return ccm_scan_po(po);
}

/* Finds the export folders of the source: itself, or its sub-folders. */
static ccm_err discover(ccm_source *src, const char *path, char *msg,
                        size_t msgsz)
{
	struct stat st;
	if (stat(path, &st)) {
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return CCM_ERR_SOURCE;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(msg, msgsz, "%s: not a folder", path);
		return CCM_ERR_SOURCE;
	}
	if (access(path, R_OK | X_OK)) {
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return CCM_ERR_SOURCE;
	}
	if (is_export(path))
		return add_po(src, path);
	if (is_native(path)) {
		snprintf(msg, msgsz, "%s: %s", path, NATIVE_HELP);
		return CCM_ERR_NATIVE;
	}
	DIR *d = opendir(path);
	if (!d) {
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return CCM_ERR_SOURCE;
	}
	char **subs = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char **v = realloc(subs, (n + 1) * sizeof(*v));
		if (!v)
			break;
		subs = v;
		if (asprintf(&subs[n], "%s/%s", path, de->d_name) >= 0)
			n++;
	}
	closedir(d);
	qsort(subs, n, sizeof(*subs), cmp_str);
	ccm_err err = CCM_OK;
	bool native = false;
	for (size_t i = 0; i < n; i++) {
		if (!err && stat(subs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (is_export(subs[i]))
				err = add_po(src, subs[i]);
			else if (is_native(subs[i])) {
				native = true;
				notice(&src->opts,
				       "%s: a native post office, not an "
				       "export; skipped",
				       subs[i]);
			}
		}
		free(subs[i]);
	}
	free(subs);
	if (!err && !src->npo) {
		if (native) {
			snprintf(msg, msgsz, "%s: %s", path, NATIVE_HELP);
			return CCM_ERR_NATIVE;
		}
		snprintf(msg, msgsz,
		         "%s: not a post office export: it holds no PO.INI, "
		         "and no sub-folder of it does",
		         path);
		return CCM_ERR_NOTEXPORT;
	}
	return err;
}

static int cmp_po_name(const void *a, const void *b)
{
	const struct ccm_po *x = *(struct ccm_po *const *)a;
	const struct ccm_po *y = *(struct ccm_po *const *)b;
	int r = memcmp(x->name.s, y->name.s,
	               x->name.n < y->name.n ? x->name.n : y->name.n);
	if (r)
		return r;
	if (x->name.n != y->name.n)
		return x->name.n < y->name.n ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

static int cmp_po_folder(const void *a, const void *b)
{
	const struct ccm_po *x = *(struct ccm_po *const *)a;
	const struct ccm_po *y = *(struct ccm_po *const *)b;
	return strcmp(x->folder, y->folder);
}

static ccm_err name_folders(ccm_source *src)
{
	/* Collisions are resolved in the order of the original names. */
	qsort(src->pos, src->npo, sizeof(*src->pos), cmp_po_name);
	char **names = calloc(src->npo, sizeof(*names));
	unsigned *why = calloc(src->npo, sizeof(*why));
	if (!names || !why) {
		free(names);
		free(why);
		return CCM_ERR_NOMEM;
	}
	for (size_t i = 0; i < src->npo; i++) {
		struct ccm_po *po = src->pos[i];
		po->why = ccm_folder_name(po->src_cp, po->name.s, po->name.n,
		                          src->opts.dos83, po->folder);
		names[i] = po->folder;
	}
	ccm_folder_dedupe(names, src->npo, src->opts.dos83, why);
	for (size_t i = 0; i < src->npo; i++)
		src->pos[i]->why |= why[i];
	free(names);
	free(why);
	qsort(src->pos, src->npo, sizeof(*src->pos), cmp_po_folder);
	return CCM_OK;
}

static void po_free(struct ccm_po *po)
{
	ccm_cp_fini(&po->cp);
	free(po->dir);
	free(po->dir_entries.v);
	free(po->mailboxes.v);
	free(po->lists.v);
	free(po->plists.v);
	free(po->members.v);
	free(po->boards.v);
	free(po->msgs.v);
	free(po->items.v);
	free(po->seekpts.v);
	free(po->seekidx.v);
	free(po->secs.v);
	free(po->files.v);
	free(po->by_name);
	free(po->sec_by_msg);
	ccm_buf_free(&po->log);
	ccm_scan_path_free(po);
	free(po);
}

ccm_err ccm_source_open(const char *path, const struct ccm_options *opts,
                        ccm_source **out, char *msg, size_t msgsz)
{
	char scratch[8];
	if (!msg) {
		msg = scratch;
		msgsz = sizeof(scratch);
	}
	msg[0] = '\0';
	*out = NULL;
	if (opts->out_codepage && !ccm_cp_known(opts->out_codepage)) {
		snprintf(msg, msgsz, "code page %u is not known to iconv",
		         opts->out_codepage);
		return CCM_ERR_INVAL;
	}
	ccm_source *src = calloc(1, sizeof(*src));
	if (!src)
		return CCM_ERR_NOMEM;
	src->opts = *opts;
	for (size_t i = 0; i < CCM_FD_SLOTS; i++) {
		pthread_mutex_init(&src->fds[i].lock, NULL);
		src->fds[i].fd = -1;
	}
	errno = 0;
	ccm_err err = discover(src, path, msg, msgsz);
	if (!err)
		err = name_folders(src);
	for (size_t i = 0; !err && i < src->npo; i++) {
		struct ccm_po *po = src->pos[i];
		err = ccm_layout(po);
		if (!err && (po->stats.warnings || po->stats.left_out))
			notice(opts,
			       "%s: %llu warning(s), %llu item(s) left out; "
			       "see "
			       "%s/REPORT.TXT",
			       po->folder,
			       (unsigned long long)po->stats.warnings,
			       (unsigned long long)po->stats.left_out,
			       po->folder);
	}
	if (!err)
		CCM_SHRINK(src->files);
	if (err && !msg[0])
		snprintf(msg, msgsz, "%s: %s", path, ccm_strerror(err));
	if (err) {
		ccm_source_close(src);
		return err;
	}
	*out = src;
	return CCM_OK;
}

void ccm_source_close(ccm_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->npo; i++)
		po_free(src->pos[i]);
	free(src->pos);
	for (size_t i = 0; i < CCM_FD_SLOTS; i++) {
		if (src->fds[i].fd >= 0)
			close(src->fds[i].fd);
		pthread_mutex_destroy(&src->fds[i].lock);
	}
	free(src->files.v);
	ccm_arena_free(&src->arena);
	free(src);
}

size_t ccm_source_po_count(const ccm_source *src)
{
	return src->npo;
}

const char *ccm_po_folder(const ccm_source *src, size_t po)
{
	return src->pos[po]->folder;
}

struct timespec ccm_po_mtime(const ccm_source *src, size_t po)
{
	return src->pos[po]->mtime;
}

/*
 * Binary search over n names in order: name(ctx, k) is the k-th. Sets
 * *at to the position of name; CCM_ERR_NOENT when it is not there.
 */
static ccm_err find_name(size_t n, const char *(*name)(const void *, size_t),
                         const void *ctx, const char *want, size_t *at)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(name(ctx, mid), want);
		if (!r) {
			*at = mid;
			return CCM_OK;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CCM_ERR_NOENT;
}

static const char *po_folder_at(const void *ctx, size_t k)
{
	return ((const ccm_source *)ctx)->pos[k]->folder;
}

static const char *file_name_at(const void *ctx, size_t k)
{
	const struct ccm_po *po = ctx;
	return po->files.v[po->by_name[k]].name;
}

ccm_err ccm_po_lookup(const ccm_source *src, const char *name, size_t *po)
{
	return find_name(src->npo, po_folder_at, src, name, po);
}

size_t ccm_po_file_count(const ccm_source *src, size_t po)
{
	return src->pos[po]->files.n;
}

const char *ccm_file_name(const ccm_source *src, size_t po, size_t file)
{
	return src->pos[po]->files.v[file].name;
}

uint64_t ccm_file_size(const ccm_source *src, size_t po, size_t file)
{
	return src->pos[po]->files.v[file].size;
}

ccm_err ccm_file_lookup(const ccm_source *src, size_t pi, const char *name,
                        size_t *file)
{
	const struct ccm_po *po = src->pos[pi];
	size_t at;
	ccm_err err = find_name(po->files.n, file_name_at, po, name, &at);
	if (!err)
		*file = po->by_name[at];
	return err;
}

void ccm_po_stats(const ccm_source *src, size_t po, struct ccm_po_stats *st)
{
	*st = src->pos[po]->stats;
}
