/* analyze.h — one whole run of `narvaro analyze`: one plan evaluated on a session
 * (plan.h), written into a fresh folder beside DIR and swapped into place at the end,
 * so that a failed or interrupted run leaves an earlier result in DIR untouched. */
#ifndef NV_ANALYZE_H
#define NV_ANALYZE_H

#include "boundaries.h"
#include "error.h"
#include "offices.h"
#include "population.h"
#include "results.h"

typedef struct nv_analyze_options {
    nv_boundaries_options boundaries;  /* .source NULL: <data>/shapefiles/kommuner.shp */
    const char *const *office_files;   /* NULL/0: <data>/data/plans/af-2020-illustrative.csv */
    size_t n_office_files;
    nv_offices_options offices;
    double snap_km;                    /* 0: no snapping (the CLI's default is 2) */
    nv_population_options population;  /* .source NULL: <data>/data/population/kommun_population_2016.csv,
                                        * municipal totals at representative points */
    nv_radii radii;                    /* n == 0: 10, 25, 50 km */
    const char *out_dir;               /* required */
    int no_maps;                       /* 1: no DIR/maps/presence.png */
    const char *maps_dir;              /* folder of map specs; NULL: nv_mapspec_maps_dir() */
} nv_analyze_options;

/* The default data folder: $NARVARO_DATA, else the ../shared the build was configured
 * with. Static or environment string. */
const char *nv_analyze_data_dir(void);

/* Runs the analysis. On success *totals (optional) gets the national counts; its string
 * fields are NULL. Returns NV_ERR_INPUT for bad input (details in err and diags). */
nv_status nv_analyze_run(const nv_analyze_options *opts, nv_run_summary *totals,
                         nv_diags *diags, nv_error *err);

#endif
