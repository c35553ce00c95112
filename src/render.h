/* render.h — coverage maps of a finished result as PNG, SVG or PDF, drawn with cairo and
 * with text set by pango in the font family "DejaVu Sans" (Debian: fonts-dejavu-core).
 * This is the maps' public face; the work is done by modules named after their jobs (see
 * render.c): mapdata (reading a result), classes (classes, limits, colours), maptext,
 * legend, layout, choropleth, labels, symbols, surface (PNG, SVG, PDF) and mapinfo.
 *
 * Everything a map needs is read back from the result (nothing is recomputed):
 * municipality polygons and their presence and nearest_office_km, their population
 * figures (for the population measures), office points and types, county names, and the
 * run's input files, whether the plan is illustrative and the radii of the population
 * figures. The compare.sqlite of narvaro compare adds each municipality's change class and
 * the before plan's figures and offices, for the difference map (measure change) and the
 * two plans side by side (plan both). A map has a title, a subtitle, the choropleth with
 * county borders over municipality borders, office symbols, a legend with class counts, a
 * scale bar in km, a north arrow and a source line (boundary and plan files, the date,
 * "illustrative" where the plan's rows are not sourced).
 *
 * Layout is in points (1/72 inch) on an A4 or A3 page, portrait or landscape; PNG output
 * is that page at a resolution (layout.h says where the legend goes). North is grid north
 * of the analysis CRS. */
#ifndef NV_RENDER_H
#define NV_RENDER_H

#include "error.h"
#include "mapspec.h"

#include <stddef.h>

/* One result as read from its database (mapdata.h). */
typedef struct nv_map_data nv_map_data;

/* Reads a result through GDAL/OGR (read-only): narvaro.sqlite, compare.sqlite, or a copy
 * of their layers (a GeoPackage, ...). NV_ERR_INPUT when the file is missing or is not a
 * narvaro result (the message names the missing layer or column), or when its layers are
 * in another CRS than the result's; NV_ERR_FAIL for failures of GDAL. The caller destroys
 * *out. */
nv_status nv_render_load(const char *db_path, nv_map_data **out, nv_error *err);
void nv_render_data_destroy(nv_map_data *d); /* accepts NULL */

/* The counties of the run, sorted by code. Borrowed strings, valid while d lives. */
size_t nv_render_county_count(const nv_map_data *d);
const char *nv_render_county_code(const nv_map_data *d, size_t i);

typedef enum nv_render_format { NV_FORMAT_PNG = 0, NV_FORMAT_SVG = 1, NV_FORMAT_PDF = 2 } nv_render_format;

/* The format a file name's extension asks for (.png, .svg, .pdf; any case). NV_ERR_INPUT
 * for anything else. */
nv_status nv_render_format_from_path(const char *path, nv_render_format *fmt, nv_error *err);
const char *nv_render_format_ext(nv_render_format f); /* "png", "svg", "pdf" */

typedef struct nv_render_options {
    int lang;                  /* an nv_lang, or -1: the spec's */
    int breaks;                /* an nv_breaks, or -1: the spec's */
    int paper;                 /* an nv_paper, or -1: the spec's */
    double dpi;                /* PNG resolution; 0: the spec's (or from the pixel size) */
    int width_px, height_px;   /* PNG size; 0: the spec's. Any sizing option given here
                                * (paper, dpi, width, height) replaces the spec's sizing. */
    const char *county;        /* NULL: the whole country; a county code ("01"): that county,
                                * zoomed, its neighbours in grey, names as labels */
    const nv_map_data *const *pool; /* other runs whose values join the quantile or jenks */
    size_t n_pool;             /* class breaks, so that maps of several plans share classes */
    const char *date;          /* "YYYY-MM-DD" on the source line; NULL: $SOURCE_DATE_EPOCH, else today (UTC) */
    const char *info_path;     /* when set, a JSON description of the map is written there */
} nv_render_options;

void nv_render_options_init(nv_render_options *o);

/* What was drawn where, for scripts and tests. Output units: pixels for PNG, points for
 * SVG and PDF. A CRS point (x, y) in metres lands at (scale*x + x_offset, y_offset - scale*y). */
#define NV_RENDER_MAX_CLASSES (NV_MAPSPEC_MAX_CLASSES + 1)
typedef struct nv_render_class {
    char key[24];              /* presence: "staffed", "booked", "other", "none";
                                * distance and population measures: "class1".., "no_data";
                                * change: "lost_presence", "longer", "unchanged", "shorter", "gained_presence" */
    char label[96];            /* as printed in the legend (UTF-8) */
    unsigned color;            /* 0xRRGGBB */
    int count;                 /* municipalities of the map in the class (plan both: of the after panel) */
    int count_before;          /* plan both: of the before panel; otherwise 0 */
    double swatch[4];          /* legend swatch x, y, w, h */
} nv_render_class;

typedef struct nv_render_symbol {
    char type[16];             /* "staffed", "booked", "other"; "closed" on change maps: offices of the
                                * before plan with none of the after plan near them */
    int count;                 /* offices of the map of that type (plan both: of the after panel) */
    int count_before;          /* plan both: of the before panel; otherwise 0 */
    unsigned fill, stroke;     /* 0xRRGGBB */
    double radius;             /* on the map, in output units */
    double swatch[4];          /* the legend's symbol, x, y, w, h */
} nv_render_symbol;

/* Plan both: one of the two maps. */
typedef struct nv_render_panel {
    char plan[8];              /* "before", "after" */
    char label[48];            /* the plan's name in the legend: its year, or before/after */
    double scale, x_offset, y_offset; /* its transform, as below */
    double frame[4];
    int offices;               /* symbols drawn */
} nv_render_panel;

typedef struct nv_render_info {
    nv_render_format format;
    double width, height;      /* of the output */
    double dpi;                /* PNG: pixels per inch; SVG/PDF: 72 */
    double scale, x_offset, y_offset; /* plan both: of the after panel */
    double breaks_km[NV_MAPSPEC_MAX_CLASSES]; /* class limits: km, upper limit included; for
                                * share_within percent, lower limit included */
    size_t n_breaks;
    nv_render_class classes[NV_RENDER_MAX_CLASSES];
    size_t n_classes;
    nv_render_symbol symbols[7];   /* one per symbol shown: staffed ... other, closed */
    size_t n_symbols;
    double panel[4];           /* the legend panel */
    double frame[4];           /* the map frame (plan both: of the after panel) */
    nv_render_panel panels[2]; /* plan both: before, after */
    size_t n_panels;           /* 2 for plan both, else 0 */
    int municipalities;        /* drawn in class colours */
    int offices;               /* symbols drawn */
    int labels, labels_wanted; /* municipality names placed / to place */
    int illustrative;
    char date[16];
} nv_render_info;

/* Draws one map of d as spec says (options override it) into out_path, whose extension
 * picks the format. info (optional) is filled in. NV_ERR_INPUT for an unknown extension or
 * county, colours that do not match the classes, a spec that needs a comparison
 * (measure change, plan before or both) given a single run, a population measure given a
 * comparison or a run without population figures (d or one of o->pool), or
 * share_within_<R>km for an R the run did not count (the error names the spec and the
 * line of its measure, and lists the run's radii); NV_ERR_FAIL when the font
 * family "DejaVu Sans" is missing or cairo cannot write. A failed write removes out_path. */
nv_status nv_render_write(const nv_map_data *d, const nv_mapspec *spec, const nv_render_options *o,
                          const char *out_path, nv_render_info *info, nv_error *err);

/* One map per county into out_dir (created if missing) as SPEC-LANSKOD.EXT, e.g.
 * presence-01.png, all with the same class breaks; with info_path set in o, each map's
 * JSON goes beside it as SPEC-LANSKOD.json (info_path's value is not used). *written
 * (optional) gets the number of maps written. */
nv_status nv_render_write_by_county(const nv_map_data *d, const nv_mapspec *spec,
                                    const nv_render_options *o, const char *out_dir,
                                    nv_render_format fmt, int *written, nv_error *err);

/* Versions for --version. Static strings. */
const char *nv_render_cairo_version(void);
const char *nv_render_pango_version(void);

#endif
