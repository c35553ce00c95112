/* report_html_int.h — what the files of the report module share, and nothing else
 * includes: report_html.c writes the page, report_html_svg.c the municipalities' path
 * data, report_html_assets.c holds the style sheet and the script. */
#ifndef NV_REPORT_HTML_INT_H
#define NV_REPORT_HTML_INT_H

#include "results.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

#define GRID_M 10.0 /* SVG user unit: 10 m in the analysis CRS */

/* The frame of the SVG: CRS metres to user units. */
typedef struct nv_rh_frame {
    double x0, y1;             /* the CRS point at the top left */
    long w, h;                 /* the viewBox's size, user units */
} nv_rh_frame;

static inline long nv_rh_ux(const nv_rh_frame *f, double x)
{
    return lround((x - f->x0) / GRID_M);
}

static inline long nv_rh_uy(const nv_rh_frame *f, double y)
{
    return lround((f->y1 - y) / GRID_M);
}

/* A (multi)polygon's path data written to out; bb (user units: min x, min y, max x,
 * max y) grows to hold it. 0 on a blob that is neither (or is cut short); write errors
 * are the stream's (ferror). */
int nv_report_html_wkb_path(FILE *out, const unsigned char *blob, size_t n, const nv_rh_frame *f, long *bb);

/* The extent of every polygon (CRS metres: min x, min y, max x, max y; infinities when
 * there is none), from their blobs' points. */
void nv_report_html_extent(const nv_muni_result *m, size_t nm, double *ext);

/* The page's style sheet and script, a line per string, NULL-terminated. */
extern const char *const nv_report_html_css[];
extern const char *const nv_report_html_js[];

#endif
