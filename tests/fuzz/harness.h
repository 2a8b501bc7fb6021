/*
 * What the fuzz targets share: a scratch export folder of their own
 * process, written anew for each input, scanned through the public API
 * and read back in every way a reader can, with every promise of the API
 * checked. A broken promise aborts, which libFuzzer reports as a crash.
 */
#ifndef CCM_TESTS_FUZZ_HARNESS_H
#define CCM_TESTS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "ccmailfs/ccmailfs.h"

/*
 * The scratch export folder (created on first use, under /dev/shm when it
 * exists, removed at exit). Folders of processes that died are removed
 * when the next one starts.
 */
const char *fz_export(void);

/* Writes rel (a path inside the export, its folders made) whole. */
void fz_write(const char *rel, const void *data, size_t n);
/* Removes rel from the export if it is there. */
void fz_remove(const char *rel);

/*
 * Writes the base post office: PO.INI, a directory, a mailing list, a
 * bulletin board, a mailbox USERS/AMES.EXP whose messages hold text, hex
 * and a Path: attachment, and that attachment in FILES.
 */
void fz_write_base(void);

/*
 * Opens the export with opts (NULL: the defaults). When it opens, reads
 * every file of every post office whole, then again in windows whose
 * lengths and offsets come from seed, through ccm_file_read and
 * ccm_file_span, and checks that all agree and that REPORT.TXT is CR LF
 * text ending with CR LF. Aborts on any broken promise.
 */
void fz_check_source(const struct ccm_options *opts, uint64_t seed);

/* FNV-1a over data: a seed that follows the input. */
uint64_t fz_hash(const void *data, size_t n);

#endif
