/*
 * The index cache's files: where they live, who may own them, when one
 * describes the source, and how one is replaced (cache.h).
 *
 * The folder must be the user's own and writable by no one else, and so
 * must the file: another user's file could describe anything. A file is
 * only ever replaced whole: written to a new name (O_EXCL) in the same
 * folder, then renamed over the old one, so that two opens of one source
 * at once each map a whole file, old or new, never a half-written one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "cache_check.h"
#include "cache_load.h"
#include "cache_table.h"
#include "cache_write.h"

/* The file of source root: a hash of its path, so one file per source. */
static void file_name(const char *root, char out[32])
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = root; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	snprintf(out, 32, "%016llx.idx", (unsigned long long)h);
}

static bool private_to_me(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & 022);
}

/* Makes the folders of path that are missing, mode 0700. */
static void make_dirs(const char *path)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0700) && errno != EEXIST)
				return;
			if (!c)
				return;
			*s = c;
		}
	}
}

/* The cache folder, opened, when it is the user's own; else -1, with a
 * notice when it is someone else's, or cannot be made. */
static int open_dir(const struct ccm_source *src, bool create)
{
	const char *dir = src->opts.cache_dir;
	if (create)
		make_dirs(dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && create)
		ccm_notice(&src->opts, "%s: %s; no index is kept", dir,
		           strerror(errno));
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) || !private_to_me(&st))) {
		ccm_notice(&src->opts,
		           "%s: the index cache folder is another user's, or "
		           "others may write to it; no index is kept",
		           dir);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The folders of the source files last looked at, kept open: thousands
 * of attachments in one folder are each a short lookup, one look at the
 * folder's file system (ccm_fs_unchanging) tells the read-only mark of
 * all the files on it, and the files' order, which
 * goes back and forth between a mailbox's file and its attachments'
 * folder, opens no folder twice.
 */
enum { DIRS_KEPT = 4 };

struct dirs {
	struct {
		const char *path; /* the folder is path[0, len) */
		size_t len;
		int fd; /* -1: none, or it could not be opened */
		bool ro;
		uint64_t dev;
	} d[DIRS_KEPT];
	size_t next; /* the slot to use for a folder not kept */
};

/* Is source file f the one the index describes? *ro: is it on an
 * unchanging file system (ccm_fs_unchanging)? */
static bool same_file(const struct ccm_srcfile *f, struct dirs *ds, bool *ro)
{
	size_t n = (size_t)(strrchr(f->path, '/') - f->path), k = 0;
	while (k < DIRS_KEPT && (!ds->d[k].path || ds->d[k].len != n ||
	                         memcmp(ds->d[k].path, f->path, n)))
		k++;
	if (k == DIRS_KEPT) {
		char d[PATH_MAX];
		k = ds->next++ % DIRS_KEPT;
		if (ds->d[k].path && ds->d[k].fd >= 0)
			close(ds->d[k].fd);
		snprintf(d, sizeof(d), "%.*s", (int)n, n ? f->path : "/");
		int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat dst;
		ds->d[k].ro = fd >= 0 && !fstat(fd, &dst) &&
		              ccm_fs_unchanging(fd, &dst);
		ds->d[k].dev = ds->d[k].ro ? (uint64_t)dst.st_dev : 0;
		ds->d[k].fd = fd;
		ds->d[k].path = f->path;
		ds->d[k].len = n;
	}
	struct stat st;
	bool same = ds->d[k].fd >= 0 &&
	            !fstatat(ds->d[k].fd, f->path + n + 1, &st, 0) &&
	            ccm_srcfile_same(f, &st);
	/* A file mounted over its name lies on a file system of its own. */
	*ro = same && ds->d[k].ro && (uint64_t)st.st_dev == ds->d[k].dev;
	return same;
}

/*
 * Are the source files and folders the ones the index describes? The
 * files are looked at in STAT_PARTS runs, each on a thread of its own
 * (a run has few folders, so its lookups stay short); the folders with
 * the last run. A stat costs microseconds here, thousands of them are a
 * remount's longest task; they run while the post offices are checked,
 * which read the same file records: the threads only read them, and
 * each file's read-only mark is written once they are done.
 */
enum { STAT_PARTS = 2 };

struct statpart {
	struct ccm_source *src;
	size_t lo, hi; /* the files [lo, hi) */
	bool dirs;     /* and the folders */
	bool *ro;      /* each file's read-only mark, by its index */
	bool same, threaded;
	pthread_t t;
	char why[PATH_MAX + 64];
};

/* Part p's files and folders, each file's read-only mark found as it is
 * now. */
static void *stat_part(void *arg)
{
	struct statpart *p = arg;
	struct ccm_source *src = p->src;
	struct dirs ds = {0};
	p->same = true;
	for (size_t i = p->lo; p->same && i < p->hi; i++) {
		struct ccm_srcfile *f = &src->files.v[i];
		p->same = same_file(f, &ds, &p->ro[i]);
		if (!p->same)
			snprintf(p->why, sizeof(p->why), "%s changed", f->path);
	}
	for (size_t k = 0; k < DIRS_KEPT; k++)
		if (ds.d[k].path && ds.d[k].fd >= 0)
			close(ds.d[k].fd);
	for (size_t i = 0; p->dirs && p->same && i < src->dirs.n; i++)
		if (!ccm_srcdir_same(&src->dirs.v[i])) {
			snprintf(p->why, sizeof(p->why),
			         "the folder %s changed", src->dirs.v[i].path);
			p->same = false;
		}
	return NULL;
}

struct statjob {
	struct ccm_source *src;
	bool started;
	bool *ro; /* the files' read-only marks; NULL: out of memory */
	struct statpart part[STAT_PARTS];
};

/* Starts the parts of the check on their threads (ccm_cache_parse's
 * src_done: src->files and src->dirs are read). */
static void start_stats(void *arg)
{
	struct statjob *j = arg;
	struct ccm_source *src = j->src;
	j->started = true;
	j->ro = calloc(src->files.n + 1, sizeof(*j->ro));
	for (size_t k = 0; j->ro && k < STAT_PARTS; k++) {
		struct statpart *p = &j->part[k];
		*p = (struct statpart){.src = src,
		                       .lo = src->files.n * k / STAT_PARTS,
		                       .hi = src->files.n * (k + 1) /
		                             STAT_PARTS,
		                       .dirs = k == STAT_PARTS - 1,
		                       .ro = j->ro};
		p->threaded = !pthread_create(&p->t, NULL, stat_part, p);
		if (!p->threaded)
			stat_part(p);
	}
}

/* Waits for the parts, when started; are all the same? Sets the files'
 * read-only marks and src->any_rofs. why: the first difference. */
static bool end_stats(struct statjob *j, char *why, size_t whysz)
{
	struct ccm_source *src = j->src;
	bool same = true;
	if (j->started && !j->ro) {
		snprintf(why, whysz, "out of memory");
		return false;
	}
	for (size_t k = 0; j->started && k < STAT_PARTS; k++) {
		struct statpart *p = &j->part[k];
		if (p->threaded)
			pthread_join(p->t, NULL);
		if (same && !p->same)
			snprintf(why, whysz, "%s", p->why);
		same &= p->same;
	}
	src->any_rofs = false;
	for (size_t i = 0; j->ro && i < src->files.n; i++) {
		src->files.v[i].rofs = j->ro[i];
		src->any_rofs |= j->ro[i];
	}
	free(j->ro);
	return same;
}

/*
 * The checksum of an index file, read with pread rather than through the
 * mapping: a pass over a mapping of 100 MB costs a trip to the
 * hypervisor on the first touch of every page here (about 55 ms at a
 * million messages), while pread copies through the kernel's own map into
 * a buffer that stays in the cache. The file is read once: the checks
 * (cache_check.c) add up the sections they read anyway, the messages and
 * items, 83 of 88 bytes a message at a million; a thread reads and adds
 * up the rest meanwhile. The sum of pieces is the sum of the file
 * (cache_sum.h), so the two only have to cover it exactly once between
 * them. A file whose parse fails is summed whole, to tell a damaged file
 * from a bad index.
 */
struct sumjob {
	int fd;
	const char *map;
	const struct ccm_cache_hdr *h;
	struct ccm_cache_sum sum;
	bool read_ok, laid_ok; /* laid_ok: the sections skipped are sound */
};

enum { SUM_BLOCK = 256 * 1024 };

/* Does the table of contents lie in the file, the size the post office
 * count gives? (What ccm_cache_parse demands of it too.) */
static bool toc_sound(const struct ccm_cache_hdr *h)
{
	uint64_t room = (h->size - sizeof(*h)) / sizeof(struct ccm_cache_toc);
	return h->npo <= h->ntoc && h->ntoc == ccm_cache_ntoc(h->npo) &&
	       h->ntoc <= room && h->toc_off >= sizeof(*h) &&
	       h->toc_off <= h->size &&
	       h->ntoc * sizeof(struct ccm_cache_toc) <= h->size - h->toc_off;
}

/* Sums the file but the sections that the checks sum, which must follow
 * one another in the file; when they do not, laid_ok is false. */
static void *sum_rest(void *arg)
{
	struct sumjob *j = arg;
	const struct ccm_cache_hdr *h = j->h;
	char *buf = malloc(SUM_BLOCK);
	uint64_t at = sizeof(*h);
	j->read_ok = buf != NULL;
	if (buf)
		ccm_prefault(buf, SUM_BLOCK);
	j->laid_ok = toc_sound(h);
	for (uint32_t p = 0; j->laid_ok && j->read_ok && p < h->npo; p++)
		for (uint32_t id = 1; id <= ccm_po_narrays; id++) {
			if (!ccm_cache_check_sums(&ccm_po_arrays[id - 1]))
				continue;
			struct ccm_cache_toc t;
			memcpy(&t,
			       j->map + h->toc_off +
			               ccm_cache_toc_at(p, id) * sizeof(t),
			       sizeof(t));
			j->laid_ok = t.elem && t.off >= at &&
			             t.off <= h->size &&
			             t.count <= (h->size - t.off) / t.elem;
			if (!j->laid_ok)
				break;
			j->read_ok = ccm_cache_sum_file(j->fd, buf, SUM_BLOCK,
			                                at, t.off, &j->sum);
			at = t.off + t.count * t.elem;
		}
	if (j->laid_ok && j->read_ok)
		j->read_ok = ccm_cache_sum_file(j->fd, buf, SUM_BLOCK, at,
		                                h->size, &j->sum);
	free(buf);
	return NULL;
}

/* The whole file's sum, read again: only for a file that failed. */
static bool sum_all(struct sumjob *j)
{
	char *buf = malloc(SUM_BLOCK);
	j->sum = (struct ccm_cache_sum){0, 0};
	j->read_ok =
	        buf && ccm_cache_sum_file(j->fd, buf, SUM_BLOCK, sizeof(*j->h),
	                                  j->h->size, &j->sum);
	free(buf);
	return j->read_ok;
}

/* The options key of the file, compared with this mount's. */
static bool same_key(const struct ccm_source *src,
                     const struct ccm_cache_hdr *h)
{
	const struct ccm_buf *key = &src->cache_key;
	return !key->oom && h->key_off <= h->size &&
	       h->key_len <= h->size - h->key_off && h->key_len == key->len &&
	       !memcmp(src->map + h->key_off, key->p, key->len);
}

/* Is the mapped file (src->map, open as fd) the index of this source and
 * options? */
static bool usable(struct ccm_source *src, int fd, const char *root, char *why,
                   size_t whysz)
{
	const struct ccm_cache_hdr *h =
	        ccm_cache_header(src->map, src->map_len);
	if (!h) {
		snprintf(why, whysz, "short, or of another version");
		return false;
	}
	if (!same_key(src, h)) {
		snprintf(why, whysz, "made with other options");
		return false;
	}
	struct sumjob job = {.fd = fd, .map = src->map, .h = h};
	pthread_t t;
	bool threaded = !pthread_create(&t, NULL, sum_rest, &job);
	if (!threaded)
		sum_rest(&job);
	struct statjob sj = {.src = src};
	struct ccm_cache_sum checked = {0, 0};
	bool ok = ccm_cache_parse(src, src->map, src->map_len, fd, &checked,
	                          root, start_stats, &sj, why, whysz);
	char swhy[PATH_MAX + 64];
	bool same = end_stats(&sj, swhy, sizeof(swhy));
	if (threaded)
		pthread_join(t, NULL);
	if (ok && job.laid_ok && job.read_ok)
		ccm_cache_sum_join(&job.sum, &checked);
	else
		sum_all(&job);
	if (!job.read_ok || ccm_cache_sum_end(&job.sum, h->size) != h->sum) {
		snprintf(why, whysz, "damaged (checksum)");
		return false;
	}
	if (ok && !same)
		snprintf(why, whysz, "%s", swhy);
	return ok && same;
}

/* The index file, opened as *fdp (the caller closes it when it is not
 * -1) and mapped into src->map; false when there is none to map (why says
 * why when that is worth a notice). */
static bool map_file(struct ccm_source *src, int dirfd, const char *name,
                     int *fdp, char *why, size_t whysz)
{
	int fd = *fdp = openat(dirfd, name,
	                       O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			snprintf(why, whysz, "%s", strerror(errno));
		return false;
	}
	struct stat st;
	bool ok = !fstat(fd, &st) && S_ISREG(st.st_mode);
	if (ok && !private_to_me(&st))
		snprintf(why, whysz, "another user's, or writable by others");
	else if (ok && (uint64_t)st.st_size < sizeof(struct ccm_cache_hdr))
		snprintf(why, whysz, "short");
	else if (ok) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		               fd, 0);
		if (m != MAP_FAILED) {
			src->map = m;
			src->map_len = (size_t)st.st_size;
		} else
			snprintf(why, whysz, "%s", strerror(errno));
	} else
		snprintf(why, whysz, "not a regular file");
	return src->map != NULL;
}

bool ccm_cache_load(struct ccm_source *src)
{
	const char *root = src->cache_root;
	int dirfd = open_dir(src, false);
	if (dirfd < 0)
		return false;
	char name[32], why[PATH_MAX + 64] = "";
	file_name(root, name);
	int fd = -1;
	bool ok = map_file(src, dirfd, name, &fd, why, sizeof(why)) &&
	          usable(src, fd, root, why, sizeof(why));
	if (fd >= 0)
		close(fd);
	close(dirfd);
	if (ok) {
		ccm_notice(&src->opts, "index loaded from %s/%s",
		           src->opts.cache_dir, name);
		return true;
	}
	ccm_index_free(src);
	if (why[0])
		ccm_notice(&src->opts,
		           "%s/%s: index file ignored (%s); it is made again",
		           src->opts.cache_dir, name, why);
	return false;
}

void ccm_cache_store(const struct ccm_source *src)
{
	const char *root = src->cache_root;
	if (src->dirs_lost) {
		ccm_notice(&src->opts,
		           "index file not written: a folder of the source "
		           "could not be recorded");
		return;
	}
	int dirfd = open_dir(src, true);
	if (dirfd < 0)
		return;
	char name[32], tmp[64];
	file_name(root, name);
	static unsigned serial;
	snprintf(tmp, sizeof(tmp), "%s.%ld.%u.tmp", name, (long)getpid(),
	         __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED));
	int fd = openat(dirfd, tmp,
	                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	                0600);
	const struct ccm_buf *key = &src->cache_key;
	bool ok = fd >= 0 && !key->oom &&
	          ccm_cache_write(src, root, key->p, key->len, fd);
	int e = errno;
	if (fd >= 0 && close(fd))
		ok = false;
	if (ok && renameat(dirfd, tmp, dirfd, name))
		ok = false, e = errno;
	if (!ok) {
		if (fd >= 0)
			unlinkat(dirfd, tmp, 0);
		ccm_notice(&src->opts, "%s/%s: the index could not be kept: %s",
		           src->opts.cache_dir, name, strerror(e));
	}
	close(dirfd);
}
