#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "codepage.h"
#include "names.h"

static bool kept(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool is_device(const char *s, size_t n)
{
	static const char *const devs[] = {"CON",    "PRN",    "AUX",    "NUL",
	                                   "CLOCK$", "CONIN$", "CONOUT$"};
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (strlen(devs[i]) == n && !strncasecmp(s, devs[i], n))
			return true;
	return n == 4 &&
	       (!strncasecmp(s, "COM", 3) || !strncasecmp(s, "LPT", 3)) &&
	       s[3] >= '0' && s[3] <= '9';
}

/* Drops leading and trailing '_' and '.', which step 2 leaves only where
 * the name started or ended with them. */
static void trim_ends(char *s)
{
	size_t n = strlen(s), i = 0;
	while (i < n && (s[i] == '_' || s[i] == '.'))
		i++;
	while (n > i && (s[n - 1] == '_' || s[n - 1] == '.'))
		n--;
	memmove(s, s + i, n - i);
	s[n - i] = '\0';
}

unsigned ccm_folder_name(unsigned cp, const char *name, size_t n, bool dos83,
                         char *out)
{
	unsigned why = 0;
	struct ccm_buf a = {0};
	ccm_cp_translit(cp, name, n, &a);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] >= 0x80)
			why |= CCM_WHY_TRANSLIT;
	size_t an = a.oom ? 0 : a.len;
	const char *s = a.oom ? "" : a.p;

	/* Step 2 over the ASCII form, into a buffer as long as it. */
	char *t = malloc(an + 1);
	size_t tn = 0;
	if (!t) {
		an = 0;
		t = out;
	}
	for (size_t i = 0; i < an;) {
		bool dot_ok = s[i] == '.' && !dos83 && i > 0 && i + 1 < an &&
		              kept(s[i - 1]) && kept(s[i + 1]);
		if (kept(s[i]) || dot_ok) {
			t[tn++] = s[i++];
			continue;
		}
		while (i < an && !kept(s[i]) &&
		       !(s[i] == '.' && !dos83 && i > 0 && i + 1 < an &&
		         kept(s[i - 1]) && kept(s[i + 1])))
			i++;
		t[tn++] = '_';
		why |= CCM_WHY_CHARS;
	}
	t[tn] = '\0';
	if (tn != an)
		why |= CCM_WHY_CHARS;
	trim_ends(t);

	size_t max = dos83 ? CCM_FOLDER_MAX83 : CCM_FOLDER_MAX;
	if (strlen(t) > max) {
		t[max] = '\0';
		trim_ends(t);
		why |= CCM_WHY_LENGTH;
	}
	if (!t[0]) {
		strcpy(out, dos83 ? "POSTOFFI" : "POSTOFFICE");
		why |= CCM_WHY_EMPTY;
	} else {
		size_t base = strcspn(t, ".");
		if (is_device(t, base)) {
			/* "con.txt" is still the device CON to Windows, so
			 * the mark goes after the device part. */
			snprintf(out, CCM_FOLDER_MAX + 1, "%.*s_%s", (int)base,
			         t, t + base);
			out[max] = '\0';
			why |= CCM_WHY_DEVICE;
		} else {
			strcpy(out, t);
		}
	}
	if (t != out)
		free(t);
	ccm_buf_free(&a);
	return why;
}

void ccm_folder_dedupe(char **names, size_t count, bool dos83, unsigned *why)
{
	size_t max = dos83 ? CCM_FOLDER_MAX83 : CCM_FOLDER_MAX;
	/* Count against the names as sanitised, before any suffix. */
	char(*orig)[CCM_FOLDER_MAX + 1] = malloc(count * sizeof(*orig));
	if (!orig)
		return;
	for (size_t i = 0; i < count; i++)
		snprintf(orig[i], sizeof(orig[i]), "%s", names[i]);
	for (size_t i = 1; i < count; i++) {
		unsigned seen = 1;
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(orig[i], orig[j]))
				seen++;
		if (seen == 1)
			continue;
		/* In 8.3 mode two long names cut alike could meet: take the
		 * next number until the name is free. */
		for (unsigned k = seen;; k++) {
			char suffix[16];
			int sl = snprintf(suffix, sizeof(suffix), "~%u", k);
			size_t keep = strlen(orig[i]);
			if (keep + (size_t)sl > max)
				keep = max - (size_t)sl;
			snprintf(names[i], CCM_FOLDER_MAX + 1, "%.*s%s",
			         (int)keep, orig[i], suffix);
			bool taken = false;
			for (size_t j = 0; j < i && !taken; j++)
				taken = !strcasecmp(names[i], names[j]);
			if (!taken)
				break;
		}
		why[i] |= CCM_WHY_COLLISION;
	}
	free(orig);
}

void ccm_alias_base(unsigned cp, const char *name, size_t n, char *out)
{
	const char *comma = memchr(name, ',', n);
	size_t sn = comma ? (size_t)(comma - name) : n;
	struct ccm_buf sur = {0}, giv = {0};
	ccm_cp_translit(cp, name, sn, &sur);
	if (comma)
		ccm_cp_translit(cp, comma + 1, n - sn - 1, &giv);
	size_t o = 0;
	for (size_t i = 0; !sur.oom && i < sur.len && o < CCM_ALIAS_MAX; i++)
		if (ccm_isalnum(sur.p[i]))
			out[o++] = sur.p[i];
	for (size_t i = 0; !giv.oom && i < giv.len && o < CCM_ALIAS_MAX; i++)
		if (ccm_isalnum(giv.p[i])) {
			out[o++] = giv.p[i];
			break;
		}
	out[o] = '\0';
	if (!o)
		strcpy(out, "User");
	ccm_buf_free(&sur);
	ccm_buf_free(&giv);
}

/*
 * Quadratic in the worst case only for many equal aliases; a post office
 * has at most a few thousand entries, and a hash of the upper-case forms
 * keeps the common case linear.
 */
struct aset {
	char **slot;
	size_t cap;
};

static uint64_t ahash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint64_t)(unsigned char)ccm_upper(*s)) *
		    1099511628211ull;
	return h;
}

static bool aset_has(const struct aset *set, const char *s)
{
	for (size_t i = ahash(s) & (set->cap - 1); set->slot[i];
	     i = (i + 1) & (set->cap - 1))
		if (!strcasecmp(set->slot[i], s))
			return true;
	return false;
}

static void aset_add(struct aset *set, char *s)
{
	size_t i = ahash(s) & (set->cap - 1);
	while (set->slot[i])
		i = (i + 1) & (set->cap - 1);
	set->slot[i] = s;
}

void ccm_alias_dedupe(char **aliases, size_t count)
{
	struct aset set = {0};
	set.cap = 16;
	while (set.cap < count * 2 + 2)
		set.cap *= 2;
	set.slot = calloc(set.cap, sizeof(*set.slot));
	if (!set.slot)
		return;
	for (size_t i = 0; i < count; i++) {
		char *a = aliases[i];
		if (aset_has(&set, a)) {
			char base[CCM_ALIAS_MAX + 1];
			strcpy(base, a);
			for (unsigned k = 2;; k++) {
				char suffix[16];
				int sl = snprintf(suffix, sizeof(suffix), "%u",
				                  k);
				size_t keep = strlen(base);
				if (keep + (size_t)sl > CCM_ALIAS_MAX)
					keep = CCM_ALIAS_MAX - (size_t)sl;
				snprintf(a, CCM_ALIAS_MAX + 1, "%.*s%s",
				         (int)keep, base, suffix);
				if (!aset_has(&set, a))
					break;
			}
		}
		aset_add(&set, a);
	}
	free(set.slot);
}

/*
 * The byte of a name at i as the order sees it: an ASCII letter that is a
 * character of its own as upper case, a byte of a two-byte character as it
 * stands (a trail byte 'a' is no letter, spec iff-output §3). *trail tells
 * that the byte before led a two-byte character.
 */
static int order_byte(const struct ccm_cp *cp, const char *s, size_t n,
                      size_t i, bool *trail)
{
	unsigned char c = (unsigned char)s[i];
	if (*trail) {
		*trail = false;
		return c;
	}
	if (ccm_cp_charlen(cp, (const uint8_t *)s + i, n - i) == 2) {
		*trail = true;
		return c;
	}
	return (unsigned char)ccm_upper((char)c);
}

int ccm_name_cicmp(const struct ccm_cp *cp, const char *a, size_t an,
                   const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;
	if (!cp->dbcs) {
		for (size_t i = 0; i < n; i++) {
			int ca = (unsigned char)ccm_upper(a[i]);
			int cb = (unsigned char)ccm_upper(b[i]);
			if (ca != cb)
				return ca - cb;
		}
	} else {
		bool ta = false, tb = false;
		for (size_t i = 0; i < n; i++) {
			int ca = order_byte(cp, a, an, i, &ta);
			int cb = order_byte(cp, b, bn, i, &tb);
			if (ca != cb)
				return ca - cb;
		}
	}
	return an == bn ? 0 : an < bn ? -1 : 1;
}

int ccm_name_cmp(const struct ccm_cp *cp, const char *a, size_t an,
                 const char *b, size_t bn)
{
	int r = ccm_name_cicmp(cp, a, an, b, bn);
	return r ? r : memcmp(a, b, an);
}

bool ccm_name_eq(const struct ccm_cp *cp, const char *a, size_t an,
                 const char *b, size_t bn)
{
	if (an != bn)
		return false;
	return cp->dbcs ? !ccm_name_cicmp(cp, a, an, b, bn)
	                : ccm_caseeq(a, b, an);
}
