/*
 * Helpers of the mail suite: a source opened for a mail view and laid
 * out, each message's mail form read whole and in ranges, parsed by
 * Python's email package (mailcheck.py) and compared with the source.
 */
#ifndef CCM_TESTS_UNIT_MAIL_MAILTL_H
#define CCM_TESTS_UNIT_MAIL_MAILTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "mail.h"
#include "mailidx.h"

/* A source opened with view (and tz, addrmap: NULL for none), every post
 * office laid out for the mail views. */
struct mt_src {
	ccm_source *src;
	struct ccm_mail_info **infos; /* one array per post office */
};
void mt_open(struct mt_src *s, const char *path, enum ccm_view view,
             const char *tz, const char *addrmap);
void mt_close(struct mt_src *s);

/* Bytes [a, b) of message msg of post office po, asserted to render
 * (malloc'd). */
char *mt_range(const struct mt_src *s, size_t po, uint32_t msg, uint64_t a,
               uint64_t b);
/* The whole message (malloc'd, NUL-terminated past *n bytes). */
char *mt_whole(const struct mt_src *s, size_t po, uint32_t msg, size_t *n);

/* Checks that ranges of every message equal the same slices of the
 * whole: every range for short messages, a spread for long ones, and
 * ranges around every seek point. Returns the messages checked. */
size_t mt_check_ranges(const struct mt_src *s);

/* Writes every message to dir/P-M.eml, runs mailcheck.py over dir
 * (asserting no defects), then compares each text and attachment with
 * the source. */
void mt_check_parsed(const struct mt_src *s, const char *dir);

/* The parsed header fields of message msg (after mt_check_parsed). */
char *mt_hdr(const char *dir, size_t po, uint32_t msg);

/* The first message of po whose header holds needle, or CCM_NONE. */
uint32_t mt_find(const struct mt_src *s, size_t po, const char *needle);

#endif
