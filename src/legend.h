/* legend.h — the legend panel: the legend's heading, a swatch, label and count per class,
 * the office symbols with their counts, a scale bar in km and a north arrow (grid north
 * of the analysis CRS). With plan = both the counts stand in two columns, one per plan,
 * under the plans' names.
 *
 * Units: page points. The panel's place (p->panel) is the layout's choice (layout.h); this
 * module measures the panel first and draws it there after. */
#ifndef NV_LEGEND_H
#define NV_LEGEND_H

#include "page.h"
#include "render.h"

typedef struct nv_legend_metrics {
    double w, h;               /* the panel's size */
    double pad, row, swatch_w, swatch_h, count_w, head_h, sym_head_h, scale_h;
    double col_w, cols_h;      /* plan = both: a count column per plan, and their heading row */
} nv_legend_metrics;

/* The size of p's panel, from its classes, counts and office types (p->cl, p->pcount,
 * p->show_type, p->type_count). */
nv_legend_metrics nv_legend_measure(nv_page *p);

/* Draws the panel into p->panel. When info is given, fills the swatch rectangles of its
 * classes and symbols (in output units: points times px). */
void nv_legend_draw(nv_page *p, const nv_legend_metrics *m, nv_render_info *info, double px);

/* The heading of p's legend: the spec's, else one for the measure. Borrowed (spec, page or
 * static). */
const char *nv_legend_heading(const nv_page *p);

#endif
