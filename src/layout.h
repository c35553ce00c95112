/* layout.h — where things go on the page: the map's extent and scale, the legend panel's
 * corner, the two maps of plan = both, and the page's size.
 *
 * The legend panel goes into a corner of the map frame where it covers no part of the
 * mapped area (the municipalities in focus and their office symbols, tested on a mask
 * drawn at the map's scale); if no corner is free the map is shrunk beside or above it.
 * Two plans side by side share one scale and the legend goes to their right.
 *
 * Units: page points; extents in CRS metres (min x, min y, max x, max y). */
#ifndef NV_LAYOUT_H
#define NV_LAYOUT_H

#include "legend.h"
#include "page.h"
#include "render.h"

#define NV_LAYOUT_PANEL_HEAD_GAP 4.0 /* plan = both: between a map's heading and the map */

/* The transform that fits ext into frame, aligned left/top (-1), centred (0) or
 * right/bottom (1). */
nv_xform nv_layout_fit(nv_rect frame, const double *ext, int halign, int valign);

/* The extent to show: the country with a 1 % margin, or the county drawn with 6 %.
 * -1 when it is empty. */
int nv_layout_extent(const nv_page *p, double *ext);

/* Sets p->view (CRS metres) from p->frame and p->t. */
void nv_layout_set_view(nv_page *p);

/* Places the map of ext in p->frame and the panel of size m: sets p->t, p->panel and
 * p->view. -1 when out of memory (the mask). */
int nv_layout_place(nv_page *p, const double *ext, const nv_legend_metrics *m);

/* plan = both: the two maps side by side at one scale, each under its heading (head and
 * sum, wrapped here to the map's width), the legend to the right of the second, the group
 * centred in p->frame. Sets p->pframe, p->pt, p->panel, and p->frame, p->t, p->view to the
 * second map's. */
void nv_layout_place_pair(nv_page *p, const double *ext, const nv_legend_metrics *m, PangoLayout *const *head,
                          PangoLayout *const *sum);

/* Page size (points) and PNG resolution from the spec and the options (see render.h). */
void nv_layout_page_size(const nv_mapspec *s, const nv_render_options *o, double *w_pt, double *h_pt, double *dpi);

#endif
