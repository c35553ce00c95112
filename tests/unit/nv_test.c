#include "nv_test.h"

#include <stdlib.h>

int nv_test_failures = 0;
int nv_test_checks = 0;

int nv_test_report(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, nv_test_checks, nv_test_failures);
    return nv_test_failures ? 1 : 0;
}

static const char *join(const char *env, const char *fallback, const char *rel, char *buf, size_t n)
{
    const char *base = getenv(env);
    snprintf(buf, n, "%s/%s", base && *base ? base : fallback, rel);
    return buf;
}

const char *nv_test_shared(const char *rel)
{
    static char buf[4096];
    return join("NARVARO_DATA", "../shared", rel, buf, sizeof buf);
}

const char *nv_test_data(const char *rel)
{
    static char buf[4096];
    return join("NV_TEST_DATA", "tests/data", rel, buf, sizeof buf);
}
