/*
 * ASCII-only character classes. The export's text is in a DOS code page,
 * where the C library's <ctype.h> answers by the program's locale; these
 * never look past ASCII, whatever the locale.
 */
#ifndef CCM_ASCII_H
#define CCM_ASCII_H

#include <stdbool.h>
#include <stddef.h>

static inline char ccm_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static inline bool ccm_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool ccm_isalnum(char c)
{
	return ccm_isdigit(c) || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

static inline bool ccm_isblank(char c)
{
	return c == ' ' || c == '\t';
}

/* Equal without regard to ASCII case, n bytes. */
static inline bool ccm_caseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ccm_upper(a[i]) != ccm_upper(b[i]))
			return false;
	return true;
}

#endif
