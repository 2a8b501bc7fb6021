/*
 * ccm-gen: the plan of a post office: its users, boards, lists and counts.
 */
#include "gen.h"

static const char *const sur_plain[] = {
        "Smith",    "Jones",  "Brown",    "Taylor",    "Wilson", "Davies",
        "Evans",    "Thomas", "Johnson",  "Roberts",   "Walker", "Wright",
        "Turner",   "Hill",   "Scott",    "Cooper",    "Morris", "Ward",
        "King",     "Watson", "Baker",    "Harrison",  "Morgan", "Patel",
        "Young",    "Allen",  "Mitchell", "Anderson",  "Parker", "Grewal",
        "Nakamura", "Okafor", "Kowalski", "Rossi",     "Novak",  "Silva",
        "Jensen",   "Dubois", "Fischer",  "Lindqvist", "Haddad", "Mendez",
};

/*
 * In cp850: M\x81ller is Müller, Ba\xa4os Baños, Ch\x82nier Chénier,
 * \x8fngstr\x94m Ångström, \x99zt\x81rk Öztürk, N\x9brgaard Nørgaard,
 * Ola\x87\x61 Olaça.
 */
static const char *const sur_tricky[] = {
        "M\x81ller",   "O'Brien",      "Ba\xa4os",       "Ch\x82nier",
        "St. John",    "D\"Angelo",    "100% Cotton",    "Smith #2",
        "Lee-Wong",    "van der Berg", "\x8fngstr\x94m", "\x99zt\x81rk",
        "N\x9brgaard", "Dot.Com",      "Per%Cent",       "Ola\x87\x61",
};

static const char *const giv_plain[] = {
        "John", "Jane", "Pat",  "Ali",  "Karl", "Jeff", "Mary", "Wei",
        "Ana",  "Liam", "Emma", "Noah", "Raj",  "Yuki", "Omar", "Sara",
        "Tom",  "Lucy", "Ivan", "Paul", "Chen", "Nia",  "Ruth", "Hugo",
};

/*
 * In cp850: Fran\x87ois is François, J\x81rgen Jürgen, Ren\x82\x65 Renée,
 * Zo\x89 Zoë, Bj\x94rn Björn, Se\xa0n Seán.
 */
static const char *const giv_tricky[] = {
        "Fran\x87ois", "J\x81rgen", "Ren\x82\x65", "Zo\x89",
        "J.R.",        "\"Bud\"",   "Mary-Kate",   "D'Arcy",
        "Bj\x94rn",    "Se\xa0n",   "Ana 50%",     "No. 5",
};

/* names without a comma: all surname in the output */
static const char *const special_names[] = {
        "Help Desk",      "Postmaster", "Fax Gateway",    "Reception",
        "Admin \"Root\"", "Mail.Room",  "Night Shift #3", "Caf\x82 Bar",
};

static const char *const remote_pos[] = {"HUB", "WEST", "LONDON/UK"};

static const char *const board_names[] = {
        "Announcements", "Gamers",       "For Sale, cheap",
        "Caf\x82 Talk",  "100% Rumours", "Q&A; \"Help\"",
};

static const char *const list_names[] = {
        "Sales Team",   "All Staff",     "R&D \"core\"; 1998",
        "Caf\x82 Club", "Managers, all",
};

/*
 * User j's name.  One user in sp_period gets a name without a comma; the
 * others enumerate (surname, given name) pairs without repetition, and once
 * all pairs are used a number is appended, so names are unique by
 * construction (checked afterwards all the same).
 */
static char *user_name(const struct gen_po *po, uint64_t j)
{
	uint64_t per = po->sp_period;

	if (j % per == per - 1) {
		uint64_t k = j / per;
		const char *s = special_names[k % NELEM(special_names)];

		if (k < NELEM(special_names))
			return xfmt("%s", s);
		return xfmt("%s %" PRIu64, s, k / NELEM(special_names) + 1);
	}
	uint64_t r = j - (j + 1) / per;
	uint64_t sg = (uint64_t)po->nsur * po->ngiv;
	uint64_t round = r / sg, rem = r % sg;
	uint64_t a = rem % po->nsur;
	uint64_t b = (rem / po->nsur + a) % po->ngiv;

	if (!round)
		return xfmt("%s, %s", po->sur[a], po->giv[b]);
	return xfmt("%s, %s %" PRIu64, po->sur[a], po->giv[b], round + 1);
}

unsigned shape_nfile(const struct gen_opts *opt, const struct gen_po *po,
                     uint64_t g)
{
	struct tl_rng r;
	uint64_t v;

	rng_init(&r, opt->seed, TAG_SHAPE, po->idx, g);
	v = tl_rng_below(&r, 1000);
	if (v < 720)
		return 0;
	if (v < 920)
		return 1;
	if (v < 980)
		return 2;
	return 3;
}

/* split total over n slots with the given weights; remainder round-robin */
static void split_counts(uint64_t total, const uint64_t *w, uint64_t *out,
                         unsigned n)
{
	uint64_t wsum = 0, given = 0;

	for (unsigned i = 0; i < n; i++)
		wsum += w[i];
	if (!n)
		return;
	for (unsigned i = 0; i < n; i++) {
		/* weights are below 64 and total is capped, so no overflow */
		out[i] = wsum ? total / wsum * w[i] + total % wsum * w[i] / wsum
		              : 0;
		if (given + out[i] > total)
			out[i] = total - given;
		given += out[i];
	}
	for (unsigned i = 0; given < total; i = (i + 1) % n) {
		if (w[i] || !wsum) {
			out[i]++;
			given++;
		}
	}
}

/* The users: names from shuffled tables, asserted unique (any case). */
static void plan_users(const struct gen_opts *opt, struct gen_po *po,
                       struct tl_rng *r)
{
	if (opt->tricky) {
		po->sur = concat_tables(sur_tricky, NELEM(sur_tricky), NULL, 0,
		                        &po->nsur);
		po->giv = concat_tables(giv_tricky, NELEM(giv_tricky), NULL, 0,
		                        &po->ngiv);
		po->sp_period = 7;
	} else {
		po->sur = concat_tables(sur_plain, NELEM(sur_plain), sur_tricky,
		                        NELEM(sur_tricky), &po->nsur);
		po->giv = concat_tables(giv_plain, NELEM(giv_plain), giv_tricky,
		                        NELEM(giv_tricky), &po->ngiv);
		po->sp_period = 37;
	}
	shuffle_ptrs(r, po->sur, po->nsur);
	shuffle_ptrs(r, po->giv, po->ngiv);

	po->nfile_users = opt->users;
	po->nusers = opt->users + 1 + (unsigned)tl_rng_below(r, 2);
	po->users = xmalloc(po->nusers * sizeof(*po->users));
	for (unsigned j = 0; j < po->nusers; j++) {
		po->users[j] = user_name(po, j);
		if (po->fold)
			fold_hi(po->users[j], strlen(po->users[j]));
		const char *g = po->fold ? dbcs_given(j / 4) : NULL;
		if (g && j % 4 && j % 4 < 3) {
			/* Some users get characters of the page: after the
			 * name, or before it (which moves them in order). */
			char *u = po->users[j];

			po->users[j] = j % 4 == 1 ? xfmt("%s %s", u, g)
			                          : xfmt("%s %s", g, u);
			free(u);
		}
	}
	char **tmp = xmalloc(po->nusers * sizeof(*tmp));

	memcpy(tmp, po->users, po->nusers * sizeof(*tmp));
	qsort(tmp, po->nusers, sizeof(*tmp), ci_cmp);
	for (unsigned j = 1; j < po->nusers; j++)
		if (ci_eq(tmp[j - 1], tmp[j]))
			die("internal: duplicate user name %s", tmp[j]);
	free(tmp);
}

/* Boards, lists and the other post offices that addresses may name. */
static void plan_names(const struct gen_opts *opt, struct gen_po *po,
                       struct tl_rng *r, const char *const *sibling_names)
{
	/* boards and lists: distinct entries of the tables */
	const char **bv = concat_tables(board_names, NELEM(board_names), NULL,
	                                0, &(size_t){0});
	shuffle_ptrs(r, bv, NELEM(board_names));
	po->nboards = 1 + (unsigned)tl_rng_below(r, 3);
	po->boards = bv;
	const char **lv = concat_tables(list_names, NELEM(list_names), NULL, 0,
	                                &(size_t){0});
	shuffle_ptrs(r, lv, NELEM(list_names));
	po->nlists = 2 + (unsigned)tl_rng_below(r, 3);
	po->lists = lv;

	po->nothers = (unsigned)NELEM(remote_pos);
	for (unsigned i = 0; i < opt->pos; i++)
		if (i != po->idx)
			po->nothers++;
	po->others = xmalloc(po->nothers * sizeof(*po->others));
	unsigned k = 0;

	for (size_t i = 0; i < NELEM(remote_pos); i++)
		po->others[k++] = remote_pos[i];
	for (unsigned i = 0; i < opt->pos; i++)
		if (i != po->idx && !ci_eq(sibling_names[i], po->name))
			po->others[k++] = sibling_names[i];
	po->nothers = k;
}

/*
 * Messages: about 5 % go to the boards, the rest to the mailboxes with
 * skewed weights (a few heavy users, some with no mail).
 */
static void plan_counts(const struct gen_opts *opt, struct gen_po *po,
                        struct tl_rng *r)
{
	uint64_t m = opt->messages, m_bb = m / 20;

	if (!m_bb && m >= 2)
		m_bb = 1;
	if (!po->nfile_users)
		m_bb = m;
	po->nmsg = m;

	uint64_t *w = xcalloc(po->nusers, sizeof(*w));
	po->ucount = xcalloc(po->nusers, sizeof(*po->ucount));
	for (unsigned j = 0; j < po->nfile_users; j++) {
		uint64_t v = tl_rng_below(r, 1000);

		if (v < 50)
			w[j] = 0;
		else if (v < 150)
			w[j] = 30 + tl_rng_below(r, 30);
		else
			w[j] = 1 + tl_rng_below(r, 8);
	}
	split_counts(m - m_bb, w, po->ucount, po->nfile_users);
	free(w);

	w = xcalloc(po->nboards, sizeof(*w));
	po->bcount = xcalloc(po->nboards, sizeof(*po->bcount));
	for (unsigned j = 0; j < po->nboards; j++)
		w[j] = 1 + tl_rng_below(r, 5);
	split_counts(m_bb, w, po->bcount, po->nboards);
	free(w);
}

/* A first pass: how many attachments will there be? */
static void plan_attachments(const struct gen_opts *opt, struct gen_po *po)
{
	uint64_t m = po->nmsg, natt = 0;

	for (uint64_t g = 0; g < m; g++)
		natt += shape_nfile(opt, po, g);
	uint64_t need = opt->big_attach;
	if (opt->attach_bytes && need < 1)
		need = 1;
	po->extra = 0;
	if (natt < need) {
		po->extra = need - natt;
		if (po->extra > m)
			po->extra = m;
	}
	po->natt = natt + po->extra;
	po->nbig = opt->big_attach < po->natt ? opt->big_attach : po->natt;
}

void plan_po(const struct gen_opts *opt, struct gen_po *po,
             const char *const *sibling_names)
{
	struct tl_rng r;

	rng_init(&r, opt->seed, TAG_PO, po->idx, 0);
	po->fold = opt->codepage == 932 || opt->codepage == 936 ||
	           opt->codepage == 949 || opt->codepage == 950;
	plan_users(opt, po, &r);
	plan_names(opt, po, &r, sibling_names);
	plan_counts(opt, po, &r);
	plan_attachments(opt, po);
}
