#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mailname.h"

/* Each '/' and control character as '_', the rest as it stands. */
static void put_chars(struct ccm_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		ccm_buf_putc(b,
		             c == '/' || c < 0x20 || c == 0x7f ? '_' : (char)c);
	}
}

void ccm_mailname_clean(struct ccm_buf *b, const char *s, size_t n)
{
	if (n == 0) {
		ccm_buf_putc(b, '_');
		return;
	}
	/* A leading '.' hides the entry (and "." and ".." are no names);
	 * Dovecot refuses a mailbox name that starts with '~'. */
	if (s[0] == '.' || s[0] == '~') {
		ccm_buf_putc(b, '_');
		s++;
		n--;
	}
	put_chars(b, s, n);
}

size_t ccm_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	/* Back over continuation bytes (10xxxxxx) to a character's start. */
	size_t k = max;
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

size_t ccm_mailname_fit(const char *base, size_t n, unsigned k, const char *ext,
                        char *out)
{
	char suffix[16] = "";
	if (k > 1)
		snprintf(suffix, sizeof(suffix), "~%u", k);
	size_t tail = strlen(suffix) + strlen(ext);
	size_t keep = ccm_utf8_cut(base, n, CCM_NAME_MAX - tail);
	memcpy(out, base, keep);
	snprintf(out + keep, CCM_NAME_MAX + 1 - keep, "%s%s", suffix, ext);
	return keep + tail;
}

const char *ccm_mailname_first(const char *s, size_t n, bool *inbox)
{
	static const struct {
		const char *cc, *shown;
	} map[] = {
	        {"Inbox", "Inbox"},
	        {"Message Log", "Sent Items"},
	        {"Trash", "Deleted Items"},
	        {"Drafts", "Drafts"},
	};
	*inbox = false;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].cc) == n && !strncasecmp(s, map[i].cc, n)) {
			*inbox = i == 0;
			return map[i].shown;
		}
	return NULL;
}

void ccm_mailname_eml(struct ccm_buf *b, int64_t date, bool has_date,
                      const char *subject)
{
	time_t t = (time_t)date;
	struct tm tm;
	if (has_date && gmtime_r(&t, &tm))
		ccm_buf_printf(b, "%04d-%02d-%02d %02d%02d ", tm.tm_year + 1900,
		               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		               tm.tm_min);
	else
		ccm_buf_puts(b, "undated ");
	if (!subject || !*subject)
		subject = "(no subject)";
	put_chars(b, subject, strlen(subject));
}

void ccm_mailname_maildir(struct ccm_buf *b, int64_t date, uint32_t seq,
                          uint64_t size, bool draft, bool unread)
{
	ccm_buf_printf(b, "%lld.M%u.ccmail,S=%llu:2,%s%s",
	               (long long)(date > 0 ? date : 0), (unsigned)seq,
	               (unsigned long long)size, draft ? "D" : "",
	               unread ? "" : "S");
}
