/*
 * ccm-scanstat: how long the scan of a source takes, and how much memory
 * its index keeps, per message. Run by hand (tests/bench/README.md).
 *
 *   ccm-scanstat SOURCE [RUNS]
 *
 * Then renders every file once into one reused buffer and reports the
 * rate: what the core generates, without the cost of writing new files.
 *
 * Memory is what malloc holds after the scan, less what it held before:
 * the index and everything it keeps, nothing that is freed.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ccmailfs/ccmailfs.h"
#include "index.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ccm-scanstat SOURCE [RUNS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 100)
		runs = 5;
	double *t = calloc((size_t)runs, sizeof(*t));
	struct ccm_options o = {0};
	for (int r = 0; r < runs; r++) {
		struct mallinfo2 before = mallinfo2();
		double t0 = now();
		ccm_source *src;
		char msg[512];
		if (ccm_source_open(argv[1], &o, &src, msg, sizeof(msg))) {
			fprintf(stderr, "%s\n", msg);
			return 1;
		}
		t[r] = now() - t0;
		struct mallinfo2 after = mallinfo2();
		uint64_t msgs = 0;
		for (size_t p = 0; p < ccm_source_po_count(src); p++) {
			struct ccm_po_stats st;
			ccm_po_stats(src, p, &st);
			msgs += st.messages;
		}
		size_t bytes = after.uordblks + after.hblkhd - before.uordblks -
		               before.hblkhd;
		printf("run %d: scan %.3f s, %llu messages, index %zu bytes, "
		       "%.1f bytes/message\n",
		       r + 1, t[r], (unsigned long long)msgs, bytes,
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
	printf("median scan: %.3f s over %d runs\n", t[runs / 2], runs);

	ccm_source *src;
	if (ccm_source_open(argv[1], &o, &src, NULL, 0))
		return 1;
	size_t bufsz = (size_t)1 << 20;
	char *buf = malloc(bufsz);
	for (int r = 0; buf && r < runs; r++) {
		uint64_t total = 0;
		double t0 = now();
		for (size_t p = 0; p < ccm_source_po_count(src); p++)
			for (size_t f = 0; f < ccm_po_file_count(src, p); f++) {
				uint64_t size = ccm_file_size(src, p, f);
				for (uint64_t off = 0; off < size;) {
					size_t got;
					if (ccm_file_read(src, p, f, off, bufsz,
					                  buf, &got) ||
					    !got)
						return 1;
					off += got;
				}
				total += size;
			}
		t[r] = (double)total / 1e6 / (now() - t0);
		printf("render run %d: %llu bytes, %.0f MB/s\n", r + 1,
		       (unsigned long long)total, t[r]);
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	printf("median render: %.0f MB/s over %d runs\n", t[runs / 2], runs);
	free(buf);
	ccm_source_close(src);
	free(t);
	return 0;
}
