/*
 * A libFuzzer target for the address map (-o addrmap=FILE, core/
 * addrmap.c), which is untrusted input: the input is the CSV text. It
 * must parse or be refused with "file:line: ..." and never crash; what
 * parses must hold only valid addresses, be sorted, and find each of its
 * names again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccm_addrmap m;
	char msg[256];
	msg[0] = '\0';
	ccm_err err = ccm_addrmap_parse((const char *)data, size, "map.csv", &m,
	                                msg, sizeof(msg));
	if (err == CCM_ERR_INVAL && strncmp(msg, "map.csv:", 8))
		abort(); /* a refusal names the file and line */
	if (err)
		return 0;
	for (size_t i = 0; i < m.n; i++) {
		const struct ccm_addrent *e = &m.v[i];
		if (!ccm_addr_spec_ok(e->addr, strlen(e->addr)) || !e->nn ||
		    strlen(e->name) != e->nn || strlen(e->po) != e->pn)
			abort();
		/* Found again: by its post office, or as a local name. */
		const char *a = e->pn ? ccm_addrmap_find(&m, e->name, e->nn,
		                                         e->po, e->pn, "", 0)
		                      : ccm_addrmap_find(&m, e->name, e->nn,
		                                         NULL, 0, "", 0);
		if (!a || strcmp(a, e->addr))
			abort();
	}
	ccm_addrmap_free(&m);
	return 0;
}
