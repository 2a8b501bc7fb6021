/*
 * Source post offices and reference trees (see source.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "files.h"
#include "run.h"
#include "scratch.h"
#include "source.h"

void tl_gen(const char *dir, const char *const args[])
{
	const char *head[] = {tl_env("CCM_GEN")};
	const char *tail[] = {dir};
	const char **argv = tl_argv(head, 1, args, tail, 1);
	tl_run_ok(argv, "ccm-gen.log");
	free(argv);
}

void tl_make_source(char *src, const char *const args[])
{
	tl_join(src, "%s/src", tl_scratch());
	tl_gen(src, args);
}

void tl_set_po_name(const char *export_dir, const char *name)
{
	char path[TL_PATH];
	tl_join(path, "%s/PO.INI", export_dir);
	size_t n;
	char *text = tl_slurp(path, &n);
	size_t cap = n + strlen(name) + 64, len = 0;
	char *out = malloc(cap);
	cr_assert_not_null(out);
	int replaced = 0;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		char *end = nl ? nl + 1 : line + strlen(line);
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		bool is_name = !strncasecmp(p, "name", 4);
		if (is_name) {
			p += 4;
			while (*p == ' ' || *p == '\t')
				p++;
			is_name = *p == '=';
		}
		if (is_name) {
			const char *eol = nl && nl > line && nl[-1] == '\r'
			                          ? "\r\n"
			                          : "\n";
			len += (size_t)snprintf(out + len, cap - len,
			                        "Name=%s%s", name, eol);
			replaced++;
		} else {
			memcpy(out + len, line, (size_t)(end - line));
			len += (size_t)(end - line);
		}
		line = end;
	}
	cr_assert_eq(replaced, 1, "%s: %d Name= lines", path, replaced);
	tl_write(path, out, len);
	free(out);
	free(text);
}

void tl_gen_colliding(const char *dir, unsigned seed, const char *const args[])
{
	char s[32];
	snprintf(s, sizeof(s), "%u", seed);
	const char *head[] = {tl_env("CCM_GEN"), "--seed", s, "--pos", "3"};
	const char *tail[] = {dir};
	const char **argv = tl_argv(head, 5, args, tail, 1);
	tl_run_ok(argv, "ccm-gen.log");
	free(argv);
	static const char *const names[] = {"SALES/EAST", "sales:east",
	                                    "SALES EAST"};
	for (int i = 0; i < 3; i++) {
		char po[TL_PATH];
		tl_join(po, "%s/po%02d", dir, i + 1);
		tl_set_po_name(po, names[i]);
	}
}

void tl_reference(const char *src, const char *out, const char *const args[])
{
	const char *head[] = {tl_env("CCM_CCMAIL2IFF"), "-q"};
	const char *tail[] = {src, out};
	const char **argv = tl_argv(head, 2, args, tail, 2);
	tl_run_ok(argv, "ccmail2iff.log");
	free(argv);
}

void tl_make_reference(const char *src, char *ref, const char *const args[])
{
	tl_join(ref, "%s/ref", tl_scratch());
	tl_reference(src, ref, args);
}

void tl_make_client_source(unsigned seed, const char *attach_bytes, char *src,
                           char *ref)
{
	char s[32];
	snprintf(s, sizeof(s), "%u", seed);
	const char *const gen[] = {"--seed",         s,
	                           "--pos",          "2",
	                           "--users",        "5",
	                           "--messages",     "60",
	                           "--attach-bytes", attach_bytes,
	                           "--big-attach",   "1",
	                           "--tricky",       NULL};
	tl_make_source(src, gen);
	tl_make_reference(src, ref, NULL);
}
