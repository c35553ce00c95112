/* main.c — the command line: reads argv, calls the core, prints, exits. Nothing else in
 * narvaro prints or exits. */
#include "analyze.h"
#include "batch.h"
#include "boundaries.h"
#include "compare.h"
#include "error.h"
#include "mapspec.h"
#include "plan.h"
#include "render.h"
#include "report.h"
#include "store.h"
#include "textin.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef NV_VERSION
#define NV_VERSION "0.1.0"
#endif

/* The option table of `narvaro analyze`, grouped as in the README. */
/* The options analyze, compare and batch share, grouped as in the README. */
static const char INPUT_HELP[] =
    "Boundaries:\n"
    "  --boundaries SRC      any OGR source: Shapefile, GeoPackage, GeoJSON, \"PG:...\"\n"
    "  --layer NAME          layer of SRC (needed when SRC has several)\n"
    "  --id-field F          code field (default: kommunkod, id, kod, code, kom_kod)\n"
    "  --name-field F        name field (default: namn, kom_namn, name)\n"
    "  --county-field F      county field (default: lanskod, lan_code, lan_kod; else the\n"
    "                        first two digits of a 4-digit code)\n"
    "  --boundaries-crs CRS  declare the CRS of a source that has none, e.g. EPSG:3006\n"
    "  --boundaries-encoding E\n"
    "                        encoding of the attribute text, UTF-8 or CP1252 (default:\n"
    "                        the .cpg or the .dbf's language driver byte, else detected)\n"
    "\n"
    "Office plans:\n"
    "  --offices-crs CRS     CRS of x/y columns (default: the analysis CRS); lat/lon\n"
    "                        columns are always WGS 84\n"
    "  --delimiter C         ',' ';' or 'tab' (default: detected)\n"
    "  --encoding E          UTF-8 or CP1252 (default: detected)\n"
    "  --lat COL, --lon COL  latitude/longitude columns (default: found by header)\n"
    "  --id-column COL       office id column (default: found by header)\n"
    "  --sheet NAME          the sheet of .xlsx, .xls or .ods plans (default: the first)\n"
    "  --places SRC          gazetteer for rows with a town and no coordinates: a CSV\n"
    "                        with a name, lat/lon (or x/y) and optionally a kommunkod\n"
    "                        (default $NARVARO_DATA/data/places/localities.csv)\n"
    "  --places-name-field F the gazetteer's name column (default: town, ort, tätort,\n"
    "                        locality, plats, name, namn)\n"
    "\n"
    "Presence:\n"
    "  --presence-order LIST tiers, best first (default staffed,booked,servicekontor,\n"
    "                        cooperation,agreement; any other word ranks last)\n"
    "  --office-types LIST   the tiers that are the service's own offices: they make\n"
    "                        offices and nearest_office_km (default staffed,booked)\n"
    "\n"
    "Population (demand points):\n"
    "  --population SRC      a CSV (x,y or lat,lon and a population column) or any OGR\n"
    "                        point layer; default: the municipal populations of the data\n"
    "                        folder, each at its municipality's representative point;\n"
    "                        - or a pipe is read as CSV (--population <(zcat p.csv.gz))\n"
    "  --population-crs CRS  CRS of the x/y columns (default: the analysis CRS)\n"
    "  --population-layer L  layer of an OGR source with several\n"
    "  --population-column C population column (default: found by header; without\n"
    "                        one, every point counts as one person)\n"
    "  --radius-km R[,R...]  report the people within these distances of an office\n"
    "                        (default 10,25,50; at most 8)\n"
    "  --threads N           worker threads for demand points (default: one per core)\n"
    "\n"
    "Analysis:\n"
    "  --crs CRS             analysis CRS, projected, in metres (default EPSG:3006)\n"
    "  --snap-km KM          an office outside every municipality but within KM of one\n"
    "                        is placed there and reported; farther ones are rejected\n"
    "                        (default 2)\n"
    "\n"
    "Report:\n"
    "  --no-report           do not write DIR/report.html (one self-contained page: map,\n"
    "                        summary, tables; none with --tables-only either)\n"
    "  --lang L              the report's language: sv (default) or en\n"
    "\n";

static const char ANALYZE_HELP[] =
    "Usage: narvaro analyze [OPTIONS] --out DIR\n"
    "\n"
    "Joins municipality boundaries with an office plan and measures where local presence\n"
    "is missing. With no input options it runs the default Swedish case: the 290\n"
    "municipalities and Arbetsförmedlingen's 2020 plan from the data folder\n"
    "($NARVARO_DATA, default %s).\n"
    "\n"
    "  --offices CSV         an office plan (repeatable; the rows of all are one plan)\n"
    "\n"
    "%s"
    "Output:\n"
    "  --out DIR             result folder: municipalities.csv, counties.csv,\n"
    "                        offices.csv, results.xlsx, summary.json, narvaro.sqlite.\n"
    "                        Written beside DIR and swapped in at the end: a failed\n"
    "                        run leaves an earlier result untouched.\n"
    "  --no-maps             do not draw DIR/maps/presence.png (the map spec presence\n"
    "                        of the maps folder, $NARVARO_MAPS; see narvaro render)\n"
    "  --tables-only         CSV and JSON only: no narvaro.sqlite, no map\n"
    "%s"
    "  -q, --quiet           no warnings or totals, only errors\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 success, 2 bad input (file:line: what is wrong (hint)), 1 other failure.\n";

static const char COMPARE_HELP[] =
    "Usage: narvaro compare BASE.csv PLAN.csv [OPTIONS] --out DIR\n"
    "\n"
    "What does PLAN change against BASE? Both plans are measured on the same boundaries\n"
    "and population; DIR gets changes.csv (every municipality whose situation changes),\n"
    "ranking.csv (those that lose, the heaviest loss first), summary.json (the totals:\n"
    "municipalities losing or gaining presence, people moving beyond each radius) and\n"
    "before/ and after/, each a complete analyze result.\n"
    "\n"
    "%s"
    "Output:\n"
    "  --out DIR             the comparison folder, written whole or not at all\n"
    "  --no-maps             no maps in before/ and after/\n"
    "  --top N               rows of the ranking printed (default 10)\n"
    "%s"
    "  -q, --quiet           no warnings or totals, only errors\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 success, 2 bad input, 1 other failure.\n";

static const char BATCH_HELP[] =
    "Usage: narvaro batch PLANS_DIR [OPTIONS] --out DIR\n"
    "\n"
    "Evaluates every plan (*.csv) in PLANS_DIR on the same boundaries and population:\n"
    "DIR/<plan>/ holds each plan's result (as narvaro analyze writes it), DIR/plans.csv\n"
    "one row per plan. A plan whose result in DIR was made from the same inputs, options\n"
    "and versions (the manifest in its summary.json) is skipped; a bad plan is reported\n"
    "and the others still run. An interrupted batch leaves each plan's result whole or\n"
    "absent, and the next run picks up where it stopped.\n"
    "\n"
    "%s"
    "Batch:\n"
    "  --out DIR             the batch folder (created if missing)\n"
    "  --jobs N              plans evaluated at once (default: one per core)\n"
    "  --force               run every plan, also those whose result is current\n"
    "  --tables-only         CSV and JSON only: no narvaro.sqlite, no map (fastest)\n"
    "  --no-maps             no map in each result\n"
    "%s"
    "  -q, --quiet           no progress bar, warnings or totals, only errors\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 when every plan is done or current, 2 when a plan was bad input\n"
    "(the others are written), 1 on other failures.\n";

/* The output options analyze, compare and batch share (output_option). */
static const char OUTPUT_HELP[] =
    "  --no-xlsx             no results.xlsx (the CSV tables as one Excel workbook)\n"
    "  --db-format F         sqlite (default: narvaro.sqlite, SpatiaLite) or gpkg\n"
    "                        (narvaro.gpkg, GeoPackage); compare.sqlite or compare.gpkg\n"
    "  --postgis CONN        also write the run into a shared PostGIS database, schema\n"
    "                        narvaro (GDAL's syntax: \"PG:host=H dbname=D user=U\");\n"
    "                        a run already there (same manifest digest) is not written\n"
    "                        again\n";

static const char MAIN_HELP[] =
    "Usage: narvaro COMMAND [OPTIONS]\n"
    "\n"
    "Where does a public service lack local presence? narvaro joins municipality\n"
    "boundaries with an office plan and measures the gaps.\n"
    "\n"
    "Commands:\n"
    "  analyze     presence per municipality and county (narvaro analyze --help)\n"
    "  compare     what a new office plan changes (narvaro compare --help)\n"
    "  batch       every plan in a folder, resumable (narvaro batch --help)\n"
    "  render      maps of a finished run as PNG, SVG or PDF (narvaro render --help)\n"
    "\n"
    "Options:\n"
    "  -h, --help     this help\n"
    "  -V, --version  versions of narvaro and of GDAL, PROJ, SQLite, SpatiaLite, cairo\n"
    "                 and pango\n";

enum {
    OPT_BOUNDARIES = 256, OPT_LAYER, OPT_ID_FIELD, OPT_NAME_FIELD, OPT_COUNTY_FIELD, OPT_BOUNDARIES_CRS,
    OPT_BOUNDARIES_ENCODING,
    OPT_OFFICES_CRS, OPT_DELIMITER, OPT_ENCODING, OPT_LAT, OPT_LON, OPT_ID_COLUMN,
    OPT_CRS, OPT_SNAP_KM, OPT_POPULATION, OPT_POPULATION_CRS, OPT_POPULATION_LAYER,
    OPT_POPULATION_COLUMN, OPT_RADIUS_KM, OPT_THREADS, OPT_SHEET,
    OPT_PLACES, OPT_PLACES_NAME_FIELD, OPT_PRESENCE_ORDER, OPT_OFFICE_TYPES,
    OPT_NO_REPORT, OPT_LANG,
    /* command-specific */
    OPT_OFFICES, OPT_OUT, OPT_NO_MAPS, OPT_TOP, OPT_JOBS, OPT_FORCE, OPT_TABLES_ONLY,
    /* OUTPUT_LONGOPTS */
    OPT_NO_XLSX, OPT_DB_FORMAT, OPT_POSTGIS
};

/* The long options of OUTPUT_HELP. */
#define OUTPUT_LONGOPTS                                                        \
    {"no-xlsx", no_argument, NULL, OPT_NO_XLSX},                              \
    {"db-format", required_argument, NULL, OPT_DB_FORMAT},                    \
    {"postgis", required_argument, NULL, OPT_POSTGIS}

/* The long options analyze, compare and batch share (INPUT_HELP). */
#define INPUT_LONGOPTS                                                         \
    {"boundaries", required_argument, NULL, OPT_BOUNDARIES},                  \
    {"layer", required_argument, NULL, OPT_LAYER},                            \
    {"id-field", required_argument, NULL, OPT_ID_FIELD},                      \
    {"name-field", required_argument, NULL, OPT_NAME_FIELD},                  \
    {"county-field", required_argument, NULL, OPT_COUNTY_FIELD},              \
    {"boundaries-crs", required_argument, NULL, OPT_BOUNDARIES_CRS},          \
    {"boundaries-encoding", required_argument, NULL, OPT_BOUNDARIES_ENCODING}, \
    {"offices-crs", required_argument, NULL, OPT_OFFICES_CRS},                \
    {"delimiter", required_argument, NULL, OPT_DELIMITER},                    \
    {"encoding", required_argument, NULL, OPT_ENCODING},                      \
    {"lat", required_argument, NULL, OPT_LAT},                                \
    {"lon", required_argument, NULL, OPT_LON},                                \
    {"id-column", required_argument, NULL, OPT_ID_COLUMN},                    \
    {"sheet", required_argument, NULL, OPT_SHEET},                            \
    {"crs", required_argument, NULL, OPT_CRS},                                \
    {"snap-km", required_argument, NULL, OPT_SNAP_KM},                        \
    {"population", required_argument, NULL, OPT_POPULATION},                  \
    {"population-crs", required_argument, NULL, OPT_POPULATION_CRS},          \
    {"population-layer", required_argument, NULL, OPT_POPULATION_LAYER},      \
    {"population-column", required_argument, NULL, OPT_POPULATION_COLUMN},    \
    {"radius-km", required_argument, NULL, OPT_RADIUS_KM},                    \
    {"threads", required_argument, NULL, OPT_THREADS},                        \
    {"places", required_argument, NULL, OPT_PLACES},                          \
    {"places-name-field", required_argument, NULL, OPT_PLACES_NAME_FIELD},    \
    {"presence-order", required_argument, NULL, OPT_PRESENCE_ORDER},          \
    {"office-types", required_argument, NULL, OPT_OFFICE_TYPES},              \
    {"no-report", no_argument, NULL, OPT_NO_REPORT},                          \
    {"lang", required_argument, NULL, OPT_LANG},                              \
    {"quiet", no_argument, NULL, 'q'},                                        \
    {"help", no_argument, NULL, 'h'}

static const char *command = "analyze"; /* for "see narvaro COMMAND --help" */

static int report_failure(nv_status st, const nv_error *err, const char *out_dir);

/* "10,25,50" -> radii; 0 on a bad list, -1 when a radius repeats. */
static int parse_radii(const char *arg, nv_radii *radii)
{
    const char *p = arg;
    radii->n = 0;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !(v > 0) || !isfinite(v) || radii->n == NV_MAX_RADII || (*end && *end != ','))
            return 0;
        /* Each radius names a column (population_within_<R>km, R as %g): two that print
         * alike would be one column twice. */
        char name[32], other[32];
        snprintf(name, sizeof name, "%g", v);
        for (size_t r = 0; r < radii->n; r++) {
            snprintf(other, sizeof other, "%g", radii->km[r]);
            if (strcmp(name, other) == 0)
                return -1;
        }
        radii->km[radii->n++] = v;
        p = *end ? end + 1 : end;
        if (*end && !*p)
            return 0;
    }
    return radii->n > 0;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "narvaro: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see narvaro %s --help)\n", command);
    return NV_ERR_INPUT;
}

/* A whole number in [lo, hi], or -1. */
static long parse_count(const char *arg, long lo, long hi)
{
    char *end;
    long n = strtol(arg, &end, 10);
    return end == arg || *end || n < lo || n > hi ? -1 : n;
}

/* Handles an option of INPUT_LONGOPTS; returns 1 if c was one. *rc is set when its value
 * is bad. */
static int input_option(int c, const char *arg, nv_session_options *o, int *rc)
{
    char *end;
    switch (c) {
    case OPT_BOUNDARIES: o->boundaries.source = arg; return 1;
    case OPT_LAYER: o->boundaries.layer = arg; return 1;
    case OPT_ID_FIELD: o->boundaries.id_field = arg; return 1;
    case OPT_NAME_FIELD: o->boundaries.name_field = arg; return 1;
    case OPT_COUNTY_FIELD: o->boundaries.county_field = arg; return 1;
    case OPT_BOUNDARIES_CRS: o->boundaries.source_crs = arg; return 1;
    case OPT_BOUNDARIES_ENCODING: o->boundaries.encoding = arg; return 1;
    case OPT_OFFICES_CRS: o->offices.xy_crs = arg; return 1;
    case OPT_DELIMITER:
        if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
            o->offices.delimiter = '\t';
        else if (strlen(arg) == 1 && strchr(",;\t|", arg[0]))
            o->offices.delimiter = arg[0];
        else
            *rc = usage_error("--delimiter '%s': give one of , ; | or tab", arg);
        return 1;
    case OPT_ENCODING: o->offices.encoding = arg; return 1;
    case OPT_LAT: o->offices.lat_column = arg; return 1;
    case OPT_LON: o->offices.lon_column = arg; return 1;
    case OPT_ID_COLUMN: o->offices.id_column = arg; return 1;
    case OPT_SHEET: o->offices.sheet = arg; return 1;
    case OPT_PLACES: o->places.source = arg; return 1;
    case OPT_PLACES_NAME_FIELD: o->places.name_field = arg; return 1;
    case OPT_PRESENCE_ORDER: o->presence_order = arg; return 1;
    case OPT_OFFICE_TYPES: o->office_types = arg; return 1;
    case OPT_CRS: o->boundaries.analysis_crs = arg; return 1;
    case OPT_SNAP_KM:
        o->snap_km = strtod(arg, &end);
        if (end == arg || *end || !(o->snap_km >= 0) || !isfinite(o->snap_km))
            *rc = usage_error("--snap-km '%s': give a distance in km, 0 or more", arg);
        return 1;
    case OPT_POPULATION: o->population.source = arg; return 1;
    case OPT_POPULATION_CRS: o->population.crs = arg; return 1;
    case OPT_POPULATION_LAYER: o->population.layer = arg; return 1;
    case OPT_POPULATION_COLUMN: o->population.population_column = arg; return 1;
    case OPT_RADIUS_KM: {
        int ok = parse_radii(arg, &o->radii);
        if (ok < 0)
            *rc = usage_error("--radius-km '%s': a radius is given twice; give each distance once, e.g. "
                              "10,25,50", arg);
        else if (!ok)
            *rc = usage_error("--radius-km '%s': give distances in km above 0, separated by commas "
                              "(at most 8), e.g. 10,25,50", arg);
        return 1;
    }
    case OPT_THREADS: {
        long n = parse_count(arg, 0, 256);
        if (n < 0)
            *rc = usage_error("--threads '%s': give a number of threads, 0 for one per core", arg);
        else
            o->population.threads = (int)n;
        return 1;
    }
    case OPT_NO_REPORT: o->no_report = 1; return 1;
    case OPT_LANG: {
        nv_lang lang = NV_LANG_SV;
        if (nv_mapspec_parse_lang(arg, &lang) != 0)
            *rc = usage_error("--lang '%s': give sv or en", arg);
        o->lang = (int)lang;
        return 1;
    }
    default: return 0;
    }
}

/* Checks an option's value before it is used: it may not be empty, and an option that
 * takes one value may not be given twice (which of two --crs would a script mean?).
 * repeatable is the one option of the command that may repeat (0: none). seen has room
 * for every option code from 256. Returns 0, or the usage error's status. */
static int check_value(int c, const char *arg, const struct option *longopts, int repeatable,
                       unsigned char *seen, size_t n_seen)
{
    const char *name = NULL;
    int has_arg = 0;
    for (const struct option *lo = longopts; lo->name; lo++)
        if (lo->val == c) {
            name = lo->name;
            has_arg = lo->has_arg == required_argument;
            break;
        }
    if (!name || !has_arg)
        return 0;
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", name);
    if (!arg[0])
        return usage_error("%s needs a value, not an empty string", opt);
    if (c != repeatable && c >= 256 && (size_t)(c - 256) < n_seen) {
        if (seen[c - 256]) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s is given twice; give it once", opt);
            return usage_error("%s", msg);
        }
        seen[c - 256] = 1;
    }
    return 0;
}

/* A file named by an option exists and is not a folder. GDAL sources that are no file
 * ("PG:...", "/vsizip/...") are left to GDAL. */
static int check_file(const char *option, const char *path, int gdal_source)
{
    struct stat sb;
    if (gdal_source && (strchr(path, ':') || strncmp(path, "/vsi", 4) == 0))
        return 0;
    if (stat(path, &sb) != 0) {
        char msg[4200];
        if (gdal_source && errno == ENOENT)
            snprintf(msg, sizeof msg, "%s: no such file (check the path; %s takes any OGR source)", path, option);
        else
            snprintf(msg, sizeof msg, "%s%s%s: %s (check the path)", option ? option : "", option ? " " : "", path,
                     strerror(errno));
        return usage_error("%s", msg);
    }
    if (S_ISDIR(sb.st_mode) && !gdal_source) {
        char msg[4200];
        snprintf(msg, sizeof msg, "%s%s%s is a folder; give a file", option ? option : "", option ? " " : "",
                 path);
        return usage_error("%s", msg);
    }
    return 0;
}

/* Everything about the shared options that can be known without reading an input:
 * encodings and CRSs by name, and that the named files exist. */
static int check_session_options(const nv_session_options *o)
{
    nv_error err = {0};
    nv_text_encoding enc;
    int rc;
    if (o->offices.encoding && !nv_text_encoding_from_name(o->offices.encoding, &enc))
        return usage_error("--encoding '%s': unknown encoding; give UTF-8 or CP1252 (also WINDOWS-1252, "
                           "LATIN1, ISO-8859-1)", o->offices.encoding);
    if (o->boundaries.encoding && !nv_text_encoding_from_name(o->boundaries.encoding, &enc))
        return usage_error("--boundaries-encoding '%s': unknown encoding; give UTF-8 or CP1252 (also "
                           "WINDOWS-1252, LATIN1, ISO-8859-1)", o->boundaries.encoding);
    const struct { const char *option, *crs; int analysis; } crss[] = {
        {"--crs", o->boundaries.analysis_crs, 1},
        {"--boundaries-crs", o->boundaries.source_crs, 0},
        {"--offices-crs", o->offices.xy_crs, 0},
        {"--population-crs", o->population.crs, 0},
    };
    for (size_t i = 0; i < sizeof crss / sizeof *crss; i++)
        if (crss[i].crs && nv_boundaries_check_crs(crss[i].option, crss[i].crs, crss[i].analysis, &err) != NV_OK)
            return report_failure(err.code, &err, NULL);
    if (o->boundaries.source && (rc = check_file("--boundaries", o->boundaries.source, 1)) != 0)
        return rc;
    if (o->population.source && strcmp(o->population.source, "-") != 0 &&
        (rc = check_file("--population", o->population.source, 1)) != 0)
        return rc;
    return 0;
}

/* The result folder of analyze and compare, checked before any work. */
static int check_out_dir(const char *dir)
{
    nv_error err = {0};
    if (nv_outdir_check(dir, &err) != NV_OK) {
        char msg[4096];
        nv_error_format(&err, msg, sizeof msg);
        return usage_error("%s", msg);
    }
    return 0;
}

/* Handles an option of OUTPUT_LONGOPTS; returns 1 if c was one. *rc is set when its
 * value is bad. */
static int output_option(int c, const char *arg, nv_session_options *o, int *rc)
{
    switch (c) {
    case OPT_NO_XLSX: o->no_xlsx = 1; return 1;
    case OPT_DB_FORMAT:
        if (strcmp(arg, "sqlite") == 0 || strcmp(arg, "spatialite") == 0)
            o->db_format = NV_DB_SQLITE;
        else if (strcmp(arg, "gpkg") == 0 || strcmp(arg, "geopackage") == 0)
            o->db_format = NV_DB_GPKG;
        else
            *rc = usage_error("--db-format '%s': give sqlite (SpatiaLite) or gpkg (GeoPackage)", arg);
        return 1;
    case OPT_POSTGIS: o->postgis = arg; return 1;
    default: return 0;
    }
}

/* The getopt cases every command ends with: bad options and values. */
static int option_error(int c, char **argv)
{
    if (c == ':')
        return usage_error("option '%s' needs a value", argv[optind - 1]);
    return usage_error("unknown option '%s'", argv[optind - 1]);
}

static void print_diags(const nv_diags *d, int quiet)
{
    size_t warnings = 0;
    for (size_t i = 0; i < nv_diags_count(d); i++) {
        const nv_diag *g = nv_diags_get(d, i);
        if (g->severity == NV_WARNING) {
            warnings++;
            if (quiet || warnings > 20)
                continue;
        }
        char where[1200] = "";
        if (g->path && g->line > 0)
            snprintf(where, sizeof where, "%s:%ld: ", g->path, g->line);
        else if (g->path)
            snprintf(where, sizeof where, "%s: ", g->path);
        fprintf(stderr, "narvaro: %s%s%s\n", where, g->severity == NV_WARNING ? "warning: " : "", g->message);
    }
    if (!quiet && warnings > 20)
        fprintf(stderr, "narvaro: ... and %zu more warnings (offices.csv notes each one)\n",
                warnings - 20);
}

/* Prints a failed run's error; returns its status. */
static int report_failure(nv_status st, const nv_error *err, const char *out_dir)
{
    char msg[4096];
    nv_error_format(err, msg, sizeof msg);
    fprintf(stderr, "narvaro: %s\n", msg);
    if (st == NV_ERR_INPUT && out_dir)
        fprintf(stderr, "narvaro: nothing was written to %s\n", out_dir);
    return st;
}

/* People as every file writes them (3, 1.5), "-" where there is no figure: nothing
 * narvaro prints is "nan". */
static const char *people(double v, char *buf, size_t size)
{
    if (!isfinite(v))
        return "-";
    nv_report_format_people(v, buf, size);
    return buf;
}

/* A distance in km with one decimal, "-" where there is none. */
static const char *km1(double v, char *buf, size_t size)
{
    if (!isfinite(v))
        return "-";
    snprintf(buf, size, "%.1f", v);
    return buf;
}

static void print_population(const nv_run_summary *t)
{
    char b[64];
    if (!(t->pop.population == t->pop.population)) /* NAN: no figures */
        return;
    printf("%s people%s", people(t->pop.population, b, sizeof b),
           t->population_municipal ? " (municipal totals at representative points)" : "");
    for (size_t r = 0; r < t->radii.n && t->pop.population > 0; r++)
        if (isfinite(t->pop.within[r]))
            printf("%s%.1f%% within %g km", r ? ", " : ": ", 100 * t->pop.within[r] / t->pop.population,
                   t->radii.km[r]);
    printf("%s\n", t->pop.population > 0 ? " of an office" : "");
    if (t->population_points_far)
        printf("%ld demand points with %s people lie far outside every municipality and count in no figure\n",
               t->population_points_far, people(t->population_far, b, sizeof b));
}

/* Where --postgis put a run. */
static void print_pg(const nv_pg_outcome *pg, const char *which)
{
    if (!pg->run_id)
        return;
    if (pg->already)
        printf("PostGIS: %s%sis already there as run %ld (same manifest digest): not written again\n",
               which ? which : "the run", " ", pg->run_id);
    else
        printf("PostGIS: %s written as run %ld (narvaro.runs)\n", which ? which : "the run", pg->run_id);
}

static int cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        INPUT_LONGOPTS,
        OUTPUT_LONGOPTS,
        {"offices", required_argument, NULL, OPT_OFFICES},
        {"out", required_argument, NULL, OPT_OUT},
        {"no-maps", no_argument, NULL, OPT_NO_MAPS},
        {"tables-only", no_argument, NULL, OPT_TABLES_ONLY},
        {NULL, 0, NULL, 0}};
    nv_analyze_options o;
    memset(&o, 0, sizeof o);
    o.session.snap_km = 2.0;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int quiet = 0, c, rc = 0;
    if (!files)
        return NV_ERR_FAIL;
    optind = 1;
    opterr = 0; /* our own messages, prefixed like every other */
    unsigned char seen[64] = {0};
    while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (optarg && (rc = check_value(c, optarg, longopts, OPT_OFFICES, seen, sizeof seen)) != 0)
            goto done;
        if (input_option(c, optarg, &o.session, &rc) || output_option(c, optarg, &o.session, &rc)) {
            if (rc)
                goto done;
            continue;
        }
        switch (c) {
        case OPT_OFFICES: files[o.n_office_files++] = optarg; break;
        case OPT_OUT: o.out_dir = optarg; break;
        case OPT_NO_MAPS: o.session.no_maps = 1; break;
        case OPT_TABLES_ONLY: o.session.tables_only = 1; break;
        case 'q': quiet = 1; break;
        case 'h': printf(ANALYZE_HELP, nv_analyze_data_dir(), INPUT_HELP, OUTPUT_HELP); goto done;
        default: rc = option_error(c, argv); goto done;
        }
    }
    if (optind < argc) {
        rc = usage_error("unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (!o.out_dir) {
        rc = usage_error("%sno output folder: give one with --out DIR", "");
        goto done;
    }
    o.office_files = files;
    for (size_t i = 0; i < o.n_office_files; i++)
        if ((rc = check_file("--offices", files[i], 0)) != 0)
            goto done;
    if ((rc = check_session_options(&o.session)) != 0 || (rc = check_out_dir(o.out_dir)) != 0)
        goto done;

    nv_diags *diags = nv_diags_create();
    nv_error err = {0};
    nv_run_summary t;
    nv_pg_outcome pg = {0, 0};
    nv_status st = nv_analyze_run(&o, &t, &pg, diags, &err);
    print_diags(diags, quiet);
    nv_diags_destroy(diags);
    if (st != NV_OK) {
        rc = report_failure(st, &err, o.out_dir);
        goto done;
    }
    if (!quiet) {
        if (t.locations > t.offices)
            printf("%d municipalities, %d offices and %d other locations: %d with an office, %d more with "
                   "other presence, %d without any\n",
                   t.municipalities, t.offices, t.locations - t.offices, t.with_office,
                   t.with_presence - t.with_office, t.without_presence);
        else
            printf("%d municipalities, %d offices: %d municipalities with an office, %d without\n",
                   t.municipalities, t.offices, t.with_office, t.without_office);
        print_population(&t);
        if (t.offices_snapped || t.offices_rejected)
            printf("%d offices snapped to the nearest municipality, %d rejected (see offices.csv)\n",
                   t.offices_snapped, t.offices_rejected);
        printf("results in %s/\n", o.out_dir);
        print_pg(&pg, NULL);
    }
done:
    free(files);
    return rc;
}

/* ---- narvaro compare ---- */

/* Prints s left-aligned in width characters: printf counts bytes, å is two. */
static void print_padded(const char *s, int width)
{
    int chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    printf("%s%*s", s, chars < width ? width - chars : 0, "");
}

static int cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        INPUT_LONGOPTS,
        OUTPUT_LONGOPTS,
        {"out", required_argument, NULL, OPT_OUT},
        {"no-maps", no_argument, NULL, OPT_NO_MAPS},
        {"top", required_argument, NULL, OPT_TOP},
        {NULL, 0, NULL, 0}};
    nv_session_options so;
    memset(&so, 0, sizeof so);
    so.snap_km = 2.0;
    const char *out_dir = NULL;
    int quiet = 0, c, rc = 0;
    long top = 10;
    optind = 1;
    opterr = 0;
    unsigned char seen[64] = {0};
    while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (optarg && (rc = check_value(c, optarg, longopts, 0, seen, sizeof seen)) != 0)
            return rc;
        if (input_option(c, optarg, &so, &rc) || output_option(c, optarg, &so, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        switch (c) {
        case OPT_OUT: out_dir = optarg; break;
        case OPT_NO_MAPS: so.no_maps = 1; break;
        case OPT_TOP:
            if ((top = parse_count(optarg, 0, 1000000)) < 0)
                return usage_error("--top '%s': give a number of rows", optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h': printf(COMPARE_HELP, INPUT_HELP, OUTPUT_HELP); return 0;
        default: return option_error(c, argv);
        }
    }
    if (argc - optind != 2)
        return usage_error("%sgive two plans: narvaro compare BASE.csv PLAN.csv --out DIR", "");
    if (!out_dir)
        return usage_error("%sno output folder: give one with --out DIR", "");
    const char *base = argv[optind], *plan = argv[optind + 1];
    if ((rc = check_file(NULL, base, 0)) != 0 || (rc = check_file(NULL, plan, 0)) != 0 ||
        (rc = check_session_options(&so)) != 0 || (rc = check_out_dir(out_dir)) != 0)
        return rc;

    nv_diags *diags = nv_diags_create();
    nv_error err = {0};
    nv_session *s = NULL;
    nv_evaluation *before = NULL, *after = NULL;
    char *tmp = NULL;
    nv_change *changes = NULL;
    size_t *ranking = NULL, n_ranked = 0;
    nv_compare_totals t;
    nv_status st = nv_session_open(&so, &s, diags, &err);
    if (st == NV_OK)
        st = nv_session_evaluate(s, &base, 1, NULL, &before, diags, &err);
    if (st == NV_OK)
        st = nv_session_evaluate(s, &plan, 1, NULL, &after, diags, &err);
    size_t nm = 0;
    if (st == NV_OK) {
        nv_coverage_municipalities(nv_evaluation_coverage(after), &nm);
        changes = calloc(nm ? nm : 1, sizeof *changes);
        ranking = calloc(nm ? nm : 1, sizeof *ranking);
        if (!changes || !ranking)
            st = nv_error_set(&err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    if (st == NV_OK && !(tmp = nv_outdir_temp_beside(out_dir)))
        st = nv_error_set(&err, NV_ERR_FAIL, out_dir, 0, "cannot create a working folder beside it: %s", strerror(errno));
    if (st == NV_OK)
        st = nv_compare_write(s, before, after, tmp, &t, changes, ranking, &n_ranked, &err);
    if (st == NV_OK)
        st = nv_outdir_publish(tmp, out_dir, &err);
    nv_pg_outcome pg_before = {0, 0}, pg_after = {0, 0};
    if (st == NV_OK && (st = nv_evaluation_store_pg(s, before, &pg_before, &err)) == NV_OK)
        st = nv_evaluation_store_pg(s, after, &pg_after, &err);
    print_diags(diags, quiet);
    if (st != NV_OK) {
        rc = report_failure(st, &err, out_dir);
    } else if (!quiet) {
        const nv_run_summary *b = nv_evaluation_summary(before), *a = nv_evaluation_summary(after);
        nv_radii radii;
        nv_session_radii(s, &radii);
        printf("%s -> %s\n", base, plan);
        printf("municipalities with an office: %d -> %d; %d lose their presence, %d gain one; "
               "the nearest office is farther in %d, nearer in %d\n",
               b->with_office, a->with_office, t.losing_presence, t.gaining_presence, t.longer, t.shorter);
        char pb[64], kb[32], ka[32];
        if (b->pop.population == b->pop.population) {
            printf("people moving beyond");
            for (size_t r = 0; r < radii.n; r++)
                printf("%s %g km: %s", r ? ";" : "", radii.km[r], people(t.beyond_added[r], pb, sizeof pb));
            printf(" (and within: ");
            for (size_t r = 0; r < radii.n; r++)
                printf("%s%s", r ? ", " : "", people(t.within_added[r], pb, sizeof pb));
            printf(")\n");
        }
        if (n_ranked && top > 0) {
            printf("heaviest losses (people x km added to their trip to the nearest office):\n");
            for (size_t k = 0; k < n_ranked && (long)k < top; k++) {
                const nv_change *ch = &changes[ranking[k]];
                printf("%4zu  %s ", k + 1, ch->after->kommunkod);
                print_padded(ch->after->namn, 22);
                printf(" %-15s %8s -> %6s km  %9s people  %+12.0f person-km\n", nv_change_class_name(ch->cls),
                       km1(ch->before->nearest_office_km, kb, sizeof kb),
                       km1(ch->after->nearest_office_km, ka, sizeof ka),
                       people(ch->after->pop.population, pb, sizeof pb),
                       isfinite(ch->person_km_added) ? ch->person_km_added : 0.0);
            }
        }
        printf("results in %s/ (changes.csv, ranking.csv, summary.json, compare.%s%s, before/, after/)\n",
               out_dir, nv_store_format_ext(so.db_format), so.no_maps ? "" : ", maps/");
        print_pg(&pg_before, "the base plan");
        print_pg(&pg_after, "the new plan");
    }
    if (tmp) {
        struct stat sb;
        if (stat(tmp, &sb) == 0)
            nv_outdir_remove_tree(tmp);
        free(tmp);
    }
    free(changes);
    free(ranking);
    nv_evaluation_destroy(before);
    nv_evaluation_destroy(after);
    nv_session_close(s);
    nv_diags_destroy(diags);
    return rc;
}

/* ---- narvaro batch ---- */

typedef struct progress_bar {
    double last;      /* when it was last drawn (s) */
    int drawn;
} progress_bar;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* At most ten times a second, and always at the end. */
static void draw_progress(size_t done, size_t total, void *user)
{
    progress_bar *p = user;
    double t = now_s();
    if (done < total && t - p->last < 0.1)
        return;
    p->last = t;
    p->drawn = 1;
    int width = 30, fill = total ? (int)(width * done / total) : width;
    fprintf(stderr, "\rnarvaro: [%.*s%*s] %zu/%zu plans", fill, "##############################", width - fill, "",
            done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static int cmd_batch(int argc, char **argv)
{
    static const struct option longopts[] = {
        INPUT_LONGOPTS,
        OUTPUT_LONGOPTS,
        {"out", required_argument, NULL, OPT_OUT},
        {"no-maps", no_argument, NULL, OPT_NO_MAPS},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"force", no_argument, NULL, OPT_FORCE},
        {"tables-only", no_argument, NULL, OPT_TABLES_ONLY},
        {NULL, 0, NULL, 0}};
    nv_session_options so;
    memset(&so, 0, sizeof so);
    so.snap_km = 2.0;
    nv_batch_options bo;
    memset(&bo, 0, sizeof bo);
    int quiet = 0, c, rc = 0;
    optind = 1;
    opterr = 0;
    unsigned char seen[64] = {0};
    while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (optarg && (rc = check_value(c, optarg, longopts, 0, seen, sizeof seen)) != 0)
            return rc;
        if (input_option(c, optarg, &so, &rc) || output_option(c, optarg, &so, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        switch (c) {
        case OPT_OUT: bo.out_dir = optarg; break;
        case OPT_NO_MAPS: so.no_maps = 1; break;
        case OPT_TABLES_ONLY: so.tables_only = 1; break;
        case OPT_FORCE: bo.force = 1; break;
        case OPT_JOBS: {
            long n = parse_count(optarg, 0, 64);
            if (n < 0)
                return usage_error("--jobs '%s': give a number of plans at once (1 to 64, 0 for one per core)",
                                   optarg);
            bo.jobs = (int)n;
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': printf(BATCH_HELP, INPUT_HELP, OUTPUT_HELP); return 0;
        default: return option_error(c, argv);
        }
    }
    if (argc - optind != 1)
        return usage_error("%sgive one folder of plans: narvaro batch PLANS_DIR --out DIR", "");
    if (!bo.out_dir)
        return usage_error("%sno output folder: give one with --out DIR", "");
    bo.plans_dir = argv[optind];
    struct stat plans_sb;
    int found = bo.plans_dir[0] && stat(bo.plans_dir, &plans_sb) == 0;
    if (!found || !S_ISDIR(plans_sb.st_mode)) {
        char msg[4200];
        snprintf(msg, sizeof msg, "'%s': %s (give the folder that holds the plans)", bo.plans_dir,
                 !bo.plans_dir[0] ? "an empty path" : !found ? strerror(errno) : "not a folder");
        return usage_error("%s", msg);
    }
    if ((rc = check_session_options(&so)) != 0)
        return rc;
    progress_bar bar = {0, 0};
    if (!quiet && isatty(STDERR_FILENO)) {
        bo.progress = draw_progress;
        bo.user = &bar;
    }
    nv_diags *diags = nv_diags_create();
    nv_error err = {0};
    nv_session *s = NULL;
    nv_batch_totals t = {0, 0, 0, 0, 0, 0};
    nv_status st = nv_session_open(&so, &s, diags, &err);
    if (st == NV_OK)
        st = nv_batch_run(s, &bo, &t, diags, &err);
    print_diags(diags, quiet);
    if (st != NV_OK) {
        char msg[4096];
        nv_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "narvaro: %s\n", msg);
        rc = st;
    }
    if (!quiet && t.plans)
        printf("%zu plans: %zu done, %zu skipped (inputs unchanged), %zu failed; plans.csv in %s/\n", t.plans,
               t.done, t.skipped, t.failed, bo.out_dir);
    if (!quiet && so.postgis && t.plans)
        printf("PostGIS: %zu runs written, %zu already there (same manifest digest): not written again\n",
               t.pg_written, t.pg_already);
    nv_session_close(s);
    nv_diags_destroy(diags);
    return rc;
}

/* ---- narvaro render ---- */

static const char RENDER_HELP[] =
    "Usage: narvaro render --db FILE [--map SPEC] --out FILE [OPTIONS]\n"
    "\n"
    "Draws a map of a finished run from its narvaro.sqlite, without recomputing\n"
    "anything. The extension of --out picks the format: .png, .svg or .pdf.\n"
    "\n"
    "Input:\n"
    "  --db FILE             narvaro.sqlite of a run (narvaro analyze --out DIR writes\n"
    "                        DIR/narvaro.sqlite)\n"
    "  --map SPEC            a map of the maps folder by name (presence, distance, ...)\n"
    "                        or the path of a .map file (default: presence); maps\n"
    "                        folder: $NARVARO_MAPS, default %s\n"
    "  --breaks-from FILE    another run's narvaro.sqlite whose values join the\n"
    "                        quantile or jenks class breaks (repeatable), so that maps\n"
    "                        of several plans share their classes\n"
    "\n"
    "Output:\n"
    "  --out FILE            the map, FILE.png, FILE.svg or FILE.pdf; with --by-county\n"
    "                        a folder (created if missing)\n"
    "  --by-county           one map per county, zoomed to it, with municipality names,\n"
    "                        as FOLDER/MAP-LANSKOD.png (presence-01.png ...); all share\n"
    "                        the national class breaks\n"
    "  --format FMT          png, svg or pdf: format of the --by-county maps (default png)\n"
    "  --info                also write a .json beside each map: its size, the transform\n"
    "                        from CRS metres to the map, the legend's classes, colours\n"
    "                        and counts\n"
    "\n"
    "Appearance (overrides the map spec):\n"
    "  --lang L              sv or en\n"
    "  --breaks B            fixed, quantile or jenks (Fisher's natural breaks), for\n"
    "                        distance maps\n"
    "  --paper P             a4 or a3, portrait\n"
    "  --dpi N               resolution of a PNG (the spec's default: 150)\n"
    "  --width PX, --height PX\n"
    "                        size of a PNG in pixels; one is enough, the other follows\n"
    "                        the paper's shape (both: the page takes their shape)\n"
    "\n"
    "  -q, --quiet           no summary line\n"
    "  -h, --help            this help\n"
    "\n"
    "The source line on the map carries today's date (UTC), or that of\n"
    "$SOURCE_DATE_EPOCH when set. Text is set in DejaVu Sans (fonts-dejavu-core).\n"
    "Exit status: 0 success, 2 bad input (file:line: what is wrong (hint)), 1 other failure.\n";

enum {
    ROPT_DB = 256, ROPT_MAP, ROPT_OUT, ROPT_BY_COUNTY, ROPT_FORMAT, ROPT_INFO, ROPT_BREAKS_FROM,
    ROPT_LANG, ROPT_BREAKS, ROPT_PAPER, ROPT_DPI, ROPT_WIDTH, ROPT_HEIGHT
};

static int render_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "narvaro: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see narvaro render --help)\n");
    return NV_ERR_INPUT;
}

static int report_error(const nv_error *err, nv_status st)
{
    char msg[4096];
    nv_error_format(err, msg, sizeof msg);
    fprintf(stderr, "narvaro: %s\n", msg);
    return st;
}

/* A whole number of pixels from 100 to 20000; 0 if arg is not one. */
static int parse_pixels(const char *arg)
{
    char *end;
    long v = strtol(arg, &end, 10);
    return end != arg && !*end && v >= 100 && v <= 20000 ? (int)v : 0;
}

static int cmd_render(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, ROPT_DB},
        {"map", required_argument, NULL, ROPT_MAP},
        {"out", required_argument, NULL, ROPT_OUT},
        {"by-county", no_argument, NULL, ROPT_BY_COUNTY},
        {"format", required_argument, NULL, ROPT_FORMAT},
        {"info", no_argument, NULL, ROPT_INFO},
        {"breaks-from", required_argument, NULL, ROPT_BREAKS_FROM},
        {"lang", required_argument, NULL, ROPT_LANG},
        {"breaks", required_argument, NULL, ROPT_BREAKS},
        {"paper", required_argument, NULL, ROPT_PAPER},
        {"dpi", required_argument, NULL, ROPT_DPI},
        {"width", required_argument, NULL, ROPT_WIDTH},
        {"height", required_argument, NULL, ROPT_HEIGHT},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = NULL, *map = "presence", *out = NULL, *format = NULL;
    int by_county = 0, want_info = 0, quiet = 0, c, rc = 0;
    nv_render_options o;
    nv_render_options_init(&o);
    const char **pool_paths = calloc((size_t)argc + 1, sizeof *pool_paths);
    nv_map_data **pool = calloc((size_t)argc + 1, sizeof *pool);
    size_t n_pool = 0;
    nv_mapspec *spec = NULL;
    nv_map_data *d = NULL;
    char *info_path = NULL;
    if (!pool_paths || !pool) {
        rc = NV_ERR_FAIL;
        goto done;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        nv_lang lang;
        nv_breaks breaks;
        nv_paper paper;
        char *end;
        switch (c) {
        case ROPT_DB: db = optarg; break;
        case ROPT_MAP: map = optarg; break;
        case ROPT_OUT: out = optarg; break;
        case ROPT_BY_COUNTY: by_county = 1; break;
        case ROPT_FORMAT: format = optarg; break;
        case ROPT_INFO: want_info = 1; break;
        case ROPT_BREAKS_FROM: pool_paths[n_pool++] = optarg; break;
        case ROPT_LANG:
            if (nv_mapspec_parse_lang(optarg, &lang) != 0) {
                rc = render_usage("--lang '%s': give sv or en", optarg);
                goto done;
            }
            o.lang = (int)lang;
            break;
        case ROPT_BREAKS:
            if (nv_mapspec_parse_breaks(optarg, &breaks) != 0) {
                rc = render_usage("--breaks '%s': give fixed, quantile or jenks", optarg);
                goto done;
            }
            o.breaks = (int)breaks;
            break;
        case ROPT_PAPER:
            if (nv_mapspec_parse_paper(optarg, &paper) != 0) {
                rc = render_usage("--paper '%s': give a4 or a3", optarg);
                goto done;
            }
            o.paper = (int)paper;
            break;
        case ROPT_DPI:
            o.dpi = strtod(optarg, &end);
            if (end == optarg || *end || !(o.dpi >= 36 && o.dpi <= 1200)) {
                rc = render_usage("--dpi '%s': give a resolution from 36 to 1200", optarg);
                goto done;
            }
            break;
        case ROPT_WIDTH:
        case ROPT_HEIGHT:
            if (!(*(c == ROPT_WIDTH ? &o.width_px : &o.height_px) = parse_pixels(optarg))) {
                rc = render_usage(c == ROPT_WIDTH ? "--width '%s': give pixels from 100 to 20000"
                                                  : "--height '%s': give pixels from 100 to 20000", optarg);
                goto done;
            }
            break;
        case 'q': quiet = 1; break;
        case 'h': printf(RENDER_HELP, nv_mapspec_maps_dir()); goto done;
        default: rc = NV_ERR_INPUT; fprintf(stderr, "narvaro: see narvaro render --help\n"); goto done;
        }
    }
    if (optind < argc) {
        rc = render_usage("unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (!db) {
        rc = render_usage("%sno database: give the narvaro.sqlite of a run with --db FILE", "");
        goto done;
    }
    if (!out) {
        rc = render_usage("%sno output: give the map file with --out FILE.png (or .svg, .pdf)", "");
        goto done;
    }
    nv_error err = {0};
    nv_status st;
    nv_render_format fmt = NV_FORMAT_PNG;
    if (by_county && format) {
        char probe[64];
        snprintf(probe, sizeof probe, "map.%s", format);
        if (nv_render_format_from_path(probe, &fmt, &err) != NV_OK) {
            rc = render_usage("--format '%s': give png, svg or pdf", format);
            goto done;
        }
    } else if (format) {
        rc = render_usage("%s--format is for --by-county; for one map the extension of --out picks the format", "");
        goto done;
    } else if (!by_county && (st = nv_render_format_from_path(out, &fmt, &err)) != NV_OK) {
        rc = report_error(&err, st);
        goto done;
    }
    if ((st = nv_mapspec_find_and_load(NULL, map, &spec, &err)) != NV_OK ||
        (st = nv_render_load(db, &d, &err)) != NV_OK) {
        rc = report_error(&err, st);
        goto done;
    }
    for (size_t i = 0; i < n_pool; i++)
        if ((st = nv_render_load(pool_paths[i], &pool[i], &err)) != NV_OK) {
            rc = report_error(&err, st);
            goto done;
        }
    o.pool = (const nv_map_data *const *)pool;
    o.n_pool = n_pool;
    if (by_county) {
        int written = 0;
        o.info_path = want_info ? "" : NULL;
        st = nv_render_write_by_county(d, spec, &o, out, fmt, &written, &err);
        if (st != NV_OK) {
            rc = report_error(&err, st);
            goto done;
        }
        if (!quiet)
            printf("%d maps in %s/\n", written, out);
    } else {
        if (want_info) {
            const char *dot = strrchr(out, '.');
            if (asprintf(&info_path, "%.*s.json", (int)(dot - out), out) < 0) {
                info_path = NULL;
                rc = NV_ERR_FAIL;
                goto done;
            }
            o.info_path = info_path;
        }
        st = nv_render_write(d, spec, &o, out, NULL, &err);
        if (st != NV_OK) {
            rc = report_error(&err, st);
            goto done;
        }
        if (!quiet)
            printf("map in %s\n", out);
    }
done:
    for (size_t i = 0; pool && i < n_pool; i++)
        nv_render_data_destroy(pool[i]);
    free(pool);
    free(pool_paths);
    free(info_path);
    nv_render_data_destroy(d);
    nv_mapspec_destroy(spec);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(MAIN_HELP, stderr);
        return NV_ERR_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(MAIN_HELP, stdout);
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("narvaro %s\n", NV_VERSION);
        printf("GDAL %s, PROJ %s, SQLite %s, SpatiaLite %s, cairo %s, pango %s\n", nv_boundaries_gdal_version(),
               nv_boundaries_proj_version(), nv_store_sqlite_version(), nv_store_spatialite_version(),
               nv_render_cairo_version(), nv_render_pango_version());
        return 0;
    }
    command = cmd;
    if (strcmp(cmd, "analyze") == 0)
        return cmd_analyze(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "batch") == 0)
        return cmd_batch(argc - 1, argv + 1);
    if (strcmp(cmd, "render") == 0)
        return cmd_render(argc - 1, argv + 1);
    fprintf(stderr, "narvaro: unknown command '%s' (commands: analyze, compare, batch, render; see narvaro --help)\n", cmd);
    return NV_ERR_INPUT;
}
