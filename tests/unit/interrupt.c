/*
 * ccmail2iff stopped and run again, as real processes: SIGINT or SIGTERM
 * at any moment leaves, for each post office, nothing or a folder equal
 * to a clean run's, and no temporary folder; a post office folder already
 * in OUTDIR is refused (exit 9) unless --force, which replaces it whole,
 * without a moment where old and new files show side by side.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tl.h"

/* The test's folder, and in it the source, a clean run's output, the
 * output of the run under test and its stderr. */
static char *D, *SRC, *REF, *OUT, *ERR;

static void setup(void)
{
	D = tl_tmpdir();
	SRC = tl_path(D, "src");
	REF = tl_path(D, "ref");
	OUT = tl_path(D, "out");
	ERR = tl_path(D, "err.txt");
}

static void teardown(void)
{
	free(SRC);
	free(REF);
	free(OUT);
	free(ERR);
	tl_rmtree(D);
}

TestSuite(interrupt, .init = setup, .fini = teardown, .timeout = 300);

/* Starts "ccmail2iff -q [flag] src out", stderr into the file err. */
static pid_t start(const char *flag, const char *src, const char *out,
                   const char *err)
{
	const char *argv[] = {
	        tl_env("CCM_CCMAIL2IFF"), "-q", src, out, NULL, NULL};
	if (flag) {
		argv[2] = flag, argv[3] = src, argv[4] = out;
	}
	int e = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int n = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert(e >= 0 && n >= 0, "%s: %s", err, strerror(errno));
	pid_t pid = tl_spawn(argv, NULL, n, e, false);
	close(e);
	close(n);
	return pid;
}

/*
 * SRC: ccm-gen's two post offices (SALES and Sales~2) of `messages`
 * messages each; REF: a clean run's output of it.
 */
static void prepare(const char *messages, const char *attach)
{
	const char *argv[] = {tl_env("CCM_GEN"),
	                      "--seed",
	                      "17",
	                      "--pos",
	                      "2",
	                      "--users",
	                      "30",
	                      "--messages",
	                      messages,
	                      "--attach-bytes",
	                      attach,
	                      SRC,
	                      NULL};
	char *err;
	int rc = tl_capture(argv, NULL, NULL, &err);
	cr_assert_eq(rc, 0, "ccm-gen: %s", err);
	free(err);
	cr_assert_eq(tl_wait_pid(start(NULL, SRC, REF, ERR), -1), 0);
}

static void assert_same_dir(const char *got, const char *want)
{
	const char *argv[] = {"diff", "-r", got, want, NULL};
	char *out;
	int rc = tl_capture(argv, NULL, &out, NULL);
	cr_assert_eq(rc, 0, "%s differs from a clean run:\n%s", got, out);
	free(out);
}

/*
 * What an interrupted run left in out: each entry a post office folder
 * equal to the clean run's (ref), nothing hidden or half-made. Returns
 * how many post office folders there are.
 */
static size_t assert_whole_or_nothing(const char *out, const char *ref)
{
	DIR *d = opendir(out);
	if (!d)
		return 0; /* stopped before it made OUTDIR */
	size_t whole = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cr_assert_neq(de->d_name[0], '.', "left behind: %s/%s", out,
		              de->d_name);
		char *got = tl_path(out, de->d_name);
		char *want = tl_path(ref, de->d_name);
		assert_same_dir(got, want);
		free(want);
		free(got);
		whole++;
	}
	closedir(d);
	return whole;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Signals after random delays spread over a clean run's length: some
 * land in the scan, some while a post office is written, some after the
 * end. Every outcome must be nothing, or whole post offices.
 */
Test(interrupt, signal_at_any_moment_leaves_nothing_or_whole)
{
	prepare("2500", "6M");
	double t0 = now();
	cr_assert_eq(tl_wait_pid(start(NULL, SRC, OUT, ERR), -1), 0);
	double clean = now() - t0;
	tl_rmtree(strdup(OUT));
	struct tl_rng rng = {.s = 7};
	for (int i = 0; i < 12; i++) {
		int sig = i % 2 ? SIGTERM : SIGINT;
		pid_t pid = start(NULL, SRC, OUT, ERR);
		uint64_t us = tl_rng_below(&rng, (uint64_t)(clean * 1.2e6));
		usleep((useconds_t)us);
		kill(pid, sig);
		int rc = tl_wait_pid(pid, -1);
		char *text = tl_try_slurp(ERR, NULL);
		cr_assert(rc == 0 || rc == 128 + sig,
		          "killed after %llu us by %d: exit %d\n%s",
		          (unsigned long long)us, sig, rc, text);
		size_t whole = assert_whole_or_nothing(OUT, REF);
		cr_log_info("after %llu us: exit %d, %zu post offices",
		            (unsigned long long)us, rc, whole);
		if (rc == 0)
			assert_same_dir(OUT, REF);
		free(text);
		tl_rmtree(strdup(OUT));
	}
}

/* Is the temporary folder of post office po (".PO.part-XXXXXX") in
 * folder dir? Its name into name (256 bytes). */
static bool temp_folder(const char *dir, const char *po, char *name)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	char prefix[256];
	snprintf(prefix, sizeof(prefix), ".%s.part-", po);
	struct dirent *de;
	bool found = false;
	while (!found && (de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix))) {
			snprintf(name, 256, "%s", de->d_name);
			found = true;
		}
	closedir(d);
	return found;
}

/*
 * Runs ccmail2iff until it is caught in the act: stopped (SIGSTOP) while
 * the temporary folder of post office po is there, then sent SIGINT and
 * let go. The folder goes, the exit is 130, the message says so, and the
 * post offices before po are whole.
 */
static void interrupt_while_writing(const char *po, size_t whole_before)
{
	prepare("1500", "2M");
	bool caught = false;
	for (int attempt = 0; !caught && attempt < 20; attempt++) {
		pid_t pid = start(NULL, SRC, OUT, ERR);
		char name[256] = "";
		int st;
		while (!temp_folder(OUT, po, name) &&
		       waitpid(pid, &st, WNOHANG) == 0)
			usleep(200);
		if (name[0] && kill(pid, SIGSTOP) == 0 &&
		    waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st)) {
			char *tmp = tl_path(OUT, name);
			struct stat sb;
			caught = stat(tmp, &sb) == 0;
			free(tmp);
			kill(pid, SIGINT);
			kill(pid, SIGCONT);
		}
		int rc = tl_wait_pid(pid, -1);
		char *text = tl_try_slurp(ERR, NULL);
		size_t whole = assert_whole_or_nothing(OUT, REF);
		if (caught) {
			cr_assert_eq(rc, 130, "exit %d:\n%s", rc, text);
			cr_assert(strstr(text,
			                 "ccmail2iff: interrupted by SIGINT"),
			          "%s", text);
			cr_assert_eq(whole, whole_before);
		}
		free(text);
		tl_rmtree(strdup(OUT));
	}
	cr_assert(caught, "never saw %s's temporary folder in 20 runs", po);
}

Test(interrupt, sigint_in_the_first_post_office)
{
	interrupt_while_writing("SALES", 0);
}

Test(interrupt, sigint_in_the_second_post_office)
{
	interrupt_while_writing("Sales~2", 1);
}

/* Every name in folder dir, sorted, one a line (malloc'd); NULL when dir
 * is missing or was swapped while being read. */
static char *names(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	struct stat before, after;
	cr_assert_eq(fstat(dirfd(d), &before), 0);
	char *all = strdup("");
	struct dirent *de;
	char *list[512];
	size_t n = 0;
	while ((de = readdir(d)) && n < 512)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			list[n++] = strdup(de->d_name);
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(list[j], list[i]) < 0) {
				char *t = list[i];
				list[i] = list[j];
				list[j] = t;
			}
	for (size_t i = 0; i < n; i++) {
		char *next;
		cr_assert_geq(asprintf(&next, "%s%s\n", all, list[i]), 0);
		free(all);
		free(list[i]);
		all = next;
	}
	if (stat(dir, &after) || after.st_ino != before.st_ino) {
		free(all);
		return NULL;
	}
	return all;
}

/* A post office folder already there: refused before anything is
 * written, and left as it was. */
Test(interrupt, existing_folder_refused_without_force)
{
	prepare("40", "100K");
	tl_puts(OUT, "Sales~2/STALE.TXT", "old\n");
	char *before = names(OUT);
	cr_assert_eq(tl_wait_pid(start(NULL, SRC, OUT, ERR), -1), 9);
	char *text = tl_try_slurp(ERR, NULL);
	cr_assert(strstr(text, "Sales~2: already there; --force replaces it"),
	          "%s", text);
	char *after = names(OUT);
	cr_assert_str_eq(after, before, "OUTDIR changed");
	char *po = tl_path(OUT, "Sales~2");
	char *inside = names(po);
	cr_assert_str_eq(inside, "STALE.TXT\n");
	free(inside);
	free(po);
	free(after);
	free(text);
	free(before);
}

/*
 * --force over an older, different folder: the result equals a clean run,
 * with no stale file left, and a reader listing the folder all along saw
 * the old files or the new ones, never both.
 */
Test(interrupt, force_replaces_the_folder_whole)
{
	prepare("400", "1M");
	cr_assert_eq(tl_wait_pid(start(NULL, SRC, OUT, ERR), -1), 0);
	char *po = tl_path(OUT, "SALES");
	char *want = names(po);
	tl_puts(po, "STALE.TXT", "old\n");
	tl_puts(po, "SALES.PKL", "truncated");
	char *old = names(po);
	pid_t pid = start("--force", SRC, OUT, ERR);
	int st;
	size_t seen = 0;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		char *now_ = names(po);
		cr_assert(!now_ || !strcmp(now_, old) || !strcmp(now_, want),
		          "a mix of old and new files:\n%s", now_);
		seen += now_ != NULL;
		free(now_);
	}
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_log_info("%zu listings while replacing", seen);
	assert_same_dir(OUT, REF);
	cr_assert_eq(assert_whole_or_nothing(OUT, REF), 2);
	free(old);
	free(want);
	free(po);
}
