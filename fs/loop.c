/*
 * The request loop: one thread asks /dev/fuse for requests, without
 * sleeping, for a moment after each one, and more threads join only when
 * requests queue up or one request takes long.
 *
 * Why not libfuse's multi-threaded loop: its threads sleep in read() on
 * /dev/fuse, and on a paravirtualised guest such as the machines this was
 * measured on, a sleep and a wakeup cost several microseconds each. Under
 * 4 KiB O_DIRECT random reads, one after another as fio makes them, perf
 * found 30% of the daemon's time in finish_task_switch under
 * fuse_dev_do_read. A client that waits for each reply sends its next
 * request a few microseconds after the reply, so a thread that keeps
 * asking takes it at once: fio's reads of a SEC file at 100k messages
 * went from 28,000 to 34,000 a second, 1.08 to 1.38 times squashfuse_ll
 * (tests/bench/bench.sh -r 3, medians, the two builds run back to back).
 *
 * So the descriptor is made non-blocking, and one thread, the leader,
 * asks again and again for up to `spin` microseconds after its last
 * request, then sleeps in poll() until the kernel has one. It answers
 * each request itself. It spins only after a request that came within
 * `spin` of the answer before it: requests that come now and then (a
 * cat of many files: OPEN, then FLUSH a millisecond later) are slept
 * for, not spun for. Nor does it spin while a helper answers requests:
 * on two processors, the spin would take one from the helper or from
 * the reader.
 *
 * The other threads (helpers) sleep on a condition variable, not on the
 * descriptor, so a request wakes none of them in vain. The leader wakes one
 * when, having found a request already waiting as it finished the last,
 * it finds another still waiting behind it (readahead, several clients).
 * Not on the first alone: a RELEASE follows a FLUSH at once, and a client
 * that shares the leader's processor sends its next request before the
 * leader looks again, every time. The helper takes requests until none is
 * left, wakes another when a second one was waiting, and sleeps again.
 *
 * One request that takes long (an export on a slow disk) must not hold
 * up the others, as it would with a single reader: one sleeping helper,
 * the watch, wakes every WATCH_US, and takes requests itself when the
 * leader has been in one request that long. Once the leader has answered
 * nothing for WATCH_IDLE_US and sleeps in poll(), the watch sleeps
 * without a limit, and the leader wakes it when poll() returns: an idle
 * mount costs nothing, and a busy one a wakeup every WATCH_US.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "loop.h"

#define WATCH_US 10000u
#define WATCH_IDLE_US 1000000u

struct pool {
	struct fuse_session *se;
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* helpers sleep here */
	pthread_cond_t watch; /* the watch sleeps here */
	/* Under mu: helpers asleep (the watch among them), those woken
	 * and not yet up, whether one is the watch, whether it sleeps. */
	unsigned idle, asked;
	bool watched, watch_asleep, end;
	/* When the leader began the request it is in (µs), 0 if none;
	 * when it answered its last; whether it sleeps in poll(). */
	_Atomic uint64_t busy, done;
	atomic_bool polling, deep;
	atomic_uint working; /* helpers awake, answering requests */
	int error; /* the leader's: what ended the loop, 0 or -errno */
};

static uint64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

/*
 * One request without waiting: 1 taken, 0 none queued, else the end (0
 * when unmounted, ENODEV, or a negative errno). Only the leader's error
 * ends the loop: a helper's goes back to sleep, and the leader, which
 * reads the same descriptor, meets a lasting error itself.
 */
static int take(struct pool *p, struct fuse_buf *b, int *end)
{
	for (;;) {
		int r = fuse_session_receive_buf(p->se, b);
		if (r > 0)
			return 1;
		if (r == -EAGAIN)
			return 0;
		if (r == -EINTR && !fuse_session_exited(p->se))
			continue;
		*end = r == -EINTR ? 0 : r;
		return -1;
	}
}

static void ask_helper(struct pool *p);

/* A helper's turn: answers requests until none is queued, and asks
 * another helper in when a second one was waiting. */
static void drain(struct pool *p, struct fuse_buf *b)
{
	int end;
	for (unsigned n = 1; take(p, b, &end) > 0; n++) {
		if (n == 2)
			ask_helper(p);
		fuse_session_process_buf(p->se, b);
	}
}

/* Under mu: the watch's sleep; true when the leader is stuck. */
static bool watch_sleep(struct pool *p)
{
	uint64_t done = atomic_load(&p->done);
	if (atomic_load(&p->polling) && now_us() - done >= WATCH_IDLE_US) {
		/* Said before the second look, which the leader's store
		 * of polling = false precedes or follows: either this
		 * look sees it, or the leader sees deep and signals. */
		atomic_store(&p->deep, true);
		if (atomic_load(&p->polling))
			pthread_cond_wait(&p->watch, &p->mu);
		atomic_store(&p->deep, false);
		return false;
	}
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t); /* the clock of p->watch */
	long ns = t.tv_nsec + (long)(WATCH_US % 1000000u) * 1000;
	t.tv_sec += WATCH_US / 1000000u + ns / 1000000000;
	t.tv_nsec = ns % 1000000000;
	if (pthread_cond_timedwait(&p->watch, &p->mu, &t) != ETIMEDOUT)
		return false;
	uint64_t b = atomic_load(&p->busy);
	return b && now_us() - b >= WATCH_US;
}

static void *helper(void *arg)
{
	struct pool *p = arg;
	struct fuse_buf b = {.mem = NULL};
	pthread_mutex_lock(&p->mu);
	while (!p->end) {
		bool watch = false, stuck = false;
		p->idle++;
		while (!p->asked && !p->end && !stuck) {
			/* The watch's place, whenever it is free. */
			if (!p->watched)
				p->watched = watch = true;
			if (watch) {
				p->watch_asleep = true;
				stuck = watch_sleep(p);
				p->watch_asleep = false;
			} else {
				pthread_cond_wait(&p->cv, &p->mu);
			}
		}
		p->idle--;
		if (watch) {
			/* Another sleeping helper takes the watch. */
			p->watched = false;
			if (p->idle)
				pthread_cond_signal(&p->cv);
		}
		if (p->end)
			break;
		/* A watch that left as asked too, at the same time, takes
		 * the ask with it: asked never outgrows those asleep. */
		if (p->asked)
			p->asked--;
		pthread_mutex_unlock(&p->mu);
		atomic_fetch_add(&p->working, 1);
		drain(p, &b);
		atomic_fetch_sub(&p->working, 1);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	free(b.mem);
	return NULL;
}

/* Wakes a sleeping helper, if one is not already woken. */
static void ask_helper(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->idle > p->asked) {
		p->asked++;
		pthread_cond_signal(&p->cv);
		if (p->watch_asleep)
			pthread_cond_signal(&p->watch);
	}
	pthread_mutex_unlock(&p->mu);
}

/* Whether a request is queued still, once one was taken. */
static bool more_waiting(struct pollfd *pfd)
{
	return poll(pfd, 1, 0) > 0 && (pfd->revents & POLLIN);
}

/* Back from poll(): the watch, asleep without a limit, starts watching. */
static void wake_watch(struct pool *p)
{
	atomic_store(&p->polling, false);
	if (!atomic_load(&p->deep))
		return;
	pthread_mutex_lock(&p->mu);
	pthread_cond_signal(&p->watch);
	pthread_mutex_unlock(&p->mu);
}

void ccm_loop_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/*
 * The leader's sleep until /dev/fuse has a request. The signals that end
 * the session (`stop`) are blocked from the look at the session until
 * ppoll() lets them in, so one that comes in between ends the sleep
 * instead of going unseen until the next request. 0, or -errno when
 * poll failed.
 */
static int sleep_on(struct pool *p, struct pollfd *pfd, const sigset_t *stop)
{
	sigset_t old;
	pthread_sigmask(SIG_BLOCK, stop, &old);
	atomic_store(&p->polling, true);
	int n = fuse_session_exited(p->se) ? 0 : ppoll(pfd, 1, NULL, &old);
	int err = n < 0 && errno != EINTR ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	wake_watch(p);
	return err;
}

static void lead(struct pool *p, unsigned spin)
{
	struct fuse_buf b = {.mem = NULL};
	struct pollfd pfd = {.fd = fuse_session_fd(p->se), .events = POLLIN};
	bool after = false; /* just after answering a request */
	bool quick = false; /* the last request came within spin */
	sigset_t stop;
	ccm_loop_stop_signals(&stop);
	uint64_t since = now_us();
	while (!fuse_session_exited(p->se)) {
		int r = take(p, &b, &p->error);
		if (r < 0)
			break;
		uint64_t t = now_us();
		if (r > 0) {
			if (after && more_waiting(&pfd))
				ask_helper(p);
			quick = t - since < spin;
			atomic_store(&p->busy, t);
			fuse_session_process_buf(p->se, &b);
			since = now_us();
			atomic_store(&p->busy, 0);
			atomic_store(&p->done, since);
			after = true;
			continue;
		}
		after = false;
		if (quick && t - since < spin && !atomic_load(&p->working))
			continue;
		if ((p->error = sleep_on(p, &pfd, &stop)) != 0)
			break;
		since = now_us();
	}
	free(b.mem);
}

int ccm_loop(struct fuse_session *se, unsigned threads, unsigned spin)
{
	struct pool p = {.se = se};
	int fd = fuse_session_fd(se);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	pthread_condattr_t mono;
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&p.watch, &mono);
	pthread_condattr_destroy(&mono);
	/* Helpers take no signal: SIGINT and SIGHUP must end the leader's
	 * poll(), and a process-wide signal goes to the main thread first
	 * when that thread does not block it. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_t *t = calloc(threads > 1 ? threads - 1 : 1, sizeof(*t));
	unsigned n = 0;
	while (t && n + 1 < threads && !pthread_create(&t[n], NULL, helper, &p))
		n++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	lead(&p, spin);
	pthread_mutex_lock(&p.mu);
	p.end = true;
	pthread_cond_broadcast(&p.cv);
	pthread_cond_broadcast(&p.watch);
	pthread_mutex_unlock(&p.mu);
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_cond_destroy(&p.watch);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	fuse_session_reset(se);
	return p.error;
}
