/*
 * Trees of files listed and compared: a mount against ccmail2iff's
 * reference tree, byte for byte. Every helper asserts (Criterion).
 */
#ifndef CCM_TESTS_LIB_TREE_H
#define CCM_TESTS_LIB_TREE_H

#include <stdbool.h>
#include <stddef.h>

/* A list of names (each malloc'd, owned by the list). */
struct tl_list {
	char **v;
	size_t n, cap;
};
/* Relative paths of a tree, folders ending with '/', sorted by bytes;
 * only folders and regular files may appear. */
void tl_list_tree(const char *root, struct tl_list *out);
/* The names in one folder ("." and ".." left out), sorted by bytes. */
void tl_list_dir(const char *dir, struct tl_list *out);
void tl_list_free(struct tl_list *l);
bool tl_list_has(const struct tl_list *l, const char *s);

/* Leave out every REPORT.TXT (of both trees) from a comparison. */
#define TL_NO_REPORT 1u
/*
 * Asserts that two trees hold the same folders and files, each file of the
 * same size and bytes (read to the end; the bytes read must match
 * st_size). Only folders and regular files may appear.
 */
void tl_assert_same_tree(const char *got, const char *want, unsigned flags);
/* Asserts that two files have the same size and bytes. */
void tl_assert_same_file(const char *got, const char *want);

#endif
