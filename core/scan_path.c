/*
 * Attachment files named by a Path: line (spec export §4.3).
 *
 * Names in an export are matched without regard to case, as DOS wrote
 * them, so each component is looked up in a listing of its folder. A post
 * office can hold tens of thousands of attachment files in one folder, so
 * each folder is listed once and searched by binary search.
 *
 * The path must stay inside the export folder: an absolute path or a
 * drive letter is refused outright, a ".." is applied to the real path
 * reached so far (links resolved) and refused where that leaves the
 * export folder, and the final file's real path must still lie below
 * it (spec export §4.3: a ".." that stays inside is fine).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan_path.h"

struct ccm_dircache {
	struct ccm_dircache *next;
	char *path;
	char **names; /* sorted without regard to case */
	size_t n;
	/* The folder's identity, taken before it was listed (id.path points
	 * to abs): what a part of a parallel scan records (scan_par.c). */
	bool id_ok;
	struct ccm_srcdir id;
	char *abs;
};

/* Without regard to case, then by bytes: two spellings of one name
 * always come in the same order, whatever order readdir gave. */
static int cmp_ci(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int r = strcasecmp(x, y);
	return r ? r : strcmp(x, y);
}

/* Lists folder path into a new entry of po's listings; NULL when out of
 * memory. */
static struct ccm_dircache *list_new(struct ccm_po *po, const char *path)
{
	struct ccm_dircache *d = calloc(1, sizeof(*d));
	char abs[PATH_MAX];
	if (!d)
		return NULL;
	d->path = strdup(path);
	d->id_ok = ccm_srcdir_take(path, &d->id, abs, sizeof(abs)) &&
	           (d->abs = strdup(abs));
	d->id.path = d->abs;
	DIR *dir = opendir(path);
	size_t cap = 0;
	struct dirent *de;
	while (dir && d->path && (de = readdir(dir))) {
		if (d->n == cap) {
			cap = cap ? cap * 2 : 64;
			char **v = realloc(d->names, cap * sizeof(*v));
			if (!v)
				break;
			d->names = v;
		}
		if ((d->names[d->n] = strdup(de->d_name)))
			d->n++;
	}
	if (dir)
		closedir(dir);
	if (d->n) /* names is NULL for an empty folder */
		qsort(d->names, d->n, sizeof(*d->names), cmp_ci);
	d->next = po->dirs;
	po->dirs = d;
	return d;
}

static struct ccm_dircache *list_find(const struct ccm_po *po, const char *path)
{
	for (struct ccm_dircache *d = po->dirs; d; d = d->next)
		if (!strcmp(d->path, path))
			return d;
	return NULL;
}

/*
 * The parts of a parallel scan share the listings of the post office
 * they belong to (each folder is listed once, whatever the thread), under
 * this lock; each part records the folders it used with the identity
 * taken when the folder was listed, so that the merged record is the one
 * a scan in one thread makes.
 */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;

static struct ccm_dircache *listing(struct ccm_po *po, const char *path)
{
	struct ccm_dircache *d;
	if (!po->parent) {
		if ((d = list_find(po, path)))
			return d;
		ccm_srcdir_note(po->src, path);
		return list_new(po, path);
	}
	pthread_mutex_lock(&shared_lock);
	d = list_find(po->parent, path);
	if (!d)
		d = list_new(po->parent, path);
	pthread_mutex_unlock(&shared_lock);
	if (d)
		ccm_srcdir_add(po->src, d->id_ok ? &d->id : NULL);
	return d;
}

void ccm_scan_path_free(struct ccm_po *po)
{
	while (po->dirs) {
		struct ccm_dircache *d = po->dirs;
		po->dirs = d->next;
		for (size_t i = 0; i < d->n; i++)
			free(d->names[i]);
		free(d->names);
		free(d->path);
		free(d->abs);
		free(d);
	}
}

/* The first entry of d not below name without regard to case. */
static size_t lower_bound(const struct ccm_dircache *d, const char *name)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcasecmp(d->names[mid], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *ccm_scan_find(struct ccm_po *po, const char *path, const char *name,
                          size_t *same)
{
	struct ccm_dircache *d = listing(po, path);
	size_t lo = d ? lower_bound(d, name) : 0, hi = lo;
	const char *hit = NULL;
	for (; d && hi < d->n && !strcasecmp(d->names[hi], name); hi++)
		if (!hit || !strcmp(d->names[hi], name))
			hit = d->names[hi];
	if (same)
		*same = hi - lo;
	return hit;
}

size_t ccm_scan_list(struct ccm_po *po, const char *path, char ***names)
{
	struct ccm_dircache *d = listing(po, path);
	*names = d ? d->names : NULL;
	return d ? d->n : 0;
}

/* snprintf(dst, cap, "%s", s) without the formatting machinery (it ran
 * three times for each attachment's path): s cut to cap - 1 bytes. */
static void copy_str(char *dst, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

enum up { UP_OK, UP_OUTSIDE, UP_NOTDIR };

/*
 * A ".." after cur, which lies in the export folder po->dir (a real path)
 * or below it: cur becomes its parent, the one the kernel would take. For
 * a folder that is no link, that is cur less its last part, known from
 * one lstat (a hostile Path: may hold hundreds of ".."); after a link, its
 * target's parent, from realpath. Refused where the parent is not the
 * export folder or below it.
 */
static enum up up(const struct ccm_po *po, char *cur, size_t cap)
{
	size_t cl = strlen(cur), dl = strlen(po->dir);
	struct stat st;
	if (cl <= dl)
		return UP_OUTSIDE;
	if (lstat(cur, &st) == 0 && S_ISDIR(st.st_mode)) {
		*strrchr(cur, '/') = '\0'; /* past po->dir: cl > dl */
		return UP_OK;
	}
	char dotdot[PATH_MAX], real[PATH_MAX];
	if (cl + 4 > sizeof(dotdot))
		return UP_OUTSIDE;
	memcpy(dotdot, cur, cl);
	memcpy(dotdot + cl, "/..", 4);
	if (!realpath(dotdot, real))
		return errno == ENOTDIR || errno == ENOENT ? UP_NOTDIR
		                                           : UP_OUTSIDE;
	if (strncmp(real, po->dir, dl) || (real[dl] && real[dl] != '/'))
		return UP_OUTSIDE;
	copy_str(cur, cap, real);
	return UP_OK;
}

uint32_t ccm_scan_path(struct ccm_po *po, const char *v, size_t n, char *why,
                       size_t whysz)
{
	char rel[PATH_MAX];
	why[0] = '\0';
	if (n == 0 || n >= sizeof(rel) - 1) {
		snprintf(why, whysz, "an empty or overlong Path:");
		return CCM_NONE;
	}
	memcpy(rel, v, n);
	rel[n] = '\0';
	/*
	 * A '\\' separates folders only where it is a character of its own:
	 * in a double-byte page it is also the trail byte of many characters
	 * (Shift-JIS 0x97 0x5C), which belong to the name.
	 */
	for (size_t i = 0; i < n; i = ccm_cp_next(&po->cp, rel, n, i))
		if (rel[i] == '\\')
			rel[i] = '/';
	if (rel[0] == '/' || (n >= 2 && rel[1] == ':')) {
		snprintf(why, whysz,
		         "Path: '%.60s' is absolute; only paths inside the "
		         "export folder are read",
		         rel);
		return CCM_NONE;
	}
	char cur[PATH_MAX];
	copy_str(cur, sizeof(cur), po->dir);
	char found[PATH_MAX] = "";
	char *save = NULL;
	for (char *c = strtok_r(rel, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			enum up u = up(po, cur, sizeof(cur));
			if (u != UP_OK) {
				snprintf(
				        why, whysz,
				        u == UP_NOTDIR
				                ? "Path: '%.*s' names no file"
				                : "Path: '%.*s' leaves the "
				                  "export folder; not followed",
				        (int)(n > 60 ? 60 : n), v);
				return CCM_NONE;
			}
			found[0] = '\0'; /* a folder, until a name follows */
			continue;
		}
		size_t same;
		const char *e = ccm_scan_find(po, cur, c, &same);
		if (!e) {
			snprintf(why, whysz, "Path: '%.*s' names no file",
			         (int)(n > 60 ? 60 : n), v);
			return CCM_NONE;
		}
		/* Spelled as written wins; else, of two spellings, say
		 * which was taken (the first such part only). */
		if (!why[0] && strcmp(e, c) && same > 1)
			snprintf(
			        why, whysz,
			        "Path: '%.*s': %zu names match '%.40s' without "
			        "regard to case; '%.40s' is read",
			        (int)(n > 60 ? 60 : n), v, same, c, e);
		size_t cl = strlen(cur);
		if (cl + 1 + strlen(e) >= sizeof(cur)) {
			snprintf(why, whysz, "Path: too long");
			return CCM_NONE;
		}
		cur[cl] = '/';
		copy_str(cur + cl + 1, sizeof(cur) - cl - 1, e);
		copy_str(found, sizeof(found), e);
	}
	int fd;
	uint32_t id = CCM_NONE;
	int w = (int)(n > 60 ? 60 : n);
	switch (found[0] ? ccm_srcfile_open(po->src, po->dir, cur, &fd, &id)
	                 : CCM_OPEN_OUTSIDE) {
	case CCM_OPEN_OK:
		close(fd);
		break;
	case CCM_OPEN_OUTSIDE:
		snprintf(why, whysz,
		         found[0] ? "Path: '%.*s' leads out of the export "
		                    "folder; not followed"
		                  : "Path: '%.*s' names no file",
		         w, v);
		break;
	case CCM_OPEN_NOTFILE:
		snprintf(why, whysz, "Path: '%.*s' is not a readable file", w,
		         v);
		break;
	case CCM_OPEN_TOOBIG:
		snprintf(why, whysz,
		         "Path: '%.*s' is 1 PiB or more, or below a folder "
		         "whose path is too long",
		         w, v);
		break;
	case CCM_OPEN_NOMEM:
		snprintf(why, whysz, "out of memory");
		break;
	}
	return id;
}
