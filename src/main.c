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
#include "report_html.h"
#include "rules.h"
#include "store.h"
#include "suggest.h"
#include "textin.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
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
    "                        with a name, lat/lon (or x/y) and optionally a kommunkod,\n"
    "                        or any OGR point layer\n"
    "                        (default $NARVARO_DATA/data/places/localities.csv)\n"
    "  --places-name-field F the gazetteer's name column (default: town, ort, tätort,\n"
    "                        locality, plats, name, namn)\n"
    "\n"
    "Attributes:\n"
    "  --attributes CSV      a table keyed by kommunkod (or lanskod) whose other columns\n"
    "                        are joined into municipalities.csv (counties.csv) and\n"
    "                        narvaro.sqlite (repeatable)\n"
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
    "($NARVARO_DATA, default %s). A plan whose rows would need more memory than\n"
    "is available is refused before it is read ($NARVARO_MAX_PLAN_ROWS: a bound in rows).\n"
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
    "       narvaro compare --base F [--base F ...] --plan F [--plan F ...] [OPTIONS] --out DIR\n"
    "\n"
    "What does PLAN change against BASE? Both plans are measured on the same boundaries\n"
    "and population; DIR gets changes.csv (every municipality whose situation changes),\n"
    "ranking.csv (those that lose, the heaviest loss first), summary.json (the totals:\n"
    "municipalities losing or gaining presence, people moving beyond each radius) and\n"
    "before/ and after/, each a complete analyze result.\n"
    "\n"
    "%s"
    "Plans:\n"
    "  --base F, --plan F    the files of each plan (repeatable: offices plus\n"
    "                        arrangements, say), instead of BASE.csv PLAN.csv\n"
    "\n"
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
    "Evaluates every plan in PLANS_DIR (each *.csv, and each subfolder of CSV files as\n"
    "one plan named after it) on the same boundaries and population:\n"
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
    "  --rule EXPR           a narvaro check rule (repeatable): plans.csv and\n"
    "                        report.html get each plan's number of violations\n"
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
    "  check       rules on a finished run: does it meet the standard? (narvaro check --help)\n"
    "  suggest     where to open offices, which to close (narvaro suggest --help)\n"
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
    OPT_PLACES, OPT_PLACES_NAME_FIELD, OPT_PRESENCE_ORDER, OPT_OFFICE_TYPES, OPT_ATTRIBUTES,
    OPT_NO_REPORT, OPT_LANG,
    /* command-specific */
    OPT_OFFICES, OPT_OUT, OPT_NO_MAPS, OPT_TOP, OPT_JOBS, OPT_FORCE, OPT_TABLES_ONLY, OPT_BASE, OPT_PLAN,
    OPT_RULE,
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
    {"attributes", required_argument, NULL, OPT_ATTRIBUTES},                  \
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

static const char *attribute_files[32]; /* --attributes, for the one command a process runs */

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
    case OPT_ATTRIBUTES:
        /* The list points into argv, which outlives every command. */
        if (o->n_attribute_files == sizeof attribute_files / sizeof *attribute_files) {
            *rc = usage_error("%s--attributes: at most 32 tables", "");
            return 1;
        }
        attribute_files[o->n_attribute_files++] = arg;
        o->attribute_files = attribute_files;
        return 1;
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
    /* Lists by nature: every --attributes table, --base and --plan file, --rule. */
    int list = c == OPT_ATTRIBUTES || c == OPT_BASE || c == OPT_PLAN || c == OPT_RULE;
    if (c != repeatable && !list && c >= 256 && (size_t)(c - 256) < n_seen) {
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
static int check_session_options(nv_session_options *o)
{
    nv_error err = {0};
    nv_text_encoding enc;
    int rc;
    /* The plan's row bound, for a machine whose free memory says too little (a container
     * that shares it): rows beyond it are refused before the plan is read. */
    const char *bound = getenv("NARVARO_MAX_PLAN_ROWS");
    if (bound && *bound) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(bound, &end, 10);
        if (*end || errno || v == 0 || bound[0] == '-')
            return usage_error("NARVARO_MAX_PLAN_ROWS='%s': give a number of rows, such as 1000000", bound);
        o->offices.max_rows = (size_t)v;
    }
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

/* The option loop every command shares: getopt_long over the command's longopts, each
 * value checked (check_value: not empty, not given twice unless it is a list or
 * repeatable), the shared input and output options stored into so (when the command has
 * them), -q counted, and bad options and missing values reported. The command's loop
 * sees only its own options and -h:
 *
 *     cli c = cli_start(argc, argv, longopts, OPT_OFFICES, &so);
 *     while ((opt = cli_next(&c)) > 0)
 *         switch (opt) { ... }
 *     if (opt < 0)
 *         return c.rc;
 */
typedef struct cli {
    int argc;
    char **argv;
    const struct option *longopts;
    int repeatable;            /* an option that may come many times (--offices), or 0 */
    nv_session_options *so;    /* NULL: the command has no input or output options */
    int quiet;                 /* -q or --quiet was given */
    int rc;                    /* cli_next returned -1: the exit status */
    unsigned char seen[256];   /* option codes 256.. given so far */
} cli;

static cli cli_start(int argc, char **argv, const struct option *longopts, int repeatable, nv_session_options *so)
{
    cli c = {.argc = argc, .argv = argv, .longopts = longopts, .repeatable = repeatable, .so = so};
    if (so)
        so->snap_km = 2.0; /* the shared options' one default that is not zero (INPUT_HELP) */
    optind = 1;
    opterr = 0; /* our own messages, prefixed like every other */
    return c;
}

/* The next option of the command's own (optarg holds its value), 0 at the end, -1 on a
 * usage error (c->rc is the exit status). */
static int cli_next(cli *c)
{
    int opt;
    while ((opt = getopt_long(c->argc, c->argv, ":qh", c->longopts, NULL)) != -1) {
        if (optarg && (c->rc = check_value(opt, optarg, c->longopts, c->repeatable, c->seen, sizeof c->seen)) != 0)
            return -1;
        if (c->so && (input_option(opt, optarg, c->so, &c->rc) || output_option(opt, optarg, c->so, &c->rc))) {
            if (c->rc)
                return -1;
            continue;
        }
        if (opt == 'q') {
            c->quiet = 1;
            continue;
        }
        if (opt == '?' || opt == ':') {
            c->rc = option_error(opt, c->argv);
            return -1;
        }
        return opt;
    }
    return 0;
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
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int quiet = 0, c, rc = 0;
    if (!files)
        return NV_ERR_FAIL;
    cli cl = cli_start(argc, argv, longopts, OPT_OFFICES, &o.session);
    while ((c = cli_next(&cl)) > 0) {
        switch (c) {
        case OPT_OFFICES: files[o.n_office_files++] = optarg; break;
        case OPT_OUT: o.out_dir = optarg; break;
        case OPT_NO_MAPS: o.session.no_maps = 1; break;
        case OPT_TABLES_ONLY: o.session.tables_only = 1; break;
        case 'h': printf(ANALYZE_HELP, nv_analyze_data_dir(), INPUT_HELP, OUTPUT_HELP); goto done;
        default: rc = option_error(c, argv); goto done;
        }
    }
    if (c < 0) {
        rc = cl.rc;
        goto done;
    }
    quiet = cl.quiet;
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
        {"base", required_argument, NULL, OPT_BASE},
        {"plan", required_argument, NULL, OPT_PLAN},
        {NULL, 0, NULL, 0}};
    nv_session_options so;
    memset(&so, 0, sizeof so);
    const char *out_dir = NULL;
    int quiet = 0, c, rc = 0;
    long top = 10;
    /* argv outlives these: the arrays only point into it. */
    const char *base_files[64], *plan_files[64];
    size_t n_base = 0, n_plan = 0;
    cli cl = cli_start(argc, argv, longopts, 0, &so);
    while ((c = cli_next(&cl)) > 0) {
        switch (c) {
        case OPT_OUT: out_dir = optarg; break;
        case OPT_NO_MAPS: so.no_maps = 1; break;
        case OPT_BASE:
        case OPT_PLAN:
            if ((c == OPT_BASE ? n_base : n_plan) == 64)
                return usage_error("%s: at most 64 files per plan", c == OPT_BASE ? "--base" : "--plan");
            if (c == OPT_BASE)
                base_files[n_base++] = optarg;
            else
                plan_files[n_plan++] = optarg;
            break;
        case OPT_TOP:
            if ((top = parse_count(optarg, 0, 1000000)) < 0)
                return usage_error("--top '%s': give a number of rows", optarg);
            break;
        case 'h': printf(COMPARE_HELP, INPUT_HELP, OUTPUT_HELP); return 0;
        default: return option_error(c, argv);
        }
    }
    if (c < 0)
        return cl.rc;
    quiet = cl.quiet;
    if (n_base || n_plan) {
        if (!n_base || !n_plan || argc - optind != 0)
            return usage_error("%sgive both plans as --base F ... --plan F ... (or as BASE.csv PLAN.csv, not both)",
                               "");
    } else if (argc - optind != 2) {
        return usage_error("%sgive two plans: narvaro compare BASE.csv PLAN.csv --out DIR (or --base F --plan F)",
                           "");
    } else {
        base_files[n_base++] = argv[optind];
        plan_files[n_plan++] = argv[optind + 1];
    }
    if (!out_dir)
        return usage_error("%sno output folder: give one with --out DIR", "");
    const char *base = base_files[0], *plan = plan_files[0];
    for (size_t i = 0; i < n_base && rc == 0; i++)
        rc = check_file(NULL, base_files[i], 0);
    for (size_t i = 0; i < n_plan && rc == 0; i++)
        rc = check_file(NULL, plan_files[i], 0);
    if (rc != 0 || (rc = check_session_options(&so)) != 0 || (rc = check_out_dir(out_dir)) != 0)
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
        st = nv_session_evaluate(s, base_files, n_base, NULL, &before, diags, &err);
    if (st == NV_OK)
        st = nv_session_evaluate(s, plan_files, n_plan, NULL, &after, diags, &err);
    size_t nm = 0;
    if (st == NV_OK) {
        nv_coverage_municipalities(nv_evaluation_coverage(after), &nm);
        changes = calloc(nm ? nm : 1, sizeof *changes);
        ranking = calloc(nm ? nm : 1, sizeof *ranking);
        if (!changes || !ranking)
            st = nv_error_set(&err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    if (st == NV_OK)
        nv_outdir_remove_stale(out_dir);
    if (st == NV_OK && !(tmp = nv_outdir_temp_beside(out_dir)))
        st = nv_error_set(&err, NV_ERR_FAIL, out_dir, 0, "cannot create a working folder beside it: %s", strerror(errno));
    if (st == NV_OK && (st = nv_compare_write(s, before, after, tmp, &t, changes, ranking, &n_ranked, &err)) != NV_OK)
        nv_outdir_name_destination(&err, tmp, out_dir);
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
        printf("%s%s -> %s%s\n", base, n_base > 1 ? " (+ more files)" : "", plan, n_plan > 1 ? " (+ more files)" : "");
        printf("municipalities with an office: %d -> %d; %d lose their presence, %d gain one; "
               "the nearest office is farther in %d, nearer in %d\n",
               b->with_office, a->with_office, t.losing_presence, t.gaining_presence, t.longer, t.shorter);
        char pb[64], kb[32], ka[32];
        if (b->locations > b->offices || a->locations > a->offices)
            printf("municipalities with presence of any kind: %d -> %d\n", b->with_presence, a->with_presence);
        if (t.n_tier_changes) {
            printf("presence tier lower in %d, higher in %d:", t.lower_tier, t.higher_tier);
            for (size_t k = 0; k < t.n_tier_changes && k < 6; k++)
                printf("%s %d %s -> %s", k ? "," : "", t.tier_changes[k].count, t.tier_changes[k].from,
                       t.tier_changes[k].to);
            printf("%s\n", t.n_tier_changes > 6 ? ", ... (summary.json lists all)" : "");
        }
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
        {"rule", required_argument, NULL, OPT_RULE},
        {NULL, 0, NULL, 0}};
    nv_session_options so;
    memset(&so, 0, sizeof so);
    nv_batch_options bo;
    memset(&bo, 0, sizeof bo);
    const char *rules[64];
    int quiet = 0, c, rc = 0;
    cli cl = cli_start(argc, argv, longopts, 0, &so);
    while ((c = cli_next(&cl)) > 0) {
        switch (c) {
        case OPT_OUT: bo.out_dir = optarg; break;
        case OPT_NO_MAPS: so.no_maps = 1; break;
        case OPT_TABLES_ONLY: so.tables_only = 1; break;
        case OPT_FORCE: bo.force = 1; break;
        case OPT_RULE:
            if (bo.n_rules == 64)
                return usage_error("%s--rule: at most 64 rules", "");
            rules[bo.n_rules++] = optarg;
            bo.rules = rules;
            break;
        case OPT_JOBS: {
            long n = parse_count(optarg, 0, 64);
            if (n < 0)
                return usage_error("--jobs '%s': give a number of plans at once (1 to 64, 0 for one per core)",
                                   optarg);
            bo.jobs = (int)n;
            break;
        }
        case 'h': printf(BATCH_HELP, INPUT_HELP, OUTPUT_HELP); return 0;
        default: return option_error(c, argv);
        }
    }
    if (c < 0)
        return cl.rc;
    quiet = cl.quiet;
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

/* ---- narvaro suggest ---- */

static const char SUGGEST_HELP[] =
    "Usage: narvaro suggest (--add K --radius-km R | --close K --radius-km R | --cover R)\n"
    "                       [OPTIONS] --out DIR\n"
    "\n"
    "Where should the next offices go, which could close? Solves the problem exactly with\n"
    "GLPK where the time limit allows, warm-started by greedy plus swap search, and always\n"
    "reports the bound and the gap. The plan is the one of --offices (default: the 2020\n"
    "plan), measured on the boundaries and population of analyze.\n"
    "\n"
    "Problem:\n"
    "  --add K               open K new sites, keeping every office, to reach the most\n"
    "                        people within --radius-km (maximal covering)\n"
    "  --close K             close K of the plan's offices, losing the fewest people\n"
    "                        within --radius-km\n"
    "  --cover R             the fewest new sites so that every demand point has a\n"
    "                        location within R km (points none can reach are listed)\n"
    "  --radius-km R         the distance for --add and --close (distance <= R counts)\n"
    "  --objective O         coverage (default), or mean-distance with --add: the\n"
    "                        lowest population-weighted mean distance to the nearest\n"
    "                        office (p-median; --radius-km then only for the figures)\n"
    "\n"
    "Sites:\n"
    "  --offices CSV         the base plan (repeatable; default: the 2020 plan)\n"
    "  --candidates SRC      where new sites may go: a CSV (lat/lon or x/y) or any OGR\n"
    "                        point layer; default: the gazetteer's localities whose point\n"
    "                        lies in the municipality they name (%s/data/places/localities.csv)\n"
    "  --candidates-layer L  layer of an OGR source with several\n"
    "  --type T              type of the new sites, an office type (default staffed)\n"
    "  --keep TYPES          --close: offices of these types stay (comma-separated)\n"
    "  --keep-ids FILE       --close: the offices with these ids stay (one id a line)\n"
    "\n"
    "Search:\n"
    "  --time-limit S        seconds for the whole search (default 30)\n"
    "  --alternatives N      other near-optimal plans, each differing in at least one\n"
    "                        site (default 3)\n"
    "\n"
    "%s"
    "Output:\n"
    "  --out DIR             suggested.csv (a plan analyze and compare take as it is),\n"
    "                        alternatives.csv, unreachable.csv, compare/ (the plan\n"
    "                        against the suggestion), maps/suggested.png, summary.json;\n"
    "                        written whole or not at all\n"
    "  --no-maps             no maps\n"
    "  -q, --quiet           no progress, warnings or totals, only errors\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 success, 2 bad input or options, 1 other failure.\n";

enum {
    SOPT_ADD = 400, SOPT_CLOSE, SOPT_COVER, SOPT_OBJECTIVE, SOPT_CANDIDATES, SOPT_CANDIDATES_LAYER, SOPT_TYPE,
    SOPT_KEEP, SOPT_KEEP_IDS, SOPT_TIME_LIMIT, SOPT_ALTERNATIVES
};

typedef struct suggest_bar {
    double last;
    int drawn;
} suggest_bar;

/* At most five times a second; the line is rewritten in place. */
static void draw_suggest_progress(const nv_suggest_progress *p, void *user)
{
    suggest_bar *b = user;
    double t = now_s();
    if (t - b->last < 0.2)
        return;
    b->last = t;
    b->drawn = 1;
    fprintf(stderr, "\rnarvaro: %-14s %6.1f s", p->stage, p->elapsed_s);
    if (isfinite(p->best))
        fprintf(stderr, "  best %.0f", p->best);
    if (isfinite(p->bound))
        fprintf(stderr, "  bound %.0f", p->bound);
    fputs("        ", stderr);
    fflush(stderr);
}

/* "a,b,c" -> a NULL-terminated array of pointers into a copy; NULL when out of memory. */
static char **split_list(const char *arg, size_t *n)
{
    char *copy = strdup(arg);
    char **v = calloc(strlen(arg) / 2 + 2, sizeof *v);
    *n = 0;
    if (!copy || !v) {
        free(copy);
        free(v);
        return NULL;
    }
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ","))
        v[(*n)++] = tok;
    if (*n == 0)
        free(copy);
    return v;
}

static int cmd_suggest(int argc, char **argv)
{
    static const struct option longopts[] = {
        INPUT_LONGOPTS,
        {"offices", required_argument, NULL, OPT_OFFICES},
        {"out", required_argument, NULL, OPT_OUT},
        {"no-maps", no_argument, NULL, OPT_NO_MAPS},
        {"add", required_argument, NULL, SOPT_ADD},
        {"close", required_argument, NULL, SOPT_CLOSE},
        {"cover", required_argument, NULL, SOPT_COVER},
        {"objective", required_argument, NULL, SOPT_OBJECTIVE},
        {"candidates", required_argument, NULL, SOPT_CANDIDATES},
        {"candidates-layer", required_argument, NULL, SOPT_CANDIDATES_LAYER},
        {"type", required_argument, NULL, SOPT_TYPE},
        {"keep", required_argument, NULL, SOPT_KEEP},
        {"keep-ids", required_argument, NULL, SOPT_KEEP_IDS},
        {"time-limit", required_argument, NULL, SOPT_TIME_LIMIT},
        {"alternatives", required_argument, NULL, SOPT_ALTERNATIVES},
        {NULL, 0, NULL, 0}};
    nv_session_options so;
    memset(&so, 0, sizeof so);
    nv_suggest_options go;
    memset(&go, 0, sizeof go);
    go.alternatives = 3;
    go.time_limit_s = 30;
    const char *out_dir = NULL, *problem = NULL;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    char **keep = NULL;
    int quiet = 0, c, rc = 0;
    long v;
    char *end;
    if (!files)
        return NV_ERR_FAIL;
    cli cl = cli_start(argc, argv, longopts, OPT_OFFICES, &so);
    while ((c = cli_next(&cl)) > 0) {
        switch (c) {
        case OPT_OFFICES: files[go.n_base_files++] = optarg; break;
        case OPT_OUT: out_dir = optarg; break;
        case OPT_NO_MAPS: so.no_maps = 1; break;
        case SOPT_ADD:
        case SOPT_CLOSE:
            if (problem) {
                rc = usage_error("%s: give one of --add, --close and --cover", c == SOPT_ADD ? "--add" : "--close");
                goto done;
            }
            problem = c == SOPT_ADD ? "--add" : "--close";
            if ((v = parse_count(optarg, 1, 1000000)) < 0) {
                rc = usage_error(c == SOPT_ADD ? "--add '%s': give the number of sites to open, 1 or more"
                                               : "--close '%s': give the number of offices to close, 1 or more",
                                 optarg);
                goto done;
            }
            go.mode = c == SOPT_ADD ? NV_SUGGEST_ADD : NV_SUGGEST_CLOSE;
            go.k = (int)v;
            break;
        case SOPT_COVER:
            if (problem) {
                rc = usage_error("%s--cover: give one of --add, --close and --cover", "");
                goto done;
            }
            problem = "--cover";
            go.mode = NV_SUGGEST_COVER;
            go.radius_km = strtod(optarg, &end);
            if (end == optarg || *end || !(go.radius_km > 0) || !isfinite(go.radius_km)) {
                rc = usage_error("--cover '%s': give a distance in km above 0, e.g. --cover 30", optarg);
                goto done;
            }
            break;
        case SOPT_OBJECTIVE:
            if (strcmp(optarg, "coverage") == 0)
                go.objective = NV_SUGGEST_COVERAGE;
            else if (strcmp(optarg, "mean-distance") == 0)
                go.objective = NV_SUGGEST_MEAN_DISTANCE;
            else {
                rc = usage_error("--objective '%s': give coverage or mean-distance", optarg);
                goto done;
            }
            break;
        case SOPT_CANDIDATES: go.candidates = optarg; break;
        case SOPT_CANDIDATES_LAYER: go.candidates_layer = optarg; break;
        case SOPT_TYPE:
            if (!*optarg) {
                rc = usage_error("%s--type: give the type of the new sites, e.g. staffed or booked", "");
                goto done;
            }
            go.type = optarg;
            break;
        case SOPT_KEEP:
            free(keep ? keep[0] : NULL);
            free(keep);
            if (!(keep = split_list(optarg, &go.n_keep_types)) || go.n_keep_types == 0) {
                rc = usage_error("--keep '%s': give office types, comma-separated, e.g. --keep staffed", optarg);
                goto done;
            }
            go.keep_types = (const char *const *)keep;
            break;
        case SOPT_KEEP_IDS: go.keep_ids = optarg; break;
        case SOPT_TIME_LIMIT:
            go.time_limit_s = strtod(optarg, &end);
            if (end == optarg || *end || !(go.time_limit_s > 0) || !(go.time_limit_s <= 86400)) {
                rc = usage_error("--time-limit '%s': give seconds above 0 (at most 86400)", optarg);
                goto done;
            }
            break;
        case SOPT_ALTERNATIVES:
            if ((v = parse_count(optarg, 0, 50)) < 0) {
                rc = usage_error("--alternatives '%s': give a number of plans from 0 to 50", optarg);
                goto done;
            }
            go.alternatives = (int)v;
            break;
        case 'h': printf(SUGGEST_HELP, nv_plan_data_dir(), INPUT_HELP); goto done;
        default: rc = option_error(c, argv); goto done;
        }
    }
    if (c < 0) {
        rc = cl.rc;
        goto done;
    }
    quiet = cl.quiet;
    if (optind < argc) {
        rc = usage_error("unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (!problem) {
        rc = usage_error("%sno problem: give --add K --radius-km R, --close K --radius-km R or --cover R", "");
        goto done;
    }
    if (go.mode == NV_SUGGEST_COVER && so.radii.n) {
        rc = usage_error("%s--cover R takes its distance itself; leave out --radius-km", "");
        goto done;
    }
    if (go.mode != NV_SUGGEST_COVER) {
        if (so.radii.n == 0 && go.objective == NV_SUGGEST_COVERAGE) {
            rc = usage_error("%s: give the distance that counts as reached with --radius-km R, e.g. --radius-km 25",
                             problem);
            goto done;
        }
        if (so.radii.n > 1) {
            rc = usage_error("%s--radius-km: give one distance for suggest", "");
            goto done;
        }
        go.radius_km = so.radii.n ? so.radii.km[0] : 25;
    }
    if ((go.n_keep_types || go.keep_ids) && go.mode != NV_SUGGEST_CLOSE) {
        rc = usage_error("%s--keep and --keep-ids go with --close", "");
        goto done;
    }
    if (go.mode != NV_SUGGEST_ADD && go.objective == NV_SUGGEST_MEAN_DISTANCE) {
        rc = usage_error("%s--objective mean-distance goes with --add K", "");
        goto done;
    }
    if (!out_dir) {
        rc = usage_error("%sno output folder: give one with --out DIR", "");
        goto done;
    }
    /* The suggestion's results count the people within the one radius it optimises. */
    so.radii = (nv_radii){1, {go.radius_km}};
    go.base_files = files;
    suggest_bar bar = {0, 0};
    if (!quiet && isatty(STDERR_FILENO)) {
        go.progress = draw_suggest_progress;
        go.user = &bar;
    }

    nv_diags *diags = nv_diags_create();
    nv_error err = {0};
    nv_session *s = NULL;
    nv_suggestion *g = NULL;
    char *tmp = NULL;
    nv_status st = nv_session_open(&so, &s, diags, &err);
    if (st == NV_OK)
        st = nv_suggest_run(s, &go, &g, diags, &err);
    if (bar.drawn)
        fputc('\n', stderr);
    if (st == NV_OK && !(tmp = nv_outdir_temp_beside(out_dir)))
        st = nv_error_set(&err, NV_ERR_FAIL, out_dir, 0, "cannot create a working folder beside it: %s",
                          strerror(errno));
    if (st == NV_OK && (st = nv_suggest_write(s, g, tmp, out_dir, diags, &err)) != NV_OK)
        nv_outdir_name_destination(&err, tmp, out_dir);
    if (st == NV_OK)
        st = nv_outdir_publish(tmp, out_dir, &err);
    print_diags(diags, quiet);
    if (st != NV_OK) {
        rc = report_failure(st, &err, out_dir);
    } else if (!quiet) {
        const nv_suggest_summary *m = nv_suggestion_summary(g);
        if (go.mode == NV_SUGGEST_COVER)
            printf("%.0f new sites put every reachable demand point within %g km (lower bound %.0f, %s)\n", m->best,
                   go.radius_km, m->bound, m->optimal ? "optimal" : "not proven optimal");
        else if (go.objective == NV_SUGGEST_MEAN_DISTANCE)
            printf("mean distance %.3f km to the nearest office (the plan: %.3f km); lower bound %.3f, gap %.4f%%, "
                   "%s, %s, %.1f s; %.0f of %.0f people within %g km\n",
                   m->mean_distance_km, m->base_mean_distance_km, m->bound, 100 * m->gap,
                   m->optimal ? "optimal" : "not proven optimal", m->method, m->solve_s, m->covered_population,
                   m->total_population, go.radius_km);
        else
            printf("%.0f of %.0f people within %g km (the plan: %.0f); upper bound %.0f, gap %.4f%%, %s, %s, %.1f s\n",
                   m->covered_population, m->total_population, go.radius_km, m->base_covered_population, m->bound,
                   100 * m->gap, m->optimal ? "optimal" : "not proven optimal", m->method, m->solve_s);
        for (size_t i = 0; i < nv_suggestion_site_count(g); i++) {
            nv_suggest_site t;
            nv_suggestion_site(g, i, &t);
            printf("  %s %-10s ", t.opened ? "open " : "close", t.id);
            print_padded(t.name[0] ? t.name : t.id, 24);
            printf(" %s ", t.kommunkod);
            print_padded(t.namn ? t.namn : "", 18);
            if (isfinite(t.mean_km))
                printf(" %7.3f km less on average\n", t.mean_km);
            else
                printf(" %9.0f people %s\n", t.people, t.opened ? "gained" : "depend on it");
        }
        if (m->unreachable_points)
            printf("%ld demand points (%.0f people) have no site within %g km (unreachable.csv)\n",
                   m->unreachable_points, m->unreachable_population, go.radius_km);
        printf("results in %s/ (suggested.csv, alternatives.csv, compare/%s, summary.json)\n", out_dir,
               so.no_maps ? "" : ", maps/suggested.png");
    }
    if (tmp) {
        struct stat sb;
        if (stat(tmp, &sb) == 0)
            nv_outdir_remove_tree(tmp);
        free(tmp);
    }
    nv_suggestion_destroy(g);
    nv_session_close(s);
    nv_diags_destroy(diags);
done:
    free(keep ? keep[0] : NULL);
    free(keep);
    free(files);
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

/* SIGINT, SIGTERM and SIGHUP go to one thread, which removes the working folders of the
 * run before the process ends as the signal says (exit status 128 + signal): an
 * interrupted run leaves nothing behind. SIGKILL cannot be caught; the next run into the
 * same folder removes what it left. */
static sigset_t stop_signals;

static void *on_stop_signal(void *arg)
{
    int sig = 0;
    (void)arg;
    if (sigwait(&stop_signals, &sig) != 0)
        return NULL;
    nv_outdir_abandon_all();
    signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);
    raise(sig);
    _exit(128 + sig);
}

/* Out of memory inside a library (std::bad_alloc in GEOS or PROJ, CPLMalloc in GDAL) would
 * abort the process: it ends here instead, with narvaro's message and exit status 1. */
static void library_failed(const char *what)
{
    char msg[1024];
    int mem = strstr(what, "memory") || strstr(what, "Memory") || strstr(what, "alloc");
    int n = snprintf(msg, sizeof msg, mem ? "narvaro: out of memory while %s (%s)\n" : "narvaro: a library failed "
                     "fatally while %s: %s\n", nv_activity(), what);
    if (n > 0 && write(STDERR_FILENO, msg, n < (int)sizeof msg ? (size_t)n : sizeof msg - 1) < 0)
        _exit(NV_ERR_FAIL);
    _exit(NV_ERR_FAIL);
}

static void catch_stop_signals(void)
{
    pthread_t t;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    /* Blocked before any other thread starts, so that every thread inherits the mask. */
    if (pthread_sigmask(SIG_BLOCK, &stop_signals, NULL) != 0)
        return;
    if (pthread_create(&t, NULL, on_stop_signal, NULL) == 0)
        pthread_detach(t);
    else
        pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);
}

/* ---- narvaro check ---- */

static const char CHECK_HELP[] =
    "Usage: narvaro check DIR --rule EXPR [--rule EXPR ...] [--rules FILE] [OPTIONS]\n"
    "\n"
    "Evaluates each rule on every row of a finished result (DIR/municipalities.csv, or\n"
    "DIR/counties.csv with --level county) and writes one row per failing row and rule to\n"
    "DIR/violations.csv, with the values of the columns the rule names. The summary of\n"
    "DIR/report.html (when the result has one) then says what the rules say.\n"
    "\n"
    "  --rule EXPR           a rule, e.g. 'presence != \"none\" or nearest_office_km <= 30'\n"
    "                        (repeatable)\n"
    "  --rules FILE          rules, one \"name: expression\" per line ('#' comments)\n"
    "  --level L             municipality (default) or county\n"
    "  --out FILE            the violations file (default DIR/violations.csv)\n"
    "  --no-report           leave DIR/report.html as it is\n"
    "  -q, --quiet           no summary lines\n"
    "  -h, --help            this help\n"
    "\n"
    "A rule: numbers, \"strings\", column names, < <= == != >= >, and or not, ( ),\n"
    "+ - * /. Tiers compare by rank, the better one greater: presence >= booked holds for\n"
    "staffed and booked. A comparison with an empty cell is false.\n"
    "\n"
    "Exit status: 0 every rule holds, 3 a rule fails somewhere, 2 bad input (a bad rule:\n"
    "its position and the known columns), 1 other failure.\n";

static int cmd_check(int argc, char **argv)
{
    enum { COPT_RULE = 256, COPT_RULES, COPT_LEVEL, COPT_OUT, COPT_NO_REPORT };
    static const struct option longopts[] = {
        {"rule", required_argument, NULL, COPT_RULE},
        {"rules", required_argument, NULL, COPT_RULES},
        {"level", required_argument, NULL, COPT_LEVEL},
        {"out", required_argument, NULL, COPT_OUT},
        {"no-report", no_argument, NULL, COPT_NO_REPORT},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char **exprs = calloc((size_t)argc + 1, sizeof *exprs), **files = calloc((size_t)argc + 1, sizeof *files);
    nv_check_options o;
    memset(&o, 0, sizeof o);
    int quiet = 0, no_report = 0, c, rc = 0;
    if (!exprs || !files) {
        rc = NV_ERR_FAIL;
        goto done;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        switch (c) {
        case COPT_RULE: exprs[o.n_exprs++] = optarg; break;
        case COPT_RULES: files[o.n_files++] = optarg; break;
        case COPT_LEVEL:
            if (strcmp(optarg, "municipality") == 0 || strcmp(optarg, "kommun") == 0)
                o.county = 0;
            else if (strcmp(optarg, "county") == 0 || strcmp(optarg, "lan") == 0 || strcmp(optarg, "län") == 0)
                o.county = 1;
            else {
                rc = usage_error("--level '%s': give municipality or county", optarg);
                goto done;
            }
            break;
        case COPT_OUT: o.out = optarg; break;
        case COPT_NO_REPORT: no_report = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(CHECK_HELP, stdout); goto done;
        default: rc = option_error(c, argv); goto done;
        }
    }
    if (argc - optind != 1) {
        rc = usage_error("%sgive one result folder: narvaro check DIR --rule EXPR", "");
        goto done;
    }
    if (o.n_exprs == 0 && o.n_files == 0) {
        rc = usage_error("%sno rules: give one with --rule EXPR or a file with --rules FILE", "");
        goto done;
    }
    o.dir = argv[optind];
    o.exprs = exprs;
    o.files = files;
    nv_error err = {0};
    nv_check_result res;
    nv_status st = nv_rules_check(&o, &res, &err);
    if (st != NV_OK) {
        rc = report_error(&err, st);
        goto done;
    }
    if (!no_report) {
        char report[4200];
        int written;
        snprintf(report, sizeof report, "%s/report.html", o.dir);
        if ((st = nv_report_html_check(report, &res, o.county, &written, &err)) != NV_OK) {
            nv_check_result_free(&res);
            rc = report_error(&err, st);
            goto done;
        }
    }
    const char *noun = o.county ? "counties" : "municipalities";
    size_t failing_rules = 0;
    for (size_t i = 0; i < res.n_rules; i++) {
        const nv_check_rule_result *r = &res.rules[i];
        failing_rules += r->failing > 0;
        if (quiet)
            continue;
        if (r->failing)
            printf("%s fails in %zu of %zu %s: %s\n", r->name, r->failing, res.rows, noun, r->text);
        else
            printf("%s holds in all %zu %s: %s\n", r->name, res.rows, noun, r->text);
    }
    if (!quiet)
        printf("%zu of %zu rules hold; violations in %s\n", res.n_rules - failing_rules, res.n_rules,
               res.violations);
    rc = failing_rules ? 3 : 0;
    nv_check_result_free(&res);
done:
    free(exprs);
    free(files);
    return rc;
}

int main(int argc, char **argv)
{
    /* glibc gives each thread that allocates an arena of its own, and each reserves 64 MB of
     * address space: pango's font threads alone could take more than the room the map is
     * checked for (NV_MAP_MEMORY), and under a memory limit (ulimit -v) GLib then ends the
     * process instead of narvaro saying "out of memory". Two arenas are plenty on the few
     * threads narvaro runs. */
    mallopt(M_ARENA_MAX, 2);
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
    catch_stop_signals();
    nv_fatal_install_new_handler(library_failed);
    nv_boundaries_on_fatal(library_failed);
    if (strcmp(cmd, "analyze") == 0)
        return cmd_analyze(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "batch") == 0)
        return cmd_batch(argc - 1, argv + 1);
    if (strcmp(cmd, "render") == 0)
        return cmd_render(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "suggest") == 0)
        return cmd_suggest(argc - 1, argv + 1);
    fprintf(stderr, "narvaro: unknown command '%s' (commands: analyze, compare, batch, render, check, suggest; see narvaro --help)\n", cmd);
    return NV_ERR_INPUT;
}
