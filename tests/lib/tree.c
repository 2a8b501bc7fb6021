/*
 * Trees compared (see tree.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "files.h"
#include "tree.h"

static void list_push(struct tl_list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		cr_assert_not_null(l->v);
	}
	l->v[l->n] = strdup(s);
	cr_assert_not_null(l->v[l->n]);
	l->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_rec(const char *root, const char *rel, struct tl_list *out,
                     bool recurse)
{
	char dir[TL_PATH];
	tl_join(dir, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			cr_assert(errno == 0, "readdir %s: %s", dir,
			          strerror(errno));
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!recurse) {
			list_push(out, e->d_name);
			continue;
		}
		char r[TL_PATH], full[TL_PATH];
		tl_join(r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		tl_join(full, "%s/%s", root, r);
		struct stat st;
		cr_assert(lstat(full, &st) == 0, "lstat %s: %s", full,
		          strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			char slash[TL_PATH];
			tl_join(slash, "%s/", r);
			list_push(out, slash);
			list_rec(root, r, out, true);
		} else {
			cr_assert(S_ISREG(st.st_mode),
			          "%s: neither a folder nor a regular file",
			          full);
			list_push(out, r);
		}
	}
	closedir(d);
}

void tl_list_tree(const char *root, struct tl_list *out)
{
	memset(out, 0, sizeof(*out));
	list_rec(root, "", out, true);
	if (out->n) /* v is NULL for an empty tree */
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

void tl_list_dir(const char *dir, struct tl_list *out)
{
	memset(out, 0, sizeof(*out));
	list_rec(dir, "", out, false);
	if (out->n) /* v is NULL for an empty folder */
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
}

void tl_list_free(struct tl_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool tl_list_has(const struct tl_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

static bool is_report(const char *rel)
{
	const char *base = strrchr(rel, '/');
	return !strcmp(base ? base + 1 : rel, "REPORT.TXT");
}

static void drop_reports(struct tl_list *l)
{
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (is_report(l->v[i]))
			free(l->v[i]);
		else
			l->v[k++] = l->v[i];
	}
	l->n = k;
}

void tl_assert_same_file(const char *got, const char *want)
{
	enum { CHUNK = 1 << 18 };
	int a = open(got, O_RDONLY), b = open(want, O_RDONLY);
	cr_assert(a >= 0, "open %s: %s", got, strerror(errno));
	cr_assert(b >= 0, "open %s: %s", want, strerror(errno));
	struct stat sa, sb;
	cr_assert(fstat(a, &sa) == 0 && fstat(b, &sb) == 0);
	cr_assert_eq(sa.st_size, sb.st_size, "%s: %lld bytes, %s: %lld", got,
	             (long long)sa.st_size, want, (long long)sb.st_size);
	char *ba = malloc(CHUNK), *bb = malloc(CHUNK);
	cr_assert(ba && bb);
	uint64_t off = 0;
	for (;;) {
		size_t na = tl_read_full(a, ba, CHUNK, got);
		size_t nb = tl_read_full(b, bb, CHUNK, want);
		size_t n = na < nb ? na : nb;
		if (memcmp(ba, bb, n)) {
			size_t i = 0;
			while (ba[i] == bb[i])
				i++;
			cr_assert_fail("%s differs from %s at byte %llu", got,
			               want, (unsigned long long)(off + i));
		}
		cr_assert_eq(na, nb, "%s: %llu bytes read, %s: %llu", got,
		             (unsigned long long)(off + na), want,
		             (unsigned long long)(off + nb));
		off += na;
		if (na < CHUNK)
			break;
	}
	cr_assert_eq(off, (uint64_t)sa.st_size,
	             "%s: %llu bytes read, st_size %lld", got,
	             (unsigned long long)off, (long long)sa.st_size);
	free(ba);
	free(bb);
	close(a);
	close(b);
}

/* Up to 6 names of a that b lacks, for a message. */
static void absent(const struct tl_list *a, const struct tl_list *b, char *out,
                   size_t cap)
{
	size_t len = 0, shown = 0, i = 0, j = 0;
	out[0] = '\0';
	while (i < a->n) {
		int c = j < b->n ? strcmp(a->v[i], b->v[j]) : -1;
		if (c == 0) {
			i++, j++;
		} else if (c > 0) {
			j++;
		} else {
			if (shown++ < 6 && len < cap)
				len += (size_t)snprintf(out + len, cap - len,
				                        " %s", a->v[i]);
			i++;
		}
	}
	if (shown > 6 && len < cap)
		snprintf(out + len, cap - len, " ... (%zu in all)", shown);
}

void tl_assert_same_tree(const char *got, const char *want, unsigned flags)
{
	struct tl_list lg, lw;
	tl_list_tree(got, &lg);
	tl_list_tree(want, &lw);
	if (flags & TL_NO_REPORT) {
		drop_reports(&lg);
		drop_reports(&lw);
	}
	char missing[2048], extra[2048];
	absent(&lw, &lg, missing, sizeof(missing));
	absent(&lg, &lw, extra, sizeof(extra));
	cr_assert(!missing[0] && !extra[0],
	          "%s against %s:\n  missing:%s\n  extra:%s", got, want,
	          missing[0] ? missing : " none", extra[0] ? extra : " none");
	cr_assert(lg.n > 0, "%s is empty", got);
	for (size_t i = 0; i < lg.n; i++) {
		size_t n = strlen(lg.v[i]);
		if (lg.v[i][n - 1] == '/')
			continue;
		char a[TL_PATH], b[TL_PATH];
		tl_join(a, "%s/%s", got, lg.v[i]);
		tl_join(b, "%s/%s", want, lg.v[i]);
		tl_assert_same_file(a, b);
	}
	tl_list_free(&lg);
	tl_list_free(&lw);
}
