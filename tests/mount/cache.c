/*
 * The persistent index through real mounts (issue 10):
 *
 * - a remount of a source loads the index file the first mount wrote
 *   (the daemon's log says "index loaded from FILE", which a scan never
 *   does), and both mounts show, byte for byte, the tree ccmail2iff
 *   writes without the cache; ccmail2iff then loads the same file;
 * - two mounts of one source at once both show that tree, and leave one
 *   whole index file that a third mount loads;
 * - with -o nocache no file is written and nothing is loaded;
 * - a relative -o cache=DIR is the caller's folder's DIR, also for a
 *   daemon, which writes its index after leaving for "/";
 * - the same for the mail views: a remount of -o view=maildir or
 *   view=eml loads the index and shows ccmail2iff's --view tree.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl.h"

TestSuite(cache, .init = tl_setup, .fini = tl_teardown, .timeout = 300);

static char src[TL_PATH], ref[TL_PATH], idx[TL_PATH], opt[TL_PATH + 8];

static void source(void)
{
	static const char *const gen[] = {
	        "--seed",     "23", "--pos",          "2",    "--users", "5",
	        "--messages", "60", "--attach-bytes", "300K", NULL};
	static const char *const plain[] = {"--no-cache", NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, plain);
	tl_join(idx, "%s/idx", tl_scratch());
	snprintf(opt, sizeof(opt), "cache=%s", idx);
}

static bool log_says(const struct tl_mount *m, const char *what)
{
	char *text = tl_slurp(m->log, NULL);
	bool yes = strstr(text, what) != NULL;
	free(text);
	return yes;
}

/* The number of entries of the cache folder. */
static size_t files_in(const char *dir)
{
	struct tl_list l = {0};
	tl_list_dir(dir, &l);
	size_t n = l.n;
	tl_list_free(&l);
	return n;
}

Test(cache, remount_loads_the_index)
{
	source();
	const char *const o[] = {"-o", opt, NULL};
	struct tl_mount *m = tl_mount(src, o);
	cr_assert(!log_says(m, "index loaded from"));
	tl_assert_same_tree(m->mnt, ref, 0);
	cr_assert_eq(tl_umount(m), 0);
	cr_assert_eq(files_in(idx), 1);

	m = tl_mount(src, o);
	cr_assert(log_says(m, "index loaded from"), "no load in %s", m->log);
	tl_assert_same_tree(m->mnt, ref, 0);
	cr_assert_eq(tl_umount(m), 0);

	char out[TL_PATH], arg[TL_PATH + 16], *err = NULL;
	tl_join(out, "%s/out", tl_scratch());
	snprintf(arg, sizeof(arg), "--cache=%s", idx);
	const char *argv[] = {
	        tl_env("CCM_CCMAIL2IFF"), "-q", arg, src, out, NULL};
	cr_assert_eq(tl_capture(argv, NULL, NULL, &err), 0, "%s", err);
	cr_assert(strstr(err, "index loaded from"), "%s", err);
	free(err);
	tl_assert_same_tree(out, ref, 0);
	tl_finish();
}

/* Two mounts of a mail view: the second loads the first's index. */
static void mail_view(const char *view)
{
	static const char *const gen[] = {
	        "--seed",     "29", "--pos",          "2",    "--users", "4",
	        "--messages", "50", "--attach-bytes", "200K", NULL};
	char vw[32], vo[TL_PATH + 48];
	snprintf(vw, sizeof(vw), "--view=%s", view);
	const char *const plain[] = {"--no-cache", vw, NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, plain);
	tl_join(idx, "%s/idx", tl_scratch());
	snprintf(vo, sizeof(vo), "cache=%s,view=%s", idx, view);
	const char *const o[] = {"-o", vo, NULL};
	for (int i = 0; i < 2; i++) {
		struct tl_mount *m = tl_mount(src, o);
		cr_assert_eq(log_says(m, "index loaded from"), i == 1,
		             "mount %d, log %s", i, m->log);
		tl_assert_same_tree(m->mnt, ref, 0);
		cr_assert_eq(tl_umount(m), 0);
	}
	cr_assert_eq(files_in(idx), 1);
	tl_finish();
}

Test(cache, maildir_remount_loads_the_index)
{
	mail_view("maildir");
}

Test(cache, eml_remount_loads_the_index)
{
	mail_view("eml");
}

Test(cache, two_mounts_at_once)
{
	source();
	const char *const o[] = {"-o", opt, NULL};
	struct tl_mount *a = tl_mount(src, o);
	struct tl_mount *b = tl_mount(src, o);
	tl_assert_same_tree(a->mnt, ref, 0);
	tl_assert_same_tree(b->mnt, ref, 0);
	cr_assert_eq(tl_umount(a), 0);
	cr_assert_eq(tl_umount(b), 0);
	cr_assert_eq(files_in(idx), 1);
	struct tl_mount *c = tl_mount(src, o);
	cr_assert(log_says(c, "index loaded from"), "no load in %s", c->log);
	tl_assert_same_tree(c->mnt, ref, 0);
	tl_finish();
}

Test(cache, nocache_writes_nothing)
{
	source();
	const char *const o[] = {"-o", opt, "-o", "nocache", NULL};
	for (int i = 0; i < 2; i++) {
		struct tl_mount *m = tl_mount(src, o);
		cr_assert(!log_says(m, "index loaded from"));
		tl_assert_same_tree(m->mnt, ref, 0);
		cr_assert_eq(tl_umount(m), 0);
	}
	struct tl_list l = {0};
	tl_list_dir(tl_scratch(), &l);
	cr_assert(!tl_list_has(&l, "idx"), "an index folder was made");
	tl_list_free(&l);
	tl_finish();
}

Test(cache, relative_folder_is_the_callers)
{
	source();
	char mnt[TL_PATH], rel[64], root[80], here[TL_PATH];
	snprintf(rel, sizeof(rel), "ccm-rel-cache-%ld", (long)getpid());
	snprintf(root, sizeof(root), "/%s", rel);
	tl_join(here, "%s/%s", tl_scratch(), rel);
	tl_newdir(mnt, "mnt");
	struct tl_mount *m = tl_adopt(mnt, 0);
	tl_join(m->log, "%s/daemon.log", tl_scratch());
	/* Daemon mode (no -f): the command returns once the mount serves. */
	int rc = tl_shell("cd '%s' && '%s' -o cache=%s '%s' '%s' >'%s' 2>&1",
	                  tl_scratch(), tl_env("CCM_CCMAILFS"), rel, src, mnt,
	                  m->log);
	cr_assert_eq(rc, 0, "ccmailfs -o cache=%s exited with %d", rel, rc);
	m->pid = tl_find_daemon(mnt);
	cr_assert_gt(m->pid, 0, "no daemon serves %s", mnt);
	tl_assert_same_tree(mnt, ref, 0);
	/* The daemon writes the index before it exits. */
	cr_assert_eq(tl_umount(m), 0);
	struct stat st;
	bool stray = stat(root, &st) == 0;
	if (stray)
		tl_remove_tree(root);
	cr_assert(!stray, "the index went to %s", root);
	cr_assert_eq(files_in(here), 1, "no index file in %s", here);
	tl_finish();
}
