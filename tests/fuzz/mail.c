/*
 * A libFuzzer target for the mail form of messages (core/mail.h): the
 * input is a mailbox file, USERS/AMES.EXP, in an otherwise well-formed
 * post office, opened for the Maildir or the .eml view (by the input's
 * hash) with a zone that has summer time. Every message is rendered
 * whole, then in windows that follow the input; each window must equal
 * the same slice of the whole, and no header line may pass 998 octets.
 * The fuzz build puts a seek point every 64 bytes, so windows start from
 * them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "index.h"
#include "mail.h"
#include "mailidx.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes [a, b) of message i into buf; aborts unless they render. */
static void render(const ccm_source *src, const struct ccm_po *po, uint32_t i,
                   uint64_t a, uint64_t b, char *buf)
{
	struct ccm_reader rd;
	if (ccm_reader_init(&rd, src, (size_t)(b - a)))
		abort();
	struct ccm_win w = {&rd, buf, a, b, 0, NULL, 0};
	ccm_err err = ccm_mail_render(po, i, &w);
	if (!err)
		err = ccm_reader_verify(&rd);
	ccm_reader_fini(&rd);
	if (err) {
		fprintf(stderr, "message %u [%llu, %llu): %s\n", i,
		        (unsigned long long)a, (unsigned long long)b,
		        ccm_strerror(err));
		abort();
	}
}

static void check_header(const char *m, uint64_t hdr)
{
	for (uint64_t l = 0, i = 0; i < hdr; i++) {
		if (m[i] == '\n')
			l = i + 1;
		else if (i - l >= 998)
			abort();
	}
}

static void check_message(const ccm_source *src, const struct ccm_po *po,
                          uint32_t i, uint64_t seed)
{
	uint64_t n = ccm_mail_size(po, i);
	char *whole = malloc(n + 1), *part = malloc(n + 1);
	if (!whole || !part)
		abort();
	render(src, po, i, 0, n, whole);
	check_header(whole, po->mail->msgs[i].hdr);
	for (int k = 0; k < 12 && n; k++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t a = (seed >> 20) % n;
		uint64_t len = 1 + (seed >> 40) % (k & 1 ? 70 : n - a);
		uint64_t b = a + len > n ? n : a + len;
		render(src, po, i, a, b, part);
		if (memcmp(part, whole + a, (size_t)(b - a)))
			abort();
	}
	free(whole);
	free(part);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool based;
	if (!based) /* the rest of the post office, once */
		fz_write_base();
	based = true;
	fz_write("USERS/AMES.EXP", data, size);
	uint64_t seed = fz_hash(data, size);
	struct ccm_options o = {0};
	o.view = seed & 1 ? CCM_VIEW_EML : CCM_VIEW_MAILDIR;
	o.tz = "Europe/Berlin";
	ccm_source *src = NULL;
	if (ccm_source_open(fz_export(), &o, &src, NULL, 0))
		return 0;
	for (size_t p = 0; p < src->npo; p++) {
		struct ccm_po *po = src->pos[p];
		struct ccm_mail_info *infos = NULL;
		if (ccm_mail_layout(po, &infos))
			abort();
		for (uint32_t i = 0; i < po->msgs.n; i++)
			if (ccm_mail_size(po, i)) {
				if (!infos[i].folder || !infos[i].subject)
					abort();
				check_message(src, po, i, seed + i);
			}
		free(infos);
	}
	ccm_source_close(src);
	return 0;
}
