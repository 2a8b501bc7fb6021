/*
 * The address map of the mail views (-o addrmap=FILE, addrmap.c): a CSV
 * file, in UTF-8, of cc:Mail names and the Internet addresses their
 * users have now, so that From, To and Cc reach them.
 *
 *   # comment lines start with '#'; blank lines are skipped
 *   "Smith, John",john.smith@example.com
 *   Doe Jane at SALES/EAST,jane.doe@example.com
 *
 * Two fields a line, quoted as CSV quotes them ("" for a quote inside),
 * lines ended by LF or CR LF. A name with " at PO" names that post
 * office's user; a name alone, the user of the post office being shown.
 * Names are compared without regard to ASCII case. A first line whose
 * second field holds no '@' is a header, and skipped.
 */
#ifndef CCM_ADDRMAP_H
#define CCM_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccmailfs/err.h"

struct ccm_addrent {
	const char *name, *po, *addr; /* NUL-terminated; po "" for none */
	size_t nn, pn;
	uint64_t line;
};

struct ccm_addrmap {
	struct ccm_addrent *v; /* sorted by name, then post office */
	size_t n;
	char *text; /* holds every string */
};

/*
 * Parses n bytes of CSV text; file names it in messages. On error
 * returns CCM_ERR_INVAL with "file:line: what" in msg, and m empty.
 * CCM_ERR_NOMEM when out of memory. Free m with ccm_addrmap_free.
 */
ccm_err ccm_addrmap_parse(const char *text, size_t n, const char *file,
                          struct ccm_addrmap *m, char *msg, size_t msgsz);
/* Reads and parses file path (at most 64 MiB). */
ccm_err ccm_addrmap_load(const char *path, struct ccm_addrmap *m, char *msg,
                         size_t msgsz);
void ccm_addrmap_free(struct ccm_addrmap *m);

/* The address for cc:Mail user name (UTF-8) at post office po (NULL or
 * "" for the post office shown, whose name is here): NULL if none. */
const char *ccm_addrmap_find(const struct ccm_addrmap *m, const char *name,
                             size_t nn, const char *po, size_t pn,
                             const char *here, size_t hn);

/* True when s[0..n) is an addr-spec as written here: a dot-atom, '@', a
 * host name of letters, digits and hyphens; ASCII, at most 254 bytes. */
bool ccm_addr_spec_ok(const char *s, size_t n);

#endif
