/* libFuzzer harness: the population readers, both of them.
 *
 * The first byte chooses: bit 7 the table of population per municipality code
 * (nv_population_read_table, which the default run reads), else the demand points
 * (nv_population_measure_source) with bits 0-1 the delimiter (detected, ',', ';', TAB),
 * bit 2 the encoding (detected, CP1252), bits 3-4 the CRS of x/y (the analysis CRS,
 * EPSG:3006, EPSG:4326 — then lat/lon), bit 5 the population column named by option.
 * The points are measured against one square municipality and one office, on one
 * thread. The rest of the input is the file (named *.csv, as the readers want). */
#include "index.h"
#include "population.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add_row(const char *code, double population, long line, void *user)
{
    double *sum = user;
    *sum += population + (double)line + (double)strlen(code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nv_polyindex *areas;
    static nv_kdtree *offices;
    static char path[64];
    if (!areas) {
        static const size_t ring_start[] = {0, 4};
        static const double square[] = {600000, 6500000, 700000, 6500000, 700000, 6600000, 600000, 6600000};
        static const double office[] = {650000, 6550000};
        nv_poly_view v = {1, ring_start, square};
        areas = nv_polyindex_create(&v, 1);
        offices = nv_kdtree_create(office, 1);
        snprintf(path, sizeof path, "/tmp/nv-fuzz-population-%ld.csv", (long)getpid());
    }
    if (size < 1 || !areas || !offices)
        return 0;
    unsigned sel = data[0];
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    if (fclose(f) != 0)
        return 0;
    nv_error err;
    memset(&err, 0, sizeof err);
    if (sel & 0x80) {
        double sum = 0;
        nv_population_read_table(path, add_row, &sum, &err);
        return 0;
    }
    static const char delimiters[] = {0, ',', ';', '\t'};
    static const char *const crs[] = {NULL, "EPSG:3006", "EPSG:4326", NULL};
    nv_population_options o;
    memset(&o, 0, sizeof o);
    o.source = path;
    o.delimiter = delimiters[sel & 3];
    o.encoding = sel & 4 ? "CP1252" : NULL;
    o.crs = crs[(sel >> 3) & 3];
    o.population_column = sel & 0x20 ? "befolkning" : NULL;
    o.threads = 1;
    static const double radii_m[] = {10000, 25000};
    nv_demand_target t = {areas, 1, offices, radii_m, 2, 2000}; /* far: beyond 2 km of the square */
    nv_demand_stats stats[3]; /* the area, "outside but near", "far from every area" */
    memset(stats, 0, sizeof stats);
    long points = 0;
    nv_diags *diags = nv_diags_create();
    nv_population_measure_source(&o, &t, stats, &points, diags, &err);
    nv_diags_destroy(diags);
    return 0;
}
