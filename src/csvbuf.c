#include "csvbuf.h"

#include <csv.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The capacity sits in a header in front of the buffer, padded so that the buffer keeps
 * malloc's alignment. */
typedef union header {
    size_t capacity;
    max_align_t align;
} header;

enum { MIN_CAPACITY = 256 };

void *nv_csvbuf_realloc(void *ptr, size_t size)
{
    header *h = ptr ? (header *)ptr - 1 : NULL;
    size_t cap = h ? h->capacity : 0;
    if (h && size <= cap)
        return ptr;
    size_t want = cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * cap;
    if (want < size)
        want = size;
    if (want < MIN_CAPACITY)
        want = MIN_CAPACITY;
    if (want > SIZE_MAX - sizeof *h)
        return NULL;
    header *n = realloc(h, sizeof *h + want);
    if (!n && want > size && size <= SIZE_MAX - sizeof *h) /* doubling too much: the least that fits */
        n = realloc(h, sizeof *h + (want = size));
    if (!n)
        return NULL;
    n->capacity = want;
    return n + 1;
}

void nv_csvbuf_free(void *ptr)
{
    if (ptr)
        free((header *)ptr - 1);
}

size_t nv_csvbuf_capacity(const void *ptr)
{
    return ptr ? ((const header *)ptr - 1)->capacity : 0;
}

void nv_csvbuf_attach(struct csv_parser *p)
{
    csv_set_realloc_func(p, nv_csvbuf_realloc);
    csv_set_free_func(p, nv_csvbuf_free);
}
