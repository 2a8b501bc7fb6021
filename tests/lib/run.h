/*
 * Child programs for the tests: run with standard input from /dev/null,
 * their output captured in memory or appended to files, waited for with a
 * time limit so that a hung program can never hang a suite.
 */
#ifndef CCM_TESTS_LIB_RUN_H
#define CCM_TESTS_LIB_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* tl_run's answer when the child had to be killed after its time. */
#define TL_TIMEOUT (-1)

/*
 * Starts argv (argv[0] a path, or a name looked up in PATH) in folder cwd
 * (NULL: here) with a clean signal state, standard input from /dev/null
 * and standard output and error on the descriptors out_fd and err_fd.
 * With tie, the child gets SIGTERM when the calling thread's process dies
 * (PR_SET_PDEATHSIG). Returns its pid.
 */
pid_t tl_spawn(const char *const argv[], const char *cwd, int out_fd,
               int err_fd, bool tie);
/*
 * Waits for pid; after timeout_s seconds (never when negative) it gets
 * SIGTERM, then SIGKILL. Returns its exit code, 128 + the signal that
 * ended it, or TL_TIMEOUT when it had to be killed.
 */
int tl_wait_pid(pid_t pid, int timeout_s);
/* An exit status made an answer as tl_wait_pid's. */
int tl_status(int status);

/*
 * Runs argv with its stdout and stderr appended to the files out and err
 * (NULL: /dev/null; both may be the same file). Returns as tl_wait_pid.
 */
int tl_run(const char *const argv[], const char *out, const char *err,
           int timeout_s);
/*
 * Runs argv in folder cwd (NULL: here), waiting as long as it takes; its
 * standard output and error are returned (malloc'd, NUL-terminated) when
 * out and err are not NULL. Returns as tl_wait_pid.
 */
int tl_capture(const char *const argv[], const char *cwd, char **out,
               char **err);

/*
 * A new NULL-terminated argv (malloc'd array, the strings borrowed):
 * head[0..nhead), then args up to its NULL (args may be NULL), then
 * tail[0..ntail).
 */
const char **tl_argv(const char *const head[], size_t nhead,
                     const char *const args[], const char *const tail[],
                     size_t ntail);

#endif
