/*
 * The rules of the mail form on an export written for them (code page
 * 850): Date in Europe/Berlin in summer and winter and with a fixed
 * offset, Bcc only in the sender's copy, one Message-ID for every copy
 * and every export order, the address map, quoted-printable for long
 * lines, NUL bytes and the boundary's prefix, RFC 2047 and RFC 2231
 * names, and the options' usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "mailtl.h"
#include "reader.h"
#include "tl.h"

/* The sender's copy of "Summer" (with its Bcc), and "Winter". */
static const char SMITH[] =
        "Mailbox: Smith, John\n\n"
        "Message:\nFolder: Message Log\nFrom: Smith, John\n"
        "Date: 7/15/98 9:30\nTo: Doe, Jane\nCc: jdoe@example.com at "
        "internet\nBcc: Secret, Agent\nSubject: Summer\nContents:\n"
        "Text item: Body\nHello in summer.\n"
        "Message:\nFolder: Inbox\nFrom: Doe, Jane at SALES/EAST\n"
        "Date: 1/15/99 9:30\nTo: Smith, John\nSubject: Winter\n"
        "Contents:\nText item:\nWinter text.\n";

/* The recipient's copy of "Summer", which the export gave a Bcc line
 * too; then the messages that need quoted-printable or encoded names. */
static const char DOE_HEAD[] =
        "Mailbox: Doe, Jane\n\n"
        "Message:\nFrom: Smith, John\nDate: 7/15/98 9:30\nTo: Doe, Jane\n"
        "Cc: jdoe@example.com at internet\nBcc: Secret, Agent\n"
        "Subject: Summer\nContents:\nText item: Body\nHello in summer.\n"
        "Message:\nFrom: M\x81ller, J\x81rgen at HQ\nDate: 3/1/99 12:00\n"
        "To: Doe, Jane\nSubject: \x9a"
        "bersicht \x81"
        "ber die "
        "Gr\x94\xe1"
        "en aller Stra\xe1"
        "en und Pl\x84tze der Stadt "
        "M\x81nchen im Jahr 1999\nContents:\nText item:\n"
        "Line with a trailing blank \nand = sign\n"
        "--=_ccMail_ at the start of a line\n"
        "File item: R\x82sum\x82 de l'ann\x82"
        "e tr\x8as longue pour "
        "\x88tre \x82"
        "crite sur une ligne.txt 5/6/97 3:10PM\n5\n"
        "Hex: 48656C6C6F\n";

/* Writes the export into dir; big adds a text of long lines. */
static void write_export(const char *dir, bool reverse)
{
	tl_puts(dir, "PO.INI", "[PostOffice]\nName=SALES/EAST\nCodePage=850\n");
	tl_puts(dir, "CCMDIR.EXP",
	        "Name: Smith, John\nLocation: L\n\nName: Doe, Jane\n"
	        "Location: L\n");
	struct ccm_buf doe = {0};
	ccm_buf_puts(&doe, DOE_HEAD);
	/* A text of long lines (and a NUL): quoted-printable, with seek
	 * points in it. */
	ccm_buf_puts(&doe, "Message:\nFrom: Smith, John\nDate: 3/2/99 8:00\n"
	                   "To: Doe, Jane\nSubject: Long lines\nContents:\n"
	                   "Text item:\n");
	for (int l = 0; l < 40; l++) {
		for (int k = 0; k < 1500; k++)
			ccm_buf_putc(&doe,
			             k % 61 == 60 ? ' ' : "ab\x82\t"[k % 4]);
		ccm_buf_puts(&doe, l == 7 ? "\r\r\n" : "\r\n");
	}
	ccm_buf_put(&doe, "nul \0 here\n", 11);
	cr_assert(!doe.oom);
	/* The same messages in another order and other file names. */
	tl_write_at(dir, reverse ? "USERS/B.EXP" : "USERS/DOE.EXP", doe.p,
	            doe.len);
	tl_puts(dir, reverse ? "USERS/A.EXP" : "USERS/SMITH.EXP", SMITH);
	ccm_buf_free(&doe);
}

/* The header of the message whose header holds needle (malloc'd). */
static char *header_of(const struct mt_src *s, const char *needle)
{
	uint32_t i = mt_find(s, 0, needle);
	cr_assert_neq(i, CCM_NONE, "no message holds [%s]", needle);
	size_t n;
	char *m = mt_whole(s, 0, i, &n);
	m[s->src->pos[0]->mail->msgs[i].hdr] = '\0';
	return m;
}

static void expect_in(const char *hay, const char *needle)
{
	cr_expect(strstr(hay, needle), "[%s] not in:\n%s", needle, hay);
}

/* The mtime of the file of the message whose header holds needle: what
 * Dovecot gives as its INTERNALDATE. */
static int64_t mtime_of(const struct mt_src *s, const char *needle)
{
	uint32_t i = mt_find(s, 0, needle);
	const struct ccm_po *po = s->src->pos[0];
	for (size_t k = 0; k < po->nodes.n; k++)
		if (po->nodes.v[k].kind == CCM_NODE_MAIL &&
		    po->nodes.v[k].arg == i) {
			struct ccm_node_info info;
			ccm_node_info(s->src, 0, k, &info);
			return (int64_t)info.mtime.tv_sec;
		}
	cr_assert_fail("no file for [%s]", needle);
	return 0;
}

Test(crafted, date_in_summer_and_winter)
{
	char *dir = tl_tmpdir();
	write_export(dir, false);
	struct mt_src s;
	mt_open(&s, dir, CCM_VIEW_MAILDIR, "Europe/Berlin", NULL);
	char *h = header_of(&s, "Subject: Summer");
	expect_in(h, "Date: Wed, 15 Jul 1998 09:30:00 +0200\n");
	free(h);
	h = header_of(&s, "Subject: Winter");
	expect_in(h, "Date: Fri, 15 Jan 1999 09:30:00 +0100\n");
	free(h);
	/* The files' times are the same instants: 07:30 and 08:30 UTC. */
	cr_expect_eq(mtime_of(&s, "Subject: Summer"), 900487800);
	cr_expect_eq(mtime_of(&s, "Subject: Winter"), 916389000);
	mt_close(&s);
	mt_open(&s, dir, CCM_VIEW_EML, "-0530", NULL);
	h = header_of(&s, "Subject: Summer");
	expect_in(h, "Date: Wed, 15 Jul 1998 09:30:00 -0530\r\n");
	free(h);
	cr_expect_eq(mtime_of(&s, "Subject: Summer"), 900514800);
	mt_close(&s);
	mt_open(&s, dir, CCM_VIEW_MAILDIR, NULL, NULL);
	h = header_of(&s, "Subject: Winter");
	expect_in(h, "Date: Fri, 15 Jan 1999 09:30:00 -0000\n");
	free(h);
	/* Zone unknown: the local time read as UTC. */
	cr_expect_eq(mtime_of(&s, "Subject: Summer"), 900495000);
	mt_close(&s);
	tl_rmtree(dir);
}

/* The Message-ID line of the i-th message with needle, as text. */
static char *message_id(const struct mt_src *s, const char *needle)
{
	char *h = header_of(s, needle);
	char *id = strstr(h, "Message-ID: <");
	cr_assert_not_null(id);
	char *r = strndup(id, strcspn(id, "\r\n"));
	free(h);
	return r;
}

Test(crafted, bcc_only_in_the_senders_copy)
{
	char *dir = tl_tmpdir();
	write_export(dir, false);
	struct mt_src s;
	mt_open(&s, dir, CCM_VIEW_MAILDIR, NULL, NULL);
	const struct ccm_po *po = s.src->pos[0];
	unsigned sender = 0, recipient = 0;
	for (uint32_t i = 0; i < po->msgs.n; i++) {
		size_t n;
		char *m = mt_whole(&s, 0, i, &n);
		m[po->mail->msgs[i].hdr] = '\0';
		if (!strstr(m, "Subject: Summer")) {
			free(m);
			continue;
		}
		if (strstr(m, "X-ccMail-Folder: Message Log")) {
			sender++;
			expect_in(m,
			          "\nBcc: \"Secret, Agent\" "
			          "<Secret.Agent@SALES-EAST.ccmail.invalid>\n");
			expect_in(m, "X-ccMail-Bcc: Secret, Agent\n");
		} else {
			recipient++;
			cr_expect(!strstr(m, "Secret"), "a Bcc name in:\n%s",
			          m);
			/* It names no folder: export §4.1 files it in Inbox. */
			expect_in(m, "\nX-ccMail-Folder: Inbox\n");
		}
		free(m);
	}
	cr_expect_eq(sender, 1);
	cr_expect_eq(recipient, 1);
	mt_close(&s);
	tl_rmtree(dir);
}

Test(crafted, message_id_of_every_copy_and_order)
{
	char *a = tl_tmpdir(), *b = tl_tmpdir();
	write_export(a, false);
	write_export(b, true);
	struct mt_src s, t;
	mt_open(&s, a, CCM_VIEW_MAILDIR, NULL, NULL);
	mt_open(&t, b, CCM_VIEW_EML, "Europe/Berlin", NULL);
	const char *subjects[] = {"Subject: Winter", "Subject: Long lines",
	                          "X-ccMail-Folder: Message Log"};
	for (size_t k = 0; k < 3; k++) {
		char *x = message_id(&s, subjects[k]);
		char *y = message_id(&t, subjects[k]);
		cr_expect_str_eq(x, y,
		                 "%s: another Message-ID once exported "
		                 "in another order",
		                 subjects[k]);
		free(x);
		free(y);
	}
	/* The sender's copy and the recipient's are one message. */
	char *sent = message_id(&s, "X-ccMail-Folder: Message Log");
	char *got = message_id(&s, "Subject: Summer");
	cr_expect_str_eq(sent, got);
	free(sent);
	free(got);
	/* Different messages differ. */
	char *w = message_id(&s, "Subject: Winter");
	char *l = message_id(&s, "Subject: Long lines");
	cr_expect_str_neq(w, l);
	free(w);
	free(l);
	mt_close(&s);
	mt_close(&t);
	tl_rmtree(a);
	tl_rmtree(b);
}

Test(crafted, address_map)
{
	char *dir = tl_tmpdir();
	write_export(dir, false);
	char *map = tl_path(dir, "map.csv");
	tl_puts(dir, "map.csv",
	        "cc:Mail name,Internet address\r\n"
	        "# new addresses of 2024\r\n"
	        "\"doe, JANE\",jane.doe@example.com\r\n"
	        "\"M\xc3\xbcller, J\xc3\xbcrgen at HQ\" , "
	        "j.mueller@example.org\r\n");
	struct mt_src s;
	mt_open(&s, dir, CCM_VIEW_MAILDIR, NULL, map);
	char *h = header_of(&s, "Subject: Winter");
	expect_in(h, "From: \"Doe, Jane\" <jane.doe@example.com>\n");
	expect_in(h, "X-ccMail-From: Doe, Jane at SALES/EAST\n");
	free(h);
	h = header_of(&s, "Subject: Long lines");
	expect_in(h, "To: \"Doe, Jane\" <jane.doe@example.com>\n");
	expect_in(h, "From: \"Smith, John\" "
	             "<Smith.John@SALES-EAST.ccmail.invalid>\n");
	free(h);
	h = header_of(&s, "X-ccMail-From: =?utf-8?b?");
	expect_in(h, "<j.mueller@example.org>\n");
	free(h);
	mt_close(&s);
	free(map);
	tl_rmtree(dir);
}

Test(crafted, parsed_back_exactly)
{
	char *dir = tl_tmpdir(), *out = tl_tmpdir();
	write_export(dir, false);
	struct mt_src s;
	mt_open(&s, dir, CCM_VIEW_EML, "Europe/Berlin", NULL);
	uint32_t qp = mt_find(&s, 0, "Subject: Long lines");
	const struct ccm_mailmsg *mm = &s.src->pos[0]->mail->msgs[qp];
	cr_expect(mm->flags & CCM_MAIL_QP);
	cr_expect_gt(mm->nseek, 2, "a long text has seek points");
	size_t n;
	char *m = mt_whole(&s, 0, qp, &n);
	/* Quoted-printable lines: at most 76 characters and a CR LF. */
	for (char *l = m, *e; (e = strstr(l, "\r\n")); l = e + 2)
		cr_expect_leq(e - l, 76, "a line of %td characters", e - l);
	free(m);
	uint32_t dash = mt_find(&s, 0, "R=C3=A9sum");
	cr_expect_eq(dash, CCM_NONE, "no name is quoted-printable");
	cr_expect_gt(mt_check_ranges(&s), 4);
	mt_check_parsed(&s, out);
	/* The encoded subject and the RFC 2231 file name read back. */
	uint32_t i = mt_find(&s, 0, "Subject: =?utf-8?b?");
	cr_assert_neq(i, CCM_NONE);
	cr_expect(s.src->pos[0]->mail->msgs[i].flags & CCM_MAIL_QP,
	          "a line that starts --=_ makes the text quoted-printable");
	char *h = mt_hdr(out, 0, i);
	expect_in(h, "Subject: \xc3\x9c"
	             "bersicht \xc3\xbc"
	             "ber die "
	             "Gr\xc3\xb6\xc3\x9f"
	             "en aller Stra\xc3\x9f"
	             "en und "
	             "Pl\xc3\xa4tze der Stadt M\xc3\xbcnchen im Jahr 1999\n");
	free(h);
	char path[TL_PATH];
	tl_join(path, "%s/0-%u.eml.names", out, i);
	char *names = tl_slurp(path, &n);
	cr_expect_str_eq(names, "R\xc3\xa9sum\xc3\xa9 de l'ann\xc3\xa9"
	                        "e "
	                        "tr\xc3\xa8s longue pour \xc3\xaatre "
	                        "\xc3\xa9"
	                        "crite sur une ligne.txt\n");
	free(names);
	mt_close(&s);
	tl_rmtree(out);
	tl_rmtree(dir);
}

/* ccm_source_open's answer and sentence for tz and addrmap. */
static void expect_usage(const char *dir, const char *tz, const char *map,
                         const char *want)
{
	struct ccm_options o = {0};
	o.view = CCM_VIEW_MAILDIR;
	o.tz = tz;
	o.addrmap = map;
	ccm_source *src = NULL;
	char msg[512];
	cr_expect_eq(ccm_source_open(dir, &o, &src, msg, sizeof(msg)),
	             CCM_ERR_INVAL);
	cr_expect(strstr(msg, want), "[%s] not in [%s]", want, msg);
	ccm_source_close(src);
}

Test(crafted, usage_errors)
{
	char *dir = tl_tmpdir();
	write_export(dir, false);
	expect_usage(dir, "Europe/Atlantis", NULL, "no such time zone");
	expect_usage(dir, "../../etc/passwd", NULL, "no such time zone");
	expect_usage(dir, "+2400", NULL, "+hhmm or -hhmm");
	char *map = tl_path(dir, "m.csv");
	const struct {
		const char *csv, *want;
	} bad[] = {
	        {"a,b@example.com\n\"c,d@example.com\n", ":2: a quoted field"},
	        {"a,b@example.com,c\n", ":1: 3 fields"},
	        {"# x\na,b@example.com\nb,not an address\n", ":3: 'not an"},
	        {"a,b@example.com\nA,c@example.com\n", ":2: 'a' is mapped"},
	        {"\"a\"x,b@example.com\n", ":1: text after a quoted field"},
	        /* Only the first record may be a header. */
	        {"name,address\n\"Doe, J\",not-an-address\n", ":2: 'not-an"},
	        {"# c\n\nname,address\nb,x\na,b@example.com\n", ":4: 'x'"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		tl_puts(dir, "m.csv", bad[k].csv);
		expect_usage(dir, NULL, map, bad[k].want);
	}
	expect_usage(dir, NULL, "/nonexistent/map.csv", "addrmap=");
	free(map);
	tl_rmtree(dir);
}

/*
 * .eml names taken in order: a subject that is itself "Same~3", then two
 * thousand messages "Same" of the same minute, which get "Same", "~2",
 * then "~4" on: each number once, none skipped but the one taken.
 */
Test(crafted, eml_names_numbered_in_order)
{
	enum { N = 2000, P = 300 };
	char *dir = tl_tmpdir();
	tl_puts(dir, "PO.INI", "[PostOffice]\nName=HQ\nCodePage=850\n");
	tl_puts(dir, "CCMDIR.EXP", "Name: Smith, John\nLocation: L\n");
	struct ccm_buf b = {0};
	ccm_buf_puts(&b, "Mailbox: Smith, John\n\n");
	for (int i = 0; i <= N; i++)
		ccm_buf_printf(&b,
		               "Message:\nFrom: Doe, Jane\nDate: 3/2/99 8:47\n"
		               "Subject: %s\nContents:\nText item:\nx\n",
		               i ? "Same" : "Same~3");
	/* Then P subjects twice each: the table of names taken grows. */
	for (int i = 0; i < 2 * P; i++)
		ccm_buf_printf(&b,
		               "Message:\nFrom: Doe, Jane\nDate: 3/2/99 8:47\n"
		               "Subject: P%d\nContents:\nText item:\nx\n",
		               i % P);
	cr_assert(!b.oom);
	tl_write_at(dir, "USERS/SMITH.EXP", b.p, b.len);
	ccm_buf_free(&b);
	struct mt_src s;
	mt_open(&s, dir, CCM_VIEW_EML, NULL, NULL);
	static bool seen[N + 2], pseen[P][3];
	size_t files = 0, pairs = 0;
	for (size_t k = 0; k < ccm_po_node_count(s.src, 0); k++) {
		struct ccm_node_info info;
		ccm_node_info(s.src, 0, k, &info);
		unsigned pn, pk = 1;
		const char *q = strstr(info.name, " P");
		if (!info.dir && q &&
		    (sscanf(q, " P%u~%u.eml", &pn, &pk) == 2 ||
		     (pk = 1, sscanf(q, " P%u.eml", &pn) == 1))) {
			cr_assert(pn < P && pk <= 2 && !pseen[pn][pk],
			          "name %s twice or out of range", info.name);
			pseen[pn][pk] = true;
			pairs++;
			continue;
		}
		const char *p = strstr(info.name, " Same");
		if (info.dir || !p)
			continue;
		files++;
		unsigned num = 1;
		cr_assert(!strcmp(p, " Same.eml") ||
		                  sscanf(p, " Same~%u.eml", &num) == 1,
		          "name %s", info.name);
		cr_assert(num >= 1 && num <= N + 1 && !seen[num],
		          "name %s twice or out of range", info.name);
		seen[num] = true;
		if (num == 3)
			cr_expect_eq(s.src->pos[0]->nodes.v[k].arg, 0u,
			             "~3 is not the message named so");
	}
	cr_expect_eq(files, (size_t)N + 1);
	cr_expect_eq(pairs, (size_t)2 * P);
	mt_close(&s);
	tl_rmtree(dir);
}

/*
 * A header of 150 KB (a long Subject) is built once, not once per read:
 * read again in 4 KiB pieces, each piece is the same as in the whole, and
 * no piece builds the header again; another message's header is built
 * when asked for.
 */
Test(crafted, long_header_built_once)
{
	char *dir = tl_tmpdir();
	tl_puts(dir, "PO.INI", "[PostOffice]\nName=HQ\nCodePage=850\n");
	tl_puts(dir, "CCMDIR.EXP", "Name: Smith, John\nLocation: L\n");
	struct ccm_buf b = {0};
	ccm_buf_puts(&b, "Mailbox: Smith, John\n\n");
	for (int m = 0; m < 2; m++) {
		ccm_buf_printf(&b, "Message:\nFrom: Doe, Jane\nDate: 3/2/99 "
		                   "8:47\nSubject: ");
		for (int i = 0; i < 15000; i++)
			ccm_buf_puts(&b, m ? "word two " : "long one ");
		ccm_buf_puts(&b, "\nContents:\nText item:\nbody\n");
	}
	cr_assert(!b.oom);
	tl_write_at(dir, "USERS/SMITH.EXP", b.p, b.len);
	ccm_buf_free(&b);
	struct mt_src s;
	mt_open(&s, dir, CCM_VIEW_EML, NULL, NULL);
	const struct ccm_mailmsg *mm = s.src->pos[0]->mail->msgs;
	cr_assert_gt(mm[0].hdr, 100000u);
	size_t n;
	char *whole = mt_whole(&s, 0, 0, &n);
	cr_expect_eq(ccm_read_counts.hdr_builds, 1u);
	for (uint64_t a = 0; a < n; a += 4096) {
		uint64_t e = a + 4096 < n ? a + 4096 : n;
		char *part = mt_range(&s, 0, 0, a, e);
		cr_expect_eq(ccm_read_counts.hdr_builds, 0u,
		             "bytes %llu: the header was built again",
		             (unsigned long long)a);
		cr_expect(!memcmp(part, whole + a, e - a), "bytes %llu differ",
		          (unsigned long long)a);
		free(part);
	}
	free(mt_range(&s, 0, 1, 0, 4096));
	cr_expect_eq(ccm_read_counts.hdr_builds, 1u, "another message");
	char *other = mt_whole(&s, 0, 1, &n);
	cr_expect(strstr(other, "word two word two"), "the other header");
	free(other);
	free(whole);
	mt_close(&s);
	tl_rmtree(dir);
}
