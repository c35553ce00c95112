/* main.c — the command line: reads argv, calls the core, prints, exits. Nothing else in
 * narvaro prints or exits. */
#include "analyze.h"
#include "boundaries.h"
#include "error.h"
#include "store.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef NV_VERSION
#define NV_VERSION "0.1.0"
#endif

/* The option table of `narvaro analyze`, grouped as in the README. */
static const char ANALYZE_HELP[] =
    "Usage: narvaro analyze [OPTIONS] --out DIR\n"
    "\n"
    "Joins municipality boundaries with an office plan and measures where local presence\n"
    "is missing. With no input options it runs the default Swedish case: the 290\n"
    "municipalities and Arbetsförmedlingen's 2020 plan from the data folder\n"
    "($NARVARO_DATA, default %s).\n"
    "\n"
    "Boundaries:\n"
    "  --boundaries SRC      any OGR source: Shapefile, GeoPackage, GeoJSON, \"PG:...\"\n"
    "  --layer NAME          layer of SRC (needed when SRC has several)\n"
    "  --id-field F          code field (default: kommunkod, id, kod, code, kom_kod)\n"
    "  --name-field F        name field (default: namn, kom_namn, name)\n"
    "  --county-field F      county field (default: lanskod, lan_code, lan_kod; else the\n"
    "                        first two digits of a 4-digit code)\n"
    "  --boundaries-crs CRS  declare the CRS of a source that has none, e.g. EPSG:3006\n"
    "\n"
    "Office plans:\n"
    "  --offices CSV         an office plan (repeatable; the rows of all are one plan)\n"
    "  --offices-crs CRS     CRS of x/y columns (default: the analysis CRS); lat/lon\n"
    "                        columns are always WGS 84\n"
    "  --delimiter C         ',' ';' or 'tab' (default: detected)\n"
    "  --encoding E          UTF-8 or CP1252 (default: detected)\n"
    "  --lat COL, --lon COL  latitude/longitude columns (default: found by header)\n"
    "  --id-column COL       office id column (default: found by header)\n"
    "\n"
    "Population (demand points):\n"
    "  --population SRC      a CSV (x,y or lat,lon and a population column) or any OGR\n"
    "                        point layer; default: the municipal populations of the data\n"
    "                        folder, each at its municipality's representative point\n"
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
    "Output:\n"
    "  --out DIR             result folder: municipalities.csv, counties.csv,\n"
    "                        offices.csv, summary.json, narvaro.sqlite. Written beside\n"
    "                        DIR and swapped in at the end: a failed run leaves an\n"
    "                        earlier result untouched.\n"
    "  --no-maps             do not draw DIR/maps/presence.png (the map spec presence\n"
    "                        of the maps folder, $NARVARO_MAPS; see narvaro render)\n"
    "  -q, --quiet           no warnings or totals, only errors\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 success, 2 bad input (file:line: what is wrong (hint)), 1 other failure.\n";

static const char MAIN_HELP[] =
    "Usage: narvaro COMMAND [OPTIONS]\n"
    "\n"
    "Where does a public service lack local presence? narvaro joins municipality\n"
    "boundaries with an office plan and measures the gaps.\n"
    "\n"
    "Commands:\n"
    "  analyze     presence per municipality and county (narvaro analyze --help)\n"
    "\n"
    "Options:\n"
    "  -h, --help     this help\n"
    "  -V, --version  versions of narvaro and of GDAL, PROJ, SQLite and SpatiaLite\n";

enum {
    OPT_BOUNDARIES = 256, OPT_LAYER, OPT_ID_FIELD, OPT_NAME_FIELD, OPT_COUNTY_FIELD, OPT_BOUNDARIES_CRS,
    OPT_OFFICES, OPT_OFFICES_CRS, OPT_DELIMITER, OPT_ENCODING, OPT_LAT, OPT_LON, OPT_ID_COLUMN,
    OPT_CRS, OPT_SNAP_KM, OPT_OUT, OPT_POPULATION, OPT_POPULATION_CRS, OPT_POPULATION_LAYER,
    OPT_POPULATION_COLUMN, OPT_RADIUS_KM, OPT_THREADS, OPT_NO_MAPS
};

/* "10,25,50" -> radii; 0 on a bad list. */
static int parse_radii(const char *arg, nv_radii *radii)
{
    const char *p = arg;
    radii->n = 0;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !(v > 0) || !isfinite(v) || radii->n == NV_MAX_RADII || (*end && *end != ','))
            return 0;
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
    fprintf(stderr, " (see narvaro analyze --help)\n");
    return NV_ERR_INPUT;
}

static void print_diags(const nv_diags *d, int quiet)
{
    size_t shown = 0, warnings = 0;
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
        shown++;
    }
    if (!quiet && warnings > 20)
        fprintf(stderr, "narvaro: ... and %zu more warnings (offices.csv notes each one)\n",
                warnings - 20);
}

static int cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"boundaries", required_argument, NULL, OPT_BOUNDARIES},
        {"layer", required_argument, NULL, OPT_LAYER},
        {"id-field", required_argument, NULL, OPT_ID_FIELD},
        {"name-field", required_argument, NULL, OPT_NAME_FIELD},
        {"county-field", required_argument, NULL, OPT_COUNTY_FIELD},
        {"boundaries-crs", required_argument, NULL, OPT_BOUNDARIES_CRS},
        {"offices", required_argument, NULL, OPT_OFFICES},
        {"offices-crs", required_argument, NULL, OPT_OFFICES_CRS},
        {"delimiter", required_argument, NULL, OPT_DELIMITER},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"lat", required_argument, NULL, OPT_LAT},
        {"lon", required_argument, NULL, OPT_LON},
        {"id-column", required_argument, NULL, OPT_ID_COLUMN},
        {"crs", required_argument, NULL, OPT_CRS},
        {"snap-km", required_argument, NULL, OPT_SNAP_KM},
        {"out", required_argument, NULL, OPT_OUT},
        {"population", required_argument, NULL, OPT_POPULATION},
        {"population-crs", required_argument, NULL, OPT_POPULATION_CRS},
        {"population-layer", required_argument, NULL, OPT_POPULATION_LAYER},
        {"population-column", required_argument, NULL, OPT_POPULATION_COLUMN},
        {"radius-km", required_argument, NULL, OPT_RADIUS_KM},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"no-maps", no_argument, NULL, OPT_NO_MAPS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    nv_analyze_options o;
    memset(&o, 0, sizeof o);
    o.snap_km = 2.0;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int quiet = 0, c, rc = 0;
    if (!files)
        return NV_ERR_FAIL;
    optind = 1;
    opterr = 0; /* our own messages, prefixed like every other */
    while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case OPT_BOUNDARIES: o.boundaries.source = optarg; break;
        case OPT_LAYER: o.boundaries.layer = optarg; break;
        case OPT_ID_FIELD: o.boundaries.id_field = optarg; break;
        case OPT_NAME_FIELD: o.boundaries.name_field = optarg; break;
        case OPT_COUNTY_FIELD: o.boundaries.county_field = optarg; break;
        case OPT_BOUNDARIES_CRS: o.boundaries.source_crs = optarg; break;
        case OPT_OFFICES: files[o.n_office_files++] = optarg; break;
        case OPT_OFFICES_CRS: o.offices.xy_crs = optarg; break;
        case OPT_DELIMITER:
            if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0)
                o.offices.delimiter = '\t';
            else if (strlen(optarg) == 1 && strchr(",;\t|", optarg[0]))
                o.offices.delimiter = optarg[0];
            else {
                rc = usage_error("--delimiter '%s': give one of , ; | or tab", optarg);
                goto done;
            }
            break;
        case OPT_ENCODING: o.offices.encoding = optarg; break;
        case OPT_LAT: o.offices.lat_column = optarg; break;
        case OPT_LON: o.offices.lon_column = optarg; break;
        case OPT_ID_COLUMN: o.offices.id_column = optarg; break;
        case OPT_CRS: o.boundaries.analysis_crs = optarg; break;
        case OPT_SNAP_KM:
            o.snap_km = strtod(optarg, &end);
            if (end == optarg || *end || !(o.snap_km >= 0) || !isfinite(o.snap_km)) {
                rc = usage_error("--snap-km '%s': give a distance in km, 0 or more", optarg);
                goto done;
            }
            break;
        case OPT_OUT: o.out_dir = optarg; break;
        case OPT_NO_MAPS: o.no_maps = 1; break;
        case OPT_POPULATION: o.population.source = optarg; break;
        case OPT_POPULATION_CRS: o.population.crs = optarg; break;
        case OPT_POPULATION_LAYER: o.population.layer = optarg; break;
        case OPT_POPULATION_COLUMN: o.population.population_column = optarg; break;
        case OPT_RADIUS_KM:
            if (!parse_radii(optarg, &o.radii)) {
                rc = usage_error("--radius-km '%s': give distances in km above 0, separated by commas "
                                 "(at most 8), e.g. 10,25,50", optarg);
                goto done;
            }
            break;
        case OPT_THREADS: {
            long n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 0 || n > 256) {
                rc = usage_error("--threads '%s': give a number of threads, 0 for one per core", optarg);
                goto done;
            }
            o.population.threads = (int)n;
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': printf(ANALYZE_HELP, nv_analyze_data_dir()); goto done;
        case ':': rc = usage_error("option '%s' needs a value", argv[optind - 1]); goto done;
        default: rc = usage_error("unknown option '%s'", argv[optind - 1]); goto done;
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

    nv_diags *diags = nv_diags_create();
    nv_error err = {0};
    nv_run_summary t;
    nv_status st = nv_analyze_run(&o, &t, diags, &err);
    print_diags(diags, quiet);
    nv_diags_destroy(diags);
    if (st != NV_OK) {
        char msg[4096];
        nv_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "narvaro: %s\n", msg);
        if (st == NV_ERR_INPUT)
            fprintf(stderr, "narvaro: nothing was written%s%s\n", o.out_dir ? " to " : "", o.out_dir ? o.out_dir : "");
        rc = st;
        goto done;
    }
    if (!quiet) {
        printf("%d municipalities, %d offices: %d municipalities with an office, %d without\n",
               t.municipalities, t.offices, t.with_office, t.without_office);
        if (t.pop.population == t.pop.population) { /* not NAN */
            printf("%.0f people%s", t.pop.population,
                   t.population_municipal ? " (municipal totals at representative points)" : "");
            for (size_t r = 0; r < t.radii.n; r++)
                printf("%s%.1f%% within %g km", r ? ", " : ": ", 100 * t.pop.within[r] / t.pop.population,
                       t.radii.km[r]);
            printf(" of an office\n");
        }
        if (t.offices_snapped || t.offices_rejected)
            printf("%d offices snapped to the nearest municipality, %d rejected (see offices.csv)\n",
                   t.offices_snapped, t.offices_rejected);
        printf("results in %s/\n", o.out_dir);
    }
done:
    free(files);
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
        printf("GDAL %s, PROJ %s, SQLite %s, SpatiaLite %s\n", nv_boundaries_gdal_version(),
               nv_boundaries_proj_version(), nv_store_sqlite_version(), nv_store_spatialite_version());
        return 0;
    }
    if (strcmp(cmd, "analyze") == 0)
        return cmd_analyze(argc - 1, argv + 1);
    fprintf(stderr, "narvaro: unknown command '%s' (commands: analyze; see narvaro --help)\n", cmd);
    return NV_ERR_INPUT;
}
