/*
 * ccmail2iff: writes the migration files of a post office export to a
 * folder, the same bytes and times the ccmailfs mount shows. Also the
 * reference the mount is tested against, and the "limit" in the benchmark.
 *
 * Each post office is written into a temporary folder beside its final
 * place and renamed there once whole (place.h), so that an interrupted run
 * leaves, for each post office, nothing or all of it: on SIGINT, SIGTERM or
 * SIGHUP the temporary folder is removed and the exit code is 128 + the
 * signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"
#include "place.h"
#include "progress.h"

static const char USAGE[] =
        "usage: ccmail2iff [options] SOURCE OUTDIR\n"
        "       ccmail2iff --check [options] SOURCE\n"
        "\n"
        "Writes one folder per post office of SOURCE (a Lotus cc:Mail EXPORT\n"
        "folder holding PO.INI, or a folder of them) into OUTDIR, holding the\n"
        "Exchange migration files (.PKL, .PRI, .SEC) and REPORT.TXT.\n"
        "\n"
        "  --check              scan SOURCE and print each post office's "
        "report\n"
        "  --force              replace post office folders already in "
        "OUTDIR\n"
        "  --codepage=N         output code page (default 1252; double-byte\n"
        "                       post offices keep their own)\n"
        "  --dos83              post office folder names of at most 8 "
        "characters\n"
        "  --sec-split=BYTES    largest SEC file "
        "(default " CCM_SPLIT_DEFAULT_TEXT ")\n"
        "  --date-order=ORDER   MDY, DMY or YMD, whatever PO.INI says\n"
        "  --tz=ZONE            mail views: the zone of Date: (IANA name or\n"
        "                       +hhmm; default -0000, zone unknown)\n"
        "  --addrmap=FILE       mail views: CSV of cc:Mail names and Internet\n"
        "                       addresses for From, To and Cc\n"
        "  --view=VIEW          iff (the migration files, default), maildir\n"
        "                       (a Maildir per mailbox) or eml (.eml files)\n"
        "  --cache=DIR          the index cache's folder (default\n"
        "                       $XDG_CACHE_HOME/ccmailfs, ~/.cache/ccmailfs,\n"
        "                       /var/cache/ccmailfs for root)\n"
        "  --no-cache           scan SOURCE, keep no index file\n"
        "  -q, --quiet          no progress line\n"
        "  -h, --help           this text\n"
        "  -V, --version        the version\n"
        "\n"
        "Exit codes: 0 done, 1 a source file could not be read while writing,\n"
        "2 bad usage, 3 SOURCE missing or unreadable, 4 SOURCE is not an "
        "export,\n"
        "5 SOURCE is a native post office, 6 OUTDIR cannot be written,\n"
        "9 a post office folder is already in OUTDIR (see --force),\n"
        "129, 130, 143 stopped by SIGHUP, SIGINT, SIGTERM (nothing half "
        "written).\n";

static void notice(void *ctx, const char *line)
{
	(void)ctx;
	ccm_say("%s", line);
}

/* The signal that asked us to stop, 0 while none did. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* No SA_RESTART: a blocked call returns EINTR and the loops look here. */
static void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* What one run writes with. */
struct job {
	const ccm_source *src;
	const char *outdir;
	bool force;
	char *buf;
	size_t bufsz;
	struct ccm_progress progress;
};

/* An error while writing: the progress line ended, then the message. */
static int fail(struct job *j, int rc, const char *path, const char *why)
{
	ccm_progress_stop(&j->progress);
	ccm_say("%s: %s", path, why);
	return rc;
}

/*
 * Attachment data that is one range of an export file is copied by the
 * kernel (copy_file_range), not through this process. False when the
 * range is not such a span or the kernel will not copy it, and nothing
 * was written: the caller renders it instead.
 */
static bool copy_span(const ccm_source *src, size_t po, size_t f, uint64_t off,
                      size_t len, int out)
{
	struct ccm_span sp;
	if (ccm_node_span(src, po, f, off, len, &sp))
		return false;
	off_t pos = (off_t)sp.off;
	size_t done = 0;
	while (done < len) {
		/* NULL: at out's file position, advancing it like write(2). */
		ssize_t r =
		        copy_file_range(sp.fd, &pos, out, NULL, len - done, 0);
		if (r < 0 && errno == EINTR && !stop_signal)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	ccm_span_end(src, &sp);
	/* A copy cut short is undone, to be written again by the caller. */
	if (done != len && done && lseek(out, -(off_t)done, SEEK_CUR) < 0)
		return false;
	return done == len;
}

static bool write_all(int fd, const char *p, size_t n)
{
	for (size_t w = 0; w < n;) {
		ssize_t r = write(fd, p + w, n - w);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		w += (size_t)r;
	}
	return true;
}

/* Writes bytes [0, size) of node f into fd. */
static int write_bytes(struct job *j, size_t po, size_t f, uint64_t size,
                       int fd, const char *path)
{
	for (uint64_t off = 0; off < size;) {
		if (stop_signal)
			return 128 + stop_signal;
		size_t want =
		        size - off < j->bufsz ? (size_t)(size - off) : j->bufsz;
		size_t got = want;
		if (!copy_span(j->src, po, f, off, want, fd)) {
			ccm_err err = ccm_node_read(j->src, po, f, off,
			                            j->bufsz, j->buf, &got);
			if (err || !got)
				return fail(
				        j, CCM_EXIT_IO, path,
				        ccm_strerror(err ? err : CCM_ERR_IO));
			if (!write_all(fd, j->buf, got))
				return fail(j, CCM_EXIT_OUTPUT, path,
				            strerror(errno));
		}
		off += got;
		ccm_progress_add(&j->progress, got);
	}
	return CCM_EXIT_OK;
}

/* Writes file node f of post office po at path, with its time. */
static int write_file(struct job *j, size_t po, size_t f,
                      const struct ccm_node_info *info, const char *path)
{
	const struct timespec times[2] = {info->mtime, info->mtime};
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(j, CCM_EXIT_OUTPUT, path, strerror(errno));
	int rc = write_bytes(j, po, f, info->size, fd, path);
	if (!rc && futimens(fd, times))
		rc = fail(j, CCM_EXIT_OUTPUT, path, strerror(errno));
	if (close(fd) && !rc)
		rc = fail(j, CCM_EXIT_OUTPUT, path, strerror(errno));
	return rc;
}

/*
 * Writes what folder node d of post office po holds into the folder dir
 * (made by the caller), depth first, with the times the mount shows.
 */
static int write_dir(struct job *j, size_t po, size_t d, const char *dir)
{
	struct ccm_node_info info;
	ccm_node_info(j->src, po, d, &info);
	const struct timespec times[2] = {info.mtime, info.mtime};
	int rc = CCM_EXIT_OK;
	for (size_t k = 0; !rc && k < info.nchild; k++) {
		size_t c = ccm_node_child(j->src, po, d, k);
		struct ccm_node_info ci;
		ccm_node_info(j->src, po, c, &ci);
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", dir, ci.name) >=
		    (int)sizeof(path))
			return fail(j, CCM_EXIT_OUTPUT, dir, "path too long");
		if (!ci.dir)
			rc = write_file(j, po, c, &ci, path);
		else if (mkdir(path, 0755))
			rc = fail(j, CCM_EXIT_OUTPUT, path, strerror(errno));
		else
			rc = write_dir(j, po, c, path);
	}
	/* Last: each entry made changed the folder's time. */
	if (!rc && utimensat(AT_FDCWD, dir, times, 0))
		return fail(j, CCM_EXIT_OUTPUT, dir, strerror(errno));
	return rc;
}

/* Writes post office po into a temporary folder, then puts it in place. */
static int write_po(struct job *j, size_t po)
{
	const char *name = ccm_po_folder(j->src, po);
	char final[PATH_MAX], tmp[PATH_MAX];
	if (snprintf(final, sizeof(final), "%s/%s", j->outdir, name) >=
	    (int)sizeof(final))
		return fail(j, CCM_EXIT_OUTPUT, j->outdir, "path too long");
	int err = ccm_temp_beside(j->outdir, name, "part", tmp, sizeof(tmp));
	if (err)
		return fail(j, CCM_EXIT_OUTPUT, final, strerror(err));
	int rc = write_dir(j, po, 0, tmp);
	if (!rc && stop_signal)
		rc = 128 + stop_signal;
	if (!rc) {
		err = ccm_put_in_place(tmp, final, j->force);
		if (err == EEXIST)
			rc = fail(j, CCM_EXIT_EXISTS, final,
			          "appeared while writing; left as it was");
		else if (err)
			rc = fail(j, CCM_EXIT_OUTPUT, final, strerror(err));
	}
	/* Not in place: the half-written folder goes. */
	if (rc)
		ccm_remove_tree(tmp);
	return rc;
}

/* Refuses, before anything is written, post office folders that exist. */
static int check_existing(const ccm_source *src, const char *outdir)
{
	for (size_t po = 0; po < ccm_source_po_count(src); po++) {
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", outdir,
		         ccm_po_folder(src, po));
		if (!lstat(path, &st)) {
			ccm_say("%s: already there; --force replaces it", path);
			return CCM_EXIT_EXISTS;
		}
	}
	return CCM_EXIT_OK;
}

static uint64_t total_bytes(const ccm_source *src)
{
	uint64_t sum = 0;
	for (size_t po = 0; po < ccm_source_po_count(src); po++)
		for (size_t k = 0; k < ccm_po_node_count(src, po); k++) {
			struct ccm_node_info info;
			ccm_node_info(src, po, k, &info);
			sum += info.size;
		}
	return sum;
}

/* Writes every post office into outdir; the exit code. */
static int convert(const ccm_source *src, const char *outdir, bool force,
                   bool progress)
{
	int rc = force ? CCM_EXIT_OK : check_existing(src, outdir);
	if (rc)
		return rc;
	struct job j = {.src = src, .outdir = outdir, .force = force};
	j.bufsz = (size_t)1 << 20;
	j.buf = malloc(j.bufsz);
	if (!j.buf)
		return CCM_EXIT_IO;
	catch_signals();
	bool made = !mkdir(outdir, 0755);
	if (!made && errno != EEXIST) {
		rc = fail(&j, CCM_EXIT_OUTPUT, outdir, strerror(errno));
		free(j.buf);
		return rc;
	}
	ccm_progress_start(&j.progress, total_bytes(src), progress);
	size_t po = 0, n = ccm_source_po_count(src);
	for (; !rc && po < n; po++)
		rc = write_po(&j, po);
	free(j.buf);
	if (rc > 128) {
		ccm_progress_stop(&j.progress);
		ccm_say("interrupted by SIG%s: %s not written (%zu of %zu post "
		        "offices written)",
		        sigabbrev_np(rc - 128), ccm_po_folder(src, po - 1),
		        po - 1, n);
		if (made)
			rmdir(outdir); /* only when it holds nothing */
		return rc;
	}
	if (rc)
		return rc;
	ccm_progress_end(&j.progress);
	/* The top folder's time as the mount shows it, too. */
	struct timespec t = ccm_newest_mtime(src);
	const struct timespec times[2] = {t, t};
	if (utimensat(AT_FDCWD, outdir, times, 0))
		return fail(&j, CCM_EXIT_OUTPUT, outdir, strerror(errno));
	return CCM_EXIT_OK;
}

static int check(const ccm_source *src)
{
	char buf[65536];
	for (size_t po = 0; po < ccm_source_po_count(src); po++) {
		size_t f;
		if (ccm_file_lookup(src, po, "REPORT.TXT", &f))
			continue;
		uint64_t size = ccm_file_size(src, po, f);
		for (uint64_t off = 0; off < size;) {
			size_t got;
			if (ccm_file_read(src, po, f, off, sizeof(buf), buf,
			                  &got) ||
			    !got)
				return CCM_EXIT_IO;
			fwrite(buf, 1, got, stdout);
			off += got;
		}
		if (po + 1 < ccm_source_po_count(src))
			fputs("\r\n", stdout);
	}
	return fflush(stdout) ? CCM_EXIT_IO : CCM_EXIT_OK;
}

/* The command line, as main's first step. */
struct args {
	struct ccm_options opts;
	bool check_only, quiet, force;
	const char *source, *outdir;
};

/* SOURCE and OUTDIR, the n words left after the options. */
static int operands(int n, char **w, struct args *a)
{
	int want = a->check_only ? 1 : 2;
	if (n == 0)
		return ccm_usage_error(a->check_only ? "missing SOURCE"
		                                     : "missing SOURCE and "
		                                       "OUTDIR");
	if (n < want)
		return ccm_usage_error("missing OUTDIR after SOURCE '%s'",
		                       w[0]);
	if (n > want)
		return ccm_usage_error("extra argument '%s'%s", w[want],
		                       a->check_only ? " (--check takes only "
		                                       "SOURCE)"
		                                     : "");
	a->source = w[0];
	a->outdir = a->check_only ? NULL : w[1];
	return -1;
}

/* -1 to go on, else the exit code. */
static int parse(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
	        {"check", no_argument, NULL, 'c'},
	        {"force", no_argument, NULL, 'f'},
	        {"codepage", required_argument, NULL, 'p'},
	        {"dos83", no_argument, NULL, '8'},
	        {"sec-split", required_argument, NULL, 's'},
	        {"date-order", required_argument, NULL, 'o'},
	        {"tz", required_argument, NULL, 'z'},
	        {"addrmap", required_argument, NULL, 'a'},
	        {"view", required_argument, NULL, 'v'},
	        {"cache", required_argument, NULL, 'C'},
	        {"no-cache", no_argument, NULL, 'N'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	int c;
	opterr = 0; /* its messages name the program by its path */
	while ((c = getopt_long(argc, argv, ":qhV", longopts, NULL)) != -1) {
		const char *opt = argv[optind - 1];
		bool ok = true;
		switch (c) {
		case 'c':
			a->check_only = true;
			break;
		case 'f':
			a->force = true;
			break;
		case 'p':
			ok = ccm_set_option(&a->opts, "codepage", optarg);
			break;
		case '8':
			ok = ccm_set_option(&a->opts, "dos83", NULL);
			break;
		case 's':
			ok = ccm_set_option(&a->opts, "sec_split", optarg);
			break;
		case 'o':
			ok = ccm_set_option(&a->opts, "date_order", optarg);
			break;
		case 'z':
			ok = ccm_set_option(&a->opts, "tz", optarg);
			break;
		case 'a':
			ok = ccm_set_option(&a->opts, "addrmap", optarg);
			break;
		case 'v':
			ok = ccm_set_option(&a->opts, "view", optarg);
			break;
		case 'C':
			ok = ccm_set_option(&a->opts, "cache", optarg);
			break;
		case 'N':
			ok = ccm_set_option(&a->opts, "nocache", NULL);
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			fputs(USAGE, stdout);
			return CCM_EXIT_OK;
		case 'V':
			printf("ccmail2iff %s\n", CCM_VERSION);
			return CCM_EXIT_OK;
		case ':':
			return ccm_usage_error("option '%s' needs a value",
			                       opt);
		default:
			if (optopt)
				return ccm_usage_error("unknown option '-%c'",
				                       optopt);
			return ccm_usage_error("unknown option '%s'", opt);
		}
		if (!ok)
			return ccm_try_help();
	}
	ccm_cache_default(&a->opts);
	return operands(argc - optind, argv + optind, a);
}

/*
 * OUTDIR, or the folder it is to be made in, must be a folder that may be
 * written: checked before the scan, which takes seconds at a million
 * messages, so that a mistyped OUTDIR fails at once. What only mkdir can
 * tell (a file system that refuses it) still fails later, the same way.
 */
static bool outdir_usable(const char *outdir)
{
	struct stat st;
	if (stat(outdir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return false;
		}
		return access(outdir, W_OK | X_OK) == 0;
	}
	if (errno != ENOENT)
		return false;
	char parent[PATH_MAX];
	if (snprintf(parent, sizeof(parent), "%s", outdir) >=
	    (int)sizeof(parent)) {
		errno = ENAMETOOLONG;
		return false;
	}
	return access(dirname(parent), W_OK | X_OK) == 0;
}

int main(int argc, char **argv)
{
	struct args a = {.opts.notice = notice};
	int rc = parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.outdir && ccm_inside(a.outdir, a.source)) {
		ccm_say("%s: inside the source; ccmail2iff never writes there",
		        a.outdir);
		return CCM_EXIT_OUTPUT;
	}
	if (a.outdir && !outdir_usable(a.outdir)) {
		ccm_say("%s: %s", a.outdir, strerror(errno));
		return CCM_EXIT_OUTPUT;
	}
	char msg[1024];
	ccm_source *src;
	ccm_err err =
	        ccm_source_open(a.source, &a.opts, &src, msg, sizeof(msg));
	if (err) {
		ccm_say("%s", msg);
		rc = ccm_exit_code(err);
		return rc == CCM_EXIT_USAGE ? ccm_try_help() : rc;
	}
	if (a.check_only)
		rc = check(src);
	else
		rc = convert(src, a.outdir, a.force,
		             !a.quiet && isatty(STDERR_FILENO));
	ccm_source_close(src);
	return rc;
}
