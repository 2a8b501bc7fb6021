#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ccm-fuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* ------------------------------------------------------------------ */
/* the scratch folder */

static char root[PATH_MAX], export[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int type,
                  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_root(void)
{
	if (root[0])
		rmtree(root);
}

/* ccm-fuzz-PID folders in base whose process is gone: left by a crash. */
static void remove_stale(const char *base)
{
	DIR *d = opendir(base);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "ccm-fuzz-", 9))
			continue;
		long pid = strtol(e->d_name + 9, &end, 10);
		if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
		rmtree(path);
	}
	closedir(d);
}

/* mkdir -p of the folders of path (not of its last part). */
static void make_parents(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			fail("mkdir %s: %s", p, strerror(errno));
		*s = '/';
	}
}

const char *fz_export(void)
{
	if (export[0])
		return export;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	remove_stale(base);
	snprintf(root, sizeof(root), "%s/ccm-fuzz-%ld", base, (long)getpid());
	rmtree(root);
	snprintf(export, sizeof(export), "%s/exp/", root);
	make_parents(export);
	export[strlen(export) - 1] = '\0';
	atexit(remove_root);
	return export;
}

void fz_write(const char *rel, const void *data, size_t n)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", fz_export(), rel);
	make_parents(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	for (size_t done = 0; done < n;) {
		ssize_t w = write(fd, (const char *)data + done, n - done);
		if (w <= 0)
			fail("write %s: %s", path, strerror(errno));
		done += (size_t)w;
	}
	close(fd);
}

void fz_remove(const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", fz_export(), rel);
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* the base post office */

static const char BASE_MAILBOX[] = "Mailbox: Ames, Al\r\n"
                                   "Private list: Pals\r\n"
                                   "Member: Bee, Bo\r\n"
                                   "\r\n"
                                   "Message:\r\n"
                                   "Folder: Inbox\r\n"
                                   "From: Bee, Bo\r\n"
                                   "Date: 6/2/98 8:39AM\r\n"
                                   "To: Ames, Al\r\n"
                                   "Subject: notes\r\n"
                                   "Contents:\r\n"
                                   "Text item: Body\r\n"
                                   "13\r\n"
                                   "Two\r\nlines.\r\n"
                                   "File item: A.BIN 6/2/98 8:30AM\r\n"
                                   "4\r\n"
                                   "Hex: 0D0A0D41\r\n"
                                   "Message:\r\n"
                                   "From: Ames, Al\r\n"
                                   "Date: 6/3/98 17:00\r\n"
                                   "To: Bee, Bo at OTHER\r\n"
                                   "Subject: the file\r\n"
                                   "Contents:\r\n"
                                   "File item: NOTE.TXT\r\n"
                                   "6\r\n"
                                   "Path: FILES\\NOTE.TXT\r\n";

void fz_write_base(void)
{
	static const char *const files[][2] = {
	        {"PO.INI", "[PostOffice]\r\nName=FUZZ/PO\r\nCodePage=850\r\n"},
	        {"CCMDIR.EXP", "Name: Ames, Al\r\nLocation: L\r\n\r\n"
	                       "Name: Bee, Bo\r\nLocation: L\r\n"
	                       "Comment: second\r\n\r\n"
	                       "Name: OTHER\r\nLocation: P\r\n"},
	        {"CCMLIST.EXP", "Mailing list: All\r\nMember: Ames, Al\r\n"
	                        "Member: Bee, Bo at FUZZ/PO\r\n"},
	        {"CCMBB.EXP", "Bulletin board: News\r\nMessage:\r\n"
	                      "From: Bee, Bo\r\nDate: 1/2/99 9:00\r\n"
	                      "To: #News\r\nSubject: hi\r\nContents:\r\n"
	                      "Text item:\r\nHello.\r\n"},
	        {"USERS/AMES.EXP", BASE_MAILBOX},
	        {"FILES/NOTE.TXT", "notes\n"},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fz_write(files[i][0], files[i][1], strlen(files[i][1]));
}

/* ------------------------------------------------------------------ */
/* reading back */

uint64_t fz_hash(const void *data, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)data)[i]) * 1099511628211ull;
	return h;
}

/* splitmix64 */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A read length: tiny, small, a few blocks, or past the seek step. */
static size_t pick_len(uint64_t *s)
{
	static const size_t top[] = {16, 700, 9000, 70000};
	uint64_t r = next(s);
	return 1 + (size_t)(r >> 8) % top[r & 3];
}

struct rfile {
	const ccm_source *src;
	size_t po, f;
	const char *name;
	uint64_t size;
	char *whole;
};

/* Reads [off, off + len) and checks it against the whole file. */
static void read_window(const struct rfile *r, uint64_t off, size_t len,
                        char *buf)
{
	size_t got = (size_t)-1;
	ccm_err err = ccm_file_read(r->src, r->po, r->f, off, len, buf, &got);
	if (err)
		fail("%s [%llu, +%zu): %s", r->name, (unsigned long long)off,
		     len, ccm_strerror(err));
	size_t want = off >= r->size        ? 0
	              : r->size - off < len ? (size_t)(r->size - off)
	                                    : len;
	if (got != want)
		fail("%s [%llu, +%zu): %zu bytes, not %zu", r->name,
		     (unsigned long long)off, len, got, want);
	if (want && memcmp(buf, r->whole + off, want))
		fail("%s [%llu, +%zu) differs from the whole read", r->name,
		     (unsigned long long)off, len);
}

/* When the range is one attachment file's, its bytes there agree. */
static void span_window(const struct rfile *r, uint64_t off, size_t len,
                        char *buf)
{
	struct ccm_span sp;
	if (off >= r->size || len > r->size - off ||
	    ccm_file_span(r->src, r->po, r->f, off, len, &sp))
		return;
	ssize_t n = pread(sp.fd, buf, len, (off_t)sp.off);
	ccm_span_end(r->src, &sp);
	if (n != (ssize_t)len || memcmp(buf, r->whole + off, len))
		fail("%s [%llu, +%zu): the span differs", r->name,
		     (unsigned long long)off, len);
}

static void check_report(const struct rfile *r)
{
	const char *s = r->whole;
	uint64_t n = r->size;
	if (n < 2 || s[n - 2] != '\r' || s[n - 1] != '\n')
		fail("REPORT.TXT does not end with CR LF");
	for (uint64_t i = 0; i < n; i++)
		if (s[i] == '\n' && (!i || s[i - 1] != '\r'))
			fail("REPORT.TXT: a lone LF at %llu",
			     (unsigned long long)i);
}

static void check_file(const ccm_source *src, size_t po, size_t f,
                       uint64_t *seed)
{
	struct rfile r = {src,
	                  po,
	                  f,
	                  ccm_file_name(src, po, f),
	                  ccm_file_size(src, po, f),
	                  NULL};
	size_t at;
	if (ccm_file_lookup(src, po, r.name, &at) || at != f)
		fail("%s: not found by its own name", r.name);
	if (r.size > (uint64_t)1 << 28)
		fail("%s: %llu bytes from a small input", r.name,
		     (unsigned long long)r.size);
	r.whole = malloc((size_t)r.size + 1);
	char *buf = malloc(70000 + 1);
	if (!r.whole || !buf)
		fail("out of memory");
	/* Whole, in one read: the reference for the rest. */
	size_t got = (size_t)-1;
	ccm_err err =
	        ccm_file_read(src, po, f, 0, (size_t)r.size, r.whole, &got);
	if (err || got != r.size)
		fail("%s: a whole read gave %zu of %llu bytes (%s)", r.name,
		     got, (unsigned long long)r.size, ccm_strerror(err));
	read_window(&r, r.size, 1, buf);
	/* Front to back in windows of random lengths, then anywhere. */
	for (uint64_t off = 0; off < r.size;) {
		size_t len = pick_len(seed);
		read_window(&r, off, len, buf);
		off += len;
	}
	for (int i = 0; i < 8; i++) {
		uint64_t off = next(seed) % (r.size + 1);
		size_t len = pick_len(seed);
		read_window(&r, off, len, buf);
		span_window(&r, off, len, buf);
	}
	if (!strcmp(r.name, "REPORT.TXT"))
		check_report(&r);
	free(buf);
	free(r.whole);
}

void fz_check_source(const struct ccm_options *opts, uint64_t seed)
{
	struct ccm_options dflt = {0};
	ccm_source *src = NULL;
	char msg[1024];
	if (ccm_source_open(fz_export(), opts ? opts : &dflt, &src, msg,
	                    sizeof(msg)))
		return;
	for (size_t po = 0; po < ccm_source_po_count(src); po++) {
		size_t at;
		const char *folder = ccm_po_folder(src, po);
		if (ccm_po_lookup(src, folder, &at) || at != po)
			fail("post office %s: not found by its folder", folder);
		struct ccm_po_stats st;
		ccm_po_stats(src, po, &st);
		for (size_t f = 0; f < ccm_po_file_count(src, po); f++)
			check_file(src, po, f, &seed);
	}
	ccm_source_close(src);
}
