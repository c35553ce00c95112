/* strpool: copies are exact and NUL-terminated, interned strings are one copy each (so
 * pointers compare equal), "" costs nothing, and strings longer than a block still fit
 * without losing the block in use. */
#include "nv_test.h"
#include "strpool.h"

#include <stdlib.h>

int main(void)
{
    nv_strpool *p = nv_strpool_create();
    NV_CHECK(p != NULL);
    const char *a = nv_strpool_copy(p, "Kiruna;x", 6);
    NV_CHECK_STR(a, "Kiruna");
    const char *t1 = nv_strpool_intern(p, "staffed", 7), *t2 = nv_strpool_intern(p, "staffed!", 7);
    NV_CHECK(t1 == t2);
    NV_CHECK_STR(t1, "staffed");
    NV_CHECK(nv_strpool_intern(p, "staffe", 6) != t1);           /* a prefix is another string */
    NV_CHECK_STR(nv_strpool_intern(p, "", 0), "");
    /* Many distinct strings: the table grows and every one keeps its one copy. */
    char buf[32];
    const char *first = NULL;
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(buf, sizeof buf, "0%03d-%d", i % 1000, i);
        const char *s = nv_strpool_intern(p, buf, (size_t)n);
        if (i == 0)
            first = s;
        NV_CHECK(s != NULL);
    }
    NV_CHECK(nv_strpool_intern(p, "0000-0", 6) == first);
    /* Longer than a block (1 MB), between small ones. */
    size_t big = (size_t)3 << 20;
    char *long_text = malloc(big);
    memset(long_text, 'a', big);
    const char *before = nv_strpool_copy(p, "before", 6);
    const char *l = nv_strpool_copy(p, long_text, big);
    const char *after = nv_strpool_copy(p, "after", 5);
    NV_CHECK(l != NULL && strlen(l) == big && l[big - 1] == 'a');
    NV_CHECK_STR(before, "before");
    NV_CHECK_STR(after, "after");
    NV_CHECK(after > before && after - before < 64); /* the small ones share the block in use */
    NV_CHECK(nv_strpool_bytes(p) >= big);
    free(long_text);
    nv_strpool_destroy(p);
    nv_strpool_destroy(NULL);
    return nv_test_report("strpool");
}
