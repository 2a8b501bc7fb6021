/*
 * Source post offices for the tests: exports written by ccm-gen, and
 * reference trees written by ccmail2iff. Their output goes to a log in the
 * scratch folder (scratch.h); each asserts that the program succeeded.
 */
#ifndef CCM_TESTS_LIB_SOURCE_H
#define CCM_TESTS_LIB_SOURCE_H

/* ccm-gen args... dir. args ends with NULL. */
void tl_gen(const char *dir, const char *const args[]);
/* tl_gen into scratch/src (tl_scratch); that path into src (TL_PATH). */
void tl_make_source(char *src, const char *const args[]);
/* Rewrites the Name= line of export_dir/PO.INI. */
void tl_set_po_name(const char *export_dir, const char *name);
/*
 * Three post offices whose names collide once sanitised: "SALES EAST",
 * "SALES/EAST" and "sales:east" (folders SALES_EAST, SALES_EAST~2 and
 * sales_east~3), from ccm-gen with the given seed and extra args.
 */
void tl_gen_colliding(const char *dir, unsigned seed, const char *const args[]);
/* ccmail2iff -q args... src out. args may be NULL. */
void tl_reference(const char *src, const char *out, const char *const args[]);
/* tl_reference into scratch/ref; that path into ref (TL_PATH bytes). */
void tl_make_reference(const char *src, char *ref, const char *const args[]);
/*
 * A source for the suites of client programs (Samba, GIO): two post
 * offices with tricky names, 60 messages each, one attachment holding most
 * of attach_bytes ("3M"), so that a client reads one file in many
 * requests. tl_make_source, then tl_make_reference without options.
 */
void tl_make_client_source(unsigned seed, const char *attach_bytes, char *src,
                           char *ref);

#endif
