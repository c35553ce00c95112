/* mapdata.h — a finished result as the map modules draw it: municipality polygons and
 * their figures, office points, counties, and the run's inputs, read back from a result
 * (nothing is recomputed) through the store's reader (storeread.h, GDAL/OGR): narvaro.sqlite,
 * compare.sqlite, or a copy of their layers in a GeoPackage or PostGIS. Coordinates are in
 * the analysis CRS (metres, EPSG:3006 by default), as the result holds them.
 *
 * A single run's narvaro.sqlite gives each municipality its presence, offices and
 * nearest_office_km, and its population figures where the run counted them. A comparison's
 * compare.sqlite gives the after plan's figures in the same fields, plus the change class
 * and the before plan's figures; its offices are the after plan's plus the before plan's
 * closed ones (as type closed), and the before plan's separately.
 *
 * Also computed once per load: the edge network (mapedges.h: which ring segment is the
 * first of a shared edge, which is a county border or on the outline), and the extents.
 *
 * Ownership: nv_mapdata_load makes an nv_map_data that nv_mapdata_destroy frees, with
 * every string and array in it. The structs' bodies are in this header because the map
 * modules (render, choropleth, layout, legend, labels, maptext, mapinfo) read their fields
 * directly in their drawing loops; nothing else should, and nothing but this module writes
 * them. */
#ifndef NV_MAPDATA_H
#define NV_MAPDATA_H

#include "classes.h"
#include "error.h"
#include "mapspec.h"
#include "results.h"

#include <stddef.h>

typedef struct nv_map_ring {
    size_t pt0, npts;          /* into nv_map_data.xy, as x, y pairs */
} nv_map_ring;

typedef struct nv_map_muni {
    char *kommunkod, *namn, *lanskod; /* namn may be NULL */
    int offices;
    int presence;              /* nv_presence_rank */
    int tier, tier_before;     /* index into nv_map_data.tiers; n_tiers for "none" */
    char *pword, *pword_before;/* the presence words as stored (NULL: none) */
    double nearest_km;         /* NAN: no office anywhere */
    double rep_x, rep_y;       /* representative point, CRS metres */
    double area_km2;
    double bbox[4];            /* min x, min y, max x, max y */
    size_t ring0, nrings;      /* into nv_map_data.rings */
    int county;                /* index into nv_map_data.c */
    /* A comparison's: the change class (an nv_change_class, -1 for a single run) and the
     * figures of the before plan (the fields above are the after plan's). */
    int change;
    int presence_before, offices_before;
    double nearest_km_before;
    /* A single run's population figures (NAN where the run has none): people, people with
     * an office within nv_map_data.radii_km[r], the weighted mean and the longest distance. */
    double population, within[NV_MAX_RADII], mean_km, max_km;
} nv_map_muni;

/* Location symbol types: one per presence tier, any other word, closed, and new (on
 * change maps whose spec asks for it: an office of the after plan with no office of the
 * before plan near it, e.g. the sites narvaro suggest opens). */
enum { NV_OFFICE_STAFFED = 0, NV_OFFICE_BOOKED = 1, NV_OFFICE_SERVICE = 2, NV_OFFICE_COOP = 3,
       NV_OFFICE_AGREEMENT = 4, NV_OFFICE_OTHER = 5, NV_OFFICE_CLOSED = 6, NV_OFFICE_NEW = 7,
       NV_OFFICE_TYPES = 8 };
#define NV_MAP_MAX_TIERS 16

/* The symbol type of a location's type word ("cooperation": NV_OFFICE_COOP; NULL or an
 * unknown word: NV_OFFICE_OTHER), as the maps draw it. */
int nv_mapdata_office_type(const char *type);

typedef struct nv_map_office {
    double x, y;               /* CRS metres */
    int type;                  /* an NV_OFFICE_ type; closed: an office of a comparison's before
                                * plan that the after plan drops */
    int county;                /* -1 when the municipality is unknown */
    int is_new;                /* a comparison's after plan: no before office within
                                * NV_MAP_NEW_WITHIN_M (the rule that marks closed ones) */
} nv_map_office;
#define NV_MAP_NEW_WITHIN_M 1000.0

typedef struct nv_map_county {
    char *lanskod, *namn;      /* namn may be NULL */
    double bbox[4];
    int municipalities;
} nv_map_county;

/* Per segment (from a ring's point k to point k+1) of nv_map_data.edge. */
enum { NV_EDGE_OWNED = 1,      /* the first ring that holds the segment: stroke shared edges once */
       NV_EDGE_BORDER = 2 };   /* a county border, or on the outline (no ring shares it) */

typedef struct nv_map_data {
    char *path;                /* the database it came from */
    nv_map_muni *m;            /* sorted by kommunkod */
    size_t nm;
    nv_map_ring *rings;
    size_t nrings, cap_rings;
    double *xy;
    size_t npts, cap_pts;
    nv_map_office *o;
    size_t no;
    nv_map_county *c;          /* sorted by lanskod */
    size_t nc;
    unsigned char *edge;       /* per point: NV_EDGE_ flags of the segment from it to the next point */
    double bbox[4];
    char *boundaries, *office_files, *crs, *version; /* office_files: one path per line */
    int illustrative;
    /* From a comparison (compare.sqlite): o holds the after plan's offices and the closed
     * ones, ob the before plan's; office_files and illustrative above are the after plan's. */
    int compare;
    nv_map_office *ob;
    size_t nob;
    char *office_files_before;
    int illustrative_before;
    /* A single run's population figures (the columns of store.c), when it has them. */
    int has_population;
    int population_municipal;  /* municipal totals at representative points, not demand points */
    double radii_km[NV_MAX_RADII];
    size_t n_radii;
    /* The run's presence tiers, best first ("none" not included): the ranking stored in
     * runs.presence_order (the default for older results and comparisons), then any
     * other word found, alphabetically. */
    char *tiers[NV_MAP_MAX_TIERS];
    size_t n_tiers;
    /* Every column of the municipalities layer but the geometry (its FID column first), as
     * text, for measure = column:NAME: cols[c], and vals[i * n_cols + c] for municipality i
     * (NULL: no value). Numbers as SQLite prints them, whatever the source (storeread.h). */
    char **cols, **vals;
    size_t n_cols;
} nv_map_data;

/* Reads db_path (opened read-only; a file, or "PG:..." for PostGIS). NV_ERR_INPUT when the
 * file is missing or is not a narvaro result (the message names the missing layer or
 * column and lists what the source has), or when its layers are in another CRS than the
 * one the result was measured in (runs.analysis_crs, or runs.crs in older results);
 * NV_ERR_FAIL for failures of GDAL. The caller destroys *out. */
nv_status nv_mapdata_load(const char *db_path, nv_map_data **out, nv_error *err);
void nv_mapdata_destroy(nv_map_data *d); /* accepts NULL */

/* The index of a municipality (by kommunkod) or county (by lanskod), or -1. */
int nv_mapdata_find_muni(const nv_map_data *d, const char *kommunkod);
int nv_mapdata_find_county(const nv_map_data *d, const char *lanskod);

/* The index of radius km among the run's radii, or -1. */
int nv_mapdata_radius_index(const nv_map_data *d, double km);

/* What a classed measure of s colours m by: km, or percent for a share; NAN for no data
 * (no office anywhere, no population figures, no inhabitants). Not for presence or change. */
double nv_mapdata_value(const nv_map_data *d, const nv_mapspec *s, const nv_map_muni *m);

/* The index of a column of the municipalities layer (measure column:NAME), or -1; and a
 * municipality's value in it as text (NULL: none; borrowed). */
int nv_mapdata_column(const nv_map_data *d, const char *name);
const char *nv_mapdata_text(const nv_map_data *d, int col, const nv_map_muni *m);

/* What the classes of measure column:NAME (s->column) are made from, for every map of it
 * (narvaro render's, report.html's): a text column (some value is not a number) gets its
 * distinct values, sorted, in cats (room for NV_MAPSPEC_MAX_CLASSES; borrowed from d)
 * as in->categories, and in->no_data counts the municipalities without a value; a
 * numeric column leaves in as it was, for the caller to class as any numeric measure, and
 * *method becomes quantile where it is fixed and the spec gives no limits. NV_ERR_INPUT
 * for a column d does not have (its columns listed) and for more values than a map shows. */
nv_status nv_mapdata_column_input(const nv_map_data *d, const nv_mapspec *s, nv_class_input *in, const char **cats,
                                  nv_breaks *method, nv_error *err);

/* The before plan of a comparison as a run of its own: the same polygons, counties and
 * names, that plan's figures and offices, written into *view. Shares all but the
 * municipality array with d; *owned gets that array, which the caller frees (not the
 * view, which lives as long as d and *owned). NULL when out of memory. */
const nv_map_data *nv_mapdata_before_view(const nv_map_data *d, nv_map_data *view, nv_map_muni **owned);

#endif
