/*
 * Real mounts of ccmailfs for the mount suites: made on a new mount point
 * in the scratch folder (scratch.h), their daemon's output kept in a log
 * there, unmounted and reaped at the end of the test.
 *
 * A mount must never outlive its test: tl_teardown (fixture.h) unmounts
 * whatever a failed test left behind, and a daemon gets SIGTERM when its
 * test process dies.
 */
#ifndef CCM_TESTS_LIB_MOUNT_H
#define CCM_TESTS_LIB_MOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "files.h"

/* A mount made by the fixture. */
struct tl_mount {
	char mnt[TL_PATH]; /* the mount point */
	char log[TL_PATH]; /* the daemon's stdout and stderr */
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
struct tl_mount *tl_mount(const char *src, const char *const opts[]);
/*
 * Waits until m is mounted with file system type `type` (as
 * /proc/self/mounts names it): until MNT's st_dev differs from that of
 * the scratch folder, its parent, up to 30 s, failing at once if its
 * daemon (m->pid) exits; m->log, when set, is shown on failure.
 */
void tl_wait_mounted(struct tl_mount *m, const char *type);
/*
 * Takes charge of a mount made by someone else (daemon mode, mount -t):
 * mnt is unmounted at teardown and pid (0 if unknown) waited for.
 */
struct tl_mount *tl_adopt(const char *mnt, pid_t pid);
/* The pid of the ccmailfs process serving mnt (argv holds mnt), or 0. */
pid_t tl_find_daemon(const char *mnt);
/*
 * Unmounts (fusermount3 -u, then -u -z when busy) and waits for the
 * daemon; asserts that the mount is gone. Returns the daemon's exit code
 * (128 + signal when killed), or 0 when its pid is not known.
 */
int tl_umount(struct tl_mount *m);
/*
 * The end of a clean test: every mount still made is unmounted, its
 * daemon asserted to exit 0 and its log to be clean.
 */
void tl_finish(void);
/* Is path a mount point in /proc/self/mounts? type (may be NULL) gets its
 * file system type (64 bytes). */
bool tl_mounted(const char *path, char *type);

/*
 * Asserts that a daemon log holds no line that smells of trouble (error,
 * warning, sanitizer, valgrind's ==PID== ...); the per-post-office summary
 * line ("N warnings, M items left out; see X/REPORT.TXT") is allowed.
 */
void tl_assert_quiet_log(const char *path);

/* For the fixture (fixture.c) only. */
/* Finds fusermount3; skips the test when FUSE cannot be used. */
void tl_mount_prepare(void);
/*
 * Lazy unmounts of every mount, with async-signal-safe calls only (fork,
 * execve, waitpid, kill, open, dup2): for a fatal signal's handler.
 */
void tl_mount_emergency(void);
/* Unmounts every mount without asserting; true when one is left. */
bool tl_mount_release_all(void);
/* Detaches every mount below paths starting with prefix; true if any. */
bool tl_mount_sweep(const char *prefix);

#endif
