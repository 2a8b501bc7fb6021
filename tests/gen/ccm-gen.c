/*
 * ccm-gen: a deterministic generator of synthetic Lotus cc:Mail post office
 * exports, in the dialect of shared/spec/ccmail-export.md, with an optional
 * ground-truth file that tests use to check a converter independently.
 *
 * Every name, address and message it writes is made up.
 *
 * Design notes
 *
 * - Determinism.  Every random choice comes from a splitmix64 stream whose
 *   state is derived from (seed, tag, post office, index).  A message's
 *   stream depends only on its global index in its post office, never on how
 *   much randomness earlier messages consumed, so the number of file items of
 *   every message can be computed in a cheap first pass (to know the number
 *   of attachments, hence their sizes, before anything is written) and again,
 *   identically, when the message is written.
 *
 * - Memory.  Only per-user and per-board data is kept (names and message
 *   counts); messages and attachment bytes are streamed through fixed
 *   buffers.
 *
 * - Ambiguities of the dialect are avoided rather than exercised, so that the
 *   ground truth is never a matter of interpretation: counted text items are
 *   never empty and never end with a lone CR; uncounted text never starts
 *   with a line that is blank or made of digits and blanks (it could be taken
 *   for a count line) and never holds a line that opens a block; names never
 *   hold " at ", "@", a tab, a newline, or leading/trailing blanks; empty
 *   attachments are always external (a zero count followed by no Hex: line
 *   is left to the reader's judgement otherwise).
 *
 * - What is exercised on purpose: every header and item form of spec §4
 *   (see the tables below), invalid dates (about 3 %), counted text holding
 *   keyword-looking lines, LF-only and lone-CR line ends, 8-bit cp850 bytes,
 *   long lines and large text items, CR LF and LF files, one empty and one
 *   nameless attachment per post office, aliases and a mobile user in the
 *   directory that are not mailboxes, local users without a mailbox file.
 *   Post offices with quirks (--quirks, or every second one) also vary the
 *   case of keywords, of folder and file names and of FILES in Path: lines,
 *   and sometimes leave out the blank after a keyword's colon.
 *
 * Ground truth (--truth): tab-separated, LF, one fact a line:
 *   po <dir> <name> <mailboxes> <messages> <attachments> <boards> <lists>
 *   mailbox <dir> <user> <messages>
 *   msg <dir> <owner or #board> <index> <text items> <file items> <date ok>
 *   att <dir> <owner> <msg index> <att index> <size> <fnv1a-64, 16 hex>
 * <dir> is "." for a single post office, else "poNN".
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define CCM_OUTBUF (1u << 16)
#define CCM_CHUNK (1u << 20)
/* attachments above this size are always external: hex would double them */
#define CCM_HEX_MAX (1u << 20)
/*
 * Creating a file costs far more than writing a few bytes of hex, so once a
 * post office has this many external attachments, small ones are nearly
 * always inline (a million messages would otherwise mean 10^5 tiny files).
 */
#define CCM_EXT_SOFT_MAX 4000

enum { ORD_MDY, ORD_DMY, ORD_YMD };
static const char *const order_names[] = {"MDY", "DMY", "YMD"};

/* stream tags: one per kind of decision, so that streams never overlap */
enum {
	TAG_PO = 1,
	TAG_SHAPE,
	TAG_MSG,
	TAG_DATA,
	TAG_SIZE,
	TAG_FILE,
	TAG_USER,
};

struct ccm_opts {
	uint64_t seed;
	unsigned pos;
	unsigned users;
	uint64_t messages;
	uint64_t attach_bytes;
	uint64_t big_attach;
	bool tricky;
	bool quirks;
	const char *name;
	unsigned codepage;
	int date_order; /* -1: default (MDY, or cycling when --pos > 1) */
	const char *truth;
	const char *outdir;
};

/* ------------------------------------------------------------------ */
/* errors and allocation */

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("ccm-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		die("out of memory");
	return p;
}

static char *xfmt(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("formatting failed");
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* ------------------------------------------------------------------ */
/* random numbers: splitmix64, fast and good enough for test data */

struct ccm_rng {
	uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rng_u64(struct ccm_rng *r)
{
	r->s += 0x9e3779b97f4a7c15u;
	return mix64(r->s);
}

static void rng_init(struct ccm_rng *r, uint64_t seed, uint64_t tag, uint64_t a,
                     uint64_t b)
{
	uint64_t h = mix64(seed + 0x6a09e667f3bcc909u);

	h = mix64(h ^ (tag * 0x9e3779b97f4a7c15u));
	h = mix64(h ^ (a + 0x3c6ef372fe94f82bu));
	h = mix64(h ^ (b + 0xa54ff53a5f1d36f1u));
	r->s = h;
}

/* uniform in [0, n); n == 0 gives 0.  The modulo bias is irrelevant here. */
static uint64_t rng_below(struct ccm_rng *r, uint64_t n)
{
	return n ? rng_u64(r) % n : 0;
}

static unsigned rng_int(struct ccm_rng *r, unsigned lo, unsigned hi)
{
	return lo + (unsigned)rng_below(r, (uint64_t)hi - lo + 1);
}

/* true with probability pm/1000 */
static bool rng_pm(struct ccm_rng *r, unsigned pm)
{
	return rng_below(r, 1000) < pm;
}

#define PICK(r, arr) ((arr)[rng_below((r), sizeof(arr) / sizeof((arr)[0]))])
#define NELEM(arr) (sizeof(arr) / sizeof((arr)[0]))

static void fill_random(struct ccm_rng *r, unsigned char *p, size_t n)
{
	/* the bytes are those of each word in little-endian order */
	while (n >= 8) {
		uint64_t v = rng_u64(r);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		memcpy(p, &v, 8);
#else
		for (int i = 0; i < 8; i++)
			p[i] = (unsigned char)(v >> (8 * i));
#endif
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = rng_u64(r);

		for (size_t i = 0; i < n; i++)
			p[i] = (unsigned char)(v >> (8 * i));
	}
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3u;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325u

/* ------------------------------------------------------------------ */
/* byte strings */

struct ccm_sb {
	char *p;
	size_t n, cap;
};

static void sb_reserve(struct ccm_sb *b, size_t add)
{
	if (b->n + add <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + add)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		die("out of memory");
	b->p = p;
	b->cap = cap;
}

static void sb_mem(struct ccm_sb *b, const void *p, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void sb_str(struct ccm_sb *b, const char *s)
{
	sb_mem(b, s, strlen(s));
}

static void sb_chr(struct ccm_sb *b, char c)
{
	sb_reserve(b, 1);
	b->p[b->n++] = c;
}

/*
 * For double-byte code pages the cp850 letters used below would form broken
 * lead/trail pairs, so there every byte >= 0x80 is folded to a plain ASCII
 * letter close to it.  The name tables hold no two entries that fold to the
 * same text, and names are checked for case-insensitive uniqueness after
 * folding anyway.
 */
static unsigned char fold_tab[256];

static void fold_init(void)
{
	static const struct {
		unsigned char from;
		char to;
	} pairs[] = {
	        {0x80, 'C'}, {0x81, 'u'}, {0x82, 'e'}, {0x83, 'a'}, {0x84, 'a'},
	        {0x85, 'a'}, {0x86, 'a'}, {0x87, 'c'}, {0x88, 'e'}, {0x89, 'e'},
	        {0x8a, 'e'}, {0x8b, 'i'}, {0x8c, 'i'}, {0x8d, 'i'}, {0x8e, 'A'},
	        {0x8f, 'A'}, {0x90, 'E'}, {0x91, 'a'}, {0x92, 'A'}, {0x93, 'o'},
	        {0x94, 'o'}, {0x95, 'o'}, {0x96, 'u'}, {0x97, 'u'}, {0x98, 'y'},
	        {0x99, 'O'}, {0x9a, 'U'}, {0x9b, 'o'}, {0x9c, 'L'}, {0x9d, 'O'},
	        {0x9e, 'x'}, {0x9f, 'f'}, {0xa0, 'a'}, {0xa1, 'i'}, {0xa2, 'o'},
	        {0xa3, 'u'}, {0xa4, 'n'}, {0xa5, 'N'}, {0xa8, '?'}, {0xad, '!'},
	};

	for (int i = 0; i < 256; i++)
		fold_tab[i] = (unsigned char)(i < 0x80 ? i : 'x');
	for (size_t i = 0; i < NELEM(pairs); i++)
		fold_tab[pairs[i].from] = (unsigned char)pairs[i].to;
}

static void fold_hi(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)fold_tab[(unsigned char)p[i]];
}

/* ------------------------------------------------------------------ */
/* buffered output */

struct ccm_out {
	FILE *f;
	char *path;
	const char *eol;
	size_t eol_len;
	bool fold;
	size_t n;
	unsigned char buf[CCM_OUTBUF];
};

static struct ccm_out *out_open(const char *path, bool crlf, bool fold)
{
	struct ccm_out *o = xmalloc(sizeof(*o));

	o->f = fopen(path, "wb");
	if (!o->f)
		die("%s: %s", path, strerror(errno));
	o->path = xfmt("%s", path);
	o->eol = crlf ? "\r\n" : "\n";
	o->eol_len = crlf ? 2 : 1;
	o->fold = fold;
	o->n = 0;
	return o;
}

static void out_flush(struct ccm_out *o)
{
	if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n)
		die("%s: %s", o->path, strerror(errno));
	o->n = 0;
}

static void out_close(struct ccm_out *o)
{
	out_flush(o);
	if (fclose(o->f))
		die("%s: %s", o->path, strerror(errno));
	free(o->path);
	free(o);
}

static void out_mem(struct ccm_out *o, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n) {
		size_t k = CCM_OUTBUF - o->n;

		if (!k) {
			out_flush(o);
			continue;
		}
		if (k > n)
			k = n;
		memcpy(o->buf + o->n, s, k);
		if (o->fold)
			fold_hi((char *)o->buf + o->n, k);
		o->n += k;
		s += k;
		n -= k;
	}
}

static void out_str(struct ccm_out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

static void out_chr(struct ccm_out *o, char c)
{
	if (o->n == CCM_OUTBUF)
		out_flush(o);
	o->buf[o->n++] = (unsigned char)c;
}

static void out_u64(struct ccm_out *o, uint64_t v)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		out_chr(o, tmp[--i]);
}

static void out_eol(struct ccm_out *o)
{
	out_mem(o, o->eol, o->eol_len);
}

/* ------------------------------------------------------------------ */
/* name tables (all made up; 8-bit bytes are cp850) */

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

static const char *const remote_pos[] = {"HUB", "WEST", "LONDON/UK"};

static const char *const board_names[] = {
        "Announcements", "Gamers",       "For Sale, cheap",
        "Caf\x82 Talk",  "100% Rumours", "Q&A; \"Help\"",
};

static const char *const list_names[] = {
        "Sales Team",   "All Staff",     "R&D \"core\"; 1998",
        "Caf\x82 Club", "Managers, all",
};

static const char *const net_users[] = {
        "jdoe", "a.smith", "info", "x_y", "sales-team", "o'hara", "bob+cc",
};

static const char *const net_hosts[] = {
        "example.com",
        "example.org",
        "mail.example.net",
        "EXAMPLE.COM",
};

static const char *const comments[] = {
        "Sales manager, room 12",         "Finance",     "joined 1995",
        "Caf\x82 \"Chez Nous\"; ext. 42", "100% remote", "  leading blanks",
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

static const char *const words[] = {
        "the",        "report",   "is",           "ready",         "please",
        "review",     "attached", "meeting",      "ten",           "o'clock",
        "budget",     "numbers",  "look",         "good",          "see",
        "you",        "Friday",   "thanks",       "regards",       "project",
        "Phoenix",    "server",   "backup",       "tonight",       "lunch",
        "caf\x82",    "na\x8bve", "r\x82sum\x82", "\x9c\x32\x35",  "50%",
        "\"quoted\"", "a,b;c",    "#7",           "[draft]",       "C:\\TEMP",
        "100.5",      "e-mail",   "cc:Mail",      "x@example.com", "and",
        "of",         "to",       "we",           "will",          "ship",
        "on",         "Monday",
};

static const char *const titles[] = {
        "Body",
        "Note",
        "Signature",
        "Original Text",
        "Forwarded, with comments",
        "Caf\x82 menu",
        "Reply \"B\"",
};

static const char *const file_plain[] = {
        "REPORT.DOC", "Q1 plan.doc",         "budget 1998.xls", "LETTER.TXT",
        "photo.jpg",  "minutes - final.wpd", "DATA.ZIP",        "readme",
};

static const char *const file_tricky[] = {
        "C:\\DOCS\\A.TXT",
        "D:\\Data\\Caf\x82\\MENU.TXT",
        "\\\\SERVER\\SHARE\\memo.doc",
        "R\x82sum\x82.doc",
        "100%.txt",
        "a;b,c.txt",
        "\"quoted\".txt",
        "name with  two  blanks.txt",
        "...dots...",
        "UPPER.TXT",
        "x#1 [v2].bin",
};

/* keyword-looking lines, only ever placed inside counted text items */
static const char *const fake_lines[] = {
        "Message:",
        "Text item: not a real item",
        "File item: FAKE.TXT 1/2/98 3:04PM",
        "Bulletin board: Nowhere",
        "Hex: 00FF",
        "Contents:",
        "12345",
};

/* ------------------------------------------------------------------ */
/* post offices */

struct ccm_po {
	unsigned idx;
	char *dir;  /* path of the export folder */
	char *rel;  /* "." or "poNN", for the truth file */
	char *name; /* bytes as in PO.INI */
	int order;
	bool quirks;
	bool fold;

	const char **sur, **giv;
	size_t nsur, ngiv;
	unsigned sp_period;

	unsigned nfile_users; /* users with a mailbox file */
	unsigned nusers;      /* plus the directory-only ones */
	char **users;
	uint64_t *ucount;

	unsigned nboards;
	const char **boards;
	uint64_t *bcount;

	unsigned nlists;
	const char **lists;

	unsigned nothers;
	const char **others; /* other post offices, for addresses */

	uint64_t nmsg;
	uint64_t natt;
	uint64_t extra; /* messages g < extra carry one more file item */
	uint64_t nbig;
};

struct ccm_ctx {
	const struct ccm_opts *opt;
	struct ccm_po *po;
	struct ccm_out *truth;
	char *files_dir;
	const char *files_kw; /* name of FILES as written in Path: lines */

	/* attachment sizes, assigned in order of appearance */
	struct ccm_rng size_rng;
	uint64_t att_ord;
	uint64_t big_j, next_big;
	uint64_t big_left, big_cnt;
	uint64_t small_left, small_cnt;
	uint64_t zero_pos;   /* the one deliberately empty attachment */
	uint64_t noname_pos; /* one deliberately nameless (ATTACHnn.DAT) */
	uint64_t nexternal;

	uint64_t msg_g;
	struct ccm_sb text;
	unsigned char *chunk;
};

static bool ci_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return !*a && !*b;
}

static int ci_cmp(const void *pa, const void *pb)
{
	const unsigned char *a = *(const unsigned char *const *)pa;
	const unsigned char *b = *(const unsigned char *const *)pb;

	for (;; a++, b++) {
		int ca = toupper(*a), cb = toupper(*b);

		if (ca != cb || !ca)
			return ca - cb;
	}
}

static void shuffle_ptrs(struct ccm_rng *r, const char **v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rng_below(r, i);
		const char *t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static const char **concat_tables(const char *const *a, size_t na,
                                  const char *const *b, size_t nb, size_t *n)
{
	const char **v = xmalloc((na + nb) * sizeof(*v));

	for (size_t i = 0; i < na; i++)
		v[i] = a[i];
	for (size_t i = 0; i < nb; i++)
		v[na + i] = b[i];
	*n = na + nb;
	return v;
}

/*
 * User j's name.  One user in sp_period gets a name without a comma; the
 * others enumerate (surname, given name) pairs without repetition, and once
 * all pairs are used a number is appended, so names are unique by
 * construction (checked afterwards all the same).
 */
static char *user_name(const struct ccm_po *po, uint64_t j)
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

static unsigned shape_nfile(const struct ccm_opts *opt, const struct ccm_po *po,
                            uint64_t g)
{
	struct ccm_rng r;
	uint64_t v;

	rng_init(&r, opt->seed, TAG_SHAPE, po->idx, g);
	v = rng_below(&r, 1000);
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

static void plan_po(const struct ccm_opts *opt, struct ccm_po *po,
                    const char *const *sibling_names)
{
	struct ccm_rng r;

	rng_init(&r, opt->seed, TAG_PO, po->idx, 0);
	po->fold = opt->codepage == 932 || opt->codepage == 936 ||
	           opt->codepage == 949 || opt->codepage == 950;

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
	shuffle_ptrs(&r, po->sur, po->nsur);
	shuffle_ptrs(&r, po->giv, po->ngiv);

	po->nfile_users = opt->users;
	po->nusers = opt->users + 1 + (unsigned)rng_below(&r, 2);
	po->users = xmalloc(po->nusers * sizeof(*po->users));
	for (unsigned j = 0; j < po->nusers; j++) {
		po->users[j] = user_name(po, j);
		if (po->fold)
			fold_hi(po->users[j], strlen(po->users[j]));
	}
	{
		char **tmp = xmalloc(po->nusers * sizeof(*tmp));

		memcpy(tmp, po->users, po->nusers * sizeof(*tmp));
		qsort(tmp, po->nusers, sizeof(*tmp), ci_cmp);
		for (unsigned j = 1; j < po->nusers; j++)
			if (ci_eq(tmp[j - 1], tmp[j]))
				die("internal: duplicate user name %s", tmp[j]);
		free(tmp);
	}

	/* boards and lists: distinct entries of the tables */
	const char **bv = concat_tables(board_names, NELEM(board_names), NULL,
	                                0, &(size_t){0});
	shuffle_ptrs(&r, bv, NELEM(board_names));
	po->nboards = 1 + (unsigned)rng_below(&r, 3);
	po->boards = bv;
	const char **lv = concat_tables(list_names, NELEM(list_names), NULL, 0,
	                                &(size_t){0});
	shuffle_ptrs(&r, lv, NELEM(list_names));
	po->nlists = 2 + (unsigned)rng_below(&r, 3);
	po->lists = lv;

	po->nothers = (unsigned)NELEM(remote_pos);
	for (unsigned i = 0; i < opt->pos; i++)
		if (i != po->idx)
			po->nothers++;
	po->others = xmalloc(po->nothers * sizeof(*po->others));
	{
		unsigned k = 0;

		for (size_t i = 0; i < NELEM(remote_pos); i++)
			po->others[k++] = remote_pos[i];
		for (unsigned i = 0; i < opt->pos; i++)
			if (i != po->idx && !ci_eq(sibling_names[i], po->name))
				po->others[k++] = sibling_names[i];
		po->nothers = k;
	}

	/*
	 * Messages: about 5 % go to the boards, the rest to the mailboxes
	 * with skewed weights (a few heavy users, some with no mail).
	 */
	uint64_t m = opt->messages, m_bb = m / 20;

	if (!m_bb && m >= 2)
		m_bb = 1;
	if (!po->nfile_users)
		m_bb = m;
	po->nmsg = m;

	uint64_t *w = xcalloc(po->nusers, sizeof(*w));
	po->ucount = xcalloc(po->nusers, sizeof(*po->ucount));
	for (unsigned j = 0; j < po->nfile_users; j++) {
		uint64_t v = rng_below(&r, 1000);

		if (v < 50)
			w[j] = 0;
		else if (v < 150)
			w[j] = 30 + rng_below(&r, 30);
		else
			w[j] = 1 + rng_below(&r, 8);
	}
	split_counts(m - m_bb, w, po->ucount, po->nfile_users);
	free(w);

	w = xcalloc(po->nboards, sizeof(*w));
	po->bcount = xcalloc(po->nboards, sizeof(*po->bcount));
	for (unsigned j = 0; j < po->nboards; j++)
		w[j] = 1 + rng_below(&r, 5);
	split_counts(m_bb, w, po->bcount, po->nboards);
	free(w);

	/* first pass: how many attachments will there be? */
	uint64_t natt = 0;

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

/* ------------------------------------------------------------------ */
/* dates */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

static void put_num(struct ccm_sb *b, unsigned v, bool pad)
{
	char tmp[16];

	snprintf(tmp, sizeof(tmp), pad ? "%02u" : "%u", v);
	sb_str(b, tmp);
}

/*
 * A date in the post office's order (2- or 4-digit year) and a time with or
 * without seconds and AM/PM.  invalid_ok allows a date that does not exist;
 * the return value says whether the date is valid.
 */
static bool gen_date(struct ccm_rng *r, int order, char sep, bool invalid_ok,
                     struct ccm_sb *b)
{
	int y, m, d, hh, mm, ss;
	bool valid = true;

	if (rng_pm(r, 30))
		y = rng_pm(r, 500) ? 1970 + (int)rng_below(r, 100)
		                   : 1900 + (int)rng_below(r, 200);
	else
		y = 1988 + (int)rng_below(r, 16);
	m = 1 + (int)rng_below(r, 12);
	d = 1 + (int)rng_below(r, (uint64_t)days_in(y, m));
	if (rng_pm(r, 10)) {
		m = 2;
		d = 29;
		y = rng_pm(r, 500) ? 2000 : 1996;
	}
	if (invalid_ok && rng_pm(r, 30)) {
		static const int bad[][2] = {
		        {2, 30}, {2, 31},  {4, 31}, {6, 31}, {9, 31}, {11, 31},
		        {13, 5}, {13, 45}, {0, 10}, {5, 0},  {7, 32}, {2, 29},
		};
		size_t k = (size_t)rng_below(r, NELEM(bad));

		m = bad[k][0];
		d = bad[k][1];
		if (m == 2 && d == 29)
			y = 1999;
		valid = false;
	}
	/* a 2-digit year is read as 19xx from 70, 20xx below */
	bool y2 = y >= 1970 && y <= 2069 && rng_pm(r, 700);
	bool pad = rng_pm(r, 100);
	char ys[8];

	snprintf(ys, sizeof(ys), y2 ? "%02d" : "%d", y2 ? y % 100 : y);
	if (order == ORD_MDY) {
		put_num(b, (unsigned)m, pad);
		sb_chr(b, sep);
		put_num(b, (unsigned)d, pad);
		sb_chr(b, sep);
		sb_str(b, ys);
	} else if (order == ORD_DMY) {
		put_num(b, (unsigned)d, pad);
		sb_chr(b, sep);
		put_num(b, (unsigned)m, pad);
		sb_chr(b, sep);
		sb_str(b, ys);
	} else {
		sb_str(b, ys);
		sb_chr(b, sep);
		put_num(b, (unsigned)m, pad);
		sb_chr(b, sep);
		put_num(b, (unsigned)d, pad);
	}
	sb_chr(b, ' ');
	hh = (int)rng_below(r, 24);
	mm = (int)rng_below(r, 60);
	ss = (int)rng_below(r, 60);
	bool ampm = rng_pm(r, 600), secs = rng_pm(r, 200);
	if (ampm) {
		int h12 = hh % 12 ? hh % 12 : 12;

		put_num(b, (unsigned)h12, false);
	} else {
		put_num(b, (unsigned)hh, rng_pm(r, 100));
	}
	sb_chr(b, ':');
	put_num(b, (unsigned)mm, true);
	if (secs) {
		sb_chr(b, ':');
		put_num(b, (unsigned)ss, true);
	}
	if (ampm)
		sb_str(b, hh < 12 ? "AM" : "PM");
	return valid;
}

/* ------------------------------------------------------------------ */
/* header writing */

/*
 * Keywords are case-insensitive (spec §2); post offices with quirks write
 * some of them in upper or lower case to exercise that.
 */
static void put_kw(struct ccm_ctx *c, struct ccm_out *o, struct ccm_rng *r,
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

static void put_hdr(struct ccm_ctx *c, struct ccm_out *o, struct ccm_rng *r,
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

static void gen_person(struct ccm_ctx *c, struct ccm_rng *r, struct ccm_sb *b)
{
	const struct ccm_po *po = c->po;

	sb_str(b, po->sur[rng_below(r, po->nsur)]);
	sb_str(b, ", ");
	sb_str(b, po->giv[rng_below(r, po->ngiv)]);
}

/* an address of any of the forms of spec §3 */
static void gen_addr(struct ccm_ctx *c, struct ccm_rng *r, bool boards,
                     struct ccm_sb *b)
{
	const struct ccm_po *po = c->po;
	uint64_t v = rng_below(r, 1000);

	b->n = 0;
	if (!boards && v >= 850)
		v = rng_below(r, 850);
	if (v < 450) {
		sb_str(b, po->users[rng_below(r, po->nusers)]);
	} else if (v < 550) {
		sb_str(b, po->users[rng_below(r, po->nusers)]);
		sb_str(b, " at ");
		sb_str(b, po->name);
	} else if (v < 700) {
		gen_person(c, r, b);
		sb_str(b, " at ");
		sb_str(b, po->others[rng_below(r, po->nothers)]);
	} else if (v < 850) {
		sb_str(b, PICK(r, net_users));
		sb_chr(b, '@');
		sb_str(b, PICK(r, net_hosts));
		sb_str(b, po->quirks && rng_pm(r, 300) ? " at Internet"
		                                       : " at internet");
	} else {
		sb_chr(b, '#');
		sb_str(b, po->boards[rng_below(r, po->nboards)]);
		if (rng_pm(r, 400)) {
			sb_str(b, " at ");
			sb_str(b,
			       rng_pm(r, 700)
			               ? po->name
			               : po->others[rng_below(r, po->nothers)]);
		}
	}
	sb_chr(b, '\0');
}

/* ------------------------------------------------------------------ */
/* text */

static void gen_words(struct ccm_rng *r, struct ccm_sb *b, size_t target)
{
	size_t start = b->n;
	bool first = true;

	while (b->n - start < target) {
		if (!first)
			sb_chr(b, rng_pm(r, 8) ? '\t' : ' ');
		sb_str(b, PICK(r, words));
		first = false;
	}
}

static bool starts_ci(const char *p, size_t n, const char *kw)
{
	size_t k = strlen(kw);

	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (tolower((unsigned char)p[i]) !=
		    tolower((unsigned char)kw[i]))
			return false;
	return true;
}

/* would this line be taken for a block keyword by a reader? */
static bool risky_line(const char *p, size_t n)
{
	return starts_ci(p, n, "text item:") || starts_ci(p, n, "file item:") ||
	       starts_ci(p, n, "message:") ||
	       starts_ci(p, n, "bulletin board:");
}

/* one line of words, no line end; rarely very long */
static void gen_line(struct ccm_rng *r, struct ccm_sb *b, bool long_ok)
{
	size_t start = b->n;

	if (long_ok && rng_pm(r, 3))
		gen_words(r, b, 1000 + rng_below(r, 7000));
	else
		gen_words(r, b, 10 + rng_below(r, 66));
	if (risky_line(b->p + start, b->n - start)) {
		/* cannot happen with the word table, kept as a guard */
		b->n = start;
		sb_str(b, "> text");
	}
}

/*
 * Counted text: any bytes but NUL, any line ends (CR LF, LF, lone CR), even
 * lines that look like keywords, since the count delimits it.  Returns
 * whether the data ends with a line end.
 */
static bool gen_counted_text(struct ccm_rng *r, const struct ccm_out *o,
                             struct ccm_sb *b)
{
	unsigned nlines = rng_int(r, 1, 10);
	bool big = rng_pm(r, 3);

	if (big)
		nlines = rng_int(r, 300, 1500);
	b->n = 0;
	for (unsigned i = 0; i < nlines; i++) {
		if (rng_pm(r, 40))
			sb_str(b, PICK(r, fake_lines));
		else if (!rng_pm(r, 60))
			gen_line(r, b, !big);
		uint64_t v = rng_below(r, 1000);
		if (v < 750)
			sb_mem(b, o->eol, o->eol_len);
		else if (v < 850)
			sb_chr(b, '\n');
		else if (v < 930)
			sb_str(b, "\r\n");
		else
			sb_chr(b, '\r');
	}
	/* never end with a lone CR: whether it is a line end is not said */
	while (b->n && b->p[b->n - 1] == '\r')
		b->n--;
	bool ends = rng_pm(r, 600);
	if (!ends) {
		while (b->n &&
		       (b->p[b->n - 1] == '\n' || b->p[b->n - 1] == '\r'))
			b->n--;
	}
	if (!b->n)
		sb_str(b, "x");
	if (ends && b->p[b->n - 1] != '\n')
		sb_mem(b, o->eol, o->eol_len);
	return b->p[b->n - 1] == '\n';
}

/*
 * Uncounted text: whole lines with the file's own line end.  The first line
 * holds a letter (a line of digits could be a count line); no line opens a
 * block.  May be empty.
 */
static void gen_uncounted_text(struct ccm_rng *r, const struct ccm_out *o,
                               struct ccm_sb *b)
{
	unsigned nlines = rng_int(r, 1, 8);

	b->n = 0;
	if (rng_pm(r, 40))
		return;
	bool big = rng_pm(r, 2);

	if (big)
		nlines = rng_int(r, 300, 1500);
	for (unsigned i = 0; i < nlines; i++) {
		if (i && rng_pm(r, 80)) {
			/* blank line */
		} else {
			gen_line(r, b, !big);
		}
		sb_mem(b, o->eol, o->eol_len);
	}
}

static void gen_text_item(struct ccm_ctx *c, struct ccm_out *o,
                          struct ccm_rng *r)
{
	bool counted = rng_pm(r, 550);

	put_kw(c, o, r, "Text item");
	if (rng_pm(r, 500)) {
		out_chr(o, ' ');
		out_str(o, PICK(r, titles));
	}
	out_eol(o);
	if (counted) {
		bool ends = gen_counted_text(r, o, &c->text);

		out_u64(o, c->text.n);
		out_eol(o);
		out_mem(o, c->text.p, c->text.n);
		if (!ends)
			out_eol(o);
	} else {
		gen_uncounted_text(r, o, &c->text);
		out_mem(o, c->text.p, c->text.n);
	}
}

/* ------------------------------------------------------------------ */
/* attachments */

/*
 * Position of big attachment j among all attachments: evenly spread,
 * floor((2j + 1) * natt / (2 * nbig)) in integers (nbig is capped at 2^31).
 */
static uint64_t big_pos(const struct ccm_po *po, uint64_t j)
{
	uint64_t den = 2 * po->nbig;
	uint64_t q = po->natt / den, r = po->natt % den;

	return (2 * j + 1) * q + (2 * j + 1) * r / den;
}

static void sizes_init(struct ccm_ctx *c)
{
	const struct ccm_po *po = c->po;
	uint64_t b = c->opt->attach_bytes;

	rng_init(&c->size_rng, c->opt->seed, TAG_SIZE, po->idx, 0);
	c->att_ord = 0;
	c->nexternal = 0;
	c->big_j = 0;
	c->big_cnt = po->nbig;
	c->next_big = po->nbig ? big_pos(po, 0) : UINT64_MAX;
	c->zero_pos = po->natt >= 3 ? po->natt / 3 : UINT64_MAX;
	for (uint64_t j = 0; j < po->nbig; j++)
		if (big_pos(po, j) == c->zero_pos)
			c->zero_pos = UINT64_MAX;
	c->small_cnt = po->natt - po->nbig - (c->zero_pos != UINT64_MAX);
	c->noname_pos = po->natt >= 3 ? 2 * po->natt / 3 : UINT64_MAX;
	if (!po->natt) {
		c->big_left = c->small_left = 0;
	} else if (!po->nbig) {
		c->big_left = 0;
		c->small_left = b;
	} else if (!c->small_cnt) {
		c->big_left = b;
		c->small_left = 0;
	} else {
		c->big_left = b - b / 10;
		c->small_left = b / 10;
	}
}

/*
 * Sizes are drawn in order so that they sum to --attach-bytes exactly.  Each
 * small attachment takes 1 byte plus a random share in [0, 2 * average] of
 * the bytes left above that minimum (0 bytes only when there are fewer bytes
 * than attachments), the last one takes the rest; the big ones split their
 * part evenly.  One attachment, a third of the way in, is empty on purpose.
 */
static uint64_t next_size(struct ccm_ctx *c)
{
	uint64_t sz;

	if (c->att_ord == c->zero_pos) {
		sz = 0;
	} else if (c->att_ord == c->next_big) {
		sz = c->big_cnt == 1 ? c->big_left : c->big_left / c->big_cnt;
		c->big_left -= sz;
		c->big_cnt--;
		c->big_j++;
		c->next_big = c->big_j < c->po->nbig ? big_pos(c->po, c->big_j)
		                                     : UINT64_MAX;
	} else {
		if (!c->small_cnt)
			die("internal: attachment count mismatch");
		if (c->small_cnt == 1) {
			sz = c->small_left;
		} else {
			uint64_t base = c->small_left >= c->small_cnt;
			uint64_t avg = (c->small_left - base * c->small_cnt) /
			               c->small_cnt;

			sz = base + rng_below(&c->size_rng, 2 * avg + 1);
			if (sz > c->small_left)
				sz = c->small_left;
		}
		c->small_left -= sz;
		c->small_cnt--;
	}
	c->att_ord++;
	return sz;
}

static const char *file_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot || dot == name)
		return "DAT";
	size_t n = strlen(dot + 1);
	if (n < 1 || n > 3)
		return "DAT";
	for (const char *p = dot + 1; *p; p++)
		if (!isalnum((unsigned char)*p))
			return "DAT";
	return dot + 1;
}

static void gen_file_item(struct ccm_ctx *c, struct ccm_out *o,
                          struct ccm_rng *r, const char *owner, uint64_t idx,
                          unsigned k)
{
	const struct ccm_po *po = c->po;
	uint64_t ord = c->att_ord;
	uint64_t size = next_size(c);
	const char *name;
	struct ccm_rng dr;
	uint64_t h = FNV_INIT;

	if (ord == c->noname_pos || rng_pm(r, 15))
		name = "";
	else if (rng_pm(r, c->opt->tricky ? 700 : 250))
		name = PICK(r, file_tricky);
	else
		name = PICK(r, file_plain);

	put_kw(c, o, r, "File item");
	if (*name) {
		out_chr(o, ' ');
		out_str(o, name);
		if (rng_pm(r, 600)) {
			struct ccm_sb d = {0};

			gen_date(r, po->order, rng_pm(r, 700) ? '/' : '-',
			         false, &d);
			out_chr(o, ' ');
			out_mem(o, d.p, d.n);
			free(d.p);
		}
	}
	out_eol(o);

	rng_init(&dr, c->opt->seed, TAG_DATA, po->idx, ord);
	bool external = size == 0 || size > CCM_HEX_MAX ||
	                rng_pm(r, c->nexternal < CCM_EXT_SOFT_MAX ? 450 : 10);
	if (!external) {
		unsigned per = rng_int(r, 32, 64);
		int cas =
		        (int)rng_below(r, 10); /* 0-5 upper, 6-8 lower, mixed */
		static const char up[] = "0123456789ABCDEF";
		static const char lo[] = "0123456789abcdef";
		char line[2 * 64];

		fill_random(&dr, c->chunk, (size_t)size);
		h = fnv1a(h, c->chunk, (size_t)size);
		out_u64(o, size);
		out_eol(o);
		for (uint64_t i = 0; i < size; i += per) {
			uint64_t n = size - i < per ? size - i : per;

			for (uint64_t j = 0; j < n; j++) {
				unsigned v = c->chunk[i + j];
				const char *dig = cas < 6   ? up
				                  : cas < 9 ? lo
				                  : (j & 1) ? lo
				                            : up;

				line[2 * j] = dig[v >> 4];
				line[2 * j + 1] = dig[v & 15];
			}
			put_kw(c, o, r, "Hex");
			out_chr(o, ' ');
			out_mem(o, line, 2 * n);
			out_eol(o);
		}
	} else {
		char *fname = xfmt("A%07" PRIu64 ".%s", ord, file_ext(name));

		c->nexternal++;
		char *path = xfmt("%s/%s", c->files_dir, fname);
		FILE *f = fopen(path, "wb");

		if (!f)
			die("%s: %s", path, strerror(errno));
		for (uint64_t left = size; left;) {
			size_t n = left < CCM_CHUNK ? (size_t)left : CCM_CHUNK;

			fill_random(&dr, c->chunk, n);
			h = fnv1a(h, c->chunk, n);
			if (fwrite(c->chunk, 1, n, f) != n)
				die("%s: %s", path, strerror(errno));
			left -= n;
		}
		if (fclose(f))
			die("%s: %s", path, strerror(errno));
		if (rng_pm(r, 600)) {
			out_u64(o, size);
			out_eol(o);
		}
		put_kw(c, o, r, "Path");
		out_chr(o, ' ');
		if (po->quirks && rng_pm(r, 300))
			out_str(o, rng_pm(r, 500) ? "files" : "Files");
		else
			out_str(o, c->files_kw);
		out_chr(o, rng_pm(r, 700) ? '\\' : '/');
		out_str(o, fname);
		out_eol(o);
		free(path);
		free(fname);
	}

	if (c->truth) {
		struct ccm_out *t = c->truth;

		out_str(t, "att\t");
		out_str(t, po->rel);
		out_chr(t, '\t');
		out_str(t, owner);
		out_chr(t, '\t');
		out_u64(t, idx);
		out_chr(t, '\t');
		out_u64(t, k);
		out_chr(t, '\t');
		out_u64(t, size);
		out_chr(t, '\t');
		char hx[20];
		snprintf(hx, sizeof(hx), "%016" PRIx64, h);
		out_str(t, hx);
		out_chr(t, '\n');
	}
}

/* ------------------------------------------------------------------ */
/* messages */

static void gen_subject(struct ccm_ctx *c, struct ccm_rng *r, struct ccm_sb *b)
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

static void gen_message(struct ccm_ctx *c, struct ccm_out *o, const char *owner,
                        bool board, const char *board_name, uint64_t idx)
{
	const struct ccm_po *po = c->po;
	uint64_t g = c->msg_g++;
	unsigned nfile = shape_nfile(c->opt, po, g) + (g < po->extra);
	struct ccm_rng r;
	struct ccm_sb a = {0}, d = {0};
	const char *folder = NULL;
	bool outgoing = false, draft = false;

	rng_init(&r, c->opt->seed, TAG_MSG, po->idx, g);

	unsigned ntext;
	uint64_t v = rng_below(&r, 1000);
	if (v < 50)
		ntext = 0;
	else if (v < 650)
		ntext = 1;
	else if (v < 900)
		ntext = 2;
	else if (v < 970)
		ntext = 3;
	else
		ntext = 4;

	if (!board) {
		v = rng_below(&r, 1000);
		if (v < 380)
			folder = NULL;
		else if (v < 530)
			folder = "Inbox";
		else if (v < 680)
			folder = "Message Log";
		else if (v < 740)
			folder = "Drafts";
		else if (v < 790)
			folder = "Trash";
		else if (v < 810)
			folder = "Clipboard";
		else
			folder = PICK(&r, folders_custom);
		outgoing = folder && (!strcmp(folder, "Message Log") ||
		                      !strcmp(folder, "Drafts"));
		draft = folder && !strcmp(folder, "Drafts");
	}

	put_kw(c, o, &r, "Message");
	out_eol(o);
	if (rng_pm(&r, 300)) {
		out_u64(o, rng_below(&r, 100000));
		out_eol(o);
	}
	bool folder_late = rng_pm(&r, 150);
	if (folder && !folder_late)
		put_hdr(c, o, &r, "Folder", folder);

	/* From */
	if (outgoing) {
		a.n = 0;
		sb_str(&a, owner);
		if (rng_pm(&r, 200)) {
			sb_str(&a, " at ");
			sb_str(&a, po->name);
		}
		sb_chr(&a, '\0');
	} else {
		gen_addr(c, &r, false, &a);
	}
	put_hdr(c, o, &r, "From", a.p);

	d.n = 0;
	bool valid = gen_date(&r, po->order, '/', true, &d);
	sb_chr(&d, '\0');
	put_hdr(c, o, &r, "Date", d.p);

	if (board) {
		v = rng_below(&r, 1000);
		if (v < 850) {
			a.n = 0;
			sb_chr(&a, '#');
			sb_str(&a, board_name);
			if (v >= 700) {
				sb_str(&a, " at ");
				sb_str(&a, po->name);
			}
			sb_chr(&a, '\0');
			put_hdr(c, o, &r, "To", a.p);
		}
	} else {
		static const unsigned to_w[] = {50, 600, 200, 80, 40, 30};
		static const unsigned cc_w[] = {600, 200, 100, 50, 30, 20};
		static const unsigned bcc_w[] = {900, 60, 20, 10, 5, 5};
		static const char *const kws[] = {"To", "Cc", "Bcc"};
		const unsigned *ws[] = {to_w, cc_w, bcc_w};

		for (int k = 0; k < 3; k++) {
			unsigned n = 0;

			v = rng_below(&r, 1000);
			while (n < 5 && v >= ws[k][n])
				v -= ws[k][n++];
			for (unsigned i = 0; i < n; i++) {
				gen_addr(c, &r, true, &a);
				put_hdr(c, o, &r, kws[k], a.p);
			}
		}
	}

	gen_subject(c, &r, &a);
	put_hdr(c, o, &r, "Subject", a.p);
	if (folder && folder_late)
		put_hdr(c, o, &r, "Folder", folder);

	if (rng_pm(&r, 400)) {
		static const char *const pr[] = {"Urgent", "Normal", "Low"};

		put_hdr(c, o, &r, "Priority", PICK(&r, pr));
	}
	if (draft) {
		if (rng_pm(&r, 800))
			put_hdr(c, o, &r, "Status", "Draft");
	} else if (!board && rng_pm(&r, 15)) {
		put_hdr(c, o, &r, "Status", "Draft");
	} else if (rng_pm(&r, 700)) {
		put_hdr(c, o, &r, "Status",
		        rng_pm(&r, 500) ? "Read" : "Unread");
	}
	if (rng_pm(&r, 50))
		put_hdr(c, o, &r, "Receipt", "Yes");
	if (rng_pm(&r, 20)) {
		gen_addr(c, &r, false, &a);
		a.n--;
		sb_chr(&a, ' ');
		gen_date(&r, po->order, '/', false, &a);
		sb_chr(&a, '\0');
		put_hdr(c, o, &r, "RRT", a.p);
	}
	if (rng_pm(&r, 10)) {
		if (rng_pm(&r, 500))
			out_str(o, "X-Foo: bar");
		else
			out_str(o, "X-Original-PO: WEST");
		out_eol(o);
	}
	put_kw(c, o, &r, "Contents");
	out_eol(o);
	if (rng_pm(&r, 200)) {
		out_u64(o, rng_below(&r, 1000000));
		out_eol(o);
	}

	if (c->truth) {
		struct ccm_out *t = c->truth;

		out_str(t, "msg\t");
		out_str(t, po->rel);
		out_chr(t, '\t');
		out_str(t, owner);
		out_chr(t, '\t');
		out_u64(t, idx);
		out_chr(t, '\t');
		out_u64(t, ntext);
		out_chr(t, '\t');
		out_u64(t, nfile);
		out_chr(t, '\t');
		out_chr(t, valid ? '1' : '0');
		out_chr(t, '\n');
	}

	/* items, text and file interleaved at random */
	unsigned nt = ntext, nf = nfile, k = 0;
	while (nt + nf) {
		if (rng_below(&r, nt + nf) < nt) {
			gen_text_item(c, o, &r);
			nt--;
		} else {
			gen_file_item(c, o, &r, owner, idx, k++);
			nf--;
		}
	}
	free(a.p);
	free(d.p);
}

/* ------------------------------------------------------------------ */
/* files of the export folder */

static bool file_crlf(const struct ccm_opts *opt, const struct ccm_po *po,
                      uint64_t which)
{
	struct ccm_rng r;

	rng_init(&r, opt->seed, TAG_FILE, po->idx, which);
	return rng_pm(&r, 500);
}

static void write_po_ini(const struct ccm_opts *opt, const struct ccm_po *po)
{
	char *path = xfmt("%s/PO.INI", po->dir);
	struct ccm_out *o = out_open(path, file_crlf(opt, po, 0), false);

	if (po->quirks) {
		out_str(o, "[postoffice]");
		out_eol(o);
		out_str(o, "   ; a synthetic post office written by ccm-gen; "
		           "every name in it is made up");
		out_eol(o);
		out_str(o, "NAME = ");
		out_str(o, po->name);
		out_eol(o);
		out_str(o, "codepage= ");
		out_u64(o, opt->codepage);
		out_eol(o);
		out_str(o, "DateOrder =");
		out_str(o, order_names[po->order]);
		out_eol(o);
	} else {
		out_str(o, "[PostOffice]");
		out_eol(o);
		out_str(o, "; a synthetic post office written by ccm-gen; "
		           "every name in it is made up");
		out_eol(o);
		out_str(o, "Name=");
		out_str(o, po->name);
		out_eol(o);
		out_str(o, "CodePage=");
		out_u64(o, opt->codepage);
		out_eol(o);
		out_str(o, "DateOrder=");
		out_str(o, order_names[po->order]);
		out_eol(o);
	}
	out_close(o);
	free(path);
}

static void fan_of(const char *name, unsigned j, struct ccm_sb *b)
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

static void write_dir_entry(struct ccm_ctx *c, struct ccm_out *o,
                            struct ccm_rng *r, const char *name,
                            const char *loc, const char *addr,
                            const char *comment, const char *fan)
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

static void write_ccmdir(struct ccm_ctx *c)
{
	const struct ccm_po *po = c->po;
	char *path = xfmt("%s/CCMDIR.EXP", po->dir);
	struct ccm_out *o = out_open(path, file_crlf(c->opt, po, 1), po->fold);
	struct ccm_rng r;
	struct ccm_sb fan = {0}, addr = {0};

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

static void write_ccmlist(struct ccm_ctx *c)
{
	const struct ccm_po *po = c->po;
	char *path = xfmt("%s/CCMLIST.EXP", po->dir);
	struct ccm_out *o = out_open(path, file_crlf(c->opt, po, 2), po->fold);
	struct ccm_rng r;
	struct ccm_sb a = {0};

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

static void truth_mailbox(struct ccm_ctx *c, const char *name, uint64_t n)
{
	struct ccm_out *t = c->truth;

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

static void write_users(struct ccm_ctx *c, const char *users_dir)
{
	const struct ccm_po *po = c->po;
	struct ccm_sb a = {0};

	for (unsigned j = 0; j < po->nfile_users; j++) {
		struct ccm_rng r;
		char *path;

		rng_init(&r, c->opt->seed, TAG_USER, po->idx, j);
		if (po->quirks && rng_pm(&r, 300))
			path = xfmt("%s/u%04u.exp", users_dir, j + 1);
		else
			path = xfmt("%s/U%04u.EXP", users_dir, j + 1);
		struct ccm_out *o = out_open(path, rng_pm(&r, 500), po->fold);

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

static void write_ccmbb(struct ccm_ctx *c)
{
	const struct ccm_po *po = c->po;
	char *path = xfmt("%s/CCMBB.EXP", po->dir);
	struct ccm_out *o = out_open(path, file_crlf(c->opt, po, 3), po->fold);
	struct ccm_rng r;

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

static void check_outdir(const char *path)
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

static void write_po(const struct ccm_opts *opt, struct ccm_po *po,
                     struct ccm_out *truth)
{
	struct ccm_ctx c = {0};
	/* quirky post offices spell the folder names in lower case */
	const char *users_name = po->quirks ? "users" : "USERS";
	const char *files_name = po->quirks ? "Files" : "FILES";

	c.opt = opt;
	c.po = po;
	c.truth = truth;
	c.chunk = xmalloc(CCM_CHUNK);
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

/* ------------------------------------------------------------------ */
/* command line */

static void usage(FILE *f)
{
	fputs("usage: ccm-gen [options] OUTDIR\n"
	      "\n"
	      "Write a synthetic, deterministic Lotus cc:Mail post office "
	      "export (the\n"
	      "dialect of shared/spec/ccmail-export.md). Every name and "
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
	      "                      8-bit letters to ASCII\n"
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

static void parse_args(int argc, char **argv, struct ccm_opts *o)
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
	if (!o->outdir) {
		usage(stderr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct ccm_opts opt;
	struct ccm_out *truth = NULL;
	struct ccm_po *pos;
	const char **names;

	parse_args(argc, argv, &opt);
	fold_init();
	check_outdir(opt.outdir);

	pos = xcalloc(opt.pos, sizeof(*pos));
	names = xcalloc(opt.pos, sizeof(*names));
	unsigned width = 2;
	for (unsigned k = opt.pos; k >= 100; k /= 10)
		width++;
	for (unsigned i = 0; i < opt.pos; i++) {
		struct ccm_po *po = &pos[i];
		size_t n = NELEM(po_names);

		po->idx = i;
		if (opt.pos == 1) {
			po->rel = xfmt(".");
			po->dir = xfmt("%s", opt.outdir);
		} else {
			po->rel = xfmt("po%0*u", (int)width, i + 1);
			po->dir = xfmt("%s/%s", opt.outdir, po->rel);
		}
		if (i == 0 && opt.name) {
			po->name = xfmt("%s", opt.name);
		} else if (opt.pos == 1) {
			/* seed 1 gives SALES/EAST, the README's example */
			po->name = xfmt("%s", po_names[(opt.seed + 1) % n]);
		} else if (i < n) {
			po->name = xfmt("%s", po_names[i]);
		} else {
			po->name = xfmt("%s %u", po_names[i % n], i / n + 1);
		}
		po->quirks = opt.quirks || (i % 2 == 1);
		po->order = opt.date_order >= 0 ? opt.date_order
		            : opt.pos == 1      ? ORD_MDY
		                                : (int)(i % 3);
		names[i] = po->name;
	}
	/* fold names only after all were chosen (--name stays verbatim) */
	for (unsigned i = 0; i < opt.pos; i++) {
		bool dbcs = opt.codepage == 932 || opt.codepage == 936 ||
		            opt.codepage == 949 || opt.codepage == 950;

		if (dbcs && !(i == 0 && opt.name))
			fold_hi(pos[i].name, strlen(pos[i].name));
	}

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
