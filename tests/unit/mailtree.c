/*
 * The mail views' trees through the public node API (ccm_node_*): every
 * node reached once from node 0, each folder's children its own, found by
 * lookup under their names, sub-folders before files; a Maildir's shape
 * (cur, new, tmp; messages in cur only) and the .eml names; one file per
 * kept message, each read whole in its size; the same tree from a second
 * scan. The sample export and ccm-gen's cp850 and cp932 post offices.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tl.h"

struct walk {
	const ccm_source *s;
	size_t po, files, mails, seen;
	bool maildir;
};

/* Reads node whole into buf (size + 1 bytes) filled with fill first. */
static void read_node(struct walk *w, size_t node,
                      const struct ccm_node_info *in, char *buf, int fill)
{
	size_t got = 0;
	memset(buf, fill, in->size + 1);
	cr_assert_eq(
	        ccm_node_read(w->s, w->po, node, 0, in->size + 1, buf, &got),
	        CCM_OK, "%s", in->name);
	cr_assert_eq(got, in->size, "%s: read %zu of %llu", in->name, got,
	             (unsigned long long)in->size);
}

static void check_file(struct walk *w, size_t node,
                       const struct ccm_node_info *in,
                       const struct ccm_node_info *dir)
{
	/* Read twice over different fillings: a size longer than what is
	 * rendered would leave bytes of the filling, which differ. */
	char *a = malloc(in->size + 1), *b = malloc(in->size + 1);
	cr_assert(a && b);
	read_node(w, node, in, a, 0xa5);
	read_node(w, node, in, b, 0x5a);
	cr_assert(!memcmp(a, b, in->size), "%s: bytes not rendered", in->name);
	w->files++;
	if (!strcmp(in->name, "REPORT.TXT")) {
		/* It speaks of the messages' page, not the migration files'. */
		a[in->size] = '\0';
		cr_assert(strstr(a, "UTF-8 in these messages") &&
		                  strstr(a, "migration files (-o view=iff)"),
		          "REPORT.TXT of a mail view:\n%s", a);
		free(a);
		free(b);
		return;
	}
	free(a);
	free(b);
	w->mails++;
	size_t n = strlen(in->name);
	if (w->maildir)
		cr_assert(!strcmp(dir->name, "cur") &&
		                  strstr(in->name, ".ccmail,S=") &&
		                  strstr(in->name, ":2,"),
		          "%s/%s", dir->name, in->name);
	else
		cr_assert(n > 4 && !strcmp(in->name + n - 4, ".eml"), "%s",
		          in->name);
}

static const char *const MAILDIR[] = {"cur", "new", "tmp"};

/* Folder d and everything below it. */
static void walk(struct walk *w, size_t d)
{
	struct ccm_node_info dir, in;
	ccm_node_info(w->s, w->po, d, &dir);
	cr_assert(dir.dir);
	w->seen++;
	bool files = false, has[3] = {false};
	for (size_t k = 0; k < dir.nchild; k++) {
		size_t c = ccm_node_child(w->s, w->po, d, k), found;
		ccm_node_info(w->s, w->po, c, &in);
		cr_assert_eq(in.parent, d, "%s", in.name);
		cr_assert(strlen(in.name) <= 255 && !strchr(in.name, '/'));
		cr_assert_eq(ccm_node_lookup(w->s, w->po, d, in.name, &found),
		             CCM_OK, "%s", in.name);
		cr_assert_eq(found, c, "%s found as another node", in.name);
		cr_assert(!(in.dir && files), "%s after a file", in.name);
		files |= !in.dir;
		for (int i = 0; i < 3; i++)
			has[i] |= in.dir && !strcmp(in.name, MAILDIR[i]);
		if (in.dir)
			walk(w, c);
		else {
			check_file(w, c, &in, &dir);
			w->seen++;
		}
	}
	bool empty = !strcmp(dir.name, "new") || !strcmp(dir.name, "tmp");
	cr_assert(!empty || dir.nchild == 0, "%s holds something", dir.name);
	/* In the Maildir view every folder is a Maildir but the top, cur,
	 * new, tmp and the folder of the boards. */
	bool boards = !dir.parent && !strcmp(dir.name, "Bulletin Boards");
	bool md = w->maildir && d && strcmp(dir.name, "cur") && !empty &&
	          !(boards && !has[0]);
	cr_assert(!md || (has[0] && has[1] && has[2]), "%s: no Maildir",
	          dir.name);
}

/* The names of every node, in node order, joined (to compare trees). */
static char *names(const ccm_source *s, size_t po)
{
	struct ccm_buf b = {0};
	for (size_t i = 0; i < ccm_po_node_count(s, po); i++) {
		struct ccm_node_info in;
		ccm_node_info(s, po, i, &in);
		ccm_buf_printf(&b, "%s|%llu|%lld\n", in.name,
		               (unsigned long long)in.size,
		               (long long)in.mtime.tv_sec);
	}
	ccm_buf_putc(&b, '\0');
	cr_assert(!b.oom);
	return b.p;
}

static void check_source(const char *dir, enum ccm_view view)
{
	struct ccm_options o = {.view = view};
	ccm_source *s = tl_open(dir, &o), *again = tl_open(dir, &o);
	for (size_t po = 0; po < ccm_source_po_count(s); po++) {
		struct walk w = {s, po, 0, 0, 0, view == CCM_VIEW_MAILDIR};
		walk(&w, 0);
		cr_assert_eq(w.seen, ccm_po_node_count(s, po),
		             "%zu nodes reached of %zu", w.seen,
		             ccm_po_node_count(s, po));
		struct ccm_po_stats st;
		ccm_po_stats(s, po, &st);
		cr_assert_eq(w.mails, st.messages, "%zu files, %llu messages",
		             w.mails, (unsigned long long)st.messages);
		cr_assert_eq(w.files, w.mails + 1, "REPORT.TXT");
		char *a = names(s, po), *b = names(again, po);
		cr_assert_str_eq(a, b, "a second scan, another tree");
		free(a);
		free(b);
	}
	ccm_source_close(s);
	ccm_source_close(again);
}

static void generated(const char *cp, enum ccm_view view)
{
	char *d = tl_tmpdir(), *exp = tl_path(d, "export"), *err;
	const char *const argv[] = {tl_env("CCM_GEN"),
	                            "--seed",
	                            "31",
	                            "--users",
	                            "5",
	                            "--messages",
	                            "150",
	                            "--attach-bytes",
	                            "300K",
	                            "--tricky",
	                            "--quirks",
	                            "--codepage",
	                            cp,
	                            exp,
	                            NULL};
	int rc = tl_capture(argv, NULL, NULL, &err);
	cr_assert_eq(rc, 0, "ccm-gen failed (%d): %s", rc, err);
	free(err);
	check_source(exp, view);
	free(exp);
	tl_rmtree(d);
}

Test(mailtree, sample)
{
	char *dir = tl_path(tl_env("CCM_SOURCE_ROOT"), "tests/sample/export");
	check_source(dir, CCM_VIEW_MAILDIR);
	check_source(dir, CCM_VIEW_EML);
	free(dir);
}

Test(mailtree, cp850_maildir)
{
	generated("850", CCM_VIEW_MAILDIR);
}

Test(mailtree, cp850_eml)
{
	generated("850", CCM_VIEW_EML);
}

Test(mailtree, cp932_maildir)
{
	generated("932", CCM_VIEW_MAILDIR);
}

Test(mailtree, cp932_eml)
{
	generated("932", CCM_VIEW_EML);
}
