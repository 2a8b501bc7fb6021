/*
 * ccmail2iff: writes the migration files of a post office export to a
 * folder, the same bytes the ccmailfs mount shows. Also the reference the
 * mount is tested against, and the "limit" in the benchmark.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"

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
        "  --codepage=N         output code page (default 1252; double-byte\n"
        "                       post offices keep their own)\n"
        "  --dos83              post office folder names of at most 8 "
        "characters\n"
        "  --sec-split=BYTES    largest SEC file (default " CCM_STRINGIFY(
                CCM_SEC_SPLIT_DEFAULT) ")\n"
                                       "  --date-order=ORDER   MDY, DMY or "
                                       "YMD, whatever PO.INI says\n"
                                       "  -q, --quiet          no progress "
                                       "line\n"
                                       "  -h, --help           this text\n"
                                       "  -V, --version        the version\n"
                                       "\n"
                                       "Exit codes: 0 done, 1 a source file "
                                       "could not be read while writing,\n"
                                       "2 bad usage, 3 SOURCE missing or "
                                       "unreadable, 4 SOURCE is not an "
                                       "export,\n"
                                       "5 SOURCE is a native post office, 6 "
                                       "OUTDIR cannot be written.\n";

static void notice(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "ccmail2iff: %s\n", line);
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
	int in;
	uint64_t in_off;
	if (ccm_file_span(src, po, f, off, len, &in, &in_off))
		return false;
	off_t pos = (off_t)in_off;
	size_t done = 0;
	while (done < len) {
		/* NULL: at out's file position, advancing it like write(2). */
		ssize_t r = copy_file_range(in, &pos, out, NULL, len - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	close(in);
	/* A copy cut short is undone, to be written again by the caller. */
	if (done != len && done && lseek(out, -(off_t)done, SEEK_CUR) < 0)
		return false;
	return done == len;
}

static int write_po(const ccm_source *src, size_t po, const char *outdir,
                    bool progress, char *buf, size_t bufsz)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s/%s", outdir,
	             ccm_po_folder(src, po)) >= (int)sizeof(dir)) {
		fprintf(stderr, "ccmail2iff: %s: path too long\n", outdir);
		return CCM_EXIT_OUTPUT;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "ccmail2iff: %s: %s\n", dir, strerror(errno));
		return CCM_EXIT_OUTPUT;
	}
	size_t n = ccm_po_file_count(src, po);
	for (size_t f = 0; f < n; f++) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		             ccm_file_name(src, po, f)) >= (int)sizeof(path)) {
			fprintf(stderr, "ccmail2iff: %s: path too long\n", dir);
			return CCM_EXIT_OUTPUT;
		}
		if (progress)
			fprintf(stderr, "\r%s: file %zu of %zu ",
			        ccm_po_folder(src, po), f + 1, n);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		              0644);
		if (fd < 0) {
			fprintf(stderr, "ccmail2iff: %s: %s\n", path,
			        strerror(errno));
			return CCM_EXIT_OUTPUT;
		}
		uint64_t size = ccm_file_size(src, po, f);
		for (uint64_t off = 0; off < size;) {
			size_t want = size - off < bufsz ? (size_t)(size - off)
			                                 : bufsz;
			if (copy_span(src, po, f, off, want, fd)) {
				off += want;
				continue;
			}
			size_t got;
			ccm_err err = ccm_file_read(src, po, f, off, bufsz, buf,
			                            &got);
			if (err || !got) {
				fprintf(stderr, "ccmail2iff: %s: %s\n", path,
				        ccm_strerror(err ? err : CCM_ERR_IO));
				close(fd);
				return CCM_EXIT_IO;
			}
			for (size_t w = 0; w < got;) {
				ssize_t r = write(fd, buf + w, got - w);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0) {
					fprintf(stderr, "ccmail2iff: %s: %s\n",
					        path, strerror(errno));
					close(fd);
					return CCM_EXIT_OUTPUT;
				}
				w += (size_t)r;
			}
			off += got;
		}
		if (close(fd)) {
			fprintf(stderr, "ccmail2iff: %s: %s\n", path,
			        strerror(errno));
			return CCM_EXIT_OUTPUT;
		}
	}
	if (progress)
		fprintf(stderr, "\r%s: %zu files written\n",
		        ccm_po_folder(src, po), n);
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

/*
 * Reads the command line into opts and the flags. Returns -1 to go on,
 * or the exit code when the program is done (help, version, bad usage).
 */
static int parse_args(int argc, char **argv, struct ccm_options *opts,
                      bool *check_only, bool *quiet)
{
	static const struct option longopts[] = {
	        {"check", no_argument, NULL, 'c'},
	        {"codepage", required_argument, NULL, 'p'},
	        {"dos83", no_argument, NULL, '8'},
	        {"sec-split", required_argument, NULL, 's'},
	        {"date-order", required_argument, NULL, 'o'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'c':
			*check_only = true;
			break;
		case 'p':
			ok = ccm_set_option(opts, "codepage", optarg);
			break;
		case '8':
			ok = ccm_set_option(opts, "dos83", NULL);
			break;
		case 's':
			ok = ccm_set_option(opts, "sec_split", optarg);
			break;
		case 'o':
			ok = ccm_set_option(opts, "date_order", optarg);
			break;
		case 'q':
			*quiet = true;
			break;
		case 'h':
			fputs(USAGE, stdout);
			return CCM_EXIT_OK;
		case 'V':
			printf("ccmail2iff %s\n", CCM_VERSION);
			return CCM_EXIT_OK;
		default:
			ok = false;
		}
		if (!ok) {
			fputs(USAGE, stderr);
			return CCM_EXIT_USAGE;
		}
	}
	if (argc - optind != (*check_only ? 1 : 2)) {
		fputs(USAGE, stderr);
		return CCM_EXIT_USAGE;
	}
	return -1;
}

/* Writes every post office of src below outdir; returns the exit code. */
static int write_all(const ccm_source *src, const char *outdir, bool quiet)
{
	if (mkdir(outdir, 0755) && errno != EEXIST) {
		fprintf(stderr, "ccmail2iff: %s: %s\n", outdir,
		        strerror(errno));
		return CCM_EXIT_OUTPUT;
	}
	size_t bufsz = (size_t)1 << 20;
	char *buf = malloc(bufsz);
	int rc = buf ? CCM_EXIT_OK : CCM_EXIT_IO;
	bool progress = !quiet && isatty(STDERR_FILENO);
	for (size_t po = 0; !rc && po < ccm_source_po_count(src); po++)
		rc = write_po(src, po, outdir, progress, buf, bufsz);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	struct ccm_options opts = {.notice = notice};
	bool check_only = false, quiet = false;
	int rc = parse_args(argc, argv, &opts, &check_only, &quiet);
	if (rc >= 0)
		return rc;
	const char *source = argv[optind];
	const char *outdir = check_only ? NULL : argv[optind + 1];
	if (outdir && ccm_inside(outdir, source)) {
		fprintf(stderr,
		        "ccmail2iff: %s: inside the source; ccmail2iff never "
		        "writes there\n",
		        outdir);
		return CCM_EXIT_OUTPUT;
	}
	char msg[1024];
	ccm_source *src;
	ccm_err err = ccm_source_open(source, &opts, &src, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "ccmail2iff: %s\n", msg);
		return ccm_exit_code(err);
	}
	rc = check_only ? check(src) : write_all(src, outdir, quiet);
	ccm_source_close(src);
	return rc;
}
