/*
 * A libFuzzer target for the persistent index's loader: the input is an
 * index file (the seed is the base post office's, see below), read by
 * ccm_cache_parse with the base export as the source's folder. The
 * checksum, the options key and the source files' identities, which the
 * loader checks first, are left out here so that mutated inputs reach
 * the parser; a file it accepts then has the identities of the base
 * export's files as they are now (when the sizes agree), and every file
 * of every post office is read in windows, looked up and spliced. No
 * promise about the bytes is checked: a fuzzed index may describe any
 * output, it must only never lead a read out of bounds. The view is the
 * one the input's options key names (view=N), so that a mail view's
 * index (po->mail) is parsed too; then every node of the tree is also
 * looked up and read in windows (a message's from its seek points).
 *
 * FZ_CACHE_SEED=PATH fuzz-cache -runs=0 writes the base post office's
 * index file to PATH (how tests/fuzz/corpus/cache/base was made), of
 * the view FZ_CACHE_VIEW names (1 maildir: corpus/cache/maildir, 2 eml;
 * default 0, the IFF view).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_load.h"
#include "cache_table.h"
#include "harness.h"
#include "maillayout.h"
#include "srcio.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void make_seed(const char *out)
{
	char dir[4096], cmd[8192];
	snprintf(dir, sizeof(dir), "%s.idx", fz_export());
	const char *view = getenv("FZ_CACHE_VIEW");
	struct ccm_options o = {.cache_dir = dir,
	                        .view = view ? (enum ccm_view)atoi(view)
	                                     : CCM_VIEW_IFF};
	ccm_source *src;
	if (ccm_source_open(fz_export(), &o, &src, NULL, 0))
		abort();
	ccm_source_close(src);
	snprintf(cmd, sizeof(cmd), "cp %s/*.idx '%s' && rm -r %s", dir, out,
	         dir);
	if (system(cmd))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_write_base();
	const char *seed = getenv("FZ_CACHE_SEED");
	if (seed)
		make_seed(seed);
	return 0;
}

/* The identities of the base export's files as they are now; true when
 * every file is one of them, of the size the index says. */
static bool refresh(struct ccm_source *src)
{
	bool all = true;
	for (size_t i = 0; i < src->files.n; i++) {
		struct ccm_srcfile *f = &src->files.v[i];
		struct stat st;
		if (stat(f->path, &st) || (uint64_t)st.st_size != f->size) {
			all = false;
			continue;
		}
		f->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		              st.st_mtim.tv_nsec;
		f->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 +
		              st.st_ctim.tv_nsec;
		f->ino = (uint64_t)st.st_ino;
		f->dev = (uint64_t)st.st_dev;
	}
	return all;
}

static void read_file(const ccm_source *src, size_t po, size_t f, uint64_t seed,
                      char *buf)
{
	uint64_t size = ccm_file_size(src, po, f);
	size_t at, got;
	ccm_file_lookup(src, po, ccm_file_name(src, po, f), &at);
	for (int i = 0; i < 6; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t off = i == 0 ? 0 : (seed >> 11) % (size + 1);
		size_t len = i < 2 ? 70000 : 1 + (size_t)(seed >> 40) % 9000;
		ccm_file_read(src, po, f, off, len, buf, &got);
		struct ccm_span sp;
		if (!ccm_file_span(src, po, f, off, len, &sp))
			ccm_span_end(src, &sp);
	}
}

/* Every node of post office po: its entry found again by name in its
 * folder, a file's bytes read in windows. */
static void read_nodes(const ccm_source *src, size_t po, uint64_t seed,
                       char *buf)
{
	for (size_t i = 0; i < ccm_po_node_count(src, po); i++) {
		struct ccm_node_info in;
		ccm_node_info(src, po, i, &in);
		size_t at, got;
		ccm_node_lookup(src, po, in.parent, in.name, &at);
		for (size_t k = 0; in.dir && k < in.nchild; k++)
			ccm_node_child(src, po, i, k);
		for (int r = 0; !in.dir && r < 4; r++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			uint64_t off =
			        r == 0 ? 0 : (seed >> 11) % (in.size + 1);
			size_t len =
			        r < 2 ? 70000 : 1 + (size_t)(seed >> 40) % 9000;
			ccm_node_read(src, po, i, off, len, buf, &got);
		}
	}
}

/* The view the options key of the input names; the IFF view if none. */
static enum ccm_view view_of(const uint8_t *data, size_t size)
{
	const char *v = memmem(data, size < 4096 ? size : 4096, "\nview=", 6);
	if (!v || v + 6 >= (const char *)data + size)
		return CCM_VIEW_IFF;
	return v[6] == '1'   ? CCM_VIEW_MAILDIR
	       : v[6] == '2' ? CCM_VIEW_EML
	                     : CCM_VIEW_IFF;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	/* Mapped like the real file, from a file: page-aligned, unmapped at
	 * close. Its checks read the large arrays from the file (fd), or,
	 * for inputs of odd length, through the mapping. */
	int fd = memfd_create("fz-index", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		abort();
	struct ccm_source *src = calloc(1, sizeof(*src));
	if (!src || ccm_src_fds_init(src))
		abort();
	src->opts.view = view_of(data, size);
	char why[256];
	if (ccm_mail_options(src, why, sizeof(why)))
		abort();
	struct ccm_cache_sum sum = {0, 0}; /* the checks' streamed sums run */
	bool ok = ccm_cache_parse(src, map, size, size % 2 ? -1 : fd, &sum,
	                          fz_export(), NULL, NULL, why, sizeof(why));
	close(fd);
	if (ok) {
		/* A message's mail form reads its header whole, as its
		 * layout did: its length is bounded by its file's size,
		 * which only the identity check of a real load (cache.c)
		 * shows to be true. So the tree is read only when every
		 * file is the export's, as that check would demand. */
		bool same = refresh(src);
		static char buf[70000];
		uint64_t seed = fz_hash(data, size);
		for (size_t po = 0; po < ccm_source_po_count(src); po++) {
			size_t at;
			ccm_po_lookup(src, ccm_po_folder(src, po), &at);
			struct ccm_po_stats st;
			ccm_po_stats(src, po, &st);
			for (size_t f = 0; f < ccm_po_file_count(src, po); f++)
				read_file(src, po, f, seed + f, buf);
			if (same)
				read_nodes(src, po, seed, buf);
		}
	}
	ccm_source_close(src); /* unmaps map, frees src->mail */
	return 0;
}
