/* The p-median's prefix sets (pmedian.h) on instances checked by hand, and the identity
 * they rest on, against brute force: for any plan, a point's distance to its nearest
 * location is d0 minus the weights of its prefix sets that the plan covers. */
#include "pmedian.h"
#include "nv_test.h"

#include <stdlib.h>

typedef struct got {
    int n;
    int vars[16][8];
    unsigned len[16];
    double w[16];
} got;

static int keep(void *user, const int *vars, unsigned len, double weight_pm)
{
    got *g = user;
    if (g->n >= 16 || len > 8)
        return 1;
    for (unsigned i = 0; i < len; i++)
        g->vars[g->n][i] = vars[i];
    g->len[g->n] = len;
    g->w[g->n++] = weight_pm;
    return 0;
}

static void test_prefixes_by_hand(void)
{
    const double office[] = {0, 0};
    /* var 0 at (3, 0), var 1 at (5, 0), var 2 far away at (100, 0) */
    const double cand[] = {3, 0, 5, 0, 100, 0};
    NV_CHECK(nv_pmedian_index_create(office, 0, cand, 3) == NULL); /* no office, no distances */
    nv_pmedian_index *ix = nv_pmedian_index_create(office, 1, cand, 3);
    nv_pmedian_scratch *w = ix ? nv_pmedian_scratch_create(ix) : NULL;
    NV_CHECK(ix && w);
    if (!ix || !w)
        return;
    got g = {0};
    double d0;
    /* (4, 0), 2 people: the office 4 away; both candidates 1 away (a tie: one prefix). */
    NV_CHECK_INT(nv_pmedian_point(ix, w, 4, 0, 2, keep, &g, &d0), 0);
    NV_CHECK_NEAR(d0, 4, 1e-12);
    NV_CHECK_INT(g.n, 1);
    NV_CHECK_INT(g.len[0], 2);
    NV_CHECK_INT(g.vars[0][0], 0);
    NV_CHECK_INT(g.vars[0][1], 1);
    NV_CHECK_NEAR(g.w[0], 2 * (4 - 1), 1e-12);
    /* (10, 0), 1 person: var 1 at 5, var 0 at 7, the office at 10; var 2 (90) is farther
     * than the office and never enters. */
    g.n = 0;
    NV_CHECK_INT(nv_pmedian_point(ix, w, 10, 0, 1, keep, &g, &d0), 0);
    NV_CHECK_INT(g.n, 2);
    NV_CHECK_INT(g.len[0], 1);
    NV_CHECK_INT(g.vars[0][0], 1);
    NV_CHECK_NEAR(g.w[0], 7 - 5, 1e-12);
    NV_CHECK_INT(g.len[1], 2);
    NV_CHECK_NEAR(g.w[1], 10 - 7, 1e-12);
    /* At the office, or nobody there: nothing to gain. */
    g.n = 0;
    NV_CHECK_INT(nv_pmedian_point(ix, w, 0, 0, 5, keep, &g, &d0), 0);
    NV_CHECK_INT(g.n, 0);
    NV_CHECK_INT(nv_pmedian_point(ix, w, 10, 0, 0, keep, &g, &d0), 0);
    NV_CHECK_INT(g.n, 0);
    nv_pmedian_scratch_destroy(w);
    nv_pmedian_index_destroy(ix);
    nv_pmedian_index_destroy(NULL);
    nv_pmedian_scratch_destroy(NULL);
}

static double rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (double)((*s >> 8) & 0xFFFF) / 65536.0;
}

static void test_identity_against_brute_force(void)
{
    enum { NO = 3, NC = 8 };
    unsigned seed = 13;
    double office[2 * NO], cand[2 * NC];
    for (int i = 0; i < 2 * NO; i++)
        office[i] = rnd(&seed) * 1000;
    for (int i = 0; i < 2 * NC; i++)
        cand[i] = rnd(&seed) * 1000;
    nv_pmedian_index *ix = nv_pmedian_index_create(office, NO, cand, NC);
    nv_pmedian_scratch *w = ix ? nv_pmedian_scratch_create(ix) : NULL;
    NV_CHECK(ix && w);
    for (int p = 0; p < 200 && ix && w; p++) {
        double x = rnd(&seed) * 1000, y = rnd(&seed) * 1000, d0;
        got g = {0};
        NV_CHECK_INT(nv_pmedian_point(ix, w, x, y, 1, keep, &g, &d0), 0);
        for (unsigned plan = 0; plan < (1u << NC); plan += 7) { /* a spread of plans */
            double best = INFINITY;
            for (int i = 0; i < NO; i++)
                best = fmin(best, sqrt((x - office[2 * i]) * (x - office[2 * i]) +
                                       (y - office[2 * i + 1]) * (y - office[2 * i + 1])));
            for (int j = 0; j < NC; j++)
                if (plan >> j & 1)
                    best = fmin(best, sqrt((x - cand[2 * j]) * (x - cand[2 * j]) +
                                           (y - cand[2 * j + 1]) * (y - cand[2 * j + 1])));
            double d = d0;
            for (int r = 0; r < g.n; r++) {
                int cov = 0;
                for (unsigned k = 0; k < g.len[r]; k++)
                    cov |= (int)(plan >> g.vars[r][k] & 1);
                if (cov)
                    d -= g.w[r];
            }
            NV_CHECK_NEAR(d, best, 1e-9);
        }
    }
    nv_pmedian_scratch_destroy(w);
    nv_pmedian_index_destroy(ix);
}

int main(void)
{
    test_prefixes_by_hand();
    test_identity_against_brute_force();
    return nv_test_report("test_pmedian");
}
