/*
 * Putting a folder in place whole: ccmail2iff writes each post office into
 * a temporary folder beside its final place, then renames it there, so
 * that no one ever sees half a post office, nor old files beside new ones.
 */
#ifndef CCM_FS_PLACE_H
#define CCM_FS_PLACE_H

#include <stdbool.h>

/*
 * Makes a new empty folder "dir/.name.tag-XXXXXX" (a name no one else
 * uses, hidden from ls) and writes its path into out, of outsz bytes.
 * Returns 0 or an errno value.
 */
int ccm_temp_beside(const char *dir, const char *name, const char *tag,
                    char *out, size_t outsz);

/* Removes path and all it holds, links not followed. 0 or an errno. */
int ccm_remove_tree(const char *path);

/*
 * Renames the finished folder tmp to final. When final exists and replace
 * is true, the two are swapped in one step (or, where the file system
 * cannot, final is renamed aside first) and the old tree removed; when
 * replace is false, an existing final is left alone and EEXIST returned.
 * Returns 0 or an errno value; tmp is left as it was on failure.
 */
int ccm_put_in_place(const char *tmp, const char *final, bool replace);

#endif
