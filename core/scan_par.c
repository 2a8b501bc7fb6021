/*
 * A post office's mailbox files (and its bulletin board file) scanned by
 * as many threads as there are processors.
 *
 * Each file is independent of the others, so each is scanned into a part:
 * a post office of its own with the settings of the real one (page, date
 * order, name), empty arrays, a source of its own for the files it opens
 * and the folder listings of the real one (scan_path.c). The caller's
 * thread, itself one of the workers, appends the finished parts to the
 * real post office strictly in the order of the files, every number a
 * part holds (message, item, seek point, source file...) moved by what
 * was there before: the result, warnings and source files included, is
 * the one a scan of the files one after the other gives, byte for byte,
 * whatever the threads did first. Parts are merged as soon as those
 * before them are, so memory holds little more than the index itself.
 */
#include <pthread.h>
#include <stddef.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "scan_par.h"
#include "scan_path.h"
#include "scan_read.h"

unsigned ccm_scan_threads;

struct part {
	struct ccm_po po;
	struct ccm_source src;
	struct part *next; /* in the pool's spare parts */
};

/* A job's result: done once its part is complete (part NULL: out of
 * memory). */
struct slot {
	struct part *part;
	bool started, done;
};

struct pool {
	struct ccm_po *po;
	const struct ccm_scanjob *jobs;
	struct slot *slots;
	size_t n, next; /* jobs, and how many were started */
	size_t first;   /* the largest job, started first */
	/* The jobs' file sizes: all, and those of the jobs merged. */
	uint64_t total, merged_size;
	bool failed; /* out of memory: no job is started any more */
	/* Parts merged, emptied with their arrays' room kept: the next jobs
	 * reuse them, so that memory is grown and first touched once. */
	struct part *spare;
	pthread_mutex_t lock;
	pthread_cond_t done;
};

/* A thread's reader and string arena, reused from job to job: the
 * arena's blocks go to the source at the end, with every part's strings. */
struct worker {
	struct pool *pool;
	struct ccm_feed own, *feed; /* the caller's: po->feed, if any */
	struct ccm_arena arena;
	pthread_t tid;
	bool started;
};

static struct part *part_new(struct pool *pl, struct worker *w)
{
	struct ccm_po *po = pl->po;
	pthread_mutex_lock(&pl->lock);
	struct part *pt = pl->spare;
	if (pt)
		pl->spare = pt->next;
	pthread_mutex_unlock(&pl->lock);
	if (!pt && !(pt = calloc(1, sizeof(*pt))))
		return NULL;
	pt->src.opts = po->src->opts;
	pt->src.arena = w->arena;
	w->arena = (struct ccm_arena){0};
	struct ccm_po *p = &pt->po;
	p->src = &pt->src;
	p->dir = po->dir;
	p->name = po->name;
	p->src_cp = po->src_cp;
	p->out_cp = po->out_cp;
	p->date_order = po->date_order;
	p->cp = po->cp; /* tables only read; freed with po */
	memcpy(p->folder, po->folder, sizeof(p->folder));
	p->why = po->why;
	p->boards_msg0 = p->boards_msg1 = CCM_NONE;
	p->parent = po;
	p->feed = w->feed;
	return pt;
}

/*
 * The arrays of a post office that a part fills, each a CCM_ARRAY found
 * by the offsets of its v, n and cap: merged, then freed, in this order.
 */
struct arr {
	size_t v, n, cap, elem;
};
#define ARR(f)                                                                 \
	{                                                                      \
		offsetof(struct ccm_po, f.v), offsetof(struct ccm_po, f.n),    \
		        offsetof(struct ccm_po, f.cap),                        \
		        sizeof(*((struct ccm_po *)0)->f.v)                     \
	}
static const struct arr ARRAYS[] = {
        ARR(dir_entries), ARR(members), ARR(seekpts), ARR(pieces),
        ARR(mailboxes),   ARR(lists),   ARR(plists),  ARR(boards),
        ARR(msgs),        ARR(items),   ARR(seekidx), ARR(plans),
};
/* Those whose elements hold numbers to move (rebase), by index. */
enum {
	A_MAILBOXES = 4,
	A_LISTS,
	A_PLISTS,
	A_BOARDS,
	A_MSGS,
	A_ITEMS,
	A_SEEKIDX,
	A_PLANS,
	A_COUNT
};
#define FIELD(p, off, T) ((T *)(void *)((char *)(p) + (off)))

/* Empties a merged part for another job; its arrays keep their room. */
static void part_clear(struct part *pt)
{
	struct part was = *pt;
	memset(pt, 0, sizeof(*pt));
	for (size_t i = 0; i < A_COUNT; i++) {
		const struct arr *a = &ARRAYS[i];
		*FIELD(&pt->po, a->v, void *) = *FIELD(&was.po, a->v, void *);
		*FIELD(&pt->po, a->cap, size_t) =
		        *FIELD(&was.po, a->cap, size_t);
	}
	pt->po.log.text.p = was.po.log.text.p;
	pt->po.log.text.cap = was.po.log.text.cap;
	pt->src.files.v = was.src.files.v;
	pt->src.files.cap = was.src.files.cap;
	pt->src.dirs.v = was.src.dirs.v;
	pt->src.dirs.cap = was.src.dirs.cap;
}

static void part_free(struct part *pt)
{
	for (size_t i = 0; i < A_COUNT; i++)
		free(*FIELD(&pt->po, ARRAYS[i].v, void *));
	ccm_buf_free(&pt->po.log.text);
	free(pt->src.files.v);
	free(pt->src.dirs.v);
	free(pt);
}

/*
 * Room for fn more elements of elem bytes in a CCM_ARRAY. An array that
 * must grow is given at once the room scale times what it needs (scale:
 * how much larger the whole scan is than what is merged so far, at most
 * 64), a quarter more for the files that differ, when that is more than
 * doubling: the index's arrays are then moved, and their pages first
 * touched, about once, not at every doubling. The room about to be
 * written is made present in one call (ccm_prefault): a first touch of a
 * page costs a fault, which in a virtual machine costs more than the
 * copy itself, and the merge is on one thread.
 */
static bool room(void **v, size_t n, size_t *cap, size_t fn, size_t elem,
                 double scale)
{
	size_t need = n + fn;
	if (*cap - n < fn && scale > 1) {
		double guess = (double)need * (scale > 64 ? 64 : scale) * 1.25;
		if (guess < (double)(SIZE_MAX / elem) && guess > 2.0 * *cap) {
			void *p = realloc(*v, (size_t)guess * elem);
			if (p) {
				*v = p;
				*cap = (size_t)guess;
			}
		}
	}
	while (*cap - n < fn)
		if (!ccm_grow(v, cap, elem))
			return false;
	if (fn)
		ccm_prefault((char *)*v + n * elem, fn * elem);
	return true;
}

/* Appends fn elements to a CCM_ARRAY with room made for them; returns
 * the index of the first. */
static size_t append(void *v, size_t *n, const void *from, size_t fn,
                     size_t elem)
{
	size_t at = *n;
	if (fn)
		memcpy((char *)v + at * elem, from, fn * elem);
	*n += fn;
	return at;
}

/* Room for a part in every array first: a merge never stops halfway. */
static bool merge_room(struct ccm_po *po, const struct part *pt, double scale)
{
	struct ccm_source *src = po->src;
	/* An item numbers files in 30 bits (index.h): a source of more
	 * than a billion files could not be held in memory anyway. */
	if (pt->src.files.n > CCM_ITEM_ARG_MAX - src->files.n)
		return false;
	if (!room((void **)&src->files.v, src->files.n, &src->files.cap,
	          pt->src.files.n, sizeof(*src->files.v), scale))
		return false;
	for (size_t i = 0; i < A_COUNT; i++) {
		const struct arr *a = &ARRAYS[i];
		if (!room(FIELD(po, a->v, void *), *FIELD(po, a->n, size_t),
		          FIELD(po, a->cap, size_t),
		          *FIELD(&pt->po, a->n, size_t), a->elem, scale))
			return false;
	}
	return true;
}

/* Appends every array of a part (room made); at[i]: where array i's
 * new elements start. */
static void append_all(struct ccm_po *po, const struct part *pt,
                       size_t at[A_COUNT])
{
	struct ccm_source *src = po->src;
	append(src->files.v, &src->files.n, pt->src.files.v, pt->src.files.n,
	       sizeof(*src->files.v));
	for (size_t i = 0; i < A_COUNT; i++) {
		const struct arr *a = &ARRAYS[i];
		at[i] = append(*FIELD(po, a->v, void *),
		               FIELD(po, a->n, size_t),
		               *FIELD(&pt->po, a->v, void *),
		               *FIELD(&pt->po, a->n, size_t), a->elem);
	}
}

/* Moves the numbers of source files, messages and lists of a part's
 * records, from the first at the given indexes on. */
struct base {
	uint32_t file, msg, item, seekpt, piece, plist, member;
};

static void move_lists(struct ccm_list *v, size_t i, size_t n, uint32_t mem)
{
	for (; i < n; i++)
		v[i].mem0 += mem;
}

static void rebase(struct ccm_po *po, const struct base *b, const size_t *at)
{
	for (size_t i = at[A_MAILBOXES]; i < po->mailboxes.n; i++) {
		struct ccm_mailbox *mb = &po->mailboxes.v[i];
		if (mb->file != CCM_NONE)
			mb->file += b->file;
		mb->msg0 += b->msg;
		mb->list0 += b->plist;
	}
	move_lists(po->lists.v, at[A_LISTS], po->lists.n, b->member);
	move_lists(po->plists.v, at[A_PLISTS], po->plists.n, b->member);
	for (size_t i = at[A_BOARDS]; i < po->boards.n; i++)
		po->boards.v[i].msg0 += b->msg;
	for (size_t i = at[A_MSGS]; i < po->msgs.n; i++) {
		po->msgs.v[i].file += b->file;
		po->msgs.v[i].item0 += b->item;
	}
	/* Only an attachment's item names a file (a text's or a hex
	 * item's bits there are its aux). */
	for (size_t i = at[A_ITEMS]; i < po->items.n; i++)
		if (po->items.v[i].kind == CCM_ITEM_EXT)
			po->items.v[i].file += b->file;
	for (size_t i = at[A_SEEKIDX]; i < po->seekidx.n; i++) {
		po->seekidx.v[i].item += b->item;
		po->seekidx.v[i].first += b->seekpt;
	}
	for (size_t i = at[A_PLANS]; i < po->plans.n; i++) {
		po->plans.v[i].file += b->file;
		po->plans.v[i].piece0 += b->piece;
	}
}

static void merge_log(struct ccm_po *po, const struct ccm_po *p)
{
	ccm_buf_put(&po->log.text, p->log.text.p, p->log.text.len);
	po->log.text.oom |= p->log.text.oom;
	po->log.warnings += p->log.warnings;
	po->log.left_out += p->log.left_out;
	po->lost_items += p->lost_items;
	po->lost_names += p->lost_names;
}

static ccm_err merge(struct ccm_po *po, const struct part *pt, double scale)
{
	struct ccm_source *src = po->src;
	const struct ccm_po *p = &pt->po;
	if (!merge_room(po, pt, scale))
		return CCM_ERR_NOMEM;
	const struct base b = {
	        (uint32_t)src->files.n,  (uint32_t)po->msgs.n,
	        (uint32_t)po->items.n,   (uint32_t)po->seekpts.n,
	        (uint32_t)po->pieces.n,  (uint32_t)po->plists.n,
	        (uint32_t)po->members.n,
	};
	size_t at[A_COUNT];
	append_all(po, pt, at);
	rebase(po, &b, at);
	if (p->boards_msg0 != CCM_NONE) {
		po->boards_msg0 = p->boards_msg0 + b.msg;
		po->boards_msg1 = p->boards_msg1 + b.msg;
	}
	for (size_t i = 0; i < pt->src.dirs.n; i++)
		ccm_srcdir_add(src, &pt->src.dirs.v[i]);
	src->dirs_lost |= pt->src.dirs_lost;
	src->any_rofs |= pt->src.any_rofs;
	merge_log(po, p);
	return CCM_OK;
}

/*
 * The job started k-th: the largest first, then the others in order. A
 * large file started last would keep one thread busy alone at the end;
 * started first, only its own part waits to be merged (the others are
 * merged as they come).
 */
static size_t job_at(const struct pool *pl, size_t k)
{
	if (k == 0)
		return pl->first;
	return k <= pl->first ? k - 1 : k;
}

/* Runs the next job into a new part; false when none is left to start. */
static bool run_one(struct worker *w)
{
	struct pool *pl = w->pool;
	pthread_mutex_lock(&pl->lock);
	size_t k = pl->failed ? pl->n : pl->next, j = job_at(pl, k);
	if (k < pl->n) {
		pl->next++;
		pl->slots[j].started = true;
	}
	pthread_mutex_unlock(&pl->lock);
	if (k >= pl->n)
		return false;
	struct part *pt = part_new(pl, w);
	if (pt) {
		pl->jobs[j].fn(&pt->po, pl->jobs[j].path);
		w->arena = pt->src.arena;
		pt->src.arena = (struct ccm_arena){0};
	}
	pthread_mutex_lock(&pl->lock);
	pl->slots[j] = (struct slot){pt, true, true};
	pl->failed |= !pt;
	pthread_cond_broadcast(&pl->done);
	pthread_mutex_unlock(&pl->lock);
	return true;
}

static void *worker_main(void *arg)
{
	while (run_one(arg))
		;
	return NULL;
}

/*
 * Merges the parts that are done, in order, from *merged on; with wait,
 * every part of a job that was started, waiting for them. A failed part
 * or merge stops the jobs not yet started; later parts are then freed
 * unmerged.
 */
static void merge_done(struct pool *pl, size_t *merged, bool wait, ccm_err *err)
{
	pthread_mutex_lock(&pl->lock);
	/* A job not started by now never is once the caller waits. */
	while (*merged < pl->n && pl->slots[*merged].started) {
		struct slot *s = &pl->slots[*merged];
		if (!s->done) {
			if (!wait)
				break;
			pthread_cond_wait(&pl->done, &pl->lock);
			continue;
		}
		pthread_mutex_unlock(&pl->lock);
		/* How much larger the whole scan is than what is merged with
		 * this part, by file sizes: 0 when they are not known. */
		pl->merged_size += pl->jobs[*merged].size;
		double scale = pl->merged_size ? (double)pl->total /
		                                         (double)pl->merged_size
		                               : 0;
		if (!*err)
			*err = s->part ? merge(pl->po, s->part, scale)
			               : CCM_ERR_NOMEM;
		if (s->part)
			part_clear(s->part);
		pthread_mutex_lock(&pl->lock);
		if (s->part) {
			s->part->next = pl->spare;
			pl->spare = s->part;
			s->part = NULL;
		}
		pl->failed |= *err != CCM_OK;
		(*merged)++;
	}
	pthread_mutex_unlock(&pl->lock);
}

/* Threads for n jobs: as many as the processors this process may run
 * on, but one when a test changes files under the scan. */
static size_t threads_for(size_t n)
{
	size_t t = ccm_scan_threads;
	if (!t) {
		cpu_set_t set;
		t = sched_getaffinity(0, sizeof(set), &set)
		            ? 1
		            : (size_t)CPU_COUNT(&set);
	}
	if (t > CCM_SCAN_THREADS_MAX)
		t = CCM_SCAN_THREADS_MAX;
	if (t > n)
		t = n;
	if (ccm_feed_hook || !t)
		t = 1;
	return t;
}

ccm_err ccm_scan_jobs(struct ccm_po *po, const struct ccm_scanjob *jobs,
                      size_t n)
{
	size_t nt = threads_for(n);
	struct pool pl = {.po = po, .jobs = jobs, .n = n};
	for (size_t i = 0; i < n; i++) {
		pl.total += jobs[i].size;
		if (jobs[i].size > jobs[pl.first].size)
			pl.first = i;
	}
	pl.slots = calloc(n ? n : 1, sizeof(*pl.slots));
	struct worker *ws = calloc(nt, sizeof(*ws));
	if (!pl.slots || !ws) {
		free(pl.slots);
		free(ws);
		return CCM_ERR_NOMEM;
	}
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.done, NULL);
	for (size_t i = 0; i < nt; i++) {
		ws[i].pool = &pl;
		ws[i].feed = &ws[i].own;
	}
	/* The caller's thread reads through po's reader and its buffer. */
	if (po->feed)
		ws[0].feed = po->feed;
	/* Threads that cannot be made leave their share to the others. */
	for (size_t i = 1; i < nt; i++)
		ws[i].started =
		        !pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);
	size_t merged = 0;
	ccm_err err = CCM_OK;
	while (run_one(&ws[0]))
		merge_done(&pl, &merged, false, &err);
	merge_done(&pl, &merged, true, &err);
	for (size_t i = 0; i < nt; i++)
		if (ws[i].started)
			pthread_join(ws[i].tid, NULL);
	/* Parts done after a failure, never merged. */
	for (size_t i = merged; i < n; i++)
		if (pl.slots[i].part)
			part_free(pl.slots[i].part);
	for (size_t i = 0; i < nt; i++) {
		ccm_arena_adopt(&po->src->arena, &ws[i].arena);
		ccm_feed_free(&ws[i].own);
	}
	while (pl.spare) {
		struct part *pt = pl.spare;
		pl.spare = pt->next;
		part_free(pt);
	}
	pthread_cond_destroy(&pl.done);
	pthread_mutex_destroy(&pl.lock);
	free(ws);
	free(pl.slots);
	return err;
}
