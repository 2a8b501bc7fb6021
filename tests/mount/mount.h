/*
 * The fixture of the mount suites: a scratch folder per test, sources
 * written by ccm-gen, reference trees written by ccmail2iff, real mounts of
 * ccmailfs and their teardown, tree comparisons and source snapshots.
 *
 * Criterion runs every test in a process of its own, so all of this state
 * is per test. Every helper that can fail asserts, so that a test reads as
 * a list of checks and never goes on from a broken setup.
 *
 * A mount must never outlive its test. Each suite uses tm_setup and
 * tm_teardown as its .init and .fini; tm_teardown unmounts whatever a
 * failed test left behind. As Criterion's .fini does not run when the test
 * process dies of a signal, tm_setup also installs an atexit hook and
 * signal handlers that unmount lazily with async-signal-safe calls only,
 * and a foreground daemon gets SIGTERM when its test process dies
 * (PR_SET_PDEATHSIG), which makes it unmount itself.
 */
#ifndef CCM_TESTS_MOUNT_MOUNT_H
#define CCM_TESTS_MOUNT_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define TM_PATH 4096
/* tm_run's answer when the child had to be killed after its time. */
#define TM_TIMEOUT (-1)

/* .init and .fini of every mount suite. */
void tm_setup(void);
void tm_teardown(void);

/* An environment variable that meson's test_env must have set. */
const char *tm_env(const char *name);
/* Skips the test unless the process runs as root. */
void tm_require_root(void);

/* The scratch folder of this test (an absolute, canonical path). */
const char *tm_scratch(void);
/* Formats a path into out (TM_PATH bytes), asserting it fits. */
void tm_join(char *out, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* A new folder scratch/name, asserted not to exist yet; path into out. */
void tm_newdir(char *out, const char *name);
/* Writes a whole file, replacing it. */
void tm_write(const char *path, const void *data, size_t n);
/* A whole file, NUL-terminated past its *n bytes (malloc'd). */
char *tm_slurp(const char *path, size_t *n);

/*
 * Runs argv (argv[0] looked up in PATH) with stdin from /dev/null and its
 * stdout and stderr appended to the files out and err (NULL: /dev/null;
 * both may be the same file). Returns its exit code, 128 + the signal that
 * ended it, or TM_TIMEOUT when it was still running after timeout_s
 * seconds (it is killed then).
 */
int tm_run(const char *const argv[], const char *out, const char *err,
           int timeout_s);
/* Runs "/bin/sh -c cmd", output to scratch/shell.log; returns as tm_run. */
int tm_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ccm-gen args... dir; asserts success. args ends with NULL. */
void tm_gen(const char *dir, const char *const args[]);
/* Rewrites the Name= line of export_dir/PO.INI. */
void tm_set_po_name(const char *export_dir, const char *name);
/*
 * Three post offices whose names collide once sanitised: "SALES EAST",
 * "SALES/EAST" and "sales:east" (folders SALES_EAST, SALES_EAST~2 and
 * sales_east~3), from ccm-gen with the given seed and extra args.
 */
void tm_gen_colliding(const char *dir, unsigned seed, const char *const args[]);
/* ccmail2iff -q args... src out; asserts success. args may be NULL. */
void tm_reference(const char *src, const char *out, const char *const args[]);

/* A mount made by the fixture. */
struct tm_mount {
	char mnt[TM_PATH]; /* the mount point */
	char log[TM_PATH]; /* the daemon's stdout and stderr */
	pid_t pid;         /* the daemon, 0 when unknown */
	bool used;
};

/*
 * Mounts src with "ccmailfs -f opts... src MNT" on a new mount point in the
 * scratch folder, and waits until MNT's st_dev differs from its parent's
 * (up to 30 s, failing at once if the daemon exits). opts may be NULL.
 * The environment variable CCM_MOUNT_WRAPPER (e.g. "valgrind -q") is put
 * before the command when set.
 */
struct tm_mount *tm_mount(const char *src, const char *const opts[]);
/*
 * Takes charge of a mount made by someone else (daemon mode, mount -t):
 * mnt is unmounted at teardown and pid (0 if unknown) waited for.
 */
struct tm_mount *tm_adopt(const char *mnt, pid_t pid);
/* The pid of the ccmailfs process serving mnt (argv holds mnt), or 0. */
pid_t tm_find_daemon(const char *mnt);
/*
 * Unmounts (fusermount3 -u, then -u -z when busy) and waits for the
 * daemon; asserts that the mount is gone. Returns the daemon's exit code
 * (128 + signal when killed), or 0 when its pid is not known.
 */
int tm_umount(struct tm_mount *m);
/*
 * The end of a clean test: every mount still made is unmounted, its
 * daemon asserted to exit 0 and its log to be clean.
 */
void tm_finish(void);
/* Is path a mount point in /proc/self/mounts? type (may be NULL) gets its
 * file system type (64 bytes). */
bool tm_mounted(const char *path, char *type);
/* Waits (at most timeout_s) for pid to exit; returns as tm_run. */
int tm_wait_pid(pid_t pid, int timeout_s);

/*
 * Asserts that a daemon log holds no line that smells of trouble (error,
 * warning, sanitizer, valgrind's ==PID== ...); the per-post-office summary
 * line ("N warnings, M items left out; see X/REPORT.TXT") is allowed.
 */
void tm_assert_quiet_log(const char *path);

/* Relative paths of a tree, folders ending with '/', sorted by bytes. */
struct tm_list {
	char **v;
	size_t n, cap;
};
void tm_list_tree(const char *root, struct tm_list *out);
/* The names in one folder ("." and ".." left out), sorted by bytes. */
void tm_list_dir(const char *dir, struct tm_list *out);
void tm_list_free(struct tm_list *l);
bool tm_list_has(const struct tm_list *l, const char *s);

/* Leave out every REPORT.TXT (of both trees) from a comparison. */
#define TM_NO_REPORT 1u
/*
 * Asserts that two trees hold the same folders and files, each file of the
 * same size and bytes (read to the end; the bytes read must match
 * st_size). Only folders and regular files may appear.
 */
void tm_assert_same_tree(const char *got, const char *want, unsigned flags);
/* Asserts that two files have the same size and bytes. */
void tm_assert_same_file(const char *got, const char *want);

/* FNV-1a, 64 bits, continuing from h (start with TM_FNV_INIT). */
#define TM_FNV_INIT 0xcbf29ce484222325ull
uint64_t tm_fnv1a(uint64_t h, const void *p, size_t n);

/* What a tree of source files looked like: to prove it was not touched. */
struct tm_snap_entry {
	char *path;
	mode_t mode;
	off_t size;
	struct timespec mtime, ctime;
	uint64_t hash;
};
struct tm_snap {
	struct tm_snap_entry *e;
	size_t n;
};
void tm_snap_take(const char *root, struct tm_snap *s);
void tm_snap_assert_same(const struct tm_snap *before,
                         const struct tm_snap *after);
void tm_snap_free(struct tm_snap *s);

/* A deterministic PRNG for tests (splitmix64). */
uint64_t tm_rand(uint64_t *state);

#endif
