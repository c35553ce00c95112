#include "index.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One polygon: its non-horizontal edges, lower end first, bucketed into horizontal
 * bands so that a point-in-polygon test looks at the few edges of one band. */
typedef struct poly {
    double minx, miny, maxx, maxy;
    size_t n_edges;
    double *e;            /* 4 per edge: x0, y0, x1, y1 with y0 < y1 */
    size_t n_bands;
    double band_h;
    uint32_t *band_start; /* n_bands + 1 */
    uint32_t *band_edges;
    size_t n_seg;         /* every edge, horizontal ones too, for distances */
    double *seg;          /* 4 per segment */
} poly;

struct nv_polyindex {
    size_t n;
    poly *polys;
    double minx, miny, cell_w, cell_h;
    size_t nx, ny;
    uint32_t *cell_start; /* nx*ny + 1: polygons with an edge in the cell */
    uint32_t *cell_polys;
    int32_t *cover;       /* per cell: a polygon covering the cell without an edge in it, or -1 */
};

static void poly_free(poly *p)
{
    free(p->e);
    free(p->band_start);
    free(p->band_edges);
    free(p->seg);
}

static int poly_build(poly *p, const nv_poly_view *v)
{
    memset(p, 0, sizeof *p);
    size_t total = v->n_rings ? v->ring_start[v->n_rings] : 0;
    p->minx = p->miny = DBL_MAX;
    p->maxx = p->maxy = -DBL_MAX;
    p->seg = malloc((total + 1) * 4 * sizeof(double));
    p->e = malloc((total + 1) * 4 * sizeof(double));
    if (!p->seg || !p->e)
        return -1;
    for (size_t r = 0; r < v->n_rings; r++) {
        size_t a = v->ring_start[r], b = v->ring_start[r + 1];
        if (b - a < 2)
            continue;
        for (size_t i = a; i < b; i++) {
            double x0 = v->xy[2 * i], y0 = v->xy[2 * i + 1];
            size_t j = i + 1 < b ? i + 1 : a; /* implied closing edge */
            double x1 = v->xy[2 * j], y1 = v->xy[2 * j + 1];
            if (x0 == x1 && y0 == y1)
                continue;
            p->minx = fmin(p->minx, x0);
            p->maxx = fmax(p->maxx, x0);
            p->miny = fmin(p->miny, y0);
            p->maxy = fmax(p->maxy, y0);
            double *s = &p->seg[4 * p->n_seg++];
            s[0] = x0, s[1] = y0, s[2] = x1, s[3] = y1;
            if (y0 == y1)
                continue; /* never crosses a horizontal ray */
            double *e = &p->e[4 * p->n_edges++];
            if (y0 < y1)
                e[0] = x0, e[1] = y0, e[2] = x1, e[3] = y1;
            else
                e[0] = x1, e[1] = y1, e[2] = x0, e[3] = y0;
        }
    }
    if (p->n_edges == 0) {
        p->n_bands = 0;
        return 0;
    }
    p->n_bands = p->n_edges / 4 + 1;
    p->band_h = (p->maxy - p->miny) / (double)p->n_bands;
    if (!(p->band_h > 0))
        p->band_h = 1;
    p->band_start = calloc(p->n_bands + 1, sizeof(uint32_t));
    if (!p->band_start)
        return -1;
    /* Two passes: count, then fill (CSR). */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            for (size_t b = 0; b < p->n_bands; b++)
                p->band_start[b + 1] += p->band_start[b];
            p->band_edges = malloc((p->band_start[p->n_bands] + 1) * sizeof(uint32_t));
            fill = calloc(p->n_bands, sizeof(uint32_t));
            if (!p->band_edges || !fill) {
                free(fill);
                return -1;
            }
        }
        for (size_t k = 0; k < p->n_edges; k++) {
            const double *e = &p->e[4 * k];
            size_t b0 = (size_t)fmax(0, floor((e[1] - p->miny) / p->band_h));
            size_t b1 = (size_t)fmax(0, floor((e[3] - p->miny) / p->band_h));
            if (b0 >= p->n_bands)
                b0 = p->n_bands - 1;
            if (b1 >= p->n_bands)
                b1 = p->n_bands - 1;
            for (size_t b = b0; b <= b1; b++) {
                if (pass == 0)
                    p->band_start[b + 1]++;
                else
                    p->band_edges[p->band_start[b] + fill[b]++] = (uint32_t)k;
            }
        }
        free(fill);
    }
    return 0;
}

static int poly_contains(const poly *p, double x, double y)
{
    if (p->n_bands == 0 || x < p->minx || x > p->maxx || y < p->miny || y > p->maxy)
        return 0;
    size_t b = (size_t)((y - p->miny) / p->band_h);
    if (b >= p->n_bands)
        b = p->n_bands - 1;
    int inside = 0;
    for (uint32_t k = p->band_start[b]; k < p->band_start[b + 1]; k++) {
        const double *e = &p->e[4 * p->band_edges[k]];
        if (e[1] <= y && y < e[3]) {
            double xi = e[0] + (y - e[1]) * (e[2] - e[0]) / (e[3] - e[1]);
            if (x < xi)
                inside ^= 1;
        }
    }
    return inside;
}

static double seg_dist2(const double *s, double x, double y)
{
    double dx = s[2] - s[0], dy = s[3] - s[1];
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((x - s[0]) * dx + (y - s[1]) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double px = s[0] + t * dx - x, py = s[1] + t * dy - y;
    return px * px + py * py;
}

double nv_polyindex_boundary_distance(const nv_polyindex *idx, size_t i, double x, double y)
{
    const poly *p = &idx->polys[i];
    double best = DBL_MAX;
    for (size_t k = 0; k < p->n_seg; k++) {
        double d2 = seg_dist2(&p->seg[4 * k], x, y);
        if (d2 < best)
            best = d2;
    }
    return sqrt(best);
}

/* Cell column range [*c0, *c1] covered by an edge within the horizontal strip [ya, yb]. */
static void edge_cols(const nv_polyindex *idx, const double *s, double ya, double yb,
                      size_t *c0, size_t *c1)
{
    double xa, xb;
    double dy = s[3] - s[1];
    if (dy == 0) {
        xa = s[0];
        xb = s[2];
    } else {
        double lo = fmax(ya, fmin(s[1], s[3])), hi = fmin(yb, fmax(s[1], s[3]));
        xa = s[0] + (lo - s[1]) * (s[2] - s[0]) / dy;
        xb = s[0] + (hi - s[1]) * (s[2] - s[0]) / dy;
    }
    double lx = fmin(xa, xb), hx = fmax(xa, xb);
    double fa = floor((lx - idx->minx) / idx->cell_w) - 1; /* one cell of slack for rounding */
    double fb = floor((hx - idx->minx) / idx->cell_w) + 1;
    *c0 = fa < 0 ? 0 : (size_t)fa;
    *c1 = fb >= (double)idx->nx ? idx->nx - 1 : (size_t)fb;
}

/* Visits every cell an edge passes through (with a cell of slack). */
typedef void (*cell_fn)(nv_polyindex *idx, size_t cell, uint32_t poly_id, void *ctx);

static void rasterize_poly(nv_polyindex *idx, uint32_t pid, cell_fn fn, void *ctx)
{
    const poly *p = &idx->polys[pid];
    for (size_t k = 0; k < p->n_seg; k++) {
        const double *s = &p->seg[4 * k];
        double ylo = fmin(s[1], s[3]), yhi = fmax(s[1], s[3]);
        double fa = floor((ylo - idx->miny) / idx->cell_h) - 1;
        double fb = floor((yhi - idx->miny) / idx->cell_h) + 1;
        size_t r0 = fa < 0 ? 0 : (size_t)fa;
        size_t r1 = fb >= (double)idx->ny ? idx->ny - 1 : (size_t)fb;
        for (size_t r = r0; r <= r1; r++) {
            double ya = idx->miny + (double)r * idx->cell_h;
            size_t c0, c1;
            edge_cols(idx, s, ya - idx->cell_h, ya + 2 * idx->cell_h, &c0, &c1);
            for (size_t c = c0; c <= c1; c++)
                fn(idx, r * idx->nx + c, pid, ctx);
        }
    }
}

typedef struct build_ctx {
    int32_t *last;   /* per cell: the last polygon counted, to count each once */
    uint32_t *fill;
} build_ctx;

static void count_cell(nv_polyindex *idx, size_t cell, uint32_t pid, void *vctx)
{
    build_ctx *ctx = vctx;
    if (ctx->last[cell] == (int32_t)pid)
        return;
    ctx->last[cell] = (int32_t)pid;
    idx->cell_start[cell + 1]++;
}

static void fill_cell(nv_polyindex *idx, size_t cell, uint32_t pid, void *vctx)
{
    build_ctx *ctx = vctx;
    if (ctx->last[cell] == (int32_t)pid)
        return;
    ctx->last[cell] = (int32_t)pid;
    idx->cell_polys[idx->cell_start[cell] + ctx->fill[cell]++] = pid;
}

static int cell_has_poly(const nv_polyindex *idx, size_t cell, uint32_t pid)
{
    for (uint32_t k = idx->cell_start[cell]; k < idx->cell_start[cell + 1]; k++)
        if (idx->cell_polys[k] == pid)
            return 1;
    return 0;
}

nv_polyindex *nv_polyindex_create(const nv_poly_view *polys, size_t n)
{
    if (n == 0 || n >= INT32_MAX)
        return NULL;
    nv_polyindex *idx = calloc(1, sizeof *idx);
    build_ctx ctx = {0};
    if (!idx)
        return NULL;
    idx->n = n;
    idx->polys = calloc(n, sizeof(poly));
    if (!idx->polys)
        goto fail;
    double minx = DBL_MAX, miny = DBL_MAX, maxx = -DBL_MAX, maxy = -DBL_MAX;
    size_t total_edges = 0;
    for (size_t i = 0; i < n; i++) {
        if (poly_build(&idx->polys[i], &polys[i]) != 0)
            goto fail;
        const poly *p = &idx->polys[i];
        if (p->n_seg == 0)
            continue;
        minx = fmin(minx, p->minx), miny = fmin(miny, p->miny);
        maxx = fmax(maxx, p->maxx), maxy = fmax(maxy, p->maxy);
        total_edges += p->n_seg;
    }
    if (total_edges == 0) {
        minx = miny = 0;
        maxx = maxy = 1;
    }
    /* About two cells per edge: most cells then hold no edge at all and answer at once. */
    double w = fmax(maxx - minx, 1e-9), h = fmax(maxy - miny, 1e-9);
    double cells = fmax(64.0, 8.0 * (double)total_edges);
    double side = sqrt(w * h / cells);
    idx->nx = (size_t)fmin(4096, fmax(1, ceil(w / side)));
    idx->ny = (size_t)fmin(4096, fmax(1, ceil(h / side)));
    idx->minx = minx;
    idx->miny = miny;
    idx->cell_w = w / (double)idx->nx;
    idx->cell_h = h / (double)idx->ny;
    size_t ncell = idx->nx * idx->ny;
    idx->cell_start = calloc(ncell + 1, sizeof(uint32_t));
    idx->cover = malloc(ncell * sizeof(int32_t));
    ctx.last = malloc(ncell * sizeof(int32_t));
    ctx.fill = calloc(ncell, sizeof(uint32_t));
    if (!idx->cell_start || !idx->cover || !ctx.last || !ctx.fill)
        goto fail;
    for (size_t c = 0; c < ncell; c++)
        ctx.last[c] = -1, idx->cover[c] = -1;
    for (size_t i = 0; i < n; i++)
        rasterize_poly(idx, (uint32_t)i, count_cell, &ctx);
    for (size_t c = 0; c < ncell; c++)
        idx->cell_start[c + 1] += idx->cell_start[c];
    idx->cell_polys = malloc((idx->cell_start[ncell] + 1) * sizeof(uint32_t));
    if (!idx->cell_polys)
        goto fail;
    for (size_t c = 0; c < ncell; c++)
        ctx.last[c] = -1;
    for (size_t i = 0; i < n; i++)
        rasterize_poly(idx, (uint32_t)i, fill_cell, &ctx);
    /* A cell that a polygon covers without any of its edges in the cell: lies wholly
     * inside it, so its centre decides. */
    for (size_t i = 0; i < n; i++) {
        const poly *p = &idx->polys[i];
        if (p->n_edges == 0)
            continue;
        size_t c0 = (size_t)floor((p->minx - minx) / idx->cell_w);
        size_t c1 = (size_t)floor((p->maxx - minx) / idx->cell_w);
        size_t r0 = (size_t)floor((p->miny - miny) / idx->cell_h);
        size_t r1 = (size_t)floor((p->maxy - miny) / idx->cell_h);
        c1 = c1 >= idx->nx ? idx->nx - 1 : c1;
        r1 = r1 >= idx->ny ? idx->ny - 1 : r1;
        for (size_t r = r0; r <= r1; r++)
            for (size_t c = c0; c <= c1; c++) {
                size_t cell = r * idx->nx + c;
                if (idx->cover[cell] >= 0 || cell_has_poly(idx, cell, (uint32_t)i))
                    continue;
                double cx = minx + ((double)c + 0.5) * idx->cell_w;
                double cy = miny + ((double)r + 0.5) * idx->cell_h;
                if (poly_contains(p, cx, cy))
                    idx->cover[cell] = (int32_t)i;
            }
    }
    free(ctx.last);
    free(ctx.fill);
    return idx;
fail:
    free(ctx.last);
    free(ctx.fill);
    nv_polyindex_destroy(idx);
    return NULL;
}

void nv_polyindex_destroy(nv_polyindex *idx)
{
    if (!idx)
        return;
    for (size_t i = 0; idx->polys && i < idx->n; i++)
        poly_free(&idx->polys[i]);
    free(idx->polys);
    free(idx->cell_start);
    free(idx->cell_polys);
    free(idx->cover);
    free(idx);
}

long nv_polyindex_locate(const nv_polyindex *idx, double x, double y)
{
    double fc = floor((x - idx->minx) / idx->cell_w);
    double fr = floor((y - idx->miny) / idx->cell_h);
    if (!(fc >= 0 && fr >= 0 && fc < (double)idx->nx && fr < (double)idx->ny)) {
        /* Outside the grid; the extreme edges (x == maxx) still need a check. */
        for (size_t i = 0; i < idx->n; i++)
            if (poly_contains(&idx->polys[i], x, y))
                return (long)i;
        return -1;
    }
    size_t cell = (size_t)fr * idx->nx + (size_t)fc;
    /* Candidates come in ascending order, so where polygons overlap (simplified
     * boundaries do) the point goes to the lowest index: one answer, always the same. */
    long cover = idx->cover[cell];
    for (uint32_t k = idx->cell_start[cell]; k < idx->cell_start[cell + 1]; k++) {
        uint32_t pid = idx->cell_polys[k];
        if (cover >= 0 && cover < (long)pid)
            return cover;
        if (poly_contains(&idx->polys[pid], x, y))
            return (long)pid;
    }
    return cover;
}

long nv_polyindex_nearest(const nv_polyindex *idx, double x, double y, double max_dist,
                          double *dist_out)
{
    long inside = nv_polyindex_locate(idx, x, y);
    if (inside >= 0) {
        if (dist_out)
            *dist_out = 0;
        return inside;
    }
    long best = -1;
    double best_d = DBL_MAX;
    double lim = fmin(max_dist, best_d);
    for (size_t i = 0; i < idx->n; i++) {
        const poly *p = &idx->polys[i];
        /* The distance to the bounding box, without library calls: this loop runs over
         * every polygon for every point outside all of them (a million generated points
         * put a tenth of themselves at sea). Comparisons first, the square root only for
         * boxes within reach on both axes; the same test as sqrt(dx*dx + dy*dy) > lim. */
        double dx = p->minx - x > x - p->maxx ? p->minx - x : x - p->maxx;
        double dy = p->miny - y > y - p->maxy ? p->miny - y : y - p->maxy;
        dx = dx > 0 ? dx : 0;
        dy = dy > 0 ? dy : 0;
        if (dx > lim || dy > lim || sqrt(dx * dx + dy * dy) > lim)
            continue;
        double d = nv_polyindex_boundary_distance(idx, i, x, y);
        if (d <= max_dist && d < best_d) {
            best_d = d;
            best = (long)i;
            lim = fmin(max_dist, best_d);
        }
    }
    if (dist_out)
        *dist_out = best >= 0 ? best_d : NAN;
    return best;
}

/* ---- k-d tree ---------------------------------------------------------------------- */

/* A point of the tree and its index in the caller's order, together: building swaps
 * points millions of times, and one 24-byte move is a cache line where two arrays were
 * two. */
typedef struct kd_point {
    double x, y;
    long orig;
} kd_point;

struct nv_kdtree {
    size_t n;
    kd_point *p;  /* reordered so that each subtree is a contiguous range, median at mid */
    /* Optional grid over an extent: per cell the points that can be nearest to some
     * place in the cell (see nv_kdtree_prepare_grid); outside it the tree answers. */
    double gminx, gminy, gcell;
    size_t gnx, gny;
    uint32_t *gstart;   /* gnx*gny + 1 */
    uint32_t *gpts;     /* original indices, ascending within a cell */
    double *oxy;        /* points in original order */
};

static void kd_swap(kd_point *p, size_t a, size_t b)
{
    kd_point t = p[a];
    p[a] = p[b];
    p[b] = t;
}

static double kd_coord(const kd_point *p, int axis)
{
    return axis ? p->y : p->x;
}

/* Selection (Floyd and Rivest, "Algorithm 489", CACM 18(3), 1975): puts the k-th
 * smallest (by axis) at k within [lo, hi], the smaller or equal ones before it and the
 * larger or equal after. A range of more than 600 first has a sample around k selected
 * the same way, so that the pivot is close to the k-th and one partition does most of
 * the work: for a plan of 2 million offices the tree took 0.59 s in one thread with a
 * three-way quickselect on the middle element, 0.36 s with this. The partition stops at
 * elements equal to the pivot from both sides, so that many points with one coordinate
 * (rows placed by their kommunkod all stand at its representative point) split evenly
 * instead of peeling off one point a pass. Needs a total order: no NaN (create maps
 * them to +inf). */
static void kd_select(kd_point *p, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t k, int axis)
{
    while (hi > lo) {
        if (hi - lo > 600) {
            double n = (double)(hi - lo + 1), i = (double)(k - lo + 1), z = log(n);
            double s = 0.5 * exp(2.0 * z / 3.0);
            double sd = 0.5 * sqrt(z * s * (n - s) / n) * (i < n / 2 ? -1.0 : 1.0);
            double nlo = floor((double)k - i * s / n + sd), nhi = floor((double)k + (n - i) * s / n + sd);
            kd_select(p, nlo > (double)lo ? (ptrdiff_t)nlo : lo, nhi < (double)hi ? (ptrdiff_t)nhi : hi, k, axis);
        }
        double t = kd_coord(&p[k], axis);
        ptrdiff_t i = lo, j = hi;
        kd_swap(p, (size_t)lo, (size_t)k);
        if (kd_coord(&p[hi], axis) > t)
            kd_swap(p, (size_t)hi, (size_t)lo);
        /* p[lo] and p[hi] now bound the scans: one is t, the other on its side of it. */
        while (i < j) {
            kd_swap(p, (size_t)i++, (size_t)j--);
            while (kd_coord(&p[i], axis) < t)
                i++;
            while (kd_coord(&p[j], axis) > t)
                j--;
        }
        if (kd_coord(&p[lo], axis) == t) {
            kd_swap(p, (size_t)lo, (size_t)j);
        } else {
            j++;
            kd_swap(p, (size_t)j, (size_t)hi);
        }
        if (j <= k)
            lo = j + 1;
        if (k <= j)
            hi = j - 1;
    }
}

static void kd_build(kd_point *p, size_t lo, size_t hi, int depth)
{
    if (hi - lo <= 1)
        return;
    size_t mid = lo + (hi - lo) / 2;
    kd_select(p, (ptrdiff_t)lo, (ptrdiff_t)hi - 1, (ptrdiff_t)mid, depth & 1);
    kd_build(p, lo, mid, depth + 1);
    kd_build(p, mid + 1, hi, depth + 1);
}

/* From this many points on, the two halves below the root are built at once, the lower
 * one in a thread of its own: each is built as one thread would, so the tree is the same
 * (a plan of 2,000,000 offices: 0.6 s for its tree in one thread). */
#define KD_THREAD_MIN_POINTS 100000

struct kd_half {
    kd_point *p;
    size_t lo, hi;
};

static void *kd_build_half(void *arg)
{
    const struct kd_half *h = arg;
    kd_build(h->p, h->lo, h->hi, 1);
    return NULL;
}

static void kd_build_root(kd_point *p, size_t n)
{
    pthread_t thread;
    size_t mid = n / 2;
    if (n < KD_THREAD_MIN_POINTS) {
        kd_build(p, 0, n, 0);
        return;
    }
    kd_select(p, 0, (ptrdiff_t)n - 1, (ptrdiff_t)mid, 0);
    struct kd_half lower = {p, 0, mid};
    int threaded = pthread_create(&thread, NULL, kd_build_half, &lower) == 0;
    if (!threaded)
        kd_build(p, 0, mid, 1);
    kd_build(p, mid + 1, n, 1);
    if (threaded)
        pthread_join(thread, NULL);
}

nv_kdtree *nv_kdtree_create_from(size_t n, void (*point)(void *user, size_t i, double *x, double *y), void *user)
{
    if (n == 0)
        return NULL;
    nv_kdtree *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->n = n;
    if (!(t->p = malloc(n * sizeof *t->p))) {
        nv_kdtree_destroy(t);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        kd_point *q = &t->p[i];
        q->orig = (long)i;
        point(user, i, &q->x, &q->y);
        /* The selection needs a total order; a NaN point is never nearest either way. */
        if (isnan(q->x))
            q->x = INFINITY;
        if (isnan(q->y))
            q->y = INFINITY;
    }
    kd_build_root(t->p, n);
    return t;
}

static void interleaved_point(void *user, size_t i, double *x, double *y)
{
    const double *xy = user;
    *x = xy[2 * i];
    *y = xy[2 * i + 1];
}

nv_kdtree *nv_kdtree_create(const double *xy, size_t n)
{
    return nv_kdtree_create_from(n, interleaved_point, (void *)xy);
}

void nv_kdtree_destroy(nv_kdtree *t)
{
    if (!t)
        return;
    free(t->p);
    free(t->gstart);
    free(t->gpts);
    free(t->oxy);
    free(t);
}

/* Squared distance from (x, y) to the nearest and to the farthest point of a cell. */
static void cell_dist2(double x0, double y0, double x1, double y1, double px, double py, double *dmin2,
                       double *dmax2)
{
    double dx = px < x0 ? x0 - px : px > x1 ? px - x1 : 0;
    double dy = py < y0 ? y0 - py : py > y1 ? py - y1 : 0;
    *dmin2 = dx * dx + dy * dy;
    double fx = fmax(fabs(px - x0), fabs(px - x1)), fy = fmax(fabs(py - y0), fabs(py - y1));
    *dmax2 = fx * fx + fy * fy;
}

int nv_kdtree_prepare_grid(nv_kdtree *t, double minx, double miny, double maxx, double maxy)
{
    if (!t || !(maxx > minx) || !(maxy > miny))
        return -1;
    /* Building costs cells x points distance pairs: keep it below about 20 million, and
     * leave large plans to the tree alone. */
    double n = (double)t->n;
    double cells = fmin(64 * n, 2e7 / n);
    if (cells < 16 * n)
        return 0;
    double side = sqrt((maxx - minx) * (maxy - miny) / cells);
    size_t nx = (size_t)ceil((maxx - minx) / side), ny = (size_t)ceil((maxy - miny) / side);
    uint32_t *start = calloc(nx * ny + 1, sizeof(uint32_t));
    double *oxy = malloc(2 * t->n * sizeof(double));
    uint32_t *cand = malloc(t->n * sizeof(uint32_t));
    uint32_t *pts = NULL;
    size_t cap = 0, used = 0;
    if (!start || !oxy || !cand)
        goto fail;
    for (size_t i = 0; i < t->n; i++) {
        oxy[2 * t->p[i].orig] = t->p[i].x;
        oxy[2 * t->p[i].orig + 1] = t->p[i].y;
    }
    for (size_t r = 0; r < ny; r++)
        for (size_t c = 0; c < nx; c++) {
            double x0 = minx + (double)c * side, y0 = miny + (double)r * side;
            double x1 = x0 + side, y1 = y0 + side;
            /* u: no place in the cell is farther than u from its nearest point. */
            double u = INFINITY, dmin2, dmax2;
            for (size_t i = 0; i < t->n; i++) {
                cell_dist2(x0, y0, x1, y1, oxy[2 * i], oxy[2 * i + 1], &dmin2, &dmax2);
                u = fmin(u, dmax2);
            }
            /* Every point that is as near as u somewhere in the cell can be the nearest
             * (ties too); a relative slack absorbs rounding. */
            size_t k = 0;
            double limit = u * (1 + 1e-9) + 1e-6;
            for (size_t i = 0; i < t->n; i++) {
                cell_dist2(x0, y0, x1, y1, oxy[2 * i], oxy[2 * i + 1], &dmin2, &dmax2);
                if (dmin2 <= limit)
                    cand[k++] = (uint32_t)i;
            }
            if (used + k > cap) {
                size_t ncap = cap ? 2 * cap : 4096;
                while (ncap < used + k)
                    ncap *= 2;
                uint32_t *grown = realloc(pts, ncap * sizeof(uint32_t));
                if (!grown)
                    goto fail;
                pts = grown;
                cap = ncap;
            }
            memcpy(pts + used, cand, k * sizeof(uint32_t));
            used += k;
            start[r * nx + c + 1] = (uint32_t)used;
        }
    free(cand);
    free(t->gstart);
    free(t->gpts);
    free(t->oxy);
    t->gstart = start, t->gpts = pts, t->oxy = oxy;
    t->gminx = minx, t->gminy = miny, t->gcell = side, t->gnx = nx, t->gny = ny;
    return 0;
fail:
    free(start);
    free(oxy);
    free(cand);
    free(pts);
    return -1;
}

/* nv_kdtree_last_visits: the points measured by the thread's last query. */
static _Thread_local size_t kd_visits;

size_t nv_kdtree_last_visits(void)
{
    return kd_visits;
}

/* The nearest point of p[lo..hi) to (x, y), if nearer than *best_d2 (or as near with a
 * lower index). ox, oy: how far (x, y) lies outside the range's cell on each axis (0
 * inside it), as the splits above found it. A far side is skipped only when its cell is
 * farther than the best: ox * ox + oy * oy, with the split's distance on its axis. The
 * split's distance alone let a query kilometres from a dense cluster (a plan's rows
 * jittered around one office) measure every point of the cluster, since there every
 * split lies nearer than the best. No point is skipped as near: a point beyond a split
 * lies at least as far on each axis as its cell, the rounded differences and their
 * rounded sums included. */
static void kd_search(const nv_kdtree *t, size_t lo, size_t hi, int depth, double x, double y, double ox,
                      double oy, long *best, double *best_d2)
{
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        const kd_point *m = &t->p[mid];
        double d2 = (m->x - x) * (m->x - x) + (m->y - y) * (m->y - y);
        kd_visits++;
        if (d2 < *best_d2 || (d2 == *best_d2 && m->orig < *best)) {
            *best_d2 = d2;
            *best = m->orig;
        }
        int axis = depth & 1;
        double diff = (axis ? y : x) - kd_coord(m, axis);
        size_t nlo = diff < 0 ? lo : mid + 1, nhi = diff < 0 ? mid : hi;
        size_t flo = diff < 0 ? mid + 1 : lo, fhi = diff < 0 ? hi : mid;
        kd_search(t, nlo, nhi, depth + 1, x, y, ox, oy, best, best_d2);
        double far = fabs(diff);
        if (axis)
            oy = far > oy ? far : oy;
        else
            ox = far > ox ? far : ox;
        /* <= so that an equally near point with a lower index is still found. */
        if (ox * ox + oy * oy > *best_d2)
            return;
        lo = flo, hi = fhi, depth++;
    }
}

long nv_kdtree_nearest(const nv_kdtree *t, double x, double y, double *dist_out)
{
    kd_visits = 0;
    if (!t || t->n == 0)
        return -1;
    if (t->gstart) {
        double fc = floor((x - t->gminx) / t->gcell), fr = floor((y - t->gminy) / t->gcell);
        if (fc >= 0 && fr >= 0 && fc < (double)t->gnx && fr < (double)t->gny) {
            size_t cell = (size_t)fr * t->gnx + (size_t)fc;
            kd_visits = t->gstart[cell + 1] - t->gstart[cell];
            long best = -1;
            double best_d2 = DBL_MAX;
            /* Ascending indices and a strict "<": on equal distances the lowest wins. */
            for (uint32_t k = t->gstart[cell]; k < t->gstart[cell + 1]; k++) {
                uint32_t i = t->gpts[k];
                double dx = t->oxy[2 * i] - x, dy = t->oxy[2 * i + 1] - y;
                double d2 = dx * dx + dy * dy;
                if (d2 < best_d2) {
                    best_d2 = d2;
                    best = (long)i;
                }
            }
            if (dist_out)
                *dist_out = sqrt(best_d2);
            return best;
        }
    }
    long best = -1;
    double best_d2 = DBL_MAX;
    kd_search(t, 0, t->n, 0, x, y, 0, 0, &best, &best_d2);
    if (dist_out)
        *dist_out = sqrt(best_d2);
    return best;
}

int nv_kdtree_within(const nv_kdtree *t, double x, double y, double r)
{
    long best = -1;
    double best_d2 = DBL_MAX;
    kd_visits = 0;
    /* A NaN would compare false at every split and visit the whole tree. */
    if (!t || t->n == 0 || !isfinite(x) || !isfinite(y))
        return 0;
    /* The tree's answer (a grid gives the same): best_d2 is the least of the points'
     * (px - x) * (px - x) + (py - y) * (py - y), as rounded; no pruning skips a point as
     * near (kd_search). */
    kd_search(t, 0, t->n, 0, x, y, 0, 0, &best, &best_d2);
    return best >= 0 && best_d2 <= r * r;
}
