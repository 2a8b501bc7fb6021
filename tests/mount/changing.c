/*
 * A mount whose source changes, and a mount told to stop (issue 9):
 *
 * - an attachment swapped for a FIFO after the mount, or overwritten in
 *   place with the same size and its mtime put back, makes a read of its
 *   SEC fail with EIO (reads big enough that ccmailfs would once have
 *   spliced them) and the daemon logs it; nothing hangs;
 * - attachment data is spliced only from a file system that is read-only
 *   itself (render.c), not from a read-only bind mount of a writable one,
 *   and reads right from both;
 * - SIGTERM unmounts lazily: a reader holding a file open reads on to the
 *   end and gets the right bytes, a new path lookup fails, and the daemon
 *   exits 0 once the file is closed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "tl.h"

TestSuite(changing, .init = tl_setup, .fini = tl_teardown, .timeout = 120);

/* 4 MiB of attachment: a SEC file of many FUSE reads. */
#define EXT_SIZE ((size_t)4 << 20)

static char src[TL_PATH], ext[TL_PATH];

/* USERS/A.EXP's one message carries FILES/EXT.BIN: CHG/00000001.SEC. */
static void export_write(void)
{
	char p[TL_PATH];
	tl_join(src, "%s/src", tl_scratch());
	tl_join(p, "%s/USERS", src);
	cr_assert_eq(mkdir(src, 0755) || mkdir(p, 0755), 0);
	tl_join(p, "%s/FILES", src);
	cr_assert_eq(mkdir(p, 0755), 0);
	static const char po_ini[] = "[PostOffice]\r\nName=CHG\r\n";
	static const char dir[] = "Name: Ames, Al\r\nLocation: L\r\n";
	static const char mbx[] = "Mailbox: Ames, Al\n\nMessage:\n"
	                          "From: Ames, Al\nDate: 6/2/98 8:39\n"
	                          "To: Ames, Al\nSubject: big\nContents:\n"
	                          "File item: EXT.BIN\nPath: FILES/EXT.BIN\n";
	tl_join(p, "%s/PO.INI", src);
	tl_write(p, po_ini, sizeof(po_ini) - 1);
	tl_join(p, "%s/CCMDIR.EXP", src);
	tl_write(p, dir, sizeof(dir) - 1);
	tl_join(p, "%s/USERS/A.EXP", src);
	tl_write(p, mbx, sizeof(mbx) - 1);
	char *data = malloc(EXT_SIZE);
	cr_assert_not_null(data);
	struct tl_rng s = {9};
	for (size_t i = 0; i < EXT_SIZE; i++)
		data[i] = (char)tl_rng_next(&s);
	tl_join(ext, "%s/FILES/EXT.BIN", src);
	tl_write(ext, data, EXT_SIZE);
	free(data);
}

/*
 * Reads path from start to end in 1 MiB reads; returns 0, or the errno
 * of the read that failed. *n gets the bytes read.
 */
static int read_all(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	size_t cap = (size_t)1 << 20;
	char *buf = malloc(cap);
	cr_assert_not_null(buf);
	int err = 0;
	*n = 0;
	for (;;) {
		ssize_t r = read(fd, buf, cap);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? errno : 0;
			break;
		}
		*n += (size_t)r;
	}
	free(buf);
	close(fd);
	return err;
}

/* The SEC read fails with EIO, and the daemon's log says so. */
static void expect_eio(struct tl_mount *m)
{
	char sec[TL_PATH];
	tl_join(sec, "%s/CHG/00000001.SEC", m->mnt);
	size_t n;
	int err = read_all(sec, &n);
	cr_expect_eq(err, EIO, "read gave %s after %zu bytes", strerror(err),
	             n);
	size_t ln;
	char *log = tl_slurp(m->log, &ln);
	cr_expect_not_null(strstr(log, "00000001.SEC: read at"),
	                   "no log line:\n%s", log);
	cr_expect_not_null(strstr(log, ": source file /"),
	                   "the log line names no source file:\n%s", log);
	cr_expect_not_null(strstr(log, "/FILES/EXT.BIN"),
	                   "the log line names another file:\n%s", log);
	free(log);
	tl_umount(m);
}

Test(changing, attachment_made_fifo_after_mount)
{
	export_write();
	struct tl_mount *m = tl_mount(src, NULL);
	cr_assert_eq(unlink(ext), 0);
	cr_assert_eq(mkfifo(ext, 0644), 0);
	expect_eio(m);
}

Test(changing, attachment_same_size_mtime_put_back)
{
	export_write();
	struct tl_mount *m = tl_mount(src, NULL);
	struct stat st, now;
	cr_assert_eq(stat(ext, &st), 0);
	/* ctime is stamped from a clock that ticks every few ms: wait past
	 * the tick of the last change, or the write would change nothing
	 * the check can see (asserted below). */
	nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	int fd = open(ext, O_RDWR);
	cr_assert_geq(fd, 0);
	char c;
	cr_assert_eq(pread(fd, &c, 1, EXT_SIZE / 2), 1);
	c = (char)~c;
	cr_assert_eq(pwrite(fd, &c, 1, EXT_SIZE / 2), 1);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	cr_assert_eq(futimens(fd, ts), 0);
	close(fd);
	cr_assert_eq(stat(ext, &now), 0);
	cr_assert(now.st_size == st.st_size &&
	          now.st_mtim.tv_sec == st.st_mtim.tv_sec &&
	          now.st_mtim.tv_nsec == st.st_mtim.tv_nsec);
	cr_assert(now.st_ctim.tv_sec != st.st_ctim.tv_sec ||
	                  now.st_ctim.tv_nsec != st.st_ctim.tv_nsec,
	          "ctime did not move: the test proves nothing");
	expect_eio(m);
}

/*
 * A reader with a file open: 1 MiB read, then SIGTERM, then the rest.
 * Every byte is compared with ccmail2iff's file.
 */
Test(changing, sigterm_lets_open_file_finish)
{
	export_write();
	char ref[TL_PATH], want_path[TL_PATH], got_path[TL_PATH], p[TL_PATH];
	tl_join(ref, "%s/ref", tl_scratch());
	tl_reference(src, ref, NULL);
	tl_join(want_path, "%s/CHG/00000001.SEC", ref);
	size_t wn;
	char *want = tl_slurp(want_path, &wn);
	struct tl_mount *m = tl_mount(src, NULL);
	cr_assert_gt(m->pid, 0);
	tl_join(got_path, "%s/CHG/00000001.SEC", m->mnt);
	int fd = open(got_path, O_RDONLY);
	cr_assert_geq(fd, 0);
	char *got = malloc(wn + 1);
	cr_assert_not_null(got);
	size_t n = 0;
	ssize_t r = read(fd, got, (size_t)1 << 20);
	cr_assert_eq(r, (ssize_t)1 << 20);
	n = (size_t)r;

	cr_assert_eq(kill(m->pid, SIGTERM), 0);
	/* The mount leaves the tree at once (lazily)... */
	for (int i = 0; i < 3000 && tl_mounted(m->mnt, NULL); i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	cr_assert(!tl_mounted(m->mnt, NULL), "still mounted after SIGTERM");
	/* ...so a new lookup finds nothing... */
	tl_join(p, "%s/CHG/00000001.PRI", m->mnt);
	struct stat st;
	cr_expect_neq(stat(p, &st), 0);
	/* ...while the open file reads on to its end. */
	while (n < wn + 1) {
		r = read(fd, got + n, wn + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		cr_assert_geq(r, 0, "read at %zu: %s", n, strerror(errno));
		if (!r)
			break;
		n += (size_t)r;
	}
	cr_expect_eq(n, wn);
	cr_expect(n == wn && !memcmp(got, want, wn), "other bytes");
	close(fd);
	/* Once the file is closed the kernel lets go: the daemon ends. */
	cr_expect_eq(tl_umount(m), 0);
	tl_assert_quiet_log(m->log);
	free(got);
	free(want);
}

/*
 * Read-only views of the export, each mounted at dir: a read-only bind
 * mount of it (its files can still be written through src), or its
 * squashfs image on a loop device (read-only itself). Unmounted with
 * unview, lazily, whatever a test's asserts did.
 */
static void view_bind(char *dir)
{
	tl_newdir(dir, "ro");
	cr_assert_eq(mount(src, dir, NULL, MS_BIND, NULL), 0, "bind: %s",
	             strerror(errno));
	int rc = mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	if (rc) {
		umount2(dir, MNT_DETACH);
		cr_assert_fail("remount read-only: %s", strerror(errno));
	}
}

static void view_image(char *dir)
{
	char img[TL_PATH];
	tl_join(img, "%s/src.sqfs", tl_scratch());
	const char *mk[] = {"mksquashfs",   src, img, "-noappend", "-quiet",
	                    "-no-progress", NULL};
	tl_run_ok(mk, "mksquashfs.log");
	tl_newdir(dir, "image");
	cr_assert_eq(
	        tl_shell("mount -t squashfs -o loop,ro '%s' '%s'", img, dir), 0,
	        "loop mount of the export's image");
}

static void unview(const char *dir)
{
	umount2(dir, MNT_DETACH);
}

/*
 * Splice is used only from an unchanging file system (srcfile.h,
 * ccm_fs_unchanging): the export's squashfs image offers a span of the
 * attachment's data, whose bytes are the read's; the read-only bind
 * mount of a writable export does not (a writer through src could change
 * the bytes under a splice), nor does the export itself. The same after
 * a scan and from the index file (the cache finds the marks again).
 */
Test(changing, splice_only_from_unchanging_file_system)
{
	tl_require_root();
	export_write();
	char bind[TL_PATH], image[TL_PATH], cache[TL_PATH];
	/* The image first: it is the view that can fail to mount. */
	view_image(image);
	view_bind(bind);
	tl_newdir(cache, "cache");
	struct ccm_options opts = {.cache_dir = cache};
	const char *dirs[] = {src, bind, image};
	bool spans[3][2];
	char *whole = NULL, *spliced = NULL;
	for (int i = 0; i < 6; i++) {
		int k = i / 2; /* each view twice: scanned, then cached */
		bool *span = &spans[k][i % 2];
		ccm_source *s = tl_open(dirs[k], &opts);
		size_t f = tl_file_index(s, 0, "00000001.SEC");
		uint64_t off = ccm_file_size(s, 0, f) / 2;
		size_t len = 64 * 1024, got = 0;
		struct ccm_span sp;
		*span = !ccm_file_span(s, 0, f, off, len, &sp);
		if (*span) {
			free(whole);
			free(spliced);
			whole = malloc(len);
			spliced = malloc(len);
			cr_assert(whole && spliced);
			cr_assert_eq(
			        ccm_file_read(s, 0, f, off, len, whole, &got),
			        CCM_OK);
			cr_assert_eq(pread(sp.fd, spliced, len, (off_t)sp.off),
			             (ssize_t)len);
			ccm_span_end(s, &sp);
		}
		ccm_source_close(s);
	}
	unview(bind);
	unview(image);
	for (int c = 0; c < 2; c++) {
		const char *how = c ? "from the index file" : "after a scan";
		cr_expect(!spans[0][c], "a span from the export, %s", how);
		cr_expect(!spans[1][c],
		          "a span from a read-only bind mount, %s", how);
		cr_expect(spans[2][c], "no span from the export's image, %s",
		          how);
	}
	if (whole && spliced)
		cr_expect(!memcmp(whole, spliced, 64 * 1024),
		          "the span's bytes are not the read's");
	free(whole);
	free(spliced);
}

/*
 * The mount from each read-only view: spliced from the image, copied
 * and checked from the bind mount; either way its SEC, copied out of the
 * mount, is ccmail2iff's byte for byte.
 */
static void read_only_view_reads_right(void (*view)(char *))
{
	tl_require_root();
	export_write();
	char ref[TL_PATH], ro[TL_PATH], want[TL_PATH], got[TL_PATH],
	        copy[TL_PATH];
	tl_join(ref, "%s/ref", tl_scratch());
	tl_reference(src, ref, NULL);
	view(ro);
	struct tl_mount *m = tl_mount(ro, NULL);
	tl_join(want, "%s/CHG/00000001.SEC", ref);
	tl_join(got, "%s/CHG/00000001.SEC", m->mnt);
	tl_join(copy, "%s/copy.sec", tl_scratch());
	/* Copied out first: the view goes whatever the result. */
	int rc = tl_shell("cp '%s' '%s'", got, copy);
	tl_umount(m);
	unview(ro);
	cr_assert_eq(rc, 0, "cp of the mounted SEC failed");
	tl_assert_same_file(copy, want);
}

Test(changing, read_only_image_reads_right)
{
	read_only_view_reads_right(view_image);
}

Test(changing, read_only_bind_mount_reads_right)
{
	read_only_view_reads_right(view_bind);
}
