/*
 * ccm-gen: the command line and the loop over post offices.
 */
#include "gen.h"

/* ------------------------------------------------------------------ */
/* command line */

/*
 * Post office names that need sanitising (output spec §2).  The first four
 * differ only by case, so a multi-post-office run gets ~2, ~3...
 * In cp850: Z\x81rich is Zürich, \x92r\x9b Ærø, d'\x82tudes d'études.
 */
static const char *const po_names[] = {
        "Sales",       "SALES",
        "SALES/EAST",  "sales",
        "R&D: Lab?",   "CON",
        "Z\x81rich",   "...",
        "a<b>|c",      "LPT1.old",
        "HQ \"Main\"", "*Star*",
        "\x92r\x9b",   "Bureau d'\x82tudes",
        "#1; Plant",
};

static void usage(FILE *f)
{
	fputs("usage: ccm-gen [options] OUTDIR\n"
	      "\n"
	      "Write a synthetic, deterministic Lotus cc:Mail post office "
	      "export (the\n"
	      "dialect described in core/README.md). Every name and "
	      "message is made up.\n"
	      "OUTDIR must not exist or be empty.\n"
	      "\n"
	      "  --seed N            PRNG seed (default 1); same seed and "
	      "options give\n"
	      "                      byte-identical output\n"
	      "  --pos K             number of post offices (default 1). "
	      "K == 1: OUTDIR is\n"
	      "                      the export folder; K > 1: OUTDIR/poNN/ "
	      "are export folders\n"
	      "  --users U           mailbox files per post office (default "
	      "20); one or two\n"
	      "                      directory-only local users are added\n"
	      "  --messages M        messages per post office, mailboxes and "
	      "boards\n"
	      "                      together (default 200)\n"
	      "  --attach-bytes B    attachment bytes per post office "
	      "(default 1M); suffixes\n"
	      "                      K, M, G, T (powers of 1024)\n"
	      "  --big-attach N      N attachments share 90% of the bytes "
	      "(external files)\n"
	      "  --tricky            user names, subjects and file names "
	      "mostly from the\n"
	      "                      tricky sets (some are always used)\n"
	      "  --quirks            keyword case, lower-case folder names, "
	      "no blank after\n"
	      "                      the colon... in every post office "
	      "(default: 2nd, 4th...)\n"
	      "  --name STR          post office name, verbatim (with --pos > "
	      "1: the first)\n"
	      "  --codepage N        PO.INI CodePage (default 850); 932, 936, "
	      "949, 950 fold\n"
	      "                      8-bit letters to ASCII, and some user "
	      "and\n"
	      "                      attachment names hold characters of the\n"
	      "                      page whose trail byte is @, \\, | or a "
	      "letter\n"
	      "  --date-order ORD    MDY, DMY or YMD (default MDY; with "
	      "--pos > 1 the\n"
	      "                      post offices cycle through MDY, DMY, "
	      "YMD)\n"
	      "  --truth FILE        write the ground truth (tab-separated) "
	      "to FILE\n"
	      "  --help              this text\n",
	      f);
}

static uint64_t parse_u64(const char *opt, const char *s, bool suffix)
{
	char *end;
	uint64_t v, mul = 1;

	errno = 0;
	if (!*s || !isdigit((unsigned char)*s))
		die("%s: not a number: %s", opt, s);
	v = strtoull(s, &end, 10);
	if (errno)
		die("%s: %s: %s", opt, s, strerror(errno));
	if (suffix && *end) {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			mul = 1024;
			break;
		case 'M':
			mul = 1024 * 1024;
			break;
		case 'G':
			mul = 1024ull * 1024 * 1024;
			break;
		case 'T':
			mul = 1024ull * 1024 * 1024 * 1024;
			break;
		default:
			die("%s: bad suffix: %s", opt, s);
		}
		end++;
		if (toupper((unsigned char)*end) == 'I')
			end++;
		if (toupper((unsigned char)*end) == 'B')
			end++;
	}
	if (*end)
		die("%s: not a number: %s", opt, s);
	if (v > UINT64_MAX / mul)
		die("%s: too large: %s", opt, s);
	return v * mul;
}

/* Sets the option key (with its "--") to val; dies when either is bad. */
static void set_option(struct gen_opts *o, const char *key, const char *val)
{
	if (!strcmp(key, "--seed")) {
		o->seed = parse_u64(key, val, false);
	} else if (!strcmp(key, "--pos")) {
		uint64_t v = parse_u64(key, val, false);

		if (v < 1 || v > 9999)
			die("--pos: 1 to 9999");
		o->pos = (unsigned)v;
	} else if (!strcmp(key, "--users")) {
		uint64_t v = parse_u64(key, val, false);

		if (v > 10000000)
			die("--users: at most 10000000");
		o->users = (unsigned)v;
	} else if (!strcmp(key, "--messages")) {
		o->messages = parse_u64(key, val, false);
		if (o->messages > 1000000000000ull)
			die("--messages: at most 10^12");
	} else if (!strcmp(key, "--attach-bytes")) {
		o->attach_bytes = parse_u64(key, val, true);
	} else if (!strcmp(key, "--big-attach")) {
		o->big_attach = parse_u64(key, val, false);
		if (o->big_attach > (1ull << 31))
			die("--big-attach: at most 2^31");
	} else if (!strcmp(key, "--name")) {
		size_t n = strlen(val);

		/* PO.INI drops blanks at the ends of a value */
		if (!n || strpbrk(val, "\r\n\t") || val[0] == ' ' ||
		    val[n - 1] == ' ')
			die("--name: empty, holds CR, LF or TAB, or "
			    "starts or ends with a blank");
		o->name = val;
	} else if (!strcmp(key, "--codepage")) {
		uint64_t v = parse_u64(key, val, false);

		if (!v || v > 65535)
			die("--codepage: bad value");
		o->codepage = (unsigned)v;
	} else if (!strcmp(key, "--date-order")) {
		int k;

		for (k = 0; k < 3; k++)
			if (ci_eq(val, order_names[k]))
				break;
		if (k == 3)
			die("--date-order: MDY, DMY or YMD");
		o->date_order = k;
	} else if (!strcmp(key, "--truth")) {
		o->truth = val;
	} else {
		die("unknown option: %s (try --help)", key);
	}
}

static void parse_args(int argc, char **argv, struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->pos = 1;
	o->users = 20;
	o->messages = 200;
	o->attach_bytes = 1024 * 1024;
	o->codepage = 850;
	o->date_order = -1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char key[32];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		}
		if (!strcmp(a, "--")) {
			if (i + 1 < argc && !o->outdir)
				o->outdir = argv[++i];
			if (i + 1 < argc)
				die("too many arguments");
			break;
		}
		if (strncmp(a, "--", 2)) {
			if (o->outdir)
				die("too many arguments: %s", a);
			o->outdir = a;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t kl = eq ? (size_t)(eq - a) : strlen(a);
		if (kl >= sizeof(key))
			die("unknown option: %s", a);
		memcpy(key, a, kl);
		key[kl] = '\0';
		if (!strcmp(key, "--tricky") || !strcmp(key, "--quirks")) {
			if (eq)
				die("%s takes no value", key);
			if (key[2] == 't')
				o->tricky = true;
			else
				o->quirks = true;
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				die("%s needs a value", key);
			val = argv[++i];
		}
		set_option(o, key, val);
	}
	if (!o->outdir) {
		usage(stderr);
		exit(2);
	}
}

/*
 * The post offices: folder, name (names[i] too), quirks and date order of
 * each; names folded for DBCS code pages once all were chosen.
 */
static void name_pos(const struct gen_opts *opt, struct gen_po *pos,
                     const char **names)
{
	unsigned width = 2;
	for (unsigned k = opt->pos; k >= 100; k /= 10)
		width++;
	for (unsigned i = 0; i < opt->pos; i++) {
		struct gen_po *po = &pos[i];
		size_t n = NELEM(po_names);

		po->idx = i;
		if (opt->pos == 1) {
			po->rel = xfmt(".");
			po->dir = xfmt("%s", opt->outdir);
		} else {
			po->rel = xfmt("po%0*u", (int)width, i + 1);
			po->dir = xfmt("%s/%s", opt->outdir, po->rel);
		}
		if (i == 0 && opt->name) {
			po->name = xfmt("%s", opt->name);
		} else if (opt->pos == 1) {
			/* seed 1 gives SALES/EAST, the README's example */
			po->name = xfmt("%s", po_names[(opt->seed + 1) % n]);
		} else if (i < n) {
			po->name = xfmt("%s", po_names[i]);
		} else {
			po->name = xfmt("%s %u", po_names[i % n], i / n + 1);
		}
		po->quirks = opt->quirks || (i % 2 == 1);
		po->order = opt->date_order >= 0 ? opt->date_order
		            : opt->pos == 1      ? ORD_MDY
		                                 : (int)(i % 3);
		names[i] = po->name;
	}
	/* fold names only after all were chosen (--name stays verbatim) */
	for (unsigned i = 0; i < opt->pos; i++) {
		bool dbcs = opt->codepage == 932 || opt->codepage == 936 ||
		            opt->codepage == 949 || opt->codepage == 950;

		if (dbcs && !(i == 0 && opt->name))
			fold_hi(pos[i].name, strlen(pos[i].name));
	}
}

int main(int argc, char **argv)
{
	struct gen_opts opt;
	struct gen_out *truth = NULL;
	struct gen_po *pos;
	const char **names;

	parse_args(argc, argv, &opt);
	fold_init();
	dbcs_init(opt.codepage);
	check_outdir(opt.outdir);

	pos = xcalloc(opt.pos, sizeof(*pos));
	names = xcalloc(opt.pos, sizeof(*names));
	name_pos(&opt, pos, names);

	if (opt.truth) {
		truth = out_open(opt.truth, false, false);
	}
	for (unsigned i = 0; i < opt.pos; i++) {
		plan_po(&opt, &pos[i], names);
		write_po(&opt, &pos[i], truth);
		/* release what the next post office does not need */
		for (unsigned j = 0; j < pos[i].nusers; j++)
			free(pos[i].users[j]);
		free(pos[i].users);
		free(pos[i].ucount);
		free(pos[i].bcount);
		free(pos[i].boards);
		free(pos[i].lists);
		free(pos[i].others);
		free(pos[i].sur);
		free(pos[i].giv);
	}
	if (truth)
		out_close(truth);
	for (unsigned i = 0; i < opt.pos; i++) {
		free(pos[i].dir);
		free(pos[i].rel);
		free(pos[i].name);
	}
	free(pos);
	free(names);
	return 0;
}
