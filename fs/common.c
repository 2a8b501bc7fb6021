#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/* The value of cache_dir that -o nocache leaves for ccm_cache_default. */
static const char NOCACHE[] = "";

int ccm_exit_code(ccm_err err)
{
	switch (err) {
	case CCM_OK:
		return CCM_EXIT_OK;
	case CCM_ERR_SOURCE:
		return CCM_EXIT_SOURCE;
	case CCM_ERR_NOTEXPORT:
		return CCM_EXIT_NOTEXPORT;
	case CCM_ERR_NATIVE:
		return CCM_EXIT_NATIVE;
	case CCM_ERR_INVAL:
		return CCM_EXIT_USAGE;
	default:
		return CCM_EXIT_IO;
	}
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!s || !*s)
		return false;
	unsigned long long x = strtoull(s, &end, 10);
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024 * 1024 * 1024, end++;
	if (*end || x > UINT64_MAX / mul)
		return false;
	*v = x * mul;
	return true;
}

bool ccm_set_option(struct ccm_options *o, const char *name, const char *value)
{
	uint64_t v;
	if (!strcmp(name, "codepage")) {
		if (!parse_u64(value, &v) || v == 0 || v > 65535) {
			fprintf(stderr, "%s: bad code page '%s'\n",
			        program_invocation_short_name,
			        value ? value : "");
			return false;
		}
		o->out_codepage = (unsigned)v;
	} else if (!strcmp(name, "dos83")) {
		o->dos83 = true;
	} else if (!strcmp(name, "sec_split")) {
		if (!parse_u64(value, &v) || v < CCM_SEC_SPLIT_MIN ||
		    v > CCM_SEC_SPLIT_MAX) {
			fprintf(stderr,
			        "%s: bad SEC split size '%s' (%d to %d "
			        "bytes)\n",
			        program_invocation_short_name,
			        value ? value : "", CCM_SEC_SPLIT_MIN,
			        CCM_SEC_SPLIT_MAX);
			return false;
		}
		o->sec_split = v;
	} else if (!strcmp(name, "date_order")) {
		if (!value || !ccm_date_order_parse(value, strlen(value),
		                                    &o->date_order)) {
			fprintf(stderr,
			        "%s: bad date order '%s' (MDY, DMY, YMD)\n",
			        program_invocation_short_name,
			        value ? value : "");
			return false;
		}
	} else if (!strcmp(name, "tz") || !strcmp(name, "addrmap")) {
		/* Checked by ccm_source_open, which reads the zone and file. */
		if (!value || !*value) {
			fprintf(stderr, "%s: %s needs a value\n",
			        program_invocation_short_name, name);
			return false;
		}
		*(name[0] == 't' ? &o->tz : &o->addrmap) = value;
	} else if (!strcmp(name, "view")) {
		if (!value || !ccm_view_parse(value, &o->view)) {
			fprintf(stderr,
			        "%s: bad view '%s' (iff, maildir, eml)\n",
			        program_invocation_short_name,
			        value ? value : "");
			return false;
		}
	} else if (!strcmp(name, "cache")) {
		if (!value || !*value) {
			fprintf(stderr, "%s: the cache needs a folder\n",
			        program_invocation_short_name);
			return false;
		}
		o->cache_dir = value;
	} else if (!strcmp(name, "nocache")) {
		o->cache_dir = NOCACHE;
	} else {
		return false;
	}
	return true;
}

/* "a/b" in out (PATH_MAX bytes), or NULL when too long. */
static const char *in(char *out, const char *a, const char *b)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", a, b);
	return n > 0 && n < PATH_MAX ? out : NULL;
}

void ccm_cache_default(struct ccm_options *o)
{
	static char dir[PATH_MAX];
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char cwd[PATH_MAX];
	if (o->cache_dir == NOCACHE) {
		o->cache_dir = NULL;
	} else if (o->cache_dir && o->cache_dir[0] != '/') {
		/* Made absolute now: ccmailfs writes the index after
		 * fuse_daemonize has moved it to "/". */
		const char *rel = o->cache_dir;
		errno = ENAMETOOLONG; /* what in() failing means */
		o->cache_dir =
		        getcwd(cwd, sizeof(cwd)) ? in(dir, cwd, rel) : NULL;
		if (!o->cache_dir)
			fprintf(stderr,
			        "%s: cache folder '%s': %s; no index file is "
			        "kept\n",
			        program_invocation_short_name, rel,
			        strerror(errno));
	} else if (o->cache_dir)
		return;
	else if (xdg && xdg[0] == '/')
		o->cache_dir = in(dir, xdg, "ccmailfs");
	else if (geteuid() == 0)
		o->cache_dir = "/var/cache/ccmailfs";
	else if (home && home[0] == '/')
		o->cache_dir = in(dir, home, ".cache/ccmailfs");
}
