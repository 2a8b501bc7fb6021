/*
 * The scratch folder of a mount test: one per test, made by tl_setup and
 * removed by tl_teardown (fixture.h), under /tmp/ccm-mount-<runner pid>-*
 * so that the runner can sweep what a killed test left. Programs run here
 * keep their output in a log file inside it.
 */
#ifndef CCM_TESTS_LIB_SCRATCH_H
#define CCM_TESTS_LIB_SCRATCH_H

#include <stdbool.h>

/* The start of every scratch folder's path; the runner's pid follows. */
#define TL_SCRATCH_PREFIX "/tmp/ccm-mount-"

/* Makes this test's scratch folder (an absolute, canonical path). */
void tl_scratch_make(void);
/*
 * Forgets it, removed first when remove, its path printed when tell.
 * Returns at once when there is none.
 */
void tl_scratch_drop(bool remove, bool tell);
/* The scratch folder of this test, asserted to exist. */
const char *tl_scratch(void);
/* A new folder scratch/name, asserted not to exist yet; path into out. */
void tl_newdir(char *out, const char *name);

/*
 * Runs argv (as tl_run, 300 s at most) with its output in scratch/logname,
 * asserting that it exits 0; the log is shown when it does not.
 */
void tl_run_ok(const char *const argv[], const char *logname);
/* Runs "/bin/sh -c cmd", output to scratch/shell.log; returns as tl_run. */
int tl_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
