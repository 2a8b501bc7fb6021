/*
 * A source that is hostile or changes under the index (issue 9):
 *
 * - a FIFO where the scan expects a file (PO.INI, CCMDIR.EXP, a mailbox
 *   file, an attachment's Path:) is refused with a report line, and the
 *   scan ends (Criterion's timeout fails a test that hangs);
 * - at read time, any change to a source file the read reaches fails the
 *   read with CCM_ERR_CHANGED, never mixed bytes: changed in place with
 *   the same size and its mtime put back, renamed over, deleted, or made
 *   a FIFO, whether or not the core already holds a descriptor of it;
 * - a message with an attachment too large for any SEC file is left out,
 *   reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tl.h"

static char *EXP;

static void setup(void)
{
	EXP = tl_tmpdir();
}

static void teardown(void)
{
	tl_rmtree(EXP);
	EXP = NULL;
}

TestSuite(fifo, .init = setup, .fini = teardown, .timeout = 20);
TestSuite(identity, .init = setup, .fini = teardown, .timeout = 20);

static const char PO_INI[] = "[PostOffice]\r\nName=CHG\r\nCodePage=850\r\n";
static const char DIRECTORY[] = "Name: Ames, Al\r\nLocation: L\r\n"
                                "\r\nName: Berg, Bo\r\nLocation: L\r\n";
static const char MAILBOX_A[] = "Mailbox: Ames, Al\n"
                                "\n"
                                "Message:\n"
                                "From: Berg, Bo\n"
                                "Date: 6/2/98 8:39\n"
                                "To: Ames, Al\n"
                                "Subject: first\n"
                                "Contents:\n"
                                "Text item:\n"
                                "The body of the first message.\n"
                                "File item: EXT.BIN\n"
                                "Path: FILES/EXT.BIN\n";
static const char MAILBOX_B[] = "Mailbox: Berg, Bo\n"
                                "\n"
                                "Message:\n"
                                "From: Ames, Al\n"
                                "Date: 6/3/98 9:00\n"
                                "To: Berg, Bo\n"
                                "Subject: second\n"
                                "Contents:\n"
                                "Text item:\n"
                                "Bo's text.\n";

/* 200 KiB of attachment bytes: more than one read block. */
#define EXT_SIZE (200 * 1024)

/* EXT_SIZE bytes from fill on (malloc'd). */
static char *ext_bytes(char fill)
{
	char *p = malloc(EXT_SIZE);
	cr_assert_not_null(p);
	for (size_t i = 0; i < EXT_SIZE; i++)
		p[i] = (char)(fill + (char)(i % 23));
	return p;
}

/* The export: PO.INI, a directory, mailboxes A and B, and A's
 * attachment FILES/EXT.BIN. */
static void export_write(void)
{
	tl_puts(EXP, "PO.INI", PO_INI);
	tl_puts(EXP, "CCMDIR.EXP", DIRECTORY);
	tl_puts(EXP, "USERS/A.EXP", MAILBOX_A);
	tl_puts(EXP, "USERS/B.EXP", MAILBOX_B);
	char *ext = ext_bytes('a');
	tl_write_at(EXP, "FILES/EXT.BIN", ext, EXT_SIZE);
	free(ext);
}

/* Replaces rel with a FIFO. */
static void make_fifo(const char *rel)
{
	char *p = tl_path(EXP, rel);
	cr_assert(!unlink(p) || errno == ENOENT);
	cr_assert_eq(mkfifo(p, 0644), 0, "mkfifo %s: %s", p, strerror(errno));
	free(p);
}

/* --- at scan time ------------------------------------------------------ */

static void expect_report(const ccm_source *src, const char *needle)
{
	char *rep = tl_report(src, 0);
	cr_expect(tl_contains(rep, strlen(rep), needle),
	          "REPORT.TXT lacks '%s':\n%s", needle, rep);
	free(rep);
}

/* The scan ends; the FIFO is reported, and every file still reads. */
static ccm_source *scan_with_fifo(const char *rel)
{
	export_write();
	make_fifo(rel);
	ccm_source *src = tl_open(EXP, NULL);
	cr_assert_eq(ccm_source_po_count(src), 1);
	for (size_t f = 0; f < ccm_po_file_count(src, 0); f++)
		free(tl_read(src, 0, f, 65536, NULL));
	return src;
}

Test(fifo, po_ini_at_scan)
{
	ccm_source *src = scan_with_fifo("PO.INI");
	expect_report(src,
	              "PO.INI: cannot be opened, or is not a regular file");
	ccm_source_close(src);
}

Test(fifo, directory_at_scan)
{
	ccm_source *src = scan_with_fifo("CCMDIR.EXP");
	expect_report(src,
	              "CCMDIR.EXP: cannot be opened, or is not a regular file");
	ccm_source_close(src);
}

Test(fifo, mailbox_at_scan)
{
	ccm_source *src = scan_with_fifo("USERS/B.EXP");
	expect_report(
	        src, "USERS/B.EXP: cannot be opened, or is not a regular file");
	/* A's mailbox still converts, attachment and all. */
	size_t n;
	char *sec = tl_file(src, 0, "00000001.SEC", &n);
	cr_expect_gt(n, EXT_SIZE);
	free(sec);
	ccm_source_close(src);
}

Test(fifo, attachment_path_at_scan)
{
	ccm_source *src = scan_with_fifo("FILES/EXT.BIN");
	expect_report(src, "Path: 'FILES/EXT.BIN' is not a readable file");
	ccm_source_close(src);
}

/* --- sizes the index does not keep ------------------------------------ */

TestSuite(limits, .init = setup, .fini = teardown, .timeout = 20);

/* An attachment of 4 GiB (a sparse file) is more than an item keeps, and
 * more than any SEC file holds: its message is left out and reported, as
 * the split leaves out any message too long for a SEC file, and the rest
 * of the post office is kept. */
Test(limits, attachment_of_4_gib)
{
	export_write();
	char *p = tl_path(EXP, "FILES/EXT.BIN");
	cr_assert_eq(truncate(p, (off_t)1 << 32), 0, "truncate %s: %s", p,
	             strerror(errno));
	free(p);
	ccm_source *src = tl_open(EXP, NULL);
	expect_report(src, "the file holds 4294967296 bytes, 4 GiB or more, "
	                   "more than a SEC file holds; message left out");
	size_t n;
	for (size_t f = 0; f < ccm_po_file_count(src, 0); f++) {
		char *out = tl_read(src, 0, f, 65536, &n);
		cr_expect(
		        !tl_contains(out, n, "The body of the first message."),
		        "file %zu holds the left-out message", f);
		free(out);
	}
	char *sec = tl_file(src, 0, "00000001.SEC", &n);
	cr_expect(tl_contains(sec, n, "Bo's text."));
	free(sec);
	ccm_source_close(src);
}

/* --- at read time ------------------------------------------------------ */

/*
 * Reads an output file from start to end in 4093-byte reads: one of them
 * must fail as changed, and none may fail otherwise. Nothing hangs.
 */
static void expect_changed(const ccm_source *src, const char *name)
{
	size_t f = tl_file_index(src, 0, name);
	uint64_t size = ccm_file_size(src, 0, f);
	char buf[4093];
	bool changed = false;
	for (uint64_t off = 0; off < size && !changed; off += sizeof(buf)) {
		size_t got = 0;
		ccm_err err =
		        ccm_file_read(src, 0, f, off, sizeof(buf), buf, &got);
		cr_assert(!err || err == CCM_ERR_CHANGED, "%s at %llu: %s",
		          name, (unsigned long long)off, ccm_strerror(err));
		changed = err == CCM_ERR_CHANGED;
	}
	cr_expect(changed, "%s read whole after its source changed", name);
}

/* An open source, every file read once: the core holds descriptors. */
static ccm_source *open_and_read(void)
{
	export_write();
	ccm_source *src = tl_open(EXP, NULL);
	for (size_t f = 0; f < ccm_po_file_count(src, 0); f++)
		free(tl_read(src, 0, f, 65536, NULL));
	return src;
}

Test(fifo, attachment_swapped_after_scan)
{
	ccm_source *src = open_and_read();
	make_fifo("FILES/EXT.BIN");
	expect_changed(src, "00000001.SEC");
	ccm_source_close(src);
}

Test(fifo, mailbox_swapped_after_scan)
{
	ccm_source *src = open_and_read();
	make_fifo("USERS/B.EXP");
	expect_changed(src, "00000002.PRI");
	expect_changed(src, "00000002.SEC");
	ccm_source_close(src);
}

/*
 * Waits until a write now would give a ctime other than the one path has:
 * file systems stamp ctime from a clock that may tick only every few
 * milliseconds, and a test that writes within the tick of the scan would
 * test nothing.
 */
static void wait_ctime_moves(const char *path)
{
	struct stat a, b;
	cr_assert_eq(stat(path, &a), 0);
	char *probe = tl_path(EXP, "probe");
	for (;;) {
		tl_puts(EXP, "probe", "x");
		cr_assert_eq(stat(probe, &b), 0);
		if (b.st_ctim.tv_sec != a.st_ctim.tv_sec ||
		    b.st_ctim.tv_nsec != a.st_ctim.tv_nsec)
			break;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	unlink(probe);
	free(probe);
}

/* Rewrites rel in place with data of the same size, then puts its atime
 * and mtime back: only ctime tells the change. */
static void overwrite_same_size(const char *rel, const void *data, size_t n)
{
	char *p = tl_path(EXP, rel);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq((size_t)st.st_size, n);
	wait_ctime_moves(p);
	int fd = open(p, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, data, n, 0), (ssize_t)n);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	cr_assert_eq(futimens(fd, ts), 0);
	close(fd);
	struct stat now;
	cr_assert_eq(stat(p, &now), 0);
	cr_assert_eq(now.st_mtim.tv_sec, st.st_mtim.tv_sec);
	cr_assert_eq(now.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
	cr_assert_eq(now.st_ino, st.st_ino);
	free(p);
}

Test(identity, attachment_same_size_mtime_put_back)
{
	ccm_source *src = open_and_read();
	char *ext = ext_bytes('A');
	overwrite_same_size("FILES/EXT.BIN", ext, EXT_SIZE);
	expect_changed(src, "00000001.SEC");
	/* A's PRI reads no byte of the attachment: it still reads. */
	free(tl_file(src, 0, "00000001.PRI", NULL));
	free(ext);
	ccm_source_close(src);
}

Test(identity, mailbox_same_size_mtime_put_back)
{
	ccm_source *src = open_and_read();
	char *text = strdup(MAILBOX_B);
	cr_assert_not_null(text);
	memcpy(strstr(text, "second"), "SECOND", 6);
	memcpy(strstr(text, "Bo's text"), "BO'S TEXT", 9);
	overwrite_same_size("USERS/B.EXP", text, strlen(text));
	expect_changed(src, "00000002.PRI");
	expect_changed(src, "00000002.SEC");
	free(text);
	ccm_source_close(src);
}

/* A file renamed over after it was read (a descriptor of the old one may
 * be cached): the path leads elsewhere, so the read fails. */
Test(identity, attachment_renamed_over_after_read)
{
	ccm_source *src = open_and_read();
	char *ext = ext_bytes('a'); /* the very same bytes, another file */
	tl_write_at(EXP, "FILES/EXT.NEW", ext, EXT_SIZE);
	char *from = tl_path(EXP, "FILES/EXT.NEW"),
	     *to = tl_path(EXP, "FILES/EXT.BIN");
	cr_assert_eq(rename(from, to), 0);
	expect_changed(src, "00000001.SEC");
	free(from);
	free(to);
	free(ext);
	ccm_source_close(src);
}

/* A file deleted after it was read: a descriptor may still be cached. */
static void deleted_after_read(const char *rel, const char *name)
{
	ccm_source *src = open_and_read();
	char *p = tl_path(EXP, rel);
	cr_assert_eq(unlink(p), 0);
	expect_changed(src, name);
	free(p);
	ccm_source_close(src);
}

Test(identity, attachment_deleted_after_read)
{
	deleted_after_read("FILES/EXT.BIN", "00000001.SEC");
}

Test(identity, mailbox_deleted_after_read)
{
	deleted_after_read("USERS/B.EXP", "00000002.PRI");
}

/* Unchanged files keep reading, however often. */
Test(identity, unchanged_reads_again)
{
	ccm_source *src = open_and_read();
	for (size_t f = 0; f < ccm_po_file_count(src, 0); f++)
		free(tl_read(src, 0, f, 4093, NULL));
	ccm_source_close(src);
}

/*
 * Where EXT.BIN's data starts in 00000001.SEC: just after its
 * "Attachment," line (the file read whole).
 */
static uint64_t ext_data_offset(const ccm_source *src)
{
	size_t n;
	char *sec = tl_file(src, 0, "00000001.SEC", &n);
	char *line = strstr(sec, "\r\nAttachment,");
	cr_assert_not_null(line);
	char *end = strstr(line + 2, "\r\n");
	cr_assert_not_null(end);
	uint64_t off = (uint64_t)(end + 2 - sec);
	free(sec);
	return off;
}

/* A 4 KiB read inside EXT.BIN's data, as the thread's second such read
 * (the first taught it the length of the attachment's header line). */
static ccm_err read_inside_data(const ccm_source *src, uint64_t at)
{
	size_t f = tl_file_index(src, 0, "00000001.SEC");
	char buf[4096];
	size_t got;
	ccm_err err = ccm_file_read(src, 0, f, at, sizeof(buf), buf, &got);
	cr_assert(!err || err == CCM_ERR_CHANGED, "%s", ccm_strerror(err));
	return err;
}

/*
 * A read inside attachment data reads none of the mailbox file once the
 * thread remembers the header lines before it (reader.c's memo); the
 * mailbox file still decides where the data lies, so a change to it
 * still fails that read.
 */
Test(identity, mailbox_changed_fails_read_inside_attachment)
{
	ccm_source *src = open_and_read();
	uint64_t at = ext_data_offset(src) + EXT_SIZE / 2;
	cr_assert_eq(read_inside_data(src, at), CCM_OK);
	cr_assert_eq(read_inside_data(src, at), CCM_OK);
	char *text = strdup(MAILBOX_A);
	cr_assert_not_null(text);
	memcpy(strstr(text, "first message"), "FIRST", 5);
	overwrite_same_size("USERS/A.EXP", text, strlen(text));
	cr_expect_eq(read_inside_data(src, at), CCM_ERR_CHANGED);
	free(text);
	ccm_source_close(src);
}

/*
 * The folder of an attachment renamed away and another file put at its
 * path, after the core read the old one: the old file is unchanged and
 * its descriptor may still be kept, but the check goes through the path
 * (srcio.c), so every read of the data fails as changed.
 */
Test(identity, attachment_folder_replaced_fails)
{
	ccm_source *src = open_and_read();
	uint64_t at = ext_data_offset(src);
	size_t f = tl_file_index(src, 0, "00000001.SEC");
	char *from = tl_path(EXP, "FILES"), *to = tl_path(EXP, "FILES.OLD");
	cr_assert_eq(rename(from, to), 0);
	char *ext = ext_bytes('a'); /* the very same bytes, another file */
	tl_write_at(EXP, "FILES/EXT.BIN", ext, EXT_SIZE);
	char buf[4096];
	for (uint64_t off = at; off < at + EXT_SIZE; off += sizeof(buf)) {
		size_t got = 0;
		ccm_err err =
		        ccm_file_read(src, 0, f, off, sizeof(buf), buf, &got);
		cr_expect_eq(err, CCM_ERR_CHANGED, "read at %llu: %s",
		             (unsigned long long)off, ccm_strerror(err));
	}
	free(ext);
	free(from);
	free(to);
	ccm_source_close(src);
}
