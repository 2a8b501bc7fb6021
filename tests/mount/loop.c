/*
 * The request loop (fs/loop.c) under a read that cannot finish: the
 * export lies on a squashfuse mount whose daemon is stopped (SIGSTOP), so
 * ccmailfs's read of an attachment waits in the kernel for as long as the
 * test likes. Meanwhile another request (a lookup) must still be
 * answered: one stuck request holds up no other, whichever of ccmailfs's
 * threads took it. Once squashfuse goes on (SIGCONT), the stuck read ends
 * with the right bytes.
 *
 * The test knows the read is stuck, rather than guessing with a sleep,
 * from the kernel's count of requests waiting on squashfuse's connection
 * (/sys/fs/fuse/connections/N/waiting). fusectl is mounted there when it
 * is not, and left so, as systemd mounts it at boot on Debian.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "tl.h"

TestSuite(loop, .init = tl_setup, .fini = tl_teardown, .timeout = 300);

#define FUSECTL "/sys/fs/fuse/connections"
#define CHUNK 65536

/* The biggest file of the reference tree (a SEC holding the attachment),
 * relative to it, into rel; its size. */
static off_t biggest(const char *ref, char *rel)
{
	struct tl_list l;
	tl_list_tree(ref, &l);
	off_t best = -1;
	for (size_t i = 0; i < l.n; i++) {
		struct stat st;
		char *p = tl_path(ref, l.v[i]);
		if (!stat(p, &st) && S_ISREG(st.st_mode) && st.st_size > best) {
			best = st.st_size;
			tl_join(rel, "%s", l.v[i]);
		}
		free(p);
	}
	tl_list_free(&l);
	cr_assert_gt(best, 4 * CHUNK, "no big file in %s", ref);
	return best;
}

/* Drops every page of the files under dir from the page cache, so that
 * reading them again asks dir's file system. */
static void evict(const char *dir)
{
	struct tl_list l;
	tl_list_tree(dir, &l);
	for (size_t i = 0; i < l.n; i++) {
		char *p = tl_path(dir, l.v[i]);
		int fd = open(p, O_RDONLY | O_NONBLOCK);
		if (fd >= 0) {
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
			close(fd);
		}
		free(p);
	}
	tl_list_free(&l);
}

/* Requests waiting on the FUSE connection of the mount at mnt, or -1. */
static long waiting(const char *mnt)
{
	struct stat st;
	cr_assert_eq(stat(mnt, &st), 0);
	/* fusectl names a connection by the kernel's device number. */
	unsigned id = major(st.st_dev) << 20 | minor(st.st_dev);
	char p[TL_PATH];
	tl_join(p, FUSECTL "/%u/waiting", id);
	FILE *f = fopen(p, "r");
	long n = -1;
	if (f && fscanf(f, "%ld", &n) != 1)
		n = -1;
	if (f)
		fclose(f);
	return n;
}

static void pause_ms(long ms)
{
	struct timespec t = {ms / 1000, ms % 1000 * 1000000};
	nanosleep(&t, NULL);
}

struct stuck {
	char path[TL_PATH];
	off_t at;
	char buf[CHUNK];
	ssize_t got;
	int err;
};

static void *read_stuck(void *arg)
{
	struct stuck *s = arg;
	int fd = open(s->path, O_RDONLY);
	s->got = fd < 0 ? -1 : pread(fd, s->buf, CHUNK, s->at);
	s->err = s->got < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	return NULL;
}

struct other {
	char path[TL_PATH];
	int err;
	atomic_bool done;
};

static void *look_up(void *arg)
{
	struct other *o = arg;
	struct stat st;
	o->err = stat(o->path, &st) ? errno : 0;
	atomic_store(&o->done, true);
	return NULL;
}

Test(loop, a_read_stuck_on_the_export_holds_up_no_other_request)
{
	tl_require_root();
	static const char *const gen[] = {"--seed",
	                                  "31",
	                                  "--name",
	                                  "SLOW",
	                                  "--users",
	                                  "2",
	                                  "--messages",
	                                  "8",
	                                  "--attach-bytes",
	                                  "2M",
	                                  "--big-attach",
	                                  "1",
	                                  NULL};
	char src[TL_PATH], ref[TL_PATH], img[TL_PATH], sq[TL_PATH];
	tl_make_source(src, gen);
	tl_make_reference(src, ref, NULL);
	tl_join(img, "%s/src.sqfs", tl_scratch());
	const char *mk[] = {"mksquashfs",   src, img, "-noappend", "-quiet",
	                    "-no-progress", NULL};
	tl_run_ok(mk, "mksquashfs.log");
	tl_newdir(sq, "sq");
	const char *sqf[] = {"squashfuse_ll", "-f", img, sq, NULL};
	char log[TL_PATH];
	tl_join(log, "%s/squashfuse.log", tl_scratch());
	int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	cr_assert_geq(lfd, 0);
	pid_t sqpid = tl_spawn(sqf, NULL, lfd, lfd, true);
	close(lfd);
	/* Adopted: unmounted and reaped at teardown, whatever happens. */
	struct tl_mount *sqm = tl_adopt(sq, sqpid);
	tl_join(sqm->log, "%s", log);
	tl_wait_mounted(sqm, "fuse.squashfuse_ll");
	if (waiting(sq) < 0)
		cr_assert_eq(mount("fusectl", FUSECTL, "fusectl", 0, NULL), 0,
		             "mount fusectl: %s", strerror(errno));

	struct tl_mount *m = tl_mount(sq, NULL);
	struct stuck s = {0};
	char rel[TL_PATH];
	off_t size = biggest(ref, rel);
	tl_join(s.path, "%s/%s", m->mnt, rel);
	s.at = size / 2 / CHUNK * CHUNK;
	evict(sq);
	cr_assert_eq(waiting(sq), 0);
	cr_assert_eq(kill(sqpid, SIGSTOP), 0);
	pthread_t ta, tb;
	cr_assert_eq(pthread_create(&ta, NULL, read_stuck, &s), 0);
	long w = 0;
	for (int i = 0; i < 20000 && (w = waiting(sq)) < 1; i++)
		pause_ms(1);

	struct other o = {.done = false};
	tl_join(o.path, "%s/SLOW/no-such-name", m->mnt);
	cr_assert_eq(pthread_create(&tb, NULL, look_up, &o), 0);
	bool done = false;
	for (int i = 0; i < 2000 && !(done = atomic_load(&o.done)); i++)
		pause_ms(10);
	long still = waiting(sq);
	kill(sqpid, SIGCONT);
	pthread_join(tb, NULL);
	pthread_join(ta, NULL);
	cr_assert_geq(w, 1, "ccmailfs's read never reached squashfuse");
	cr_assert_geq(still, 1, "the read on the export was not stuck");
	cr_assert(done, "a lookup waited 20 s behind a read stuck on the "
	                "export");
	cr_assert_eq(o.err, ENOENT, "%s", strerror(o.err));

	cr_assert_eq(s.got, CHUNK, "read: %s", strerror(s.err));
	char *want = tl_path(ref, rel);
	int fd = open(want, O_RDONLY);
	cr_assert_geq(fd, 0);
	char buf[CHUNK];
	cr_assert_eq(pread(fd, buf, CHUNK, s.at), CHUNK);
	close(fd);
	free(want);
	cr_assert(!memcmp(buf, s.buf, CHUNK), "the stuck read's bytes differ");
	cr_assert_eq(tl_umount(m), 0);
	cr_assert_eq(tl_umount(sqm), 0);
	tl_finish();
}
