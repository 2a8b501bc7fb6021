/*
 * A file manager's view of the mount, through GLib's gio tool: what
 * `gio list` and `gio info` say of each file (its exact size, before
 * anything has read it), what `gio copy` copies (ccmail2iff's bytes), and
 * that the writes a file manager offers are refused.
 *
 * gio runs headless here, with no session bus and no GVfs daemon:
 * GIO_USE_VFS=local picks GIO's own implementation for local files and
 * GIO_USE_VOLUME_MONITOR=unix its /proc/self/mountinfo-based volume
 * monitor. Where the gvfs package is installed, GIO would otherwise load
 * its modules, which talk to gvfsd and gvfsd-metadata over D-Bus (and try
 * to start a bus when none runs); a desktop file manager has them, but
 * they too hand file:// paths to the local implementation, which is the
 * code that meets the mount in both cases.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tl.h"

TestSuite(gio, .init = tl_setup, .fini = tl_teardown, .timeout = 120);

/*
 * Two post offices, tricky names, and one attachment of a megabyte.
 * Returns the mount; ref gets ccmail2iff's tree.
 */
static struct tl_mount *source_mount(char *ref)
{
	char src[TL_PATH];
	tl_make_client_source(29, "1M", src, ref);
	return tl_mount(src, NULL);
}

/*
 * Runs "gio args..." (at most 60 args) and asserts its exit code is
 * want_rc; returns its stdout, or its stderr when want_rc is not 0
 * (malloc'd). Both are shown on failure.
 */
static char *gio(const char *const args[], int want_rc)
{
	const char *argv[64] = {"env", "GIO_USE_VFS=local",
	                        "GIO_USE_VOLUME_MONITOR=unix", "gio"};
	size_t n = 4;
	for (size_t i = 0; args[i]; i++) {
		cr_assert_lt(n, 63, "too many arguments for gio");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	char *text, *errors;
	int rc = tl_capture(argv, NULL, &text, &errors);
	cr_assert_eq(rc, want_rc, "gio %s %s: exit %d, not %d\n%s%s", args[0],
	             args[1], rc, want_rc, text, errors);
	free(want_rc ? text : errors);
	return want_rc ? errors : text;
}

/* The size of a file of ref (the reference tree). */
static long long ref_size(const char *ref, const char *dir, const char *name)
{
	char p[TL_PATH];
	tl_join(p, "%s/%s%s%s", ref, dir, *dir ? "/" : "", name);
	struct stat st;
	cr_assert(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
	return S_ISDIR(st.st_mode) ? -1 : (long long)st.st_size;
}

/*
 * `gio list -l` of one folder of the mount ("" for its root) must name
 * what ref's folder holds, each file with its size ("name\tsize\t(type)").
 */
static void check_list(const char *mnt, const char *ref, const char *dir)
{
	char path[TL_PATH], want_dir[TL_PATH];
	tl_join(path, "%s/%s", mnt, dir);
	tl_join(want_dir, "%s/%s", ref, dir);
	const char *args[] = {"list", "-l", path, NULL};
	char *out = gio(args, 0);
	struct tl_list want;
	tl_list_dir(want_dir, &want);
	size_t lines = 0;
	for (char *save, *line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		char *tab = strchr(line, '\t');
		cr_assert_not_null(tab, "gio list: %s", line);
		*tab = '\0';
		cr_assert(tl_list_has(&want, line), "gio list %s: %s", path,
		          line);
		long long size = ref_size(ref, dir, line);
		char expect[64];
		snprintf(expect, sizeof(expect), "%lld\t(regular)", size);
		/* A folder's size means nothing; its type is checked. */
		if (size < 0)
			cr_assert(strstr(tab + 1, "\t(directory)"),
			          "gio list %s: %s\t%s", path, line, tab + 1);
		else
			cr_assert_str_eq(tab + 1, expect, "gio list %s: %s",
			                 path, line);
	}
	cr_assert_eq(lines, want.n, "gio list %s: %zu entries, not %zu", path,
	             lines, want.n);
	tl_list_free(&want);
	free(out);
}

/* `gio info -a standard::size` of every file of one folder of the mount. */
static void check_info(const char *mnt, const char *ref, const char *dir)
{
	struct tl_list names;
	char want_dir[TL_PATH], paths[48][TL_PATH];
	tl_join(want_dir, "%s/%s", ref, dir);
	tl_list_dir(want_dir, &names);
	cr_assert_leq(names.n, 48, "%s: too many files", want_dir);
	const char *args[56] = {"info", "-a", "standard::size"};
	for (size_t i = 0; i < names.n; i++) {
		tl_join(paths[i], "%s/%s/%s", mnt, dir, names.v[i]);
		args[3 + i] = paths[i];
	}
	args[3 + names.n] = NULL;
	char *out = gio(args, 0);
	/* One block per file, in the order asked. */
	const char *key = "standard::size: ", *at = out;
	for (size_t i = 0; i < names.n; i++) {
		at = strstr(at, key);
		cr_assert_not_null(at, "gio info: no size for %s:\n%s",
		                   paths[i], out);
		at += strlen(key);
		long long size = strtoll(at, NULL, 10);
		long long want = ref_size(ref, dir, names.v[i]);
		cr_assert_eq(size, want, "gio info %s: %lld bytes, not %lld",
		             paths[i], size, want);
	}
	cr_assert_null(strstr(at, key), "gio info: more sizes than files");
	tl_list_free(&names);
	free(out);
}

Test(gio, list_and_info_give_exact_sizes)
{
	char ref[TL_PATH];
	struct tl_mount *m = source_mount(ref);
	struct tl_list top;
	tl_list_dir(ref, &top);
	cr_assert_eq(top.n, 2, "%zu post office folders", top.n);
	/* Before any byte is read: the sizes come from the index alone. */
	check_list(m->mnt, ref, "");
	for (size_t i = 0; i < top.n; i++) {
		check_list(m->mnt, ref, top.v[i]);
		check_info(m->mnt, ref, top.v[i]);
	}
	tl_list_free(&top);
	/* What decides whether a file manager offers to write. */
	const char *fs_args[] = {"info", "-f", "-a", "filesystem::readonly",
	                         m->mnt, NULL};
	char *out = gio(fs_args, 0);
	cr_assert(strstr(out, "filesystem::readonly: TRUE"), "%s", out);
	free(out);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(gio, copy_gives_the_bytes)
{
	char ref[TL_PATH], dest[TL_PATH];
	struct tl_mount *m = source_mount(ref);
	tl_newdir(dest, "copy");
	struct tl_list top;
	tl_list_dir(m->mnt, &top);
	/* gio copy takes files, not folders: each post office's files
	 * at once into a folder of the copy. */
	for (size_t i = 0; i < top.n; i++) {
		char to[TL_PATH], from[TL_PATH], paths[48][TL_PATH];
		tl_join(to, "%s/%s", dest, top.v[i]);
		cr_assert(mkdir(to, 0755) == 0, "mkdir %s", to);
		tl_join(from, "%s/%s", m->mnt, top.v[i]);
		struct tl_list files;
		tl_list_dir(from, &files);
		cr_assert_leq(files.n, 48, "%s: too many files", from);
		const char *args[56] = {"copy"};
		for (size_t j = 0; j < files.n; j++) {
			tl_join(paths[j], "%s/%s", from, files.v[j]);
			args[1 + j] = paths[j];
		}
		args[1 + files.n] = to;
		args[2 + files.n] = NULL;
		free(gio(args, 0));
		tl_list_free(&files);
	}
	tl_list_free(&top);
	tl_assert_same_tree(dest, ref, 0);
	tl_finish();
}

/* What a file manager's menus do, each refused: the mount is read-only. */
Test(gio, writes_are_refused)
{
	char ref[TL_PATH], p[TL_PATH], q[TL_PATH], pkl[TL_PATH];
	struct tl_mount *m = source_mount(ref);
	struct tl_list top;
	tl_list_dir(m->mnt, &top);
	tl_join(pkl, "%s/%s/%s.PKL", m->mnt, top.v[0], top.v[0]);
	tl_join(p, "%s/%s/NEW", m->mnt, top.v[0]);
	tl_join(q, "%s/%s/%s.PKL", ref, top.v[0], top.v[0]);
	const char *const writes[][7] = {
	        {"remove", pkl, NULL},
	        {"mkdir", p, NULL},
	        {"copy", q, p, NULL},
	        {"move", pkl, p, NULL},
	        {"rename", pkl, "NEW", NULL},
	        {"set", "-t", "uint32", pkl, "unix::mode", "438", NULL},
	        /* The trash is a folder to make on the mount. */
	        {"trash", pkl, NULL},
	};
	size_t n = sizeof(writes) / sizeof(*writes);
	for (size_t i = 0; i < n; i++) {
		char *err = gio(writes[i], 1);
		const char *why = i + 1 < n ? "Read-only file system"
		                            : "Unable to find or create trash";
		cr_assert(strstr(err, why), "gio %s: %s", writes[i][0], err);
		free(err);
	}
	tl_list_free(&top);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}
