/*
 * The persistent index (issue 10), through ccm_source_open:
 *
 * - a second open of a source with the same options loads the index file
 *   (its notice "index loaded from FILE" is the proof: a scan never gives
 *   it) and every output file is byte for byte what a scan gives;
 * - each kind of change to an export file (append, truncate, same-size
 *   overwrite with the mtime put back, rename over, delete, a new mailbox
 *   file) and an option change makes the next open scan again, and the
 *   one after load the new index;
 * - a truncated, bit-flipped, other-version or other-owner index file is
 *   ignored with a notice and replaced, and so is one whose checksum was
 *   made again over a message that points out of bounds (the loader's
 *   own checks, which read the arrays from the file, refuse it); a cache folder
 * others may write to, or one that cannot be made, is not used (a notice says
 * so); two opens at once both succeed and leave one whole file; two
 * scans of one source write the same bytes.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cache_load.h"
#include "cache_table.h"
#include "index.h"
#include "maillayout.h"
#include "tl.h"

static char SRC[TL_PATH], CACHE[TL_PATH];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char notices[1 << 16];

static void setup(void)
{
	tl_scratch_make();
	static const char *const args[] = {
	        "--messages", "80",     "--users", "4", "--attach-bytes",
	        "200K",       "--seed", "5",       NULL};
	tl_make_source(SRC, args);
	tl_join(CACHE, "%s/idx", tl_scratch());
	notices[0] = '\0';
}

static void teardown(void)
{
	tl_scratch_drop(true, false);
}

TestSuite(cache, .init = setup, .fini = teardown, .timeout = 120);

static void collect(void *ctx, const char *line)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	size_t n = strlen(notices);
	snprintf(notices + n, sizeof(notices) - n, "%s\n", line);
	pthread_mutex_unlock(&lock);
}

static struct ccm_options opts_with(const char *cache)
{
	struct ccm_options o = {0};
	o.cache_dir = cache;
	o.notice = collect;
	return o;
}

/* Every output file of src, named and whole, as one string. */
static char *dump(const ccm_source *src, size_t *len)
{
	struct ccm_buf_ {
		char *p;
		size_t n;
	} b = {NULL, 0};
	FILE *f = open_memstream(&b.p, &b.n);
	cr_assert_not_null(f);
	for (size_t p = 0; p < ccm_source_po_count(src); p++)
		for (size_t i = 0; i < ccm_po_file_count(src, p); i++) {
			size_t n;
			char *d = tl_read(src, p, i, 65536, &n);
			fprintf(f, "%s/%s %zu\n", ccm_po_folder(src, p),
			        ccm_file_name(src, p, i), n);
			fwrite(d, 1, n, f);
			free(d);
		}
	fclose(f);
	*len = b.n;
	return b.p;
}

/* Opens SRC with o; asserts that the index was loaded or not, and that
 * the output is what a scan without the cache gives. */
static void open_check(const struct ccm_options *o, bool want_loaded)
{
	notices[0] = '\0';
	ccm_source *src = tl_open(SRC, o);
	bool loaded = strstr(notices, "index loaded from ") != NULL;
	cr_assert_eq(loaded, want_loaded, "loaded %d, want %d; notices:\n%s",
	             loaded, want_loaded, notices);
	struct ccm_options plain = *o;
	plain.cache_dir = NULL;
	ccm_source *ref = tl_open(SRC, &plain);
	size_t n, rn;
	char *got = dump(src, &n), *want = dump(ref, &rn);
	cr_assert(n == rn && !memcmp(got, want, n),
	          "output differs from the scan's");
	free(got);
	free(want);
	ccm_source_close(ref);
	ccm_source_close(src);
}

/* The one index file in CACHE (asserted alone there); its path. */
static void index_file(char *out)
{
	struct tl_list l = {0};
	tl_list_dir(CACHE, &l);
	cr_assert_eq(l.n, 1, "%zu files in the cache folder", l.n);
	tl_join(out, "%s/%s", CACHE, l.v[0]);
	tl_list_free(&l);
}

Test(cache, used_when_valid)
{
	struct ccm_options o = opts_with(CACHE);
	open_check(&o, false);
	struct stat st;
	cr_assert_eq(stat(CACHE, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	char f[TL_PATH];
	index_file(f);
	cr_assert_eq(stat(f, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	open_check(&o, true);
	open_check(&o, true);
}

/* A source named relative to the working folder is cached the same (its
 * folders are recorded by their absolute paths). */
Test(cache, used_for_a_relative_source)
{
	char dir[TL_PATH];
	tl_join(dir, "%s", SRC);
	char *slash = strrchr(dir, '/');
	cr_assert_not_null(slash);
	*slash = '\0';
	cr_assert_eq(chdir(dir), 0); /* each test is a process of its own */
	struct ccm_options o = opts_with(CACHE);
	for (int i = 0; i < 2; i++) {
		notices[0] = '\0';
		ccm_source *src = tl_open(slash + 1, &o);
		bool loaded = strstr(notices, "index loaded from ") != NULL;
		cr_assert_eq(loaded, i == 1, "open %d, notices:\n%s", i,
		             notices);
		ccm_source_close(src);
	}
}

/* Two scans of one source write the same index file, byte for byte: no
 * stray heap bytes (a name's room past its NUL, a record's padding) go
 * into it. */
Test(cache, same_source_same_bytes)
{
	struct ccm_options o = opts_with(CACHE);
	char f[TL_PATH];
	size_t n[2];
	char *bytes[2];
	for (int i = 0; i < 2; i++) {
		open_check(&o, false);
		index_file(f);
		bytes[i] = tl_slurp(f, &n[i]);
		cr_assert_eq(unlink(f), 0);
	}
	cr_assert_eq(n[0], n[1], "index files of %zu and %zu bytes", n[0],
	             n[1]);
	size_t at = 0;
	while (at < n[0] && bytes[0][at] == bytes[1][at])
		at++;
	cr_assert_eq(at, n[0], "two scans' index files differ at byte %zu", at);
	free(bytes[0]);
	free(bytes[1]);
}

Test(cache, nocache_keeps_nothing)
{
	struct ccm_options o = opts_with(NULL);
	open_check(&o, false);
	open_check(&o, false);
	cr_assert_neq(access(CACHE, F_OK), 0);
}

/* The first mailbox file of USERS/, its path. */
static void mailbox(char *out)
{
	char users[TL_PATH];
	tl_join(users, "%s/USERS", SRC);
	struct tl_list l = {0};
	tl_list_dir(users, &l);
	cr_assert_gt(l.n, 0);
	tl_join(out, "%s/%s", users, l.v[0]);
	tl_list_free(&l);
}

/* A change made to the export between an open and the next. */
static void rebuilt_after(void (*change)(void))
{
	struct ccm_options o = opts_with(CACHE);
	open_check(&o, false);
	open_check(&o, true);
	change();
	open_check(&o, false);
	open_check(&o, true);
}

static void append(void)
{
	char p[TL_PATH];
	mailbox(p);
	int fd = open(p, O_WRONLY | O_APPEND);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "\r\n", 2), 2);
	close(fd);
}

static void shorten(void)
{
	char p[TL_PATH];
	mailbox(p);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(truncate(p, st.st_size / 2), 0);
}

/* The same size, one byte changed, the times put back: only ctime and,
 * at read time, the bytes tell. */
static void overwrite(void)
{
	char p[TL_PATH];
	mailbox(p);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	size_t n;
	char *d = tl_slurp(p, &n);
	char *at = strstr(d, "Subject: ");
	cr_assert_not_null(at);
	at[9] = at[9] == 'Q' ? 'R' : 'Q';
	int fd = open(p, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, d, n, 0), (ssize_t)n);
	close(fd);
	free(d);
	struct timespec t[2] = {st.st_atim, st.st_mtim};
	cr_assert_eq(utimensat(AT_FDCWD, p, t, 0), 0);
}

static void rename_over(void)
{
	char p[TL_PATH], tmp[TL_PATH];
	mailbox(p);
	size_t n;
	char *d = tl_slurp(p, &n);
	tl_join(tmp, "%s.new", p);
	tl_write(tmp, d, n);
	free(d);
	cr_assert_eq(rename(tmp, p), 0);
}

static void delete (void)
{
	char p[TL_PATH];
	mailbox(p);
	cr_assert_eq(unlink(p), 0);
}

static void new_mailbox(void)
{
	tl_puts(SRC, "USERS/ZNEW.EXP",
	        "Mailbox: Zed, Zo\r\n\r\nMessage:\r\nFrom: Zed, Zo\r\n"
	        "Date: 6/2/98 8:39\r\nTo: Zed, Zo\r\nSubject: new\r\n"
	        "Contents:\r\nText item:\r\nHello.\r\n");
}

Test(cache, rebuilt_after_append)
{
	rebuilt_after(append);
}

Test(cache, rebuilt_after_truncate)
{
	rebuilt_after(shorten);
}

Test(cache, rebuilt_after_same_size_overwrite)
{
	rebuilt_after(overwrite);
}

Test(cache, rebuilt_after_rename_over)
{
	rebuilt_after(rename_over);
}

Test(cache, rebuilt_after_delete)
{
	rebuilt_after(delete);
}

Test(cache, rebuilt_after_new_mailbox_file)
{
	rebuilt_after(new_mailbox);
}

/* Every export file is looked at, whichever thread looks (cache.c splits
 * them in runs): a new mtime on any one of them makes a new index. */
Test(cache, rebuilt_after_a_change_to_any_file)
{
	struct ccm_options o = opts_with(CACHE);
	open_check(&o, false);
	struct tl_list l = {0};
	tl_list_tree(SRC, &l);
	size_t files = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i][strlen(l.v[i]) - 1] == '/')
			continue;
		char p[TL_PATH];
		tl_join(p, "%s/%s", SRC, l.v[i]);
		struct timespec t[2] = {{0, UTIME_OMIT},
		                        {1000000000 + (time_t)i, 0}};
		cr_assert_eq(utimensat(AT_FDCWD, p, t, 0), 0);
		notices[0] = '\0';
		open_check(&o, false);
		cr_assert(strstr(notices, l.v[i]), "no notice names %s:\n%s",
		          l.v[i], notices);
		files++;
	}
	tl_list_free(&l);
	cr_assert_gt(files, 8);
	open_check(&o, true);
}

Test(cache, rebuilt_after_option_change)
{
	struct ccm_options o = opts_with(CACHE);
	open_check(&o, false);
	o.dos83 = true;
	open_check(&o, false);
	open_check(&o, true);
	o.sec_split = 4096;
	open_check(&o, false);
	o.date_order = CCM_DATE_YMD;
	open_check(&o, false);
	o.out_codepage = 850;
	open_check(&o, false);
	open_check(&o, true);
}

/* A damaged index file: ignored with a notice naming why, replaced. */
static void ignored_after(void (*damage)(const char *path), const char *why)
{
	struct ccm_options o = opts_with(CACHE);
	open_check(&o, false);
	char f[TL_PATH];
	index_file(f);
	damage(f);
	open_check(&o, false);
	cr_assert(strstr(notices, "index file ignored") && strstr(notices, why),
	          "no notice with \"%s\":\n%s", why, notices);
	struct stat st;
	cr_assert_eq(stat(f, &st), 0);
	cr_assert_eq(st.st_uid, geteuid());
	open_check(&o, true);
}

static void cut(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(truncate(path, st.st_size - 100), 0);
}

static void flip(const char *path)
{
	size_t n;
	char *d = tl_slurp(path, &n);
	d[n / 2] ^= 0x10;
	tl_write(path, d, n);
	free(d);
}

/* The version field of the header (bytes 16 to 31), another one. */
static void other_version(const char *path)
{
	int fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "0.0.9", 6, 16), 6);
	close(fd);
}

static void other_owner(const char *path)
{
	cr_assert_eq(chown(path, 4242, 4242), 0);
}

/*
 * The last message of the first post office made to point past the end
 * of the items, and the checksum made again: only the loader's checks
 * of every index can refuse the file. The last message is the last
 * element of a window of the check: the window is read from the file,
 * not through the mapping.
 */
/* The table of contents entry of the first post office's array name in
 * index file bytes d. */
static struct ccm_cache_toc section_of(const char *d, const char *name)
{
	struct ccm_cache_hdr h;
	memcpy(&h, d, sizeof(h));
	uint32_t id = 0;
	for (size_t i = 0; i < ccm_po_narrays; i++)
		if (!strcmp(ccm_po_arrays[i].name, name))
			id = (uint32_t)i + 1;
	cr_assert(id, "no array %s", name);
	struct ccm_cache_toc t;
	memcpy(&t, d + h.toc_off + ccm_cache_toc_at(0, id) * sizeof(t),
	       sizeof(t));
	cr_assert(t.po == 0 && t.id == id && t.count > 1);
	return t;
}

/* Writes index file bytes d[0..n) to path with their checksum made
 * again, and frees d. */
static void write_resummed(const char *path, char *d, size_t n)
{
	struct ccm_cache_hdr h;
	memcpy(&h, d, sizeof(h));
	struct ccm_cache_sum sum = {0, 0};
	ccm_cache_sum_at(&sum, sizeof(h), d + sizeof(h), n - sizeof(h));
	h.sum = ccm_cache_sum_end(&sum, n);
	memcpy(d, &h, sizeof(h));
	tl_write(path, d, n);
	free(d);
}

static void message_out_of_bounds(const char *path)
{
	size_t n;
	char *d = tl_slurp(path, &n);
	struct ccm_cache_toc t = section_of(d, "msgs");
	struct ccm_msg m;
	char *last = d + t.off + (t.count - 1) * sizeof(m);
	memcpy(&m, last, sizeof(m));
	m.item0 = UINT32_MAX - 1;
	memcpy(last, &m, sizeof(m));
	write_resummed(path, d, n);
}

/* The last seek point of the first post office made to lie past the end
 * of its item, the checksum made again. */
static void seek_point_past_its_item(const char *path)
{
	size_t n;
	char *d = tl_slurp(path, &n);
	struct ccm_cache_toc t = section_of(d, "seekpts");
	struct ccm_seekpt sp;
	char *last = d + t.off + (t.count - 1) * sizeof(sp);
	memcpy(&sp, last, sizeof(sp));
	sp.src = UINT64_MAX / 2;
	memcpy(last, &sp, sizeof(sp));
	write_resummed(path, d, n);
}

Test(cache, resummed_bad_index_ignored)
{
	ignored_after(message_out_of_bounds, "a message out of bounds");
}

/* The seek points are checked from the file too: a source whose long text
 * items have them (2,000 messages). */
Test(cache, resummed_bad_seek_point_ignored)
{
	static const char *const args[] = {"--messages", "2000", "--users", "4",
	                                   "--seed",     "5",    NULL};
	tl_join(SRC, "%s/long", tl_scratch());
	tl_gen(SRC, args);
	ignored_after(seek_point_past_its_item, "a seek point past its item");
}

Test(cache, truncated_file_ignored)
{
	ignored_after(cut, "short");
}

Test(cache, flipped_bit_ignored)
{
	ignored_after(flip, "checksum");
}

/*
 * A load sums the messages and items where the checks read them and the
 * rest of the file beside them (cache.c): a bit flipped in any part is
 * found, whichever reads it. Which byte: a global, set by the test.
 */
static enum { IN_TOC, IN_MSGS, IN_ITEMS, IN_BLOB } flip_in;

static void flip_part(const char *path)
{
	size_t n;
	char *d = tl_slurp(path, &n);
	struct ccm_cache_hdr h;
	memcpy(&h, d, sizeof(h));
	struct ccm_cache_toc t;
	size_t at = h.toc_off + 8; /* an element size */
	if (flip_in == IN_MSGS) {
		t = section_of(d, "msgs");
		at = t.off + t.count * t.elem / 2; /* the second thread's */
	} else if (flip_in == IN_ITEMS) {
		t = section_of(d, "items");
		at = t.off + t.count * t.elem - 1;
	} else if (flip_in == IN_BLOB)
		at = h.strs_off + h.strs_len / 2;
	d[at] ^= 0x01;
	tl_write(path, d, n);
	free(d);
}

Test(cache, flipped_bit_in_each_part_ignored)
{
	for (flip_in = IN_TOC; flip_in <= IN_BLOB; flip_in++) {
		char f[TL_PATH];
		if (flip_in != IN_TOC) { /* each starts without an index */
			index_file(f);
			cr_assert_eq(unlink(f), 0);
		}
		ignored_after(flip_part, "checksum");
	}
}

/* The checksum of a file is the sum of its pieces' sums, wherever they
 * start and end; a changed byte or two words swapped change it. */
Test(cache, checksum_adds_up_in_pieces)
{
	enum { N = 4099 };
	static unsigned char d[N];
	uint64_t x = 88172645463325252ull;
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d[i] = (unsigned char)x;
	}
	struct ccm_cache_sum whole = {0, 0}, parts = {0, 0};
	ccm_cache_sum_at(&whole, 5, d, N);
	for (size_t at = 0, k = 1; at < N; at += k, k = k * 7 % 97 + 1) {
		struct ccm_cache_sum p = {0, 0};
		size_t len = k < N - at ? k : N - at;
		ccm_cache_sum_at(&p, 5 + at, d + at, len);
		ccm_cache_sum_join(&parts, &p);
	}
	uint64_t want = ccm_cache_sum_end(&whole, N + 5);
	cr_assert_eq(ccm_cache_sum_end(&parts, N + 5), want);
	unsigned char e[N];
	memcpy(e, d, N);
	e[N / 3] ^= 0x80;
	struct ccm_cache_sum changed = {0, 0};
	ccm_cache_sum_at(&changed, 5, e, N);
	cr_assert_neq(ccm_cache_sum_end(&changed, N + 5), want);
	memcpy(e, d, N);
	memcpy(e + 3, d + 27, 8); /* words 1 and 4 of the file, swapped */
	memcpy(e + 27, d + 3, 8);
	struct ccm_cache_sum moved = {0, 0};
	ccm_cache_sum_at(&moved, 5, e, N);
	cr_assert_neq(ccm_cache_sum_end(&moved, N + 5), want);
}

Test(cache, other_version_ignored)
{
	ignored_after(other_version, "another version");
}

Test(cache, other_owner_ignored)
{
	tl_require_root();
	ignored_after(other_owner, "another user's");
}

Test(cache, folder_writable_by_others_unused)
{
	cr_assert_eq(mkdir(CACHE, 0777), 0);
	cr_assert_eq(chmod(CACHE, 0777), 0);
	struct ccm_options o = opts_with(CACHE);
	open_check(&o, false);
	cr_assert(strstr(notices, "others may write to it"), "%s", notices);
	struct tl_list l = {0};
	tl_list_dir(CACHE, &l);
	cr_assert_eq(l.n, 0);
	tl_list_free(&l);
}

Test(cache, folder_that_cannot_be_made_is_a_notice)
{
	char file[TL_PATH];
	tl_join(file, "%s/plain", tl_scratch());
	tl_write(file, "x", 1);
	tl_join(CACHE, "%s/plain/idx", tl_scratch());
	struct ccm_options o = opts_with(CACHE);
	open_check(&o, false);
	cr_assert(strstr(notices, "no index is kept"), "%s", notices);
}

static void *open_one(void *arg)
{
	(void)arg;
	struct ccm_options o = opts_with(CACHE);
	ccm_source *src = tl_open(SRC, &o);
	size_t n;
	free(dump(src, &n));
	ccm_source_close(src);
	return NULL;
}

Test(cache, two_opens_at_once)
{
	pthread_t t[2];
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 2; i++)
			cr_assert_eq(
			        pthread_create(&t[i], NULL, open_one, NULL), 0);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		char f[TL_PATH];
		index_file(f); /* one file, no temporary left */
		struct ccm_options o = opts_with(CACHE);
		open_check(&o, true);
		append();
	}
}

/*
 * The seeds of fuzz-cache are index files of this build's format: a seed
 * the parser rejects at once (after struct ccm_po, an array element or
 * the version changed) leaves the fuzzer on the first checks only. It is
 * checked here, in the suite, since a stale seed fails no fuzz run.
 */
Test(cache, fuzz_seeds_are_current)
{
	static const char *const seeds[] = {"base", "maildir"};
	for (size_t i = 0; i < sizeof(seeds) / sizeof(*seeds); i++) {
		char path[TL_PATH], why[256] = "";
		tl_join(path, "%s/tests/fuzz/corpus/cache/%s",
		        tl_env("CCM_SOURCE_ROOT"), seeds[i]);
		size_t n;
		char *d = tl_slurp(path, &n);
		/* Mapped like a real index file: page-aligned. */
		char *map = mmap(NULL, n, PROT_READ | PROT_WRITE,
		                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		cr_assert(map != MAP_FAILED);
		memcpy(map, d, n);
		free(d);
		struct ccm_source *src = calloc(1, sizeof(*src));
		cr_assert(src);
		src->opts.view = i ? CCM_VIEW_MAILDIR : CCM_VIEW_IFF;
		cr_assert_eq(ccm_mail_options(src, why, sizeof(why)), CCM_OK);
		bool ok = ccm_cache_parse(src, map, n, -1, NULL, "/nonexistent",
		                          NULL, NULL, why, sizeof(why));
		ccm_index_free(src); /* unmaps map */
		ccm_mail_options_free(src);
		free(src);
		cr_assert(ok,
		          "%s is not an index of this build (%s): make it "
		          "again with FZ_CACHE_SEED=%s build-fuzz/tests/fuzz/"
		          "fuzz-cache -runs=0 (FZ_CACHE_VIEW=1 for maildir)",
		          path, why, path);
	}
}
