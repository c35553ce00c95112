/* test_offices.c — office plans: the four shared plans, the transform, and every bad
 * case on a tiny fixture in tests/data/offices (see its README.md). */
#include "nv_test.h"
#include "offices.h"

#include <stdio.h>
#include <stdlib.h>

/* Reads one file into a fresh plan; *status gets nv_plan_read's result. */
static nv_plan *read1(const char *path, const nv_offices_options *opts, nv_diags *d, nv_error *e,
                      nv_status *status)
{
    nv_plan *p = nv_plan_create();
    *status = nv_plan_read(p, path, opts, d, e);
    return p;
}

/* The message of the first NV_PROBLEM on the given line, or NULL. */
static const char *problem_at(const nv_diags *d, long line)
{
    for (size_t i = 0; i < nv_diags_count(d); i++) {
        const nv_diag *g = nv_diags_get(d, i);
        if (g->severity == NV_PROBLEM && g->line == line)
            return g->message;
    }
    return NULL;
}

static void test_real_plans(void)
{
    const char *files[] = {"data/plans/af-2020-illustrative.csv",
                           "data/plans/af-2020-illustrative-excel-utf8.csv",
                           "data/plans/af-2020-illustrative-excel-ansi.csv"};
    const char *encodings[] = {"UTF-8", "UTF-8 with BOM", "Windows-1252"};
    const char delims[] = {',', ';', ';'};
    nv_plan *p[3];
    for (int k = 0; k < 3; k++) {
        nv_diags *d = nv_diags_create();
        nv_error e = {0};
        nv_status st;
        char path[4096];
        snprintf(path, sizeof path, "%s", nv_test_shared(files[k]));
        p[k] = read1(path, NULL, d, &e, &st);
        NV_CHECK_INT(st, NV_OK);
        NV_CHECK_STR(e.message, "");
        NV_CHECK_INT(nv_diags_count(d), 0);
        NV_CHECK_INT(nv_plan_count(p[k]), 112);
        NV_CHECK_STR(nv_plan_last_encoding(p[k]), encodings[k]);
        NV_CHECK_INT(nv_plan_last_delimiter(p[k]), delims[k]);
        const nv_office *o = nv_plan_office(p[k], 0);
        NV_CHECK_STR(o->id, "AF001");
        NV_CHECK_STR(o->name, "Arbetsf\xc3\xb6rmedlingen Upplands V\xc3\xa4sby");
        NV_CHECK_STR(o->type, "staffed");
        NV_CHECK_STR(o->kommunkod, "0114");
        NV_CHECK_INT(o->line, 2);
        NV_CHECK_INT(o->valid, 1);
        NV_CHECK(o->problem == NULL);
        NV_CHECK_NEAR(o->lat_deg, 59.521324, 1e-12);
        NV_CHECK_NEAR(o->lon_deg, 17.905172, 1e-12);
        NV_CHECK_INT(nv_plan_office(p[k], 111)->line, 113);
        nv_diags_destroy(d);
    }
    NV_CHECK_STR(nv_plan_office(p[0], 0)->basis, "filled-by-population");
    NV_CHECK_STR(nv_plan_office(p[1], 0)->basis, "");

    int same = 1, booked = 0;
    for (size_t i = 0; i < 112; i++) {
        const nv_office *a = nv_plan_office(p[0], i);
        booked += strcmp(a->type, "booked") == 0;
        for (int k = 1; k < 3; k++) {
            const nv_office *b = nv_plan_office(p[k], i);
            if (strcmp(a->id, b->id) || strcmp(a->name, b->name) || strcmp(a->type, b->type) ||
                strcmp(a->kommunkod, b->kommunkod) || fabs(a->lat_deg - b->lat_deg) > 1e-9 ||
                fabs(a->lon_deg - b->lon_deg) > 1e-9 || fabs(a->x - b->x) > 1e-9 ||
                fabs(a->y - b->y) > 1e-9 || a->valid != b->valid || !a->valid) {
                same = 0;
                fprintf(stderr, "row %zu differs between variant 0 and %d (%s / %s)\n", i, k, a->id, b->id);
            }
        }
    }
    NV_CHECK(same);
    NV_CHECK_INT(booked, 24);
    for (int k = 0; k < 3; k++)
        nv_plan_destroy(p[k]);

    nv_diags *d = nv_diags_create();
    nv_error e = {0};
    nv_status st;
    nv_plan *q = read1(nv_test_shared("data/plans/af-2019-illustrative.csv"), NULL, d, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    NV_CHECK_INT(nv_plan_count(q), 242);
    NV_CHECK_STR(nv_plan_office(q, 241)->id, "AF242");
    NV_CHECK_STR(nv_plan_office(q, 241)->name, "Arbetsf\xc3\xb6rmedlingen Kiruna");
    NV_CHECK_INT(nv_diags_count(d), 0);
    nv_plan_destroy(q);
    nv_diags_destroy(d);
}

/* The ANSI plan is not UTF-8: asked to read it as UTF-8, the reader must say so. */
static void test_forced_utf8_on_cp1252(void)
{
    nv_offices_options opts = {0};
    opts.encoding = "utf-8";
    nv_error e = {0};
    nv_status st;
    nv_plan *p = read1(nv_test_shared("data/plans/af-2020-illustrative-excel-ansi.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_INT(e.line, 2);
    NV_CHECK_CONTAINS(e.message, "is not valid UTF-8");
    NV_CHECK_CONTAINS(e.message, "CP1252");
    NV_CHECK_INT(nv_plan_count(p), 0);
    nv_plan_destroy(p);

    opts.encoding = "EBCDIC";
    p = read1(nv_test_data("offices/stockholm.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "unknown encoding \"EBCDIC\"");
    nv_plan_destroy(p);
}

/* cs2cs EPSG:4326 EPSG:3006 on 59.3293 18.0686 gives N 6580743.0083, E 674571.8664. */
static void test_stockholm_transform(void)
{
    nv_error e = {0};
    nv_status st;
    nv_plan *p = read1(nv_test_data("offices/stockholm.csv"), NULL, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    const nv_office *o = nv_plan_office(p, 0);
    NV_CHECK_NEAR(o->x, 674571.8664, 0.01);
    NV_CHECK_NEAR(o->y, 6580743.0083, 0.01);
    NV_CHECK_STR(o->type, "staffed"); /* no type column */
    NV_CHECK_STR(o->kommunkod, "");
    nv_plan_destroy(p);

    nv_offices_options opts = {0};
    opts.analysis_crs = "EPSG:999999";
    p = read1(nv_test_data("offices/stockholm.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "EPSG:999999");
    NV_CHECK_INT(nv_plan_count(p), 0);
    nv_plan_destroy(p);
}

static void test_xy(void)
{
    nv_error e = {0};
    nv_status st;
    nv_plan *p = read1(nv_test_data("offices/xy.csv"), NULL, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    const nv_office *o = nv_plan_office(p, 0);
    NV_CHECK_NEAR(o->x, 674571.8664, 1e-6);
    NV_CHECK_NEAR(o->y, 6580743.0083, 1e-6);
    NV_CHECK(isnan(o->lat_deg) && isnan(o->lon_deg));
    nv_plan_destroy(p);

    /* easting/northing in another CRS: xy_crs says which */
    nv_offices_options opts = {0};
    opts.xy_crs = "EPSG:4326";
    p = read1(nv_test_data("offices/xy_lonlat.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    o = nv_plan_office(p, 0);
    NV_CHECK_NEAR(o->x, 674571.8664, 0.01);
    NV_CHECK_NEAR(o->y, 6580743.0083, 0.01);
    nv_plan_destroy(p);
}

/* Reads a bad fixture; checks status, row count, and that the problem on `line`
 * contains `want`. Returns the plan for more checks. */
static nv_plan *expect_row_problem(const char *fixture, long line, const char *want, size_t rows,
                                   size_t bad_rows, nv_diags *d)
{
    nv_error e = {0};
    nv_status st;
    char path[4096];
    snprintf(path, sizeof path, "%s", nv_test_data(fixture));
    nv_plan *p = read1(path, NULL, d, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_INT(nv_plan_count(p), rows);
    NV_CHECK_INT(nv_diags_count_severity(d, NV_PROBLEM), bad_rows);
    NV_CHECK_CONTAINS(problem_at(d, line), want);
    char summary[64];
    snprintf(summary, sizeof summary, "%zu row%s of ", bad_rows, bad_rows == 1 ? "" : "s");
    NV_CHECK_CONTAINS(e.message, summary);
    NV_CHECK_CONTAINS(e.message, "see above");
    NV_CHECK_STR(e.path, path);
    for (size_t i = 0; i < nv_plan_count(p); i++) {
        const nv_office *o = nv_plan_office(p, i);
        if (o->line == line) {
            NV_CHECK_INT(o->valid, 0);
            NV_CHECK(isnan(o->x) && isnan(o->y));
            NV_CHECK_CONTAINS(o->problem, want);
        }
    }
    return p;
}

static void test_row_problems(void)
{
    nv_diags *d = nv_diags_create();
    nv_plan *p = expect_row_problem("offices/too_few_fields.csv", 5,
                                    "line 5 has 4 fields, the header has 7 (a missing delimiter", 5, 1, d);
    NV_CHECK_STR(nv_plan_office(p, 3)->id, "A4");
    NV_CHECK_INT(nv_plan_office(p, 4)->valid, 1);
    nv_plan_destroy(p);
    nv_diags_destroy(d);

    d = nv_diags_create();
    p = expect_row_problem("offices/too_many_fields.csv", 3,
                           "line 3 has 8 fields, the header has 7 (an unquoted ','", 2, 1, d);
    nv_plan_destroy(p);
    nv_diags_destroy(d);

    d = nv_diags_create();
    p = expect_row_problem("offices/bad_number.csv", 2,
                           "latitude \"59.5x\" (column \"lat\") is not a number", 2, 2, d);
    NV_CHECK_CONTAINS(problem_at(d, 3), "longitude \"abc\" (column \"lon\") is not a number");
    nv_plan_destroy(p);
    nv_diags_destroy(d);

    d = nv_diags_create();
    p = expect_row_problem("offices/out_of_range.csv", 2,
                           "latitude 191.2 (column \"lat\") is outside -90..90; are lat and lon swapped", 3,
                           2, d);
    NV_CHECK_CONTAINS(problem_at(d, 3), "longitude -200 (column \"lon\") is outside -180..180");
    NV_CHECK_INT(nv_plan_office(p, 2)->valid, 1);
    nv_plan_destroy(p);
    nv_diags_destroy(d);

    d = nv_diags_create();
    p = expect_row_problem("offices/empty_coordinate.csv", 2, "empty latitude (column \"lat\")", 2, 1, d);
    nv_plan_destroy(p);
    nv_diags_destroy(d);

    d = nv_diags_create();
    p = expect_row_problem("offices/empty_type.csv", 2, "empty type (column \"type\")", 1, 1, d);
    nv_plan_destroy(p);
    nv_diags_destroy(d);

    d = nv_diags_create();
    char first[4200];
    snprintf(first, sizeof first, "duplicate office id AF001 (first seen at %s:2); ids must be unique",
             nv_test_data("offices/duplicate_id.csv"));
    p = expect_row_problem("offices/duplicate_id.csv", 4, first, 3, 1, d);
    /* and across the files of one plan */
    nv_error e = {0};
    NV_CHECK_INT(nv_plan_read(p, nv_test_data("offices/duplicate_id_other_file.csv"), NULL, d, &e), NV_ERR_INPUT);
    NV_CHECK_INT(nv_plan_count(p), 5);
    snprintf(first, sizeof first, "duplicate office id AF002 (first seen at %s:3)",
             nv_test_data("offices/duplicate_id.csv"));
    const nv_office *o = nv_plan_office(p, 4);
    NV_CHECK_CONTAINS(o->problem, first);
    NV_CHECK_STR(o->source, nv_test_data("offices/duplicate_id_other_file.csv"));
    NV_CHECK_INT(o->line, 3);
    NV_CHECK_INT(nv_plan_office(p, 3)->valid, 1);
    NV_CHECK_CONTAINS(e.message, "1 row of ");
    nv_plan_destroy(p);
    nv_diags_destroy(d);
}

static void expect_file_error(const char *path, long line, const char *want)
{
    nv_diags *d = nv_diags_create();
    nv_error e = {0};
    nv_status st;
    nv_plan *p = read1(path, NULL, d, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_INT(nv_plan_count(p), 0);
    NV_CHECK_STR(e.path, path);
    NV_CHECK_INT(e.line, line);
    NV_CHECK_CONTAINS(e.message, want);
    nv_plan_destroy(p);
    nv_diags_destroy(d);
}

static void test_file_problems(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", nv_test_data("offices/no-such-file.csv"));
    expect_file_error(path, 0, "cannot open the office plan: No such file or directory");
    snprintf(path, sizeof path, "%s", nv_test_data("offices"));
    expect_file_error(path, 0, "cannot read the office plan: Is a directory");
    snprintf(path, sizeof path, "%s", nv_test_data("offices/empty.csv"));
    expect_file_error(path, 0, "has no data rows (the file is empty)");
    snprintf(path, sizeof path, "%s", nv_test_data("offices/header_only.csv"));
    expect_file_error(path, 0, "has no data rows, only the header (line 1)");
    snprintf(path, sizeof path, "%s", nv_test_data("offices/no_coordinates.csv"));
    expect_file_error(path, 1, "has no coordinate columns (columns found: office_id, name, adress); name them lat and lon");
    snprintf(path, sizeof path, "%s", nv_test_data("offices/duplicate_header.csv"));
    expect_file_error(path, 1, "names column \"lat\" twice (columns 3 and 4)");
    snprintf(path, sizeof path, "%s", nv_test_data("offices/unclosed_quote.csv"));
    expect_file_error(path, 2, "never closed");
}

static void test_blank_lines(void)
{
    nv_error e = {0};
    nv_status st;
    nv_plan *p = read1(nv_test_data("offices/blank_lines.csv"), NULL, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    /* Every data line is a row: the blank ones (empty, spaces, ",,,,,,") are marked blank. */
    const long lines[] = {2, 3, 4, 5, 6, 7, 8};
    const int blank[] = {1, 0, 1, 1, 0, 1, 0};
    NV_CHECK_INT(nv_plan_count(p), 7);
    for (size_t i = 0; i < 7 && i < nv_plan_count(p); i++) {
        NV_CHECK_INT(nv_plan_office(p, i)->line, lines[i]);
        NV_CHECK_INT(nv_plan_office(p, i)->blank, blank[i]);
        NV_CHECK_INT(nv_plan_office(p, i)->valid, 1);
    }
    NV_CHECK_STR(nv_plan_office(p, 1)->id, "A1");
    NV_CHECK_STR(nv_plan_office(p, 3)->id, "");
    nv_plan_destroy(p);
}

/* ';', CRLF, decimal commas, Swedish type words, and quoted names spanning lines: later
 * rows must still carry their physical line numbers. */
static void test_semicolon_multiline(void)
{
    nv_diags *d = nv_diags_create();
    nv_error e = {0};
    nv_status st;
    nv_plan *p = read1(nv_test_data("offices/semicolon_multiline_crlf.csv"), NULL, d, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT); /* K3 has latitude 59,5x */
    NV_CHECK_INT(nv_plan_last_delimiter(p), ';');
    NV_CHECK_INT(nv_plan_count(p), 5); /* with the blank line 7 */
    NV_CHECK_INT(nv_plan_office(p, 2)->line, 7);
    NV_CHECK_INT(nv_plan_office(p, 2)->blank, 1);
    const nv_office *o = nv_plan_office(p, 0);
    NV_CHECK_INT(o->line, 2);
    NV_CHECK_STR(o->name, "Kontor\r\nNord");
    NV_CHECK_STR(o->type, "staffed");
    NV_CHECK_NEAR(o->lat_deg, 59.521324, 1e-12);
    NV_CHECK_INT(o->valid, 1);
    o = nv_plan_office(p, 1);
    NV_CHECK_INT(o->line, 4);
    NV_CHECK_STR(o->type, "booked");
    o = nv_plan_office(p, 3);
    NV_CHECK_INT(o->line, 8);
    NV_CHECK_STR(o->kommunkod, "0114");
    NV_CHECK_STR(o->type, "booked");
    NV_CHECK_INT(o->valid, 0);
    NV_CHECK_CONTAINS(problem_at(d, 8), "latitude \"59,5x\" (column \"Latitud\") is not a number");
    o = nv_plan_office(p, 4);
    NV_CHECK_INT(o->line, 9);
    NV_CHECK_STR(o->type, "servicekontor");
    NV_CHECK_NEAR(o->lat_deg, 59.6, 1e-12);
    NV_CHECK_INT(o->valid, 1);
    NV_CHECK_INT(nv_diags_count(d), 1);
    nv_plan_destroy(p);
    nv_diags_destroy(d);

    p = read1(nv_test_data("offices/quoted_decimal_comma.csv"), NULL, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    NV_CHECK_NEAR(nv_plan_office(p, 0)->lat_deg, 59.5, 1e-12);
    NV_CHECK_NEAR(nv_plan_office(p, 0)->lon_deg, 17.9, 1e-12);
    nv_plan_destroy(p);
}

static void test_options_override(void)
{
    nv_error e = {0};
    nv_status st;
    /* detection finds no ',' ';' or TAB and falls back to ',': no coordinate columns */
    nv_plan *p = read1(nv_test_data("offices/pipe_override.csv"), NULL, NULL, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "the header is one column: if the delimiter is not");
    NV_CHECK_INT(nv_plan_last_delimiter(p), ',');
    nv_plan_destroy(p);

    nv_offices_options opts = {0};
    opts.delimiter = '|';
    opts.lat_column = "NORD";
    opts.lon_column = "ost";
    opts.id_column = "Kod";
    p = read1(nv_test_data("offices/pipe_override.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    NV_CHECK_INT(nv_plan_last_delimiter(p), '|');
    NV_CHECK_INT(nv_plan_count(p), 1);
    NV_CHECK_STR(nv_plan_office(p, 0)->id, "P1");
    NV_CHECK_STR(nv_plan_office(p, 0)->name, "");
    NV_CHECK_NEAR(nv_plan_office(p, 0)->lat_deg, 59.5, 1e-12);
    NV_CHECK_NEAR(nv_plan_office(p, 0)->lon_deg, 17.9, 1e-12);
    nv_plan_destroy(p);

    opts.lat_column = "breddgrad";
    p = read1(nv_test_data("offices/pipe_override.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "has no column \"breddgrad\" (asked for as the latitude column by --lat); the columns are: kod, plats, nord, ost, typ");
    nv_plan_destroy(p);

    /* The bytes C3 A5 are "å" in UTF-8 and "Ã¥" in Windows-1252. */
    p = read1(nv_test_data("offices/encoding_ambiguous.csv"), NULL, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    NV_CHECK_STR(nv_plan_office(p, 0)->name, "\xc3\xa5sa");
    NV_CHECK_STR(nv_plan_last_encoding(p), "UTF-8");
    nv_plan_destroy(p);
    memset(&opts, 0, sizeof opts);
    opts.encoding = "CP1252";
    p = read1(nv_test_data("offices/encoding_ambiguous.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    NV_CHECK_STR(nv_plan_office(p, 0)->name, "\xc3\x83\xc2\xa5sa");
    NV_CHECK_STR(nv_plan_last_encoding(p), "Windows-1252");
    nv_plan_destroy(p);
}

/* A cache of PROJ state gives the same coordinates, also for a second CRS and after an
 * unknown one. */
static void test_cache(void)
{
    nv_error e = {0};
    nv_status st;
    nv_offices_cache *c = nv_offices_cache_create();
    nv_offices_options opts = {0};
    opts.cache = c;
    for (int round = 0; round < 2; round++) {
        nv_plan *p = read1(nv_test_data("offices/stockholm.csv"), &opts, NULL, &e, &st);
        NV_CHECK_INT(st, NV_OK);
        NV_CHECK_NEAR(nv_plan_office(p, 0)->x, 674571.8664, 0.01);
        NV_CHECK_NEAR(nv_plan_office(p, 0)->y, 6580743.0083, 0.01);
        nv_plan_destroy(p);
    }
    opts.analysis_crs = "EPSG:999999";
    nv_plan *p = read1(nv_test_data("offices/stockholm.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "EPSG:999999");
    nv_plan_destroy(p);
    opts.analysis_crs = "EPSG:3067"; /* Finland's ETRS-TM35FIN: another slot */
    p = read1(nv_test_data("offices/stockholm.csv"), &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    NV_CHECK(nv_plan_count(p) == 1 && fabs(nv_plan_office(p, 0)->x - 674571.8664) > 1000);
    nv_plan_destroy(p);
    nv_offices_cache_destroy(c);
    nv_offices_cache_destroy(NULL);
}

/* A plan's rows are kept in blocks that a caller done with them frees as it walks them
 * (nv_plan_drop_rows_before, as nv_coverage_compute_drop_rows does): 340,000 rows span
 * two blocks of 300,000. Freed rows are NULL, later ones and every string stay, nothing
 * more can be read until nv_plan_drop_rows, and after it the plan is empty and readable. */
static void test_drop_rows_in_blocks(void)
{
    enum { ROWS = 340000, BLOCK = 300000 }; /* BLOCK: PLAN_CHUNK_ROWS in offices.c */
    char path[] = "/tmp/nv_test_offices_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    NV_CHECK(f != NULL);
    if (!f)
        return;
    fprintf(f, "office_id,lat,lon\n");
    for (int i = 0; i < ROWS; i++)
        fprintf(f, "R%d,59.%04d,18.0\n", i, i % 10000);
    fclose(f);
    nv_offices_cache *c = nv_offices_cache_create();
    nv_offices_options opts = {0};
    opts.cache = c;
    nv_error e = {0};
    nv_status st;
    nv_plan *p = read1(path, &opts, NULL, &e, &st);
    NV_CHECK_INT(st, NV_OK);
    NV_CHECK_INT(nv_plan_count(p), ROWS);
    NV_CHECK_STR(nv_plan_office(p, BLOCK - 1)->id, "R299999");
    NV_CHECK_STR(nv_plan_office(p, BLOCK)->id, "R300000");
    NV_CHECK_INT(nv_plan_office(p, BLOCK)->line, BLOCK + 2);
    NV_CHECK(nv_plan_office(p, ROWS) == NULL);
    const char *id0 = nv_plan_office(p, 0)->id, *src = nv_plan_office(p, 0)->source;

    nv_plan_drop_rows_before(p, 0);
    NV_CHECK_STR(nv_plan_office(p, 0)->id, "R0");
    NV_CHECK_INT(nv_plan_read(p, path, &opts, NULL, &e), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(e.message, "nv_plan_drop_rows");
    NV_CHECK_INT(nv_plan_count(p), ROWS);
    nv_plan_drop_rows_before(p, BLOCK - 1); /* row BLOCK - 1 keeps its block */
    NV_CHECK_STR(nv_plan_office(p, 0)->id, "R0");
    nv_plan_drop_rows_before(p, BLOCK);
    NV_CHECK(nv_plan_office(p, 0) == NULL);
    NV_CHECK(nv_plan_office(p, BLOCK - 1) == NULL);
    NV_CHECK_STR(nv_plan_office(p, BLOCK)->id, "R300000");
    NV_CHECK_STR(nv_plan_office(p, ROWS - 1)->id, "R339999");
    nv_plan_drop_rows_before(p, ROWS); /* the last block, not full, stays for nv_plan_drop_rows */
    NV_CHECK_STR(nv_plan_office(p, ROWS - 1)->id, "R339999");
    NV_CHECK_INT(nv_plan_count(p), ROWS);
    nv_plan_drop_rows(p);
    NV_CHECK_INT(nv_plan_count(p), 0);
    NV_CHECK_STR(id0, "R0");
    NV_CHECK_STR(src, path);

    NV_CHECK_INT(nv_plan_read(p, nv_test_data("offices/stockholm.csv"), &opts, NULL, &e), NV_OK);
    NV_CHECK_INT(nv_plan_count(p), 1);
    nv_plan_drop_rows_before(NULL, 0);
    nv_plan_destroy(p);
    nv_offices_cache_destroy(c);
    remove(path);
}

int main(void)
{
    nv_plan_destroy(NULL);
    test_cache();
    test_real_plans();
    test_forced_utf8_on_cp1252();
    test_stockholm_transform();
    test_xy();
    test_row_problems();
    test_file_problems();
    test_blank_lines();
    test_semicolon_multiline();
    test_options_override();
    test_drop_rows_in_blocks();
    return nv_test_report("test_offices");
}
