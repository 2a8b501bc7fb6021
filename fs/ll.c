/*
 * Low-level FUSE operations.
 *
 * Inode numbers are derived from the index, so there is no inode table
 * and forget costs nothing: the root is FUSE_ROOT_ID; node k of post
 * office po's tree (node 0 its folder) is ((po + 1) << 32) | k.
 * The index never changes while mounted, so every timeout is long, pages
 * stay cached across opens (keep_cache) and so do directory listings
 * (cache_readdir); a lookup that finds nothing is cached too (ino 0).
 *
 * The mount is read-only twice over: mounted "ro", and every operation
 * that would change something answers EROFS should it ever arrive
 * (ll_ro.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "cli.h"
#include "ll.h"

#define TIMEOUT (365.0 * 24 * 3600)
#define BLKSIZE 131072
#define SPLICE_MIN 65536

static struct ccm_ll *ll_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

enum node_kind { NODE_ROOT, NODE_DIR, NODE_FILE, NODE_BAD };

/* An inode number read back: the root, or node of post office po. */
struct node {
	enum node_kind kind;
	size_t po, node;
};

static struct node decode(const struct ccm_ll *ll, fuse_ino_t ino)
{
	struct node n = {NODE_BAD, 0, 0};
	if (ino == FUSE_ROOT_ID) {
		n.kind = NODE_ROOT;
		return n;
	}
	uint64_t hi = (uint64_t)ino >> 32, lo = (uint64_t)ino & 0xffffffffu;
	if (!hi || hi > ccm_source_po_count(ll->src))
		return n;
	n.po = (size_t)(hi - 1);
	if (lo >= ccm_po_node_count(ll->src, n.po))
		return n;
	n.node = (size_t)lo;
	struct ccm_node_info info;
	ccm_node_info(ll->src, n.po, n.node, &info);
	n.kind = info.dir ? NODE_DIR : NODE_FILE;
	return n;
}

static fuse_ino_t encode(size_t po, size_t node)
{
	return (fuse_ino_t)(((uint64_t)po + 1) << 32 | (uint64_t)node);
}

/*
 * "FOLDER/dir/name" of a node, for the log; cut short (with "...") when
 * it does not fit.
 */
static const char *node_path(const struct ccm_ll *ll, struct node n, char *out,
                             size_t size)
{
	const char *part[64];
	size_t k = 0;
	struct ccm_node_info info;
	for (size_t at = n.node; at && k < 64; at = info.parent) {
		ccm_node_info(ll->src, n.po, at, &info);
		part[k++] = info.name;
	}
	size_t used =
	        (size_t)snprintf(out, size, "%s", ccm_po_folder(ll->src, n.po));
	while (k && used < size)
		used += (size_t)snprintf(out + used, size - used, "/%s",
		                         part[--k]);
	if (used >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
	return out;
}

static int to_errno(ccm_err err)
{
	switch (err) {
	case CCM_OK:
		return 0;
	case CCM_ERR_NOMEM:
		return ENOMEM;
	case CCM_ERR_NOENT:
		return ENOENT;
	case CCM_ERR_INVAL:
		return EINVAL;
	default:
		return EIO;
	}
}

static bool fill_stat(const struct ccm_ll *ll, fuse_ino_t ino, struct stat *st)
{
	struct node n = decode(ll, ino);
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = ll->uid;
	st->st_gid = ll->gid;
	st->st_blksize = BLKSIZE;
	struct ccm_node_info info;
	switch (n.kind) {
	case NODE_ROOT:
		st->st_mode = S_IFDIR | (0555 & ~ll->umask);
		st->st_nlink = 2 + ccm_source_po_count(ll->src);
		st->st_mtim = ccm_newest_mtime(ll->src);
		break;
	case NODE_DIR:
	case NODE_FILE:
		ccm_node_info(ll->src, n.po, n.node, &info);
		st->st_mtim = info.mtime;
		if (info.dir) {
			/* 1: "sub-folders not counted", so that find does not
			 * take a folder with some for a leaf. */
			st->st_mode = S_IFDIR | (0555 & ~ll->umask);
			st->st_nlink = info.has_subdirs ? 1 : 2;
			break;
		}
		st->st_mode = S_IFREG | (0444 & ~ll->umask);
		st->st_nlink = 1;
		st->st_size = (off_t)info.size;
		st->st_blocks = (st->st_size + 511) / 512;
		break;
	case NODE_BAD:
		return false;
	}
	st->st_atim = st->st_ctim = st->st_mtim;
	return true;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct ccm_ll *ll = userdata;
	if (!ll->nosplice && (conn->capable & FUSE_CAP_SPLICE_WRITE))
		conn->want |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE;
	ll->no_opendir = conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT;
	ll->no_open = conn->capable & FUSE_CAP_NO_OPEN_SUPPORT;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct ccm_ll *ll = ll_of(req);
	if (atomic_load(&ll->closing)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	struct node p = decode(ll, parent);
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	e.attr_timeout = e.entry_timeout = TIMEOUT;
	size_t po, node;
	if (p.kind == NODE_ROOT && !ccm_po_lookup(ll->src, name, &po))
		e.ino = encode(po, 0);
	else if (p.kind == NODE_DIR &&
	         !ccm_node_lookup(ll->src, p.po, p.node, name, &node))
		e.ino = encode(p.po, node);
	else if (p.kind == NODE_FILE) {
		fuse_reply_err(req, ENOTDIR);
		return;
	} else if (p.kind == NODE_BAD) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	/* ino 0: "no such name", cached by the kernel for entry_timeout. */
	if (e.ino)
		fill_stat(ll, e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
                            struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
                       struct fuse_file_info *fi)
{
	(void)fi;
	struct stat st;
	if (!fill_stat(ll_of(req), ino, &st))
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, TIMEOUT);
}

/*
 * An open holds no state either: a read finds everything from the inode
 * and checks its sources itself. So, as for folders (op_opendir), the
 * first open answers ENOSYS where the kernel allows it (Linux 4.19 and
 * later): no later OPEN or RELEASE reaches the daemon and pages stay
 * cached across opens (keep_cache, the kernel's default then). A cat of
 * a file already read costs the daemon nothing. Opens for writing never
 * get here on the read-only mount; they are refused should they come.
 */
static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ccm_ll *ll = ll_of(req);
	struct node n = decode(ll, ino);
	if (n.kind == NODE_BAD)
		fuse_reply_err(req, ENOENT);
	else if (n.kind != NODE_FILE)
		fuse_reply_err(req, EISDIR);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
		fuse_reply_err(req, EROFS);
	else if (ll->no_open)
		fuse_reply_err(req, ENOSYS);
	else {
		fi->keep_cache = 1;
		fuse_reply_open(req, fi);
	}
}

/*
 * The reply buffer of each loop thread, kept between reads: allocating
 * 128 KiB per read makes malloc map fresh pages every time.
 */
static pthread_key_t reply_key;
static pthread_once_t reply_once = PTHREAD_ONCE_INIT;

struct reply_buf {
	size_t cap;
	char data[];
};

static void reply_key_make(void)
{
	pthread_key_create(&reply_key, free);
}

static char *reply_buffer(size_t size)
{
	pthread_once(&reply_once, reply_key_make);
	struct reply_buf *rb = pthread_getspecific(reply_key);
	if (rb && rb->cap >= size)
		return rb->data;
	free(rb);
	rb = malloc(sizeof(*rb) + size);
	if (rb)
		rb->cap = size;
	if (pthread_setspecific(reply_key, rb)) {
		free(rb);
		return NULL;
	}
	return rb ? rb->data : NULL;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	(void)fi;
	struct ccm_ll *ll = ll_of(req);
	struct node n = decode(ll, ino);
	if (n.kind != NODE_FILE) {
		fuse_reply_err(req, n.kind == NODE_BAD ? ENOENT : EISDIR);
		return;
	}
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	/* Attachment data on a read-only file system goes from its file
	 * to the kernel by splice, without a copy through this process
	 * (ccm_file_span says when: elsewhere the bytes are copied, so
	 * that the read can check its source after reading it); for a
	 * small read the descriptor and pipe cost more than the copy. */
	struct ccm_span sp;
	if (!ll->nosplice && size >= SPLICE_MIN &&
	    !ccm_node_span(ll->src, n.po, n.node, (uint64_t)off, size, &sp)) {
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = sp.fd;
		bv.buf[0].pos = (off_t)sp.off;
		fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
		ccm_span_end(ll->src, &sp);
		return;
	}
	char *buf = reply_buffer(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	size_t got = 0;
	ccm_err err = ccm_node_read(ll->src, n.po, n.node, (uint64_t)off, size,
	                            buf, &got);
	if (err) {
		const char *why = err == CCM_ERR_CHANGED
		                          ? ccm_read_changed_path(ll->src)
		                          : NULL;
		char path[PATH_MAX];
		ll->log("%s: read at %lld: %s%s%s",
		        node_path(ll, n, path, sizeof(path)), (long long)off,
		        ccm_strerror(err), why ? ": source file " : "",
		        why ? why : "");
		fuse_reply_err(req, to_errno(err));
	} else {
		fuse_reply_buf(req, buf, got);
	}
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
                       struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

/*
 * A folder's open holds no state: every one would answer the same. So
 * where the kernel allows it (Linux 5.1 and later), the first open says
 * ENOSYS, which the kernel takes as success and as "never ask again": no
 * later OPENDIR or RELEASEDIR reaches the daemon, and folders keep their
 * cached listings (the kernel's default for a file system that does not
 * open folders is keep_cache and cache_readdir, what this answers). A
 * walk of a mounted tree then costs the daemon a STATFS and nothing else.
 */
static void op_opendir(fuse_req_t req, fuse_ino_t ino,
                       struct fuse_file_info *fi)
{
	struct ccm_ll *ll = ll_of(req);
	struct node n = decode(ll, ino);
	if (n.kind == NODE_BAD)
		fuse_reply_err(req, ENOENT);
	else if (n.kind == NODE_FILE)
		fuse_reply_err(req, ENOTDIR);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		fuse_reply_err(req, EROFS);
	else if (ll->no_opendir)
		fuse_reply_err(req, ENOSYS);
	else {
		fi->cache_readdir = 1;
		fi->keep_cache = 1;
		fuse_reply_open(req, fi);
	}
}

/*
 * A listing: ".", "..", then the entries. The offset of an entry is its
 * position plus one, so a listing resumes exactly where it stopped, in
 * O(1), however many getdents calls a large post office takes.
 */
static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size,
                           off_t off, bool plus)
{
	struct ccm_ll *ll = ll_of(req);
	struct node n = decode(ll, ino);
	if (n.kind == NODE_BAD || n.kind == NODE_FILE) {
		fuse_reply_err(req, n.kind == NODE_BAD ? ENOENT : ENOTDIR);
		return;
	}
	struct ccm_node_info dir = {0};
	if (n.kind == NODE_DIR)
		ccm_node_info(ll->src, n.po, n.node, &dir);
	size_t count =
	        n.kind == NODE_ROOT ? ccm_source_po_count(ll->src) : dir.nchild;
	char *buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	size_t used = 0;
	for (size_t i = off < 0 ? 0 : (size_t)off; i < count + 2; i++) {
		struct ccm_node_info child = {0};
		const char *name;
		fuse_ino_t eino;
		if (i == 0) {
			name = ".";
			eino = ino;
		} else if (i == 1) {
			name = "..";
			eino = n.kind == NODE_ROOT ? ino
			       : n.node            ? encode(n.po, dir.parent)
			                           : FUSE_ROOT_ID;
		} else if (n.kind == NODE_ROOT) {
			name = ccm_po_folder(ll->src, i - 2);
			eino = encode(i - 2, 0);
		} else {
			size_t c = ccm_node_child(ll->src, n.po, n.node, i - 2);
			ccm_node_info(ll->src, n.po, c, &child);
			name = child.name;
			eino = encode(n.po, c);
		}
		size_t len;
		if (plus) {
			struct fuse_entry_param e;
			memset(&e, 0, sizeof(e));
			e.ino = eino;
			e.attr_timeout = e.entry_timeout = TIMEOUT;
			fill_stat(ll, eino, &e.attr);
			/* "." and ".." are not looked up by the kernel. */
			if (i < 2)
				e.ino = 0, e.attr.st_ino = eino;
			len = fuse_add_direntry_plus(req, buf + used,
			                             size - used, name, &e,
			                             (off_t)i + 1);
		} else {
			struct stat st;
			memset(&st, 0, sizeof(st));
			st.st_ino = eino;
			st.st_mode = (n.kind == NODE_ROOT || i < 2 || child.dir)
			                     ? S_IFDIR
			                     : S_IFREG;
			len = fuse_add_direntry(req, buf + used, size - used,
			                        name, &st, (off_t)i + 1);
		}
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
                           off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, true);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
                          struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

void ccm_ll_count(struct ccm_ll *ll)
{
	ll->bytes = 0;
	ll->files = 1;
	for (size_t p = 0; p < ccm_source_po_count(ll->src); p++) {
		size_t n = ccm_po_node_count(ll->src, p);
		ll->files += n;
		for (size_t k = 0; k < n; k++) {
			struct ccm_node_info info;
			ccm_node_info(ll->src, p, k, &info);
			ll->bytes += info.size;
		}
	}
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	(void)ino;
	struct ccm_ll *ll = ll_of(req);
	struct statvfs sv;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sv.f_frsize = 4096;
	sv.f_blocks = (fsblkcnt_t)((ll->bytes + 4095) / 4096);
	sv.f_files = (fsfilcnt_t)ll->files;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
                        size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	fuse_reply_err(req, ENODATA);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	/* No attributes: an empty list. */
	if (size == 0)
		fuse_reply_xattr(req, 0);
	else
		fuse_reply_buf(req, NULL, 0);
}

void ccm_ll_set_ops(struct fuse_lowlevel_ops *ops)
{
	*ops = (struct fuse_lowlevel_ops){
	        .init = op_init,
	        .lookup = op_lookup,
	        .forget = op_forget,
	        .forget_multi = op_forget_multi,
	        .getattr = op_getattr,
	        .open = op_open,
	        .read = op_read,
	        .release = op_release,
	        .opendir = op_opendir,
	        .readdir = op_readdir,
	        .readdirplus = op_readdirplus,
	        .releasedir = op_releasedir,
	        .statfs = op_statfs,
	        .getxattr = op_getxattr,
	        .listxattr = op_listxattr,
	};
	ccm_ll_ro_ops(ops);
}
