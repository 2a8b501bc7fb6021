/*
 * ccmailfs: the public interface of the core library.
 *
 * A source (one Lotus EXPORT folder, or a folder of them) is scanned once
 * into an immutable index. The index presents a two-level tree: one folder
 * per post office, each holding the Exchange migration files. Every file
 * has an exact size before any byte of it is produced, and any range of it
 * can be rendered on demand. All functions taking a const ccm_source are
 * safe to call from several threads at once.
 */
#ifndef CCM_CCMAILFS_H
#define CCM_CCMAILFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ccmailfs/err.h"

#define CCM_VERSION "0.1.0"

/* Date orders of PO.INI's DateOrder. */
enum ccm_date_order {
	CCM_DATE_DEFAULT = 0, /* as PO.INI says (MDY when it says nothing) */
	CCM_DATE_MDY,
	CCM_DATE_DMY,
	CCM_DATE_YMD,
};

/*
 * Reads a date order, "MDY", "DMY" or "YMD" without regard to case, from
 * the n bytes at s. false (and *order unchanged) for anything else.
 */
bool ccm_date_order_parse(const char *s, size_t n, enum ccm_date_order *order);
/* "MDY", "DMY" or "YMD" (DEFAULT reads as MDY); a static string. */
const char *ccm_date_order_name(enum ccm_date_order order);

/* The bounds of ccm_options.sec_split, in bytes: a SEC file holds at least
 * its 50-byte column header, and the import tools read no file past 2^31-1
 * bytes, which is also the default. */
#define CCM_SEC_SPLIT_MIN 64
#define CCM_SEC_SPLIT_MAX 2147483647
#define CCM_SEC_SPLIT_DEFAULT CCM_SEC_SPLIT_MAX
/* A number macro as a string literal, for help texts. */
#define CCM_STRINGIFY(x) CCM_STRINGIFY_(x)
#define CCM_STRINGIFY_(x) #x

/* What a mount shows of each post office (-o view=). */
enum ccm_view {
	CCM_VIEW_IFF = 0, /* the Exchange migration files (the default) */
	CCM_VIEW_MAILDIR, /* each mailbox a Maildir (Dovecot LAYOUT=fs) */
	CCM_VIEW_EML,     /* each message an .eml file */
};

/* Reads a view name, "iff", "maildir" or "eml" (exactly); false (and
 * *view unchanged) for anything else. */
bool ccm_view_parse(const char *s, enum ccm_view *view);
/* The name of a view; a static string. */
const char *ccm_view_name(enum ccm_view view);

struct ccm_options {
	/* Output code page; 0: 1252, but double-byte post offices keep
	 * their own page. */
	unsigned out_codepage;
	/* Post office folder names in DOS 8.3 form (at most 8 characters). */
	bool dos83;
	/* Largest SEC file in bytes, CCM_SEC_SPLIT_MIN to CCM_SEC_SPLIT_MAX;
	 * 0: CCM_SEC_SPLIT_DEFAULT. */
	uint64_t sec_split;
	/* Forces the date order of every post office when not DEFAULT. */
	enum ccm_date_order date_order;
	/* What each post office's folder shows. */
	enum ccm_view view;
	/* Mail views: the zone of Date: headers, an IANA name or +hhmm /
	 * -hhmm; NULL: -0000 (local time, zone unknown). */
	const char *tz;
	/* Mail views: a CSV file of cc:Mail names and Internet addresses;
	 * NULL: none. */
	const char *addrmap;
	/* The folder of the persistent index (a cache file per source, see
	 * README.md); NULL: no cache, every open scans. */
	const char *cache_dir;
	/* With cache_dir: after a scan, ccm_source_open leaves the index file
	 * to ccm_source_keep_index (a mount then serves while it is written)
	 * instead of writing it before it returns. */
	bool cache_later;
	/* Called with one line (no line end) for each condition worth telling
	 * the operator at scan time; may be NULL. */
	void (*notice)(void *ctx, const char *line);
	void *notice_ctx;
};

typedef struct ccm_source ccm_source;

/*
 * Indexes and lifetimes. A post office is named by its index po, valid
 * from 0 to ccm_source_po_count() - 1; a file by its index file, valid
 * from 0 to ccm_po_file_count(po) - 1. Both are fixed when
 * ccm_source_open returns and stay valid, naming the same post office and
 * file, until ccm_source_close. ccm_file_read and ccm_file_span return
 * CCM_ERR_NOENT for an index out of range; the other functions do not
 * check (ccm_po_lookup and ccm_file_lookup give valid ones). Strings
 * returned (folder and file names) belong to the source and live as long
 * as it.
 */

/*
 * Scans SOURCE with opts (copied; opts->notice is called during the scan,
 * and by ccm_source_keep_index). On success *out is the source, which the
 * caller closes with ccm_source_close. On failure returns an error and, when
 * msg is not NULL, writes a sentence for the operator into msg (at most msgsz
 * bytes).
 */
ccm_err ccm_source_open(const char *path, const struct ccm_options *opts,
                        ccm_source **out, char *msg, size_t msgsz);

/*
 * Writes the index file that ccm_source_open owes after a scan with
 * opts->cache_later (its options key was made when the source was
 * opened); does nothing when none is owed, or the second time. May run
 * on a thread of its own while reads go on; ccm_source_close must wait
 * until it returns. A failure is a notice (opts->notice).
 */
void ccm_source_keep_index(ccm_source *src);
void ccm_source_close(ccm_source *src);

/* Post offices, in the order of their folder names. */
size_t ccm_source_po_count(const ccm_source *src);
const char *ccm_po_folder(const ccm_source *src, size_t po);
/* The newest mtime of the post office's export files. */
struct timespec ccm_po_mtime(const ccm_source *src, size_t po);
/* Finds a post office by folder name (exact, case-sensitive). */
ccm_err ccm_po_lookup(const ccm_source *src, const char *name, size_t *po);

/* The migration files of a post office (the IFF layout, whatever the
 * view shows), in listing order. */
size_t ccm_po_file_count(const ccm_source *src, size_t po);
const char *ccm_file_name(const ccm_source *src, size_t po, size_t file);
uint64_t ccm_file_size(const ccm_source *src, size_t po, size_t file);
ccm_err ccm_file_lookup(const ccm_source *src, size_t po, const char *name,
                        size_t *file);

/*
 * Renders bytes [off, off + len) of a file into buf. *got is len, or less
 * only at the end of the file. Cost: O(log n + len). CCM_ERR_CHANGED when
 * a source file it read from is no longer, after the read, the file the
 * scan saw (same device, inode, size, mtime and ctime, by its path): buf
 * then holds nothing to use.
 */
ccm_err ccm_file_read(const ccm_source *src, size_t po, size_t file,
                      uint64_t off, size_t len, void *buf, size_t *got);

/*
 * After ccm_file_read or ccm_file_span returned CCM_ERR_CHANGED on this
 * thread: the absolute path of the source file that is no longer the one
 * the scan saw, or NULL when none can be named. Valid until the next read
 * on this thread or ccm_source_close.
 */
const char *ccm_read_changed_path(const ccm_source *src);

/* One range of an attachment file, lent by ccm_file_span. */
struct ccm_span {
	int fd;       /* open on the attachment file: never to be closed */
	uint64_t off; /* where the range starts in it */
	uint32_t src; /* private: the source file lent */
};

/*
 * When bytes [off, off + len) of a file are, unchanged, one range of an
 * attachment file of the export, lends the descriptor ccmailfs keeps for
 * that file: sp->fd at sp->off holds them until ccm_span_end, which must
 * follow every success as soon as the bytes are moved (the descriptor's
 * slot is held until then: a file sharing it waits). Reads must not move
 * its file position (pread, splice or copy_file_range with an offset).
 * CCM_ERR_NOENT otherwise, and always for a file on a writable file
 * system (a splice cannot be checked after the read: render.c). Lets a
 * caller move attachment data without copying it through memory
 * (splice), and without an open or close per read.
 */
ccm_err ccm_file_span(const ccm_source *src, size_t po, size_t file,
                      uint64_t off, size_t len, struct ccm_span *sp);
void ccm_span_end(const ccm_source *src, const struct ccm_span *sp);

/*
 * The tree a post office's folder shows, as ccm_options.view chose it.
 * Its nodes are numbered from 0, the folder itself, to
 * ccm_po_node_count() - 1; the numbers are fixed, like po, until
 * ccm_source_close. In the IFF view node f + 1 is file f above; the mail
 * views nest mailboxes and folders. A folder's sub-folders come before
 * its files in listing order.
 */
size_t ccm_po_node_count(const ccm_source *src, size_t po);

struct ccm_node_info {
	const char *name; /* lives as long as the source */
	bool dir;
	bool has_subdirs;      /* folders: some child is a folder */
	uint64_t size;         /* files */
	struct timespec mtime; /* the message's date, or the post office's */
	size_t parent;         /* node 0: 0 */
	size_t nchild;         /* folders */
};
void ccm_node_info(const ccm_source *src, size_t po, size_t node,
                   struct ccm_node_info *info);
/* The k-th entry (k < nchild) of folder node, in listing order. */
size_t ccm_node_child(const ccm_source *src, size_t po, size_t node, size_t k);
/* Finds an entry of folder dir by name (exact); CCM_ERR_NOENT when none
 * (or when dir is a file). */
ccm_err ccm_node_lookup(const ccm_source *src, size_t po, size_t dir,
                        const char *name, size_t *node);
/* ccm_file_read and ccm_file_span for a node; CCM_ERR_NOENT for a folder
 * or a node out of range. A span is ended with ccm_span_end. */
ccm_err ccm_node_read(const ccm_source *src, size_t po, size_t node,
                      uint64_t off, size_t len, void *buf, size_t *got);
ccm_err ccm_node_span(const ccm_source *src, size_t po, size_t node,
                      uint64_t off, size_t len, struct ccm_span *sp);

/* Counts for a post office, as REPORT.TXT gives them. */
struct ccm_po_stats {
	uint64_t mailboxes, messages, attachments, bytes, lists, boards;
	uint64_t warnings, left_out;
};
void ccm_po_stats(const ccm_source *src, size_t po, struct ccm_po_stats *st);

#endif
