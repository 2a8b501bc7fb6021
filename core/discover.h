/*
 * Finding the export folders of a source (discover.c).
 */
#ifndef CCM_DISCOVER_H
#define CCM_DISCOVER_H

#include "index.h"

/*
 * Scans path when it is an export folder (it holds a PO.INI), else each
 * sub-folder that is one, in byte order of their names, adding a post
 * office to src for each. On failure writes a sentence into msg (msgsz
 * bytes): a missing or unreadable source, a native post office, or a
 * folder holding no export.
 */
ccm_err ccm_discover(struct ccm_source *src, const char *path, char *msg,
                     size_t msgsz);

#endif
