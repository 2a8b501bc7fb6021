#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tz.h"

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A zone name that can only name a file below the zoneinfo folder. */
static bool safe_name(const char *s)
{
	if (!s[0] || s[0] == '/' || strlen(s) >= 128)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		          (c >= '0' && c <= '9') || c == '/' || c == '_' ||
		          c == '-' || c == '+';
		if (!ok)
			return false;
	}
	return true;
}

void ccm_tz_file(const char *name, char *path, size_t n)
{
	const char *dir = getenv("TZDIR");
	snprintf(path, n, "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo",
	         name);
}

/* True when the zoneinfo file of name is a TZif file. */
static bool zone_exists(const char *name)
{
	char path[512];
	ccm_tz_file(name, path, sizeof(path));
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char magic[4] = {0};
	bool ok = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "TZif", 4);
	fclose(f);
	return ok;
}

ccm_err ccm_tz_parse(const char *spec, struct ccm_tz *tz, char *msg,
                     size_t msgsz)
{
	memset(tz, 0, sizeof(*tz));
	if (!spec)
		return CCM_OK;
	size_t n = strlen(spec);
	if (n && (spec[0] == '+' || spec[0] == '-')) {
		int h = n == 5 && digits(spec + 1, 4)
		                ? (spec[1] - '0') * 10 + spec[2] - '0'
		                : 99;
		int m = n == 5 ? (spec[3] - '0') * 10 + spec[4] - '0' : 99;
		if (h > 23 || m > 59) {
			snprintf(msg, msgsz,
			         "tz=%s: an offset is +hhmm or -hhmm "
			         "(hours 00 to 23, minutes 00 to 59)",
			         spec);
			return CCM_ERR_INVAL;
		}
		tz->set = tz->fixed = true;
		tz->off = (spec[0] == '-' ? -1 : 1) * (h * 60 + m);
		return CCM_OK;
	}
	if (!safe_name(spec) || strstr(spec, "..") || !zone_exists(spec)) {
		snprintf(msg, msgsz,
		         "tz=%s: no such time zone; give an IANA name such "
		         "as Europe/Berlin (from the system's zoneinfo) or "
		         "an offset such as +0100",
		         spec);
		return CCM_ERR_INVAL;
	}
	tz->set = true;
	snprintf(tz->name, sizeof(tz->name), "%s", spec);
	return CCM_OK;
}

void ccm_tz_begin(const struct ccm_tz *tz, struct ccm_tz_saved *saved)
{
	saved->had = false;
	saved->old = NULL;
	if (!tz->set || tz->fixed)
		return;
	const char *old = getenv("TZ");
	saved->had = true;
	saved->old = old ? strdup(old) : NULL;
	setenv("TZ", tz->name, 1);
	tzset();
}

void ccm_tz_end(struct ccm_tz_saved *saved)
{
	if (!saved->had)
		return;
	if (saved->old)
		setenv("TZ", saved->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved->old);
	saved->had = false;
	saved->old = NULL;
}

int ccm_tz_offset(const struct ccm_tz *tz, int y, int m, int d, int h, int mi,
                  int s)
{
	if (!tz->set)
		return 0;
	if (tz->fixed)
		return tz->off;
	/* mktime reads the time as local time of TZ, picks summer time
	 * itself (tm_isdst -1) and says the offset it found. */
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	if (mktime(&tm) == (time_t)-1 && tm.tm_gmtoff == 0)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

void ccm_tz_format(const struct ccm_tz *tz, int off, char out[6])
{
	if (!tz->set) {
		memcpy(out, "-0000", 6);
		return;
	}
	int a = off < 0 ? -off : off;
	snprintf(out, 6, "%c%02d%02d", off < 0 ? '-' : '+', a / 60 % 100,
	         a % 60);
}

int64_t ccm_civil_days(int y, int m, int d)
{
	/* Years counted from March, so that the leap day ends a year. */
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}
