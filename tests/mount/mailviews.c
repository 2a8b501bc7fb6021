/*
 * The mail views' trees on a real mount (-o view=eml, -o view=maildir):
 * the names the rules of core/README.md give, down to collisions, the
 * reserved names and the 255-byte limit; every file's size at stat equal
 * to the bytes read, random ranges equal to the whole, and the whole equal
 * to ccmail2iff's file of the same view; the same names and bytes after a
 * remount. The messages' content is checked by maildir.py and imap.py.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl.h"

TestSuite(mailviews, .init = tl_setup, .fini = tl_teardown, .timeout = 300);

/* A subject of 300 bytes, 'e' with an acute accent (cp850 0x82, two bytes
 * in UTF-8) from the 200th on, so that the 255-byte cut falls inside
 * the run of two-byte characters. */
static void long_subject(char *out)
{
	memset(out, 'x', 200);
	memset(out + 200, 0x82, 100);
	out[300] = '\0';
}

/*
 * A post office whose names collide in every way the rules foresee:
 * "a/b" and "a_b" clean to the same name, ".hidden" starts with a dot, a
 * mailbox is called like REPORT.TXT and another like the bulletin boards'
 * folder; folders named cur and INBOX, a folder starting with a dot; two
 * messages with the same date and subject, and two whose long subjects
 * are the same in their first 255 bytes.
 */
static void edge_source(char *src)
{
	tl_join(src, "%s/edge", tl_scratch());
	tl_puts(src, "PO.INI",
	        "[PostOffice]\nName=EDGE\nCodePage=850\nDateOrder=MDY\n");
	tl_puts(src, "CCMDIR.EXP",
	        "Name: a/b\nLocation: L\n\nName: a_b\nLocation: L\n\n"
	        "Name: .hidden\nLocation: L\n\nName: REPORT.TXT\n"
	        "Location: L\n\nName: Bulletin Boards\nLocation: L\n");
	tl_puts(src, "CCMBB.EXP",
	        "Bulletin board: News\nMessage:\nFrom: a_b\n"
	        "Date: 1/5/1999 10:00AM\nTo: #News\nSubject: Board\n"
	        "Contents:\nText item:\nOn the board.\n");
	char sub[301], text[4096];
	long_subject(sub);
	static const char *const msg =
	        "Message:\nFolder: %s\nFrom: a_b\nDate: %s\nTo: a/b\n"
	        "Subject: %s\n%sContents:\nText item:\nText %d.\n";
	int n = snprintf(text, sizeof(text), "Mailbox: a/b\n");
	static const struct {
		const char *folder, *date, *subject, *status;
	} m[] = {
	        {"Projects", "1/4/1999 9:12AM", "Same", ""},
	        {"Projects", "1/4/1999 9:12AM", "Same", "Status: Unread\n"},
	        {"Inbox", "1/4/1999 9:13AM", NULL, ""},
	        {"Inbox", "1/4/1999 9:13AM", NULL, ""},
	        {"cur", "2/31/99 10:00", "a/b", ""},
	        {"Inbox\\INBOX", "1/6/1999 8:00AM", "", ""},
	        {"Trash\\.old", "1/7/1999 8:00AM", ".dot", ""},
	        {"Drafts", "1/8/1999 8:00AM", "Draft", "Status: Draft\n"},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(*m); i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, msg,
		              m[i].folder, m[i].date,
		              m[i].subject ? m[i].subject : sub, m[i].status,
		              (int)i + 1);
	tl_puts(src, "USERS/AB.EXP", text);
}

/* Asserts that the tree under root is exactly the patterns (fnmatch,
 * each matching one entry), in any order. */
static void assert_tree(const char *root, const char *const *want, size_t n)
{
	struct tl_list got;
	tl_list_tree(root, &got);
	for (size_t i = 0; i < n; i++) {
		size_t hits = 0;
		for (size_t k = 0; k < got.n; k++)
			hits += !fnmatch(want[i], got.v[k], 0);
		cr_expect_eq(hits, 1, "%s: %zu entries", want[i], hits);
	}
	if (got.n != n)
		for (size_t k = 0; k < got.n; k++)
			cr_log_error("listed: %s", got.v[k]);
	cr_assert_eq(got.n, n, "%zu entries, %zu expected", got.n, n);
	tl_list_free(&got);
}

/* The cut name of the long subjects: 255 bytes with ".eml" (and "~2"),
 * "1999-01-04 0913 " and the x's, then as many whole é as fit. */
static void long_name(char *out, bool second)
{
	size_t room = 255 - strlen(".eml") - (second ? 2 : 0);
	size_t len = (size_t)snprintf(out, TL_PATH, "1999-01-04 0913 ");
	memset(out + len, 'x', 200);
	len += 200;
	while (len + 2 <= room) {
		memcpy(out + len, "\xc3\xa9", 2);
		len += 2;
	}
	snprintf(out + len, TL_PATH - len, "%s.eml", second ? "~2" : "");
}

Test(mailviews, eml_edge_names)
{
	char src[TL_PATH], l1[TL_PATH], l2[TL_PATH], p1[TL_PATH], p2[TL_PATH];
	edge_source(src);
	static const char *const opts[] = {"-o", "view=eml", NULL};
	struct tl_mount *m = tl_mount(src, opts);
	long_name(l1, false);
	long_name(l2, true);
	/* 254 bytes each: a whole é does not fit the 255th byte. */
	cr_assert(strlen(l1) == 254 && strlen(l2) == 254);
	tl_join(p1, "EDGE/a_b/Inbox/%s", l1);
	tl_join(p2, "EDGE/a_b/Inbox/%s", l2);
	const char *const want[] = {
	        "EDGE/",
	        "EDGE/REPORT.TXT",
	        "EDGE/Bulletin Boards/",
	        "EDGE/Bulletin Boards/News/",
	        "EDGE/Bulletin Boards/News/1999-01-05 1000 Board.eml",
	        "EDGE/_hidden/",
	        "EDGE/a_b/",
	        "EDGE/a_b/Projects/",
	        "EDGE/a_b/Projects/1999-01-04 0912 Same.eml",
	        "EDGE/a_b/Projects/1999-01-04 0912 Same~2.eml",
	        "EDGE/a_b/Inbox/",
	        p1,
	        p2,
	        "EDGE/a_b/cur/",
	        "EDGE/a_b/cur/undated a_b.eml",
	        "EDGE/a_b/Inbox/INBOX/",
	        "EDGE/a_b/Inbox/INBOX/1999-01-06 0800 (no subject).eml",
	        "EDGE/a_b/Deleted Items/",
	        "EDGE/a_b/Deleted Items/_old/",
	        "EDGE/a_b/Deleted Items/_old/1999-01-07 0800 .dot.eml",
	        "EDGE/a_b/Drafts/",
	        "EDGE/a_b/Drafts/1999-01-08 0800 Draft.eml",
	        "EDGE/a_b~2/",
	        "EDGE/REPORT.TXT~2/",
	        "EDGE/Bulletin Boards~2/",
	};
	assert_tree(m->mnt, want, sizeof(want) / sizeof(*want));
	tl_finish();
}

Test(mailviews, maildir_edge_names)
{
	char src[TL_PATH];
	edge_source(src);
	static const char *const opts[] = {"-o", "view=maildir", NULL};
	struct tl_mount *m = tl_mount(src, opts);
#define MD(p) p "/", p "/cur/", p "/new/", p "/tmp/"
	/* Dates: 1999-01-04 09:12 is 915441120 (read as UTC). */
	const char *const want[] = {
	        "EDGE/",
	        "EDGE/REPORT.TXT",
	        "EDGE/Bulletin Boards/",
	        MD("EDGE/Bulletin Boards/News"),
	        "EDGE/Bulletin Boards/News/cur/915530400.M1.ccmail,S=*:2,S",
	        MD("EDGE/_hidden"),
	        MD("EDGE/a_b"),
	        MD("EDGE/a_b/Projects"),
	        "EDGE/a_b/Projects/cur/915441120.M1.ccmail,S=*:2,S",
	        "EDGE/a_b/Projects/cur/915441120.M2.ccmail,S=*:2,",
	        "EDGE/a_b/cur/915441180.M3.ccmail,S=*:2,S",
	        "EDGE/a_b/cur/915441180.M4.ccmail,S=*:2,S",
	        MD("EDGE/a_b/cur~2"),
	        "EDGE/a_b/cur~2/cur/0.M5.ccmail,S=*:2,S",
	        MD("EDGE/a_b/INBOX_"),
	        "EDGE/a_b/INBOX_/cur/915609600.M6.ccmail,S=*:2,S",
	        MD("EDGE/a_b/Deleted Items"),
	        MD("EDGE/a_b/Deleted Items/_old"),
	        "EDGE/a_b/Deleted Items/_old/cur/915696000.M7.ccmail,S=*:2,S",
	        MD("EDGE/a_b/Drafts"),
	        "EDGE/a_b/Drafts/cur/915782400.M8.ccmail,S=*:2,DS",
	        MD("EDGE/a_b~2"),
	        MD("EDGE/REPORT.TXT~2"),
	        MD("EDGE/Bulletin Boards~2"),
	};
#undef MD
	assert_tree(m->mnt, want, sizeof(want) / sizeof(*want));
	tl_finish();
}

/* A whole file read in odd chunks; its size at stat must be what was
 * read. */
static char *read_whole(const char *p, size_t *n)
{
	int fd = open(p, O_RDONLY);
	cr_assert(fd >= 0, "%s: %s", p, strerror(errno));
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	char *buf = malloc((size_t)st.st_size + 4097);
	cr_assert_not_null(buf);
	size_t got = 0;
	for (ssize_t r; (r = read(fd, buf + got, 4093)) > 0;)
		got += (size_t)r;
	close(fd);
	cr_assert_eq(got, (size_t)st.st_size, "%s: stat %lld, read %zu", p,
	             (long long)st.st_size, got);
	*n = got;
	return buf;
}

/* Random ranges of a file equal to the same bytes of its whole. */
static void ranges(const char *p, const char *whole, size_t n,
                   struct tl_rng *rng)
{
	int fd = open(p, O_RDONLY);
	cr_assert(fd >= 0, "%s", p);
	char *buf = malloc(n + 1);
	cr_assert_not_null(buf);
	for (int k = 0; k < 6; k++) {
		size_t off = tl_rng_below(rng, n + 1);
		size_t len = tl_rng_below(rng, n - off + 2);
		ssize_t r = pread(fd, buf, len, (off_t)off);
		size_t want = off + len > n ? n - off : len;
		cr_assert_eq(r, (ssize_t)want, "%s: pread %zu at %zu", p, len,
		             off);
		cr_assert(!memcmp(buf, whole + off, want),
		          "%s: %zu bytes at %zu differ", p, want, off);
	}
	free(buf);
	close(fd);
}

/* Is s (n bytes) valid UTF-8 without control characters? */
static bool clean_utf8(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = u[i] < 0x80    ? 1
		             : u[i] >= 0xf0 ? 4
		             : u[i] >= 0xe0 ? 3
		             : u[i] >= 0xc2 ? 2
		                            : 0;
		if (!len || i + len > n || u[i] < 0x20 || u[i] == 0x7f)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

/* Every message file of a view: its name, its size and ranges, and the
 * same bytes in ccmail2iff's tree of that view (ref). Returns how many. */
static size_t check_files(const char *mnt, const char *ref, bool eml)
{
	struct tl_list all;
	tl_list_tree(mnt, &all);
	struct tl_rng rng = {0x5eed};
	size_t count = 0;
	for (size_t i = 0; i < all.n; i++) {
		const char *rel = all.v[i], *base = strrchr(rel, '/');
		size_t blen = strlen(base ? base + 1 : rel);
		cr_assert(clean_utf8(rel, strlen(rel)), "%s", rel);
		cr_assert_leq(blen, 255, "%s", rel);
		if (rel[strlen(rel) - 1] == '/' || strstr(rel, "REPORT.TXT"))
			continue;
		cr_assert(eml ? !fnmatch("*/[12u][0-9n]*.eml", rel, 0)
		              : !fnmatch("*/cur/*.M*.ccmail,S=*:2,*", rel, 0),
		          "%s", rel);
		char p[TL_PATH], q[TL_PATH];
		tl_join(p, "%s/%s", mnt, rel);
		tl_join(q, "%s/%s", ref, rel);
		size_t n, rn;
		char *whole = read_whole(p, &n), *want = tl_slurp(q, &rn);
		cr_assert(n == rn && !memcmp(whole, want, n),
		          "%s: not ccmail2iff's file", rel);
		ranges(p, whole, n, &rng);
		free(whole);
		free(want);
		count++;
	}
	tl_list_free(&all);
	return count;
}

/* Generated post offices in cp850 and cp932: every message in each view,
 * and the same tree after a remount. */
static void generated(const char *view, const char *cp, bool eml)
{
	char src[TL_PATH], ref[TL_PATH], arg[64], opt[64];
	const char *const gen[] = {"--seed",
	                           "21",
	                           "--users",
	                           "4",
	                           "--messages",
	                           "90",
	                           "--attach-bytes",
	                           "1M",
	                           "--big-attach",
	                           "1",
	                           "--tricky",
	                           "--quirks",
	                           "--codepage",
	                           cp,
	                           NULL};
	tl_make_source(src, gen);
	snprintf(arg, sizeof(arg), "--view=%s", view);
	const char *const rargs[] = {arg, NULL};
	tl_make_reference(src, ref, rargs);
	snprintf(opt, sizeof(opt), "view=%s", view);
	const char *const opts[] = {"-o", opt, NULL};
	struct tl_mount *m = tl_mount(src, opts);
	ccm_source *s = tl_open(src, NULL);
	struct ccm_po_stats st;
	ccm_po_stats(s, 0, &st);
	ccm_source_close(s);
	size_t n = check_files(m->mnt, ref, eml);
	cr_assert_eq(n, st.messages, "%zu message files, %llu messages", n,
	             (unsigned long long)st.messages);
	tl_umount(m);
	/* Stable: a second mount of the same export, the same tree. */
	m = tl_mount(src, opts);
	tl_assert_same_tree(m->mnt, ref, 0);
	tl_finish();
}

Test(mailviews, eml_cp850)
{
	generated("eml", "850", true);
}

Test(mailviews, eml_cp932)
{
	generated("eml", "932", true);
}

Test(mailviews, maildir_cp850)
{
	generated("maildir", "850", false);
}

Test(mailviews, maildir_cp932)
{
	generated("maildir", "932", false);
}
