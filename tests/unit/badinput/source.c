/*
 * Bad input: sources that are not exports, and a source that changes under the
 * index.
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

/* --- the source itself ------------------------------------------------- */

static ccm_err try_open(const char *path, char *msg, size_t msgsz)
{
	struct ccm_options o = {0};
	ccm_source *src = NULL;
	ccm_err err = ccm_source_open(path, &o, &src, msg, msgsz);
	if (!err)
		ccm_source_close(src);
	return err;
}

static void expect_native(const char *mark)
{
	char *dir = own(tl_path(D, mark));
	tl_mkdirs(dir);
	tl_puts(dir, mark, "");
	char msg[2048];
	cr_expect_eq(try_open(dir, msg, sizeof(msg)), CCM_ERR_NATIVE, "%s",
	             mark);
	cr_expect(strstr(msg, "EXPORT"),
	          "%s: the message does not say how "
	          "to EXPORT: %s",
	          mark, msg);
}

Test(source, native_post_office_refused)
{
	expect_native("CCPOMBOX.DAT");
	expect_native("CLANDATA");
	expect_native("CCVER.TB");
	expect_native("CCPODD.DAT");
	expect_native("CCPOMS");
	expect_native("ccpombox.dat");
}

Test(source, folder_of_native_post_offices_refused)
{
	char *sub = own(tl_path(D, "parent/POA"));
	tl_mkdirs(sub);
	tl_puts(sub, "CLANDATA", "");
	char *parent = own(tl_path(D, "parent"));
	char msg[2048];
	cr_expect_eq(try_open(parent, msg, sizeof(msg)), CCM_ERR_NATIVE);
	cr_expect(strstr(msg, "EXPORT"), "%s", msg);
}

/* Appends a notice to ctx, a char[4096]. */
static void keep_notice(void *ctx, const char *line)
{
	char *b = ctx;
	size_t n = strlen(b);
	snprintf(b + n, 4096 - n, "%s\n", line);
}

/* In a folder of exports, a sub-folder that is a link is not followed,
 * wherever it leads, and a notice says so; the others are mounted. */
Test(source, linked_sub_folder_not_followed)
{
	struct text *t = mailbox();
	message(t, "m");
	export_with(t); /* EXP, outside the parent */
	char *parent = own(tl_path(D, "parent"));
	char *real = own(tl_path(D, "parent/REAL"));
	tl_mkdirs(real);
	tl_puts(real, "PO.INI", "[PostOffice]\r\nName=REAL\r\n");
	char *out = own(tl_path(D, "parent/OUT"));
	char *again = own(tl_path(D, "parent/AGAIN"));
	cr_assert_eq(symlink(EXP, out), 0);
	cr_assert_eq(symlink("REAL", again), 0);
	char said[4096] = "";
	struct ccm_options o = {.notice = keep_notice, .notice_ctx = said};
	ccm_source *src = own_src(tl_open(parent, &o));
	cr_assert_eq(ccm_source_po_count(src), 1);
	cr_expect_str_eq(ccm_po_folder(src, 0), "REAL");
	cr_expect(strstr(said, "parent/OUT: a link") &&
	                  strstr(said, "parent/AGAIN: a link"),
	          "notices: %s", said);
}

Test(source, no_po_ini_is_not_an_export)
{
	char msg[1024];
	cr_expect_eq(try_open(EXP, msg, sizeof(msg)), CCM_ERR_NOTEXPORT);
	cr_expect(msg[0], "no message");
	struct text *t = mailbox();
	message(t, "m");
	tl_write_at(EXP, "USERS/A.EXP", t->p, t->n);
	cr_expect_eq(try_open(EXP, msg, sizeof(msg)), CCM_ERR_NOTEXPORT);
}

Test(source, missing_source)
{
	char msg[1024];
	char *p = own(tl_path(D, "does-not-exist"));
	cr_expect_eq(try_open(p, msg, sizeof(msg)), CCM_ERR_SOURCE);
	cr_expect(msg[0], "no message");
	tl_puts(D, "plain-file", "x");
	p = own(tl_path(D, "plain-file"));
	cr_expect_eq(try_open(p, msg, sizeof(msg)), CCM_ERR_SOURCE);
	/* A NULL message buffer is allowed. */
	struct ccm_options o = {0};
	ccm_source *src;
	cr_expect_eq(
	        ccm_source_open("/nonexistent/ccm-unit", &o, &src, NULL, 0),
	        CCM_ERR_SOURCE);
}

Test(source, po_ini_without_name_uses_folder_name)
{
	tl_puts(EXP, "PO.INI", "[PostOffice]\r\nCodePage=850\r\n");
	struct text *t = mailbox();
	message(t, "m");
	tl_write_at(EXP, "USERS/A.EXP", t->p, t->n);
	ccm_source *src = own_src(tl_open(EXP, NULL));
	cr_assert_eq(ccm_source_po_count(src), 1);
	cr_expect_str_eq(ccm_po_folder(src, 0), "exp");
	char *rep = own(tl_report(src, 0));
	cr_expect(strstr(rep, "PO.INI"), "%s", rep);
}

/* A PO.INI that cannot be read (a FIFO: never opened for reading) names
 * the post office after its folder too, and the report says why. */
Test(source, unreadable_po_ini_uses_folder_name)
{
	struct text *t = mailbox();
	message(t, "m");
	tl_write_at(EXP, "USERS/A.EXP", t->p, t->n);
	char *ini = own(tl_path(EXP, "PO.INI"));
	cr_assert_eq(mkfifo(ini, 0644), 0, "mkfifo: %s", strerror(errno));
	ccm_source *src = own_src(tl_open(EXP, NULL));
	cr_assert_eq(ccm_source_po_count(src), 1);
	cr_expect_str_eq(ccm_po_folder(src, 0), "exp");
	char *rep = own(tl_report(src, 0));
	cr_expect(strstr(rep, "PO.INI cannot be read"), "%s", rep);
	cr_expect(strstr(rep, "Post office: exp"), "%s", rep);
}

/* --- a source that changes under the index ----------------------------- */

/* Sets a file's mtime a while away from now, so a rewrite is seen even on
 * a file system with coarse timestamps. */
static void touch_later(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	ts[1].tv_sec += 100;
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/*
 * A read of the whole file fails; with end, so does a read of its last 10
 * bytes alone (past any prefix the index keeps in memory).
 */
static void expect_changed(const ccm_source *src, const char *name, bool end)
{
	size_t f = tl_file_index(src, 0, name);
	uint64_t size = ccm_file_size(src, 0, f);
	char *buf = malloc((size_t)size);
	cr_assert_not_null(buf);
	size_t got = 0;
	ccm_err err = ccm_file_read(src, 0, f, 0, (size_t)size, buf, &got);
	cr_expect_eq(err, CCM_ERR_CHANGED, "%s: %s, %zu bytes", name,
	             ccm_strerror(err), got);
	if (end) {
		err = ccm_file_read(src, 0, f, size - 10, 10, buf, &got);
		cr_expect_eq(err, CCM_ERR_CHANGED, "%s (its end): %s", name,
		             ccm_strerror(err));
	}
	free(buf);
}

static void changing_export(void)
{
	struct text *t = mailbox();
	message(t, "one");
	message(t, "two");
	header(t, "three");
	line(t, "Text item:");
	line(t, "with a file");
	line(t, "File item: EXT.BIN");
	line(t, "Path: FILES/EXT.BIN");
	export_with(t);
	tl_puts(EXP, "FILES/EXT.BIN", "external bytes");
}

Test(changed, mailbox_rewritten_in_place)
{
	changing_export();
	ccm_source *src = open_export();
	/* Same length, other bytes, later mtime: the scan's offsets would
	 * now point at other text. */
	char *path = own(tl_path(EXP, "USERS/A.EXP"));
	size_t n;
	char *old = own(tl_try_slurp(path, &n));
	char *subj = strstr(old, "Subject: one"),
	     *body = strstr(old, "The body");
	cr_assert(subj && body);
	memcpy(subj, "Subject: ONE", 12);
	memcpy(body, "THE BODY", 8);
	tl_write_at(EXP, "USERS/A.EXP", old, n);
	touch_later(path);
	expect_changed(src, "00000001.PRI", true);
	expect_changed(src, "00000001.SEC", false);
}

Test(changed, mailbox_replaced_by_rename)
{
	changing_export();
	ccm_source *src = own_src(tl_open(EXP, NULL));
	struct text *t = mailbox();
	message(t, "other");
	tl_write_at(EXP, "USERS/A.NEW", t->p, t->n);
	char *from = own(tl_path(EXP, "USERS/A.NEW"));
	char *to = own(tl_path(EXP, "USERS/A.EXP"));
	cr_assert_eq(rename(from, to), 0);
	expect_changed(src, "00000001.PRI", true);
	expect_changed(src, "00000001.SEC", false);
}

/* Deleted before any read: nothing of it can be read any more. (A file
 * already open when deleted may still give its old bytes, which are
 * consistent.) */
Test(changed, mailbox_deleted)
{
	changing_export();
	ccm_source *src = own_src(tl_open(EXP, NULL));
	char *path = own(tl_path(EXP, "USERS/A.EXP"));
	cr_assert_eq(unlink(path), 0);
	expect_changed(src, "00000001.PRI", true);
	expect_changed(src, "00000001.SEC", false);
}

Test(changed, attachment_file_grows)
{
	changing_export();
	ccm_source *src = open_export();
	size_t f = tl_file_index(src, 0, "00000001.SEC");
	uint64_t size = ccm_file_size(src, 0, f);
	/* The first half reads before the change... */
	char *buf = own(malloc((size_t)size));
	size_t got;
	cr_assert_eq(ccm_file_read(src, 0, f, 0, (size_t)size / 2, buf, &got),
	             CCM_OK);
	tl_puts(EXP, "FILES/EXT.BIN", "external bytes, and more of them");
	/* ...and the rest never mixes the new bytes in. */
	ccm_err err = ccm_file_read(src, 0, f, size / 2,
	                            (size_t)(size - size / 2), buf, &got);
	cr_expect_eq(err, CCM_ERR_CHANGED, "%s", ccm_strerror(err));
	/* The PRI does not touch the attachment file. */
	free(tl_file(src, 0, "00000001.PRI", NULL));
}
