/*
 * Synthetic post offices from ccm-gen (tests/gen), checked three ways:
 *
 * - against themselves: every file reads whole at its announced size, in
 *   any chunking and any range, from several threads at once;
 * - against the output spec: PKL order, Body pointers, every SEC file
 *   walked section by section;
 * - against the generator's ground truth (--truth) and an independent
 *   reading of the export written here: counts, which message is in which
 *   row, each Body's exact bytes, each attachment's size and FNV-1a hash.
 *
 * The truth file has tab-separated lines (see tests/gen/gen.h):
 *   po       rel name users messages attachments boards lists
 *   mailbox  rel name messages
 *   msg      rel owner idx ntext nfile date-valid
 *   att      rel owner idx k size fnv1a-hex
 * where owner is a mailbox name, or "#board" for a bulletin board
 * message, and idx counts the owner's messages from 0 in source order.
 */
#ifndef CCM_TESTS_UNIT_GENERATED_GEN_H
#define CCM_TESTS_UNIT_GENERATED_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tl.h"

/* A corpus written by ccm-gen: its folder, export, truth file, source. */
struct corpus {
	char *dir, *exp, *truth;
	ccm_source *src;
};
extern struct corpus C;

/* Every file of a post office, read whole once. */
struct ofile {
	const char *name;
	char *data;
	size_t n;
};

struct opo {
	size_t po;
	struct ofile *f;
	size_t nf;
};

struct t_att {
	uint64_t size, hash;
};

struct t_msg {
	char *owner;
	uint64_t idx;
	unsigned ntext, nfile;
	bool valid;
	struct t_att att[8];
	unsigned natt;
};

struct t_mbx {
	char *name;
	uint64_t count;
};

struct t_po {
	char *rel, *name;
	uint64_t nusers, nmsg, natt, nboards, nlists;
	struct t_mbx *mbx;
	size_t nmbx;
	struct t_msg *msg;
	size_t nm;
};

struct truth {
	struct t_po *po;
	size_t npo;
};

/* A message as read here: owner, items, and the Body it must give. */
struct s_msg {
	char *owner;
	uint64_t idx;
	unsigned ntext, nfile;
	char *body;
	size_t bn, bcap;
	bool pending; /* a text item came before: the next one is joined */
	bool eol;     /* the last text item ended with CR LF */
	uint64_t pos[8];
};

struct s_list {
	struct s_msg *m;
	size_t n;
};

struct reader {
	const char *d;
	size_t n, p;
	bool boards;
};

struct reader_arg {
	const struct opo *o;
	size_t npo;
	uint64_t seed;
	int bad;
};

/* corpus.c: the three corpora, made afresh for each test, and the tests */
/* Reads every file of post office po of C.src whole, in chunks of chunk. */
void load(size_t po, struct opo *o, size_t chunk);
/* Frees what load read. */
void unload(struct opo *o);
/* The file of that name, or NULL. */
const struct ofile *ofind(const struct opo *o, const char *name);

/* truth.c: ccm-gen's ground truth (--truth) read */
/* Reads C.truth into t (freed by free_truth). */
void read_truth(struct truth *t);
void free_truth(struct truth *t);

/* reader.c: an independent reading of the export, cp850 made cp1252 */
/* Fills the cp850 to cp1252 table that conv uses. */
void cp_init(void);
/* A cp850 string in cp1252, malloc'd. */
char *conv(const char *s);
/* Reads every mailbox file and the boards of one export folder. */
void read_export(const char *dir, struct s_list *out);
void free_list(struct s_list *l);
/* The message idx of owner, or NULL. */
const struct s_msg *s_find(const struct s_list *l, const char *owner,
                           uint64_t idx);

/* mapping.c: the ground truth mapped onto the output rows */
/* Field k of a CSV line, unquoted. */
char *fld(const char *line, size_t n, size_t k);
/* The output of C.src against the truth and the reading of the export. */
void matches_truth(void);

/* checks.c: checks that need no truth (sizes, ranges, SEC, PKL, threads) */
/* Whole reads in odd chunks equal one read of the whole file. */
void sizes_and_chunks(void);
/* Reads at random offsets and lengths equal the whole file's bytes. */
void random_ranges(void);
/*
 * Every SEC file walked section by section ends exactly at its size; a
 * message is a Body then its attachments, only the last with Islast TRUE;
 * no Body holds a lone CR or LF; and the messages' first sections are
 * exactly the Body pointers of the PRI rows.
 */
void sec_walk_and_pointers(void);
/*
 * The PKL (iff-output §4): the code page, a blank line, the header, then
 * DIRECTORY.PRI, then each PRI followed by the SEC files its rows point
 * into; every file but the PKL and REPORT.TXT listed once.
 */
void pkl_lists_every_file(void);
/* Several threads reading at once get the same bytes (ccmailfs.h). */
void threads(void);
/* Folder names are unique without regard to case (spec §2 step 6). */
void folders_unique(void);
/* Opens the corpus again with other options. */
void reopen(const struct ccm_options *o);
/*
 * A split size of 100 KiB: every SEC file stays within it, a PRI's
 * messages spread over several SEC files, and the structure holds.
 */
void sec_split(void);
/* Folders in the order of their names (ccmailfs.h), unique. */
void folder_order(void);

#endif
