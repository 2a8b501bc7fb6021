/*
 * Scratch folders and small files for the tests: paths, folders made and
 * removed, files written and read whole, and the environment meson sets.
 *
 * Every helper that can fail asserts (Criterion), so that a test reads as
 * a list of checks and never goes on from a broken setup.
 */
#ifndef CCM_TESTS_LIB_FILES_H
#define CCM_TESTS_LIB_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* The size of the path buffers that tl_join fills. */
#define TL_PATH 4096

/* An environment variable that meson's test_env must have set. */
const char *tl_env(const char *name);
/* Skips the test unless the process runs as root. */
void tl_require_root(void);

/* Formats a path into out (TL_PATH bytes), asserting it fits. */
void tl_join(char *out, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* "dir/rel", malloc'd (the caller frees). */
char *tl_path(const char *dir, const char *rel);

/* A new empty folder /tmp/ccm-unit-XXXXXX (malloc'd path). */
char *tl_tmpdir(void);
/*
 * Removes a folder and all it holds: links are not followed, other file
 * systems (a mount) not entered, read-only folders opened up first.
 */
void tl_remove_tree(const char *dir);
/* tl_remove_tree, then frees dir; NULL does nothing. */
void tl_rmtree(char *dir);
/* mkdir -p. */
void tl_mkdirs(const char *path);

/* Writes a whole file, replacing it. */
void tl_write(const char *path, const void *data, size_t n);
/* Writes dir/rel (its folders made first), replacing it. */
void tl_write_at(const char *dir, const char *rel, const void *data, size_t n);
/* tl_write_at of a NUL-terminated string. */
void tl_puts(const char *dir, const char *rel, const char *s);
/* Reads up to n bytes of fd (named path), short only at its end. */
size_t tl_read_full(int fd, char *buf, size_t n, const char *path);
/* A whole file, NUL-terminated past its *n bytes (malloc'd). */
char *tl_slurp(const char *path, size_t *n);
/* The same, but NULL when the file cannot be opened. */
char *tl_try_slurp(const char *path, size_t *n);

/* Does text[0..n) hold the NUL-terminated string needle? */
bool tl_contains(const char *text, size_t n, const char *needle);

#endif
