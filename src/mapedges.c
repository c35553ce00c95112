/* mapedges.c — which ring segments are shared, county borders or on the outline. */
#include "mapedges.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every segment of every ring gets flags: NV_EDGE_OWNED on the first ring that holds it,
 * so that an edge two municipalities share is stroked once, and NV_EDGE_BORDER when it
 * is a county border (the polygon on its other side belongs to another county) or part
 * of the outline (no polygon shares it). Shared edges are found by hashing segments on
 * their exact end points: the boundaries are simplified with shared arcs (mapshaper),
 * so neighbours hold identical vertices. */

static uint64_t mix(uint64_t h, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    h ^= u;
    h *= 0x100000001b3ull;
    h ^= h >> 29;
    return h;
}

typedef struct seg {
    double x1, y1, x2, y2;
    int county, count, differ;
} seg;

/* The slot of the segment a-b in the table (its own or the empty one it would take). */
static size_t seg_slot(const seg *tab, size_t cap, const double *a, const double *b, double *key)
{
    double x1 = a[0], y1 = a[1], x2 = b[0], y2 = b[1];
    if (x2 < x1 || (x2 == x1 && y2 < y1)) {
        double t = x1; x1 = x2; x2 = t;
        t = y1; y1 = y2; y2 = t;
    }
    key[0] = x1, key[1] = y1, key[2] = x2, key[3] = y2;
    uint64_t h = mix(mix(mix(mix(0xcbf29ce484222325ull, x1), y1), x2), y2);
    size_t at = (size_t)h & (cap - 1);
    while (tab[at].count && !(tab[at].x1 == x1 && tab[at].y1 == y1 && tab[at].x2 == x2 && tab[at].y2 == y2))
        at = (at + 1) & (cap - 1);
    return at;
}

int nv_mapedges_mark(nv_map_data *d)
{
    size_t nseg = 0;
    for (size_t i = 0; i < d->nrings; i++)
        nseg += d->rings[i].npts > 1 ? d->rings[i].npts - 1 : 0;
    size_t cap = 1024;
    while (cap < 2 * nseg)
        cap *= 2;
    seg *tab = calloc(cap, sizeof *tab);
    d->edge = calloc(d->npts ? d->npts : 1, 1);
    if (!tab || !d->edge) {
        free(tab);
        return -1;
    }
    double key[4];
    for (int pass = 0; pass < 2; pass++)
        for (size_t mi = 0; mi < d->nm; mi++) {
            const nv_map_muni *m = &d->m[mi];
            for (size_t ri = m->ring0; ri < m->ring0 + m->nrings; ri++) {
                size_t pt0 = d->rings[ri].pt0;
                for (size_t k = 0; k + 1 < d->rings[ri].npts; k++) {
                    const double *p = d->xy + 2 * (pt0 + k);
                    if (p[0] == p[2] && p[1] == p[3])
                        continue;
                    seg *s = &tab[seg_slot(tab, cap, p, p + 2, key)];
                    if (pass == 1) { /* counts are final: mark borders */
                        if (s->count == 1 || s->differ)
                            d->edge[pt0 + k] |= NV_EDGE_BORDER;
                        continue;
                    }
                    if (!s->count) {
                        *s = (seg){key[0], key[1], key[2], key[3], m->county, 0, 0};
                        d->edge[pt0 + k] |= NV_EDGE_OWNED;
                    } else if (s->county != m->county) {
                        s->differ = 1;
                    }
                    s->count++;
                }
            }
        }
    free(tab);
    return 0;
}
