/*
 * Snapshots of source trees (see snap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "files.h"
#include "fnv.h"
#include "snap.h"
#include "tree.h"

static uint64_t hash_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	char buf[65536];
	uint64_t h = TL_FNV_INIT;
	size_t n;
	while ((n = tl_read_full(fd, buf, sizeof(buf), path)) > 0)
		h = tl_fnv1a(h, buf, n);
	close(fd);
	return h;
}

void tl_snap_take(const char *root, struct tl_snap *s)
{
	struct tl_list l;
	tl_list_tree(root, &l);
	s->n = l.n;
	s->e = calloc(l.n ? l.n : 1, sizeof(*s->e));
	cr_assert_not_null(s->e);
	for (size_t i = 0; i < l.n; i++) {
		char full[TL_PATH];
		tl_join(full, "%s/%s", root, l.v[i]);
		struct stat st;
		cr_assert(lstat(full, &st) == 0, "lstat %s", full);
		struct tl_snap_entry *e = &s->e[i];
		e->path = strdup(l.v[i]);
		e->mode = st.st_mode;
		e->size = st.st_size;
		e->mtime = st.st_mtim;
		e->ctime = st.st_ctim;
		e->hash = S_ISREG(st.st_mode) ? hash_file(full) : 0;
	}
	tl_list_free(&l);
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

void tl_snap_assert_same(const struct tl_snap *before,
                         const struct tl_snap *after)
{
	cr_assert_eq(before->n, after->n, "the source had %zu entries, now %zu",
	             before->n, after->n);
	for (size_t i = 0; i < before->n; i++) {
		const struct tl_snap_entry *a = &before->e[i],
		                           *b = &after->e[i];
		cr_assert_str_eq(a->path, b->path,
		                 "the source's entries changed");
		cr_assert_eq(a->mode, b->mode, "%s: mode changed", a->path);
		cr_assert_eq(a->size, b->size, "%s: size changed", a->path);
		cr_assert(same_time(a->mtime, b->mtime), "%s: mtime changed",
		          a->path);
		cr_assert(same_time(a->ctime, b->ctime), "%s: ctime changed",
		          a->path);
		cr_assert_eq(a->hash, b->hash, "%s: bytes changed", a->path);
	}
}

void tl_snap_free(struct tl_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].path);
	free(s->e);
	memset(s, 0, sizeof(*s));
}
