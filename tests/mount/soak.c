/*
 * A soak: many readers at once, each opening files of two mounts of one
 * generated source (the default daemon, and one rendering every byte with
 * -o nosplice) and reading at random offsets and lengths for a set time
 * (CCM_SOAK_SECONDS, default 20), every byte checked against ccmail2iff's
 * tree of the same source. The time only bounds the work: the test asserts
 * that no read went wrong, never how fast they went.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tl.h"

#define READERS 8

/* A file of the reference tree, held whole. */
struct want {
	char rel[TL_PATH];
	char *data;
	size_t n;
};

struct soak {
	const char *mnt[2];
	struct want *files;
	size_t nfiles;
	struct timespec until;
};

/* What one reader did; it never asserts (not the test's thread). */
struct reader {
	const struct soak *s;
	struct tl_rng rng;
	uint64_t reads, bytes, bad;
	char first_error[512];
};

static bool past(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void note(struct reader *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void note(struct reader *r, const char *fmt, ...)
{
	r->bad++;
	if (r->first_error[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->first_error, sizeof(r->first_error), fmt, ap);
	va_end(ap);
}

/* An offset: anywhere, or near the end, or past it. */
static uint64_t pick_off(struct reader *r, size_t size)
{
	uint64_t x = tl_rng_next(&r->rng);
	switch (x & 3) {
	case 0:
		return size > 64 ? size - 1 - (x >> 8) % 64 : 0;
	case 1:
		return size + (x >> 8) % 3;
	default:
		return (x >> 8) % (size + 1);
	}
}

/* A length: a few bytes, a page or so, a kernel request, or a large one. */
static size_t pick_len(struct reader *r)
{
	static const size_t top[] = {64, 5000, 131072, 1 << 20};
	uint64_t x = tl_rng_next(&r->rng);
	return 1 + (size_t)((x >> 8) % top[x & 3]);
}

/* One pread checked against the reference. */
static void one_read(struct reader *r, int fd, const struct want *w,
                     const char *where, char *buf)
{
	uint64_t off = pick_off(r, w->n);
	size_t len = pick_len(r);
	size_t expect = off >= w->n ? 0 : w->n - off < len ? w->n - off : len;
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0) {
			note(r, "%s/%s: %zu @ %llu: %s", where, w->rel, len,
			     (unsigned long long)off, strerror(errno));
			return;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	r->reads++;
	r->bytes += got;
	if (got != expect)
		note(r, "%s/%s: %zu @ %llu gave %zu bytes, not %zu", where,
		     w->rel, len, (unsigned long long)off, got, expect);
	else if (memcmp(buf, w->data + off, got))
		note(r, "%s/%s: %zu @ %llu: wrong bytes", where, w->rel, len,
		     (unsigned long long)off);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	const struct soak *s = r->s;
	void *mem = NULL;
	if (posix_memalign(&mem, 4096, 1 << 20)) {
		note(r, "no memory");
		return NULL;
	}
	char *buf = mem;
	while (!past(&s->until)) {
		const struct want *w =
		        &s->files[tl_rng_next(&r->rng) % s->nfiles];
		const char *m = s->mnt[tl_rng_next(&r->rng) & 1];
		char path[2 * TL_PATH];
		snprintf(path, sizeof(path), "%s/%s", m, w->rel);
		/* Half the opens pass the page cache: every read of those
		 * reaches the daemon. */
		bool direct = tl_rng_next(&r->rng) & 1;
		int fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
		if (fd < 0) {
			note(r, "open %s: %s", path, strerror(errno));
			continue;
		}
		for (uint64_t k = 1 + tl_rng_next(&r->rng) % 8; k--;)
			one_read(r, fd, w, m, buf);
		close(fd);
	}
	free(buf);
	return NULL;
}

/* Every regular file of the reference tree, read whole. */
static void load_reference(const char *ref, struct soak *s)
{
	struct tl_list tree;
	tl_list_tree(ref, &tree);
	s->files = calloc(tree.n, sizeof(*s->files));
	cr_assert_not_null(s->files);
	s->nfiles = 0;
	for (size_t i = 0; i < tree.n; i++) {
		const char *rel = tree.v[i];
		if (rel[strlen(rel) - 1] == '/')
			continue;
		struct want *w = &s->files[s->nfiles++];
		tl_join(w->rel, "%s", rel);
		char p[TL_PATH];
		tl_join(p, "%s/%s", ref, rel);
		w->data = tl_slurp(p, &w->n);
	}
	tl_list_free(&tree);
	cr_assert_gt(s->nfiles, 20);
}

TestSuite(soak, .init = tl_setup, .fini = tl_teardown);

Test(soak, parallel_random_reads_match_ccmail2iff, .timeout = 300)
{
	static const char *const gen[] = {
	        "--seed",         "23", "--pos",        "2",
	        "--users",        "10", "--messages",   "300",
	        "--attach-bytes", "6M", "--big-attach", "2",
	        "--tricky",       NULL};
	char src[TL_PATH], ref[TL_PATH];
	tl_make_source(src, gen);
	tl_make_reference(src, ref, NULL);
	static const char *const nosplice[] = {"-o", "nosplice", NULL};
	struct soak s = {0};
	s.mnt[0] = tl_mount(src, NULL)->mnt;
	s.mnt[1] = tl_mount(src, nosplice)->mnt;
	load_reference(ref, &s);

	const char *env = getenv("CCM_SOAK_SECONDS");
	long secs = env && atol(env) > 0 ? atol(env) : 20;
	clock_gettime(CLOCK_MONOTONIC, &s.until);
	s.until.tv_sec += secs;
	struct reader r[READERS];
	pthread_t t[READERS];
	for (int i = 0; i < READERS; i++) {
		r[i] = (struct reader){.s = &s, .rng = {1000u + (unsigned)i}};
		cr_assert_eq(pthread_create(&t[i], NULL, reader_main, &r[i]),
		             0);
	}
	uint64_t reads = 0, bytes = 0, bad = 0;
	const char *first = "";
	for (int i = 0; i < READERS; i++) {
		pthread_join(t[i], NULL);
		reads += r[i].reads;
		bytes += r[i].bytes;
		bad += r[i].bad;
		if (!first[0])
			first = r[i].first_error;
	}
	/* The figures, for the test log: not asserted. */
	fprintf(stderr,
	        "soak: %d readers, %ld s: %llu reads, %llu bytes, %llu "
	        "wrong\n",
	        READERS, secs, (unsigned long long)reads,
	        (unsigned long long)bytes, (unsigned long long)bad);
	cr_assert_eq(bad, 0, "%llu of %llu reads went wrong; the first: %s",
	             (unsigned long long)bad, (unsigned long long)reads, first);
	cr_assert_gt(reads, 0);
	for (size_t i = 0; i < s.nfiles; i++)
		free(s.files[i].data);
	free(s.files);
	tl_finish();
}
