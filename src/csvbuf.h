/* csvbuf.h — a field buffer for libcsv that grows geometrically.
 *
 * libcsv grows the buffer of the field being parsed by a fixed block (128 bytes by
 * default, csv_set_blk_size) and reallocates each time: a field of n bytes costs n/128
 * reallocations and, where realloc copies (always under AddressSanitizer), O(n^2) bytes
 * copied — a 4 MB field took 44 s in the sanitizer build. The allocator below keeps a
 * capacity in front of the buffer and at least doubles it whenever libcsv asks for more,
 * so libcsv's small steps are answered in place and a long field costs O(n).
 *
 * Every libcsv parser of narvaro calls nv_csvbuf_attach right after csv_init. */
#ifndef NV_CSVBUF_H
#define NV_CSVBUF_H

#include <stddef.h>

struct csv_parser;

/* Makes p allocate its field buffer with nv_csvbuf_realloc / nv_csvbuf_free. Call before
 * the first csv_parse; csv_free releases the buffer as usual. */
void nv_csvbuf_attach(struct csv_parser *p);

/* realloc with geometric growth: a buffer of capacity c asked for size <= c is returned
 * as is; for more it becomes max(size, 2c). NULL (ptr untouched) when out of memory.
 * ptr must come from nv_csvbuf_realloc or be NULL. */
void *nv_csvbuf_realloc(void *ptr, size_t size);
void nv_csvbuf_free(void *ptr); /* accepts NULL */

/* The capacity of a buffer from nv_csvbuf_realloc (for tests); 0 for NULL. */
size_t nv_csvbuf_capacity(const void *ptr);

#endif
