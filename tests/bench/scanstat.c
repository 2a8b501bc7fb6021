/*
 * ccm-scanstat: how long the scan of a source takes, and how much memory
 * its index keeps, per message. Run by hand (tests/bench/README.md).
 *
 *   ccm-scanstat SOURCE [RUNS [scan|pri]]
 *
 * Then (unless "scan" is given: the scan alone, to profile it; "pri":
 * the PRI files alone) renders every file once into one reused buffer and
 * reports the rate, of all files and of the PRI files alone: what the core
 * generates, without the cost of writing new files (rates in CPU time: the
 * machine is shared).
 *
 * Memory is what malloc holds after the scan, less what it held before:
 * the index and everything it keeps, nothing that is freed.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccmailfs/ccmailfs.h"
#include "index.h"

static double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* The process's CPU time: steadier than the clock on a shared machine. */
static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Bytes rendered and the seconds it took. */
struct rate {
	uint64_t bytes;
	double secs;
};

/* Renders file f of post office p whole, in reads of bufsz bytes. */
static int render(ccm_source *src, size_t p, size_t f, char *buf, size_t bufsz,
                  struct rate *rt)
{
	uint64_t size = ccm_file_size(src, p, f);
	double t0 = cpu();
	for (uint64_t off = 0; off < size;) {
		size_t got;
		if (ccm_file_read(src, p, f, off, bufsz, buf, &got) || !got)
			return 1;
		off += got;
	}
	rt->secs += cpu() - t0;
	rt->bytes += size;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
		        "usage: ccm-scanstat SOURCE [RUNS [scan|pri]]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 100)
		runs = 5;
	double *t = calloc((size_t)runs, sizeof(*t));
	double *c = calloc((size_t)runs, sizeof(*c));
	struct ccm_options o = {0};
	for (int r = 0; r < runs; r++) {
		struct mallinfo2 before = mallinfo2();
		double t0 = now(), c0 = cpu();
		ccm_source *src;
		char msg[512];
		if (ccm_source_open(argv[1], &o, &src, msg, sizeof(msg))) {
			fprintf(stderr, "%s\n", msg);
			return 1;
		}
		t[r] = now() - t0;
		c[r] = cpu() - c0;
		struct mallinfo2 after = mallinfo2();
		uint64_t msgs = 0;
		for (size_t p = 0; p < ccm_source_po_count(src); p++) {
			struct ccm_po_stats st;
			ccm_po_stats(src, p, &st);
			msgs += st.messages;
		}
		size_t bytes = after.uordblks + after.hblkhd - before.uordblks -
		               before.hblkhd;
		printf("run %d: scan %.3f s (CPU %.3f s), %llu messages, index "
		       "%zu bytes, %.1f bytes/message\n",
		       r + 1, t[r], c[r], (unsigned long long)msgs, bytes,
		       msgs ? (double)bytes / (double)msgs : 0.0);
		if (r == 0) {
			size_t items = 0, seeks = 0, files = src->files.n;
			for (size_t p = 0; p < src->npo; p++) {
				items += src->pos[p]->items.n;
				seeks += src->pos[p]->seekpts.n;
			}
			printf("  items %zu (%zu bytes), seek points %zu, "
			       "source files %zu (%zu bytes)\n",
			       items, items * sizeof(struct ccm_item), seeks,
			       files, files * sizeof(struct ccm_srcfile));
		}
		ccm_source_close(src);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	qsort(c, (size_t)runs, sizeof(*c), cmp_double);
	printf("median scan: %.3f s (CPU %.3f s) over %d runs\n", t[runs / 2],
	       c[runs / 2], runs);
	free(c);
	if (argc > 3 && !strcmp(argv[3], "scan")) {
		free(t);
		return 0;
	}

	bool pri_only = argc > 3 && !strcmp(argv[3], "pri");
	ccm_source *src;
	if (ccm_source_open(argv[1], &o, &src, NULL, 0))
		return 1;
	size_t bufsz = (size_t)1 << 20;
	char *buf = malloc(bufsz);
	double *pri = calloc((size_t)runs, sizeof(*pri));
	for (int r = 0; buf && pri && r < runs; r++) {
		struct rate all = {0}, rows = {0};
		for (size_t p = 0; p < ccm_source_po_count(src); p++)
			for (size_t f = 0; f < ccm_po_file_count(src, p); f++) {
				enum ccm_ofile_kind k =
				        src->pos[p]->files.v[f].kind;
				bool row =
				        k == CCM_OF_MBX || k == CCM_OF_BOARDS;
				struct rate one = {0};
				if (pri_only && !row)
					continue;
				if (render(src, p, f, buf, bufsz, &one))
					return 1;
				all.bytes += one.bytes;
				all.secs += one.secs;
				if (row) {
					rows.bytes += one.bytes;
					rows.secs += one.secs;
				}
			}
		t[r] = (double)all.bytes / 1e6 / all.secs;
		pri[r] = (double)rows.bytes / 1e6 / rows.secs;
		printf("render run %d: %llu bytes, %.0f MB/s; PRI files %llu "
		       "bytes, %.0f MB/s\n",
		       r + 1, (unsigned long long)all.bytes, t[r],
		       (unsigned long long)rows.bytes, pri[r]);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	qsort(pri, (size_t)runs, sizeof(*pri), cmp_double);
	printf("median render: %.0f MB/s (PRI files %.0f MB/s) over %d runs\n",
	       t[runs / 2], pri[runs / 2], runs);
	free(pri);
	free(buf);
	ccm_source_close(src);
	free(t);
	return 0;
}
