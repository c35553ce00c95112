#include "pmedian.h"

#include "index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A uniform grid over the candidates (about two a cell) answers "which candidates lie
 * within d of this point"; the nearest office comes from the same k-d tree analyze uses. */
struct nv_pmedian_index {
    nv_kdtree *fixed;
    size_t n_free;
    double *xy;              /* candidates, by variable */
    double minx, miny, cell;
    size_t nx, ny;
    size_t *start;           /* nx*ny + 1 */
    int *var;                /* candidates of each cell, ascending */
};

typedef struct cand {
    double d;
    int var;
} cand;

struct nv_pmedian_scratch {
    cand *c;
    int *sorted;
};

void nv_pmedian_index_destroy(nv_pmedian_index *ix)
{
    if (!ix)
        return;
    nv_kdtree_destroy(ix->fixed);
    free(ix->xy);
    free(ix->start);
    free(ix->var);
    free(ix);
}

nv_pmedian_index *nv_pmedian_index_create(const double *fixed_xy, size_t n_fixed, const double *free_xy,
                                          size_t n_free)
{
    if (n_fixed == 0)
        return NULL;
    nv_pmedian_index *ix = calloc(1, sizeof *ix);
    if (!ix || !(ix->fixed = nv_kdtree_create(fixed_xy, n_fixed)))
        goto fail;
    ix->n_free = n_free;
    if (!(ix->xy = malloc((n_free ? 2 * n_free : 1) * sizeof *ix->xy)))
        goto fail;
    if (n_free)
        memcpy(ix->xy, free_xy, 2 * n_free * sizeof *ix->xy);
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < n_free; i++) {
        minx = fmin(minx, free_xy[2 * i]), maxx = fmax(maxx, free_xy[2 * i]);
        miny = fmin(miny, free_xy[2 * i + 1]), maxy = fmax(maxy, free_xy[2 * i + 1]);
    }
    if (n_free == 0)
        minx = miny = maxx = maxy = 0;
    double w = fmax(maxx - minx, 1), h = fmax(maxy - miny, 1);
    double cell = sqrt(w * h / ((double)n_free / 2 + 1));
    if (!(cell >= 1))
        cell = 1;
    ix->minx = minx, ix->miny = miny, ix->cell = cell;
    ix->nx = (size_t)(w / cell) + 1;
    ix->ny = (size_t)(h / cell) + 1;
    size_t nc = ix->nx * ix->ny;
    ix->start = calloc(nc + 1, sizeof *ix->start);
    ix->var = malloc((n_free ? n_free : 1) * sizeof *ix->var);
    size_t *fill = calloc(nc, sizeof *fill);
    if (!ix->start || !ix->var || !fill) {
        free(fill);
        goto fail;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n_free; i++) {
            size_t cx = (size_t)((free_xy[2 * i] - minx) / cell), cy = (size_t)((free_xy[2 * i + 1] - miny) / cell);
            size_t c = cy * ix->nx + cx;
            if (pass == 0)
                ix->start[c + 1]++;
            else
                ix->var[ix->start[c] + fill[c]++] = (int)i;
        }
        if (pass == 0)
            for (size_t c = 0; c < nc; c++)
                ix->start[c + 1] += ix->start[c];
    }
    free(fill);
    return ix;
fail:
    nv_pmedian_index_destroy(ix);
    return NULL;
}

nv_pmedian_scratch *nv_pmedian_scratch_create(const nv_pmedian_index *ix)
{
    nv_pmedian_scratch *w = calloc(1, sizeof *w);
    size_t n = ix->n_free ? ix->n_free : 1;
    if (!w || !(w->c = malloc(n * sizeof *w->c)) || !(w->sorted = malloc(n * sizeof *w->sorted))) {
        nv_pmedian_scratch_destroy(w);
        return NULL;
    }
    return w;
}

void nv_pmedian_scratch_destroy(nv_pmedian_scratch *w)
{
    if (!w)
        return;
    free(w->c);
    free(w->sorted);
    free(w);
}

static int cmp_cand(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    return (a->var > b->var) - (a->var < b->var);
}

int nv_pmedian_point(const nv_pmedian_index *ix, nv_pmedian_scratch *w, double x, double y, double pop,
                     nv_pmedian_emit emit, void *user, double *d0_m)
{
    double d0;
    nv_kdtree_nearest(ix->fixed, x, y, &d0);
    *d0_m = d0;
    if (!(pop > 0) || !(d0 > 0) || ix->n_free == 0)
        return 0; /* nobody to move, or already at an office */
    /* The cells of the square around the point that holds the disk of radius d0. */
    double fx0 = floor((x - d0 - ix->minx) / ix->cell), fx1 = floor((x + d0 - ix->minx) / ix->cell);
    double fy0 = floor((y - d0 - ix->miny) / ix->cell), fy1 = floor((y + d0 - ix->miny) / ix->cell);
    if (fx1 < 0 || fy1 < 0 || fx0 >= (double)ix->nx || fy0 >= (double)ix->ny)
        return 0;
    size_t cx0 = fx0 < 0 ? 0 : (size_t)fx0, cy0 = fy0 < 0 ? 0 : (size_t)fy0;
    size_t cx1 = fx1 >= (double)ix->nx ? ix->nx - 1 : (size_t)fx1;
    size_t cy1 = fy1 >= (double)ix->ny ? ix->ny - 1 : (size_t)fy1;
    size_t m = 0;
    for (size_t cy = cy0; cy <= cy1; cy++)
        for (size_t cx = cx0; cx <= cx1; cx++) {
            size_t c = cy * ix->nx + cx;
            for (size_t k = ix->start[c]; k < ix->start[c + 1]; k++) {
                int v = ix->var[k];
                double dx = x - ix->xy[2 * v], dy = y - ix->xy[2 * v + 1];
                double d = sqrt(dx * dx + dy * dy);
                /* Strictly closer: a candidate as far as the office changes nothing. */
                if (d < d0)
                    w->c[m++] = (cand){d, v};
            }
        }
    if (m == 0)
        return 0;
    if (m > 1)
        qsort(w->c, m, sizeof *w->c, cmp_cand);
    /* The first k candidates, kept sorted by variable as they come in. */
    for (size_t k = 0; k < m; k++) {
        int v = w->c[k].var;
        size_t pos = k;
        while (pos > 0 && w->sorted[pos - 1] > v)
            pos--;
        memmove(&w->sorted[pos + 1], &w->sorted[pos], (k - pos) * sizeof *w->sorted);
        w->sorted[pos] = v;
        double next = k + 1 < m ? w->c[k + 1].d : d0;
        if (next > w->c[k].d) {
            int rc = emit(user, w->sorted, (unsigned)(k + 1), pop * (next - w->c[k].d));
            if (rc)
                return rc;
        }
    }
    return 0;
}
