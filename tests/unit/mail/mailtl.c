#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "item.h"
#include "mailhdr.h"
#include "mailtl.h"
#include "reader.h"
#include "tl.h"

void mt_open(struct mt_src *s, const char *path, enum ccm_view view,
             const char *tz, const char *addrmap)
{
	struct ccm_options o = {0};
	o.view = view;
	o.tz = tz;
	o.addrmap = addrmap;
	s->src = tl_open(path, &o);
	s->infos = calloc(s->src->npo, sizeof(*s->infos));
	cr_assert_not_null(s->infos);
	for (size_t p = 0; p < s->src->npo; p++)
		cr_assert_eq(ccm_mail_layout(s->src->pos[p], &s->infos[p]),
		             CCM_OK);
}

void mt_close(struct mt_src *s)
{
	for (size_t p = 0; p < s->src->npo; p++)
		free(s->infos[p]);
	free(s->infos);
	ccm_source_close(s->src);
}

char *mt_range(const struct mt_src *s, size_t po, uint32_t msg, uint64_t a,
               uint64_t b)
{
	char *buf = malloc(b - a + 1);
	cr_assert_not_null(buf);
	struct ccm_reader rd;
	cr_assert_eq(ccm_reader_init(&rd, s->src, b - a), CCM_OK);
	struct ccm_win w = {&rd, buf, a, b, 0, NULL, 0};
	ccm_err err = ccm_mail_render(s->src->pos[po], msg, &w);
	if (!err)
		err = ccm_reader_verify(&rd);
	ccm_reader_fini(&rd);
	cr_assert_eq(err, CCM_OK, "message %u [%llu, %llu): error %d", msg,
	             (unsigned long long)a, (unsigned long long)b, err);
	buf[b - a] = '\0';
	return buf;
}

char *mt_whole(const struct mt_src *s, size_t po, uint32_t msg, size_t *n)
{
	*n = ccm_mail_size(s->src->pos[po], msg);
	return mt_range(s, po, msg, 0, *n);
}

static void expect_slice(const struct mt_src *s, size_t p, uint32_t i,
                         const char *whole, uint64_t a, uint64_t b)
{
	char *part = mt_range(s, p, i, a, b);
	cr_expect(!memcmp(part, whole + a, b - a),
	          "message %u: bytes [%llu, %llu) differ from the whole", i,
	          (unsigned long long)a, (unsigned long long)b);
	free(part);
}

/* Ranges around every seek point of message i's text. */
static void seek_ranges(const struct mt_src *s, size_t p, uint32_t i,
                        const char *whole, size_t n)
{
	const struct ccm_mailidx *mi = s->src->pos[p]->mail;
	const struct ccm_mailmsg *mm = &mi->msgs[i];
	/* The text starts after the header and, in a multipart message,
	 * the text part's head. */
	struct ccm_buf head = {0};
	if (mm->flags & CCM_MAIL_MULTI)
		ccm_mail_texthead(s->src->pos[p], mm, &head);
	uint64_t text = mm->hdr + head.len;
	ccm_buf_free(&head);
	for (uint32_t k = 0; k < mm->nseek; k++) {
		uint64_t at = text + mi->seeks.v[mm->seek0 + k].out;
		uint64_t a = at > 3 ? at - 3 : 0, b = at + 3 < n ? at + 3 : n;
		expect_slice(s, p, i, whole, a, b);
		expect_slice(s, p, i, whole, at, b);
	}
}

size_t mt_check_ranges(const struct mt_src *s)
{
	size_t checked = 0;
	for (size_t p = 0; p < s->src->npo; p++) {
		const struct ccm_po *po = s->src->pos[p];
		for (uint32_t i = 0; i < po->msgs.n; i++) {
			size_t n;
			if (!ccm_mail_size(po, i))
				continue;
			char *whole = mt_whole(s, p, i, &n);
			/* Short messages: every start, a few lengths; long
			 * ones: starts spread over them. */
			uint64_t step = n < 600 ? 1 : n / 300 + 1;
			for (uint64_t a = 0; a < n; a += step)
				for (uint64_t len = 1; a + len <= n;
				     len = len * 5 + 2)
					expect_slice(s, p, i, whole, a,
					             a + len);
			seek_ranges(s, p, i, whole, n);
			free(whole);
			checked++;
		}
	}
	return checked;
}

uint32_t mt_find(const struct mt_src *s, size_t po, const char *needle)
{
	const struct ccm_po *p = s->src->pos[po];
	for (uint32_t i = 0; i < p->msgs.n; i++) {
		if (!ccm_mail_size(p, i))
			continue;
		size_t n;
		char *m = mt_whole(s, po, i, &n);
		size_t h = p->mail->msgs[i].hdr;
		bool hit = h <= n && memmem(m, h, needle, strlen(needle));
		free(m);
		if (hit)
			return i;
	}
	return CCM_NONE;
}

char *mt_hdr(const char *dir, size_t po, uint32_t msg)
{
	char path[TL_PATH];
	tl_join(path, "%s/%zu-%u.eml.hdr", dir, po, msg);
	size_t n;
	return tl_slurp(path, &n);
}

/* Source bytes [off, off + n) of source file f (malloc'd). */
static char *src_bytes(const struct mt_src *s, uint32_t f, uint64_t off,
                       size_t n)
{
	size_t len;
	char *all = tl_slurp(s->src->files.v[f].path, &len);
	cr_assert_leq(off + n, len);
	char *r = malloc(n + 1);
	cr_assert_not_null(r);
	memcpy(r, all + off, n);
	free(all);
	return r;
}

/* iconv of page cp to UTF-8, a byte it cannot read made '?'. */
static void to_utf8(unsigned cp, const char *s, size_t n, struct ccm_buf *out)
{
	char name[16];
	snprintf(name, sizeof(name), "CP%u", cp);
	iconv_t cd = iconv_open("UTF-8", name);
	cr_assert_neq(cd, (iconv_t)-1);
	char *ip = (char *)s;
	size_t il = n;
	while (il) {
		/* Room for all that is left: at most 4 bytes a character. */
		size_t room = 4 * il + 16, ol = room;
		char *op = ccm_buf_reserve(out, room);
		cr_assert_not_null(op);
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		out->len += room - ol;
		if (r != (size_t)-1)
			break;
		ccm_buf_putc(out, '?'); /* a byte iconv cannot read */
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
}

/* What the text of message i must read: its text items from the
 * source, in UTF-8, line ends LF, joined by a blank line. */
static void expected_text(const struct mt_src *s, size_t p, uint32_t i,
                          struct ccm_buf *out)
{
	const struct ccm_po *po = s->src->pos[p];
	const struct ccm_msg *m = &po->msgs.v[i];
	bool first = true, eol = false;
	for (uint32_t k = 0; k < m->nitems; k++) {
		const struct ccm_item *it = &po->items.v[m->item0 + k];
		if (it->kind != CCM_ITEM_TEXT)
			continue;
		/* As in the SEC body: a line end after an item that lacks
		 * one (an empty item too), then a blank line. */
		if (!first)
			ccm_buf_puts(out, eol ? "\n" : "\n\n");
		first = false;
		size_t at = out->len;
		char *raw = src_bytes(s, m->file, it->src_off, it->src_len);
		struct ccm_buf u = {0};
		to_utf8(po->src_cp, raw, it->src_len, &u);
		for (size_t j = 0; j < u.len; j++) {
			if (u.p[j] == '\r' && j + 1 < u.len &&
			    u.p[j + 1] == '\n')
				continue;
			ccm_buf_putc(out, u.p[j] == '\r' ? '\n' : u.p[j]);
		}
		eol = out->len > at && out->p[out->len - 1] == '\n';
		ccm_buf_free(&u);
		free(raw);
	}
}

/* Compares message i's parsed text and attachments with the source. */
static void compare(const struct mt_src *s, size_t p, uint32_t i,
                    const char *dir)
{
	const struct ccm_po *po = s->src->pos[p];
	const struct ccm_msg *m = &po->msgs.v[i];
	char path[TL_PATH];
	size_t n;
	tl_join(path, "%s/%zu-%u.eml.body", dir, p, i);
	char *body = tl_slurp(path, &n);
	struct ccm_buf want = {0};
	expected_text(s, p, i, &want);
	size_t d = 0;
	while (d < n && d < want.len && body[d] == want.p[d])
		d++;
	cr_expect(n == want.len && d == n,
	          "message %u: the parsed text (%zu bytes) differs from the "
	          "source's (%zu) at %zu: [%.40s] not [%.40s]",
	          i, n, want.len, d, body + d, want.p ? want.p + d : "");
	ccm_buf_free(&want);
	free(body);
	unsigned number = 0;
	for (uint32_t k = 0; k < m->nitems; k++) {
		const struct ccm_item *it = &po->items.v[m->item0 + k];
		if (it->kind == CCM_ITEM_TEXT)
			continue;
		tl_join(path, "%s/%zu-%u.eml.att%u", dir, p, i, ++number);
		char *got = tl_slurp(path, &n);
		char *data = malloc(it->out_len + 1);
		struct ccm_reader rd;
		cr_assert_eq(ccm_reader_init(&rd, s->src, 4096), CCM_OK);
		struct ccm_win w = {&rd, data, 0, it->out_len, 0, NULL, 0};
		cr_assert_eq(ccm_item_render(po, m->file, it, m->item0 + k, &w),
		             CCM_OK);
		ccm_reader_fini(&rd);
		cr_expect(n == it->out_len && !memcmp(got, data, n),
		          "message %u: attachment %u decodes to %zu bytes "
		          "that are not the source's %llu",
		          i, number, n, (unsigned long long)it->out_len);
		free(data);
		free(got);
	}
}

void mt_check_parsed(const struct mt_src *s, const char *dir)
{
	for (size_t p = 0; p < s->src->npo; p++)
		for (uint32_t i = 0; i < s->src->pos[p]->msgs.n; i++) {
			size_t n;
			if (!ccm_mail_size(s->src->pos[p], i))
				continue;
			char *m = mt_whole(s, p, i, &n);
			char rel[64];
			snprintf(rel, sizeof(rel), "%zu-%u.eml", p, i);
			tl_write_at(dir, rel, m, n);
			free(m);
		}
	char script[TL_PATH];
	tl_join(script, "%s/tests/unit/mailcheck.py",
	        tl_env("CCM_SOURCE_ROOT"));
	const char *argv[] = {"python3", script, dir, NULL};
	char *out = NULL;
	int rc = tl_capture(argv, NULL, &out, NULL);
	cr_assert_eq(rc, 0, "mailcheck.py: %s", out);
	free(out);
	for (size_t p = 0; p < s->src->npo; p++)
		for (uint32_t i = 0; i < s->src->pos[p]->msgs.n; i++)
			if (ccm_mail_size(s->src->pos[p], i))
				compare(s, p, i, dir);
}
