/*
 * Scratch folders and small files (see files.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "files.h"

const char *tl_env(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v && *v, "%s is not set: run the suite through meson test",
	          name);
	return v;
}

void tl_require_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("this test needs root");
}

void tl_join(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, TL_PATH, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && n < TL_PATH, "path too long: %s", out);
}

char *tl_path(const char *dir, const char *rel)
{
	char *p;
	cr_assert_geq(asprintf(&p, "%s/%s", dir, rel), 0);
	return p;
}

char *tl_tmpdir(void)
{
	char *t = strdup("/tmp/ccm-unit-XXXXXX");
	cr_assert_not_null(t);
	cr_assert_not_null(mkdtemp(t), "mkdtemp: %s", strerror(errno));
	return t;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static int open_up(const char *path, const struct stat *st, int flag,
                   struct FTW *ftw)
{
	(void)ftw;
	/* Copies of a mount keep its 0555 folders. */
	if (flag == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, 0700);
	return 0;
}

void tl_remove_tree(const char *dir)
{
	/* FTW_PHYS: a link that a test made to a file outside the folder
	 * is removed itself, never followed. */
	nftw(dir, open_up, 16, FTW_PHYS | FTW_MOUNT);
	nftw(dir, rm_entry, 16, FTW_PHYS | FTW_MOUNT | FTW_DEPTH);
}

void tl_rmtree(char *dir)
{
	if (!dir)
		return;
	tl_remove_tree(dir);
	free(dir);
}

void tl_mkdirs(const char *path)
{
	char *p = strdup(path);
	cr_assert_not_null(p);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		cr_assert(!mkdir(p, 0755) || errno == EEXIST, "mkdir %s: %s", p,
		          strerror(errno));
		*s = '/';
	}
	cr_assert(!mkdir(p, 0755) || errno == EEXIST, "mkdir %s: %s", p,
	          strerror(errno));
	free(p);
}

void tl_write(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0, "create %s: %s", path, strerror(errno));
	const char *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		cr_assert(w > 0, "write %s: %s", path, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	cr_assert(close(fd) == 0, "close %s: %s", path, strerror(errno));
}

void tl_write_at(const char *dir, const char *rel, const void *data, size_t n)
{
	char *path = tl_path(dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	tl_mkdirs(path);
	*slash = '/';
	tl_write(path, data, n);
	free(path);
}

void tl_puts(const char *dir, const char *rel, const char *s)
{
	tl_write_at(dir, rel, s, strlen(s));
}

size_t tl_read_full(int fd, char *buf, size_t n, const char *path)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		cr_assert(r >= 0, "read %s: %s", path, strerror(errno));
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got;
}

char *tl_try_slurp(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	cr_assert_not_null(buf);
	for (;;) {
		size_t r = tl_read_full(fd, buf + len, cap - len, path);
		len += r;
		if (len < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap + 1);
		cr_assert_not_null(buf);
	}
	close(fd);
	buf[len] = '\0';
	if (n)
		*n = len;
	return buf;
}

char *tl_slurp(const char *path, size_t *n)
{
	char *p = tl_try_slurp(path, n);
	cr_assert_not_null(p, "open %s: %s", path, strerror(errno));
	return p;
}

bool tl_contains(const char *text, size_t n, const char *needle)
{
	return memmem(text, n, needle, strlen(needle)) != NULL;
}
