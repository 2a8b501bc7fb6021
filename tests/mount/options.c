/*
 * Mount options that shape what the mount shows: owners and modes (uid,
 * gid, umask, and the defaults of spec §1), DOS 8.3 folder names, the
 * listing without readdirplus; and the mtimes of spec §1.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl.h"

TestSuite(options, .init = tl_setup, .fini = tl_teardown, .timeout = 300);

static void small_source(char *src, char *ref, const char *const ref_args[])
{
	static const char *const gen[] = {
	        "--seed",     "17", "--name",         "ACME", "--users", "4",
	        "--messages", "20", "--attach-bytes", "50K",  NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, ref_args);
}

/* Owner and permission bits of every entry of the mount, its root too. */
static void check_owner_modes(const char *mnt, uid_t uid, gid_t gid,
                              mode_t dirs, mode_t files)
{
	struct tl_list l;
	tl_list_tree(mnt, &l);
	for (size_t i = 0; i <= l.n; i++) {
		char p[TL_PATH];
		tl_join(p, "%s/%s", mnt, i < l.n ? l.v[i] : "");
		struct stat st;
		cr_assert(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
		mode_t want = S_ISDIR(st.st_mode) ? dirs : files;
		cr_assert_eq(st.st_mode & 07777, want,
		             "%s: mode %04o, not %04o", p,
		             (unsigned)(st.st_mode & 07777), (unsigned)want);
		cr_assert_eq(st.st_uid, uid, "%s: uid %u, not %u", p,
		             (unsigned)st.st_uid, (unsigned)uid);
		cr_assert_eq(st.st_gid, gid, "%s: gid %u, not %u", p,
		             (unsigned)st.st_gid, (unsigned)gid);
	}
	tl_list_free(&l);
}

Test(options, default_owner_and_modes)
{
	char src[TL_PATH], ref[TL_PATH];
	small_source(src, ref, NULL);
	struct tl_mount *m = tl_mount(src, NULL);
	check_owner_modes(m->mnt, getuid(), getgid(), 0555, 0444);
	tl_finish();
}

Test(options, uid_gid_umask)
{
	char src[TL_PATH], ref[TL_PATH];
	small_source(src, ref, NULL);
	static const char *const opts[] = {"-o", "uid=1234,gid=5678,umask=022",
	                                   NULL};
	struct tl_mount *m = tl_mount(src, opts);
	check_owner_modes(m->mnt, 1234, 5678, 0555, 0444);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(options, umask_takes_bits_away)
{
	char src[TL_PATH], ref[TL_PATH];
	small_source(src, ref, NULL);
	static const char *const opts[] = {"-o", "uid=1234,umask=027", NULL};
	struct tl_mount *m = tl_mount(src, opts);
	check_owner_modes(m->mnt, 1234, getgid(), 0550, 0440);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(options, dos83_folder_names)
{
	char src[TL_PATH], ref[TL_PATH];
	static const char *const gen[] = {
	        "--seed",     "19", "--pos",          "4",   "--users", "3",
	        "--messages", "20", "--attach-bytes", "20K", NULL};
	tl_make_source(src, gen);
	static const char *const names[] = {"SALES/EAST", "sales:east",
	                                    "SALES EAST",
	                                    "Northern Territories Office"};
	for (int i = 0; i < 4; i++) {
		char po[TL_PATH];
		tl_join(po, "%s/po%02d", src, i + 1);
		tl_set_po_name(po, names[i]);
	}
	tl_join(ref, "%s/ref", tl_scratch());
	static const char *const ref_args[] = {"--dos83", NULL};
	tl_reference(src, ref, ref_args);
	static const char *const opts[] = {"-o", "dos83", NULL};
	struct tl_mount *m = tl_mount(src, opts);

	struct tl_list top;
	tl_list_dir(m->mnt, &top);
	cr_assert_eq(top.n, 4, "%zu post office folders", top.n);
	for (size_t i = 0; i < top.n; i++) {
		cr_assert_leq(strlen(top.v[i]), 8, "folder %s: over 8 chars",
		              top.v[i]);
		for (size_t j = i + 1; j < top.n; j++)
			cr_assert(strcasecmp(top.v[i], top.v[j]),
			          "two folders named %s and %s", top.v[i],
			          top.v[j]);
		/* The packing list is named after the folder: 8.3 too. */
		char pkl[TL_PATH];
		struct stat st;
		tl_join(pkl, "%s/%s/%s.PKL", m->mnt, top.v[i], top.v[i]);
		cr_assert(stat(pkl, &st) == 0, "%s: %s", pkl, strerror(errno));
	}
	cr_assert(tl_list_has(&top, "Northern"), "no folder Northern");
	tl_list_free(&top);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(options, noreaddirplus_same_tree)
{
	char src[TL_PATH], ref[TL_PATH];
	small_source(src, ref, NULL);
	static const char *const opts[] = {"-o", "noreaddirplus", NULL};
	struct tl_mount *m = tl_mount(src, opts);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

/* Sets the mtime (and atime) of every entry of a tree. */
static void set_times(const char *root, time_t t)
{
	struct tl_list l;
	tl_list_tree(root, &l);
	struct timespec ts[2] = {{t, 0}, {t, 0}};
	for (size_t i = 0; i <= l.n; i++) {
		char p[TL_PATH];
		tl_join(p, "%s/%s", root, i < l.n ? l.v[i] : "");
		cr_assert(utimensat(AT_FDCWD, p, ts, 0) == 0, "%s: %s", p,
		          strerror(errno));
	}
	tl_list_free(&l);
}

/*
 * Spec §1: a post office's folder and files carry the newest mtime of
 * its export files. Every source file is made old, one mailbox file new.
 */
Test(options, po_mtime_is_newest_export_file)
{
	char src[TL_PATH], ref[TL_PATH];
	small_source(src, ref, NULL);
	const time_t old = 1000000000, young = 1100000000;
	set_times(src, old);
	struct tl_list top;
	tl_list_dir(src, &top);
	const char *users = NULL;
	for (size_t i = 0; i < top.n; i++)
		if (!strcasecmp(top.v[i], "USERS"))
			users = top.v[i];
	cr_assert_not_null(users, "the source has no USERS folder");
	char udir[TL_PATH];
	tl_join(udir, "%s/%s", src, users);
	struct tl_list mailboxes;
	tl_list_dir(udir, &mailboxes);
	cr_assert_gt(mailboxes.n, 0);
	char young_file[TL_PATH];
	tl_join(young_file, "%s/%s", udir, mailboxes.v[0]);
	struct timespec ts[2] = {{young, 0}, {young, 0}};
	cr_assert(utimensat(AT_FDCWD, young_file, ts, 0) == 0);
	tl_list_free(&mailboxes);
	tl_list_free(&top);

	struct tl_mount *m = tl_mount(src, NULL);
	struct tl_list l;
	char po[TL_PATH];
	tl_join(po, "%s/ACME", m->mnt);
	tl_list_tree(po, &l);
	for (size_t i = 0; i <= l.n; i++) {
		char p[TL_PATH];
		tl_join(p, "%s/%s", po, i < l.n ? l.v[i] : "");
		struct stat st;
		cr_assert(stat(p, &st) == 0);
		cr_assert(st.st_mtim.tv_sec == young && st.st_mtim.tv_nsec == 0,
		          "%s: mtime %lld.%09ld, not %lld", p,
		          (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		          (long long)young);
	}
	tl_list_free(&l);
	tl_finish();
}

/* Runs "cat path" as nobody; returns its exit code, output into out. */
static int cat_as_nobody(const char *path, const char *out)
{
	const char *argv[] = {"setpriv",
	                      "--reuid=65534",
	                      "--regid=65534",
	                      "--clear-groups",
	                      "cat",
	                      path,
	                      NULL};
	return tl_run(argv, out, NULL, 60);
}

/*
 * Other users (Samba's, say) may read the mount only with allow_other:
 * FUSE's own rule, which the daemon must not defeat either way.
 */
Test(options, allow_other_lets_others_read)
{
	tl_require_root();
	char src[TL_PATH], ref[TL_PATH], out[TL_PATH], want[TL_PATH];
	small_source(src, ref, NULL);
	/* mkdtemp made the scratch folder 0700: nobody must reach the
	 * mount points. */
	cr_assert(chmod(tl_scratch(), 0755) == 0);
	tl_join(want, "%s/ACME/ACME.PKL", ref);

	struct tl_mount *m = tl_mount(src, NULL);
	char p[TL_PATH];
	tl_join(p, "%s/ACME/ACME.PKL", m->mnt);
	tl_join(out, "%s/cat1.out", tl_scratch());
	cr_assert_neq(cat_as_nobody(p, out), 0,
	              "another user read the mount without allow_other");
	tl_finish();

	static const char *const opts[] = {"-o", "allow_other", NULL};
	m = tl_mount(src, opts);
	tl_join(p, "%s/ACME/ACME.PKL", m->mnt);
	tl_join(out, "%s/cat2.out", tl_scratch());
	cr_assert_eq(cat_as_nobody(p, out), 0,
	             "another user could not read the mount with allow_other");
	tl_assert_same_file(out, want);
	tl_finish();
}
