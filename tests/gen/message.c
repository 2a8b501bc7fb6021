/*
 * ccm-gen: message headers and whole messages.
 */
#include "gen.h"

/* ------------------------------------------------------------------ */
/* header writing */

static const char *const net_users[] = {
        "jdoe", "a.smith", "info", "x_y", "sales-team", "o'hara", "bob+cc",
};

static const char *const net_hosts[] = {
        "example.com",
        "example.org",
        "mail.example.net",
        "EXAMPLE.COM",
};

static const char *const folders_custom[] = {
        "Projects",
        "Projects\\Phoenix",
        "Projects\\Phoenix\\2024",
        "Personal",
        "Archive\\1997\\Q3",
        "Caf\x82 & Bar",
        "Odd, \"quoted\"; 50%",
        "Clients\\A.B.C. Ltd",
        "Budget #2",
};

static const char *const subj_plain[] = {
        "Meeting tomorrow",
        "Re: Budget",
        "Lunch?",
        "Quarterly report",
        "Phoenix status",
        "Fwd: Holiday schedule",
        "New phone numbers",
        "Printer on 3rd floor",
        "Welcome aboard",
        "Minutes of the meeting",
        "Server maintenance",
        "Re: Re: Travel plans",
};

static const char *const subj_tricky[] = {
        "Re: Budget, Q3 \"final\"",
        "100% done; see [attached].",
        "   leading blanks",
        "trailing blanks   ",
        "Caf\x82 & cr\x8a\x6d\x65 br\x96l\x82\x65",
        "tab\there",
        "[URGENT] server down!",
        "Price: \x9c\x31\x30\x30",
        "a.b.c.",
        "#hashtag; semicolon",
        "Re: Re: Re: Fwd: Re:",
        "\"",
        "%d %s %n %%",
        "",
        "\xa8Qu\x82? \xadS\xa1!",
        "C:\\TEMP\\*.* and ..\\..",
        "Smith, John at SALES/EAST",
        "semi;colon,comma.dot",
};

/*
 * Keywords are case-insensitive (spec §2); post offices with quirks write
 * some of them in upper or lower case to exercise that.
 */
void put_kw(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
            const char *kw)
{
	if (c->po->quirks && rng_pm(r, 120)) {
		bool up = rng_pm(r, 500);

		for (const char *p = kw; *p; p++)
			out_chr(o, (char)(up ? toupper((unsigned char)*p)
			                     : tolower((unsigned char)*p)));
	} else {
		out_str(o, kw);
	}
	out_chr(o, ':');
}

void put_hdr(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
             const char *kw, const char *val)
{
	put_kw(c, o, r, kw);
	if (*val) {
		/* the blank after the colon is optional (spec §2) */
		bool blank = !(c->po->quirks && val[0] != ' ' &&
		               val[0] != '\t' && rng_pm(r, 60));

		if (blank)
			out_chr(o, ' ');
		out_str(o, val);
	}
	out_eol(o);
}

static void gen_person(struct gen_ctx *c, struct tl_rng *r, struct gen_sb *b)
{
	const struct gen_po *po = c->po;

	sb_str(b, po->sur[tl_rng_below(r, po->nsur)]);
	sb_str(b, ", ");
	sb_str(b, po->giv[tl_rng_below(r, po->ngiv)]);
}

/* an address of any of the forms of spec §3 */
void gen_addr(struct gen_ctx *c, struct tl_rng *r, bool boards,
              struct gen_sb *b)
{
	const struct gen_po *po = c->po;
	uint64_t v = tl_rng_below(r, 1000);

	b->n = 0;
	if (!boards && v >= 850)
		v = tl_rng_below(r, 850);
	if (v < 450) {
		sb_str(b, po->users[tl_rng_below(r, po->nusers)]);
	} else if (v < 550) {
		sb_str(b, po->users[tl_rng_below(r, po->nusers)]);
		sb_str(b, " at ");
		sb_str(b, po->name);
	} else if (v < 700) {
		gen_person(c, r, b);
		sb_str(b, " at ");
		sb_str(b, po->others[tl_rng_below(r, po->nothers)]);
	} else if (v < 850) {
		sb_str(b, PICK(r, net_users));
		sb_chr(b, '@');
		sb_str(b, PICK(r, net_hosts));
		sb_str(b, po->quirks && rng_pm(r, 300) ? " at Internet"
		                                       : " at internet");
	} else {
		sb_chr(b, '#');
		sb_str(b, po->boards[tl_rng_below(r, po->nboards)]);
		if (rng_pm(r, 400)) {
			sb_str(b, " at ");
			sb_str(b, rng_pm(r, 700) ? po->name
			                         : po->others[tl_rng_below(
			                                   r, po->nothers)]);
		}
	}
	sb_chr(b, '\0');
}

/* ------------------------------------------------------------------ */
/* messages */

static void gen_subject(struct gen_ctx *c, struct tl_rng *r, struct gen_sb *b)
{
	b->n = 0;
	if (rng_pm(r, c->opt->tricky ? 800 : 200))
		sb_str(b, PICK(r, subj_tricky));
	else
		sb_str(b, PICK(r, subj_plain));
	if (rng_pm(r, 5)) {
		sb_chr(b, ' ');
		gen_words(r, b, 200);
	}
	sb_chr(b, '\0');
}

/* How many text items a message has: 0 to 4, mostly 1 or 2. */
static unsigned pick_ntext(struct tl_rng *r)
{
	uint64_t v = tl_rng_below(r, 1000);

	if (v < 50)
		return 0;
	if (v < 650)
		return 1;
	if (v < 900)
		return 2;
	if (v < 970)
		return 3;
	return 4;
}

/* The folder of a mailbox message, NULL for none. */
static const char *pick_folder(struct tl_rng *r)
{
	uint64_t v = tl_rng_below(r, 1000);

	if (v < 380)
		return NULL;
	if (v < 530)
		return "Inbox";
	if (v < 680)
		return "Message Log";
	if (v < 740)
		return "Drafts";
	if (v < 790)
		return "Trash";
	if (v < 810)
		return "Clipboard";
	return PICK(r, folders_custom);
}

/* The To: of a board message, or To:, Cc: and Bcc: of a mailbox's. */
static void put_recipients(struct gen_ctx *c, struct gen_out *o,
                           struct tl_rng *r, const char *board_name,
                           struct gen_sb *a)
{
	if (board_name) {
		uint64_t v = tl_rng_below(r, 1000);
		if (v < 850) {
			a->n = 0;
			sb_chr(a, '#');
			sb_str(a, board_name);
			if (v >= 700) {
				sb_str(a, " at ");
				sb_str(a, c->po->name);
			}
			sb_chr(a, '\0');
			put_hdr(c, o, r, "To", a->p);
		}
		return;
	}
	static const unsigned to_w[] = {50, 600, 200, 80, 40, 30};
	static const unsigned cc_w[] = {600, 200, 100, 50, 30, 20};
	static const unsigned bcc_w[] = {900, 60, 20, 10, 5, 5};
	static const char *const kws[] = {"To", "Cc", "Bcc"};
	const unsigned *ws[] = {to_w, cc_w, bcc_w};

	for (int k = 0; k < 3; k++) {
		unsigned n = 0;
		uint64_t v = tl_rng_below(r, 1000);

		while (n < 5 && v >= ws[k][n])
			v -= ws[k][n++];
		for (unsigned i = 0; i < n; i++) {
			gen_addr(c, r, true, a);
			put_hdr(c, o, r, kws[k], a->p);
		}
	}
}

/* Priority:, Status:, Receipt:, RRT: and unknown headers, at random. */
static void put_flags(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
                      bool draft, bool board, struct gen_sb *a)
{
	if (rng_pm(r, 400)) {
		static const char *const pr[] = {"Urgent", "Normal", "Low"};

		put_hdr(c, o, r, "Priority", PICK(r, pr));
	}
	if (draft) {
		if (rng_pm(r, 800))
			put_hdr(c, o, r, "Status", "Draft");
	} else if (!board && rng_pm(r, 15)) {
		put_hdr(c, o, r, "Status", "Draft");
	} else if (rng_pm(r, 700)) {
		put_hdr(c, o, r, "Status", rng_pm(r, 500) ? "Read" : "Unread");
	}
	if (rng_pm(r, 50))
		put_hdr(c, o, r, "Receipt", "Yes");
	if (rng_pm(r, 20)) {
		gen_addr(c, r, false, a);
		a->n--;
		sb_chr(a, ' ');
		gen_date(r, c->po->order, '/', false, a);
		sb_chr(a, '\0');
		put_hdr(c, o, r, "RRT", a->p);
	}
	if (rng_pm(r, 10)) {
		if (rng_pm(r, 500))
			out_str(o, "X-Foo: bar");
		else
			out_str(o, "X-Original-PO: WEST");
		out_eol(o);
	}
}

/* The From: of a message: its owner when sent, else anyone. */
static void put_from(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
                     const char *owner, bool outgoing, struct gen_sb *a)
{
	if (outgoing) {
		a->n = 0;
		sb_str(a, owner);
		if (rng_pm(r, 200)) {
			sb_str(a, " at ");
			sb_str(a, c->po->name);
		}
		sb_chr(a, '\0');
	} else {
		gen_addr(c, r, false, a);
	}
	put_hdr(c, o, r, "From", a->p);
}

/* The truth line of a message. */
static void truth_msg(struct gen_ctx *c, const char *owner, uint64_t idx,
                      unsigned ntext, unsigned nfile, bool valid)
{
	struct gen_out *t = c->truth;

	if (!t)
		return;
	truth_head(t, "msg", c->po->rel, owner, idx);
	out_u64(t, ntext);
	out_chr(t, '\t');
	out_u64(t, nfile);
	out_chr(t, '\t');
	out_chr(t, valid ? '1' : '0');
	out_chr(t, '\n');
}

/* The items of a message, text and file interleaved at random. */
static void put_items(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
                      const char *owner, uint64_t idx, unsigned nt, unsigned nf)
{
	unsigned k = 0;

	while (nt + nf) {
		if (tl_rng_below(r, nt + nf) < nt) {
			gen_text_item(c, o, r);
			nt--;
		} else {
			gen_file_item(c, o, r, owner, idx, k++);
			nf--;
		}
	}
}

void gen_message(struct gen_ctx *c, struct gen_out *o, const char *owner,
                 bool board, const char *board_name, uint64_t idx)
{
	const struct gen_po *po = c->po;
	uint64_t g = c->msg_g++;
	unsigned nfile = shape_nfile(c->opt, po, g) + (g < po->extra);
	struct tl_rng r;
	struct gen_sb a = {0}, d = {0};

	rng_init(&r, c->opt->seed, TAG_MSG, po->idx, g);
	unsigned ntext = pick_ntext(&r);
	const char *folder = board ? NULL : pick_folder(&r);
	bool outgoing = folder && (!strcmp(folder, "Message Log") ||
	                           !strcmp(folder, "Drafts"));
	bool draft = folder && !strcmp(folder, "Drafts");

	put_kw(c, o, &r, "Message");
	out_eol(o);
	if (rng_pm(&r, 300)) {
		out_u64(o, tl_rng_below(&r, 100000));
		out_eol(o);
	}
	bool folder_late = rng_pm(&r, 150);
	if (folder && !folder_late)
		put_hdr(c, o, &r, "Folder", folder);
	put_from(c, o, &r, owner, outgoing, &a);
	bool valid = gen_date(&r, po->order, '/', true, &d);
	sb_chr(&d, '\0');
	put_hdr(c, o, &r, "Date", d.p);
	put_recipients(c, o, &r, board ? board_name : NULL, &a);
	gen_subject(c, &r, &a);
	put_hdr(c, o, &r, "Subject", a.p);
	if (folder && folder_late)
		put_hdr(c, o, &r, "Folder", folder);
	put_flags(c, o, &r, draft, board, &a);
	put_kw(c, o, &r, "Contents");
	out_eol(o);
	if (rng_pm(&r, 200)) {
		out_u64(o, tl_rng_below(&r, 1000000));
		out_eol(o);
	}
	truth_msg(c, owner, idx, ntext, nfile, valid);
	put_items(c, o, &r, owner, idx, ntext, nfile);
	free(a.p);
	free(d.p);
}
