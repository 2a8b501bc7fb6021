/*
 * Bad input: duplicate and unlisted mailboxes, unknown keywords, and external
 * files that must not lead outside the export (export spec §9, §4.3).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "bad.h"

/* --- §9: duplicate mailbox files, mailbox in no directory ------------- */

Test(bad, duplicate_mailbox_files)
{
	struct text *a = mailbox();
	message(a, "a1");
	message(a, "a2");
	struct text *b = new_text();
	line(b, "Mailbox: Ames, Al");
	message(b, "dup1");
	message(b, "dup2");
	message(b, "dup3");
	export_with(a);
	tl_write_at(EXP, "USERS/B.EXP", b->p, b->n);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/B.EXP", 1u, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	cr_expect_eq(rows->r.count, 2, "PRI:\n%s", rows->pri);
	static const char *const want[] = {"a1", "a2"};
	expect_rows(rows, want, 2);
	size_t f;
	cr_expect_eq(ccm_file_lookup(src, 0, "00000002.PRI", &f),
	             CCM_ERR_NOENT);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 1);
	cr_expect_eq(st.messages, 2);
}

/*
 * Names are compared without regard to case (export §3), so "AMES, AL" is
 * the same user: the second file read (USERS/B.EXP, in byte order of file
 * names) is the duplicate, whatever the case of the name it gives.
 */
Test(bad, duplicate_mailbox_differing_in_case)
{
	struct text *a = mailbox();
	message(a, "a1");
	message(a, "a2");
	struct text *b = new_text();
	line(b, "Mailbox: AMES, AL");
	message(b, "dup1");
	export_with(a);
	tl_write_at(EXP, "USERS/B.EXP", b->p, b->n);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/B.EXP", 1u, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"a1", "a2"};
	expect_rows(rows, want, 2);
	cr_expect_lt(find_row(rows, "dup1"), 0, "USERS/B.EXP was kept");
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 1);
}

/* USERS/ beside users/, CCMDIR.EXP beside ccmdir.exp: one of each is
 * read (the exact name), and the report says the other is not. */
Test(bad, same_name_in_two_cases_reported)
{
	struct text *a = mailbox();
	message(a, "a1");
	export_with(a);
	struct text *b = mailbox();
	message(b, "other");
	tl_write_at(EXP, "users/A.EXP", b->p, b->n);
	tl_puts(EXP, "ccmdir.exp", "Name: Other, One\r\nLocation: L\r\n");

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	cr_expect(strstr(rep, "USERS: 2 entries are named USERS"), "%s", rep);
	cr_expect(strstr(rep, "CCMDIR.EXP: 2 entries are named CCMDIR.EXP"),
	          "%s", rep);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"a1"};
	expect_rows(rows, want, 1);
}

/* A mailbox file whose lines end in CR alone is one line: left out with
 * a reason that says what to do, not lost as a mailbox of no messages. */
Test(bad, mailbox_with_cr_line_ends_left_out)
{
	struct text *a = mailbox();
	message(a, "a1");
	export_with(a);
	tl_puts(EXP, "USERS/MAC.EXP",
	        "Mailbox: Ames, Al\r\rMessage:\rSubject: lost\r");

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	cr_expect(strstr(rep, "USERS/MAC.EXP:1: the Mailbox: line holds a "
	                      "carriage return"),
	          "%s", rep);
	cr_expect(!strstr(rep, "named in no directory"), "%s", rep);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 1);
	cr_expect_eq(st.left_out, 1);
}

/* A Path: part that two files match without regard to case, neither
 * spelled as written: one is read, and the report says which. Spelled
 * as written, the match is taken without a word. */
Test(bad, path_matching_two_spellings_reported)
{
	tl_puts(EXP, "FILES/AGENDA.TXT", "upper case");
	tl_puts(EXP, "FILES/agenda.txt", "lower case");
	struct text *t = mailbox();
	header(t, "either");
	line(t, "Text item:");
	line(t, "body");
	unsigned f = line(t, "File item: Agenda.txt");
	line(t, "10");
	line(t, "Path: FILES\\Agenda.txt");
	header(t, "exact");
	line(t, "Text item:");
	line(t, "body");
	unsigned g = line(t, "File item: agenda.txt");
	line(t, "10");
	line(t, "Path: FILES\\agenda.txt");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	char want[96];
	snprintf(want, sizeof(want), "A.EXP:%u: file item: Path: ", f);
	cr_expect(strstr(rep, want) && strstr(rep, "2 names match 'Agenda.txt' "
	                                           "without regard to case; "
	                                           "'AGENDA.TXT' is read"),
	          "%s", rep);
	snprintf(want, sizeof(want), "A.EXP:%u:", g);
	cr_expect(!strstr(rep, want), "the exact spelling was reported: %s",
	          rep);
	struct rows *rows = get_rows(src, "00000001.PRI");
	cr_assert_eq(rows->r.count, 2);
	static const char *const bytes[] = {"upper case", "lower case"};
	for (size_t r = 0; r < 2; r++) {
		struct tl_section s[4];
		char *sec;
		size_t sn;
		cr_assert_eq(sections(src, rows, r, s, 4, &sec, &sn), 2);
		cr_expect(s[1].length == 10 &&
		                  !memcmp(sec + s[1].data, bytes[r], 10),
		          "row %zu", r);
	}
}

Test(bad, mailbox_named_in_no_directory)
{
	struct text *a = mailbox();
	message(a, "a1");
	struct text *g = new_text();
	line(g, "Mailbox: Ghost, Gus");
	message(g, "g1");
	message(g, "g2");
	export_with(a);
	tl_write_at(EXP, "USERS/G.EXP", g->p, g->n);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/G.EXP", 1u, 0u);
	/* Kept: Ames, then Ghost, in name order. */
	struct rows *rows = get_rows(src, "00000002.PRI");
	cr_expect(tl_contains(rows->pri, rows->n,
	                      "MAILMESSAGE,\"CCMAIL:Ghost, Gus at BAD\""));
	static const char *const want[] = {"g1", "g2"};
	expect_rows(rows, want, 2);
	size_t dn;
	char *dir = own(tl_file(src, 0, "DIRECTORY.PRI", &dn));
	cr_expect(tl_contains(dir, dn, "mailbox,create,GhostG,"), "%s", dir);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 2);
	cr_expect_eq(st.left_out, 0);
}

Test(bad, unknown_header_keyword_warns)
{
	struct text *t = mailbox();
	unsigned m = line(t, "Message:");
	line(t, "From: Ames, Al");
	unsigned x = line(t, "X-Foo: bar");
	line(t, "Subject: odd header");
	line(t, "Contents:");
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", x, m, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"odd header", "after"};
	expect_rows(rows, want, 2);
}

/* --- §4.3: external files --------------------------------------------- */

static const char SECRET[] = "TOP-SECRET-MARKER outside the export\n";

/* A file outside the export folder holding text, and a watch on every
 * open of it. */
static int watch_file(char **path, const char *text)
{
	*path = own(tl_path(D, "outside/secret.txt"));
	tl_puts(D, "outside/secret.txt", text);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	cr_assert_geq(fd, 0, "inotify: %s", strerror(errno));
	cr_assert_geq(inotify_add_watch(fd, *path, IN_OPEN | IN_ACCESS), 0);
	return fd;
}

static int watch_secret(char **path)
{
	return watch_file(path, SECRET);
}

static void expect_untouched(int fd, const char *path)
{
	char buf[4096];
	ssize_t r = read(fd, buf, sizeof(buf));
	cr_expect(r < 0 && errno == EAGAIN,
	          "%s (outside the export) was opened or read", path);
	close(fd);
}

/* No output file holds the outside file's bytes. */
static void expect_not_leaked(const ccm_source *src)
{
	for (size_t f = 0; f < ccm_po_file_count(src, 0); f++) {
		size_t n;
		char *p = tl_read(src, 0, f, 65536, &n);
		cr_expect(!tl_contains(p, n, "TOP-SECRET-MARKER"),
		          "%s holds the outside file",
		          ccm_file_name(src, 0, f));
		free(p);
	}
}

/*
 * A message "refused" whose file item names path; the item must be left
 * out and reported, the outside file never opened, the rest converted.
 */
static void refused_path(const char *path_line, int wfd, const char *secret)
{
	struct text *t = mailbox();
	message(t, "before");
	header(t, "refused");
	line(t, "Text item:");
	line(t, "body");
	unsigned f = line(t, "File item: SECRET.TXT");
	unsigned p = line(t, "Path: %s", path_line);
	message(t, "after");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", f, p, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"before", "refused", "after"};
	expect_rows(rows, want, 3);
	expect_body_only(src, rows, "refused",
	                 "the refused attachment is in the SEC");
	expect_not_leaked(src);
	expect_untouched(wfd, secret);
}

/*
 * The ways a Path: line could reach the file outside the export, each a
 * case of its own. "$SECRET" stands for the outside file's absolute path,
 * "$OUTSIDE" for the folder that holds it.
 */
struct refused_case {
	char name[32];
	char path_line[40]; /* what the Path: line says */
	char link[16];      /* a link made in the export, or "" */
	char target[32];    /* what the link points to */
	bool other_file;    /* FILES/OTHER.TXT is there too */
};
static struct refused_case refused_cases[] = {
        {"with ..", "FILES\\..\\..\\outside\\secret.txt", "", "", true},
        {".. at the start", "..\\outside\\secret.txt", "", "", false},
        {"absolute", "$SECRET", "", "", false},
        {"symlink to outside", "FILES\\LINK.TXT", "FILES/LINK.TXT", "$SECRET",
         false},
        {"relative symlink to outside", "FILES/LINK.TXT", "FILES/LINK.TXT",
         "../../outside/secret.txt", false},
        {"symlinked folder to outside", "FILES\\secret.txt", "FILES",
         "$OUTSIDE", false},
        /* ".." applies to where the link led, not to the text. */
        {".. after a linked folder", "FILES\\DEEP\\..\\outside\\secret.txt",
         "FILES/DEEP", "$OUTSIDE", true},
};

ParameterizedTestParameters(bad, path_refused)
{
	return cr_make_param_array(struct refused_case, refused_cases,
	                           sizeof(refused_cases) /
	                                   sizeof(*refused_cases));
}

/* A case's "$SECRET" or "$OUTSIDE" made a path; other strings as they are. */
static const char *expand(const char *s, const char *secret)
{
	if (!strcmp(s, "$SECRET"))
		return secret;
	if (!strcmp(s, "$OUTSIDE"))
		return own(tl_path(D, "outside"));
	return s;
}

ParameterizedTest(struct refused_case *c, bad, path_refused)
{
	cr_log_info("path: %s", c->name);
	char *secret;
	int w = watch_secret(&secret);
	if (c->other_file)
		tl_puts(EXP, "FILES/OTHER.TXT", "inside\n");
	if (c->link[0]) {
		char *link = own(tl_path(EXP, c->link));
		char *dir = own(strdup(link));
		*strrchr(dir, '/') = '\0';
		tl_mkdirs(dir);
		cr_assert_eq(symlink(expand(c->target, secret), link), 0,
		             "symlink: %s", strerror(errno));
	}
	refused_path(expand(c->path_line, secret), w, secret);
}

/* A mailbox file that is a link to a file outside is not read either. */
Test(bad, mailbox_file_symlink_to_outside_refused)
{
	struct text *evil = new_text();
	line(evil, "Mailbox: Evil, Eve");
	message(evil, "TOP-SECRET-MARKER");
	char *secret;
	int w = watch_file(&secret, evil->p);
	struct text *a = mailbox();
	message(a, "a1");
	export_with(a);
	char *link = own(tl_path(EXP, "USERS/EVIL.EXP"));
	cr_assert_eq(symlink(secret, link), 0);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	cr_expect(tl_contains(rep, strlen(rep), "USERS/EVIL.EXP"), "%s", rep);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.mailboxes, 1);
	cr_expect_eq(st.messages, 1);
	expect_not_leaked(src);
	expect_untouched(w, secret);
}

/* A link that stays inside the export folder is followed. */
Test(bad, symlink_inside_export_followed)
{
	tl_puts(EXP, "FILES/REAL.TXT", "real bytes");
	char *link = own(tl_path(EXP, "FILES/ALIAS.TXT"));
	cr_assert_eq(symlink("REAL.TXT", link), 0);
	struct text *t = mailbox();
	header(t, "linked");
	line(t, "Text item:");
	line(t, "body");
	line(t, "File item: ALIAS.TXT");
	line(t, "10");
	line(t, "Path: FILES\\ALIAS.TXT");
	export_with(t);

	ccm_source *src = open_export();
	struct rows *rows = get_rows(src, "00000001.PRI");
	cr_assert_eq(rows->r.count, 1);
	struct tl_section s[4];
	char *sec;
	size_t sn;
	size_t k = sections(src, rows, 0, s, 4, &sec, &sn);
	cr_assert_eq(k, 2);
	cr_expect_str_eq(s[1].name, "ALIAS.TXT");
	cr_expect(s[1].length == 10 &&
	          !memcmp(sec + s[1].data, "real bytes", 10));
}

/*
 * A ".." that stays inside the export is fine (spec export §4.3), and it
 * applies where a link led, as the kernel would: L/LINK is a link to
 * FILES/SUB, so L\LINK\.. is FILES (L\REAL.TXT, the text's reading,
 * does not exist). A ".." after a file names no file.
 */
Test(bad, dotdot_inside_export_followed)
{
	tl_puts(EXP, "FILES/REAL.TXT", "real bytes");
	tl_puts(EXP, "FILES/SUB/OTHER.TXT", "other");
	char *l = own(tl_path(EXP, "L"));
	tl_mkdirs(l);
	char *link = own(tl_path(EXP, "L/LINK"));
	cr_assert_eq(symlink("../FILES/SUB", link), 0);
	static const char *const paths[] = {
	        "USERS\\..\\FILES\\REAL.TXT",
	        "FILES/SUB/../real.txt",
	        "FILES\\.\\SUB\\..\\..\\FILES\\REAL.TXT",
	        "L\\LINK\\..\\REAL.TXT",
	        "FILES\\SUB\\..\\SUB\\..\\SUB\\..\\REAL.TXT",
	        "FILES\\REAL.TXT\\..\\REAL.TXT",
	};
	enum { N = sizeof(paths) / sizeof(paths[0]), KEPT = N - 1 };
	static const char *const subjects[N] = {"up 0", "up 1", "up 2",
	                                        "up 3", "up 4", "up 5"};
	struct text *t = mailbox();
	unsigned bad = 0;
	for (size_t i = 0; i < N; i++) {
		header(t, subjects[i]);
		line(t, "Text item:");
		line(t, "body");
		line(t, "File item: REAL.TXT");
		line(t, "10");
		bad = line(t, "Path: %s", paths[i]);
	}
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	char want[96]; /* reported at its File item: line */
	snprintf(want, sizeof(want),
	         "A.EXP:%u: file item: Path: '%s' names no file", bad - 2,
	         paths[N - 1]);
	cr_expect(tl_contains(rep, strlen(rep), want), "no [%s] in %s", want,
	          rep);
	cr_expect(!tl_contains(rep, strlen(rep), "leaves"), "%s", rep);
	struct rows *rows = get_rows(src, "00000001.PRI");
	cr_assert_eq(rows->r.count, N);
	for (size_t r = 0; r < KEPT; r++) {
		struct tl_section s[4];
		char *sec;
		size_t sn;
		size_t k = sections(src, rows, r, s, 4, &sec, &sn);
		cr_assert_eq(k, 2, "row %zu: %zu sections", r, k);
		cr_expect(s[1].length == 10 &&
		                  !memcmp(sec + s[1].data, "real bytes", 10),
		          "row %zu: %s", r, paths[r]);
	}
}

Test(bad, path_count_differs_from_file_size)
{
	tl_puts(EXP, "FILES/SIZE.TXT", "12345");
	struct text *t = mailbox();
	message(t, "before");
	header(t, "wrong size");
	line(t, "Text item:");
	line(t, "body");
	unsigned f = line(t, "File item: SIZE.TXT");
	line(t, "10");
	unsigned p = line(t, "Path: FILES\\SIZE.TXT");
	header(t, "no such file");
	unsigned f2 = line(t, "File item: NOPE.TXT");
	unsigned p2 = line(t, "Path: FILES\\NOPE.TXT");
	header(t, "right size");
	line(t, "File item: SIZE.TXT");
	line(t, "5");
	line(t, "Path: files/size.txt");
	export_with(t);

	ccm_source *src = open_export();
	char *rep = own(tl_report(src, 0));
	expect_reported(rep, "USERS/A.EXP", f, p, 0u);
	expect_reported(rep, "USERS/A.EXP", f2, p2, 0u);
	struct rows *rows = get_rows(src, "00000001.PRI");
	static const char *const want[] = {"before", "wrong size",
	                                   "no such file", "right size"};
	expect_rows(rows, want, 4);
	struct ccm_po_stats st;
	ccm_po_stats(src, 0, &st);
	cr_expect_eq(st.attachments, 1);
	/* Names are matched without regard to case (export §1). */
	long r = find_row(rows, "right size");
	if (r >= 0) {
		struct tl_section s[4];
		char *sec;
		size_t sn;
		size_t k = sections(src, rows, (size_t)r, s, 4, &sec, &sn);
		cr_expect_eq(k, 2);
		if (k == 2)
			cr_expect(s[1].length == 5 &&
			          !memcmp(sec + s[1].data, "12345", 5));
	}
}
