/*
 * Names in an export folder, matched without regard to case (scan_path.c):
 * folder listings kept for the scan, and attachment Path: lines.
 */
#ifndef CCM_SCAN_PATH_H
#define CCM_SCAN_PATH_H

#include "index.h"

/*
 * Resolves an attachment Path: (v, n bytes) inside po's export folder and
 * registers the file. Returns its source file number, or CCM_NONE with a
 * sentence in why (whysz bytes). On success why is empty, or says which
 * of several names matching a part without regard to case was taken (a
 * warning to report).
 */
uint32_t ccm_scan_path(struct ccm_po *po, const char *v, size_t n, char *why,
                       size_t whysz);

/* The entry of folder path named name without regard to case (an exact
 * match first, else the first in byte order), or NULL; *same (same may be
 * NULL) gets how many entries match so. The folder is listed once per
 * scan; the returned name is valid until ccm_scan_path_free. */
const char *ccm_scan_find(struct ccm_po *po, const char *path, const char *name,
                          size_t *same);
/* The entries of folder path, sorted without regard to case; *names is
 * kept by po and valid until ccm_scan_path_free. Returns their number. */
size_t ccm_scan_list(struct ccm_po *po, const char *path, char ***names);
/* Frees the folder listings of po. */
void ccm_scan_path_free(struct ccm_po *po);

#endif
