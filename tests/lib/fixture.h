/*
 * The fixture of the mount suites: each suite uses tl_setup and
 * tl_teardown as its .init and .fini.
 *
 * Criterion runs every test in a process of its own, so all of the state
 * is per test. As Criterion's .fini does not run when the test process
 * dies of a signal, tl_setup also installs an atexit hook and signal
 * handlers that unmount lazily with async-signal-safe calls only; and the
 * runner, at its end, detaches any mount a test left below its scratch
 * folders and fails the run.
 */
#ifndef CCM_TESTS_LIB_FIXTURE_H
#define CCM_TESTS_LIB_FIXTURE_H

/*
 * Skips the test when FUSE cannot be used; makes the scratch folder
 * (scratch.h); makes this process the reaper of daemons that detach.
 */
void tl_setup(void);
/*
 * Unmounts what the test left mounted and removes the scratch folder
 * (kept when CCM_KEEP_SCRATCH=1). Does nothing in a child process.
 */
void tl_teardown(void);

#endif
