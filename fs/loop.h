/*
 * The request loop (loop.c): a leader that polls /dev/fuse briefly before
 * it sleeps, and helpers that join when requests queue up.
 */
#ifndef CCM_LOOP_H
#define CCM_LOOP_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <signal.h>

/* -o spin's default, microseconds. */
#define CCM_SPIN_DEFAULT 50u

/* Serves `se` on `threads` threads (at least one) until it ends; the
 * leader asks for requests for `spin` microseconds before it sleeps.
 * 0, or a negative errno when reading /dev/fuse failed. */
int ccm_loop(struct fuse_session *se, unsigned threads, unsigned spin);
/* Sets `set` to the signals that end the session (libfuse's handlers of
 * SIGINT and SIGHUP): only the thread that runs ccm_loop may take them,
 * so every thread started beside it blocks them. */
void ccm_loop_stop_signals(sigset_t *set);

#endif
