/* strpool.h — strings kept for the life of one owner, in large blocks, with interning.
 *
 * A plan of millions of rows holds a handful of strings per row: with a malloc each they
 * cost more in allocator overhead (32 bytes at least) than in text. A pool copies them
 * into blocks of 1 MB and frees all of them at once; nv_strpool_intern keeps one copy of
 * a repeated string (the type, kommunkod and town of millions of rows are a few hundred
 * distinct strings). Strings are never freed one by one. Not thread-safe: one owner. */
#ifndef NV_STRPOOL_H
#define NV_STRPOOL_H

#include <stddef.h>

typedef struct nv_strpool nv_strpool;

nv_strpool *nv_strpool_create(void);   /* NULL when out of memory */
void nv_strpool_destroy(nv_strpool *p); /* accepts NULL; frees every string of the pool */

/* A NUL-terminated copy of the n bytes at s, owned by the pool. NULL when out of memory. */
const char *nv_strpool_copy(nv_strpool *p, const char *s, size_t n);

/* The pool's one copy of the n bytes at s, made on first use: equal strings give the same
 * pointer. "" is a static string. NULL when out of memory. */
const char *nv_strpool_intern(nv_strpool *p, const char *s, size_t n);

/* Bytes the pool holds (blocks and the intern table), for estimates and tests. */
size_t nv_strpool_bytes(const nv_strpool *p);

#endif
