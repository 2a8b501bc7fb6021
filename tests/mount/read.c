/*
 * Reading the mount: exact sizes, reads at any offset and length, O_DIRECT,
 * mmap and concurrent readers, every byte checked against ccmail2iff's
 * output of the same source.
 *
 * The kernel trusts st_size and may ask for any page of a file in any
 * order, from several threads at once, so each of these is a way the lazy
 * generator could go wrong that reading a file front to back would miss.
 * Each test runs on four mounts: the default, -o nosplice, one thread (-s),
 * and the request loop with no spin and one helper (fs/loop.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl.h"

static char ref[TL_PATH];
static struct tl_mount *mnt;
static struct tl_list files; /* the files of the reference, relative */

/*
 * Two post offices with one large attachment each, so that one SEC file
 * of each is several MiB and spans many of the kernel's read requests.
 */
static void setup_with(const char *const opts[])
{
	tl_setup();
	char src[TL_PATH];
	static const char *const gen[] = {
	        "--seed",     "7",  "--pos",          "2",  "--users",      "8",
	        "--messages", "80", "--attach-bytes", "4M", "--big-attach", "1",
	        NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, NULL);
	mnt = tl_mount(src, opts);
	struct tl_list all;
	tl_list_tree(ref, &all);
	memset(&files, 0, sizeof(files));
	files.v = calloc(all.n, sizeof(*files.v));
	cr_assert_not_null(files.v);
	for (size_t i = 0; i < all.n; i++)
		if (all.v[i][strlen(all.v[i]) - 1] != '/')
			files.v[files.n++] = strdup(all.v[i]);
	files.cap = all.n;
	tl_list_free(&all);
	cr_assert_gt(files.n, 10);
}

static void teardown(void)
{
	tl_list_free(&files);
	tl_teardown();
}

/* The reference bytes of a file, and the mounted path. */
static char *want_of(size_t i, size_t *n)
{
	char p[TL_PATH];
	tl_join(p, "%s/%s", ref, files.v[i]);
	return tl_slurp(p, n);
}

static void mounted(size_t i, char *out)
{
	tl_join(out, "%s/%s", mnt->mnt, files.v[i]);
}

/* File i of the mount opened with flags, its path into p (TL_PATH). */
static int open_mounted(size_t i, char *p, int flags)
{
	mounted(i, p);
	int fd = open(p, flags);
	cr_assert(fd >= 0, "%s: %s", p, strerror(errno));
	return fd;
}

/* The largest file of the reference. */
static size_t largest(void)
{
	size_t best = 0;
	off_t best_size = -1;
	for (size_t i = 0; i < files.n; i++) {
		char p[TL_PATH];
		struct stat st;
		tl_join(p, "%s/%s", ref, files.v[i]);
		cr_assert(stat(p, &st) == 0);
		if (st.st_size > best_size)
			best = i, best_size = st.st_size;
	}
	return best;
}

/* pread until len bytes or the end: a short answer only at the end. */
static ssize_t pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void stat_size_is_bytes_read(void)
{
	off_t *sizes = calloc(files.n, sizeof(*sizes));
	cr_assert_not_null(sizes);
	/* Every size first, on a fresh mount, before any byte is read:
	 * sizes are promised before the files are generated. */
	for (size_t i = 0; i < files.n; i++) {
		char p[TL_PATH], r[TL_PATH];
		struct stat st, rs;
		mounted(i, p);
		tl_join(r, "%s/%s", ref, files.v[i]);
		cr_assert(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
		cr_assert(stat(r, &rs) == 0);
		cr_assert_eq(st.st_size, rs.st_size,
		             "%s: st_size %lld, ccmail2iff wrote %lld", p,
		             (long long)st.st_size, (long long)rs.st_size);
		sizes[i] = st.st_size;
	}
	for (size_t i = 0; i < files.n; i++) {
		char p[TL_PATH];
		mounted(i, p);
		size_t n;
		char *got = tl_slurp(p, &n);
		cr_assert_eq((off_t)n, sizes[i], "%s: st_size %lld, %zu read",
		             p, (long long)sizes[i], n);
		size_t wn;
		char *want = want_of(i, &wn);
		cr_assert(n == wn && !memcmp(got, want, n), "%s: wrong bytes",
		          p);
		free(got);
		free(want);
	}
	free(sizes);
	tl_finish();
}

static void pread_random_ranges(void)
{
	struct tl_rng seed = {20250601};
	char *buf = malloc(1 << 20);
	cr_assert_not_null(buf);
	for (size_t i = 0; i < files.n; i++) {
		size_t size;
		char *want = want_of(i, &size);
		char p[TL_PATH];
		int fd = open_mounted(i, p, O_RDONLY);
		for (int k = 0; k < 24; k++) {
			uint64_t off = tl_rng_next(&seed) % (size + 1);
			/* Mostly small reads, some long ones across many
			 * pages and read requests. */
			size_t len =
			        tl_rng_next(&seed) % 4 == 0
			                ? 1 + tl_rng_next(&seed) % (1 << 20)
			                : 1 + tl_rng_next(&seed) % 5000;
			size_t expect = size - off < len ? size - off : len;
			ssize_t n = pread_full(fd, buf, len, (off_t)off);
			cr_assert_eq(n, (ssize_t)expect,
			             "%s: pread(%zu @ %llu) gave %zd, not %zu",
			             p, len, (unsigned long long)off, n,
			             expect);
			cr_assert(!memcmp(buf, want + off, expect),
			          "%s: pread(%zu @ %llu): wrong bytes", p, len,
			          (unsigned long long)off);
		}
		close(fd);
		free(want);
	}
	free(buf);
	tl_finish();
}

static void pread_last_byte_and_past_end(void)
{
	char buf[8192];
	for (size_t i = 0; i < files.n; i++) {
		size_t size;
		char *want = want_of(i, &size);
		char p[TL_PATH];
		int fd = open_mounted(i, p, O_RDONLY);
		cr_assert_eq(lseek(fd, 0, SEEK_END), (off_t)size, "%s", p);
		if (size > 0) {
			off_t last = (off_t)size - 1;
			cr_assert_eq(pread(fd, buf, 1, last), 1, "%s", p);
			cr_assert_eq(buf[0], want[size - 1], "%s: last byte",
			             p);
			cr_assert_eq(pread(fd, buf, sizeof(buf), last), 1,
			             "%s: a read over the end", p);
			cr_assert_eq(buf[0], want[size - 1], "%s", p);
		}
		cr_assert_eq(pread(fd, buf, 100, (off_t)size), 0,
		             "%s: a read at the end", p);
		cr_assert_eq(pread(fd, buf, 100, (off_t)size + 1), 0,
		             "%s: a read past the end", p);
		cr_assert_eq(pread(fd, buf, 100, (off_t)size + (1 << 30)), 0,
		             "%s: a read far past the end", p);
		cr_assert_eq(pread(fd, buf, 0, 0), 0, "%s: an empty read", p);
		close(fd);
		free(want);
	}
	tl_finish();
}

static void odirect_aligned_blocks(void)
{
	enum { BLK = 4096 };
	struct tl_rng seed = {77};
	void *mem;
	cr_assert_eq(posix_memalign(&mem, BLK, 4 * BLK), 0);
	char *buf = mem;
	for (size_t i = 0; i < files.n; i++) {
		size_t size;
		char *want = want_of(i, &size);
		char p[TL_PATH];
		mounted(i, p);
		int fd = open(p, O_RDONLY | O_DIRECT);
		cr_assert(fd >= 0, "%s: O_DIRECT: %s", p, strerror(errno));
		/* Every block, in a shuffled order, then some 16 KiB
		 * reads: each goes to the daemon, not the page cache. */
		size_t blocks = (size + BLK - 1) / BLK;
		size_t *order = malloc((blocks ? blocks : 1) * sizeof(*order));
		cr_assert_not_null(order);
		for (size_t b = 0; b < blocks; b++)
			order[b] = b;
		for (size_t b = blocks; b > 1; b--) {
			size_t j = tl_rng_next(&seed) % b, t = order[b - 1];
			order[b - 1] = order[j];
			order[j] = t;
		}
		for (size_t k = 0; k < blocks + 8; k++) {
			size_t b = k < blocks
			                   ? order[k]
			                   : tl_rng_next(&seed) % (blocks + 1);
			size_t len = k < blocks ? BLK : 4 * BLK;
			uint64_t off = (uint64_t)b * BLK;
			size_t expect = off >= size        ? 0
			                : size - off < len ? size - off
			                                   : len;
			ssize_t n = pread_full(fd, buf, len, (off_t)off);
			cr_assert_eq(
			        n, (ssize_t)expect,
			        "%s: O_DIRECT %zu @ %llu gave %zd, not %zu", p,
			        len, (unsigned long long)off, n, expect);
			cr_assert(!memcmp(buf, want + off, expect),
			          "%s: O_DIRECT %zu @ %llu: wrong bytes", p,
			          len, (unsigned long long)off);
		}
		free(order);
		close(fd);
		free(want);
	}
	free(mem);
	tl_finish();
}

static void mmap_matches(void)
{
	size_t i = largest(), size;
	char *want = want_of(i, &size);
	char p[TL_PATH];
	int fd = open_mounted(i, p, O_RDONLY);
	char *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert(map != MAP_FAILED, "mmap %s: %s", p, strerror(errno));
	/* Backwards, page by page: the faults come in the wrong order for
	 * readahead. */
	for (size_t off = (size - 1) / 4096 * 4096;; off -= 4096) {
		size_t n = size - off < 4096 ? size - off : 4096;
		cr_assert(!memcmp(map + off, want + off, n),
		          "%s: mapped page at %zu differs", p, off);
		if (off == 0)
			break;
	}
	munmap(map, size);
	close(fd);
	free(want);
	tl_finish();
}

/* One reader of the concurrency test; never asserts (not its thread). */
struct reader {
	const char *path, *want;
	size_t size, chunk;
	bool direct, backwards;
	pthread_barrier_t *start;
	char error[256];
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	void *mem = NULL;
	if (posix_memalign(&mem, 4096, r->chunk)) {
		snprintf(r->error, sizeof(r->error), "no memory");
		return NULL;
	}
	char *buf = mem;
	int fd = open(r->path, O_RDONLY | (r->direct ? O_DIRECT : 0));
	pthread_barrier_wait(r->start);
	if (fd < 0) {
		snprintf(r->error, sizeof(r->error), "open: %s",
		         strerror(errno));
		free(mem);
		return NULL;
	}
	size_t chunks = (r->size + r->chunk - 1) / r->chunk;
	for (size_t k = 0; k < chunks && !r->error[0]; k++) {
		size_t c = r->backwards ? chunks - 1 - k : k;
		uint64_t off = (uint64_t)c * r->chunk;
		size_t expect =
		        r->size - off < r->chunk ? r->size - off : r->chunk;
		ssize_t n = pread_full(fd, buf, r->chunk, (off_t)off);
		if (n != (ssize_t)expect)
			snprintf(r->error, sizeof(r->error),
			         "%zu @ %llu gave %zd, not %zu", r->chunk,
			         (unsigned long long)off, n, expect);
		else if (memcmp(buf, r->want + off, expect))
			snprintf(r->error, sizeof(r->error),
			         "%zu @ %llu: wrong bytes", r->chunk,
			         (unsigned long long)off);
	}
	close(fd);
	free(mem);
	return NULL;
}

/* Two threads read one large file at once, each in its own order. */
static void race(struct reader a, struct reader b)
{
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, 2);
	a.start = b.start = &start;
	pthread_t ta, tb;
	cr_assert_eq(pthread_create(&ta, NULL, read_all, &a), 0);
	cr_assert_eq(pthread_create(&tb, NULL, read_all, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&start);
	cr_assert(!a.error[0], "%s, reader A: %s", a.path, a.error);
	cr_assert(!b.error[0], "%s, reader B: %s", b.path, b.error);
}

static void two_threads_one_file(void)
{
	size_t i = largest(), size;
	char *want = want_of(i, &size);
	cr_assert_gt(size, 2u << 20, "the largest file is only %zu bytes",
	             size);
	char p[TL_PATH];
	mounted(i, p);
	struct reader r = {.path = p, .want = want, .size = size};

	/* Cached reads forwards in odd-sized pieces against O_DIRECT
	 * reads backwards; then both O_DIRECT, again crossing. */
	struct reader a = r, b = r;
	a.chunk = 100000;
	b.chunk = 16384, b.direct = true, b.backwards = true;
	race(a, b);
	a = r, b = r;
	a.chunk = 65536, a.direct = true;
	b.chunk = 12288, b.direct = true, b.backwards = true;
	race(a, b);
	free(want);
	tl_finish();
}

/*
 * Each test runs on three daemons: the default (one thread, attachment
 * bytes spliced from their files), without splice (every byte rendered),
 * and the multi-threaded loop.
 */
static void setup_default(void)
{
	setup_with(NULL);
}

static void setup_nosplice(void)
{
	static const char *const opts[] = {"-o", "nosplice", NULL};
	setup_with(opts);
}

static void setup_single(void)
{
	static const char *const opts[] = {"-s", NULL};
	setup_with(opts);
}

/* ccmailfs's loop with no spin and one helper (fs/loop.c). */
static void setup_nospin(void)
{
	static const char *const opts[] = {"-o", "spin=0,max_threads=2", NULL};
	setup_with(opts);
}

#define READ_SUITE(suite, setup_fn)                                            \
	TestSuite(suite, .init = setup_fn, .fini = teardown, .timeout = 300);  \
	Test(suite, stat_size_is_bytes_read)                                   \
	{                                                                      \
		stat_size_is_bytes_read();                                     \
	}                                                                      \
	Test(suite, pread_random_ranges)                                       \
	{                                                                      \
		pread_random_ranges();                                         \
	}                                                                      \
	Test(suite, pread_last_byte_and_past_end)                              \
	{                                                                      \
		pread_last_byte_and_past_end();                                \
	}                                                                      \
	Test(suite, odirect_aligned_blocks)                                    \
	{                                                                      \
		odirect_aligned_blocks();                                      \
	}                                                                      \
	Test(suite, mmap_matches)                                              \
	{                                                                      \
		mmap_matches();                                                \
	}                                                                      \
	Test(suite, two_threads_one_file)                                      \
	{                                                                      \
		two_threads_one_file();                                        \
	}

READ_SUITE(read, setup_default)
READ_SUITE(read_nosplice, setup_nosplice)
READ_SUITE(read_single, setup_single)
READ_SUITE(read_nospin, setup_nospin)
