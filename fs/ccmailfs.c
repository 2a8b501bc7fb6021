/*
 * ccmailfs: mounts a Lotus cc:Mail post office export read-only, one
 * folder per post office, holding Exchange migration files generated as
 * they are read.
 *
 * main runs three steps, after libfuse 3.14's hello_ll. parse() reads the
 * command line, ending with the new session, which checks libfuse's own
 * options; check_mountpoint() refuses a mount point that is missing,
 * already a mount point, or overlaps SOURCE; serve() scans the source (before
 * anything is mounted, so a bad source fails at once with its own exit code),
 * signal handlers, mount, daemonise, loop, unmount. fuse_daemonize returns in
 * the parent only once the child runs, after the mount exists, so "ccmailfs SRC
 * MNT && ls MNT" works.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"
#include "ll.h"
#include "loop.h"
#include "term.h"

struct cli {
	char *source, *mountpoint;
	char *codepage, *sec_split, *date_order, *view, *cache;
	char *tz, *addrmap;
	int nocache;
	int dos83, noreaddirplus, nosplice, show_help, show_version;
	int uid, gid;
	char *umask, *fsname, *subtype, *spin;
	int have_uid, have_gid;
};

#define OPT(t, p)                                                              \
	{                                                                      \
		t, offsetof(struct cli, p), 1                                  \
	}
/* fsname and subtype are taken here so that libfuse sees each once. */
static const struct fuse_opt cli_opts[] = {
        OPT("codepage=%s", codepage),
        OPT("sec_split=%s", sec_split),
        OPT("date_order=%s", date_order),
        OPT("tz=%s", tz),
        OPT("addrmap=%s", addrmap),
        OPT("view=%s", view),
        OPT("dos83", dos83),
        OPT("cache=%s", cache),
        OPT("nocache", nocache),
        OPT("noreaddirplus", noreaddirplus),
        OPT("nosplice", nosplice),
        OPT("spin=%s", spin),
        OPT("uid=%d", uid),
        OPT("uid=", have_uid),
        OPT("gid=%d", gid),
        OPT("gid=", have_gid),
        OPT("umask=%s", umask),
        OPT("fsname=%s", fsname),
        OPT("subtype=%s", subtype),
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
        "    -o sec_split=BYTES     largest SEC file "
        "(default " CCM_SPLIT_DEFAULT_TEXT ")\n"
        "    -o date_order=ORDER    MDY, DMY or YMD, whatever PO.INI says\n"
        "    -o tz=ZONE             mail views: the zone of Date: (IANA name\n"
        "                           or +hhmm; default -0000, zone unknown)\n"
        "    -o addrmap=FILE        mail views: CSV of cc:Mail names and\n"
        "                           Internet addresses for From, To and Cc\n"
        "    -o view=VIEW           iff (the migration files, default), "
        "maildir\n"
        "                           (a Maildir per mailbox) or eml (.eml "
        "files)\n"
        "    -o cache=DIR           the index cache's folder (default\n"
        "                           $XDG_CACHE_HOME/ccmailfs, "
        "~/.cache/ccmailfs,\n"
        "                           /var/cache/ccmailfs for root)\n"
        "    -o nocache             scan SOURCE, keep no index file\n"
        "    -o uid=N,gid=N         owner of every file (default: who mounts)\n"
        "    -o umask=NNN           mask for 0555 folders and 0444 files\n"
        "    -o nosplice            copy attachment data, do not splice it\n"
        "    -o noreaddirplus       answer no READDIRPLUS\n"
        "    -o spin=US             ask for requests US microseconds before\n"
        "                           sleeping (default 50; 0 sleeps at once)\n"
        "    -h, --help             this text\n"
        "    -V, --version          the version\n"
        "\n"
        "Exit codes: 0 unmounted cleanly, 1 the mount or its loop failed,\n"
        "2 bad usage, 3 SOURCE missing or unreadable, 4 SOURCE is not an\n"
        "export, 5 SOURCE is a native post office, 6 MOUNTPOINT unusable,\n"
        "7 MOUNTPOINT is already a mount point, 8 MOUNTPOINT lies inside\n"
        "SOURCE or holds it.\n"
        "\n"
        "FUSE options:\n";

static int cli_proc(void *data, const char *arg, int key,
                    struct fuse_args *outargs)
{
	(void)outargs;
	struct cli *c = data;
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1; /* left for libfuse, which says if it is unknown */
	if (!c->source) {
		c->source = strdup(arg);
	} else if (!c->mountpoint) {
		c->mountpoint = strdup(arg);
	} else {
		ccm_say("extra argument '%s' (SOURCE and MOUNTPOINT are '%s' "
		        "and '%s')",
		        arg, c->source, c->mountpoint);
		return -1;
	}
	return 0;
}

/* Run-time lines go to stderr until daemonised; and to syslog as well
 * when ccmailfs runs in the background, from the scan's summary on. */
static bool to_syslog, daemonised;

static void log_line(const char *fmt, ...)
{
	va_list ap;
	if (to_syslog) {
		va_start(ap, fmt);
		vsyslog(LOG_WARNING, fmt, ap);
		va_end(ap);
	}
	if (!daemonised) {
		fprintf(stderr, "%s: ", ccm_prog());
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
}

static void notice(void *ctx, const char *line)
{
	(void)ctx;
	log_line("%s", line);
}

/* libfuse's own messages ("fuse: unknown option..."), under our name.
 * libfuse may write a line in several calls: it is gathered first. */
static void fuse_line(enum fuse_log_level level, const char *fmt, va_list ap)
{
	static char line[1024];
	if (level == FUSE_LOG_DEBUG) { /* -d's trace, left as it is */
		vfprintf(stderr, fmt, ap);
		return;
	}
	size_t had = strlen(line);
	vsnprintf(line + had, sizeof(line) - had, fmt, ap);
	size_t n = strlen(line);
	if (n + 1 < sizeof(line) && (!n || line[n - 1] != '\n'))
		return;
	const char *s = strncmp(line, "fuse: ", 6) ? line : line + 6;
	n = strcspn(s, "\n");
	if (level <= FUSE_LOG_ERR && (to_syslog || daemonised))
		syslog(LOG_ERR, "%.*s", (int)n, s);
	if (!daemonised)
		fprintf(stderr, "%s: %.*s\n", ccm_prog(), (int)n, s);
	line[0] = '\0';
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

/* Everything main's three steps share. */
struct run {
	struct fuse_args args;
	struct cli c;
	struct fuse_cmdline_opts fo;
	struct ccm_options o;
	struct ccm_ll ll;
	struct fuse_lowlevel_ops ops; /* outlives the session */
	struct fuse_session *se;
	unsigned spin;      /* -o spin, microseconds */
	char mnt[PATH_MAX]; /* the mount point, resolved */
};

static bool output_options(struct cli *c, struct ccm_options *o)
{
	if (c->codepage && !ccm_set_option(o, "codepage", c->codepage))
		return false;
	if (c->sec_split && !ccm_set_option(o, "sec_split", c->sec_split))
		return false;
	if (c->date_order && !ccm_set_option(o, "date_order", c->date_order))
		return false;
	if (c->view && !ccm_set_option(o, "view", c->view))
		return false;
	if (c->dos83)
		ccm_set_option(o, "dos83", NULL);
	if ((c->tz && !ccm_set_option(o, "tz", c->tz)) ||
	    (c->addrmap && !ccm_set_option(o, "addrmap", c->addrmap)))
		return false;
	if (c->cache && !ccm_set_option(o, "cache", c->cache))
		return false;
	if (c->nocache)
		ccm_set_option(o, "nocache", NULL);
	ccm_cache_default(o);
	return true;
}

static bool owner_options(struct cli *c, struct ccm_ll *ll)
{
	ll->uid = c->have_uid ? (uid_t)c->uid : getuid();
	ll->gid = c->have_gid ? (gid_t)c->gid : getgid();
	ll->nosplice = c->nosplice;
	if (c->umask) {
		char *end;
		unsigned long m = strtoul(c->umask, &end, 8);
		if (*end || m > 0777) {
			ccm_say("bad umask '%s'", c->umask);
			return false;
		}
		ll->umask = (mode_t)m;
	}
	return true;
}

/* -o spin=US: at most a second (1000000). */
static bool loop_options(struct cli *c, unsigned *spin)
{
	*spin = CCM_SPIN_DEFAULT;
	if (!c->spin)
		return true;
	char *end;
	unsigned long us = strtoul(c->spin, &end, 10);
	if (!*c->spin || *end || us > 1000000 || *c->spin == '-') {
		ccm_say("bad spin '%s': microseconds, 0 to 1000000", c->spin);
		return false;
	}
	*spin = (unsigned)us;
	return true;
}

/* Read-only whatever was asked (mount.fuse3 may pass "rw"); the kernel
 * checks permissions from the modes we give. The fsname is what df and
 * /proc/mounts show: the absolute source path, unless one was asked. */
static void mount_options(struct run *r)
{
	char real[PATH_MAX], *esc = NULL, *opt = NULL;
	const char *name = r->c.fsname;
	if (!name)
		name = realpath(r->c.source, real) ? real : r->c.source;
	if (fuse_opt_add_opt_escaped(&esc, name) == 0 &&
	    asprintf(&opt, "-oro,default_permissions,subtype=%s,fsname=%s",
	             r->c.subtype ? r->c.subtype : "ccmailfs", esc) > 0)
		fuse_opt_add_arg(&r->args, opt);
	free(opt);
	free(esc);
}

/* Step 1: the command line. -1 to go on, else the exit code. */
static int parse(struct run *r)
{
	struct cli *c = &r->c;
	if (fuse_opt_parse(&r->args, c, cli_opts, cli_proc))
		return ccm_try_help();
	if (c->show_version) {
		printf("ccmailfs %s\n", CCM_VERSION);
		printf("FUSE library version %s\n", fuse_pkgversion());
		return CCM_EXIT_OK;
	}
	if (c->show_help) {
		fputs(USAGE, stdout);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		return CCM_EXIT_OK;
	}
	if (!c->source)
		return ccm_usage_error("missing SOURCE and MOUNTPOINT");
	if (!c->mountpoint)
		return ccm_usage_error("missing MOUNTPOINT after SOURCE '%s'",
		                       c->source);
	if (fuse_parse_cmdline(&r->args, &r->fo))
		return ccm_try_help();
	if (!output_options(c, &r->o) || !owner_options(c, &r->ll) ||
	    !loop_options(c, &r->spin))
		return ccm_try_help();
	mount_options(r);
	if (!r->fo.foreground) {
		openlog("ccmailfs", LOG_PID, LOG_DAEMON);
		to_syslog = true;
	}
	/* The session checks the remaining options: a bad one is bad usage,
	 * told before the scan, which can take a while. */
	ccm_ll_set_ops(&r->ops);
	if (c->noreaddirplus)
		r->ops.readdirplus = NULL;
	r->se = fuse_session_new(&r->args, &r->ops, sizeof(r->ops), &r->ll);
	return r->se ? -1 : ccm_try_help();
}

/*
 * Is dir the root of a mount? statx says so on Linux 5.8 and later;
 * before, a root is a folder on another device than its parent's. An
 * automount point (autofs, as systemd's x-systemd.automount makes) does
 * not count: it is there to be mounted over. AT_NO_AUTOMOUNT, as stat(2)
 * does: looking must not trigger it, or we would wait for our own mount.
 */
static bool mount_root(const char *dir)
{
	struct statx sx;
	if (!statx(AT_FDCWD, dir, AT_NO_AUTOMOUNT, STATX_INO, &sx)) {
		if (sx.stx_attributes & STATX_ATTR_AUTOMOUNT)
			return false;
		if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
			return sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	}
	char up[PATH_MAX + 3];
	struct stat a, b;
	snprintf(up, sizeof(up), "%s/..", dir);
	return !stat(dir, &a) && !stat(up, &b) &&
	       (a.st_dev != b.st_dev || a.st_ino == b.st_ino);
}

/* Step 2: the mount point. -1 to go on, else the exit code. */
static int check_mountpoint(struct run *r)
{
	const char *m = r->c.mountpoint, *s = r->c.source;
	struct stat st;
	if (stat(m, &st) && errno == ENOTCONN) {
		ccm_say("%s: already a mount point, of a file system that no "
		        "longer answers; unmount it first (fusermount3 -u)",
		        m);
		return CCM_EXIT_MOUNTED;
	}
	if (stat(m, &st) || !realpath(m, r->mnt)) {
		ccm_say("%s: %s", m, strerror(errno));
		return CCM_EXIT_OUTPUT;
	}
	if (!S_ISDIR(st.st_mode)) {
		ccm_say("%s: not a folder", m);
		return CCM_EXIT_OUTPUT;
	}
	if (mount_root(r->mnt)) {
		ccm_say("%s: already a mount point; unmount it first "
		        "(fusermount3 -u) or choose another folder",
		        m);
		return CCM_EXIT_MOUNTED;
	}
	/* Reads open the export's files by path while mounted: a mount
	 * over them would hide them, and ccmailfs would read itself. */
	if (ccm_inside(r->mnt, s)) {
		ccm_say("%s: inside SOURCE %s; mount somewhere else", m, s);
		return CCM_EXIT_OVERLAP;
	}
	if (ccm_inside(s, r->mnt)) {
		ccm_say("%s: holds SOURCE %s, which the mount would hide", m,
		        s);
		return CCM_EXIT_OVERLAP;
	}
	return -1;
}

/*
 * ccmailfs's own loop (loop.c), on max_threads threads or one with -s:
 * its leader asks for requests for -o spin microseconds before it
 * sleeps, which took 4 KiB random reads of a SEC file at 100k messages
 * from 1.08 to 1.38 times squashfuse_ll's rate on a 2-core virtual
 * machine (tests/bench/bench.sh -r 3, medians). -o clone_fd and -o
 * max_idle_threads ask for libfuse's multi-threaded loop, whose threads each
 * sleep on /dev/fuse: it is used as asked, and spins not.
 *
 * What else the kernel lets a server tune was measured (first full read
 * of a fresh mount, 100k messages, 1.15 GB, 5 alternating runs on a
 * shared 2-core machine; medians of MB/s and of CPU, daemon and readers):
 * libfuse's defaults (up to 10 threads) 549 MB/s, 1.76 s; max_threads=2
 * 457 MB/s, 1.59 s; max_threads=4 439 MB/s, 1.84 s; clone_fd 334 MB/s,
 * 2.46 s; -s (one thread) 435 MB/s in an earlier set where the default
 * gave 654. None beat the defaults beyond the noise, so none is forced;
 * each stays a command-line option. Requests are as large as the kernel
 * makes them already: libfuse offers 1 MiB (max_pages 256) and buffered
 * reads come in readahead windows of 128 KiB, which a server can lower
 * (max_readahead) but not raise (root can, per mount, through
 * /sys/class/bdi/0:N/read_ahead_kb: 1024 there read at 633 MB/s against
 * 654, with 7% less daemon CPU: not worth a write to sysfs).
 *
 * Nor does a larger window cut into smaller requests, so that two threads
 * render at once (measured again on 2026-12-06, the same read, 5 runs
 * alternating, medians of MB/s and daemon CPU): read_ahead_kb 128 and 1
 * MiB requests (the defaults) 1,253 MB/s, 0.72 s; 1024 and 1 MiB 1,227,
 * 0.81 s; 1024 with 128 KiB requests (max_write, which sets max_pages)
 * 1,096, 1.00 s; 2048 with 128 KiB requests 1,024, 1.04 s. More
 * requests at once cost the daemon more CPU than the second core gives
 * back, so the defaults stay.
 */
static int loop(struct fuse_session *se, const struct fuse_cmdline_opts *fo,
                unsigned spin)
{
	if (fo->singlethread ||
	    (!fo->clone_fd && fo->max_idle_threads == UINT_MAX)) /* unset */
		return ccm_loop(se, fo->singlethread ? 1 : fo->max_threads,
		                spin);
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned)fo->clone_fd);
	if (fo->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(cfg, fo->max_idle_threads);
	fuse_loop_cfg_set_max_threads(cfg, fo->max_threads);
	int res = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return res;
}

static void *keep_index(void *src)
{
	ccm_source_keep_index(src);
	return NULL;
}

/* Serves the mounted file system until unmounted, while a thread writes
 * the index file a scan owes: the mount is ready a write sooner (15 ms
 * at 100k messages, ten times that at 1M). The exit code. */
static int serve_mounted(struct run *r, ccm_source *src)
{
	daemonised = !r->fo.foreground;
	fuse_daemonize(r->fo.foreground); /* forks: no thread before it */
	/* The signals that end the loop are for this thread, its leader
	 * (loop.c): the threads started here never take them. */
	sigset_t stop;
	ccm_loop_stop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	ccm_term_start(&r->ll, r->mnt); /* SIGTERM: lazily */
	pthread_t t;
	bool writing = !pthread_create(&t, NULL, keep_index, src);
	pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
	/* The loop returns the signal that ended it: a clean stop. */
	int rc = loop(r->se, &r->fo, r->spin) < 0 ? CCM_EXIT_IO : CCM_EXIT_OK;
	fuse_session_unmount(r->se);
	if (writing)
		pthread_join(t, NULL);
	return rc;
}

/* Step 3: scan, mount and serve until unmounted; the exit code. */
static int serve(struct run *r)
{
	struct fuse_session *se = r->se;
	char msg[1024];
	ccm_source *src = NULL;
	r->o.cache_later = true;
	ccm_err err =
	        ccm_source_open(r->c.source, &r->o, &src, msg, sizeof(msg));
	int rc = CCM_EXIT_IO;
	if (err) {
		log_line("%s", msg);
		rc = ccm_exit_code(err);
		if (rc == CCM_EXIT_USAGE)
			ccm_try_help();
	} else if (!fuse_set_signal_handlers(se)) {
		r->ll.src = src;
		ccm_ll_count(&r->ll);
		rc = CCM_EXIT_IO; /* libfuse has said why */
		if (!fuse_session_mount(se, r->mnt))
			rc = serve_mounted(r, src);
		fuse_remove_signal_handlers(se);
	}
	if (src) /* when no thread could, or no mount was made */
		ccm_source_keep_index(src);
	ccm_source_close(src);
	return rc;
}

int main(int argc, char **argv)
{
	struct run r = {.args = FUSE_ARGS_INIT(argc, argv)};
	r.o.notice = notice;
	r.ll.log = log_line;
	ensure_std_fds();
	fuse_set_log_func(fuse_line);
	int rc = parse(&r);
	if (rc < 0)
		rc = check_mountpoint(&r);
	if (rc < 0)
		rc = serve(&r);
	if (r.se)
		fuse_session_destroy(r.se);
	free(r.fo.mountpoint);
	free(r.c.source);
	free(r.c.mountpoint);
	free(r.c.codepage);
	free(r.c.sec_split);
	free(r.c.date_order);
	free(r.c.tz);
	free(r.c.addrmap);
	free(r.c.view);
	free(r.c.cache);
	free(r.c.umask);
	free(r.c.fsname);
	free(r.c.subtype);
	free(r.c.spin);
	fuse_opt_free_args(&r.args);
	return rc;
}
