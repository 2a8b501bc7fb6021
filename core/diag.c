/*
 * Diagnostics, kept apart from the scanners that report them so that every
 * layer above can call them and they call no layer back.
 */
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"
#include "srcfile.h"

static void vlog(struct ccm_log *log, const struct ccm_srcfile *f,
                 uint64_t line, const char *fmt, va_list ap)
{
	ccm_buf_puts(&log->text, f && f->path ? ccm_srcfile_rel(f) : "PO.INI");
	if (line)
		ccm_buf_printf(&log->text, ":%llu", (unsigned long long)line);
	ccm_buf_puts(&log->text, ": ");
	char text[512];
	vsnprintf(text, sizeof(text), fmt, ap);
	/* Source bytes quoted in a warning must not break its line. */
	for (char *c = text; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	ccm_buf_puts(&log->text, text);
	ccm_buf_putc(&log->text, '\n');
}

void ccm_warn(struct ccm_log *log, const struct ccm_srcfile *f, uint64_t line,
              const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(log, f, line, fmt, ap);
	va_end(ap);
	log->warnings++;
}

void ccm_leftout(struct ccm_log *log, const struct ccm_srcfile *f,
                 uint64_t line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(log, f, line, fmt, ap);
	va_end(ap);
	log->left_out++;
}

void ccm_notice(const struct ccm_options *o, const char *fmt, ...)
{
	if (!o->notice)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->notice(o->notice_ctx, line);
}
