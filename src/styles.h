/* styles.h — QGIS layer styles (QML) for narvaro's layers, so that a result database
 * opens in QGIS as the maps narvaro draws: the store modules put them into the database's
 * layer_styles table, which QGIS reads for SpatiaLite, GeoPackage and PostGIS layers.
 *
 * The classes, labels and colours are not chosen here: they are those of the map specs
 * (maps/presence.map, distance.map, difference.map) as classes.h makes them for the maps,
 * and the office symbols those of symbols.h. This module only writes them as QML.
 *
 * Written for QGIS 3.22 (Debian 12) and later: renderer-v2 with categorizedSymbol or
 * graduatedSymbol, symbol layers SimpleFill and SimpleMarker with their properties as
 * <Option> maps. Colours 0xRRGGBB; sizes in millimetres on the map. */
#ifndef NV_STYLES_H
#define NV_STYLES_H

#include "error.h"
#include "mapspec.h"
#include "results.h"

#include <stddef.h>

/* One category or range of a style. */
typedef struct nv_style_class {
    const char *value;         /* categories: the attribute's value; "" = all other values */
    double lower, upper;       /* ranges: lower <= v <= upper (the first range that matches) */
    const char *label;         /* the legend's text, UTF-8 */
    unsigned color;            /* fill (markers: fill) */
    unsigned stroke;           /* markers: outline; fills: ignored (edges are edge_color) */
    const char *shape;         /* markers: "circle", "diamond", "cross"; fills: NULL */
} nv_style_class;

typedef enum nv_style_kind {
    NV_STYLE_FILL_CATEGORIES = 0,  /* polygons coloured by a text attribute */
    NV_STYLE_FILL_RANGES = 1,      /* polygons coloured by classes of a numeric attribute */
    NV_STYLE_MARKER_CATEGORIES = 2 /* points with a symbol per value of a text attribute */
} nv_style_kind;

typedef struct nv_style {
    nv_style_kind kind;
    const char *attr;          /* the attribute classified */
    const nv_style_class *cls;
    size_t n;
    unsigned edge_color;       /* fills: the polygon edges */
    double edge_mm;            /* fills: their width */
    double size_mm;            /* markers: the symbol's diameter */
} nv_style;

/* The style as a QML document (UTF-8, NUL-terminated). The caller frees it with free().
 * NULL when out of memory. */
char *nv_styles_qml(const nv_style *s);

/* One row of a layer_styles table: which layer a style is for and whether QGIS applies it
 * when the layer is opened (use_as_default) or offers it by name (the layer's other
 * styles). Strings borrowed. */
typedef struct nv_layer_style {
    const char *table;         /* "municipalities", "offices", or a view */
    const char *geometry_column; /* "geom" */
    const char *name;          /* the style's name in QGIS's style menu */
    const char *description;
    int use_as_default;
    const char *qml;
} nv_layer_style;

/* The QGIS styles of narvaro's databases, with their QML. */
typedef struct nv_styles nv_styles;

/* A run's (narvaro.sqlite, narvaro.gpkg, the PostGIS tables): municipalities by presence
 * in Swedish (the default) and English, and by distance to the nearest office in both;
 * offices by type in both (Swedish the default). The classes, labels and colours are
 * those of the maps of the specs presence and distance (classes.h): sum gives the run's
 * presence tiers, m which of them occur and the distances for quantile or Jenks classes. The offices
 * take the maps' symbols (symbols.h). NV_ERR_INPUT for a spec whose colours do not fit
 * its classes. The caller destroys *out. */
nv_status nv_styles_for_run(const nv_mapspec *presence, const nv_mapspec *distance, const nv_run_summary *sum,
                            const nv_muni_result *m, size_t n, nv_styles **out, nv_error *err);

/* A comparison's (compare.sqlite, compare.gpkg): municipalities by change, in Swedish
 * (the default) and English, as the difference map of spec difference. */
nv_status nv_styles_for_comparison(const nv_mapspec *difference, nv_styles **out, nv_error *err);

/* The styles, borrowed while s lives; *n gets their number. */
const nv_layer_style *nv_styles_list(const nv_styles *s, size_t *n);
void nv_styles_destroy(nv_styles *s); /* accepts NULL */

#endif
