/*
 * Growable byte buffers and a string arena.
 *
 * Rendering builds short lines (a PRI row, a SEC section header) into a
 * ccm_buf. Allocation failure is sticky: the buffer remembers it and every
 * later append is a no-op, so callers check once, at the end.
 */
#ifndef CCM_BUF_H
#define CCM_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ccm_buf {
	char *p;
	size_t len, cap;
	bool oom;
	bool borrowed; /* p is the caller's (on the stack): never freed */
};

/* Makes room for n more bytes; returns a pointer to them or NULL. */
char *ccm_buf_reserve(struct ccm_buf *b, size_t n);

/* Append n bytes, a C string, one byte, formatted text. b->p is not
 * NUL-terminated; it stays valid until the next append or ccm_buf_free.
 * Rows are built of many short appends: while there is room they are
 * inline copies, and only a buffer that must grow calls out. */
static inline void ccm_buf_put(struct ccm_buf *b, const void *data, size_t n)
{
	if (!n)
		return; /* data may be NULL then */
	char *dst = b->p && !b->oom && b->cap - b->len >= n
	                    ? b->p + b->len
	                    : ccm_buf_reserve(b, n);
	if (!dst)
		return;
	memcpy(dst, data, n);
	b->len += n;
}

static inline void ccm_buf_puts(struct ccm_buf *b, const char *s)
{
	ccm_buf_put(b, s, strlen(s));
}

static inline void ccm_buf_putc(struct ccm_buf *b, char c)
{
	ccm_buf_put(b, &c, 1);
}

void ccm_buf_printf(struct ccm_buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Appends v in decimal, zero-padded to at least width digits. */
void ccm_buf_putu(struct ccm_buf *b, uint64_t v, unsigned width);
/* Frees b's memory (not a borrowed one) and empties it. */
void ccm_buf_free(struct ccm_buf *b);

/* Strings that live as long as the index: allocated in large blocks. */
struct ccm_arena {
	struct ccm_arena_block *head;
	size_t used;
};

/* A NUL-terminated copy of n bytes, or NULL when out of memory; it lives
 * until ccm_arena_free. */
char *ccm_arena_strndup(struct ccm_arena *a, const char *s, size_t n);
/* n bytes that live until ccm_arena_free, or NULL. */
void *ccm_arena_alloc(struct ccm_arena *a, size_t n);
/* Moves every block of from into a: what from gave lives as long as a. */
void ccm_arena_adopt(struct ccm_arena *a, struct ccm_arena *from);
/* Frees every block of a at once. */
void ccm_arena_free(struct ccm_arena *a);

/* Writes "a/b" into out; false (and out empty) when it does not fit. */
bool ccm_path_join(char *out, size_t size, const char *a, const char *b);

/* The number of decimal digits of v. */
unsigned ccm_digits(uint64_t v);

/* A growable array: v holds n elements in room for cap. */
#define CCM_ARRAY(T)                                                           \
	struct {                                                               \
		T *v;                                                          \
		size_t n, cap;                                                 \
	}

/* Appends one element to a CCM_ARRAY; returns its address (valid until
 * the next push) or NULL when out of memory. */
#define CCM_PUSH(arr)                                                          \
	(((arr).n < (arr).cap ||                                               \
	  ccm_grow((void **)&(arr).v, &(arr).cap, sizeof(*(arr).v)))           \
	         ? &(arr).v[(arr).n++]                                         \
	         : NULL)
/* Doubles the room of *v (elements of elem bytes); false when out of
 * memory, *v then unchanged. */
bool ccm_grow(void **v, size_t *cap, size_t elem);
/* Has the kernel make the pages wholly inside [p, p + n) present in one
 * call, for memory about to be written whole: on a host with shadow
 * page tables the first touch of a fresh page costs ~13 us, a page made
 * present this way ~6. Best effort: a kernel before Linux 5.14 (no
 * MADV_POPULATE_WRITE) just faults as ever. */
void ccm_prefault(void *p, size_t n);
/* Gives back a CCM_ARRAY's unused room once it is complete. */
#define CCM_SHRINK(arr)                                                        \
	ccm_shrink((void **)&(arr).v, (arr).n, &(arr).cap, sizeof(*(arr).v))
void ccm_shrink(void **v, size_t n, size_t *cap, size_t elem);

#endif
