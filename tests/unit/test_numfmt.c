/* numfmt: the fast "%.*f", "%.*g" and "%ld" must give printf's text byte for byte (with the sign
 * of an all-zero result dropped, as the CSV writer always did): on the coordinates and
 * distances offices.csv holds, on halfway cases, and on random doubles of every size. */
#include "nv_test.h"
#include "numfmt.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

static char want[600], got[600];

/* printf's text, "-0.00" made "0.00". */
static void reference(double v, int d)
{
    snprintf(want, sizeof want, "%.*f", d, v);
    if (want[0] == '-' && want[1 + strspn(want + 1, "0.")] == '\0')
        memmove(want, want + 1, strlen(want));
}

static int same(double v, int d)
{
    reference(v, d);
    int len = nv_numfmt_fixed(got, sizeof got, v, d);
    return strcmp(want, got) == 0 && len == (int)strlen(want);
}

static uint64_t rng = 88172645463325252u;
static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

/* nv_numfmt_general's text of v at precision p is printf's "%.*g", and its length is
 * returned; the text is left in out. A function, not a macro: several of these in one
 * expression would otherwise assign one length variable unsequenced. */
static int same_g(double v, int p, char *out, size_t size)
{
    char expect[600];
    snprintf(expect, sizeof expect, "%.*g", p, v);
    int len = nv_numfmt_general(out, size, v, p);
    return strcmp(expect, out) == 0 && len == (int)strlen(expect);
}

int main(void)
{
    NV_CHECK(same(0, 2) && strcmp(got, "0.00") == 0);
    NV_CHECK(same(-0.0, 2) && strcmp(got, "0.00") == 0);
    NV_CHECK(same(-0.001, 2) && strcmp(got, "0.00") == 0);
    NV_CHECK(same(-0.005, 2));  /* a double just below or above the half: printf decides */
    NV_CHECK(same(0.125, 2) && strcmp(got, "0.12") == 0); /* exact tie: to even */
    NV_CHECK(same(0.375, 2) && strcmp(got, "0.38") == 0);
    NV_CHECK(same(2.5, 0) && strcmp(got, "2") == 0);
    NV_CHECK(same(-3.5, 0) && strcmp(got, "-4") == 0);
    NV_CHECK(same(59.519848, 6) && strcmp(got, "59.519848") == 0);
    NV_CHECK(same(664613.3125, 2));
    NV_CHECK(same(6601543.225, 2));
    NV_CHECK(same(1e300, 2));   /* the slow path */
    NV_CHECK(same(1e15, 2));
    NV_CHECK(same(-123456789012.345, 3));
    char small[4];
    NV_CHECK_INT(nv_numfmt_fixed(small, sizeof small, 123.456, 2), 6);
    NV_CHECK_STR(small, "123");

    long differ = 0;
    /* Coordinates and distances as narvaro prints them. */
    for (long i = 0; i < 600000; i++) {
        double lat = 55 + (double)(next() % 1000000000) / 1e8 * 1.4;
        double x = 200000 + (double)(next() % 1000000000) / 1e3 * 0.7;
        double snap = (double)(next() % 100000000) / 1e4;
        differ += !same(lat, 6) + !same(-lat, 6) + !same(x, 2) + !same(snap, 2) + !same(snap / 1000, 3);
    }
    /* Halfway cases and their neighbours: k + 0.5 at d decimals. */
    for (long i = 0; i < 250000; i++) {
        int d = (int)(next() % 7);
        double scale = 1;
        for (int k = 0; k < d; k++)
            scale *= 10;
        double v = ((double)(next() % 100000000) + 0.5) / scale;
        differ += !same(v, d) + !same(nextafter(v, 0), d) + !same(nextafter(v, 1e300), d) + !same(-v, d);
    }
    /* Random bit patterns of every magnitude. */
    for (long i = 0; i < 250000; i++) {
        uint64_t b = next();
        double v;
        memcpy(&v, &b, sizeof v);
        if (!isfinite(v))
            continue;
        differ += !same(v, (int)(next() % 10));
    }
    if (differ)
        fprintf(stderr, "e.g. want %s got %s\n", want, got);
    NV_CHECK_INT(differ, 0);

    /* "%.*g": the reals of a result's columns (areas, distances, shares, coordinates) at
     * 15 digits as the reader gives them, every precision, halfway cases, the edges of
     * the %f form (1e-4, 10^P) and values that round up to the next power of ten. */
    long gdiffer = 0;
#define SAME_G(v, p) same_g((v), (p), got, sizeof got)
    NV_CHECK(SAME_G(0.0, 15) && SAME_G(-0.0, 15) && SAME_G(1.0, 15) && SAME_G(-2.5, 15));
    NV_CHECK(SAME_G(0.1, 15) && strcmp(got, "0.1") == 0);
    NV_CHECK(SAME_G(1234.5678, 15) && strcmp(got, "1234.5678") == 0);
    NV_CHECK(SAME_G(0.0001, 15) && SAME_G(0.00009999999, 15) && SAME_G(1e15, 15) && SAME_G(1e14, 15));
    NV_CHECK(SAME_G(999999999999999.5, 15) && SAME_G(9.9999999999999995, 15) && SAME_G(0.099999999999999999, 15));
    NV_CHECK(SAME_G(2.5, 1) && SAME_G(0.125, 2) && SAME_G(1e300, 15) && SAME_G(-1e-300, 15));
    for (long i = 0; i < 400000; i++) {
        double area = (double)(next() % 100000000000) / 1e6;   /* 0 .. 1e5 km2, 6 decimals */
        double share = (double)(next() % 1000000) / 1e6;
        double x = 200000 + (double)(next() % 1000000000) / 1e3 * 0.7;
        double r = (double)(next() % 1000000007) / 7.0;
        gdiffer += !SAME_G(area, 15) + !SAME_G(share, 15) + !SAME_G(x, 15) + !SAME_G(-r, 15) + !SAME_G(r / 1e9, 15);
    }
    for (long i = 0; i < 250000; i++) {
        int p = 1 + (int)(next() % 15), e = (int)(next() % 24) - 6;
        double m = ((double)(next() % 100000000000000) + 0.5) / 1e14; /* digits and a half */
        double v = m * pow(10, e);
        gdiffer += !SAME_G(v, p) + !SAME_G(nextafter(v, 0), p) + !SAME_G(nextafter(v, 1e300), p);
        double t = pow(10, e); /* around powers of ten */
        gdiffer += !SAME_G(t, p) + !SAME_G(nextafter(t, 0), p) + !SAME_G(nextafter(t, 1e300), p);
    }
    for (long i = 0; i < 250000; i++) {
        uint64_t b = next();
        double v;
        memcpy(&v, &b, sizeof v);
        int p = 1 + (int)(next() % 15);
        if (isfinite(v))
            gdiffer += !SAME_G(v, p);
        double q = (double)(int64_t)(next() >> 10) / (double)(1ULL << (next() % 40)); /* binary fractions */
        gdiffer += !SAME_G(q, 15);
    }
    if (gdiffer)
        fprintf(stderr, "%ld values differ from printf's %%g, the last written: %s\n", gdiffer, got);
    NV_CHECK_INT(gdiffer, 0);
    NV_CHECK_INT(nv_numfmt_general(small, sizeof small, 0.123456, 6), 8);
    NV_CHECK_STR(small, "0.1");

    long vals[] = {0, 1, -1, 9, 10, 123456789, -987654321, LONG_MAX, LONG_MIN};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        snprintf(want, sizeof want, "%ld", vals[i]);
        NV_CHECK_INT(nv_numfmt_long(got, sizeof got, vals[i]), (long)strlen(want));
        NV_CHECK_STR(got, want);
    }
    /* Grouped for people: counts in the map legends and captions, figures in the report. */
    char g[32];
    NV_CHECK_STR(nv_numfmt_grouped(g, sizeof g, "250000", ",", '.'), "250,000");
    NV_CHECK_STR(nv_numfmt_grouped(g, sizeof g, "250000", "\u00a0", ','), "250\u00a0000");
    NV_CHECK_STR(nv_numfmt_grouped(g, sizeof g, "-1234567.25", "\u00a0", ','), "-1\u00a0234\u00a0567,25");
    NV_CHECK_STR(nv_numfmt_grouped(g, sizeof g, "-123", ",", '.'), "-123"); /* no separator after the sign */
    NV_CHECK_STR(nv_numfmt_grouped(g, sizeof g, "999", ",", '.'), "999");
    NV_CHECK_STR(nv_numfmt_grouped(g, sizeof g, "0.5", ",", '.'), "0.5");
    NV_CHECK_STR(nv_numfmt_grouped(g, sizeof g, "1000", ",", '.'), "1,000");
    char tiny[6]; /* cut short at a whole character: never half a no-break space */
    NV_CHECK_STR(nv_numfmt_grouped(tiny, sizeof tiny, "1234567", "\u00a0", ','), "1\u00a023");
    NV_CHECK_STR(nv_numfmt_grouped(tiny, sizeof tiny, "1234567", ",", '.'), "1,234");
    return nv_test_report("numfmt");
}
