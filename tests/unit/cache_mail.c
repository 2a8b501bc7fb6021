/*
 * The persistent index of the mail views (-o view=maildir, view=eml),
 * through ccm_source_open:
 *
 * - a second open with the same options loads the index file (its notice
 *   "index loaded from FILE" is the proof) and shows the same tree as a
 *   scan: every node's name, kind, size, date and place, every message's
 *   bytes (one message's text is long enough to have seek points, and is
 *   read in pieces that start from them);
 * - the index is made again when the view changes, when -o tz= names
 *   another zone, when the zone's rules file changes under the same
 *   name ($TZDIR), and when the address map's bytes change, even with
 *   its size and times put back; the IFF view's index ignores both.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "mailidx.h"
#include "tl.h"

static char SRC[TL_PATH], CACHE[TL_PATH], MAP[TL_PATH];
static char notices[1 << 16];

static void notice(void *ctx, const char *line)
{
	(void)ctx;
	size_t n = strlen(notices);
	snprintf(notices + n, sizeof(notices) - n, "%s\n", line);
}

/* A mailbox file with one message whose text is 200 KiB long. */
static void long_message(void)
{
	size_t n = 200 * 1024;
	char *text = malloc(n + 512);
	cr_assert_not_null(text);
	int k = snprintf(text, 512,
	                 "Mailbox: Zed, Zo\r\n\r\nMessage:\r\nFrom: Zed, Zo\r\n"
	                 "Date: 6/2/98 8:39\r\nTo: Zed, Zo\r\n"
	                 "Subject: long\r\nContents:\r\nText item:\r\n");
	for (size_t i = 0; i < n; i++)
		text[k + i] = i % 70 == 68 ? '\r' : i % 70 == 69 ? '\n' : 'a';
	text[k + n] = '\0';
	tl_puts(SRC, "USERS/ZLONG.EXP", text);
	free(text);
}

static void setup(void)
{
	tl_scratch_make();
	static const char *const args[] = {
	        "--messages", "60",     "--users", "4", "--attach-bytes",
	        "100K",       "--seed", "7",       NULL};
	tl_make_source(SRC, args);
	long_message();
	tl_join(CACHE, "%s/idx", tl_scratch());
	tl_join(MAP, "%s/map.csv", tl_scratch());
	tl_puts(tl_scratch(), "map.csv", "\"Zed, Zo\",zo@example.com\n");
}

static void teardown(void)
{
	tl_scratch_drop(true, false);
}

TestSuite(cache_mail, .init = setup, .fini = teardown, .timeout = 120);

static struct ccm_options opts_of(enum ccm_view view, const char *tz,
                                  const char *map)
{
	struct ccm_options o = {0};
	o.cache_dir = CACHE;
	o.notice = notice;
	o.view = view;
	o.tz = tz;
	o.addrmap = map;
	return o;
}

/* Every node of every post office of src, with a file's bytes read in
 * pieces of 40000 bytes, as one string. */
static char *dump(const ccm_source *src, size_t *len)
{
	char *p = NULL;
	FILE *f = open_memstream(&p, len);
	cr_assert_not_null(f);
	static char buf[40000];
	for (size_t po = 0; po < ccm_source_po_count(src); po++)
		for (size_t i = 0; i < ccm_po_node_count(src, po); i++) {
			struct ccm_node_info in;
			ccm_node_info(src, po, i, &in);
			fprintf(f, "%zu %s %d %llu %lld %zu %zu\n", i, in.name,
			        in.dir, (unsigned long long)in.size,
			        (long long)in.mtime.tv_sec, in.parent,
			        in.nchild);
			for (uint64_t off = 0; !in.dir && off < in.size;) {
				size_t got = 0;
				ccm_err err =
				        ccm_node_read(src, po, i, off,
				                      sizeof(buf), buf, &got);
				cr_assert(!err && got, "%s: %s", in.name,
				          ccm_strerror(err));
				fwrite(buf, 1, got, f);
				off += got;
			}
		}
	fclose(f);
	return p;
}

/* Opens SRC with o; asserts that the index was loaded or not, and that
 * the tree is a scan's without the cache. Returns the dump. */
static char *open_check(const struct ccm_options *o, bool want_loaded,
                        size_t *len)
{
	notices[0] = '\0';
	ccm_source *src = tl_open(SRC, o);
	bool loaded = strstr(notices, "index loaded from ") != NULL;
	cr_assert_eq(loaded, want_loaded, "loaded %d, want %d; notices:\n%s",
	             loaded, want_loaded, notices);
	/* The long text's seek points are there (read from the file). */
	size_t seeks = 0;
	for (size_t i = 0; i < src->npo; i++)
		seeks += src->pos[i]->mail ? src->pos[i]->mail->seeks.n : 0;
	cr_assert(o->view == CCM_VIEW_IFF || seeks >= 10, "%zu seek points",
	          seeks);
	struct ccm_options plain = *o;
	plain.cache_dir = NULL;
	ccm_source *ref = tl_open(SRC, &plain);
	size_t rn;
	char *got = dump(src, len), *want = dump(ref, &rn);
	cr_assert(*len == rn && !memcmp(got, want, rn),
	          "the tree differs from the scan's");
	free(want);
	ccm_source_close(ref);
	ccm_source_close(src);
	return got;
}

static void check(const struct ccm_options *o, bool want_loaded)
{
	size_t n;
	free(open_check(o, want_loaded, &n));
}

/* Asserts that two dumps differ: the change shows in the output. */
static void differ(char *a, size_t an, char *b, size_t bn)
{
	cr_assert(an != bn || memcmp(a, b, an), "the change shows nowhere");
	free(a);
	free(b);
}

Test(cache_mail, maildir_remount_loads_the_index)
{
	struct ccm_options o = opts_of(CCM_VIEW_MAILDIR, "Europe/Berlin", MAP);
	check(&o, false);
	check(&o, true);
	check(&o, true);
}

Test(cache_mail, eml_remount_loads_the_index)
{
	struct ccm_options o = opts_of(CCM_VIEW_EML, "-0500", NULL);
	check(&o, false);
	check(&o, true);
}

Test(cache_mail, rebuilt_after_view_change)
{
	struct ccm_options o = opts_of(CCM_VIEW_MAILDIR, NULL, NULL);
	check(&o, false);
	o.view = CCM_VIEW_EML;
	check(&o, false);
	check(&o, true);
	o.view = CCM_VIEW_IFF;
	check(&o, false);
	check(&o, true);
}

Test(cache_mail, rebuilt_after_tz_change)
{
	struct ccm_options o = opts_of(CCM_VIEW_MAILDIR, "+0100", NULL);
	size_t an, bn;
	check(&o, false);
	char *a = open_check(&o, true, &an);
	o.tz = "Europe/Berlin";
	char *b = open_check(&o, false, &bn);
	differ(a, an, b, bn);
	check(&o, true);
}

/* The zone's file replaced under the same name: new rules, new index. */
Test(cache_mail, rebuilt_after_zone_rules_change)
{
	char dir[TL_PATH];
	tl_join(dir, "%s/zoneinfo", tl_scratch());
	size_t n;
	char *d = tl_slurp("/usr/share/zoneinfo/Europe/Berlin", &n);
	tl_write_at(dir, "Europe/Berlin", d, n);
	free(d);
	cr_assert_eq(setenv("TZDIR", dir, 1), 0); /* a process per test */
	struct ccm_options o = opts_of(CCM_VIEW_EML, "Europe/Berlin", NULL);
	size_t an, bn;
	check(&o, false);
	char *a = open_check(&o, true, &an);
	d = tl_slurp("/usr/share/zoneinfo/America/New_York", &n);
	tl_write_at(dir, "Europe/Berlin", d, n);
	free(d);
	char *b = open_check(&o, false, &bn);
	differ(a, an, b, bn);
	check(&o, true);
}

/* One byte of the map changed, its size and times put back. */
Test(cache_mail, rebuilt_after_address_map_change)
{
	struct ccm_options o = opts_of(CCM_VIEW_MAILDIR, NULL, MAP);
	size_t an, bn;
	check(&o, false);
	char *a = open_check(&o, true, &an);
	struct stat st;
	cr_assert_eq(stat(MAP, &st), 0);
	tl_puts(tl_scratch(), "map.csv", "\"Zed, Zo\",zq@example.com\n");
	struct timespec t[2] = {st.st_atim, st.st_mtim};
	cr_assert_eq(utimensat(AT_FDCWD, MAP, t, 0), 0);
	char *b = open_check(&o, false, &bn);
	differ(a, an, b, bn);
	check(&o, true);
}

/* The IFF view reads neither the zone nor the map: its index stays. */
Test(cache_mail, iff_view_ignores_mail_options)
{
	struct ccm_options o = opts_of(CCM_VIEW_IFF, "+0100", MAP);
	check(&o, false);
	o.tz = "-0300";
	o.addrmap = NULL;
	check(&o, true);
}

/* A pipe holding text, as "/dev/fd/N" in path; returns its read end. */
static int pipe_of(char *path, const char *text)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	size_t n = strlen(text);
	cr_assert_eq(write(p[1], text, n), (ssize_t)n);
	close(p[1]);
	snprintf(path, TL_PATH, "/dev/fd/%d", p[0]);
	return p[0];
}

/*
 * A map read from a pipe, as addrmap=<(make-map) gives, cannot be read
 * again to be summed: the source is scanned at each open, never served
 * from an index made with other bytes (two pipes of one name in a row).
 */
Test(cache_mail, map_from_a_pipe_is_never_cached)
{
	for (int i = 0; i < 2; i++) {
		char path[TL_PATH];
		int fd = pipe_of(path, i ? "\"Zed, Zo\",zq@example.com\n"
		                         : "\"Zed, Zo\",zr@example.com\n");
		struct ccm_options o = opts_of(CCM_VIEW_MAILDIR, NULL, path);
		notices[0] = '\0';
		ccm_source *src = tl_open(SRC, &o);
		cr_assert(!strstr(notices, "index loaded from "),
		          "open %d loaded an index:\n%s", i + 1, notices);
		ccm_source_close(src);
		close(fd);
	}
}
