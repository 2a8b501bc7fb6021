/*
 * Finding the export folders of a source (spec export §1): the source
 * itself when it holds a PO.INI, else its sub-folders that do. A native
 * post office (not an export) is recognised by its files and explained.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discover.h"
#include "scan_po.h"

/* Has folder path an entry named name, without regard to case? */
static bool has_entry(struct ccm_source *src, const char *path,
                      const char *name)
{
	ccm_srcdir_note(src, path);
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

static bool is_export(struct ccm_source *src, const char *path)
{
	return has_entry(src, path, "PO.INI");
}

/* The files that mark a native DB6/DB8 post office (KB Q170011, Q179072). */
static bool is_native(struct ccm_source *src, const char *path)
{
	static const char *const marks[] = {"CCPOMBOX*", "CLANDATA", "CCVER.TB",
	                                    "CCPODD*", "CCPOMS"};
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (has_entry(src, path, marks[i]))
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
        "README.md) and give that folder to ccmailfs or ccmail2iff";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Scans export folder path as a new post office of src. in (NULL for
 * the source itself) is the source's real path, which a sub-folder's
 * real path must lie directly in: a sub-folder swapped for a link after
 * it was looked at is not followed either. */
static ccm_err add_po(struct ccm_source *src, const char *path, const char *in)
{
	char *real = realpath(path, NULL);
	if (!real)
		return CCM_ERR_SOURCE;
	const char *slash = strrchr(real, '/');
	size_t n = in ? strlen(in) : 0;
	if (in && ((size_t)(slash - real) != n || strncmp(real, in, n))) {
		ccm_notice(&src->opts,
		           "%s: not a folder of the source (a link?); not "
		           "followed",
		           path);
		free(real);
		return CCM_OK;
	}
	struct ccm_po *po = calloc(1, sizeof(*po));
	if (!po) {
		free(real);
		return CCM_ERR_NOMEM;
	}
	struct ccm_po **v = realloc(src->pos, (src->npo + 1) * sizeof(*v));
	if (!v) {
		free(po);
		free(real);
		return CCM_ERR_NOMEM;
	}
	src->pos = v;
	src->pos[src->npo++] = po;
	po->src = src;
	po->dir = real;
	return ccm_scan_po(po);
}

/* Finds the export folders of the source: itself, or its sub-folders. */
ccm_err ccm_discover(struct ccm_source *src, const char *path, char *msg,
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
	if (is_export(src, path))
		return add_po(src, path, NULL);
	if (is_native(src, path)) {
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
	if (n) /* subs is NULL when the folder is empty */
		qsort(subs, n, sizeof(*subs), cmp_str);
	ccm_err err = CCM_OK;
	bool native = false;
	char *in = realpath(path, NULL);
	for (size_t i = 0; i < n; i++) {
		/* A linked sub-folder could lead anywhere, outside SOURCE
		 * or to a post office already here: never followed. */
		bool seen = !err && lstat(subs[i], &st) == 0;
		if (seen && S_ISLNK(st.st_mode)) {
			if (stat(subs[i], &st) == 0 && S_ISDIR(st.st_mode))
				ccm_notice(&src->opts,
				           "%s: a link to a folder, not "
				           "followed (only what lies inside "
				           "the source is read); mount its "
				           "target itself",
				           subs[i]);
		} else if (seen && S_ISDIR(st.st_mode)) {
			if (is_export(src, subs[i]))
				err = in ? add_po(src, subs[i], in)
				         : CCM_ERR_SOURCE;
			else if (is_native(src, subs[i])) {
				native = true;
				ccm_notice(&src->opts,
				           "%s: a native post office, not an "
				           "export; skipped",
				           subs[i]);
			}
		}
		free(subs[i]);
	}
	free(subs);
	free(in);
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
