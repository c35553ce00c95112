/* The hot path against answers that can be checked by hand, and against brute force. */
#include "index.h"
#include "nv_test.h"

#include <float.h>
#include <stdlib.h>
#include <unistd.h>

/* Four unit squares of side 10 in a 2x2 block: 0 = [0,10]x[0,10], 1 = [10,20]x[0,10],
 * 2 = [0,10]x[10,20], 3 = [10,20]x[10,20] with a hole [12,18]x[12,18] (not ours). */
static const double sq0[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0};
static const double sq1[] = {10, 0, 20, 0, 20, 10, 10, 10, 10, 0};
static const double sq2[] = {0, 10, 10, 10, 10, 20, 0, 20, 0, 10};
static const double sq3[] = {10, 10, 20, 10, 20, 20, 10, 20, 10, 10,
                             12, 12, 12, 18, 18, 18, 18, 12, 12, 12};
static const size_t one_ring[] = {0, 5};
static const size_t two_rings[] = {0, 5, 10};

static void test_squares(void)
{
    nv_poly_view v[4] = {
        {1, one_ring, sq0}, {1, one_ring, sq1}, {1, one_ring, sq2}, {2, two_rings, sq3}};
    nv_polyindex *idx = nv_polyindex_create(v, 4);
    NV_CHECK(idx != NULL);
    NV_CHECK_INT(nv_polyindex_locate(idx, 5, 5), 0);
    NV_CHECK_INT(nv_polyindex_locate(idx, 15, 5), 1);
    NV_CHECK_INT(nv_polyindex_locate(idx, 5, 15), 2);
    NV_CHECK_INT(nv_polyindex_locate(idx, 11, 11), 3);
    NV_CHECK_INT(nv_polyindex_locate(idx, 15, 15), -1); /* in the hole */
    NV_CHECK_INT(nv_polyindex_locate(idx, 25, 5), -1);
    NV_CHECK_INT(nv_polyindex_locate(idx, -1, -1), -1);

    /* Points on shared borders and corners belong to exactly one square. */
    const double border[][2] = {{10, 5}, {5, 10}, {10, 10}, {15, 10}, {10, 15}, {10, 0}, {0, 10}};
    for (size_t k = 0; k < sizeof border / sizeof border[0]; k++) {
        double x = border[k][0], y = border[k][1];
        long hit = nv_polyindex_locate(idx, x, y);
        int owners = 0;
        for (size_t i = 0; i < 4; i++) {
            nv_polyindex *single = nv_polyindex_create(&v[i], 1);
            owners += nv_polyindex_locate(single, x, y) == 0;
            nv_polyindex_destroy(single);
        }
        NV_CHECK(owners <= 1);
        if (k < 5) /* interior borders: exactly one owner, and the index agrees */
            NV_CHECK_INT(owners, 1);
        NV_CHECK(owners == (hit >= 0));
    }

    /* Nearest polygon for points outside every one. */
    double d = -1;
    NV_CHECK_INT(nv_polyindex_nearest(idx, 21.5, 5, 2.0, &d), 1);
    NV_CHECK_NEAR(d, 1.5, 1e-12);
    NV_CHECK_INT(nv_polyindex_nearest(idx, 23, 5, 2.0, &d), -1);
    NV_CHECK_INT(nv_polyindex_nearest(idx, 5, 5, 2.0, &d), 0);
    NV_CHECK_NEAR(d, 0, 0);
    NV_CHECK_INT(nv_polyindex_nearest(idx, 15, 16, 5.0, &d), 3); /* in the hole: 2 to its ring */
    NV_CHECK_NEAR(d, 2, 1e-12);
    NV_CHECK_NEAR(nv_polyindex_boundary_distance(idx, 0, 5, 5), 5, 1e-12);
    nv_polyindex_destroy(idx);
    nv_polyindex_destroy(NULL);
}

static double rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (double)((*s >> 8) & 0xffffff) / (double)0x1000000;
}

/* A grid index and a scan over all polygons must agree everywhere, also on a star-shaped
 * polygon with long edges that cross many cells. */
static void test_random_against_scan(void)
{
    enum { N = 40 };
    double star[2 * N + 2];
    for (int i = 0; i < N; i++) {
        double a = 2 * M_PI * i / N, r = (i % 2) ? 30 : 100;
        star[2 * i] = 500 + r * cos(a);
        star[2 * i + 1] = 500 + r * sin(a);
    }
    star[2 * N] = star[0];
    star[2 * N + 1] = star[1];
    size_t rs[] = {0, N + 1};
    nv_poly_view v[5] = {{1, rs, star}, {1, one_ring, sq0}, {1, one_ring, sq1},
                         {1, one_ring, sq2}, {2, two_rings, sq3}};
    nv_polyindex *idx = nv_polyindex_create(v, 5);
    nv_polyindex *single[5];
    for (int i = 0; i < 5; i++)
        single[i] = nv_polyindex_create(&v[i], 1);
    unsigned seed = 42;
    int mismatches = 0, inside_star = 0;
    for (int k = 0; k < 200000; k++) {
        double x = rnd(&seed) * 620 - 10, y = rnd(&seed) * 620 - 10;
        long expect = -1;
        for (int i = 0; i < 5 && expect < 0; i++)
            if (nv_polyindex_locate(single[i], x, y) == 0)
                expect = i;
        mismatches += nv_polyindex_locate(idx, x, y) != expect;
        inside_star += expect == 0;
    }
    NV_CHECK_INT(mismatches, 0);
    /* The star's area is N/2 kites of 100*30*sin(2pi/N): about 10% of the square sampled. */
    double star_area = N / 2.0 * 2 * (0.5 * 100 * 30 * sin(2 * M_PI / N));
    NV_CHECK_NEAR(inside_star / 200000.0, star_area / (620.0 * 620.0), 0.002);
    for (int i = 0; i < 5; i++)
        nv_polyindex_destroy(single[i]);
    nv_polyindex_destroy(idx);
}

static void test_kdtree(void)
{
    enum { N = 1000 };
    static double xy[2 * N];
    unsigned seed = 7;
    for (int i = 0; i < N; i++) {
        /* Coarse coordinates so that many points coincide and ties are common. */
        xy[2 * i] = floor(rnd(&seed) * 30);
        xy[2 * i + 1] = floor(rnd(&seed) * 30);
    }
    nv_kdtree *t = nv_kdtree_create(xy, N);
    nv_kdtree *g = nv_kdtree_create(xy, N);
    /* The grid covers part of the queries' range: both paths get exercised. */
    NV_CHECK_INT(nv_kdtree_prepare_grid(g, 0, 0, 25, 31), 0);
    int wrong = 0, wrong_grid = 0;
    for (int k = 0; k < 20000; k++) {
        double x = floor(rnd(&seed) * 34) - 2, y = rnd(&seed) * 34 - 2, d = -1;
        long best = -1;
        double bd = DBL_MAX;
        for (int i = 0; i < N; i++) {
            double dd = hypot(xy[2 * i] - x, xy[2 * i + 1] - y);
            if (dd < bd)
                bd = dd, best = i;
        }
        long got = nv_kdtree_nearest(t, x, y, &d);
        wrong += got != best || fabs(d - bd) > 1e-9;
        got = nv_kdtree_nearest(g, x, y, &d);
        wrong_grid += got != best || fabs(d - bd) > 1e-9;
    }
    NV_CHECK_INT(wrong, 0);
    NV_CHECK_INT(wrong_grid, 0);
    nv_kdtree_destroy(g);
    double d;
    NV_CHECK_INT(nv_kdtree_nearest(NULL, 0, 0, &d), -1);
    nv_kdtree_destroy(t);
    double one[] = {3, 4};
    t = nv_kdtree_create(one, 1);
    NV_CHECK_INT(nv_kdtree_nearest(t, 0, 0, &d), 0);
    NV_CHECK_NEAR(d, 5, 1e-12);
    nv_kdtree_destroy(t);
}

/* The brute force: the index of xy's point nearest to (x, y), the lowest on equal
 * distances, and its squared distance as the tree computes it into *d2. */
static long brute_nearest(const double *xy, int n, double x, double y, double *d2)
{
    long best = -1;
    *d2 = DBL_MAX;
    for (int i = 0; i < n; i++) {
        double dx = xy[2 * i] - x, dy = xy[2 * i + 1] - y;
        if (dx * dx + dy * dy < *d2)
            *d2 = dx * dx + dy * dy, best = i;
    }
    return best;
}

/* A tree of more points than KD_THREAD_MIN_POINTS (index.c) has the halves below its
 * root built in two threads: it must answer as the brute force does, ties (coarse
 * coordinates, many coinciding points) to the lowest index included. */
static void test_kdtree_built_in_two_threads(void)
{
    enum { N = 150000, Q = 400 };
    double *xy = malloc(2 * N * sizeof *xy);
    NV_CHECK(xy != NULL);
    if (!xy)
        return;
    unsigned seed = 11;
    for (int i = 0; i < N; i++) {
        xy[2 * i] = floor(rnd(&seed) * 2000);
        xy[2 * i + 1] = floor(rnd(&seed) * 3000);
    }
    nv_kdtree *t = nv_kdtree_create(xy, N);
    NV_CHECK(t != NULL);
    int wrong = 0;
    for (int k = 0; t && k < Q; k++) {
        double x = floor(rnd(&seed) * 2200) - 100, y = floor(rnd(&seed) * 3200) - 100, d = -1;
        double bd2;
        long best = brute_nearest(xy, N, x, y, &bd2);
        long got = nv_kdtree_nearest(t, x, y, &d);
        wrong += got != best || d != sqrt(bd2);
    }
    NV_CHECK_INT(wrong, 0);
    nv_kdtree_destroy(t);
    free(xy);
}

/* Many points at one place (rows placed by their kommunkod all stand at its
 * representative point), a few elsewhere and one in seven NaN: the selection splits the
 * equal ones evenly (a pass per point would be 200,000^2 / 2 steps) and needs a total
 * order; the answers are the brute force's, the lowest index among the equal points,
 * never a NaN point. */
static void test_kdtree_many_points_at_one_place(void)
{
    enum { N = 200000 };
    double *xy = malloc(2 * N * sizeof *xy);
    NV_CHECK(xy != NULL);
    if (!xy)
        return;
    for (int i = 0; i < N; i++) {
        xy[2 * i] = i % 1000 == 999 ? (double)(i / 1000) * 10.0 : 500.0;
        xy[2 * i + 1] = i % 1000 == 999 ? 0.0 : 700.0;
        if (i % 7 == 5)
            xy[2 * i + (i & 1)] = NAN;
    }
    nv_kdtree *t = nv_kdtree_create(xy, N);
    NV_CHECK(t != NULL);
    int wrong = 0;
    double qs[][2] = {{500, 700}, {501, 699}, {0, 0}, {1234, 5}, {-50, 400}, {2000, 2000}};
    for (size_t k = 0; t && k < sizeof qs / sizeof *qs; k++) {
        double bd2, d = -1;
        long best = brute_nearest(xy, N, qs[k][0], qs[k][1], &bd2);
        long got = nv_kdtree_nearest(t, qs[k][0], qs[k][1], &d);
        wrong += got != best || d != sqrt(bd2);
    }
    NV_CHECK_INT(wrong, 0);
    NV_CHECK_INT(nv_kdtree_nearest(t, 500, 700, NULL), 0);
    nv_kdtree_destroy(t);
    free(xy);
}

/* A query far from a dense cluster (a plan's rows jittered within 300 m of an office, a
 * municipality's point 30 km away) is answered as the brute force answers it, and its
 * search measures a few thousand of the cluster's points at most. Pruning by the split's
 * distance alone measured every one of them, since every split there lies nearer than
 * the best. */
static void test_kdtree_far_from_a_dense_cluster(void)
{
    enum { N = 200000, Q = 64 };
    double *xy = malloc(2 * N * sizeof *xy);
    NV_CHECK(xy != NULL);
    if (!xy)
        return;
    unsigned seed = 23;
    for (int i = 0; i < N; i++) {
        xy[2 * i] = 660000 + (rnd(&seed) * 2 - 1) * 300;
        xy[2 * i + 1] = 6600000 + (rnd(&seed) * 2 - 1) * 300;
    }
    nv_kdtree *t = nv_kdtree_create(xy, N);
    NV_CHECK(t != NULL);
    int wrong = 0;
    size_t most = 0;
    for (int k = 0; t && k < Q; k++) {
        double a = 2 * M_PI * k / Q, r = k % 2 ? 30000 : 5000;
        double x = 660000 + r * cos(a), y = 6600000 + r * sin(a), d = -1;
        double bd2;
        long best = brute_nearest(xy, N, x, y, &bd2);
        long got = nv_kdtree_nearest(t, x, y, &d);
        wrong += got != best || d != sqrt(bd2);
        if (nv_kdtree_last_visits() > most)
            most = nv_kdtree_last_visits();
        NV_CHECK_INT(nv_kdtree_within(t, x, y, sqrt(bd2) * (1 + 1e-12)), 1);
        NV_CHECK_INT(nv_kdtree_within(t, x, y, sqrt(bd2) * (1 - 1e-9)), 0);
    }
    NV_CHECK_INT(wrong, 0);
    printf("# far queries into a cluster of %d points: at most %zu measured\n", N, most);
    NV_CHECK(most > 0 && most < N / 20);
    nv_kdtree_destroy(t);
    free(xy);
}

/* nv_kdtree_create_from: points taken from the caller's records, asked for once each
 * and in order, give the tree nv_kdtree_create gives over the same points, ties and all
 * (the coverage builds its trees so, from millions of rows, without an extra copy). */
struct record {
    int visits;
    double y;
    char tag;
    double x;
};

struct record_walk {
    struct record *r;
    size_t next;
    int out_of_order;
};

static void record_point(void *user, size_t i, double *x, double *y)
{
    struct record_walk *w = user;
    w->out_of_order += i != w->next++;
    w->r[i].visits++;
    *x = w->r[i].x;
    *y = w->r[i].y;
}

static void test_kdtree_from_records_as_from_points(void)
{
    enum { N = 120000, Q = 300 };
    struct record *r = calloc(N, sizeof *r);
    double *xy = malloc(2 * N * sizeof *xy);
    NV_CHECK(r != NULL && xy != NULL);
    if (!r || !xy) {
        free(r);
        free(xy);
        return;
    }
    unsigned seed = 23;
    for (int i = 0; i < N; i++) {
        r[i].x = xy[2 * i] = floor(rnd(&seed) * 500); /* many ties */
        r[i].y = xy[2 * i + 1] = floor(rnd(&seed) * 700);
    }
    struct record_walk w = {r, 0, 0};
    nv_kdtree *from = nv_kdtree_create_from(N, record_point, &w), *plain = nv_kdtree_create(xy, N);
    NV_CHECK(from != NULL && plain != NULL);
    NV_CHECK_INT(w.out_of_order, 0);
    int once = 1;
    for (int i = 0; i < N; i++)
        once &= r[i].visits == 1;
    NV_CHECK(once);
    int differ = 0;
    for (int k = 0; from && plain && k < Q; k++) {
        double x = floor(rnd(&seed) * 600) - 50, y = floor(rnd(&seed) * 800) - 50, d1 = -1, d2 = -2;
        differ += nv_kdtree_nearest(from, x, y, &d1) != nv_kdtree_nearest(plain, x, y, &d2) || d1 != d2;
    }
    NV_CHECK_INT(differ, 0);
    NV_CHECK(nv_kdtree_create_from(0, record_point, &w) == NULL);
    nv_kdtree_destroy(from);
    nv_kdtree_destroy(plain);
    free(r);
    free(xy);
}

/* Many points at one place, as a plan's rows placed by their kommunkod all stand at its
 * representative point: building took n^2 / 2 steps (24 s for 200,000), so a million
 * would hang. The alarm ends the test, failed, should that come back; built correctly
 * this takes well under a second even under the sanitizers. */
static void test_kdtree_of_one_point_many_times(void)
{
    enum { N = 1000000 };
    double *xy = malloc(2 * N * sizeof *xy);
    NV_CHECK(xy != NULL);
    if (!xy)
        return;
    for (size_t i = 0; i < N; i++) {
        xy[2 * i] = i % 1000 == 999 ? 674032.5 + (double)(i % 7) : 674032.5; /* a few others */
        xy[2 * i + 1] = 6580821.25;
    }
    alarm(120);
    nv_kdtree *t = nv_kdtree_create(xy, N);
    alarm(0);
    double d;
    NV_CHECK_INT(nv_kdtree_nearest(t, 674032.5, 6580821.25, &d), 0); /* the lowest index of the tie */
    NV_CHECK_NEAR(d, 0, 0);
    /* the others at x + i % 7 for i = 999, 1999, ...: x + 6 first at i = 6999 */
    NV_CHECK_INT(nv_kdtree_nearest(t, 674040, 6580821.25, &d), 6999);
    NV_CHECK_NEAR(d, 1.5, 1e-9);
    nv_kdtree_destroy(t);
    free(xy);
}

/* nv_kdtree_within decides by the squared distance itself. (2.057929643148366,
 * 9.785955527379596) is 100.00000000000001 squared from the origin, one step over 10^2,
 * yet its distance rounds to 10.0 exactly, whose square is 100: a test of dist * dist
 * would call it within 10. On the radius itself (a 6-8-10 triangle) it is within. */
static void test_kdtree_within_is_exact_at_the_radius(void)
{
    static const double over[] = {2.057929643148366, 9.785955527379596};
    static const double on[] = {6, 8, 6, 8, 30, 40}; /* a duplicate, and one far off */
    nv_kdtree *t = nv_kdtree_create(over, 1);
    double d = NAN;
    NV_CHECK_INT(nv_kdtree_nearest(t, 0, 0, &d), 0);
    NV_CHECK(d * d <= 10.0 * 10.0); /* the rounding the test must not rely on */
    NV_CHECK_INT(nv_kdtree_within(t, 0, 0, 10.0), 0);
    NV_CHECK_INT(nv_kdtree_within(t, 0, 0, nextafter(10.0, 11.0)), 1);
    nv_kdtree_destroy(t);
    t = nv_kdtree_create(on, 3);
    NV_CHECK_INT(nv_kdtree_within(t, 0, 0, 10.0), 1);
    NV_CHECK_INT(nv_kdtree_within(t, 0, 0, nextafter(10.0, 0.0)), 0);
    NV_CHECK_INT(nv_kdtree_within(t, 36, 48, 10.0), 1);
    NV_CHECK_INT(nv_kdtree_within(t, NAN, 0, 1e9), 0);
    NV_CHECK_INT(nv_kdtree_within(t, 0, INFINITY, 1e9), 0);
    nv_kdtree_destroy(t);
    NV_CHECK_INT(nv_kdtree_within(NULL, 0, 0, 1e9), 0);
}

/* Overlapping polygons (simplified boundaries overlap): the lowest index wins, whether
 * the cell holds both polygons' edges or lies wholly inside one of them. */
static void test_overlap_goes_to_lowest_index(void)
{
    static const double big[] = {0, 0, 100, 0, 100, 100, 0, 100, 0, 0};
    static const double small[] = {40, 40, 60, 40, 60, 60, 40, 60, 40, 40};
    nv_poly_view v[2] = {{1, one_ring, small}, {1, one_ring, big}};
    nv_polyindex *idx = nv_polyindex_create(v, 2);
    NV_CHECK_INT(nv_polyindex_locate(idx, 50, 50), 0);
    NV_CHECK_INT(nv_polyindex_locate(idx, 41, 59), 0);
    NV_CHECK_INT(nv_polyindex_locate(idx, 10, 10), 1);
    nv_polyindex_destroy(idx);
    nv_poly_view w[2] = {{1, one_ring, big}, {1, one_ring, small}};
    idx = nv_polyindex_create(w, 2);
    NV_CHECK_INT(nv_polyindex_locate(idx, 50, 50), 0);
    NV_CHECK_INT(nv_polyindex_locate(idx, 41, 59), 0);
    nv_polyindex_destroy(idx);
}

int main(void)
{
    test_overlap_goes_to_lowest_index();
    test_squares();
    test_random_against_scan();
    test_kdtree();
    test_kdtree_built_in_two_threads();
    test_kdtree_many_points_at_one_place();
    test_kdtree_far_from_a_dense_cluster();
    test_kdtree_of_one_point_many_times();
    test_kdtree_from_records_as_from_points();
    test_kdtree_within_is_exact_at_the_radius();
    return nv_test_report("test_index");
}
