/*
 * A libFuzzer target for a whole source: every file of a post office
 * comes from the input, and so do the options. The first byte picks the
 * options; the rest is cut at each line "%%" into PO.INI, CCMDIR.EXP,
 * CCMLIST.EXP, CCMBB.EXP, USERS/A.EXP, USERS/B.EXP and FILES/F.DAT, in
 * that order; the files the input does not reach are absent. Every byte of
 * every output file is then read, whole and in windows split at offsets
 * that follow the input.
 */
#include <string.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const FILES[] = {
        "PO.INI",      "CCMDIR.EXP",  "CCMLIST.EXP", "CCMBB.EXP",
        "USERS/A.EXP", "USERS/B.EXP", "FILES/F.DAT",
};
#define NFILES (sizeof(FILES) / sizeof(FILES[0]))

static const char SEP[] = "\n%%\n";

/* The options of the first byte: code page, 8.3 names, dates, split. */
static void options(uint8_t b, struct ccm_options *o)
{
	static const unsigned cps[] = {0, 1252, 437, 932};
	static const uint64_t splits[] = {0,    300,  600, 1000,
	                                  2000, 4000, 64,  150};
	*o = (struct ccm_options){0};
	o->out_codepage = cps[b & 3];
	o->dos83 = b & 4;
	o->date_order = (enum ccm_date_order)(b >> 3 & 3);
	o->sec_split = splits[b >> 5];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	struct ccm_options o;
	options(data[0], &o);
	const char *p = (const char *)data + 1,
	           *end = (const char *)data + size;
	size_t i = 0;
	for (; i < NFILES && p; i++) {
		const char *cut = memmem(p, (size_t)(end - p), SEP, 4);
		const char *stop = cut ? cut : end;
		fz_write(FILES[i], p, (size_t)(stop - p));
		p = cut ? cut + 4 : NULL;
	}
	for (; i < NFILES; i++)
		fz_remove(FILES[i]);
	fz_check_source(&o, fz_hash(data, size));
	return 0;
}
