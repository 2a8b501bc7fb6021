/*
 * ccmailfs: mounts a Lotus cc:Mail post office export read-only, one
 * folder per post office, holding Exchange migration files generated as
 * they are read.
 *
 * Start-up follows libfuse 3.14's hello_ll: parse options, scan the
 * source (before anything is mounted, so a bad source fails at once with
 * its own exit code), new session, signal handlers, mount, daemonise,
 * loop, unmount. fuse_daemonize returns in the parent only once the child
 * runs, after the mount exists, so "ccmailfs SRC MNT && ls MNT" works.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "common.h"
#include "ll.h"

struct cli {
	char *source, *mountpoint;
	char *codepage, *sec_split, *date_order;
	int dos83, noreaddirplus, nosplice, show_help, show_version;
	int uid, gid;
	char *umask;
	int have_uid, have_gid;
};

#define OPT(t, p)                                                              \
	{                                                                      \
		t, offsetof(struct cli, p), 1                                  \
	}
static const struct fuse_opt cli_opts[] = {
        OPT("codepage=%s", codepage),
        OPT("sec_split=%s", sec_split),
        OPT("date_order=%s", date_order),
        OPT("dos83", dos83),
        OPT("noreaddirplus", noreaddirplus),
        OPT("nosplice", nosplice),
        OPT("uid=%d", uid),
        OPT("uid=", have_uid),
        OPT("gid=%d", gid),
        OPT("gid=", have_gid),
        OPT("umask=%s", umask),
        OPT("-h", show_help),
        OPT("--help", show_help),
        OPT("-V", show_version),
        OPT("--version", show_version),
        FUSE_OPT_END,
};

static const char USAGE[] =
        "usage: ccmailfs [options] SOURCE MOUNTPOINT\n"
        "\n"
        "Mounts SOURCE, a Lotus cc:Mail EXPORT folder holding PO.INI (or a\n"
        "folder of them), read-only at MOUNTPOINT: one folder per post office\n"
        "holding the Exchange migration files (.PKL, .PRI, .SEC) and "
        "REPORT.TXT.\n"
        "\n"
        "ccmailfs options:\n"
        "    -o codepage=N          output code page (default 1252; "
        "double-byte\n"
        "                           post offices keep their own)\n"
        "    -o dos83               post office folder names of at most 8 "
        "chars\n"
        "    -o sec_split=BYTES     largest SEC file (default " CCM_STRINGIFY(
                CCM_SEC_SPLIT_DEFAULT) ")\n"
                                       "    -o date_order=ORDER    MDY, DMY or "
                                       "YMD, whatever PO.INI says\n"
                                       "    -o uid=N,gid=N         owner of "
                                       "every file (default: who mounts)\n"
                                       "    -o umask=NNN           mask for "
                                       "0555 folders and 0444 files\n"
                                       "    -o nosplice            copy "
                                       "attachment data, do not splice it\n"
                                       "    -o noreaddirplus       answer no "
                                       "READDIRPLUS\n"
                                       "    -h, --help             this text\n"
                                       "    -V, --version          the "
                                       "version\n"
                                       "\n"
                                       "Exit codes: 0 unmounted cleanly, 1 the "
                                       "mount or its loop failed,\n"
                                       "2 bad usage, 3 SOURCE missing or "
                                       "unreadable, 4 SOURCE is not an\n"
                                       "export, 5 SOURCE is a native post "
                                       "office, 6 MOUNTPOINT unusable.\n"
                                       "\n"
                                       "FUSE options:\n";

static int cli_proc(void *data, const char *arg, int key,
                    struct fuse_args *outargs)
{
	(void)outargs;
	struct cli *c = data;
	if (key == FUSE_OPT_KEY_NONOPT && !c->source) {
		c->source = strdup(arg);
		return 0;
	}
	/* Noted, and left for fuse_parse_cmdline, which takes it too. */
	if (key == FUSE_OPT_KEY_NONOPT && !c->mountpoint)
		c->mountpoint = strdup(arg);
	return 1;
}

static bool daemonised;

static void log_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (daemonised) {
		vsyslog(LOG_WARNING, fmt, ap);
	} else {
		fputs("ccmailfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void notice(void *ctx, const char *line)
{
	(void)ctx;
	log_line("%s", line);
}

/* fuse_daemonize points fds 0-2 at /dev/null; make sure they exist before
 * any file is opened, so that none of ours is taken for one of them. */
static void ensure_std_fds(void)
{
	int fd;
	do {
		fd = open("/dev/null", O_RDWR);
	} while (fd >= 0 && fd <= 2);
	if (fd > 2)
		close(fd);
}

static bool output_options(struct cli *c, struct ccm_options *o)
{
	if (c->codepage && !ccm_set_option(o, "codepage", c->codepage))
		return false;
	if (c->sec_split && !ccm_set_option(o, "sec_split", c->sec_split))
		return false;
	if (c->date_order && !ccm_set_option(o, "date_order", c->date_order))
		return false;
	if (c->dos83)
		ccm_set_option(o, "dos83", NULL);
	return true;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct cli c = {0};
	struct fuse_cmdline_opts fo = {0};
	struct ccm_options o = {.notice = notice};
	struct ccm_ll ll = {.log = log_line};
	struct fuse_session *se = NULL;
	ccm_source *src = NULL;
	int rc = CCM_EXIT_USAGE;

	ensure_std_fds();
	if (fuse_opt_parse(&args, &c, cli_opts, cli_proc))
		goto out;
	if (c.show_version) {
		printf("ccmailfs %s\n", CCM_VERSION);
		printf("FUSE library version %s\n", fuse_pkgversion());
		rc = CCM_EXIT_OK;
		goto out;
	}
	if (c.show_help) {
		fputs(USAGE, stdout);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		rc = CCM_EXIT_OK;
		goto out;
	}
	/* libfuse would call a missing mount point bad usage; it is a
	 * mount point problem, with its own exit code. */
	struct stat st;
	if (c.mountpoint) {
		const char *why = NULL;
		if (stat(c.mountpoint, &st))
			why = strerror(errno);
		else if (!S_ISDIR(st.st_mode))
			why = "not a folder";
		if (why) {
			fprintf(stderr, "ccmailfs: %s: %s\n", c.mountpoint,
			        why);
			rc = CCM_EXIT_OUTPUT;
			goto out;
		}
	}
	if (fuse_parse_cmdline(&args, &fo))
		goto out;
	if (!c.source || !fo.mountpoint) {
		fputs(USAGE, stderr);
		goto out;
	}
	if (!output_options(&c, &o))
		goto out;
	ll.uid = c.have_uid ? (uid_t)c.uid : getuid();
	ll.gid = c.have_gid ? (gid_t)c.gid : getgid();
	if (c.umask) {
		char *end;
		unsigned long m = strtoul(c.umask, &end, 8);
		if (*end || m > 0777) {
			fprintf(stderr, "ccmailfs: bad umask '%s'\n", c.umask);
			goto out;
		}
		ll.umask = (mode_t)m;
	}

	/* Read-only whatever was asked (mount.fuse3 may pass "rw"); the
	 * kernel checks permissions from the modes we give. */
	fuse_opt_add_arg(&args, "-oro,default_permissions,subtype=ccmailfs");
	char *fsname = NULL;
	if (fuse_opt_add_opt_escaped(&fsname, c.source) == 0) {
		char *opt = NULL;
		if (asprintf(&opt, "-ofsname=%s", fsname) > 0)
			fuse_opt_add_arg(&args, opt);
		free(opt);
		free(fsname);
	}
	struct fuse_lowlevel_ops ops = ccm_ll_ops;
	if (c.noreaddirplus)
		ops.readdirplus = NULL;
	ll.nosplice = c.nosplice;
	/* The session checks the remaining options: a bad one is bad usage,
	 * told before the scan, which can take a while. */
	se = fuse_session_new(&args, &ops, sizeof(ops), &ll);
	if (!se)
		goto out;

	char msg[1024];
	ccm_err err = ccm_source_open(c.source, &o, &src, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "ccmailfs: %s\n", msg);
		rc = ccm_exit_code(err);
		goto out_session;
	}
	ll.src = src;
	rc = CCM_EXIT_IO;
	if (fuse_set_signal_handlers(se))
		goto out_session;
	if (fuse_session_mount(se, fo.mountpoint)) {
		rc = CCM_EXIT_OUTPUT;
		goto out_signals;
	}
	if (!fo.foreground) {
		openlog("ccmailfs", LOG_PID, LOG_DAEMON);
		daemonised = true;
	}
	fuse_daemonize(fo.foreground);
	int res;
	/*
	 * Several threads unless -s: with the per-thread buffers, the
	 * multi-threaded loop read a post office as fast or faster than one
	 * thread on this two-core machine (tests/bench/bench.sh, README).
	 */
	if (fo.singlethread) {
		res = fuse_session_loop(se);
	} else {
		struct fuse_loop_config *cfg = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(cfg, (unsigned)fo.clone_fd);
		if (fo.max_idle_threads != UINT_MAX) /* libfuse's "unset" */
			fuse_loop_cfg_set_idle_threads(cfg,
			                               fo.max_idle_threads);
		fuse_loop_cfg_set_max_threads(cfg, fo.max_threads);
		res = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	/* The loop returns the signal that ended it: a clean stop. */
	rc = res < 0 ? CCM_EXIT_IO : CCM_EXIT_OK;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	ccm_source_close(src);
	free(fo.mountpoint);
	free(c.source);
	free(c.mountpoint);
	free(c.codepage);
	free(c.sec_split);
	free(c.date_order);
	free(c.umask);
	fuse_opt_free_args(&args);
	return rc;
}
