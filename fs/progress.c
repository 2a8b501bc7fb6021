#include <stdio.h>
#include <unistd.h>

#include "progress.h"

/* Redraws at most this often: a few times a second. */
#define EVERY_NS 250000000LL

static long long ns_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000000000LL +
	       (now.tv_nsec - t->tv_nsec);
}

/* 1234567 as "1,234,567" into out. */
static void grouped(uint64_t v, char out[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	int o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* Seconds as H:MM:SS. */
static void clock_text(long long s, char out[32])
{
	if (s < 0)
		s = 0;
	snprintf(out, 32, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
}

static void draw(struct ccm_progress *p, bool last)
{
	long long ns = ns_since(&p->start);
	double secs = ns > 0 ? (double)ns / 1e9 : 1e-9;
	double rate = (double)p->done / secs;
	char bytes[32], when[32];
	grouped(p->done, bytes);
	/* Time left while writing, the time it took at the end. */
	if (last)
		clock_text((long long)secs, when);
	else if (rate > 0)
		clock_text((long long)((double)(p->total - p->done) / rate),
		           when);
	else
		snprintf(when, sizeof(when), "--:--:--");
	unsigned pct = p->total ? (unsigned)(p->done * 100 / p->total) : 100;
	fprintf(stderr, "\r%15s %3u%% %8.2fMB/s %10s ", bytes, pct, rate / 1e6,
	        when);
	if (last)
		fputc('\n', stderr);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &p->shown);
}

void ccm_progress_start(struct ccm_progress *p, uint64_t total, bool on)
{
	*p = (struct ccm_progress){.on = on, .total = total};
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	if (on)
		draw(p, false);
}

void ccm_progress_add(struct ccm_progress *p, uint64_t n)
{
	p->done += n;
	if (p->on && ns_since(&p->shown) >= EVERY_NS)
		draw(p, false);
}

void ccm_progress_end(struct ccm_progress *p)
{
	if (p->on)
		draw(p, true);
	p->on = false;
}

void ccm_progress_stop(struct ccm_progress *p)
{
	if (p->on)
		fputc('\n', stderr);
	p->on = false;
}
