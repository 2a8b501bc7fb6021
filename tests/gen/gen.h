/*
 * ccm-gen: a deterministic generator of synthetic Lotus cc:Mail post office
 * exports, in the dialect that core/README.md describes, with an optional
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
 *   keyword-looking lines, LF-only and lone-CR line ends, 8-bit cp850 bytes
 *   (double-byte pages: user and attachment names with characters whose
 *   trail byte is '@', '\', '|' or a letter, see dbcs.c),
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
#ifndef CCM_TESTS_GEN_GEN_H
#define CCM_TESTS_GEN_GEN_H

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

#include "fnv.h"
#include "rng.h"

#define GEN_OUTBUF (1u << 16)
#define GEN_CHUNK (1u << 20)
/* attachments above this size are always external: hex would double them */
#define GEN_HEX_MAX (1u << 20)
/*
 * Creating a file costs far more than writing a few bytes of hex, so once a
 * post office has this many external attachments, small ones are nearly
 * always inline (a million messages would otherwise mean 10^5 tiny files).
 */
#define GEN_EXT_SOFT_MAX 4000

enum { ORD_MDY, ORD_DMY, ORD_YMD };

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

struct gen_opts {
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

#define PICK(r, arr) ((arr)[tl_rng_below((r), sizeof(arr) / sizeof((arr)[0]))])
#define NELEM(arr) (sizeof(arr) / sizeof((arr)[0]))

/* A growable byte string (util.c). */
struct gen_sb {
	char *p;
	size_t n, cap;
};

/* An output file, buffered (out.c). */
struct gen_out {
	FILE *f;
	char *path;
	const char *eol;
	size_t eol_len;
	bool fold;
	size_t n;
	unsigned char buf[GEN_OUTBUF];
};

/* A post office: its plan (plan.c), then what is written of it. */
struct gen_po {
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

/* What writing one post office needs (export.c and below). */
struct gen_ctx {
	const struct gen_opts *opt;
	struct gen_po *po;
	struct gen_out *truth;
	char *files_dir;
	const char *files_kw; /* name of FILES as written in Path: lines */

	/* attachment sizes, assigned in order of appearance */
	struct tl_rng size_rng;
	uint64_t att_ord;
	uint64_t big_j, next_big;
	uint64_t big_left, big_cnt;
	uint64_t small_left, small_cnt;
	uint64_t zero_pos;   /* the one deliberately empty attachment */
	uint64_t noname_pos; /* one deliberately nameless (ATTACHnn.DAT) */
	uint64_t nexternal;

	uint64_t msg_g;
	struct gen_sb text;
	unsigned char *chunk;
};

/* "MDY", "DMY", "YMD", by ORD_* (export.c). */
extern const char *const order_names[3];

/* util.c: errors, allocation, byte strings, random streams and name helpers */
void die(const char *fmt, ...);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
char *xfmt(const char *fmt, ...);
void rng_init(struct tl_rng *r, uint64_t seed, uint64_t tag, uint64_t a,
              uint64_t b);
unsigned rng_int(struct tl_rng *r, unsigned lo, unsigned hi);
bool rng_pm(struct tl_rng *r, unsigned pm);
void fill_random(struct tl_rng *r, unsigned char *p, size_t n);
void sb_mem(struct gen_sb *b, const void *p, size_t n);
void sb_str(struct gen_sb *b, const char *s);
void sb_chr(struct gen_sb *b, char c);
bool ci_eq(const char *a, const char *b);
/* qsort order of strings, ASCII case ignored. */
int ci_cmp(const void *pa, const void *pb);
void shuffle_ptrs(struct tl_rng *r, const char **v, size_t n);
const char **concat_tables(const char *const *a, size_t na,
                           const char *const *b, size_t nb, size_t *n);

/* dbcs.c: names of double-byte characters for the double-byte pages.
 * dbcs_init(page) chooses the page's names (none for another page);
 * dbcs_len gives 2 at a pair the fold keeps, else 1; dbcs_given(k) is a
 * given name to add (NULL: none); dbcs_file draws, pm per mille of the
 * time, an attachment name (NULL otherwise, and then draws nothing
 * for another page). */
void dbcs_init(unsigned cp);
size_t dbcs_len(const unsigned char *p, size_t n);
const char *dbcs_given(unsigned k);
const char *dbcs_file(struct tl_rng *r, unsigned pm);

/* out.c: buffered output files, with 8-bit letters folded for DBCS code pages
 */
void fold_init(void);
void fold_hi(char *p, size_t n);
struct gen_out *out_open(const char *path, bool crlf, bool fold);
void out_close(struct gen_out *o);
void out_mem(struct gen_out *o, const void *p, size_t n);
void out_str(struct gen_out *o, const char *s);
void out_chr(struct gen_out *o, char c);
void out_u64(struct gen_out *o, uint64_t v);
void out_eol(struct gen_out *o);
/* The start of a truth line of a message or attachment: "kind rel owner
 * idx " (tab-separated, a tab last). */
void truth_head(struct gen_out *t, const char *kind, const char *rel,
                const char *owner, uint64_t idx);

/* plan.c: the plan of a post office: its users, boards, lists and counts */
unsigned shape_nfile(const struct gen_opts *opt, const struct gen_po *po,
                     uint64_t g);
void plan_po(const struct gen_opts *opt, struct gen_po *po,
             const char *const *sibling_names);

/* text.c: dates and the text items of messages */
bool gen_date(struct tl_rng *r, int order, char sep, bool invalid_ok,
              struct gen_sb *b);
void gen_words(struct tl_rng *r, struct gen_sb *b, size_t target);
void gen_text_item(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r);

/* attach.c: attachments: their sizes, names and bytes (inline or external) */
void sizes_init(struct gen_ctx *c);
void gen_file_item(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
                   const char *owner, uint64_t idx, unsigned k);

/* message.c: message headers and whole messages */
void put_kw(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
            const char *kw);
void put_hdr(struct gen_ctx *c, struct gen_out *o, struct tl_rng *r,
             const char *kw, const char *val);
void gen_addr(struct gen_ctx *c, struct tl_rng *r, bool boards,
              struct gen_sb *b);
void gen_message(struct gen_ctx *c, struct gen_out *o, const char *owner,
                 bool board, const char *board_name, uint64_t idx);

/* export.c: the files of an export folder (PO.INI, CCMDIR, CCMLIST, mailboxes,
 * CCMBB) */
void check_outdir(const char *path);
void write_po(const struct gen_opts *opt, struct gen_po *po,
              struct gen_out *truth);

#endif
