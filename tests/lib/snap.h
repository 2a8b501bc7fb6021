/*
 * Snapshots of a source tree: what it looked like (entries, modes, sizes,
 * times, FNV-1a of the bytes), to prove that a mount did not touch it.
 */
#ifndef CCM_TESTS_LIB_SNAP_H
#define CCM_TESTS_LIB_SNAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct tl_snap_entry {
	char *path;
	mode_t mode;
	off_t size;
	struct timespec mtime, ctime;
	uint64_t hash;
};
/* The entries of a tree in tl_list_tree order (owned; tl_snap_free). */
struct tl_snap {
	struct tl_snap_entry *e;
	size_t n;
};
void tl_snap_take(const char *root, struct tl_snap *s);
/* Asserts that nothing changed between the two. */
void tl_snap_assert_same(const struct tl_snap *before,
                         const struct tl_snap *after);
void tl_snap_free(struct tl_snap *s);

#endif
