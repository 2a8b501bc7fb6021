/*
 * The zone of the mail views' Date: headers (-o tz=, tz.c). cc:Mail kept
 * local time without a zone; the operator names the zone it was: an IANA
 * name (its offset on each date, summer time included) or a fixed
 * +hhmm / -hhmm. None: -0000, "local time, zone unknown" (RFC 5322).
 */
#ifndef CCM_TZ_H
#define CCM_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccmailfs/err.h"

struct ccm_tz {
	bool set;   /* false: -0000 */
	bool fixed; /* off is the offset; else name is an IANA zone */
	int off;    /* minutes east of UTC */
	char name[128];
};

/*
 * Reads spec (NULL: no zone) into tz. CCM_ERR_INVAL with a sentence in
 * msg for a malformed offset or a zone name that the system's zoneinfo
 * ($TZDIR, else /usr/share/zoneinfo) does not hold.
 */
ccm_err ccm_tz_parse(const char *spec, struct ccm_tz *tz, char *msg,
                     size_t msgsz);

/* The zoneinfo file of zone name, as the C library reads it: $TZDIR/name,
 * else /usr/share/zoneinfo/name, into path (n bytes). */
void ccm_tz_file(const char *name, char *path, size_t n);

/*
 * Between ccm_tz_begin and ccm_tz_end the process's TZ is tz's zone:
 * call them only while no other thread runs (the scan and layout of
 * ccm_source_open). saved holds what to restore.
 */
struct ccm_tz_saved {
	bool had;
	char *old;
};
void ccm_tz_begin(const struct ccm_tz *tz, struct ccm_tz_saved *saved);
void ccm_tz_end(struct ccm_tz_saved *saved);

/* The offset in minutes east of UTC of local time y-m-d h:mi:s in tz
 * (between ccm_tz_begin and ccm_tz_end for a named zone). */
int ccm_tz_offset(const struct ccm_tz *tz, int y, int m, int d, int h, int mi,
                  int s);

/* "+hhmm", "-hhmm", or "-0000" when tz is not set; out holds 6 bytes. */
void ccm_tz_format(const struct ccm_tz *tz, int off, char out[6]);

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
int64_t ccm_civil_days(int y, int m, int d);

#endif
