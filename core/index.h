/*
 * The index: what one scan of a source learns, kept until unmount.
 *
 * Memory is the point of this layout. A message costs one ccm_msg (40
 * bytes) and one ccm_item per text or file item (24 bytes); no header
 * field, body or attachment is kept. What a PRI row or a SEC section header
 * needs is read again from the source (the message header is a byte range
 * of its .EXP file) and rendered the same way the scan measured it, so the
 * sizes known at scan time are the sizes the reads fill.
 *
 * Everything here is written by the scan and the layout, then only read
 * (but for the descriptor slots, which srcio.c keeps). This header holds
 * data only; the functions that fill and read it have headers of their
 * own (see the layering in core/meson.build).
 */
#ifndef CCM_INDEX_H
#define CCM_INDEX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "ccmailfs/ccmailfs.h"
#include "codepage.h"
#include "diag.h"
#include "names.h"
#include "srcfile.h"

#define CCM_NONE UINT32_MAX

enum ccm_item_kind {
	CCM_ITEM_TEXT = 0,
	CCM_ITEM_HEX = 1,
	CCM_ITEM_EXT = 2,
};

/*
 * TEXT: src_off/src_len are the item's bytes in the message's file,
 *       out_len their length once line ends and code page are converted;
 *       aux holds CCM_TEXT_EOL when they end with a line end.
 * HEX:  src_off/src_len span the Hex: lines; aux is how far before src_off
 *       the File item: line starts; out_len is the decoded size.
 * EXT:  src_off/src_len are the File item: line in the message's file;
 *       file is the external file; out_len its size.
 *
 * 24 bytes, most of an index file with the messages: out_len is below
 * CCM_ITEM_OUT_MAX (an item that would be longer is left out by the scan,
 * with a warning; no SEC file could hold it, CCM_SEC_SPLIT_MAX being
 * less), and file (EXT) shares its bits with aux (TEXT and HEX), below
 * CCM_ITEM_ARG_MAX (a larger file number is refused the same way).
 */
#define CCM_ITEM_OUT_MAX UINT32_MAX
#define CCM_ITEM_ARG_MAX ((UINT32_C(1) << 30) - 1)
struct ccm_item {
	uint64_t src_off;
	uint64_t src_len;
	uint32_t out_len;
	union {
		struct {
			uint32_t file : 30; /* EXT */
			uint32_t kind : 2;
		};
		struct {
			uint32_t aux : 30; /* TEXT and HEX */
			uint32_t : 2;
		};
	};
};

/* A point to resume rendering an item from: out is the output offset
 * reached after src bytes; prev_cr tells that the byte before was a CR. */
struct ccm_seekpt {
	uint64_t src;
	uint64_t out : 63;
	uint64_t prev_cr : 1;
};

/* Items with seek points, sorted by item. */
struct ccm_seekidx {
	uint32_t item;
	uint32_t first, count;
};

/* Distance between seek points, in output bytes (the fuzz build sets a
 * small one). */
#ifndef CCM_SEEK_STEP
#define CCM_SEEK_STEP ((uint64_t)16 * 1024)
#endif

enum {
	CCM_MSG_DROPPED = 1, /* left out: no row and no sections */
	CCM_MSG_BOARD = 2,   /* a bulletin board message */
	CCM_MSG_PLAN = 4,    /* a long header: its row is a plan (rowplan.c) */
};

/* A header longer than this has its row planned at scan time. */
#define CCM_PLAN_MIN ((uint32_t)64 * 1024)

/*
 * One piece of a planned row: lit bytes kept in the arena (lit non-NULL,
 * len of them), or len bytes of the message's file at src, converted as
 * one-line text at render time and, when quoted, with every " doubled.
 * out is its offset in the row, out_len its length there.
 */
struct ccm_rowpiece {
	uint64_t out, src;
	const char *lit;
	uint32_t len, out_len;
	bool quoted;
};

/* The planned row of the message whose header is at hdr_off of file:
 * pieces [piece0, piece0 + npieces). Sorted by file, then hdr_off. */
struct ccm_rowplan {
	uint64_t hdr_off;
	uint32_t file, piece0, npieces;
};

/*
 * 40 bytes. Offsets in an export file or a PRI file are below
 * CCM_OFF_MAX (256 TiB); sec_off, once the layout set it, is inside a SEC
 * file (at most CCM_SEC_SPLIT_MAX bytes), and before, the sections'
 * length, which the scan keeps below 4 GiB (a longer message is left out
 * with a warning; no SEC file could hold it).
 */
#define CCM_OFF_MAX ((UINT64_C(1) << 48) - 1)
struct ccm_msg {
	uint64_t hdr_off : 48; /* the Message: line */
	uint64_t nitems : 16;
	uint64_t pri_off : 48; /* its row in its PRI file */
	uint64_t flags : 16;
	uint32_t sec_off; /* its first section in its SEC file */
	uint32_t hdr_len; /* up to and with the Contents: line */
	uint32_t row_len; /* the whole row with its line end */
	uint32_t file;
	uint32_t item0;
	uint32_t line; /* of the Message: line */
};

/* A text that also lives in the arena: bytes in the post office page. */
struct ccm_str {
	const char *s;
	size_t n;
};

struct ccm_list {
	struct ccm_str name, comment;
	char *alias;         /* public lists only */
	uint32_t mem0, nmem; /* into ccm_po.members */
};

struct ccm_dirent {
	struct ccm_str name, comment;
	char loc;
};

struct ccm_mailbox {
	struct ccm_str name, comment;
	char *alias;
	uint32_t file;          /* its .EXP file, or CCM_NONE */
	uint32_t msg0, nmsg;    /* its messages */
	uint32_t list0, nlists; /* its private lists, into ccm_po.plists */
	struct ccm_str prefix;  /* its PRI up to the first row */
};

struct ccm_board {
	struct ccm_str name, comment;
	uint32_t msg0, nmsg;
};

enum ccm_ofile_kind {
	CCM_OF_PKL,
	CCM_OF_DIR,
	CCM_OF_MBX,    /* arg: mailbox */
	CCM_OF_BOARDS, /* the bulletin board PRI */
	CCM_OF_SEC,    /* arg: index into ccm_po.secs */
	CCM_OF_REPORT,
};

struct ccm_ofile {
	char name[CCM_FOLDER_MAX + 8];
	uint64_t size;
	enum ccm_ofile_kind kind;
	uint32_t arg;
};

/*
 * The tree of a post office's folder, as the view shows it (view.c).
 * Node 0 is the folder itself. A folder's children are the nodes
 * [child0, child0 + nchild), in listing order, sub-folders before files
 * (ccm_node_info's has_subdirs looks at the first); by_name[child0 ..
 * child0 + nchild) holds the same node numbers sorted by name (strcmp),
 * for lookup. A file node is an output file (FILE: arg indexes
 * ccm_po.files) or one message in a mail view (MAIL: arg is the message,
 * size its mail form's length). A name is an offset into po->names,
 * where it ends with a NUL (ccm_node_name), so that the array holds no
 * pointer and is used in place from the index file (cache_table.c).
 * nodes.h builds them (ccm_nodes_add, then ccm_nodes_sort).
 */
enum ccm_node_kind {
	CCM_NODE_DIR = 0,
	CCM_NODE_FILE = 1,
	CCM_NODE_MAIL = 2,
};

struct ccm_node {
	uint32_t name;   /* offset in ccm_po.names */
	uint64_t size;   /* files */
	int64_t mtime;   /* seconds; 0: the post office's mtime */
	uint32_t parent; /* node 0: itself */
	uint32_t child0; /* folders */
	uint32_t nchild; /* folders */
	uint32_t arg : 30;
	uint32_t kind : 2;
};

/* A SEC file: messages [msg0, msg1) of the post office, size bytes. */
struct ccm_sec {
	uint32_t msg0, msg1;
	uint64_t size;
};

struct ccm_po {
	struct ccm_source *src;
	char *dir; /* the export folder, absolute */
	struct ccm_str name;
	unsigned src_cp, out_cp;
	enum ccm_date_order date_order;
	struct ccm_cp cp;
	char folder[CCM_FOLDER_MAX + 1];
	unsigned why;
	struct timespec mtime;
	uint32_t file0, file1; /* its source files */

	CCM_ARRAY(struct ccm_dirent) dir_entries;
	CCM_ARRAY(struct ccm_mailbox) mailboxes;
	CCM_ARRAY(struct ccm_list) lists;  /* public */
	CCM_ARRAY(struct ccm_list) plists; /* private */
	CCM_ARRAY(struct ccm_str) members;
	CCM_ARRAY(struct ccm_board) boards;
	CCM_ARRAY(struct ccm_msg) msgs;
	CCM_ARRAY(struct ccm_item) items;
	CCM_ARRAY(struct ccm_seekpt) seekpts;
	CCM_ARRAY(struct ccm_seekidx) seekidx;
	CCM_ARRAY(struct ccm_rowpiece) pieces;
	CCM_ARRAY(struct ccm_rowplan) plans;

	CCM_ARRAY(struct ccm_sec) secs;
	CCM_ARRAY(struct ccm_ofile) files;
	uint32_t *by_name;                /* files sorted by name */
	CCM_ARRAY(struct ccm_node) nodes; /* the folder's tree (view.c) */
	CCM_ARRAY(char) names;            /* the nodes' names */
	uint32_t *node_by_name;           /* see struct ccm_node */
	uint32_t *sec_by_msg;             /* secs sorted by first message */
	struct ccm_str pkl, directory, report, boards_prefix;
	uint32_t boards_msg0, boards_msg1;

	/* Names, and items (headers, text items, attachment names), that
	 * hold characters the output page lacks (spec §3, lossy). */
	uint64_t lost_names, lost_items;

	struct ccm_mailidx *mail;  /* the mail views' index (mail.c) */
	struct ccm_log log;        /* warnings of the scan and layout */
	struct ccm_dircache *dirs; /* listings of folders, during the scan */
	/* A part of a parallel scan: the post office whose listings it
	 * shares and into which it is merged (scan_par.c); else NULL. */
	struct ccm_po *parent;
	struct ccm_feed *feed; /* the block reader, during the scan */
	struct ccm_po_stats stats;
};

/* Cached descriptors of source files, shared by all threads: a slot's
 * descriptor is used under its read lock, replaced under its write lock. */
#define CCM_FD_SLOTS 64
struct ccm_fdslot {
	pthread_rwlock_t lock;
	uint32_t file;
	int fd;
};

struct ccm_source {
	struct ccm_options opts;
	struct ccm_po **pos;
	size_t npo;
	CCM_ARRAY(struct ccm_srcfile) files;
	CCM_ARRAY(struct ccm_srcdir) dirs; /* the folders the scan listed */
	bool dirs_lost; /* a folder could not be recorded: keep no index */
	bool any_rofs;  /* some file is on an unchanging one (splice) */
	/* During the scan: whether file system fs_dev is unchanging
	 * (ccm_fs_unchanging), once fs_known. */
	bool fs_known, fs_ro;
	uint64_t fs_dev;
	struct ccm_mailcfg *mail; /* tz and addrmap of the mail views */
	struct ccm_arena arena;
	/* Apart from the source: reads change the slots of a const source. */
	struct ccm_fdslot *fds; /* CCM_FD_SLOTS of them */
	/* Unique to this open source in this process, never 0: what the
	 * reader's per-thread memo is keyed by (reader.c). */
	uint64_t stamp;
	/* The index file the arrays were loaded from (cache_load.c), mapped
	 * read-only: arrays inside it are never freed, never written. */
	const char *map;
	size_t map_len;
	/* While an index file is owed (scanned, with a cache folder): the
	 * source's real folder and the options key, made at open, before
	 * the scan read the zone and map files the key sums. */
	char *cache_root;
	struct ccm_buf cache_key;
};

#endif
