/*
 * A double-byte post office from export to output (issue 8): names,
 * addresses, attachment names and DIRECTORY fields come out character for
 * character; no false SMTP address; no doubled trail byte; bad bytes are
 * '?' with a warning that names file and line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tl.h"

/*
 * Two characters per page: one whose trail byte is 0x40 and one whose
 * trail is 0x5C (949 has neither: two whose trails are letters), and a
 * lead byte to leave alone.
 */
static const struct {
	unsigned cp;
	const char *at, *bs;
} PO[] = {
        {932, "\x89\x40", "\x97\x5c"}, /* 院 予 */
        {936, "\xb0\x40", "\xd5\x5c"}, /* 癅 誠 */
        {949, "\xb0\x41", "\xb0\x61"}, /* 캚 캻 */
        {950, "\xa4\x40", "\xbb\x5c"}, /* 一 蓋 */
};

/* printf into a new string. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *s;
	va_list ap;
	va_start(ap, f);
	int r = vasprintf(&s, f, ap);
	va_end(ap);
	cr_assert_geq(r, 0);
	return s;
}

static void expect_has(const char *text, size_t n, const char *what,
                       const char *needle, unsigned cp)
{
	cr_expect(tl_contains(text, n, needle), "page %u: %s lacks [%s]:\n%s",
	          cp, what, needle, text);
}

/* Writes the export of page k into top/pN and returns its folder. */
static char *write_po(const char *top, size_t k)
{
	const char *a = PO[k].at, *b = PO[k].bs;
	char *dir = fmt("%s/p%u", top, PO[k].cp);
	char *ini = fmt("[PostOffice]\nName=TOKYO\nCodePage=%u\n", PO[k].cp);
	tl_puts(dir, "PO.INI", ini);
	char *cdir = fmt("Name: %s%s, Taro\nLocation: L\nComment: %s room\n", b,
	                 a, b);
	tl_puts(dir, "CCMDIR.EXP", cdir);
	/* Line 13 is the Subject (a lead byte before ','), line 16 the
	 * text (a lead byte at its end). */
	char *mbx = fmt("Mailbox: %s%s, Taro\n"
	                "Private list: Friends\n"
	                "Member: %s%s at TOKYO\n"
	                "Member: %s%s at OSAKA\n"
	                "\n"
	                "Message:\n"
	                "Folder: Inbox\n"
	                "From: %s%s at TOKYO\n"
	                "Date: 6/2/98 8:39\n"
	                "To: %s%s, Taro\n"
	                "To: %s%s at OSAKA\n"
	                "Cc: x@example.com at internet\n"
	                "Subject: %c, report\n"
	                "Contents:\n"
	                "Text item: Body\n"
	                "hello %c\n"
	                "File item: %s%s.txt 5/6/97 3:10PM\n"
	                "2\n"
	                "Hex: 4142\n",
	                b, a, a, b, a, b, a, b, b, a, a, b, a[0], a[0], b, a);
	tl_puts(dir, "USERS/A.EXP", mbx);
	free(ini);
	free(cdir);
	free(mbx);
	return dir;
}

Test(dbcs_export, names_addresses_and_attachments_come_out_whole)
{
	char *top = tl_tmpdir();
	for (size_t k = 0; k < sizeof(PO) / sizeof(PO[0]); k++) {
		const char *a = PO[k].at, *b = PO[k].bs;
		unsigned cp = PO[k].cp;
		char *dir = write_po(top, k);
		ccm_source *src = tl_open(dir, NULL);
		size_t po = tl_po(src, "TOKYO");
		size_t n;

		char *d = tl_file(src, po, "DIRECTORY.PRI", &n);
		char *want = fmt("\"%s%s, Taro\",%s%s,Taro,\"MIGRATE:CCMAIL:"
		                 "%s%s, Taro at TOKYO\",~Server,%s room\r\n",
		                 b, a, b, a, b, a, b);
		expect_has(d, n, "DIRECTORY.PRI", want, cp);
		free(want);

		char *pri = tl_file(src, po, "00000001.PRI", &n);
		/* Each PAB member has its own entry: none was merged. */
		want = fmt("entry,%s%s,CCMAIL:%s%s at TOKYO,", a, b, a, b);
		expect_has(pri, n, "the PAB", want, cp);
		free(want);
		want = fmt("entry,%s%s,CCMAIL:%s%s at OSAKA,", a, b, a, b);
		expect_has(pri, n, "the PAB", want, cp);
		free(want);
		/* Sender by name alone; To: the owner, and a remote user. */
		want = fmt("Inbox,%s%s,\"%s%s, Taro\";%s%s [CCMAIL:%s%s at "
		           "OSAKA],\"x@example.com [SMTP:x@example.com]\",,"
		           "\"?, report\",",
		           a, b, b, a, a, b, a, b);
		expect_has(pri, n, "the row", want, cp);
		free(want);
		/* Only the Internet address is SMTP. */
		const char *smtp = strstr(pri, "SMTP:");
		cr_expect(smtp && !strncmp(smtp, "SMTP:x@example.com]", 19) &&
		                  !strstr(smtp + 1, "SMTP:"),
		          "page %u:\n%s", cp, pri);

		char *sec = tl_file(src, po, "00000001.SEC", &n);
		want = fmt("Attachment,2,,TRUE,\"%s%s.txt\",9,", b, a);
		expect_has(sec, n, "the SEC file", want, cp);
		free(want);
		expect_has(sec, n, "the SEC file", "hello ?\r\n", cp);

		char *rep = tl_report(src, po);
		size_t rn = strlen(rep);
		expect_has(rep, rn, "REPORT.TXT", "USERS/A.EXP:13: ", cp);
		expect_has(rep, rn, "REPORT.TXT", "USERS/A.EXP:15: a text item",
		           cp);
		free(rep);
		free(sec);
		free(pri);
		free(d);
		ccm_source_close(src);
		free(dir);
	}
	tl_rmtree(top);
}

/* Two users of a 932 post office whose names differ only in characters
 * that 1252 lacks: 予 (97 5C) and 申 (90 5C). */
Test(dbcs_export, lossy_conversion_is_reported_with_names_made_equal)
{
	char *d = tl_tmpdir();
	tl_puts(d, "PO.INI", "[PostOffice]\nName=TOKYO\nCodePage=932\n");
	tl_puts(d, "CCMDIR.EXP",
	        "Name: \x97\x5c, Taro\nLocation: L\n\n"
	        "Name: \x90\x5c, Taro\nLocation: L\n\n"
	        "Name: Abe, Ken\nLocation: L\n");
	tl_puts(d, "CCMLIST.EXP",
	        "Mailing list: \x97\x5c\nMember: Abe, Ken\n\n"
	        "Mailing list: \x90\x5c\nMember: Abe, Ken\n");
	tl_puts(d, "USERS/A.EXP",
	        "Mailbox: Abe, Ken\nMessage:\nFrom: Abe, Ken\n"
	        "Date: 6/2/98 8:39\nSubject: \x97\x5c\nContents:\n"
	        "Text item: Body\n\x90\x5c\nFile item: \x97\x5c.txt\n1\n"
	        "Hex: 41\n");
	struct ccm_options o = {.out_codepage = 1252};
	ccm_source *src = tl_open(d, &o);
	char *rep = tl_report(src, 0);
	size_t n = strlen(rep);
	/* 2 mailbox and 2 list names; a header, a text item and an
	 * attachment name. */
	expect_has(rep, n, "REPORT.TXT",
	           "Lossy conversion: 4 names and 3 items hold characters "
	           "that code page 1252 lacks",
	           932);
	expect_has(rep, n, "REPORT.TXT", "Code page 932 keeps them all", 932);
	expect_has(rep, n, "REPORT.TXT",
	           "2 mailboxes (and their proxy addresses) shown as "
	           "\"?, Taro\": 00000002.PRI, 00000003.PRI",
	           932);
	expect_has(rep, n, "REPORT.TXT",
	           "2 public lists shown as \"?\": list 1, list 2", 932);
	/* It comes before the counts. */
	cr_expect_lt(strstr(rep, "Lossy"), strstr(rep, "Mailboxes:"));
	free(rep);
	ccm_source_close(src);
	tl_rmtree(d);
}

Test(dbcs_export, bad_bytes_in_names_are_warnings_with_file_and_line)
{
	char *d = tl_tmpdir();
	/* A lead byte before ',' or at the end of a value: one '?'. */
	tl_puts(d, "PO.INI", "[PostOffice]\nName=TOKYO\x97\nCodePage=932\n");
	tl_puts(d, "CCMDIR.EXP",
	        "Name: Abe, Ken\nLocation: L\n\n"
	        "Name: Ito\x97, Jun\nLocation: L\nComment: room \x97\n");
	tl_puts(d, "CCMLIST.EXP",
	        "Mailing list: Staff\x90\nMember: Abe, Ken\n"
	        "Member: Ito\x97, Jun\n");
	tl_puts(d, "CCMBB.EXP", "Bulletin board: News\x90\n");
	tl_puts(d, "USERS/A.EXP", "Mailbox: Abe, Ken\nPrivate list: P\x97\n");
	ccm_source *src = tl_open(d, NULL);
	char *rep = tl_report(src, 0);
	size_t n = strlen(rep);
	static const char *const where[] = {
	        "PO.INI:2: ",      "CCMDIR.EXP:4: ",  "CCMDIR.EXP:6: ",
	        "CCMLIST.EXP:1: ", "CCMLIST.EXP:3: ", "CCMBB.EXP:1: ",
	        "USERS/A.EXP:2: "};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		expect_has(rep, n, "REPORT.TXT", where[i], 932);
	size_t dn;
	char *dir = tl_file(src, 0, "DIRECTORY.PRI", &dn);
	expect_has(dir, dn, "DIRECTORY.PRI", "\"Ito?, Jun\",Ito?,Jun,", 932);
	free(dir);
	free(rep);
	ccm_source_close(src);
	tl_rmtree(d);
}

/* A header longer than the scan holds whole is planned in pieces
 * (rowplan.c): its quoting still reads characters, not bytes. */
Test(dbcs_export, a_long_subject_of_trail_5c_characters_is_not_quoted)
{
	char *d = tl_tmpdir();
	tl_puts(d, "PO.INI", "[PostOffice]\nName=TOKYO\nCodePage=932\n");
	size_t k = 40000; /* 予 (97 5C) k times: 80000 bytes */
	char *subj = malloc(2 * k + 1);
	cr_assert_not_null(subj);
	for (size_t i = 0; i < k; i++)
		memcpy(subj + 2 * i, "\x97\x5c", 2);
	subj[2 * k] = '\0';
	char *mbx = fmt("Mailbox: Abe, Ken\nMessage:\nFrom: Ito\n"
	                "Date: 6/2/98 8:39\nSubject: %s\nContents:\n"
	                "Text item: Body\nx\n",
	                subj);
	tl_puts(d, "USERS/A.EXP", mbx);
	ccm_source *src = tl_open(d, NULL);
	size_t n;
	char *pri = tl_file(src, 0, "00000001.PRI", &n);
	char *want = fmt(",,,%s,19980602083900,", subj);
	cr_expect(tl_contains(pri, n, want), "the Subject is changed");
	free(want);
	free(pri);
	free(mbx);
	free(subj);
	ccm_source_close(src);
	tl_rmtree(d);
}

/*
 * A Path: whose file name holds a character with trail byte 0x5C (Shift-JIS
 * 予 is 97 5C): that byte is part of the name, not a folder separator, so
 * the file is found and its bytes are the attachment.
 */
Test(dbcs_export, a_path_with_a_trail_5c_character_names_its_file)
{
	char *top = tl_tmpdir();
	char *dir = fmt("%s/p932", top);
	tl_puts(dir, "PO.INI", "[PostOffice]\nName=TOKYO\nCodePage=932\n");
	tl_puts(dir, "CCMDIR.EXP", "Name: Sato, Taro\nLocation: L\n");
	tl_puts(dir, "FILES/\x97\x5c\x92\xe8.TXT", "yotei!");
	tl_puts(dir, "USERS/A.EXP",
	        "Mailbox: Sato, Taro\n"
	        "\n"
	        "Message:\n"
	        "Folder: Inbox\n"
	        "From: Sato, Taro at TOKYO\n"
	        "Date: 6/2/98 8:39\n"
	        "To: Sato, Taro\n"
	        "Subject: plan\n"
	        "Contents:\n"
	        "File item: \x97\x5c\x92\xe8.txt 5/6/97 3:10PM\n"
	        "6\n"
	        "Path: FILES\\\x97\x5c\x92\xe8.TXT\n");
	ccm_source *src = tl_open(dir, NULL);
	size_t po = tl_po(src, "TOKYO");
	size_t n;
	char *sec = tl_file(src, po, "00000001.SEC", &n);
	expect_has(sec, n, "the SEC file",
	           "Attachment,6,,TRUE,\"\x97\x5c\x92\xe8.txt\",0,None\r\n",
	           932);
	expect_has(sec, n, "the SEC file", "yotei!", 932);
	char *rep = tl_report(src, po);
	cr_expect(!strstr(rep, "Path:"), "the Path: was refused:\n%s", rep);
	free(rep);
	free(sec);
	ccm_source_close(src);
	free(dir);
	tl_rmtree(top);
}
