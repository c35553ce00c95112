/* libcsv's field buffer grows geometrically: libcsv asks for 128 more bytes at a time, and
 * the allocator must answer most of those requests in place, so that a field of n bytes
 * costs O(log n) real reallocations instead of n/128 (a 4 MB field took 44 s in the
 * sanitizer build when every step was a realloc). */
#include "csvbuf.h"
#include "nv_test.h"

#include <csv.h>
#include <stdlib.h>

static size_t bytes; /* the longest field seen */
static void count_field(void *s, size_t n, void *user)
{
    (void)s, (void)user;
    if (n > bytes)
        bytes = n;
}

int main(void)
{
    /* The allocator as libcsv drives it: size + 128, again and again, up to 4 MB. */
    void *buf = NULL;
    size_t size = 0, grew = 0, cap = 0;
    while (size < 4u << 20) {
        size += 128;
        void *q = nv_csvbuf_realloc(buf, size);
        if (!q)
            break;
        buf = q;
        ((char *)buf)[size - 1] = 'x'; /* the new bytes are usable */
        if (nv_csvbuf_capacity(buf) != cap) {
            grew++;
            cap = nv_csvbuf_capacity(buf);
        }
    }
    NV_CHECK_INT(size, 4u << 20);
    NV_CHECK(nv_csvbuf_capacity(buf) >= size);
    NV_CHECK(grew <= 20); /* 256 B doubling to 4 MB: 15 steps; a linear 128-byte growth: 32768 */
    nv_csvbuf_free(buf);
    nv_csvbuf_free(NULL);
    NV_CHECK_INT(nv_csvbuf_capacity(NULL), 0);

    /* A parser with the allocator attached reads a 4 MB field whole. */
    struct csv_parser p;
    NV_CHECK(csv_init(&p, 0) == 0);
    nv_csvbuf_attach(&p);
    size_t n = 4u << 20;
    char *text = malloc(n + 3);
    memset(text, 'a', n);
    memcpy(text + n, ",b\n", 3);
    NV_CHECK_INT(csv_parse(&p, text, n + 3, count_field, NULL, NULL), n + 3);
    csv_fini(&p, count_field, NULL, NULL);
    csv_free(&p);
    free(text);
    NV_CHECK_INT(bytes, n); /* the longest field */
    return nv_test_report("test_csvbuf");
}
