/* surface.h — where a map is drawn and how it is written: a PNG canvas in memory written
 * out when the map is done, or an SVG or PDF file that cairo writes as it goes.
 *
 * Units: a surface is page points wide and high; a PNG's pixels are points times
 * dpi/72 (nv_surface_px_per_pt), rounded, and its pHYs chunk records the resolution so
 * that a print program sizes the page as A4 or A3. PDFs carry the map's date as their
 * creation date, and narvaro as their creator.
 *
 * Ownership: nv_surface_create makes a surface that nv_surface_destroy frees; the cairo
 * surface of nv_surface_cairo is borrowed from it. */
#ifndef NV_SURFACE_H
#define NV_SURFACE_H

#include "error.h"
#include "render.h"

#include <cairo.h>

typedef struct nv_surface nv_surface;

/* A surface of w_pt x h_pt points for path in format fmt (at dpi for PNG); date is
 * "YYYY-MM-DD". NV_ERR_FAIL when cairo cannot make it (SVG and PDF open path here). */
nv_status nv_surface_create(nv_render_format fmt, const char *path, double w_pt, double h_pt, double dpi,
                            const char *date, nv_surface **out, nv_error *err);
void nv_surface_destroy(nv_surface *s); /* accepts NULL */

cairo_surface_t *nv_surface_cairo(const nv_surface *s);
double nv_surface_px_per_pt(const nv_surface *s); /* output units per point: dpi/72 for PNG, else 1 */
double nv_surface_width(const nv_surface *s);     /* in output units: pixels for PNG, else points */
double nv_surface_height(const nv_surface *s);

/* The PDF's title (other formats: nothing). */
void nv_surface_set_title(nv_surface *s, const char *title);

/* Writes the map: the PNG file, or the end of the SVG or PDF. Every cairo context on the
 * surface must be destroyed first. NV_ERR_FAIL when the file cannot be written. */
nv_status nv_surface_finish(nv_surface *s, nv_error *err);

#endif
