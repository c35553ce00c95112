/* page.h — the page being drawn: the state that the map modules (choropleth, layout,
 * legend, labels, maptext, mapinfo) share while render.c draws one map, and the tools they
 * all use: text set by pango in "DejaVu Sans", colours, the map transform.
 *
 * Units: page points (1/72 inch), y down, the page's top left at (0, 0); a PNG surface is
 * scaled by dpi/72, so the layout is the same on every surface and at every resolution.
 * A CRS point (x, y) in metres lands at (t.tx + t.s * x, t.ty - t.s * y).
 *
 * Text goes through one PangoContext whose font options switch hinting off: glyph metrics
 * then do not depend on the surface or its scale, and a map looks the same on every
 * machine that has the DejaVu fonts.
 *
 * Ownership: render.c owns an nv_page for the time of one map (on its stack) and
 * everything it points to: the data and spec are borrowed from its caller, the cairo
 * context, pango context, label boxes and source line are made and freed by render.c. The
 * modules read the page and write only the fields their header names. */
#ifndef NV_PAGE_H
#define NV_PAGE_H

#include "classes.h"
#include "error.h"
#include "mapdata.h"
#include "mapspec.h"
#include "render.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#define NV_MM (72.0 / 25.4)    /* points per millimetre */
#define NV_INK 0x222222u       /* text and outlines */
#define NV_INK_SOFT 0x555555u  /* secondary text: subtitles, counts, the source line */

typedef struct nv_rect {
    double x, y, w, h;
} nv_rect;

/* page = (tx + s * x, ty - s * y), in points */
typedef struct nv_xform {
    double s, tx, ty;
} nv_xform;

typedef struct nv_page {
    const nv_map_data *d;      /* what is drawn: the run, or one plan of a comparison */
    const nv_map_data *base;   /* the data as loaded (a comparison: both plans) */
    const nv_mapspec *s;
    nv_lang lang;
    int county;                /* -1: the whole country */
    nv_render_format fmt;
    double page_w, page_h;     /* points */
    double dpi;                /* PNG pixels per inch */
    cairo_t *cr;
    PangoContext *pc;
    /* classes */
    nv_breaks method;
    nv_classes cl;
    const nv_map_data *extra_pool; /* more values for the breaks (plan = both: the before plan) */
    /* symbols */
    int show_type[NV_OFFICE_TYPES];
    int type_count[NV_OFFICE_TYPES];
    double sym_r;              /* symbol radius on the map, points */
    /* per plan: [1] the plan drawn (the after plan); with plan = both also [0], the before plan */
    int pair;
    const nv_map_data *pv[2];
    int pcount[2][NV_CLASSES_MAX];
    int ptype_count[2][NV_OFFICE_TYPES];
    nv_rect pframe[2];
    nv_xform pt[2];
    char plabel[2][48];        /* the plans' years ("2019") or "Före"/"Efter" */
    /* layout */
    nv_xform t;
    nv_rect frame, panel;
    double view[4];            /* extent in CRS metres that the frame shows */
    int labels;
    int labels_placed, labels_wanted;
    double *label_boxes;       /* x, y, w, h of each name placed, points (both panels' with plan = both) */
    size_t label_base;         /* where the names of the panel being drawn start in label_boxes */
    char date[16];
    char *source;              /* pango markup of the source line */
    char auto_title[160], auto_legend[128]; /* population measures: the default texts, "" for others */
} nv_page;

/* Makes p->pc on font map fm: the pinned family, no hinting, no rounding. NV_ERR_FAIL when
 * fontconfig offers another family than "DejaVu Sans". p->pc is set either way; the caller
 * unrefs it. */
nv_status nv_page_make_pango(nv_page *p, PangoFontMap *fm, nv_error *err);

/* A layout of text (or pango markup if markup) at size_pt, bold or not, wrapped at
 * wrap_pt (0: no wrapping). The caller unrefs it (g_object_unref). */
PangoLayout *nv_page_text(nv_page *p, const char *text, double size_pt, int bold, double wrap_pt, int markup);
void nv_page_text_size(PangoLayout *l, double *w, double *h); /* logical extents, points; either may be NULL */
double nv_page_text_width(nv_page *p, const char *s, double size, int bold);
void nv_page_show_text(nv_page *p, PangoLayout *l, double x, double y, unsigned color); /* top left at x, y */
void nv_page_show_text_halo(nv_page *p, PangoLayout *l, double x, double y); /* with a white halo, over the map */

void nv_page_set_color(cairo_t *cr, unsigned rgb);

/* sv or en as the page's language asks. */
const char *nv_page_tr(const nv_page *p, const char *sv, const char *en);

/* A count as the page's language writes it, as the report does: 250 000 (a no-break
 * space) in Swedish, 250,000 in English. Into buf (32 bytes are enough); returns buf. */
const char *nv_page_count(const nv_page *p, char *buf, size_t size, long v);

/* Whether a bbox (CRS metres) touches the view; whether a municipality or office is in
 * the county drawn (always, on the national map). */
int nv_page_in_view(const nv_page *p, const double *bbox);
int nv_page_in_focus(const nv_page *p, const nv_map_muni *m);
int nv_page_office_in_focus(const nv_page *p, const nv_map_office *o);

/* The symbol o is drawn with: its type, or NV_OFFICE_NEW for a new office on a change
 * map whose spec says new_offices = yes. */
int nv_page_office_type(const nv_page *p, const nv_map_office *o);

/* The class (into p->cl.cls) of municipality m of p->d, or -1. */
int nv_page_class_of(const nv_page *p, const nv_map_muni *m);

/* Adds m's rings of d to cr's path, through t, shifted by -dx, -dy. */
void nv_page_path_muni(cairo_t *cr, const nv_map_data *d, const nv_map_muni *m, nv_xform t, double dx, double dy);

#endif
