/*
 * MIME encoders of the mail views (mime.c): base64 by lines, quoted-
 * printable as a stream machine, RFC 2047 encoded-words and RFC 2231
 * parameters in folded header lines, and the Message-ID hash. Pure
 * functions of their input: no source is read here.
 */
#ifndef CCM_MIME_H
#define CCM_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A base64 line holds 57 source bytes as 76 characters. */
#define CCM_B64_LINE_IN 57
#define CCM_B64_LINE_OUT 76

/* The length of n bytes in base64 lines joined by eoln-byte line ends
 * (none after the last line). */
uint64_t ccm_b64_len(uint64_t n, unsigned eoln);

/* Base64 of in[0..n) (no line end) into out, which holds 4 * (n + 2) / 3
 * bytes; returns the length written. */
size_t ccm_b64_encode(const uint8_t *in, size_t n, char *out);

/*
 * Quoted-printable as a stream (RFC 2045 §6.7): bytes go in one at a
 * time, text lines end with '\n', encoded lines with eol. A blank is held
 * until the next byte tells whether it ends a line (then it is encoded),
 * so the whole state is col and pend: a point to resume from stores both.
 */
struct ccm_qp {
	unsigned col; /* characters on the encoded line so far */
	uint8_t pend; /* a blank not yet written, or 0 */
};
/* Encodes in[0..n) into out (at most 12 * n + 8 bytes, with an eol of
 * at most two bytes); returns the length written. */
size_t ccm_qp_feed(struct ccm_qp *q, const uint8_t *in, size_t n,
                   const char *eol, char *out);
/* Ends the text: a held blank is written encoded. out holds 8 bytes. */
size_t ccm_qp_end(struct ccm_qp *q, const char *eol, char *out);

/*
 * A header being written, line by line, folded: col is the length of
 * the current line, eol its line end. Lines are kept within 78
 * characters where the text allows it, and never over 998.
 */
struct ccm_hdrw {
	struct ccm_buf *b;
	const char *eol;
	unsigned col;
	bool fresh; /* the next token needs no blank before it */
};

/* Starts the field "Name: " on a new line. */
void ccm_hdr_field(struct ccm_hdrw *h, const char *name);
/* Ends the current field's line. */
void ccm_hdr_end(struct ccm_hdrw *h);
/* Appends the n bytes of token t, first folding the line (a line end and
 * a blank) when it would pass 78 characters; sep (one character or NUL)
 * goes before it, and a blank after sep when the line is not folded. */
void ccm_hdr_token(struct ccm_hdrw *h, char sep, const char *t, size_t n);
/*
 * Appends UTF-8 text (no control characters) as an unstructured value:
 * as it stands, folded at its blanks, when it is ASCII with no word too
 * long to fold and no "=?"; else as B encoded-words of whole characters.
 */
void ccm_hdr_text(struct ccm_hdrw *h, const char *s, size_t n);
/* The same, as the display name of a mailbox: a quoted string when it is
 * ASCII and short, else encoded-words. */
void ccm_hdr_phrase(struct ccm_hdrw *h, char sep, const char *s, size_t n);
/*
 * Appends "; name=value" for parameter name with a UTF-8 value: a quoted
 * string when it is short printable ASCII, else RFC 2231 continuations
 * (name*0*=utf-8''%XX..., name*1*=...), one per folded line.
 */
void ccm_hdr_param(struct ccm_hdrw *h, const char *name, const char *v,
                   size_t n);

/* True when s[0..n) is printable ASCII alone. */
bool ccm_ascii_printable(const char *s, size_t n);

/* A 128-bit hash (FNV-1a), for Message-IDs: start with ccm_hash_init. */
struct ccm_hash {
	uint64_t hi, lo;
};
void ccm_hash_init(struct ccm_hash *h);
void ccm_hash_put(struct ccm_hash *h, const void *p, size_t n);
/* 32 lower-case hex digits and a NUL into out. */
void ccm_hash_hex(const struct ccm_hash *h, char out[33]);

#endif
