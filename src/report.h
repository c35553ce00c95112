/* report.h — the plain-text outputs of a run: municipalities.csv, counties.csv,
 * offices.csv and summary.json. Deterministic: rows in the order given (the caller
 * sorts), fixed precision (km with 3 decimals = 1 m), locale-independent numbers, no
 * timestamps. NAN numbers are written as empty CSV fields and JSON null. */
#ifndef NV_REPORT_H
#define NV_REPORT_H

#include "attributes.h"
#include "compare.h"
#include "error.h"
#include "results.h"

/* Both tables end with the population columns: population, population_within_<R>km for
 * each radius (radii may be NULL: none), mean_distance_km (population-weighted) and
 * max_distance_km. */

/* Columns: kommunkod,namn,lanskod,offices,presence,nearest_office_km,nearest_office_id,
 *          rep_x,rep_y,area_km2,locations,nearest_presence_km,nearest_presence_id, then the
 *          population columns */
nv_status nv_report_municipalities_csv(const char *path, const nv_muni_result *m, size_t n,
                                       const nv_radii *radii, nv_error *err);
/* Columns: lanskod,namn,municipalities,offices,municipalities_with_office,
 *          municipalities_without_office,staffed,booked,other,none,
 *          mean_nearest_office_km,max_nearest_office_km,locations,
 *          municipalities_with_presence,municipalities_without_presence, then the population
 *          columns */
nv_status nv_report_counties_csv(const char *path, const nv_county_result *c, size_t n,
                                 const nv_radii *radii, nv_error *err);
/* The same two tables with the joined attribute columns after the population columns
 * (attributes.h); attrs may be NULL. */
nv_status nv_report_municipalities_csv_attributes(const char *path, const nv_muni_result *m, size_t n,
                                                  const nv_radii *radii, const nv_attributes *attrs, nv_error *err);
nv_status nv_report_counties_csv_attributes(const char *path, const nv_county_result *c, size_t n,
                                            const nv_radii *radii, const nv_attributes *attrs, nv_error *err);
/* The column names of municipalities.csv (county 0) or counties.csv (county 1) for these
 * radii, attributes not included: a NULL-terminated array, freed with free() (one block). */
char **nv_report_column_names(int county, const nv_radii *radii);

/* Columns: source,line,office_id,name,type,kommunkod_stated,lat,lon,x,y,status,
 *          kommunkod,namn,snap_m,note,town,placed_by */
nv_status nv_report_offices_csv(const char *path, const nv_office_result *o, size_t n,
                                nv_error *err);
/* Keys: municipalities, offices, municipalities_with_office, municipalities_without_office
 * first, then the rest of nv_run_summary (presence counts as an object, inputs, versions). */
nv_status nv_report_summary_json(const char *path, const nv_run_summary *s, nv_error *err);

/* What a plan changes (narvaro compare). changes.csv: the municipalities whose situation
 * changes. Columns: kommunkod,namn,lanskod,change,presence_before,presence_after,
 * offices_before,offices_after,nearest_office_km_before,nearest_office_km_after,
 * nearest_office_km_change,population, then population_within_<R>km_before/_after per
 * radius, mean_distance_km_before,mean_distance_km_after,person_km_added. */
nv_status nv_report_changes_csv(const char *path, const nv_change *c, size_t n, const nv_radii *radii,
                                nv_error *err);
/* ranking.csv: the municipalities that lose, the heaviest loss first (order from
 * nv_compare_ranking). Columns: rank,kommunkod,namn,change,presence_before,presence_after,
 * nearest_office_km_before,nearest_office_km_after,population, people_beyond_<R>km_added
 * per radius, person_km_added. */
nv_status nv_report_ranking_csv(const char *path, const nv_change *c, const size_t *order, size_t n,
                                const nv_radii *radii, nv_error *err);
/* summary.json of a comparison: the totals, then each plan's summary (as in analyze). */
nv_status nv_report_compare_json(const char *path, const nv_compare_totals *t, const nv_radii *radii,
                                 const nv_run_summary *before, const nv_run_summary *after,
                                 const char *manifest_json, nv_error *err);

/* People as narvaro writes them everywhere (CSV, JSON, stdout): rounded to hundredths,
 * trailing zeros dropped — 3, 1.5, 0.25 — so a fractional population reads the same in
 * every file; "" for a number that is not finite. Locale-independent. */
void nv_report_format_people(double people, char *buf, size_t size);

#endif
