/* labels.c — municipality names. */
#include "labels.h"

#include <stdlib.h>
#include <string.h>

typedef struct placed {
    nv_rect b;
} placed;

static int rect_overlap(nv_rect a, nv_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static int by_area_desc(const void *a, const void *b, void *d)
{
    const nv_map_muni *m = ((const nv_map_data *)d)->m;
    double x = m[*(const int *)a].area_km2, y = m[*(const int *)b].area_km2;
    return (x < y) - (x > y);
}

/* Greedy placement, largest municipalities first: at the representative point, else
 * just above, below, right or left of it; never over the panel, another name or outside
 * the frame; over an office symbol only when nothing else is free. Tries smaller type
 * until every name fits (down to 5.5 pt). Returns names placed; draws them if draw. */
static int place_labels(nv_page *r, int draw, double size, int *order, int n)
{
    placed *done = calloc((size_t)n + 1, sizeof *done);
    int k = 0;
    if (!done)
        return 0;
    for (int i = 0; i < n; i++) {
        const nv_map_muni *m = &r->d->m[order[i]];
        if (!m->namn)
            continue;
        PangoLayout *l = nv_page_text(r, m->namn, size, 0, 0, 0);
        double w, h;
        nv_page_text_size(l, &w, &h);
        double px = r->t.tx + r->t.s * m->rep_x, py = r->t.ty - r->t.s * m->rep_y;
        const double off[5][2] = {{0, 0}, {0, -h * 0.8}, {0, h * 0.8}, {w / 2 + 4, 0}, {-w / 2 - 4, 0}};
        int chosen = -1;
        for (int pass = 0; pass < 2 && chosen < 0; pass++)
            for (int c = 0; c < 5 && chosen < 0; c++) {
                nv_rect b = {px + off[c][0] - w / 2, py + off[c][1] - h / 2, w, h};
                nv_rect pad = {b.x - 1, b.y - 1, b.w + 2, b.h + 2};
                int ok = b.x >= r->frame.x && b.y >= r->frame.y && b.x + b.w <= r->frame.x + r->frame.w &&
                         b.y + b.h <= r->frame.y + r->frame.h && !rect_overlap(pad, r->panel);
                for (int j = 0; ok && j < k; j++)
                    ok = !rect_overlap(pad, done[j].b);
                if (ok && pass == 0 && r->s->offices)
                    for (size_t o = 0; ok && o < r->d->no; o++) {
                        double ox = r->t.tx + r->t.s * r->d->o[o].x, oy = r->t.ty - r->t.s * r->d->o[o].y;
                        nv_rect sb = {ox - r->sym_r, oy - r->sym_r, 2 * r->sym_r, 2 * r->sym_r};
                        ok = !rect_overlap(b, sb);
                    }
                if (ok) {
                    chosen = c;
                    done[k++].b = b;
                }
            }
        if (chosen >= 0 && draw) {
            nv_page_show_text_halo(r, l, done[k - 1].b.x, done[k - 1].b.y);
            if (r->label_boxes)
                memcpy(r->label_boxes + 4 * (r->label_base + (size_t)k - 1), &done[k - 1].b, 4 * sizeof(double));
        }
        g_object_unref(l);
    }
    free(done);
    return k;
}

void nv_labels_draw(nv_page *r)
{
    int n = 0;
    int *order = malloc(r->d->nm * sizeof *order);
    if (!order)
        return;
    for (size_t i = 0; i < r->d->nm; i++)
        if (nv_page_in_focus(r, &r->d->m[i]) && r->d->m[i].namn)
            order[n++] = (int)i;
    qsort_r(order, (size_t)n, sizeof *order, by_area_desc, (void *)r->d);
    /* With plan = both the second panel's names follow the first's. */
    r->labels_wanted += n;
    r->label_base = (size_t)r->labels_placed;
    double *boxes = realloc(r->label_boxes, (r->label_base + (size_t)n + 1) * 4 * sizeof *boxes);
    if (!boxes) {
        free(r->label_boxes);
        r->labels_placed = 0;
        r->label_base = 0;
    }
    r->label_boxes = boxes;
    double size = 7.5;
    while (size > 5.5 && place_labels(r, 0, size, order, n) < n)
        size -= 0.5;
    r->labels_placed = (int)r->label_base + place_labels(r, 1, size, order, n);
    free(order);
}
