#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

char *ccm_buf_reserve(struct ccm_buf *b, size_t n)
{
	if (b->oom)
		return NULL;
	/* An empty buffer gets its memory even for n == 0: the pointer
	 * returned must not be NULL + 0. */
	if (!b->p || b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n)
			cap *= 2;
		char *p = b->borrowed ? malloc(cap) : realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		if (b->borrowed)
			memcpy(p, b->p, b->len);
		b->borrowed = false;
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

void ccm_buf_putu(struct ccm_buf *b, uint64_t v, unsigned width)
{
	char d[24];
	unsigned n = 0;
	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(d));
	while (n < width && n < sizeof(d))
		d[sizeof(d) - 1 - n++] = '0';
	ccm_buf_put(b, d + sizeof(d) - n, n);
}

void ccm_buf_printf(struct ccm_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	char *dst = ccm_buf_reserve(b, (size_t)n + 1);
	if (!dst)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void ccm_buf_free(struct ccm_buf *b)
{
	if (!b->borrowed)
		free(b->p);
	*b = (struct ccm_buf){0};
}

/* Blocks of 64 KiB, or larger for a larger request. */
#define ARENA_BLOCK ((size_t)64 * 1024)

struct ccm_arena_block {
	struct ccm_arena_block *next;
	size_t size;
	_Alignas(16) char data[];
};

void *ccm_arena_alloc(struct ccm_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->head->size - a->used < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		struct ccm_arena_block *blk = malloc(sizeof(*blk) + size);
		if (!blk)
			return NULL;
		blk->size = size;
		blk->next = a->head;
		a->head = blk;
		a->used = 0;
	}
	void *p = a->head->data + a->used;
	a->used += n;
	return p;
}

char *ccm_arena_strndup(struct ccm_arena *a, const char *s, size_t n)
{
	char *p = ccm_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void ccm_arena_adopt(struct ccm_arena *a, struct ccm_arena *from)
{
	if (!from->head)
		return;
	if (!a->head) {
		*a = *from;
	} else {
		/* After a's head, which stays the block a allocates from. */
		struct ccm_arena_block *tail = from->head;
		while (tail->next)
			tail = tail->next;
		tail->next = a->head->next;
		a->head->next = from->head;
	}
	from->head = NULL;
	from->used = 0;
}

void ccm_arena_free(struct ccm_arena *a)
{
	struct ccm_arena_block *blk = a->head;
	while (blk) {
		struct ccm_arena_block *next = blk->next;
		free(blk);
		blk = next;
	}
	a->head = NULL;
	a->used = 0;
}

unsigned ccm_digits(uint64_t v)
{
	unsigned n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

bool ccm_path_join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			out[0] = '\0';
		return false;
	}
	return true;
}

bool ccm_grow(void **v, size_t *cap, size_t elem)
{
	size_t n = *cap ? *cap * 2 : 16;
	void *p = realloc(*v, n * elem);
	if (!p)
		return false;
	*v = p;
	*cap = n;
	return true;
}

void ccm_shrink(void **v, size_t n, size_t *cap, size_t elem)
{
	if (!n || n == *cap)
		return;
	void *p = realloc(*v, n * elem);
	if (p) {
		*v = p;
		*cap = n;
	}
}

void ccm_prefault(void *p, size_t n)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(pg - 1);
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
}
