/* report_html.h — DIR/report.html: one self-contained page a planner can open in any
 * browser, offline, and forward. An inline SVG map (one path per municipality carrying
 * data-kommunkod, coloured with the classes and colours of narvaro's maps, offices as
 * symbols), a tooltip per municipality on hover and keyboard focus, a measure selector,
 * zoom to a county, a summary in words (Swedish or English), sortable and filterable
 * tables, and a print stylesheet. Nothing is fetched: the styles and the script are in
 * the page, the data in a JSON block.
 *
 * Classes and colours come from classes.h over the result's database read back as
 * narvaro render reads it (mapdata.h), with the map specs of the maps folder (presence,
 * distance, population, difference), and the office symbols' colours from symbols.h: one
 * source of truth with the PNG maps. Geometry comes from the results' WKB, in the analysis CRS, written as SVG paths
 * with relative commands on a 10 m grid (y up becomes y down).
 *
 * Every text from an input file (names, ids, types, file names) is escaped for its
 * context: HTML text and attributes, and JSON inside <script> with '<', '>' and '&' as
 * \u escapes, so a name such as `<img src=x onerror=…>` shows as text and runs nothing.
 * Deterministic: no timestamps, fixed precision, rows in the order given. */
#ifndef NV_REPORT_HTML_H
#define NV_REPORT_HTML_H

#include "compare.h"
#include "error.h"
#include "mapspec.h"
#include "results.h"
#include "rules.h"

#include <stddef.h>

/* One plan's results, borrowed for the call (as nv_coverage returns them). */
typedef struct nv_report_html_run {
    const nv_run_summary *summary;
    const nv_muni_result *m;       /* in code order */
    size_t nm;
    const nv_county_result *c;
    size_t nc;
    const nv_office_result *o;     /* every input row; only placed and snapped ones are drawn */
    size_t no;
    /* The joined --attributes tables (attributes.h), or NULL: each municipality column is
     * a measure of the selector, classed as a map spec of `measure = column:NAME` would
     * class it (a text column of more values than a map shows is left out). */
    const struct nv_attributes *attrs;
} nv_report_html_run;

typedef struct nv_report_html_options {
    nv_lang lang;                  /* of every text of the page */
    const char *maps_dir;          /* the map specs' folder; NULL: nv_mapspec_maps_dir() */
} nv_report_html_options;

/* The report of one plan (narvaro analyze, and each plan of compare and batch) into path.
 * db_path is the run's narvaro.sqlite, just written: the classes are taken from it as the
 * maps are. NV_ERR_INPUT for a missing or bad map spec (the message names it), NV_ERR_FAIL
 * when the file cannot be written (then it is removed). */
nv_status nv_report_html_analyze(const char *path, const char *db_path, const nv_report_html_run *run,
                                 const nv_report_html_options *o, nv_error *err);

/* The report of a comparison: the change map, both plans' presence and distance with
 * shared classes, before -> after in tooltips, the changes and the ranking as tables.
 * The base plan's offices that the new plan closes (compare.sqlite's, as the PNG change
 * maps draw them) are crosses on the change map and "(stängs)" in their municipality's
 * tooltip.
 * db_path is compare.sqlite; changes has one entry per municipality (before->nm ==
 * after->nm), ranking n_ranked indices into it, heaviest loss first. */
nv_status nv_report_html_compare(const char *path, const char *db_path, const nv_report_html_run *before,
                                 const nv_report_html_run *after, const nv_change *changes,
                                 const size_t *ranking, size_t n_ranked, const nv_compare_totals *totals,
                                 const nv_report_html_options *o, nv_error *err);

/* One plan of a batch, as its row of the batch's page. */
typedef struct nv_report_html_plan {
    const char *plan;              /* the plan's name: its folder under the batch's DIR */
    const char *file;
    const char *status;            /* "done", "skipped", "failed" */
    const char *error;             /* why it failed; NULL otherwise */
    int has_report;                /* DIR/<plan>/report.html exists: the row links to it */
    int offices, with_office, without_office;
    double population, mean_distance_km;
    double beyond[NV_MAX_RADII];   /* people beyond each radius; NAN: not known */
    long violations;               /* batch --rule: failing rows summed over the rules; -1: not known */
} nv_report_html_plan;

/* The batch's page: one row per plan, sortable, each linking to that plan's own report.
 * rules (batch --rule, n_rules of them, may be 0) are named in the summary, which says
 * how many plans break them, and give the table a column of violations. */
nv_status nv_report_html_batch(const char *path, const nv_report_html_plan *plans, size_t n,
                               const nv_radii *radii, const char *const *rules, size_t n_rules,
                               const nv_report_html_options *o, nv_error *err);

/* What narvaro check found, written into the summary of the report.html at path (the
 * page of the result folder checked): each rule, whether it holds, and the municipalities
 * (counties with county set) where it fails. The block replaces the one an earlier check
 * wrote; the rest of the page stays byte for byte. Written beside and renamed into place.
 * *written is 0 (and NV_OK) when path does not exist or is not a page of narvaro analyze
 * (a comparison's or batch's page, an older report): there is nothing to add to. */
nv_status nv_report_html_check(const char *path, const nv_check_result *res, int county, int *written,
                               nv_error *err);

#endif
