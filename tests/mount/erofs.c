/*
 * The mount is read-only: every call that would change something fails
 * with EROFS, nothing appears or changes in the mount, and the source files
 * (bytes, sizes, modes, mtimes, ctimes) are exactly as they were before
 * the mount once it is gone.
 *
 * The kernel refuses most of these on an "ro" mount before the daemon
 * hears of them; the remount test makes the mount writable to the kernel
 * so that the daemon's own refusals are exercised as well.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tl.h"

static char src[TL_PATH], ref[TL_PATH];
static struct tl_snap before;
static struct tl_mount *mnt;
/* A file, a folder and a new name in the mount. */
static char file[TL_PATH], folder[TL_PATH], fresh[TL_PATH];

static void setup(void)
{
	tl_setup();
	static const char *const gen[] = {
	        "--seed",     "21", "--name",         "ACME", "--users", "4",
	        "--messages", "30", "--attach-bytes", "100K", NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, NULL);
	tl_snap_take(src, &before);
	mnt = tl_mount(src, NULL);
	tl_join(folder, "%s/ACME", mnt->mnt);
	tl_join(file, "%s/DIRECTORY.PRI", folder);
	tl_join(fresh, "%s/NEW.TXT", folder);
}

static void teardown(void)
{
	tl_snap_free(&before);
	tl_teardown();
}

TestSuite(erofs, .init = setup, .fini = teardown, .timeout = 300);

/*
 * The end of every test: the mount is still the reference, it unmounts
 * cleanly, and the source is untouched.
 */
static void end(void)
{
	tl_assert_same_tree(mnt->mnt, ref, 0);
	tl_finish();
	struct tl_snap after;
	tl_snap_take(src, &after);
	tl_snap_assert_same(&before, &after);
	tl_snap_free(&after);
}

#define EXPECT_EROFS(call)                                                     \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(call);                                        \
		int e_ = errno;                                                \
		cr_assert(r_ == -1 && e_ == EROFS,                             \
		          "%s returned %ld, errno %d (%s), not EROFS", #call,  \
		          r_, e_, strerror(e_));                               \
	} while (0)

/* open must fail with EROFS; an fd it returns anyway is closed. */
static void expect_open_erofs(const char *path, int flags)
{
	errno = 0;
	int fd = open(path, flags, 0644);
	int e = errno;
	if (fd >= 0)
		close(fd);
	cr_assert(fd < 0 && e == EROFS,
	          "open(%s, 0%o) returned %d, errno %d (%s), not EROFS", path,
	          (unsigned)flags, fd, e, strerror(e));
}

static void assert_absent(const char *path)
{
	struct stat st;
	errno = 0;
	cr_assert(lstat(path, &st) == -1 && errno == ENOENT,
	          "%s exists after a refused write", path);
}

static void try_open_write(void)
{
	expect_open_erofs(file, O_WRONLY);
	expect_open_erofs(file, O_RDWR);
	expect_open_erofs(file, O_WRONLY | O_APPEND);
	expect_open_erofs(file, O_RDONLY | O_TRUNC);
}

static void try_create(void)
{
	expect_open_erofs(fresh, O_WRONLY | O_CREAT);
	expect_open_erofs(fresh, O_RDWR | O_CREAT | O_EXCL);
	expect_open_erofs(file, O_WRONLY | O_CREAT);
	assert_absent(fresh);
}

static void try_truncate(void)
{
	EXPECT_EROFS(truncate(file, 0));
	EXPECT_EROFS(truncate(file, 1 << 20));
}

static void try_mkdir_rmdir(void)
{
	char d[TL_PATH];
	tl_join(d, "%s/NEWDIR", mnt->mnt);
	EXPECT_EROFS(mkdir(d, 0755));
	assert_absent(d);
	tl_join(d, "%s/NEWDIR", folder);
	EXPECT_EROFS(mkdir(d, 0755));
	assert_absent(d);
	EXPECT_EROFS(rmdir(folder));
}

static void try_unlink(void)
{
	EXPECT_EROFS(unlink(file));
}

static void try_rename(void)
{
	char to[TL_PATH];
	tl_join(to, "%s/RENAMED.PRI", folder);
	EXPECT_EROFS(rename(file, to));
	assert_absent(to);
	tl_join(to, "%s/RENAMED", mnt->mnt);
	EXPECT_EROFS(rename(folder, to));
	assert_absent(to);
}

static void try_link_symlink_mknod(void)
{
	char to[TL_PATH];
	tl_join(to, "%s/LINK.PRI", folder);
	EXPECT_EROFS(link(file, to));
	assert_absent(to);
	EXPECT_EROFS(symlink("DIRECTORY.PRI", to));
	assert_absent(to);
	EXPECT_EROFS(mknod(to, S_IFIFO | 0644, 0));
	assert_absent(to);
}

static void try_attributes(void)
{
	EXPECT_EROFS(chmod(file, 0644));
	EXPECT_EROFS(chmod(folder, 0755));
	EXPECT_EROFS(chown(file, 1, 1));
	EXPECT_EROFS(utimes(file, NULL));
	struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
	EXPECT_EROFS(utimensat(AT_FDCWD, file, ts, 0));
	EXPECT_EROFS(setxattr(file, "user.test", "1", 1, 0));
	EXPECT_EROFS(removexattr(file, "user.test"));
}

static void try_touch(void)
{
	const char *argv[] = {"touch", fresh, NULL};
	cr_assert_neq(tl_run(argv, NULL, NULL, 60), 0,
	              "touch of a new file succeeded");
	assert_absent(fresh);
	const char *again[] = {"touch", file, NULL};
	cr_assert_neq(tl_run(again, NULL, NULL, 60), 0,
	              "touch of an existing file succeeded");
}

Test(erofs, open_for_writing)
{
	try_open_write();
	end();
}

Test(erofs, create_new_file)
{
	try_create();
	end();
}

Test(erofs, truncate)
{
	try_truncate();
	end();
}

Test(erofs, mkdir_rmdir)
{
	try_mkdir_rmdir();
	end();
}

Test(erofs, unlink)
{
	try_unlink();
	end();
}

Test(erofs, rename)
{
	try_rename();
	end();
}

Test(erofs, link_symlink_mknod)
{
	try_link_symlink_mknod();
	end();
}

Test(erofs, chmod_chown_utimes_xattr)
{
	try_attributes();
	end();
}

Test(erofs, touch)
{
	try_touch();
	end();
}

Test(erofs, statvfs_says_read_only)
{
	struct statvfs sv;
	cr_assert(statvfs(mnt->mnt, &sv) == 0, "%s", strerror(errno));
	cr_assert(sv.f_flag & ST_RDONLY, "f_flag lacks ST_RDONLY");
	end();
}

static void try_every_write_path(void)
{
	try_open_write();
	try_create();
	try_truncate();
	try_mkdir_rmdir();
	try_unlink();
	try_rename();
	try_link_symlink_mknod();
	try_attributes();
	try_touch();
}

/* Every write path on one mount, reading everything in between: the
 * source must come out of the whole sequence untouched. */
Test(erofs, all_write_paths_then_source_intact)
{
	try_every_write_path();
	end();
}

/*
 * Remounted read-write, the kernel lets the calls through (root passes the
 * permission checks), and the daemon must refuse each one itself.
 */
Test(erofs, daemon_refuses_after_remount_rw)
{
	tl_require_root();
	cr_assert(mount(NULL, mnt->mnt, NULL, MS_REMOUNT, NULL) == 0,
	          "remount rw: %s", strerror(errno));
	struct statvfs sv;
	cr_assert(statvfs(mnt->mnt, &sv) == 0);
	cr_assert(!(sv.f_flag & ST_RDONLY),
	          "the mount is still read-only after the remount");
	try_every_write_path();
	end();
}
