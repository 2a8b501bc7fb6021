#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "util.h"

char *tu_tmpdir(void)
{
	char *t = strdup("/tmp/ccm-unit-XXXXXX");
	cr_assert_not_null(t);
	cr_assert_not_null(mkdtemp(t), "mkdtemp: %s", strerror(errno));
	return t;
}

static int rm_one(const char *path, const struct stat *st, int type,
                  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

void tu_rmtree(char *dir)
{
	if (!dir)
		return;
	/* FTW_PHYS: a link that a test made to a file outside the folder
	 * is removed itself, never followed. */
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

char *tu_path(const char *dir, const char *rel)
{
	char *p;
	cr_assert_geq(asprintf(&p, "%s/%s", dir, rel), 0);
	return p;
}

void tu_mkdirs(const char *path)
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

void tu_write(const char *dir, const char *rel, const void *data, size_t n)
{
	char *path = tu_path(dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	tu_mkdirs(path);
	*slash = '/';
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, n, f), n, "%s: short write", path);
	cr_assert_eq(fclose(f), 0, "%s: %s", path, strerror(errno));
	free(path);
}

void tu_puts(const char *dir, const char *rel, const char *s)
{
	tu_write(dir, rel, s, strlen(s));
}

char *tu_slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *p = malloc(cap + 1);
	cr_assert_not_null(p);
	size_t r;
	while ((r = fread(p + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			cap *= 2;
			p = realloc(p, cap + 1);
			cr_assert_not_null(p);
		}
	}
	fclose(f);
	p[len] = '\0';
	if (n)
		*n = len;
	return p;
}

const char *tu_env(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v && *v, "%s is not set: run the suite with meson test",
	          name);
	return v;
}

ccm_source *tu_open(const char *path, const struct ccm_options *opts)
{
	struct ccm_options dflt = {0};
	ccm_source *src = NULL;
	char msg[1024];
	ccm_err err = ccm_source_open(path, opts ? opts : &dflt, &src, msg,
	                              sizeof(msg));
	cr_assert_eq(err, CCM_OK, "ccm_source_open(%s): %s (%s)", path,
	             ccm_strerror(err), msg);
	cr_assert_not_null(src);
	return src;
}

size_t tu_po(const ccm_source *src, const char *folder)
{
	size_t po = 0;
	cr_assert_eq(ccm_po_lookup(src, folder, &po), CCM_OK,
	             "no post office folder %s", folder);
	cr_assert_str_eq(ccm_po_folder(src, po), folder);
	return po;
}

size_t tu_file_index(const ccm_source *src, size_t po, const char *name)
{
	size_t f = 0;
	cr_assert_eq(ccm_file_lookup(src, po, name, &f), CCM_OK,
	             "no file %s in %s", name, ccm_po_folder(src, po));
	cr_assert_str_eq(ccm_file_name(src, po, f), name);
	return f;
}

char *tu_read(const ccm_source *src, size_t po, size_t file, size_t chunk,
              size_t *n)
{
	uint64_t size = ccm_file_size(src, po, file);
	const char *name = ccm_file_name(src, po, file);
	cr_assert_lt(size, (uint64_t)1 << 40, "%s: absurd size", name);
	char *p = malloc((size_t)size + 1);
	cr_assert_not_null(p);
	uint64_t off = 0;
	while (off < size) {
		size_t got = (size_t)-1;
		ccm_err err =
		        ccm_file_read(src, po, file, off, chunk, p + off, &got);
		cr_assert_eq(err, CCM_OK, "%s at %llu: %s", name,
		             (unsigned long long)off, ccm_strerror(err));
		size_t want = size - off < chunk ? (size_t)(size - off) : chunk;
		cr_assert_eq(got, want, "%s at %llu: got %zu bytes, not %zu",
		             name, (unsigned long long)off, got, want);
		off += got;
	}
	/* At the end, a read gives nothing and no error. */
	size_t got = 1;
	char c;
	cr_assert_eq(ccm_file_read(src, po, file, size, 1, &c, &got), CCM_OK);
	cr_assert_eq(got, 0, "%s: a read at its size gave bytes", name);
	p[size] = '\0';
	if (n)
		*n = (size_t)size;
	return p;
}

char *tu_file(const ccm_source *src, size_t po, const char *name, size_t *n)
{
	return tu_read(src, po, tu_file_index(src, po, name), 65536, n);
}

char *tu_report(const ccm_source *src, size_t po)
{
	return tu_file(src, po, "REPORT.TXT", NULL);
}

void tu_slices_free(struct tu_slices *v)
{
	free(v->s);
	free(v->n);
	memset(v, 0, sizeof(*v));
}

static void push(struct tu_slices *v, const char *s, size_t n)
{
	if (v->count == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->s = realloc(v->s, v->cap * sizeof(*v->s));
		v->n = realloc(v->n, v->cap * sizeof(*v->n));
		cr_assert(v->s && v->n);
	}
	v->s[v->count] = s;
	v->n[v->count] = n;
	v->count++;
}

void tu_lines(const char *text, size_t n, struct tu_slices *out)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - text) : n;
		size_t len = e - i;
		if (len && nl && text[e - 1] == '\r')
			len--;
		push(out, text + i, len);
		i = nl ? e + 1 : n;
	}
}

void tu_csv_fields(const char *line, size_t n, struct tu_slices *out)
{
	memset(out, 0, sizeof(*out));
	bool quoted = false;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		/* A doubled quote inside quotes toggles twice: no change. */
		if (line[i] == '"')
			quoted = !quoted;
		else if (line[i] == ',' && !quoted) {
			push(out, line + start, i - start);
			start = i + 1;
		}
	}
	push(out, line + start, n - start);
}

char *tu_unquote(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	cr_assert_not_null(p);
	size_t o = 0;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		for (size_t i = 1; i + 1 < n; i++) {
			p[o++] = s[i];
			if (s[i] == '"' && i + 2 < n && s[i + 1] == '"')
				i++;
		}
	} else {
		memcpy(p, s, n);
		o = n;
	}
	p[o] = '\0';
	return p;
}

void tu_pri_rows(const char *pri, size_t n, struct tu_slices *rows)
{
	struct tu_slices lines;
	tu_lines(pri, n, &lines);
	memset(rows, 0, sizeof(*rows));
	size_t i = 0;
	while (i < lines.count &&
	       !(lines.n[i] >= 14 && !memcmp(lines.s[i], "Folder,Sender,", 14)))
		i++;
	cr_assert_lt(i, lines.count, "no MAILMESSAGE column header");
	for (i++; i < lines.count; i++)
		push(rows, lines.s[i], lines.n[i]);
	tu_slices_free(&lines);
}

bool tu_body_ptr(const char *s, size_t n, char name[16], uint64_t *off)
{
	/* '#', 8 digits, ".SEC(", digits, ')' */
	if (n < 16 || s[0] != '#' || memcmp(s + 9, ".SEC(", 5) ||
	    s[n - 1] != ')')
		return false;
	for (size_t i = 1; i < 9; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	uint64_t v = 0;
	for (size_t i = 14; i + 1 < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (n == 15)
		return false;
	memcpy(name, s + 1, 12);
	name[12] = '\0';
	*off = v;
	return true;
}

static bool number(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	if (!n || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

void tu_sec_section(const char *sec, size_t n, size_t off, struct tu_section *s)
{
	memset(s, 0, sizeof(*s));
	cr_assert_lt(off, n, "section at %zu: past the end (%zu)", off, n);
	const char *eol = memmem(sec + off, n - off, "\r\n", 2);
	cr_assert_not_null(eol, "section at %zu: no line end", off);
	size_t hn = (size_t)(eol - (sec + off));
	struct tu_slices f;
	tu_csv_fields(sec + off, hn, &f);
	cr_assert_eq(f.count, 7, "section at %zu: %zu fields in [%.*s]", off,
	             f.count, (int)(hn > 200 ? 200 : hn), sec + off);
	cr_assert_lt(f.n[0], sizeof(s->type));
	memcpy(s->type, f.s[0], f.n[0]);
	s->type[f.n[0]] = '\0';
	cr_assert(!strcmp(s->type, "Body") || !strcmp(s->type, "Attachment"),
	          "section at %zu: type [%s]", off, s->type);
	cr_assert(number(f.s[1], f.n[1], &s->length),
	          "section at %zu: Length [%.*s]", off, (int)f.n[1], f.s[1]);
	cr_assert_eq(f.n[2], 0, "section at %zu: an Encoding", off);
	if (f.n[3] == 4 && !memcmp(f.s[3], "TRUE", 4))
		s->islast = true;
	else
		cr_assert(f.n[3] == 5 && !memcmp(f.s[3], "FALSE", 5),
		          "section at %zu: Islast [%.*s]", off, (int)f.n[3],
		          f.s[3]);
	s->name = tu_unquote(f.s[4], f.n[4]);
	if (!strcmp(s->type, "Body")) {
		cr_assert(!f.n[4] && !f.n[5] && !f.n[6],
		          "section at %zu: a Body with Name, Position or "
		          "Format",
		          off);
	} else {
		cr_assert(number(f.s[5], f.n[5], &s->position),
		          "section at %zu: Position [%.*s]", off, (int)f.n[5],
		          f.s[5]);
		cr_assert(f.n[6] == 4 && !memcmp(f.s[6], "None", 4),
		          "section at %zu: Format [%.*s]", off, (int)f.n[6],
		          f.s[6]);
	}
	tu_slices_free(&f);
	s->data = off + hn + 2;
	cr_assert_leq(s->length, n - s->data,
	              "section at %zu: Length %llu runs past the end", off,
	              (unsigned long long)s->length);
	size_t end = s->data + (size_t)s->length;
	cr_assert(n - end >= 2 && sec[end] == '\r' && sec[end + 1] == '\n',
	          "section at %zu: no CR LF after its %llu bytes", off,
	          (unsigned long long)s->length);
	s->next = end + 2;
}

bool tu_contains(const char *text, size_t n, const char *needle)
{
	return memmem(text, n, needle, strlen(needle)) != NULL;
}

uint64_t tu_fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/* Reads all of fd into a NUL-terminated buffer. */
static char *drain(int fd)
{
	size_t cap = 4096, len = 0;
	char *p = malloc(cap + 1);
	cr_assert_not_null(p);
	for (;;) {
		ssize_t r = read(fd, p + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == cap) {
			cap *= 2;
			p = realloc(p, cap + 1);
			cr_assert_not_null(p);
		}
	}
	p[len] = '\0';
	return p;
}

int tu_run(char *const argv[], const char *cwd, char **out, char **err)
{
	/*
	 * Output goes to memory files rather than pipes, so a child that
	 * writes much to both streams can never block on us, and nothing is
	 * left in /tmp.
	 */
	int ofd = memfd_create("ccm-unit-out", MFD_CLOEXEC);
	int efd = memfd_create("ccm-unit-err", MFD_CLOEXEC);
	cr_assert(ofd >= 0 && efd >= 0, "memfd_create: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		if (in < 0 || dup2(in, 0) < 0 || dup2(ofd, 1) < 0 ||
		    dup2(efd, 2) < 0)
			_exit(126);
		if (cwd && chdir(cwd))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	if (out)
		*out = drain(ofd);
	if (err)
		*err = drain(efd);
	close(ofd);
	close(efd);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

uint64_t tu_rng_next(struct tu_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

uint64_t tu_rng_below(struct tu_rng *r, uint64_t n)
{
	return n ? tu_rng_next(r) % n : 0;
}
