/*
 * ccm-gen: the files of an export folder (PO.INI, CCMDIR, CCMLIST, mailboxes,
 * CCMBB).
 */
#include "gen.h"

/* ------------------------------------------------------------------ */
/* files of the export folder */

const char *const order_names[3] = {"MDY", "DMY", "YMD"};

static const char *const comments[] = {
        "Sales manager, room 12",         "Finance",     "joined 1995",
        "Caf\x82 \"Chez Nous\"; ext. 42", "100% remote", "  leading blanks",
};

static bool file_crlf(const struct gen_opts *opt, const struct gen_po *po,
                      uint64_t which)
{
	struct tl_rng r;

	rng_init(&r, opt->seed, TAG_FILE, po->idx, which);
	return rng_pm(&r, 500);
}

/*
 * The keys of PO.INI as written: plainly, or with quirks (other case,
 * blanks around '=', a comment indented).
 */
static const struct ini_form {
	const char *section, *comment, *name, *codepage, *date_order;
} ini_forms[] = {
        {"[PostOffice]", "", "Name=", "CodePage=", "DateOrder="},
        {"[postoffice]", "   ", "NAME = ", "codepage= ", "DateOrder ="},
};

static void write_po_ini(const struct gen_opts *opt, const struct gen_po *po)
{
	char *path = xfmt("%s/PO.INI", po->dir);
	struct gen_out *o = out_open(path, file_crlf(opt, po, 0), false);
	const struct ini_form *f = &ini_forms[po->quirks ? 1 : 0];

	out_str(o, f->section);
	out_eol(o);
	out_str(o, f->comment);
	out_str(o, "; a synthetic post office written by ccm-gen; "
	           "every name in it is made up");
	out_eol(o);
	out_str(o, f->name);
	out_str(o, po->name);
	out_eol(o);
	out_str(o, f->codepage);
	out_u64(o, opt->codepage);
	out_eol(o);
	out_str(o, f->date_order);
	out_str(o, order_names[po->order]);
	out_eol(o);
	out_close(o);
	free(path);
}

static void fan_of(const char *name, unsigned j, struct gen_sb *b)
{
	b->n = 0;
	for (const char *p = name; *p && b->n < 7; p++)
		if (isalpha((unsigned char)*p))
			sb_chr(b, (char)tolower((unsigned char)*p));
	char tmp[16];
	snprintf(tmp, sizeof(tmp), "%u", j);
	sb_str(b, tmp);
	sb_chr(b, '\0');
}

static void write_dir_entry(struct gen_ctx *c, struct gen_out *o,
                            struct tl_rng *r, const char *name, const char *loc,
                            const char *addr, const char *comment,
                            const char *fan)
{
	put_hdr(c, o, r, "Name", name);
	put_hdr(c, o, r, "Location", loc);
	if (addr)
		put_hdr(c, o, r, "Addr", addr);
	if (comment)
		put_hdr(c, o, r, "Comment", comment);
	if (fan)
		put_hdr(c, o, r, "FAN", fan);
	out_eol(o);
}

static void write_ccmdir(struct gen_ctx *c)
{
	const struct gen_po *po = c->po;
	char *path = xfmt("%s/CCMDIR.EXP", po->dir);
	struct gen_out *o = out_open(path, file_crlf(c->opt, po, 1), po->fold);
	struct tl_rng r;
	struct gen_sb fan = {0}, addr = {0};

	rng_init(&r, c->opt->seed, TAG_FILE, po->idx, 1000);
	for (unsigned j = 0; j < po->nusers; j++) {
		const char *comment = NULL;

		if (rng_pm(&r, 350))
			comment = PICK(&r, comments);
		bool has_fan = rng_pm(&r, 200);
		if (has_fan)
			fan_of(po->users[j], j, &fan);
		write_dir_entry(c, o, &r, po->users[j], "L",
		                rng_pm(&r, 300) ? po->name : NULL, comment,
		                has_fan ? fan.p : NULL);

		if (j == 0) {
			for (unsigned i = 0; i < po->nothers; i++)
				write_dir_entry(c, o, &r, po->others[i], "P",
				                NULL, i == 0 ? "the hub" : NULL,
				                NULL);
			write_dir_entry(c, o, &r, "internet", "P", NULL,
			                "Internet gateway", NULL);
		}
		if (j == po->nusers / 2) {
			/* aliases, and a mobile user: neither is a mailbox */
			addr.n = 0;
			sb_str(&addr, po->users[0]);
			sb_str(&addr, " at ");
			sb_str(&addr, po->name);
			sb_chr(&addr, '\0');
			write_dir_entry(c, o, &r, "Boss", "A", addr.p, NULL,
			                NULL);
			write_dir_entry(c, o, &r, "Webmaster", "A",
			                po->users[po->nusers - 1], NULL, NULL);
			write_dir_entry(c, o, &r, "Roadrunner, Mobile", "R",
			                po->name, "mobile user", NULL);
		}
	}
	out_close(o);
	free(path);
	free(fan.p);
	free(addr.p);
}

static void write_ccmlist(struct gen_ctx *c)
{
	const struct gen_po *po = c->po;
	char *path = xfmt("%s/CCMLIST.EXP", po->dir);
	struct gen_out *o = out_open(path, file_crlf(c->opt, po, 2), po->fold);
	struct tl_rng r;
	struct gen_sb a = {0};

	rng_init(&r, c->opt->seed, TAG_FILE, po->idx, 2000);
	for (unsigned i = 0; i < po->nlists; i++) {
		if (i)
			out_eol(o);
		put_hdr(c, o, &r, "Mailing list", po->lists[i]);
		if (rng_pm(&r, 700))
			put_hdr(c, o, &r, "Comment", PICK(&r, comments));
		unsigned n = rng_int(&r, 1, 8);
		for (unsigned k = 0; k < n; k++) {
			gen_addr(c, &r, true, &a);
			put_hdr(c, o, &r, "Member", a.p);
		}
	}
	out_close(o);
	free(path);
	free(a.p);
}

static void truth_mailbox(struct gen_ctx *c, const char *name, uint64_t n)
{
	struct gen_out *t = c->truth;

	if (!t)
		return;
	out_str(t, "mailbox\t");
	out_str(t, c->po->rel);
	out_chr(t, '\t');
	out_str(t, name);
	out_chr(t, '\t');
	out_u64(t, n);
	out_chr(t, '\n');
}

static void write_users(struct gen_ctx *c, const char *users_dir)
{
	const struct gen_po *po = c->po;
	struct gen_sb a = {0};

	for (unsigned j = 0; j < po->nfile_users; j++) {
		struct tl_rng r;
		char *path;

		rng_init(&r, c->opt->seed, TAG_USER, po->idx, j);
		if (po->quirks && rng_pm(&r, 300))
			path = xfmt("%s/u%04u.exp", users_dir, j + 1);
		else
			path = xfmt("%s/U%04u.EXP", users_dir, j + 1);
		struct gen_out *o = out_open(path, rng_pm(&r, 500), po->fold);

		put_hdr(c, o, &r, "Mailbox", po->users[j]);
		if (rng_pm(&r, 300)) {
			unsigned nl = rng_int(&r, 1, 3);

			for (unsigned l = 0; l < nl; l++) {
				static const char *const pl[] = {
				        "Friends",
				        "Lunch",
				        "Team A",
				};

				put_hdr(c, o, &r, "Private list", pl[l]);
				unsigned n = rng_int(&r, 1, 6);
				for (unsigned k = 0; k < n; k++) {
					gen_addr(c, &r, true, &a);
					put_hdr(c, o, &r, "Member", a.p);
				}
			}
		}
		out_eol(o);
		for (uint64_t i = 0; i < po->ucount[j]; i++)
			gen_message(c, o, po->users[j], false, NULL, i);
		out_close(o);
		free(path);
	}
	free(a.p);
}

static void write_ccmbb(struct gen_ctx *c)
{
	const struct gen_po *po = c->po;
	char *path = xfmt("%s/CCMBB.EXP", po->dir);
	struct gen_out *o = out_open(path, file_crlf(c->opt, po, 3), po->fold);
	struct tl_rng r;

	rng_init(&r, c->opt->seed, TAG_FILE, po->idx, 3000);
	for (unsigned i = 0; i < po->nboards; i++) {
		char *owner = xfmt("#%s", po->boards[i]);

		if (po->fold)
			fold_hi(owner, strlen(owner));
		put_hdr(c, o, &r, "Bulletin board", po->boards[i]);
		if (rng_pm(&r, 800))
			put_hdr(c, o, &r, "Comment", PICK(&r, comments));
		for (uint64_t k = 0; k < po->bcount[i]; k++)
			gen_message(c, o, owner, true, po->boards[i], k);
		free(owner);
	}
	out_close(o);
	free(path);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0777) && errno != EEXIST)
		die("%s: %s", path, strerror(errno));
}

static void make_dirs(const char *path)
{
	char *p = xfmt("%s", path);

	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			make_dir(p);
			*s = '/';
		}
	}
	make_dir(p);
	free(p);
}

void check_outdir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d) {
		if (errno != ENOENT)
			die("%s: %s", path, strerror(errno));
		make_dirs(path);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			die("%s: exists and is not empty", path);
	closedir(d);
}

void write_po(const struct gen_opts *opt, struct gen_po *po,
              struct gen_out *truth)
{
	struct gen_ctx c = {0};
	/* quirky post offices spell the folder names in lower case */
	const char *users_name = po->quirks ? "users" : "USERS";
	const char *files_name = po->quirks ? "Files" : "FILES";

	c.opt = opt;
	c.po = po;
	c.truth = truth;
	c.chunk = xmalloc(GEN_CHUNK);
	c.files_kw = "FILES";
	sizes_init(&c);

	make_dirs(po->dir);
	char *users_dir = xfmt("%s/%s", po->dir, users_name);
	c.files_dir = xfmt("%s/%s", po->dir, files_name);
	make_dir(users_dir);
	make_dir(c.files_dir);

	write_po_ini(opt, po);

	if (truth) {
		out_str(truth, "po\t");
		out_str(truth, po->rel);
		out_chr(truth, '\t');
		out_str(truth, po->name);
		out_chr(truth, '\t');
		out_u64(truth, po->nusers);
		out_chr(truth, '\t');
		out_u64(truth, po->nmsg);
		out_chr(truth, '\t');
		out_u64(truth, po->natt);
		out_chr(truth, '\t');
		out_u64(truth, po->nboards);
		out_chr(truth, '\t');
		out_u64(truth, po->nlists);
		out_chr(truth, '\n');
		for (unsigned j = 0; j < po->nusers; j++)
			truth_mailbox(&c, po->users[j], po->ucount[j]);
	}

	write_ccmdir(&c);
	write_ccmlist(&c);
	write_users(&c, users_dir);
	write_ccmbb(&c);

	if (c.msg_g != po->nmsg || c.att_ord != po->natt || c.small_left ||
	    c.big_left)
		die("internal: plan and output disagree");

	free(users_dir);
	free(c.files_dir);
	free(c.chunk);
	free(c.text.p);
}
