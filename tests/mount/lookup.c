/*
 * Names: a missing name is ENOENT however often it is asked for (the daemon
 * caches misses in the kernel), a file is no folder, and a post office of
 * 2,000 mailboxes lists completely over many getdents64 calls, resuming
 * exactly where a call stopped.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tl.h"

TestSuite(lookup, .init = tl_setup, .fini = tl_teardown, .timeout = 300);

static struct tl_mount *small_mount(void)
{
	char src[TL_PATH];
	static const char *const gen[] = {
	        "--seed",     "2",  "--name",         "ACME", "--users", "3",
	        "--messages", "10", "--attach-bytes", "10K",  NULL};
	tl_make_source(src, gen);
	return tl_mount(src, NULL);
}

static void expect_errno(const char *path, int want)
{
	struct stat st;
	errno = 0;
	int r = stat(path, &st);
	int e = errno;
	cr_assert(r == -1 && e == want, "stat %s: %d, errno %d (%s), not %s",
	          path, r, e, strerror(e), strerror(want));
}

Test(lookup, missing_name_is_enoent_twice)
{
	struct tl_mount *m = small_mount();
	static const char *const missing[] = {"NOPE", "ACME/NOPE.PRI",
	                                      "ACME/00009999.PRI",
	                                      "ACME/ACME.PKL.X", "ACME/.PKL"};
	/* The second ask is answered by the kernel's cache of the miss:
	 * it must be the same answer. */
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(missing) / sizeof(*missing);
		     i++) {
			char p[TL_PATH];
			tl_join(p, "%s/%s", m->mnt, missing[i]);
			expect_errno(p, ENOENT);
			errno = 0;
			int fd = open(p, O_RDONLY);
			cr_assert(fd == -1 && errno == ENOENT, "open %s", p);
		}
	/* And the names that do exist are still found. */
	char p[TL_PATH];
	struct stat st;
	tl_join(p, "%s/ACME/ACME.PKL", m->mnt);
	cr_assert(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
	tl_finish();
}

Test(lookup, file_is_not_a_folder)
{
	struct tl_mount *m = small_mount();
	char p[TL_PATH];
	tl_join(p, "%s/ACME/DIRECTORY.PRI/X", m->mnt);
	expect_errno(p, ENOTDIR);
	expect_errno(p, ENOTDIR);
	tl_join(p, "%s/ACME/DIRECTORY.PRI", m->mnt);
	errno = 0;
	cr_assert(opendir(p) == NULL && errno == ENOTDIR, "opendir %s", p);
	tl_finish();
}

/* One getdents64 entry, as the kernel lays it out. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

struct listing {
	char **names;
	size_t n;
	int64_t *offs; /* d_off of each entry */
	unsigned char *types;
	uint64_t *inos;
	int calls; /* getdents64 calls that returned entries */
};

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->offs);
	free(l->types);
	free(l->inos);
	memset(l, 0, sizeof(*l));
}

/* Reads fd to its end with a 4 KiB buffer, calling getdents64 ourselves. */
static void read_listing(int fd, struct listing *l)
{
	memset(l, 0, sizeof(*l));
	size_t cap = 0;
	_Alignas(8) char buf[4096];
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		cr_assert(n >= 0, "getdents64: %s", strerror(errno));
		if (n == 0)
			break;
		l->calls++;
		for (long pos = 0; pos < n;) {
			struct linux_dirent64 *d =
			        (struct linux_dirent64 *)(buf + pos);
			cr_assert(d->d_reclen > 0 && pos + d->d_reclen <= n);
			if (l->n == cap) {
				cap = cap ? 2 * cap : 1024;
				l->names =
				        realloc(l->names, cap * sizeof(char *));
				l->offs =
				        realloc(l->offs, cap * sizeof(int64_t));
				l->types = realloc(l->types, cap);
				l->inos = realloc(l->inos,
				                  cap * sizeof(uint64_t));
				cr_assert(l->names && l->offs && l->types &&
				          l->inos);
			}
			l->offs[l->n] = d->d_off;
			l->types[l->n] = d->d_type;
			l->inos[l->n] = d->d_ino;
			l->names[l->n++] = strdup(d->d_name);
			pos += d->d_reclen;
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Checks a full listing of the big folder against the reference's names:
 * ".", "..", then each name exactly once, files as DT_REG with distinct
 * inode numbers.
 */
static void check_listing(const struct listing *l, const struct tl_list *want,
                          const char *what)
{
	cr_assert_eq(l->n, want->n + 2, "%s: %zu entries, expected %zu", what,
	             l->n, want->n + 2);
	char **sorted = malloc(l->n * sizeof(char *));
	cr_assert_not_null(sorted);
	memcpy(sorted, l->names, l->n * sizeof(char *));
	qsort(sorted, l->n, sizeof(char *), cmp_str);
	cr_assert_str_eq(sorted[0], ".", "%s", what);
	cr_assert_str_eq(sorted[1], "..", "%s", what);
	for (size_t i = 0; i < want->n; i++)
		cr_assert_str_eq(sorted[i + 2], want->v[i],
		                 "%s: listing differs from ccmail2iff's", what);
	free(sorted);
	for (size_t i = 0; i < l->n; i++) {
		const char *n = l->names[i];
		bool dot = !strcmp(n, ".") || !strcmp(n, "..");
		cr_assert_eq(l->types[i], dot ? DT_DIR : DT_REG,
		             "%s: %s type %d", what, n, l->types[i]);
		cr_assert_neq(l->inos[i], 0, "%s: %s has inode 0", what, n);
	}
	/* Distinct inode numbers (the files only: ".." may be anything). */
	uint64_t *inos = malloc(l->n * sizeof(uint64_t));
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->names[i], ".") && strcmp(l->names[i], ".."))
			inos[k++] = l->inos[i];
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < k; j++)
			cr_assert_neq(inos[i], inos[j],
			              "%s: two files with inode %llu", what,
			              (unsigned long long)inos[i]);
	free(inos);
}

Test(lookup, big_folder_lists_completely)
{
	char src[TL_PATH], ref[TL_PATH], dir[TL_PATH], refdir[TL_PATH];
	static const char *const gen[] = {
	        "--seed",         "3",    "--name",     "BIG",
	        "--users",        "2000", "--messages", "4000",
	        "--attach-bytes", "1M",   NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, NULL);
	tl_join(refdir, "%s/BIG", ref);
	struct tl_list want;
	tl_list_dir(refdir, &want);
	/* 2,000 mailboxes: a PRI each, a SEC for those with messages, the
	 * directory-only users, the PKL, DIRECTORY.PRI, REPORT.TXT and the
	 * bulletin board file. */
	cr_assert_geq(want.n, 2000 + 4, "ccmail2iff wrote %zu files", want.n);
	cr_assert(tl_list_has(&want, "BIG.PKL"));
	cr_assert(tl_list_has(&want, "DIRECTORY.PRI"));
	cr_assert(tl_list_has(&want, "REPORT.TXT"));

	struct tl_mount *m = tl_mount(src, NULL);
	tl_join(dir, "%s/BIG", m->mnt);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert(fd >= 0, "%s: %s", dir, strerror(errno));

	struct listing first;
	read_listing(fd, &first);
	check_listing(&first, &want, "first listing");
	cr_assert_gt(first.calls, 1, "%d getdents64 call(s) for %zu entries",
	             first.calls, first.n);

	/* Again from the start: the kernel may answer from its cache of the
	 * listing, which must be as complete. */
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	struct listing second;
	read_listing(fd, &second);
	check_listing(&second, &want, "second listing");
	listing_free(&second);

	/* Resume from the d_off of an entry in the middle, as telldir and
	 * seekdir do: the rest follows exactly. */
	size_t mid = first.n / 2 + 17;
	cr_assert_eq(lseek(fd, first.offs[mid], SEEK_SET), first.offs[mid]);
	struct listing rest;
	read_listing(fd, &rest);
	cr_assert_eq(rest.n, first.n - mid - 1,
	             "after seeking to entry %zu: %zu entries, expected %zu",
	             mid, rest.n, first.n - mid - 1);
	for (size_t i = 0; i < rest.n; i++)
		cr_assert_str_eq(rest.names[i], first.names[mid + 1 + i],
		                 "entry %zu after the seek", i);
	listing_free(&rest);
	close(fd);

	/* A fresh open lists it all too, and every name can be looked up. */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert(fd >= 0);
	struct listing fresh;
	read_listing(fd, &fresh);
	check_listing(&fresh, &want, "listing of a new open");
	close(fd);
	for (size_t i = 0; i < fresh.n; i++) {
		char p[TL_PATH];
		struct stat st;
		tl_join(p, "%s/%s", dir, fresh.names[i]);
		cr_assert(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
	}
	listing_free(&fresh);
	listing_free(&first);
	tl_list_free(&want);
	tl_finish();
}

/* How many lines of the daemon's debug log (-d) name opcode op. */
static int requests(const struct tl_mount *m, const char *op)
{
	char mark[64];
	snprintf(mark, sizeof(mark), "opcode: %s (", op);
	char *text = tl_slurp(m->log, NULL);
	int n = 0;
	for (const char *p = text; (p = strstr(p, mark)); p++)
		n++;
	free(text);
	return n;
}

/*
 * The daemon is asked to open a folder once per mount, and a file once,
 * and never to release either: the first open answers ENOSYS, the
 * kernel's "no need to ask". Listings and files read afterwards are
 * whole and the same each time.
 */
Test(lookup, opens_reach_the_daemon_once)
{
	char src[TL_PATH], dir[TL_PATH], file[TL_PATH];
	static const char *const gen[] = {"--seed",     "2",       "--name",
	                                  "ACME",       "--users", "3",
	                                  "--messages", "10",      NULL};
	static const char *const debug[] = {"-d", NULL};
	tl_make_source(src, gen);
	struct tl_mount *m = tl_mount(src, debug);
	size_t first[2] = {0, 0}, first_len = 0;
	char *first_data = NULL;
	tl_join(file, "%s/ACME/DIRECTORY.PRI", m->mnt);
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < 2; k++) {
			tl_join(dir, k ? "%s/ACME" : "%s", m->mnt);
			int fd = open(dir, O_RDONLY | O_DIRECTORY);
			cr_assert(fd >= 0, "open %s: %s", dir, strerror(errno));
			struct listing l;
			read_listing(fd, &l);
			close(fd);
			cr_assert_geq(l.n, k ? 8u : 3u, "%s: %zu entries", dir,
			              l.n);
			if (!round)
				first[k] = l.n;
			cr_assert_eq(l.n, first[k], "%s: %zu entries, then %zu",
			             dir, first[k], l.n);
			listing_free(&l);
		}
		size_t len;
		char *data = tl_slurp(file, &len);
		cr_assert_gt(len, 0, "%s is empty", file);
		if (!round)
			first_data = data, first_len = len;
		else {
			cr_assert(len == first_len &&
			                  !memcmp(data, first_data, len),
			          "%s read differently the second time", file);
			free(data);
		}
	}
	free(first_data);
	int opendirs = requests(m, "OPENDIR"),
	    releasedirs = requests(m, "RELEASEDIR"),
	    opens = requests(m, "OPEN"), releases = requests(m, "RELEASE");
	/* The debug log shows ENOSYS as an error: not the quiet log that
	 * tl_finish asks of a mount, so it is unmounted here. */
	cr_assert_eq(tl_umount(m), 0);
	cr_assert_eq(opendirs, 1, "%d OPENDIR requests for 6 opens", opendirs);
	cr_assert_eq(releasedirs, 0, "%d RELEASEDIR requests", releasedirs);
	cr_assert_eq(opens, 1, "%d OPEN requests for 3 opens", opens);
	cr_assert_eq(releases, 0, "%d RELEASE requests", releases);
}
