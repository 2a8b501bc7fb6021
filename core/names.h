/*
 * Names that the output makes up: post office folder names (the fix of
 * KB Q238850, spec §2) and directory aliases (Common-Name, spec §5).
 */
#ifndef CCM_NAMES_H
#define CCM_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "codepage.h"

/* Longest folder name, and in DOS 8.3 mode. */
#define CCM_FOLDER_MAX 64
#define CCM_FOLDER_MAX83 8
/* Longest alias. */
#define CCM_ALIAS_MAX 64

/* Why a folder name differs from the post office name (bit set). */
enum {
	CCM_WHY_TRANSLIT = 1,  /* letters outside ASCII were transliterated */
	CCM_WHY_CHARS = 2,     /* characters a file name cannot hold */
	CCM_WHY_EMPTY = 4,     /* nothing was left */
	CCM_WHY_DEVICE = 8,    /* a DOS device name */
	CCM_WHY_LENGTH = 16,   /* too long */
	CCM_WHY_COLLISION = 32 /* another post office's name but for case */
};

/*
 * Steps 1 to 5 of spec §2: the folder name for a post office name given in
 * code page cp. out must hold CCM_FOLDER_MAX + 1 bytes. Returns CCM_WHY_*.
 */
unsigned ccm_folder_name(unsigned cp, const char *name, size_t n, bool dos83,
                         char *out);

/*
 * Step 6: names[0..count) are folder names in the order of their post
 * offices' original names; each name equal to an earlier one without regard
 * to case gets ~2, ~3... (cut first in 8.3 mode). Each entry must hold
 * CCM_FOLDER_MAX + 1 bytes. Sets why[i] |= CCM_WHY_COLLISION when changed.
 */
void ccm_folder_dedupe(char **names, size_t count, bool dos83, unsigned *why);

/* The alias base of spec §5 for a name (no uniqueness); out holds
 * CCM_ALIAS_MAX + 1 bytes. */
void ccm_alias_base(unsigned cp, const char *name, size_t n, char *out);

/* Makes aliases unique without regard to case, in order, by appending 2,
 * 3...; each entry holds CCM_ALIAS_MAX + 1 bytes. */
void ccm_alias_dedupe(char **aliases, size_t count);

/*
 * Compares two names of page cp in the order of spec §1: bytes with the
 * ASCII letters that are characters of their own as upper case (never a
 * trail byte of a two-byte character), ties broken by the bytes as they
 * stand.
 */
int ccm_name_cmp(const struct ccm_cp *cp, const char *a, size_t an,
                 const char *b, size_t bn);
/* The first key of that order alone: 0 for names equal but for case. */
int ccm_name_cicmp(const struct ccm_cp *cp, const char *a, size_t an,
                   const char *b, size_t bn);
/* Equal without regard to ASCII case, as above. */
bool ccm_name_eq(const struct ccm_cp *cp, const char *a, size_t an,
                 const char *b, size_t bn);

#endif
