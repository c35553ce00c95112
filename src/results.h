/* results.h — the records one analysis produces, as the writers (report, store) and
 * later the renderer consume them. Plain structs of borrowed pointers: whoever fills
 * them (analyze.c) owns the strings and buffers and keeps them alive while a writer
 * runs. Distances are in kilometres, coordinates in the analysis CRS (metres). NAN
 * marks a number that does not exist (no office anywhere, a row without coordinates). */
#ifndef NV_RESULTS_H
#define NV_RESULTS_H

#include <stddef.h>
#include <stdint.h>

/* Radii for "population within R km" (--radius-km). */
#define NV_MAX_RADII 8
typedef struct nv_radii {
    size_t n;
    double km[NV_MAX_RADII];
} nv_radii;

/* Where the people of an area are, relative to the offices. All NAN when the run has no
 * population figures for the area. */
typedef struct nv_population_result {
    double population;
    double within[NV_MAX_RADII];   /* people with an office within radii.km[r] */
    double mean_distance_km;       /* population-weighted mean distance to the nearest office */
    double max_distance_km;        /* over demand points with people */
} nv_population_result;

/* Coarse presence classes, best first, for the maps that draw staffed, booked, other and
 * none. Any type word that is neither "staffed" nor "booked" is NV_PRESENCE_OTHER; the
 * word itself is kept in the presence string, and its rank among the run's tiers
 * (tiers.h) in nv_muni_result.tier. */
typedef enum nv_presence_rank {
    NV_PRESENCE_STAFFED = 0,
    NV_PRESENCE_BOOKED = 1,
    NV_PRESENCE_OTHER = 2,
    NV_PRESENCE_NONE = 3
} nv_presence_rank;

typedef struct nv_muni_result {
    const char *kommunkod;         /* e.g. "0180" */
    const char *namn;              /* UTF-8 */
    const char *lanskod;           /* e.g. "01" */
    int offices;                   /* locations of an office tier placed in it (snapped ones included) */
    int locations;                 /* locations of any tier placed in it */
    const char *presence;          /* the best tier of its locations ("staffed", "cooperation", ...), or "none" */
    nv_presence_rank presence_rank;
    size_t tier;                   /* index of presence in nv_run_summary.tier_words; n_tiers for "none" */
    double nearest_office_km;      /* from the representative point; NAN if no office at all */
    const char *nearest_office_id; /* NULL if no office at all */
    double nearest_presence_km;    /* to the nearest location of any tier; NAN if none at all */
    const char *nearest_presence_id;
    double rep_x, rep_y;           /* representative point (inside the polygon) */
    double area_km2;
    const unsigned char *wkb;      /* the (multi)polygon in the analysis CRS, ISO WKB */
    size_t wkb_size;
    nv_population_result pop;
} nv_muni_result;

/* What became of an input row of a plan, and how a row was placed: the words offices.csv
 * and the databases write, nv_office_status_word and nv_placed_by_word. */
typedef enum nv_office_status {
    NV_OFFICE_BLANK = 0,           /* a line with nothing in it */
    NV_OFFICE_PLACED = 1,
    NV_OFFICE_SNAPPED = 2,         /* outside every municipality, within --snap-km of one */
    NV_OFFICE_REJECTED = 3
} nv_office_status;

typedef enum nv_placed_by {
    NV_PLACED_BY_NONE = 0,         /* not placed */
    NV_PLACED_BY_COORDINATES = 1,
    NV_PLACED_BY_TOWN = 2,
    NV_PLACED_BY_MUNICIPALITY = 3
} nv_placed_by;

static inline const char *nv_office_status_word(unsigned status)
{
    static const char *const words[] = {"blank", "placed", "snapped", "rejected"};
    return status < sizeof words / sizeof *words ? words[status] : NULL;
}

/* NULL for NV_PLACED_BY_NONE. */
static inline const char *nv_placed_by_word(unsigned placed_by)
{
    static const char *const words[] = {NULL, "coordinates", "town", "municipality"};
    return placed_by < sizeof words / sizeof *words ? words[placed_by] : NULL;
}

/* One input row of an office plan, whatever became of it. A plan of millions of rows
 * holds one of these a row while its results are written, so what a few words or the
 * municipality can say is a code or a pointer: 112 bytes a row (bench/bigplan.sh). */
typedef struct nv_office_result {
    const char *source;            /* plan file path as given */
    const char *office_id, *name, *type;
    const char *kommunkod_stated;  /* what the plan says; NULL or "" if it says nothing */
    const char *town;              /* the town the plan names; NULL or "" if none */
    const char *note;              /* why rejected, or a remark (kommunkod disagreement); may be NULL */
    const nv_muni_result *muni;    /* the municipality it was placed in; NULL if not placed */
    double lat_deg, lon_deg;       /* as read; NAN if the plan gave x/y */
    double x, y;                   /* analysis CRS; NAN if not located */
    double snap_m;                 /* distance to that municipality when snapped, 0 when inside, NAN when rejected */
    int32_t line;                  /* line of the row in that file (header is line 1) */
    uint8_t status;                /* nv_office_status */
    uint8_t placed_by;             /* nv_placed_by */
    uint8_t is_office;             /* its type is one of the office tiers */
} nv_office_result;

/* The code and name of the municipality a row was placed in; NULL if it was not placed. */
static inline const char *nv_office_kommunkod(const nv_office_result *o)
{
    return o->muni ? o->muni->kommunkod : NULL;
}

static inline const char *nv_office_namn(const nv_office_result *o)
{
    return o->muni ? o->muni->namn : NULL;
}

typedef struct nv_county_result {
    const char *lanskod;
    const char *namn;              /* may be NULL when unknown */
    int municipalities, offices;
    int with_office, without_office;
    int staffed, booked, other, none; /* municipalities by presence */
    int locations, with_presence, without_presence;
    double mean_nearest_office_km;    /* mean over its municipalities' representative points */
    double max_nearest_office_km;
    nv_population_result pop;
} nv_county_result;

/* The run as a whole: inputs, options and national totals. */
typedef struct nv_run_summary {
    const char *version;           /* narvaro's */
    const char *gdal_version, *proj_version, *sqlite_version;
    const char *boundaries, *layer;
    const char *const *office_files;
    size_t n_office_files;
    const char *const *attribute_files; /* --attributes tables joined into the results */
    size_t n_attribute_files;
    const char *places;            /* the gazetteer loaded, or NULL */
    const char *crs;               /* e.g. "EPSG:3006" */
    int srid;                      /* EPSG code of the analysis CRS */
    double snap_km;
    int municipalities, counties;
    int offices_read;              /* data rows in all plans, blank ones not included */
    int rows_blank;                /* data lines with nothing in them (status "blank" in offices.csv) */
    int offices;                   /* placed, snapped included */
    int offices_snapped, offices_rejected;
    int kommunkod_disagreements;
    int geometries_repaired;
    int with_office, without_office;
    int locations;                 /* placed rows of every tier (offices included) */
    int with_presence, without_presence;
    /* Every tier of the ranking and every other type word found, best first, with the
     * municipalities whose presence it is ("none" not included: presence_none). Borrowed
     * from the coverage. */
    size_t n_tiers;
    const char *const *tier_words;
    const int *tier_counts;
    const char *office_types;      /* the office tiers, comma-separated */
    int presence_staffed, presence_booked, presence_other, presence_none;
    double mean_nearest_office_km, max_nearest_office_km;
    const char *max_nearest_kommunkod;
    int illustrative;              /* some plan row has basis other than "sourced" */
    nv_radii radii;
    nv_population_result pop;      /* the nation: points outside every municipality included */
    const char *population_source; /* the file, or a description of the default */
    int population_municipal;      /* 1: municipal totals placed at representative points */
    long population_points, population_points_outside;
    double population_outside;     /* people at points outside every municipality but within
                                    * --snap-km of one: counted for the nation */
    long population_points_far;    /* points farther than --snap-km from every municipality (or that
                                    * cannot be placed at all): in no figure, only counted here */
    double population_far;         /* their people */
    const char *manifest_json;     /* the run's manifest as a JSON object (manifest.h), or NULL */
    const char *manifest_digest;   /* its digest, or NULL */
} nv_run_summary;

#endif
